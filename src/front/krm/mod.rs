//! KRM function mode (kustomize `functions-spec.md`): a `ResourceList` on standard input, the
//! same `ResourceList` on standard output with the generated objects added to `items` and the
//! diagnostics as `results`.
//!
//! - `functionConfig` is a [`crate::front::fnconfig`] object: `SpacesPostRender`, or a ConfigMap whose
//!   `data` keys are `--set` paths.
//! - Every item the function does not own comes back exactly as it came: the same bytes, with
//!   its comments, annotations and YAML styles ([`layout`] finds each item's text; nothing is
//!   parsed and written again, so `yes`, `0644` or `1e3` keep the meaning the orchestrator's
//!   YAML reader gives them).
//! - Items this tool generated in an earlier run (they carry the marker label) are replaced in
//!   place by the newly generated object with the same identity, keeping the annotations the old
//!   one had and the new one does not set; so running the function over its own output changes
//!   nothing. Marker items that are no longer generated are removed.
//! - Each result has `severity` (error, warning or info), `message`, `tags.code`, and where it
//!   applies `resourceRef` (the functionConfig for values problems, the item for input problems,
//!   the generated object for an info about it) and `field.path`.
//! - Exit 1 when any result is an error; then `items` is empty (so that a list piped on to a
//!   sink without a look at the exit code is never a package without the generated objects),
//!   `results` say why, and the problems are also printed on standard error.

pub mod layout;

use crate::decide::Place;
use crate::diag::{Code, Diagnostic, Origin, Report};
use crate::front::fnconfig::{self, FieldMap, ResourceRef};
use crate::identify::Object;
use crate::pipeline::{self, Prepared, Settings};
use crate::plan::Planned;
use crate::values::features::Features;
use crate::{EXIT_INVALID, EXIT_OK};
use layout::{Entry, Layout};
use serde_json::{json, Map, Value};
use std::io::Write;

pub const KIND: &str = "ResourceList";
use crate::k8s::KPT_PACKAGE_PATH;
use crate::k8s::KPT_RESOURCE_ID as KPT_SELECTION;
/// The ResourceList versions of the KRM functions spec (`v1alpha1` from older orchestrators).
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1"];

/// What the function prints and how it exits.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: i32,
}

/// How a run that wrote its answer to a writer ends: what to say on stderr, the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub stderr: String,
    pub code: i32,
}

/// YAML options for the functionConfig: as the rest of the tool, plus YAML 1.1 octals; a
/// `.inf` somewhere in it is read as that text (JSON values cannot hold it).
fn config_options() -> serde_saphyr::Options {
    let mut o = crate::yamlio::options();
    o.legacy_octal_numbers = true;
    o.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::AsString;
    o
}

/// The answer to an input that is no ResourceList this function can read: nothing on stdout
/// (there is no list to answer), the error on stderr, exit 1.
fn fail(message: String) -> Status {
    let d = Diagnostic::error(Code::KrmInput, "", message)
        .hint("the input is not a ResourceList this function can answer; nothing was written");
    Status {
        stderr: format!("{d}\n"),
        code: EXIT_INVALID,
    }
}

/// The identity of an item (its first object), from the same reading as the post-render scan.
fn item_object(doc: &str) -> Option<Object> {
    crate::identify::identify(doc)
        .ok()?
        .objects
        .into_iter()
        .next()
}

fn object_ref(o: &Object) -> Option<ResourceRef> {
    Some(ResourceRef {
        api_version: o.api_version.clone()?,
        kind: o.kind.clone()?,
        namespace: o.namespace.clone(),
        name: o.name.clone()?,
    })
}

fn planned_ref(p: &Planned) -> ResourceRef {
    ResourceRef {
        api_version: p.api_version.to_string(),
        kind: p.kind.as_str().to_string(),
        namespace: p.namespace.clone(),
        name: p.name.clone(),
    }
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

/// What the answer needs besides the items: where results point.
struct Context<'a> {
    layout: &'a Layout<'a>,
    fields: FieldMap,
    config_ref: Option<ResourceRef>,
    /// The functionConfig as read (written back in a list that is written afresh).
    config: Option<Value>,
}

