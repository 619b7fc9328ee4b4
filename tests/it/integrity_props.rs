//! Properties of post-render over generated streams that mix what real releases and earlier
//! runs hold: the tool's own stale objects (alone, in Lists, mixed into Lists), foreign objects
//! with the marker label, conflicting and non-conflicting look-alikes, Namespaces, hooks,
//! anchors, comment-only documents. Oracles (SPEC §3, §5), whatever the values and target:
//! (a) every input document that is not the tool's own is in the output, byte for byte, in order,
//! after the generated Namespaces only;
//! (b) no object identity appears twice in the output;
//! (c) non-empty input never gives empty output with success;
//! and a run fails exactly when the input holds a mixed List or a real conflict.

use crate::common;
use proptest::prelude::*;
use spaces_postrender::identify;
use spaces_postrender::pipeline::{self, Settings};
use spaces_postrender::plan::Target;
use spaces_postrender::stream::Splitter;
use spaces_postrender::values::features::Features;
use spaces_postrender::values::{self, ValuesInput};
use std::collections::HashSet;

const M: &str = "spaces-postrender.dev/generated: \"true\"";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Frag {
    ConfigMap,
    MarkedConfigMap,
    OwnRole,
    OwnBinding,
    RoleElsewhere,
    Namespace,
    OwnNamespace,
    OwnEsoNamespace,
    OwnList,
    Anchors,
    Hook,
    Comment,
    MixedList,
    ConflictingRole,
}

const ALL: [Frag; 14] = [
    Frag::ConfigMap,
    Frag::MarkedConfigMap,
    Frag::OwnRole,
    Frag::OwnBinding,
    Frag::RoleElsewhere,
    Frag::Namespace,
    Frag::OwnNamespace,
    Frag::OwnEsoNamespace,
    Frag::OwnList,
    Frag::Anchors,
    Frag::Hook,
    Frag::Comment,
    Frag::MixedList,
    Frag::ConflictingRole,
];

fn own_role() -> String {
    format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    {M}\nrules: []\n")
}

/// The document for fragment `f` at position `i`, and whether it is the tool's own (dropped).
fn text(f: Frag, i: usize) -> (String, bool) {
    let s = match f {
        Frag::ConfigMap => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: default\ndata:\n  a: \"1\"\n"),
        Frag::MarkedConfigMap => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine-{i}\n  labels:\n    {M}\n"),
        Frag::OwnRole => return (format!("---\n{}", own_role()), true),
        Frag::OwnBinding => return (format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    {M}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: spaces-argocd-plugin}}\nsubjects: []\n"), true),
        Frag::RoleElsewhere => format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: other-{i}\nrules: []\n"),
        Frag::Namespace => format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{i}\n"),
        Frag::OwnNamespace => return (format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: old-{i}\n  labels:\n    {M}\n"), true),
        Frag::OwnEsoNamespace => return (format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: external-secrets\n  labels:\n    {M}\n"), true),
        Frag::OwnList => return (format!("---\napiVersion: v1\nkind: List\nitems:\n- {}\n", own_role().replace('\n', "\n  ").trim_end()), true),
        Frag::Anchors => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n anchored-{i}\ndata:\n  copy: *n\n  merged: {{<<: {{a: b}}}}\n"),
        Frag::Hook => format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hook-{i}\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec: {{}}\n"),
        Frag::Comment => "# Source: chart/templates/empty.yaml\n".to_string(),
        Frag::MixedList => format!("apiVersion: v1\nkind: List\nitems:\n- {}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: listed-{i}}}\n", own_role().replace('\n', "\n  ").trim_end()),
        Frag::ConflictingRole => "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\nrules: []\n".to_string(),
    };
    (format!("---\n{s}"), false)
}

fn features(on: bool, eso: bool) -> Features {
    let input = ValuesInput {
        set: vec![
            format!("features.alpha.argocdPlugin.enabled={on}"),
            format!("features.alpha.eso.enabled={eso}"),
        ],
        ..Default::default()
    };
    Features::from_values(&values::load(&input, None).expect("values")).0
}

