//! The values schema (`schemas/values.schema.json`, JSON Schema 2020-12) and validation
//! against it, with problems turned into [`Diagnostic`]s that point into the user's values.
//!
//! The schema is the single source of the field table: types, defaults, descriptions (for
//! `explain` and IDE completion) and formats. Unknown keys are `additionalProperties: false`
//! in the schema; this module reports them as warnings with a did-you-mean suggestion.

use crate::diag::{Code, Diagnostic, Fact};
use crate::values::{features, versions, yaml, Origins};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::JsonType;
use serde_json::Value;
use std::sync::OnceLock;

/// The schema text, embedded in the binary.
pub const SCHEMA_TEXT: &str = include_str!("../../schemas/values.schema.json");

/// The parsed schema (parsed once, on first use).
pub fn schema() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(Value::Null))
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static V: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    V.get_or_init(|| jsonschema::draft202012::new(schema()).ok())
        .as_ref()
}

/// Resolve a `#/$defs/...` reference inside the schema.
fn deref(node: &Value) -> &Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/"))
    {
        Some(ptr) => schema().pointer(&format!("/{ptr}")).unwrap_or(node),
        None => node,
    }
}

/// The schema node describing a values path given as segments, following `properties`.
pub fn node_for(segments: &[&str]) -> Option<&'static Value> {
    let mut n = schema();
    for s in segments {
        n = n.get("properties")?.get(*s)?;
    }
    Some(n)
}

/// JSON pointer (`/features/alpha/eso`) -> dotted path (`features.alpha.eso`).
pub fn pointer_to_dotted(ptr: &str) -> String {
    let mut out = String::new();
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            out = yaml::join_path(&out, &seg);
        }
    }
    out
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => primitive(&format!("{t}")),
        TypeKind::Multiple(ts) => {
            let v: Vec<String> = ts.iter().map(|t| primitive(&format!("{t}"))).collect();
            v.join(" or ")
        }
    }
}

fn primitive(t: &str) -> String {
    match t {
        "boolean" => "a boolean (true or false)".into(),
        "object" => "a mapping".into(),
        "string" => "a string".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        "number" => "a number".into(),
        other => other.to_string(),
    }
}

/// Describe a value for a message without echoing long or sensitive text.
pub fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 64 && !s.contains(['\n', '\r']) => {
            format!("the string {:?}", s)
        }
        Value::String(s) => format!("a string of {} characters", s.chars().count()),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Null => "null".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// Names of the properties the schema allows at a pointer's parent object.
