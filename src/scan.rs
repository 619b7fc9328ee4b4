//! The scan of the rendered input: split it, check every document (UTF-8, well-formed YAML,
//! identity), write the untouched ones to the output byte for byte, drop the tool's own stale
//! output, and remember what the decision needs (the controller Deployment, objects that may
//! collide with a planned identity, what was removed), in memory bounded by the largest
//! document. Past 1 MiB of input, documents are checked on two threads, always taken in stream
//! order, so output and diagnostics do not depend on it.

use crate::diag::{Code, Diagnostic, Origin};
use crate::identify::{self, Object};
use crate::k8s;
use crate::plan::{self, Planned, Subject, SubjectRule, Target};
use crate::stream::{self, Splitter};
use crate::values::features::Features;
use std::io::{self, Read, Write};

/// The `spaces-controller` Deployment seen in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerDeployment {
    pub namespace: Option<String>,
    pub service_account: Option<String>,
    pub document: usize,
    pub line: usize,
    pub source: Option<String>,
}

/// An input object with the identity of one the tool plans for these values.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) obj: Object,
    pub(crate) document: usize,
    pub(crate) line: usize,
    pub(crate) source: Option<String>,
    /// Stale output of an earlier run (the marker label on an identity the tool generates):
    /// its document was dropped and the object is generated again, or said removed.
    pub(crate) own: bool,
    /// It carries the marker but belongs to another package (a kpt subpackage whose own
    /// pipeline generated it): the input's, not stale output of this run.
    pub(crate) other_package: bool,
    /// How many input objects have this identity (and the same `own` and `other_package`):
    /// the first is kept here, the others only counted (copies of a planned object do not
    /// make memory grow).
    pub(crate) copies: usize,
}

/// How many names an info about removed objects lists before "and N more".
const NAMED_AT_MOST: usize = 10;

/// Objects an earlier run generated that these values no longer generate: dropped from the
/// output, and named in an info. Only the first few names are kept (memory stays bounded).
#[derive(Debug, Default, Clone)]
pub struct Removed {
    pub count: usize,
    pub names: Vec<String>,
}

impl Removed {
    pub(crate) fn note(&mut self, o: &Object) {
        self.note_copies(o, 1);
    }

    /// `copies` objects with the identity of `o` (named once).
    pub(crate) fn note_copies(&mut self, o: &Object, copies: usize) {
        self.count += copies;
        if self.names.len() < NAMED_AT_MOST {
            self.names.push(describe(o));
        }
    }
}

