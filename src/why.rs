//! `why`: for each object a run would generate, the values that caused it (each with its value
//! and source) and how the controller subject was chosen; and every object that is *not*
//! generated, with the settings that would turn it on.
//!
//! Provenance is not computed here. The rendered input goes through
//! [`crate::pipeline::prepare`] (scan into a sink, then decide), which returns the same
//! [`crate::plan::Plan`] and [`Subject`] that `generate` and the post-renderer render from; this module only
//! formats them. An explanation therefore cannot drift from what is generated.
//!
//! The JSON shape (`why --format json`, `"version": 1`) is documented once, in
//! `docs/reference/why-json.md`; a test fails when `why` prints a field that page does not name.

use crate::decide::Decision;
use crate::diag::Origin;
use crate::pipeline::Settings;
use crate::plan::{self, Cause, Kind, Planned, Skipped, Subject, SubjectRule, Target};
use crate::render;
use crate::scan::{ControllerDeployment, Scan};
use crate::values::features::Features;
use serde::Serialize;
use serde_json::Value;

/// Output format of `why`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhyFormat {
    /// Text for people.
    #[default]
    Human,
    /// The JSON shape documented in docs/reference/why-json.md.
    Json,
}

impl WhyFormat {
    pub const ALL: [WhyFormat; 2] = [WhyFormat::Human, WhyFormat::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            WhyFormat::Human => "human",
            WhyFormat::Json => "json",
        }
    }
}

/// The explanation of one run (its JSON shape: docs/reference/why-json.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Why {
    pub version: u32,
    pub target: Target,
    pub generated: Vec<WhyObject>,
    pub not_generated: Vec<WhyNot>,
    pub subject: WhySubject,
    pub other_targets: Vec<OtherTarget>,
}

/// One object that would be generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhyObject {
    pub kind: Kind,
    pub api_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub target: Target,
    /// The `# Source:` line of the generated document.
    pub source: String,
    /// False when the input already holds it (a Namespace is then not generated again) or
    /// every object of the input is a Helm hook.
    pub written: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub already_in_input: Vec<String>,
    pub because: Vec<WhyCause>,
    pub uses_subject: bool,
    /// What must hold, and what the object allows, that no values can change
    /// (preconditions, scope warnings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A values path, its value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhyCause {
    pub path: String,
    pub value: Value,
    /// `values.yaml:9:16`, `--set argument 2` or `default`.
    pub from: String,
    pub origin: Origin,
}

/// An object that is not generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhyNot {
    pub kind: Kind,
    pub name: String,
    pub target: Target,
    pub needs: Vec<WhyNeed>,
}

/// One setting an object that is not generated needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhyNeed {
    pub path: String,
    /// The value it needs.
    pub value: Value,
    /// The value it has now.
    pub current: Value,
    pub from: String,
    pub origin: Origin,
    pub met: bool,
}

/// Where one half (name or namespace) of the subject came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhyFrom {
    /// What decided it: a field of the Deployment, a values path, a flag, a default.
    pub field: String,
    pub from: String,
    pub origin: Origin,
}

/// The controller subject and the rule that chose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhySubject {
    pub namespace: String,
    pub name: String,
    pub rule: SubjectRule,
    pub rule_number: u8,
    pub reason: String,
    pub name_from: WhyFrom,
    pub namespace_from: WhyFrom,
    pub used: bool,
}

/// Another target for which the same values generate objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OtherTarget {
    pub target: Target,
    pub objects: usize,
}

fn why_cause(c: &Cause) -> WhyCause {
    WhyCause {
        path: c.path.clone(),
        value: c.value.clone(),
        from: c.origin.to_string(),
        origin: c.origin.clone(),
    }
}

fn needs(s: &Skipped) -> Vec<WhyNeed> {
    s.needs
        .iter()
        .map(|n| {
            let (path, value) = (n.path.as_str(), n.value.clone());
            match s.now.iter().find(|c| c.path == path) {
                Some(c) => WhyNeed {
                    path: path.into(),
                    met: c.value == value,
                    value,
                    current: c.value.clone(),
                    from: c.origin.to_string(),
                    origin: c.origin.clone(),
                },
                None => WhyNeed {
                    path: path.into(),
                    value,
                    current: Value::Null,
                    from: Origin::Default.to_string(),
                    origin: Origin::Default,
                    met: false,
                },
            }
        })
        .collect()
}

