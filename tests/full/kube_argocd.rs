//! The real-server tier, part 3: the external Argo CD cluster's token Secret is filled by the
//! real token controller, and the kubeconfig recipe of docs/argocd.md runs as written against
//! the server; the kubeconfig it makes, read back through the secrets-reader, acts as the
//! plugin's identity.

use crate::common;
use crate::kube::{fenced_blocks, fixed_namespaces, generate};
use common::kube::*;
use common::{output_text, root, run_cmd};
use std::process::Command;

/// The recipe: the ```sh block of docs/argocd.md that builds the kubeconfig.
fn recipe() -> String {
    let page = std::fs::read_to_string(root().join("docs/argocd.md")).expect("docs/argocd.md");
    fenced_blocks(&page)
        .into_iter()
        .find(|b| b.contains("spaces-argocd-plugin-token") && b.contains("create secret generic"))
        .expect("the kubeconfig recipe in docs/argocd.md")
}

#[test]
fn the_documented_kubeconfig_recipe_works_and_acts_as_the_plugin() {
    let _fixed = fixed_namespaces();
    let s = server();
    let work = s.tempdir();
    let w = work.path();
    for ns in ["argocd", "upbound-system", "elsewhere"] {
        let _ = kubectl(&["create", "namespace", ns], b"");
    }
    // Two contexts, as the recipe names them; both reach this server.
    let admin = std::fs::read_to_string(&s.kubeconfig).expect("kubeconfig");
    let two = admin.replace("- name: test\n  context:\n    cluster: test\n    user: admin\n", "- name: argocd-cluster\n  context:\n    cluster: test\n    user: admin\n- name: spaces-cluster\n  context:\n    cluster: test\n    user: admin\n").replace("current-context: test", "current-context: spaces-cluster");
    std::fs::write(w.join("kubeconfig"), two).expect("write kubeconfig");
    std::fs::write(w.join("values.yaml"), "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n      target:\n        secretNamespace: argocd\n        externalCluster:\n          enabled: true\n          secret:\n            name: my-argo-cluster\n            key: kubeconfig\n").expect("values");
    let bin = w.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(common::bin(), bin.join("spaces-postrender")).expect("link");
    std::os::unix::fs::symlink(s.assets.join("kubectl"), bin.join("kubectl")).expect("link");
    // The recipe as written, but for its scratch file: in this test's directory, not /tmp.
    let script = recipe().replace("/tmp/", &format!("{}/", w.display()));
    let mut cmd = Command::new("bash");
    cmd.args(["-euo", "pipefail", "-c", &script])
        .current_dir(w)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("KUBECONFIG", w.join("kubeconfig"))
        .env("KUBECACHEDIR", w.join("cache"));
    let out = run_cmd(&mut cmd, b"");
    assert!(
        out.status.success(),
        "the recipe failed:\n{script}\n{}",
        output_text(&out)
    );

    // The token controller filled the token Secret.
    let token =
        get_json("secret", "spaces-argocd-plugin-token", Some("argocd")).expect("token Secret");
    assert!(
        token["data"]["token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{token}"
    );
    // The Spaces side: the secrets-reader lets the controller read the kubeconfig.
    let reader = generate(&[
        "generate",
        "-f",
        &w.join("values.yaml").display().to_string(),
        "--controller-service-account",
        "upbound-system/spaces-controller",
    ]);
    kubectl_ok(&["apply", "-f", "-"], reader.as_bytes());
    let as_ctl = format!(
        "--as={}",
        service_account_user("upbound-system", "spaces-controller")
    );
    let b64 = kubectl_ok(
        &[
            "-n",
            "upbound-system",
            "get",
            "secret",
            "my-argo-cluster",
            "-o",
            "jsonpath={.data.kubeconfig}",
            &as_ctl,
        ],
        b"",
    );
    let decoded = run_cmd(Command::new("base64").arg("-d"), b64.as_bytes());
    assert!(decoded.status.success());
    let plugin_kc = w.join("plugin-kubeconfig");
    std::fs::write(&plugin_kc, &decoded.stdout).expect("write");
    let as_plugin = |args: &[&str]| {
        let mut c = Command::new(s.assets.join("kubectl"));
        c.arg(format!("--kubeconfig={}", plugin_kc.display()))
            .args(args)
            .env("KUBECACHEDIR", w.join("cache2"));
        run_cmd(&mut c, b"")
    };
    let who = as_plugin(&[
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&who.stdout),
        "system:serviceaccount:argocd:spaces-argocd-plugin",
        "{}",
        output_text(&who)
    );
    let made = as_plugin(&[
        "create",
        "secret",
        "generic",
        "cluster-ctp1",
        "--from-literal=server=x",
    ]);
    assert!(
        made.status.success(),
        "allowed in argocd: {}",
        output_text(&made)
    );
    assert!(as_plugin(&["get", "secrets", "-o", "name"])
        .status
        .success());
    for ns in ["upbound-system", "elsewhere", "default"] {
        let out = as_plugin(&["-n", ns, "get", "secrets"]);
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Forbidden"),
            "{ns}: {}",
            output_text(&out)
        );
    }
    let cm = as_plugin(&["get", "configmaps"]);
    assert!(!cm.status.success(), "{}", output_text(&cm));
}
