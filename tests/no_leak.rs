//! Secret data never reaches stderr or a diagnostic: a sentinel is put into input Secrets
//! (`data`, `stringData`), into values the tool does not interpret and into `--set` values, and
//! pushed through every error path, in every diagnostic format. (Keys are names and are shown:
//! an unknown key under `features.alpha` is reported by name, which is the point.)

mod common;
use common::run;

const SENTINEL: &str = "S3NT1NEL-c2VjcmV0LXZhbHVl";

fn secret(body: &str) -> String {
    format!("---\n# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\n{body}")
}

/// Input streams that fail, each with the sentinel inside a Secret.
fn failing_streams() -> Vec<(&'static str, Vec<u8>)> {
    let s = SENTINEL;
    vec![
        ("tab after the secret", secret(&format!("stringData:\n  password: {s}\n\tnext: 1\n")).into_bytes()),
        ("unclosed quote", secret(&format!("stringData:\n  password: \"{s}\n")).into_bytes()),
        ("unclosed single quote", secret(&format!("stringData:\n  password: '{s}\n")).into_bytes()),
        ("bad escape", secret(&format!("stringData:\n  password: \"{s}\\q\"\n")).into_bytes()),
        ("unknown anchor named like the secret", secret(&format!("stringData:\n  password: *{s}\n")).into_bytes()),
        ("duplicate data key", secret(&format!("data:\n  {s}: {s}\n  {s}: {s}\nx: &a 1\ny: *a\n")).into_bytes()),
        ("duplicate identity key", secret(&format!("stringData:\n  p: {s}\nkind: Secret\n")).into_bytes()),
        ("tag with the secret", secret(&format!("stringData:\n  p: !{s} x\n")).into_bytes()),
        ("flow mismatch", secret(&format!("data: {{p: [{s}}}\n")).into_bytes()),
        ("control character", secret(&format!("stringData:\n  p: {s}\u{1}\n")).into_bytes()),
        ("invalid utf-8", [secret(&format!("data:\n  p: {s}")).into_bytes(), vec![0xff, 0xfe, b'\n']].concat()),
        ("a secret as a list", format!("---\n- {s}\n- {s}\n").into_bytes()),
        ("a secret as a scalar", format!("---\n{s}\n").into_bytes()),
        ("alias bomb in a secret", {
            let mut b = format!("stringData:\n  a0: &a0 [{s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}]\n");
            for i in 1..10 {
                let p = i - 1;
                b.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
            }
            secret(&b).into_bytes()
        }),
        ("nesting too deep", secret(&format!("data: {{p: {}{s}{}}}\n", "[".repeat(400), "]".repeat(400))).into_bytes()),
        ("truncated", secret(&format!("stringData: {{p: {s}")).into_bytes()),
        (
            "conflicting foreign secret",
            format!(
                "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: spaces-argocd-plugin-token\n  namespace: argocd\nstringData:\n  token: {s}\n"
            )
            .into_bytes(),
        ),
        ("directive after a secret", format!("{}%YAML 1.1\n", secret(&format!("stringData:\n  p: {s}\n"))).into_bytes()),
    ]
}

fn assert_clean(what: &str, out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains(SENTINEL),
        "{what}: the secret reached stderr:\n{err}"
    );
    // Not even a fragment of it.
    assert!(
        !err.contains("S3NT1NEL") && !err.contains("c2VjcmV0"),
        "{what}: a fragment of the secret reached stderr:\n{err}"
    );
    // A failed post-render prints nothing (validate prints its JSON/SARIF report on stdout).
    if !out.status.success() && !what.starts_with("validate:") {
        assert!(out.stdout.is_empty(), "{what}: failure printed stdout");
    }
}

#[test]
fn input_secrets_never_reach_stderr() {
    let streams = failing_streams();
    let args: [&[&str]; 4] = [
        &["--set", "features.alpha.argocdPlugin.enabled=true"],
        &[
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--diagnostics",
            "json",
        ],
        &[
            "--target",
            "argocd",
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
        ],
        &["--strict"],
    ];
    let mut failures = 0;
    for (what, input) in &streams {
        for a in args {
            let out = run(a, input, &[]);
            assert_clean(what, &out);
            if !out.status.success() {
                failures += 1;
            }
        }
    }
    // The streams really do fail (or the test proves nothing).
    assert!(
        failures >= streams.len() * 3,
        "only {failures} failing runs"
    );
}

#[test]
fn values_and_set_arguments_never_reach_stderr() {
    let s = SENTINEL;
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, String)> = vec![
        (
            "syntax error after a secret value",
            format!("dbPassword: {s}\nfeatures:\n\talpha: {{}}\n"),
        ),
        (
            "alpha error beside a secret value",
            format!("dbPassword: {s}\nfeatures:\n  alpha:\n    eso:\n      enabled: \"true\"\n"),
        ),
        ("unclosed quote", format!("dbPassword: \"{s}\n")),
        (
            "secret beside a bad alpha value",
            format!("db: {{password: {s}}}\nfeatures:\n  alpha:\n    eso: {{enabled: 3}}\n"),
        ),
        ("top-level list", format!("- {s}\n")),
        ("unknown anchor", format!("dbPassword: *{s}\n")),
        (
            "invalid utf-8 after a secret",
            format!("dbPassword: {s}\n\u{1}"),
        ),
    ];
    let mut failures = 0;
    for (what, text) in &cases {
        let f = dir.path().join("values.yaml");
        std::fs::write(&f, text).expect("write");
        for fmt in ["human", "json", "sarif"] {
            let out = run(
                &[
                    "validate",
                    "-f",
                    f.to_str().expect("path"),
                    "--diagnostics",
                    fmt,
                ],
                b"",
                &[],
            );
            assert_clean(&format!("validate: {what}"), &out);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stdout.contains(s),
                "{what}: the secret reached the {fmt} diagnostics:\n{stdout}"
            );
            if !out.status.success() {
                failures += 1;
            }
        }
    }
    assert!(failures >= 15, "{failures}");
    let sets: Vec<(&str, String)> = vec![
        ("--set", format!("db.password={s},b[0=1")),
        ("--set", format!("db.password={s},db.password.x=1")),
        ("--set", format!("a[{s}]=1")),
        ("--set-json", format!("db.password={s}")),
        ("--set-json", format!("db={{\"password\":\"{s}\"")),
        (
            "--set-string",
            format!("db.password={s},features.alpha.eso.enabled=true"),
        ),
        ("--set-literal", format!("db.password={s}")),
    ];
    for (flag, arg) in &sets {
        let out = run(
            &[
                "validate",
                flag,
                arg,
                "--set",
                "features.alpha.eso.enabled=yes",
            ],
            b"",
            &[],
        );
        assert_clean(&format!("validate: {flag} {arg}"), &out);
        assert!(!out.status.success(), "{flag}: expected a failure");
    }
}
