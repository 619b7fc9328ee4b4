//! Kubernetes as the oracle: generated documents are read by the tool (`identify`) and by
//! kubectl's own reader (`kubectl label --local -f - x=y -o json`: sigs.k8s.io/yaml over
//! go-yaml v2, the reading Helm applies too). Wherever the tool reads a document, kubectl must
//! read the same objects: group, kind, namespace (empty = absent), name and the marker label.
//! The tool may refuse any document. A document kubectl refuses (as a whole, or any item of
//! it) while the tool reads it is counted and allowed: Kubernetes refuses that release there,
//! whatever the tool does.
//!
//! The documents: the shared generators (every YAML style, anchors, aliases, tags, duplicate
//! keys, flow style, lists), with merge keys in every position of the object, its metadata and
//! its labels, `items` arrays on any kind, empty and null fields, raw YAML in identity values
//! (escapes, tags, anchors) and the YAML 1.1 line breaks U+0085, U+2028 and U+2029.
//! Batched: one kubectl call reads a few hundred documents, each followed by a sentinel object
//! that says where its output ends. A fixed seed; `KUBE_READER_DOCS` sets the count (default
//! 2,000, under a minute).

use crate::common;
use common::yamlgen::{entry, ident, node, object, object_map, render, scalar_from, Node};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use spaces_postrender::identify::{identify, Object};
use std::process::Command;

const MARKER: &str = "spaces-postrender.dev/generated";

/// Identity values: generated names, YAML 1.1's other types, raw YAML (rendered as plain text
/// it is a quoted scalar with escapes, a tag, an anchor), and line separators.
const KNAMES: &[&str] = &[
    "spaces-argocd-plugin",
    "argocd",
    "rbac.authorization.k8s.io/v1",
    "v1",
    "Role",
    "RoleList",
    "List",
    "true",
    "false",
    "",
    "yes",
    "On",
    "0o17",
    "017",
    "1e3",
    "1_0",
    "2001-12-14",
    "~",
    "null",
    "<<",
    "\"spaces-argocd-\\x70lugin\"",
    "\"argo\\u0063d\"",
    "\"a\\/b\"",
    "\"t\\\"rue\"",
    "'it''s'",
    "\"\\N\"",
    "\"x\\Ly\"",
    "!!str true",
    "!!str 017",
    "!!int 5",
    "!!binary c3BhY2Vz",
    "!local argocd",
    "! argocd",
    "!!null ''",
    "&n argocd",
    "a\u{85}b",
    "x\u{2028}y",
    "p\u{2029}q",
    "argo\u{85}",
    ".nan",
    "- x",
];

fn kident() -> BoxedStrategy<Node> {
    prop_oneof![
        4 => scalar_from(common::yamlgen::NAMES).prop_map(|mut s| { s.style = s.style.min(2); Node::Scalar(s) }),
        4 => scalar_from(KNAMES).prop_map(|mut s| { if s.style > 2 { s.style = 0 }; Node::Scalar(s) }),
        1 => ident(),
    ]
    .boxed()
}

/// What a merge key brings: identity keys of the mapping it stands in.
fn merge_map(keys: &'static [&'static str]) -> BoxedStrategy<Node> {
    (
        prop::collection::vec((prop::sample::select(keys), kident()), 1..3),
        any::<u16>(),
    )
        .prop_map(|(e, bits)| {
            object_map(
                vec![],
                e.into_iter().map(|(k, v)| ((k, 0), v)).collect(),
                0,
                bits,
            )
        })
        .boxed()
}

/// The value of a merge key: a mapping, a list of them, an alias, or something else.
fn merge_value(keys: &'static [&'static str]) -> BoxedStrategy<Node> {
    prop_oneof![
        6 => merge_map(keys),
        2 => (prop::collection::vec(merge_map(keys), 1..3), any::<u16>()).prop_map(|(m, bits)| Node::Seq(m, bits)),
        1 => (0u8..3).prop_map(Node::Alias),
        1 => node(),
    ]
    .boxed()
}

