//! The informational commands: `--help`, `schema`, `explain`, `validate --show-values`.

mod common;
use common::{read, run};

#[test]
fn schema_prints_the_embedded_schema() {
    let out = run(&["schema"], b"", &[]);
    assert!(out.status.success());
    assert_eq!(out.stdout, read("schemas/values.schema.json"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

#[test]
fn values_from_stdin_for_generate() {
    let values = read("fixtures/values/eso.yaml");
    let out = run(
        &["generate", "-f", "-", "--target", "control-plane"],
        &values,
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Namespace"));
}

/// A golden file in a missing directory names that directory, not an internal temporary file.
#[test]
fn generate_output_into_a_missing_directory_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("nodir/x.yaml");
    let o = run(
        &["generate", "--output", target.to_str().expect("utf-8")],
        b"",
        &[],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains("cannot create a file in") && stderr.contains("nodir"),
        "{stderr}"
    );
    assert!(!stderr.contains(".spaces-postrender-"), "{stderr}");
}
