//! The post-render pipeline: stream the rendered manifests through, learn what the tool needs
//! from them, resolve the controller subject, plan, check conflicts and append the generated
//! documents.
//!
//! Output is atomic: everything is written to a spool (memory, spilling to an unlinked
//! temporary file past 16 MiB, so memory stays bounded by the largest document) and copied
//! to the caller's writer only when the whole input was read and checked. A failure therefore
//! never leaves a partial release on stdout.
//!
//! Past 1 MiB of input, documents are checked on two threads (see [`scan_input`]), always
//! taken in stream order, so output and diagnostics do not depend on it.

use crate::diag::{Diagnostic, Origin};
use crate::features::Features;
use crate::identify::{self, Object};
use crate::k8s;
use crate::plan::{self, Plan, Planned, Subject, SubjectRule, Target};
use crate::render;
use crate::stream::{self, Splitter};
use std::io::{self, Read, Seek, Write};

/// Options that are not values.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub target: Target,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `$HELM_NAMESPACE`.
    pub helm_namespace: Option<String>,
    /// `--controller-service-account NAMESPACE/NAME`.
    pub controller_sa: Option<String>,
    /// Running as a Helm 4 plugin (`$HELM_PLUGIN_NAME` set).
    pub helm4_env: bool,
}

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
struct Seen {
    obj: Object,
    document: usize,
    line: usize,
    source: Option<String>,
    /// Stale output of an earlier run (the marker label on an identity the tool generates):
    /// its document was dropped and the object is generated again, or said removed.
    own: bool,
}

/// How many names an info about removed objects lists before "and N more".
const NAMED_AT_MOST: usize = 10;

/// Objects an earlier run generated that these values no longer generate: dropped from the
/// output, and named in an info. Only the first few names are kept (memory stays bounded).
#[derive(Debug, Default)]
pub struct Removed {
    pub count: usize,
    pub names: Vec<String>,
}