/// What decided the namespace when neither the flag nor the Deployment did.
fn fallback_field(o: &Origin) -> String {
    match o {
        Origin::Flag { flag } => flag.clone(),
        Origin::Env { name } => format!("${name}"),
        Origin::Default => "built-in default (no --namespace, no $HELM_NAMESPACE)".to_string(),
        other => other.to_string(),
    }
}

fn from(field: impl Into<String>, origin: &Origin) -> WhyFrom {
    WhyFrom {
        field: field.into(),
        from: origin.to_string(),
        origin: origin.clone(),
    }
}

fn why_subject(s: &Subject, scan: &Scan, used: bool) -> WhySubject {
    let no_deployment = if scan.documents == 0 {
        "no rendered input was given"
    } else {
        "the input has no Deployment spaces-controller"
    };
    let controller: Option<&ControllerDeployment> = scan.controller.as_ref();
    let (rule_number, reason, name_from, namespace_from) = match s.rule {
        SubjectRule::Flag => (
            1,
            "--controller-service-account".to_string(),
            from("--controller-service-account", &s.name_origin),
            from("--controller-service-account", &s.namespace_origin),
        ),
        SubjectRule::Deployment => {
            let name_field = match controller.and_then(|c| c.service_account.as_ref()) {
                Some(_) => "spec.template.spec.serviceAccountName".to_string(),
                None => "Kubernetes default (spec.template.spec.serviceAccountName is absent)"
                    .to_string(),
            };
            let ns_field = match controller.and_then(|c| c.namespace.as_ref()) {
                Some(_) => "metadata.namespace".to_string(),
                None => format!(
                    "{} (metadata.namespace is absent)",
                    fallback_field(&s.namespace_origin)
                ),
            };
            (
                2,
                "the rendered Deployment spaces-controller (no --controller-service-account)"
                    .to_string(),
                from(name_field, &s.name_origin),
                from(ns_field, &s.namespace_origin),
            )
        }
        SubjectRule::Values => (
            3,
            format!("controller.serviceAccount.name from values (no --controller-service-account; {no_deployment})"),
            from("controller.serviceAccount.name", &s.name_origin),
            from(fallback_field(&s.namespace_origin), &s.namespace_origin),
        ),
        SubjectRule::Default => (
            3,
            format!("the built-in name (no --controller-service-account; {no_deployment}; controller.serviceAccount.name is not set)"),
            from("built-in default", &s.name_origin),
            from(fallback_field(&s.namespace_origin), &s.namespace_origin),
        ),
    };
    WhySubject {
        namespace: s.namespace.clone(),
        name: s.name.clone(),
        rule: s.rule.clone(),
        rule_number,
        reason,
        name_from,
        namespace_from,
        used,
    }
}

fn why_object(target: Target, o: &Planned, written: bool, present: Option<&Origin>) -> WhyObject {
    WhyObject {
        kind: o.kind,
        api_version: o.api_version,
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        target,
        source: render::source_name(target, o),
        written,
        already_in_input: match (written, present) {
            (false, Some(o)) => vec![o.to_string()],
            _ => vec![],
        },
        because: o.because.iter().map(why_cause).collect(),
        uses_subject: o.uses_subject,
        notes: o.notes.clone(),
    }
}

/// Build the explanation from what [`crate::decide::decide`] returned for this run.
pub fn explain(settings: &Settings, features: &Features, scan: &Scan, decision: &Decision) -> Why {
    let Decision {
        plan,
        subject,
        write,
        present,
        ..
    } = decision;
    let generated: Vec<WhyObject> = plan
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            why_object(
                plan.target,
                o,
                write.get(i).copied().unwrap_or(false),
                present.get(i).and_then(Option::as_ref),
            )
        })
        .collect();
    let not_generated = plan
        .skipped
        .iter()
        .map(|s| WhyNot {
            kind: s.kind,
            name: s.name.clone(),
            target: s.target,
            needs: needs(s),
        })
        .collect();
    let used = plan.objects.iter().any(|o| o.uses_subject);
    let other_targets = Target::ALL
        .into_iter()
        .filter(|t| *t != settings.target)
        .map(|t| OtherTarget {
            target: t,
            objects: plan::plan(features, t, subject).objects.len(),
        })
        .filter(|o| o.objects > 0)
        .collect();
    Why {
        version: 1,
        target: plan.target,
        generated,
        not_generated,
        subject: why_subject(subject, scan, used),
        other_targets,
    }
}

