//! Which objects to generate for a target, and why.
//!
//! The plan is the single place that decides; `why` prints the same plan's reasons, so the
//! explanation cannot drift from what is generated.

use crate::diag::Origin;
use crate::k8s::{self, group_of, RBAC_V1};
use crate::values::features::{Component, Features, Sourced};
use serde::Serialize;

/// The cluster the generated objects are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The Spaces host cluster (the Helm release of the Spaces chart).
    #[default]
    Space,
    /// A managed control plane (e.g. the external-secrets chart installed into it).
    ControlPlane,
    /// The external Argo CD cluster, when externalCluster is on.
    Argocd,
}

impl Target {
    /// Every target, in the order they are listed to users.
    pub const ALL: [Target; 3] = [Target::Space, Target::ControlPlane, Target::Argocd];

    /// The target named `name` (`space`, `control-plane`, `argocd`).
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The names, for messages: `space, control-plane, argocd`.
    pub fn names() -> String {
        Target::ALL.map(Target::as_str).join(", ")
    }

    /// What the target is, in a line (for `--help`).
    pub fn about(self) -> &'static str {
        match self {
            Target::Space => "The Spaces host cluster (the Helm release of the Spaces chart)",
            Target::ControlPlane => {
                "A managed control plane (e.g. the external-secrets chart installed into it)"
            }
            Target::Argocd => "The external Argo CD cluster, when externalCluster is on",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Space => "space",
            Target::ControlPlane => "control-plane",
            Target::Argocd => "argocd",
        }
    }
}

/// Which rule chose the controller subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectRule {
    /// `--controller-service-account NAMESPACE/NAME`.
    Flag,
    /// The rendered `spaces-controller` Deployment.
    Deployment,
    /// `controller.serviceAccount.name` from values (namespace from flag, env or default).
    Values,
    /// Neither: `spaces-controller` (namespace from flag, env or default).
    Default,
}

/// The ServiceAccount the generated RBAC binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub namespace: String,
    pub name: String,
    pub rule: SubjectRule,
    /// Where the name came from.
    pub name_origin: Origin,
    /// Where the namespace came from.
    pub namespace_origin: Origin,
}

pub const ROLE_PLUGIN: &str = "spaces-argocd-plugin";
pub const ROLE_READER: &str = "spaces-argocd-kubeconfig-reader";
pub const ARGOCD_SA: &str = "spaces-argocd-plugin";
pub const ARGOCD_TOKEN: &str = "spaces-argocd-plugin-token";

/// Verbs of the writer Role: the plugin creates, updates and deletes Argo CD cluster Secrets.
pub const WRITER_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
/// Verbs of the secrets-reader: read one Secret.
pub const READER_VERBS: &[&str] = &["get", "list", "watch"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub verbs: Vec<String>,
}

impl Rule {
    fn secrets(verbs: &[&str], names: &[&str]) -> Rule {
        Rule {
            api_groups: vec![String::new()],
            resources: vec!["secrets".into()],
            resource_names: names.iter().map(|s| s.to_string()).collect(),
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectRef {
    pub name: String,
    pub namespace: String,
}

/// What made an object appear: a values path, its value and its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    pub path: String,
    pub value: serde_json::Value,
    pub origin: Origin,
}

fn cause<T: Serialize>(s: &Sourced<T>) -> Cause {
    Cause {
        path: s.path.clone(),
        value: serde_json::to_value(&s.value).unwrap_or(serde_json::Value::Null),
        origin: s.origin.clone(),
    }
}

/// The kinds of object the tool generates, in the order they are written (a Namespace before
/// what lives in it, a ServiceAccount before its token, a Role before its binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    ServiceAccount,
    Secret,
    Role,
    RoleBinding,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Namespace,
        Kind::ServiceAccount,
        Kind::Secret,
        Kind::Role,
        Kind::RoleBinding,
    ];

