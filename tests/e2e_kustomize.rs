//! The kustomize legacy exec plugin, run by the real `kubectl kustomize --enable-alpha-plugins`
//! of kubectl 1.35.2 (kustomize 5.7.1) and kubectl 1.31 (kustomize 5.4.2), installed by
//! `.ci/install-tools.sh`. Never skipped: a missing tool fails the test.

mod integrations_support;

use integrations_support::*;
use std::path::Path;
use std::process::Command;

const KUBECTLS: [&str; 2] = ["kubectl135", "kubectl131"];

/// Install the plugin with the project's own command into a fresh plugin home.
fn install(home: &Path, copy: bool) {
    let mut cmd = Command::new(BIN);
    cmd.args(["install-kustomize-plugin", "--plugin-home"])
        .arg(home);
    if copy {
        cmd.arg("--copy");
    }
    let out = run(&mut cmd, b"");
    let printed = out.ok("install-kustomize-plugin").trim().to_string();
    let want = home.join("spaces-postrender.dev/v1alpha1/spacespostrender/SpacesPostRender");
    assert_eq!(Path::new(&printed), want);
    assert!(want.exists(), "{} missing", want.display());
}

fn kustomize(kubectl: &str, home: &Path, dir: &Path) -> Out {
    let mut cmd = Command::new(tool(kubectl));
    cmd.args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", home)
        .env_remove("HELM_PLUGIN_NAME")
        // Run from elsewhere: valuesFiles must resolve against the kustomization directory.
        .current_dir(std::env::temp_dir());
    run(&mut cmd, b"")
}

const CONFIG: &str = "\
apiVersion: spaces-postrender.dev/v1alpha1
kind: SpacesPostRender
metadata:
  name: spaces
valuesFiles:
- values.yaml
values:
  features:
    alpha:
      argocdPlugin:
        target:
          secretNamespace: argocd
";

const VALUES: &str = "\
# the user's Spaces values file: only features.alpha.* is read
ingress:
  host: proxy.example.com
features:
  alpha:
    argocdPlugin:
      enabled: true
";

fn kustomization(dir: &Path, resources: &[&str], config: &str) {
    let mut k = String::from("resources:\n");
    for r in resources {
        k.push_str(&format!("- {r}\n"));
    }
    k.push_str("transformers:\n- spaces-postrender.yaml\n");
    write(&dir.join("kustomization.yaml"), &k);
    write(&dir.join("spaces-postrender.yaml"), config);
    write(&dir.join("values.yaml"), VALUES);
}

const ORIGINAL: [&str; 3] = [
    "ConfigMap upbound-system/spaces-config",
    "Deployment upbound-system/spaces-controller",
    "ServiceAccount upbound-system/spaces-controller",
];

