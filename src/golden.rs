//! Golden files: `generate --check FILE` (byte-for-byte comparison with a unified diff) and
//! `generate --output FILE` (atomic write: a temporary file in the same directory, then rename).

use crate::diag::{Code, Diagnostic};
use std::io::Write;
use std::path::Path;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Whether to colour output written to stderr: only on a terminal, and never when `NO_COLOR`
/// is set to a non-empty value (<https://no-color.org>).
pub fn use_color(stderr_is_terminal: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    stderr_is_terminal && env("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The unified diff of `expected` (the file) against `generated`: `--- FILE`, `+++ generated`,
/// hunks with three lines of context. Empty when they are equal.
pub fn unified_diff(file: &str, expected: &[u8], generated: &[u8]) -> String {
    if expected == generated {
        return String::new();
    }
    let old = String::from_utf8_lossy(expected);
    let new = String::from_utf8_lossy(generated);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(file, "generated")
        .to_string();
    if text.is_empty() {
        // Only possible when the bytes differ but their lossy UTF-8 text does not.
        text = format!(
            "--- {file}\n+++ generated\n(the files differ in bytes that are not valid UTF-8)\n"
        );
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// ANSI colours for a unified diff: headers bold, hunk ranges cyan, removals red, additions green.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for (i, line) in diff.split_inclusive('\n').enumerate() {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let color = if i < 2 && (body.starts_with("--- ") || body.starts_with("+++ ")) {
            BOLD
        } else if body.starts_with("@@") {
            CYAN
        } else if body.starts_with('-') {
            RED
        } else if body.starts_with('+') {
            GREEN
        } else {
            ""
        };
        if color.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(color);
            out.push_str(body);
            out.push_str(RESET);
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// Why `generate --check` failed: the diagnostic, and the unified diff when the file differs.
#[derive(Debug)]
pub struct Mismatch {
    pub diagnostic: Diagnostic,
    pub diff: Option<String>,
}

/// Compare `generated` with the file, byte for byte.
pub fn check(file: &str, generated: &[u8]) -> Result<(), Box<Mismatch>> {
    // `--output=FILE`: a name starting with `-` would otherwise be read as an option.
    let regenerate =
        format!("run the same command with `--output={file}` instead of `--check={file}`");
    let expected = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Box::new(Mismatch {
                diagnostic: Diagnostic::error(
                    Code::GoldenMissing,
                    "",
                    format!("{file} does not exist"),
                )
                .hint(format!("create it: {regenerate}, then commit it")),
                diff: None,
            }))
        }
        Err(e) => {
            return Err(Box::new(Mismatch {
                diagnostic: Diagnostic::error(
                    Code::GoldenRead,
                    "",
                    format!("cannot read {file}: {e}"),
                ),
                diff: None,
            }))
        }
    };
    if expected == generated {
        return Ok(());
    }
    Err(Box::new(Mismatch {
        diagnostic: Diagnostic::error(
            Code::GoldenStale,
            "",
            format!("{file} differs from the generated output"),
        )
        .hint(format!(
            "if the change is intended, regenerate it: {regenerate}"
        )),
        diff: Some(unified_diff(file, &expected, generated)),
    }))
}

/// Write `bytes` to `file` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over `file`. On any error the temporary file is removed and `file` is untouched.
/// A new file gets the mode a shell redirection would give it (0666 less the umask); a replaced
/// one keeps its mode. `file` is the file itself, not a symlink to it: the caller resolves links
/// (a rename over a symlink would replace the link with a regular file).
pub fn write_atomic(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = file;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".spaces-postrender-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with open(2)'s mode 0666, which the kernel narrows by the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // The temporary file's own name means nothing to the user: say which directory failed.
    let mut tmp = builder.tempfile_in(dir).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot create a file in {}: {}", dir.display(), plain(&e)),
        )
    })?;
    tmp.write_all(bytes)?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An I/O error's description without the path `tempfile` appends to it.
fn plain(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" at path ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_marks_diff_lines() {
        let d = unified_diff("g.yaml", b"a\nb\nc\n", b"a\nB\nc\n");
        assert!(d.starts_with("--- g.yaml\n+++ generated\n@@ -1,3 +1,3 @@\n"));
        let c = colorize(&d);
        assert!(c.contains("\x1b[31m-b\x1b[0m\n"));
        assert!(c.contains("\x1b[32m+B\x1b[0m\n"));
        assert!(c.contains("\x1b[1m--- g.yaml\x1b[0m\n"));
        assert!(c.contains("\n a\n"), "context lines stay plain: {c:?}");
    }

    #[test]
    fn no_color_disables_colour() {
        assert!(use_color(true, &|_| None));
        assert!(!use_color(false, &|_| None));
        assert!(!use_color(true, &|k| (k == "NO_COLOR").then(|| "1".into())));
        assert!(use_color(true, &|k| (k == "NO_COLOR").then(String::new)));
    }
}
