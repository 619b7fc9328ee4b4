//! The exact path: a document read as Kubernetes' own reader reads it (sigs.k8s.io/yaml over
//! go-yaml v2, which kubectl and Helm use), for documents the event-driven [`super::Builder`]
//! cannot read alone (aliases, merge keys, tags, identity values that are not plainly strings).
//!
//! The YAML parser's events become a tree of the document's nodes, an alias a reference to its
//! anchored node (nothing is copied, so memory stays that of the text). Only the mappings on the
//! way to an identity field are then read, with go-yaml's rules:
//! - a merge key `<<` (plain, or tagged `!!merge`) is applied where it stands, in document
//!   order: a later merge overrides an earlier explicit key, a later key overrides a merge; a
//!   sequence of mappings is merged last to first (the first one wins among them); a merge of
//!   anything but a mapping, or a mapping key that is a collection, is an error;
//! - a duplicate key: the last one wins;
//! - a plain scalar is a string unless YAML 1.1 resolves it to a null (`~`, `null`, empty), a
//!   boolean (`yes`, `on`, `y`...), a number (`0o17`, `1_000`, `0x1F`, `.5`, `1e3`) or a
//!   non-finite float; a quoted or block scalar, or one tagged `!!str` or `!`, is a string.
//!   An identity value that is neither a string nor null is refused: Kubernetes refuses the
//!   object (`metadata.name` and labels are strings);
//! - a `metadata.labels` or `metadata.annotations` mapping with a list, mapping or untagged
//!   non-string scalar among its values is read as absent, as kubectl's reader drops it (the
//!   API server refuses such an object; an object passing through is not the tool's to judge);
//!   a value tagged other than `!!str` or `!!null` there is refused.
//!
//! Aliases are counted as go-yaml counts them when it expands them: a document where more than
//! the allowed share of decoded nodes come from aliases is refused ("excessive aliasing", as
//! kubectl refuses it), after a walk that stops as soon as the share is passed.

use super::{DocError, DocInfo, Object, HELM4_FILENAME};
use crate::k8s::{HELM_HOOK, MARKER_LABEL};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum TagKind {
    /// No tag: a plain scalar's type is resolved from its text.
    None,
    /// `!!str` or the non-specific `!`: a string.
    Str,
    /// `!!merge`.
    Merge,
    /// `!!null`: a null when its text is one (`!!null ''`), refused otherwise.
    Null,
    /// Any other tag.
    Other,
}

#[derive(Debug)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        tag: TagKind,
    },
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    /// An alias: the anchored node.
    Alias(usize),
}

/// A node and where it starts (1-based line and column).
#[derive(Debug)]
struct At {
    node: Node,
    line: usize,
    column: usize,
}

/// The first YAML document of a text, as a tree.
struct Tree {
    nodes: Vec<At>,
    root: Option<usize>,
}

fn tag_kind(tag: Option<&serde_saphyr::granit_parser::Tag>) -> TagKind {
    let Some(t) = tag else {
        return TagKind::None;
    };
    match (t.handle(), t.suffix()) {
        ("tag:yaml.org,2002:", "str") | ("!", "") | ("", "!") => TagKind::Str,
        ("tag:yaml.org,2002:", "merge") => TagKind::Merge,
        ("tag:yaml.org,2002:", "null") => TagKind::Null,
        _ => TagKind::Other,
    }
}

