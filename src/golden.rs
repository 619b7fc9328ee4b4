//! Golden files: `generate --check FILE` (byte-for-byte comparison with a unified diff) and
//! `generate --output FILE` (atomic write: a temporary file in the same directory, then rename).

use crate::{EXIT_INVALID, EXIT_OK};
use std::io::Write;
use std::path::Path;

/// Compare `generated` with the file; on a difference print a unified diff to `stderr`.
pub fn check(file: &str, generated: &[u8], stderr: &mut dyn Write) -> i32 {
    let expected = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let _ = writeln!(
                stderr,
                "error[golden-missing]: {file} does not exist\n  help: create it with the same flags and `--output {file}` instead of `--check {file}`"
            );
            return EXIT_INVALID;
        }
        Err(e) => {
            let _ = writeln!(stderr, "error[golden-read]: cannot read {file}: {e}");
            return EXIT_INVALID;
        }
    };
    if expected == generated {
        return EXIT_OK;
    }
    let old = String::from_utf8_lossy(&expected);
    let new = String::from_utf8_lossy(generated);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(file, "generated")
        .to_string();
    let _ = writeln!(
        stderr,
        "error[golden-stale]: {file} differs from the generated output"
    );
    let _ = stderr.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = writeln!(stderr);
    }
    let _ = writeln!(
        stderr,
        "  help: regenerate it with the same flags and `--output {file}`"
    );
    EXIT_INVALID
}

/// Write `bytes` to `file` atomically.
pub fn write_atomic(file: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = Path::new(file);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