fn known_keys(object_ptr: &str) -> Vec<String> {
    let segs: Vec<String> = object_ptr.split('/').skip(1).map(String::from).collect();
    let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    node_for(&refs)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The closest known key, for "did you mean".
pub fn suggest(unknown: &str, known: &[String]) -> Option<String> {
    let lower = unknown.to_ascii_lowercase();
    let mut best: Option<(f64, &String)> = None;
    for k in known {
        let score = if k.to_ascii_lowercase() == lower {
            2.0
        } else {
            strsim::jaro_winkler(&lower, &k.to_ascii_lowercase())
        };
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k.clone())
}

/// A top-level key that is very likely a misspelling of one this tool acts on (`featurs`,
/// `controler`, `Features`): the chart's own keys are accepted at the top level, so the schema
/// cannot catch these, and they would silently generate nothing. The bar is high
/// (Jaro-Winkler 0.95, and the value is a mapping) so that real chart keys such as
/// `controlPlanes` (0.92 to `controller`) pass.
fn misspelt_top_level(values: &Value, origins: &Origins) -> Vec<Diagnostic> {
    let Some(top) = values.as_object() else {
        return vec![];
    };
    let known = known_keys("");
    let mut out = vec![];
    for (key, v) in top {
        if known.contains(key) || !v.is_object() {
            continue;
        }
        let lower = key.to_ascii_lowercase();
        let Some(meant) = known.iter().find(|k| {
            let k = k.to_ascii_lowercase();
            k == lower || strsim::jaro_winkler(&lower, &k) >= 0.95
        }) else {
            continue;
        };
        if !acts_on(meant) && meant != "controller" {
            continue;
        }
        out.push(
            Diagnostic::error(
                Code::MisspeltKey,
                key.clone(),
                format!(
                    "unknown key `{key}` at the top level, where spaces-postrender reads `{meant}`"
                ),
            )
            .at(origins.key(key).cloned())
            .hint(format!(
                "did you mean `{meant}`? (`spaces-postrender explain` lists the keys it reads)"
            )),
        );
    }
    out
}

/// Validate the merged values against the schema. Returns every problem.
pub fn validate(values: &Value, origins: &Origins) -> Vec<Diagnostic> {
    let Some(v) = validator() else {
        return vec![Diagnostic::error(
            Code::Internal,
            "",
            "the embedded values schema does not compile",
        )];
    };
    let mut out = misspelt_top_level(values, origins);
    for err in v.iter_errors(values) {
        let ptr = err.instance_path().as_str().to_string();
        let path = pointer_to_dotted(&ptr);
        let origin = origins.lookup(&path).cloned();
        let schema_ptr = err.schema_path().as_str().to_string();
        // The schema node that holds the failing keyword (for `x-error`).
        let holder = schema_ptr.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let custom = schema()
            .pointer(holder)
            .and_then(|n| n.get("x-error"))
            .and_then(Value::as_str);
        let d = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let kpath = yaml::join_path(&path, key);
                    let known = known_keys(&ptr);
                    let mut d = Diagnostic::warning(
                        Code::UnknownKey,
                        kpath.clone(),
                        format!(
                            "unknown key `{key}` under {}",
                            if path.is_empty() {
                                "the top level"
                            } else {
                                &path
                            }
                        ),
                    )
                    .at(origins.key(&kpath).cloned());
                    d = match suggest(key, &known) {
                        Some(s) => {
                            // A likely misspelling of a key this tool acts on would silently
                            // generate nothing, and Helm and Argo CD never show a successful
                            // post-renderer's warnings: an error in every mode.
                            let meant = yaml::join_path(&path, &s);
                            if acts_on(&meant) {
                                d.severity = crate::diag::Severity::Error;
                                d.code = Code::MisspeltKey;
                            }
                            d.hint(format!("did you mean `{s}`? (`spaces-postrender explain {path}` lists the known keys)"))
                        }
                        None => d.hint(format!("known keys here: {}", known.join(", "))),
                    };
                    out.push(d);
                }
                continue;
            }
            ValidationErrorKind::Type { kind } => {
                let inst = err.instance();
                let want = type_name(kind);
                let mut d = Diagnostic::error(
                    Code::WrongType,
                    path.clone(),
                    format!("expected {want}, got {}", describe(inst)),
                );
                // The schema type asked for (the first, when it allows several).
                let wanted = match kind {
                    TypeKind::Single(t) => Some(*t),
                    TypeKind::Multiple(ts) => ts.iter().next(),
                };
                match (wanted, inst.as_ref()) {
                    (Some(JsonType::Boolean), Value::String(s))
                        if matches!(s.as_str(), "true" | "false") =>
                    {
                        d = d.fact(Fact::QuotedBool(s == "true")).hint(format!(
                            "write {s} without quotes in the values file, or pass --set {path}={s} (not --set-string, which always makes a string)"
                        ));
                    }
                    (Some(JsonType::Boolean), _) => {
                        d = d.hint(format!("set {path} to true or false"));
                    }
                    (Some(JsonType::Object), _) => {
                        d = d.hint(format!(
                            "{path} holds keys; see `spaces-postrender explain {path}`"
                        ));
                    }
                    (Some(JsonType::String), _) => {
                        d = d.hint("quote the value so that it is a string");
                    }
                    _ => {}
                }
                d
            }
            ValidationErrorKind::Pattern { .. }
            | ValidationErrorKind::MaxLength { .. }
            | ValidationErrorKind::MinLength { .. }
            | ValidationErrorKind::Not { .. } => {
                let inst = err.instance();
                let what = custom.unwrap_or("has an invalid format");
                let code = match err.kind() {
                    ValidationErrorKind::MaxLength { .. } => Code::TooLong,
                    ValidationErrorKind::MinLength { .. } => Code::Empty,
                    _ => Code::BadFormat,
                };
                let mut msg = format!("{} {what}", describe(inst));
                if let ValidationErrorKind::MaxLength { limit } = err.kind() {
                    if let Value::String(s) = inst.as_ref() {
                        msg = format!(
                            "the value is {} characters long; the limit is {limit}",
                            s.chars().count()
                        );
                    }
                }
                if let ValidationErrorKind::MinLength { .. } = err.kind() {
                    msg = "must not be empty".to_string();
                }
                // One format problem per path: an empty string also fails the pattern.
                if out.iter().any(|d: &Diagnostic| {
                    d.path == path
                        && matches!(d.code, Code::Empty | Code::TooLong | Code::BadFormat)
                }) {
                    continue;
                }
                let hint = if path.ends_with("secret.key") {
                    "use the data key of the kubeconfig Secret, e.g. kubeconfig"
                } else if path.ends_with("secret.name") {
                    "use the name of the Secret that holds the kubeconfig, e.g. my-argo-cluster"
                } else {
                    "use a lowercase name such as argocd or external-secrets"
                };
                Diagnostic::error(code, path.clone(), msg).hint(hint)
            }
            other => Diagnostic::error(Code::Invalid, path.clone(), format!("{other:?}")),
        };
        out.push(d.at(origin));
    }
    out
}

/// One field of the schema, for `explain`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Field {
    pub path: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub default: Value,
    pub description: String,
}

