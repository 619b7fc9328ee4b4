//! The kustomize legacy exec plugin, run by the real `kubectl kustomize --enable-alpha-plugins`
//! of every kubectl there is here (`common::kubectls`): this machine's kubectl 1.27-1.33 and
//! `/usr/bin/kubectl` (google-cloud-cli; kustomize 5.0.1-5.6.0) and the pinned 1.31, 1.35 and
//! 1.36 installed by `.ci/install-tools.sh` (kustomize 5.4.2, 5.7.1, 5.8.1). Never skipped: a
//! missing tool fails the test.

use crate::common;

use common::e2e::*;
use common::Kubectl;
use std::path::Path;
use std::process::Command;

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

/// `kubectl kustomize --enable-alpha-plugins DIR` with the plugin home `home`, run from
/// elsewhere (valuesFiles must resolve against the kustomization directory). kustomize writes
/// each exec plugin's config to `$TMPDIR/kust-plugin-config-*` and leaves it there, so its
/// TMPDIR is a directory of the test's own, removed after the run.
fn kustomize_cmd(kubectl: &Kubectl, home: &Path, dir: &Path, tmp: &Path) -> Command {
    let mut cmd = Command::new(&kubectl.path);
    cmd.args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", home)
        .env("TMPDIR", tmp)
        .env_remove("HELM_PLUGIN_NAME")
        .current_dir(std::env::temp_dir());
    cmd
}

