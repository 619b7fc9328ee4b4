//! Command-line front end: argument definitions and the commands, over an injected [`Io`] so
//! that the whole CLI runs in tests without a process. `main.rs` only builds the real `Io`.

mod explain;
mod generate;
mod postrender;
mod validate;
mod why;

use crate::diag::{Code, Diagnostic, Format, Report};
use crate::pipeline::Settings;
use crate::plan::Target;
use crate::values::features::Features;
use crate::values::schema;
use crate::values::versions::SpacesVersion;
use crate::values::{self, ValuesInput};
use crate::why::WhyFormat;
use crate::{EXIT_INVALID, EXIT_OK};
use clap::{Args, Parser, Subcommand};

/// Printed after the top-level help by `main.rs` exactly as written (clap would wrap its lines
/// at the terminal width, and a wrapped command cannot be pasted), and in the man page; see
/// [`examples`].
const EXAMPLES: &str = "\
Examples:
  # Helm 3 post-renderer (the values file is the one given to helm):
  helm upgrade --install spaces <chart> -n upbound-system -f values.yaml \\
    --post-renderer spaces-postrender --post-renderer-args=-f --post-renderer-args=values.yaml

  # The --set flags of the Spaces documentation work unchanged (with the name current charts read):
  helm template spaces <chart> -n upbound-system | spaces-postrender --strict \\
    --set features.alpha.argocdPlugin.enabled=true --set features.alpha.argocdPlugin.target.secretNamespace=argocd

  # Only the generated objects, for a golden file in CI:
  spaces-postrender generate -f values.yaml --target space --check golden/space.yaml

  # Why is each object generated (values, their file:line:col, the controller subject)?
  helm template spaces <chart> -n upbound-system | spaces-postrender why -f values.yaml

  # Check values and see what the tool read:
  spaces-postrender validate -f values.yaml --show-values
  spaces-postrender explain features.alpha.argocdPlugin";

/// The examples, then the exit codes' line from [`crate::diag::EXIT_CODES`].
pub fn examples() -> String {
    let codes: Vec<String> = crate::diag::EXIT_CODES
        .iter()
        .map(|e| format!("{} {}", e.code, e.short))
        .collect();
    format!("{EXAMPLES}\n\nExit codes: {}.", codes.join(", "))
}

impl Cli {
    /// Parse like clap's `try_parse_from`, and note whether any post-render option was given
    /// on the command line (clap alone cannot tell `--target space` from the default).
    pub fn try_parse_noting(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.run.given = matches.subcommand().is_none()
            && matches.ids().any(|id| {
                matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine)
            });
        Ok(cli)
    }
}

/// The `--diagnostics` format a command line asks for, read without clap (for a command line
/// clap refused): the last `--diagnostics FORMAT` or `--diagnostics=FORMAT` that names a format.
fn requested_format(args: &[std::ffi::OsString]) -> Option<Format> {
    let args: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        if *a == "--" {
            break;
        }
        let value = match a.strip_prefix("--diagnostics") {
            Some("") => args.get(i + 1).copied(),
            Some(v) => v.strip_prefix('='),
            None => None,
        };
        if let Some(f) = value.and_then(|v| Format::ALL.into_iter().find(|f| f.as_str() == v)) {
            found = Some(f);
        }
    }
    found
}

/// A usage error clap found, as the one report of the run when the command line asks for JSON
/// or SARIF diagnostics: the text, and whether it goes to stdout (`validate`, whose output is
/// its report). `None`: print clap's own text.
pub fn usage_report(args: &[std::ffi::OsString], e: &clap::Error) -> Option<(String, bool)> {
    let format = requested_format(args).filter(|f| *f != Format::Human)?;
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("the command line cannot be used");
    let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let rest: Vec<&str> = lines.map(str::trim).collect();
    let mut d = Diagnostic::error(Code::Usage, "", message);
    if !rest.is_empty() {
        d = d.hint(rest.join(" "));
    }
    let report = Report { items: vec![d] };
    let text = match format {
        Format::Sarif => crate::sarif::to_sarif(&report),
        _ => report.to_json(),
    };
    let validate = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        == Some("validate");
    Some((text, validate))
}