impl Context<'_> {
    /// Diagnostics as results: values and config problems point at the functionConfig, input
    /// problems at the item they are about.
    fn results(&self, diags: &[Diagnostic]) -> Vec<Value> {
        diags
            .iter()
            .map(|d| match &d.origin {
                Some(Origin::Item { index }) => {
                    let rr = self
                        .layout
                        .items
                        .get(*index)
                        .and_then(|_| item_object(&self.layout.doc(*index)))
                        .as_ref()
                        .and_then(object_ref);
                    let field = rr.as_ref().map(|_| "metadata.name".to_string());
                    result(d, rr.as_ref(), field)
                }
                _ => {
                    let field = self.fields.field(d).or_else(|| {
                        (!d.path.is_empty() && self.config_ref.is_some()).then(|| d.path.clone())
                    });
                    result(d, self.config_ref.as_ref(), field)
                }
            })
            .collect()
    }

    /// The answer that generates nothing: the items as they came, with the report as results
    /// ([`Context::answer`] leaves the items out when the report has an error, as it does on
    /// every path that calls this).
    fn unchanged(&self, out: &mut dyn Write, report: &Report) -> Status {
        let keep: Vec<Entry> = (0..self.layout.items.len()).map(Entry::Keep).collect();
        self.answer(out, &keep, self.results(&report.items), report)
    }

    /// Write the answer to `out` (as it is made: it is never held whole in memory).
    fn answer(
        &self,
        out: &mut dyn Write,
        entries: &[Entry],
        results: Vec<Value>,
        report: &Report,
    ) -> Status {
        let failed = results
            .iter()
            .any(|r| r.get("severity").and_then(Value::as_str) == Some("error"));
        let results = if results.is_empty() {
            String::new()
        } else {
            match crate::yamlio::to_yaml(&json!({ "results": results })) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot write the results: {e}")),
            }
        };
        let config = self
            .config
            .as_ref()
            .map(|c| serde_json::to_string(c).unwrap_or_default());
        // A failed answer holds no items: piped into `kpt fn sink` (or anything that applies a
        // list) without checking the exit code, it is never a package missing the generated
        // objects. The results still say why (KRM functions spec: exit 1, results).
        let entries = if failed { &[][..] } else { entries };
        if let Err(e) = self
            .layout
            .answer(out, entries, &results, config.as_deref())
        {
            let d = Diagnostic::error(
                Code::WriteOutput,
                "",
                format!("cannot write the answer: {e}"),
            )
            .hint("the output is incomplete; do not apply it");
            return Status {
                stderr: format!("{d}\n"),
                code: EXIT_INVALID,
            };
        }
        Status {
            stderr: if failed {
                report.to_human()
            } else {
                String::new()
            },
            code: if failed { EXIT_INVALID } else { EXIT_OK },
        }
    }
}

/// Run the function over the text of a ResourceList. `stdin_id` identifies standard input
/// (which carried the list), so that a values file naming it is refused.
#[cfg(test)]
pub fn run(input: &[u8], stdin_id: Option<(u64, u64)>) -> Output {
    let mut stdout = Vec::new();
    let Status { stderr, code } = run_to(input, stdin_id, &mut stdout);
    Output {
        stdout,
        stderr,
        code,
    }
}

