//! `validate`: check values only.

use super::{finish_report, load_checked, print_report, Io, ValuesArgs};
use spaces_postrender::diag::{Format, Report};
use spaces_postrender::{EXIT_INVALID, EXIT_OK};

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
    if show_values {
        if let Some((l, _)) = &loaded {
            let s = serde_json::to_string_pretty(&l.values).unwrap_or_default();
            let _ = writeln!(io.stdout, "{s}");
        }
    }
    if format == Format::Human {
        // Say what was checked: silence would not tell a success from a command that did
        // nothing. Always on stderr, so `--show-values` output stays clean JSON.
        let mut text = report.to_human_then("");
        if let (false, Some((l, _))) = (failed, &loaded) {
            let problems = report
                .items
                .iter()
                .filter(|d| d.severity != spaces_postrender::diag::Severity::Info)
                .count();
            text.push_str(&format!(
                "ok: {} value{} checked, {problems} problem{}\n",
                leaves(&l.effective),
                if leaves(&l.effective) == 1 { "" } else { "s" },
                if problems == 1 { "" } else { "s" }
            ));
        }
        let _ = io.stderr.write_all(text.as_bytes());
    } else {
        print_report(io, &report, format, !show_values);
    }
    if failed {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// How many values (leaves: scalars, empty maps and lists) a values tree holds.
fn leaves(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) if !m.is_empty() => m.values().map(leaves).sum(),
        serde_json::Value::Array(a) if !a.is_empty() => a.iter().map(leaves).sum(),
        _ => 1,
    }
}
