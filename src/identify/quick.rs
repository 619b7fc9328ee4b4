//! The quick scan: one pass over a document that recognises the YAML Helm charts render and
//! feeds the identity [`Builder`] the same events the YAML parser would.
//!
//! It is a *recogniser of a subset*, not a parser: it answers `Some` only for documents it can
//! prove well-formed, and `None` ("not sure") for everything else, which then goes through the
//! real parser (so every diagnostic still comes from the parser). Soundness is the whole point:
//! whatever it accepts, the parser accepts with the same identity (`tests/it/identify_props.rs`
//! checks this against the parser and a full parse, including on mutated real documents).
//!
//! The subset:
//! - characters: printable (YAML `c-printable`) ASCII or Unicode; tabs only inside comments,
//!   quoted scalars and block scalar content; CR only as part of CRLF; no byte-order mark;
//! - an optional leading `---` line (with at most a comment), no other document markers or
//!   directives;
//! - block mappings (simple keys: plain or quoted on one line, `:` right after the key) and block
//!   sequences (also compact `- key: value` / `- - x` and indentless `key:\n- x`), with the
//!   root a mapping;
//! - plain scalars (multi-line in block context), single- and double-quoted scalars (multi-line,
//!   escapes validated), literal and folded block scalars with chomping indicators (no explicit
//!   indentation indicator), flow sequences and mappings that open and close on one line;
//! - no anchors, aliases, tags, explicit keys (`?`), or anything else.
//!
//! Indentation follows the scanner rules of libyaml-family parsers: block content deeper than
//! its parent, continuation lines of scalars deeper than the enclosing block's indentation, and
//! a block scalar's content indentation taken from its first non-empty line (at least one more
//! than the enclosing block's). Every case where parsers disagree or the rule is subtle (leading
//! blank lines longer than the content indentation, tabs near indentation, keys near the
//! 1024-character simple-key limit, trailing commas in flow collections) answers `None`.

use super::{Builder, DocInfo};

/// Deeper nesting is left to the parser (its limits are 255).
const MAX_DEPTH: usize = 100;
/// Simple keys are limited to 1024 characters; a byte bound below that is always safe.
const MAX_KEY: usize = 1000;

/// Identify a document the quick way, or `None` when the parser must decide.
pub(super) fn scan(text: &str) -> Option<DocInfo> {
    let s = text.as_bytes();
    let has_tab = chars_ok(text)?;
    let mut q = Quick {
        s,
        text,
        pos: 0,
        line_start: 0,
        has_tab,
        b: Builder::new(),
        blocks: Vec::with_capacity(16),
        pending: false,
        root_done: false,
    };
    q.run()?;
    Some(q.b.finish())
}

/// Every character is printable in YAML's sense and needs no special handling: `None` when one
/// is not (or is a byte-order mark, a line or paragraph separator, NEL, or a lone CR).
/// Otherwise whether the text has a tab at all.
fn chars_ok(text: &str) -> Option<bool> {
    let s = text.as_bytes();
    let mut has_tab = false;
    // Bytes before `i` are checked.
    let mut i = 0;
    for (n, block) in s.chunks(64).enumerate() {
        let end = n * 64 + block.len();
        if end <= i {
            continue; // covered by a character that started in an earlier block
        }
        // Vectorised: printable ASCII and LF need nothing more.
        let odd = block.iter().fold(0u8, |acc, &b| {
            acc | (((b < 0x20) & (b != b'\n')) | (b >= 0x7f)) as u8
        });
        if odd == 0 {
            i = end;
            continue;
        }
        while i < end {
            match s[i] {
                b'\n' | 0x20..=0x7e => i += 1,
                b'\t' => {
                    has_tab = true;
                    i += 1;
                }
                b'\r' if s.get(i + 1) == Some(&b'\n') => i += 2,
                b if b >= 0x80 => {
                    let c = text.get(i..)?.chars().next()?;
                    let bad = matches!(
                        c,
                        '\u{80}'
                            ..='\u{9f}'
                                | '\u{2028}'
                                | '\u{2029}'
                                | '\u{feff}'
                                | '\u{fffe}'
                                | '\u{ffff}'
                    );
                    if bad {
                        return None;
                    }
                    i += c.len_utf8();
                }
                _ => return None,
            }
        }
    }
    Some(has_tab)
}

