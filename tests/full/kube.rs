//! The real-server tier, part 1: every output the repository shows is accepted by a real
//! kube-apiserver v1.36.2, and the generated RBAC grants exactly what the docs say, proven with
//! the server's own authorizer (`common::kube`). Never skipped.

use crate::common;
use common::kube::*;
use common::{bin, output_text, root, run_cmd};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Tests that apply objects into namespaces with fixed names (`argocd`, `upbound-system`, ...:
/// the goldens and the documented recipes name them) take this lock, so that they do not change
/// each other's objects.
pub static FIXED_NAMESPACES: Mutex<()> = Mutex::new(());

/// Take [`FIXED_NAMESPACES`], whether or not a test that held it failed.
pub fn fixed_namespaces() -> std::sync::MutexGuard<'static, ()> {
    FIXED_NAMESPACES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One document of a stream: its text as written, and what a YAML reader makes of it.
struct Doc {
    text: String,
    value: Value,
}

/// The documents of a multi-document stream, split at `---` lines, each kept as written
/// (empty and comment-only documents dropped).
fn documents(stream: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut flush = |cur: &mut String| {
        let text = std::mem::take(cur);
        let value: Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"));
        if !value.is_null() {
            docs.push(Doc { text, value });
        }
    };
    for line in stream.split_inclusive('\n') {
        let l = line.trim_end_matches(['\n', '\r']);
        if l == "---" || l.starts_with("--- ") {
            flush(&mut cur);
        } else {
            cur.push_str(line);
        }
    }
    flush(&mut cur);
    docs
}

/// Group, kind, namespace and name of an object.
fn identity(v: &Value) -> String {
    let api = v["apiVersion"].as_str().unwrap_or_default();
    let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    format!(
        "{group} {} {}/{}",
        v["kind"].as_str().unwrap_or_default(),
        v["metadata"]["namespace"].as_str().unwrap_or_default(),
        v["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// The generated objects of every output the repository pins or shows, by a label: the golden
/// manifests (golden/*.yaml, golden/e2e, golden/matrix; the items of the KRM goldens'
/// ResourceLists) and every block of README.md and docs/ that shows generated objects
/// (`# Source: spaces-postrender/...`; a console example is run, its shown output may be elided).
fn shown_outputs() -> Vec<(String, Vec<Doc>)> {
    let mut out = Vec::new();
    let r = root();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["golden", "golden/e2e", "golden/matrix", "golden/krm"] {
        for e in std::fs::read_dir(r.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let p = e.expect("dir entry").path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    for p in files {
        let label = p.strip_prefix(&r).unwrap_or(&p).display().to_string();
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{label}: {e}"));
        let docs = documents(&text);
        let docs = if label.starts_with("golden/krm/") {
            // A ResourceList: its items are what an orchestrator writes out.
            let list = docs.into_iter().next().expect("a ResourceList");
            list.value["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|item| Doc {
                    text: serde_json::to_string_pretty(&item).expect("json") + "\n",
                    value: item,
                })
                .collect()
        } else {
            docs
        };
        out.push((label, docs));
    }
    let mut pages = vec![r.join("README.md")];
    for e in std::fs::read_dir(r.join("docs"))
        .expect("docs/")
        .chain(std::fs::read_dir(r.join("docs/reference")).expect("docs/reference"))
    {
        let p = e.expect("dir entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    pages.sort();
    for p in pages {
        let label = p.strip_prefix(&r).unwrap_or(&p).display().to_string();
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{label}: {e}"));
        for (n, block) in fenced_blocks(&text).into_iter().enumerate() {
            if !block.contains("# Source: spaces-postrender/") {
                continue;
            }
            let label = format!("{label} (block {n})");
            if block.starts_with("$ ") {
                // A console example (its output may be elided with `...`): run each command
                // whose shown output holds generated objects.
                for part in block.split("\n$ ") {
                    let (command, shown) = part.split_once('\n').unwrap_or((part, ""));
                    if !shown.contains("# Source: spaces-postrender/") {
                        continue;
                    }
                    let args = command
                        .trim_start_matches("$ ")
                        .strip_prefix("spaces-postrender ")
                        .unwrap_or_else(|| {
                            panic!("{label}: not a spaces-postrender command: {command}")
                        });
                    let argv: Vec<&str> = args.split_whitespace().collect();
                    out.push((format!("{label}: {command}"), documents(&generate(&argv))));
                }
            } else {
                out.push((label, documents(&block)));
            }
        }
    }
    // The objects this tool wrote. The input documents around them are test fixtures, passed
    // through byte for byte, and several are deliberately not valid objects (Deployment stubs
    // without containers, ConfigMaps whose data holds YAML 1.1 booleans and numbers).
    out.into_iter()
        .map(|(label, docs)| {
            let docs = docs
                .into_iter()
                .filter(|d| d.value["metadata"]["labels"][MARKER] == "true")
                .collect();
            (label, docs)
        })
        .collect()
}

/// The label every generated object carries.
const MARKER: &str = "spaces-postrender.dev/generated";

/// The contents of the fenced code blocks of a Markdown page.
pub fn fenced_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in page.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut cur, fence) {
            (None, true) => cur = Some(String::new()),
            (Some(b), true) => {
                blocks.push(std::mem::take(b));
                cur = None;
            }
            (Some(b), false) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, false) => {}
        }
    }
    blocks
}

/// Create each namespace unless it exists, by `kubectl apply` (so that a later apply of a
/// Namespace of that name finds the annotation client-side apply keeps).
fn ensure_namespaces<'a>(names: impl IntoIterator<Item = &'a str>) {
    let list: String = names
        .into_iter()
        .map(|ns| format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"))
        .collect();
    kubectl_ok(&["apply", "-f", "-"], list.as_bytes());
}

/// Write a stream of documents (as written) to a file.
fn write_stream(path: &Path, docs: &[&Doc]) {
    let mut s = String::new();
    for d in docs {
        s.push_str("---\n");
        s.push_str(&d.text);
        if !d.text.ends_with('\n') {
            s.push('\n');
        }
    }
    std::fs::write(path, s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// `kubectl apply ARGS -f F1 -f F2 ...`: the result lines, failing the test on an error.
fn apply(args: &[&str], files: &[PathBuf]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    for f in files {
        all.push("-f".into());
        all.push(f.display().to_string());
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = kubectl(&refs, b"");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "kubectl {}: {}",
        refs.join(" "),
        output_text(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every golden output and every documented example's output passes a server-side dry run
/// with strict validation (client-side and server-side apply), then a real apply; applying it
/// all again changes nothing (`unchanged` for every object).
#[test]
fn every_shown_output_is_accepted_and_a_reapply_is_unchanged() {
    let outputs = shown_outputs();
    assert!(
        outputs.len() > 60,
        "fewer outputs than the repository shows: {}",
        outputs.len()
    );
    let labels: Vec<&str> = outputs.iter().map(|(l, _)| l.as_str()).collect();
    for must in [
        "golden/postrender-eso-control-plane.yaml",
        "golden/matrix/argocd-argocd-1-external-1-eso-1.yaml",
        "golden/krm/configmap-eso-control-plane.yaml",
        "README.md (block ",
        "docs/helm3.md (block ",
    ] {
        assert!(
            labels.iter().any(|l| l.starts_with(must)),
            "{must} not among {labels:?}"
        );
    }
    let _fixed = fixed_namespaces();
    let s = server();
    let work = s.tempdir();
    // The namespaces the objects live in (a dry run creates nothing, so they must exist).
    let mut namespaces = BTreeSet::new();
    let mut objects = 0;
    for (_, docs) in &outputs {
        for d in docs {
            objects += 1;
            if let Some(ns) = d.value["metadata"]["namespace"].as_str() {
                namespaces.insert(ns.to_string());
            }
        }
    }
    ensure_namespaces(namespaces.iter().map(String::as_str));

    let mut files = Vec::new();
    for (i, (_, docs)) in outputs.iter().enumerate() {
        let f = work.path().join(format!("output-{i}.yaml"));
        write_stream(&f, &docs.iter().collect::<Vec<_>>());
        files.push(f);
    }
    for mode in [&[][..], &["--server-side", "--force-conflicts"][..]] {
        let mut args = vec!["apply", "--dry-run=server", "--validate=strict"];
        args.extend_from_slice(mode);
        let lines = apply(&args, &files);
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.ends_with(" (server dry run)"))
                .count(),
            objects,
            "one dry-run result per object ({args:?}):\n{}",
            lines.join("\n")
        );
    }

    // The real apply: identical objects once; the variants of one identity (several goldens
    // generate the same Role with other subjects) in rounds, so that a round never applies one
    // object twice.
    // Objects keep the order they were first written in (a token Secret after its
    // ServiceAccount: the token controller deletes a token Secret whose ServiceAccount does
    // not exist).
    let mut order: Vec<String> = Vec::new();
    let mut variants: BTreeMap<String, Vec<&Doc>> = BTreeMap::new();
    for (_, docs) in &outputs {
        for d in docs {
            let id = identity(&d.value);
            if !variants.contains_key(&id) {
                order.push(id.clone());
            }
            let v = variants.entry(id).or_default();
            if !v.iter().any(|x| x.value == d.value) {
                v.push(d);
            }
        }
    }
    let rounds = variants.values().map(Vec::len).max().unwrap_or(0);
    for round in 0..rounds {
        let docs: Vec<&Doc> = order
            .iter()
            .filter_map(|id| variants[id].get(round).copied())
            .collect();
        // Namespaces first, as a user's stream must have them.
        let (ns, rest): (Vec<&Doc>, Vec<&Doc>) = docs
            .into_iter()
            .partition(|d| d.value["kind"] == "Namespace");
        let f = work.path().join(format!("round-{round}.yaml"));
        write_stream(
            &f,
            &ns.iter().chain(rest.iter()).copied().collect::<Vec<_>>(),
        );
        let first = apply(&["apply", "--validate=strict"], std::slice::from_ref(&f));
        assert_eq!(first.len(), ns.len() + rest.len(), "{}", first.join("\n"));
        let again = apply(&["apply", "--validate=strict"], std::slice::from_ref(&f));
        let changed: Vec<&String> = again
            .iter()
            .filter(|l| !l.ends_with(" unchanged"))
            .collect();
        assert!(
            changed.is_empty() && again.len() == first.len(),
            "re-applying round {round} changed objects:\n{}\n(first apply:\n{})",
            again.join("\n"),
            first.join("\n")
        );
    }
}

/// Run the built binary with `args`; its stdout, failing the test on an error.
pub fn generate(args: &[&str]) -> String {
    let out = run_cmd(Command::new(bin()).args(args).current_dir(root()), b"");
    assert!(
        out.status.success(),
        "spaces-postrender {}: {}",
        args.join(" "),
        output_text(&out)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A subject's expected rules in one namespace: the baseline plus `extra`.
fn expect_rules(user: &str, namespace: &str, extra: &[&str]) {
    let mut want: Vec<String> = BASELINE_RULES
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(
        resource_rules(user, namespace),
        want,
        "{user} in {namespace}"
    );
}

/// Run `can_i` for every (verb, resource, namespace, extra) and collect the answers that differ
/// from `want`; eight kubectl runs at a time.
fn matrix(user: &str, want: bool, checks: &[(&str, &str, Option<&str>, &[&str])]) -> Vec<String> {
    let chunk = checks.len().div_ceil(8).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = checks
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(verb, res, ns, extra)| {
                            let got = can_i(user, verb, res, *ns, extra);
                            (got != want).then(|| {
                                format!(
                                    "{user} {} {verb} {res} in {} {extra:?}",
                                    if got { "CAN" } else { "cannot" },
                                    ns.unwrap_or("all namespaces")
                                )
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("can-i thread"))
            .collect()
    })
}

const WRITER_VERBS: [&str; 7] = [
    "get", "list", "watch", "create", "update", "patch", "delete",
];

/// The denials every subject here must get, whatever it may do in `home`: other namespaces,
/// cluster scope, other resources, deletecollection, RBAC objects, token requests.
fn denied_everywhere<'a>(
    home: &'a str,
    others: &'a [&'a str],
) -> Vec<(&'a str, &'a str, Option<&'a str>, &'a [&'a str])> {
    let mut v: Vec<(&str, &str, Option<&str>, &[&str])> = Vec::new();
    for ns in others {
        for verb in [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ] {
            v.push((verb, "secrets", Some(ns), &[]));
        }
    }
    for verb in ["get", "list", "watch", "create", "delete"] {
        // cluster scope (every namespace at once)
        v.push((verb, "secrets", None, &[]));
    }
    v.extend_from_slice(&[
        ("deletecollection", "secrets", Some(home), &[][..]),
        ("get", "configmaps", Some(home), &[]),
        ("create", "configmaps", Some(home), &[]),
        ("get", "pods", Some(home), &[]),
        ("create", "pods", Some(home), &[]),
        ("create", "pods", Some(home), &["--subresource=exec"]),
        ("get", "serviceaccounts", Some(home), &[]),
        (
            "create",
            "serviceaccounts",
            Some(home),
            &["--subresource=token"],
        ),
        ("impersonate", "serviceaccounts", Some(home), &[]),
        ("create", "roles.rbac.authorization.k8s.io", Some(home), &[]),
        ("update", "roles.rbac.authorization.k8s.io", Some(home), &[]),
        (
            "escalate",
            "roles.rbac.authorization.k8s.io",
            Some(home),
            &[],
        ),
        ("bind", "roles.rbac.authorization.k8s.io", Some(home), &[]),
        (
            "create",
            "rolebindings.rbac.authorization.k8s.io",
            Some(home),
            &[],
        ),
        (
            "create",
            "clusterroles.rbac.authorization.k8s.io",
            None,
            &[],
        ),
        (
            "create",
            "clusterrolebindings.rbac.authorization.k8s.io",
            None,
            &[],
        ),
        ("get", "namespaces", None, &[]),
        ("create", "namespaces", None, &[]),
        ("list", "nodes", None, &[]),
        ("create", "deployments.apps", Some(home), &[]),
    ]);
    v
}

/// Everything the Argo CD writer Role promises (docs/argocd.md: get, list, watch, create,
/// update, patch and delete every Secret in Argo CD's namespace) and nothing more.
fn assert_writer(user: &str, argo: &str, others: &[&str]) {
    expect_rules(
        user,
        argo,
        &["/secrets: create,delete,get,list,patch,update,watch"],
    );
    for ns in others {
        expect_rules(user, ns, &[]);
    }
    let mut allowed: Vec<(&str, &str, Option<&str>, &[&str])> = Vec::new();
    for verb in WRITER_VERBS {
        allowed.push((verb, "secrets", Some(argo), &[]));
        allowed.push((verb, "secrets/argocd-secret", Some(argo), &[]));
    }
    let mut wrong = matrix(user, true, &allowed);
    wrong.extend(matrix(user, false, &denied_everywhere(argo, others)));
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
}

/// On-cluster Argo CD (`--target space`, plugin on): the controller may write every Secret of
/// Argo CD's namespace and nothing else, anywhere.
#[test]
fn the_on_cluster_writer_may_do_exactly_what_the_docs_say() {
    let s = server();
    let (argo, rel, other) = (
        s.namespace("argo"),
        s.namespace("rel"),
        s.namespace("other"),
    );
    let out = generate(&[
        "generate",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        &format!("features.alpha.argocdPlugin.target.secretNamespace={argo}"),
        "--controller-service-account",
        &format!("{rel}/spaces-controller"),
    ]);
    kubectl_ok(&["apply", "--validate=strict", "-f", "-"], out.as_bytes());
    let user = service_account_user(&rel, "spaces-controller");
    assert_writer(&user, &argo, &[&rel, &other, "default", "kube-system"]);
}

/// External Argo CD, the Spaces side (`--target space`, external cluster on): the controller
/// may read the one kubeconfig Secret in its own namespace, and nothing else; `list` and
/// `watch` work only with a `metadata.name` field selector, as the docs say.
#[test]
fn the_secrets_reader_reads_one_secret_and_lists_it_only_by_name() {
    let s = server();
    let (argo, rel, other) = (
        s.namespace("argo"),
        s.namespace("rel"),
        s.namespace("other"),
    );
    let secret = "my-argo-cluster";
    let out = generate(&[
        "generate",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        &format!("features.alpha.argocdPlugin.target.secretNamespace={argo}"),
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
        "--set",
        &format!("features.alpha.argocdPlugin.target.externalCluster.secret.name={secret}"),
        "--controller-service-account",
        &format!("{rel}/spaces-controller"),
    ]);
    kubectl_ok(&["apply", "--validate=strict", "-f", "-"], out.as_bytes());
    let user = service_account_user(&rel, "spaces-controller");
    expect_rules(
        &user,
        &rel,
        &[&format!("/secrets/{secret}: get,list,watch")],
    );
    for ns in [argo.as_str(), &other, "default"] {
        expect_rules(&user, ns, &[]);
    }
    let named = format!("secrets/{secret}");
    let mut allowed: Vec<(&str, &str, Option<&str>, &[&str])> = Vec::new();
    for verb in ["get", "list", "watch"] {
        allowed.push((verb, &named, Some(&rel), &[]));
    }
    let mut denied: Vec<(&str, &str, Option<&str>, &[&str])> = Vec::new();
    for verb in ["create", "update", "patch", "delete"] {
        denied.push((verb, &named, Some(&rel), &[]));
    }
    for verb in WRITER_VERBS {
        // any other Secret, and Secrets without a name
        denied.push((verb, "secrets/argocd-secret", Some(&rel), &[]));
        denied.push((verb, "secrets", Some(&rel), &[]));
        denied.push((verb, &named, Some(&argo), &[]));
        denied.push((verb, &named, Some(&other), &[]));
    }
    let others = [argo.as_str(), &other, "default", "kube-system"];
    denied.extend(denied_everywhere(&rel, &others));
    let mut wrong = matrix(&user, true, &allowed);
    wrong.extend(matrix(&user, false, &denied));
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));

    // The real requests, as the controller.
    for name in [secret, "another-secret"] {
        kubectl_ok(
            &[
                "-n",
                &rel,
                "create",
                "secret",
                "generic",
                name,
                "--from-literal=kubeconfig=x",
            ],
            b"",
        );
    }
    let as_arg = format!("--as={user}");
    let selector = format!("--field-selector=metadata.name={secret}");
    let listed = kubectl_ok(
        &[
            "-n", &rel, "get", "secrets", &selector, "-o", "name", &as_arg,
        ],
        b"",
    );
    assert_eq!(listed.trim(), format!("secret/{secret}"));
    kubectl_ok(
        &["-n", &rel, "get", "secret", secret, "-o", "name", &as_arg],
        b"",
    );
    // A watch with the selector, ended by the server after a second.
    let watch = format!(
        "/api/v1/namespaces/{rel}/secrets?fieldSelector=metadata.name%3D{secret}&watch=true&timeoutSeconds=1"
    );
    let events = kubectl_ok(&["get", "--raw", &watch, &as_arg], b"");
    assert!(
        events.contains(&format!("\"name\":\"{secret}\"")),
        "{events}"
    );
    for args in [
        vec!["-n", rel.as_str(), "get", "secrets"],
        vec!["-n", rel.as_str(), "get", "secret", "another-secret"],
        vec![
            "-n",
            rel.as_str(),
            "get",
            "secrets",
            "--field-selector=metadata.name=another-secret",
        ],
        vec!["-n", argo.as_str(), "get", "secrets", &selector],
    ] {
        let mut a = args.clone();
        a.push(&as_arg);
        let out = kubectl(&a, b"");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("Forbidden") && err.contains("cannot"),
            "kubectl {}: must be forbidden: {}",
            a.join(" "),
            output_text(&out)
        );
    }
    let plain = kubectl(
        &[
            "-n",
            &rel,
            "get",
            "--raw",
            &format!("/api/v1/namespaces/{rel}/secrets?watch=true&timeoutSeconds=1"),
            &as_arg,
        ],
        b"",
    );
    assert!(
        !plain.status.success(),
        "a watch without the selector must be forbidden: {}",
        output_text(&plain)
    );
}

/// External Argo CD, the Argo CD side (`--target argocd`): the plugin's ServiceAccount may
/// write every Secret of Argo CD's namespace and nothing else.
#[test]
fn the_external_argocd_service_account_may_do_exactly_what_the_docs_say() {
    let s = server();
    let (argo, other) = (s.namespace("argo"), s.namespace("other"));
    let out = generate(&[
        "generate",
        "--target",
        "argocd",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        &format!("features.alpha.argocdPlugin.target.secretNamespace={argo}"),
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster",
    ]);
    kubectl_ok(&["apply", "--validate=strict", "-f", "-"], out.as_bytes());
    let user = service_account_user(&argo, "spaces-argocd-plugin");
    assert_writer(&user, &argo, &[&other, "default", "kube-system"]);
}
