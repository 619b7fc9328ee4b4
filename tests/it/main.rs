//! The hermetic tier: `cargo test --locked`. No root, no network once `cargo fetch` has run,
//! nothing installed, nothing written outside `target/` and the temporary directories the tests
//! remove. One binary, each file a module; `cargo test --locked --test it MODULE` runs one file.

#[path = "../common/mod.rs"]
mod common;

mod bad_inputs;
mod bounds;
mod check;
mod cli;
mod corpus;
mod diagnostics;
mod fuzz_regressions;
mod golden;
mod identify_props;
mod in_process;
mod integrity;
mod integrity_props;
mod krm;
mod krm_values;
mod kube_reading;
mod namespace_alias;
mod namespace_first;
mod no_leak;
mod one_decision;
mod properties;
mod reference_docs;
mod sarif;
mod spaces_versions;
mod stream_props;
mod trust;
mod why;