    /// The kind of an object of API group `group` and kind `kind`, when it is one of these.
    pub fn of(group: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind && group_of(k.api_version()) == group)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::Secret => "Secret",
            Kind::Role => "Role",
            Kind::RoleBinding => "RoleBinding",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Namespace | Kind::ServiceAccount | Kind::Secret => "v1",
            Kind::Role | Kind::RoleBinding => RBAC_V1,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One object to generate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    pub kind: Kind,
    pub api_version: &'static str,
    pub name: String,
    pub namespace: Option<String>,
    pub component: Component,
    pub rules: Vec<Rule>,
    pub role_ref: Option<String>,
    pub subjects: Vec<SubjectRef>,
    /// Annotations the object needs (not the Helm 4 file name, which the renderer adds).
    pub annotations: Vec<(String, String)>,
    /// The values that caused it.
    pub because: Vec<Cause>,
    /// Whether the controller subject decided part of it.
    pub uses_subject: bool,
    /// Whether its namespace is the controller's (known only once the input is read).
    #[serde(skip)]
    pub in_controller_namespace: bool,
    /// What must hold, and what it allows, that no values can change (shown by `why`).
    pub notes: Vec<String>,
}

impl Planned {
    pub fn group(&self) -> &str {
        group_of(self.api_version)
    }
}

/// One setting a skipped object needs: a values path and the value it must have.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub path: String,
    pub value: serde_json::Value,
}

impl Need {
    fn is(path: &str, value: bool) -> Need {
        Need {
            path: path.to_string(),
            value: serde_json::Value::Bool(value),
        }
    }
}

/// An object that is not generated, and what would turn it on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub kind: Kind,
    pub name: String,
    pub target: Target,
    /// The settings that would generate it.
    pub needs: Vec<Need>,
    /// The settings as they are now.
    pub now: Vec<Cause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub target: Target,
    pub objects: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

fn role(name: &str, ns: &str, component: Component, rule: Rule, because: Vec<Cause>) -> Planned {
    Planned {
        kind: Kind::Role,
        api_version: RBAC_V1,
        name: name.into(),
        namespace: Some(ns.into()),
        component,
        rules: vec![rule],
        role_ref: None,
        subjects: vec![],
        annotations: vec![],
        because,
        uses_subject: false,
        in_controller_namespace: false,
        notes: vec![],
    }
}

fn binding(
    name: &str,
    ns: &str,
    component: Component,
    subject: SubjectRef,
    because: Vec<Cause>,
    uses_subject: bool,
) -> Planned {
    Planned {
        kind: Kind::RoleBinding,
        api_version: RBAC_V1,
        name: name.into(),
        namespace: Some(ns.into()),
        component,
        rules: vec![],
        role_ref: Some(name.into()),
        subjects: vec![subject],
        annotations: vec![],
        because,
        uses_subject,
        in_controller_namespace: false,
        notes: vec![],
    }
}

/// The name of an object the tool can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnName {
    /// Always this name.
    Fixed(&'static str),
    /// A name taken from values (`eso.namespace`): any name.
    FromValues,
}

/// Every object the tool can generate, by component: the kinds and names [`plan`] produces
/// (a test walks every flag of the schema and checks both ways). Stale output of an earlier
/// run is recognised by this table.
pub const OWN: &[(Component, Kind, OwnName)] = &[
    (
        Component::ArgocdPlugin,
        Kind::Role,
        OwnName::Fixed(ROLE_PLUGIN),
    ),
    (
        Component::ArgocdPlugin,
        Kind::RoleBinding,
        OwnName::Fixed(ROLE_PLUGIN),
    ),
    (
        Component::ArgocdPlugin,
        Kind::Role,
        OwnName::Fixed(ROLE_READER),
    ),
    (
        Component::ArgocdPlugin,
        Kind::RoleBinding,
        OwnName::Fixed(ROLE_READER),
    ),
    (
        Component::ArgocdPlugin,
        Kind::ServiceAccount,
        OwnName::Fixed(ARGOCD_SA),
    ),
    (
        Component::ArgocdPlugin,
        Kind::Secret,
        OwnName::Fixed(ARGOCD_TOKEN),
    ),
    (
        Component::ExternalSecrets,
        Kind::Namespace,
        OwnName::FromValues,
    ),
];

/// The [`OWN`] entry an object of this kind and name matches.
pub fn own_entry(kind: Kind, name: &str) -> Option<&'static (Component, Kind, OwnName)> {
    OWN.iter().find(|(_, k, n)| {
        *k == kind
            && match n {
                OwnName::Fixed(f) => *f == name,
                OwnName::FromValues => true,
            }
    })
}

/// Whether the tool generates an object of this group, kind and name for *some* values and
/// target: only such an object, carrying the marker label, is stale output of an earlier run.
/// Anything else with the marker label is the user's and passes through.
pub fn is_own_identity(group: &str, kind: &str, name: &str) -> bool {
    Kind::of(group, kind).is_some_and(|k| own_entry(k, name).is_some())
}

