//! `why`: golden files (human and JSON) for the cases of issue 6, plus checks that the
//! explanation matches what the post-renderer actually writes.
//!
//! Regenerate the golden files after an intended change, then read every changed file:
//!
//!     UPDATE_GOLDEN=1 cargo test --test it why
//!
//! Golden files live in `golden/why/<case>.txt` (human) and `golden/why/<case>.json`.
//! `--format json` and its old spelling `--output json`, `--input FILE`, and values on standard
//! input are cases under tests/cmd (`why-*`); the first three compare with the golden
//! `subject-deployment` files here.

use crate::common;
use common::Out;

use serde_json::Value;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The reference document's on-cluster flags (`${...}` filled in).
const SET_ON_CLUSTER: &[&str] = &[
    "--set",
    "ingress.host=proxy.upbound-127.0.0.1.nip.io",
    "--set",
    "clusterType=kind",
    "--set",
    "account=my-org",
    "--set",
    "features.alpha.argocdPlugin.enabled=true",
    "--set",
    "features.alpha.argocdPlugin.target.namespace=argocd",
];

/// The reference document's external-cluster flags.
const SET_EXTERNAL: &[&str] = &[
    "--set",
    "ingress.host=proxy.upbound-127.0.0.1.nip.io",
    "--set",
    "clusterType=kind",
    "--set",
    "account=my-org",
    "--set",
    "features.alpha.argocdPlugin.enabled=true",
    "--set",
    "features.alpha.argocdPlugin.target.namespace=argocd",
    "--set",
    "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
    "--set",
    "features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster",
    "--set",
    "features.alpha.argocdPlugin.target.externalCluster.secret.key=kubeconfig",
];

/// The reference document's External Secrets Operator flags.
const SET_ESO: &[&str] = &[
    "--set",
    "ingress.host=proxy.upbound-127.0.0.1.nip.io",
    "--set",
    "clusterType=kind",
    "--set",
    "account=my-org",
    "--set",
    "features.alpha.eso.enabled=true",
    "--set",
    "features.alpha.eso.namespace=external-secrets",
];

/// Run the binary in the repository root (so paths in the output are repository-relative),
/// `stdin` the named fixture.
fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
    let input = stdin.map(common::read).unwrap_or_default();
    common::run_out(args, &input, env)
}

fn assert_golden(name: &str, actual: &str) {
    if let Err(e) = common::golden_check(&format!("golden/why/{name}"), actual.as_bytes()) {
        panic!("{e}");
    }
}

/// One case: `why` in both formats against the golden files; returns the parsed JSON.
/// `stderr_has` is what stderr must contain (empty: stderr must be empty).
fn case(
    name: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
    stderr_has: &str,
) -> Value {
    let mut human_args = vec!["why"];
    human_args.extend_from_slice(args);
    let human = run(&human_args, stdin, env);
    assert_eq!(human.code, 0, "why {args:?} failed: {}", human.stderr);
    if stderr_has.is_empty() {
        assert_eq!(human.stderr, "", "unexpected diagnostics for {name}");
    } else {
        assert!(human.stderr.contains(stderr_has), "{}", human.stderr);
    }
    assert_golden(&format!("{name}.txt"), &human.stdout);

    let mut json_args = human_args.clone();
    json_args.extend_from_slice(&["--output", "json"]);
    let json = run(&json_args, stdin, env);
    assert_eq!(json.code, 0, "why --output json {args:?}: {}", json.stderr);
    assert_golden(&format!("{name}.json"), &json.stdout);
    let v: Value = serde_json::from_str(&json.stdout).expect("why --output json is JSON");
    assert_eq!(v["version"], 1);
    consistent_with_postrender(name, args, stdin, env, &v);
    v
}

/// The explanation must describe exactly what the post-renderer writes: the same generated
/// documents (by `# Source:`) and, for each RoleBinding, the same subject.
fn consistent_with_postrender(
    name: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
    why: &Value,
) {
    // `--input FILE` is `why`'s; the post-renderer reads the same file on stdin.
    let mut pr_args = Vec::new();
    let mut pr_stdin = stdin;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if *a == "--input" {
            pr_stdin = it.next().copied();
        } else {
            pr_args.push(*a);
        }
    }
    let pr = run(&pr_args, pr_stdin, env);
    assert_eq!(pr.code, 0, "{name}: post-render failed: {}", pr.stderr);
    let written_sources: Vec<&str> = pr
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# Source: "))
        .filter(|s| s.starts_with("spaces-postrender/"))
        .collect();
    let generated = why["generated"].as_array().expect("generated");
    let why_sources: Vec<&str> = generated
        .iter()
        .filter(|o| o["written"] == true)
        .map(|o| o["source"].as_str().expect("source"))
        .collect();
    assert_eq!(
        why_sources, written_sources,
        "{name}: why and the post-renderer disagree"
    );
    for o in generated {
        if o["kind"] == "RoleBinding" && o["usesSubject"] == true {
            let s = &why["subject"];
            let want = format!(
                "subjects:\n- kind: ServiceAccount\n  name: \"{}\"\n  namespace: \"{}\"\n",
                s["name"].as_str().expect("name"),
                s["namespace"].as_str().expect("namespace")
            );
            assert!(
                pr.stdout.contains(&want),
                "{name}: the post-renderer binds another subject than why says:\n{}",
                pr.stdout
            );
        }
    }
}

