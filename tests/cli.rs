//! The informational commands: `--help`, `schema`, `explain`, `validate --show-values`.

mod common;
use common::{golden, read, run};

#[test]
fn schema_prints_the_embedded_schema() {
    let out = run(&["schema"], b"", &[]);
    assert!(out.status.success());
    assert_eq!(out.stdout, read("schemas/values.schema.json"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

#[test]
fn explain_describes_fields_from_the_schema() {
    let out = run(&["explain", "features.alpha.argocdPlugin"], b"", &[]);
    assert!(out.status.success());
    golden("golden/cli/explain-argocd-plugin.txt", &out.stdout);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("features.alpha.argocdPlugin.target.secretNamespace  (string (dns1123Label), default \"argocd\")"), "{s}");
    let json = run(&["explain", "features.alpha.eso", "--json"], b"", &[]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v[1]["path"], "features.alpha.eso.enabled");
    assert_eq!(v[1]["default"], false);
    assert_eq!(v[2]["default"], "external-secrets");
    // A misspelt path is a usage error with a suggestion.
    let bad = run(&["explain", "features.alpha.argocdplugin"], b"", &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("did you mean `features.alpha.argocdPlugin`?"));
}

#[test]
fn show_values_prints_what_the_tool_saw() {
    let out = run(
        &[
            "validate",
            "--show-values",
            "-f",
            "fixtures/values/argocd-on-cluster.yaml",
            "--set",
            "features.alpha.eso.enabled=true",
        ],
        b"",
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["features"]["alpha"]["argocdPlugin"]["target"]["secretNamespace"],
        "argocd"
    );
    assert_eq!(v["features"]["alpha"]["eso"]["enabled"], true);
    assert_eq!(v["account"], "my-org");
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

/// `validate` says what it checked on success, and its failures say nothing about manifests
/// (it writes none).
#[test]
fn validate_says_ok_and_never_mentions_manifests() {
    let ok = run(
        &[
            "validate",
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "x.y=1",
        ],
        b"",
        &[],
    );
    assert_eq!(ok.status.code(), Some(0));
    assert!(ok.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&ok.stderr),
        "ok: 2 values checked, 0 problems\n"
    );
    let bad = run(
        &[
            "validate",
            "--strict",
            "--set",
            "features.alpha.quantumSync.enabled=true",
        ],
        b"",
        &[],
    );
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr.ends_with("spaces-postrender: 1 error, 0 warnings\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("manifests") && !stderr.contains("ok:"),
        "{stderr}"
    );
}

/// `explain` of a Spaces chart key the tool ignores says so (it is accepted, not unknown); a
/// misspelt field of its own is still an error with a suggestion.
#[test]
fn explain_ignored_keys_and_typos() {
    let o = run(&["explain", "ingress.host"], b"", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout)
        .starts_with("ingress.host: not interpreted by spaces-postrender\n"));
    let o = run(&["explain", "features.alpha.argocdplugin"], b"", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("did you mean `features.alpha.argocdPlugin`?")
    );
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
