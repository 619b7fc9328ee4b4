//! `features.alpha.argocdPlugin.target.namespace`, the reference document's name, which no
//! published Spaces Helm reference ever read (the chart reads `target.secretNamespace`), in
//! every mode: post-render, `generate`, `validate`, the KRM function's config and the kustomize
//! exec plugin's config.
//!
//! - set alone and different from the effective secretNamespace (default `argocd`): an error
//!   naming `--set features.alpha.argocdPlugin.target.secretNamespace=<value>`, nothing to apply;
//! - set alone and equal: works, with a note to write secretNamespace;
//! - both set: equal is clean, different is an error.

use crate::common;

use common::{bin, e2e, root, run_cmd, run_out, Out};

const NS: &str = "features.alpha.argocdPlugin.target.namespace";
const SNS: &str = "features.alpha.argocdPlugin.target.secretNamespace";
const ON: &str = "features.alpha.argocdPlugin.enabled=true";

fn input() -> Vec<u8> {
    common::read(root().join("fixtures/input/spaces.yaml"))
}

/// The `set` entries as a YAML flow list of quoted strings.
fn yaml_list(sets: &[String]) -> String {
    let quoted: Vec<String> = sets.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Run every mode with the `--set` arguments `sets`; each mode's name and output (the KRM
/// function's results are in its standard output).
fn every_mode(sets: &[String]) -> Vec<(&'static str, Out)> {
    let mut flags = vec![];
    for s in sets {
        flags.push("--set");
        flags.push(s.as_str());
    }
    let mut out = vec![];
    out.push(("post-render", run_out(&flags, &input(), &[])));
    let mut generate = vec!["generate"];
    generate.extend(&flags);
    out.push(("generate", run_out(&generate, b"", &[])));
    let mut validate = vec!["validate"];
    validate.extend(&flags);
    out.push(("validate", run_out(&validate, b"", &[])));

    let krm = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: spaces-postrender.dev/v1alpha1\n  kind: SpacesPostRender\n  metadata:\n    name: spaces\n  set: {}\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: spaces-controller\n    namespace: upbound-system\n",
        yaml_list(sets)
    );
    out.push(("krm", run_out(&[], krm.as_bytes(), &[])));

    // The exec plugin: the binary under the name SpacesPostRender, the config file its argument.
    let dir = e2e::tempdir();
    let plugin = dir.path().join("SpacesPostRender");
    std::os::unix::fs::symlink(bin(), &plugin).expect("symlink the plugin");
    let config = dir.path().join("config.yaml");
    e2e::write(
        &config,
        &format!(
            "apiVersion: spaces-postrender.dev/v1alpha1\nkind: SpacesPostRender\nmetadata:\n  name: spaces\nset: {}\n",
            yaml_list(sets)
        ),
    );
    let mut cmd = std::process::Command::new(&plugin);
    cmd.arg(&config).current_dir(dir.path());
    let o = run_cmd(&mut cmd, &input());
    out.push((
        "kustomize",
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8(o.stdout).expect("UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("UTF-8"),
        },
    ));
    out
}

fn text(o: &Out) -> String {
    format!("{}\n{}", o.stdout, o.stderr)
}

/// Whether the output carries a generated Role (the RBAC a caller would apply).
fn has_role(o: &Out) -> bool {
    o.stdout.contains("kind: Role\n") || o.stdout.contains("kind: Role\r\n")
}

#[test]
fn alone_and_different_is_an_error_in_every_mode() {
    let sets = [ON.to_string(), format!("{NS}=gitops")];
    for (mode, o) in every_mode(&sets) {
        assert_eq!(o.code, 1, "{mode}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains("alias-conflict"), "{mode}: {t}");
        assert!(
            t.contains(&format!("--set {SNS}=gitops")),
            "{mode} does not name the flag to set: {t}"
        );
        assert!(
            !has_role(&o),
            "{mode} printed RBAC on failure: {}",
            o.stdout
        );
        if mode != "krm" {
            assert!(o.stdout.is_empty(), "{mode}: {}", o.stdout);
        }
    }
}

#[test]
fn alone_and_equal_to_the_default_works_with_a_note() {
    let sets = [ON.to_string(), format!("{NS}=argocd")];
    for (mode, o) in every_mode(&sets) {
        assert_eq!(o.code, 0, "{mode}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains("namespace-alias"), "{mode}: {t}");
        assert!(
            t.contains(&format!("write {SNS}=argocd instead")),
            "{mode}: {t}"
        );
        assert!(!t.contains("alias-conflict"), "{mode}: {t}");
        if mode != "validate" {
            assert!(has_role(&o), "{mode} generated no Role: {}", o.stdout);
            assert!(
                o.stdout.contains("namespace: \"argocd\""),
                "{mode}: {}",
                o.stdout
            );
        }
    }
    // A note is not a warning: --strict still passes.
    let o = run_out(
        &[
            "validate",
            "--strict",
            "--set",
            ON,
            "--set",
            &format!("{NS}=argocd"),
        ],
        b"",
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn alone_and_equal_to_a_set_secret_namespace_is_clean() {
    let sets = [
        ON.to_string(),
        format!("{NS}=gitops"),
        format!("{SNS}=gitops"),
    ];
    for (mode, o) in every_mode(&sets) {
        assert_eq!(o.code, 0, "{mode}: {}", text(&o));
        let t = text(&o);
        assert!(!t.contains("namespace-alias"), "{mode}: {t}");
        assert!(!t.contains("alias-conflict"), "{mode}: {t}");
    }
}

#[test]
fn both_set_and_different_is_an_error_in_every_mode() {
    let sets = [
        ON.to_string(),
        format!("{NS}=argocd"),
        format!("{SNS}=gitops"),
    ];
    for (mode, o) in every_mode(&sets) {
        assert_eq!(o.code, 1, "{mode}: {}", text(&o));
        assert!(text(&o).contains("alias-conflict"), "{mode}: {}", text(&o));
        assert!(!has_role(&o), "{mode}: {}", o.stdout);
    }
}

#[test]
fn the_error_holds_with_the_plugin_off() {
    // Off, nothing is generated, but the setting is still wrong for when it is turned on.
    let o = run_out(&["validate", "--set", &format!("{NS}=gitops")], b"", &[]);
    assert_eq!(o.code, 1, "{}", o.stderr);
}