fn merges(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<((&'static str, u8), Node)>> {
    prop::collection::vec(
        (
            prop_oneof![9 => Just(0u8), 1 => Just(1u8)],
            merge_value(keys),
        )
            .prop_map(|(ks, v)| (("<<", ks), v)),
        0..2,
    )
}

fn labels() -> BoxedStrategy<Node> {
    (
        entry(MARKER, kident()),
        entry("app", kident()),
        merges(&[MARKER, "app"]),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, m, rot, bits)| object_map(vec![a, b], m, rot, bits))
        .boxed()
}

fn metadata() -> BoxedStrategy<Node> {
    (
        entry("name", kident()),
        entry("namespace", kident()),
        entry("labels", labels()),
        merges(&["name", "namespace", "labels", "annotations"]),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, m, rot, bits)| object_map(vec![a, b, c], m, rot, bits))
        .boxed()
}

/// An object (or list) in the shapes Kubernetes reads differently from a naive reader.
fn kobject() -> BoxedStrategy<Node> {
    let items = prop_oneof![
        4 => (prop::collection::vec(prop_oneof![3 => object(), 2 => kitem(), 1 => node()], 0..3), any::<u16>())
            .prop_map(|(i, bits)| Node::Seq(i, bits)),
        1 => kident(),
    ];
    (
        entry("apiVersion", kident()),
        entry("kind", prop_oneof![
            3 => scalar_from(&["Role", "RoleList", "List", "ConfigMap", "Namespace", "ResourceList"]).prop_map(|mut s| { s.style = s.style.min(2); Node::Scalar(s) }),
            1 => kident(),
        ]),
        entry("metadata", metadata()),
        prop::option::weighted(0.3, items).prop_map(|o| o.map(|v| (("items", 0u8), v))),
        merges(&["apiVersion", "kind", "metadata", "items"]),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, d, m, rot, bits)| object_map(vec![a, b, c, d], m, rot, bits))
        .boxed()
}

/// A list item: often with neither kind nor apiVersion (it takes the list's).
fn kitem() -> BoxedStrategy<Node> {
    (
        prop::option::weighted(0.3, kident()).prop_map(|o| o.map(|v| (("kind", 0u8), v))),
        entry("metadata", metadata()),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, rot, bits)| object_map(vec![a, b], vec![], rot, bits))
        .boxed()
}

fn documents() -> impl Strategy<Value = (Node, u16)> {
    (
        prop_oneof![6 => kobject(), 2 => common::yamlgen::document().prop_map(|(n, _)| n)],
        any::<u16>(),
    )
}

/// What is compared: group, kind, namespace (empty = absent), name, marker.
type Identity = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn group(api_version: &str) -> String {
    api_version
        .rsplit_once('/')
        .map_or(String::new(), |(g, _)| g.to_string())
}

fn from_tool(o: &Object) -> Identity {
    (
        o.group().to_string(),
        o.kind.clone().unwrap_or_default(),
        o.namespace.clone().filter(|n| !n.is_empty()),
        o.name.clone(),
        o.marker.clone().filter(|m| !m.is_empty()),
    )
}

fn from_kubectl(v: &Value) -> Identity {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let meta = v.get("metadata");
    (
        group(v.get("apiVersion").and_then(Value::as_str).unwrap_or("")),
        s(v.get("kind")).unwrap_or_default(),
        s(meta.and_then(|m| m.get("namespace"))).filter(|n| !n.is_empty()),
        s(meta.and_then(|m| m.get("name"))),
        // A null label value is the empty string to Kubernetes: no marker either way.
        s(meta
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(MARKER)))
        .filter(|m| !m.is_empty()),
    )
}

/// The objects kubectl prints of what the tool read: a top-level object needs a kind, a list
/// item a kind and an apiVersion (after taking the list's).
fn printable(objects: &[Object]) -> Vec<Identity> {
    objects
        .iter()
        .filter(|o| o.kind.as_deref().is_some_and(|k| !k.is_empty()))
        .map(from_tool)
        .collect()
}

