//! KRM function mode (kustomize `functions-spec.md`): a `ResourceList` on standard input, the
//! same `ResourceList` on standard output with the generated objects added to `items` and the
//! diagnostics as `results`.
//!
//! - `functionConfig` is a [`crate::fnconfig`] object: `SpacesPostRender`, or a ConfigMap whose
//!   `data` keys are `--set` paths.
//! - Every item comes back with every field and annotation it had (`config.kubernetes.io/index`,
//!   `internal.config.kubernetes.io/path`, `kustomize.config.k8s.io/id`, any other). Comments are
//!   not kept: the list is parsed and written again.
//! - Items this tool generated in an earlier run (they carry the marker label) are replaced in
//!   place by the newly generated object with the same identity, keeping the annotations the old
//!   one had and the new one does not set; so running the function over its own output changes
//!   nothing. Marker items that are no longer generated are removed.
//! - Each result has `severity` (error, warning or info), `message`, `tags.code`, and where it
//!   applies `resourceRef` (the functionConfig for values problems, the item for input problems,
//!   the generated object for an info about it) and `field.path`.
//! - Exit 1 when any result is an error; then `items` are returned unchanged (nothing generated)
//!   and the problems are also printed on standard error.

use crate::diag::{Code, Diagnostic, Origin, Report};
use crate::features::Features;
use crate::fnconfig::{self, FieldMap, ResourceRef};
use crate::pipeline::{self, Settings};
use crate::{EXIT_INVALID, EXIT_OK};
use serde_json::{json, Map, Value};

pub const KIND: &str = "ResourceList";
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

/// What the function prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: i32,
}

/// YAML options for a ResourceList: as the rest of the tool, plus YAML 1.1 octals, so that a
/// `defaultMode: 0644` keeps the meaning Kubernetes gives it when the list is written again.
fn options() -> serde_saphyr::Options {
    let mut o = crate::yamlio::options();
    o.legacy_octal_numbers = true;
    o
}

fn fail(message: String) -> Output {
    Output {
        stdout: vec![],
        stderr: format!("error[krm-input]: {message}\nspaces-postrender: the input is not a ResourceList it can answer; nothing was written\n"),
        code: EXIT_INVALID,
    }
}

fn object_ref(v: &Value) -> Option<ResourceRef> {
    let s = |x: Option<&Value>| x.and_then(Value::as_str).map(str::to_string);
    let meta = v.get("metadata");
    Some(ResourceRef {
        api_version: s(v.get("apiVersion"))?,
        kind: s(v.get("kind"))?,
        namespace: s(meta.and_then(|m| m.get("namespace"))),
        name: s(meta.and_then(|m| m.get("name")))?,
    })
}

use crate::k8s::group_of;

/// Identity as SPEC §5 defines it: apiVersion group, kind, namespace, name.
fn identity(v: &Value) -> Option<(String, String, Option<String>, String)> {
    let r = object_ref(v)?;
    Some((
        group_of(&r.api_version).to_string(),
        r.kind,
        r.namespace,
        r.name,
    ))
}

/// Stale output of an earlier run: the same rule, on the same reading of the object, as
/// post-render mode ([`crate::scan::is_own`]).
fn is_own(v: &Value) -> bool {
    crate::scan::is_own(&crate::identify::object_from_value(v))
}

/// One KRM result.
fn result(d: &Diagnostic, resource: Option<&ResourceRef>, field: Option<String>) -> Value {
    let mut message = if d.path.is_empty() {
        d.message.clone()
    } else {
        format!("{}: {}", d.path, d.message)
    };
    if let Some(o @ Origin::File { .. }) = &d.origin {
        message.push_str(&format!(" (at {o})"));
    }
    if let Some(h) = &d.hint {
        message.push_str(&format!(" (help: {h})"));
    }
    let mut r = Map::new();
    r.insert("message".into(), Value::String(message));
    r.insert("severity".into(), Value::String(d.severity.as_str().into()));
    if let Some(rr) = resource {
        r.insert(
            "resourceRef".into(),
            serde_json::to_value(rr).unwrap_or(Value::Null),
        );
    }
    if let Some(f) = field {
        r.insert("field".into(), json!({ "path": f }));
    }
    r.insert("tags".into(), json!({ "code": d.code }));
    Value::Object(r)
}

/// Turn diagnostics into results: values and config problems point at the functionConfig,
/// input problems at the item they are about.
fn results(
    diags: &[Diagnostic],
    config_ref: Option<&ResourceRef>,
    fields: &FieldMap,
    items: &[Value],
) -> Vec<Value> {
    diags
        .iter()
        .map(|d| match &d.origin {
            Some(Origin::Item { index }) => {
                let item = items.get(*index);
                let rr = item.and_then(object_ref);
                let field = rr.as_ref().map(|_| "metadata.name".to_string());
                result(d, rr.as_ref(), field)
            }
            _ => {
                let field = fields.field(d).or_else(|| {
                    (!d.path.is_empty() && config_ref.is_some()).then(|| d.path.clone())
                });
                result(d, config_ref, field)
            }
        })
        .collect()
}