/// Validates Upbound Spaces alpha feature flags and adds the RBAC, secrets-reader and
/// namespace manifests they need to rendered manifests.
///
/// Without a subcommand it is a Helm post-renderer: rendered manifests on standard input; on
/// standard output a generated Namespace first, then the same manifests (byte for byte), then
/// the other generated objects.
#[derive(Debug, Parser)]
#[command(
    name = "spaces-postrender",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Helm's values flags, with Helm's meaning and precedence.
#[derive(Debug, Clone, Default, Args)]
pub struct ValuesArgs {
    /// Values file (repeatable; later files win). `-` reads standard input (generate, validate, why; not when it carries the manifests).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<String>,
    /// Set values (`a.b=c,d[0]=e`), as `helm --set`.
    #[arg(long = "set", value_name = "KEY=VAL")]
    pub set: Vec<String>,
    /// Set STRING values (no type inference), as `helm --set-string`.
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    pub set_string: Vec<String>,
    /// Set JSON values, as `helm --set-json`.
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// Set a value from a file's contents, as `helm --set-file`.
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// Set a literal STRING value (no splitting, no escapes), as `helm --set-literal`.
    #[arg(long = "set-literal", value_name = "KEY=VAL")]
    pub set_literal: Vec<String>,
    /// The Spaces version whose Helm chart keys the values are checked against (default: the
    /// newest known).
    #[arg(long = "spaces-version", value_name = "X.Y", value_parser = SpacesVersion::from_arg)]
    pub spaces_version: Option<SpacesVersion>,
}

impl ValuesArgs {
    pub fn to_input(&self) -> ValuesInput {
        ValuesInput {
            files: self.values.clone(),
            set_json: self.set_json.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
            set_literal: self.set_literal.clone(),
        }
    }
}

/// Options shared by post-render, `generate` and `why`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Which cluster to generate objects for.
    #[arg(long, value_parser = target_parser(), default_value = "space")]
    pub target: Target,
    /// Namespace of the controller when the input has no spaces-controller Deployment
    /// (default: $HELM_NAMESPACE, else upbound-system).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The ServiceAccount the generated RBAC binds, overriding the rendered Deployment.
    #[arg(long, value_name = "NAMESPACE/NAME", value_parser = subject_arg)]
    pub controller_service_account: Option<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Diagnostics format (on stderr).
    #[arg(long, value_parser = format_parser(), default_value = "human")]
    pub diagnostics: Format,
    /// Whether any of these options was given on the command line (even with its default
    /// value): a ResourceList on stdin takes none.
    #[arg(skip)]
    pub given: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print only the generated objects (no input is read).
    Generate {
        #[command(flatten)]
        run: RunArgs,
        /// Compare with FILE instead of printing: exit 0 when equal, else 1 and a diff on stderr.
        #[arg(long, value_name = "FILE", conflicts_with = "output", value_parser = file_arg)]
        check: Option<String>,
        /// Write to FILE atomically instead of standard output (not a file this run reads; a
        /// symlink is written through to its target).
        #[arg(long, short = 'o', value_name = "FILE", value_parser = file_arg)]
        output: Option<String>,
    },
    /// Explain why each object is generated: the values behind it and the controller subject.
    ///
    /// For each object the tool would generate: the values that caused it, each with its source
    /// (values.yaml:LINE:COL, --set argument N, default), and how the controller subject was
    /// chosen. Objects not generated are listed with the settings that would turn them on.
    /// Reads rendered manifests from --input FILE, else from standard input when it is not a
    /// terminal (the spaces-controller Deployment there decides the controller subject).
    Why {
        #[command(flatten)]
        run: RunArgs,
        /// Rendered manifests (`-` = standard input). Default: standard input when it is not a
        /// terminal and does not carry values (`-f -`).
        #[arg(long, value_name = "FILE")]
        input: Option<String>,
        /// Output format: human text, or JSON (shape documented in docs/reference/why-json.md).
        /// (`--output` is the old spelling, kept for a release.)
        #[arg(long, alias = "output", value_parser = why_format_parser(), default_value = "human")]
        format: WhyFormat,
    },
    /// Check values only; print diagnostics.
    Validate {
        #[command(flatten)]
        values: ValuesArgs,
        /// Print the merged values as JSON on stdout (what the tool saw), like `helm get values`.
        #[arg(long)]
        show_values: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Diagnostics format; json and sarif go to stdout.
        #[arg(long, value_parser = format_parser(), default_value = "human")]
        diagnostics: Format,
    },
    /// Print the values JSON Schema (draft 2020-12).
    Schema,
    /// Describe the values fields: type, default and meaning.
    Explain {
        /// A dotted path such as features.alpha.argocdPlugin (default: all).
        path: Option<String>,
        /// Output format: human text, or JSON. (`--json` is the old spelling, kept for a
        /// release.)
        #[arg(long, value_parser = why_format_parser(), default_value = "human")]
        format: WhyFormat,
        #[arg(long, hide = true, conflicts_with = "format")]
        json: bool,
    },
    /// Run as a KRM function: a ResourceList on stdin (functionConfig: a SpacesPostRender object
    /// or a ConfigMap of --set paths), the ResourceList with the generated items and `results`
    /// on stdout. Also chosen automatically when stdin is a ResourceList.
    Krm,
    /// Run as the Argo CD Config Management Plugin (plugin/argocd/plugin.yaml): `init` builds
    /// the chart's dependencies, `generate` renders the chart with helm and post-renders it.
    ///
    /// Runs in the Application's source directory, as the CMP server runs it. Reads
    /// ARGOCD_ENV_CHART (default: the source directory), ARGOCD_ENV_VALUES_FILE (default
    /// values.yaml; given to helm and read for the features), ARGOCD_ENV_TARGET (default space)
    /// and ARGOCD_ENV_SPACES_VERSION (X.Y; default the newest known), which the Application's
    /// plugin.env sets, and ARGOCD_APP_NAME and
    /// ARGOCD_APP_NAMESPACE. Paths must lead to a file or directory inside the source directory
    /// after resolving symlinks; URLs and values starting with `-` are refused.
    #[command(subcommand)]
    ArgocdCmp(CmpStep),
    /// Install this binary as the kustomize exec plugin: kind SpacesPostRender of
    /// spaces-postrender.dev/v1alpha1, in kustomize's plugin home (it prints the path).
    InstallKustomizePlugin {
        /// kustomize's plugin home (default: $KUSTOMIZE_PLUGIN_HOME, else
        /// $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin).
        #[arg(long, value_name = "DIR")]
        plugin_home: Option<std::path::PathBuf>,
        /// Copy the binary instead of linking to it.
        #[arg(long)]
        copy: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write spaces-postrender.1 and a page per subcommand (spaces-postrender-krm.1, ...)
        /// into DIR instead of printing the main page.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// A step of the Argo CD Config Management Plugin.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum CmpStep {
    /// Build the chart's dependencies (`helm dependency build`) when it has any.
    Init,
    /// Render the chart (`helm template`) and post-render it; the manifests on stdout.
    Generate,
}

