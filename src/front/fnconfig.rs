//! The configuration object of the kustomize exec plugin and of the KRM function.
//!
//! Two forms:
//! - this project's own kind, `apiVersion: spaces-postrender.dev/v1alpha1`, `kind: SpacesPostRender`,
//!   with `valuesFiles`, in-line `values`, the `--set` family as lists (`set`, `setString`,
//!   `setJson`, `setLiteral`) and the CLI options (`target`, `namespace`,
//!   `controllerServiceAccount`, `strict`, `spacesVersion`);
//! - (KRM only) a `ConfigMap` whose `data` keys are `--set` paths. Each entry `k: v` is the one
//!   argument `--set k=v` with `v` escaped, so it is never split at commas nor read as a `{a,b}`
//!   list: the key follows `--set` exactly (`.` separates, `\.` escapes a dot, `name[N]` indexes a
//!   list) and the value is typed as `--set` types it (`true`/`false` are booleans, `null`
//!   deletes, a decimal integer without a leading zero is a number, anything else a string).
//!   Options go in annotations: `spaces-postrender.dev/target`, `spaces-postrender.dev/namespace`,
//!   `spaces-postrender.dev/controller-service-account`, `spaces-postrender.dev/strict`,
//!   `spaces-postrender.dev/spaces-version`.
//!
//! Values are merged like Helm merges its flags: `valuesFiles` in order, then `values`, then
//! `setJson`, `set`, `setString`, `setLiteral` (or the ConfigMap's entries in order).
//!
//! Every diagnostic carries an [`Origin`] that names the config field it came from; a
//! [`FieldMap`] turns it back into that field's path for KRM `results`.

use crate::diag::{Code, Diagnostic, Fact, Origin, Report};
use crate::front::boundary::Boundary;
use crate::pipeline::Settings;
use crate::plan::Target;
use crate::values::features::Features;
use crate::values::set::SetKind;
use crate::values::versions::SpacesVersion;
use crate::values::{check, yaml, Layer, Loaded};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const GROUP: &str = "spaces-postrender.dev";
pub const VERSION: &str = "v1alpha1";
pub const API_VERSION: &str = "spaces-postrender.dev/v1alpha1";
pub const KIND: &str = "SpacesPostRender";

/// ConfigMap annotations that carry the options of the ConfigMap form.
pub const ANN_TARGET: &str = "spaces-postrender.dev/target";
pub const ANN_NAMESPACE: &str = "spaces-postrender.dev/namespace";
pub const ANN_CONTROLLER_SA: &str = "spaces-postrender.dev/controller-service-account";
pub const ANN_STRICT: &str = "spaces-postrender.dev/strict";
pub const ANN_SPACES_VERSION: &str = "spaces-postrender.dev/spaces-version";

const OWN_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "values",
    "valuesFiles",
    "set",
    "setString",
    "setJson",
    "setLiteral",
    "target",
    "namespace",
    "controllerServiceAccount",
    "strict",
    "spacesVersion",
];

/// The object a KRM result refers to (`resourceRef`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

/// Which form the config object has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Own,
    ConfigMap,
}

/// A parsed config object.
#[derive(Debug, Clone)]
pub struct FnConfig {
    pub api_version: String,
    pub kind: String,
    /// `metadata.name` (empty when absent).
    pub name: String,
    pub namespace: Option<String>,
    pub values_files: Vec<String>,
    pub values: Option<Map<String, Value>>,
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_literal: Vec<String>,
    /// ConfigMap form: `data` entries in order.
    pub data: Vec<(String, String)>,
    pub target: Target,
    pub ns_option: Option<String>,
    pub controller_service_account: Option<String>,
    pub strict: bool,
    /// The Spaces version whose chart keys the values are checked against (newest when None).
    pub spaces_version: Option<SpacesVersion>,
}

impl FnConfig {
    fn empty(api_version: &str, kind: &str) -> FnConfig {
        FnConfig {
            api_version: api_version.into(),
            kind: kind.into(),
            name: String::new(),
            namespace: None,
            values_files: vec![],
            values: None,
            set_json: vec![],
            set: vec![],
            set_string: vec![],
            set_literal: vec![],
            data: vec![],
            target: Target::Space,
            ns_option: None,
            controller_service_account: None,
            strict: false,
            spaces_version: None,
        }
    }

