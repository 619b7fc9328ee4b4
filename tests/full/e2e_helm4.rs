//! The Helm 4 post-renderer plugin (`plugin/`), installed by `plugin/install.sh` into a
//! temporary HELM_DATA_HOME and run by the real Helm v4.1.4 from `.ci/install-tools.sh`.
//! Never skipped: a missing tool fails the test.

use crate::common;

use common::e2e::*;
use std::path::PathBuf;
use std::process::Command;

/// Every Helm 4 the tests run: v4.1.4 and v4.2.3.
const HELM4S: [&str; 2] = ["helm4", "helm42"];

/// A Helm 4 with its own homes and the plugin installed from a copy of `plugin/`.
struct Helm4 {
    /// The tool name of the Helm 4 binary (`helm4` = v4.1.4, `helm42` = v4.2.3).
    helm: &'static str,
    _homes: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    cache: PathBuf,
    work: PathBuf,
    /// PATH for Helm and its plugin, when not the caller's.
    path: Option<String>,
}

impl Helm4 {
    /// Fresh homes, and a copy of the plugin directory as a user has it after a checkout
    /// (no bin/): the Helm 4 and the plugin directory.
    fn fresh(helm: &'static str) -> (Helm4, PathBuf) {
        let homes = tempdir();
        let base = homes.path().to_path_buf();
        let h = Helm4 {
            helm,
            data: base.join("data"),
            config: base.join("config"),
            cache: base.join("cache"),
            work: base.join("work"),
            path: None,
            _homes: homes,
        };
        std::fs::create_dir_all(&h.work).unwrap_or_else(|e| panic!("{e}"));
        let plugin = base.join("spaces-postrender");
        std::fs::create_dir_all(&plugin).unwrap_or_else(|e| panic!("{e}"));
        for f in ["plugin.yaml", "install.sh", "run"] {
            std::fs::copy(root().join("plugin").join(f), plugin.join(f))
                .unwrap_or_else(|e| panic!("plugin/{f}: {e}"));
        }
        (h, plugin)
    }

    fn with_plugin(helm: &'static str) -> Helm4 {
        let (h, plugin) = Helm4::fresh(helm);
        let mut cmd = Command::new("bash");
        cmd.arg(plugin.join("install.sh"))
            .env("HELM", tool(helm))
            .env("SPACES_POSTRENDER_BIN", BIN);
        h.envs(&mut cmd);
        let out = run(&mut cmd, b"");
        let text = out.ok("plugin/install.sh").to_string();
        assert!(
            text.contains("Installed plugin: spaces-postrender"),
            "install.sh output: {text}\n{}",
            out.stderr
        );
        assert!(plugin.join("bin/spaces-postrender").is_file());
        // Running it again (an upgrade) works too.
        let mut again = Command::new("bash");
        again
            .arg(plugin.join("install.sh"))
            .env("HELM", tool(helm))
            .env("SPACES_POSTRENDER_BIN", BIN);
        h.envs(&mut again);
        run(&mut again, b"").ok("plugin/install.sh (again)");
        h
    }

    fn envs(&self, cmd: &mut Command) {
        cmd.env("HELM_DATA_HOME", &self.data)
            .env("HELM_CONFIG_HOME", &self.config)
            .env("HELM_CACHE_HOME", &self.cache)
            .env_remove("HELM_PLUGINS")
            .env_remove("HELM_PLUGIN_NAME")
            .env_remove("HELM_NAMESPACE")
            .current_dir(&self.work);
        if let Some(p) = &self.path {
            cmd.env("PATH", p);
        }
    }

    fn template(&self, post_renderer_args: &[&str]) -> Out {
        let mut cmd = Command::new(tool(self.helm));
        cmd.args(["template", "spaces"]).arg(chart()).args([
            "--namespace",
            "upbound-system",
            "--post-renderer",
            "spaces-postrender",
        ]);
        for a in post_renderer_args {
            cmd.arg(format!("--post-renderer-args={a}"));
        }
        self.envs(&mut cmd);
        run(&mut cmd, b"")
    }

    fn values(&self, name: &str, text: &str) -> PathBuf {
        let p = self.work.join(name);
        write(&p, text);
        p
    }
}

