//! Properties of every generated object in every golden case:
//! least privilege (asserted, not eyeballed) and validity against the Kubernetes 1.35 OpenAPI
//! schemas (strict: unknown fields rejected), offline, with the pinned `kubernetes-validate`.

use crate::common;
use common::root;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

const MARKER: &str = "spaces-postrender.dev/generated";

/// Every golden `.yaml` with the objects this tool generated in it.
fn generated() -> Vec<(PathBuf, Vec<Value>)> {
    let mut out = Vec::new();
    let mut todo = vec![root().join("golden")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("golden dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).expect("read");
                if text.contains("kind: ResourceList") {
                    continue; // KRM goldens are checked by their own tests
                }
                let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let ours: Vec<Value> = docs
                    .into_iter()
                    .filter(|d| d["metadata"]["labels"][MARKER] == Value::String("true".into()))
                    .collect();
                if !ours.is_empty() {
                    out.push((p, ours));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or("<not a string>").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn rbac_is_least_privilege() {
    let all = generated();
    assert!(
        all.len() >= 20,
        "expected the golden matrix, found {} files",
        all.len()
    );
    let mut roles = 0;
    for (path, objs) in &all {
        let name = path.display();
        for o in objs {
            let kind = o["kind"].as_str().unwrap_or("");
            assert!(
                !matches!(kind, "ClusterRole" | "ClusterRoleBinding"),
                "{name}: cluster-wide RBAC generated"
            );
            assert!(
                spaces_postrender::plan::Kind::ALL
                    .iter()
                    .any(|k| k.as_str() == kind),
                "{name}: unexpected kind {kind}"
            );
            let ns = o["metadata"]["namespace"].as_str().unwrap_or("");
            let obj_name = o["metadata"]["name"].as_str().unwrap_or("");
            if kind == "Secret" {
                assert!(
                    o.get("data").is_none() && o.get("stringData").is_none(),
                    "{name}: a generated Secret must carry no data"
                );
                assert_eq!(o["type"], "kubernetes.io/service-account-token");
            }
            if kind == "Role" {
                roles += 1;
                let rules = o["rules"].as_array().expect("rules");
                assert_eq!(rules.len(), 1, "{name}: one rule");
                let r = &rules[0];
                for field in ["verbs", "resources", "apiGroups", "resourceNames"] {
                    assert!(
                        !strings(&r[field]).iter().any(|s| s.contains('*')),
                        "{name}: wildcard in {field}"
                    );
                }
                assert_eq!(
                    strings(&r["apiGroups"]),
                    vec![""],
                    "{name}: core group only"
                );
                assert_eq!(
                    strings(&r["resources"]),
                    vec!["secrets"],
                    "{name}: secrets only"
                );
                match obj_name {
                    "spaces-argocd-kubeconfig-reader" => {
                        // The secrets-reader reads one named Secret, nothing else, in the controller namespace.
                        assert_eq!(strings(&r["verbs"]), vec!["get", "list", "watch"], "{name}");
                        assert_eq!(
                            strings(&r["resourceNames"]).len(),
                            1,
                            "{name}: resourceNames must name the kubeconfig Secret"
                        );
                    }
                    "spaces-argocd-plugin" => {
                        // The writer lives only in the Argo CD namespace.
                        assert!(r.get("resourceNames").is_none(), "{name}");
                        assert_eq!(
                            strings(&r["verbs"]),
                            vec!["get", "list", "watch", "create", "update", "patch", "delete"]
                        );
                        let argocd_ns = objs
                            .iter()
                            .find(|x| {
                                x["kind"] == "RoleBinding"
                                    && x["metadata"]["name"] == "spaces-argocd-plugin"
                            })
                            .and_then(|b| b["metadata"]["namespace"].as_str())
                            .unwrap_or("");
                        assert_eq!(
                            ns, argocd_ns,
                            "{name}: writer Role and its binding share the secret namespace"
                        );
                        assert_ne!(
                            ns, "upbound-system",
                            "{name}: the writer Role must not be in the controller namespace"
                        );
                    }
                    other => panic!("{name}: unexpected Role {other}"),
                }
            }
            if kind == "RoleBinding" {
                let subjects = o["subjects"].as_array().expect("subjects");
                assert_eq!(subjects.len(), 1, "{name}: exactly one subject");
                let s = &subjects[0];
                assert_eq!(s["kind"], "ServiceAccount", "{name}");
                assert_eq!(o["roleRef"]["kind"], "Role", "{name}");
                assert_eq!(o["roleRef"]["name"], o["metadata"]["name"], "{name}");
                assert!(
                    s["name"].as_str().is_some_and(|n| !n.is_empty())
                        && s["namespace"].as_str().is_some_and(|n| !n.is_empty()),
                    "{name}"
                );
            }
        }
    }
    assert!(roles >= 10);
}

/// The subject is exactly the resolved ServiceAccount, per case.
#[test]
fn subjects_are_the_resolved_service_account() {
    let expect = [
        ("subject-flag.yaml", "ops", "platform-controller"),
        (
            "subject-deployment.yaml",
            "upbound-system",
            "spaces-controller",
        ),
        (
            "subject-deployment-defaults.yaml",
            "spaces-system",
            "default",
        ),
        ("subject-values.yaml", "upbound-system", "my-controller"),
        (
            "subject-values-helm-namespace.yaml",
            "spaces-prod",
            "my-controller",
        ),
        (
            "subject-default.yaml",
            "upbound-system",
            "spaces-controller",
        ),
        ("subject-flag-beats-deployment.yaml", "ops", "other"),
    ];
    let all = generated();
    for (file, ns, name) in expect {
        let (_, objs) = all
            .iter()
            .find(|(p, _)| p.ends_with(file))
            .unwrap_or_else(|| panic!("golden/{file} missing"));
        for b in objs.iter().filter(|o| o["kind"] == "RoleBinding") {
            assert_eq!(b["subjects"][0]["namespace"], ns, "{file}");
            assert_eq!(b["subjects"][0]["name"], name, "{file}");
        }
        // The secrets-reader lives in the controller namespace.
        for r in objs
            .iter()
            .filter(|o| o["metadata"]["name"] == "spaces-argocd-kubeconfig-reader")
        {
            assert_eq!(r["metadata"]["namespace"], ns, "{file}");
        }
    }
}

#[test]
fn generated_objects_are_valid_kubernetes_1_35() {
    let out = Command::new("bash")
        .arg(".ci/install-kubernetes-validate.sh")
        .current_dir(root())
        .output()
        .expect("run installer");
    assert!(
        out.status.success(),
        "installing kubernetes-validate failed (never skipped): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .last()
        .expect("python path")
        .trim()
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    let mut count = 0;
    for (i, (_, objs)) in generated().iter().enumerate() {
        for (j, o) in objs.iter().enumerate() {
            let f = dir.path().join(format!("{i}-{j}.json"));
            std::fs::write(&f, serde_json::to_string(o).expect("json")).expect("write");
            files.push(f);
            count += 1;
        }
    }
    assert!(count >= 40, "{count}");
    let res = Command::new(&python)
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--quiet",
            "-k",
            "1.35.0",
        ])
        .args(&files)
        .output()
        .expect("run kubernetes_validate");
    assert!(
        res.status.success(),
        "generated objects fail Kubernetes 1.35 strict validation:\n{}{}",
        String::from_utf8_lossy(&res.stdout),
        String::from_utf8_lossy(&res.stderr)
    );
    // A negative control: the validator does reject an unknown field.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"x","namespace":"y","bogus":1},"rules":[]}"#)
        .expect("write");
    let res = Command::new(&python)
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--quiet",
            "-k",
            "1.35.0",
        ])
        .arg(&bad)
        .output()
        .expect("run");
    assert!(
        !res.status.success(),
        "the validator accepted an unknown field: the check above proves nothing"
    );
}
