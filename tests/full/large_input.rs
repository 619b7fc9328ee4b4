//! Large input under a memory limit. Here, not in the hermetic tier: it writes an 83 MB file
//! and pushes it through the unoptimised test build of the binary three times (about 20 s on
//! two cores), the largest single cost of `cargo test`.

use crate::common::{bin, root};
use std::process::Command;

/// A ResourceList of `n` ConfigMap items (about 630 bytes each), as kpt writes one.
fn big_resource_list(n: usize) -> String {
    let mut s = String::with_capacity(n * 640 + 512);
    s.push_str("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..n {
        s.push_str(&format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    namespace: default\n    annotations:\n      config.kubernetes.io/index: \"{i}\"\n      internal.config.kubernetes.io/path: cm-{i}.yaml\n  data:\n"));
        for j in 0..8 {
            s.push_str(&format!(
                "    key-{j}: value-{i}-{j}-abcdefghijklmnopqrstuvwxyz\n"
            ));
        }
    }
    s.push_str("functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    features.alpha.argocdPlugin.enabled: \"true\"\n");
    s
}

/// Issue "Integrity III", item 10, as reported: an 83 MB ResourceList under a 300 MB
/// address-space limit (where post-render handles 80 MB) aborted. It is answered now; and
/// under a limit too small to hold the list, the answer is a diagnostic and exit 1 with nothing
/// on stdout, never an abort.
#[test]
fn a_large_resource_list_is_answered_under_a_memory_limit_never_aborted() {
    let list = big_resource_list(132_000);
    assert!(list.len() > 83_000_000, "{}", list.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("list.yaml");
    std::fs::write(&input, &list).expect("write");
    let output = dir.path().join("out.yaml");
    let run = |limit_kb: usize, via_pipe: bool| {
        let redirect = if via_pipe {
            format!("cat '{}' |", input.display())
        } else {
            String::new()
        };
        let stdin = if via_pipe {
            String::new()
        } else {
            format!("< '{}'", input.display())
        };
        Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{redirect} (ulimit -v {limit_kb}; exec '{}' {stdin} > '{}')",
                bin().display(),
                output.display()
            ))
            .current_dir(root())
            .output()
            .expect("bash")
    };
    let o = run(300_000, false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let out = std::fs::read_to_string(&output).expect("output");
    assert!(out.starts_with(&list[..list.find("functionConfig:").unwrap_or(0)]));
    assert!(out.contains("generated Role argocd/spaces-argocd-plugin"));
    // Too little memory for the list itself: said, exit 1, nothing on stdout; from a file and
    // from a pipe (which gives no size to reserve).
    for via_pipe in [false, true] {
        let o = run(60_000, via_pipe);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "pipe {via_pipe}: {stderr}");
        assert!(stderr.contains("does not fit"), "{stderr}");
        assert_eq!(std::fs::metadata(&output).expect("output").len(), 0);
    }
}