/// A Role and its RoleBinding named `name` in the Argo CD plugin's component: planned when
/// `planned` holds (rule, namespace, causes), else both listed as skipped with what would
/// turn them on. `ns_is_subjects` marks objects whose namespace is the controller subject's.
#[allow(clippy::too_many_arguments)]
fn pair(
    objects: &mut Vec<Planned>,
    skipped: &mut Vec<Skipped>,
    name: &str,
    planned: Option<(Rule, String, Vec<Cause>)>,
    subject: &SubjectRef,
    needs: [&Need; 2],
    now: &[Cause],
    ns_is_subjects: bool,
) {
    match planned {
        Some((rule, ns, because)) => {
            let mut r = role(name, &ns, Component::ArgocdPlugin, rule, because.clone());
            r.uses_subject = ns_is_subjects;
            r.in_controller_namespace = ns_is_subjects;
            objects.push(r);
            let mut b = binding(
                name,
                &ns,
                Component::ArgocdPlugin,
                subject.clone(),
                because,
                true,
            );
            b.in_controller_namespace = ns_is_subjects;
            objects.push(b);
        }
        None => {
            for kind in [Kind::Role, Kind::RoleBinding] {
                skipped.push(Skipped {
                    kind,
                    name: name.into(),
                    target: Target::Space,
                    needs: needs.iter().map(|&n| n.clone()).collect(),
                    now: now.to_vec(),
                });
            }
        }
    }
}

/// What must hold for an object, and what it allows, that no values can change.
fn notes_for(target: Target, o: &Planned) -> Vec<String> {
    let ns = o.namespace.as_deref().unwrap_or("");
    match (target, o.kind, o.name.as_str()) {
        (Target::Space, Kind::Role, ROLE_PLUGIN) => vec![
            format!("the namespace {ns} must exist before the Spaces release is installed: Argo CD creates it, and this tool never generates it (a Namespace in the Spaces release would be deleted with it)"),
            format!("this Role lets the controller write every Secret in {ns}, Argo CD's own credentials included (Argo CD's docs warn about this); it adds permissions and may duplicate the chart's own RBAC, never reduces it"),
        ],
        (Target::Space, Kind::Role, ROLE_READER) => vec![
            "restricted by resourceNames, list and watch work only with a metadata.name field selector for the Secret; get works as is".to_string(),
        ],
        (Target::Argocd, Kind::Role, ROLE_PLUGIN) => vec![
            format!("this Role lets the kubeconfig's identity write every Secret in {ns}, Argo CD's own credentials included (Argo CD's docs warn about this)"),
        ],
        (Target::ControlPlane, Kind::Namespace, _) => vec![
            "the Space creates this namespace in each control plane itself: the annotations keep it on `helm uninstall` and from Argo CD prunes and app deletion".to_string(),
            "Helm refuses to adopt a namespace that already exists unless it is installed with --take-ownership (Helm 3.17 and later)".to_string(),
        ],
        _ => vec![],
    }
}

