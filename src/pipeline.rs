//! Post-render, the whole run: scan the input into the spool ([`crate::scan`]), decide
//! ([`crate::decide`]), render what the decision writes ([`generated`], the step every front
//! end shares), and write the generated Namespaces, the spooled input and the other generated
//! documents to the caller's writer, only on success.

use crate::decide::{decide, Decision, Place};
use crate::diag::{Code, Diagnostic};
use crate::plan::Target;
use crate::render;
use crate::scan::{input_origin, scan_input_in, Scan, ScanFailed, Wanted, PARALLEL_AFTER};
use crate::spool::Spool;
use crate::values::features::Features;
use std::io::{self, Read, Write};

pub use crate::decide::{newline_keeps_meaning, Settings};

/// The result of a successful run.
#[derive(Debug)]
pub struct Outcome {
    /// Warnings and infos.
    pub diagnostics: Vec<Diagnostic>,
    /// Generated objects actually written (a Namespace already in the input is skipped).
    pub written: Vec<String>,
}

/// The answer when every input document was dropped: never an empty success on non-empty input.
pub const NOTHING_LEFT: &[u8] =
    b"# spaces-postrender: every input document was output of an earlier run that these values no longer generate; nothing is left\n";

/// What a run learned before writing anything: the scan of the input and the decision. Every
/// front end (post-render, the exec plugin, the KRM function, `why`) gets here the same way.
#[derive(Debug)]
pub struct Prepared {
    pub scan: Scan,
    pub decision: Decision,
}

/// Scan `input` (named `source` in messages), writing its untouched documents to `out`, then
/// decide. On failure, the scan's problems and the decision's come back together: every problem at
/// once.
pub fn prepare(
    input: impl Read,
    out: &mut dyn Write,
    settings: &Settings,
    f: &Features,
    source: &str,
) -> Result<Prepared, Vec<Diagnostic>> {
    prepare_in(input, out, settings, f, source, &|_| false)
}

/// [`prepare`] for a run that answers for one package of several: `other_package(document)`
/// says whether an input document belongs to another package (see [`crate::scan::scan_input_in`]).
pub fn prepare_in(
    input: impl Read,
    out: &mut dyn Write,
    settings: &Settings,
    f: &Features,
    source: &str,
    other_package: &dyn Fn(usize) -> bool,
) -> Result<Prepared, Vec<Diagnostic>> {
    let wanted = Wanted::new(f, settings.target);
    match scan_input_in(input, out, &wanted, source, PARALLEL_AFTER, other_package) {
        Ok(scan) => decide(settings, f, &scan).map(|decision| Prepared { scan, decision }),
        Err(ScanFailed { scan, mut errors }) => {
            if let Err(more) = decide(settings, f, &scan) {
                errors.extend(more);
            }
            Err(errors)
        }
    }
}

/// One generated document of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The planned object (its index in the decision's plan).
    pub index: usize,
    pub place: Place,
    /// The input document of an earlier run's copy it takes the place of, if any.
    pub replaces: Option<usize>,
    /// `spaces-postrender/<target>/<kind>-<name>.yaml`.
    pub source: String,
    /// The YAML document, starting with `---` and ending with a line break.
    pub text: String,
}

/// The documents a decision writes, rendered: the one step after the decision that every
/// front end (post-render, `generate`, the KRM function) takes, and the objects `why` reports
/// as generated ([`Decision::written`]). `keep(document)` gives the annotations of an earlier
/// run's copy in that input document, which the new object keeps unless it sets them itself.
pub fn generated(
    decision: &Decision,
    target: Target,
    style: render::Style,
    keep: &dyn Fn(usize) -> Vec<(String, String)>,
) -> Result<Vec<Generated>, render::RenderError> {
    decision
        .written()
        .map(|(i, p)| {
            let replaces = decision.replaces[i];
            let kept = replaces.map(keep).unwrap_or_default();
            let text = if kept.is_empty() {
                render::render(target, p, style)?
            } else {
                let mut p = p.clone();
                for (k, v) in kept {
                    if !p.annotations.iter().any(|(a, _)| *a == k) {
                        p.annotations.push((k, v));
                    }
                }
                render::render(target, &p, style)?
            };
            Ok(Generated {
                index: i,
                place: decision.place[i],
                replaces,
                source: render::source_name(target, p),
                text,
            })
        })
        .collect()
}

/// How much of the first document written [`Lead`] keeps: enough to see a boundary line, a
/// byte-order mark and directives after a few comment lines.
const LEAD: usize = 4096;

/// A writer that passes everything on and keeps the start of what it was given (the first
/// document of the output, bounded by [`LEAD`]).
struct Lead<'w> {
    out: &'w mut dyn Write,
    head: Vec<u8>,
}