/// `Role argocd/spaces-argocd-plugin`, `Namespace external-secrets`.
fn describe(o: &Object) -> String {
    let kind = o.kind.as_deref().unwrap_or("object");
    let name = o.name.as_deref().unwrap_or("");
    match o.namespace.as_deref() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// The last document when it does not end with a line break: appending after it needs one.
#[derive(Debug)]
pub(crate) struct Unterminated {
    pub(crate) document: usize,
    pub(crate) line: usize,
    pub(crate) bytes: Vec<u8>,
}

/// What the scan of the input learned.
#[derive(Debug, Default)]
pub struct Scan {
    pub documents: usize,
    /// Objects in the input, and how many of them are Helm hooks.
    pub objects: usize,
    pub hooks: usize,
    /// Bytes of input.
    pub bytes: u64,
    pub helm4_input: bool,
    /// The first `spaces-controller` Deployment of the input.
    pub controller: Option<ControllerDeployment>,
    /// The second one, if any (two may not decide the subject).
    pub other_controller: Option<ControllerDeployment>,
    /// How many `spaces-controller` Deployments the input has.
    pub controllers: usize,
    pub(crate) seen: Vec<Seen>,
    pub removed: Removed,
    /// The documents dropped as stale output of an earlier run (document numbers, in order).
    pub dropped: Vec<usize>,
    pub(crate) unterminated: Option<Unterminated>,
}

pub(crate) fn input_origin(document: usize, line: usize, source: &Option<String>) -> Origin {
    Origin::Input {
        document,
        line,
        source: source.clone(),
    }
}

/// What checking one document found: what its objects mean to the scan, or why it was refused.
enum Checked {
    Ok(Summary),
    /// Not UTF-8: the length of the valid prefix.
    NotUtf8(usize),
    Invalid(identify::DocError),
}

/// A document's objects, reduced to what [`Scanner::take`] looks at. Objects that matter to
/// nothing here (the ConfigMaps and CRDs of a release) are dropped where they were made, which
/// on a second thread avoids freeing memory across threads.
struct Summary {
    objects: usize,
    /// How many objects carry Helm's hook annotation.
    hooks: usize,
    helm4: bool,
    /// How many objects are stale output of an earlier run ([`is_own`]).
    own: usize,
    /// In document order: objects that could be the controller Deployment, be generated, or
    /// carry the marker.
    relevant: Vec<Object>,
    /// The document is a mapping, and a Kubernetes object (apiVersion and kind).
    mapping: bool,
    kube_object: bool,
    /// Nodes its aliases expand to.
    aliased: u64,
}

fn is_controller(o: &Object) -> bool {
    o.kind.as_deref() == Some("Deployment")
        && o.name.as_deref() == Some("spaces-controller")
        && o.group() == "apps"
}

fn marked(o: &Object) -> bool {
    o.marker.as_deref() == Some(k8s::MARKER_VALUE)
}

/// Stale output of an earlier run: the marker label on an identity the tool generates for some
/// values. A marker-labelled object of any other identity is the user's.
pub(crate) fn is_own(o: &Object) -> bool {
    marked(o)
        && plan::is_own_identity(
            o.group(),
            o.kind.as_deref().unwrap_or(""),
            o.name.as_deref().unwrap_or(""),
        )
}

/// Check one document: UTF-8, well-formed YAML, and its objects.
fn check_doc(bytes: &[u8]) -> Checked {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Checked::NotUtf8(e.valid_up_to()),
    };
    let text_nobom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let info = match identify::identify(text_nobom) {
        Ok(i) => i,
        Err(e) => return Checked::Invalid(e),
    };
    let objects = info.objects.len();
    let (mapping, kube_object, aliased) = (info.mapping, info.kube_object, info.aliased);
    // Our own generated documents (replaced) say nothing about who called us.
    let helm4 = info.objects.iter().any(|o| o.helm4_filename && !marked(o));
    let own = info.objects.iter().filter(|o| is_own(o)).count();
    let hooks = info.objects.iter().filter(|o| o.hook).count();
    let mut relevant = info.objects;
    relevant.retain(|o| {
        is_controller(o)
            || plan::is_own_identity(
                o.group(),
                o.kind.as_deref().unwrap_or(""),
                o.name.as_deref().unwrap_or(""),
            )
    });
    Checked::Ok(Summary {
        objects,
        hooks,
        helm4,
        own,
        relevant,
        mapping,
        kube_object,
        aliased,
    })
}

/// Where a document sits in the stream.
#[derive(Clone, Copy)]
struct DocAt {
    index: usize,
    line: usize,
}

/// The bookkeeping of [`scan_input`]: takes the checked documents in stream order.
struct Scanner<'o> {
    out: &'o mut dyn Write,
    /// What the input is called in messages.
    source: &'o str,
    /// The identities planned for these values.
    wanted: &'o Wanted,
    scan: Scan,
    errors: Vec<Diagnostic>,
    /// Writing failed: stop reading.
    broken: bool,
    /// Alias expansions left to the stream ([`STREAM_ALIAS_BUDGET`]).
    alias_budget: u64,
    /// The first document that is a mapping but no Kubernetes object, and whether any document
    /// is a Kubernetes object.
    first_mapping: Option<DocAt>,
    any_object: bool,
    /// Whether a document belongs to another package than the run's (see
    /// [`scan_input_in`]); asked only about documents with marker-labelled objects.
    other_package: &'o dyn Fn(usize) -> bool,
    /// Where each identity of `scan.seen` is: a copy of one already there is only counted.
    seen_at: std::collections::HashMap<SeenKey, usize>,
}