/// The parser's events of the first document as a tree. `None` when the text has no document;
/// parse errors were reported by the event pass before this one runs, so an error here only
/// ends the tree.
fn tree(text: &str) -> Tree {
    let mut parser = Parser::new_from_str(text);
    let mut t = Tree {
        nodes: Vec::new(),
        root: None,
    };
    let mut anchors: HashMap<usize, usize> = HashMap::new();
    // Open collections: the node, and for a mapping a key waiting for its value.
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut docs = 0;
    while let Some(Ok((ev, span))) = parser.next_event() {
        let (line, column) = (span.start.line(), span.start.col() + 1);
        let (node, anchor, open) = match ev {
            Event::DocumentStart(..) => {
                docs += 1;
                if docs > 1 {
                    break; // go-yaml reads the first document of the text only
                }
                continue;
            }
            Event::Scalar(v, style, anchor, tag) => (
                Node::Scalar {
                    text: v.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag_kind(tag.as_deref()),
                },
                anchor,
                false,
            ),
            Event::SequenceStart(_, anchor, _) => (Node::Seq(Vec::new()), anchor, true),
            Event::MappingStart(_, anchor, _) => (Node::Map(Vec::new()), anchor, true),
            Event::Alias(id) => match anchors.get(&id) {
                Some(&n) => (Node::Alias(n), 0, false),
                None => break,
            },
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((done, _)) = stack.pop() else { break };
                attach(&mut t, &mut stack, done);
                continue;
            }
            _ => continue,
        };
        t.nodes.push(At { node, line, column });
        let id = t.nodes.len() - 1;
        if anchor != 0 {
            anchors.insert(anchor, id);
        }
        if open {
            stack.push((id, None));
        } else {
            attach(&mut t, &mut stack, id);
        }
    }
    t
}

/// A complete node `id` becomes the root, a sequence entry, a mapping key or a value.
fn attach(t: &mut Tree, stack: &mut [(usize, Option<usize>)], id: usize) {
    let Some((parent, pending)) = stack.last_mut() else {
        t.root.get_or_insert(id);
        return;
    };
    match &mut t.nodes[*parent].node {
        Node::Seq(items) => items.push(id),
        Node::Map(entries) => match pending.take() {
            None => *pending = Some(id),
            Some(k) => entries.push((k, id)),
        },
        _ => {}
    }
}

/// go-yaml's limit on aliasing: the share of decoded nodes that may come from expanding
/// aliases, by the number decoded so far (99 % up to 400,000, scaling down to 10 % at
/// 4,000,000).
fn allowed_alias_ratio(decoded: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decoded <= LOW {
        0.99
    } else if decoded >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decoded - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

/// Why a document is refused: a message and the node it is about.
struct Refusal {
    message: String,
    node: Option<usize>,
}

fn refuse(message: impl Into<String>, node: Option<usize>) -> Refusal {
    Refusal {
        message: message.into(),
        node,
    }
}

/// A plain scalar's type in YAML 1.1 as go-yaml resolves it: whether it is a string.
fn plain_is_string(v: &str) -> bool {
    const WORDS: [&str; 33] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    ];
    if WORDS.contains(&v) {
        return false;
    }
    let b = v.as_bytes();
    match b.first() {
        Some(b'+' | b'-') if matches!(&v[1..], ".inf" | ".Inf" | ".INF") => false,
        Some(b'.') => !go_float(v),
        Some(b'+' | b'-' | b'0'..=b'9') => {
            // A timestamp (`2001-12-14`) stays its text.
            if b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' {
                return true;
            }
            let plain: String = v.chars().filter(|c| *c != '_').collect();
            !(go_int(&plain) || yaml_float(&plain) || go_binary(&plain))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (any size: a larger number is a big integer):
/// an optional sign, then `0x`/`0o`/`0b` and digits of that base, `0` and octal digits, or
/// decimal digits.
fn go_int(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = |d: &str, ok: fn(&u8) -> bool| !d.is_empty() && d.as_bytes().iter().all(ok);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        digits(h, u8::is_ascii_hexdigit)
    } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        digits(o, |c| (b'0'..=b'7').contains(c))
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        digits(b, |c| matches!(c, b'0' | b'1'))
    } else if let Some(o) = s.strip_prefix('0') {
        o.bytes().all(|c| (b'0'..=b'7').contains(&c))
    } else {
        digits(s, u8::is_ascii_digit)
    }
}

/// `-0b101`, which go-yaml reads as a binary number of its own.
fn go_binary(s: &str) -> bool {
    s.strip_prefix("-0b")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| matches!(c, b'0' | b'1')))
}

