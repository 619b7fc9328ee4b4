//! The typed view of the values this tool acts on, each value with the place it came from,
//! plus the cross-field rules the schema cannot say cleanly.
//!
//! Built only from values that passed schema validation; a value of the wrong type here is
//! treated as absent (its schema diagnostic already failed the run).

use crate::diag::{Code, Diagnostic, Origin};
use crate::values::{yaml, Loaded};
use serde::Serialize;
use serde_json::Value;

pub const ALPHA: &str = "features.alpha";

/// A value and where it came from (`Origin::Default` when the user did not set it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    pub path: String,
    pub value: T,
    pub origin: Origin,
}

/// The Argo CD plugin settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArgoCd {
    pub enabled: Sourced<bool>,
    /// `target.secretNamespace`, or its alias `target.namespace`.
    pub secret_namespace: Sourced<String>,
    pub external: Sourced<bool>,
    pub secret_name: Sourced<String>,
    pub secret_key: Sourced<String>,
    pub use_uid_format: Sourced<bool>,
}

/// External Secrets Operator settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eso {
    pub enabled: Sourced<bool>,
    pub namespace: Sourced<String>,
}

/// Everything the plan needs from values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Features {
    pub argocd: ArgoCd,
    pub eso: Eso,
    /// `controller.serviceAccount.name` when non-empty.
    pub controller_sa_name: Option<Sourced<String>>,
}

fn get<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = root;
    for s in path.split('.') {
        v = v.get(s)?;
    }
    (!v.is_null()).then_some(v)
}

fn origin(l: &Loaded, path: &str) -> Origin {
    l.origins.exact(path).cloned().unwrap_or(Origin::Default)
}

fn bool_at(l: &Loaded, path: &str) -> Sourced<bool> {
    match get(&l.effective, path).and_then(Value::as_bool) {
        Some(b) => Sourced {
            path: path.to_string(),
            value: b,
            origin: origin(l, path),
        },
        None => Sourced {
            path: path.to_string(),
            value: false,
            origin: Origin::Default,
        },
    }
}

fn str_at(l: &Loaded, path: &str, default: &str) -> Sourced<String> {
    match get(&l.effective, path).and_then(Value::as_str) {
        Some(s) => Sourced {
            path: path.to_string(),
            value: s.to_string(),
            origin: origin(l, path),
        },
        None => Sourced {
            path: path.to_string(),
            value: default.to_string(),
            origin: Origin::Default,
        },
    }
}

fn p(rest: &str) -> String {
    yaml::join_path(ALPHA, rest)
}

impl Features {
    /// The typed view and the cross-field diagnostics.
    pub fn from_values(l: &Loaded) -> (Features, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let ns_path = p("argocdPlugin.target.namespace");
        let sns_path = p("argocdPlugin.target.secretNamespace");
        let alias = get(&l.effective, &ns_path).and_then(Value::as_str);
        let canonical = get(&l.effective, &sns_path).and_then(Value::as_str);
        let secret_namespace = match (canonical, alias) {
            (Some(c), Some(a)) if c != a => {
                diags.push(
                    Diagnostic::error(
                        Code::AliasConflict,
                        ns_path.clone(),
                        format!("target.namespace ({a:?}) is an alias of target.secretNamespace ({c:?}), and the two disagree"),
                    )
                    .at(l.origins.lookup(&ns_path).cloned())
                    .hint(format!("set only one of them; both name the Argo CD namespace (secretNamespace is set at {})", origin(l, &sns_path))),
                );
                str_at(l, &sns_path, "argocd")
            }
            (Some(_), _) => str_at(l, &sns_path, "argocd"),
            (None, Some(a)) => {
                // The reference document's name. Taken as the user's intent (the RBAC goes
                // there), but the chart itself reads only secretNamespace (SPEC §2). An
                // invalid name is already an error of its own.
                if crate::k8s::is_dns_label(a) {
                    diags.push(
                        namespace_alias(a, &ns_path, &sns_path)
                            .at(l.origins.lookup(&ns_path).cloned()),
                    );
                }
                str_at(l, &ns_path, "argocd")
            }
            (None, None) => str_at(l, &sns_path, "argocd"),
        };
        let argocd = ArgoCd {
            enabled: bool_at(l, &p("argocdPlugin.enabled")),
            secret_namespace,
            external: bool_at(l, &p("argocdPlugin.target.externalCluster.enabled")),
            secret_name: str_at(
                l,
                &p("argocdPlugin.target.externalCluster.secret.name"),
                "kubeconfig",
            ),
            secret_key: str_at(
                l,
                &p("argocdPlugin.target.externalCluster.secret.key"),
                "kubeconfig",
            ),
            use_uid_format: bool_at(l, &p("argocdPlugin.useUIDFormatForCTPSecrets")),
        };
        let eso = Eso {
            enabled: bool_at(l, &p("eso.enabled")),
            namespace: str_at(l, &p("eso.namespace"), "external-secrets"),
        };
        let controller_sa_name = get(&l.effective, "controller.serviceAccount.name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| Sourced {
                path: "controller.serviceAccount.name".into(),
                value: s.to_string(),
                origin: origin(l, "controller.serviceAccount.name"),
            });