impl Removed {
    fn note(&mut self, o: &Object) {
        self.count += 1;
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
struct Unterminated {
    document: usize,
    line: usize,
    bytes: Vec<u8>,
}

/// What the scan of the input learned.
#[derive(Debug, Default)]
pub struct Scan {
    pub documents: usize,
    /// Bytes of input.
    pub bytes: u64,
    pub helm4_input: bool,
    /// The first `spaces-controller` Deployment of the input.
    pub controller: Option<ControllerDeployment>,
    /// The second one, if any (two may not decide the subject).
    pub other_controller: Option<ControllerDeployment>,
    /// How many `spaces-controller` Deployments the input has.
    pub controllers: usize,
    seen: Vec<Seen>,
    pub removed: Removed,
    unterminated: Option<Unterminated>,
}

/// The result of a successful run.
#[derive(Debug)]
pub struct Outcome {
    /// Warnings and infos.
    pub diagnostics: Vec<Diagnostic>,
    /// Generated objects actually written (a Namespace already in the input is skipped).
    pub written: Vec<String>,
}

/// Output held in memory before spilling to a temporary file: a typical release (and the
/// 20,000-document benchmark stream) never touches the disk, and memory stays bounded.
pub const SPOOL_MEMORY: usize = 16 * 1024 * 1024;

/// Output buffer that spills to a temporary file.
///
/// In memory it is a list of 1 MiB chunks (growing a single vector would copy everything
/// written so far at each doubling); once spilled, the last chunk buffers the file.
#[derive(Default)]
pub struct Spool {
    chunks: Vec<Vec<u8>>,
    /// Bytes in `chunks`.
    held: usize,
    file: Option<std::fs::File>,
    pub len: u64,
}

/// The size of the spool's memory chunks, and of its writes to the file once spilled.
const SPOOL_CHUNK: usize = 1 << 20;

impl Spool {
    /// Append to the chunks (a new chunk when the last one is full).
    fn hold(&mut self, mut buf: &[u8]) {
        self.held += buf.len();
        while !buf.is_empty() {
            match self.chunks.last_mut() {
                Some(c) if c.len() < c.capacity() => {
                    let n = buf.len().min(c.capacity() - c.len());
                    c.extend_from_slice(&buf[..n]);
                    buf = &buf[n..];
                }
                _ => self.chunks.push(Vec::with_capacity(SPOOL_CHUNK)),
            }
        }
    }

    /// Write the chunks to `f` and forget them.
    fn drain_to(&mut self, f: &mut std::fs::File) -> io::Result<()> {
        for c in &self.chunks {
            f.write_all(c)?;
        }
        self.chunks.clear();
        self.held = 0;
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.len += buf.len() as u64;
        if self.file.is_none() && self.held + buf.len() > SPOOL_MEMORY {
            let mut f = tempfile::tempfile()?;
            self.drain_to(&mut f)?;
            self.file = Some(f);
        }
        if let Some(mut f) = self.file.take() {
            // Spilled: whole chunks reach the file (not a system call per document).
            let r = if self.held + buf.len() > SPOOL_CHUNK {
                self.drain_to(&mut f).and_then(|()| {
                    if buf.len() >= SPOOL_CHUNK {
                        f.write_all(buf)
                    } else {
                        self.hold(buf);
                        Ok(())
                    }
                })
            } else {
                self.hold(buf);
                Ok(())
            };
            self.file = Some(f);
            return r;
        }
        self.hold(buf);
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Spool {
    /// Copy everything to `out`.
    pub fn copy_to(mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.file.take() {
            None => {
                for c in &self.chunks {
                    out.write_all(c)?;
                }
                Ok(())
            }
            Some(mut f) => {
                self.drain_to(&mut f)?;
                f.seek(io::SeekFrom::Start(0))?;
                io::copy(&mut io::BufReader::with_capacity(SPOOL_CHUNK, f), out)?;
                Ok(())
            }
        }
    }
}

fn input_origin(document: usize, line: usize, source: &Option<String>) -> Origin {
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
    helm4: bool,
    /// How many objects are stale output of an earlier run ([`is_own`]).
    own: usize,
    /// In document order: objects that could be the controller Deployment, be generated, or
    /// carry the marker.
    relevant: Vec<Object>,
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
/// values (SPEC §5). A marker-labelled object of any other identity is the user's.
fn is_own(o: &Object) -> bool {
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
    // Our own generated documents (replaced) say nothing about who called us.
    let helm4 = info.objects.iter().any(|o| o.helm4_filename && !marked(o));
    let own = info.objects.iter().filter(|o| is_own(o)).count();
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
        helm4,
        own,
        relevant,
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
}

impl Scanner<'_> {
    fn take(&mut self, at: DocAt, bytes: &[u8], checked: Checked) {
        self.scan.documents += 1;
        let info = match checked {
            Checked::Ok(info) => info,
            Checked::NotUtf8(off) => {
                let line = at.line + memchr::memchr_iter(b'\n', &bytes[..off]).count();
                self.errors.push(
                    Diagnostic::error("invalid-utf8", "", format!("input document {} is not valid UTF-8 (byte {} of the document)", at.index, off + 1))
                        .at(Some(input_origin(at.index, line, &None)))
                        .hint("Kubernetes manifests must be UTF-8 text; check the chart for binary data outside base64 `data:` fields"),
                );
                return;
            }
            Checked::Invalid(e) => {
                let source = stream::source_comment(bytes);
                self.errors.push(
                    Diagnostic::error("invalid-manifest", "", e.message.clone())
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
        if info.helm4 {
            self.scan.helm4_input = true;
        }
        // Only a document made entirely of the tool's own stale objects is dropped: an object
        // inside a List (or beside others) cannot be taken out without rewriting its neighbours.
        let drop_doc = info.objects > 0 && info.own == info.objects;
        if info.own > 0 && !drop_doc {
            let own: Vec<String> = info
                .relevant
                .iter()
                .filter(|o| is_own(o))
                .map(describe)
                .collect();
            self.errors.push(
                Diagnostic::error(
                    "generated-in-list",
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
            let own = is_own(o);
            if self.wanted.matches(o) {
                self.scan.seen.push(Seen {
                    obj: o.clone(),
                    document: at.index,
                    line: at.line,
                    source: stream::source_comment(bytes),
                    own,
                });
            } else if own && drop_doc {
                self.scan.removed.note(o);
            }
        }
        if drop_doc || !self.errors.is_empty() {
            return;
        }
        if let Err(e) = self.out.write_all(bytes) {
            self.errors.push(Diagnostic::error(
                "write-output",
                "",
                format!("cannot write output: {e}"),
            ));
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
            "read-input",
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
        self.objects.iter().any(|p| {
            o.kind.as_deref() == Some(p.kind)
                && o.name.as_deref() == Some(p.name.as_str())
                && o.group() == p.group()
                && (p.in_controller_namespace
                    || p.namespace.is_none()
                    || o.namespace.is_none()
                    || o.namespace == p.namespace)
        })
    }
}

/// Read the input, write untouched documents to `out` byte for byte, and remember what matters.
/// Documents generated by an earlier run (they carry the marker label) are dropped here and
/// generated again at the end.
///
/// Documents are checked in stream order on this thread until the input passes
/// [`PARALLEL_AFTER`] bytes; then a second thread checks batches of documents while this one
/// reads, splits, writes, and checks a batch itself whenever the other thread is busy. Either
/// way every document is taken in stream order, so the output and the diagnostics are the same.
pub fn scan_input(
    input: impl Read,
    out: &mut dyn Write,
    wanted: &Wanted,
) -> Result<Scan, Vec<Diagnostic>> {
    scan_input_with(input, out, wanted, "standard input", PARALLEL_AFTER).map_err(Into::into)
}

/// [`scan_input`] of a file named `source`.
pub fn scan_input_from(
    input: impl Read,
    out: &mut dyn Write,
    wanted: &Wanted,
    source: &str,
) -> Result<Scan, Vec<Diagnostic>> {
    scan_input_with(input, out, wanted, source, PARALLEL_AFTER).map_err(Into::into)
}

/// [`scan_input`] going parallel after `parallel_after` bytes (for tests of both ways).
#[doc(hidden)]
pub fn scan_input_with(
    input: impl Read,
    out: &mut dyn Write,
    wanted: &Wanted,
    source: &str,
    parallel_after: u64,
) -> Result<Scan, ScanFailed> {
    let mut sp = Splitter::new(input);
    let mut st = Scanner {
        out,
        source,
        wanted,
        scan: Scan::default(),
        errors: Vec::new(),
        broken: false,
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

/// SPEC §4's rules for the ServiceAccount the RBAC binds, without checking the names.
/// Errors only for a malformed `--controller-service-account`.
fn choose_subject(
    settings: &Settings,
    f: &Features,
    controller: Option<&ControllerDeployment>,
) -> Result<Subject, Vec<Diagnostic>> {
    let fallback_ns = || -> (String, Origin) {
        if let Some(ns) = settings.namespace.as_ref().filter(|s| !s.is_empty()) {
            (
                ns.clone(),
                Origin::Flag {
                    flag: "--namespace".into(),
                },
            )
        } else if let Some(ns) = settings.helm_namespace.as_ref().filter(|s| !s.is_empty()) {
            (
                ns.clone(),
                Origin::Env {
                    name: "HELM_NAMESPACE".into(),
                },
            )
        } else {
            ("upbound-system".into(), Origin::Default)
        }
    };
    Ok(if let Some(raw) = &settings.controller_sa {
        let flag = Origin::Flag {
            flag: "--controller-service-account".into(),
        };
        let Some((ns, name)) = raw.split_once('/') else {
            return Err(vec![Diagnostic::error(
                "bad-flag",
                "",
                format!("--controller-service-account {raw:?} is not NAMESPACE/NAME"),
            )
            .at(Some(flag))
            .hint("write it as upbound-system/spaces-controller")]);
        };
        Subject {
            namespace: ns.into(),
            name: name.into(),
            rule: SubjectRule::Flag,
            name_origin: flag.clone(),
            namespace_origin: flag,
        }
    } else if let Some(d) = controller {
        let o = input_origin(d.document, d.line, &d.source);
        // Empty means absent, as in Kubernetes.
        let (namespace, namespace_origin) = match d.namespace.as_ref().filter(|s| !s.is_empty()) {
            Some(ns) => (ns.clone(), o.clone()),
            None => fallback_ns(),
        };
        Subject {
            namespace,
            name: d
                .service_account
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "default".into()),
            rule: SubjectRule::Deployment,
            name_origin: o,
            namespace_origin,
        }
    } else if let Some(n) = &f.controller_sa_name {
        let (namespace, namespace_origin) = fallback_ns();
        Subject {
            namespace,
            name: n.value.clone(),
            rule: SubjectRule::Values,
            name_origin: n.origin.clone(),
            namespace_origin,
        }
    } else {
        let (namespace, namespace_origin) = fallback_ns();
        Subject {
            namespace,
            name: "spaces-controller".into(),
            rule: SubjectRule::Default,
            name_origin: Origin::Default,
            namespace_origin,
        }
    })
}

/// The problems of a subject that generated objects bind: invalid names, or two rendered
/// `spaces-controller` Deployments that would each decide it.
fn check_subject(subject: &Subject, scan: &Scan) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if let (SubjectRule::Deployment, Some(a), Some(b)) =
        (&subject.rule, &scan.controller, &scan.other_controller)
    {
        let at = |d: &ControllerDeployment| input_origin(d.document, d.line, &d.source).to_string();
        errors.push(
            Diagnostic::error(
                "two-controllers",
                "",
                format!(
                    "the input has {} Deployments named spaces-controller ({} and {}{}); which one's ServiceAccount the RBAC binds would be a guess",
                    scan.controllers,
                    at(a),
                    at(b),
                    if scan.controllers > 2 { ", ..." } else { "" }
                ),
            )
            .at(Some(input_origin(b.document, b.line, &b.source)))
            .hint("name the subject with --controller-service-account NAMESPACE/NAME"),
        );
    }
    if !k8s::is_dns_label(&subject.namespace) {
        errors.push(
            Diagnostic::error(
                "bad-subject",
                "",
                format!(
                    "the controller namespace {:?} is not a valid namespace name",
                    subject.namespace
                ),
            )
            .at(Some(subject.namespace_origin.clone()))
            .hint("use --controller-service-account NAMESPACE/NAME to name it explicitly"),
        );
    }
    if !k8s::is_dns_subdomain(&subject.name) {
        errors.push(
            Diagnostic::error(
                "bad-subject",
                "",
                format!(
                    "the controller ServiceAccount name {:?} is not a valid name",
                    subject.name
                ),
            )
            .at(Some(subject.name_origin.clone()))
            .hint("use --controller-service-account NAMESPACE/NAME to name it explicitly"),
        );
    }
    errors
}

/// What to do with each planned object, once the input is read.
#[derive(Debug)]
pub struct Decision {
    pub plan: Plan,
    pub subject: Subject,
    /// Infos (a Namespace already present, objects removed).
    pub notes: Vec<Diagnostic>,
    /// Per planned object: write it (false: the input already has it).
    pub write: Vec<bool>,
}

/// Decide the plan once the input is scanned; report identity conflicts. The subject is
/// resolved for every run (`why` shows it) but checked only when a planned object binds it.
pub fn decide(settings: &Settings, f: &Features, scan: &Scan) -> Result<Decision, Vec<Diagnostic>> {
    let subject = choose_subject(settings, f, scan.controller.as_ref())?;
    let plan = plan::plan(f, settings.target, &subject);
    let mut errors = Vec::new();
    if plan.needs_subject() {
        errors.extend(check_subject(&subject, scan));
    }
    let mut notes = Vec::new();
    let mut write = vec![true; plan.objects.len()];
    let same = |p: &Planned, o: &Object| {
        o.kind.as_deref() == Some(p.kind)
            && o.name.as_deref() == Some(p.name.as_str())
            && o.group() == p.group()
            // A namespaced object without a namespace lands in the release namespace, which may be ours.
            && (p.namespace.is_none() || o.namespace.is_none() || o.namespace == p.namespace)
    };
    let mut removed = Removed {
        count: scan.removed.count,
        names: scan.removed.names.clone(),
    };
    for s in scan.seen.iter().filter(|s| s.own) {
        if !plan.objects.iter().any(|p| same(p, &s.obj)) {
            removed.note(&s.obj);
        }
    }
    for (i, p) in plan.objects.iter().enumerate() {
        for s in scan.seen.iter().filter(|s| !s.own && same(p, &s.obj)) {
            let o = &s.obj;
            let origin = input_origin(s.document, s.line, &s.source);
            if p.kind == "Namespace" {
                write[i] = false;
                notes.push(
                    Diagnostic::info(
                        "namespace-present",
                        "",
                        format!(
                            "the input already has Namespace {:?}; not generating it again",
                            p.name
                        ),
                    )
                    .at(Some(origin)),
                );
            } else {
                let ns = p.namespace.as_deref().unwrap_or("");
                errors.push(
                    Diagnostic::error(
                        "conflict",
                        "",
                        format!(
                            "the input already has {} {}/{} (not made by spaces-postrender), and spaces-postrender would generate {} {}/{}",
                            p.kind,
                            o.namespace.as_deref().unwrap_or("<release namespace>"),
                            p.name,
                            p.kind,
                            ns,
                            p.name
                        ),
                    )
                    .at(Some(origin))
                    .hint("remove one of them: drop the chart's object, or turn the feature off in values"),
                );
            }
        }
    }
    if removed.count > 0 {
        let more = removed.count - removed.names.len();
        notes.push(Diagnostic::info(
            "removed",
            "",
            format!(
                "removed {} object(s) that an earlier spaces-postrender run generated and these values no longer generate: {}{}",
                removed.count,
                removed.names.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        ));
    }
    if errors.is_empty() {
        Ok(Decision {
            plan,
            subject,
            notes,
            write,
        })
    } else {
        Err(errors)
    }
}

/// The answer when every input document was dropped: never an empty success on non-empty input.
pub const NOTHING_LEFT: &[u8] =
    b"# spaces-postrender: every input document was output of an earlier run that these values no longer generate; nothing is left\n";

/// Whether appending a line break after `bytes` (the last document, which lacks one) keeps its
/// meaning. It does not when the document ends inside a literal or folded block scalar that
/// keeps its final line break (`echo hi` would become `echo hi\n`); any other ending (a plain
/// or quoted scalar, a comment, a `|-` block) reads the same with the break.
fn newline_keeps_meaning(bytes: &[u8]) -> bool {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut parser = Parser::new_from_str(text);
    // The last scalar: its style and where it starts and ends (character indices).
    let mut last = None;
    while let Some(Ok((ev, span))) = parser.next_event() {
        if let Event::Scalar(_, style, ..) = ev {
            last = Some((style, span.start.index(), span.end.index()));
        }
    }
    let Some((style @ (ScalarStyle::Literal | ScalarStyle::Folded), start, end)) = last else {
        return true;
    };
    let _ = style;
    let content_end = text.trim_end().chars().count();
    if end < content_end {
        return true; // something (a comment) follows the block scalar
    }
    // The header (`|` or `>` and its indicators) is the last one before the content starts.
    let before: String = text.chars().take(start + 1).collect();
    let Some(at) = before.rfind(['|', '>']) else {
        return false;
    };
    let header = before[at..].split(['\n', '#']).next().unwrap_or("");
    header.contains('-')
}

/// Post-render: input manifests in, input plus generated manifests out (into `out` only on
/// success).
pub fn run(
    input: impl Read,
    out: &mut dyn Write,
    settings: &Settings,
    f: &Features,
) -> Result<Outcome, Vec<Diagnostic>> {
    let mut spool = Spool::default();
    let wanted = Wanted::new(f, settings.target);
    let scan = match scan_input_with(input, &mut spool, &wanted, "standard input", PARALLEL_AFTER) {
        Ok(scan) => scan,
        Err(ScanFailed { scan, mut errors }) => {
            // Report the decision's problems too (every problem at once, SPEC §3).
            if let Err(more) = decide(settings, f, &scan) {
                errors.extend(more);
            }
            return Err(errors);
        }
    };
    let Decision {
        plan,
        notes: mut diagnostics,
        write,
        ..
    } = decide(settings, f, &scan)?;
    let helm4 = settings.helm4_env || scan.helm4_input;
    let mut written = Vec::new();
    let write_err = |e: io::Error| {
        vec![Diagnostic::error(
            "write-output",
            "",
            format!("cannot write output: {e}"),
        )]
    };
    let appends = write.iter().any(|w| *w);
    if let (true, Some(u)) = (appends, &scan.unterminated) {
        if !newline_keeps_meaning(&u.bytes) {
            return Err(vec![Diagnostic::error(
                "no-final-newline",
                "",
                format!(
                    "input document {} ends without a line break inside a value (a block scalar): the documents spaces-postrender appends would add one to that value",
                    u.document
                ),
            )
            .at(Some(input_origin(u.document, u.line, &stream::source_comment(&u.bytes))))
            .hint("end the input with a line break")]);
        }
        spool.write_all(b"\n").map_err(write_err)?;
    }
    for (o, w) in plan.objects.iter().zip(&write) {
        if !*w {
            continue;
        }
        let style = render::Style {
            helm4_annotation: helm4,
            source_comment: !scan.helm4_input,
        };
        let text = render::render(settings.target, o, style)
            .map_err(|e| vec![Diagnostic::error("render", "", e)])?;
        spool.write_all(text.as_bytes()).map_err(write_err)?;
        written.push(render::source_name(settings.target, o));
    }
    if plan.objects.is_empty() {
        diagnostics.push(Diagnostic::info(
            "nothing-generated",
            "",
            format!(
                "no objects to generate for target {} with these values",
                settings.target.as_str()
            ),
        ));
    }
    if spool.len == 0 && scan.bytes > 0 {
        spool.write_all(NOTHING_LEFT).map_err(write_err)?;
    }
    spool.copy_to(out).map_err(write_err)?;
    Ok(Outcome {
        diagnostics,
        written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_break_changes_only_a_block_scalar_that_keeps_it() {
        let doc = |tail: &str| format!("apiVersion: v1\nkind: ConfigMap\ndata:\n{tail}");
        for (tail, keeps) in [
            ("  run: |\n    echo hi", false),
            ("  run: |+\n    echo hi", false),
            ("  run: >\n    echo hi", false),
            ("  run: |2\n    echo hi", false),
            ("  run: |-\n    echo hi", true),
            ("  run: >-  # c\n    echo hi", true),
            ("  run: |\n    echo hi\n# a comment", true),
            ("  run: echo hi", true),
            ("  run: \"echo hi\"", true),
            ("  run: [a, |]", true),
            ("  a: |\n    x\n  b: y", true),
        ] {
            assert_eq!(
                newline_keeps_meaning(doc(tail).as_bytes()),
                keeps,
                "{tail:?}"
            );
        }
    }

    /// Past SPOOL_MEMORY the spool spills to its file; either way it gives back every byte.
    #[test]
    fn spool_keeps_every_byte_in_memory_and_spilled() {
        for total in [3 * SPOOL_CHUNK + 17, SPOOL_MEMORY + 5 * SPOOL_CHUNK + 3] {
            let mut spool = Spool::default();
            let mut want = Vec::with_capacity(total);
            let mut i = 0usize;
            while want.len() < total {
                // Pieces from 1 byte to more than a chunk.
                let n = [1, 700, 65_536, SPOOL_CHUNK + 9, 3][i % 5].min(total - want.len());
                let piece: Vec<u8> = (0..n).map(|j| (i * 31 + j) as u8).collect();
                spool.write_all(&piece).expect("write");
                want.extend_from_slice(&piece);
                i += 1;
            }
            assert_eq!(spool.file.is_some(), total > SPOOL_MEMORY);
            assert_eq!(spool.len, total as u64);
            let mut out = Vec::new();
            spool.copy_to(&mut out).expect("copy");
            assert!(out == want, "{total} bytes came back different");
        }
    }
}