/// Bytes that end or break a plain key: `:`, `#`, line breaks and tabs.
static KEY_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b':' as usize] = true;
    t[b'#' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\t' as usize] = true;
    t
};

#[derive(Clone, Copy)]
struct Block {
    indent: usize,
    map: bool,
    /// A sequence at its parent mapping's indentation (`key:\n- a`).
    indentless: bool,
}

struct Quick<'a> {
    s: &'a [u8],
    /// The same bytes as text (slices at ASCII positions need no UTF-8 check).
    text: &'a str,
    pos: usize,
    /// Start of the line `pos` is on (columns of structure are byte offsets from here: only
    /// spaces and `- ` come before them).
    line_start: usize,
    has_tab: bool,
    b: Builder,
    blocks: Vec<Block>,
    /// The innermost block's current entry has no value yet; it may come on the next lines.
    pending: bool,
    /// The root node is complete; any more content is a second root.
    root_done: bool,
}

/// Characters that cannot start a plain scalar (YAML `c-indicator`), besides space and breaks.
fn is_indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

fn ok<E>(r: Result<(), E>) -> Option<()> {
    r.ok()
}

/// A key on one line: its text (`None` when it has escapes), and where the value starts.
struct KeyTok<'a> {
    val: Option<&'a str>,
    plain: bool,
    after_colon: usize,
}

