//! Where things are in the text of a ResourceList, so that the answer gives every item back
//! exactly as the orchestrator sent it (its bytes, comments and YAML styles), not a
//! re-serialisation that would retype `yes`, `0644` or `1e3`.
//!
//! Two shapes:
//! - **block** (what kpt and kustomize send): the list is a block mapping at column 0 and
//!   `items` a block sequence. Each item is the run of lines from its `-` to the next one; the
//!   answer copies the text around `items` and `results` verbatim and writes the kept items'
//!   lines unchanged.
//! - **flow** (JSON, or `items: [...]`): each item is the exact text of its node; the answer is
//!   written afresh around those texts.
//!
//! Each item also has a standalone document (its text, dedented) for the post-render scan,
//! made when it is asked for ([`Layout::doc`]). The layout holds only offsets into the text:
//! no copy of the items, no table of lines, no parsed tree; the answer is written to the
//! caller's writer as it is made. Memory is the text and a few words per item.

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, StructureStyle};
use std::io::{self, Write};
use std::ops::Range;

/// A ResourceList as text.
#[derive(Debug)]
pub struct Layout<'a> {
    text: &'a str,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    /// The functionConfig node as a standalone document; `None` when absent or null.
    pub function_config: Option<String>,
    pub items: Vec<Item>,
    /// `items` is there but neither a list nor null.
    pub items_not_a_list: bool,
    shape: Shape,
}

/// One item of `items`: where it is.
#[derive(Debug)]
pub struct Item {
    /// Whether it is a mapping (an object).
    pub is_mapping: bool,
    /// Its text in the list: the entry's lines (block) or the node (flow).
    raw: Range<usize>,
    /// The column of its content: what comes off each line for the standalone document.
    col: usize,
    /// Block: the byte of its `-`, which becomes a space in the standalone document.
    dash: Option<usize>,
}

/// A child of a top-level sequence: its first and last byte, its column, whether it is a
/// mapping.
#[derive(Debug, Clone, Copy)]
struct Child {
    start: usize,
    end: usize,
    col: usize,
    mapping: bool,
}

#[derive(Debug)]
enum Shape {
    Block {
        /// Column of the items' `-`.
        dash: usize,
        /// The top-level entries: key, and the byte range of their lines.
        sections: Vec<(String, Range<usize>)>,
        /// Where the top-level mapping's text ends (before a `...` marker, or the end).
        end: usize,
    },
    Flow,
}

/// How a top-level value was written.
#[derive(Debug, Default)]
struct Node {
    start: Marker,
    end: Marker,
    scalar: Option<(String, ScalarStyle)>,
    seq: Option<StructureStyle>,
    /// For a sequence: its children.
    children: Vec<Child>,
}

/// Why a text is no ResourceList whose layout can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the ResourceList is not valid YAML (line {line}, column {column}): {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("standard input holds more than one YAML document; a ResourceList is exactly one")]
    MoreThanOneDocument,
    #[error("standard input holds no ResourceList")]
    Empty,
    #[error("the input is not a mapping")]
    NotAMapping,
    #[error("a key of the ResourceList is not a string")]
    KeyNotAString,
    #[error("the ResourceList has the key `{key}` twice (line {line}); YAML readers disagree on which one counts")]
    DuplicateKey { key: String, line: usize },
}

