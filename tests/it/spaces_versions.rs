//! The schema against its two sources, and the per-version key check.
//!
//! - `schemas/values.schema.json` is what `values::schema::regenerate` makes of it: the flags of
//!   the feature table (`values::features::FEATURES`) with the table's types and defaults, and
//!   every other feature that a Spaces Helm reference lists (`schemas/spaces-versions.json`)
//!   known by name with the newest reference's default. `UPDATE_GOLDEN=1 cargo test --locked
//!   --test it spaces_versions` rewrites the schema; otherwise a stale schema fails with a diff.
//! - every leaf of the schema under a feature this tool acts on is a flag of the table, and the
//!   other way round;
//! - `--spaces-version` (CLI) and `spacesVersion` (config objects) select the keys checked.

use crate::common;

use common::{golden_check, run_out};
use serde_json::Value;
use spaces_postrender::values::features::{self, FlagType, ALPHA};
use spaces_postrender::values::{schema, versions};

#[test]
fn schema_is_generated_from_the_feature_table_and_the_versions_data() {
    let file: Value = serde_json::from_str(schema::SCHEMA_TEXT).expect("schema parses");
    let generated = schema::regenerate(&file);
    let mut text = serde_json::to_string_pretty(&generated).expect("serialises");
    text.push('\n');
    if let Err(e) = golden_check("schemas/values.schema.json", text.as_bytes()) {
        panic!("{e}");
    }
}

/// Every leaf (a node without `properties`) under `node`, with its dotted path.
fn leaves(path: &str, node: &Value, out: &mut Vec<(String, Value)>) {
    match node.get("properties").and_then(Value::as_object) {
        Some(props) => {
            for (k, c) in props {
                leaves(&format!("{path}.{k}"), c, out);
            }
        }
        None => out.push((path.to_string(), node.clone())),
    }
}

#[test]
fn every_flag_of_the_schema_is_in_the_feature_table_and_back() {
    let mut in_schema = vec![];
    for f in features::FEATURES {
        let path = format!("{ALPHA}.{}", f.key);
        let segs: Vec<&str> = path.split('.').collect();
        let node = schema::node_for(&segs).unwrap_or_else(|| panic!("{path} is not in the schema"));
        leaves(&path, node, &mut in_schema);
    }
    assert!(in_schema.len() >= 9, "{in_schema:?}");
    for (path, node) in &in_schema {
        let flag = features::flag_at(path)
            .unwrap_or_else(|| panic!("{path} is in the schema but not in features::FEATURES"));
        assert_eq!(
            node.get("default"),
            Some(&flag.default.to_json()),
            "{path}: schema default"
        );
        match flag.ty {
            FlagType::Bool => assert_eq!(node["type"], "boolean", "{path}"),
            ty => assert_eq!(node["$ref"].as_str(), ty.schema_ref(), "{path}"),
        }
    }
    for (path, _, _) in features::all_flags() {
        assert!(
            in_schema.iter().any(|(p, _)| *p == path),
            "{path} is in features::FEATURES but not in the schema (add it with a description)"
        );
    }
}

