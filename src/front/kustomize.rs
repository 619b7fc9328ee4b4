//! kustomize legacy exec plugin (`kustomize build --enable-alpha-plugins`).
//!
//! A kustomization names a config file in `transformers:`; its `apiVersion`/`kind`
//! (`spaces-postrender.dev/v1alpha1` `SpacesPostRender`) make kustomize run the executable
//! `$KUSTOMIZE_PLUGIN_HOME/spaces-postrender.dev/v1alpha1/spacespostrender/SpacesPostRender`
//! with the config (in a temporary file) as its only argument, the kustomization directory as
//! its working directory and the resources on standard input, each annotated with
//! `kustomize.config.k8s.io/id`. Standard output must hold every input object (one left out is
//! deleted) plus the new ones; a non-zero exit fails the build and shows standard error.
//!
//! The executable is this binary under that name (a symlink or a copy): `main.rs` sees the
//! name in `argv[0]`. `spaces-postrender install-kustomize-plugin` puts it there.

use crate::diag::{Code, Diagnostic, Format, Report};
use crate::front::fnconfig;
use crate::front::io::Io;
use crate::front::run::say;
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The executable's file name, which is also the config kind.
pub const EXEC_NAME: &str = "SpacesPostRender";

/// `<group>/<version>/<lowercase kind>`: where kustomize looks under its plugin home.
pub fn relative_dir() -> PathBuf {
    Path::new(fnconfig::GROUP)
        .join(fnconfig::VERSION)
        .join(fnconfig::KIND.to_ascii_lowercase())
}

/// Whether the process was started as the kustomize exec plugin: `argv[0]`'s file name is
/// `SpacesPostRender` and `argv[1]` is a config file path (not an option).
pub fn is_exec_plugin(args: &[OsString]) -> bool {
    let Some(argv0) = args.first() else {
        return false;
    };
    let name = Path::new(argv0)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    name == EXEC_NAME
        && args
            .get(1)
            .and_then(|a| a.to_str())
            .is_some_and(|a| !a.starts_with('-'))
}

fn report_out(io: &mut Io, report: &Report) {
    let _ = io.stderr.write_all(report.to_human().as_bytes());
}

/// Run as the exec plugin with the config file kustomize wrote.
pub fn exec_plugin(config_path: &Path, io: &mut Io) -> i32 {
    let mut report = Report::default();
    if let Some(d) = io.terminal_stdin(
        "the kustomize plugin reads the resources",
        "let kustomize run it: kubectl kustomize --enable-alpha-plugins DIR",
    ) {
        say(io.stderr, &d);
        return EXIT_USAGE;
    }
    let text = match std::fs::read_to_string(config_path) {
        Ok(t) => t,
        Err(e) => {
            report.push(Diagnostic::error(
                Code::ConfigFile,
                "",
                format!(
                    "cannot read the plugin config {}: {e}",
                    config_path.display()
                ),
            ));
            report_out(io, &report);
            return EXIT_INVALID;
        }
    };
    // Read like a values file (YAML 1.1 typing, as Helm reads values), so that values written
    // in-line mean what they would mean in a values file.
    let value = match crate::values::yaml::load(&text) {
        Ok(l) => {
            // A repeated key is an error in the config (YAML requires unique keys, and kustomize
            // refuses them in its own files); only values files keep Helm's "later wins".
            for (code, path, pos, _) in &l.warnings {
                if *code == Code::DuplicateKey {
                    report.push(
                        Diagnostic::error(
                            Code::ConfigSyntax,
                            "",
                            format!(
                                "the {} config repeats the key `{path}` (line {}, column {})",
                                fnconfig::KIND,
                                pos.line,
                                pos.column
                            ),
                        )
                        .hint("write each key once; merge the two entries"),
                    );
                }
            }
            if report.has_errors() {
                report_out(io, &report);
                return EXIT_INVALID;
            }
            l.value
        }
        Err(e) => {
            report.push(
                Diagnostic::error(
                    Code::ConfigSyntax,
                    "",
                    format!(
                        "the {} config is not valid YAML: {}",
                        fnconfig::KIND,
                        e.message
                    ),
                )
                .hint("fix the YAML of the file named in transformers: of the kustomization"),
            );
            report_out(io, &report);
            return EXIT_INVALID;
        }
    };
    // Standard input carries the resources: a values file that is standard input would eat them.
    let refused = crate::front::guard::stdin_values_errors(
        io.stdin_id,
        &fnconfig::values_files(&value),
        &[],
        "the resources",
    );
    if !refused.is_empty() {
        report.extend(refused);
        report_out(io, &report);
        return EXIT_INVALID;
    }
    let outcome = fnconfig::read_within(&value, &boundary(io.env));
    report.extend(outcome.report.items.clone());
    let (Some(cfg), Some((_, features))) = (outcome.config, outcome.ready) else {
        report_out(io, &report);
        return EXIT_INVALID;
    };
    if report.has_errors() {
        report_out(io, &report);
        return EXIT_INVALID;
    }
    let settings = cfg.settings();
    crate::front::run::postrender(io, &features, &settings, cfg.strict, report, Format::Human)
}

/// The kustomization root: kustomize runs the plugin there and names it in
/// `KUSTOMIZE_PLUGIN_CONFIG_ROOT`.
fn kustomization_root(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let named = env("KUSTOMIZE_PLUGIN_CONFIG_ROOT")
        .filter(|r| Path::new(r).is_absolute())
        .map(PathBuf::from);
    named
        .or_else(|| std::env::current_dir().ok())
        .and_then(|r| r.canonicalize().ok())
}