/// Every field under `prefix` (a dotted path; empty for all), in schema order.
pub fn fields(prefix: &str) -> Option<Vec<Field>> {
    let segs: Vec<&str> = if prefix.is_empty() {
        vec![]
    } else {
        prefix.split('.').collect()
    };
    let start = node_for(&segs)?;
    let mut out = Vec::new();
    let mut todo = vec![(prefix.to_string(), start)];
    while let Some((path, node)) = todo.pop() {
        let d = deref(node);
        let ty = node
            .get("type")
            .or_else(|| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("any")
            .to_string();
        let ty = match (ty.as_str(), d.get("pattern")) {
            ("string", Some(_)) => {
                let f = node
                    .get("$ref")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                if f.is_empty() {
                    ty
                } else {
                    format!("string ({f})")
                }
            }
            _ => ty,
        };
        if !path.is_empty() {
            out.push(Field {
                path: path.clone(),
                ty,
                default: node
                    .get("default")
                    .or_else(|| d.get("default"))
                    .cloned()
                    .unwrap_or(Value::Null),
                description: node
                    .get("description")
                    .or_else(|| d.get("description"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            });
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (k, c) in props.iter().rev() {
                todo.push((yaml::join_path(&path, k), c));
            }
        }
    }
    Some(out)
}

/// Whether `path` is, or leads to, a part of the values this tool acts on.
fn acts_on(path: &str) -> bool {
    features::acts_on(path)
}

/// The schema `schema` as the feature table and the Spaces versions data say it must be: each
/// flag of [`features::FEATURES`] with its table type and default, and every other feature any
/// Spaces version's Helm reference lists, known by name, with the newest reference's default
/// for `enabled`. Descriptions of the table's flags stay as written. `tests/it` compares the
/// embedded schema with this and rewrites it under `UPDATE_GOLDEN=1`.
pub fn regenerate(schema: &Value) -> Value {
    let mut out = schema.clone();
    let Some(alpha) = out
        .pointer_mut("/properties/features/properties/alpha/properties")
        .and_then(Value::as_object_mut)
    else {
        return out;
    };
    for f in features::FEATURES {
        let Some(node) = alpha.get_mut(f.key) else {
            continue;
        };
        for flag in f.flags {
            let ptr: String = flag
                .path
                .split('.')
                .map(|seg| format!("/properties/{seg}"))
                .collect();
            if let Some(m) = node.pointer_mut(&ptr).and_then(Value::as_object_mut) {
                match flag.ty.schema_ref() {
                    Some(r) => {
                        m.remove("type");
                        m.insert("$ref".into(), Value::String(r.into()));
                    }
                    None => {
                        m.remove("$ref");
                        m.insert("type".into(), Value::String("boolean".into()));
                    }
                }
                m.insert("default".into(), flag.default.to_json());
            }
        }
    }
    let acted: Vec<&str> = features::FEATURES.iter().map(|f| f.key).collect();
    alpha.retain(|k, _| acted.contains(&k.as_str()));
    let mut names = versions::all_features();
    names.retain(|n| !acted.contains(n));
    names.sort_unstable();
    for name in names {
        alpha.insert(name.to_string(), known_by_name(name));
    }
    out
}

/// The schema node of a feature this tool knows only by name.
fn known_by_name(name: &str) -> Value {
    let with = versions::versions_with(name);
    let first = with.first().map(|v| v.version.as_str()).unwrap_or("");
    let last = with.last().map(|v| v.version.as_str()).unwrap_or("");
    let current = with
        .last()
        .and_then(|v| versions::SpacesVersion::parse(&v.version))
        .is_some_and(|v| v == versions::newest());
    let listed = if current {
        format!("Spaces {first} and later")
    } else {
        format!("Spaces {first} to {last}; --spaces-version selects the version checked")
    };
    // The newest reference that gives `enabled` a default.
    let default = with
        .iter()
        .rev()
        .find_map(|v| v.features.get(name)?.keys.get("enabled")?.default.clone())
        .unwrap_or(Value::Bool(false));
    serde_json::json!({
        "type": "object",
        "default": {},
        "description": format!("Known to this tool only by name (in the Helm references of {listed}): `enabled` is type-checked, other keys are passed to the chart unchecked."),
        "properties": {
            "enabled": {
                "type": "boolean",
                "default": default,
                "description": format!("Turn {name} on. This tool generates nothing for it.")
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_description_and_default() {
        let all = fields("").expect("root");
        assert!(all.len() > 20);
        for f in &all {
            assert!(!f.description.is_empty(), "{} lacks a description", f.path);
            let segs: Vec<&str> = f.path.split('.').collect();
            let node = node_for(&segs).expect("node");
            assert!(node.get("default").is_some(), "{} lacks a default", f.path);
        }
    }

    #[test]
    fn suggestions() {
        let known = vec![
            "argocdPlugin".to_string(),
            "eso".to_string(),
            "enabled".to_string(),
        ];
        assert_eq!(
            suggest("argocdplugin", &known).as_deref(),
            Some("argocdPlugin")
        );
        assert_eq!(suggest("enable", &known).as_deref(), Some("enabled"));
        assert_eq!(suggest("zzz", &known), None);
    }

    #[test]
    fn pointers_become_dotted_paths() {
        assert_eq!(
            pointer_to_dotted("/features/alpha/eso"),
            "features.alpha.eso"
        );
        assert_eq!(pointer_to_dotted("/a/0/b"), "a[0].b");
        assert_eq!(pointer_to_dotted(""), "");
    }
}
