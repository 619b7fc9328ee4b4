//! `generate --check FILE` and `generate --output FILE` (SPEC §9): what the files in a
//! directory are afterwards. The messages, the diff of a stale file and the exit codes are
//! cases under tests/cmd (`generate-check-*`, `generate-output-*`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_spaces-postrender");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VALUES: &str = "fixtures/why/on-cluster.yaml";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_PLUGIN_NAME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run spaces-postrender");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).expect("utf-8"),
        stderr: String::from_utf8(o.stderr).expect("utf-8"),
    }
}

/// A temporary directory with the values file copied in, so paths in messages are short.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(Path::new(ROOT).join(VALUES), dir.path().join("values.yaml")).expect("copy");
    let p = dir.path().to_path_buf();
    (dir, p)
}

fn generated(dir: &Path) -> String {
    let out = run(dir, &["generate", "-f", "values.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kind: RoleBinding"));
    out.stdout
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `--check` of a missing file fails (its message: tests/cmd/generate-check-missing.toml) and
/// creates nothing, not even the directory.
#[test]
fn check_of_a_missing_file_creates_nothing() {
    let (_t, dir) = workdir();
    let out = run(
        &dir,
        &[
            "generate",
            "-f",
            "values.yaml",
            "--check",
            "golden/space.yaml",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(listing(&dir), ["values.yaml"], "--check creates nothing");
}

/// `--output` writes exactly what `generate` prints, and leaves no temporary file beside it
/// (`--check` of the written file passing: tests/cmd/generate-output-then-check.md).
#[test]
fn output_writes_what_generate_prints_and_nothing_else() {
    let (_t, dir) = workdir();
    let out = run(
        &dir,
        &["generate", "-f", "values.yaml", "--output", "golden.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("golden.yaml")).expect("read"),
        generated(&dir)
    );
    assert_eq!(
        listing(&dir),
        ["golden.yaml", "values.yaml"],
        "no temp files left"
    );
}

#[test]
fn output_leaves_no_partial_file_when_values_are_invalid() {
    let (_t, dir) = workdir();
    std::fs::copy(
        Path::new(ROOT).join("fixtures/why/bad.yaml"),
        dir.join("bad.yaml"),
    )
    .expect("copy");
    // A new file is not created.
    let out = run(
        &dir,
        &["generate", "-f", "bad.yaml", "--output", "new.yaml"],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error[wrong-type]"), "{}", out.stderr);
    assert_eq!(listing(&dir), ["bad.yaml", "values.yaml"]);
    // An existing file keeps its bytes.
    std::fs::write(dir.join("golden.yaml"), "old golden\n").expect("write");
    let out = run(
        &dir,
        &["generate", "-f", "bad.yaml", "--output", "golden.yaml"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        std::fs::read_to_string(dir.join("golden.yaml")).expect("read"),
        "old golden\n"
    );
    assert_eq!(listing(&dir), ["bad.yaml", "golden.yaml", "values.yaml"]);
}

#[test]
fn output_into_a_missing_directory_fails_cleanly() {
    let (_t, dir) = workdir();
    let out = run(
        &dir,
        &[
            "generate",
            "-f",
            "values.yaml",
            "--output",
            "nope/golden.yaml",
        ],
    );
    // The message: tests/cmd/generate-output-missing-dir.toml.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(listing(&dir), ["values.yaml"]);
}
