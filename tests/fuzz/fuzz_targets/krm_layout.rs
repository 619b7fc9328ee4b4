//! Fuzz target `krm_layout`: see `checks::krm_layout` for what it asserts.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::krm_layout(data));