pub use crate::front::io::Io;

/// A value parser over a fixed set of names (the core's own list, so the names live once).
fn names_parser<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    about: fn(T) -> Option<&'static str>,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = all.iter().map(move |&t| {
        let v = PossibleValue::new(name(t));
        match about(t) {
            Some(a) => v.help(a),
            None => v,
        }
    });
    PossibleValuesParser::new(values).try_map(move |s: String| {
        all.iter()
            .copied()
            .find(|&t| name(t) == s)
            .ok_or_else(|| format!("{s} is not one of the values"))
    })
}

/// `--controller-service-account`: NAMESPACE/NAME with a valid namespace and ServiceAccount
/// name; anything else is a malformed argument (a usage error).
fn subject_arg(s: &str) -> Result<String, String> {
    use crate::k8s;
    let Some((ns, name)) = s.split_once('/') else {
        return Err("expected NAMESPACE/NAME, e.g. upbound-system/spaces-controller".into());
    };
    if !k8s::is_dns_label(ns) {
        return Err(format!(
            "the namespace {ns:?} is not a valid namespace name (lowercase letters, digits and -)"
        ));
    }
    if !k8s::is_dns_subdomain(name) {
        return Err(format!(
            "the ServiceAccount name {name:?} is not a valid name (lowercase letters, digits, - and .)"
        ));
    }
    Ok(s.to_string())
}

/// A file path option (`--check`, `--output`): an empty one is a malformed argument.
fn file_arg(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("a file name is needed, and it is empty".into());
    }
    Ok(s.to_string())
}