/// Decide the objects for `target`. `subject` is needed for the `space` target only.
pub fn plan(f: &Features, target: Target, subject: &Subject) -> Plan {
    let a = &f.argocd;
    let on = Component::ArgocdPlugin;
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    let ns = a.secret_namespace.value.clone();
    let sub = SubjectRef {
        name: subject.name.clone(),
        namespace: subject.namespace.clone(),
    };
    match target {
        Target::Space => {
            let enable = Need::is(&a.enabled.path, true);
            let now = vec![cause(&a.enabled), cause(&a.external)];
            // The writer in the Argo CD namespace (Argo CD on this cluster) ...
            let writer = (a.enabled.value && !a.external.value).then(|| {
                let because = vec![
                    cause(&a.enabled),
                    cause(&a.external),
                    cause(&a.secret_namespace),
                ];
                (Rule::secrets(WRITER_VERBS, &[]), ns.clone(), because)
            });
            let off = Need::is(&a.external.path, false);
            pair(
                &mut objects,
                &mut skipped,
                ROLE_PLUGIN,
                writer,
                &sub,
                [&enable, &off],
                &now,
                false,
            );
            // ... or the secrets-reader of the kubeconfig in the controller namespace (external).
            let reader = (a.enabled.value && a.external.value).then(|| {
                let because = vec![cause(&a.enabled), cause(&a.external), cause(&a.secret_name)];
                (
                    Rule::secrets(READER_VERBS, &[&a.secret_name.value]),
                    subject.namespace.clone(),
                    because,
                )
            });
            let on_ext = Need::is(&a.external.path, true);
            pair(
                &mut objects,
                &mut skipped,
                ROLE_READER,
                reader,
                &sub,
                [&enable, &on_ext],
                &now,
                true,
            );
        }
        Target::ControlPlane => {
            let e = &f.eso;
            if e.enabled.value {
                objects.push(Planned {
                    kind: Kind::Namespace,
                    api_version: "v1",
                    name: e.namespace.value.clone(),
                    namespace: None,
                    component: Component::ExternalSecrets,
                    rules: vec![],
                    role_ref: None,
                    subjects: vec![],
                    // The Space creates this namespace in each control plane itself: neither a
                    // `helm uninstall` nor an Argo CD prune or app deletion may ever delete it.
                    annotations: vec![
                        (k8s::HELM_RESOURCE_POLICY.into(), "keep".into()),
                        (
                            k8s::ARGOCD_SYNC_OPTIONS.into(),
                            "Prune=false,Delete=false".into(),
                        ),
                    ],
                    because: vec![cause(&e.enabled), cause(&e.namespace)],
                    uses_subject: false,
                    in_controller_namespace: false,
                    notes: vec![],
                });
            } else {
                skipped.push(Skipped {
                    kind: Kind::Namespace,
                    name: e.namespace.value.clone(),
                    target,
                    needs: vec![Need::is(&e.enabled.path, true)],
                    now: vec![cause(&e.enabled)],
                });
            }
        }
        Target::Argocd => {
            if a.enabled.value && a.external.value {
                let because = vec![
                    cause(&a.enabled),
                    cause(&a.external),
                    cause(&a.secret_namespace),
                ];
                let sa = SubjectRef {
                    name: ARGOCD_SA.into(),
                    namespace: ns.clone(),
                };
                objects.push(Planned {
                    kind: Kind::ServiceAccount,
                    api_version: "v1",
                    name: ARGOCD_SA.into(),
                    namespace: Some(ns.clone()),
                    component: on,
                    rules: vec![],
                    role_ref: None,
                    subjects: vec![],
                    annotations: vec![],
                    because: because.clone(),
                    uses_subject: false,
                    in_controller_namespace: false,
                    notes: vec![],
                });
                objects.push(Planned {
                    kind: Kind::Secret,
                    api_version: "v1",
                    name: ARGOCD_TOKEN.into(),
                    namespace: Some(ns.clone()),
                    component: on,
                    rules: vec![],
                    role_ref: None,
                    subjects: vec![],
                    annotations: vec![(
                        "kubernetes.io/service-account.name".into(),
                        ARGOCD_SA.into(),
                    )],
                    because: because.clone(),
                    uses_subject: false,
                    in_controller_namespace: false,
                    notes: vec![],
                });
                objects.push(role(
                    ROLE_PLUGIN,
                    &ns,
                    on,
                    Rule::secrets(WRITER_VERBS, &[]),
                    because.clone(),
                ));
                objects.push(binding(ROLE_PLUGIN, &ns, on, sa, because, false));
            } else {
                for (kind, name) in [
                    (Kind::ServiceAccount, ARGOCD_SA),
                    (Kind::Secret, ARGOCD_TOKEN),
                    (Kind::Role, ROLE_PLUGIN),
                    (Kind::RoleBinding, ROLE_PLUGIN),
                ] {
                    skipped.push(Skipped {
                        kind,
                        name: name.into(),
                        target,
                        needs: vec![
                            Need::is(&a.enabled.path, true),
                            Need::is(&a.external.path, true),
                        ],
                        now: vec![cause(&a.enabled), cause(&a.external)],
                    });
                }
            }
        }
    }
    for o in &mut objects {
        o.notes = notes_for(target, o);
    }
    objects.sort_by(|x, y| (x.kind, &x.namespace, &x.name).cmp(&(y.kind, &y.namespace, &y.name)));
    Plan {
        target,
        objects,
        skipped,
    }
}

