//! Standard output on an open `/dev/null`, and the output spool's temporary directory.

use crate::common::{bin, root, run_out};
use std::process::{Command, Stdio};

/// Standard output on `/dev/null` opened read-write (Python's `subprocess.DEVNULL`, Go's
/// `os/exec` with no Stdout) is open: the run succeeds. A closed descriptor is still refused.
#[test]
fn stdout_on_dev_null_opened_read_write_is_open() {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    let o = Command::new(bin())
        .arg("schema")
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(null)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("exec '{}' schema >&-", bin().display()))
        .current_dir(root())
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output is closed"), "{stderr}");
}

/// A stream larger than the spool's memory with a `TMPDIR` that does not exist: the message
/// names the spool and TMPDIR, not a failure to write the output, and nothing is written.
#[test]
fn a_bad_tmpdir_names_the_spool_and_tmpdir() {
    let doc = format!(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: {}\n",
        "x".repeat(1000)
    );
    let n = (spaces_postrender::spool::SPOOL_MEMORY / doc.len()) + 100;
    let input = doc.repeat(n);
    let o = run_out(&[], input.as_bytes(), &[("TMPDIR", "/nonexistent/tmp")]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(o.stderr.contains("spool"), "{}", o.stderr);
    assert!(
        o.stderr.contains("/nonexistent/tmp (TMPDIR)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("cannot write output"), "{}", o.stderr);
}
