//! `validate --diagnostics sarif|json` (SPEC §9): SARIF 2.1.0 valid against the official
//! schema (vendored in `tests/schemas/`, see its README for the source), one result per
//! diagnostic at the diagnostic's line and column, stable rule ids.

use crate::common;
use common::Out;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_spaces-postrender");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BAD: &str = "fixtures/why/bad.yaml";

fn run(args: &[&str]) -> Out {
    common::run_out(args, b"", &[])
}

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join("tests/schemas").join(name))
        .expect("vendored SARIF schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// RFC 3986 URI-reference characters: unreserved, reserved, or a `%HH` escape.
fn uri_reference(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

/// Validate against the official OASIS SARIF 2.1.0 (Errata 01) schema with the draft its
/// `$schema` names (draft-04), checking formats (`uri`, `uri-reference`, `date-time`) too.
pub(crate) fn assert_valid_sarif(log: &Value) {
    let official = schema("sarif-schema-2.1.0.json");
    assert_eq!(
        official["$schema"], "http://json-schema.org/draft-04/schema#",
        "the OASIS errata01 schema is draft-04"
    );
    let v4 = jsonschema::draft4::options()
        .should_validate_formats(true)
        // `uri-reference` is a draft-06 format that draft-04 does not know; check it here.
        .with_format("uri-reference", uri_reference)
        .build(&official)
        .expect("the official schema compiles");
    let errors: Vec<String> = v4
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0 (draft-04 schema): {errors:#?}"
    );
}

#[test]
fn the_schema_check_catches_invalid_sarif() {
    // The validation above must be able to fail: a log with a bad level and a 0 line.
    let bad = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{
            "ruleId": "r", "level": "fatal", "message": { "text": "m" },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": "v.yaml" }, "region": { "startLine": 0 } } }]
        }] }]
    });
    let r = std::panic::catch_unwind(|| assert_valid_sarif(&bad));
    assert!(r.is_err(), "an invalid SARIF log must not pass");
    // Formats are checked: a path with a space is not a URI reference.
    let unencoded = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{
            "ruleId": "r", "level": "error", "message": { "text": "m" },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": "prod values/v.yaml" }, "region": { "startLine": 1 } } }]
        }] }]
    });
    let r = std::panic::catch_unwind(|| assert_valid_sarif(&unencoded));
    assert!(r.is_err(), "an unencoded URI must not pass");
}

#[test]
fn bad_values_file_gives_valid_sarif_at_the_diagnostics_positions() {
    let sarif = run(&["validate", "-f", BAD, "--diagnostics", "sarif"]);
    assert_eq!(sarif.code, 1, "invalid values exit 1");
    assert_eq!(sarif.stderr, "", "SARIF goes to stdout, nothing on stderr");
    let log: Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");

    let json = run(&["validate", "-f", BAD, "--diagnostics", "json"]);
    assert_eq!(json.code, 1);
    assert_eq!(
        json.stderr, "",
        "--diagnostics json goes to stdout for validate"
    );
    let diags: Value = serde_json::from_str(&json.stdout).expect("JSON diagnostics");
    let diags = diags["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(
        diags.len(),
        4,
        "three errors and the warning that eso is not a key of the newest Spaces: {diags:#?}"
    );

    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "spaces-postrender");
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), diags.len(), "one result per diagnostic");
    for (r, d) in results.iter().zip(diags) {
        assert_eq!(r["ruleId"], d["code"]);
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], d["code"], "ruleIndex points at the rule");
        let level = match d["severity"].as_str().expect("severity") {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], level);
        let loc = &r["locations"][0];
        let phys = &loc["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], BAD);
        assert_eq!(phys["region"]["startLine"], d["origin"]["line"]);
        assert_eq!(phys["region"]["startColumn"], d["origin"]["column"]);
        assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], d["path"]);
        let text = r["message"]["text"].as_str().expect("text");
        assert!(
            text.contains(d["message"].as_str().expect("message")),
            "{text}"
        );
    }
    // The positions are the real ones in fixtures/why/bad.yaml.
    let first = &results[0];
    assert_eq!(first["ruleId"], "wrong-type");
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({ "startLine": 4, "startColumn": 16 })
    );
    // `enable` under argocdPlugin: a likely misspelling of a key the tool acts on is an error.
    let misspelt = results
        .iter()
        .find(|r| r["ruleId"] == "misspelt-key")
        .expect("a misspelt-key result");
    assert_eq!(misspelt["level"], "error");
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
}

#[test]
fn set_diagnostics_have_no_physical_location_but_name_the_argument() {
    // `--set-string` never infers a bool, so this is an error from the second argument.
    let out = run(&[
        "validate",
        "--set-string",
        "features.alpha.eso.namespace=external-secrets",
        "--set-string",
        "features.alpha.eso.enabled=true",
        "--diagnostics",
        "sarif",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let r = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("--set-string argument 2"))
        })
        .unwrap_or_else(|| panic!("a result names --set-string argument 2: {results:#?}"));
    assert_eq!(r["level"], "error");
    for r in results {
        let locs = r["locations"].as_array().cloned().unwrap_or_default();
        assert!(
            locs.iter().all(|l| l.get("physicalLocation").is_none()),
            "no file location for --set diagnostics: {r:#}"
        );
    }
}

#[test]
fn clean_values_give_an_empty_valid_log() {
    let out = run(&[
        "validate",
        "-f",
        "fixtures/why/on-cluster.yaml",
        "--diagnostics",
        "sarif",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn paths_needing_escapes_stay_valid_uris() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("prod values");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::copy(Path::new(ROOT).join(BAD), sub.join("v#1.yaml")).expect("copy");
    let o = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "validate",
            "-f",
            "prod values/v#1.yaml",
            "--diagnostics",
            "sarif",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let log: Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "prod%20values/v%231.yaml"
    );
}

#[test]
fn every_code_is_a_rule_with_its_level_and_description() {
    // Rules come from the one list of codes (diag::Code), so a new code is a new rule; check
    // what a SARIF reader sees: ids unique, a description each, infos declared as notes.
    use spaces_postrender::diag::Code;
    let out = run(&["validate", "--diagnostics", "sarif"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    assert!(
        log["runs"][0]["tool"]["driver"]
            .get("informationUri")
            .is_none(),
        "no placeholder URL"
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    for (r, c) in rules.iter().zip(Code::ALL) {
        assert_eq!(r["id"], c.as_str());
        assert!(
            r["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| t.len() > 10),
            "{c}"
        );
        assert_eq!(r["defaultConfiguration"]["level"], c.sarif_level(), "{c}");
    }
    let level = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["defaultConfiguration"]["level"].clone())
    };
    assert_eq!(level("generated"), Some(serde_json::json!("note")));
    assert_eq!(level("removed"), Some(serde_json::json!("note")));
    assert_eq!(level("unknown-key"), Some(serde_json::json!("warning")));
    assert_eq!(level("conflict"), Some(serde_json::json!("error")));
}