/// [`run`], the answer written to `out` as it is made. Nothing is written when the input is
/// refused.
pub fn run_to(input: &[u8], stdin_id: Option<(u64, u64)>, out: &mut dyn Write) -> Status {
    let Ok(text) = std::str::from_utf8(input) else {
        return fail("standard input is not UTF-8 text".into());
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A bare CR is a YAML line break, but items are cut at LF: refuse it rather than misread.
    let bytes = text.as_bytes();
    if let Some(at) = memchr::memchr_iter(b'\r', bytes).find(|&i| bytes.get(i + 1) != Some(&b'\n'))
    {
        let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
        return fail(format!("line {line} ends with a bare carriage return (CR without LF); write line breaks as LF or CRLF"));
    }
    let layout = match Layout::read(text) {
        Ok(l) => l,
        Err(e) => return fail(e.to_string()),
    };
    let kind = layout.kind.as_deref().unwrap_or("");
    let api = layout.api_version.as_deref().unwrap_or("");
    if kind != KIND || !API_VERSIONS.contains(&api) {
        return fail(format!(
            "the input is apiVersion {api:?} kind {kind:?}, not a {} ResourceList",
            API_VERSIONS.join(" or ")
        ));
    }
    if layout.items_not_a_list {
        return fail("`items` is not a list".into());
    }
    let config: Option<Value> = match &layout.function_config {
        None => None,
        Some(doc) => match serde_saphyr::from_str_with_options::<Value>(doc, config_options()) {
            Ok(Value::Null) => None,
            Ok(v) => Some(v),
            Err(e) => {
                let (line, col) = crate::yamlio::error_position(&e);
                return fail(format!(
                    "the functionConfig cannot be read (its line {line}, column {col}): {}",
                    crate::yamlio::error_message(&e)
                ));
            }
        },
    };
    let mut report = Report::default();
    for (i, it) in layout.items.iter().enumerate() {
        let raw = layout.raw(i);
        if !raw.ends_with('\n') && !pipeline::newline_keeps_meaning(raw.as_bytes()) {
            report.push(
                Diagnostic::error(
                    Code::NoFinalNewline,
                    "",
                    format!("items[{i}] ends without a line break inside a value (a block scalar): the answer would add one to that value"),
                )
                .at(Some(Origin::Item { index: i }))
                .hint("end the ResourceList with a line break"),
            );
        }
        if !it.is_mapping {
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
    if let Some(i) = (0..layout.items.len()).find(|&i| {
        layout.raw(i).contains(KPT_SELECTION)
            && annotations(&layout.doc(i)).contains_key(KPT_SELECTION)
    }) {
        report.push(
            Diagnostic::error(
                Code::Selection,
                "",
                format!("items[{i}] carries {KPT_SELECTION}: kpt sent a selection of the package (a --match-* or --exclude-* selector), so the objects an earlier run generated are not in the list, and generating them again would add second copies"),
            )
            .hint("run the function without selectors: it finds the spaces-controller Deployment itself and gives every other object back unchanged"),
        );
    }
    let mut ctx = Context {
        layout: &layout,
        fields: FieldMap::default(),
        config_ref: None,
        config: config.clone(),
    };
    // The functionConfig: values and options.
    let (settings, strict, ready) = match &config {
        None => {
            report.push(
                Diagnostic::info(Code::NoFunctionConfig, "", "the ResourceList has no functionConfig, so every feature is off and nothing is generated")
                    .hint(format!("give a functionConfig of kind {} ({}) or a ConfigMap whose data keys are --set paths", fnconfig::KIND, fnconfig::API_VERSION)),
            );
            let ready = crate::values::load(&Default::default(), None)
                .ok()
                .map(|l| Features::from_values(&l).0);
            (Settings::default(), false, ready)
        }
        Some(fc) => {
            let refused = crate::front::guard::stdin_values_errors(
                stdin_id,
                &fnconfig::values_files(fc),
                &[],
                "the ResourceList",
            );
            if !refused.is_empty() {
                report.extend(refused);
                return ctx.unchanged(out, &report);
            }
            let o = fnconfig::read(fc);
            report.extend(o.report.items.clone());
            ctx.config_ref = o.config.as_ref().and_then(fnconfig::FnConfig::resource_ref);
            ctx.fields = o.fields;
            let settings = o
                .config
                .as_ref()
                .map(fnconfig::FnConfig::settings)
                .unwrap_or_default();
            let strict = o.config.as_ref().is_some_and(|c| c.strict);
            if strict {
                report.make_strict();
            }
            (settings, strict, o.ready.map(|(_, f)| f))
        }
    };
    let Some(features) = ready.filter(|_| !report.has_errors()) else {
        return ctx.unchanged(out, &report);
    };
    generate(&ctx, out, report, &settings, strict, &features)
}

/// The items as a manifest stream (`---` and each item's document), made as it is read: one
/// item's document at a time, never a copy of the whole list.
struct ItemStream<'a> {
    layout: &'a Layout<'a>,
    /// The next item to make a document of.
    next: usize,
    /// The current piece (a separator and an item's document), and how much of it was read.
    piece: Vec<u8>,
    at: usize,
}

impl std::io::Read for ItemStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.piece.len() {
            if self.next >= self.layout.items.len() {
                return Ok(0);
            }
            self.piece.clear();
            self.piece.extend_from_slice(b"---\n");
            self.piece
                .extend_from_slice(self.layout.doc(self.next).as_bytes());
            self.next += 1;
            self.at = 0;
        }
        let k = (self.piece.len() - self.at).min(buf.len());
        buf[..k].copy_from_slice(&self.piece[self.at..self.at + k]);
        self.at += k;
        Ok(k)
    }
}

/// Positions in the items' stream mean nothing to the caller: name the item instead.
fn to_item(mut d: Diagnostic) -> Diagnostic {
    if let Some(Origin::Input { document, .. }) = d.origin {
        d.origin = Some(Origin::Item {
            index: document.saturating_sub(1),
        });
    }
    d
}