/// The identity of a [`Seen`] object, and whether it is stale output (here or elsewhere).
type SeenKey = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

/// Nodes that alias expansion may add to a whole stream (each document is also held to
/// Kubernetes' own limit on its share of aliases): the budget is the stream's, so that many
/// documents just under the per-document limit cannot add up to unbounded work.
pub const STREAM_ALIAS_BUDGET: u64 = 10_000_000;

impl Scanner<'_> {
    fn take(&mut self, at: DocAt, bytes: &[u8], checked: Checked) {
        self.scan.documents += 1;
        let info = match checked {
            Checked::Ok(info) => info,
            Checked::NotUtf8(off) => {
                let line = at.line + memchr::memchr_iter(b'\n', &bytes[..off]).count();
                self.errors.push(
                    Diagnostic::error(Code::InvalidUtf8, "", format!("input document {} is not valid UTF-8 (byte {} of the document)", at.index, off + 1))
                        .at(Some(input_origin(at.index, line, &None)))
                        .hint("Kubernetes manifests must be UTF-8 text; check the chart for binary data outside base64 `data:` fields"),
                );
                return;
            }
            Checked::Invalid(e) => {
                let source = stream::source_comment(bytes);
                self.errors.push(
                    Diagnostic::error(Code::InvalidManifest, "", e.message.clone())
                        .at(Some(input_origin(
                            at.index,
                            at.line + e.line.saturating_sub(1),
                            &source,
                        )))
                        .hint(format!(
                        "fix the template that rendered it (line {}, column {} of the document)",
                        e.line, e.column
                    )),
                );
                return;
            }
        };
        if info.aliased > self.alias_budget {
            self.alias_budget = 0;
            self.errors.push(
                Diagnostic::error(
                    Code::InvalidManifest,
                    "",
                    format!("input document {} takes the stream's aliases past {STREAM_ALIAS_BUDGET} expanded nodes (excessive aliasing: an alias bomb?)", at.index),
                )
                .at(Some(input_origin(at.index, at.line, &stream::source_comment(bytes))))
                .hint("write the repeated parts out instead of through YAML aliases (`*name`)"),
            );
            return;
        }
        self.alias_budget -= info.aliased;
        if info.kube_object {
            self.any_object = true;
        } else if info.mapping && self.first_mapping.is_none() {
            self.first_mapping = Some(at);
        }
        if info.helm4 {
            self.scan.helm4_input = true;
        }
        self.scan.objects += info.objects;
        self.scan.hooks += info.hooks;
        // Output of a run for another package (a kpt subpackage's pipeline) is not stale output
        // of this one: it stays, as any object of the input does.
        let other_package = info.own > 0 && (self.other_package)(at.index);
        let own_here = if other_package { 0 } else { info.own };
        // Only a document made entirely of the tool's own stale objects is dropped: an object
        // inside a List (or beside others) cannot be taken out without rewriting its neighbours.
        let drop_doc = info.objects > 0 && own_here == info.objects;
        if own_here > 0 && !drop_doc {
            let own: Vec<String> = info
                .relevant
                .iter()
                .filter(|o| is_own(o))
                .map(describe)
                .collect();
            self.errors.push(
                Diagnostic::error(
                    Code::GeneratedInList,
                    "",
                    format!(
                        "input document {} holds {} generated by an earlier spaces-postrender run together with {} other object(s); it can be neither replaced nor kept without rewriting the others",
                        at.index,
                        own.join(", "),
                        info.objects - info.own
                    ),
                )
                .at(Some(input_origin(at.index, at.line, &stream::source_comment(bytes))))
                .hint("give the tool the earlier output as separate documents (not a List), or delete those objects from the input"),
            );
        }
        for o in &info.relevant {
            if is_controller(o) {
                self.scan.controllers += 1;
                let d = ControllerDeployment {
                    namespace: o.namespace.clone().filter(|s| !s.is_empty()),
                    service_account: o.service_account.clone().filter(|s| !s.is_empty()),
                    document: at.index,
                    line: at.line,
                    source: stream::source_comment(bytes),
                };
                if self.scan.controller.is_none() {
                    self.scan.controller = Some(d);
                } else if self.scan.other_controller.is_none() {
                    self.scan.other_controller = Some(d);
                }
            }
            let own = is_own(o) && !other_package;
            if self.wanted.matches(o) {
                let elsewhere = other_package && is_own(o);
                let key = (
                    o.group().to_string(),
                    o.kind.clone(),
                    o.namespace.clone(),
                    o.name.clone(),
                    own,
                    elsewhere,
                );
                if let Some(&k) = self.seen_at.get(&key) {
                    self.scan.seen[k].copies += 1;
                } else {
                    self.seen_at.insert(key, self.scan.seen.len());
                    self.scan.seen.push(Seen {
                        obj: o.clone(),
                        document: at.index,
                        line: at.line,
                        source: stream::source_comment(bytes),
                        own,
                        other_package: elsewhere,
                        copies: 1,
                    });
                }
            } else if own && drop_doc {
                self.scan.removed.note(o);
            }
        }
        if drop_doc {
            self.scan.dropped.push(at.index);
        }
        if drop_doc || !self.errors.is_empty() {
            return;
        }
        if let Err(e) = self.out.write_all(bytes) {
            self.errors.push(crate::spool::write_failure(&e));
            self.broken = true;
            return;
        }
        self.scan.unterminated = match bytes.last() {
            Some(b'\n') | None => None,
            Some(_) => Some(Unterminated {
                document: at.index,
                line: at.line,
                bytes: bytes.to_vec(),
            }),
        };
    }

    fn read_error(&mut self, e: io::Error) {
        self.errors.push(Diagnostic::error(
            Code::ReadInput,
            "",
            format!("cannot read the manifests in {}: {e}", self.source),
        ));
    }
}

