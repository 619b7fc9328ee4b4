//! `explain`: the values fields, from the schema.

use super::Io;
use crate::values::schema;
use crate::{EXIT_OK, EXIT_USAGE};

pub(super) fn explain(io: &mut Io, path: Option<&str>, json: bool) -> i32 {
    let p = path.unwrap_or("");
    // Only what the schema lists is interpreted (its top-level keys lead to everything it
    // reads); every other key of a Spaces values file is accepted and ignored.
    let top = p.split('.').next().unwrap_or("");
    let interpreted = schema::node_for(&[top]).is_some();
    if !p.is_empty() && !interpreted {
        let _ = writeln!(
            io.stdout,
            "{p}: not interpreted by spaces-postrender\n    A value of the Spaces chart itself: accepted in values files and --set flags and\n    ignored, so a whole Spaces values file can be passed. `spaces-postrender explain`\n    lists the fields this tool reads."
        );
        return EXIT_OK;
    }
    let Some(fields) = schema::fields(p) else {
        let known: Vec<String> = schema::fields("")
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.path)
            .collect();
        // Compare the last segment with its siblings: the shared prefix of whole paths would
        // dominate the score (`features.alpha.nope` is not `features.alpha.kine`).
        let (parent, last) = p.rsplit_once('.').unwrap_or(("", p));
        let siblings: Vec<String> = known
            .iter()
            .filter_map(|k| {
                let (kp, kl) = k.rsplit_once('.').unwrap_or(("", k));
                (kp == parent).then(|| kl.to_string())
            })
            .collect();
        let hint = schema::suggest(last, &siblings)
            .map(|s| {
                let full = if parent.is_empty() {
                    s
                } else {
                    format!("{parent}.{s}")
                };
                format!(" (did you mean `{full}`?)")
            })
            .unwrap_or_default();
        crate::front::run::say(
            io.stderr,
            &crate::diag::Diagnostic::error(
                crate::diag::Code::UnknownPath,
                "",
                format!("{p} is not a field this tool knows{hint}"),
            )
            .hint("run `spaces-postrender explain` for all fields"),
        );
        return EXIT_USAGE;
    };
    if json {
        let _ = writeln!(
            io.stdout,
            "{}",
            serde_json::to_string_pretty(&fields).unwrap_or_default()
        );
        return EXIT_OK;
    }
    for f in fields {
        let _ = writeln!(io.stdout, "{}  ({}, default {})", f.path, f.ty, f.default);
        for line in textwrap(&f.description, 76) {
            let _ = writeln!(io.stdout, "    {line}");
        }
    }
    EXIT_OK
}

fn textwrap(s: &str, width: usize) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
