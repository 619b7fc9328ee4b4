//! Golden tests: fixtures/ in, golden/ out, for the full matrix of SPEC §4.
//!
//! Each case writes `golden/<case>.yaml` (stdout) and `golden/<case>.stderr` (the exit code and
//! stderr). Regenerate with `UPDATE_GOLDEN=1 cargo test --test it golden`, then read the diff.

use crate::common;
use common::{golden_check, read, run};

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    env: &'static [(&'static str, &'static str)],
}

const fn case(
    name: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
) -> Case {
    Case {
        name,
        args,
        stdin,
        env: &[],
    }
}

const SPACES: Option<&str> = Some("fixtures/input/spaces.yaml");
const ESO_CHART: Option<&str> = Some("fixtures/input/external-secrets.yaml");

fn cases() -> Vec<Case> {
    let mut v = vec![
        // Subject rules (SPEC §4): flag, rendered Deployment, values, default.
        case(
            "subject-flag",
            &[
                "generate",
                "-f",
                "fixtures/values/argocd-external.yaml",
                "--controller-service-account",
                "ops/platform-controller",
            ],
            None,
        ),
        case(
            "subject-deployment",
            &["-f", "fixtures/values/argocd-external.yaml"],
            SPACES,
        ),
        case(
            "subject-deployment-defaults",
            &[
                "-f",
                "fixtures/values/argocd-on-cluster.yaml",
                "--namespace",
                "spaces-system",
            ],
            Some("fixtures/input/deployment-default-sa.yaml"),
        ),
        case(
            "subject-values",
            &["generate", "-f", "fixtures/values/controller-sa.yaml"],
            None,
        ),
        Case {
            name: "subject-values-helm-namespace",
            args: &["generate", "-f", "fixtures/values/controller-sa.yaml"],
            stdin: None,
            env: &[("HELM_NAMESPACE", "spaces-prod")],
        },
        case(
            "subject-default",
            &["generate", "-f", "fixtures/values/argocd-on-cluster.yaml"],
            None,
        ),
        case(
            "subject-flag-beats-deployment",
            &[
                "-f",
                "fixtures/values/argocd-on-cluster.yaml",
                "--controller-service-account",
                "ops/other",
            ],
            SPACES,
        ),
        // Both spellings of the Argo CD namespace.
        case(
            "alias-namespace",
            &["generate", "-f", "fixtures/values/alias-namespace.yaml"],
            None,
        ),
        case(
            "alias-secret-namespace",
            &[
                "generate",
                "-f",
                "fixtures/values/alias-secret-namespace.yaml",
            ],
            None,
        ),
        // Post-render of a whole chart; a whole Spaces values file.
        case(
            "postrender-on-cluster",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            SPACES,
        ),
        case(
            "postrender-full-values",
            &["-f", "fixtures/values/full-spaces-values.yaml"],
            SPACES,
        ),
        case(
            "postrender-eso-control-plane",
            &[
                "-f",
                "fixtures/values/eso.yaml",
                "--target",
                "control-plane",
            ],
            ESO_CHART,
        ),
        // A Namespace already present is skipped; a foreign object with our identity is an error.
        case(
            "namespace-present",
            &[
                "-f",
                "fixtures/values/eso.yaml",
                "--target",
                "control-plane",
            ],
            Some("fixtures/input/external-secrets-with-namespace.yaml"),
        ),
        case(
            "conflict-foreign-role",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            Some("fixtures/input/foreign-role.yaml"),
        ),
        // Input that already holds generated objects (a second run, or a GitOps repo of rendered
        // output): they are replaced, so the same values change nothing and new values move them.
        case(
            "rerun-same-values",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            Some("fixtures/input/already-post-rendered.yaml"),
        ),
        case(
            "rerun-new-namespace",
            &["-f", "fixtures/values/alias-namespace.yaml"],
            Some("fixtures/input/already-post-rendered.yaml"),
        ),
        case(
            "rerun-feature-turned-off",
            &["-f", "fixtures/values/eso.yaml"],
            Some("fixtures/input/already-post-rendered.yaml"),
        ),
        // Stream shapes.
        case(
            "crlf-and-empty-docs",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            Some("fixtures/input/crlf-and-empty-docs.yaml"),
        ),
        case(
            "no-trailing-newline",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            Some("fixtures/input/no-trailing-newline.yaml"),
        ),
        case(
            "no-deployment",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            Some("fixtures/input/no-deployment.yaml"),
        ),
        case(
            "helm4-annotation",
            &["-f", "fixtures/values/argocd-on-cluster.yaml"],
            SPACES,
        ),
    ];
    // The matrix: argocdPlugin x externalCluster x eso, for each target.
    for a in 0..2 {
        for x in 0..2 {
            for e in 0..2 {
                for target in ["space", "control-plane", "argocd"] {
                    let file =
                        format!("fixtures/values/matrix-argocd-{a}-external-{x}-eso-{e}.yaml");
                    let name = format!("matrix/{target}-argocd-{a}-external-{x}-eso-{e}");
                    let args: Vec<&'static str> =
                        vec!["generate", "-f", leak(file), "--target", target];
                    v.push(Case {
                        name: leak(name),
                        args: Vec::leak(args),
                        stdin: None,
                        env: &[],
                    });
                }
            }
        }
    }
    v
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn case_env(c: &Case) -> Vec<(&'static str, &'static str)> {
    let mut env: Vec<(&str, &str)> = c.env.to_vec();
    if c.name == "helm4-annotation" {
        env.push(("HELM_PLUGIN_NAME", "spaces-postrender"));
    }
    env
}

fn run_case(c: &Case) -> std::process::Output {
    let stdin = c.stdin.map(read).unwrap_or_default();
    run(c.args, &stdin, &case_env(c))
}

/// Every case runs and every failure is reported, so that one stale case does not hide the
/// others.
#[test]
fn golden_cases() {
    let mut failures = vec![];
    for c in cases() {
        let out = run_case(&c);
        let code = out.status.code().unwrap_or(-1);
        let mut err = format!("# exit code: {code}\n").into_bytes();
        err.extend_from_slice(&out.stderr);
        failures.extend(golden_check(&format!("golden/{}.yaml", c.name), &out.stdout).err());
        failures.extend(golden_check(&format!("golden/{}.stderr", c.name), &err).err());
        // Failures print nothing on stdout (SPEC §3).
        if code != 0 && !out.stdout.is_empty() {
            failures.push(format!("{}: stdout must be empty on failure", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A second run over the tool's own output with the same values is the identity.
#[test]
fn rerun_with_same_values_is_the_identity() {
    let input = read("fixtures/input/already-post-rendered.yaml");
    let out = run(
        &["-f", "fixtures/values/argocd-on-cluster.yaml"],
        &input,
        &[],
    );
    assert!(out.status.success());
    assert!(
        out.stdout == input,
        "re-running over generated output changed it"
    );
    // With the feature turned off, exactly the generated documents disappear.
    let off = run(&[], &input, &[]);
    assert!(off.status.success());
    assert!(
        off.stdout == read("fixtures/input/spaces.yaml"),
        "turning the feature off must leave exactly the chart's documents"
    );
}

/// Untouched input documents come out byte for byte, in one piece: after the generated
/// Namespaces (which Helm 3 and `kubectl apply` must create before what lives in them) and
/// before the other generated objects.
#[test]
fn input_is_byte_exact_after_the_generated_namespaces() {
    for c in cases() {
        let Some(input) = c.stdin else { continue };
        if input.contains("already-post-rendered") {
            continue; // its generated documents are replaced, by design
        }
        let out = run_case(&c);
        if !out.status.success() {
            continue;
        }
        let input = read(input);
        let at = out
            .stdout
            .windows(input.len().max(1))
            .position(|w| w == &input[..])
            .unwrap_or_else(|| panic!("{}: the input bytes are not in the output", c.name));
        // Before the input: generated Namespaces only (and a boundary line for an input whose
        // first document has none).
        let mut sp = spaces_postrender::stream::Splitter::new(&out.stdout[..at]);
        while let Some(d) = sp.next_doc().expect("split") {
            let d = String::from_utf8_lossy(d.bytes);
            assert!(
                d == "---\n"
                    || d.contains("\nkind: Namespace\n")
                        && d.contains(spaces_postrender::k8s::MARKER_LABEL),
                "{}: {d:?} comes before the input",
                c.name
            );
        }
    }
}

/// Running the tool over its own output changes nothing (SPEC §5).
#[test]
fn running_twice_changes_nothing() {
    for c in cases() {
        let first = run_case(&c);
        if !first.status.success()
            || c.args.first() == Some(&"generate") && first.stdout.starts_with(b"#")
        {
            continue;
        }
        // Feed the output back in post-render mode with the same flags.
        let args: Vec<&str> = c
            .args
            .iter()
            .copied()
            .filter(|a| *a != "generate")
            .collect();
        let second = run(&args, &first.stdout, &case_env(&c));
        assert!(
            second.status.success(),
            "{}: second run failed: {}",
            c.name,
            String::from_utf8_lossy(&second.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&second.stdout),
            String::from_utf8_lossy(&first.stdout),
            "{}: second run changed the output",
            c.name
        );
    }
}

/// Every case is deterministic.
#[test]
fn output_is_deterministic() {
    for c in cases().into_iter().take(12) {
        let a = run_case(&c);
        let b = run_case(&c);
        assert_eq!(a.stdout, b.stdout, "{}", c.name);
        assert_eq!(a.stderr, b.stderr, "{}", c.name);
    }
}

/// A kind `plan` can generate that no golden case shows would change output nobody reads before
/// it ships: every kind in `plan::Kind::ALL` appears, with the marker label, in some case.
#[test]
fn every_generated_kind_has_a_golden_case() {
    use spaces_postrender::plan::Kind;
    let mut seen = std::collections::BTreeSet::new();
    for c in cases() {
        let out = read(format!("golden/{}.yaml", c.name));
        for doc in String::from_utf8_lossy(&out).split("\n---") {
            if !doc.contains(spaces_postrender::k8s::MARKER_LABEL) {
                continue;
            }
            if let Some(kind) = doc.lines().find_map(|l| l.strip_prefix("kind: ")) {
                seen.insert(kind.trim().to_string());
            }
        }
    }
    let missing: Vec<&str> = Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "no golden case generates {missing:?}; add a case to tests/it/golden.rs"
    );
}