impl<'a> Quick<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    /// A line break (LF or CRLF) or the end of the text at `i`.
    fn is_eol(&self, i: usize) -> bool {
        matches!(self.at(i), None | Some(b'\n' | b'\r'))
    }

    /// What may follow `:` for it to be a value indicator in block context.
    fn is_sep(&self, i: usize) -> bool {
        matches!(self.at(i), None | Some(b' ' | b'\n' | b'\r'))
    }

    /// The first byte at or after `i` that is not a space (deep indentation is common: eight
    /// bytes at a time).
    fn spaces_from(&self, mut i: usize) -> usize {
        const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
        while let Some(word) = self.s.get(i..i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(word) else {
                break;
            };
            let diff = u64::from_le_bytes(word) ^ SPACES;
            if diff != 0 {
                return i + (diff.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        i
    }

    /// Move past the line break at or after `i` (to the start of the next line, or the end).
    fn next_line_from(&mut self, i: usize) {
        match memchr::memchr(b'\n', &self.s[i.min(self.s.len())..]) {
            Some(off) => {
                self.pos = i + off + 1;
            }
            None => self.pos = self.s.len(),
        }
        self.line_start = self.pos;
    }

    /// `-` at `i` followed by a space or the end of the line: a block sequence entry.
    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && self.is_sep(i + 1)
    }

    /// After a complete node on a line: spaces, then the end of the line or a comment.
    fn line_end(&mut self) -> Option<()> {
        let i = self.spaces_from(self.pos);
        match self.at(i) {
            None | Some(b'\n' | b'\r') => {}
            Some(b'#') if i > self.pos => {}
            _ => return None,
        }
        self.next_line_from(i);
        Some(())
    }

    fn run(&mut self) -> Option<()> {
        if self.s.starts_with(b"---") {
            // The document start marker the splitter left at the top: only a comment may follow.
            if !self.is_eol(3) && self.at(3) != Some(b' ') {
                return None;
            }
            self.pos = 3;
            self.line_end()?;
        }
        self.b.document_start();
        while self.pos < self.s.len() {
            self.line_start = self.pos;
            let p = self.spaces_from(self.pos);
            match self.at(p) {
                None => break,
                Some(b'\n' | b'\r') => {
                    self.next_line_from(p);
                    continue;
                }
                Some(b'#') => {
                    self.next_line_from(p);
                    continue;
                }
                Some(b'\t') => return None,
                _ => {}
            }
            let ind = p - self.line_start;
            if ind == 0 && (self.s[p..].starts_with(b"---") || self.s[p..].starts_with(b"...")) {
                return None;
            }
            self.pos = p;
            self.line(ind)?;
        }
        if self.pending {
            self.pending = false;
            ok(self.b.scalar(Some(""), true, false, 0, 0))?;
        }
        while self.blocks.pop().is_some() {
            self.b.end();
        }
        Some(())
    }

    fn push(&mut self, indent: usize, map: bool, indentless: bool) -> Option<()> {
        if self.blocks.len() >= MAX_DEPTH {
            return None;
        }
        self.blocks.push(Block {
            indent,
            map,
            indentless,
        });
        ok(self.b.start(map, false, 0, 0))
    }

    fn pop(&mut self) {
        self.blocks.pop();
        self.b.end();
    }

    /// A line whose first content (not a comment) is at `pos`, indented `ind`.
    fn line(&mut self, ind: usize) -> Option<()> {
        let dash = self.is_dash(self.pos);
        let Some(&top) = self.blocks.last() else {
            if dash || self.root_done {
                return None;
            }
            self.root_done = true;
            if self.at(self.pos) == Some(b'{') {
                // A root flow mapping.
                self.flow(0)?;
                return self.line_end();
            }
            self.push(ind, true, false)?;
            return self.key_line();
        };
        if self.pending {
            self.pending = false;
            if ind > top.indent {
                // The value is on the following lines: a block collection, or a scalar or
                // flow collection on a line of its own.
                return if dash {
                    self.push(ind, false, false)?;
                    self.seq_entry()
                } else if let Some(k) = self.scan_key(self.pos) {
                    self.push(ind, true, false)?;
                    self.entry(k)
                } else {
                    self.value(top.indent)
                };
            }
            if top.map && ind == top.indent && dash {
                self.push(ind, false, true)?;
                return self.seq_entry();
            }
            // An empty value.
            ok(self.b.scalar(Some(""), true, false, 0, 0))?;
        }
        while let Some(&top) = self.blocks.last() {
            if top.indent > ind || (top.indentless && top.indent == ind && !dash) {
                self.pop();
            } else {
                break;
            }
        }
        let top = *self.blocks.last()?;
        if top.indent != ind {
            return None;
        }
        match (top.map, dash) {
            (true, false) => self.key_line(),
            (false, true) => self.seq_entry(),
            _ => None,
        }
    }

    /// A mapping entry whose key starts at `pos`.
    fn key_line(&mut self) -> Option<()> {
        let k = self.scan_key(self.pos)?;
        self.entry(k)
    }

    /// A mapping entry whose key was scanned.
    fn entry(&mut self, k: KeyTok<'a>) -> Option<()> {
        ok(self.b.scalar(k.val, k.plain, false, 0, 0))?;
        self.pos = k.after_colon;
        self.after_colon()
    }

    /// Whether a simple key starts at `p` (and where it ends); `None` when it is not one.
    fn scan_key(&self, p: usize) -> Option<KeyTok<'a>> {
        let s = self.s;
        let c = self.at(p)?;
        let (val, plain, end) = match c {
            b'\'' | b'"' => {
                let (end, val) = self.quoted_on_line(p)?;
                (val, false, end)
            }
            _ => {
                if is_indicator(c) || c >= 0x80 || c == b' ' || c == b'\t' {
                    return None;
                }
                let limit = s.len().min(p + MAX_KEY + 1);
                let mut i = p + 1;
                loop {
                    i += s[i.min(limit)..limit]
                        .iter()
                        .position(|&b| KEY_STOP[b as usize])?;
                    match s[i] {
                        b':' if self.is_sep(i + 1) => break,
                        b':' => i += 1,
                        b'#' if s[i - 1] != b' ' => i += 1,
                        _ => return None,
                    }
                }
                if s[i - 1] == b' ' {
                    return None;
                }
                (self.text.get(p..i), true, i)
            }
        };
        if end - p > MAX_KEY || self.at(end) != Some(b':') || !self.is_sep(end + 1) {
            return None;
        }
        Some(KeyTok {
            val,
            plain,
            after_colon: end + 1,
        })
    }

    /// A quoted scalar that closes on the line it opens on: where it ends (after the closing
    /// quote) and its text when it has no escapes. `None` when it does not close on the line
    /// or has an invalid escape.
    fn quoted_on_line(&self, p: usize) -> Option<(usize, Option<&'a str>)> {
        let s = self.s;
        let q = s[p];
        let mut i = p + 1;
        let mut escaped = false;
        loop {
            let c = *s.get(i)?;
            if c == q {
                if q == b'\'' && self.at(i + 1) == Some(b'\'') {
                    escaped = true;
                    i += 2;
                    continue;
                }
                break;
            }
            match c {
                b'\n' | b'\r' => return None,
                b'\\' if q == b'"' => {
                    escaped = true;
                    i = self.escape(i)?;
                }
                _ => i += 1,
            }
        }
        let val = if escaped {
            None
        } else {
            self.text.get(p + 1..i)
        };
        Some((i + 1, val))
    }

    /// A double-quoted scalar's escape at `i` (the backslash), not a line break: where it ends.
    fn escape(&self, i: usize) -> Option<usize> {
        let hex = |n: usize| -> Option<usize> {
            let digits = self.s.get(i + 2..i + 2 + n)?;
            if !digits.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let v = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
            char::from_u32(v)?;
            Some(i + 2 + n)
        };
        match self.at(i + 1)? {
            b'0' | b'a' | b'b' | b't' | b'\t' | b'n' | b'v' | b'f' | b'r' | b'e' | b' ' | b'"'
            | b'/' | b'\\' | b'N' | b'_' | b'L' | b'P' => Some(i + 2),
            b'x' => hex(2),
            b'u' => hex(4),
            b'U' => hex(8),
            _ => None,
        }
    }

    /// After the `:` of a mapping entry at `pos`: the value on this line, or none yet.
    fn after_colon(&mut self) -> Option<()> {
        let i = self.spaces_from(self.pos);
        match self.at(i) {
            None | Some(b'\n' | b'\r') => {
                self.pending = true;
                self.next_line_from(i);
                Some(())
            }
            Some(b'#') => {
                // `is_sep` made sure a space came before it.
                self.pending = true;
                self.next_line_from(i);
                Some(())
            }
            Some(b'\t') => None,
            Some(_) => {
                self.pos = i;
                let n = self.blocks.last()?.indent;
                self.value(n)
            }
        }
    }

    /// A block sequence entry: `-` at `pos`.
    fn seq_entry(&mut self) -> Option<()> {
        let col = self.pos - self.line_start;
        let i = self.spaces_from(self.pos + 1);
        match self.at(i) {
            None | Some(b'\n' | b'\r') => {
                self.pending = true;
                self.next_line_from(i);
                return Some(());
            }
            Some(b'#') if i > self.pos + 1 => {
                self.pending = true;
                self.next_line_from(i);
                return Some(());
            }
            Some(b'\t') => return None,
            _ => {}
        }
        self.pos = i;
        let c = i - self.line_start;
        if self.is_dash(i) {
            self.push(c, false, false)?;
            return self.seq_entry();
        }
        if let Some(k) = self.scan_key(i) {
            self.push(c, true, false)?;
            return self.entry(k);
        }
        self.value(col)
    }

    /// A node that starts on the current line at `pos`, inside a block indented `n`.
    fn value(&mut self, n: usize) -> Option<()> {
        let c = self.at(self.pos)?;
        match c {
            b'|' | b'>' => self.block_scalar(n),
            b'[' | b'{' => {
                self.flow(0)?;
                self.line_end()
            }
            b'\'' | b'"' => self.quoted(n),
            b'-' if !self.is_sep(self.pos + 1) && self.at(self.pos + 1) != Some(b'\t') => {
                self.plain(n)
            }
            _ if is_indicator(c) || c >= 0x80 => None,
            _ => self.plain(n),
        }
    }

    /// One line of a plain scalar in block context from `p`: the end of its text (trailing
    /// spaces and CR excluded) and whether a comment ends it. `None` on `: `, a tab, or when
    /// nothing is there.
    fn plain_line(&self, p: usize) -> Option<(usize, bool)> {
        let s = self.s;
        let mut i = p;
        let (stop, comment) = loop {
            match memchr::memchr3(b':', b'#', b'\n', &s[i..]) {
                None => break (s.len(), false),
                Some(off) => {
                    let j = i + off;
                    match s[j] {
                        b'\n' => break (j, false),
                        b':' if self.is_sep(j + 1) => return None,
                        b'#' if j > p && s[j - 1] == b' ' => break (j, true),
                        _ => i = j + 1,
                    }
                }
            }
        };
        let text = &s[p..stop];
        if self.has_tab && memchr::memchr(b'\t', text).is_some() {
            return None;
        }
        let mut end = stop;
        while end > p && matches!(s[end - 1], b' ' | b'\r') {
            end -= 1;
        }
        if end == p {
            return None;
        }
        Some((end, comment))
    }

    /// A plain scalar in block context, with its continuation lines (indented more than `n`).
    fn plain(&mut self, n: usize) -> Option<()> {
        let start = self.pos;
        let (end, comment) = self.plain_line(start)?;
        let mut multi = false;
        self.next_line_from(end);
        if !comment {
            loop {
                let ls = self.pos;
                let p = self.spaces_from(ls);
                match self.at(p) {
                    None => break,
                    Some(b'\n' | b'\r') => {
                        // An empty line inside (or after) the scalar.
                        self.next_line_from(p);
                        continue;
                    }
                    Some(b'\t') => return None,
                    Some(b'#') => break,
                    Some(c) => {
                        if p - ls <= n {
                            break;
                        }
                        // Any character but `#` (a comment) may start a continuation line;
                        // `-`, `?` and `:` are left to the parser, which may read them as
                        // indicators.
                        if matches!(c, b'-' | b'?' | b':') || c >= 0x80 {
                            return None;
                        }
                    }
                }
                let (e, comment) = self.plain_line(p)?;
                multi = true;
                self.next_line_from(e);
                if comment {
                    break;
                }
            }
        }
        self.line_start = self.pos;
        let val = if multi {
            None
        } else {
            self.text.get(start..end)
        };
        ok(self.b.scalar(val, true, false, 0, 0))
    }

    /// A single- or double-quoted scalar in block context (continuation lines indented more
    /// than `n`), then the end of its line.
    fn quoted(&mut self, n: usize) -> Option<()> {
        let s = self.s;
        let p = self.pos;
        if let Some((end, val)) = self.quoted_on_line(p) {
            ok(self.b.scalar(val, false, false, 0, 0))?;
            self.pos = end;
            return self.line_end();
        }
        // Multi-line: tabs near the folds are subtle; leave them to the parser.
        if self.has_tab {
            return None;
        }
        let q = s[p];
        let mut i = p + 1;
        loop {
            let c = *s.get(i)?;
            if c == q {
                if q == b'\'' && self.at(i + 1) == Some(b'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            match c {
                b'\\' if q == b'"' => {
                    if self.is_eol(i + 1) {
                        i += 1; // an escaped line break: the break is handled next
                    } else {
                        i = self.escape(i)?;
                    }
                }
                b'\n' => {
                    // A continuation line: indented more than the block, or empty.
                    let j = self.spaces_from(i + 1);
                    match self.at(j) {
                        None => return None,
                        Some(b'\n' | b'\r') => {}
                        Some(_) if j - (i + 1) <= n => return None,
                        Some(_) => {}
                    }
                    i = j;
                }
                _ => i += 1,
            }
        }
        ok(self.b.scalar(None, false, false, 0, 0))?;
        self.pos = i + 1;
        self.line_end()
    }

    /// A literal or folded block scalar whose header is at `pos`, inside a block indented `n`.
    fn block_scalar(&mut self, n: usize) -> Option<()> {
        let mut i = self.pos + 1;
        if matches!(self.at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        match self.at(i) {
            None | Some(b'\n' | b'\r' | b' ') => {}
            _ => return None, // an indentation indicator, or garbage
        }
        self.pos = i;
        self.line_end()?;
        let min = n + 1;
        let mut indent: Option<usize> = None;
        let mut longest_blank = 0;
        while self.pos < self.s.len() {
            let ls = self.pos;
            let p = self.spaces_from(ls);
            let k = p - ls;
            let blank = self.is_eol(p);
            match indent {
                None => {
                    if blank {
                        longest_blank = longest_blank.max(k);
                        self.next_line_from(p);
                        continue;
                    }
                    if self.at(p) == Some(b'\t') || longest_blank > k {
                        return None;
                    }
                    if k < min {
                        if longest_blank >= min {
                            return None;
                        }
                        break; // an empty scalar; this line belongs to the parent
                    }
                    indent = Some(k);
                    self.next_line_from(p);
                }
                Some(ind) => {
                    if k >= ind || blank {
                        self.next_line_from(p);
                    } else if self.at(p) == Some(b'\t') {
                        return None;
                    } else {
                        break; // a line of the parent
                    }
                }
            }
        }
        self.line_start = self.pos;
        ok(self.b.scalar(None, false, false, 0, 0))
    }

    fn flow_spaces(&mut self) -> Option<()> {
        self.pos = self.spaces_from(self.pos);
        match self.at(self.pos) {
            None | Some(b'\n' | b'\r' | b'\t' | b'#') => None,
            _ => Some(()),
        }
    }

    /// A flow collection at `pos` that closes on this line.
    fn flow(&mut self, depth: usize) -> Option<()> {
        if depth > 32 {
            return None;
        }
        let open = self.at(self.pos)?;
        let map = open == b'{';
        let close = if map { b'}' } else { b']' };
        ok(self.b.start(map, false, 0, 0))?;
        self.pos += 1;
        self.flow_spaces()?;
        if self.at(self.pos) == Some(close) {
            self.pos += 1;
            self.b.end();
            return Some(());
        }
        loop {
            if map {
                self.flow_scalar(true)?;
                // `:` right after the key, then a space.
                if self.at(self.pos) != Some(b':') || self.at(self.pos + 1) != Some(b' ') {
                    return None;
                }
                self.pos += 1;
                self.flow_spaces()?;
            }
            match self.at(self.pos)? {
                b'[' | b'{' => self.flow(depth + 1)?,
                _ => self.flow_scalar(false)?,
            }
            self.flow_spaces()?;
            match self.at(self.pos)? {
                b',' => {
                    self.pos += 1;
                    self.flow_spaces()?;
                    if matches!(self.at(self.pos)?, b']' | b'}') {
                        return None; // a trailing comma
                    }
                }
                c if c == close => {
                    self.pos += 1;
                    self.b.end();
                    return Some(());
                }
                _ => return None, // `:` after a sequence entry (a single-pair mapping), etc.
            }
        }
    }

    /// A scalar in a single-line flow collection (a key when `key`).
    fn flow_scalar(&mut self, key: bool) -> Option<()> {
        let s = self.s;
        let p = self.pos;
        let c = self.at(p)?;
        let (val, plain, end) = if c == b'\'' || c == b'"' {
            let (end, val) = self.quoted_on_line(p)?;
            (val, false, end)
        } else {
            let dash_ok = c == b'-'
                && !matches!(self.at(p + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
                && !is_flow_indicator(self.at(p + 1)?);
            if (is_indicator(c) && !dash_ok) || c >= 0x80 {
                return None;
            }
            let mut i = p + 1;
            loop {
                match *s.get(i)? {
                    b',' | b'[' | b']' | b'{' | b'}' => break,
                    b':' if matches!(
                        self.at(i + 1),
                        None | Some(b' ' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}')
                    ) =>
                    {
                        break
                    }
                    b'#' if s[i - 1] == b' ' => return None,
                    b'\n' | b'\r' | b'\t' => return None,
                    _ => i += 1,
                }
            }
            let mut end = i;
            while s[end - 1] == b' ' {
                end -= 1;
            }
            (self.text.get(p..end), true, i)
        };
        if key && end - p > MAX_KEY {
            return None;
        }
        ok(self.b.scalar(val, plain, false, 0, 0))?;
        self.pos = end;
        Some(())
    }
}