    /// The config object as a KRM `resourceRef` (None when it has no name).
    pub fn resource_ref(&self) -> Option<ResourceRef> {
        (!self.name.is_empty()).then(|| ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        })
    }

    /// `SpacesPostRender spaces` / `ConfigMap spaces-values`: how messages name the object.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.kind.clone()
        } else {
            format!("{} {}", self.kind, self.name)
        }
    }

    /// The pipeline settings this config asks for (`helm_namespace` is not used here).
    pub fn settings(&self) -> Settings {
        Settings {
            target: self.target,
            namespace: self.ns_option.clone(),
            helm_namespace: None,
            controller_sa: self.controller_service_account.clone(),
            helm4_env: false,
        }
    }
}

/// Names the config fields behind diagnostics (for KRM `results`).
#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    label: String,
    files: Vec<String>,
}

impl FieldMap {
    fn new(label: String, files: Vec<String>) -> FieldMap {
        FieldMap { label, files }
    }

    /// The origin that names `field` of the config object.
    fn origin(&self, field: &str) -> Origin {
        Origin::Field {
            config: self.label.clone(),
            field: field.to_string(),
        }
    }

    /// The config field a diagnostic points at: `values.features.alpha.eso.enabled`, `set[0]`,
    /// `data.features.alpha.eso.enabled`, `valuesFiles[1]`, `target`.
    pub fn field(&self, d: &Diagnostic) -> Option<String> {
        match d.origin.as_ref()? {
            Origin::Field { field, .. } => Some(field.clone()),
            Origin::File { file, .. } => self
                .files
                .iter()
                .position(|f| f == file)
                .map(|i| format!("valuesFiles[{i}]")),
            _ => None,
        }
    }
}

/// The result of reading a config object and its values: diagnostics for all problems found,
/// and (when there was no error) the config, values and features.
pub struct Outcome {
    pub report: Report,
    pub fields: FieldMap,
    pub config: Option<FnConfig>,
    pub ready: Option<(Loaded, Features)>,
}

fn config_error(
    fields: &mut FieldMap,
    field: &str,
    code: Code,
    message: String,
    hint: &str,
) -> Diagnostic {
    let o = fields.origin(field);
    Diagnostic::error(code, "", message)
        .at(Some(o))
        .hint(hint.to_string())
}

fn string_list(
    v: &Value,
    field: &str,
    fields: &mut FieldMap,
    report: &mut Report,
    hint: &str,
) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => {
            let mut out = vec![];
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::String(s) => out.push(s.clone()),
                    other => report.push(config_error(
                        fields,
                        &format!("{field}[{i}]"),
                        Code::ConfigType,
                        format!(
                            "{field}[{i}] must be a string, not {}",
                            crate::values::yaml::kind_name(other)
                        ),
                        hint,
                    )),
                }
            }
            out
        }
        other => {
            report.push(config_error(
                fields,
                field,
                Code::ConfigType,
                format!(
                    "{field} must be a list of strings, not {}",
                    crate::values::yaml::kind_name(other)
                ),
                hint,
            ));
            vec![]
        }
    }
}

fn opt_string(
    v: &Value,
    field: &str,
    fields: &mut FieldMap,
    report: &mut Report,
    hint: &str,
) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => {
            report.push(config_error(
                fields,
                field,
                Code::ConfigType,
                format!(
                    "{field} must be a string, not {}",
                    crate::values::yaml::kind_name(other)
                ),
                hint,
            ));
            None
        }
    }
}

fn parse_target(s: &str, field: &str, fields: &mut FieldMap, report: &mut Report) -> Target {
    match Target::from_name(s) {
        Some(t) => t,
        None => {
            report.push(config_error(
                fields,
                field,
                Code::ConfigValue,
                format!("{field} {s:?} is not a target"),
                &format!("use one of {}", Target::names()),
            ));
            Target::Space
        }
    }
}