fn kustomize(kubectl: &Kubectl, home: &Path, dir: &Path) -> Out {
    let tmp = tempfile::tempdir().expect("tempdir");
    run(&mut kustomize_cmd(kubectl, home, dir, tmp.path()), b"")
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
    for (i, kubectl) in common::kubectls().iter().enumerate() {
        let home = tempdir();
        // Half of them run a copy of the binary, half a symlink to it.
        install(home.path(), i % 2 == 1);
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
    for kubectl in &common::kubectls() {
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
            out.stderr.contains(
                "valuesFiles[0] \"missing.yaml\" is not a file inside the kustomization root"
            ),
            "{kubectl}: {}",
            out.stderr
        );
        // A values file outside the kustomization root: refused like kustomize's own
        // LoadRestrictionsRootOnly, with the answer an absent file gets.
        write(&work.path().join("outside.yaml"), VALUES);
        let outside = CONFIG.replace("- values.yaml", "- ../outside.yaml");
        kustomization(&dir, &["spaces.yaml"], &outside);
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0, "{kubectl}: {}", out.stdout);
        assert!(out.stdout.is_empty(), "{kubectl}: {}", out.stdout);
        assert!(
            out.stderr.contains("error[path-refused] (SpacesPostRender spaces: valuesFiles[0]): valuesFiles[0] \"../outside.yaml\" is not a file inside the kustomization root"),
            "{kubectl}: {}",
            out.stderr
        );
        // Whoever runs the build may lift the rule, as with --load-restrictor.
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut cmd = kustomize_cmd(kubectl, home.path(), &dir, tmp.path());
        cmd.env("SPACES_POSTRENDER_LOAD_RESTRICTOR", "LoadRestrictionsNone");
        let out = run(&mut cmd, b"");
        assert!(
            out.ok(&format!("{kubectl} with LoadRestrictionsNone"))
                .contains("kind: RoleBinding"),
            "{kubectl}"
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
    let home = tempdir();
    install(home.path(), false);
    for kubectl in &common::kubectls() {
        let work = tempdir();
        let dir = work.path().join("base");
        write(&dir.join("role.yaml"), role);
        kustomization(&dir, &["role.yaml"], CONFIG);
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0, "{}", kubectl.label);
        assert!(
            out.stderr.contains("error[conflict]")
                && out
                    .stderr
                    .contains("the input already has Role argocd/spaces-argocd-plugin"),
            "{}: {}",
            kubectl.label,
            out.stderr
        );
    }
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
    for kubectl in &common::kubectls() {
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

/// The diagnostics the plugin prints for the quoted boolean of `bad_config_error_format...`.
const WRONG_TYPE: &str = "\
error[wrong-type] features.alpha.argocdPlugin.enabled (SpacesPostRender spaces: values.features.alpha.argocdPlugin.enabled): expected a boolean (true or false), got the string \"true\"
  help: write true without quotes under values: in SpacesPostRender spaces
spaces-postrender: 1 error, 0 warnings; no manifests were written
";

/// kubectl's stderr with what changes from run to run replaced: the temporary config file
/// (`via /tmp/kust-plugin-config-123;` -> `via CONFIG;`) and klog's header
/// (`E1201 23:17:10.493834   13658 run.go:72] ` -> `E run.go] `).
fn normalize(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.split_inclusive('\n') {
        let mut line = line.to_string();
        if let (Some(a), Some(b)) = (line.find("via "), line.find("kust-plugin-config-")) {
            if let Some(end) = line[b..].find(';') {
                line.replace_range(a + 4..b + end, "CONFIG");
            }
        }
        if line.starts_with('E') {
            if let Some(i) = line.find("] \"command failed\"") {
                line.replace_range(..i + 2, "E run.go] ");
            }
        }
        out.push_str(&line);
    }
    out
}

#[test]
fn bad_config_error_format_by_kustomize_version() {
    // How each kubectl shows a failing exec plugin (for docs/kustomize.md), pinned:
    // - kustomize < 5.4 (kubectl 1.27-1.30: 5.0.x) streams the plugin's stderr as it comes and
    //   then fails with `failure in plugin ...; exit status 1: exit status 1`;
    // - kustomize >= 5.4 (api v0.17, kustomize commit 9546529f1 "Include plugin `stderr` with
    //   wrapped error") puts the plugin's stderr in front of the error it returns;
    // - google-cloud-cli's /usr/bin/kubectl dispatcher logs that error through klog, each line
    //   indented by a tab.
    let bad = CONFIG.replace(
        "          secretNamespace: argocd\n",
        "          secretNamespace: argocd\n        enabled: \"true\"\n",
    );
    let home = tempdir();
    install(home.path(), false);
    let work = tempdir();
    let dir = work.path().join("base");
    write(
        &dir.join("spaces.yaml"),
        &std::fs::read_to_string(root().join("fixtures/input/spaces.yaml")).unwrap_or_default(),
    );
    kustomization(&dir, &["spaces.yaml"], &bad);
    let mut seen = [false; 3];
    for kubectl in &common::kubectls() {
        let out = kustomize(kubectl, home.path(), &dir);
        assert_ne!(out.code, 0, "{kubectl}");
        let want = if kubectl.is_dispatcher() {
            seen[2] = true;
            let mut w = String::from("E run.go] \"command failed\" err=<\n");
            for l in WRONG_TYPE.lines() {
                w.push_str(&format!("\t{l}\n"));
            }
            w.push_str("\t: failure in plugin configured via CONFIG; exit status 1 \n >\n");
            w
        } else if kubectl.streams_plugin_stderr() {
            seen[0] = true;
            format!("{WRONG_TYPE}error: failure in plugin configured via CONFIG; exit status 1: exit status 1 \n")
        } else {
            seen[1] = true;
            format!(
                "error: {WRONG_TYPE}: failure in plugin configured via CONFIG; exit status 1 \n"
            )
        };
        assert_eq!(
            normalize(&out.stderr),
            want,
            "{kubectl}: raw stderr:\n{}",
            out.stderr
        );
    }
    assert_eq!(seen, [true; 3], "every format was exercised");
}

#[test]
fn every_kubectl_is_here() {
    // Eleven kubectls, kustomize 5.0.1 to 5.8.1; a missing one fails in common::kubectls.
    let all = common::kubectls();
    let labels: Vec<String> = all.iter().map(|k| k.label.clone()).collect();
    assert_eq!(all.len(), 11, "{labels:#?}");
    assert!(
        all.iter().any(Kubectl::streams_plugin_stderr)
            && all.iter().any(|k| !k.streams_plugin_stderr()),
        "both kustomize families: {labels:#?}"
    );
    println!("{}", labels.join("\n"));
}
