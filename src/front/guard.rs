//! Where a path from outside meets the tool; every front end asks here.
//!
//! - Standard input under another name: a values path that is standard input (`-`,
//!   `/dev/stdin`, `/proc/self/fd/0`, a symlink to it) while standard input carries the
//!   manifests (or a ResourceList) would eat them.
//! - Paths someone else names (an Argo CD Application's env, a kustomize or KRM config's
//!   `valuesFiles`): [`confine`]d to a root after resolving symlinks; URLs and option-like values
//!   refused; "absent" and "outside" are the same answer.
//! - Paths the run writes (`--output`, `man --dir`) and `--check`'s file: [`output_file`] and
//!   [`output_dir`]; an output that is one of the run's inputs is refused before anything is
//!   written.

use crate::diag::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// Whether `path` is standard input: `-`, one of its well-known names, or any path with the
/// same device and inode (a symlink, `/proc/<pid>/fd/0`).
pub fn names_stdin(stdin_id: Option<(u64, u64)>, path: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    if matches!(path, "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0") {
        return true;
    }
    let Some(id) = stdin_id else {
        return false;
    };
    std::fs::metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == id)
}

/// The paths `--set-file` arguments read (`key=path`, `key={p1,p2}`).
pub fn set_file_paths(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|a| a.split_once('=').map(|(_, v)| v))
        .flat_map(|v| {
            let v = v
                .strip_prefix('{')
                .and_then(|v| v.strip_suffix('}'))
                .unwrap_or(v);
            v.split(',').map(str::to_string).collect::<Vec<_>>()
        })
        .collect()
}

/// Errors for every values path that is standard input while standard input carries the
/// manifests (reading it would eat them). `what` names what stdin carries.
pub fn stdin_values_errors(
    stdin_id: Option<(u64, u64)>,
    files: &[String],
    set_files: &[String],
    what: &str,
) -> Vec<Diagnostic> {
    let flagged = files.iter().map(|f| ("values file", f.clone())).chain(
        set_file_paths(set_files)
            .into_iter()
            .map(|f| ("--set-file path", f)),
    );
    flagged
        .filter(|(_, f)| names_stdin(stdin_id, f))
        .map(|(kind, f)| {
            let message = if f == "-" && kind == "values file" {
                format!("`-f -` cannot be used here: standard input carries {what}")
            } else {
                format!("the {kind} {f:?} is standard input, which carries {what}")
            };
            Diagnostic::error(Code::ValuesFile, "", message)
                .hint("write the values to a file, or use `generate`, which reads no manifests")
        })
        .collect()
}

/// Why a path named by someone else's configuration (an Argo CD Application, a kustomize
/// config) is refused. "Absent" and "outside" are one answer, so that the message does not tell
/// whether a file exists outside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// `scheme://...`: Helm would fetch it.
    Url,
    /// Starts with `-`: a program given it would read an option.
    OptionLike,
    /// Absent, or (after resolving symlinks) outside the root, or not the kind of entry asked.
    NotInside(Kind),
}

impl Refusal {
    /// The sentence after "`<what>` <path>", e.g. "is a URL; ...".
    pub fn reason(&self, root: &str) -> String {
        match self {
            Refusal::Empty => "is empty".into(),
            Refusal::Url => format!("is a URL; only local files inside {root} are read"),
            Refusal::OptionLike => {
                "starts with `-`, which a program would read as an option".into()
            }
            Refusal::NotInside(Kind::File) => format!("is not a file inside {root}"),
            Refusal::NotInside(Kind::Dir) => format!("is not a directory inside {root}"),
        }
    }
}

/// Whether `s` is a URL (`http://`, `oci://`, `file://`, any `scheme://`).
pub fn is_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Whether entry `kind` is wanted: a file, a directory, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// The one check for a path that someone else names: not empty, not a URL, not option-like,
/// and, resolved against `root` with every symlink followed, an existing entry of `kind` inside
/// `root` (itself canonical). Returns the canonical path.
pub fn confine(root: &Path, path: &str, kind: Kind) -> Result<PathBuf, Refusal> {
    if path.is_empty() {
        return Err(Refusal::Empty);
    }
    if is_url(path) {
        return Err(Refusal::Url);
    }
    if path.starts_with('-') {
        return Err(Refusal::OptionLike);
    }
    let resolved = root
        .join(path)
        .canonicalize()
        .map_err(|_| Refusal::NotInside(kind))?;
    if !resolved.starts_with(root) {
        return Err(Refusal::NotInside(kind));
    }
    let meta = std::fs::metadata(&resolved).map_err(|_| Refusal::NotInside(kind))?;
    let fits = match kind {
        Kind::File => meta.is_file(),
        Kind::Dir => meta.is_dir(),
    };
    if fits {
        Ok(resolved)
    } else {
        Err(Refusal::NotInside(kind))
    }
}

/// A path `confine` accepted, relative to `root` (`values.yaml`, `sub/v.yaml`; `.` for the root
/// itself): what messages show, and what the tool reads from `root` as working directory.
pub fn relative_to(root: &Path, canonical: &Path) -> String {
    match canonical.strip_prefix(root) {
        Ok(r) if r.as_os_str().is_empty() => ".".into(),
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(_) => canonical.to_string_lossy().into_owned(),
    }
}