type Identity = (String, String, Option<String>, Option<String>);

fn identities(out: &[u8]) -> Vec<Identity> {
    let mut sp = Splitter::new(out);
    let mut ids = Vec::new();
    while let Ok(Some(d)) = sp.next_doc() {
        let text = std::str::from_utf8(d.bytes).expect("utf-8");
        for o in identify::identify(text).expect("output parses").objects {
            ids.push((
                o.group().to_string(),
                o.kind.clone().unwrap_or_default(),
                o.namespace.clone(),
                o.name.clone(),
            ));
        }
    }
    ids
}

fn streams() -> impl Strategy<Value = (Vec<Frag>, bool, bool, bool)> {
    (
        prop::collection::vec(prop::sample::select(ALL.to_vec()), 0..12),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
}

#[test]
fn every_object_survives_once_and_exactly() {
    common::check_property("integrity", 2000, streams, |(frags, on, eso, cp)| {
        let target = if cp {
            Target::ControlPlane
        } else {
            Target::Space
        };
        let docs: Vec<(String, bool)> =
            frags.iter().enumerate().map(|(i, f)| text(*f, i)).collect();
        let input: String = docs.iter().map(|(d, _)| d.as_str()).collect();
        let settings = Settings {
            target,
            ..Default::default()
        };
        let mut out = Vec::new();
        let r = pipeline::run(input.as_bytes(), &mut out, &settings, &features(on, eso));
        let mixed = frags.contains(&Frag::MixedList);
        let conflict = frags.contains(&Frag::ConflictingRole) && on && target == Target::Space;
        match r {
            Err(ds) => {
                prop_assert!(mixed || conflict, "unexpected failure: {:?}", ds);
                prop_assert!(out.is_empty(), "a failure wrote output");
                let codes: HashSet<&str> = ds.iter().map(|d| d.code.as_str()).collect();
                prop_assert_eq!(codes.contains("generated-in-list"), mixed);
                prop_assert_eq!(codes.contains("conflict"), conflict);
            }
            Ok(_) => {
                prop_assert!(!mixed && !conflict, "accepted a mixed List or a conflict");
                // (a) the documents that are not the tool's own, byte for byte, in order.
                let kept: String = docs
                    .iter()
                    .filter(|(_, own)| !own)
                    .map(|(d, _)| d.as_str())
                    .collect();
                // Generated Namespaces come first (the kept documents hold none: the tool's
                // own are dropped), then the kept documents.
                let mut first = 0;
                let mut sp = Splitter::new(&out[..]);
                while let Ok(Some(d)) = sp.next_doc() {
                    let t = String::from_utf8_lossy(d.bytes);
                    if !(t.contains("\nkind: Namespace\n") && t.contains(M)) {
                        break;
                    }
                    first += d.bytes.len();
                }
                prop_assert!(out[first..].starts_with(kept.as_bytes()), "input not kept");
                // (b) no identity twice: what the tool adds is unique and in no input object.
                let kept_ids = identities(kept.as_bytes());
                let mut added = identities(&out[..first]);
                added.extend(identities(&out[first + kept.len()..]));
                let unique: HashSet<&Identity> = added.iter().collect();
                prop_assert_eq!(
                    unique.len(),
                    added.len(),
                    "a generated identity appears twice"
                );
                for id in &added {
                    // A namespaced input object without a namespace may land in any namespace.
                    let clash = kept_ids.iter().any(|k| {
                        k.0 == id.0 && k.1 == id.1 && k.3 == id.3 && (k.2 == id.2 || k.2.is_none())
                    });
                    prop_assert!(!clash, "generated {:?} is already in the input", id);
                }
                // (c) never empty output on non-empty input.
                prop_assert!(input.is_empty() || !out.is_empty());
                // Running over its own output changes nothing.
                let mut again = Vec::new();
                let r2 = pipeline::run(&out[..], &mut again, &settings, &features(on, eso));
                prop_assert!(r2.is_ok(), "{:?}", r2.err());
                prop_assert!(again == out, "a second run changed the output");
            }
        }
        Ok(())
    });
}
