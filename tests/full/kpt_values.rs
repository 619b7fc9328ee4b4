//! The KRM function's `valuesFiles` under the real kpt: where relative paths are read from and
//! the boundary they stay inside (docs/krm.md "Which values files are read";
//! `tests/it/krm_values.rs` is the same rule without kpt).
//!
//! What kpt does (kpt 1.0.0-beta, checked here):
//! - `kpt fn render` runs an `exec:` function in kpt's own working directory, not in the
//!   package. Its package reader sets `internal.config.kubernetes.io/package-path` (absolute) and
//!   the path annotations on every object it reads, the config among them, replacing what the
//!   file says (`Pkg.LocalResources`, pkg/lib/pkg/pkg.go; the config is the object whose
//!   package and path match the step's `configPath`: `refreshFnConfig`,
//!   pkg/lib/kptops/render_executor.go).
//! - `kpt fn eval --fn-config F` and `kpt fn source --fn-config F` hand over F's own annotations
//!   (a `package-path` written in F arrives as written) and nothing that says where F is.
//!
//! So: under render the root is the package and relative paths are read beside the config;
//! otherwise the root and the base are the working directory, and a package location the config
//! claims is believed only when that package's Kptfile names the config as a `configPath`.

use crate::common;
use common::{
    assert_ok, bin, copy_tree, kpt, kpt_env, output_text, root, run_cmd, tree, utf8, Work,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const OPT_OUT: (&str, &str) = ("SPACES_POSTRENDER_LOAD_RESTRICTOR", "LoadRestrictionsNone");

trait Package {
    fn package(&self, name: &str) -> PathBuf;
}

impl Package for Work {
    /// The fixture package at `name`, with a values file outside it (`secret.yaml` beside it:
    /// the file a package must not make the function read).
    fn package(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        copy_tree(&root().join("tests/fixtures-kpt/pkg"), &p);
        std::fs::copy(
            p.join("values/spaces-values.yaml"),
            self.path("secret.yaml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        p
    }
}

/// The pipe `kpt fn source SRC --fn-config CONFIG | BIN | kpt fn sink OUT`, under pipefail, in
/// `cwd`.
fn pipe(cwd: &Path, src: &str, config: &str, out: &Path) -> Output {
    let script = format!(
        "set -o pipefail; '{kpt}' fn source '{src}' --fn-config '{config}' | '{bin}' | '{kpt}' fn sink '{out}'",
        kpt = utf8(&kpt()),
        bin = utf8(&bin()),
        out = utf8(out),
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script])
        .current_dir(cwd)
        .env_remove(OPT_OUT.0);
    run_cmd(&mut cmd, b"")
}

/// Generated files (`upbound-system/...`, beside the config: kpt puts a new object's file in
/// the directory of the config of the function that made it) in a package tree.
fn generated(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_keys()
        .filter(|p| p.contains("upbound-system/"))
        .collect()
}

/// The config file with its `valuesFiles` replaced by `files` and `extra` annotations.
fn set_config(path: &Path, files: &[&str], extra: &[(&str, &str)]) {
    let mut text = String::from(
        "apiVersion: spaces-postrender.dev/v1alpha1\nkind: SpacesPostRender\nmetadata:\n  name: spaces\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
    );
    for (k, v) in extra {
        text.push_str(&format!("    {k}: {v:?}\n"));
    }
    text.push_str("valuesFiles:\n");
    for f in files {
        text.push_str(&format!("- {f:?}\n"));
    }
    text.push_str("values:\n  features:\n    alpha:\n      argocdPlugin:\n        target:\n          secretNamespace: argocd\n");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// The one result of a failed run in `results.yaml`: a path-refused error at valuesFiles[0].
fn assert_refused_result(what: &str, results_dir: &Path, inside: &str) {
    let text = std::fs::read_to_string(results_dir.join("results.yaml"))
        .unwrap_or_else(|e| panic!("{what}: results.yaml: {e}"));
    let list: Value =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
    let results = list["items"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        results.iter().any(|r| r["severity"] == "error"
            && r["tags"]["code"] == "path-refused"
            && r["field"]["path"] == "valuesFiles[0]"
            && r["message"].as_str().is_some_and(|m| m.contains(inside))),
        "{what}: {text}"
    );
}

#[test]
fn render_reads_values_files_beside_the_config_and_keeps_them_inside_the_package() {
    let w = Work::new();
    let pkg = w.package("pkg");
    // The config in a subdirectory, its values file beside it (under values/, which .krmignore
    // keeps away from kpt's reader).
    let cfg = pkg.join("cfg");
    std::fs::create_dir_all(&cfg).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(pkg.join("values"), cfg.join("values")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(pkg.join("spaces-postrender.yaml")).unwrap_or_else(|e| panic!("{e}"));
    // Annotations the file writes itself: kpt fn render replaces them.
    set_config(
        &cfg.join("spaces-postrender.yaml"),
        &["values/spaces-values.yaml"],
        &[
            ("internal.config.kubernetes.io/package-path", "/"),
            ("internal.config.kubernetes.io/path", "etc/x.yaml"),
        ],
    );
    // The exec records its working directory, then runs the function.
    let cwd_file = w.path("fn-cwd");
    let exec = w.path("fn");
    std::fs::write(
        &exec,
        format!(
            "#!/bin/sh\npwd > '{}'\nexec '{}'\n",
            utf8(&cwd_file),
            utf8(&bin())
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exec, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let kptfile = pkg.join("Kptfile");
    let mut text = std::fs::read_to_string(&kptfile).unwrap_or_else(|e| panic!("{e}"));
    text.push_str(&format!(
        "pipeline:\n  mutators:\n    - exec: {}\n      configPath: cfg/spaces-postrender.yaml\n",
        utf8(&exec)
    ));
    std::fs::write(&kptfile, text).unwrap_or_else(|e| panic!("{e}"));
    let elsewhere = w.dir("elsewhere");
    let pristine = w.path("pristine");
    copy_tree(&pkg, &pristine);

    let out = kpt_env(
        &elsewhere,
        &["fn", "render", utf8(&pkg), "--allow-exec"],
        &[],
    );
    assert_ok("kpt fn render PKG from elsewhere", &out);
    assert_eq!(
        std::fs::read_to_string(&cwd_file)
            .map(|t| t.trim().to_string())
            .ok(),
        Some(utf8(&elsewhere).to_string()),
        "kpt fn render runs an exec function in kpt's working directory"
    );
    assert_eq!(
        generated(&pkg),
        [
            "cfg/upbound-system/role_spaces-argocd-kubeconfig-reader.yaml",
            "cfg/upbound-system/rolebinding_spaces-argocd-kubeconfig-reader.yaml"
        ]
    );

    // Paths out of the package: refused, the package stays as it was.
    std::os::unix::fs::symlink(w.path("secret.yaml"), cfg.join("values/link.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let secret = w.path("secret.yaml");
    for f in [
        "../../secret.yaml",
        utf8(&secret),
        "values/link.yaml",
        "values/absent.yaml",
    ] {
        let pkg = w.path("case");
        let _ = std::fs::remove_dir_all(&pkg);
        copy_tree(&pristine, &pkg);
        std::os::unix::fs::symlink(w.path("secret.yaml"), pkg.join("cfg/values/link.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        set_config(&pkg.join("cfg/spaces-postrender.yaml"), &[f], &[]);
        let before = tree(&pkg);
        let results = w.path(&format!("results-{}", f.len()));
        let out = kpt_env(
            &elsewhere,
            &[
                "fn",
                "render",
                utf8(&pkg),
                "--allow-exec",
                "--results-dir",
                utf8(&results),
            ],
            &[],
        );
        assert!(!out.status.success(), "{f}: {}", output_text(&out));
        assert_refused_result(f, &results, "is not a file inside the package");
        assert_eq!(before, tree(&pkg), "{f}: a refused run changed the package");
        if f != "values/absent.yaml" {
            // Whoever runs kpt may lift the rule.
            let out = kpt_env(
                &elsewhere,
                &["fn", "render", utf8(&pkg), "--allow-exec"],
                &[OPT_OUT],
            );
            assert_ok(&format!("{f} with {}", OPT_OUT.0), &out);
            assert_eq!(generated(&pkg).len(), 2, "{f}");
        }
    }
}

#[test]
fn eval_and_the_source_sink_pipe_read_values_files_from_the_working_directory() {
    let w = Work::new();
    let pkg = w.package("pkg");
    let elsewhere = w.dir("elsewhere");

    // The pipe in the package directory reads values/spaces-values.yaml from there.
    let out_dir = w.path("out-inside");
    let out = pipe(&pkg, ".", "spaces-postrender.yaml", &out_dir);
    assert_ok("source | BIN | sink in the package", &out);
    assert_eq!(generated(&out_dir).len(), 2);

    // From elsewhere the working directory has no such file: refused, and the sink writes
    // nothing (the failed answer has no items).
    let out_dir = w.path("out-elsewhere");
    let config = pkg.join("spaces-postrender.yaml");
    let out = pipe(&elsewhere, utf8(&pkg), utf8(&config), &out_dir);
    assert!(!out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[path-refused] (SpacesPostRender spaces: valuesFiles[0]): valuesFiles[0] \"values/spaces-values.yaml\" is not a file inside the working directory"),
        "{stderr}"
    );
    assert!(tree(&out_dir).is_empty(), "the sink wrote files");

    // A config that claims another package (the directory above, which holds secret.yaml): kpt
    // fn source and kpt fn eval pass the claim through, and the function does not believe it.
    set_config(
        &config,
        &["../secret.yaml"],
        &[
            ("internal.config.kubernetes.io/package-path", utf8(&w.root)),
            (
                "internal.config.kubernetes.io/path",
                "pkg/spaces-postrender.yaml",
            ),
        ],
    );
    let sourced = kpt_env(
        &pkg,
        &["fn", "source", ".", "--fn-config", "spaces-postrender.yaml"],
        &[],
    );
    assert_ok("kpt fn source", &sourced);
    let list: Value = serde_saphyr::from_str(&String::from_utf8_lossy(&sourced.stdout))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        list["functionConfig"]["metadata"]["annotations"]
            ["internal.config.kubernetes.io/package-path"],
        utf8(&w.root),
        "kpt fn source passes the file's own package-path through"
    );
    let out = pipe(&pkg, ".", "spaces-postrender.yaml", &w.path("out-forged"));
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a file inside the working directory"),
        "{}",
        output_text(&out)
    );
    let before = tree(&pkg);
    let results = w.path("results-eval");
    let out = kpt_env(
        &pkg,
        &[
            "fn",
            "eval",
            ".",
            "--exec",
            utf8(&bin()),
            "--fn-config",
            "spaces-postrender.yaml",
            "--results-dir",
            utf8(&results),
        ],
        &[],
    );
    assert!(!out.status.success(), "{}", output_text(&out));
    assert_refused_result(
        "eval with a claimed package",
        &results,
        "is not a file inside the working directory",
    );
    assert_eq!(
        before,
        tree(&pkg),
        "a refused kpt fn eval changed the package"
    );
}