/// What kubectl made of each document: the objects it printed (`None`: it refused the
/// document's YAML and read no further).
fn kubectl_read(kubectl: &std::path::Path, docs: &[String]) -> Vec<Option<Vec<Identity>>> {
    let mut out: Vec<Option<Vec<Identity>>> = Vec::with_capacity(docs.len());
    while out.len() < docs.len() {
        let from = out.len();
        let mut stream = String::new();
        for (i, d) in docs.iter().enumerate().skip(from) {
            stream.push_str("---\n");
            stream.push_str(d);
            stream.push_str(&format!(
                "\n---\napiVersion: v1\nkind: Sentinel\nmetadata:\n  name: s{i}\n"
            ));
        }
        let o = common::run_cmd(
            Command::new(kubectl).args(["label", "--local", "-f", "-", "x=y", "-o", "json"]),
            stream.as_bytes(),
        );
        let mut group = Vec::new();
        let mut next = from;
        for v in serde_json::Deserializer::from_slice(&o.stdout).into_iter::<Value>() {
            let v = v.unwrap_or_else(|e| {
                panic!("kubectl printed no JSON ({e}): {}", common::output_text(&o))
            });
            if v.get("kind").and_then(Value::as_str) == Some("Sentinel") {
                let name = v["metadata"]["name"].as_str().unwrap_or("");
                assert_eq!(name, format!("s{next}"), "sentinels out of order");
                out.push(Some(std::mem::take(&mut group)));
                next += 1;
            } else {
                group.push(from_kubectl(&v));
            }
        }
        if out.len() < docs.len() {
            // The stream stopped at this document: its YAML is refused.
            assert!(
                group.is_empty(),
                "output after the last sentinel: {group:?}"
            );
            out.push(None);
        }
    }
    out
}

/// Whether kubectl refuses this document alone (prints no object and says an error).
fn kubectl_refuses(kubectl: &std::path::Path, doc: &str) -> bool {
    let o = common::run_cmd(
        Command::new(kubectl).args(["label", "--local", "-f", "-", "x=y", "-o", "json"]),
        doc.as_bytes(),
    );
    !o.status.success()
}

#[test]
fn kubectl_reads_every_document_as_the_tool_does() {
    // proptest's recursive strategies go deep in debug builds: a thread with a large stack.
    let t = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(differential)
        .expect("spawn");
    if let Err(p) = t.join() {
        std::panic::resume_unwind(p);
    }
}

fn differential() {
    let kubectl = common::tools().join("kubectl136");
    let count: usize = std::env::var("KUBE_READER_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    // A fixed seed: the same documents on every run.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[21; 32]),
    );
    let strategy = documents();
    let docs: Vec<String> = (0..count)
        .map(|_| {
            let (root, bits) = strategy.new_tree(&mut runner).expect("generate").current();
            render(&root, bits & !0x0001 & !0x0002)
        })
        .filter(|d| {
            !d.lines()
                .any(|l| l.starts_with("---") || l.starts_with("..."))
        })
        .collect();
    let start = std::time::Instant::now();
    let mut read = Vec::new();
    for chunk in docs.chunks(400) {
        read.extend(kubectl_read(&kubectl, chunk));
    }
    let (mut agreed, mut tool_refused, mut kubectl_only_refused, mut objects) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    // Why the tool refused documents kubectl read objects from.
    let mut refusals = std::collections::BTreeMap::new();
    for (doc, k) in docs.iter().zip(&read) {
        let tool = match identify(doc) {
            Ok(info) => printable(&info.objects),
            Err(e) => {
                tool_refused += 1;
                if k.as_ref().is_some_and(|k| !k.is_empty()) {
                    let why = e.message.split([':', '(']).next().unwrap_or("").to_string();
                    *refusals.entry(why).or_insert(0usize) += 1;
                }
                continue;
            }
        };
        match k {
            Some(k) if *k == tool => {
                agreed += 1;
                objects += k.len();
            }
            _ if kubectl_refuses(&kubectl, doc) => kubectl_only_refused += 1,
            k => failures.push(format!(
                "document:\n{doc}\n--- tool reads: {tool:?}\n--- kubectl reads: {k:?}"
            )),
        }
    }
    eprintln!(
        "kube_reader: {} documents in {:?}: {agreed} read alike ({objects} objects), {tool_refused} refused by the tool, {kubectl_only_refused} refused by kubectl alone, {} differ",
        docs.len(),
        start.elapsed(),
        failures.len()
    );
    for (why, n) in &refusals {
        eprintln!("  refused by the tool, read by kubectl: {n:5} {why}");
    }
    assert!(
        failures.is_empty(),
        "{} documents read differently; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n=====\n")
    );
    // The generator keeps producing documents both sides read (about a third of them).
    assert!(
        agreed * 4 > docs.len(),
        "too few documents read alike: {agreed} of {}",
        docs.len()
    );
}