/// go-yaml's float syntax `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, whose value
/// is finite (an out-of-range one fails to parse and stays a string).
fn yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = int;
    if b.get(i) == Some(&b'.') {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int == 0 && frac == 0 {
            return false;
        }
        i += 1 + frac;
    } else if int == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = b[i.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len() && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.ParseFloat` for a text that starts with `.` (go-yaml tries it as is).
fn go_float(s: &str) -> bool {
    yaml_float(s)
}

/// What a scalar is to go-yaml, for the fields read here.
enum Scalar<'a> {
    Null,
    Str(&'a str),
    /// A boolean, number or tagged value: not a string.
    Other,
}

impl Tree {
    /// Follow an alias to its anchored node.
    fn deref(&self, mut n: usize) -> usize {
        // Anchors precede their aliases, so a chain ends.
        while let Node::Alias(t) = self.nodes[n].node {
            n = t;
        }
        n
    }

    fn scalar(&self, n: usize) -> Option<Scalar<'_>> {
        match &self.nodes[self.deref(n)].node {
            Node::Scalar { text, plain, tag } => Some(match tag {
                TagKind::Str => Scalar::Str(text),
                TagKind::Null if super::plain_is_null(text) => Scalar::Null,
                TagKind::Null | TagKind::Merge | TagKind::Other => Scalar::Other,
                TagKind::None if !*plain => Scalar::Str(text),
                TagKind::None if super::plain_is_null(text) => Scalar::Null,
                TagKind::None if text == "<<" || plain_is_string(text) => Scalar::Str(text),
                TagKind::None => Scalar::Other,
            }),
            _ => None,
        }
    }

    /// Whether a mapping key is a merge key.
    fn is_merge(&self, k: usize) -> bool {
        matches!(&self.nodes[k].node, Node::Scalar { text, plain, tag }
            if text == "<<" && ((*plain && *tag == TagKind::None) || *tag == TagKind::Merge))
    }

    /// A mapping's entries after go-yaml's merges, by key (string keys only: no identity key is
    /// anything else), last one winning. `None` when `n` is not a mapping.
    fn entries<'a>(&'a self, n: usize) -> Result<Option<Vec<(&'a str, usize)>>, Refusal> {
        let n = self.deref(n);
        let Node::Map(pairs) = &self.nodes[n].node else {
            return Ok(None);
        };
        let mut out: Vec<(&'a str, usize)> = Vec::new();
        fn set<'a>(out: &mut Vec<(&'a str, usize)>, k: &'a str, v: usize) {
            match out.iter_mut().find(|e| e.0 == k) {
                Some(e) => e.1 = v,
                None => out.push((k, v)),
            }
        }
        for &(k, v) in pairs {
            if self.is_merge(k) {
                let merged = self.deref(v);
                let sources: Vec<usize> = match &self.nodes[merged].node {
                    Node::Map(_) => vec![merged],
                    Node::Seq(items) => items.iter().rev().copied().collect(),
                    _ => {
                        return Err(refuse(
                            "a merge key `<<` whose value is not a mapping or a list of mappings; Kubernetes refuses the document",
                            Some(k),
                        ))
                    }
                };
                for s in sources {
                    let Some(more) = self.entries(s)? else {
                        return Err(refuse(
                            "a merge key `<<` whose list holds something other than mappings; Kubernetes refuses the document",
                            Some(s),
                        ));
                    };
                    for (mk, mv) in more {
                        set(&mut out, mk, mv);
                    }
                }
                continue;
            }
            match self.nodes[self.deref(k)].node {
                Node::Seq(_) | Node::Map(_) => {
                    return Err(refuse(
                        "a mapping key that is itself a list or mapping; Kubernetes refuses the document",
                        Some(k),
                    ))
                }
                _ => {}
            }
            if let Some(Scalar::Str(key)) = self.scalar(k) {
                set(&mut out, key, v);
            }
        }
        Ok(Some(out))
    }

    fn get(&self, entries: &[(&str, usize)], key: &str) -> Option<usize> {
        entries.iter().find(|e| e.0 == key).map(|e| e.1)
    }

    /// A string field: absent, null or empty is `None`; anything but a string is refused.
    fn string(&self, n: Option<usize>, what: &str) -> Result<Option<String>, Refusal> {
        let Some(n) = n else { return Ok(None) };
        match self.scalar(n) {
            Some(Scalar::Null) => Ok(None),
            Some(Scalar::Str(s)) => Ok(Some(s.to_string())),
            _ => Err(refuse(
                format!("`{what}` is not a string (Kubernetes reads it as a number, boolean, list or mapping, and refuses the object); quote it"),
                Some(n),
            )),
        }
    }

    /// Whether every value of a `metadata.labels` or `metadata.annotations` (`what`) mapping
    /// is a string or null. When one is certainly not (a list, a mapping, an untagged number or
    /// boolean), kubectl's reader (an unstructured object's string map) drops the whole map, so
    /// the tool reads no marker, hook or Helm 4 file name in it; the API server refuses such an
    /// object. A null is kept: the server stores an empty string. A tagged value other than
    /// `!!str` or `!!null` (go-yaml makes a string of some, `!!binary`, and not of others) is
    /// refused.
    fn strings(&self, entries: &[(&str, usize)], what: &str) -> Result<bool, Refusal> {
        let mut all = true;
        for &(_, v) in entries {
            let tagged = matches!(&self.nodes[self.deref(v)].node,
                Node::Scalar { tag, .. } if *tag != TagKind::None);
            match self.scalar(v) {
                Some(Scalar::Str(_) | Scalar::Null) => {}
                Some(_) if tagged => {
                    return Err(refuse(
                        format!("a value in `metadata.{what}` has a tag that Kubernetes may or may not read as a string; write it as a plain or quoted string"),
                        Some(v),
                    ))
                }
                // A list, a mapping, an untagged number or boolean.
                _ => all = false,
            }
        }
        Ok(all)
    }

    /// The mapping under `key`, or `None` when absent or not a mapping.
    fn sub(
        &self,
        entries: &[(&str, usize)],
        key: &str,
    ) -> Result<Option<Vec<(&str, usize)>>, Refusal> {
        match self.get(entries, key) {
            Some(n) => self.entries(n),
            None => Ok(None),
        }
    }

    fn object(&self, e: &[(&str, usize)]) -> Result<Object, Refusal> {
        let mut o = Object {
            api_version: self.string(self.get(e, "apiVersion"), "apiVersion")?,
            kind: self.string(self.get(e, "kind"), "kind")?,
            ..Object::default()
        };
        if let Some(meta) = self.sub(e, "metadata")? {
            o.name = self.string(self.get(&meta, "name"), "metadata.name")?;
            o.namespace = self.string(self.get(&meta, "namespace"), "metadata.namespace")?;
            if let Some(labels) = self.sub(&meta, "labels")? {
                let marker = self.string(self.get(&labels, MARKER_LABEL), MARKER_LABEL)?;
                if self.strings(&labels, "labels")? {
                    o.marker = marker;
                }
            }
            if let Some(a) = self.sub(&meta, "annotations")? {
                if self.strings(&a, "annotations")? {
                    o.helm4_filename = self.get(&a, HELM4_FILENAME).is_some();
                    o.hook = self.get(&a, HELM_HOOK).is_some();
                }
            }
        }
        let pod = match self.sub(e, "spec")? {
            Some(spec) => match self.sub(&spec, "template")? {
                Some(t) => self.sub(&t, "spec")?,
                None => None,
            },
            None => None,
        };
        if let Some(p) = pod {
            let name = self.string(self.get(&p, "serviceAccountName"), "serviceAccountName")?;
            let old = self.string(self.get(&p, "serviceAccount"), "serviceAccount")?;
            o.service_account = super::pod_service_account(name, old);
        }
        Ok(o)
    }

    /// go-yaml's count of decoded nodes while it expands aliases, in its order: the alias
    /// decodes, or a refusal once they pass the allowed share.
    fn aliasing(&self, root: usize) -> Result<u64, Refusal> {
        let (mut decoded, mut aliased) = (1u64, 0u64); // the document node
        let mut stack: Vec<(usize, bool)> = vec![(root, false)];
        while let Some((n, in_alias)) = stack.pop() {
            decoded += 1;
            if in_alias {
                aliased += 1;
            }
            if aliased > 100
                && decoded > 1000
                && aliased as f64 / decoded as f64 > allowed_alias_ratio(decoded)
            {
                return Err(refuse(
                    format!("the document's aliases expand to more than {}% of its nodes (excessive aliasing, which Kubernetes refuses: an alias bomb?)", (allowed_alias_ratio(decoded) * 100.0).round()),
                    None,
                ));
            }
            match &self.nodes[n].node {
                Node::Scalar { .. } => {}
                Node::Alias(t) => stack.push((*t, true)),
                Node::Seq(items) => stack.extend(items.iter().rev().map(|i| (*i, in_alias))),
                Node::Map(pairs) => {
                    for &(k, v) in pairs.iter().rev() {
                        if self.is_merge(k) {
                            // A merged list is decoded item by item, last first; the list
                            // itself is not a decoded node.
                            match &self.nodes[v].node {
                                Node::Seq(items) => {
                                    stack.extend(items.iter().map(|i| (*i, in_alias)))
                                }
                                _ => stack.push((v, in_alias)),
                            }
                        } else {
                            stack.push((v, in_alias));
                            stack.push((k, in_alias));
                        }
                    }
                }
            }
        }
        Ok(aliased)
    }
}

/// Read `text` as Kubernetes reads it: its objects (a list's items, which inherit the list's
/// kind and apiVersion when they name neither), or why it is refused.
pub(super) fn read(text: &str) -> Result<DocInfo, DocError> {
    let t = tree(text);
    let at = |r: Refusal| {
        let (line, column) = r
            .node
            .or(t.root)
            .map_or((1, 1), |n| (t.nodes[n].line, t.nodes[n].column));
        DocError {
            message: r.message,
            line,
            column,
        }
    };
    let Some(root) = t.root else {
        return Ok(DocInfo::default());
    };
    let aliased = t.aliasing(root).map_err(at)?;
    let root = t.deref(root);
    let entries = match &t.nodes[root].node {
        Node::Map(_) => t.entries(root).map_err(at)?.unwrap_or_default(),
        Node::Seq(_) => {
            return Err(super::shape_error(
                "a list",
                t.nodes[root].line,
                t.nodes[root].column,
            ))
        }
        Node::Scalar { .. } | Node::Alias(_) => {
            return match t.scalar(root) {
                Some(Scalar::Null) => Ok(DocInfo::default()),
                _ => Err(super::shape_error(
                    "a scalar",
                    t.nodes[root].line,
                    t.nodes[root].column,
                )),
            }
        }
    };
    let top = t.object(&entries).map_err(at)?;
    let kube_object = super::is_kube_object(&top);
    let items = t.get(&entries, "items").map(|n| t.deref(n));
    let list = match items.map(|n| &t.nodes[n].node) {
        Some(Node::Seq(items)) => Some(items.as_slice()),
        Some(Node::Scalar { .. })
            if matches!(items.and_then(|n| t.scalar(n)), Some(Scalar::Null)) =>
        {
            Some(&[][..])
        }
        _ => None,
    };
    let mut objects = Vec::new();
    match list {
        None => objects.push(top),
        Some(items) => {
            for &i in items {
                if let Some(e) = t.entries(i).map_err(at)? {
                    objects.push(t.object(&e).map_err(at)?);
                }
            }
            super::inherit(&top, &mut objects);
        }
    }
    let mut info = DocInfo {
        objects,
        kube_object,
        mapping: true,
        aliased,
    };
    super::normalize(&mut info);
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_in_go_yaml() {
        for s in [
            "yes",
            "On",
            "n",
            "~",
            "",
            "NULL",
            ".inf",
            "-.Inf",
            ".nan",
            "123",
            "-1",
            "+1",
            "0x1F",
            "0o17",
            "017",
            "1_000",
            "0b101",
            "-0b1",
            "1e3",
            "1.",
            ".5",
            "1.5e-3",
            "08",
            "99999999999999999999999",
        ] {
            assert!(!plain_is_string(s), "{s:?} is not a string");
        }
        for s in [
            "name",
            "yess",
            "0x",
            "0o8",
            "0b2",
            "1e",
            "1e999",
            "2001-12-14",
            "2001-13-45",
            "1.2.3",
            "-",
            ".",
            "+",
            "_1",
            "1:2",
            "0xG",
            "True1",
            "<<",
            "1_0x",
        ] {
            assert!(plain_is_string(s), "{s:?} is a string");
        }
    }

    #[test]
    fn merges_apply_in_document_order() {
        let r = |s: &str| read(s).expect("ok").objects[0].name.clone();
        assert_eq!(
            r("metadata: {name: a, <<: {name: b}}\n").as_deref(),
            Some("b")
        );
        assert_eq!(
            r("metadata: {<<: {name: b}, name: a}\n").as_deref(),
            Some("a")
        );
        assert_eq!(
            r("metadata: {name: a, <<: [{name: b}, {name: c}]}\n").as_deref(),
            Some("b")
        );
        assert_eq!(
            r("x: &m {name: m}\nmetadata: {name: a, <<: *m}\n").as_deref(),
            Some("m")
        );
        assert_eq!(
            r("metadata: {name: a, \"<<\": {name: b}}\n").as_deref(),
            Some("a")
        );
        assert_eq!(
            r("metadata: {name: a, !!merge <<: {name: b}}\n").as_deref(),
            Some("b")
        );
        assert!(read("metadata: {name: a, <<: x}\n").is_err());
        assert!(read("metadata: {name: a, <<: [x]}\n").is_err());
    }

    #[test]
    fn only_the_first_document_counts() {
        let d = read("kind: A\n...\nkind: B\n").expect("ok");
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.objects[0].kind.as_deref(), Some("A"));
    }

    #[test]
    fn the_alias_share_kubectl_allows_shrinks_with_the_document() {
        assert_eq!(allowed_alias_ratio(1_000), 0.99);
        assert_eq!(allowed_alias_ratio(400_000), 0.99);
        assert!((allowed_alias_ratio(2_200_000) - 0.545).abs() < 1e-9);
        assert!((allowed_alias_ratio(1_300_000) - 0.7675).abs() < 1e-9);
        assert_eq!(allowed_alias_ratio(4_000_000), 0.10);
        assert_eq!(allowed_alias_ratio(9_000_000), 0.10);
    }

    #[test]
    fn aliases_are_counted_as_go_yaml_decodes_them() {
        // 20 aliases of a 51-node list: 1,020 decodes from aliases, 93 % of the document.
        let wide = format!(
            "a: &a [{}]\nb: [{}]\n",
            ["x"; 50].join(", "),
            ["*a"; 20].join(", ")
        );
        assert_eq!(read(&wide).expect("within the limit").aliased, 1020);
        // A merged alias counts the mapping it brings: itself, its key and its value.
        let merged = "a: &a {x: 1}\nb: {<<: [*a, *a]}\nc: {<<: *a}\n";
        assert_eq!(read(merged).expect("ok").aliased, 9);
        // 300 aliases of a 201-node list: over 99 % of the decoded nodes.
        let tall = format!(
            "a: &a [{}]\nb: [{}]\n",
            ["x"; 200].join(", "),
            ["*a"; 300].join(", ")
        );
        let e = read(&tall).expect_err("over 99 % from aliases");
        assert!(e.message.contains("excessive aliasing"), "{}", e.message);
    }

    #[test]
    fn a_collection_as_a_key_is_refused() {
        for d in [
            "metadata: {[a]: b, name: x}\n",
            "metadata: {? {a: b} : c, name: x}\n",
        ] {
            let e = read(d).expect_err(d);
            assert!(e.message.contains("mapping key"), "{d}: {}", e.message);
        }
    }
}
