//! The typed view of the values this tool acts on, each value with the place it came from,
//! plus the cross-field rules the schema cannot say cleanly.
//!
//! Built only from values that passed schema validation; a value of the wrong type here is
//! treated as absent (its schema diagnostic already failed the run).

use crate::diag::{Code, Diagnostic, Origin};
use crate::values::versions::{self, SpacesVersion};
use crate::values::{yaml, Loaded};
use serde::Serialize;
use serde_json::Value;

/// The values path of the alpha features (`features.alpha`).
pub use crate::values::versions::ALPHA;

/// The type and format of a flag this tool acts on (the schema says the same: a test compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagType {
    Bool,
    /// A namespace name (DNS-1123 label).
    Namespace,
    /// An object name (DNS-1123 subdomain).
    ObjectName,
    /// A key of a Secret's data.
    SecretKey,
}

impl FlagType {
    /// The schema definition of a string flag's format (`None` for a boolean).
    pub fn schema_ref(self) -> Option<&'static str> {
        match self {
            FlagType::Bool => None,
            FlagType::Namespace => Some("#/$defs/dns1123Label"),
            FlagType::ObjectName => Some("#/$defs/dns1123Subdomain"),
            FlagType::SecretKey => Some("#/$defs/secretKey"),
        }
    }
}

/// A flag's default value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagDefault {
    Bool(bool),
    Str(&'static str),
}

impl FlagDefault {
    pub fn to_json(self) -> Value {
        match self {
            FlagDefault::Bool(b) => Value::Bool(b),
            FlagDefault::Str(s) => Value::String(s.to_string()),
        }
    }
}

/// One flag this tool acts on: its path under the feature, type and default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    pub path: &'static str,
    pub ty: FlagType,
    pub default: FlagDefault,
}

/// What the objects a feature generates are part of: their `app.kubernetes.io/component`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    ArgocdPlugin,
    ExternalSecrets,
}

impl Component {
    pub const ALL: [Component; 2] = [Component::ArgocdPlugin, Component::ExternalSecrets];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::ArgocdPlugin => "argocd-plugin",
            Component::ExternalSecrets => "external-secrets",
        }
    }
}

impl Serialize for Component {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A feature under `features.alpha` this tool acts on, and every flag of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    /// The key under `features.alpha`.
    pub key: &'static str,
    pub component: Component,
    pub flags: &'static [Flag],
}

const fn flag(path: &'static str, ty: FlagType, default: FlagDefault) -> Flag {
    Flag { path, ty, default }
}

/// The features this tool acts on: the one table behind the schema's defaults for them, the
/// set of keys a misspelling of which is an error, the typed view below and the plan's
/// components. Tests check it against the schema (every flag, both ways) and the plan (every
/// generated object belongs to a feature's component).
pub const FEATURES: &[Feature] = &[
    Feature {
        key: "argocdPlugin",
        component: Component::ArgocdPlugin,
        flags: &[
            flag("enabled", FlagType::Bool, FlagDefault::Bool(false)),
            flag(
                "useUIDFormatForCTPSecrets",
                FlagType::Bool,
                FlagDefault::Bool(false),
            ),
            flag(
                "target.secretNamespace",
                FlagType::Namespace,
                FlagDefault::Str("argocd"),
            ),
            flag(
                "target.namespace",
                FlagType::Namespace,
                FlagDefault::Str("argocd"),
            ),
            flag(
                "target.externalCluster.enabled",
                FlagType::Bool,
                FlagDefault::Bool(false),
            ),
            flag(
                "target.externalCluster.secret.name",
                FlagType::ObjectName,
                FlagDefault::Str("kubeconfig"),
            ),
            flag(
                "target.externalCluster.secret.key",
                FlagType::SecretKey,
                FlagDefault::Str("kubeconfig"),
            ),
        ],
    },
    Feature {
        key: "eso",
        component: Component::ExternalSecrets,
        flags: &[
            flag("enabled", FlagType::Bool, FlagDefault::Bool(false)),
            flag(
                "namespace",
                FlagType::Namespace,
                FlagDefault::Str("external-secrets"),
            ),
        ],
    },
];

/// Every flag of [`FEATURES`] with its full dotted path (`features.alpha.eso.enabled`).
pub fn all_flags() -> impl Iterator<Item = (String, &'static Feature, &'static Flag)> {
    FEATURES.iter().flat_map(|f| {
        f.flags
            .iter()
            .map(move |fl| (format!("{ALPHA}.{}.{}", f.key, fl.path), f, fl))
    })
}

/// The flag at a full dotted path.
pub fn flag_at(path: &str) -> Option<&'static Flag> {
    all_flags().find(|(p, _, _)| p == path).map(|(_, _, f)| f)
}

/// Whether `path` is, or leads to, a part of the values this tool acts on (a feature of
/// [`FEATURES`], or a key above or below one).
pub fn acts_on(path: &str) -> bool {
    FEATURES.iter().any(|f| {
        let a = format!("{ALPHA}.{}", f.key);
        path == a
            || path.strip_prefix(&a).is_some_and(|r| r.starts_with('.'))
            || a.strip_prefix(path).is_some_and(|r| r.starts_with('.'))
    })
}