fn metadata(v: &Value, cfg: &mut FnConfig, fields: &mut FieldMap, report: &mut Report) {
    let Some(meta) = v.get("metadata") else {
        return;
    };
    if meta.is_null() {
        return;
    }
    let Some(m) = meta.as_object() else {
        report.push(config_error(
            fields,
            "metadata",
            Code::ConfigType,
            format!(
                "metadata must be a mapping, not {}",
                crate::values::yaml::kind_name(meta)
            ),
            "write metadata: {name: spaces}",
        ));
        return;
    };
    if let Some(n) = m.get("name").and_then(Value::as_str) {
        cfg.name = n.to_string();
    }
    cfg.namespace = m
        .get("namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    fields.label = cfg.label();
}

/// The `valuesFiles` paths of a configuration object as written, before it is checked (so
/// that a path naming standard input is refused before anything reads it).
pub fn values_files(obj: &Value) -> Vec<String> {
    obj.get("valuesFiles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Read a KRM functionConfig: [`read_within`] the KRM function's [`Boundary::krm`], with the
/// process's environment for the opt-out (`krm::run` is given no other).
pub fn read(obj: &Value) -> Outcome {
    read_within(obj, &Boundary::krm(obj, &|k| std::env::var(k).ok()))
}

/// Read a config object (already parsed) whose `valuesFiles` stay inside `boundary`. Problems
/// with the object itself are errors; the values are loaded and checked as the CLI checks them. A refused path is an error
/// at `valuesFiles[N]`, and then no values are loaded (a merge without that file would only add
/// consequences of its absence).
pub fn read_within(obj: &Value, boundary: &Boundary) -> Outcome {
    let mut report = Report::default();
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut fields = FieldMap::new(kind.to_string(), vec![]);
    if !obj.is_object() {
        report.push(
            Diagnostic::error(
                Code::ConfigType,
                "",
                format!(
                    "the configuration must be a mapping, not {}",
                    crate::values::yaml::kind_name(obj)
                ),
            )
            .hint(format!(
                "write an object with apiVersion: {API_VERSION} and kind: {KIND}"
            )),
        );
        return Outcome {
            report,
            fields,
            config: None,
            ready: None,
        };
    }
    let form = match (api_version, kind) {
        (API_VERSION, KIND) => Form::Own,
        ("v1", "ConfigMap") => Form::ConfigMap,
        _ => {
            report.push(
                Diagnostic::error(
                    Code::ConfigKind,
                    "",
                    format!("the configuration is apiVersion {api_version:?} kind {kind:?}; spaces-postrender reads {API_VERSION} {KIND} or a v1 ConfigMap"),
                )
                .hint(format!("write apiVersion: {API_VERSION} and kind: {KIND}")),
            );
            return Outcome {
                report,
                fields,
                config: None,
                ready: None,
            };
        }
    };
    let mut cfg = FnConfig::empty(api_version, kind);
    metadata(obj, &mut cfg, &mut fields, &mut report);
    match form {
        Form::Own => read_own(obj, &mut cfg, &mut fields, &mut report),
        Form::ConfigMap => read_configmap(obj, &mut cfg, &mut fields, &mut report),
    }
    let mut refused = false;
    for (i, f) in cfg.values_files.iter_mut().enumerate() {
        match boundary.resolve(f) {
            Ok(p) => *f = p,
            Err(why) => {
                refused = true;
                let field = format!("valuesFiles[{i}]");
                report.push(config_error(
                    &mut fields,
                    &field,
                    Code::PathRefused,
                    format!("{field} {f:?} {why}"),
                    &boundary.hint,
                ));
            }
        }
    }
    fields.files = cfg.values_files.clone();
    // The values are checked even when config fields are wrong: every problem at once.
    let ready = if refused {
        None
    } else {
        load(&cfg, &fields, &mut report)
    };
    if cfg.strict {
        report.make_strict();
    }
    let ready = if report.has_errors() { None } else { ready };
    Outcome {
        report,
        fields,
        config: Some(cfg),
        ready,
    }
}

fn read_own(obj: &Value, cfg: &mut FnConfig, fields: &mut FieldMap, report: &mut Report) {
    let Some(m) = obj.as_object() else {
        return;
    };
    let known: Vec<String> = OWN_KEYS.iter().map(|s| s.to_string()).collect();
    for (k, v) in m {
        match k.as_str() {
            "apiVersion" | "kind" | "metadata" => {}
            "values" => match v {
                Value::Null => {}
                Value::Object(map) => cfg.values = Some(map.clone()),
                other => report.push(config_error(
                    fields,
                    "values",
                    Code::ConfigType,
                    format!("values must be a mapping of Helm values, not {}", crate::values::yaml::kind_name(other)),
                    "write the values under values: as in a values file, e.g. values: {features: {alpha: {argocdPlugin: {enabled: true}}}}",
                )),
            },
            "valuesFiles" => {
                cfg.values_files = string_list(
                    v,
                    "valuesFiles",
                    fields,
                    report,
                    "list values files by path, relative to the kustomization directory (kustomize), the config file's directory (kpt fn render) or the working directory (kpt fn eval, pipes)",
                )
            }
            "set" | "setString" | "setJson" | "setLiteral" => {
                let list = string_list(
                    v,
                    k,
                    fields,
                    report,
                    "write each entry as a string such as \"features.alpha.argocdPlugin.enabled=true\"",
                );
                match k.as_str() {
                    "set" => cfg.set = list,
                    "setString" => cfg.set_string = list,
                    "setJson" => cfg.set_json = list,
                    _ => cfg.set_literal = list,
                }
            }
            "target" => {
                if let Some(s) = opt_string(v, "target", fields, report, "use one of space, control-plane, argocd") {
                    cfg.target = parse_target(&s, "target", fields, report);
                }
            }
            "namespace" => {
                cfg.ns_option = opt_string(v, "namespace", fields, report, "the namespace of the Spaces controller, e.g. upbound-system")
            }
            "controllerServiceAccount" => {
                cfg.controller_service_account = opt_string(
                    v,
                    "controllerServiceAccount",
                    fields,
                    report,
                    "write it as NAMESPACE/NAME, e.g. upbound-system/spaces-controller",
                )
            }
            "strict" => match v {
                Value::Null => {}
                Value::Bool(b) => cfg.strict = *b,
                other => report.push(config_error(
                    fields,
                    "strict",
                    Code::ConfigType,
                    format!("strict must be true or false, not {}", crate::values::yaml::kind_name(other)),
                    "write strict: true (without quotes)",
                )),
            },
            "spacesVersion" => {
                if let Some(s) = opt_string(v, "spacesVersion", fields, report, "write the Spaces version as MAJOR.MINOR, e.g. 1.17") {
                    cfg.spaces_version = parse_spaces_version(&s, "spacesVersion", fields, report);
                }
            }
            other => {
                let hint = match crate::values::schema::suggest(other, &known) {
                    Some(s) => format!("did you mean `{s}`? The fields of {KIND} are: {}", OWN_KEYS.join(", ")),
                    None => format!("the fields of {KIND} are: {}", OWN_KEYS.join(", ")),
                };
                let o = fields.origin(other);
                report.push(
                    Diagnostic::error(
                        Code::ConfigUnknownField,
                        "",
                        format!("unknown field `{other}` in {}", cfg.label()),
                    )
                    .at(Some(o))
                    .hint(hint),
                );
            }
        }
    }
}

fn read_configmap(obj: &Value, cfg: &mut FnConfig, fields: &mut FieldMap, report: &mut Report) {
    let anns = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object);
    if let Some(anns) = anns {
        for (k, v) in anns {
            let field = format!("metadata.annotations.{k}");
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            match k.as_str() {
                ANN_TARGET => cfg.target = parse_target(&s, &field, fields, report),
                ANN_NAMESPACE => cfg.ns_option = Some(s),
                ANN_CONTROLLER_SA => cfg.controller_service_account = Some(s),
                ANN_SPACES_VERSION => {
                    cfg.spaces_version = parse_spaces_version(&s, &field, fields, report)
                }
                ANN_STRICT => match s.as_str() {
                    "true" => cfg.strict = true,
                    "false" => cfg.strict = false,
                    _ => report.push(config_error(
                        fields,
                        &field,
                        Code::ConfigValue,
                        format!("annotation {k} must be \"true\" or \"false\", not {s:?}"),
                        "write \"true\" or \"false\"",
                    )),
                },
                _ => {}
            }
        }
    }
    match obj.get("data") {
        None | Some(Value::Null) => {}
        Some(Value::Object(data)) => {
            for (k, v) in data {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => "null".to_string(),
                    other => {
                        report.push(config_error(
                            fields,
                            &format!("data.{k}"),
                            Code::ConfigType,
                            format!("data entry {k:?} must be a string, not {}", crate::values::yaml::kind_name(other)),
                            "each data entry is one --set path and its value, e.g. features.alpha.argocdPlugin.enabled: \"true\"",
                        ));
                        continue;
                    }
                };
                cfg.data.push((k.clone(), s));
            }
        }
        Some(other) => report.push(config_error(
            fields,
            "data",
            Code::ConfigType,
            format!(
                "data must be a mapping, not {}",
                crate::values::yaml::kind_name(other)
            ),
            "each data entry is one --set path and its value",
        )),
    }
}

/// A ConfigMap entry as one `--set` argument: the key as written, the value escaped so that
/// `--set` takes it whole (no splitting at commas, no `{a,b}` list) and types it as it types any
/// value (`true`, `false`, `null`, integers).
pub fn configmap_entry_as_set(key: &str, value: &str) -> String {
    let mut arg = String::with_capacity(key.len() + value.len() + 8);
    arg.push_str(key);
    arg.push('=');
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '{' | '}') {
            arg.push('\\');
        }
        arg.push(c);
    }
    arg
}