/// Input beyond this many bytes is checked on two threads (small charts never start one).
pub const PARALLEL_AFTER: u64 = 1 << 20;
/// Documents travel between the threads in batches of about this many bytes.
const BATCH: usize = 128 * 1024;
/// Batches in flight (being checked, or checked and waiting for an earlier one), which bounds
/// memory.
const IN_FLIGHT: usize = 8;

/// Documents copied out of the splitter, and what checking them found.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    docs: Vec<(DocAt, usize, usize)>,
    checked: Vec<Checked>,
}

impl Batch {
    fn check(&mut self) {
        self.checked.clear();
        for &(_, s, e) in &self.docs {
            self.checked.push(check_doc(&self.bytes[s..e]));
        }
    }
}

/// The identities the tool plans for these values, known before the input is read except for
/// the controller namespace (which the input's Deployment may decide): the scan keeps only
/// input objects that may collide with one of them, so memory does not grow with the stream.
#[derive(Debug, Default)]
pub struct Wanted {
    objects: Vec<Planned>,
}

impl Wanted {
    /// What `f` plans for `target`, whatever the controller subject turns out to be.
    pub fn new(f: &Features, target: Target) -> Wanted {
        let placeholder = Subject {
            namespace: String::new(),
            name: String::new(),
            rule: SubjectRule::Default,
            name_origin: Origin::Default,
            namespace_origin: Origin::Default,
        };
        Wanted {
            objects: plan::plan(f, target, &placeholder).objects,
        }
    }

    fn matches(&self, o: &Object) -> bool {
        self.objects
            .iter()
            .any(|p| collides(p, o, p.in_controller_namespace))
    }
}

