//! Post-render, the whole run: scan the input into the spool ([`crate::scan`]), decide
//! ([`crate::decide`]), append the generated documents ([`crate::render`]), and copy the spool
//! to the caller's writer only on success.

use crate::decide::{decide, Decision};
use crate::diag::{Code, Diagnostic};
use crate::render;
use crate::scan::{input_origin, scan_input_with, Scan, ScanFailed, Wanted, PARALLEL_AFTER};
use crate::spool::Spool;
use crate::stream;
use crate::values::features::Features;
use std::io::{self, Read, Write};

pub use crate::decide::Settings;

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

/// Whether appending a line break after `bytes` (the last document, which lacks one) keeps its
/// meaning. It does not when the document ends inside a literal or folded block scalar that
/// keeps its final line break (`echo hi` would become `echo hi\n`); any other ending (a plain
/// or quoted scalar, a comment, a `|-` block) reads the same with the break.
pub fn newline_keeps_meaning(bytes: &[u8]) -> bool {
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

/// What a run learned before writing anything: the scan of the input and the decision. Every
/// front end (post-render, the exec plugin, the KRM function, `why`) gets here the same way.
#[derive(Debug)]
pub struct Prepared {
    pub scan: Scan,
    pub decision: Decision,
}

/// Scan `input` (named `source` in messages), writing its untouched documents to `out`, then
/// decide. On failure, the scan's problems and the decision's come back together (SPEC §3).
pub fn prepare(
    input: impl Read,
    out: &mut dyn Write,
    settings: &Settings,
    f: &Features,
    source: &str,
) -> Result<Prepared, Vec<Diagnostic>> {
    let wanted = Wanted::new(f, settings.target);
    match scan_input_with(input, out, &wanted, source, PARALLEL_AFTER) {
        Ok(scan) => decide(settings, f, &scan).map(|decision| Prepared { scan, decision }),
        Err(ScanFailed { scan, mut errors }) => {
            if let Err(more) = decide(settings, f, &scan) {
                errors.extend(more);
            }
            Err(errors)
        }
    }
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
    let Prepared { scan, decision } = prepare(input, &mut spool, settings, f, "standard input")?;
    let Decision {
        plan,
        notes: mut diagnostics,
        write,
        ..
    } = decision;
    // Helm 4.2's SDK can post-render hooks in a call of their own: a stream of nothing but
    // hooks gets no generated objects (they come with the release's other objects).
    let hooks_only = scan.objects > 0 && scan.hooks == scan.objects;
    let write: Vec<bool> = if hooks_only {
        diagnostics.push(Diagnostic::info(
            Code::HooksOnly,
            "",
            format!(
                "every object of the input is a Helm hook ({}): nothing is generated for a hooks-only post-render",
                scan.hooks
            ),
        ));
        vec![false; write.len()]
    } else {
        write
    };
    let helm4 = settings.helm4_env || scan.helm4_input;
    let mut written = Vec::new();
    let write_err = |e: io::Error| {
        vec![Diagnostic::error(
            Code::WriteOutput,
            "",
            crate::spool::write_failure(&e),
        )]
    };
    let appends = write.iter().any(|w| *w);
    if let (true, Some(u)) = (appends, &scan.unterminated) {
        if !newline_keeps_meaning(&u.bytes) {
            return Err(vec![Diagnostic::error(
                Code::NoFinalNewline,
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
            .map_err(|e| vec![Diagnostic::error(Code::Render, "", e)])?;
        spool.write_all(text.as_bytes()).map_err(write_err)?;
        written.push(render::source_name(settings.target, o));
    }
    if plan.objects.is_empty() && !hooks_only {
        diagnostics.push(Diagnostic::info(
            Code::NothingGenerated,
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
}