/// A config's Spaces version (`1.17`); an error naming the field otherwise.
fn parse_spaces_version(
    s: &str,
    field: &str,
    fields: &mut FieldMap,
    report: &mut Report,
) -> Option<SpacesVersion> {
    match SpacesVersion::from_arg(s) {
        Ok(v) => Some(v),
        Err(why) => {
            report.push(config_error(
                fields,
                field,
                Code::ConfigValue,
                format!("{field}: {why}"),
                "write the Spaces version as MAJOR.MINOR, e.g. 1.17",
            ));
            None
        }
    }
}

/// The config's values as layers in Helm's order: `valuesFiles`, in-line `values`, then the
/// `--set` family (a ConfigMap's entries are `--set` arguments); each names its field.
fn layers(cfg: &FnConfig, fields: &FieldMap) -> Vec<Layer> {
    let mut layers: Vec<Layer> = cfg
        .values_files
        .iter()
        .enumerate()
        .map(|(i, f)| Layer::File {
            path: f.clone(),
            given: fields.origin(&format!("valuesFiles[{i}]")),
            hint: "relative paths in valuesFiles are read from the directory of this configuration under kpt fn render, from the kustomization's directory under kustomize, and from the working directory otherwise (kpt fn eval --fn-config, kpt fn source pipes)",
        })
        .collect();
    if let Some(inline) = &cfg.values {
        let mut origins = HashMap::new();
        let mut todo: Vec<(String, &Value)> = inline
            .iter()
            .map(|(k, v)| (yaml::join_path("", k), v))
            .collect();
        while let Some((p, v)) = todo.pop() {
            origins.insert(p.clone(), fields.origin(&format!("values.{p}")));
            match v {
                Value::Object(m) => todo.extend(m.iter().map(|(k, c)| (yaml::join_path(&p, k), c))),
                Value::Array(a) => todo.extend(
                    a.iter()
                        .enumerate()
                        .map(|(i, c)| (yaml::index_path(&p, i), c)),
                ),
                _ => {}
            }
        }
        layers.push(Layer::Inline {
            values: inline.clone(),
            origins,
        });
    }
    let lists: [(SetKind, &str, &Vec<String>); 4] = [
        (SetKind::SetJson, "setJson", &cfg.set_json),
        (SetKind::Set, "set", &cfg.set),
        (SetKind::SetString, "setString", &cfg.set_string),
        (SetKind::SetLiteral, "setLiteral", &cfg.set_literal),
    ];
    for (kind, field, list) in lists {
        for (i, arg) in list.iter().enumerate() {
            layers.push(Layer::Set {
                kind,
                arg: arg.clone(),
                given: fields.origin(&format!("{field}[{i}]")),
                syntax_hint: Some(format!(
                    "write it as {} takes it: key.path=value",
                    kind.flag()
                )),
            });
        }
    }
    for (k, v) in &cfg.data {
        layers.push(Layer::Set {
            kind: SetKind::Set,
            arg: configmap_entry_as_set(k, v),
            given: fields.origin(&format!("data.{k}")),
            syntax_hint: Some(
                "each data key is a --set path such as features.alpha.argocdPlugin.enabled".into(),
            ),
        });
    }
    layers
}

