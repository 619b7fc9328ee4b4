//! Identifies the Kubernetes objects in one document and checks that it is well-formed YAML.
//!
//! Three ways of reading a document give the same answer:
//! - the quick scan ([`quick`]): one pass over the bytes that recognises the block YAML Helm
//!   charts render (block and single-line flow collections, plain, quoted and block scalars,
//!   comments) and vouches only for documents it can prove well-formed; anything else (and every
//!   malformed document) goes on to
//! - the YAML event parser (granit-parser, inside serde-saphyr), which checks the document and
//!   gives the diagnostics, without building a tree; documents with aliases, merge keys, tags or
//!   identity values that are not plainly strings go on to
//! - a full parse with serde-saphyr, the definition of what the document means.
//!
//! Every path refuses the same documents in the same words: one with a raw NEL, LINE SEPARATOR
//! or PARAGRAPH SEPARATOR (Kubernetes' YAML 1.1 reader ends a line there, YAML 1.2 readers do
//! not: the two would read different identities), and one with a duplicate identity key (other
//! duplicate keys are read as Kubernetes reads them: the last one wins). The event parser's
//! pass over the document makes these checks on the full path too, reading on through aliases,
//! tags, merge keys and complex keys. No message quotes the input (see [`crate::yamlio`]).
//!
//! The first two feed one identity state machine ([`Builder`]) with YAML events, and pick out
//! only what this tool needs (apiVersion, kind, metadata.name/namespace, the generated-by marker
//! label, the Helm 4 file-name annotation, a Deployment's service account). `kind: *List`
//! documents yield their items. `tests/it/identify_props.rs` checks that the three agree.

use crate::k8s::MARKER_LABEL;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

mod kube;
mod quick;

/// The Helm 4 annotation naming the template file of each document.
pub use crate::k8s::HELM4_FILENAME;

/// What the tool needs to know about one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Value of the generated-by marker label.
    pub marker: Option<String>,
    /// `spec.template.spec.serviceAccountName` (or the deprecated `serviceAccount`).
    pub service_account: Option<String>,
    pub helm4_filename: bool,
    /// Whether it carries Helm's hook annotation (`helm.sh/hook`).
    pub hook: bool,
}

impl Object {
    /// The API group: `rbac.authorization.k8s.io` for `rbac.authorization.k8s.io/v1`, "" for `v1`.
    pub fn group(&self) -> &str {
        self.api_version.as_deref().map_or("", crate::k8s::group_of)
    }
}

/// The objects of a document. `objects` is empty for an empty (or all-comment) document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocInfo {
    pub objects: Vec<Object>,
    /// The document is a mapping (an object, a list, or any other mapping).
    pub mapping: bool,
    /// The document is a Kubernetes object: a mapping with apiVersion and kind (a list too).
    pub kube_object: bool,
    /// Nodes decoded by expanding aliases, as Kubernetes' reader counts them (0 without
    /// aliases): what the document costs the stream's alias budget.
    pub aliased: u64,
}

/// The pod's service account as the pod spec conversion reads it: `serviceAccountName`, or when
/// that is empty the deprecated `serviceAccount`.
fn pod_service_account(name: Option<String>, deprecated: Option<String>) -> Option<String> {
    name.filter(|s| !s.is_empty())
        .or(deprecated.filter(|s| !s.is_empty()))
}

/// A list's items that name neither kind nor apiVersion take the list's: kind without its
/// `List` suffix (`RoleList` -> `Role`), and its apiVersion.
fn inherit(list: &Object, items: &mut [Object]) {
    let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    for o in items.iter_mut() {
        if empty(&o.kind) && empty(&o.api_version) {
            let kind = list.kind.as_deref().unwrap_or("");
            let kind = kind.strip_suffix("List").unwrap_or(kind);
            o.kind = Some(kind.to_string()).filter(|k| !k.is_empty());
            o.api_version = list.api_version.clone().filter(|v| !v.is_empty());
        }
    }
}