/// kustomize's default `LoadRestrictionsRootOnly` for the config's `valuesFiles`: each must be a
/// file inside the kustomization root after resolving symlinks (not a URL, not absent; absent
/// and outside are one answer); relative paths are read from the working directory, where
/// kustomize runs the plugin. `SPACES_POSTRENDER_LOAD_RESTRICTOR=LoadRestrictionsNone` lifts it,
/// as `kustomize build --load-restrictor LoadRestrictionsNone` does for kustomize's own files.
fn boundary(env: &dyn Fn(&str) -> Option<String>) -> crate::front::boundary::Boundary {
    use crate::front::boundary::{Root, LOAD_RESTRICTIONS_NONE, LOAD_RESTRICTOR_ENV};
    let root = if crate::front::boundary::restrictions_lifted(env) {
        Root::Lifted
    } else {
        match kustomization_root(env) {
            Some(r) => Root::Inside(r),
            None => Root::Unresolved(
                "cannot be checked: the kustomization root (the working directory) cannot be resolved".into(),
            ),
        }
    };
    crate::front::boundary::Boundary {
        base: None,
        root,
        name: "the kustomization root",
        hint: format!(
            "as kustomize's default LoadRestrictionsRootOnly: name a file inside the kustomization's directory by a relative path; to read files elsewhere, whoever runs the build sets {LOAD_RESTRICTOR_ENV}={LOAD_RESTRICTIONS_NONE}"
        ),
    }
}

/// kustomize's plugin home, as kustomize finds it: `$KUSTOMIZE_PLUGIN_HOME`, else
/// `$XDG_CONFIG_HOME/kustomize/plugin`, else `$HOME/.config/kustomize/plugin`.
pub fn default_plugin_home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(h) = set("KUSTOMIZE_PLUGIN_HOME") {
        return Some(PathBuf::from(h));
    }
    if let Some(x) = set("XDG_CONFIG_HOME") {
        return Some(Path::new(&x).join("kustomize").join("plugin"));
    }
    set("HOME").map(|h| {
        Path::new(&h)
            .join(".config")
            .join("kustomize")
            .join("plugin")
    })
}

fn install_failed(io: &mut Io, message: String) -> i32 {
    say(io.stderr, &Diagnostic::error(Code::Install, "", message));
    EXIT_INVALID
}

/// Put this binary where kustomize looks for the plugin: a symlink (or a copy with `copy`).
/// Prints the path. A previous install there is replaced.
pub fn install(io: &mut Io, plugin_home: Option<PathBuf>, copy: bool) -> i32 {
    let Some(home) = plugin_home.or_else(|| default_plugin_home(io.env)) else {
        say(
            io.stderr,
            &Diagnostic::error(Code::Install, "", "no plugin home")
                .hint("set KUSTOMIZE_PLUGIN_HOME or pass --plugin-home DIR"),
        );
        return EXIT_USAGE;
    };
    let exe = match std::env::current_exe().and_then(|p| p.canonicalize()) {
        Ok(p) => p,
        Err(e) => return install_failed(io, format!("cannot find this executable: {e}")),
    };
    let dir = home.join(relative_dir());
    let name = if cfg!(windows) {
        format!("{EXEC_NAME}.exe")
    } else {
        EXEC_NAME.to_string()
    };
    let dest = dir.join(name);
    // The new link or copy is made beside the old one and renamed over it: the old install
    // stays whole until the new one is (it may be this very executable, run through a link on
    // PATH, and a full disk must not leave nothing behind).
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{EXEC_NAME}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let made = link_or_copy(&exe, &tmp, copy).and_then(|()| std::fs::rename(&tmp, &dest));
        if made.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        made
    })();
    match result {
        Ok(()) => {
            let _ = writeln!(io.stdout, "{}", dest.display());
            EXIT_OK
        }
        Err(e) => install_failed(
            io,
            format!(
                "cannot install the kustomize plugin at {}: {e}",
                dest.display()
            ),
        ),
    }
}

#[cfg(unix)]
fn link_or_copy(exe: &Path, dest: &Path, copy: bool) -> std::io::Result<()> {
    if copy {
        std::fs::copy(exe, dest).map(|_| ())
    } else {
        std::os::unix::fs::symlink(exe, dest)
    }
}

#[cfg(not(unix))]
fn link_or_copy(exe: &Path, dest: &Path, _copy: bool) -> std::io::Result<()> {
    std::fs::copy(exe, dest).map(|_| ())
}

/// Read all of standard input (the KRM and Helm 4 paths need it whole).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_detection() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(is_exec_plugin(&a(&[
            "/h/spaces-postrender.dev/v1alpha1/spacespostrender/SpacesPostRender",
            "/tmp/kust-plugin-config-1"
        ])));
        assert!(!is_exec_plugin(&a(&["SpacesPostRender", "--help"])));
        assert!(!is_exec_plugin(&a(&["SpacesPostRender"])));
        assert!(!is_exec_plugin(&a(&["spaces-postrender", "/tmp/x"])));
    }

    #[test]
    fn plugin_home_follows_kustomize() {
        let env = |k: &str| match k {
            "XDG_CONFIG_HOME" => Some("/x".to_string()),
            "HOME" => Some("/h".to_string()),
            _ => None,
        };
        assert_eq!(
            default_plugin_home(&env),
            Some(PathBuf::from("/x/kustomize/plugin"))
        );
        assert_eq!(
            relative_dir(),
            PathBuf::from("spaces-postrender.dev/v1alpha1/spacespostrender")
        );
    }
}
