//! Renders planned objects to YAML documents with minijinja templates embedded in the binary.
//!
//! `.yaml` templates auto-escape every value as JSON, which is also a YAML double-quoted scalar:
//! a value can never add keys, documents or comments, and strings such as `yes` or `0644` stay
//! strings for Kubernetes' YAML 1.1 reader. Undefined variables are errors; debug is off.

use crate::plan::{Kind, Planned, Target};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The label every generated object carries, so that a later run recognises (and replaces) it.
pub use crate::k8s::{MARKER_LABEL, MARKER_VALUE};

const TEMPLATES: &[(&str, &str)] = &[
    ("_meta.yaml", include_str!("templates/_meta.yaml")),
    ("role.yaml", include_str!("templates/role.yaml")),
    (
        "rolebinding.yaml",
        include_str!("templates/rolebinding.yaml"),
    ),
    (
        "serviceaccount.yaml",
        include_str!("templates/serviceaccount.yaml"),
    ),
    (
        "secret-token.yaml",
        include_str!("templates/secret-token.yaml"),
    ),
    ("namespace.yaml", include_str!("templates/namespace.yaml")),
];

/// Why a planned object could not be rendered (a defect of the tool, never of the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// An embedded template does not compile or cannot be found.
    #[error("template {name}: {message}")]
    Template { name: &'static str, message: String },
    /// A name with characters the `# Source:` comment cannot hold.
    #[error("refusing to render an object named {name:?}")]
    UnsafeName { name: String },
    /// The template failed on this object.
    #[error("rendering {kind}: {message}")]
    Render { kind: Kind, message: String },
}

fn env() -> &'static Result<Environment<'static>, RenderError> {
    static ENV: OnceLock<Result<Environment<'static>, RenderError>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".yaml") {
                AutoEscape::Json
            } else {
                AutoEscape::None
            }
        });
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .map_err(|e| RenderError::Template {
                    name,
                    message: e.to_string(),
                })?;
        }
        Ok(env)
    })
}

#[derive(Serialize)]
struct RuleCtx<'a> {
    api_groups: &'a [String],
    resources: &'a [String],
    resource_names: &'a [String],
    verbs: &'a [String],
}

#[derive(Serialize)]
struct ObjCtx<'a> {
    source: String,
    no_source_comment: bool,
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    labels: BTreeMap<&'a str, &'a str>,
    annotations: BTreeMap<String, String>,
    rules: Vec<RuleCtx<'a>>,
    role_ref: Option<&'a str>,
    subjects: &'a [crate::plan::SubjectRef],
}

/// `spaces-postrender/<target>/<kind>-<name>.yaml`: the `# Source:` of a generated document.
pub fn source_name(target: Target, o: &Planned) -> String {
    format!(
        "spaces-postrender/{}/{}-{}.yaml",
        target.as_str(),
        o.kind.as_str().to_ascii_lowercase(),
        o.name
    )
}

fn template_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Role => "role.yaml",
        Kind::RoleBinding => "rolebinding.yaml",
        Kind::ServiceAccount => "serviceaccount.yaml",
        Kind::Secret => "secret-token.yaml",
        Kind::Namespace => "namespace.yaml",
    }
}

/// How the generated documents are presented to the program that reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// Add the Helm 4 file-name annotation (`postrenderer.helm.sh/postrender-filename`).
    pub helm4_annotation: bool,
    /// Start with a `# Source:` comment. Left out when the input came from Helm 4, which strips
    /// these comments and writes its own from the annotation (two would show otherwise).
    pub source_comment: bool,
}

/// Render one object; the text starts with `---` and ends with a newline.
pub fn render(target: Target, o: &Planned, style: Style) -> Result<String, RenderError> {
    let helm4 = style.helm4_annotation;
    let env = env().as_ref().map_err(Clone::clone)?;
    let source = source_name(target, o);
    // The Source line is not escaped (it is a comment): allow only name characters in it.
    if !source
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-./".contains(&b))
    {
        return Err(RenderError::UnsafeName {
            name: o.name.clone(),
        });
    }
    let mut annotations: BTreeMap<String, String> = o.annotations.iter().cloned().collect();
    if helm4 {
        annotations.insert(crate::k8s::HELM4_FILENAME.into(), source.clone());
    }
    let mut labels = BTreeMap::new();
    labels.insert(crate::k8s::PART_OF_LABEL, "spaces");
    labels.insert(crate::k8s::COMPONENT_LABEL, o.component.as_str());
    labels.insert(MARKER_LABEL, MARKER_VALUE);
    let ctx = ObjCtx {
        source,
        no_source_comment: !style.source_comment,
        api_version: o.api_version,
        kind: o.kind.as_str(),
        name: &o.name,
        namespace: o.namespace.as_deref(),
        labels,
        annotations,
        rules: o
            .rules
            .iter()
            .map(|r| RuleCtx {
                api_groups: &r.api_groups,
                resources: &r.resources,
                resource_names: &r.resource_names,
                verbs: &r.verbs,
            })
            .collect(),
        role_ref: o.role_ref.as_deref(),
        subjects: &o.subjects,
    };
    let name = template_for(o.kind);
    let tmpl = env.get_template(name).map_err(|e| RenderError::Template {
        name,
        message: e.to_string(),
    })?;
    let mut s = tmpl
        .render(
            minijinja::context! { obj => minijinja::Value::from(minijinja::value::Serde(&ctx)) },
        )
        .map_err(|e| RenderError::Render {
            kind: o.kind,
            message: e.to_string(),
        })?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind the plan can produce has its template among the embedded ones.
    #[test]
    fn every_kind_has_an_embedded_template() {
        for k in Kind::ALL {
            let name = template_for(k);
            assert!(
                TEMPLATES.iter().any(|(n, _)| *n == name),
                "{k}: {name} is not in TEMPLATES"
            );
            assert!(env().as_ref().is_ok_and(|e| e.get_template(name).is_ok()));
        }
    }
}