        let f = Features {
            argocd,
            eso,
            controller_sa_name,
        };
        f.cross_field(l, &mut diags);
        (f, diags)
    }

    fn cross_field(&self, l: &Loaded, diags: &mut Vec<Diagnostic>) {
        let a = &self.argocd;
        let set = |path: &str| l.origins.exact(path).is_some() && get(&l.effective, path).is_some();
        // When `enabled` itself is invalid (a schema error), "has no effect" would mislead.
        let enabled_invalid = get(&l.effective, &a.enabled.path).is_some_and(|v| !v.is_boolean());
        if !a.enabled.value && !enabled_invalid {
            for s in [&a.external, &a.use_uid_format] {
                if s.value {
                    diags.push(
                        Diagnostic::warning(
                            Code::NoEffect,
                            s.path.clone(),
                            "has no effect while the Argo CD plugin is off",
                        )
                        .at(Some(s.origin.clone()))
                        .hint(format!(
                            "also set {}=true, or remove this setting",
                            p("argocdPlugin.enabled")
                        )),
                    );
                }
            }
        }
        if self.eso.enabled.value {
            diags.push(
                Diagnostic::info(
                    Code::EsoLegacy,
                    self.eso.enabled.path.clone(),
                    "features.alpha.eso is the Spaces 1.1 API: Spaces 1.2 and later ship the External Secrets APIs in every control plane (features.alpha.sharedSecrets, GA and on by default since 1.13) and need no manifests from this tool",
                )
                .at(Some(self.eso.enabled.origin.clone()))
                .hint("on Spaces 1.2 or later, leave eso off and use SharedExternalSecret / SharedSecretStore"),
            );
        }
        if !a.external.value {
            for s in [&a.secret_name, &a.secret_key] {
                if set(&s.path) {
                    diags.push(
                        Diagnostic::info(
                            Code::Ignored,
                            s.path.clone(),
                            "ignored while externalCluster is off",
                        )
                        .at(Some(s.origin.clone()))
                        .hint(format!(
                            "set {}=true if Argo CD runs on another cluster",
                            p("argocdPlugin.target.externalCluster.enabled")
                        )),
                    );
                }
            }
        }
        let mut kube = vec![];
        if a.enabled.value {
            kube.push(&a.secret_namespace);
        }
        if self.eso.enabled.value {
            kube.push(&self.eso.namespace);
        }
        for s in kube {
            if s.value.starts_with("kube-") {
                diags.push(
                    Diagnostic::warning(Code::KubeNamespace, s.path.clone(), format!("namespace {:?} starts with kube-, which is reserved for Kubernetes itself", s.value))
                        .at(Some(s.origin.clone()))
                        .hint("use a namespace of your own, such as argocd or external-secrets"),
                );
            }
        }
    }
}

/// `target.namespace` set alone: the warning that the chart will not read it.
fn namespace_alias(alias: &str, ns_path: &str, sns_path: &str) -> Diagnostic {
    let message = if alias == "argocd" {
        "Spaces charts read only target.secretNamespace (default \"argocd\", the same namespace here), so this setting has no effect on the chart".to_string()
    } else {
        format!("Spaces charts read only target.secretNamespace, so the Argo CD plugin will still write its Secrets to \"argocd\" while the RBAC generated here goes to {alias:?}")
    };
    Diagnostic::warning(Code::NamespaceAlias, ns_path, message).hint(format!(
        "set {sns_path}={alias} as well (target.namespace is the name in the reference document; the docs renamed it in 2024)"
    ))
}