fn write_list(
    mut list: Map<String, Value>,
    items: Vec<Value>,
    results: Vec<Value>,
) -> Result<Vec<u8>, String> {
    list.insert("items".into(), Value::Array(items));
    if results.is_empty() {
        list.remove("results");
    } else {
        list.insert("results".into(), Value::Array(results));
    }
    crate::yamlio::to_yaml(&Value::Object(list))
        .map(String::into_bytes)
        .map_err(|e| format!("cannot write the ResourceList: {e}"))
}

fn answer(
    list: Map<String, Value>,
    items: Vec<Value>,
    results: Vec<Value>,
    report: &Report,
) -> Output {
    let failed = results
        .iter()
        .any(|r| r.get("severity").and_then(Value::as_str) == Some("error"));
    match write_list(list, items, results) {
        Ok(stdout) => Output {
            stdout,
            stderr: if failed {
                report.to_human()
            } else {
                String::new()
            },
            code: if failed { EXIT_INVALID } else { EXIT_OK },
        },
        Err(e) => fail(e),
    }
}

/// Run the function over the text of a ResourceList. `stdin_id` identifies standard input
/// (which carried the list), so that a values file naming it is refused.
pub fn run(input: &[u8], stdin_id: Option<(u64, u64)>) -> Output {
    let Ok(text) = std::str::from_utf8(input) else {
        return fail("standard input is not UTF-8 text".into());
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed: Value = match serde_saphyr::from_multiple_with_options::<Value>(text, options()) {
        Ok(docs) => {
            let mut docs = docs.into_iter().filter(|d| !d.is_null());
            match (docs.next(), docs.next()) {
                (Some(v), None) => v,
                (None, _) => return fail("standard input holds no ResourceList".into()),
                (Some(_), Some(_)) => {
                    return fail("standard input holds more than one YAML document; a ResourceList is exactly one".into())
                }
            }
        }
        Err(e) => {
            let (line, col) = crate::yamlio::error_position(&e);
            return fail(format!(
                "the ResourceList is not valid YAML (line {line}, column {col}): {}",
                crate::yamlio::error_message(&e)
            ));
        }
    };
    let Value::Object(list) = parsed else {
        return fail("the input is not a mapping".into());
    };
    let kind = list.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = list.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if kind != KIND || !API_VERSIONS.contains(&api) {
        return fail(format!(
            "the input is apiVersion {api:?} kind {kind:?}, not a {} ResourceList",
            API_VERSIONS.join(" or ")
        ));
    }
    let items: Vec<Value> = match list.get("items") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return fail("`items` is not a list".into()),
    };
    let mut report = Report::default();
    for (i, it) in items.iter().enumerate() {
        if !it.is_object() {
            report.push(
                Diagnostic::error(
                    Code::InvalidManifest,
                    "",
                    format!("items[{i}] is not an object"),
                )
                .hint("every item of a ResourceList is a Kubernetes object"),
            );
        }
    }
    // The functionConfig: values and options.
    let (fields, config_ref, settings, strict, ready) = match list.get("functionConfig") {
        None | Some(Value::Null) => {
            report.push(
                Diagnostic::info(Code::NoFunctionConfig, "", "the ResourceList has no functionConfig, so every feature is off and nothing is generated")
                    .hint(format!("give a functionConfig of kind {} ({}) or a ConfigMap whose data keys are --set paths", fnconfig::KIND, fnconfig::API_VERSION)),
            );
            let loaded = crate::values::load(&Default::default(), None).ok();
            let ready = loaded.map(|l| {
                let (f, _) = Features::from_values(&l);
                (l, f)
            });
            (FieldMap::default(), None, Settings::default(), false, ready)
        }
        Some(fc) => {
            let refused = crate::guard::stdin_values_errors(
                stdin_id,
                &fnconfig::values_files(fc),
                &[],
                "the ResourceList",
            );
            if !refused.is_empty() {
                report.extend(refused);
                let res = results(&report.items, None, &FieldMap::default(), &items);
                return answer(list, items, res, &report);
            }
            let o = fnconfig::read(fc);
            report.extend(o.report.items.clone());
            let cfg_ref = o.config.as_ref().and_then(fnconfig::FnConfig::resource_ref);
            let settings = o
                .config
                .as_ref()
                .map(fnconfig::FnConfig::settings)
                .unwrap_or_default();
            let strict = o.config.as_ref().is_some_and(|c| c.strict);
            if strict {
                report.make_strict();
            }
            (o.fields, cfg_ref, settings, strict, o.ready)
        }
    };
    let Some((_, features)) = ready.filter(|_| !report.has_errors()) else {
        let res = results(&report.items, config_ref.as_ref(), &fields, &items);
        return answer(list, items, res, &report);
    };
    let ctx = Context {
        fields: &fields,
        config_ref: config_ref.as_ref(),
        settings: &settings,
        strict,
    };
    generate(list, items, report, &ctx, &features)
}

