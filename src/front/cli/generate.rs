//! `generate`: the generated objects alone, to stdout, a file, or compared with a golden file.
//!
//! Every run prints one report, last: its diagnostics in source order, a stale golden file's
//! diff with the diagnostic it belongs to, then (human format) the summary line.

use super::{checked_features, finish_report, print_report, settings, Io, RunArgs};
use crate::diag::{Code, Diagnostic, Report};
use crate::front::guard;
use crate::pipeline;
use crate::EXIT_OK;

/// The paths a run of `run` reads: values files and `--set-file` sources.
fn inputs(run: &RunArgs) -> Vec<String> {
    let mut all = run.values.values.clone();
    all.extend(guard::set_file_paths(&run.values.set_file));
    all
}

pub(super) fn generate(
    io: &mut Io,
    run: &RunArgs,
    check: Option<&str>,
    output: Option<&str>,
) -> i32 {
    let mut report = Report::default();
    // The command line's paths first: when one is wrong nothing is read or written.
    let target = match output.map(|o| (o, guard::output_file(o, &inputs(run)))) {
        Some((o, Err(bad))) => {
            report.push(bad.diagnostic("--output", o));
            None
        }
        Some((_, Ok(t))) => Some(t),
        None => None,
    };
    if let Some(Err(bad)) = check.map(|c| guard::output_file(c, &[])) {
        report.push(bad.diagnostic("--check", check.unwrap_or_default()));
    }
    if report.has_errors() {
        return done(io, &report, run);
    }
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
            return done(io, &report, run);
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
        return done(io, &report, run);
    }
    if let Some(file) = check {
        if let Err(m) = crate::golden::check(file, &buf) {
            let mut d = m.diagnostic;
            if let Some(diff) = m.diff {
                let color = run.diagnostics == crate::diag::Format::Human
                    && crate::golden::use_color(io.stderr_is_terminal, io.env);
                d = d.detail(if color {
                    crate::golden::colorize(&diff)
                } else {
                    diff
                });
            }
            report.push(d);
        }
        return done(io, &report, run);
    }
    if let (Some(file), Some(target)) = (output, target) {
        if let Err(e) = crate::golden::write_atomic(&target, &buf) {
            report.push(Diagnostic::error(
                Code::WriteOutput,
                "",
                format!("cannot write {file}: {e}"),
            ));
        }
        return done(io, &report, run);
    }
    let code = done(io, &report, run);
    if code == EXIT_OK && io.stdout.write_all(&buf).is_err() {
        return crate::EXIT_INVALID;
    }
    code
}

/// Print the run's one report; its exit code.
fn done(io: &mut Io, report: &Report, run: &RunArgs) -> i32 {
    print_report(io, report, run.diagnostics, false);
    report.exit_code()
}