/// Whether input object `o` has the identity of planned object `p`: group, kind and
/// name, and the namespace unless `any_namespace` (not known yet). A namespaced object without
/// a namespace lands in the release namespace, which may be the planned one.
pub(crate) fn collides(p: &Planned, o: &Object, any_namespace: bool) -> bool {
    o.kind.as_deref() == Some(p.kind.as_str())
        && o.name.as_deref() == Some(p.name.as_str())
        && o.group() == p.group()
        && (any_namespace
            || p.namespace.is_none()
            || o.namespace.is_none()
            || o.namespace == p.namespace)
}

/// Read the input, write untouched documents to `out` byte for byte, and remember what matters.
/// Documents generated by an earlier run (they carry the marker label) are dropped here and
/// generated again at the end.
///
/// Documents are checked in stream order on this thread until the input passes
/// [`PARALLEL_AFTER`] bytes; then a second thread checks batches of documents while this one
/// reads, splits, writes, and checks a batch itself whenever the other thread is busy. Either
/// way every document is taken in stream order, so the output and the diagnostics are the same
/// (`parallel_after` is [`PARALLEL_AFTER`] but in tests of both ways). `source` names the input
/// in messages.
pub fn scan_input(
    input: impl Read,
    out: &mut dyn Write,
    wanted: &Wanted,
    source: &str,
    parallel_after: u64,
) -> Result<Scan, ScanFailed> {
    scan_input_in(input, out, wanted, source, parallel_after, &|_| false)
}

/// [`scan_input`] for a run that answers for one package of several (a KRM function under
/// `kpt fn render`, which also sends the subpackages' objects): `other_package(document)` says
/// whether an input document belongs to another package. Marker-labelled objects there are
/// another run's output, not stale output of this one, so they are kept and never removed.
pub fn scan_input_in(
    input: impl Read,
    out: &mut dyn Write,
    wanted: &Wanted,
    source: &str,
    parallel_after: u64,
    other_package: &dyn Fn(usize) -> bool,
) -> Result<Scan, ScanFailed> {
    let mut sp = Splitter::new(input);
    let mut st = Scanner {
        out,
        source,
        wanted,
        scan: Scan::default(),
        errors: Vec::new(),
        broken: false,
        alias_budget: STREAM_ALIAS_BUDGET,
        first_mapping: None,
        any_object: false,
        other_package,
        seen_at: Default::default(),
    };
    let mut more = true;
    while more && sp.total_bytes <= parallel_after {
        match sp.next_doc() {
            Ok(Some(d)) => {
                let at = DocAt {
                    index: d.index,
                    line: d.line,
                };
                st.take(at, d.bytes, check_doc(d.bytes));
                more = !st.broken;
            }
            Ok(None) => more = false,
            Err(e) => {
                st.read_error(e);
                more = false;
            }
        }
    }
    if more {
        scan_parallel(&mut sp, &mut st);
    }
    if let (Some(at), false) = (st.first_mapping, st.any_object) {
        st.errors.push(
            Diagnostic::error(
                Code::NoObjects,
                "",
                format!("no document in {} is a Kubernetes object (a mapping with apiVersion and kind); input document {} is a mapping without them", st.source, at.index),
            )
            .at(Some(input_origin(at.index, at.line, &None)))
            .hint("give the rendered manifests (`helm template ... | spaces-postrender`); a values file goes to `-f`, not to standard input"),
        );
    }
    let mut scan = st.scan;
    scan.bytes = sp.total_bytes;
    if st.errors.is_empty() {
        Ok(scan)
    } else {
        Err(ScanFailed {
            scan: Box::new(scan),
            errors: st.errors,
        })
    }
}

/// A scan that found errors: they, and what it learned all the same (so that the decision's
/// own problems, such as conflicts, are reported with them).
#[derive(Debug)]
pub struct ScanFailed {
    pub scan: Box<Scan>,
    pub errors: Vec<Diagnostic>,
}

impl From<ScanFailed> for Vec<Diagnostic> {
    fn from(f: ScanFailed) -> Self {
        f.errors
    }
}

