//! Standard input under another name: a values path that is standard input (`-`,
//! `/dev/stdin`, `/proc/self/fd/0`, a symlink to it) while standard input carries the
//! manifests (or a ResourceList) would eat them. Every front end asks here.

use spaces_postrender::diag::{Code, Diagnostic};

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
