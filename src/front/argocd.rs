//! The Argo CD Config Management Plugin (`plugin/argocd/plugin.yaml` runs
//! `spaces-postrender argocd-cmp init` and `... generate` in the Application's source
//! directory). Argo CD has no post-renderer; this renders the chart with `helm template` and
//! post-renders it.
//!
//! The Application's author controls `ARGOCD_ENV_*` (its `plugin.env`), so every path there is
//! someone else's input: the chart (`ARGOCD_ENV_CHART`, default the source directory) and the
//! values file (`ARGOCD_ENV_VALUES_FILE`, default `values.yaml`) must be inside the source
//! directory after resolving symlinks (the process's working directory, where the CMP server
//! runs the command), and neither may be a URL or start with `-`. They are checked here, before
//! Helm sees them; Helm gets their canonical absolute paths, after `--` and in `--flag=value`
//! form. A chart whose files include a symlink out of the source directory, or whose
//! `dependencies` name a `file://` repository outside it, is refused too: Helm follows both.

use crate::diag::{Code, Diagnostic, Format, Origin, Report};
use crate::front::guard::{self, Kind};
use crate::front::io::Io;
use crate::pipeline::Settings;
use crate::plan::Target;
use crate::values::versions::SpacesVersion;
use crate::{EXIT_INVALID, EXIT_OK};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The variables the plugin reads (Argo CD prefixes an Application's `plugin.env` names with
/// `ARGOCD_ENV_`) and their defaults.
pub const ENV_CHART: &str = "ARGOCD_ENV_CHART";
pub const ENV_VALUES_FILE: &str = "ARGOCD_ENV_VALUES_FILE";
pub const ENV_TARGET: &str = "ARGOCD_ENV_TARGET";
pub const ENV_SPACES_VERSION: &str = "ARGOCD_ENV_SPACES_VERSION";
const DEFAULT_VALUES_FILE: &str = "values.yaml";

/// What the Application asks for, checked.
struct Source {
    root: PathBuf,
    /// Canonical paths.
    chart: PathBuf,
    values: PathBuf,
    target: Target,
    /// The Spaces version the values are checked against (the newest known when unset).
    spaces: Option<SpacesVersion>,
    name: String,
    namespace: String,
}

fn refused(var: &str, value: &str, why: &guard::Refusal) -> Diagnostic {
    Diagnostic::error(
        Code::PathRefused,
        "",
        format!("{var} {value:?} {}", why.reason("the source directory")),
    )
    .at(Some(Origin::Env { name: var.into() }))
    .hint("name a file or directory of the Application's source directory by a relative path (without `..` leading out of it); the plugin reads nothing else")
}

/// The source directory: the working directory, where the CMP server runs the plugin.
fn root() -> Result<PathBuf, Vec<Diagnostic>> {
    std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(|e| {
            vec![Diagnostic::error(
                Code::ReadInput,
                "",
                format!("cannot resolve the working directory (the source directory): {e}"),
            )]
        })
}

/// The chart the Application names, checked (with the problems of its files).
fn chart(io: &Io, root: &Path, problems: &mut Vec<Diagnostic>) -> Option<PathBuf> {
    let chart_arg = (io.env)(ENV_CHART)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| ".".into());
    match guard::confine(root, &chart_arg, Kind::Dir) {
        Ok(chart) => {
            problems.extend(chart_problems(root, &chart, &chart_arg));
            Some(chart)
        }
        Err(why) => {
            problems.push(refused(ENV_CHART, &chart_arg, &why));
            None
        }
    }
}