fn default_str(rel: &str) -> &'static str {
    match flag_at(&p(rel)).map(|f| f.default) {
        Some(FlagDefault::Str(s)) => s,
        _ => "",
    }
}

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

fn str_at(l: &Loaded, path: &str) -> Sourced<String> {
    let default = flag_at(path)
        .map(|f| match f.default {
            FlagDefault::Str(s) => s,
            FlagDefault::Bool(_) => "",
        })
        .unwrap_or("");
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
        // The chart reads only secretNamespace; target.namespace is the reference document's
        // name. Set alone and equal to the effective secretNamespace it changes nothing (a
        // note); any other disagreement would put the RBAC in one namespace while the plugin
        // writes to another, and Helm never shows a successful post-renderer's warnings: an
        // error in every mode.
        let effective = canonical.unwrap_or(default_str("argocdPlugin.target.secretNamespace"));
        let secret_namespace = match (canonical, alias) {
            (_, Some(a)) if a != effective => {
                // An invalid name is already an error of its own.
                if crate::k8s::is_dns_label(a) {
                    diags.push(
                        namespace_alias_conflict(l, a, canonical.is_some(), &ns_path, &sns_path)
                            .at(l.origins.lookup(&ns_path).cloned()),
                    );
                }
                str_at(l, &sns_path)
            }
            (None, Some(a)) => {
                if crate::k8s::is_dns_label(a) {
                    diags.push(
                        namespace_alias(a, &ns_path, &sns_path)
                            .at(l.origins.lookup(&ns_path).cloned()),
                    );
                }
                str_at(l, &ns_path)
            }
            _ => str_at(l, &sns_path),
        };
        let argocd = ArgoCd {
            enabled: bool_at(l, &p("argocdPlugin.enabled")),
            secret_namespace,
            external: bool_at(l, &p("argocdPlugin.target.externalCluster.enabled")),
            secret_name: str_at(l, &p("argocdPlugin.target.externalCluster.secret.name")),
            secret_key: str_at(l, &p("argocdPlugin.target.externalCluster.secret.key")),
            use_uid_format: bool_at(l, &p("argocdPlugin.useUIDFormatForCTPSecrets")),
        };
        let eso = Eso {
            enabled: bool_at(l, &p("eso.enabled")),
            namespace: str_at(l, &p("eso.namespace")),
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

    /// What Spaces `v` changes about these settings: `features.alpha.eso` is the Spaces 1.1 API
    /// (the last reference that lists it); on a later Space the ESO Namespace is not needed.
    pub fn for_spaces(&self, v: SpacesVersion) -> Vec<Diagnostic> {
        let last = versions::versions_with("eso")
            .last()
            .and_then(|d| SpacesVersion::parse(&d.version));
        if !self.eso.enabled.value || last.is_none_or(|l| v <= l) {
            return vec![];
        }
        vec![Diagnostic::info(
            Code::EsoLegacy,
            self.eso.enabled.path.clone(),
            format!("the ESO Namespace generated for --target control-plane is not needed on Spaces {v}: features.alpha.eso is the Spaces 1.1 API; Spaces 1.2 ships the External Secrets APIs in every control plane, SharedSecrets is GA and on by default since 1.13.1, and the External Secrets controller runs in each control plane's host namespace"),
        )
        .at(Some(self.eso.enabled.origin.clone()))
        .hint("on a current Space leave eso off and use SharedSecretStore / SharedExternalSecret (features.alpha.sharedSecrets); for a Spaces 1.1 Space pass --spaces-version 1.1")]
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

/// `target.namespace` set alone, equal to the effective secretNamespace: it works, but the
/// chart reads only secretNamespace.
fn namespace_alias(alias: &str, ns_path: &str, sns_path: &str) -> Diagnostic {
    Diagnostic::info(
        Code::NamespaceAlias,
        ns_path,
        format!("Spaces charts read only target.secretNamespace, which is {alias:?} here too, so the RBAC and the plugin agree"),
    )
    .hint(format!(
        "write {sns_path}={alias} instead (target.namespace is the reference document's name; no Spaces Helm reference lists it)"
    ))
}

/// `target.namespace` different from the effective secretNamespace (set or default).
fn namespace_alias_conflict(
    l: &Loaded,
    alias: &str,
    canonical_set: bool,
    ns_path: &str,
    sns_path: &str,
) -> Diagnostic {
    let effective = get(&l.effective, sns_path)
        .and_then(Value::as_str)
        .unwrap_or(default_str("argocdPlugin.target.secretNamespace"));
    let (message, hint) = if canonical_set {
        (
            format!("target.namespace ({alias:?}) is an alias of target.secretNamespace ({effective:?}), and the two disagree"),
            format!("set only one of them; both name the Argo CD namespace (secretNamespace is set at {})", origin(l, sns_path)),
        )
    } else {
        (
            format!("Spaces charts read only target.secretNamespace (default {effective:?}): the Argo CD plugin would write its Secrets to {effective:?} while the RBAC generated here went to {alias:?}"),
            format!("use --set {sns_path}={alias} instead of target.namespace"),
        )
    };
    Diagnostic::error(Code::AliasConflict, ns_path, message).hint(hint)
}
