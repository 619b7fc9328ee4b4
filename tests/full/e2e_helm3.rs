//! End to end with the real Helm 3.17.3 (installed by .ci/install-tools.sh; never skipped):
//! `helm template --post-renderer` pointing at the built binary.

use crate::common;
use common::{bin, root, tools};
use std::process::{Command, Output};

fn helm3(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(tools().join("helm3"));
    cmd.args(args)
        .current_dir(root())
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env_remove("HELM_PLUGIN_NAME");
    cmd.output().expect("run helm3")
}

const CHART: &str = "tests/fixtures-helm/spaces-chart";

fn post_renderer_args(flags: &[&str]) -> Vec<String> {
    let mut v = vec!["--post-renderer".to_string(), bin().display().to_string()];
    for f in flags {
        v.push(format!("--post-renderer-args={f}"));
    }
    v
}

fn template(extra: &[String]) -> Output {
    let mut args: Vec<String> = vec![
        "template".into(),
        "spaces".into(),
        CHART.into(),
        "-n".into(),
        "upbound-system".into(),
    ];
    args.extend(extra.iter().cloned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    helm3(&refs)
}

/// Split Helm's output into documents, dropping Helm's own trailing newline differences.
fn docs(s: &str) -> Vec<String> {
    s.split("\n---\n")
        .map(|d| d.trim_start_matches("---\n").trim_end().to_string())
        .filter(|d| !d.is_empty())
        .collect()
}

#[test]
fn helm_version_is_the_pinned_one() {
    let out = helm3(&["version", "--short"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("v3.17.3"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn reference_document_flags_add_exactly_the_argocd_rbac() {
    let plain = template(&[]);
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let rendered = template(&post_renderer_args(&[
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.namespace=argocd",
    ]));
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let plain = String::from_utf8_lossy(&plain.stdout).to_string();
    let out = String::from_utf8_lossy(&rendered.stdout).to_string();
    // Every original document is there, unchanged and in order; the generated ones follow the
    // release's manifests. Helm 3 gives a post-renderer no hooks and prints them last, so the
    // chart's pre-upgrade Job comes after the generated documents, untouched.
    let (p, o) = (docs(&plain), docs(&out));
    let added: Vec<String> = o.iter().filter(|d| !p.contains(d)).cloned().collect();
    let kept: Vec<String> = o.iter().filter(|d| p.contains(d)).cloned().collect();
    assert_eq!(kept, p, "the chart's documents changed:\n{out}");
    assert!(
        o.last()
            .is_some_and(|d| d.contains("helm.sh/hook: pre-upgrade")),
        "the hook is last, as Helm 3 prints it:\n{out}"
    );
    let added = &added[..];
    common::golden(
        "golden/e2e/helm3-reference-flags.yaml",
        (added.join("\n---\n") + "\n").as_bytes(),
    );
    assert_eq!(added.len(), 2);
    assert!(
        added[0].starts_with("# Source: spaces-postrender/space/role-spaces-argocd-plugin.yaml")
    );
    assert!(added[1].contains("subjects:\n- kind: ServiceAccount\n  name: \"spaces-controller\"\n  namespace: \"upbound-system\""));
    // The docs' command names the namespace as the chart reads it (secretNamespace): the same
    // output.
    let documented = template(&post_renderer_args(&[
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.secretNamespace=argocd",
    ]));
    assert!(
        documented.status.success(),
        "{}",
        String::from_utf8_lossy(&documented.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&documented.stdout), out);
}

#[test]
fn values_file_through_post_renderer_args() {
    let out = template(&post_renderer_args(&[
        "-f",
        "fixtures/values/argocd-external.yaml",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("# Source: spaces-postrender/space/role-spaces-argocd-kubeconfig-reader.yaml")
    );
    assert!(s.contains("resourceNames: [\"my-argo-cluster\"]"));
    assert!(
        !s.contains("role-spaces-argocd-plugin.yaml"),
        "on-cluster Role must not appear for an external Argo CD"
    );
}

#[test]
fn show_only_still_works() {
    let mut args = post_renderer_args(&["--set", "features.alpha.argocdPlugin.enabled=true"]);
    args.extend(["--show-only".into(), "templates/deployment.yaml".into()]);
    let out = template(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with("---\n# Source: spaces/templates/deployment.yaml\n"),
        "{s}"
    );
    assert_eq!(
        s.matches("\n---").count() + usize::from(s.starts_with("---")),
        1,
        "only one document: {s}"
    );
    // A generated document can be shown too: Helm matches --show-only against the Source path
    // without its first segment, so `spaces-postrender/space/x.yaml` is `space/x.yaml`.
    let mut args = post_renderer_args(&["--set", "features.alpha.argocdPlugin.enabled=true"]);
    args.extend([
        "--show-only".into(),
        "space/role-spaces-argocd-plugin.yaml".into(),
    ]);
    let out = template(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Role"));
}

#[test]
fn bad_values_fail_helm_with_our_message() {
    let out = template(&post_renderer_args(&[
        "--set-string",
        "features.alpha.argocdPlugin.enabled=true",
    ]));
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "helm printed a release despite the failure"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error while running post render"), "{err}");
    assert!(
        err.contains("error[wrong-type] features.alpha.argocdPlugin.enabled (--set-string argument 1): expected a boolean (true or false), got the string \"true\""),
        "{err}"
    );
}

#[test]
fn features_off_pass_the_release_through_unchanged() {
    let plain = template(&[]);
    let out = template(&post_renderer_args(&[
        "-f",
        "tests/fixtures-helm/spaces-chart/values.yaml",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&plain.stdout)
    );
}

/// A ConfigMap of the chart that carries the marker label but is not an object the tool
/// generates reaches the release through the real Helm 3, with the features off and on (it was
/// deleted before: integrity issue, defect 1).
#[test]
fn a_marker_labelled_chart_object_survives_helm3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = dir.path().join("chart");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(root().join(CHART))
        .arg(&chart)
        .status()
        .expect("cp");
    assert!(copy.success());
    std::fs::write(
        chart.join("templates/marked.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-me\n  labels:\n    spaces-postrender.dev/generated: \"true\"\ndata:\n  a: b\n",
    )
    .expect("write template");
    let chart = chart.display().to_string();
    for flags in [
        &[][..],
        &["--set", "features.alpha.argocdPlugin.enabled=true"][..],
    ] {
        let mut args = vec![
            "template".to_string(),
            "spaces".into(),
            chart.clone(),
            "-n".into(),
            "upbound-system".into(),
        ];
        args.extend(post_renderer_args(flags));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = helm3(&refs);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("name: keep-me"),
            "{flags:?}: the marker-labelled ConfigMap was dropped:\n{stdout}"
        );
    }
}

/// A misspelt flag of a key the tool acts on fails the release with the did-you-mean message
/// (Helm 3 shows a failing post-renderer's stderr; a warning on success it never shows).
#[test]
fn a_misspelt_key_fails_helm3_with_did_you_mean() {
    let out = template(&post_renderer_args(&[
        "--set",
        "features.alpha.argocdplugin.enabled=true",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "helm must fail: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("error[misspelt-key] features.alpha.argocdplugin")
            && stderr.contains("did you mean `argocdPlugin`?"),
        "{stderr}"
    );
}

/// `target.namespace` alone and different from the effective secretNamespace: the chart's
/// plugin would write to `argocd` while the RBAC landed in `gitops`. Helm 3 prints a
/// post-renderer's stderr only when it fails, so it must fail, naming the flag to set.
#[test]
fn target_namespace_alone_and_different_fails_the_install_naming_secret_namespace() {
    let out = template(&post_renderer_args(&[
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.namespace=gitops",
    ]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "helm accepted it:\n{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains("--set features.alpha.argocdPlugin.target.secretNamespace=gitops"),
        "Helm 3 does not show the flag to set:\n{err}"
    );
}
