//! `validate`: check values only.

use super::{finish_report, load_checked, print_report, Io, ValuesArgs};
use crate::diag::{Format, Report};
use crate::{EXIT_INVALID, EXIT_OK};

pub(super) fn validate(
    io: &mut Io,
    args: &ValuesArgs,
    show_values: bool,
    strict: bool,
    format: Format,
) -> i32 {
    let mut report = Report::default();
    let loaded = load_checked(io, args, &mut report, true);
    let failed = finish_report(&mut report, strict) || loaded.is_none();
    report.sort_by_source();
    if show_values {
        if let Some((l, _)) = &loaded {
            let s = serde_json::to_string_pretty(&l.values).unwrap_or_default();
            let _ = writeln!(io.stdout, "{s}");
        }
    }
    if format == Format::Human {
        // Diagnostics (and, on failure, the count of errors) on stderr, as everywhere. On
        // success the verdict is the command's result: on stdout, so that `validate 2>/dev/null`
        // still says what was checked, unless stdout carries the values (`--show-values`).
        let _ = io.stderr.write_all(report.to_human_then("").as_bytes());
        if let (false, Some((l, _))) = (failed, &loaded) {
            let line = verdict(leaves(&l.effective), report.warning_count());
            let w: &mut dyn std::io::Write = if show_values { io.stderr } else { io.stdout };
            let _ = writeln!(w, "{line}");
        }
    } else {
        print_report(io, &report, format, !show_values);
    }
    report
        .exit_code()
        .max(if failed { EXIT_INVALID } else { EXIT_OK })
}

/// The success line: how many values were checked (a command that checked nothing must not read
/// like one that checked something) and how many warnings were printed above it.
fn verdict(values: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let checked = if values == 0 {
        "ok: no values set, nothing to check".to_string()
    } else {
        format!("ok: {} checked", plural(values, "value"))
    };
    if warnings == 0 {
        checked
    } else {
        format!("{checked}, {}", plural(warnings, "warning"))
    }
}

/// How many values (leaves: scalars, empty maps and lists below the top) a values tree holds;
/// an empty tree holds none.
fn leaves(v: &serde_json::Value) -> usize {
    fn below(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(m) if !m.is_empty() => m.values().map(below).sum(),
            serde_json::Value::Array(a) if !a.is_empty() => a.iter().map(below).sum(),
            _ => 1,
        }
    }
    match v {
        serde_json::Value::Object(m) => m.values().map(below).sum(),
        other => below(other),
    }
}
