//! `why`: the explanation of a run.

use super::{checked_features, finish_report, print_report, settings, Io, RunArgs};
use crate::diag::{Code, Diagnostic, Report};
use crate::pipeline;
use crate::why::WhyFormat;
use crate::{EXIT_INVALID, EXIT_OK};
use std::io::Read;

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
    let terminal = io.terminal_stdin(
        "--input - reads the rendered manifests",
        "pipe them in (`helm template spaces <chart> | spaces-postrender why ...`), or leave out --input to explain the values alone",
    );
    if let Some(d) =
        terminal.filter(|_| input.is_some_and(|i| crate::front::guard::names_stdin(io.stdin_id, i)))
    {
        report.push(d);
        print_report(io, &report, run.diagnostics, false);
        return report.exit_code();
    }
    let features = match checked_features(io, run, &mut report, true) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    let prepared = match input {
        Some("-") => prepare(&mut *io.stdin, &settings, &features, "standard input"),
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => prepare(
                &mut std::io::BufReader::with_capacity(1 << 20, f),
                &settings,
                &features,
                path,
            ),
            Err(e) => Err(vec![Diagnostic::error(
                Code::ReadInput,
                "",
                format!("cannot read the manifests in {path}: {e}"),
            )
            .at(Some(crate::diag::Origin::Flag {
                flag: format!("--input {path}"),
            }))
            .hint("check the path given to --input")]),
        },
        None if io.stdin_is_terminal || values_from_stdin => prepare(
            &mut std::io::empty(),
            &settings,
            &features,
            "standard input",
        ),
        None => prepare(&mut *io.stdin, &settings, &features, "standard input"),
    };
    let pipeline::Prepared { scan, decision } = match prepared {
        Ok(p) => p,
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            return report.exit_code();
        }
    };
    let explanation = crate::why::explain(&settings, &features, &scan, &decision);
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

/// The scan and decision over rendered manifests read from `input`. A KRM ResourceList there
/// (which post-render mode would hand to the KRM function) is not explained as manifests.
fn prepare(
    input: &mut dyn Read,
    settings: &pipeline::Settings,
    features: &crate::values::features::Features,
    name: &str,
) -> Result<pipeline::Prepared, Vec<Diagnostic>> {
    let head = crate::front::sniff::read_head(input).map_err(|e| {
        vec![Diagnostic::error(
            Code::ReadInput,
            "",
            if name == "standard input" {
                format!("cannot read the manifests on standard input: {e}")
            } else {
                format!("cannot read the manifests in {name}: {e}")
            },
        )]
    })?;
    if crate::front::sniff::is_resource_list(head.first_text()) {
        return Err(vec![Diagnostic::error(
            Code::Usage,
            "",
            format!("{name} is a KRM ResourceList, not rendered manifests: `why` explains a post-render run"),
        )
        .hint("run the KRM function on it (`spaces-postrender krm`), or give `why` the output of `helm template`")]);
    }
    pipeline::prepare(
        (&head.bytes[..]).chain(input),
        &mut std::io::sink(),
        settings,
        features,
        name,
    )
}
