//! Splits a multi-document YAML stream into documents without copying or changing a byte.
//!
//! A document boundary is a line that starts with `---` followed by the end of the line, a space
//! or a tab. Each document is returned with its boundary line, so writing every
//! document in turn reproduces the input exactly. Memory is bounded by the largest document
//! plus one read chunk: the buffer only ever holds the document being assembled.

use memchr::memmem;
use std::io::{self, Read};

const CHUNK: usize = 256 * 1024;

/// The largest document the splitter holds. Kubernetes refuses objects past a few MiB (etcd's
/// request limit), so this only stops endless or hostile input before memory runs out.
pub const MAX_DOCUMENT: usize = 1 << 30;

/// One document of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc<'a> {
    /// 1-based position in the stream (the text before the first `---`, if any, is document 1).
    pub index: usize,
    /// 1-based line of the document's first byte in the stream.
    pub line: usize,
    pub bytes: &'a [u8],
}

/// Whether `doc` (the text before a `---` line) holds directives (`%YAML 1.1`) and nothing but
/// comments and blank lines besides: then the `---` starts the directives' own document and is
/// no boundary. Only the first lines are looked at, so this costs nothing for a usual document.
fn only_directives(doc: &[u8]) -> bool {
    let mut directives = 0;
    for (i, line) in doc.split(|b| *b == b'\n').enumerate() {
        let t = line.trim_ascii();
        if i == 0 && t.starts_with(b"---") {
            continue; // the document's own boundary line
        }
        match t.first() {
            None | Some(b'#') => {}
            Some(b'%') => directives += 1,
            Some(_) => return false,
        }
    }
    directives > 0
}

/// Splits documents from a reader.
pub struct Splitter<R> {
    reader: R,
    /// Holds the current document from `start` and data read after it up to `end`; the bytes
    /// past `end` are spare room (initialised once, so reads never zero memory again).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Where the search for the next boundary's `\n---` resumes.
    scan: usize,
    eof: bool,
    index: usize,
    line: usize,
    /// Bytes handed out so far.
    pub total_bytes: u64,
    finished: bool,
    /// Keep every byte read from the start (see [`Splitter::keeping`]).
    keep: bool,
}

impl<R: Read> Splitter<R> {
    pub fn new(reader: R) -> Self {
        Splitter {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            scan: 0,
            eof: false,
            index: 0,
            line: 1,
            total_bytes: 0,
            finished: false,
            keep: false,
        }
    }

    /// A splitter that keeps every byte it reads, from the start of the stream, for
    /// [`Splitter::into_read`]: a reader that looks at the first documents before deciding what
    /// to do with the stream then has them without a second copy.
    pub fn keeping(reader: R) -> Self {
        Splitter {
            keep: true,
            ..Splitter::new(reader)
        }
    }

    /// Every byte read so far, from the start of the stream (a [`Splitter::keeping`] one; for
    /// another, from the start of the current document).
    pub fn into_read(self) -> Vec<u8> {
        let mut buf = self.buf;
        buf.truncate(self.end);
        if !self.keep {
            buf.drain(..self.start);
        }
        buf
    }

    /// Read more: first move the current document to the front when that frees enough room,
    /// then grow the buffer only when the document fills it.
    fn fill(&mut self) -> io::Result<()> {
        if !self.keep
            && self.start > 0
            && (self.start >= self.end / 2 || self.buf.len() - self.end < CHUNK / 4)
        {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scan -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < CHUNK / 4 {
            if self.end - self.start >= MAX_DOCUMENT {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "document {} is larger than {} MiB (no `---` line ends it); no Kubernetes object is that large",
                        self.index + 1,
                        MAX_DOCUMENT >> 20
                    ),
                ));
            }
            let want = (self.buf.len() * 2).max(CHUNK);
            // An allocation that fails is an error, not an abort.
            self.buf
                .try_reserve_exact(want - self.buf.len())
                .map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::OutOfMemory,
                        format!(
                            "document {} does not fit in memory ({} MiB read without a `---` line)",
                            self.index + 1,
                            (self.end - self.start) >> 20
                        ),
                    )
                })?;
            self.buf.resize(want, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.end += n;
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
            // A boundary is "---" at the start of a line after the document's first byte,
            // followed by a line break, a space or a tab (or the end of the stream).
            let from = self.scan.max(self.start);
            match memmem::find(&self.buf[from..self.end], b"\n---") {
                Some(off) => {
                    let cand = from + off + 1;
                    if cand + 3 < self.end {
                        if matches!(self.buf[cand + 3], b'\n' | b'\r' | b' ' | b'\t')
                            && !only_directives(&self.buf[self.start..cand])
                        {
                            let s = self.start;
                            self.start = cand;
                            self.scan = cand;
                            return Ok(Some(self.emit(s, cand)));
                        }
                        self.scan = cand;
                        continue;
                    }
                    if self.eof {
                        // "---" ending the stream opens an (empty) document.
                        let s = self.start;
                        self.start = cand;
                        self.scan = cand;
                        return Ok(Some(self.emit(s, cand)));
                    }
                    // Needs the byte after "---".
                    self.scan = cand - 1;
                }
                None => {
                    if self.eof {
                        self.finished = true;
                        if self.start < self.end {
                            let (s, e) = (self.start, self.end);
                            self.start = e;
                            return Ok(Some(self.emit(s, e)));
                        }
                        return Ok(None);
                    }
                    // A "\n---" may straddle what is read next.
                    self.scan = self.end.saturating_sub(3).max(self.start);
                }
            }
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
    fn directives_stay_with_their_document() {
        assert_eq!(
            docs("%YAML 1.1\n# c\n---\na: 1\n---\nb: 2\n"),
            vec!["%YAML 1.1\n# c\n---\na: 1\n", "---\nb: 2\n"]
        );
        assert_eq!(
            docs("a: 1\n---\n%TAG ! tag:x,2000:\n---\nb: 2\n"),
            vec!["a: 1\n", "---\n%TAG ! tag:x,2000:\n---\nb: 2\n"]
        );
        // A `%` inside a document is content, not a directive: the boundary stays.
        assert_eq!(
            docs("a: |\n  %x\n---\nb\n"),
            vec!["a: |\n  %x\n", "---\nb\n"]
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