/// What the functionConfig decided, for [`generate`].
struct Context<'a> {
    fields: &'a FieldMap,
    config_ref: Option<&'a ResourceRef>,
    settings: &'a Settings,
    strict: bool,
}

fn generate(
    list: Map<String, Value>,
    items: Vec<Value>,
    mut report: Report,
    ctx: &Context,
    features: &Features,
) -> Output {
    let (fields, config_ref, settings) = (ctx.fields, ctx.config_ref, ctx.settings);
    // The items as a manifest stream, one JSON document each, so that the post-render pipeline
    // (identity, controller subject, conflicts) sees exactly what the list holds.
    let mut stream = String::new();
    for it in &items {
        stream.push_str("---\n");
        stream.push_str(&serde_json::to_string(it).unwrap_or_else(|_| "{}".into()));
        stream.push('\n');
    }
    let mut out = Vec::new();
    // Positions in that stream mean nothing to the caller: name the item instead.
    let to_items = |ds: Vec<Diagnostic>| {
        ds.into_iter().map(|mut d| {
            if let Some(Origin::Input { document, .. }) = d.origin {
                d.origin = Some(Origin::Item {
                    index: document.saturating_sub(1),
                });
            }
            d
        })
    };
    let outcome = match pipeline::run(stream.as_bytes(), &mut out, settings, features) {
        Ok(o) => o,
        Err(ds) => {
            report.extend(to_items(ds));
            let res = results(&report.items, config_ref, fields, &items);
            return answer(list, items, res, &report);
        }
    };
    let mut late = Report {
        items: to_items(outcome.diagnostics).collect(),
    };
    if ctx.strict {
        late.make_strict();
    }
    report.extend(late.items);
    if report.has_errors() {
        let res = results(&report.items, config_ref, fields, &items);
        return answer(list, items, res, &report);
    }
    // The generated documents are the last ones of the output.
    let text = String::from_utf8_lossy(&out);
    let docs: Vec<Value> = match serde_saphyr::from_multiple_with_options(&text, options()) {
        Ok(d) => d,
        Err(e) => {
            return fail(format!(
                "internal: cannot read the generated objects back: {}",
                crate::yamlio::error_message(&e)
            ))
        }
    };
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    let n = outcome.written.len().min(docs.len());
    let mut generated: Vec<Option<Value>> =
        docs[docs.len() - n..].iter().cloned().map(Some).collect();
    // Put each generated object where an earlier run's copy of it was, keeping that copy's
    // annotations (the orchestrator's index/path/id and anything added after us).
    let mut new_items = Vec::with_capacity(items.len() + generated.len());
    for it in &items {
        if !is_own(it) {
            new_items.push(it.clone());
            continue;
        }
        let id = identity(it);
        let slot = generated.iter().position(|g| {
            g.as_ref()
                .is_some_and(|g| id.is_some() && identity(g) == id)
        });
        if let Some(i) = slot {
            if let Some(mut g) = generated[i].take() {
                keep_annotations(&mut g, it);
                new_items.push(g);
            }
        }
    }
    let mut infos = vec![];
    for g in generated.into_iter().flatten() {
        new_items.push(g);
    }
    for g in new_items.iter().filter(|g| is_own(g)) {
        if let Some(r) = object_ref(g) {
            let ns = r
                .namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            let d = Diagnostic::info(
                Code::Generated,
                "",
                format!(
                    "generated {} {ns}{} for target {}",
                    r.kind,
                    r.name,
                    settings.target.as_str()
                ),
            );
            infos.push(result(&d, Some(&r), Some("metadata.name".into())));
        }
    }
    let mut res = results(&report.items, config_ref, fields, &items);
    res.extend(infos);
    answer(list, new_items, res, &report)
}

fn keep_annotations(new: &mut Value, old: &Value) {
    let Some(old_anns) = old
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let anns = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(a) = anns {
        for (k, v) in old_anns {
            if !a.contains_key(k) {
                a.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_input_is_refused_without_output() {
        let o = run(b"apiVersion: v1\nkind: ConfigMap\n", None);
        assert_eq!(o.code, EXIT_INVALID);
        assert!(o.stdout.is_empty());
        assert!(o.stderr.contains("not a"));
    }
}
