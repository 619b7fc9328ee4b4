//! Every document is read as Kubernetes' own reader reads it (sigs.k8s.io/yaml over go-yaml v2,
//! as kubectl and Helm use it): regression tests for the defects an outside run found (issue
//! "Integrity III"), each written as reported. `tests/full/kube_reader.rs` checks the same
//! reading against kubectl itself over generated documents.

use crate::common;
use common::run_out;

const ON: &str = "features.alpha.argocdPlugin.enabled=true";
const MARKER: &str = "spaces-postrender.dev/generated";

fn role(metadata: &str) -> String {
    format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n{metadata}rules: []\n")
}

// 1. go-yaml applies `<<` in document order: a later merge overrides an earlier explicit key.
#[test]
fn a_later_merge_overrides_an_earlier_explicit_key() {
    // Kubernetes reads the marker as "false": the user's Role, not stale output to delete.
    let input = role(&format!(
        "  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    {MARKER}: \"true\"\n  <<: {{labels: {{{MARKER}: \"false\"}}}}\n"
    ));
    let o = run_out(&[], input.as_bytes(), &[]);
    assert_eq!(
        (o.code, o.stdout.as_str()),
        (0, input.as_str()),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("removed"), "{}", o.stderr);
    // With the feature on, it is a conflict (the user's object), not replaced.
    let o = run_out(&["--set", ON], input.as_bytes(), &[]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(o.stderr.contains("error[conflict]"), "{}", o.stderr);

    // A merge that renames an object to a generated identity is a conflict.
    let renamed = role("  name: mine\n  namespace: argocd\n  <<: {name: spaces-argocd-plugin}\n");
    let o = run_out(&["--set", ON], renamed.as_bytes(), &[]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(
        o.stderr.contains("error[conflict]") && o.stderr.contains("spaces-argocd-plugin"),
        "{}",
        o.stderr
    );
    // An explicit key after the merge wins, as in go-yaml.
    let kept = role("  <<: {name: spaces-argocd-plugin}\n  name: mine\n  namespace: argocd\n");
    let o = run_out(&["--set", ON], kept.as_bytes(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with(&kept), "{}", o.stdout);
}

const FOREIGN_ROLE: &str = "{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: spaces-argocd-plugin, namespace: argocd}, rules: []}";

// 2. Any object with an `items` array is a list, and so is `kind: List` without apiVersion.
#[test]
fn objects_hidden_in_any_list_are_seen() {
    for head in [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: looks-like-one}\n",
        "kind: List\n",
        "apiVersion: v1\nkind: Anything\n",
    ] {
        let input = format!("---\n{head}items:\n- {FOREIGN_ROLE}\n");
        let o = run_out(&["--set", ON], input.as_bytes(), &[]);
        assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{head}: {}", o.stderr);
        assert!(o.stderr.contains("error[conflict]"), "{head}: {}", o.stderr);
    }
    // A typed list names its items' kind and apiVersion once: the items inherit them.
    let typed = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleList\nitems:\n- metadata: {name: spaces-argocd-plugin, namespace: argocd}\n";
    let o = run_out(&["--set", ON], typed.as_bytes(), &[]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(o.stderr.contains("error[conflict]"), "{}", o.stderr);
}

// 3. `namespace: ""` is no namespace: the Role lands in the release namespace, a conflict.
#[test]
fn an_empty_namespace_is_absent() {
    for ns in ["\"\"", "''", "~", "null", ""] {
        let input = role(&format!(
            "  name: spaces-argocd-plugin\n  namespace: {ns}\n"
        ));
        let o = run_out(&["--set", ON], input.as_bytes(), &[]);
        assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{ns}: {}", o.stderr);
        assert!(
            o.stderr.contains("error[conflict]") && o.stderr.contains("<release namespace>"),
            "{ns}: {}",
            o.stderr
        );
    }
}

// 4. An empty serviceAccountName with the deprecated serviceAccount: the pod runs as that one.
#[test]
fn the_deprecated_service_account_fills_an_empty_name() {
    for name in ["serviceAccountName: \"\"\n      ", ""] {
        let d = format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: spaces-controller\n  namespace: upbound-system\nspec:\n  template:\n    spec:\n      {name}serviceAccount: spaces-sa\n");
        let o = run_out(&["--set", ON], d.as_bytes(), &[]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stdout.contains(
                "- kind: ServiceAccount\n  name: \"spaces-sa\"\n  namespace: \"upbound-system\"\n"
            ),
            "{}",
            o.stdout
        );
    }
    // A non-empty serviceAccountName wins over the deprecated field.
    let both = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: spaces-controller\n  namespace: upbound-system\nspec:\n  template:\n    spec:\n      serviceAccount: old\n      serviceAccountName: new\n";
    let o = run_out(&["--set", ON], both.as_bytes(), &[]);
    assert!(o.stdout.contains("  name: \"new\"\n"), "{}", o.stdout);
}

// 5. Only a ResourceList of the KRM functions spec switches to the function mode.
#[test]
fn a_resource_list_of_another_api_is_an_ordinary_object() {
    let cr = "apiVersion: example.com/v1\nkind: ResourceList\nmetadata:\n  name: mine\nspec: {}\n";
    let o = run_out(&[], cr.as_bytes(), &[]);
    assert_eq!((o.code, o.stdout.as_str()), (0, cr), "{}", o.stderr);
    let o = run_out(&["--set", ON], cr.as_bytes(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with(cr) && o.stdout.contains("kind: Role\n"),
        "{}",
        o.stdout
    );
    // Both versions of the spec are function input (older orchestrators send v1alpha1).
    for v in ["v1", "v1alpha1"] {
        let rl = format!("apiVersion: config.kubernetes.io/{v}\nkind: ResourceList\nitems: []\n");
        let o = run_out(&["--set", ON], rl.as_bytes(), &[]);
        assert_eq!(o.code, 2, "{v}: {}", o.stderr);
        assert!(o.stderr.contains("ResourceList"), "{}", o.stderr);
    }
}

/// A 342-byte document whose aliases expand to about 10^5 nodes.
fn alias_bomb(i: usize) -> String {
    let d = format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-{i:04}\n  namespace: default\n  labels: {{a: bomb}}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n");
    assert_eq!(d.len(), 342);
    d
}

// 13. The alias budget is the stream's: kubectl refuses excessive aliasing at once, so does the
// tool, in every copy, fast.
#[test]
fn excessive_aliasing_is_refused_at_once() {
    let input: String = (0..400).map(alias_bomb).collect();
    let start = std::time::Instant::now();
    let o = run_out(&[], input.as_bytes(), &[]);
    let took = start.elapsed();
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(
        o.stderr.contains("error[invalid-manifest]") && o.stderr.contains("aliases"),
        "{}",
        o.stderr
    );
    assert!(took.as_secs() < 5, "took {took:?}");
    // Aliases within reason are read as before.
    let few = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n few\ndata:\n  a: &a [x, y]\n  b: [*a, *a, *n]\n";
    let o = run_out(&[], few.as_bytes(), &[]);
    assert_eq!((o.code, o.stdout.as_str()), (0, few), "{}", o.stderr);
}

// A stream in which no document is a Kubernetes object is an error, not a pass-through: a
// values file piped in as the manifests.
#[test]
fn a_stream_without_any_kubernetes_object_is_an_error() {
    let values = "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let v = dir.path().join("v.yaml");
    std::fs::write(&v, values).expect("write");
    let v = v.display().to_string();
    for args in [&["-f", v.as_str()][..], &[][..]] {
        let o = run_out(args, values.as_bytes(), &[]);
        assert_eq!(
            (o.code, o.stdout.as_str()),
            (1, ""),
            "{args:?}: {}",
            o.stderr
        );
        assert!(o.stderr.contains("error[no-objects]"), "{}", o.stderr);
        assert!(
            !o.stderr.contains("argocdPlugin"),
            "quotes the input: {}",
            o.stderr
        );
    }
    // A document of its own is enough; empty and comment-only input stay a valid empty release.
    let one = format!("{values}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\n");
    assert_eq!(run_out(&[], one.as_bytes(), &[]).code, 0);
    for empty in [
        "",
        "# Source: chart/templates/x.yaml\n",
        "---\n---\n",
        "---\n~\n",
    ] {
        let o = run_out(&[], empty.as_bytes(), &[]);
        assert_eq!(
            (o.code, o.stdout.as_str()),
            (0, empty),
            "{empty:?}: {}",
            o.stderr
        );
    }
}
