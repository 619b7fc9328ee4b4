//! The real-server tier, part 2: Helm 3.17.3 (`--post-renderer` path), Helm 4.1.4 and 4.2.3
//! (the plugin) install, upgrade, toggle features and uninstall through this tool against a
//! real kube-apiserver, each Helm in a thread of its own; and every route of the ESO Namespace.

use crate::common;
use common::e2e::chart;
use common::kube::*;
use common::output_text;

fn values(argo: &str, external: bool, on: bool) -> String {
    format!(
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: {on}\n      target:\n        secretNamespace: {argo}\n        externalCluster:\n          enabled: {external}\n          secret:\n            name: my-argo-cluster\n"
    )
}

fn rv(kind: &str, name: &str, ns: &str) -> Option<String> {
    get_json(kind, name, Some(ns)).map(|v| {
        v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    })
}

/// Helm's command line for the fixture chart with `values` given to Helm and the post-renderer.
fn spaces_args(
    h: &Helm,
    verb: &str,
    rel: &str,
    values: &std::path::Path,
    extra: &[&str],
) -> Vec<String> {
    let v = values.display().to_string();
    let mut a: Vec<String> = vec![
        verb.into(),
        "spaces".into(),
        chart().display().to_string(),
        "-n".into(),
        rel.into(),
        "-f".into(),
        v.clone(),
    ];
    a.extend(h.post_renderer(&["-f", &v]));
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn helm_lifecycle_through_the_post_renderer() {
    for_each_helm(|name| {
        let h = Helm::new(name);
        let s = server();
        let (rel, argo) = (s.namespace("rel"), s.namespace("argo"));
        let on = h.write("on.yaml", &values(&argo, false, true));
        let ext = h.write("ext.yaml", &values(&argo, true, true));
        let off = h.write("off.yaml", &values(&argo, false, false));
        h.ok(&spaces_args(&h, "install", &rel, &on, &[]));
        let role = get_json("role", "spaces-argocd-plugin", Some(&argo))
            .expect("writer Role after install");
        assert_eq!(
            role["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "Helm"
        );
        let rb = get_json("rolebinding", "spaces-argocd-plugin", Some(&argo)).expect("RoleBinding");
        assert_eq!(rb["subjects"][0]["namespace"], rel.as_str());
        let before = (
            rv("role", "spaces-argocd-plugin", &argo),
            rv("rolebinding", "spaces-argocd-plugin", &argo),
        );
        // --no-hooks: the chart's pre-upgrade Job never completes on a server without nodes.
        h.ok(&spaces_args(&h, "upgrade", &rel, &on, &["--no-hooks"]));
        let after = (
            rv("role", "spaces-argocd-plugin", &argo),
            rv("rolebinding", "spaces-argocd-plugin", &argo),
        );
        assert_eq!(
            before, after,
            "a same-values upgrade changed the generated objects"
        );
        h.ok(&spaces_args(&h, "upgrade", &rel, &ext, &["--no-hooks"]));
        assert!(
            get_json("role", "spaces-argocd-plugin", Some(&argo)).is_none(),
            "writer Role removed"
        );
        let reader = get_json("role", "spaces-argocd-kubeconfig-reader", Some(&rel))
            .expect("reader appears");
        assert_eq!(reader["rules"][0]["resourceNames"][0], "my-argo-cluster");
        assert!(get_json("rolebinding", "spaces-argocd-kubeconfig-reader", Some(&rel)).is_some());
        h.ok(&spaces_args(&h, "upgrade", &rel, &off, &["--no-hooks"]));
        for (k, n, ns) in [
            ("role", "spaces-argocd-kubeconfig-reader", &rel),
            ("rolebinding", "spaces-argocd-kubeconfig-reader", &rel),
            ("role", "spaces-argocd-plugin", &argo),
            ("rolebinding", "spaces-argocd-plugin", &argo),
        ] {
            assert!(
                get_json(k, n, Some(ns)).is_none(),
                "{k} {ns}/{n} must be gone with the plugin off"
            );
        }
        h.ok(&spaces_args(&h, "upgrade", &rel, &on, &["--no-hooks"]));
        assert!(
            get_json("role", "spaces-argocd-plugin", Some(&argo)).is_some(),
            "writer back"
        );
        h.ok(&["uninstall", "spaces", "-n", &rel]);
        assert!(get_json("role", "spaces-argocd-plugin", Some(&argo)).is_none());
        assert!(get_json("deployment", "spaces-controller", Some(&rel)).is_none());
    });
}

#[test]
fn objects_applied_by_kubectl_are_adopted_only_with_take_ownership() {
    for_each_helm(|name| {
        let h = Helm::new(name);
        let s = server();
        let (rel, argo) = (s.namespace("rel"), s.namespace("argo"));
        let on = h.write("on.yaml", &values(&argo, false, true));
        let generated = crate::kube::generate(&[
            "generate",
            "-f",
            &on.display().to_string(),
            "--controller-service-account",
            &format!("{rel}/spaces-controller"),
        ]);
        kubectl_ok(&["apply", "-f", "-"], generated.as_bytes());
        let out = h.run(&spaces_args(&h, "install", &rel, &on, &[]));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(&format!("Role \"spaces-argocd-plugin\" in namespace \"{argo}\" exists and cannot be imported into the current release: invalid ownership metadata")),
            "install without --take-ownership must be refused: {}",
            output_text(&out)
        );
        h.ok(&spaces_args(
            &h,
            "install",
            &rel,
            &on,
            &["--take-ownership"],
        ));
        let role = get_json("role", "spaces-argocd-plugin", Some(&argo)).expect("adopted Role");
        assert_eq!(
            role["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "Helm"
        );
        assert_eq!(
            role["metadata"]["annotations"]["meta.helm.sh/release-name"],
            "spaces"
        );
        h.ok(&["uninstall", "spaces", "-n", &rel]);
        assert!(
            get_json("role", "spaces-argocd-plugin", Some(&argo)).is_none(),
            "adopted objects leave with the release"
        );
    });
}

/// A chart shaped like external-secrets: objects in `namespaceOverride`, else the release's.
fn eso_chart(h: &Helm) -> String {
    h.write(
        "eso/Chart.yaml",
        "apiVersion: v2\nname: external-secrets\nversion: 0.10.0\n",
    );
    h.write("eso/templates/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: external-secrets\n  namespace: {{ .Values.namespaceOverride | default .Release.Namespace }}\n");
    h.write("eso/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: external-secrets-settings\n  namespace: {{ .Values.namespaceOverride | default .Release.Namespace }}\ndata:\n  a: \"1\"\n");
    h.path("eso").display().to_string()
}

fn eso_args(h: &Helm, verb: &str, rel: &str, eso: &str, on: bool, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec![
        verb.into(),
        "eso".into(),
        eso_chart(h),
        "-n".into(),
        rel.into(),
    ];
    a.extend(h.post_renderer(&[
        "--target=control-plane",
        &format!("--set=features.alpha.eso.enabled={on}"),
        &format!("--set=features.alpha.eso.namespace={eso}"),
    ]));
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn stderr_has(out: &std::process::Output, text: &str) {
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains(text),
        "must fail with {text:?}: {}",
        output_text(out)
    );
}

#[test]
fn eso_namespace_routes_on_every_helm() {
    for_each_helm(|name| {
        let h = Helm::new(name);
        let s = server();
        // Release elsewhere, objects in the absent ESO namespace: the Namespace must come first.
        let (rel, eso) = (s.namespace("rel"), unique("eso"));
        let override_ = format!("--set=namespaceOverride={eso}");
        h.ok(&eso_args(&h, "install", &rel, &eso, true, &[&override_]));
        let ns = get_json("namespace", &eso, None).expect("ESO Namespace");
        assert_eq!(
            ns["metadata"]["annotations"]["helm.sh/resource-policy"],
            "keep"
        );
        assert!(get_json("serviceaccount", "external-secrets", Some(&eso)).is_some());
        // eso turned off: the kept Namespace stays; so after uninstall.
        h.ok(&eso_args(&h, "upgrade", &rel, &eso, false, &[&override_]));
        assert!(
            get_json("namespace", &eso, None).is_some(),
            "keep survives an upgrade that turns eso off"
        );
        h.ok(&["uninstall", "eso", "-n", &rel]);
        let ns = get_json("namespace", &eso, None).expect("keep survives uninstall");
        assert_eq!(ns["status"]["phase"], "Active");

        // The namespace already exists (the Space made it), release in it: refused, then adopted.
        let eso = s.namespace("eso");
        let out = h.run(&eso_args(&h, "install", &eso, &eso, true, &[]));
        stderr_has(&out, &format!("Namespace \"{eso}\" in namespace \"\" exists and cannot be imported into the current release: invalid ownership metadata"));
        h.ok(&eso_args(
            &h,
            "install",
            &eso,
            &eso,
            true,
            &["--take-ownership"],
        ));
        let ns = get_json("namespace", &eso, None).expect("adopted");
        assert_eq!(
            ns["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "Helm"
        );

        // Release namespace = ESO namespace, absent, no --create-namespace: Helm stores the
        // release there first and fails, with or without this tool.
        let eso = unique("eso");
        stderr_has(
            &h.run(&eso_args(&h, "install", &eso, &eso, true, &[])),
            &format!("create: failed to create: namespaces \"{eso}\" not found"),
        );
        stderr_has(
            &h.run(&["install", "eso", &eso_chart(&h), "-n", &eso]),
            &format!("create: failed to create: namespaces \"{eso}\" not found"),
        );

        // ... with --create-namespace: Helm 4 works; Helm 3.17.3 creates the namespace itself
        // and then fails creating the generated one, even with --take-ownership.
        let eso = unique("eso");
        let out = h.run(&eso_args(
            &h,
            "install",
            &eso,
            &eso,
            true,
            &["--create-namespace"],
        ));
        if h.is_helm4() {
            assert!(out.status.success(), "{}", output_text(&out));
            h.ok(&["uninstall", "eso", "-n", &eso]);
            assert!(
                get_json("namespace", &eso, None).is_some(),
                "keep survives uninstall"
            );
        } else {
            stderr_has(&out, &format!("namespaces \"{eso}\" already exists"));
            let eso = unique("eso");
            stderr_has(
                &h.run(&eso_args(
                    &h,
                    "install",
                    &eso,
                    &eso,
                    true,
                    &["--create-namespace", "--take-ownership"],
                )),
                &format!("namespaces \"{eso}\" already exists"),
            );
        }
    });
}

/// `helm template | spaces-postrender --target control-plane | kubectl apply -f -` on a fresh
/// namespace: the generated Namespace must precede the objects in it.
#[test]
fn template_postrender_kubectl_apply_on_a_fresh_namespace() {
    let h = Helm::new("helm3");
    let eso = unique("eso");
    let rendered = h.ok(&["template", "eso", &eso_chart(&h), "-n", &eso]);
    let out = common::run_cmd(
        std::process::Command::new(common::bin()).args([
            "--target",
            "control-plane",
            "--set",
            "features.alpha.eso.enabled=true",
            "--set",
            &format!("features.alpha.eso.namespace={eso}"),
        ]),
        rendered.as_bytes(),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    kubectl_ok(&["apply", "-f", "-"], &out.stdout);
    let again = kubectl_ok(&["apply", "-f", "-"], &out.stdout);
    assert!(again.lines().all(|l| l.ends_with(" unchanged")), "{again}");
}