/// Read and check the Application's settings; every problem at once.
fn source(io: &Io) -> Result<Source, Vec<Diagnostic>> {
    let mut problems = vec![];
    let get = |k: &str| (io.env)(k).filter(|v| !v.is_empty());
    let root = root()?;
    let chart = chart(io, &root, &mut problems);
    let values_arg = get(ENV_VALUES_FILE).unwrap_or_else(|| DEFAULT_VALUES_FILE.into());
    let values = guard::confine(&root, &values_arg, Kind::File)
        .map_err(|why| problems.push(refused(ENV_VALUES_FILE, &values_arg, &why)))
        .ok();
    let target_arg = get(ENV_TARGET).unwrap_or_else(|| "space".into());
    let target = Target::from_name(&target_arg);
    if target.is_none() {
        problems.push(
            Diagnostic::error(
                Code::ConfigValue,
                "",
                format!("{ENV_TARGET} {target_arg:?} is not a target"),
            )
            .at(Some(Origin::Env {
                name: ENV_TARGET.into(),
            }))
            .hint(format!("use one of {}", Target::names())),
        );
    }
    let spaces = match get(ENV_SPACES_VERSION) {
        None => None,
        Some(v) => match SpacesVersion::from_arg(&v) {
            Ok(version) => Some(version),
            Err(why) => {
                problems.push(
                    Diagnostic::error(
                        Code::ConfigValue,
                        "",
                        format!("{ENV_SPACES_VERSION} {v:?}: {why}"),
                    )
                    .at(Some(Origin::Env {
                        name: ENV_SPACES_VERSION.into(),
                    })),
                );
                None
            }
        },
    };
    let mut app = |k: &str| match get(k) {
        Some(v) if crate::k8s::is_dns_subdomain(&v) => v,
        _ => {
            problems.push(
                Diagnostic::error(
                    Code::ConfigValue,
                    "",
                    format!("{k} is not set to a Kubernetes name"),
                )
                .at(Some(Origin::Env { name: k.into() }))
                .hint("the Argo CD CMP server sets it; run this only as the plugin's command"),
            );
            String::new()
        }
    };
    let name = app("ARGOCD_APP_NAME");
    let namespace = app("ARGOCD_APP_NAMESPACE");
    match (chart, values, target) {
        (Some(chart), Some(values), Some(target)) if problems.is_empty() => Ok(Source {
            root,
            chart,
            values,
            target,
            spaces,
            name,
            namespace,
        }),
        _ => Err(problems),
    }
}

/// A chart directory Helm would read outside the source through: a symlink out of it (Helm's
/// loader follows links), or a `file://` dependency repository outside it.
fn chart_problems(root: &Path, chart: &Path, chart_arg: &str) -> Vec<Diagnostic> {
    let at = || {
        Some(Origin::Env {
            name: ENV_CHART.into(),
        })
    };
    let mut out: Vec<Diagnostic> = guard::links_out(root, chart)
        .into_iter()
        .map(|l| {
            Diagnostic::error(
                Code::PathRefused,
                "",
                format!(
                    "the chart {chart_arg:?} holds the symlink {:?}, which does not lead to a file inside the source directory",
                    guard::relative_to(root, &l)
                ),
            )
            .at(at())
            .hint("Helm follows symlinks in a chart: replace the link with the file itself")
        })
        .collect();
    let Ok(text) = std::fs::read_to_string(chart.join("Chart.yaml")) else {
        return out;
    };
    let Ok(meta) = serde_saphyr::from_str::<serde_json::Value>(&text) else {
        return out; // Helm says what is wrong with it.
    };
    for dep in meta["dependencies"].as_array().into_iter().flatten() {
        let Some(local) = dep["repository"]
            .as_str()
            .and_then(|r| r.strip_prefix("file://"))
        else {
            continue;
        };
        let inside = chart
            .join(local)
            .canonicalize()
            .is_ok_and(|p| p.starts_with(root));
        if !inside {
            out.push(
                Diagnostic::error(
                    Code::PathRefused,
                    "",
                    format!("a dependency of the chart {chart_arg:?} has the repository \"file://{local}\", which is not a directory inside the source directory"),
                )
                .at(at())
                .hint("vendor the dependency into the source directory, or name a chart repository"),
            );
        }
    }
    out
}

fn failed(io: &mut Io, problems: Vec<Diagnostic>) -> i32 {
    let report = Report { items: problems };
    crate::front::run::print_report(io, &report, Format::Human, false);
    EXIT_INVALID
}

/// helm with an empty standard input: a pipe closed at once (not `/dev/null`, which a
/// minimal image's file system may lack).
fn helm() -> Command {
    let mut c = Command::new("helm");
    c.stdin(Stdio::piped());
    c
}

