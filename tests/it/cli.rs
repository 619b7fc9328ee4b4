//! `schema`: what a case file (tests/cmd) cannot say without a second copy of the schema.
//! Every other informational command (`--help`, `explain`, `validate --show-values`) is a case
//! under tests/cmd.

use crate::common;
use common::{read, run};

#[test]
fn schema_prints_the_embedded_schema() {
    let out = run(&["schema"], b"", &[]);
    assert!(out.status.success());
    assert_eq!(out.stdout, read("schemas/values.schema.json"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}
