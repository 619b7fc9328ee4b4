//! The real-server tier, part 4: the ValidatingAdmissionPolicy of docs/argocd.md, applied as
//! written there, limits the identities the Spaces Argo CD plugin writes as to Secrets labelled
//! `argocd.argoproj.io/secret-type: cluster` in Argo CD's namespace, on a real kube-apiserver.
//! The writer Role this tool generates stays as it is (every Secret of the namespace); the
//! policy is what narrows the writes.

use crate::common;
use crate::kube::{fenced_blocks, fixed_namespaces, generate};
use common::kube::*;
use common::{output_text, root};
use std::time::{Duration, Instant};

/// The line that marks the policy's block in docs/argocd.md.
const MARKER: &str = "# Tested by tests/full/kube_vap.rs";
const NAME: &str = "spaces-argocd-plugin-cluster-secrets";
const LABEL: &str = "argocd.argoproj.io/secret-type";

/// The policy and its binding: the ```yaml block of docs/argocd.md that starts with [`MARKER`].
fn documented_policy() -> String {
    let page = std::fs::read_to_string(root().join("docs/argocd.md")).expect("docs/argocd.md");
    let blocks: Vec<String> = fenced_blocks(&page)
        .into_iter()
        .filter(|b| b.starts_with(MARKER))
        .collect();
    assert_eq!(
        blocks.len(),
        1,
        "docs/argocd.md must hold exactly one block starting with {MARKER:?}"
    );
    blocks.into_iter().next().expect("one block")
}

/// Removes the policy and its binding when the test ends, however it ends, and waits until the
/// server no longer enforces them (other tests write Secrets in `argocd` as these identities).
struct Cleanup {
    users: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = kubectl(
            &[
                "delete",
                "validatingadmissionpolicybinding,validatingadmissionpolicy",
                NAME,
                "--ignore-not-found",
            ],
            b"",
        );
        for user in &self.users {
            wait_until(user, "the policy lifted", || !by_policy(&probe(user, None)));
        }
    }
}

/// A Secret in `argocd` with `label` (none when `None`), as YAML.
fn secret(name: &str, label: Option<&str>) -> String {
    let labels = label
        .map(|l| format!("  labels:\n    {LABEL}: {l}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: argocd\n{labels}stringData:\n  server: https://ctp.example\n"
    )
}

/// `kubectl ARGS --as=USER` with `stdin`: Ok(stdout) or Err(the whole output).
fn as_user(user: &str, args: &[&str], stdin: &[u8]) -> Result<String, String> {
    let as_arg = format!("--as={user}");
    let mut all = args.to_vec();
    all.push(&as_arg);
    let out = kubectl(&all, stdin);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(output_text(&out))
    }
}

/// A server-side dry run (admission runs, nothing is stored) of creating a Secret as `user`.
fn probe(user: &str, label: Option<&str>) -> Result<String, String> {
    as_user(
        user,
        &["create", "--dry-run=server", "-f", "-"],
        secret("vap-probe", label).as_bytes(),
    )
}

/// Whether a result is this policy's denial.
fn by_policy(r: &Result<String, String>) -> bool {
    r.as_ref().is_err_and(|e| {
        e.contains(&format!(
            "ValidatingAdmissionPolicy '{NAME}' with binding '{NAME}' denied request"
        ))
    })
}

/// Poll `ok` until it holds (RBAC and admission policies take effect a moment after they are
/// stored); fail after a minute.
fn wait_until(user: &str, what: &str, ok: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !ok() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "{what} for {user}: not after 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn denied(what: &str, r: Result<String, String>) {
    assert!(
        by_policy(&r),
        "{what}: must be denied by the policy (not allowed, not denied by RBAC): {r:?}"
    );
}

fn allowed(what: &str, r: Result<String, String>) {
    if let Err(e) = r {
        panic!("{what}: must be allowed: {e}");
    }
}

