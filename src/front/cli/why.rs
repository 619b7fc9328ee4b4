//! `why`: the explanation of a run.

use super::{checked_features, finish_report, print_report, settings, Io, RunArgs};
use spaces_postrender::diag::{Code, Diagnostic, Report};
use spaces_postrender::pipeline;
use spaces_postrender::why::WhyFormat;
use spaces_postrender::{EXIT_INVALID, EXIT_OK};

/// `why`: the same scan and decision as a post-render run (`pipeline::prepare` into a sink),
/// printed as an explanation instead of rendered.
pub(super) fn why(io: &mut Io, run: &RunArgs, input: Option<&str>, format: WhyFormat) -> i32 {
    let mut report = Report::default();
    let values_from_stdin = run
        .values
        .values
        .iter()
        .chain(&crate::front::guard::set_file_paths(&run.values.set_file))
        .any(|f| crate::front::guard::names_stdin(io.stdin_id, f));
    if values_from_stdin && input.is_some_and(|i| crate::front::guard::names_stdin(io.stdin_id, i))
    {
        report.push(
            Diagnostic::error(
                Code::ValuesFile,
                "",
                "`-f -` and `--input -` cannot both read standard input",
            )
            .hint("write the values or the manifests to a file"),
        );
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    let features = match checked_features(io, run, &mut report, true) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    let prepared = match input {
        Some("-") => pipeline::prepare(
            &mut *io.stdin,
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => pipeline::prepare(
                std::io::BufReader::with_capacity(1 << 20, f),
                &mut std::io::sink(),
                &settings,
                &features,
                path,
            ),
            Err(e) => Err(vec![Diagnostic::error(
                Code::ReadInput,
                "",
                format!("cannot read the manifests in {path}: {e}"),
            )
            .at(Some(spaces_postrender::diag::Origin::Flag {
                flag: format!("--input {path}"),
            }))
            .hint("check the path given to --input")]),
        },
        None if io.stdin_is_terminal || values_from_stdin => pipeline::prepare(
            std::io::empty(),
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
        None => pipeline::prepare(
            &mut *io.stdin,
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
    };
    let pipeline::Prepared { scan, decision } = match prepared {
        Ok(p) => p,
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            return EXIT_INVALID;
        }
    };
    let explanation = spaces_postrender::why::explain(&settings, &features, &scan, &decision);
    report.extend(decision.notes);
    if finish_report(&mut report, run.strict) {
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    print_report(io, &report, run.diagnostics, false);
    let text = match format {
        WhyFormat::Human => explanation.to_human(),
        WhyFormat::Json => explanation.to_json(),
    };
    if io.stdout.write_all(text.as_bytes()).is_err() {
        return EXIT_INVALID;
    }
    EXIT_OK
}