fn sources(stream: &str) -> Vec<String> {
    let mut v: Vec<String> = stream
        .lines()
        .filter_map(|l| l.strip_prefix("# Source: "))
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

const CHART_SOURCES: [&str; 4] = [
    "spaces/templates/configmap.yaml",
    "spaces/templates/deployment.yaml",
    "spaces/templates/pre-upgrade-job.yaml",
    "spaces/templates/serviceaccount.yaml",
];

fn assert_generated(out: &str, generated: &[&str]) {
    let mut want: Vec<String> = CHART_SOURCES.iter().map(|s| s.to_string()).collect();
    want.extend(generated.iter().map(|s| s.to_string()));
    want.sort();
    assert_eq!(
        sources(out),
        want,
        "every chart object and the generated ones, by stable name:\n{out}"
    );
    assert!(
        !out.contains("generated-by-postrender"),
        "no unnamed documents:\n{out}"
    );
    assert!(
        !out.contains("postrenderer.helm.sh/postrender-filename"),
        "Helm removes its annotation:\n{out}"
    );
}

#[test]
fn plugin_generates_rbac_with_set_flags_from_the_reference_document() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let out = h.template(&[
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "features.alpha.argocdPlugin.target.namespace=argocd",
        ]);
        let text = out.ok("helm4 template --post-renderer spaces-postrender --set ...");
        assert_generated(
            text,
            &[
                "spaces-postrender/space/role-spaces-argocd-plugin.yaml",
                "spaces-postrender/space/rolebinding-spaces-argocd-plugin.yaml",
            ],
        );
        // Helm 4 writes each document's `# Source:` from the annotation; ours must not double it.
        for doc in text.split("\n---\n") {
            assert!(
                doc.matches("# Source: ").count() <= 1,
                "a document with two Source lines:\n{doc}"
            );
        }
        let names = kind_names(text);
        assert!(
            names.contains(&"Role argocd/spaces-argocd-plugin".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"RoleBinding argocd/spaces-argocd-plugin".to_string()),
            "{names:?}"
        );
    }
}

#[test]
fn plugin_reads_a_values_file_external_cluster() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let v = h.values(
            "values.yaml",
            "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n      target:\n        namespace: argocd\n        externalCluster:\n          enabled: true\n          secret:\n            name: my-argo-cluster\n",
        );
        let out = h.template(&["-f", &v.to_string_lossy()]);
        let text = out.ok("helm4 template with -f");
        assert_generated(
            text,
            &[
                "spaces-postrender/space/role-spaces-argocd-kubeconfig-reader.yaml",
                "spaces-postrender/space/rolebinding-spaces-argocd-kubeconfig-reader.yaml",
            ],
        );
        let reader = objects(text)
            .into_iter()
            .find(|o| o["kind"] == "Role")
            .unwrap_or_default();
        assert_eq!(reader["metadata"]["namespace"], "upbound-system");
        assert_eq!(reader["rules"][0]["resourceNames"][0], "my-argo-cluster");
    }
}

#[test]
fn invalid_values_reach_the_user_through_helms_error() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let v = h.values(
            "values.yaml",
            "features:\n  alpha:\n    argocdPlugin:\n      enabled: \"true\"\n    eso:\n      namespace: Bad_NS\n",
        );
        let path = v.to_string_lossy().to_string();
        // Spaces 1.1, whose API features.alpha.eso is: no version warning in the exact text.
        let out = h.template(&["-f", &path, "--spaces-version", "1.1"]);
        assert_eq!(
            out.code, 1,
            "helm must fail:\n{}\n{}",
            out.stdout, out.stderr
        );
        assert!(out.stdout.is_empty(), "nothing rendered: {}", out.stdout);
        // The exact text Helm v4.1.4 shows. If Helm changes how it reads a post-renderer's output,
        // this fails and the Helm 4 error path in src/helm4.rs must be revisited.
        let want = format!(
            "Error: YAML parse error on the output of spaces-postrender, which refused to render:\n\
    error[wrong-type] features.alpha.argocdPlugin.enabled ({path}:4:16): expected a boolean (true or false), got the string \"true\"\n\
    \x20 help: write true without quotes in the values file, or pass --set features.alpha.argocdPlugin.enabled=true (not --set-string, which always makes a string)\n\
    error[bad-format] features.alpha.eso.namespace ({path}:6:18): the string \"Bad_NS\" must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit\n\
    \x20 help: use a lowercase name such as argocd or external-secrets\n\
    spaces-postrender: 2 errors, 0 warnings; no manifests were written\n\
    (reported this way because Helm 4 does not show the error output of a post-renderer plugin): error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field SimpleHead.apiVersion of type string\n\
    \n\
    Use --debug flag to render out invalid YAML\n"
        );
        assert_eq!(out.stderr, want);
    }
}