/// What decided it, and where that is when it has a position (file, `--set` argument, input).
fn decided_by(f: &WhyFrom) -> String {
    match f.origin {
        Origin::File { .. }
        | Origin::Arg { .. }
        | Origin::Field { .. }
        | Origin::Input { .. }
        | Origin::Item { .. } => {
            format!("{}, {}", f.field, f.from)
        }
        Origin::Flag { .. } | Origin::Env { .. } | Origin::Default => f.field.clone(),
    }
}

fn object_title(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

fn push_aligned(out: &mut String, label: &str, rows: &[(String, String)]) {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (i, (left, right)) in rows.iter().enumerate() {
        let lead = if i == 0 {
            label.to_string()
        } else {
            " ".repeat(label.chars().count())
        };
        let pad = width - left.chars().count();
        if right.is_empty() {
            out.push_str(&format!("{lead}{left}\n"));
        } else {
            out.push_str(&format!("{lead}{left}{}  {right}\n", " ".repeat(pad)));
        }
    }
}

impl Why {
    /// The text form, for people.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let t = self.target.as_str();
        let written = self.generated.iter().filter(|o| o.written).count();
        let present = self
            .generated
            .iter()
            .filter(|o| !o.already_in_input.is_empty())
            .count();
        let present = if present > 0 {
            format!(", {present} already in the input")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "target {t}: {written} object{} generated{present}, {} not generated\n",
            if written == 1 { "" } else { "s" },
            self.not_generated.len()
        ));
        for o in &self.generated {
            out.push('\n');
            out.push_str(&object_title(
                o.kind.as_str(),
                o.namespace.as_deref(),
                &o.name,
            ));
            out.push('\n');
            out.push_str(&format!(
                "  target:    {} ({})\n",
                o.target.as_str(),
                o.source
            ));
            if !o.written && o.already_in_input.is_empty() {
                out.push_str(
                    "  written:   no, every object of the input is a Helm hook (nothing is generated for a hooks-only post-render)\n",
                );
            } else if !o.written {
                out.push_str(&format!(
                    "  written:   no, the input already has it ({})\n",
                    o.already_in_input.join("; ")
                ));
            }
            let rows: Vec<(String, String)> = o
                .because
                .iter()
                .map(|c| (format!("{} = {}", c.path, c.value), c.from.clone()))
                .collect();
            push_aligned(&mut out, "  because:   ", &rows);
            for (i, n) in o.notes.iter().enumerate() {
                let lead = if i == 0 {
                    "  note:      "
                } else {
                    "             "
                };
                out.push_str(lead);
                out.push_str(n);
                out.push('\n');
            }
            if o.uses_subject {
                let s = &self.subject;
                let what = if o.kind == Kind::RoleBinding {
                    "binds"
                } else {
                    "lives in the namespace of"
                };
                out.push_str(&format!(
                    "  subject:   {what} ServiceAccount {}/{}\n",
                    s.namespace, s.name
                ));
                out.push_str(&format!(
                    "             chosen by rule {} of 3: {}\n",
                    s.rule_number, s.reason
                ));
                push_aligned(
                    &mut out,
                    "             ",
                    &[
                        (format!("name       {}", s.name), decided_by(&s.name_from)),
                        (
                            format!("namespace  {}", s.namespace),
                            decided_by(&s.namespace_from),
                        ),
                    ],
                );
            }
        }
        if !self.not_generated.is_empty() {
            out.push_str("\nnot generated:\n");
            for n in &self.not_generated {
                out.push_str(&format!(
                    "\n{} (target {})\n",
                    object_title(n.kind.as_str(), None, &n.name),
                    n.target.as_str()
                ));
                let unmet: Vec<String> = n
                    .needs
                    .iter()
                    .filter(|x| !x.met)
                    .map(|x| format!("--set {}={}", x.path, x.value))
                    .collect();
                out.push_str(&format!("  to generate: {}\n", unmet.join(" ")));
                let rows: Vec<(String, String)> = n
                    .needs
                    .iter()
                    .map(|x| (format!("{} = {}", x.path, x.current), x.from.clone()))
                    .collect();
                push_aligned(&mut out, "  now:         ", &rows);
            }
        }
        if !self.other_targets.is_empty() {
            let list: Vec<String> = self
                .other_targets
                .iter()
                .map(|o| {
                    format!(
                        "--target {} ({} object{})",
                        o.target.as_str(),
                        o.objects,
                        if o.objects == 1 { "" } else { "s" }
                    )
                })
                .collect();
            out.push_str(&format!(
                "\nthese values also generate objects for {}\n",
                list.join(", ")
            ));
        }
        out
    }

    /// The JSON form (pretty, with a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}