fn generate(
    ctx: &Context,
    out: &mut dyn Write,
    mut report: Report,
    settings: &Settings,
    strict: bool,
    features: &Features,
) -> Status {
    // The items as a manifest stream, one document each, through the same scan and decision
    // as post-render (identity, controller subject, conflicts, stale output).
    let items = &ctx.layout.items;
    // Under `kpt fn render` the list also holds the subpackages' objects, each marked with its
    // package's path (as is the functionConfig with this package's): what a subpackage's own
    // pipeline generated is that package's, not stale output of this run.
    let package = ctx.config.as_ref().and_then(|c| {
        c.get("metadata")?
            .get("annotations")?
            .get(KPT_PACKAGE_PATH)?
            .as_str()
    });
    let other_package = |document: usize| -> bool {
        let Some(package) = package else {
            return false;
        };
        // (An index past the items has no text: `raw` and `doc` give "".)
        let i = document.wrapping_sub(1);
        ctx.layout.raw(i).contains(KPT_PACKAGE_PATH)
            && annotations(&ctx.layout.doc(i))
                .get(KPT_PACKAGE_PATH)
                .and_then(Value::as_str)
                .is_some_and(|p| p != package)
    };
    let prepared = pipeline::prepare_in(
        ItemStream {
            layout: ctx.layout,
            next: 0,
            piece: Vec::new(),
            at: 0,
        },
        &mut std::io::sink(),
        settings,
        features,
        "the ResourceList",
        &other_package,
    );
    let Prepared { scan, decision } = match prepared {
        Ok(p) => p,
        Err(ds) => {
            report.extend(ds.into_iter().map(to_item));
            return ctx.unchanged(out, &report);
        }
    };
    let mut late = Report {
        items: decision.notes.iter().cloned().map(to_item).collect(),
    };
    if strict {
        late.make_strict();
    }
    report.extend(late.items);
    if report.has_errors() {
        return ctx.unchanged(out, &report);
    }
    // The one rendering of the decision. Each generated object takes the place of an earlier
    // run's copy of it (keeping that copy's annotations: the orchestrator's index, path and id,
    // and anything added since); a Namespace goes before every item (an orchestrator that
    // applies the list in order creates it before what lives in it); the others follow the
    // items.
    let keep = |document: usize| -> Vec<(String, String)> {
        let i = document.wrapping_sub(1);
        if i >= items.len() {
            return Vec::new();
        }
        annotations(&ctx.layout.doc(i))
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(v) => Some((k, v)),
                _ => None,
            })
            .collect()
    };
    let style = crate::render::Style::default();
    let docs = match pipeline::generated(&decision, settings.target, style, &keep) {
        Ok(d) => d,
        Err(e) => return fail(format!("internal: {e}")),
    };
    let text =
        |d: &pipeline::Generated| d.text.strip_prefix("---\n").unwrap_or(&d.text).to_string();
    let mut placed = vec![false; docs.len()];
    let mut entries = Vec::with_capacity(items.len() + docs.len());
    let mut written = vec![];
    for (k, d) in docs.iter().enumerate() {
        if d.place == Place::First {
            placed[k] = true;
            entries.push(Entry::New(text(d)));
            written.push(k);
        }
    }
    // `scan.dropped` holds document numbers in stream order: a cursor walks it once, so the
    // pass is linear in the items however many of them are stale.
    let mut dropped = scan.dropped.iter().copied().peekable();
    for i in 0..items.len() {
        while dropped.next_if(|&d| d < i + 1).is_some() {}
        if dropped.next_if_eq(&(i + 1)).is_none() {
            entries.push(Entry::Keep(i));
            continue;
        }
        if let Some(k) = (0..docs.len()).find(|&k| !placed[k] && docs[k].replaces == Some(i + 1)) {
            placed[k] = true;
            entries.push(Entry::New(text(&docs[k])));
            written.push(k);
        }
    }
    for (k, d) in docs.iter().enumerate() {
        if !placed[k] {
            entries.push(Entry::New(text(d)));
            written.push(k);
        }
    }
    let plan = &decision.plan;
    let mut res = ctx.results(&report.items);
    for k in written {
        let p = &plan.objects[docs[k].index];
        let r = planned_ref(p);
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
        res.push(result(&d, Some(&r), Some("metadata.name".into())));
    }
    ctx.answer(out, &entries, res, &report)
}

