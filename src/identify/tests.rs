//! Unit tests of identification: the three paths agree, and what each refuses.

use super::*;

fn one(s: &str) -> Object {
    let d = identify(s).expect("valid");
    assert_eq!(d.objects.len(), 1, "{d:?}");
    d.objects[0].clone()
}

#[test]
fn picks_identity_fields() {
    let o = one("---\n# Source: x\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: ns\n  labels:\n    spaces-postrender.dev/generated: \"true\"\nrules: []\n");
    assert_eq!(o.group(), "rbac.authorization.k8s.io");
    assert_eq!(
        (o.kind.as_deref(), o.name.as_deref(), o.namespace.as_deref()),
        (Some("Role"), Some("r"), Some("ns"))
    );
    assert_eq!(o.marker.as_deref(), Some("true"));
}

#[test]
fn deployment_service_account() {
    let o = one("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: spaces-controller, namespace: upbound-system}\nspec:\n  template:\n    metadata: {labels: {name: x}}\n    spec:\n      containers: [{name: c, env: [{name: serviceAccountName, value: nope}]}]\n      serviceAccountName: sa\n");
    assert_eq!(o.service_account.as_deref(), Some("sa"));
    assert_eq!(o.namespace.as_deref(), Some("upbound-system"));
}

#[test]
fn nested_name_keys_are_not_identity() {
    let o = one("apiVersion: v1\nkind: ConfigMap\ndata:\n  metadata: {name: wrong}\nmetadata:\n  annotations: {name: wrong}\n  name: right\n");
    assert_eq!(o.name.as_deref(), Some("right"));
}

#[test]
fn lists_yield_items() {
    let d = identify("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n- {apiVersion: v1, kind: B, metadata: {name: b}}\n").expect("ok");
    let kinds: Vec<_> = d
        .objects
        .iter()
        .map(|o| o.kind.clone().unwrap_or_default())
        .collect();
    assert_eq!(kinds, vec!["A", "B"]);
}

#[test]
fn aliases_take_the_exact_path() {
    let o = one("apiVersion: v1\nkind: ConfigMap\nx: &n foo\nmetadata:\n  name: *n\n");
    assert_eq!(o.name.as_deref(), Some("foo"));
}

#[test]
fn empty_documents_have_no_objects() {
    assert!(identify("---\n# only a comment\n")
        .expect("ok")
        .objects
        .is_empty());
    assert!(identify("").expect("ok").objects.is_empty());
}

#[test]
fn bad_shapes_and_syntax() {
    assert!(identify("- a\n- b\n")
        .unwrap_err()
        .message
        .contains("a list"));
    assert!(identify("hello\n")
        .unwrap_err()
        .message
        .contains("a scalar"));
    let e = identify("a:\n\tb: c\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(identify("kind: A\nkind: B\n")
        .unwrap_err()
        .message
        .contains("duplicate key `kind`"));
}

/// Every path gives the same answer: `identify` (quick scan first), the event path and the
/// full parse.
fn all_paths(doc: &str) -> Result<DocInfo, DocError> {
    let full = identify_full(doc);
    assert_eq!(
        identify_events(doc),
        full,
        "event path vs full parse: {doc:?}"
    );
    assert_eq!(identify(doc), full, "identify vs full parse: {doc:?}");
    full
}