/// A mapping with apiVersion and kind.
fn is_kube_object(o: &Object) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    set(&o.api_version) && set(&o.kind)
}

/// An empty namespace is no namespace (Kubernetes' reading).
fn normalize(info: &mut DocInfo) {
    for o in &mut info.objects {
        if o.namespace.as_deref() == Some("") {
            o.namespace = None;
        }
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub message: String,
    /// 1-based line and column inside the document.
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Other,
    Obj(usize),
    Meta(usize),
    Labels(usize),
    Annotations(usize),
    Spec(usize),
    Template(usize),
    PodSpec(usize),
    Items,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Other,
    ApiVersion,
    Kind,
    Metadata,
    Name,
    Namespace,
    Labels,
    Annotations,
    Spec,
    Template,
    ServiceAccountName,
    ServiceAccount,
    Items,
    Marker,
    Helm4,
    Hook,
}

struct Frame {
    role: Role,
    is_map: bool,
    /// For maps: the key whose value comes next (None = a key comes next).
    key: Option<Key>,
    seen: u16,
    /// This collection is a mapping key (lenient mode only): when it ends, the parent's value
    /// comes next.
    is_key: bool,
}

fn classify(role: Role, k: &str) -> Key {
    match role {
        Role::Obj(_) => match k {
            "apiVersion" => Key::ApiVersion,
            "kind" => Key::Kind,
            "metadata" => Key::Metadata,
            "spec" => Key::Spec,
            "items" => Key::Items,
            _ => Key::Other,
        },
        Role::Meta(_) => match k {
            "name" => Key::Name,
            "namespace" => Key::Namespace,
            "labels" => Key::Labels,
            "annotations" => Key::Annotations,
            _ => Key::Other,
        },
        Role::Labels(_) if k == MARKER_LABEL => Key::Marker,
        Role::Annotations(_) if k == HELM4_FILENAME => Key::Helm4,
        Role::Annotations(_) if k == crate::k8s::HELM_HOOK => Key::Hook,
        Role::Spec(_) if k == "template" => Key::Template,
        Role::Template(_) if k == "spec" => Key::Spec,
        Role::PodSpec(_) => match k {
            "serviceAccountName" => Key::ServiceAccountName,
            "serviceAccount" => Key::ServiceAccount,
            _ => Key::Other,
        },
        _ => Key::Other,
    }
}

fn bit(k: Key) -> u16 {
    match k {
        Key::Other => 0,
        Key::ApiVersion => 1,
        Key::Kind => 2,
        Key::Metadata => 4,
        Key::Name => 8,
        Key::Namespace => 16,
        Key::Labels => 32,
        Key::Annotations => 64,
        Key::Spec => 128,
        Key::Template => 256,
        Key::ServiceAccountName => 512,
        Key::ServiceAccount => 1024,
        Key::Items => 2048,
        Key::Marker => 4096,
        Key::Helm4 => 8192,
        Key::Hook => 16384,
    }
}

/// The parser's error, in words that carry no input text (see [`crate::yamlio`]), at a line
/// of the document.
fn scan_error(text: &str, e: &serde_saphyr::granit_parser::ScanError) -> DocError {
    let m = e.marker();
    let (line, column) = on_a_line(text, m.line(), m.col() + 1);
    let message = if matches!(
        e.kind(),
        serde_saphyr::granit_parser::ErrorKind::ExpectedDocumentStart
    ) && directives_only(text)
    {
        "invalid YAML: a directive (`%YAML` or `%TAG`) with no document after it (a directive \
         introduces the document that follows its `---` line)"
            .to_string()
    } else {
        format!("invalid YAML: {}", crate::yamlio::parser_message(e.kind()))
    };
    DocError {
        message,
        line,
        column,
    }
}

/// A parser places an error at the end of the input after the last line break on a line past
/// the document's last (in the stream, that line is the next document's `---`): say the end of
/// the last line instead.
fn on_a_line(text: &str, line: usize, column: usize) -> (usize, usize) {
    let Some(body) = text.strip_suffix('\n') else {
        return (line, column);
    };
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    if line != lines + 1 || column != 1 || lines == 0 {
        return (line, column);
    }
    let body = body.strip_suffix('\r').unwrap_or(body);
    let last = body.rfind('\n').map_or(body, |i| &body[i + 1..]);
    (lines, last.chars().count() + 1)
}

/// Only directives (`%...` lines), comments and blank lines: what the stream splitter leaves of
/// a document whose directives came before its `---`.
fn directives_only(text: &str) -> bool {
    let mut any = false;
    for l in text.lines() {
        if l.starts_with('%') {
            any = true;
        } else if !matches!(l.trim_start().chars().next(), None | Some('#')) {
            return false;
        }
    }
    any
}

/// Refuse a raw NEL (U+0085), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR (U+2029)
/// anywhere in the document: Kubernetes' YAML 1.1 reader (go-yaml) takes each as a line break
/// (ending a plain scalar or a comment), YAML 1.2 readers (this tool's parser) as text, so the
/// two would read a different identity. The quick scan never vouches for a document
/// with one; this is the check on every other path, one `memchr2` over the bytes.
fn no_yaml11_line_breaks(text: &str) -> Result<(), DocError> {
    let s = text.as_bytes();
    let mut from = 0;
    while let Some(off) = s
        .get(from..)
        .and_then(|rest| memchr::memchr2(0xc2, 0xe2, rest))
    {
        let i = from + off;
        let found = match (s.get(i + 1), s.get(i + 2)) {
            (Some(0x85), _) if s[i] == 0xc2 => Some(("U+0085 NEXT LINE (NEL)", "\\N")),
            (Some(0x80), Some(0xa8)) if s[i] == 0xe2 => Some(("U+2028 LINE SEPARATOR", "\\L")),
            (Some(0x80), Some(0xa9)) if s[i] == 0xe2 => Some(("U+2029 PARAGRAPH SEPARATOR", "\\P")),
            _ => None,
        };
        let Some((name, escape)) = found else {
            from = i + 1;
            continue;
        };
        let line_start = memchr::memrchr(b'\n', &s[..i]).map_or(0, |p| p + 1);
        return Err(DocError {
            message: format!(
                "the document contains a raw {name} character; Kubernetes' YAML 1.1 reader \
                 takes it as a line break while YAML 1.2 readers take it as text, so the two \
                 would read the document differently: write it as the escape `{escape}` inside \
                 a double-quoted string (or remove it)"
            ),
            line: 1 + memchr::memchr_iter(b'\n', &s[..i]).count(),
            column: 1 + text.get(line_start..i).map_or(0, |t| t.chars().count()),
        });
    }
    Ok(())
}

/// Only a well-formed mapping (or an empty document) is a Kubernetes object.
fn shape_error(what: &str, line: usize, column: usize) -> DocError {
    DocError {
        message: format!(
            "the document is {what}, not a Kubernetes object (a mapping with apiVersion and kind)"
        ),
        line,
        column,
    }
}

/// Whether a plain scalar is a null to go-yaml and to the YAML 1.2 core schema alike.
pub(crate) fn plain_is_null(v: &str) -> bool {
    matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

/// Whether a full parse (YAML 1.1 booleans, core-schema nulls and numbers, as serde-saphyr
/// resolves an untyped value) reads this plain scalar as the same string. Conservative: only
/// text that starts with an ASCII letter and is none of the words that resolve to a boolean,
/// null or non-finite float.
pub(crate) fn plain_is_string(v: &str) -> bool {
    const WORDS: [&str; 12] = [
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "nan", "inf", "infinity",
    ];
    v.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && !WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// Why event-driven identification stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Only the exact full parse can say (aliases, merge keys, tags, complex keys, or an identity
    /// value whose YAML type is not plainly a string). Only in strict mode: in lenient mode the
    /// builder notes it ([`Builder::needs_full`]) and goes on.
    Full,
    /// The document is refused.
    Invalid(DocError),
    /// The caller did not have the text of a scalar the identity needs (quick scan only).
    Unsure,
}

/// The identity state machine, fed with YAML events (by the parser or by the quick scan), so
/// that both ways of reading a document share one definition of what an object's identity is.
///
/// Strict mode (the quick scan) stops at anything only a full parse can read. Lenient mode (the
/// parser's events, on the event and the full path) reads on through aliases, tags, merge keys
/// and complex keys, so that the checks that do not depend on values (the document's shape,
/// duplicate identity keys) are made on every path alike; the values are then taken from the
/// full parse when [`Builder::needs_full`].
pub(crate) struct Builder {
    objects: Vec<Object>,
    stack: Vec<Frame>,
    /// The root object and the objects of its `items` (of the first YAML document: Kubernetes
    /// reads no other), and whether the root is a list (its `items` a sequence or null).
    root_obj: Option<usize>,
    item_objs: Vec<usize>,
    root_list: bool,
    /// The root is a mapping.
    mapping: bool,
    /// YAML documents started.
    docs: usize,
    /// The deprecated `serviceAccount` of an object's pod spec.
    deprecated_sa: Vec<(usize, String)>,
    lenient: bool,
    needs_full: bool,
    /// Lenient mode: the text of anchored scalars, for aliases used as keys.
    anchors: std::collections::BTreeMap<usize, String>,
    /// Where the first root node starts.
    root_pos: Option<(usize, usize)>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Builder {
            objects: Vec::new(),
            stack: Vec::with_capacity(16),
            root_obj: None,
            item_objs: Vec::new(),
            root_list: false,
            mapping: false,
            docs: 0,
            deprecated_sa: Vec::new(),
            lenient: false,
            needs_full: false,
            anchors: std::collections::BTreeMap::new(),
            root_pos: None,
        }
    }

    fn lenient() -> Self {
        Builder {
            lenient: true,
            ..Builder::new()
        }
    }

    /// Only a full parse can give the values: an error in strict mode, a note in lenient mode.
    fn full(&mut self) -> Result<(), Stop> {
        if self.lenient {
            self.needs_full = true;
            Ok(())
        } else {
            Err(Stop::Full)
        }
    }

    pub(crate) fn document_start(&mut self) {
        self.docs += 1;
    }

    /// In a YAML document after the first (after `...`), which Kubernetes does not read: only
    /// the checks of the document's text apply.
    fn ignored(&self) -> bool {
        self.docs > 1
    }

    /// A mapping (`is_map`) or sequence starts. `line`/`column` locate it for shape errors.
    pub(crate) fn start(
        &mut self,
        is_map: bool,
        tagged: bool,
        line: usize,
        column: usize,
    ) -> Result<(), Stop> {
        let mut is_key = false;
        if tagged {
            // A tag anywhere: what it makes of the node, only the full parse says.
            self.full()?;
        }
        let ignored = self.ignored();
        let mut needs_full = false;
        let role = match self.stack.last_mut() {
            None if ignored => Role::Other,
            None => {
                self.root_pos.get_or_insert((line, column));
                if !is_map {
                    if tagged {
                        // The tag may make it something else: the full parse decides.
                        Role::Other
                    } else {
                        return Err(Stop::Invalid(shape_error("a list", line, column)));
                    }
                } else {
                    self.mapping = true;
                    self.objects.push(Object::default());
                    self.root_obj = Some(self.objects.len() - 1);
                    Role::Obj(self.objects.len() - 1)
                }
            }
            Some(parent) if parent.is_map => match parent.key.take() {
                // A collection as a mapping key: only a full parse knows what it means.
                None => {
                    self.full()?;
                    is_key = true;
                    Role::Other
                }
                // A list or mapping as an identity value: Kubernetes refuses the object, which
                // only the exact path says.
                Some(k) if field_of(parent.role, k).is_some() => {
                    needs_full = true;
                    Role::Other
                }
                // A label or annotation whose value is a list or mapping: kubectl's reader
                // drops the whole map, the marker with it; the exact path reads it so.
                Some(_) if matches!(parent.role, Role::Labels(_) | Role::Annotations(_)) => {
                    needs_full = true;
                    Role::Other
                }
                Some(k) => match child_role(parent.role, k, is_map) {
                    // Only the root's `items` are a List's objects, not an item's own `items`.
                    Role::Items
                        if parent.role != Role::Obj(self.root_obj.unwrap_or(usize::MAX)) =>
                    {
                        Role::Other
                    }
                    Role::Items => {
                        self.root_list = true;
                        Role::Items
                    }
                    r => r,
                },
            },
            Some(parent) => {
                if parent.role == Role::Items && is_map {
                    self.objects.push(Object::default());
                    self.item_objs.push(self.objects.len() - 1);
                    Role::Obj(self.objects.len() - 1)
                } else {
                    Role::Other
                }
            }
        };
        if needs_full {
            self.full()?;
        }
        self.stack.push(Frame {
            role,
            is_map,
            key: None,
            seen: 0,
            is_key,
        });
        Ok(())
    }

    pub(crate) fn end(&mut self) {
        if let Some(f) = self.stack.pop() {
            if f.is_key {
                // The complex key is complete: its value comes next.
                if let Some(parent) = self.stack.last_mut() {
                    parent.key = Some(Key::Other);
                }
            }
        }
    }

    /// Lenient mode: an anchored scalar's text, for aliases to it used as keys.
    fn anchor(&mut self, id: usize, val: &str) {
        if id != 0 && self.lenient {
            self.anchors.insert(id, val.to_string());
        }
    }

    /// An alias: a node whose value only the full parse knows. As a key, it is the anchored
    /// scalar's text (or a complex key).
    fn alias(&mut self, id: usize, line: usize, column: usize) -> Result<(), Stop> {
        self.full()?;
        let Some(top) = self.stack.last_mut() else {
            return Ok(());
        };
        if !top.is_map {
            return Ok(());
        }
        if top.key.take().is_some() {
            return Ok(()); // a value
        }
        match self.anchors.get(&id).cloned() {
            Some(text) => self.key(&text, false, line, column),
            None => {
                if let Some(top) = self.stack.last_mut() {
                    top.key = Some(Key::Other);
                }
                Ok(())
            }
        }
    }

    /// A scalar. `val` is its text, `None` when the caller cannot give it cheaply (then the
    /// builder answers `Unsure` if it needs it).
    pub(crate) fn scalar(
        &mut self,
        val: Option<&str>,
        plain: bool,
        tagged: bool,
        line: usize,
        column: usize,
    ) -> Result<(), Stop> {
        if tagged {
            // `!!null`, `!!binary`, `!!int x`...: only the full parse says what it is.
            self.full()?;
        }
        let ignored = self.ignored();
        let Some(top) = self.stack.last_mut() else {
            if ignored {
                return Ok(());
            }
            self.root_pos.get_or_insert((line, column));
            let v = val.ok_or(Stop::Unsure)?;
            if tagged {
                return Ok(()); // the full parse decides what it is
            }
            if plain && plain_is_null(v) {
                return Ok(()); // an empty document
            }
            return Err(Stop::Invalid(shape_error("a scalar", line, column)));
        };
        if !top.is_map {
            return Ok(());
        }
        match top.key.take() {
            None => {
                let v = val.ok_or(Stop::Unsure)?;
                self.key(v, tagged, line, column)
            }
            Some(k) => {
                let role = top.role;
                if k == Key::Items && role == Role::Obj(self.root_obj.unwrap_or(usize::MAX)) {
                    // `items: null` (or empty): a list of no objects.
                    let v = val.ok_or(Stop::Unsure)?;
                    if tagged {
                        return self.full();
                    }
                    if plain && plain_is_null(v) {
                        self.root_list = true;
                    }
                    return Ok(());
                }
                if matches!(role, Role::Labels(_) | Role::Annotations(_))
                    && field_of(role, k).is_none()
                {
                    // Any other label or annotation: a value that is not plainly a string
                    // or null may make kubectl's reader drop the whole map, which the exact
                    // path decides.
                    let v = val.ok_or(Stop::Unsure)?;
                    if tagged || (plain && !plain_is_string(v) && !plain_is_null(v)) {
                        return self.full();
                    }
                    return Ok(());
                }
                if let Some((i, field)) = field_of(role, k) {
                    let v = val.ok_or(Stop::Unsure)?;
                    if tagged || (plain && !plain_is_string(v)) {
                        return self.full();
                    }
                    let o = &mut self.objects[i];
                    match field {
                        Field::ApiVersion => o.api_version = Some(v.to_string()),
                        Field::Kind => o.kind = Some(v.to_string()),
                        Field::Name => o.name = Some(v.to_string()),
                        Field::Namespace => o.namespace = Some(v.to_string()),
                        Field::Marker => o.marker = Some(v.to_string()),
                        Field::ServiceAccountName => o.service_account = Some(v.to_string()),
                        Field::ServiceAccount => self.deprecated_sa.push((i, v.to_string())),
                    }
                }
                Ok(())
            }
        }
    }

    /// A mapping key `v` in the innermost mapping: classify it, and refuse a duplicate identity
    /// key (any other duplicate is Kubernetes' "the last one wins").
    fn key(&mut self, v: &str, tagged: bool, line: usize, column: usize) -> Result<(), Stop> {
        let role = match self.stack.last() {
            Some(top) => top.role,
            None => return Ok(()),
        };
        let k = if v == "<<" {
            // A merge key: what it brings in is not a duplicate of what the mapping says.
            self.full()?;
            Key::Other
        } else if role == Role::Other {
            Key::Other
        } else {
            if tagged {
                self.full()?;
            }
            classify(role, v)
        };
        let Some(top) = self.stack.last_mut() else {
            return Ok(());
        };
        let b = bit(k);
        if b != 0 {
            if top.seen & b != 0 {
                return Err(Stop::Invalid(DocError {
                    message: format!(
                        "duplicate key `{v}`: the object's identity would be ambiguous"
                    ),
                    line,
                    column,
                }));
            }
            top.seen |= b;
            match (k, top.role) {
                // Their presence is what counts, whatever the value.
                (Key::Helm4, Role::Annotations(i)) => self.objects[i].helm4_filename = true,
                (Key::Hook, Role::Annotations(i)) => self.objects[i].hook = true,
                _ => {}
            }
        }
        top.key = Some(k);
        Ok(())
    }

    pub(crate) fn finish(mut self) -> DocInfo {
        for (i, old) in std::mem::take(&mut self.deprecated_sa) {
            let o = &mut self.objects[i];
            o.service_account = pod_service_account(o.service_account.take(), Some(old));
        }
        for o in &mut self.objects {
            o.service_account = pod_service_account(o.service_account.take(), None);
        }
        let Some(root) = self.root_obj else {
            return DocInfo {
                mapping: self.mapping,
                ..DocInfo::default()
            };
        };
        let top = self.objects[root].clone();
        let kube_object = is_kube_object(&top);
        let objects = if self.root_list {
            let mut items: Vec<Object> = self
                .item_objs
                .iter()
                .map(|i| std::mem::take(&mut self.objects[*i]))
                .collect();
            inherit(&top, &mut items);
            items
        } else {
            vec![top]
        };
        let mut info = DocInfo {
            objects,
            mapping: self.mapping,
            kube_object,
            aliased: 0,
        };
        normalize(&mut info);
        info
    }
}

#[derive(Clone, Copy)]
enum Field {
    ApiVersion,
    Kind,
    Name,
    Namespace,
    Marker,
    ServiceAccountName,
    ServiceAccount,
}

/// The object field a scalar value under key `k` in a mapping of role `role` sets.
fn field_of(role: Role, k: Key) -> Option<(usize, Field)> {
    match (role, k) {
        (Role::Obj(i), Key::ApiVersion) => Some((i, Field::ApiVersion)),
        (Role::Obj(i), Key::Kind) => Some((i, Field::Kind)),
        (Role::Meta(i), Key::Name) => Some((i, Field::Name)),
        (Role::Meta(i), Key::Namespace) => Some((i, Field::Namespace)),
        (Role::Labels(i), Key::Marker) => Some((i, Field::Marker)),
        (Role::PodSpec(i), Key::ServiceAccountName) => Some((i, Field::ServiceAccountName)),
        (Role::PodSpec(i), Key::ServiceAccount) => Some((i, Field::ServiceAccount)),
        _ => None,
    }
}

/// Parse one document (its bytes, as split from the stream, without a byte-order mark) and
/// identify its objects. The quick scan answers for the documents it can vouch for; every other
/// document (and every malformed one) goes through the YAML parser, which gives the diagnostics.
pub fn identify(text: &str) -> Result<DocInfo, DocError> {
    match quick::scan(text) {
        Some(info) => Ok(info),
        None => identify_events(text),
    }
}

/// The quick scan alone: `Some` only for a document it proved well-formed (see [`quick`]).
pub fn identify_quick(text: &str) -> Option<DocInfo> {
    quick::scan(text)
}

/// The YAML parser's event stream through the identity state machine; documents that need it
/// (aliases, merge keys, tags, identity values that are not plainly strings) take their values
/// from the exact full parse.
pub fn identify_events(text: &str) -> Result<DocInfo, DocError> {
    events(text, false)
}

/// The parser's events through the lenient [`Builder`] (which checks the document's shape and
/// refuses duplicate identity keys, whatever else the document holds), then, when `full` or
/// when only a full parse can give the values, the identity from a full parse.
fn events(text: &str, full: bool) -> Result<DocInfo, DocError> {
    no_yaml11_line_breaks(text)?;
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::lenient();
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => return Err(scan_error(text, &e)),
        };
        let (line, column) = (span.start.line(), span.start.col() + 1);
        let step = match ev {
            Event::DocumentStart(..) => {
                b.document_start();
                Ok(())
            }
            Event::Alias(id) => b.alias(id, line, column),
            Event::MappingStart(_, _, ref tag) => b.start(true, tag.is_some(), line, column),
            Event::SequenceStart(_, _, ref tag) => b.start(false, tag.is_some(), line, column),
            Event::MappingEnd | Event::SequenceEnd => {
                b.end();
                Ok(())
            }
            Event::Scalar(ref val, style, anchor, ref tag) => {
                b.anchor(anchor, val);
                b.scalar(
                    Some(val),
                    style == ScalarStyle::Plain,
                    tag.is_some(),
                    line,
                    column,
                )
            }
            _ => Ok(()),
        };
        match step {
            Ok(()) => {}
            Err(Stop::Invalid(e)) => return Err(e),
            // Not in lenient mode; were it ever, the full parse answers.
            Err(Stop::Full | Stop::Unsure) => return kube::read(text),
        }
    }
    if full || b.needs_full {
        return kube::read(text);
    }
    Ok(b.finish())
}

fn child_role(parent: Role, key: Key, is_map: bool) -> Role {
    match (parent, key, is_map) {
        (Role::Obj(i), Key::Metadata, true) => Role::Meta(i),
        (Role::Obj(i), Key::Spec, true) => Role::Spec(i),
        (Role::Obj(_), Key::Items, false) => Role::Items,
        (Role::Meta(i), Key::Labels, true) => Role::Labels(i),
        (Role::Meta(i), Key::Annotations, true) => Role::Annotations(i),
        (Role::Spec(i), Key::Template, true) => Role::Template(i),
        (Role::Template(i), Key::Spec, true) => Role::PodSpec(i),
        _ => Role::Other,
    }
}

/// The slow, exact path: the parser's checks (shape, duplicate identity keys) as on the other
/// paths, then the identity as Kubernetes' reader reads it ([`kube`]).
pub fn identify_full(text: &str) -> Result<DocInfo, DocError> {
    events(text, true)
}

#[cfg(test)]
mod tests;