/// The string annotations of an item.
fn annotations(doc: &str) -> Map<String, Value> {
    serde_saphyr::from_str_with_options::<Value>(doc, crate::yamlio::manifest_options())
        .ok()
        .and_then(|v| v.get("metadata")?.get("annotations")?.as_object().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";

    fn items_of(o: &Output) -> Vec<Value> {
        let v: Value =
            serde_saphyr::from_slice_with_options(&o.stdout, crate::yamlio::manifest_options())
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
        v["items"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn duplicate_top_level_keys_are_refused_without_echoing_the_input() {
        let input = format!("{HEAD}items:\n- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: a}}}}\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {{name: b}}\n  stringData: {{password: hunter2}}\n");
        let o = run(input.as_bytes(), None);
        assert_eq!(o.code, EXIT_INVALID);
        assert!(o.stdout.is_empty());
        assert!(o.stderr.contains("`items` twice"), "{}", o.stderr);
        assert!(!o.stderr.contains("hunter2"));
        let o = run(
            format!("{HEAD}kind: ConfigMap\nitems: []\n").as_bytes(),
            None,
        );
        assert!(o.stderr.contains("`kind` twice"), "{}", o.stderr);
    }

    /// A `|+` scalar at the end of the last item keeps its blank lines, whether the list is
    /// copied line by line (a root key after `items` with an anchor: the line starts with the
    /// key's properties) or written afresh (an indented root, read as the flow path reads it).
    #[test]
    fn a_keep_chomped_scalar_at_the_end_of_the_last_item_keeps_its_line_breaks() {
        let item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data:\n    k: |+\n      keep\n\n";
        let input = format!("{HEAD}items:\n{item}&x other: 1\n");
        let o = run(input.as_bytes(), None);
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(item), "{out}");
        assert!(out.contains("&x other: 1\n"), "{out}");
        assert_eq!(items_of(&o)[0]["data"]["k"], "keep\n\n");
        let indented = format!(
            " apiVersion: config.kubernetes.io/v1\n kind: ResourceList\n items:\n {}",
            item.replace('\n', "\n ")
        );
        let o = run(indented.trim_end_matches(' ').as_bytes(), None);
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
        assert_eq!(
            items_of(&o)[0]["data"]["k"],
            "keep\n\n",
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }

    #[test]
    fn bare_carriage_returns_are_refused_cleanly() {
        let o = run(
            b"apiVersion: config.kubernetes.io/v1\rkind: ResourceList\ritems: []\r",
            None,
        );
        assert_eq!(o.code, EXIT_INVALID);
        assert!(o.stderr.contains("bare carriage return"), "{}", o.stderr);
        // CRLF is fine.
        let o = run(
            b"apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems: []\r\n",
            None,
        );
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
    }

    #[test]
    fn non_finite_floats_pass_even_where_the_full_reading_is_needed() {
        let item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n    labels: &l {app: x}\n    annotations: *l\n  data:\n    ratio: .inf\n";
        let input = format!("{HEAD}items:\n{item}");
        let o = run(input.as_bytes(), None);
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
        assert!(String::from_utf8_lossy(&o.stdout).contains(item));
    }

    #[test]
    fn an_indented_list_is_read_and_answered() {
        let input = "  apiVersion: config.kubernetes.io/v1\n  kind: ResourceList\n  items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n    data:\n      x: |\n        hi\n";
        let o = run(input.as_bytes(), None);
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
        let items = items_of(&o);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["data"]["x"], "hi\n");
    }

    #[test]
    fn a_block_scalar_at_the_very_end_without_a_line_break_is_refused() {
        let input = format!("{HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: a}}\n  data:\n    s: |\n      tail");
        let o = run(input.as_bytes(), None);
        assert_eq!(o.code, EXIT_INVALID);
        assert!(o.stderr.contains("no-final-newline"), "{}", o.stderr);
        // `|-` does not keep the break: adding one changes nothing.
        let o = run(input.replace("s: |", "s: |-").as_bytes(), None);
        assert_eq!(o.code, EXIT_OK, "{}", o.stderr);
        assert_eq!(items_of(&o)[0]["data"]["s"], "tail");
    }

    #[test]
    fn wrong_input_is_refused_without_output() {
        let o = run(b"apiVersion: v1\nkind: ConfigMap\n", None);
        assert_eq!(o.code, EXIT_INVALID);
        assert!(o.stdout.is_empty());
        assert!(o.stderr.contains("not a"));
    }
}
