//! What every front end does with the core's answer: the post-render run shared by the CLI
//! and the kustomize exec plugin (checked values and settings in, the manifest stream through
//! [`pipeline::run`], the report out), and the one way a report or a single problem is printed.

use crate::diag::{Diagnostic, Format, Report};
use crate::front::io::Io;
use crate::pipeline::{self, Settings};
use crate::values::features::Features;
use crate::{EXIT_INVALID, EXIT_OK};
use std::io::Write;

/// Print `report` in `format`, its diagnostics in source order: human text on stderr; JSON and
/// SARIF on stdout when `to_stdout` (a command whose output is the report), else on stderr.
/// A run prints one report (so JSON and SARIF are one document), after everything else it says.
pub fn print_report(io: &mut Io, report: &Report, format: Format, to_stdout: bool) {
    let mut report = report.clone();
    report.sort_by_source();
    let report = &report;
    let text = match format {
        Format::Human => report.to_human(),
        Format::Json => report.to_json(),
        Format::Sarif => crate::sarif::to_sarif(report),
    };
    if text.is_empty() {
        return;
    }
    let w: &mut dyn Write = if to_stdout && format != Format::Human {
        io.stdout
    } else {
        io.stderr
    };
    let _ = w.write_all(text.as_bytes());
}

/// One problem that ends a command before any report exists, in human text on stderr (the
/// kustomize plugin, `install-kustomize-plugin`, a failed write to stdout).
pub fn say(stderr: &mut dyn Write, d: &Diagnostic) {
    let _ = writeln!(stderr, "{d}");
}

/// One problem that ends a command, as that command's one report in `format`; the exit code
/// (2 for a usage error).
pub fn fail(io: &mut Io, d: Diagnostic, format: Format, to_stdout: bool) -> i32 {
    let report = Report { items: vec![d] };
    print_report(io, &report, format, to_stdout);
    report.exit_code()
}

/// Post-render the manifests on `io.stdin` to `io.stdout` with checked values. `report` holds
/// what the values stage said (warnings); `strict` makes warnings errors.
pub fn postrender(
    io: &mut Io,
    features: &Features,
    settings: &Settings,
    strict: bool,
    mut report: Report,
    format: Format,
) -> i32 {
    let code = match pipeline::run(&mut *io.stdin, io.stdout, settings, features) {
        Ok(o) => {
            let mut late = Report {
                items: o.diagnostics,
            };
            if strict {
                late.make_strict();
            }
            let failed = late.has_errors();
            report.extend(late.items);
            if failed {
                EXIT_INVALID
            } else {
                EXIT_OK
            }
        }
        Err(ds) => {
            report.extend(ds);
            EXIT_INVALID
        }
    };
    print_report(io, &report, format, false);
    code
}
