//! `generate`: the generated objects alone, to stdout, a file, or compared with a golden file.

use super::{checked_features, finish_report, print_report, settings, Io, RunArgs};
use spaces_postrender::diag::{Code, Diagnostic, Report};
use spaces_postrender::pipeline;
use spaces_postrender::{EXIT_INVALID, EXIT_OK};

pub(super) fn generate(
    io: &mut Io,
    run: &RunArgs,
    check: Option<&str>,
    output: Option<&str>,
) -> i32 {
    let mut report = Report::default();
    let features = match checked_features(io, run, &mut report, true) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    let mut buf = Vec::new();
    match pipeline::run(std::io::empty(), &mut buf, &settings, &features) {
        Ok(outcome) => report.extend(outcome.diagnostics),
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            return EXIT_INVALID;
        }
    }
    if buf.is_empty() {
        buf = format!(
            "# spaces-postrender: no objects for target {} with these values\n",
            run.target.as_str()
        )
        .into_bytes();
    }
    if finish_report(&mut report, run.strict) {
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    print_report(io, &report, run.diagnostics, false);
    if let Some(file) = check {
        let Err(m) = spaces_postrender::golden::check(file, &buf) else {
            return EXIT_OK;
        };
        let report = Report {
            items: vec![m.diagnostic],
        };
        print_report(io, &report, run.diagnostics, false);
        if let Some(diff) = m.diff {
            let color = spaces_postrender::golden::use_color(io.stderr_is_terminal, io.env);
            let diff = if color {
                spaces_postrender::golden::colorize(&diff)
            } else {
                diff
            };
            let _ = io.stderr.write_all(diff.as_bytes());
        }
        return EXIT_INVALID;
    }
    if let Some(file) = output {
        return match spaces_postrender::golden::write_atomic(file, &buf) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                let report = Report {
                    items: vec![Diagnostic::error(
                        Code::WriteOutput,
                        "",
                        format!("cannot write {file}: {e}"),
                    )],
                };
                print_report(io, &report, run.diagnostics, false);
                EXIT_INVALID
            }
        };
    }
    if io.stdout.write_all(&buf).is_err() {
        return EXIT_INVALID;
    }
    EXIT_OK
}
