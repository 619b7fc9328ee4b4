//! Splits a multi-document YAML stream into documents without copying or changing a byte.
//!
//! A document boundary is a line that starts with `---` followed by the end of the line, a space
//! or a tab (SPEC §5). Each document is returned with its boundary line, so writing every
//! document in turn reproduces the input exactly. Memory is bounded by the largest document
//! plus one read chunk: the buffer only ever holds the document being assembled.

use memchr::memmem;
use std::io::{self, Read};

const CHUNK: usize = 256 * 1024;

/// One document of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc<'a> {
    /// 1-based position in the stream (the text before the first `---`, if any, is document 1).
    pub index: usize,
    /// 1-based line of the document's first byte in the stream.
    pub line: usize,
    pub bytes: &'a [u8],
}

/// Whether `rest` (which starts right after a newline, or at the start of input) opens a new
/// document. `None` when more bytes are needed to decide.
fn is_boundary(rest: &[u8], eof: bool) -> Option<bool> {
    if rest.len() < 3 {
        return if eof || !b"---".starts_with(rest) {
            Some(false)
        } else {
            None
        };
    }
    if &rest[..3] != b"---" {
        return Some(false);
    }
    match rest.get(3) {
        None => {
            if eof {
                Some(true)
            } else {
                None
            }
        }
        Some(b'\n' | b'\r' | b' ' | b'\t') => Some(true),
        Some(_) => Some(false),
    }
}

/// Splits documents from a reader.
pub struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the current document in `buf`.
    start: usize,
    /// Where the search for the next boundary resumes.
    scan: usize,
    eof: bool,
    index: usize,
    line: usize,
    /// Bytes handed out so far, and whether the stream has any byte at all.
    pub total_bytes: u64,
    finished: bool,
}

impl<R: Read> Splitter<R> {
    pub fn new(reader: R) -> Self {
        Splitter {
            reader,
            buf: Vec::new(),
            start: 0,
            scan: 0,
            eof: false,
            index: 0,
            line: 1,
            total_bytes: 0,
            finished: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0
            && (self.start >= self.buf.len() / 2 || self.buf.len() + CHUNK > self.buf.capacity())
        {
            self.buf.drain(..self.start);
            self.scan -= self.start;
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// The next document, or `None` at the end of the stream. An empty stream has no document.
    pub fn next_doc(&mut self) -> io::Result<Option<Doc<'_>>> {
        if self.finished {
            return Ok(None);
        }
        loop {
            // Search for "\n---" after the first byte of the current document.
            let from = self.scan.max(self.start);
            let hay = &self.buf[from..];
            let mut found = None;
            let mut need_more = false;
            let mut consumed_to = self.buf.len();
            for off in memmem::find_iter(hay, b"\n") {
                let nl = from + off;
                let cand = nl + 1;
                if cand <= self.start {
                    continue;
                }
                match is_boundary(&self.buf[cand..], self.eof) {
                    Some(true) => {
                        found = Some(cand);
                        break;
                    }
                    Some(false) => {}
                    None => {
                        need_more = true;
                        consumed_to = nl;
                        break;
                    }
                }
            }
            if let Some(end) = found {
                let s = self.start;
                self.start = end;
                self.scan = end;
                return Ok(Some(self.emit(s, end)));
            }
            if !need_more {
                // Keep one byte back so that a "\n" at the very end is looked at again.
                consumed_to = self.buf.len().saturating_sub(1).max(self.start);
            }
            if self.eof {
                self.finished = true;
                if self.start < self.buf.len() {
                    let (s, e) = (self.start, self.buf.len());
                    self.start = e;
                    return Ok(Some(self.emit(s, e)));
                }
                return Ok(None);
            }
            self.scan = consumed_to;
            self.fill()?;
        }
    }

    fn emit(&mut self, s: usize, e: usize) -> Doc<'_> {
        self.index += 1;
        let bytes = &self.buf[s..e];
        let line = self.line;
        self.line += memchr::memchr_iter(b'\n', bytes).count();
        self.total_bytes += bytes.len() as u64;
        Doc {
            index: self.index,
            line,
            bytes,
        }
    }
}

/// The `# Source: ...` comment Helm 3 puts at the top of each document, if any.
pub fn source_comment(doc: &[u8]) -> Option<String> {
    let mut rest = doc;
    for _ in 0..4 {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = std::str::from_utf8(&rest[..end])
            .ok()?
            .trim_end_matches('\r');
        if let Some(s) = line.strip_prefix("# Source: ") {
            return Some(s.trim().to_string());
        }
        if !(line.starts_with("---") || line.starts_with('#') || line.trim().is_empty()) {
            return None;
        }
        if end >= rest.len() {
            return None;
        }
        rest = &rest[end + 1..];
    }
    None
}

/// Split a whole in-memory stream (for tests and small inputs).
pub fn split_all(input: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut s = Splitter::new(input);
    let mut out = Vec::new();
    while let Ok(Some(d)) = s.next_doc() {
        out.push((d.line, d.bytes.to_vec()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(s: &str) -> Vec<String> {
        split_all(s.as_bytes())
            .into_iter()
            .map(|(_, b)| String::from_utf8(b).unwrap_or_default())
            .collect()
    }

    #[test]
    fn splits_on_dash_lines_and_keeps_every_byte() {
        let s = "a: 1\n---\nb: 2\n--- # c\nc: 3\n---\tx\n----\nd\n";
        assert_eq!(
            docs(s),
            vec![
                "a: 1\n",
                "---\nb: 2\n",
                "--- # c\nc: 3\n",
                "---\tx\n----\nd\n"
            ]
        );
    }

    #[test]
    fn leading_boundary_and_empty_docs() {
        assert_eq!(
            docs("---\n---\n---\na: 1"),
            vec!["---\n", "---\n", "---\na: 1"]
        );
        assert_eq!(docs(""), Vec::<String>::new());
        assert_eq!(docs("---"), vec!["---"]);
    }

    #[test]
    fn crlf_boundaries() {
        assert_eq!(
            docs("a: 1\r\n---\r\nb: 2\r\n"),
            vec!["a: 1\r\n", "---\r\nb: 2\r\n"]
        );
    }

    #[test]
    fn not_boundaries() {
        assert_eq!(docs("a: |\n  ---\nb: ---\n"), vec!["a: |\n  ---\nb: ---\n"]);
    }

    #[test]
    fn line_numbers() {
        let d = split_all(b"a\nb\n---\nc\n---\n");
        assert_eq!(d.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 3, 5]);
    }

    /// A reader that returns one byte at a time exercises every refill path.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn chunking_does_not_change_the_split() {
        let s = "x\n---\na: 1\n--\n---\r\n--- \n---";
        let whole = split_all(s.as_bytes());
        let mut sp = Splitter::new(Trickle(s.as_bytes()));
        let mut got = Vec::new();
        while let Some(d) = sp.next_doc().unwrap_or(None) {
            got.push((d.line, d.bytes.to_vec()));
        }
        assert_eq!(got, whole);
    }

    #[test]
    fn source_comments() {
        assert_eq!(
            source_comment(b"---\n# Source: c/templates/a.yaml\nkind: X\n").as_deref(),
            Some("c/templates/a.yaml")
        );
        assert_eq!(source_comment(b"kind: X\n# Source: no\n"), None);
    }
}