fn target_parser() -> impl clap::builder::TypedValueParser<Value = Target> {
    names_parser(&Target::ALL, Target::as_str, |t| Some(t.about()))
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    names_parser(&Format::ALL, Format::as_str, |_| None)
}

fn why_format_parser() -> impl clap::builder::TypedValueParser<Value = WhyFormat> {
    names_parser(&WhyFormat::ALL, WhyFormat::as_str, |_| None)
}

pub(crate) use crate::front::run::print_report;

/// Load values and check them. Returns the features when there is no error.
pub(crate) fn load_checked(
    io: &mut Io,
    args: &ValuesArgs,
    report: &mut Report,
    stdin_values: bool,
) -> Option<(values::Loaded, Features)> {
    let input = args.to_input();
    let terminal = io.terminal_stdin(
        "the values (`-f -` or a --set-file path `-`) are to be read",
        "pipe the values in (`cat values.yaml | spaces-postrender ... -f -`), or name the file: -f values.yaml",
    );
    if let Some(d) = terminal.filter(|_| stdin_values && input.reads_stdin()) {
        report.push(d);
        return None;
    }
    let stdin_text = if stdin_values && input.reads_stdin() {
        let mut s = String::new();
        if let Err(e) = io.stdin.read_to_string(&mut s) {
            report.push(Diagnostic::error(
                Code::ValuesFile,
                "",
                format!("cannot read values from standard input: {e}"),
            ));
            return None;
        }
        Some(s)
    } else {
        None
    };
    let checked = values::check::check(
        &input.layers(),
        stdin_text.as_deref(),
        args.spaces_version,
        &mut report.items,
    )?;
    Some((checked.loaded, checked.features))
}

pub(crate) fn settings(io: &Io, run: &RunArgs) -> Settings {
    Settings {
        target: run.target,
        namespace: run.namespace.clone(),
        helm_namespace: (io.env)("HELM_NAMESPACE"),
        controller_sa: run.controller_service_account.clone(),
        helm4_env: (io.env)("HELM_PLUGIN_NAME").is_some_and(|s| !s.is_empty()),
    }
}

/// Run the CLI; returns the exit code.
pub fn run(cli: Cli, io: &mut Io) -> i32 {
    match cli.command {
        None => postrender::postrender(io, &cli.run),
        Some(Command::Generate { run, check, output }) => {
            generate::generate(io, &run, check.as_deref(), output.as_deref())
        }
        Some(Command::Why { run, input, format }) => why::why(io, &run, input.as_deref(), format),
        Some(Command::Validate {
            values,
            show_values,
            strict,
            diagnostics,
        }) => validate::validate(io, &values, show_values, strict, diagnostics),
        Some(Command::Schema) => {
            let _ = io.stdout.write_all(schema::SCHEMA_TEXT.as_bytes());
            EXIT_OK
        }
        Some(Command::Explain { path, format, json }) => {
            explain::explain(io, path.as_deref(), json || format == WhyFormat::Json)
        }
        Some(Command::Krm) => postrender::krm(io),
        Some(Command::ArgocdCmp(CmpStep::Init)) => crate::front::argocd::init(io),
        Some(Command::ArgocdCmp(CmpStep::Generate)) => crate::front::argocd::generate(io),
        Some(Command::InstallKustomizePlugin { plugin_home, copy }) => {
            crate::front::kustomize::install(io, plugin_home, copy)
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "spaces-postrender", &mut script);
            if shell == clap_complete::Shell::Bash {
                script = fix_bash_states(&script);
            }
            match io.stdout.write_all(&script) {
                Ok(()) => EXIT_OK,
                Err(_) => EXIT_INVALID,
            }
        }
        Some(Command::Man { dir }) => man(io, dir.as_deref()),
    }
}

