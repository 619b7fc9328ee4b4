//! SARIF 2.1.0 output of diagnostics, so code-review tools annotate the values file.
//! Written by hand with serde_json: the available SARIF crates pull in a large generated
//! model for the handful of fields used here.

use crate::diag::{Origin, Report, Severity};
use serde_json::{json, Value};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Every rule id the tool can report, with a short description.
pub const RULES: &[(&str, &str)] = &[
    ("wrong-type", "A value has the wrong type."),
    (
        "unknown-key",
        "A key the schema does not know (often a misspelling).",
    ),
    ("bad-format", "A name does not have the required format."),
    ("too-long", "A name is longer than Kubernetes allows."),
    ("empty", "A required name is empty."),
    (
        "alias-conflict",
        "target.namespace and target.secretNamespace disagree.",
    ),
    (
        "no-effect",
        "A setting has no effect because a feature is off.",
    ),
    ("ignored", "A setting is ignored because a feature is off."),
    ("kube-namespace", "A namespace starts with kube-."),
    ("duplicate-key", "A values file repeats a key."),
    ("yaml-syntax", "A values file is not valid YAML."),
    ("values-file", "A values file cannot be read."),
    ("set-syntax", "A --set argument cannot be parsed."),
    ("invalid", "A value is invalid."),
];

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF log for a report.
pub fn to_sarif(report: &Report) -> String {
    let results: Vec<Value> = report
        .items
        .iter()
        .map(|d| {
            let mut text = if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) };
            if let Some(h) = &d.hint {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut r = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": { "text": text },
            });
            match &d.origin {
                Some(Origin::File { file, line, column }) => {
                    r["locations"] = json!([{
                        "physicalLocation": {
                            "artifactLocation": { "uri": file },
                            "region": { "startLine": line, "startColumn": column }
                        },
                        "logicalLocations": [{ "fullyQualifiedName": d.path, "kind": "member" }]
                    }]);
                }
                Some(other) => {
                    r["message"]["text"] = Value::String(format!("{text} [from {other}]"));
                    if !d.path.is_empty() {
                        r["locations"] = json!([{ "logicalLocations": [{ "fullyQualifiedName": d.path, "kind": "member" }] }]);
                    }
                }
                None => {}
            }
            r
        })
        .collect();
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, desc)| json!({ "id": id, "shortDescription": { "text": desc } }))
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "spaces-postrender",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/spaces-postrender/spaces-postrender",
                "rules": rules
            }},
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
