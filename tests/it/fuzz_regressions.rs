//! Replays the inputs kept from fuzzing (`tests/fuzz/regressions/<target>/`) through the same
//! checks the fuzz targets make, so what the fuzzers found stays fixed. Run the fuzzers with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz -O <target>` (see README).

#[path = "../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/regressions")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let data = std::fs::read(e.path()).expect("read");
        check(&data);
        n += 1;
    }
    n
}

#[test]
fn split_regressions() {
    assert!(replay("split", checks::split) >= 10);
}

#[test]
fn set_parser_regressions() {
    assert!(replay("set_parser", checks::set_parser) >= 10);
}

#[test]
fn values_loader_regressions() {
    assert!(replay("values_loader", checks::values_loader) >= 10);
}

#[test]
fn krm_layout_regressions() {
    assert!(replay("krm_layout", checks::krm_layout) >= 10);
}