/// `man`: the main page on stdout, or every page into `dir`. Pages are written as `--output`
/// writes (atomically, through a symlink to its target, 0666 less the umask for a new file).
fn man(io: &mut Io, dir: Option<&std::path::Path>) -> i32 {
    use crate::front::guard;
    // No `help` page: `man` documents the subcommands themselves.
    let mut cmd = <Cli as clap::CommandFactory>::command()
        .disable_help_subcommand(true)
        .after_help(examples());
    let Some(d) = dir else {
        return match clap_mangen::Man::new(cmd).render(io.stdout) {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_INVALID,
        };
    };
    let shown = d.display().to_string();
    if let Err(bad) = guard::output_dir(d) {
        return crate::front::run::fail(io, bad.diagnostic("--dir", &shown), Format::Human, false);
    }
    cmd.build();
    let mut pages = vec![];
    let mut todo = vec![cmd];
    while let Some(c) = todo.pop() {
        todo.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        pages.push(clap_mangen::Man::new(c));
    }
    let written = std::fs::create_dir_all(d).and_then(|()| {
        for page in &pages {
            let path = d.join(page.get_filename());
            let mut text = Vec::new();
            page.render(&mut text)?;
            let target = guard::output_file(&path.to_string_lossy(), &[]).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    format!("{} is a directory", path.display()),
                )
            })?;
            crate::golden::write_atomic(&target, &text)?;
        }
        Ok(())
    });
    match written {
        Ok(()) => {
            let _ = writeln!(io.stdout, "{shown}");
            EXIT_OK
        }
        Err(e) => crate::front::run::fail(
            io,
            Diagnostic::error(
                Code::WriteOutput,
                "",
                format!("cannot write the man pages into {shown}: {e}"),
            ),
            Format::Human,
            false,
        ),
    }
}

/// clap_complete's bash script names its states `spaces__postrender__subcmd__X` but labels
/// their `case` arms `spaces__subcmd__postrender__subcmd__X` for a binary name with a hyphen
/// (clap-rs/clap#6421), so nothing completes after a subcommand. Make the labels match.
fn fix_bash_states(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("spaces__subcmd__postrender__", "spaces__postrender__")
        .into_bytes()
}

/// Load and check the values of `run`; on any error print the report and give the exit code.
pub(crate) fn checked_features(
    io: &mut Io,
    run: &RunArgs,
    report: &mut Report,
    stdin_values: bool,
) -> Result<Features, i32> {
    let loaded = load_checked(io, &run.values, report, stdin_values);
    match loaded {
        Some((_, features)) if !finish_report(report, run.strict) => Ok(features),
        _ => {
            print_report(io, report, run.diagnostics, false);
            Err(report.exit_code().max(EXIT_INVALID))
        }
    }
}

pub(crate) fn finish_report(report: &mut Report, strict: bool) -> bool {
    if strict {
        report.make_strict();
    }
    report.has_errors()
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use std::path::Path;

    /// Run the CLI in-process, with stderr claimed to be a terminal or not.
    fn check_in_process(golden: &Path, terminal: bool, no_color: Option<&str>) -> (i32, String) {
        let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/why/on-cluster.yaml");
        let cli = super::Cli::try_parse_from([
            "spaces-postrender",
            "generate",
            "-f",
            values.to_str().expect("utf-8"),
            "--check",
            golden.to_str().expect("utf-8"),
        ])
        .expect("arguments parse");
        let mut stdin = std::io::empty();
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let no_color = no_color.map(str::to_string);
        let env = move |k: &str| {
            if k == "NO_COLOR" {
                no_color.clone()
            } else {
                None
            }
        };
        let mut io = super::Io {
            stdin: &mut stdin,
            stdin_is_terminal: true,
            stdin_id: None,
            stdout: &mut stdout,
            stderr: &mut stderr,
            stderr_is_terminal: terminal,
            env: &env,
        };
        let code = super::run(cli, &mut io);
        (code, String::from_utf8(stderr).expect("utf-8"))
    }

    #[test]
    fn diff_is_coloured_only_on_a_terminal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let golden = dir.path().join("golden.yaml");
        std::fs::write(&golden, "---\n# stale\n").expect("write");

        let (code, tty) = check_in_process(&golden, true, None);
        assert_eq!(code, 1);
        assert!(tty.contains("\x1b[31m-# stale\x1b[0m"), "{tty:?}");
        assert!(tty.contains("\x1b[32m+kind: Role\x1b[0m"), "{tty:?}");
        assert!(tty.contains("\x1b[36m@@ "), "{tty:?}");

        let (code, pipe) = check_in_process(&golden, false, None);
        assert_eq!(code, 1);
        assert!(!pipe.contains('\x1b'), "{pipe:?}");
        assert!(pipe.contains("\n-# stale\n"), "{pipe:?}");

        let (_, no_color) = check_in_process(&golden, true, Some("1"));
        assert!(!no_color.contains('\x1b'), "NO_COLOR is honoured");
    }
}