impl Write for Lead<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let room = LEAD - self.head.len();
        self.head.extend_from_slice(&buf[..buf.len().min(room)]);
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A reader that keeps the first bytes it reads (enough to see a byte-order mark).
struct Opening<R> {
    input: R,
    head: Vec<u8>,
}

impl<R: Read> Read for Opening<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        let room = BOM.len() - self.head.len();
        self.head.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}

/// A UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether `text` starts with a document boundary line (`---` then a line break, a space, a
/// tab or the end).
fn starts_with_boundary(text: &[u8]) -> bool {
    text.starts_with(b"---") && matches!(text.get(3), None | Some(b'\n' | b'\r' | b' ' | b'\t'))
}

/// Whether `text` opens with a YAML directive (`%YAML 1.1`) after blank and comment lines.
fn starts_with_directive(text: &[u8]) -> bool {
    for line in text.split(|b| *b == b'\n') {
        match line.trim_ascii().first() {
            None | Some(b'#') => {}
            Some(_) => return line.first() == Some(&b'%'),
        }
    }
    false
}

/// A writer that drops the first `skip` bytes it is given.
struct Skip<'w> {
    out: &'w mut dyn Write,
    skip: usize,
}

impl Write for Skip<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let n = self.skip.min(buf.len());
        self.skip -= n;
        self.out.write_all(&buf[n..])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Post-render: input manifests in, input plus generated manifests out (into `out` only on
/// success). Generated Namespaces come first (Helm 3 and `kubectl apply` create objects in the
/// order written, so a Namespace must precede what lives in it); the input documents follow
/// byte for byte, in their order; the other generated objects follow them.
pub fn run(
    input: impl Read,
    out: &mut dyn Write,
    settings: &Settings,
    f: &Features,
) -> Result<Outcome, Vec<Diagnostic>> {
    let mut spool = Spool::default();
    let mut lead = Lead {
        out: &mut spool,
        head: Vec::new(),
    };
    let mut input = Opening {
        input,
        head: Vec::new(),
    };
    let Prepared { scan, decision } =
        prepare(&mut input, &mut lead, settings, f, "standard input")?;
    let head = lead.head;
    let input_bom = input.head.starts_with(BOM);
    let helm4 = settings.helm4_env || scan.helm4_input;
    let style = render::Style {
        helm4_annotation: helm4,
        source_comment: !scan.helm4_input,
    };
    let docs = generated(&decision, settings.target, style, &|_| Vec::new())
        .map_err(|e| vec![Diagnostic::error(Code::Render, "", e.to_string())])?;
    let line_break = decision.line_break_after_input(&scan)?;
    let diagnostics = decision.notes;
    let written = docs.iter().map(|d| d.source.clone()).collect();
    let (first, last): (Vec<Generated>, Vec<Generated>) =
        docs.into_iter().partition(|d| d.place == Place::First);
    let write_err = |e: io::Error| vec![crate::spool::write_failure(&e)];
    if line_break {
        spool.write_all(b"\n").map_err(write_err)?;
    }
    for d in &last {
        spool.write_all(d.text.as_bytes()).map_err(write_err)?;
    }
    // A byte-order mark belongs to the start of the stream: it stays there, before the
    // Namespaces, and the input's first document follows them without it.
    let bom = if !first.is_empty() && head.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let rest = &head[bom..];
    // (Also when the input's first document, which held it, was dropped as an earlier run's
    // Namespace.)
    let write_bom = !first.is_empty() && (bom > 0 || input_bom);
    if !first.is_empty() && starts_with_directive(rest) {
        return Err(vec![Diagnostic::error(
            Code::DirectiveFirst,
            "",
            "the first input document starts with a YAML directive (%YAML or %TAG), which may only open a stream, and the generated Namespace must come before the input",
        )
        .at(Some(input_origin(
            (1..).find(|d| !scan.dropped.contains(d)).unwrap_or(1),
            1,
            &None,
        )))
        .hint("remove the directive: Kubernetes' own YAML reader does not read it either")]);
    }
    if first.is_empty() && spool.len == 0 && scan.bytes > 0 {
        spool.write_all(NOTHING_LEFT).map_err(write_err)?;
    }
    if write_bom {
        out.write_all(BOM).map_err(write_err)?;
    }
    for d in &first {
        out.write_all(d.text.as_bytes()).map_err(write_err)?;
    }
    // The input's first document may have no boundary line of its own.
    if !first.is_empty() && !rest.is_empty() && !starts_with_boundary(rest) {
        out.write_all(b"---\n").map_err(write_err)?;
    }
    spool
        .copy_to(&mut Skip { out, skip: bom })
        .map_err(write_err)?;
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
}