#[test]
fn yaml11_line_breaks_are_refused_on_every_path() {
    let cases = [
        ("\u{2028}", "U+2028 LINE SEPARATOR", "`\\L`"),
        ("\u{85}", "U+0085 NEXT LINE (NEL)", "`\\N`"),
        ("\u{2029}", "U+2029 PARAGRAPH SEPARATOR", "`\\P`"),
    ];
    for (c, name, escape) in cases {
        for (doc, line, column) in [
            // Kubernetes reads the name as `spaces-argocd-plugin`: a conflict.
            (format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin{c}\n  namespace: argocd\n"), 4, 29),
            // The comment ends there for Kubernetes, and the rest is content.
            (format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # é{c}namespace: b\n"), 4, 14),
            (format!("---\napiVersion: v1\nkind: Secret\nmetadata: {{name: &n s}}\nstringData: {{p: \"ü{c}\", q: *n}}\n"), 5, 19),
            (format!("{c}apiVersion: v1\n"), 1, 1),
        ] {
            assert_eq!(identify_quick(&doc), None);
            let e = all_paths(&doc).expect_err(&doc);
            assert_eq!((e.line, e.column), (line, column), "{doc:?}");
            assert!(e.message.contains(name), "{}", e.message);
            assert!(e.message.contains(escape), "{}", e.message);
            assert!(e.message.contains("YAML 1.1"), "{}", e.message);
            assert!(!e.message.contains(c), "{}", e.message);
            assert!(!e.message.contains("plugin") && !e.message.contains('é'));
        }
    }
    // Escaped, they are text to every reader.
    let o = one("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"a\\Lb\\Nc\\P\"}\n");
    assert_eq!(o.name.as_deref(), Some("a\u{2028}b\u{85}c\u{2029}"));
}

#[test]
fn duplicate_keys_follow_one_rule_whatever_the_document_holds() {
    // Not identity keys: the last one wins on every path, with or without anchors and tags.
    for extra in ["", "x: &a 1\ny: *a\n", "x: !!str 1\n", "<<: {z: 1}\n"] {
        let doc = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nm\n  labels: {{app: a, app: b}}\ndata:\n  k: 1\n  k: 2\n{extra}");
        let d = all_paths(&doc).expect(&doc);
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.objects[0].name.as_deref(), Some("nm"));
    }
    // Identity keys: refused on every path, in the same words.
    for (doc, key) in [
        ("apiVersion: v1\nkind: A\nkind: B\n", "kind"),
        ("apiVersion: v1\nkind: &k A\nx: *k\nkind: B\n", "kind"),
        ("apiVersion: v1\nkind: !!str A\nmetadata: {name: a, name: b}\n", "name"),
        ("apiVersion: v1\nkind: A\nmetadata:\n  <<: {namespace: m}\n  labels: {spaces-postrender.dev/generated: x, spaces-postrender.dev/generated: y}\n", "spaces-postrender.dev/generated"),
        ("&n name: x\nkind: A\nmetadata:\n  name: a\n  *n : b\n", "name"),
        ("kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: A, x: &q 1, apiVersion: v2}\n", "apiVersion"),
        ("kind: A\n[a]: b\nkind: B\n", "kind"),
    ] {
        let e = all_paths(doc).expect_err(doc);
        assert!(
            e.message
                .contains(&format!("duplicate key `{key}`: the object's identity")),
            "{doc:?}: {}",
            e.message
        );
    }
}

#[test]
fn parser_messages_do_not_quote_the_input() {
    for doc in [
        "apiVersion: v1\nkind: Secret\nstringData: {p: @x}\n",
        "apiVersion: v1\nkind: Secret\nstringData: {p: `x}\n",
        "apiVersion: v1\nkind: Secret\nstringData: {p: [x}}\n",
        "apiVersion: v1\nkind: Secret\nstringData: {p: \u{1}}\n",
    ] {
        let e = all_paths(doc).expect_err(doc);
        assert!(e.message.is_ascii(), "{}", e.message);
        assert!(
            !e.message.contains(['@', '\u{1}']) && !e.message.contains("`x"),
            "{}",
            e.message
        );
        assert_eq!(e.line, 3, "{doc:?}");
    }
}

#[test]
fn errors_point_at_a_line_of_the_document() {
    // Directives: lines count from the document's first line, the directive's.
    let e = all_paths("%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n")
        .expect_err("unclosed");
    assert_eq!((e.line, e.column), (5, 11));
    // A directive the stream splitter cut from its `---` document: the directive's line.
    let e = all_paths("%YAML 1.1\n# c\n").expect_err("directive only");
    assert_eq!((e.line, e.column), (2, 4));
    assert!(e.message.contains("directive"), "{}", e.message);
    // The end of the input is the end of the last line, not a line after it.
    let e = all_paths("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'a\n")
        .expect_err("unclosed quote");
    assert!(e.line <= 4, "{e:?}");
}

#[test]
fn non_finite_floats_do_not_stop_the_full_reading() {
    // An alias sends the document to the full parse, which must read `.inf`/`.nan` (valid
    // values of a manifest) without failing.
    let o = one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {app: x}\n  annotations: *l\ndata:\n  r: .inf\n  n: .nan\n");
    assert_eq!(o.name.as_deref(), Some("a"));
    assert_eq!(o.kind.as_deref(), Some("ConfigMap"));
}

/// Kubernetes' reading, on every path (the quick scan, the event path, the exact path).
fn every_path(doc: &str) -> DocInfo {
    let full = identify_full(doc).unwrap_or_else(|e| panic!("{doc}: {e:?}"));
    assert_eq!(identify_events(doc).as_ref(), Ok(&full), "{doc}");
    if let Some(q) = identify_quick(doc) {
        assert_eq!(q, full, "{doc}");
    }
    full
}

#[test]
fn any_items_array_is_a_list_whose_items_take_its_kind() {
    let d = every_path("apiVersion: v1\nkind: ConfigMap\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n");
    assert_eq!(d.objects.len(), 1);
    assert_eq!(d.objects[0].kind.as_deref(), Some("A"));
    assert!(d.kube_object && d.mapping);
    let d =
        every_path("kind: List\nitems:\n- {apiVersion: v1, kind: A}\n- {metadata: {name: x}}\n");
    assert_eq!(d.objects.len(), 2);
    assert_eq!(
        d.objects[1].kind, None,
        "a List's kind without `List` is empty"
    );
    assert!(!d.kube_object);
    let d = every_path("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleList\nitems:\n- metadata: {name: r}\n- {kind: X, metadata: {name: k}}\n");
    assert_eq!(d.objects[0].kind.as_deref(), Some("Role"));
    assert_eq!(d.objects[0].group(), "rbac.authorization.k8s.io");
    assert_eq!(d.objects[1].kind.as_deref(), Some("X"));
    assert_eq!(
        d.objects[1].api_version, None,
        "only items naming neither inherit"
    );
    for null in ["items:\n", "items: ~\n", "items: null\n"] {
        let d = every_path(&format!(
            "apiVersion: v1\nkind: Role\nmetadata: {{name: a}}\n{null}"
        ));
        assert!(d.objects.is_empty(), "{null}");
    }
    // Not a list: a scalar, a mapping, a quoted string; and a List kind with no items.
    for other in ["items: \"\"\n", "items: {a: b}\n", "items: 3\n", ""] {
        let d = every_path(&format!(
            "apiVersion: v1\nkind: RoleList\nmetadata: {{name: a}}\n{other}"
        ));
        assert_eq!(d.objects.len(), 1, "{other}");
        assert_eq!(d.objects[0].name.as_deref(), Some("a"));
    }
}

#[test]
fn an_empty_namespace_is_none_on_every_path() {
    for ns in ["\"\"", "''", "~", "", "!!null ''"] {
        let d = every_path(&format!(
            "apiVersion: v1\nkind: Role\nmetadata:\n  name: a\n  namespace: {ns}\n"
        ));
        assert_eq!(d.objects[0].namespace, None, "{ns}");
    }
}

#[test]
fn the_deprecated_service_account_fills_an_empty_name() {
    let sa = |spec: &str| {
        every_path(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n{spec}"
        ))
        .objects[0]
            .service_account
            .clone()
    };
    assert_eq!(
        sa("      serviceAccountName: \"\"\n      serviceAccount: x\n").as_deref(),
        Some("x")
    );
    assert_eq!(
        sa("      serviceAccount: x\n      serviceAccountName: ''\n").as_deref(),
        Some("x")
    );
    assert_eq!(sa("      serviceAccount: x\n").as_deref(), Some("x"));
    assert_eq!(
        sa("      serviceAccount: x\n      serviceAccountName: new\n").as_deref(),
        Some("new")
    );
    assert_eq!(
        sa("      serviceAccountName: new\n      serviceAccount: x\n").as_deref(),
        Some("new")
    );
    assert_eq!(sa("      serviceAccountName: \"\"\n").as_deref(), None);
    assert_eq!(
        sa("      <<: {serviceAccount: m}\n      serviceAccountName: \"\"\n").as_deref(),
        Some("m")
    );
}