/// Everything the docs promise, for one identity the plugin writes as.
fn check_identity(user: &str, n: usize) {
    let apply = |y: &str| as_user(user, &["apply", "-f", "-"], y.as_bytes());
    let (cluster, plain, repo) = (
        format!("vap-cluster-{n}"),
        format!("vap-plain-{n}"),
        format!("vap-repo-{n}"),
    );
    // Create: a cluster Secret yes; unlabelled or another type no.
    allowed(
        "create a cluster Secret",
        apply(&secret(&cluster, Some("cluster"))),
    );
    denied("create an unlabelled Secret", apply(&secret(&plain, None)));
    denied(
        "create a repository Secret",
        apply(&secret(&repo, Some("repository"))),
    );
    // Change a cluster Secret and keep its label: yes.
    allowed(
        "update a cluster Secret's data",
        as_user(
            user,
            &[
                "-n",
                "argocd",
                "patch",
                "secret",
                &cluster,
                "-p",
                "{\"stringData\":{\"name\":\"ctp\"}}",
            ],
            b"",
        ),
    );
    // Relabel: a cluster Secret to another type or to none, no; Argo CD's own Secrets
    // (made here by the admin) to cluster, no; nor may it change or delete them.
    denied(
        "relabel a cluster Secret to repository",
        as_user(
            user,
            &[
                "-n",
                "argocd",
                "label",
                "--overwrite",
                "secret",
                &cluster,
                &format!("{LABEL}=repository"),
            ],
            b"",
        ),
    );
    denied(
        "remove a cluster Secret's label",
        as_user(
            user,
            &[
                "-n",
                "argocd",
                "label",
                "secret",
                &cluster,
                &format!("{LABEL}-"),
            ],
            b"",
        ),
    );
    kubectl_ok(&["apply", "-f", "-"], secret(&plain, None).as_bytes());
    kubectl_ok(
        &["apply", "-f", "-"],
        secret(&repo, Some("repository")).as_bytes(),
    );
    for (what, name) in [("an unlabelled", &plain), ("a repository", &repo)] {
        denied(
            &format!("relabel {what} Secret to cluster"),
            as_user(
                user,
                &[
                    "-n",
                    "argocd",
                    "label",
                    "--overwrite",
                    "secret",
                    name,
                    &format!("{LABEL}=cluster"),
                ],
                b"",
            ),
        );
        denied(
            &format!("change {what} Secret"),
            as_user(
                user,
                &[
                    "-n",
                    "argocd",
                    "patch",
                    "secret",
                    name,
                    "-p",
                    "{\"stringData\":{\"server\":\"https://elsewhere.example\"}}",
                ],
                b"",
            ),
        );
        denied(
            &format!("delete {what} Secret"),
            as_user(user, &["-n", "argocd", "delete", "secret", name], b""),
        );
    }
    // Delete a cluster Secret (the plugin does when useUIDFormatForCTPSecrets renames them): yes.
    allowed(
        "delete a cluster Secret",
        as_user(user, &["-n", "argocd", "delete", "secret", &cluster], b""),
    );
    // The label and data are what the server kept: nothing denied slipped through.
    let plain_now = get_json("secret", &plain, Some("argocd")).expect("unlabelled Secret kept");
    assert!(
        plain_now["metadata"]["labels"][LABEL].is_null(),
        "{plain_now}"
    );
    let repo_now = get_json("secret", &repo, Some("argocd")).expect("repository Secret kept");
    assert_eq!(repo_now["metadata"]["labels"][LABEL], "repository");
    kubectl_ok(&["-n", "argocd", "delete", "secret", &plain, &repo], b"");
    // Anyone else (the admin) is not matched.
    kubectl_ok(&["apply", "-f", "-"], secret(&plain, None).as_bytes());
    kubectl_ok(&["-n", "argocd", "delete", "secret", &plain], b"");
}

#[test]
fn the_documented_policy_limits_the_plugin_to_argocd_cluster_secrets() {
    let _fixed = fixed_namespaces();
    for ns in ["argocd", "upbound-system"] {
        let _ = kubectl(&["create", "namespace", ns], b"");
    }
    let on_cluster = service_account_user("upbound-system", "spaces-controller");
    let external = service_account_user("argocd", "spaces-argocd-plugin");
    let _cleanup = Cleanup {
        users: vec![on_cluster.clone(), external.clone()],
    };

    // The writer RBAC for each identity, as this tool generates it: on-cluster (the
    // spaces-controller) and external (the kubeconfig's ServiceAccount, --target argocd). Both
    // are RoleBindings named spaces-argocd-plugin, so one identity at a time.
    let on_cluster_rbac = generate(&[
        "generate",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.secretNamespace=argocd",
        "--controller-service-account",
        "upbound-system/spaces-controller",
    ]);
    let external_rbac = generate(&[
        "generate",
        "--target",
        "argocd",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        "features.alpha.argocdPlugin.target.secretNamespace=argocd",
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
    ]);

    let policy = documented_policy();
    kubectl_ok(
        &["apply", "--validate=strict", "-f", "-"],
        policy.as_bytes(),
    );

    for (n, (user, rbac)) in [(&on_cluster, &on_cluster_rbac), (&external, &external_rbac)]
        .into_iter()
        .enumerate()
    {
        kubectl_ok(&["apply", "-f", "-"], rbac.as_bytes());
        wait_until(user, "RBAC allows a cluster Secret", || {
            probe(user, Some("cluster")).is_ok()
        });
        wait_until(user, "the policy denies an unlabelled Secret", || {
            by_policy(&probe(user, None))
        });
        check_identity(user, n);
    }
}

