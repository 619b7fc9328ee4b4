//! The catalogue of bad, hostile and unusual inputs (issue: reliability). Every row pins its
//! outcome: the exit code inline, the exact stderr in `golden/bad-inputs/<case>.txt`
//! (regenerate with `UPDATE_GOLDEN=1 cargo test --test it bad_inputs`, then read the diff).
//! Every run is bounded: 3 GiB of address space (`ulimit -v`) and 60 s of wall time; none may
//! panic, and a failed run prints nothing on stdout.

use crate::common;
use common::{bin, golden, root};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What stdout must be.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Out {
    /// Nothing (a failure, or nothing to print).
    Empty,
    /// The input bytes, then generated documents.
    InputThenGenerated,
    /// Exactly the input bytes (nothing generated).
    Input,
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
    /// Files to create in the working directory first.
    files: Vec<(&'static str, Vec<u8>)>,
    exit: i32,
    out: Out,
}

const ON: &str = "features.alpha.argocdPlugin.enabled=true";

fn pr(name: &'static str, stdin: impl Into<Vec<u8>>, exit: i32, out: Out) -> Case {
    Case {
        name,
        args: vec!["--set".into(), ON.into()],
        stdin: stdin.into(),
        files: vec![],
        exit,
        out,
    }
}

fn values_file(name: &'static str, content: impl Into<Vec<u8>>, exit: i32) -> Case {
    Case {
        name,
        args: vec!["validate".into(), "-f".into(), "values.yaml".into()],
        stdin: vec![],
        files: vec![("values.yaml", content.into())],
        exit,
        out: Out::Empty,
    }
}

fn set(name: &'static str, flag: &str, arg: &str, exit: i32) -> Case {
    Case {
        name,
        args: vec!["validate".into(), flag.into(), arg.into()],
        stdin: vec![],
        files: vec![],
        exit,
        out: Out::Empty,
    }
}

const CM: &str = "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  a: \"1\"\n";

fn alias_bomb() -> String {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    s
}

fn garbage(n: usize) -> Vec<u8> {
    // A fixed xorshift sequence: the same "random" bytes every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn name_case(name: &'static str, path: &str, value: &str, exit: i32) -> Case {
    set(
        name,
        "--set-string",
        &format!("{path}={}", value.replace(',', "\\,")),
        exit,
    )
}

fn cases() -> Vec<Case> {
    use Out::*;
    let big_line = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  x: \"{}\"\n",
        "A".repeat(100 * 1024 * 1024)
    );
    let deep_flow = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {{x: {}1{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let deep_block = |n: usize| {
        let mut s =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nspec:\n");
        for i in 0..n {
            s.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 1)));
        }
        s
    };
    let long = |n: usize| "a".repeat(n);
    vec![
        // --- the manifest stream ---
        pr("malformed-top-level", "apiVersion: v1\nkind: ConfigMap: x\n", 1, Empty),
        pr("malformed-depth-3", format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\n   c: d\n"), 1, Empty),
        pr("malformed-flow", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x, y}\n", 1, Empty),
        pr("unterminated-quote", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n", 1, Empty),
        pr("tab-indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", 1, Empty),
        pr("duplicate-identity-key", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: x}\n", 1, Empty),
        pr("duplicate-data-key-passes", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: \"1\"\n  a: \"2\"\n", 0, InputThenGenerated),
        pr("invalid-utf8", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff\xfe}\n".to_vec(), 1, Empty),
        pr("utf8-bom-first-document", format!("\u{feff}{CM}"), 0, InputThenGenerated),
        pr("utf8-bom-inside-a-document", format!("{CM}---\n\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: y}}\n"), 1, Empty),
        pr("crlf", CM.replace('\n', "\r\n"), 0, InputThenGenerated),
        pr("document-is-a-scalar", "---\njust a string\n", 1, Empty),
        pr("document-is-a-list", "---\n- apiVersion: v1\n  kind: ConfigMap\n", 1, Empty),
        pr("kind-list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n", 0, InputThenGenerated),
        pr("alias-bomb", alias_bomb(), 1, Empty),
        pr("deep-flow-nesting-10000", deep_flow, 1, Empty),
        pr("deep-block-nesting-200", deep_block(200), 0, InputThenGenerated),
        pr("deep-block-nesting-300", deep_block(300), 1, Empty),
        pr("single-100MB-line", big_line, 0, InputThenGenerated),
        pr("one-million-empty-documents", "---\n".repeat(1_000_000), 0, InputThenGenerated),
        pr("binary-garbage", garbage(4096), 1, Empty),
        pr("control-characters", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \u{1}\u{2}}\n", 1, Empty),
        pr("json-stream-without-separators", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"}}\n", 1, Empty),
        pr("json-document", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n", 0, InputThenGenerated),
        pr("truncated-in-flow", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: ", 1, Empty),
        pr("truncated-in-string", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'a", 1, Empty),
        pr("empty-input-generates-only", "", 0, InputThenGenerated),
        Case { name: "empty-input-nothing-to-do", args: vec![], stdin: vec![], files: vec![], exit: 0, out: Empty },
        Case { name: "features-off-is-identity", args: vec![], stdin: CM.into(), files: vec![], exit: 0, out: Input },
        pr("only-comments-and-markers", "# nothing\n---\n...\n---\n# still nothing\n", 0, InputThenGenerated),
        pr("error-after-good-documents", format!("{CM}{CM}---\napiVersion: v1\nkind: [\n"), 1, Empty),
        pr("unknown-anchor", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *nope}\n", 1, Empty),
        pr("directive-inside-stream", format!("{CM}%YAML 1.1\n"), 1, Empty),
        pr("directive-error-line", "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n", 1, Empty),
        pr("directive-stays-with-its-document", "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", 0, InputThenGenerated),
        // A character of the input never appears in a message (it may be a Secret's data).
        pr("unexpected-character-not-shown", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  p: @x\n", 1, Empty),
        pr("mismatched-bracket-not-shown", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {p: [x}\n", 1, Empty),
        // Kubernetes' YAML 1.1 reader ends a line at NEL, LS and PS; YAML 1.2 readers do not.
        pr("line-separator-after-identity", "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\u{2028}\n  namespace: argocd\nrules: []\n", 1, Empty),
        pr("next-line-in-a-comment", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm # note\u{85}namespace: other\n", 1, Empty),
        pr("paragraph-separator-in-a-string", format!("{CM}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: b, labels: {{x: &a y}}}}\nstringData:\n  k: \"a\u{2029}b\"\n  j: *a\n"), 1, Empty),
        // Duplicate keys: one rule, whatever else the document holds (anchors, tags).
        pr("duplicate-label-key-with-anchor-passes", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: a\n    app: b\ndata:\n  a: &v \"1\"\n  b: *v\n", 0, InputThenGenerated),
        pr("duplicate-data-key-with-tag-passes", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: !!str 1\n  a: \"2\"\n", 0, InputThenGenerated),
        pr("duplicate-identity-key-with-anchor", "apiVersion: v1\nkind: &k ConfigMap\nmetadata: {name: x}\ndata: {a: *k}\nkind: Secret\n", 1, Empty),
        pr("duplicate-identity-key-through-an-alias", "apiVersion: v1\n&n name: x\nkind: ConfigMap\nmetadata:\n  name: x\n  *n : y\n", 1, Empty),
        // --- values files with the same defects ---
        values_file("values-tab-indentation", "features:\n\talpha: {}\n", 1),
        values_file("values-invalid-utf8", b"features:\n  alpha:\n    eso: {namespace: \xff}\n".to_vec(), 1),
        values_file("values-utf8-bom", "\u{feff}features:\n  alpha:\n    eso:\n      enabled: true\n", 0),
        values_file("values-crlf", "features:\r\n  alpha:\r\n    eso:\r\n      enabled: true\r\n", 0),
        values_file("values-alias-bomb", alias_bomb().replace("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n", ""), 1),
        values_file("values-deep-nesting", format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000)), 1),
        values_file("values-top-level-scalar", "true\n", 1),
        values_file("values-top-level-list", "- features\n", 1),
        values_file("values-duplicate-keys", "features:\n  alpha:\n    eso: {enabled: true}\n    eso: {enabled: false}\n", 0),
        values_file("values-json", "{\"features\": {\"alpha\": {\"eso\": {\"enabled\": true}}}}\n", 0),
        values_file("values-truncated", "features:\n  alpha: {eso: {enabled: tr", 1),
        values_file("values-binary-garbage", garbage(2048), 1),
        values_file("values-multi-document", "features: {alpha: {eso: {enabled: true}}}\n---\nfeatures: {alpha: {eso: {enabled: nope}}}\n", 0),
        // --- --set strings ---
        set("set-unbalanced-open-bracket", "--set", "a[0=1", 1),
        set("set-unbalanced-close-bracket-is-a-key-as-in-helm", "--set", "a]=1", 0),
        set("set-huge-index", "--set", "a[99999999]=1", 1),
        set("set-negative-index", "--set", "a[-1]=1", 1),
        set("set-empty-key-is-ignored-as-in-helm", "--set", "=x", 0),
        set("set-no-equals", "--set", "features.alpha.eso.enabled", 1),
        set("set-json-invalid", "--set-json", "features.alpha.eso={enabled: true}", 1),
        set("set-file-missing", "--set-file", "features.alpha.eso.namespace=/nonexistent/file", 1),
        set("set-deep-nesting", "--set", &format!("{}=1", vec!["k"; 40].join(".")), 1),
        // --- names at and over the limits, and with bad characters ---
        name_case("namespace-63-chars", "features.alpha.eso.namespace", &long(63), 0),
        name_case("namespace-64-chars", "features.alpha.eso.namespace", &long(64), 1),
        name_case("secret-name-253-chars", "features.alpha.argocdPlugin.target.externalCluster.secret.name", &format!("{}.{}.{}.{}", long(63), long(63), long(63), long(61)), 0),
        name_case("secret-name-254-chars", "features.alpha.argocdPlugin.target.externalCluster.secret.name", &format!("{}.{}.{}.{}", long(63), long(63), long(63), long(62)), 1),
        name_case("secret-key-253-chars", "features.alpha.argocdPlugin.target.externalCluster.secret.key", &long(253), 0),
        name_case("secret-key-254-chars", "features.alpha.argocdPlugin.target.externalCluster.secret.key", &long(254), 1),
        name_case("namespace-uppercase", "features.alpha.argocdPlugin.target.namespace", "ArgoCD", 1),
        name_case("namespace-with-dots", "features.alpha.argocdPlugin.target.namespace", "argo.cd", 1),
        name_case("namespace-with-newline", "features.alpha.argocdPlugin.target.namespace", "argo\ncd", 1),
        name_case("namespace-with-colon-space", "features.alpha.argocdPlugin.target.namespace", "argo: cd", 1),
        name_case("namespace-with-hash", "features.alpha.argocdPlugin.target.namespace", "argo#cd", 1),
        name_case("secret-name-with-dots-is-fine", "features.alpha.argocdPlugin.target.externalCluster.secret.name", "my.argo.cluster", 0),
        name_case("secret-name-uppercase", "features.alpha.argocdPlugin.target.externalCluster.secret.name", "MyCluster", 1),
        name_case("secret-key-with-slash", "features.alpha.argocdPlugin.target.externalCluster.secret.key", "a/b", 1),
        name_case("secret-key-dot-dot", "features.alpha.argocdPlugin.target.externalCluster.secret.key", "..", 1),
        // --- usage errors ---
        Case { name: "usage-unknown-flag", args: vec!["--frobnicate".into()], stdin: vec![], files: vec![], exit: 2, out: Empty },
        Case { name: "usage-bad-target", args: vec!["--target".into(), "mars".into()], stdin: vec![], files: vec![], exit: 2, out: Empty },
        Case { name: "usage-values-from-stdin-in-post-render", args: vec!["-f".into(), "-".into()], stdin: CM.into(), files: vec![], exit: 1, out: Empty },
        Case {
            name: "bad-controller-service-account",
            args: vec!["--set".into(), ON.into(), "--controller-service-account".into(), "no-slash".into()],
            stdin: CM.into(),
            files: vec![],
            // A malformed argument is wrong on the command line itself: a usage error.
            exit: 2,
            out: Empty,
        },
    ]
}

fn run_bounded(c: &Case, dir: &std::path::Path) -> (i32, Vec<u8>, Vec<u8>, Duration) {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg("ulimit -v 3145728; exec \"$@\"")
        .arg("bash")
        .arg(bin())
        .args(&c.args)
        .current_dir(dir)
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_PLUGIN_NAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    let data = c.stdin.clone();
    let w = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let id = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d2 = done.clone();
    let watchdog = std::thread::spawn(move || {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if d2.load(std::sync::atomic::Ordering::SeqCst) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
        true
    });
    let out = child.wait_with_output().expect("wait");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let killed = watchdog.join().expect("watchdog");
    let _ = w.join();
    assert!(!killed, "{}: did not finish within 60 s", c.name);
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        out.stderr,
        start.elapsed(),
    )
}

#[test]
fn catalogue_of_bad_inputs() {
    let cases = cases();
    assert!(cases.len() >= 40, "the catalogue has {} cases", cases.len());
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
        let dir = tempfile::tempdir().expect("tempdir");
        for (f, content) in &c.files {
            std::fs::write(dir.path().join(f), content).expect("write fixture");
        }
        let (code, stdout, stderr, took) = run_bounded(c, dir.path());
        let err = String::from_utf8_lossy(&stderr);
        assert_eq!(
            code, c.exit,
            "{}: exit code (took {took:?}); stderr:\n{err}",
            c.name
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{}: panicked:\n{err}",
            c.name
        );
        if code != 0 {
            assert!(
                stdout.is_empty(),
                "{}: a failed run printed {} bytes on stdout",
                c.name,
                stdout.len()
            );
            assert!(!err.trim().is_empty(), "{}: a failure must say why", c.name);
            // Location and fix: every error line names where (a values path, argument, file or
            // document) and the block has a help line, except clap's usage errors.
            if code == 1 {
                let first = err
                    .lines()
                    .find(|l| l.starts_with("error["))
                    .unwrap_or_else(|| panic!("{}: no error line in\n{err}", c.name));
                assert!(
                    first.contains(" (") || first.contains(']'),
                    "{}: {first}",
                    c.name
                );
                assert!(
                    err.contains("  help: "),
                    "{}: no help line in\n{err}",
                    c.name
                );
            }
        }
        match c.out {
            Out::Empty => assert!(
                stdout.is_empty() || c.args.first().map(String::as_str) == Some("validate"),
                "{}: stdout not empty",
                c.name
            ),
            Out::Input => assert!(stdout == c.stdin, "{}: output is not the input", c.name),
            Out::InputThenGenerated => {
                assert!(
                    stdout.starts_with(&c.stdin),
                    "{}: output does not start with the input",
                    c.name
                );
                let tail = String::from_utf8_lossy(&stdout[c.stdin.len()..]);
                assert!(
                    tail.contains(
                        "# Source: spaces-postrender/space/role-spaces-argocd-plugin.yaml"
                    ),
                    "{}: nothing generated",
                    c.name
                );
            }
        }
        // Pin the exact diagnostics (paths of the temporary directory are not in them).
        golden(
            &format!("golden/bad-inputs/{}.txt", c.name),
            format!("# exit code: {code}\n{err}").as_bytes(),
        );
    }
}

/// Every wrong type for every alpha field is an error naming the field.
#[test]
fn every_wrong_type_for_every_alpha_field() {
    let bools = [
        "features.alpha.argocdPlugin.enabled",
        "features.alpha.argocdPlugin.useUIDFormatForCTPSecrets",
        "features.alpha.argocdPlugin.target.externalCluster.enabled",
        "features.alpha.eso.enabled",
        "features.alpha.apollo.enabled",
        "features.alpha.kine.enabled",
    ];
    let strings = [
        "features.alpha.argocdPlugin.target.secretNamespace",
        "features.alpha.argocdPlugin.target.namespace",
        "features.alpha.argocdPlugin.target.externalCluster.secret.name",
        "features.alpha.argocdPlugin.target.externalCluster.secret.key",
        "features.alpha.eso.namespace",
        "controller.serviceAccount.name",
    ];
    let objects = [
        "features.alpha.argocdPlugin",
        "features.alpha.argocdPlugin.target",
        "features.alpha.eso",
        "features.alpha",
    ];
    let mut n = 0;
    let mut check = |path: &str, json: &str| {
        let out = common::run(
            &["validate", "--set-json", &format!("{path}={json}")],
            b"",
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{path}={json}: {err}");
        assert!(
            err.contains(&format!(
                "error[wrong-type] {path} (--set-json argument 1): expected "
            )),
            "{path}={json}:\n{err}"
        );
        n += 1;
    };
    for p in bools {
        for j in ["\"true\"", "1", "0", "[true]", "{\"a\":1}", "\"yes\""] {
            check(p, j);
        }
    }
    for p in strings {
        for j in ["true", "5", "[\"a\"]", "{\"a\":\"b\"}"] {
            check(p, j);
        }
    }
    for p in objects {
        for j in ["true", "\"x\"", "[1]", "3"] {
            check(p, j);
        }
    }
    assert_eq!(n, 6 * 6 + 6 * 4 + 4 * 4);
    // And the root of the repository is untouched by any of this.
    assert!(root().join("Cargo.toml").exists());
}