#[test]
fn invalid_set_flag_reaches_the_user_too() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let out = h.template(&["--set", "features.alpha.argocdPlugin.enabled=yes"]);
        assert_eq!(out.code, 1);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.starts_with("Error: YAML parse error on the output of spaces-postrender, which refused to render:\nerror[wrong-type] features.alpha.argocdPlugin.enabled (--set argument 1): expected a boolean (true or false), got the string \"yes\""),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn outside_helm_4_failures_stay_on_stderr() {
    // Same binary, but not run by Helm 4's post-renderer (the input has no Helm 4 annotation,
    // as when a Helm 3 plugin such as helm-diff runs helm): no error document on stdout.
    let dir = tempdir();
    let v = dir.path().join("values.yaml");
    write(
        &v,
        "features:\n  alpha:\n    eso:\n      enabled: \"true\"\n",
    );
    let input = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let mut cmd = Command::new(BIN);
    cmd.arg("-f").arg(&v).env("HELM_PLUGIN_NAME", "diff");
    let out = run(&mut cmd, input.as_bytes());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("error[wrong-type] features.alpha.eso.enabled"),
        "{}",
        out.stderr
    );
}

/// A chart that renders nothing, with nothing to generate: Helm 4 rejects an empty
/// post-renderer output ("produced empty output"), so the tool answers with a comment, an
/// empty release Helm 4 accepts — the same result as without the post-renderer.
#[test]
fn an_empty_release_stays_empty_under_helm_4() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let chart = h.work.join("empty-chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap_or_else(|e| panic!("{e}"));
        write(
            &chart.join("Chart.yaml"),
            "apiVersion: v2\nname: empty\nversion: 0.1.0\n",
        );
        let mut cmd = Command::new(tool(h.helm));
        cmd.args(["template", "x"])
            .arg(&chart)
            .args(["--post-renderer", "spaces-postrender"]);
        h.envs(&mut cmd);
        let out = run(&mut cmd, b"");
        let text = out.ok("helm4 template <empty chart> --post-renderer spaces-postrender");
        assert!(!text.contains("kind:"), "{text}");
    }
}

/// A misspelt flag of a key the tool acts on fails under Helm 4 too, with the did-you-mean
/// message in Helm's own error (Helm 4 discards a plugin's stderr).
#[test]
fn a_misspelt_key_fails_helm4_with_did_you_mean() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let out = h.template(&["--set", "features.alpha.argocdplugin.enabled=true"]);
        assert_eq!(out.code, 1, "{helm}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains("error[misspelt-key] features.alpha.argocdplugin")
                && out.stderr.contains("did you mean `argocdPlugin`?"),
            "{helm}: {}",
            out.stderr
        );
    }
}

/// The plugin directory of a checkout, with no bin/, runs spaces-postrender from PATH (after
/// `cargo install`), under every Helm 4.
#[test]
fn plugin_directory_without_bin_runs_the_binary_from_path() {
    for helm in HELM4S {
        let (mut h, plugin) = Helm4::fresh(helm);
        // PATH holds the binary (as `cargo install` leaves it) and the usual system tools.
        let path_dir = h.work.join("cargo-bin");
        std::fs::create_dir_all(&path_dir).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(BIN, path_dir.join("spaces-postrender"))
            .unwrap_or_else(|e| panic!("{e}"));
        h.path = Some(format!("{}:/usr/bin:/bin", path_dir.display()));
        let mut install = Command::new(tool(helm));
        install.args(["plugin", "install"]).arg(&plugin);
        h.envs(&mut install);
        run(&mut install, b"").ok("helm plugin install <checkout plugin dir>");
        assert!(!plugin.join("bin").exists());
        let out = h.template(&["--set", "features.alpha.argocdPlugin.enabled=true"]);
        let text = out.ok("helm template with the plugin from PATH");
        assert_generated(
            text,
            &[
                "spaces-postrender/space/role-spaces-argocd-plugin.yaml",
                "spaces-postrender/space/rolebinding-spaces-argocd-plugin.yaml",
            ],
        );
    }
}

/// `target.namespace` alone and different from the effective secretNamespace fails the render
/// under Helm 4 too (which drops a successful plugin's stderr), naming the flag to set.
#[test]
fn target_namespace_alone_and_different_fails_naming_secret_namespace() {
    for helm in HELM4S {
        let h = Helm4::with_plugin(helm);
        let out = h.template(&[
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "features.alpha.argocdPlugin.target.namespace=gitops",
        ]);
        assert_eq!(out.code, 1, "{helm}: helm must fail:\n{}", out.stderr);
        assert!(out.stdout.is_empty(), "{helm}: {}", out.stdout);
        assert!(
            out.stderr
                .contains("--set features.alpha.argocdPlugin.target.secretNamespace=gitops"),
            "{helm}: the error does not name the flag to set:\n{}",
            out.stderr
        );
    }
}