/// What docs/argocd.md says about the external cluster's token: a
/// `kubernetes.io/service-account-token` Secret's token works until the Secret is deleted; a
/// Secret recreated under the same name (a GitOps re-create) carries a new token; a second
/// token Secret for the same ServiceAccount keeps working when the first is deleted (rotation).
#[test]
fn token_secrets_rotate_and_a_recreated_one_revokes_the_old_token() {
    let s = server();
    let ns = s.namespace("argo");
    let objects = generate(&[
        "generate",
        "--target",
        "argocd",
        "--set",
        "features.alpha.argocdPlugin.enabled=true",
        "--set",
        &format!("features.alpha.argocdPlugin.target.secretNamespace={ns}"),
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
    ]);
    kubectl_ok(&["apply", "-f", "-"], objects.as_bytes());
    let token_of = |name: &str| -> String {
        kubectl_ok(
            &[
                "-n",
                &ns,
                "wait",
                "--for=jsonpath={.data.token}",
                &format!("secret/{name}"),
                "--timeout=60s",
            ],
            b"",
        );
        let b64 = kubectl_ok(
            &[
                "-n",
                &ns,
                "get",
                "secret",
                name,
                "-o",
                "jsonpath={.data.token}",
            ],
            b"",
        );
        let out = common::run_cmd(
            std::process::Command::new("base64").arg("-d"),
            b64.as_bytes(),
        );
        assert!(out.status.success(), "{}", output_text(&out));
        String::from_utf8(out.stdout).expect("token")
    };
    // `kubectl auth whoami` with only this token: its user name, or the refusal.
    let whoami = |token: &str| -> Result<String, String> {
        let mut c = std::process::Command::new(s.assets.join("kubectl"));
        c.arg(format!("--server={}", s.url))
            .arg(format!("--certificate-authority={}", s.ca.display()))
            .arg(format!("--token={token}"))
            .args([
                "auth",
                "whoami",
                "-o",
                "jsonpath={.status.userInfo.username}",
            ])
            .env("KUBECONFIG", "/dev/null")
            .env("KUBECACHEDIR", s.dir.join("kube-cache-vap"));
        let out = common::run_cmd(&mut c, b"");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(output_text(&out))
        }
    };
    let user = service_account_user(&ns, "spaces-argocd-plugin");
    let first = token_of("spaces-argocd-plugin-token");
    assert_eq!(whoami(&first), Ok(user.clone()));

    // Rotation: a second token Secret, a copy of the generated one under another name.
    let token_doc = objects
        .split("\n---\n")
        .find(|d| d.contains("type: kubernetes.io/service-account-token"))
        .expect("the generated token Secret")
        .to_string();
    let second_doc = token_doc.replace(
        "name: \"spaces-argocd-plugin-token\"",
        "name: \"spaces-argocd-plugin-token-2\"",
    );
    assert_ne!(
        second_doc, token_doc,
        "the Secret's name is written as expected"
    );
    kubectl_ok(&["apply", "-f", "-"], second_doc.as_bytes());
    let second = token_of("spaces-argocd-plugin-token-2");
    assert_ne!(second, first);
    assert_eq!(whoami(&second), Ok(user.clone()));

    // Deleting the first revokes its token; the second keeps working.
    kubectl_ok(
        &["-n", &ns, "delete", "secret", "spaces-argocd-plugin-token"],
        b"",
    );
    let refused = |token: &str| {
        let t0 = Instant::now();
        loop {
            match whoami(token) {
                Err(e) if e.contains("Unauthorized") => break,
                other => assert!(
                    t0.elapsed() < Duration::from_secs(30),
                    "a deleted Secret's token must be refused: {other:?}"
                ),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    refused(&first);
    assert_eq!(whoami(&second), Ok(user.clone()));

    // A GitOps re-create of the generated Secret: same name, a new token; the old stays refused.
    kubectl_ok(&["apply", "-f", "-"], objects.as_bytes());
    let recreated = token_of("spaces-argocd-plugin-token");
    assert_ne!(recreated, first);
    assert_eq!(whoami(&recreated), Ok(user));
    refused(&first);
}