/// `argocd-cmp init`: `helm dependency build` when the chart has dependencies (Helm's own output
/// goes to stderr: the CMP server reads stdout only from generate).
pub fn init(io: &mut Io) -> i32 {
    let root = match root() {
        Ok(r) => r,
        Err(ds) => return failed(io, ds),
    };
    let mut problems = vec![];
    let chart = chart(io, &root, &mut problems);
    let Some(chart) = chart.filter(|_| problems.is_empty()) else {
        return failed(io, problems);
    };
    let has_deps = std::fs::read_to_string(chart.join("Chart.yaml"))
        .is_ok_and(|t| t.lines().any(|l| l.starts_with("dependencies:")));
    if !has_deps {
        return EXIT_OK;
    }
    let out = helm()
        .arg("dependency")
        .arg("build")
        .arg("--")
        .arg(&chart)
        .output();
    match out {
        Ok(o) => {
            let _ = io.stderr.write_all(&o.stdout);
            let _ = io.stderr.write_all(&o.stderr);
            if o.status.success() {
                // What it fetched must not lead out either.
                let again = chart_problems(&root, &chart, ".");
                if again.is_empty() {
                    EXIT_OK
                } else {
                    failed(io, again)
                }
            } else {
                failed(
                    io,
                    vec![Diagnostic::error(
                        Code::Tool,
                        "",
                        format!("helm dependency build failed ({})", o.status),
                    )
                    .hint("its messages are above")],
                )
            }
        }
        Err(e) => failed(io, vec![cannot_start(&e)]),
    }
}

fn cannot_start(e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Tool, "", format!("cannot run helm: {e}"))
        .hint("the plugin's image needs helm on PATH")
}

/// Helm's standard output; at its end, Helm's exit status (a failed render is a read error, so
/// the post-render run fails and writes nothing).
struct Rendered {
    child: Child,
    out: ChildStdout,
    finished: bool,
}

impl Read for Rendered {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.out.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.finished {
            self.finished = true;
            let status = self.child.wait()?;
            if !status.success() {
                return Err(std::io::Error::other(format!(
                    "helm template failed ({status}); its messages are above"
                )));
            }
        }
        Ok(n)
    }
}

/// `argocd-cmp generate`: `helm template` the chart with the values file, post-render its output
/// with the same values file, print the result only when both succeeded.
pub fn generate(io: &mut Io) -> i32 {
    let src = match source(io) {
        Ok(s) => s,
        Err(ds) => return failed(io, ds),
    };
    // The values as the post-render reads them: relative to the source directory (the working
    // directory), so that messages name `values.yaml:10:16`.
    let values_rel = guard::relative_to(&src.root, &src.values);
    let mut report = Report::default();
    let layers = crate::values::ValuesInput {
        files: vec![values_rel],
        ..Default::default()
    }
    .layers();
    let Some(checked) = crate::values::check::check(&layers, None, src.spaces, &mut report.items)
    else {
        return failed(io, report.items);
    };
    if report.has_errors() {
        return failed(io, report.items);
    }
    let spawned = helm()
        .arg("template")
        .arg(format!("--namespace={}", src.namespace))
        .arg("--include-crds")
        .arg(format!("--values={}", src.values.display()))
        .arg("--")
        .arg(&src.name)
        .arg(&src.chart)
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return failed(io, vec![cannot_start(&e)]),
    };
    drop(child.stdin.take());
    let Some(out) = child.stdout.take() else {
        return failed(io, vec![cannot_start(&std::io::Error::other("no pipe"))]);
    };
    let mut rendered = Rendered {
        child,
        out,
        finished: false,
    };
    let settings = Settings {
        target: src.target,
        namespace: Some(src.namespace.clone()),
        // The CMP runs `helm template` itself and passes no Helm environment.
        helm_namespace: None,
        controller_sa: None,
        helm4_env: false,
    };
    let code = {
        let mut inner = Io {
            stdin: &mut rendered,
            stdin_is_terminal: false,
            stdin_id: None,
            stdout: &mut *io.stdout,
            stderr: &mut *io.stderr,
            stderr_is_terminal: io.stderr_is_terminal,
            env: io.env,
        };
        crate::front::run::postrender(
            &mut inner,
            &checked.features,
            &settings,
            false,
            report,
            Format::Human,
        )
    };
    if !rendered.finished {
        // The run stopped before Helm's end (an invalid manifest): do not leave it behind.
        let _ = rendered.child.kill();
        let _ = rendered.child.wait();
    }
    code
}
