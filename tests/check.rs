//! `generate --check FILE` and `generate --output FILE` (SPEC §9).

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

#[test]
fn equal_file_passes_silently() {
    let (_t, dir) = workdir();
    std::fs::write(dir.join("golden.yaml"), generated(&dir)).expect("write");
    let out = run(
        &dir,
        &["generate", "-f", "values.yaml", "--check", "golden.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "", "nothing on stderr when equal");
    assert_eq!(out.stdout, "", "--check prints no manifests");
}

#[test]
fn one_changed_line_fails_with_a_unified_diff_naming_it() {
    let (_t, dir) = workdir();
    let fresh = generated(&dir);
    let stale = fresh.replacen(
        "  verbs: [\"get\",\"list\",\"watch\",\"create\",\"update\",\"patch\",\"delete\"]",
        "  verbs: [\"get\",\"list\",\"watch\"]",
        1,
    );
    assert_ne!(stale, fresh, "the fixture line to change exists");
    std::fs::write(dir.join("golden.yaml"), &stale).expect("write");
    let out = run(
        &dir,
        &["generate", "-f", "values.yaml", "--check", "golden.yaml"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let e = &out.stderr;
    assert!(
        e.contains("error[golden-stale]: golden.yaml differs"),
        "{e}"
    );
    assert!(e.contains("\n--- golden.yaml\n+++ generated\n"), "{e}");
    assert!(
        e.contains("\n-  verbs: [\"get\",\"list\",\"watch\"]\n"),
        "the old line: {e}"
    );
    assert!(
        e.contains(
            "\n+  verbs: [\"get\",\"list\",\"watch\",\"create\",\"update\",\"patch\",\"delete\"]\n"
        ),
        "the new line: {e}"
    );
    // One hunk, with context, at the changed line.
    let line = stale
        .lines()
        .position(|l| l == "  verbs: [\"get\",\"list\",\"watch\"]")
        .expect("line")
        + 1;
    assert_eq!(e.matches("\n@@ ").count(), 1, "{e}");
    assert!(
        e.contains(&format!("@@ -{},7 +{},7 @@", line - 3, line - 3)),
        "hunk header names line {line}: {e}"
    );
    assert!(
        !e.contains('\x1b'),
        "no colour when stderr is not a terminal"
    );
    assert!(e.contains("--output golden.yaml"), "says how to fix: {e}");
    // The golden file is not touched by --check.
    assert_eq!(
        std::fs::read_to_string(dir.join("golden.yaml")).expect("read"),
        stale
    );
}

#[test]
fn missing_file_fails_and_says_how_to_create_it() {
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
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("error[golden-missing]: golden/space.yaml does not exist"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`--output golden/space.yaml` instead of `--check golden/space.yaml`"),
        "{}",
        out.stderr
    );
    assert!(!dir.join("golden").exists(), "--check creates nothing");
}

#[test]
fn output_writes_what_generate_prints_and_check_then_passes() {
    let (_t, dir) = workdir();
    let out = run(
        &dir,
        &["generate", "-f", "values.yaml", "--output", "golden.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "", "--output prints nothing on stdout");
    assert_eq!(
        std::fs::read_to_string(dir.join("golden.yaml")).expect("read"),
        generated(&dir)
    );
    assert_eq!(
        listing(&dir),
        ["golden.yaml", "values.yaml"],
        "no temp files left"
    );
    let check = run(
        &dir,
        &["generate", "-f", "values.yaml", "--check", "golden.yaml"],
    );
    assert_eq!(check.code, 0, "{}", check.stderr);
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
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error[write-output]"), "{}", out.stderr);
    assert_eq!(listing(&dir), ["values.yaml"]);
}

#[test]
fn check_and_output_together_are_a_usage_error() {
    let (_t, dir) = workdir();
    let out = run(
        &dir,
        &[
            "generate",
            "-f",
            "values.yaml",
            "--check",
            "a.yaml",
            "--output",
            "b.yaml",
        ],
    );
    assert_eq!(out.code, 2);
}