impl<'a> Layout<'a> {
    /// Read the layout of a text that is one YAML mapping.
    pub fn read(text: &'a str) -> Result<Layout<'a>, LayoutError> {
        let mut parser = Parser::new_from_str(text);
        let mut depth = 0usize;
        let mut docs = 0usize;
        let mut root_block = false;
        let mut root_seen = false;
        // Top-level keys: (name, key marker, value).
        let mut entries: Vec<(String, Marker, Node)> = vec![];
        let mut key: Option<(String, Marker)> = None;
        let mut value: Option<Node> = None;
        let mut doc_end: Option<usize> = None;
        loop {
            let (ev, span) = match parser.next_event() {
                Some(Ok(x)) => x,
                Some(Err(e)) => {
                    return Err(LayoutError::Syntax {
                        line: e.marker().line(),
                        column: e.marker().col() + 1,
                        message: crate::yamlio::parser_message(e.kind()).to_string(),
                    })
                }
                None => break,
            };
            let opens = matches!(ev, Event::MappingStart(..) | Event::SequenceStart(..));
            let closes = matches!(ev, Event::MappingEnd | Event::SequenceEnd);
            match &ev {
                Event::DocumentStart(..) => {
                    docs += 1;
                    if docs > 1 && root_seen {
                        return Err(LayoutError::MoreThanOneDocument);
                    }
                    continue;
                }
                Event::DocumentEnd => {
                    if root_seen && doc_end.is_none() {
                        let at = byte_at(text, span.start);
                        if text[at..].starts_with("...") {
                            doc_end = Some(line_start(text, at));
                        }
                    }
                    continue;
                }
                Event::StreamStart | Event::StreamEnd => continue,
                _ => {}
            }
            if depth == 0 {
                if root_seen {
                    return Err(LayoutError::MoreThanOneDocument);
                }
                root_seen = true;
                match ev {
                    Event::MappingStart(style, ..) => {
                        root_block = style == StructureStyle::Block;
                        depth = 1;
                    }
                    Event::Scalar(ref s, ScalarStyle::Plain, ..)
                        if s.is_empty() || s == "null" || s == "~" =>
                    {
                        return Err(LayoutError::Empty)
                    }
                    _ => return Err(LayoutError::NotAMapping),
                }
                continue;
            }
            if depth == 1 {
                if closes {
                    depth = 0;
                    continue;
                }
                let Some((k, m)) = key.take() else {
                    match ev {
                        Event::Scalar(s, ..) => key = Some((s.into_owned(), span.start)),
                        _ => return Err(LayoutError::KeyNotAString),
                    }
                    continue;
                };
                let mut v = Node {
                    start: span.start,
                    end: span.end,
                    ..Default::default()
                };
                match ev {
                    Event::Scalar(s, style, ..) => v.scalar = Some((s.into_owned(), style)),
                    Event::SequenceStart(style, ..) => v.seq = Some(style),
                    _ => {}
                }
                if opens {
                    depth = 2;
                    value = Some(v);
                    key = Some((k, m));
                } else {
                    entries.push((k, m, v));
                }
                continue;
            }
            // Inside a top-level value.
            let Some(v) = value.as_mut() else {
                continue;
            };
            if depth == 2 && !closes {
                v.children.push(Child {
                    start: byte_at(text, span.start),
                    end: byte_at(text, span.end),
                    col: span.start.col(),
                    mapping: matches!(ev, Event::MappingStart(..)),
                });
            }
            if let Some(last) = v.children.last_mut() {
                if depth > 2 || !closes {
                    last.end = byte_at(text, span.end);
                }
            }
            v.end = span.end;
            if opens {
                depth += 1;
            } else if closes {
                depth -= 1;
                if depth == 1 {
                    let v = value.take().unwrap_or_default();
                    if let Some((k, m)) = key.take() {
                        entries.push((k, m, v));
                    }
                }
            }
        }
        if !root_seen {
            return Err(LayoutError::Empty);
        }
        for (i, (k, m, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(k2, ..)| k2 == k) {
                return Err(LayoutError::DuplicateKey {
                    key: k.clone(),
                    line: m.line(),
                });
            }
        }
        let scalar = |name: &str| {
            entries
                .iter()
                .find(|(k, ..)| k == name)
                .and_then(|(_, _, v)| v.scalar.as_ref().map(|(s, _)| s.clone()))
        };
        let api_version = scalar("apiVersion");
        let kind = scalar("kind");
        let end = doc_end.unwrap_or(text.len());
        let function_config = entries
            .iter()
            .find(|(k, ..)| k == "functionConfig")
            .filter(|(_, _, v)| !is_null(v))
            .map(|(_, _, v)| node_doc(text, v.start, v.end));
        let items_entry = entries.iter().find(|(k, ..)| k == "items");
        let items_not_a_list = items_entry.is_some_and(|(_, _, v)| v.seq.is_none() && !is_null(v));
        // A block root whose keys each start a line at column 0, or follow only their own
        // node properties there (`&anchor key:`, `!!str key:`, `? key`).
        let key_starts_line = |m: &Marker| {
            let at = byte_at(text, *m);
            let before = &text.as_bytes()[line_start(text, at)..at];
            before.is_empty() || matches!(before[0], b'&' | b'!' | b'?')
        };
        let block_root = root_block && entries.iter().all(|(_, m, _)| key_starts_line(m));
        let block_items = match items_entry {
            Some((_, _, v)) => {
                v.seq == Some(StructureStyle::Block)
                    || is_null(v)
                    || v.seq.is_some() && v.children.is_empty()
            }
            None => true,
        };
        // The sections of a block list: each key's lines, up to the next key.
        let mut sections = vec![];
        let key_line = |m: &Marker| line_start(text, byte_at(text, *m));
        for (i, (k, m, _)) in entries.iter().enumerate() {
            let from = key_line(m);
            let to = entries
                .get(i + 1)
                .map(|(_, m2, _)| key_line(m2))
                .unwrap_or(end);
            sections.push((k.clone(), from..to.max(from)));
        }
        if block_root && block_items {
            let children: &[Child] = match items_entry {
                Some((_, _, v)) if v.seq == Some(StructureStyle::Block) => &v.children,
                _ => &[],
            };
            let section_end = items_entry
                .and_then(|(_, m, _)| sections.iter().find(|(_, r)| r.start == key_line(m)))
                .map(|(_, r)| r.end)
                .unwrap_or(end);
            if let Some(items) = block_items_of(text, children, section_end) {
                let dash = items.1;
                return Ok(Layout {
                    text,
                    api_version,
                    kind,
                    function_config,
                    items: items.0,
                    items_not_a_list,
                    shape: Shape::Block {
                        dash,
                        sections,
                        end,
                    },
                });
            }
        }
        // Flow: each item is its node's text.
        let items = match items_entry {
            Some((_, _, v)) if v.seq.is_some() => v
                .children
                .iter()
                .map(|c| Item {
                    is_mapping: c.mapping,
                    raw: c.start..c.end.max(c.start),
                    col: c.col,
                    dash: None,
                })
                .collect(),
            _ => vec![],
        };
        Ok(Layout {
            text,
            api_version,
            kind,
            function_config,
            items,
            items_not_a_list,
            shape: Shape::Flow,
        })
    }

    /// The text of item `i` as it stands in the list.
    pub fn raw(&self, i: usize) -> &str {
        self.items
            .get(i)
            .map_or("", |it| &self.text[it.raw.clone()])
    }

    /// Item `i` as a standalone YAML document: its text, the `-` of a block entry made a
    /// space, dedented to its content's column.
    pub fn doc(&self, i: usize) -> String {
        let Some(it) = self.items.get(i) else {
            return String::new();
        };
        let raw = &self.text[it.raw.clone()];
        match it.dash {
            Some(at) if at >= it.raw.start && at < it.raw.end => {
                let at = at - it.raw.start;
                let mut t = String::with_capacity(raw.len());
                t.push_str(&raw[..at]);
                t.push(' ');
                t.push_str(&raw[at + 1..]);
                standalone(&t, it.col)
            }
            _ => standalone(raw, it.col),
        }
    }

    /// Write the answer to `w`: `entries` (what to write for each item, in order, then the new
    /// ones) and `results` (already YAML: `results:` and its list), in the list's own layout.
    /// Nothing of it is held in memory; an `Err` is a failed write.
    pub fn answer(
        &self,
        w: &mut dyn Write,
        entries: &[Entry],
        results: &str,
        function_config: Option<&str>,
    ) -> io::Result<()> {
        let out = &mut Out { w, last: None };
        match &self.shape {
            Shape::Block {
                dash,
                sections,
                end,
            } => {
                let first = sections.first().map(|(_, r)| r.start).unwrap_or(*end);
                out.push_str(&self.text[..first])?;
                let mut wrote_items = false;
                for (k, r) in sections {
                    match k.as_str() {
                        "results" => {}
                        "items" => {
                            self.write_items(out, entries, *dash, Some(r.clone()))?;
                            out.push_str(results)?;
                            wrote_items = true;
                        }
                        _ => {
                            out.push_str(&self.text[r.clone()])?;
                            out.line_end()?;
                        }
                    }
                }
                if !wrote_items {
                    self.write_items(out, entries, *dash, None)?;
                    out.push_str(results)?;
                }
                out.push_str(&self.text[*end..])?;
            }
            Shape::Flow => {
                let q = |s: &Option<String>| {
                    serde_json::to_string(s.as_deref().unwrap_or("")).unwrap_or_default()
                };
                out.push_str(&format!(
                    "apiVersion: {}\nkind: {}\n",
                    q(&self.api_version),
                    q(&self.kind)
                ))?;
                if let Some(fc) = function_config {
                    out.push_str("functionConfig: ")?;
                    out.push_str(fc)?;
                    out.push_str("\n")?;
                }
                self.write_items(out, entries, 0, None)?;
                out.push_str(results)?;
            }
        }
        out.line_end()
    }

    fn write_items(
        &self,
        out: &mut Out,
        entries: &[Entry],
        dash: usize,
        section: Option<Range<usize>>,
    ) -> io::Result<()> {
        let block = matches!(self.shape, Shape::Block { .. });
        let has_any = !entries.is_empty();
        match (&section, self.items.first()) {
            (Some(r), Some(first)) if block && has_any => {
                out.push_str(&self.text[r.start..first.raw.start])?;
            }
            _ if has_any => out.push_str("items:\n")?,
            _ => return out.push_str("items: []\n"),
        }
        let pad = " ".repeat(dash);
        let pad_more = format!("{pad}  ");
        for e in entries {
            match e {
                Entry::Keep(i) => {
                    let Some(item) = self.items.get(*i) else {
                        continue;
                    };
                    if block {
                        out.push_str(&self.text[item.raw.clone()])?;
                        out.line_end()?;
                    } else {
                        // Written afresh: the node's own text, its lines shifted under `- `.
                        // All of it: the line breaks at its end may be a `|+` scalar's.
                        out.push_str("- ")?;
                        indent_rest(out, &self.doc(*i), "  ")?;
                        out.line_end()?;
                    }
                }
                Entry::New(yaml) => {
                    out.push_str(&pad)?;
                    out.push_str("- ")?;
                    indent_rest(out, yaml.trim_end_matches('\n'), &pad_more)?;
                    out.line_end()?;
                }
            }
        }
        Ok(())
    }
}

/// The answer's writer: what it was given, and the last byte written (for [`Out::line_end`]).
struct Out<'w> {
    w: &'w mut dyn Write,
    last: Option<u8>,
}