#[test]
fn explain_shows_the_newest_references_defaults() {
    let out = run_out(&["explain", "features.alpha", "--format", "json"], b"", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fields: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let default_of = |p: &str| {
        fields
            .as_array()
            .and_then(|a| a.iter().find(|f| f["path"] == p))
            .map(|f| f["default"].clone())
            .unwrap_or_else(|| panic!("{p} not explained"))
    };
    assert_eq!(default_of("features.alpha.sharedSecrets.enabled"), true);
    assert_eq!(default_of("features.alpha.spaceBackup.enabled"), true);
    assert_eq!(default_of("features.alpha.hostNamespace.enabled"), false);
}

/// (args, exit code, text stderr must contain)
fn case(args: &[&str], code: i32, want: &str) {
    let out = run_out(args, b"", &[]);
    assert_eq!(out.code, code, "{args:?}\n{}", out.stderr);
    assert!(
        out.stderr.contains(want),
        "{args:?}: stderr lacks {want:?}:\n{}",
        out.stderr
    );
    assert!(
        out.stdout.is_empty() || code == 0,
        "{args:?}: {}",
        out.stdout
    );
}

#[test]
fn a_key_the_selected_version_lacks_is_a_warning_naming_the_versions() {
    // Gone: listed up to 1.5, not in the newest reference.
    case(
        &["validate", "--set", "features.alpha.kine.enabled=true"],
        0,
        "warning[spaces-version] features.alpha.kine (--set argument 1): the Spaces 1.17 (1.17.1) Helm chart has no `kine` feature (upbound/docs docs/reference/spaces-helm-reference.md@98e1d71): last listed for Spaces 1.5, gone from the reference of 1.6 on",
    );
    case(
        &[
            "validate",
            "--strict",
            "--set",
            "features.alpha.kine.enabled=true",
        ],
        1,
        "error[spaces-version] features.alpha.kine",
    );
    // The selected version has it: clean.
    let out = run_out(
        &[
            "validate",
            "--spaces-version",
            "1.5",
            "--set",
            "features.alpha.kine.enabled=true",
        ],
        b"",
        &[],
    );
    assert_eq!(out.code, 0);
    assert!(!out.stderr.contains("spaces-version"), "{}", out.stderr);
    // A replacement the release notes name.
    case(
        &[
            "validate",
            "--set",
            "features.alpha.sharedBackup.enabled=true",
        ],
        0,
        "help: nothing to set: shared backups are GA and cannot be turned off since 1.14",
    );
    // Added later than the selected version.
    case(
        &["validate", "--spaces-version", "1.16", "--set", "features.alpha.hostNamespace.enabled=true"],
        0,
        "has no `hostNamespace` feature (upbound/docs docs/reference/spaces-helm-reference.md@d3e472a): first listed for Spaces 1.17 (1.17.1)",
    );
    // A version without a reference of its own is checked against the one before it.
    case(
        &[
            "validate",
            "--spaces-version",
            "1.10",
            "--set",
            "features.alpha.hostNamespace.enabled=true",
        ],
        0,
        "the Spaces 1.8 Helm chart has no `hostNamespace` feature",
    );
    // The misspelling rule still holds for keys the tool acts on, whatever the version.
    case(
        &[
            "validate",
            "--spaces-version",
            "1.2",
            "--set",
            "features.alpha.argocdplugin.enabled=true",
        ],
        1,
        "error[misspelt-key] features.alpha.argocdplugin",
    );
}

#[test]
fn the_eso_key_names_its_move_in_spaces_1_2() {
    case(
        &["validate", "--set", "features.alpha.eso.enabled=true"],
        0,
        "last listed for Spaces 1.1, gone from the reference of 1.2 on",
    );
    case(
        &["validate", "--set", "features.alpha.eso.enabled=true"],
        0,
        "help: Spaces 1.2 replaced it with the top-level `eso.enabled`",
    );
}

#[test]
fn a_bad_spaces_version_is_a_usage_error() {
    for bad in ["latest", "1", "1.x", "1.0", "0.9"] {
        let out = run_out(&["validate", "--spaces-version", bad], b"", &[]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("--spaces-version"),
            "{bad}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    for mode in [&["generate"][..], &["why", "--input", "-"][..], &[][..]] {
        let mut args = mode.to_vec();
        args.extend(["--spaces-version", "nope"]);
        let out = run_out(&args, b"", &[]);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn the_version_reaches_generate_why_and_post_render() {
    let input = common::read(common::root().join("fixtures/input/spaces.yaml"));
    for mode in [&["generate"][..], &["why", "--input", "-"][..], &[][..]] {
        for (version, warned) in [(None, true), (Some("1.2"), false)] {
            let mut args = mode.to_vec();
            if let Some(v) = version {
                args.extend(["--spaces-version", v]);
            }
            args.extend(["--set", "features.alpha.kine.enabled=true"]);
            let out = run_out(&args, &input, &[]);
            assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
            assert_eq!(
                out.stderr.contains("warning[spaces-version]"),
                warned,
                "{args:?}: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn eso_on_a_current_space_says_the_namespace_is_not_needed() {
    let args = [
        "generate",
        "--target",
        "control-plane",
        "--set",
        "features.alpha.eso.enabled=true",
    ];
    let out = run_out(&args, b"", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("kind: Namespace"),
        "the legacy path still generates"
    );
    assert!(
        out.stderr.contains("info[eso-legacy] features.alpha.eso.enabled (--set argument 1): the ESO Namespace generated for --target control-plane is not needed on Spaces 1.17"),
        "{}",
        out.stderr
    );
    // On Spaces 1.1, the API it belongs to: neither the note nor the version warning.
    let mut old = args.to_vec();
    old.extend(["--spaces-version", "1.1", "--strict"]);
    let out = run_out(&old, b"", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kind: Namespace"));
    assert!(!out.stderr.contains("eso-legacy"), "{}", out.stderr);
    assert!(!out.stderr.contains("spaces-version"), "{}", out.stderr);
}

#[test]
fn newest_reference_is_1_17_1_and_lists_the_current_features() {
    let newest = versions::data().versions.last().expect("versions");
    assert_eq!(newest.reference.release.as_deref(), Some("1.17.1"));
    let names: Vec<&str> = newest.features.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "apollo",
            "argocdPlugin",
            "hostNamespace",
            "observability",
            "sharedSecrets",
            "simulations",
            "spaceBackup",
            "topologies",
            "upboundControllers",
            "upboundRBAC"
        ]
    );
}

/// A KRM ResourceList whose SpacesPostRender config turns ESO on, with `spacesVersion` when given.
fn krm_eso(version: Option<&str>) -> String {
    let v = version
        .map(|v| format!("  spacesVersion: {v:?}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: spaces-postrender.dev/v1alpha1\n  kind: SpacesPostRender\n  metadata:\n    name: spaces\n{v}  target: control-plane\n  set: [\"features.alpha.eso.enabled=true\"]\nitems: []\n"
    )
}

#[test]
fn the_config_objects_select_the_version_too() {
    let newest = run_out(&[], krm_eso(None).as_bytes(), &[]);
    assert_eq!(newest.code, 0, "{}", newest.stdout);
    assert!(
        newest.stdout.contains("spaces-version"),
        "{}",
        newest.stdout
    );
    let old = run_out(&[], krm_eso(Some("1.1")).as_bytes(), &[]);
    assert_eq!(old.code, 0, "{}", old.stdout);
    assert!(!old.stdout.contains("spaces-version"), "{}", old.stdout);
    assert!(!old.stdout.contains("eso-legacy"), "{}", old.stdout);
    let bad = run_out(&[], krm_eso(Some("nope")).as_bytes(), &[]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(bad.stdout.contains("config-value"), "{}", bad.stdout);
    assert!(bad.stdout.contains("spacesVersion"), "{}", bad.stdout);
}