/// A batch on its way: with the checker thread, or checked.
enum Slot {
    AtChecker,
    Checked(Batch),
}

/// The rest of the stream, on two threads.
fn scan_parallel<R: Read>(sp: &mut Splitter<R>, st: &mut Scanner) {
    use std::collections::VecDeque;
    use std::sync::mpsc;
    let (to_checker, todo) = mpsc::sync_channel::<Batch>(1);
    let (to_main, done) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let checker = std::thread::Builder::new()
            .name("check".into())
            // A full parse of a deeply nested document recurses; give it the main thread's room.
            .stack_size(64 << 20)
            .spawn_scoped(scope, move || {
                for mut b in todo {
                    b.check();
                    if to_main.send(b).is_err() {
                        break;
                    }
                }
            });
        let mut slots: VecDeque<Slot> = VecDeque::new();
        let mut spare: Vec<Batch> = Vec::new();
        // Take checked batches from the front, in stream order.
        let flush = |slots: &mut VecDeque<Slot>, st: &mut Scanner, spare: &mut Vec<Batch>| {
            while let Some(Slot::Checked(_)) = slots.front() {
                let Some(Slot::Checked(mut b)) = slots.pop_front() else {
                    break;
                };
                for (&(at, s, e), c) in b.docs.iter().zip(b.checked.drain(..)) {
                    if !st.broken {
                        st.take(at, &b.bytes[s..e], c);
                    }
                }
                b.bytes.clear();
                b.docs.clear();
                if b.bytes.capacity() > 4 * BATCH {
                    // It held a huge document: do not keep that much memory around.
                    b.bytes = Vec::new();
                }
                spare.push(b);
            }
        };
        // A batch back from the checker belongs to the oldest slot still there.
        let returned = |slots: &mut VecDeque<Slot>, b: Batch| {
            if let Some(slot) = slots.iter_mut().find(|s| matches!(s, Slot::AtChecker)) {
                *slot = Slot::Checked(b);
            }
        };
        let mut batch = Batch::default();
        let mut more = true;
        while more {
            match sp.next_doc() {
                Ok(Some(d)) => {
                    let s = batch.bytes.len();
                    batch.bytes.extend_from_slice(d.bytes);
                    let at = DocAt {
                        index: d.index,
                        line: d.line,
                    };
                    batch.docs.push((at, s, batch.bytes.len()));
                }
                Ok(None) => more = false,
                Err(e) => {
                    st.read_error(e);
                    more = false;
                }
            }
            if batch.docs.is_empty() || (more && batch.bytes.len() < BATCH) {
                continue;
            }
            let mut full = std::mem::replace(&mut batch, spare.pop().unwrap_or_default());
            let sent = match &checker {
                Ok(_) => match to_checker.try_send(full) {
                    Ok(()) => {
                        slots.push_back(Slot::AtChecker);
                        None
                    }
                    Err(mpsc::TrySendError::Full(b) | mpsc::TrySendError::Disconnected(b)) => {
                        Some(b)
                    }
                },
                Err(_) => Some(full),
            };
            if let Some(b) = sent {
                // The checker is busy (or absent): check this batch here.
                full = b;
                full.check();
                slots.push_back(Slot::Checked(full));
            }
            while let Ok(b) = done.try_recv() {
                returned(&mut slots, b);
            }
            flush(&mut slots, st, &mut spare);
            while slots.len() > IN_FLIGHT {
                match done.recv() {
                    Ok(b) => returned(&mut slots, b),
                    Err(_) => break,
                }
                flush(&mut slots, st, &mut spare);
            }
            if st.broken {
                more = false;
            }
        }
        drop(to_checker);
        while slots.iter().any(|s| matches!(s, Slot::AtChecker)) {
            match done.recv() {
                Ok(b) => returned(&mut slots, b),
                Err(_) => break,
            }
        }
        flush(&mut slots, st, &mut spare);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{self, ValuesInput};

    fn object(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Object {
        Object {
            api_version: Some(api_version.into()),
            kind: Some(kind.into()),
            namespace: ns.map(str::to_string),
            name: Some(name.into()),
            ..Default::default()
        }
    }

    /// Copies of an object with a planned identity are counted in the first one's entry, so
    /// memory does not grow with them (a million copies of the ESO Namespace held 557 MB).
    #[test]
    fn copies_of_a_planned_identity_are_counted_not_kept() {
        let input = ValuesInput {
            set: vec!["features.alpha.eso.enabled=true".into()],
            ..Default::default()
        };
        let f = Features::from_values(&values::load(&input, None).expect("values")).0;
        let w = Wanted::new(&f, Target::ControlPlane);
        let ns = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: external-secrets\n";
        let mut out = Vec::new();
        for parallel_after in [0, u64::MAX] {
            let scan = scan_input(
                ns.repeat(3000).as_bytes(),
                &mut out,
                &w,
                "in",
                parallel_after,
            )
            .map_err(|f| f.errors)
            .expect("scan");
            assert_eq!(scan.seen.len(), 1);
            assert_eq!((scan.seen[0].copies, scan.seen[0].document), (3000, 1));
        }
    }

    /// In a document of another package (it holds that package's generated output), only the
    /// marker-labelled objects are that package's output; an object beside them without the
    /// marker is an ordinary input object (a conflict names no other pipeline).
    #[test]
    fn only_marked_objects_of_another_package_are_its_output() {
        let input = ValuesInput {
            set: vec!["features.alpha.argocdPlugin.enabled=true".into()],
            ..Default::default()
        };
        let f = Features::from_values(&values::load(&input, None).expect("values")).0;
        let w = Wanted::new(&f, Target::Space);
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata: {name: spaces-argocd-plugin, namespace: argocd}\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: RoleBinding\n  metadata:\n    name: spaces-argocd-plugin\n    namespace: argocd\n    labels: {spaces-postrender.dev/generated: \"true\"}\n";
        let scan = scan_input_in(
            list.as_bytes(),
            &mut Vec::new(),
            &w,
            "in",
            u64::MAX,
            &|_| true,
        )
        .map_err(|f| f.errors)
        .expect("scan");
        let flags: Vec<(&str, bool, bool)> = scan
            .seen
            .iter()
            .map(|s| (s.obj.kind.as_deref().unwrap_or(""), s.own, s.other_package))
            .collect();
        assert_eq!(
            flags,
            [("Role", false, false), ("RoleBinding", false, true)]
        );
    }

    /// The scan keeps only objects that may collide with a planned identity: a narrower filter
    /// would miss conflicts, a wider one would let memory grow with the stream (2M Namespaces).
    #[test]
    fn wanted_keeps_exactly_the_possible_collisions() {
        let input = ValuesInput {
            set: vec!["features.alpha.argocdPlugin.enabled=true".into()],
            ..Default::default()
        };
        let f = Features::from_values(&values::load(&input, None).expect("values")).0;
        let w = Wanted::new(&f, Target::Space);
        let rbac = "rbac.authorization.k8s.io/v1";
        assert!(w.matches(&object(
            rbac,
            "Role",
            Some("argocd"),
            "spaces-argocd-plugin"
        )));
        assert!(w.matches(&object(rbac, "RoleBinding", None, "spaces-argocd-plugin")));
        for o in [
            object("v1", "ConfigMap", Some("argocd"), "spaces-argocd-plugin"),
            object(rbac, "Role", Some("argocd"), "other"),
            object(
                "example.com/v1",
                "Role",
                Some("argocd"),
                "spaces-argocd-plugin",
            ),
            object(rbac, "Role", Some("elsewhere"), "spaces-argocd-plugin"),
            object("v1", "Namespace", None, "argocd"),
        ] {
            assert!(!w.matches(&o), "{o:?} is kept");
        }
    }
}
