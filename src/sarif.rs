//! SARIF 2.1.0 output of diagnostics (`validate --diagnostics sarif`), so code-review tools
//! (GitHub code scanning, GitLab, SARIF viewers) annotate the values file.
//!
//! A small typed model of the part of SARIF used here, serialised with serde. `serde-sarif`
//! 0.8 (the maintained SARIF crate) was considered: it generates the whole SARIF object model
//! at build time (schemafy, syn 1, prettyplease, typed-builder, strum: about 30 more crates and
//! a build script) for the dozen fields written here. Validity is instead checked where it
//! matters: `tests/it/sarif.rs` validates real output against the official OASIS SARIF 2.1.0
//! schema (vendored under `tests/schemas/`).
//!
//! Mapping: one `result` per diagnostic; `ruleId` = the diagnostic's stable code (one rule per
//! [`Code`], with `ruleIndex` into `tool.driver.rules`); `level` from the severity (info ->
//! `note`); a diagnostic from a values file has `physicalLocation` = that file (a relative URI
//! as given on the command line) and `region.startLine`/`startColumn` (1-based, Unicode code
//! points: `columnKind` = `unicodeCodePoints`); one from a `--set` argument, a flag or the
//! input stream has no physical location and names its source in the message
//! (`[from --set argument 2]`). The values path is a `logicalLocation`.

use crate::diag::{Code, Diagnostic, Origin, Report, Severity};
use serde::Serialize;

/// The schema URI written into `$schema`: the OASIS Standard (Errata 01) schema.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    /// Our columns count Unicode code points (SARIF's default is UTF-16 code units).
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
    /// The diagnostic's detail (a golden file's diff), in the result's property bag.
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct Properties<'a> {
    detail: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encode a file path as a URI reference: a relative path stays relative (GitHub code
/// scanning resolves it against the repository root), an absolute one becomes a `file:` URI.
/// Returns `None` for names that are not paths (`<stdin>`). A backslash separates directories
/// only on Windows; elsewhere it is part of a name (`a\b.yaml` is one file) and is encoded.
pub fn path_to_uri(path: &str) -> Option<String> {
    uri_of(path, cfg!(windows))
}

fn uri_of(path: &str, windows: bool) -> Option<String> {
    if path.is_empty() || path == "<stdin>" {
        return None;
    }
    let slashed = if windows {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let bytes = slashed.as_bytes();
    let drive = windows
        && bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/';
    let absolute = slashed.starts_with('/') || drive;
    let mut out = String::with_capacity(slashed.len() + 8);
    if absolute {
        out.push_str("file://");
        if drive {
            out.push('/');
        }
    }
    for (i, b) in slashed.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            // A drive letter's colon stays; any other colon could read as a URI scheme.
            || (b == b':' && drive && i == 1);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

fn result<'a>(d: &'a Diagnostic, rule_index: usize) -> SarifResult<'a> {
    let mut text = if d.path.is_empty() {
        d.message.clone()
    } else {
        format!("{}: {}", d.path, d.message)
    };
    let physical = match &d.origin {
        Some(Origin::File { file, line, column }) => {
            path_to_uri(file).map(|uri| PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Region {
                    start_line: (*line).max(1),
                    start_column: (*column).max(1),
                },
            })
        }
        _ => None,
    };
    if let (None, Some(origin)) = (&physical, &d.origin) {
        // `--set argument 2`, `--controller-service-account`, `input document 3 (...)`.
        text.push_str(&format!(" [from {origin}]"));
    }
    if let Some(h) = &d.hint {
        text.push_str(&format!(" (help: {h})"));
    }
    let logical: Vec<LogicalLocation> = if d.path.is_empty() {
        vec![]
    } else {
        vec![LogicalLocation {
            fully_qualified_name: &d.path,
            kind: "member",
        }]
    };
    let locations = if physical.is_none() && logical.is_empty() {
        vec![]
    } else {
        vec![Location {
            physical_location: physical,
            logical_locations: logical,
        }]
    };
    SarifResult {
        rule_id: d.code.as_str(),
        rule_index,
        level: level(d.severity),
        message: Text { text },
        locations,
        properties: d.detail.as_deref().map(|detail| Properties { detail }),
    }
}

/// The SARIF log for a report (pretty JSON with a final newline).
pub fn to_sarif(report: &Report) -> String {
    // One rule per code, in the order of the list (`ruleIndex` is the code's position).
    let rules: Vec<Rule> = Code::ALL
        .iter()
        .map(|c| Rule {
            id: c.as_str().to_string(),
            short_description: Text {
                text: c.description().to_string(),
            },
            default_configuration: Configuration {
                level: c.sarif_level(),
            },
        })
        .collect();
    let mut results = Vec::with_capacity(report.items.len());
    for d in &report.items {
        let index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
        results.push(result(d, index));
    }
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "spaces-postrender",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| String::from("{}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            path_to_uri("values/prod values.yaml").as_deref(),
            Some("values/prod%20values.yaml")
        );
        assert_eq!(
            path_to_uri("/abs/v.yaml").as_deref(),
            Some("file:///abs/v.yaml")
        );
        assert_eq!(path_to_uri("a:b.yaml").as_deref(), Some("a%3Ab.yaml"));
        assert_eq!(
            uri_of(r"C:\v\x.yaml", true).as_deref(),
            Some("file:///C:/v/x.yaml")
        );
        // Elsewhere a backslash is a character of the name, not a separator.
        assert_eq!(uri_of(r"a\b.yaml", false).as_deref(), Some("a%5Cb.yaml"));
        assert_eq!(
            uri_of(r"C:\v\x.yaml", false).as_deref(),
            Some("C%3A%5Cv%5Cx.yaml")
        );
        assert_eq!(path_to_uri("<stdin>"), None);
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
