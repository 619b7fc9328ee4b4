//! Where a configuration's `valuesFiles` are read from and which directory they must stay
//! inside: the kustomize exec plugin's kustomization root, the KRM function's package (under
//! `kpt fn render`) or working directory. The check of each path is [`guard::confine`].

use crate::front::guard;
use crate::k8s;
use crate::values::yaml;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The environment variable that lifts the rule that `valuesFiles` stay inside their root, with
/// kustomize's own word for it: `SPACES_POSTRENDER_LOAD_RESTRICTOR=LoadRestrictionsNone`. It is
/// set by whoever runs the build or the function (like kustomize's `--load-restrictor`), never by
/// a kustomization or a package; kustomize and kpt pass their environment to exec functions.
pub const LOAD_RESTRICTOR_ENV: &str = "SPACES_POSTRENDER_LOAD_RESTRICTOR";
pub const LOAD_RESTRICTIONS_NONE: &str = "LoadRestrictionsNone";

/// Whether whoever runs the tool lifted the rule ([`LOAD_RESTRICTOR_ENV`]).
pub fn restrictions_lifted(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env(LOAD_RESTRICTOR_ENV).as_deref() == Some(LOAD_RESTRICTIONS_NONE)
}

/// The directory a config's `valuesFiles` must stay inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// Canonical; every values file must resolve (symlinks followed) to a file inside it.
    Inside(PathBuf),
    /// Lifted by whoever runs the tool: any readable file.
    Lifted,
    /// The root cannot be found (the working directory is gone); every values file is refused
    /// with this message.
    Unresolved(String),
}

/// Where a config's relative `valuesFiles` are read from and which directory they must stay
/// inside (paths a configuration names stay inside its root; URLs and option-like
/// values are refused; absent and outside are one answer). The check itself is
/// [`guard::confine`].
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The directory relative paths are joined to; `None`: the working directory.
    pub base: Option<PathBuf>,
    pub root: Root,
    /// How messages name the root: "the kustomization root", "the package".
    pub name: &'static str,
    /// What to do about a refused path.
    pub hint: String,
}

impl Boundary {
    /// The KRM function's boundary. Under `kpt fn render` the config carries the package's
    /// absolute path and its own path in the package ([`kpt_render_location`]): the root is the
    /// package and relative paths are read from the config file's directory. Otherwise (`kpt fn
    /// eval --fn-config`, `kpt fn source | ... | kpt fn sink`, any other orchestrator) nothing
    /// trustworthy says where the config is: the root is the working directory and relative
    /// paths are read from there.
    pub fn krm(obj: &Value, env: &dyn Fn(&str) -> Option<String>) -> Boundary {
        let lifted = restrictions_lifted(env);
        let opt_out = format!(
            "to read files elsewhere, whoever runs kpt sets {LOAD_RESTRICTOR_ENV}={LOAD_RESTRICTIONS_NONE}"
        );
        if let Some((package, dir)) = kpt_render_location(obj) {
            return Boundary {
                base: Some(dir),
                root: if lifted { Root::Lifted } else { Root::Inside(package) },
                name: "the package",
                hint: format!("name a file inside the package by a path relative to this configuration's directory; {opt_out}"),
            };
        }
        let root = if lifted {
            Root::Lifted
        } else {
            match std::env::current_dir().and_then(|d| d.canonicalize()) {
                Ok(d) => Root::Inside(d),
                Err(e) => Root::Unresolved(format!(
                    "cannot be checked: the working directory cannot be resolved ({e})"
                )),
            }
        };
        Boundary {
            base: None,
            root,
            name: "the working directory",
            hint: format!("kpt fn eval --fn-config and kpt fn source do not tell the function where the package is, so relative paths are read from the working directory and must stay inside it: run kpt (or the pipe) in the package directory; {opt_out}"),
        }
    }

    /// The path to read for `valuesFiles[i]` = `f`, or why it is refused. Inside a root the path
    /// is the file [`guard::confine`] found (relative to the root when that is the working
    /// directory, as messages then show it), so the file read is the file checked.
    pub(crate) fn resolve(&self, f: &str) -> Result<String, String> {
        let joined = match &self.base {
            Some(dir)
                if !f.is_empty()
                    && Path::new(f).is_relative()
                    && !guard::is_url(f)
                    && !f.starts_with('-') =>
            {
                dir.join(f).to_string_lossy().into_owned()
            }
            _ => f.to_string(),
        };
        match &self.root {
            Root::Lifted => Ok(joined),
            Root::Unresolved(why) => Err(why.clone()),
            Root::Inside(root) => match guard::confine(root, &joined, guard::Kind::File) {
                Ok(canonical) => {
                    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
                    Ok(if cwd.as_deref() == Some(root.as_path()) {
                        guard::relative_to(root, &canonical)
                    } else {
                        canonical.to_string_lossy().into_owned()
                    })
                }
                Err(why) => Err(why.reason(self.name)),
            },
        }
    }
}

/// Where the config is, when `kpt fn render` says so: the package directory (canonical) and the
/// directory of the config file in it. kpt's package reader sets
/// `internal.config.kubernetes.io/package-path` and the path annotations on every object it
/// reads from the package, the config among them, overwriting what the file says; but `kpt fn
/// eval --fn-config` and `kpt fn source --fn-config` pass the config file's own annotations
/// through, so a file can claim any package. The claim is believed only when it is what render
/// would have said: the package's Kptfile names this file as a pipeline step's `configPath`, and
/// the file is inside the package.
fn kpt_render_location(obj: &Value) -> Option<(PathBuf, PathBuf)> {
    let ann = obj.get("metadata")?.get("annotations")?.as_object()?;
    let package = Path::new(ann.get(k8s::KPT_PACKAGE_PATH)?.as_str()?);
    if !package.is_absolute() {
        return None;
    }
    let file = [k8s::KRM_INTERNAL_PATH, k8s::KRM_PATH]
        .iter()
        .find_map(|k| ann.get(*k).and_then(Value::as_str))?;
    let package = package.canonicalize().ok()?;
    guard::confine(&package, file, guard::Kind::File).ok()?;
    let kptfile = std::fs::read_to_string(package.join("Kptfile")).ok()?;
    let kptfile = yaml::load(&kptfile).ok()?.value;
    let same = |p: &str| {
        let parts = |s: &str| {
            Path::new(s)
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .map(|c| c.as_os_str().to_owned())
                .collect::<Vec<_>>()
        };
        parts(p) == parts(file)
    };
    let named = ["mutators", "validators"].iter().any(|stage| {
        kptfile["pipeline"][stage].as_array().is_some_and(|steps| {
            steps
                .iter()
                .any(|s| s["configPath"].as_str().is_some_and(same))
        })
    });
    if !named {
        return None;
    }
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    Some((package.clone(), package.join(dir)))
}