impl Out<'_> {
    fn push_str(&mut self, s: &str) -> io::Result<()> {
        if let Some(&b) = s.as_bytes().last() {
            self.w.write_all(s.as_bytes())?;
            self.last = Some(b);
        }
        Ok(())
    }

    /// A line break unless the output is empty or ends with one.
    fn line_end(&mut self) -> io::Result<()> {
        match self.last {
            Some(b) if b != b'\n' => self.push_str("\n"),
            _ => Ok(()),
        }
    }
}

/// What the answer holds, in order.
#[derive(Debug, Clone)]
pub enum Entry {
    /// Item `i` as it came.
    Keep(usize),
    /// A generated object: its YAML (a block mapping at column 0).
    New(String),
}

fn is_null(v: &Node) -> bool {
    matches!(&v.scalar, Some((s, ScalarStyle::Plain)) if crate::identify::plain_is_null(s))
}

/// The start of the line that holds byte `at`.
fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at.min(text.len())]).map_or(0, |i| i + 1)
}

/// The start of the line after the one that starts at `start` (the end of the text for the
/// last line).
fn next_line(text: &str, start: usize) -> usize {
    memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i + 1)
}

/// The byte offset of a marker (its byte offset; else its line and column in characters).
fn byte_at(text: &str, m: Marker) -> usize {
    if let Some(b) = m.byte_offset() {
        return b.min(text.len());
    }
    let start = match m.line().checked_sub(2) {
        None => 0,
        Some(n) => match memchr::memchr_iter(b'\n', text.as_bytes()).nth(n) {
            Some(i) => i + 1,
            None => return text.len(),
        },
    };
    text[start..]
        .char_indices()
        .nth(m.col())
        .map(|(i, _)| start + i)
        .unwrap_or(text.len())
}

