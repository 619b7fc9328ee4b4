//! One case per kind of bad value, with the exact diagnostic pinned: the whole stderr in
//! `golden/diagnostics/<case>.txt` (regenerate with `UPDATE_GOLDEN=1 cargo test --test it diagnostics`)
//! and the key line inline below, so a reader sees the message next to the case.
//! Single commands with their whole output (usage errors, `validate --diagnostics json`, the
//! namespace alias, a clean Spaces values file) are cases under tests/cmd (`validate-*`).

use crate::common;
use common::{golden, run};

/// (case, args, the exit code, one line that must appear verbatim in stderr)
const CASES: &[(&str, &[&str], i32, &str)] = &[
    (
        "wrong-type",
        &["validate", "-f", "fixtures/bad-values/wrong-type.yaml"],
        1,
        "error[wrong-type] features.alpha.eso (fixtures/bad-values/wrong-type.yaml:5:10): expected a mapping, got the boolean true",
    ),
    (
        "string-true",
        &["validate", "-f", "fixtures/bad-values/string-true.yaml"],
        1,
        "  help: write true without quotes in the values file, or pass --set features.alpha.argocdPlugin.enabled=true (not --set-string, which always makes a string)",
    ),
    (
        "bad-namespace",
        &["validate", "-f", "fixtures/bad-values/bad-namespace.yaml"],
        1,
        "error[bad-format] features.alpha.argocdPlugin.target.namespace (fixtures/bad-values/bad-namespace.yaml:6:20): the string \"Argo_CD\" must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ),
    (
        "long-namespace",
        &["validate", "-f", "fixtures/bad-values/long-namespace.yaml"],
        1,
        "error[too-long] features.alpha.eso.namespace (fixtures/bad-values/long-namespace.yaml:5:18): the value is 66 characters long; the limit is 63",
    ),
    (
        "bad-secret-key",
        &["validate", "-f", "fixtures/bad-values/bad-secret-key.yaml"],
        1,
        "error[bad-format] features.alpha.argocdPlugin.target.externalCluster.secret.key (fixtures/bad-values/bad-secret-key.yaml:9:18): the string \"kube/config\" must be a Secret data key: at most 253 letters, digits, '-', '_' and '.', and not '.' or '..'",
    ),
    (
        "misspelt-key",
        &["validate", "-f", "fixtures/bad-values/misspelt-key.yaml"],
        1,
        "error[misspelt-key] features.alpha.argocdPlugin.enable (fixtures/bad-values/misspelt-key.yaml:4:7): unknown key `enable` under features.alpha.argocdPlugin",
    ),
    (
        "misspelt-key-strict",
        &["validate", "--strict", "-f", "fixtures/bad-values/misspelt-key.yaml"],
        1,
        "  help: did you mean `enabled`? (`spaces-postrender explain features.alpha.argocdPlugin` lists the known keys)",
    ),
    (
        "unknown-feature",
        &["validate", "-f", "fixtures/bad-values/unknown-feature.yaml"],
        1,
        "  help: did you mean `argocdPlugin`? (`spaces-postrender explain features.alpha` lists the known keys)",
    ),
    (
        // A key that resembles nothing known (a newer Spaces' feature) stays a warning.
        "unknown-feature-unlike-any",
        &["validate", "--set", "features.alpha.quantumSync.enabled=true"],
        0,
        "warning[unknown-key] features.alpha.quantumSync (--set argument 1): unknown key `quantumSync` under features.alpha",
    ),
    (
        // The chart reads only secretNamespace: alone and different, the RBAC would land where the
        // plugin never writes.
        "namespace-alias-alone",
        &["validate", "--set", "features.alpha.argocdPlugin.target.namespace=gitops"],
        1,
        "error[alias-conflict] features.alpha.argocdPlugin.target.namespace (--set argument 1): Spaces charts read only target.secretNamespace (default \"argocd\"): the Argo CD plugin would write its Secrets to \"argocd\" while the RBAC generated here went to \"gitops\"",
    ),
    (
        "namespace-alias-alone-hint",
        &["validate", "--set", "features.alpha.argocdPlugin.target.namespace=gitops"],
        1,
        "  help: use --set features.alpha.argocdPlugin.target.secretNamespace=gitops instead of target.namespace",
    ),
    (
        "namespace-alias-default",
        &["validate", "--set", "features.alpha.argocdPlugin.target.namespace=argocd"],
        0,
        "info[namespace-alias] features.alpha.argocdPlugin.target.namespace (--set argument 1): Spaces charts read only target.secretNamespace, which is \"argocd\" here too, so the RBAC and the plugin agree",
    ),
    (
        "alias-conflict",
        &["validate", "-f", "fixtures/bad-values/alias-conflict.yaml"],
        1,
        "error[alias-conflict] features.alpha.argocdPlugin.target.namespace (fixtures/bad-values/alias-conflict.yaml:6:20): target.namespace (\"argocd\") is an alias of target.secretNamespace (\"gitops\"), and the two disagree",
    ),
    (
        "external-no-secret",
        &["validate", "-f", "fixtures/bad-values/external-no-secret.yaml"],
        1,
        "error[empty] features.alpha.argocdPlugin.target.externalCluster.secret.name (fixtures/bad-values/external-no-secret.yaml:9:19): must not be empty",
    ),
    (
        "kube-namespace",
        &["validate", "-f", "fixtures/bad-values/kube-namespace.yaml"],
        0,
        "warning[kube-namespace] features.alpha.argocdPlugin.target.secretNamespace (fixtures/bad-values/kube-namespace.yaml:6:26): namespace \"kube-system\" starts with kube-, which is reserved for Kubernetes itself",
    ),
    (
        "no-effect",
        &["validate", "-f", "fixtures/bad-values/no-effect.yaml"],
        0,
        "warning[no-effect] features.alpha.argocdPlugin.target.externalCluster.enabled (fixtures/bad-values/no-effect.yaml:6:20): has no effect while the Argo CD plugin is off",
    ),
    (
        "yaml-syntax",
        &["validate", "-f", "fixtures/bad-values/yaml-syntax.yaml"],
        1,
        "error[yaml-syntax] (fixtures/bad-values/yaml-syntax.yaml:4:4): fixtures/bad-values/yaml-syntax.yaml is not valid YAML: tabs disallowed within this context (block indentation)",
    ),
    (
        "missing-file",
        &["validate", "-f", "fixtures/bad-values/does-not-exist.yaml"],
        1,
        "error[values-file] (-f fixtures/bad-values/does-not-exist.yaml): cannot read values file fixtures/bad-values/does-not-exist.yaml: No such file or directory (os error 2)",
    ),
    (
        "many-problems",
        &["validate", "-f", "fixtures/bad-values/many-problems.yaml"],
        1,
        "spaces-postrender: 7 errors, 1 warning",
    ),
    (
        "set-string-true",
        &["validate", "--set-string", "features.alpha.eso.enabled=true"],
        1,
        "error[wrong-type] features.alpha.eso.enabled (--set-string argument 1): expected a boolean (true or false), got the string \"true\"",
    ),
    (
        "set-bad-namespace",
        &["validate", "--set", "features.alpha.eso.enabled=true", "--set", "features.alpha.eso.namespace=ESO"],
        1,
        "error[bad-format] features.alpha.eso.namespace (--set argument 2): the string \"ESO\" must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ),
    (
        "postrender-refuses-bad-values",
        &["-f", "fixtures/bad-values/string-true.yaml"],
        1,
        "spaces-postrender: 1 error, 0 warnings; no manifests were written",
    ),
];

#[test]
fn each_kind_of_bad_value_has_its_exact_message() {
    for (name, args, code, line) in CASES {
        let stdin = if args[0] == "validate" {
            Vec::new()
        } else {
            common::read("fixtures/input/spaces.yaml")
        };
        let out = run(args, &stdin, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{name}: exit code; stderr:\n{stderr}"
        );
        assert!(
            stderr.lines().any(|l| l == *line),
            "{name}: stderr lacks the line\n{line}\n--- stderr:\n{stderr}"
        );
        if *code != 0 && args[0] != "validate" {
            assert!(
                out.stdout.is_empty(),
                "{name}: a failed post-render must print nothing on stdout"
            );
        }
        golden(
            &format!("golden/diagnostics/{name}.txt"),
            format!("# exit code: {}\n{stderr}", code).as_bytes(),
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let out = run(
        &["validate", "-f", "fixtures/bad-values/many-problems.yaml"],
        b"",
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors = stderr.lines().filter(|l| l.starts_with("error[")).count();
    assert_eq!(errors, 7, "{stderr}");
    // Each names its own path and line.
    for needle in [
        ":4:16)", ":5:34)", ":7:20)", ":11:19)", ":12:18)", ":15:18)", ":17:16)",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in\n{stderr}");
    }
}