fn because<'a>(o: &'a Value, path: &str) -> &'a Value {
    o["because"]
        .as_array()
        .expect("because")
        .iter()
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("no cause {path} in {o}"))
}

#[test]
fn on_cluster_argo_from_a_values_file_has_exact_locations() {
    let v = case(
        "on-cluster-values",
        &["-f", "fixtures/why/on-cluster.yaml", "-n", "upbound-system"],
        None,
        &[],
        "",
    );
    let g = v["generated"].as_array().expect("generated");
    let kinds: Vec<&str> = g
        .iter()
        .map(|o| o["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["Role", "RoleBinding"]);
    for o in g {
        assert_eq!(o["namespace"], "argocd");
        assert_eq!(o["name"], "spaces-argocd-plugin");
        // fixtures/why/on-cluster.yaml: line 10 is `      enabled: true`, line 12 `        secretNamespace: argocd`.
        let e = because(o, "features.alpha.argocdPlugin.enabled");
        assert_eq!(e["value"], true);
        assert_eq!(e["from"], "fixtures/why/on-cluster.yaml:10:16");
        assert_eq!(e["origin"]["line"], 10);
        let ns = because(o, "features.alpha.argocdPlugin.target.secretNamespace");
        assert_eq!(ns["value"], "argocd");
        assert_eq!(ns["from"], "fixtures/why/on-cluster.yaml:12:26");
        let ext = because(
            o,
            "features.alpha.argocdPlugin.target.externalCluster.enabled",
        );
        assert_eq!(ext["value"], false);
        assert_eq!(ext["from"], "default");
    }
    let text = std::fs::read_to_string(Path::new(ROOT).join("fixtures/why/on-cluster.yaml"))
        .expect("fixture");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(&lines[9][15..], "true", "line 10, column 16 is the value");
    assert_eq!(
        &lines[11][25..],
        "argocd",
        "line 12, column 26 is the value"
    );
    assert_eq!(v["subject"]["namespaceFrom"]["from"], "--namespace");
    // The secrets-reader is not generated, and the flag that would turn it on is named.
    let n = &v["notGenerated"][0];
    assert_eq!(n["name"], "spaces-argocd-kubeconfig-reader");
    let unmet: Vec<&Value> = n["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .filter(|x| x["met"] == false)
        .collect();
    assert_eq!(unmet.len(), 1);
    assert_eq!(
        unmet[0]["path"],
        "features.alpha.argocdPlugin.target.externalCluster.enabled"
    );
    assert_eq!(unmet[0]["value"], true);
}

#[test]
fn reference_document_set_flags_on_cluster() {
    let v = case(
        "reference-set-on-cluster",
        SET_ON_CLUSTER,
        None,
        &[],
        "info[namespace-alias]",
    );
    let o = &v["generated"][1];
    assert_eq!(o["kind"], "RoleBinding");
    assert_eq!(
        because(o, "features.alpha.argocdPlugin.enabled")["from"],
        "--set argument 4"
    );
    let ns = because(o, "features.alpha.argocdPlugin.target.namespace");
    assert_eq!(ns["from"], "--set argument 5");
    assert_eq!(ns["origin"]["kind"], "arg");
    assert_eq!(ns["origin"]["index"], 5);
}

#[test]
fn reference_document_set_flags_external_cluster() {
    let mut args = SET_EXTERNAL.to_vec();
    args.extend_from_slice(&["--input", "fixtures/input/spaces.yaml"]);
    let v = case(
        "reference-set-external",
        &args,
        None,
        &[],
        "info[namespace-alias]",
    );
    let g = v["generated"].as_array().expect("generated");
    assert_eq!(g.len(), 2);
    for o in g {
        assert_eq!(o["name"], "spaces-argocd-kubeconfig-reader");
        // The secrets-reader lives in the controller namespace, taken from the Deployment.
        assert_eq!(o["namespace"], "upbound-system");
        assert_eq!(o["usesSubject"], true);
        assert_eq!(
            because(
                o,
                "features.alpha.argocdPlugin.target.externalCluster.secret.name"
            )["from"],
            "--set argument 7"
        );
    }
    assert_eq!(v["subject"]["rule"], "deployment");
    // The same values generate the Argo CD side too.
    assert_eq!(v["otherTargets"][0]["target"], "argocd");
    assert_eq!(v["otherTargets"][0]["objects"], 4);
}

#[test]
fn reference_document_set_flags_external_cluster_argocd_target() {
    let mut args = SET_EXTERNAL.to_vec();
    args.extend_from_slice(&["--target", "argocd"]);
    let v = case(
        "reference-set-external-argocd",
        &args,
        None,
        &[],
        "info[namespace-alias]",
    );
    let kinds: Vec<&str> = v["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .map(|o| o["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["ServiceAccount", "Secret", "Role", "RoleBinding"]);
    assert_eq!(v["subject"]["used"], false);
}

#[test]
fn reference_document_set_flags_eso() {
    let mut args = SET_ESO.to_vec();
    args.extend_from_slice(&["--target", "control-plane"]);
    let v = case("reference-set-eso", &args, None, &[], "info[eso-legacy]");
    let o = &v["generated"][0];
    assert_eq!(o["kind"], "Namespace");
    assert_eq!(o["name"], "external-secrets");
    assert!(o.get("namespace").is_none(), "a Namespace has no namespace");
    assert_eq!(
        because(o, "features.alpha.eso.enabled")["from"],
        "--set argument 4"
    );
}

#[test]
fn namespace_already_in_the_input_is_explained() {
    let mut args = SET_ESO.to_vec();
    args.extend_from_slice(&["--target", "control-plane"]);
    let v = case(
        "eso-namespace-present",
        &args,
        Some("fixtures/why/eso-input.yaml"),
        &[],
        "info[namespace-present]",
    );
    let o = &v["generated"][0];
    assert_eq!(o["written"], false);
    assert_eq!(
        o["alreadyInInput"][0],
        "input document 1 at line 1, # Source: external-secrets/templates/namespace.yaml"
    );
}

#[test]
fn subject_from_the_rendered_deployment_on_stdin() {
    let v = case(
        "subject-deployment",
        &["-f", "fixtures/why/on-cluster.yaml"],
        Some("fixtures/input/spaces.yaml"),
        &[],
        "",
    );
    let s = &v["subject"];
    assert_eq!(s["rule"], "deployment");
    assert_eq!(s["ruleNumber"], 2);
    assert_eq!(s["used"], true);
    assert_eq!(s["name"], "spaces-controller");
    assert_eq!(
        s["nameFrom"]["field"],
        "spec.template.spec.serviceAccountName"
    );
    // fixtures/input/spaces.yaml: the Deployment is document 3, whose `---` is line 21.
    assert_eq!(
        s["nameFrom"]["from"],
        "input document 3 at line 21, # Source: spaces/templates/controller/deployment.yaml"
    );
    assert_eq!(s["namespaceFrom"]["field"], "metadata.namespace");
    assert_eq!(s["namespaceFrom"]["origin"]["document"], 3);
}

#[test]
fn subject_from_the_default() {
    let v = case(
        "subject-default",
        &["-f", "fixtures/why/external.yaml"],
        None,
        &[],
        "",
    );
    let s = &v["subject"];
    assert_eq!(s["rule"], "default");
    assert_eq!(s["ruleNumber"], 3);
    assert_eq!(s["name"], "spaces-controller");
    assert_eq!(s["namespace"], "upbound-system");
    assert_eq!(s["nameFrom"]["from"], "default");
    assert_eq!(s["namespaceFrom"]["from"], "default");
    assert!(s["reason"]
        .as_str()
        .expect("reason")
        .contains("no rendered input was given"));
}

#[test]
fn subject_from_values_and_helm_namespace() {
    let v = case(
        "subject-values",
        &["-f", "fixtures/why/values-sa.yaml"],
        None,
        &[("HELM_NAMESPACE", "spaces-system")],
        "",
    );
    let s = &v["subject"];
    assert_eq!(s["rule"], "values");
    assert_eq!(s["name"], "my-controller");
    assert_eq!(s["nameFrom"]["from"], "fixtures/why/values-sa.yaml:4:11");
    assert_eq!(s["namespace"], "spaces-system");
    assert_eq!(s["namespaceFrom"]["from"], "$HELM_NAMESPACE");
}

#[test]
fn subject_from_the_flag_beats_the_deployment() {
    let v = case(
        "subject-flag",
        &[
            "-f",
            "fixtures/why/on-cluster.yaml",
            "--controller-service-account",
            "ops/spaces-ctl",
        ],
        Some("fixtures/input/spaces.yaml"),
        &[],
        "",
    );
    let s = &v["subject"];
    assert_eq!(s["rule"], "flag");
    assert_eq!(s["ruleNumber"], 1);
    assert_eq!(s["namespace"], "ops");
    assert_eq!(s["name"], "spaces-ctl");
}

#[test]
fn everything_off_lists_what_each_flag_would_generate() {
    let v = case(
        "all-off",
        &["-f", "fixtures/why/all-off.yaml"],
        None,
        &[],
        // The decision's own note, as post-render says it.
        "info[nothing-generated]: no objects to generate for target space",
    );
    assert_eq!(v["generated"].as_array().expect("generated").len(), 0);
    let n = v["notGenerated"].as_array().expect("notGenerated");
    assert_eq!(n.len(), 4);
    for x in n {
        let enabled = x["needs"]
            .as_array()
            .expect("needs")
            .iter()
            .find(|w| w["path"] == "features.alpha.argocdPlugin.enabled")
            .expect("needs enabled");
        assert_eq!(enabled["met"], false);
        assert_eq!(enabled["current"], false);
        assert_eq!(enabled["from"], "fixtures/why/all-off.yaml:9:16");
    }
    assert_eq!(v["otherTargets"], serde_json::json!([]));
    let human = run(&["why", "-f", "fixtures/why/all-off.yaml"], None, &[]);
    assert!(human
        .stdout
        .contains("to generate: --set features.alpha.argocdPlugin.enabled=true\n"));
}

#[test]
fn invalid_values_fail_like_generate() {
    let out = run(&["why", "-f", "fixtures/why/bad.yaml"], None, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "", "nothing on stdout when values are invalid");
    assert!(out.stderr.contains(
        "error[wrong-type] features.alpha.argocdPlugin.enabled (fixtures/why/bad.yaml:4:16)"
    ));
    assert!(out.stderr.contains("error[bad-format]"));
    let gen = run(&["generate", "-f", "fixtures/why/bad.yaml"], None, &[]);
    assert_eq!(gen.code, 1);
    assert_eq!(gen.stderr, out.stderr, "same diagnostics as generate");

    let json = run(
        &[
            "why",
            "-f",
            "fixtures/why/bad.yaml",
            "--output",
            "json",
            "--diagnostics",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(json.code, 1);
    assert_eq!(json.stdout, "");
    let d: Value = serde_json::from_str(&json.stderr).expect("json diagnostics on stderr");
    // fixtures/why/bad.yaml: a quoted "true", a bad namespace and `enable` (a likely
    // misspelling of a key the tool acts on, an error in every mode).
    assert_eq!(d["errors"], 3);
}

#[test]
fn unreadable_input_and_conflicts_fail() {
    let out = run(
        &[
            "why",
            "-f",
            "fixtures/why/on-cluster.yaml",
            "--input",
            "fixtures/why/no-such-file.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("error[read-input]"), "{}", out.stderr);
    assert!(out.stderr.contains("no-such-file.yaml"), "{}", out.stderr);

    // A chart that already ships the Role (without the marker) is the same error as post-render.
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.yaml");
    std::fs::write(
        &input,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n",
    )
    .expect("write");
    let input = input.to_str().expect("utf-8 path");
    let out = run(
        &[
            "why",
            "-f",
            "fixtures/why/on-cluster.yaml",
            "--input",
            input,
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("error[conflict]"), "{}", out.stderr);
}

#[test]
fn strict_makes_warnings_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = dir.path().join("v.yaml");
    std::fs::write(
        &values,
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n    quantumSync:\n      enabled: true\n",
    )
    .expect("write");
    let values = values.to_str().expect("utf-8 path");
    let ok = run(&["why", "-f", values], None, &[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains("warning[unknown-key]"));
    let strict = run(&["why", "--strict", "-f", values], None, &[]);
    assert_eq!(strict.code, 1);
    assert_eq!(strict.stdout, "");
}

/// On a stream of nothing but Helm hooks post-render generates nothing; `why` says so too,
/// with the reason, from the same decision.
#[test]
fn a_hooks_only_stream_generates_nothing_in_why_either() {
    let hooks = "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec: {}\n";
    let args = [
        "why",
        "-f",
        "fixtures/values/argocd-on-cluster.yaml",
        "--input",
        "-",
    ];
    let human = common::run_out(&args, hooks.as_bytes(), &[]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stderr.contains("info[hooks-only]"),
        "{}",
        human.stderr
    );
    assert!(
        human
            .stdout
            .starts_with("target space: 0 objects generated, "),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("written:   no, every object of the input is a Helm hook"),
        "{}",
        human.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v: Value = serde_json::from_str(&common::run_out(&json_args, hooks.as_bytes(), &[]).stdout)
        .expect("json");
    let generated = v["generated"].as_array().expect("generated");
    assert!(!generated.is_empty());
    assert!(generated.iter().all(|o| o["written"] == false), "{v}");
}