/// The values stage ([`crate::values::check`]) over the config's layers, with hints that say
/// what to write in a config object.
fn load(cfg: &FnConfig, fields: &FieldMap, report: &mut Report) -> Option<(Loaded, Features)> {
    let mut problems = vec![];
    let checked = check::check(
        &layers(cfg, fields),
        None,
        cfg.spaces_version,
        &mut problems,
    );
    report.extend(problems.into_iter().map(|d| config_hint(d, cfg, fields)));
    checked.map(|c| (c.loaded, c.features))
}

/// The CLI's hint for a quoted boolean talks about `--set`; in a config object say what to write there.
fn config_hint(d: Diagnostic, cfg: &FnConfig, fields: &FieldMap) -> Diagnostic {
    if d.code != Code::WrongType {
        return d;
    }
    let Some(field) = fields.field(&d) else {
        return d;
    };
    let Some(Fact::QuotedBool(b)) = d.fact else {
        return d;
    };
    let hint = if field.starts_with("values.") {
        format!("write {b} without quotes under values: in {}", cfg.label())
    } else if field.starts_with("setString[") || field.starts_with("setLiteral[") {
        let list = field.split('[').next().unwrap_or("setString");
        format!("move this entry from {list} to set, which types true and false as booleans ({list} never types its values)")
    } else if field.starts_with("valuesFiles[") {
        format!("write {b} without quotes in the values file")
    } else {
        return d;
    };
    d.hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configmap_entries_become_one_set_argument() {
        assert_eq!(configmap_entry_as_set("a.b", "true"), "a.b=true");
        assert_eq!(configmap_entry_as_set("a", r"x,y{z}\w"), r"a=x\,y\{z\}\\w");
    }

    #[test]
    fn unknown_fields_are_errors_with_suggestions() {
        let o = read(&json!({
            "apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "s"},
            "valuesFile": ["v.yaml"]
        }));
        assert!(o.report.has_errors());
        let d = &o.report.items[0];
        assert_eq!(d.code, Code::ConfigUnknownField);
        assert!(d.hint.as_deref().unwrap_or("").contains("`valuesFiles`"));
        assert_eq!(o.fields.field(d).as_deref(), Some("valuesFile"));
    }

    #[test]
    fn inline_values_point_at_their_field() {
        let o = read(&json!({
            "apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "s"},
            "values": {"features": {"alpha": {"argocdPlugin": {"enabled": "true"}}}}
        }));
        let d = o
            .report
            .items
            .iter()
            .find(|d| d.code == Code::WrongType)
            .cloned()
            .unwrap_or_else(|| panic!("no wrong-type diagnostic in {:?}", o.report));
        assert_eq!(d.path, "features.alpha.argocdPlugin.enabled");
        assert_eq!(
            o.fields.field(&d).as_deref(),
            Some("values.features.alpha.argocdPlugin.enabled")
        );
        assert!(d
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("without quotes under values:"));
    }

    #[test]
    fn configmap_entries_are_set_paths() {
        let o = read(&json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm",
              "annotations": {ANN_TARGET: "control-plane"}},
            "data": {"features.alpha.eso.enabled": "true", "features.alpha.eso.namespace": "eso"}
        }));
        assert!(!o.report.has_errors(), "{:?}", o.report);
        let (l, f) = o.ready.unwrap_or_else(|| panic!("no values"));
        assert_eq!(
            l.values,
            json!({"features": {"alpha": {"eso": {"enabled": true, "namespace": "eso"}}}})
        );
        assert!(f.eso.enabled.value);
        assert_eq!(o.config.map(|c| c.target), Some(Target::ControlPlane));
    }
}