#[test]
fn a_later_merge_overrides_an_earlier_key_on_every_path() {
    let d = every_path("apiVersion: v1\nkind: Role\nmetadata:\n  name: a\n  labels: {spaces-postrender.dev/generated: \"true\"}\n  <<: {labels: {spaces-postrender.dev/generated: \"false\"}, name: b}\n");
    assert_eq!(d.objects[0].marker.as_deref(), Some("false"));
    assert_eq!(d.objects[0].name.as_deref(), Some("b"));
    let d = every_path("<<: {kind: Role}\nkind: ConfigMap\napiVersion: v1\n");
    assert_eq!(d.objects[0].kind.as_deref(), Some("ConfigMap"));
    // Merged `items` make a list too.
    let d = every_path("apiVersion: v1\nkind: List\n<<: {items: [{apiVersion: v1, kind: A}]}\n");
    assert_eq!(d.objects[0].kind.as_deref(), Some("A"));
}

#[test]
fn identity_values_kubernetes_reads_as_no_string_are_refused() {
    for v in [
        "123", "yes", "0o17", "1e3", "[a]", "{a: b}", "!!int 5", ".inf",
    ] {
        let e = identify(&format!(
            "apiVersion: v1\nkind: Role\nmetadata:\n  name: {v}\n"
        ))
        .expect_err(v);
        assert!(
            e.message.contains("`metadata.name` is not a string"),
            "{v}: {}",
            e.message
        );
        assert_eq!(e.line, 4, "{v}");
    }
    for v in ["\"123\"", "!!str yes", "2001-12-14", "1e999", "! 5"] {
        assert!(
            identify(&format!(
                "apiVersion: v1\nkind: Role\nmetadata:\n  name: {v}\n"
            ))
            .is_ok(),
            "{v}"
        );
    }
}

