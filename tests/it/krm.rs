//! KRM function golden tests: every `fixtures/krm/*.yaml` ResourceList is run through
//! `spaces-postrender krm` (working directory: the repository root) and compared byte for byte
//! with `golden/krm/<name>.yaml`.
//!
//! Regenerate the golden files after an intended change (and read the diff before committing):
//!
//!     UPDATE_GOLDEN=1 cargo test --test it krm   (the one switch: `1`, nothing else)
//!
//! Besides the golden comparison, each fixture is checked against the KRM functions spec
//! (kustomize `functions-spec.md`) and this tool's contract: exit 1 exactly when a result is an
//! error; every result has a severity; `field` only with `resourceRef`; the automatic mode (no
//! subcommand) gives the same answer; every input annotation survives; a second run over the
//! output changes nothing.
//!
//! The command-line cases (input that is not a ResourceList, flags given with one, problems
//! named by item) are under tests/cmd (`krm-*`, `usage-*`).

use crate::common;

use serde_json::Value;
use std::path::PathBuf;

struct Run {
    stdout: Vec<u8>,
    stderr: String,
    code: i32,
}

fn run(args: &[&str], input: &[u8]) -> Run {
    let out = common::run(args, input, &[]);
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn parse(bytes: &[u8]) -> Value {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("output is not UTF-8: {e}"));
    // YAML 1.1 octals, as Kubernetes reads `defaultMode: 0644` (and as the function does).
    let opts = serde_saphyr::options! { legacy_octal_numbers: true };
    serde_saphyr::from_str_with_options(text, opts)
        .unwrap_or_else(|e| panic!("output is not YAML: {e}\n{text}"))
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(common::root().join("fixtures/krm"))
        .unwrap_or_else(|e| panic!("fixtures/krm: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 10,
        "expected the KRM fixtures, found {}",
        v.len()
    );
    v
}

fn codes(out: &Value) -> Vec<(String, String)> {
    out.get("results")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    (
                        r["severity"].as_str().unwrap_or("<none>").to_string(),
                        r["tags"]["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn annotations(item: &Value) -> serde_json::Map<String, Value> {
    item["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

fn identity(item: &Value) -> (Value, Value, Value, Value) {
    let group = item["apiVersion"]
        .as_str()
        .and_then(|a| a.rsplit_once('/').map(|(g, _)| g.to_string()))
        .unwrap_or_default();
    (
        Value::String(group),
        item["kind"].clone(),
        item["metadata"]["namespace"].clone(),
        item["metadata"]["name"].clone(),
    )
}

#[test]
fn golden_resource_lists() {
    let mut failures = vec![];
    for fx in fixtures() {
        let name = fx
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let input = std::fs::read(&fx).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = run(&["krm"], &input);
        if let Err(e) = common::golden_check(&format!("golden/krm/{name}"), &r.stdout) {
            failures.push(e);
            continue;
        }
        check_contract(&name, &input, &r);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn check_contract(name: &str, input: &[u8], r: &Run) {
    let out = parse(&r.stdout);
    let inp = parse(input);
    assert_eq!(out["kind"], "ResourceList", "{name}");
    assert_eq!(out["apiVersion"], inp["apiVersion"], "{name}");
    assert_eq!(
        out["functionConfig"], inp["functionConfig"],
        "{name}: functionConfig kept"
    );
    // Results: severity always set; field only with resourceRef (functions-spec.md).
    let results = out["results"].as_array().cloned().unwrap_or_default();
    let mut errors = 0;
    for res in &results {
        let sev = res["severity"].as_str().unwrap_or("");
        assert!(
            matches!(sev, "error" | "warning" | "info"),
            "{name}: severity {res}"
        );
        assert!(
            res["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}: {res}"
        );
        if res.get("field").is_some() {
            assert!(
                res["field"]["path"].as_str().is_some_and(|p| !p.is_empty()),
                "{name}: {res}"
            );
            let rr = &res["resourceRef"];
            for k in ["apiVersion", "kind", "name"] {
                assert!(
                    rr[k].as_str().is_some(),
                    "{name}: field without resourceRef.{k}: {res}"
                );
            }
        }
        errors += usize::from(sev == "error");
    }
    assert_eq!(
        r.code,
        if errors > 0 { 1 } else { 0 },
        "{name}: exit code; stderr: {}",
        r.stderr
    );
    assert_eq!(
        r.stderr.is_empty(),
        errors == 0,
        "{name}: stderr: {}",
        r.stderr
    );
    // A failed answer holds no items: nothing a sink would write as the package.
    let out_items = out["items"].as_array().cloned().unwrap_or_default();
    if errors > 0 {
        assert!(out_items.is_empty(), "{name}: items in a failed answer");
        return;
    }
    // Every annotation of every input item survives (on the item, or on the object that
    // replaced an earlier run's copy).
    for it in inp["items"].as_array().cloned().unwrap_or_default() {
        let marked = it["metadata"]["labels"]["spaces-postrender.dev/generated"] == "true";
        let found = out_items.iter().find(|o| identity(o) == identity(&it));
        let Some(o) = found else {
            assert!(
                marked,
                "{name}: input item {} is missing from the output",
                it["metadata"]["name"]
            );
            continue;
        };
        let got = annotations(o);
        for (k, v) in annotations(&it) {
            assert_eq!(
                got.get(&k),
                Some(&v),
                "{name}: annotation {k} of {}",
                it["metadata"]["name"]
            );
        }
        if !marked {
            assert_eq!(
                o, &it,
                "{name}: an item not made by spaces-postrender changed"
            );
        }
    }
    if errors > 0 {
        assert_eq!(
            out["items"], inp["items"],
            "{name}: on error the items come back unchanged"
        );
    }
    // Automatic mode: a ResourceList on stdin without a subcommand.
    let auto = run(&[], input);
    assert_eq!(auto.code, r.code, "{name}: automatic mode exit code");
    assert_eq!(auto.stdout, r.stdout, "{name}: automatic mode output");
    // Idempotent: running over the output changes nothing (the results of the second run say
    // nothing of objects the first one removed).
    let again = run(&["krm"], &r.stdout);
    assert_eq!(again.code, r.code, "{name}: second run exit code");
    let (first, second) = (parse(&r.stdout), parse(&again.stdout));
    assert_eq!(
        second["items"], first["items"],
        "{name}: a second run changed the items"
    );
    let not_removed = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| r["tags"]["code"] != "removed")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        not_removed(&second),
        not_removed(&first),
        "{name}: a second run changed the results"
    );
    assert!(
        not_removed(&second).len() == second["results"].as_array().map_or(0, Vec::len),
        "{name}: a second run removed something"
    );
}

/// The diagnostics each fixture must produce (severity, code), in order.
#[test]
fn each_diagnostic_kind_has_a_result() {
    let want: &[(&str, &[(&str, &str)])] = &[
        (
            "error-wrong-type.yaml",
            &[
                ("error", "wrong-type"),
                ("error", "wrong-type"),
                ("warning", "spaces-version"),
            ],
        ),
        ("error-quoted-true.yaml", &[("error", "wrong-type")]),
        (
            "error-bad-namespace.yaml",
            &[
                ("error", "bad-format"),
                ("warning", "spaces-version"),
                ("warning", "kube-namespace"),
                ("info", "eso-legacy"),
            ],
        ),
        ("error-bad-secret-key.yaml", &[("error", "bad-format")]),
        (
            "warning-unknown-key.yaml",
            &[("warning", "unknown-key"), ("info", "nothing-generated")],
        ),
        ("error-misspelt-key.yaml", &[("error", "misspelt-key")]),
        (
            "error-config-and-values.yaml",
            &[
                ("error", "config-value"),
                ("error", "config-type"),
                ("error", "config-unknown-field"),
                ("error", "wrong-type"),
                ("error", "bad-format"),
                ("error", "wrong-type"),
                ("warning", "spaces-version"),
            ],
        ),
        ("error-unknown-key-strict.yaml", &[("error", "unknown-key")]),
        ("error-alias-conflict.yaml", &[("error", "alias-conflict")]),
        (
            "error-config-fields.yaml",
            &[
                ("error", "config-unknown-field"),
                ("error", "config-value"),
                ("error", "config-type"),
            ],
        ),
        ("error-conflict-with-item.yaml", &[("error", "conflict")]),
        (
            "error-set-string-true.yaml",
            &[("error", "wrong-type"), ("warning", "spaces-version")],
        ),
        (
            "own-config-set-flags-argocd-target.yaml",
            &[
                ("info", "generated"),
                ("info", "generated"),
                ("info", "generated"),
                ("info", "generated"),
            ],
        ),
        (
            "no-function-config.yaml",
            &[
                ("info", "no-function-config"),
                ("info", "nothing-generated"),
            ],
        ),
        (
            "own-config-argocd.yaml",
            &[("info", "generated"), ("info", "generated")],
        ),
        (
            "configmap-external-cluster.yaml",
            &[("info", "generated"), ("info", "generated")],
        ),
        (
            "configmap-eso-control-plane.yaml",
            &[
                ("warning", "spaces-version"),
                ("info", "eso-legacy"),
                ("info", "generated"),
            ],
        ),
        (
            "values-file.yaml",
            &[
                ("warning", "unknown-key"),
                ("info", "generated"),
                ("info", "generated"),
            ],
        ),
    ];
    for (name, codes_want) in want {
        let input = std::fs::read(common::root().join("fixtures/krm").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = run(&["krm"], &input);
        let got = codes(&parse(&r.stdout));
        let want: Vec<(String, String)> = codes_want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn results_point_at_the_field_to_fix() {
    let cases = [
        (
            "error-quoted-true.yaml",
            "values.features.alpha.argocdPlugin.enabled",
            "SpacesPostRender",
        ),
        (
            "error-bad-namespace.yaml",
            "data.features.alpha.argocdPlugin.target.namespace",
            "ConfigMap",
        ),
        ("error-config-fields.yaml", "valuesFile", "SpacesPostRender"),
        ("values-file.yaml", "valuesFiles[1]", "SpacesPostRender"),
        ("error-conflict-with-item.yaml", "metadata.name", "Role"),
        (
            "error-set-string-true.yaml",
            "setString[0]",
            "SpacesPostRender",
        ),
    ];
    for (name, field, kind) in cases {
        let input = std::fs::read(common::root().join("fixtures/krm").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = parse(&run(&["krm"], &input).stdout);
        let first = &out["results"][0];
        assert_eq!(first["field"]["path"], field, "{name}: {first}");
        assert_eq!(first["resourceRef"]["kind"], kind, "{name}: {first}");
    }
    // The quoted boolean says how to fix it where it was written.
    let input = std::fs::read(common::root().join("fixtures/krm/error-quoted-true.yaml"))
        .unwrap_or_default();
    let out = parse(&run(&["krm"], &input).stdout);
    let msg = out["results"][0]["message"].as_str().unwrap_or("");
    assert!(msg.contains("without quotes under values:"), "{msg}");
}

#[test]
fn rerun_replaces_generated_items_in_place() {
    let input = std::fs::read(common::root().join("fixtures/krm/rerun-replaces-in-place.yaml"))
        .unwrap_or_default();
    let r = run(&["krm"], &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = parse(&r.stdout);
    let names: Vec<String> = out["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["kind"].as_str().unwrap_or(""),
                i["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "Deployment/spaces-controller",
            "Role/spaces-argocd-plugin",
            "ConfigMap/after-the-role",
            "RoleBinding/spaces-argocd-plugin"
        ],
        "the stale secrets-reader is gone, the Role is regenerated where it was"
    );
    let role = &out["items"][1];
    assert_eq!(
        role["metadata"]["annotations"]["config.kubernetes.io/index"],
        "2"
    );
    assert_eq!(
        role["metadata"]["annotations"]["example.com/reviewed-by"],
        "platform-team"
    );
    assert_eq!(
        role["rules"][0]["verbs"].as_array().map(Vec::len),
        Some(7),
        "regenerated content"
    );
}