impl Plan {
    /// Whether any planned object binds or lives with the controller subject, so that the
    /// subject must be resolved and valid.
    pub fn needs_subject(&self) -> bool {
        self.objects.iter().any(|o| o.uses_subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::RBAC_GROUP;
    use crate::values::{self, ValuesInput};

    fn features(set: &[&str]) -> Features {
        let input = ValuesInput {
            set: set.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let loaded = values::load(&input, None).expect("values");
        Features::from_values(&loaded).0
    }

    fn subject() -> Subject {
        Subject {
            namespace: "ctl".into(),
            name: "sa".into(),
            rule: SubjectRule::Default,
            name_origin: Origin::Default,
            namespace_origin: Origin::Default,
        }
    }

    /// Every combination of the boolean flags of the feature table (with a non-default value
    /// for every other flag), for every target: each planned object is an [`OWN`] entry of its
    /// own component, and every [`OWN`] entry is planned by some combination. A new flag or a
    /// new generated object enters this walk without a change here.
    #[test]
    fn every_flag_combination_plans_only_own_objects_and_every_own_object_is_planned() {
        use crate::values::features::{all_flags, FlagType};
        let flags: Vec<(String, FlagType)> = all_flags()
            .filter(|(p, _, _)| !p.ends_with("target.namespace"))
            .map(|(p, _, f)| (p, f.ty))
            .collect();
        let bools: Vec<&String> = flags
            .iter()
            .filter(|(_, t)| *t == FlagType::Bool)
            .map(|(p, _)| p)
            .collect();
        assert!(bools.len() >= 4, "{bools:?}");
        let mut planned = std::collections::BTreeSet::new();
        for bits in 0u32..(1 << bools.len()) {
            let mut set: Vec<String> = bools
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{p}={}", bits & (1 << i) != 0))
                .collect();
            for (p, t) in &flags {
                match t {
                    FlagType::Bool => {}
                    FlagType::Namespace | FlagType::ObjectName | FlagType::SecretKey => {
                        set.push(format!("{p}=some-{}", p.len()))
                    }
                }
            }
            let refs: Vec<&str> = set.iter().map(String::as_str).collect();
            let f = features(&refs);
            for t in Target::ALL {
                for o in plan(&f, t, &subject()).objects {
                    let entry = own_entry(o.kind, &o.name).unwrap_or_else(|| {
                        panic!("{} {} is planned but not in OWN", o.kind, o.name)
                    });
                    assert_eq!(entry.0, o.component, "{} {}", o.kind, o.name);
                    assert!(is_own_identity(o.group(), o.kind.as_str(), &o.name));
                    planned.insert(OWN.iter().position(|e| e == entry).unwrap_or(usize::MAX));
                }
            }
        }
        for (i, e) in OWN.iter().enumerate() {
            assert!(
                planned.contains(&i),
                "{e:?} is in OWN but no values plan it"
            );
        }
        assert!(!is_own_identity("", "ConfigMap", ROLE_PLUGIN));
        assert!(!is_own_identity("", "Role", ROLE_PLUGIN));
        assert!(!is_own_identity(RBAC_GROUP, "Role", "other"));
        assert!(!is_own_identity("apps", "Namespace", "x"));
        assert!(!is_own_identity("", "Secret", ARGOCD_SA));
    }

    /// Every feature of the table owns some generated object.
    #[test]
    fn every_component_generates_something() {
        for c in crate::values::features::Component::ALL {
            assert!(OWN.iter().any(|(oc, _, _)| *oc == c), "{c:?}");
        }
        for f in crate::values::features::FEATURES {
            assert!(OWN.iter().any(|(oc, _, _)| *oc == f.component), "{}", f.key);
        }
    }

    #[test]
    fn target_names_round_trip() {
        assert_eq!(Target::names(), "space, control-plane, argocd");
        for t in Target::ALL {
            assert_eq!(Target::from_name(t.as_str()), Some(t));
        }
        assert_eq!(Target::from_name("spaces"), None);
    }

    #[test]
    fn only_argocd_plugin_objects_need_the_subject() {
        let off = features(&[]);
        let on = features(&["features.alpha.argocdPlugin.enabled=true"]);
        let eso = features(&["features.alpha.eso.enabled=true"]);
        assert!(!plan(&off, Target::Space, &subject()).needs_subject());
        assert!(plan(&on, Target::Space, &subject()).needs_subject());
        assert!(!plan(&eso, Target::ControlPlane, &subject()).needs_subject());
        assert!(!plan(&on, Target::ControlPlane, &subject()).needs_subject());
    }
}
