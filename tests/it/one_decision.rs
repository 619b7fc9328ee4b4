//! Post-render, the KRM function and `why` read one decision: over every fixture stream (and a
//! stream of Helm hooks only), for every target and values file, they fail together or agree on
//! the set of generated objects.

use crate::common::{self, read, root, run};
use serde_json::{json, Value};
use spaces_postrender::identify;
use spaces_postrender::stream::Splitter;
use std::collections::BTreeSet;

type Id = (String, Option<String>, String);

const HOOKS_ONLY: &str = "---\n# Source: spaces/templates/hook.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: upbound-system\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec: {}\n";

/// The inputs: every fixture stream, and a hooks-only stream.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(root().join("fixtures/input"))
        .expect("fixtures")
        .map(|e| {
            let p = e.expect("entry").path();
            (p.display().to_string(), read(&p))
        })
        .collect();
    all.sort();
    all.push(("hooks only".into(), HOOKS_ONLY.as_bytes().to_vec()));
    all
}

/// Marker-labelled objects of a manifest stream.
fn generated_in_stream(stream: &[u8]) -> BTreeSet<Id> {
    let mut sp = Splitter::new(stream);
    let mut ids = BTreeSet::new();
    while let Some(d) = sp.next_doc().expect("split") {
        let text = std::str::from_utf8(d.bytes).expect("utf-8");
        for o in identify::identify(text).expect("output parses").objects {
            if o.marker.as_deref() == Some(spaces_postrender::k8s::MARKER_VALUE) {
                ids.insert((
                    o.kind.unwrap_or_default(),
                    o.namespace,
                    o.name.unwrap_or_default(),
                ));
            }
        }
    }
    ids
}

/// The input documents as KRM items (one item per document that holds something).
fn items(stream: &[u8]) -> Vec<Value> {
    let mut sp = Splitter::new(stream);
    let mut items = Vec::new();
    while let Some(d) = sp.next_doc().expect("split") {
        let text = std::str::from_utf8(d.bytes).expect("utf-8");
        let v: Value = serde_saphyr::from_str(text).expect("a document");
        if !v.is_null() {
            items.push(v);
        }
    }
    items
}

#[test]
fn post_render_krm_and_why_generate_the_same_objects() {
    let runs = [
        ("fixtures/values/eso.yaml", "control-plane"),
        ("fixtures/values/argocd-on-cluster.yaml", "space"),
        ("fixtures/values/argocd-external.yaml", "space"),
        ("fixtures/values/argocd-external.yaml", "argocd"),
        ("fixtures/values/full-spaces-values.yaml", "space"),
    ];
    let mut compared = 0;
    for (name, input) in inputs() {
        for (values, target) in runs {
            let what = format!("{name} with {values} for {target}");
            let post = run(&["-f", values, "--target", target], &input, &[]);
            let why = run(
                &[
                    "why", "-f", values, "--target", target, "--format", "json", "--input", "-",
                ],
                &input,
                &[],
            );
            let list = json!({
                "apiVersion": "config.kubernetes.io/v1",
                "kind": "ResourceList",
                "functionConfig": {
                    "apiVersion": "spaces-postrender.dev/v1alpha1",
                    "kind": "SpacesPostRender",
                    "metadata": {"name": "c"},
                    "target": target,
                    "valuesFiles": [values],
                },
                "items": items(&input),
            });
            let krm = run(&[], list.to_string().as_bytes(), &[]);
            let ok = [&post, &why, &krm].map(|o| o.status.success());
            // The KRM function reads items, not a stream: a document it cannot take as an item
            // (the stream fixtures hold none) would show here as a disagreement.
            assert!(
                ok[0] == ok[1] && ok[1] == ok[2],
                "{what}: exit codes differ (post-render, why, krm: {ok:?})\n{}\n{}\n{}",
                common::output_text(&post),
                common::output_text(&why),
                common::output_text(&krm)
            );
            if !ok[0] {
                continue;
            }
            let from_post = generated_in_stream(&post.stdout);
            let w: Value = serde_json::from_slice(&why.stdout).expect("why json");
            let from_why: BTreeSet<Id> = w["generated"]
                .as_array()
                .expect("generated")
                .iter()
                .filter(|o| o["written"] == true)
                .map(|o| {
                    (
                        o["kind"].as_str().unwrap_or_default().to_string(),
                        o["namespace"].as_str().map(str::to_string),
                        o["name"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let answer: Value = serde_saphyr::from_slice(&krm.stdout).expect("a ResourceList");
            let from_krm: BTreeSet<Id> = answer["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|i| {
                    i["metadata"]["labels"][spaces_postrender::k8s::MARKER_LABEL]
                        == spaces_postrender::k8s::MARKER_VALUE
                })
                .map(|i| {
                    (
                        i["kind"].as_str().unwrap_or_default().to_string(),
                        i["metadata"]["namespace"].as_str().map(str::to_string),
                        i["metadata"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect();
            assert_eq!(from_post, from_why, "{what}: post-render and why");
            assert_eq!(from_post, from_krm, "{what}: post-render and KRM");
            if name == "hooks only" {
                assert!(
                    from_post.is_empty(),
                    "{what}: a hooks-only stream got {from_post:?}"
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 30, "only {compared} runs compared");
}