/// Push `text`, its lines after the first prefixed with `prefix`.
fn indent_rest(out: &mut Out, text: &str, prefix: &str) -> io::Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("\n")?;
            if !line.is_empty() {
                out.push_str(prefix)?;
            }
        }
        out.push_str(line)?;
    }
    Ok(())
}

/// The entries of a block `items` sequence: the line of each child's `-` to the next one.
/// `None` when the dashes are not where a block sequence puts them (then the flow path reads it).
/// Lines are named by the byte they start at.
fn block_items_of(
    text: &str,
    children: &[Child],
    section_end: usize,
) -> Option<(Vec<Item>, usize)> {
    let line_text = |l: usize| -> &str { &text[l..next_line(text, l)] };
    // The start of the line before the one that starts at `l`.
    let prev = |l: usize| -> Option<usize> { l.checked_sub(1).map(|e| line_start(text, e)) };
    let dash_line = |l: usize| -> Option<usize> {
        let t = line_text(l);
        let col = t.len() - t.trim_start_matches(' ').len();
        let rest = &t[col..];
        (rest.starts_with('-') && rest[1..].starts_with([' ', '\n', '\r', '\t']) || rest == "-")
            .then_some(col)
    };
    let mut starts = Vec::with_capacity(children.len());
    let mut dash = None;
    for c in children {
        // Back from the node's line to the line of its `-` (comments may stand between).
        let mut l = line_start(text, c.start);
        let col = loop {
            if let Some(col) = dash_line(l) {
                break col;
            }
            l = prev(l)?;
        };
        if *dash.get_or_insert(col) != col {
            return None;
        }
        starts.push((l, c.col));
    }
    let dash = dash.unwrap_or(0);
    // The comment lines just before an item's `-`, at its column or left of it, are that item's
    // (they cannot be inside the item before, whose content is indented deeper): they go and
    // stay with it. Blank lines before the first of them stay with the item before (they may be
    // the end of a `|+` block scalar).
    let comment_at_dash = |l: usize| {
        let t = line_text(l);
        let col = t.len() - t.trim_start_matches([' ', '\t']).len();
        col <= dash && t[col..].starts_with('#')
    };
    let blank = |l: usize| line_text(l).trim().is_empty();
    let mut bounds = Vec::with_capacity(starts.len());
    for (i, &(l, content)) in starts.iter().enumerate() {
        let mut first = l;
        if i > 0 {
            let floor = next_line(text, starts[i - 1].0);
            let mut k = l;
            while k > floor {
                let Some(p) = prev(k) else { break };
                if !(comment_at_dash(p) || blank(p)) {
                    break;
                }
                k = p;
                if comment_at_dash(k) {
                    first = k;
                }
            }
        }
        bounds.push((first, l, content));
    }
    let mut items = Vec::with_capacity(bounds.len());
    for (i, &(start, dash_line, content)) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).map(|s| s.0).unwrap_or(section_end);
        if end < dash_line {
            return None;
        }
        items.push(Item {
            is_mapping: children[i].mapping,
            raw: start..end,
            col: content,
            dash: Some(dash_line + dash),
        });
    }
    Some((items, dash))
}

/// `text` as a standalone document: up to `col` leading spaces off every line. Should that
/// leave a line that reads as a document marker (`---`, `...`), one space is kept on each line.
fn standalone(text: &str, col: usize) -> String {
    let strip = |n: usize| -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let lead = line.len() - line.trim_start_matches(' ').len();
            out.push_str(&line[lead.min(n)..]);
        }
        out
    };
    let doc = strip(col);
    let marker = doc.split('\n').any(|l| {
        (l.starts_with("---") || l.starts_with("..."))
            && l[3..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ' || c == '\t' || c == '\r')
    });
    let mut doc = if marker && col > 0 {
        strip(col - 1)
    } else {
        doc
    };
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    doc
}

/// A top-level node as a standalone document.
fn node_doc(text: &str, start: Marker, end: Marker) -> String {
    let at = byte_at(text, start);
    let from = line_start(text, at);
    let to = byte_at(text, end).max(from);
    // From the start of the node's line, with the part before the node blanked (the key).
    let mut t = text[from..to].to_string();
    let pre = at - from;
    t.replace_range(..pre, &" ".repeat(start.col()));
    standalone(&t, start.col())
}
