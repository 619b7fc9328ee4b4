//! Standard output on an open `/dev/null`, and the output spool's temporary directory.

use crate::common::{bin, root, run_out};
use std::process::{Command, Stdio};

/// Standard output on `/dev/null` opened read-write (Python's `subprocess.DEVNULL`, Go's
/// `os/exec` with no Stdout) is open: the run succeeds. A closed descriptor is still refused.
#[test]
fn stdout_on_dev_null_opened_read_write_is_open() {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    let o = Command::new(bin())
        .arg("schema")
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(null)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("exec '{}' schema >&-", bin().display()))
        .current_dir(root())
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output is closed"), "{stderr}");
}

/// A stream larger than the spool's memory with a `TMPDIR` that does not exist: the message
/// names the spool and TMPDIR, not a failure to write the output, and nothing is written.
#[test]
fn a_bad_tmpdir_names_the_spool_and_tmpdir() {
    let doc = format!(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: {}\n",
        "x".repeat(1000)
    );
    let n = (spaces_postrender::spool::SPOOL_MEMORY / doc.len()) + 100;
    let input = doc.repeat(n);
    let o = run_out(&[], input.as_bytes(), &[("TMPDIR", "/nonexistent/tmp")]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);
    assert!(o.stderr.contains("spool"), "{}", o.stderr);
    assert!(
        o.stderr.contains("/nonexistent/tmp (TMPDIR)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("cannot write output"), "{}", o.stderr);
}

/// `--set kN[65536]=1` two hundred times (3 KB of arguments) under a 1 GB address-space limit:
/// a diagnostic about the indexes and exit 1, never an abort; the same through a KRM ConfigMap.
#[test]
fn many_large_set_indexes_are_bounded_in_total() {
    let mut args = String::new();
    for i in 0..200 {
        args.push_str(&format!(" --set 'k{i}[65536]=1'"));
    }
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 1000000; exec '{}' generate{args}",
            bin().display()
        ))
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(o.stdout.is_empty());
    assert!(stderr.contains("error[set-syntax]"), "{stderr}");
    assert!(stderr.contains("elements"), "{stderr}");
    // A few such indexes are fine: Helm's per-index limit, not the total, applies.
    let o = run_out(
        &["generate", "--set", "k[65536]=1", "--set", "j[65536]=1"],
        b"",
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The KRM function reads the same --set paths from a ConfigMap's data.
    let mut data = String::new();
    for i in 0..200 {
        data.push_str(&format!("    k{i}[65536]: '1'\n"));
    }
    let list = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c}}\n  data:\n{data}");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("list.yaml");
    std::fs::write(&path, list).expect("write");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 1000000; exec '{}' < '{}'",
            bin().display(),
            path.display()
        ))
        .current_dir(root())
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("elements"), "{stderr}");
}

/// In a ResourceList not written by kpt, the comment just before item 2 stays when item 1 is
/// stale output and removed, and the items kept come back byte for byte.
#[test]
fn a_comment_before_an_item_stays_when_the_item_before_is_removed() {
    let stale = "- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata:\n    name: spaces-argocd-kubeconfig-reader\n    namespace: upbound-system\n    labels:\n      spaces-postrender.dev/generated: \"true\"\n  rules: []\n";
    let kept = "# about the ConfigMap\n\n# and a second line\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: kept\n  data:\n    s: |+\n      keep\n\n";
    let list = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: spaces-postrender.dev/v1alpha1\n  kind: SpacesPostRender\n  metadata:\n    name: c\n  values: {{}}\nitems:\n{stale}{kept}");
    let o = run_out(&[], list.as_bytes(), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("items:\n{kept}")),
        "{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("kubeconfig-reader\n    namespace"),
        "{}",
        o.stdout
    );
}

/// Issue "Integrity III", item 11, as reported (with 100,000 copies instead of a million):
/// `--target control-plane` with eso on and many copies of the planned Namespace in the input.
/// The copies are skipped and counted, not kept: one info line says so, with the count; the
/// same in KRM mode (one result).
#[test]
fn copies_of_the_planned_namespace_are_counted_and_said_once() {
    const N: usize = 100_000;
    let ns = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: external-secrets\n";
    let input = ns.repeat(N);
    let args = [
        "--target",
        "control-plane",
        "--set",
        "features.alpha.eso.enabled=true",
    ];
    let o = run_out(&args, input.as_bytes(), &[]);
    assert_eq!(o.code, 0, "{}", &o.stderr[..o.stderr.len().min(2000)]);
    assert!(
        o.stdout == input,
        "the input is not passed through unchanged"
    );
    let lines: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("namespace-present"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", &o.stderr[..o.stderr.len().min(2000)]);
    assert!(lines[0].contains(&format!("{N} copies")), "{}", lines[0]);
    // KRM: one result about them.
    let item = "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: external-secrets\n";
    let list = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations:\n      spaces-postrender.dev/target: control-plane\n  data:\n    features.alpha.eso.enabled: \"true\"\nitems:\n{}", item.repeat(N));
    let o = run_out(&[], list.as_bytes(), &[]);
    assert_eq!(o.code, 0, "{}", &o.stderr[..o.stderr.len().min(2000)]);
    assert_eq!(
        o.stdout.matches("already has Namespace").count(),
        1,
        "{}",
        &o.stdout[o.stdout.len().saturating_sub(3000)..]
    );
    assert!(o.stdout.contains(&format!("{N} copies")));
    assert!(o.stdout.contains(&format!("items:\n{}", item.repeat(N))));
}