/// Every symlink under `dir` (not following links to directories) whose target resolves outside
/// `root`, or nowhere: a chart directory holding one would let Helm read a file outside.
pub fn links_out(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_symlink() {
                match p.canonicalize() {
                    Ok(c) if c.starts_with(root) => {}
                    _ => out.push(p),
                }
            } else if t.is_dir() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Device and inode of an existing file (symlinks followed).
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Why an output path (`--output`, `--check`, `man --dir`) cannot be used as given: a problem
/// of the command line itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadOutput {
    Empty,
    /// A file path names a directory (or ends with `/`).
    IsDir,
    /// A directory path names something that is not a directory.
    NotDir,
    /// The path is one of the run's inputs (the same file after resolving links); the input's
    /// name as given.
    IsInput(String),
}

impl BadOutput {
    /// The diagnostic for `flag PATH`, as a usage error.
    pub fn diagnostic(&self, flag: &str, path: &str) -> Diagnostic {
        let (message, hint) = match self {
            BadOutput::Empty => (
                format!("{flag} needs a file name, and it is empty"),
                format!("write {flag}=FILE"),
            ),
            BadOutput::IsDir => (
                format!("{flag} {path:?} is a directory, not a file"),
                format!("name the file to write inside it, e.g. {flag}={}/generated.yaml", path.trim_end_matches('/')),
            ),
            BadOutput::NotDir => (
                format!("{flag} {path:?} exists and is not a directory"),
                "name a directory (it is created when absent), not a file".to_string(),
            ),
            BadOutput::IsInput(input) => (
                format!("{flag} {path:?} is the input {input:?} of this run; writing it would replace it"),
                "write the output to another file".to_string(),
            ),
        };
        Diagnostic::error(Code::Usage, "", message)
            .at(Some(crate::diag::Origin::Flag { flag: flag.into() }))
            .hint(hint)
    }
}

/// Check a file path the run writes (`--output`) or reads as its expected output (`--check`):
/// not empty, not a directory, and (for `inputs`, the paths the run reads) not one of them after
/// resolving links. Returns where to write: the path itself, or the file a symlink there points
/// to (the output is written through the link, as a shell redirection writes).
pub fn output_file(path: &str, inputs: &[String]) -> Result<PathBuf, BadOutput> {
    if path.is_empty() {
        return Err(BadOutput::Empty);
    }
    let p = Path::new(path);
    if path.ends_with('/') || p.is_dir() {
        return Err(BadOutput::IsDir);
    }
    if let Some(id) = identity(p) {
        if let Some(input) = inputs
            .iter()
            .find(|i| i.as_str() != "-" && identity(Path::new(i)) == Some(id))
        {
            return Err(BadOutput::IsInput(input.clone()));
        }
    }
    // Through a symlink (also a dangling one) to its target.
    let mut target = p.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&target) {
            Ok(t) => {
                target = match target.parent() {
                    Some(d) => d.join(t),
                    None => t,
                }
            }
            Err(_) => break,
        }
    }
    Ok(target)
}

/// Check a directory path the run writes into (`man --dir`): not empty, and a directory when
/// it exists.
pub fn output_dir(path: &Path) -> Result<(), BadOutput> {
    if path.as_os_str().is_empty() {
        return Err(BadOutput::Empty);
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_dir() => Err(BadOutput::NotDir),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_refuses_everything_that_leaves_the_root_with_one_answer() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("sub/v.yaml"), "a: 1\n").expect("write");
        std::fs::write(d.path().join("out.yaml"), "a: 1\n").expect("write");
        std::os::unix::fs::symlink("../out.yaml", root.join("out-link.yaml")).expect("ln");
        std::os::unix::fs::symlink("sub/v.yaml", root.join("in-link.yaml")).expect("ln");
        let root = root.canonicalize().expect("canonical");
        let ok = |p: &str, k: Kind| confine(&root, p, k);
        assert_eq!(ok("sub/v.yaml", Kind::File), Ok(root.join("sub/v.yaml")));
        assert_eq!(ok("in-link.yaml", Kind::File), Ok(root.join("sub/v.yaml")));
        assert_eq!(ok("./sub/../sub", Kind::Dir), Ok(root.join("sub")));
        assert_eq!(ok(".", Kind::Dir), Ok(root.clone()));
        let outside = Err(Refusal::NotInside(Kind::File));
        for p in [
            "../out.yaml",
            "out-link.yaml",
            "missing.yaml",
            "sub",
            "/etc/passwd",
        ] {
            assert_eq!(ok(p, Kind::File), outside, "{p}");
        }
        assert_eq!(ok("", Kind::File), Err(Refusal::Empty));
        assert_eq!(ok("-f", Kind::File), Err(Refusal::OptionLike));
        assert_eq!(ok("http://x/v.yaml", Kind::File), Err(Refusal::Url));
        assert_eq!(ok("oci://r/c", Kind::Dir), Err(Refusal::Url));
        assert!(!is_url("a:b.yaml") && !is_url("dir/x://y"));
    }
}
