//! Pass-through fidelity on real rendered charts (`../shared/corpus`, other projects' data, read
//! in place) and on this repository's own fixtures: the output begins with the input bytes
//! exactly, and with every feature off it *is* the input.

use crate::common;
use common::{read, root, run};
use std::path::PathBuf;

fn corpus_files() -> Vec<PathBuf> {
    let dir = root().join("../shared/corpus");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(_) => {
            // CI always has ../shared beside the clone: there its absence is a failure.
            assert!(
                std::env::var("CI").is_err(),
                "../shared/corpus is missing in CI ({})",
                dir.display()
            );
            eprintln!(
                "NOTE: {} is absent: corpus fidelity runs on fixtures/input only",
                dir.display()
            );
            Vec::new()
        }
    };
    files.sort();
    files
}

fn fixture_inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/input"))
        .expect("fixtures/input")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.ends_with("foreign-role.yaml"))
        // Holds the generated objects already: they are replaced, so nothing is added (golden.rs covers it).
        .filter(|p| !p.ends_with("already-post-rendered.yaml"))
        .collect();
    files.sort();
    files
}

fn check_file(path: &PathBuf) {
    let input = read(path);
    let on = run(
        &[
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "features.alpha.eso.enabled=true",
        ],
        &input,
        &[],
    );
    assert!(
        on.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&on.stderr)
    );
    assert!(
        on.stdout.starts_with(&input),
        "{}: output does not begin with the input bytes",
        path.display()
    );
    assert!(
        on.stdout.len() > input.len(),
        "{}: nothing was generated",
        path.display()
    );
    let off = run(&[], &input, &[]);
    assert!(
        off.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&off.stderr)
    );
    assert!(
        off.stdout == input,
        "{}: with every feature off the output must equal the input",
        path.display()
    );
}

#[test]
fn corpus_passes_through_byte_for_byte() {
    let files = corpus_files();
    for f in &files {
        check_file(f);
    }
    if !files.is_empty() {
        assert!(
            files.len() >= 3,
            "expected the three corpus files, found {}",
            files.len()
        );
    }
}

#[test]
fn fixtures_pass_through_byte_for_byte() {
    let files = fixture_inputs();
    assert!(files.len() >= 5);
    for f in &files {
        check_file(f);
    }
}

#[test]
fn corpus_external_secrets_chart_gets_its_namespace_for_the_control_plane() {
    let path = root().join("../shared/corpus/external-secrets-chart.rendered.yaml");
    let Ok(input) = std::fs::read(&path) else {
        assert!(std::env::var("CI").is_err(), "corpus missing in CI");
        return;
    };
    let out = run(
        &[
            "--target",
            "control-plane",
            "--set",
            "features.alpha.eso.enabled=true",
        ],
        &input,
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Namespace comes first (objects in it are created in the order written),
    // then the chart exactly as it was rendered.
    assert!(
        out.stdout.ends_with(&input),
        "the rendered chart must follow unchanged"
    );
    let added = &out.stdout[..out.stdout.len() - input.len()];
    let added = String::from_utf8_lossy(added);
    assert!(
        added.starts_with(
            "---\n# Source: spaces-postrender/control-plane/namespace-external-secrets.yaml\n"
        ),
        "{added}"
    );
    assert_eq!(
        added.matches("kind: ").count(),
        1,
        "exactly one generated document: {added}"
    );
}
