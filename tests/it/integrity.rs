//! Every input object survives, exactly (SPEC §3, §5): regression tests for the defects an
//! outside adversarial run found (issue "Integrity"). Each test pins exit code, stdout and the
//! words of stderr that matter; each reproduced its defect before the fix.

use crate::common;
use common::{bin, root, run};
use std::process::{Command, Stdio};

const ON: &str = "features.alpha.argocdPlugin.enabled=true";
const MARKER: &str = "spaces-postrender.dev/generated";

fn out(o: &std::process::Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn cm(name: &str, marker: bool) -> String {
    let labels = if marker {
        format!("  labels:\n    {MARKER}: \"true\"\n")
    } else {
        String::new()
    };
    format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n{labels}data:\n  a: \"1\"\n")
}

fn deployment(ns: &str, sa: &str) -> String {
    format!("---\n# Source: spaces/templates/controller.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: spaces-controller\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      serviceAccountName: {sa}\n")
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

// 1. A marker-labelled object whose identity the tool never generates is the user's.
#[test]
fn marker_on_a_foreign_identity_passes_through() {
    let input = format!("{}{}", cm("mine", true), cm("other", false));
    for args in [&[][..], &["--set", ON][..]] {
        let (code, stdout, stderr) = out(&run(args, input.as_bytes(), &[]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.starts_with(&input), "input not kept: {stdout}");
        assert!(!stderr.contains("removed"), "{stderr}");
    }
    // A marker-labelled Role of another name, and a ConfigMap named like a generated Role.
    let role = format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: mine\n  namespace: argocd\n  labels:\n    {MARKER}: \"true\"\nrules: []\n");
    let same_name = format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    {MARKER}: \"true\"\n");
    let input = format!("{role}{same_name}");
    let (code, stdout, _) = out(&run(&[], input.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (0, input.as_str()));
}

// 2. Non-empty input never gives an empty success.
#[test]
fn own_output_with_the_features_off_leaves_a_comment_and_says_what_was_removed() {
    let generated = run(&["generate", "--set", ON], b"", &[]);
    assert_eq!(generated.status.code(), Some(0));
    assert!(!generated.stdout.is_empty());
    let (code, stdout, stderr) = out(&run(&[], &generated.stdout, &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("# spaces-postrender:"), "{stdout:?}");
    assert_eq!(count(&stdout, "\n"), 1, "only the comment line: {stdout:?}");
    assert!(
        stderr.contains("removed 2 object(s)")
            && stderr.contains("Role argocd/spaces-argocd-plugin")
            && stderr.contains("RoleBinding argocd/spaces-argocd-plugin"),
        "{stderr}"
    );
    // With the feature on, the same input is replaced: the output equals the input.
    let (code, stdout, stderr) = out(&run(&["--set", ON], &generated.stdout, &[]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.as_bytes(), &generated.stdout[..]);
    assert!(!stderr.contains("removed"), "{stderr}");
}

fn list(items: &[&str]) -> String {
    let mut s = String::from("---\napiVersion: v1\nkind: List\nitems:\n");
    for i in items {
        s.push_str("- ");
        s.push_str(&i.replace('\n', "\n  "));
        s.push('\n');
    }
    s
}

const OWN_ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    spaces-postrender.dev/generated: \"true\"\nrules: []";
const FOREIGN_ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\nrules: []";
const PLAIN_CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  namespace: default";

// 3. Lists: replaced when they hold only the tool's objects, refused when mixed, conflicts seen.
#[test]
fn lists_are_replaced_refused_or_conflict() {
    let own_only = list(&[OWN_ROLE]);
    let (code, stdout, stderr) = out(&run(&["--set", ON], own_only.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        count(&stdout, "\nkind: Role\n"),
        1,
        "Role duplicated: {stdout}"
    );
    assert!(!stdout.contains("kind: List"));

    let mixed = list(&[OWN_ROLE, PLAIN_CM]);
    let (code, stdout, stderr) = out(&run(&["--set", ON], mixed.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("generated-in-list") && stderr.contains("Role argocd/spaces-argocd-plugin"),
        "{stderr}"
    );

    let foreign = list(&[FOREIGN_ROLE, PLAIN_CM]);
    let (code, stdout, stderr) = out(&run(&["--set", ON], foreign.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("error[conflict]"), "{stderr}");
}

fn manifests_with(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/dev/stdin", dir.path().join("link")).expect("symlink");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{link}", &dir.path().join("link").display().to_string()))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    out(&run(&args, stdin, &[]))
}

// 5. Standard input under another name cannot be a values file when it carries manifests.
#[test]
fn stdin_under_any_name_is_refused_as_values() {
    let input = format!("{}{}", cm("a", false), cm("b", false));
    for args in [
        &["-f", "/dev/stdin"][..],
        &["-f", "/proc/self/fd/0"][..],
        &["-f", "/dev/fd/0"][..],
        &["-f", "{link}"][..],
        &["--set-file", "x={link}"][..],
        &["why", "-f", "/dev/stdin", "--input", "-"][..],
        &["why", "-f", "-", "--input", "/dev/fd/0"][..],
    ] {
        let (code, stdout, stderr) = manifests_with(args, input.as_bytes());
        assert_eq!((code, stdout.as_str()), (1, ""), "{args:?}: {stderr}");
        assert!(stderr.contains("standard input"), "{args:?}: {stderr}");
    }
}

// 6. Empty serviceAccountName / namespace mean absent; nothing is checked when nothing binds.
#[test]
fn empty_subject_fields_mean_absent() {
    let d = deployment("\"\"", "\"\"");
    let (code, stdout, stderr) = out(&run(&[], d.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (0, d.as_str()), "{stderr}");
    let (code, stdout, stderr) = out(&run(&["--set", ON], d.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(
            "- kind: ServiceAccount\n  name: \"default\"\n  namespace: \"upbound-system\"\n"
        ),
        "{stdout}"
    );
    // An invalid subject is refused only when the generated RBAC binds it.
    let bad = deployment("Not_Valid", "sa");
    assert_eq!(run(&[], bad.as_bytes(), &[]).status.code(), Some(0));
    let (code, stdout, stderr) = out(&run(&["--set", ON], bad.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("bad-subject"), "{stderr}");
    // A DNS subdomain part may be longer than 63 characters (Kubernetes' rule).
    let long = deployment("ns", &format!("{}.x", "a".repeat(64)));
    let (code, _, stderr) = out(&run(&["--set", ON], long.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
}

// 8. Endless input is an error with a message, never an abort.
#[test]
fn endless_input_fails_cleanly_under_a_memory_limit() {
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 1500000; exec '{}' --set {ON} < /dev/zero",
            bin().display()
        ))
        .current_dir(root())
        .output()
        .expect("bash");
    let (code, stdout, stderr) = out(&o);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains("error[read-input]"), "{stderr}");
}

fn to_full(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let o = Command::new(bin())
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

// 9 and 16. A failed or impossible write says so and fails, for every command.
#[test]
fn failed_writes_say_so_and_exit_1() {
    for args in [
        &["generate", "--set", ON][..],
        &["validate", "--set", ON, "--show-values"][..],
        &["schema"][..],
        &["why", "--set", ON][..],
        &["--help"][..],
        &["--version"][..],
        &["completions", "bash"][..],
    ] {
        let (code, stderr) = to_full(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{args:?}: {stderr}");
    }
    // Post-render into a pipe whose reader left after the first line: the failed write is said
    // once, and the summary says the output is incomplete (part of it was written).
    let big: String = (0..20_000)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("in.yaml");
    std::fs::write(&file, &big).expect("write");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' --set {ON} < '{}' | head -c 1 >/dev/null",
            bin().display(),
            file.display()
        ))
        .output()
        .expect("bash");
    let (code, _, stderr) = out(&o);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("error[write-output]").count(), 1, "{stderr}");
    assert!(
        stderr.ends_with("; the output is incomplete: do not apply it\n"),
        "{stderr}"
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("exec '{}' schema >&-", bin().display()))
        .output()
        .expect("bash");
    let (code, _, stderr) = out(&o);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("standard output is closed"), "{stderr}");
}

// 10. A ResourceList is recognised by the first document's top-level kind, not by text.
#[test]
fn a_kind_line_inside_a_value_is_not_a_resource_list() {
    let input = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: docs\ndata:\n  example: |\n    apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
    // (The last line is at column 0: the block scalar ends and `kind` is a duplicate key.)
    let (code, _, stderr) = out(&run(&[], input.as_bytes(), &[]));
    assert_ne!(code, 2, "taken for a ResourceList: {stderr}");
    let input = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: docs\ndata:\n  example: |\n    kind: ResourceList\n  other: \"x\n\n    kind: ResourceList\"\n";
    let (code, stdout, stderr) = out(&run(&[], input.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (0, input), "{stderr}");
}

// 11. Two spaces-controller Deployments may not decide the subject.
#[test]
fn two_controller_deployments_are_an_error_naming_both() {
    let input = format!("{}{}", deployment("a", "sa"), deployment("b", "sb"));
    let (code, stdout, stderr) = out(&run(&["--set", ON], input.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("two-controllers")
            && stderr.contains("the input has 2 Deployments named spaces-controller")
            && stderr.contains("input document 1")
            && stderr.contains("input document 2"),
        "{stderr}"
    );
    let flag = ["--set", ON, "--controller-service-account", "a/sa"];
    assert_eq!(run(&flag, input.as_bytes(), &[]).status.code(), Some(0));
    assert_eq!(run(&[], input.as_bytes(), &[]).status.code(), Some(0));
}

// 12. Appending never changes the meaning of a last document without a final line break.
#[test]
fn no_final_newline_keeps_the_last_document_meaning() {
    let block =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  run: |\n    echo hi";
    let (code, stdout, stderr) = out(&run(&["--set", ON], block.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("no-final-newline"), "{stderr}");
    // Nothing appended: nothing to change, the bytes pass.
    let (code, stdout, _) = out(&run(&[], block.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (0, block));
    // A plain last line gains the line break it needs, and the documents follow.
    let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s";
    let (code, stdout, stderr) = out(&run(&["--set", ON], plain.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("{plain}\n---\n")), "{stdout}");
}

// 16. Messages name the right thing.
#[test]
fn why_names_the_input_file_it_cannot_read() {
    let (code, stdout, stderr) = out(&run(&["why", "--set", ON, "--input", "/"], b"", &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("in /") && !stderr.contains("standard input"),
        "{stderr}"
    );
}

#[test]
fn a_terminal_on_stdin_is_a_usage_error() {
    // `script` gives the child a terminal on stdin; skip nothing: it is in util-linux.
    let o = Command::new("script")
        .args(["-qec"])
        .arg(format!("'{}' --set {ON}", bin().display()))
        .arg("/dev/null")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux)");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("standard input is a terminal"), "{text}");
    assert_eq!(o.status.code(), Some(2), "{text}");
}

// A chart object without a namespace lands in the release namespace, which may be the one the
// tool generates into: it conflicts (a mutant that ignored it survived the first mutation run).
#[test]
fn a_namespace_less_look_alike_conflicts() {
    let role = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\nrules: []\n";
    let (code, stdout, stderr) = out(&run(&["--set", ON], role.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("error[conflict]") && stderr.contains("<release namespace>"),
        "{stderr}"
    );
}

// A setting of the external cluster given as null is not "set": no info about it being ignored.
#[test]
fn a_null_setting_is_not_reported_as_ignored() {
    let (code, _, stderr) = out(&run(
        &[
            "validate",
            "--set",
            "features.alpha.argocdPlugin.target.externalCluster.secret.name=null",
        ],
        b"",
        &[],
    ));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("ignored"), "{stderr}");
    let (_, _, stderr) = out(&run(
        &[
            "validate",
            "--set",
            "features.alpha.argocdPlugin.target.externalCluster.secret.name=x",
        ],
        b"",
        &[],
    ));
    assert!(stderr.contains("info[ignored]"), "{stderr}");
}

// Only the apps/v1 Deployment named spaces-controller decides the subject: not another
// Deployment, not another kind with that name.
#[test]
fn only_the_spaces_controller_deployment_decides_the_subject() {
    let other = deployment("elsewhere", "wrong").replace("name: spaces-controller", "name: other");
    let cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: spaces-controller\n  namespace: nowhere\n";
    let input = format!("{other}{cm}{}", deployment("ctl", "right"));
    let (code, stdout, stderr) = out(&run(&["--set", ON], input.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("  name: \"right\"\n  namespace: \"ctl\"\n"),
        "{stdout}"
    );
}

// A chart's own secrets-reader look-alike in the controller namespace conflicts (external on).
#[test]
fn a_reader_look_alike_in_the_controller_namespace_conflicts() {
    let reader = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-kubeconfig-reader\n  namespace: ctl\nrules: []\n";
    let input = format!("{}{reader}", deployment("ctl", "sa"));
    let ext = [
        "--set",
        ON,
        "--set",
        "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
    ];
    let (code, stdout, stderr) = out(&run(&ext, input.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("error[conflict]")
            && stderr.contains("Role ctl/spaces-argocd-kubeconfig-reader"),
        "{stderr}"
    );
    // In another namespace it is no conflict.
    let input = input.replace("namespace: ctl\nrules", "namespace: other\nrules");
    assert_eq!(run(&ext, input.as_bytes(), &[]).status.code(), Some(0));
}

// The info about removed objects names ten and counts the rest (memory stays bounded).
#[test]
fn removed_objects_are_named_up_to_ten() {
    let mut input = String::new();
    for i in 0..12 {
        input.push_str(&format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: old-{i}\n  labels:\n    {MARKER}: \"true\"\n"));
    }
    let (code, stdout, stderr) = out(&run(&["--target", "control-plane"], input.as_bytes(), &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("# spaces-postrender:"), "{stdout}");
    assert!(stderr.contains("removed 12 object(s)"), "{stderr}");
    assert!(stderr.contains("Namespace old-9 and 2 more"), "{stderr}");
    assert!(!stderr.contains("old-10"), "{stderr}");
}

// A stream of nothing but Helm hooks (Helm 4.2's SDK can post-render hooks in a call of their
// own) passes through unchanged with nothing generated, also in Helm 4's form.
#[test]
fn a_hooks_only_stream_passes_unchanged() {
    let hook = "---\n# Source: spaces/templates/pre-upgrade-job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec: {}\n";
    let (code, stdout, stderr) = out(&run(&["--set", ON], hook.as_bytes(), &[]));
    assert_eq!((code, stdout.as_str()), (0, hook), "{stderr}");
    assert!(stderr.contains("info[hooks-only]"), "{stderr}");
    let helm4 = "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-upgrade\n    postrenderer.helm.sh/postrender-filename: spaces/templates/pre-upgrade-job.yaml\nspec: {}\n";
    let env = [("HELM_PLUGIN_NAME", "spaces-postrender")];
    let (code, stdout, stderr) = out(&run(&["--set", ON], helm4.as_bytes(), &env));
    assert_eq!((code, stdout.as_str()), (0, helm4), "{stderr}");
    // A hook beside other objects does not stop generation.
    let mixed = format!("{hook}{}", cm("a", false));
    let (code, stdout, _) = out(&run(&["--set", ON], mixed.as_bytes(), &[]));
    assert_eq!(code, 0);
    assert!(stdout.contains("kind: Role\n"), "{stdout}");
}