#[test]
fn excessive_aliasing_is_refused_like_kubectl() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    let e = identify(bomb).expect_err("bomb");
    assert!(e.message.contains("excessive aliasing"), "{}", e.message);
    // A thousand nodes from a document of its own size is within kubectl's limit.
    let fine = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n";
    let d = identify(fine).expect("fine");
    assert!(d.aliased > 500 && d.aliased < 1000, "{}", d.aliased);
    assert_eq!(identify("a: 1\n").expect("ok").aliased, 0);
}

/// A label or annotation value that is not a string: kubectl's reader drops the whole map (and
/// the API server refuses the object), so the tool reads no marker or hook there either. Found
/// by the differential test against kubectl: a quoted `'<<'` (a plain key to go-yaml, not a
/// merge) holding a mapping, and `app: {}`, each beside the marker.
#[test]
fn label_and_annotation_maps_with_values_that_are_not_strings_are_read_as_kubectl_reads_them() {
    for v in ["{}", "[a]", "1", "yes", "{a: !!int 5}"] {
        let doc = format!("apiVersion: v1\nkind: Role\nmetadata:\n  name: a\n  labels:\n    spaces-postrender.dev/generated: \"true\"\n    app: {v}\n  annotations:\n    helm.sh/hook: pre-install\n    b: {v}\n");
        let d = every_path(&doc);
        assert_eq!(d.objects[0].marker, None, "{doc}");
        assert!(!d.objects[0].hook, "{doc}");
        assert_eq!(d.objects[0].name.as_deref(), Some("a"), "{doc}");
    }
    let d = every_path("apiVersion: v1\nkind: Role\nmetadata:\n  labels: {'<<': {app: x}, spaces-postrender.dev/generated: 'v1'}\n");
    assert_eq!(d.objects[0].marker, None);
    // Strings however written, and null (the server stores an empty string), keep the map.
    for v in [
        "\"1\"",
        "x",
        "1.2.3",
        "2001-12-14",
        "!!str 5",
        "~",
        "",
        "'{}'",
    ] {
        let doc = format!("apiVersion: v1\nkind: Role\nmetadata:\n  name: a\n  labels:\n    spaces-postrender.dev/generated: \"true\"\n    app: {v}\n  annotations:\n    helm.sh/hook: pre-install\n    a: {v}\n");
        let d = every_path(&doc);
        assert_eq!(d.objects[0].marker.as_deref(), Some("true"), "{doc}");
        assert!(d.objects[0].hook, "{doc}");
    }
    // A tag go-yaml may or may not make a string of (`!!binary` it does): refused, as the
    // marker with one is (found by the differential test: `!!binary c3BhY2Vz` is "spaces").
    for v in ["!!binary c3BhY2Vz", "!!int 5", "!custom x"] {
        let doc = format!("apiVersion: v1\nkind: Role\nmetadata:\n  labels:\n    spaces-postrender.dev/generated: \"true\"\n    app: {v}\n");
        let e = all_paths(&doc).expect_err(&doc);
        assert!(
            e.message.contains("a value in `metadata.labels` has a tag"),
            "{doc}: {}",
            e.message
        );
        let doc = format!("apiVersion: v1\nkind: Role\nmetadata:\n  labels:\n    spaces-postrender.dev/generated: {v}\n    app: {{}}\n");
        assert!(all_paths(&doc).is_err(), "{doc}");
    }
    // A merge into labels is still a merge, and what it brings in counts too.
    let d = every_path("apiVersion: v1\nkind: Role\nmetadata:\n  labels:\n    <<: {app: x}\n    spaces-postrender.dev/generated: \"true\"\n");
    assert_eq!(d.objects[0].marker.as_deref(), Some("true"));
    let d = every_path("apiVersion: v1\nkind: Role\nmetadata:\n  labels:\n    <<: {app: 1}\n    spaces-postrender.dev/generated: \"true\"\n");
    assert_eq!(d.objects[0].marker, None);
}
