//! Fuzz target `values_loader`: see `checks::values_loader` for what it asserts.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::values_loader(data));
