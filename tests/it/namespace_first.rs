//! A generated Namespace precedes every object of the stream that lives in it: Helm 3 and
//! `kubectl apply` create objects in the order written, so a Namespace written after its
//! objects fails on a fresh cluster. The input documents follow it byte for byte, in order.

use crate::common::{self, read, run};
use serde_json::Value;
use spaces_postrender::identify;
use spaces_postrender::stream::Splitter;

const ESO: &[&str] = &[
    "-f",
    "fixtures/values/eso.yaml",
    "--target",
    "control-plane",
];

/// The objects of a manifest stream, in the order written: (kind, namespace, name).
fn objects(stream: &[u8]) -> Vec<(String, Option<String>, String)> {
    let mut sp = Splitter::new(stream);
    let mut all = Vec::new();
    while let Some(d) = sp.next_doc().expect("split") {
        let text = std::str::from_utf8(d.bytes).expect("utf-8");
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for o in identify::identify(text).expect("output parses").objects {
            all.push((
                o.kind.unwrap_or_default(),
                o.namespace,
                o.name.unwrap_or_default(),
            ));
        }
    }
    all
}

/// What a client that creates objects in the order written (Helm 3, `kubectl apply`) meets:
/// an object whose Namespace the same stream creates only later fails. The first such object.
fn created_in_order(objs: &[(String, Option<String>, String)]) -> Result<(), String> {
    for (i, (kind, ns, name)) in objs.iter().enumerate() {
        let Some(ns) = ns else { continue };
        let later = objs[i + 1..]
            .iter()
            .any(|(k, n, nm)| k == "Namespace" && n.is_none() && nm == ns);
        if later {
            return Err(format!(
                "{kind} {ns}/{name} comes before Namespace {ns} (object {})",
                i + 1
            ));
        }
    }
    Ok(())
}

#[test]
fn the_order_check_finds_a_namespace_written_after_its_objects() {
    let stream = b"---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n";
    let err = created_in_order(&objects(stream)).expect_err("out of order");
    assert!(err.contains("ServiceAccount x/a"), "{err}");
}

#[test]
fn the_eso_namespace_comes_before_the_objects_that_live_in_it() {
    let input = read("fixtures/input/external-secrets.yaml");
    let out = run(ESO, &input, &[]);
    assert!(out.status.success(), "{}", common::output_text(&out));
    let objs = objects(&out.stdout);
    assert_eq!(
        objs.first(),
        Some(&(
            "Namespace".to_string(),
            None,
            "external-secrets".to_string()
        ))
    );
    assert!(objs
        .iter()
        .skip(1)
        .any(|o| o.1.as_deref() == Some("external-secrets")));
    created_in_order(&objs).expect("created in order");
    // The input follows it byte for byte.
    let at = out.stdout.len() - input.len();
    assert_eq!(&out.stdout[at..], &input[..]);
}

/// Every fixture stream, rendered for the control plane with ESO on, can be created in order.
#[test]
fn every_fixture_stream_for_the_control_plane_is_created_in_order() {
    let mut n = 0;
    for entry in std::fs::read_dir(common::root().join("fixtures/input")).expect("fixtures") {
        let path = entry.expect("entry").path();
        let out = run(ESO, &read(&path), &[]);
        if !out.status.success() {
            continue;
        }
        n += 1;
        let objs = objects(&out.stdout);
        created_in_order(&objs).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The Namespace is generated unless the input has it.
        let generated = String::from_utf8_lossy(&out.stdout)
            .contains("# Source: spaces-postrender/control-plane/namespace-external-secrets.yaml");
        let in_input = String::from_utf8_lossy(&read(&path))
            .lines()
            .any(|l| l.trim() == "kind: Namespace");
        assert!(generated || in_input, "{}", path.display());
    }
    assert!(n >= 5, "only {n} fixtures ran");
}

#[test]
fn an_input_without_a_leading_boundary_line_gets_one_after_the_namespace() {
    let input =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: external-secrets}\n";
    let out = run(ESO, input, &[]);
    assert!(out.status.success(), "{}", common::output_text(&out));
    let want_tail = [&b"---\n"[..], input].concat();
    assert!(out.stdout.ends_with(&want_tail));
    let objs = objects(&out.stdout);
    assert_eq!(objs.len(), 2, "{objs:?}");
    created_in_order(&objs).expect("created in order");
    // Running over its own output changes nothing.
    let again = run(ESO, &out.stdout, &[]);
    assert!(again.status.success(), "{}", common::output_text(&again));
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn a_byte_order_mark_stays_at_the_start_of_the_stream() {
    let input = "\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: external-secrets}\n";
    let out = run(ESO, input.as_bytes(), &[]);
    assert!(out.status.success(), "{}", common::output_text(&out));
    let text = String::from_utf8(out.stdout.clone()).expect("utf-8");
    assert!(text.starts_with("\u{feff}---\n# Source: spaces-postrender/control-plane/namespace-external-secrets.yaml\n"), "{text}");
    assert_eq!(text.matches('\u{feff}').count(), 1);
    assert!(text.ends_with(&format!("---\n{}", &input[3..])), "{text}");
    let again = run(ESO, &out.stdout, &[]);
    assert!(again.status.success(), "{}", common::output_text(&again));
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn a_directive_that_would_follow_the_namespace_is_refused() {
    let input = b"%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: external-secrets}\n";
    let out = common::run_out(ESO, input, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("error[directive-first]"),
        "{}",
        out.stderr
    );
    // Nothing generated first: the directive may stay where it is.
    let out = common::run_out(&["--target", "control-plane"], input, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_krm_function_puts_the_namespace_before_the_items() {
    let list = read("fixtures/krm/configmap-eso-control-plane.yaml");
    let out = run(&[], &list, &[]);
    assert!(out.status.success(), "{}", common::output_text(&out));
    let v: Value = serde_saphyr::from_slice(&out.stdout).expect("a ResourceList");
    let items = v["items"].as_array().expect("items");
    let objs: Vec<(String, Option<String>, String)> = items
        .iter()
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
    assert_eq!(objs[0].0, "Namespace", "{objs:?}");
    assert!(objs.len() > 1);
    created_in_order(&objs).expect("created in order");
    // Running over its own answer changes nothing.
    let again = run(&[], &out.stdout, &[]);
    assert_eq!(again.stdout, out.stdout);
}