#[test]
fn exec_plugin_adds_rbac_and_keeps_every_object() {
    for kubectl in KUBECTLS {
        let home = tempdir();
        install(home.path(), kubectl == "kubectl131");
        let work = tempdir();
        let dir = work.path().join("base");
        let input = std::fs::read_to_string(root().join("fixtures/input/spaces.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        write(&dir.join("spaces.yaml"), &input);
        kustomization(&dir, &["spaces.yaml"], CONFIG);

        let first = kustomize(kubectl, home.path(), &dir);
        let first = first.ok(&format!("{kubectl} kustomize")).to_string();
        let names = kind_names(&first);
        let mut want: Vec<String> = ORIGINAL.iter().map(|s| s.to_string()).collect();
        want.push("Role argocd/spaces-argocd-plugin".into());
        want.push("RoleBinding argocd/spaces-argocd-plugin".into());
        want.sort();
        assert_eq!(
            names, want,
            "{kubectl}: every original object and the generated ones"
        );
        assert!(
            !first.contains("kustomize.config.k8s.io/id"),
            "{kubectl}: kustomize strips its id annotation from what the plugin returned"
        );
        for o in objects(&first) {
            let generated = o["metadata"]["labels"]["spaces-postrender.dev/generated"] == "true";
            assert_eq!(
                generated,
                o["kind"].as_str().is_some_and(|k| k.starts_with("Role")),
                "{kubectl}: marker label only on generated objects: {o}"
            );
        }
        let binding = objects(&first)
            .into_iter()
            .find(|o| o["kind"] == "RoleBinding")
            .unwrap_or_default();
        assert_eq!(
            binding["subjects"][0]["namespace"], "upbound-system",
            "{kubectl}: the subject comes from the spaces-controller Deployment"
        );

        // Second run over the first run's output: nothing is added, nothing changes.
        let again = work.path().join("again");
        write(&again.join("all.yaml"), &first);
        kustomization(&again, &["all.yaml"], CONFIG);
        let second = kustomize(kubectl, home.path(), &again);
        assert_eq!(
            second.ok(&format!("{kubectl} kustomize (second run)")),
            first,
            "{kubectl}: a second run must add nothing"
        );
    }
}

#[test]
fn bad_config_fails_the_build_with_our_message() {
    let bad = CONFIG.replace(
        "          secretNamespace: argocd\n",
        "          secretNamespace: argocd\n        enabled: \"true\"\n",
    );
    for kubectl in KUBECTLS {
        let home = tempdir();
        install(home.path(), false);
        let work = tempdir();
        let dir = work.path().join("base");
        write(
            &dir.join("spaces.yaml"),
            &std::fs::read_to_string(root().join("fixtures/input/spaces.yaml")).unwrap_or_default(),
        );
        kustomization(&dir, &["spaces.yaml"], &bad);
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0, "{kubectl}: the build must fail");
        assert!(
            out.stdout.is_empty(),
            "{kubectl}: nothing on stdout: {}",
            out.stdout
        );
        for want in [
            "error[wrong-type] features.alpha.argocdPlugin.enabled (SpacesPostRender spaces: values.features.alpha.argocdPlugin.enabled): expected a boolean (true or false), got the string \"true\"",
            "help: write true without quotes under values: in SpacesPostRender spaces",
            "spaces-postrender: 1 error, 0 warnings; no manifests were written",
        ] {
            assert!(out.stderr.contains(want), "{kubectl}: missing {want:?} in:\n{}", out.stderr);
        }

        // A typo in the config object itself, and a values file that is not there.
        let typo = CONFIG.replace("valuesFiles:", "valuesFile:");
        kustomization(&dir, &["spaces.yaml"], &typo);
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0);
        assert!(
            out.stderr
                .contains("unknown field `valuesFile` in SpacesPostRender spaces")
                && out.stderr.contains("did you mean `valuesFiles`?"),
            "{kubectl}: {}",
            out.stderr
        );
        let missing = CONFIG.replace("- values.yaml", "- missing.yaml");
        kustomization(&dir, &["spaces.yaml"], &missing);
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0);
        assert!(
            out.stderr.contains("cannot read values file missing.yaml"),
            "{kubectl}: {}",
            out.stderr
        );
    }
}

#[test]
fn conflicting_object_fails_the_build() {
    let role = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: spaces-argocd-plugin
  namespace: argocd
rules: []
";
    let kubectl = "kubectl135";
    let home = tempdir();
    install(home.path(), false);
    let work = tempdir();
    let dir = work.path().join("base");
    write(&dir.join("role.yaml"), role);
    kustomization(&dir, &["role.yaml"], CONFIG);
    let out = kustomize(kubectl, home.path(), &dir);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("error[conflict]")
            && out
                .stderr
                .contains("the input already has Role argocd/spaces-argocd-plugin"),
        "{}",
        out.stderr
    );
}

#[test]
fn set_entries_work_as_helm_set_flags() {
    // The reference document's external-cluster flags, copied unchanged into `set:`.
    let config = "\
apiVersion: spaces-postrender.dev/v1alpha1
kind: SpacesPostRender
metadata:
  name: spaces
set:
- features.alpha.argocdPlugin.enabled=true
- features.alpha.argocdPlugin.target.secretNamespace=argocd
- features.alpha.argocdPlugin.target.externalCluster.enabled=true
- features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster
- features.alpha.argocdPlugin.target.externalCluster.secret.key=kubeconfig
";
    for kubectl in KUBECTLS {
        let home = tempdir();
        install(home.path(), false);
        let work = tempdir();
        let dir = work.path().join("base");
        write(
            &dir.join("spaces.yaml"),
            &std::fs::read_to_string(root().join("fixtures/input/spaces.yaml")).unwrap_or_default(),
        );
        kustomization(&dir, &["spaces.yaml"], config);
        let out = kustomize(kubectl, home.path(), &dir);
        let text = out.ok(&format!("{kubectl} kustomize with set:"));
        let reader = objects(text)
            .into_iter()
            .find(|o| o["kind"] == "Role")
            .unwrap_or_default();
        assert_eq!(
            reader["metadata"]["name"], "spaces-argocd-kubeconfig-reader",
            "{kubectl}"
        );
        assert_eq!(
            reader["metadata"]["namespace"], "upbound-system",
            "{kubectl}"
        );
        assert_eq!(
            reader["rules"][0]["resourceNames"][0], "my-argo-cluster",
            "{kubectl}"
        );
        assert_eq!(
            kind_names(text).len(),
            5,
            "{kubectl}: {:?}",
            kind_names(text)
        );
    }
}
