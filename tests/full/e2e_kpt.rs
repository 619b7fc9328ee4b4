//! The binary as a KRM function under the real kpt (issue #13): kpt 1.0.0-beta.56, `/usr/bin/kpt`
//! from google-cloud-cli-kpt, present on every machine of this kind, CI included. Never skipped:
//! a missing kpt fails the tests. No container image and no network: kpt runs the binary as an
//! exec function (`kpt fn eval --exec`, a Kptfile `pipeline.mutators[].exec` under
//! `kpt fn render --allow-exec`, and `kpt fn source | BIN | kpt fn sink`).
//!
//! The fixtures are in `tests/fixtures-kpt` (see its README). The main yardstick is an *identity
//! control run*: the same kpt command over a copy of the same package with an exec function that
//! is `cat`. kpt itself re-styles what it reads and writes (comment spacing, sequence indentation),
//! so "byte for byte as it came" means "byte for byte what the identity run leaves", file by file.
//!
//! What kpt does, from its source (kptdev/kpt v1.0.0-beta.56, kustomize kyaml v0.15.0), which the
//! `kpt_*` tests here pin so that a kpt change shows up:
//! - `kpt fn eval --fn-config F` reads F with a `kio.ByteReader` (`GetValidatedFnConfigFromPath`,
//!   pkg/api/kptfile/v1/validation.go): the functionConfig carries only index/seqindent
//!   annotations, nothing that says where F is. `kpt fn render` hands the function the package's
//!   own copy of the config (`runMutators`, internal/util/render/executor.go, `SetFnConfig`), read
//!   by `LocalResources` (internal/pkg/pkg.go) with `config.kubernetes.io/path` (relative to the
//!   package) and `internal.config.kubernetes.io/package-path` (absolute).
//! - With a selector (`--match-kind` ...) kpt annotates every resource with
//!   `internal.config.k8s.io/kpt-resource-id`, sends only the selected ones, and merges the
//!   answer back by that id (`SetResourceIDs`, `SelectInput`, `MergeWithInput`,
//!   internal/fnruntime/utils.go): returned items without an id are appended as new resources,
//!   written to `<namespace>/<kind>_<name>.yaml` (`CreatePathAnnotationValue`, kyaml
//!   kio/kioutil/kioutil.go). The function never sees what it generated before.
//! - Under eval and render kyaml's `FunctionFilter` marks each item with `config.k8s.io/id` and,
//!   by that id, copies the input's comments back onto the returned item and re-syncs its field
//!   order (`copyCommentsAndSyncOrder`, kyaml fn/runtime/runtimeutil/runtimeutil.go); scalar
//!   styles and values (`yes`, `0644`, flow lists) are taken from the function's output as they
//!   are. In the `source | BIN | sink` pipe nothing puts comments back.
//! - A function that exits non-zero: kpt still reads its `results` (`FunctionFilter.Filter`,
//!   kyaml fn/runtime/runtimeutil/runtimeutil.go; `parseStructuredResult`,
//!   internal/fnruntime/runner.go), records them in `--results-dir`, and writes nothing back
//!   (`RunFns.runFunctions`, thirdparty/kyaml/runfn/runfn.go). `kpt fn sink` ignores `results`
//!   altogether and writes whatever `items` it is given (`WriteToOutput`,
//!   internal/util/cmdutil/cmdutil.go).

use crate::common;
use common::{
    assert_ok, bin, copy_tree, file_diff, kpt, kpt_in, output_text, root, run_cmd, tree, utf8, Work,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = "tests/fixtures-kpt";
const MARKER: &str = "spaces-postrender.dev/generated";
/// The function's own config files in the fixture package.
const OWN_CONFIG: &str = "spaces-postrender.yaml";
const CM_CONFIG: &str = "spaces-values.yaml";

/// What the SpacesPostRender config generates (its values file turns the external cluster on).
const OWN_GENERATED: [(&str, &str, &str); 2] = [
    ("Role", "upbound-system", "spaces-argocd-kubeconfig-reader"),
    (
        "RoleBinding",
        "upbound-system",
        "spaces-argocd-kubeconfig-reader",
    ),
];
/// What the ConfigMap config generates.
const CM_GENERATED: [(&str, &str, &str); 2] = [
    ("Role", "argocd", "spaces-argocd-plugin"),
    ("RoleBinding", "argocd", "spaces-argocd-plugin"),
];

/// The package fixtures and scripts of a work area.
trait Fixtures {
    fn package(&self, name: &str, foreign: bool) -> PathBuf;
    fn script(&self, name: &str, body: &str) -> PathBuf;
    fn identity(&self) -> PathBuf;
}

impl Fixtures for Work {
    /// A copy of the fixture package at `name`; with the foreign files when `foreign`.
    fn package(&self, name: &str, foreign: bool) -> PathBuf {
        let p = self.path(name);
        copy_tree(&root().join(FIXTURES).join("pkg"), &p);
        if foreign {
            copy_tree(&root().join(FIXTURES).join("foreign"), &p);
        }
        p
    }

    /// An executable `/bin/sh` script.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        p
    }

    /// The identity function of the control runs.
    fn identity(&self) -> PathBuf {
        self.script("identity-fn", "exec cat")
    }
}

/// The `results.yaml` kpt writes into a `--results-dir`.
fn results_file(dir: &Path) -> Value {
    yaml(&read(&dir.join("results.yaml")), "results.yaml")
}

/// The results of the first (only) function in a `results.yaml`.
fn function_results(list: &Value) -> Vec<Value> {
    list["items"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn failed(what: &str, out: &Output) {
    assert!(
        !out.status.success(),
        "{what} must fail (exit non-zero):\n{}",
        output_text(out)
    );
}

/// Append a one-step `pipeline.mutators` (exec `exec`, config `config`) to the package's Kptfile.
fn add_pipeline(pkg: &Path, exec: &Path, config: &str) {
    let kptfile = pkg.join("Kptfile");
    let mut text = std::fs::read_to_string(&kptfile).unwrap_or_else(|e| panic!("{e}"));
    text.push_str(&format!(
        "pipeline:\n  mutators:\n    - exec: {}\n      configPath: {config}\n",
        utf8(exec)
    ));
    std::fs::write(&kptfile, text).unwrap_or_else(|e| panic!("{e}"));
}

/// Point the symlink `link` at `target` (the Kptfile names the link, so the control run and
/// the real run have byte-equal Kptfiles).
fn point(link: &Path, target: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("{e}"));
}

/// The documents of a YAML stream (`.inf` and friends read as strings: the foreign files hold them).
fn yaml_docs(bytes: &[u8], what: &str) -> Vec<Value> {
    let text = String::from_utf8_lossy(bytes);
    let opts = serde_saphyr::options! {
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
    };
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(&text, opts)
        .unwrap_or_else(|e| panic!("{what} is not YAML: {e}\n{text}"));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn yaml(bytes: &[u8], what: &str) -> Value {
    yaml_docs(bytes, what)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{what} is empty"))
}

/// A file kpt reads as KRM objects (not `.krmignore`, not the Helm values under `values/`).
fn is_krm_file(path: &str) -> bool {
    (path.ends_with(".yaml") || path == "Kptfile") && !path.starts_with("values/")
}

fn kind_ns_name(o: &Value) -> (String, String, String) {
    let st = |v: &Value| v.as_str().unwrap_or("").to_string();
    (
        st(&o["kind"]),
        st(&o["metadata"]["namespace"]),
        st(&o["metadata"]["name"]),
    )
}

fn want_set(want: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = want
        .iter()
        .map(|(k, ns, n)| (k.to_string(), ns.to_string(), n.to_string()))
        .collect();
    v.sort();
    v
}

/// Compare a package after a run of the binary with the identity run's: every file the identity
/// run left is there, byte for byte; the files it did not leave hold exactly the generated
/// objects `want`, each with the marker label. Returns the generated objects.
fn assert_like_identity(
    what: &str,
    control: &Path,
    subject: &Path,
    want: &[(&str, &str, &str)],
) -> Vec<Value> {
    let (c, t) = (tree(control), tree(subject));
    let mut problems = vec![];
    for (path, bytes) in &c {
        match t.get(path) {
            None => problems.push(format!("{path}: missing after the run")),
            Some(got) => {
                let d = file_diff(path, "identity-run", bytes, "spaces-postrender-run", got);
                if !d.is_empty() {
                    problems.push(d);
                }
            }
        }
    }
    let mut generated = vec![];
    for (path, bytes) in t.iter().filter(|(p, _)| !c.contains_key(*p)) {
        for o in yaml_docs(bytes, path) {
            if o["metadata"]["labels"][MARKER] != "true" {
                problems.push(format!(
                    "{path}: a new object without the marker label: {o}"
                ));
            }
            generated.push(o);
        }
    }
    let mut got: Vec<_> = generated.iter().map(kind_ns_name).collect();
    got.sort();
    if got != want_set(want) {
        problems.push(format!(
            "generated objects (in files the identity run does not have): got {got:?}, want {:?}",
            want_set(want)
        ));
    }
    assert!(
        problems.is_empty(),
        "{what}: the package differs from the identity control run:\n{}",
        problems.join("\n")
    );
    generated
}

/// The generated RBAC binds the controller's ServiceAccount from the package's Deployment; the
/// SpacesPostRender config's secrets-reader is limited to the Secret its values file names.
fn check_generated(what: &str, generated: &[Value], own_config: bool) {
    for o in generated {
        if o["kind"] == "RoleBinding" {
            assert_eq!(o["subjects"][0]["name"], "spaces-controller", "{what}: {o}");
            assert_eq!(
                o["subjects"][0]["namespace"], "upbound-system",
                "{what}: {o}"
            );
        }
        if o["kind"] == "Role" && own_config {
            assert_eq!(
                o["rules"][0]["resourceNames"][0], "my-argo-cluster",
                "{what}: the values file's secret name: {o}"
            );
        }
    }
}

/// Run `kpt fn eval . --exec EXEC --fn-config CONFIG` in the package, for the identity function
/// and for `exec`, and compare. The config is in the package: `kpt fn eval` tells the function
/// nothing about where it is, so the package directory is where relative `valuesFiles` resolve.
fn eval_against_identity(what: &str, exec: &str, config: &str, want: &[(&str, &str, &str)]) {
    let w = Work::new();
    let control = w.package("control", true);
    let subject = w.package("subject", true);
    let id = w.identity();
    let out = kpt_in(
        &control,
        &[
            "fn",
            "eval",
            ".",
            "--exec",
            utf8(&id),
            "--fn-config",
            config,
        ],
    );
    assert_ok("identity control run", &out);
    let results = w.path("results");
    let out = kpt_in(
        &subject,
        &[
            "fn",
            "eval",
            ".",
            "--exec",
            exec,
            "--fn-config",
            config,
            "--results-dir",
            utf8(&results),
        ],
    );
    assert_ok(what, &out);
    let generated = assert_like_identity(what, &control, &subject, want);
    check_generated(what, &generated, config == OWN_CONFIG);
    // --results-dir: an info result per generated object, with severity and field path.
    let list = results_file(&results);
    assert_eq!(list["exitCode"], 0, "{what}: {list}");
    let res = function_results(&list);
    let mut infos: Vec<_> = res
        .iter()
        .filter(|r| r["severity"] == "info" && r["field"]["path"] == "metadata.name")
        .map(|r| {
            (
                r["resourceRef"]["kind"].as_str().unwrap_or("").to_string(),
                r["resourceRef"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                r["resourceRef"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    infos.sort();
    assert_eq!(infos, want_set(want), "{what}: results {list}");
    for r in &res {
        assert!(
            matches!(r["severity"].as_str(), Some("error" | "warning" | "info")),
            "{what}: a result without severity: {r}"
        );
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn eval_own_config_leaves_foreign_files_as_an_identity_function_does() {
    eval_against_identity(
        "kpt fn eval --exec BIN --fn-config spaces-postrender.yaml",
        utf8(&bin()),
        OWN_CONFIG,
        &OWN_GENERATED,
    );
}

#[test]
fn eval_krm_subcommand_with_configmap_config_leaves_foreign_files_as_an_identity_function_does() {
    eval_against_identity(
        "kpt fn eval --exec \"BIN krm\" --fn-config spaces-values.yaml",
        &format!("{} krm", utf8(&bin())),
        CM_CONFIG,
        &CM_GENERATED,
    );
}

/// `kpt fn render --allow-exec` with a Kptfile pipeline step, run in the package directory, for
/// the identity function and for the binary (through a symlink the Kptfile names), compared.
fn render_against_identity(what: &str, config: &str, want: &[(&str, &str, &str)]) {
    let w = Work::new();
    let link = w.path("fn");
    let control = w.package("control", true);
    let subject = w.package("subject", true);
    add_pipeline(&control, &link, config);
    add_pipeline(&subject, &link, config);
    point(&link, &w.identity());
    assert_ok(
        "identity control run",
        &kpt_in(&control, &["fn", "render", ".", "--allow-exec"]),
    );
    point(&link, &bin());
    let out = kpt_in(&subject, &["fn", "render", ".", "--allow-exec"]);
    assert_ok(what, &out);
    let generated = assert_like_identity(what, &control, &subject, want);
    check_generated(what, &generated, config == OWN_CONFIG);
}

#[test]
fn render_own_config_leaves_foreign_files_as_an_identity_function_does() {
    render_against_identity(
        "kpt fn render (pipeline exec, configPath: spaces-postrender.yaml)",
        OWN_CONFIG,
        &OWN_GENERATED,
    );
}

#[test]
fn render_configmap_config_leaves_foreign_files_as_an_identity_function_does() {
    render_against_identity(
        "kpt fn render (pipeline exec, configPath: spaces-values.yaml)",
        CM_CONFIG,
        &CM_GENERATED,
    );
}

#[test]
fn eval_data_arguments_work_as_a_configmap_config() {
    // `kpt fn eval --exec BIN -- k=v ...` gives the function a ConfigMap `function-input`
    // with string data (getCLIFunctionConfig, cmdeval.go): the ConfigMap form again.
    let w = Work::new();
    let pkg = w.package("pkg", false);
    let before = tree(&pkg);
    let out = kpt_in(
        &pkg,
        &[
            "fn",
            "eval",
            ".",
            "--exec",
            utf8(&bin()),
            "--",
            "features.alpha.argocdPlugin.enabled=true",
            "features.alpha.argocdPlugin.target.secretNamespace=argocd",
        ],
    );
    assert_ok("kpt fn eval -- k=v", &out);
    let after = tree(&pkg);
    for path in before.keys() {
        assert!(after.contains_key(path), "{path} removed");
    }
    let mut got: Vec<_> = after
        .iter()
        .filter(|(p, _)| !before.contains_key(*p))
        .flat_map(|(p, b)| yaml_docs(b, p))
        .map(|o| kind_ns_name(&o))
        .collect();
    got.sort();
    assert_eq!(got, want_set(&CM_GENERATED), "{}", output_text(&out));
}

#[test]
fn second_run_changes_nothing() {
    let w = Work::new();
    // kpt fn eval, SpacesPostRender config.
    let pkg = w.package("eval", true);
    let bin = bin();
    let eval = [
        "fn",
        "eval",
        ".",
        "--exec",
        utf8(&bin),
        "--fn-config",
        OWN_CONFIG,
    ];
    assert_ok("first kpt fn eval", &kpt_in(&pkg, &eval));
    let first = tree(&pkg);
    assert_ok("second kpt fn eval", &kpt_in(&pkg, &eval));
    assert_same_tree("kpt fn eval, second run", &first, &tree(&pkg));
    // kpt fn render, ConfigMap config.
    let pkg = w.package("render", true);
    add_pipeline(&pkg, &bin, CM_CONFIG);
    let render = ["fn", "render", ".", "--allow-exec"];
    assert_ok("first kpt fn render", &kpt_in(&pkg, &render));
    let first = tree(&pkg);
    assert_ok("second kpt fn render", &kpt_in(&pkg, &render));
    assert_same_tree("kpt fn render, second run", &first, &tree(&pkg));
}

fn assert_same_tree(what: &str, want: &BTreeMap<String, Vec<u8>>, got: &BTreeMap<String, Vec<u8>>) {
    let mut problems = vec![];
    for (path, bytes) in want {
        match got.get(path) {
            None => problems.push(format!("{path}: removed")),
            Some(g) => {
                let d = file_diff(path, "before", bytes, "after", g);
                if !d.is_empty() {
                    problems.push(d);
                }
            }
        }
    }
    for path in got.keys().filter(|p| !want.contains_key(*p)) {
        problems.push(format!(
            "{path}: added:\n{}",
            String::from_utf8_lossy(&got[path])
        ));
    }
    assert!(
        problems.is_empty(),
        "{what} changed the package:\n{}",
        problems.join("\n")
    );
}

#[test]
fn render_values_files_resolve_from_the_config_files_package() {
    // kpt fn render from a directory that is not the package: the config's valuesFiles entry
    // (values/spaces-values.yaml) is relative to the package, which kpt tells the function
    // (internal.config.kubernetes.io/package-path and config.kubernetes.io/path on the config).
    let w = Work::new();
    let pkg = w.package("pkg", false);
    add_pipeline(&pkg, &bin(), OWN_CONFIG);
    let elsewhere = w.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
    let before = tree(&pkg);
    let out = kpt_in(&elsewhere, &["fn", "render", utf8(&pkg), "--allow-exec"]);
    assert_ok("kpt fn render PKG from another directory", &out);
    let after = tree(&pkg);
    let generated: Vec<Value> = after
        .iter()
        .filter(|(p, _)| !before.contains_key(*p))
        .flat_map(|(p, b)| yaml_docs(b, p))
        .collect();
    let mut got: Vec<_> = generated.iter().map(kind_ns_name).collect();
    got.sort();
    assert_eq!(got, want_set(&OWN_GENERATED));
    check_generated("render from elsewhere", &generated, true);
}

#[test]
fn eval_fn_config_values_files_resolve_from_the_working_directory() {
    // The documented limit: `kpt fn eval --fn-config` gives the function no location for the
    // config (research (b)), so valuesFiles resolve from kpt's working directory. From elsewhere
    // the run fails with a diagnostic pointing at valuesFiles[0] and leaves the package as it was.
    let w = Work::new();
    let pkg = w.package("pkg", false);
    let elsewhere = w.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
    let results = w.path("results");
    let before = tree(&pkg);
    let config = pkg.join(OWN_CONFIG);
    let out = kpt_in(
        &elsewhere,
        &[
            "fn",
            "eval",
            utf8(&pkg),
            "--exec",
            utf8(&bin()),
            "--fn-config",
            utf8(&config),
            "--results-dir",
            utf8(&results),
        ],
    );
    failed("kpt fn eval from another directory", &out);
    assert_same_tree("a failed kpt fn eval", &before, &tree(&pkg));
    let list = results_file(&results);
    let res = function_results(&list);
    assert!(
        res.iter().any(|r| r["severity"] == "error"
            && r["field"]["path"] == "valuesFiles[0]"
            && r["message"]
                .as_str()
                .is_some_and(|m| m.contains("values/spaces-values.yaml"))),
        "an error result at valuesFiles[0] naming the file: {list}"
    );
}

#[test]
fn match_kind_deployment_twice_adds_nothing() {
    // Under a selector kpt sends only the Deployment and appends whatever new object the
    // function returns (research (a)); whatever the function does about it, running the same
    // selector twice must not add a second copy of anything.
    let w = Work::new();
    let pkg = w.package("pkg", true);
    let bin = bin();
    let eval = [
        "fn",
        "eval",
        ".",
        "--exec",
        utf8(&bin),
        "--fn-config",
        OWN_CONFIG,
        "--match-kind",
        "Deployment",
    ];
    let before = tree(&pkg);
    let first_out = kpt_in(&pkg, &eval);
    let first = tree(&pkg);
    // The function refuses a selection (it cannot see its earlier output there): kpt fails and
    // the package is untouched, with the reason and the way out in the results.
    failed("kpt fn eval --match-kind Deployment", &first_out);
    let text = output_text(&first_out);
    assert!(
        text.contains("error[selection]") && text.contains("without selectors"),
        "the refusal says why and what to do instead:\n{text}"
    );
    assert_same_tree("a refused selector run", &before, &first);
    let second_out = kpt_in(&pkg, &eval);
    let second = tree(&pkg);
    let mut ids: Vec<_> = second
        .iter()
        .filter(|(p, _)| is_krm_file(p))
        .flat_map(|(p, b)| yaml_docs(b, p))
        .map(|o| kind_ns_name(&o))
        .collect();
    ids.sort();
    let mut dups = ids.clone();
    dups.dedup();
    assert!(
        ids.len() == dups.len() && first == second,
        "a second `kpt fn eval --match-kind Deployment` changed the package (objects now: {ids:?}).\nfirst run:\n{}\nsecond run:\n{}\n{}",
        output_text(&first_out),
        output_text(&second_out),
        {
            let mut d = String::new();
            for (p, b) in &second {
                match first.get(p) {
                    None => d.push_str(&format!("added {p}\n")),
                    Some(f) => d.push_str(&file_diff(p, "first", f, "second", b)),
                }
            }
            d
        }
    );
}

/// Annotations of the functionConfig a dumping function received.
fn dumped_config_annotations(dump: &Path) -> BTreeMap<String, String> {
    let list = yaml(&read(dump), "the dumped ResourceList");
    list["functionConfig"]["metadata"]["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn kpt_gives_the_function_config_a_location_only_under_render() {
    // Research (b), pinned: what kpt puts on the functionConfig.
    let w = Work::new();
    let dump = w.path("dump.yaml");
    let dumper = w.script("dump-fn", &format!("tee '{}'", utf8(&dump)));
    let pkg = w.package("pkg", false);

    // kpt fn eval --fn-config: index and seqindent only; nothing about where the file is.
    assert_ok(
        "kpt fn eval (dump)",
        &kpt_in(
            &pkg,
            &[
                "fn",
                "eval",
                ".",
                "--exec",
                utf8(&dumper),
                "--fn-config",
                OWN_CONFIG,
            ],
        ),
    );
    let anns = dumped_config_annotations(&dump);
    // Those kpt added (the file has config.kubernetes.io/local-config).
    let keys: Vec<&str> = anns
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "config.kubernetes.io/local-config")
        .collect();
    assert_eq!(
        keys,
        [
            "config.kubernetes.io/index",
            "internal.config.kubernetes.io/index",
            "internal.config.kubernetes.io/seqindent"
        ],
        "eval --fn-config: {anns:?}"
    );

    // kpt fn render: the package's own copy, with its path and the package's absolute path.
    add_pipeline(&pkg, &dumper, OWN_CONFIG);
    assert_ok(
        "kpt fn render (dump)",
        &kpt_in(&w.root, &["fn", "render", utf8(&pkg), "--allow-exec"]),
    );
    let anns = dumped_config_annotations(&dump);
    assert_eq!(
        anns.get("config.kubernetes.io/path").map(String::as_str),
        Some(OWN_CONFIG),
        "{anns:?}"
    );
    assert_eq!(
        anns.get("internal.config.kubernetes.io/path")
            .map(String::as_str),
        Some(OWN_CONFIG),
        "{anns:?}"
    );
    assert_eq!(
        anns.get("internal.config.kubernetes.io/package-path")
            .map(String::as_str),
        Some(utf8(&pkg)),
        "{anns:?}"
    );

    // kpt fn source --fn-config: the file's base name as its path, no package path.
    let out = kpt_in(
        &w.root,
        &[
            "fn",
            "source",
            utf8(&pkg),
            "--fn-config",
            utf8(&pkg.join(OWN_CONFIG)),
        ],
    );
    assert_ok("kpt fn source --fn-config", &out);
    let list = yaml(&out.stdout, "kpt fn source output");
    let anns = &list["functionConfig"]["metadata"]["annotations"];
    assert_eq!(anns["config.kubernetes.io/path"], OWN_CONFIG, "{anns}");
    assert!(
        anns.get("internal.config.kubernetes.io/package-path")
            .is_none(),
        "{anns}"
    );
}

#[test]
fn kpt_selector_runs_hide_earlier_output_from_the_function() {
    // Research (a), pinned with a scripted generator (no spaces-postrender involved): under
    // --match-kind, the function sees only the selected items, each marked with
    // internal.config.k8s.io/kpt-resource-id; a returned item without that id is added as
    // <namespace>/<kind>_<name>.yaml; the second run's input carries no trace of the first
    // run's output, so a generator cannot avoid adding a second copy.
    let w = Work::new();
    let generated = w.path("generated.yaml");
    std::fs::write(
        &generated,
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: generated\n    namespace: upbound-system\n  data:\n    from: generator\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dumps = w.path("dumps");
    std::fs::create_dir_all(&dumps).unwrap_or_else(|e| panic!("{e}"));
    let generator = w.script(
        "generator-fn",
        &format!(
            "n=$(ls '{d}' | wc -l)\ntee \"{d}/in-$n.yaml\" | sed '/^items:/r {g}'",
            d = utf8(&dumps),
            g = utf8(&generated)
        ),
    );
    let pkg = w.package("pkg", false);
    let eval = [
        "fn",
        "eval",
        ".",
        "--exec",
        utf8(&generator),
        "--fn-config",
        CM_CONFIG,
        "--match-kind",
        "Deployment",
    ];
    assert_ok("generator, first selector run", &kpt_in(&pkg, &eval));
    let file = pkg.join("upbound-system/configmap_generated.yaml");
    assert_eq!(yaml_docs(&read(&file), "the generated file").len(), 1);
    assert_ok("generator, second selector run", &kpt_in(&pkg, &eval));
    let docs = yaml_docs(&read(&file), "the generated file");
    assert_eq!(
        docs.len(),
        2,
        "kpt now keeps one copy: revisit docs/krm.md ({docs:?})"
    );

    let input = |n: usize| {
        let mut list = yaml(&read(&dumps.join(format!("in-{n}.yaml"))), "a dumped input");
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<_> = items.iter().map(kind_ns_name).collect();
        assert_eq!(
            kinds,
            [(
                "Deployment".into(),
                "upbound-system".into(),
                "spaces-controller".into()
            )],
            "run {n}: only the selected item is sent"
        );
        let mut item = items[0].clone();
        let anns = item["metadata"]["annotations"]
            .as_object_mut()
            .unwrap_or_else(|| panic!("annotations"));
        assert!(
            anns.remove("internal.config.k8s.io/kpt-resource-id")
                .is_some(),
            "run {n}: the selected item carries kpt-resource-id: {anns:?}"
        );
        list["items"] = Value::Array(vec![item]);
        list
    };
    assert_eq!(
        input(0),
        input(1),
        "the second selector run's input differs from the first beyond kpt-resource-id"
    );

    // Without a selector no item carries kpt-resource-id (so a function can tell the two apart).
    let pkg = w.package("plain", false);
    let dump = w.path("plain-dump.yaml");
    let dumper = w.script("plain-dump-fn", &format!("tee '{}'", utf8(&dump)));
    assert_ok(
        "dump without selector",
        &kpt_in(
            &pkg,
            &[
                "fn",
                "eval",
                ".",
                "--exec",
                utf8(&dumper),
                "--fn-config",
                CM_CONFIG,
            ],
        ),
    );
    let text = String::from_utf8_lossy(&read(&dump)).into_owned();
    assert!(!text.contains("kpt-resource-id"), "{text}");
}

#[test]
fn kpt_discards_a_failing_functions_items_and_fn_sink_ignores_results() {
    // Research (c), pinned. A function that changes an item and exits 1: kpt fails, writes
    // nothing back, keeps the function's results.
    let w = Work::new();
    let pkg = w.package("pkg", false);
    let failing = w.script(
        "failing-fn",
        "sed 's/replicas: 1/replicas: 9/'\nprintf 'results:\\n- message: broken\\n  severity: error\\n'\nexit 1",
    );
    let before = tree(&pkg);
    let results = w.path("results");
    let out = kpt_in(
        &pkg,
        &[
            "fn",
            "eval",
            ".",
            "--exec",
            utf8(&failing),
            "--fn-config",
            CM_CONFIG,
            "--results-dir",
            utf8(&results),
        ],
    );
    failed("a function exiting 1", &out);
    assert_same_tree("a failed function run", &before, &tree(&pkg));
    let list = results_file(&results);
    assert_eq!(list["items"][0]["exitCode"], 1, "{list}");
    assert_eq!(
        list["items"][0]["results"][0]["message"], "broken",
        "{list}"
    );

    // kpt fn sink writes the items of a ResourceList whatever its results say...
    let with_items = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations:\n      config.kubernetes.io/path: c.yaml\nresults:\n- message: broken\n  severity: error\n";
    let out_dir = w.path("sunk");
    let out = run_cmd(
        Command::new(kpt())
            .args(["fn", "sink", utf8(&out_dir)])
            .current_dir(&w.root),
        with_items,
    );
    assert_ok("kpt fn sink", &out);
    assert_eq!(tree(&out_dir).keys().collect::<Vec<_>>(), ["c.yaml"]);
    // ...writes no file for an empty `items`...
    let empty = w.path("sunk-empty");
    let out = run_cmd(
        Command::new(kpt()).args(["fn", "sink", utf8(&empty)]).current_dir(&w.root),
        b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- message: broken\n  severity: error\n",
    );
    assert_ok("kpt fn sink, no items", &out);
    assert!(tree(&empty).is_empty());
    // ...and writes the ResourceList itself as a resource when it has neither items nor
    // functionConfig (kyaml's ByteReader unwraps only a list with one of them).
    let bare = w.path("sunk-bare");
    let out = run_cmd(
        Command::new(kpt()).args(["fn", "sink", utf8(&bare)]).current_dir(&w.root),
        b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nresults:\n- message: broken\n  severity: error\n",
    );
    assert_ok("kpt fn sink, no items key", &out);
    assert_eq!(
        tree(&bare).keys().collect::<Vec<_>>(),
        ["resourcelist_.yaml"]
    );
}

/// One failing case of `invalid_values_fail_with_the_diagnostics_and_leave_the_package_untouched`.
struct BadCase {
    what: &'static str,
    render: bool,
    exec: String,
    config: &'static str,
    /// (field path, text in the message)
    errors: &'static [(&'static str, &'static str)],
    config_kind: &'static str,
    config_name: &'static str,
}

#[test]
fn invalid_values_fail_with_the_diagnostics_and_leave_the_package_untouched() {
    let own_errors: &[(&str, &str)] = &[
        (
            "values.features.alpha.argocdPlugin.enabled",
            "expected a boolean (true or false), got the string \"true\"",
        ),
        (
            "values.features.alpha.argocdPlugin.target.secretNamespace",
            "the string \"Argo_CD\" must be a DNS-1123 label",
        ),
    ];
    let cm_errors: &[(&str, &str)] = &[(
        "data.features.alpha.argocdPlugin.target.secretNamespace",
        "the string \"Argo_CD\" must be a DNS-1123 label",
    )];
    let cases = [
        BadCase {
            what: "kpt fn eval --exec BIN, SpacesPostRender",
            render: false,
            exec: utf8(&bin()).to_string(),
            config: OWN_CONFIG,
            errors: own_errors,
            config_kind: "SpacesPostRender",
            config_name: "spaces",
        },
        BadCase {
            what: "kpt fn eval --exec \"BIN krm\", ConfigMap",
            render: false,
            exec: format!("{} krm", utf8(&bin())),
            config: CM_CONFIG,
            errors: cm_errors,
            config_kind: "ConfigMap",
            config_name: "spaces-values",
        },
        BadCase {
            what: "kpt fn render, SpacesPostRender",
            render: true,
            exec: utf8(&bin()).to_string(),
            config: OWN_CONFIG,
            errors: own_errors,
            config_kind: "SpacesPostRender",
            config_name: "spaces",
        },
        BadCase {
            what: "kpt fn render, ConfigMap",
            render: true,
            exec: utf8(&bin()).to_string(),
            config: CM_CONFIG,
            errors: cm_errors,
            config_kind: "ConfigMap",
            config_name: "spaces-values",
        },
    ];
    for case in cases {
        let w = Work::new();
        let pkg = w.package("pkg", false);
        std::fs::copy(
            root().join(FIXTURES).join("bad").join(case.config),
            pkg.join(case.config),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let results = w.path("results");
        let out = if case.render {
            add_pipeline(&pkg, Path::new(&case.exec), case.config);
            let before = tree(&pkg);
            let out = kpt_in(
                &pkg,
                &[
                    "fn",
                    "render",
                    ".",
                    "--allow-exec",
                    "--results-dir",
                    utf8(&results),
                ],
            );
            assert_same_tree(case.what, &before, &tree(&pkg));
            out
        } else {
            let before = tree(&pkg);
            let out = kpt_in(
                &pkg,
                &[
                    "fn",
                    "eval",
                    ".",
                    "--exec",
                    &case.exec,
                    "--fn-config",
                    case.config,
                    "--results-dir",
                    utf8(&results),
                ],
            );
            assert_same_tree(case.what, &before, &tree(&pkg));
            out
        };
        failed(case.what, &out);
        let shown = output_text(&out);
        let list = results_file(&results);
        assert_eq!(list["exitCode"], 1, "{}: {list}", case.what);
        let item = &list["items"][0];
        assert_eq!(item["exitCode"], 1, "{}: {list}", case.what);
        let res = item["results"].as_array().cloned().unwrap_or_default();
        for (field, text) in case.errors {
            assert!(
                shown.contains(text),
                "{}: kpt does not show {text:?}:\n{shown}",
                case.what
            );
            assert!(
                res.iter().any(|r| r["severity"] == "error"
                    && r["field"]["path"] == *field
                    && r["resourceRef"]["kind"] == case.config_kind
                    && r["resourceRef"]["name"] == case.config_name
                    && r["message"].as_str().is_some_and(|m| m.contains(text))),
                "{}: no error result at {field} ({text:?}) in {list}",
                case.what
            );
        }
        let errors = res.iter().filter(|r| r["severity"] == "error").count();
        assert_eq!(errors, case.errors.len(), "{}: {list}", case.what);
    }
}

/// `kpt fn source PKG --fn-config CONFIG | EXEC | kpt fn sink OUT`, as a shell pipe without
/// pipefail runs it: the sink reads whatever the function printed. Returns the function's
/// output and the sunk tree.
fn pipe(
    w: &Work,
    pkg: &Path,
    config: &Path,
    exec: &Path,
    out: &str,
) -> (Output, BTreeMap<String, Vec<u8>>) {
    let source = kpt_in(
        &w.root,
        &["fn", "source", utf8(pkg), "--fn-config", utf8(config)],
    );
    assert_ok("kpt fn source", &source);
    let func = run_cmd(Command::new(exec).current_dir(pkg), &source.stdout);
    let out_dir = w.path(out);
    let sink = run_cmd(
        Command::new(kpt())
            .args(["fn", "sink", utf8(&out_dir)])
            .current_dir(&w.root),
        &func.stdout,
    );
    assert!(
        sink.status.success() || !func.status.success(),
        "kpt fn sink failed on a successful function's output:\n{}",
        output_text(&sink)
    );
    (func, tree(&out_dir))
}

#[test]
fn pipe_with_invalid_values_writes_no_package() {
    // The function's exit 1 is the spec's error signal and its stdout still is a ResourceList
    // with the error results (kpt needs them: --results-dir). But `kpt fn sink` ignores both and
    // writes whatever items it gets: with the items on stdout, a pipe without pipefail leaves a
    // package that looks complete and lacks what the function should have added. So on failure
    // `items` must be empty (present, so that the sink unwraps the list and writes nothing).
    let w = Work::new();
    let pkg = w.package("pkg", false);
    std::fs::copy(
        root().join(FIXTURES).join("bad").join(OWN_CONFIG),
        pkg.join(OWN_CONFIG),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (func, sunk) = pipe(&w, &pkg, &pkg.join(OWN_CONFIG), &bin(), "out");
    assert_eq!(func.status.code(), Some(1), "{}", output_text(&func));
    let stderr = String::from_utf8_lossy(&func.stderr);
    assert!(
        stderr.contains("expected a boolean (true or false), got the string \"true\""),
        "{stderr}"
    );
    let list = yaml(&func.stdout, "the function's stdout");
    assert_eq!(list["kind"], "ResourceList", "{list}");
    assert!(
        list["results"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["severity"] == "error"
                && r["field"]["path"] == "values.features.alpha.argocdPlugin.enabled")),
        "error results with field paths on stdout: {list}"
    );
    let items: Vec<_> = list["items"]
        .as_array()
        .map(|a| a.iter().map(kind_ns_name).collect())
        .unwrap_or_default();
    assert!(
        list["items"].is_array() && items.is_empty(),
        "on failure stdout must hold `items: []` (kpt fn sink writes every item it gets as a package file); got items {items:?}"
    );
    assert!(
        sunk.is_empty(),
        "kpt fn sink wrote a package from a failed run: {:?}",
        sunk.keys().collect::<Vec<_>>()
    );
}

#[test]
fn pipe_source_function_sink_matches_an_identity_pipe() {
    // Outside kpt fn eval/render no one puts comments back (kyaml's FunctionFilter does that
    // for eval and render, by config.k8s.io/id): here the items must come back exactly as sent.
    let w = Work::new();
    let pkg = w.package("pkg", true);
    let config = pkg.join(CM_CONFIG);
    let (id, control) = pipe(&w, &pkg, &config, &w.identity(), "control");
    assert!(id.status.success());
    let (func, sunk) = pipe(&w, &pkg, &config, &bin(), "subject");
    assert!(func.status.success(), "{}", output_text(&func));
    assert!(!control.is_empty() && !sunk.is_empty());
    let (cdir, sdir) = (w.path("control"), w.path("subject"));
    assert_like_identity(
        "kpt fn source | BIN | kpt fn sink",
        &cdir,
        &sdir,
        &CM_GENERATED,
    );
}

/// A subpackage `eso/` whose own pipeline generates the ESO Namespace (a ConfigMap config:
/// target control-plane, eso on), under the fixture package with `root_config`'s pipeline.
fn package_with_eso_subpackage(w: &Work, name: &str, root_config: &str) -> PathBuf {
    let pkg = w.package(name, false);
    add_pipeline(&pkg, &bin(), root_config);
    let sub = pkg.join("eso");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    let write = |file: &str, text: &str| {
        std::fs::write(sub.join(file), text).unwrap_or_else(|e| panic!("{e}"))
    };
    write(
        "Kptfile",
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: eso\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
    );
    write(
        "eso-values.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eso-values\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n    spaces-postrender.dev/target: control-plane\ndata:\n  features.alpha.eso.enabled: \"true\"\n",
    );
    write(
        "chart.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eso-chart\n  namespace: external-secrets\ndata:\n  a: b\n",
    );
    add_pipeline(&sub, &bin(), "eso-values.yaml");
    pkg
}

/// The objects of the package's files: (file, kind, namespace, name).
fn objects_by_file(pkg: &Path) -> Vec<(String, String, String, String)> {
    let mut v = vec![];
    for (path, bytes) in tree(pkg).iter().filter(|(p, _)| is_krm_file(p)) {
        for o in yaml_docs(bytes, path) {
            let (k, ns, n) = kind_ns_name(&o);
            v.push((path.clone(), k, ns, n));
        }
    }
    v
}

#[test]
fn render_keeps_the_namespace_a_subpackage_pipeline_generated() {
    // Issue "Integrity III", item 14, as reported: under `kpt fn render` the subpackage's
    // pipeline runs first and generates the ESO Namespace; the root package's run then gets the
    // subpackage's objects too (kpt marks each with internal.config.kubernetes.io/package-path)
    // and must not remove that Namespace as stale output of its own.
    let w = Work::new();
    let pkg = package_with_eso_subpackage(&w, "pkg", CM_CONFIG);
    let results = w.path("results");
    let render = [
        "fn",
        "render",
        ".",
        "--allow-exec",
        "--results-dir",
        utf8(&results),
    ];
    let out = kpt_in(&pkg, &render);
    assert_ok("kpt fn render with a subpackage", &out);
    let objects = objects_by_file(&pkg);
    let has = |file_prefix: &str, kind: &str, name: &str| {
        objects
            .iter()
            .any(|(f, k, _, n)| f.starts_with(file_prefix) && k == kind && n == name)
    };
    assert!(
        has("eso/", "Namespace", "external-secrets"),
        "the subpackage's generated Namespace is gone: {objects:?}\n{}",
        output_text(&out)
    );
    for (kind, _, name) in CM_GENERATED {
        assert!(has("", kind, name), "{kind} {name} missing: {objects:?}");
    }
    let list = results_file(&results);
    let text = list.to_string();
    assert!(!text.contains("removed"), "a removal was reported: {list}");
    // A second render changes nothing.
    let first = tree(&pkg);
    assert_ok("second kpt fn render", &kpt_in(&pkg, &render));
    assert_same_tree(
        "kpt fn render with a subpackage, second run",
        &first,
        &tree(&pkg),
    );
}

#[test]
fn render_does_not_generate_again_what_a_subpackage_pipeline_generated() {
    // The root's config plans the same Namespace: the subpackage's copy is in the package, so
    // the root's run skips it (an info), and neither copy is removed or doubled.
    let w = Work::new();
    let pkg = package_with_eso_subpackage(&w, "pkg", "eso-root.yaml");
    std::fs::write(
        pkg.join("eso-root.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eso-root\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n    spaces-postrender.dev/target: control-plane\ndata:\n  features.alpha.eso.enabled: \"true\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = kpt_in(&pkg, &["fn", "render", ".", "--allow-exec"]);
    assert_ok("kpt fn render, both packages plan the Namespace", &out);
    let namespaces: Vec<_> = objects_by_file(&pkg)
        .into_iter()
        .filter(|(_, k, _, n)| k == "Namespace" && n == "external-secrets")
        .collect();
    assert_eq!(namespaces.len(), 1, "{namespaces:?}\n{}", output_text(&out));
    assert!(namespaces[0].0.starts_with("eso/"), "{namespaces:?}");
    let text = output_text(&out);
    assert!(text.contains("already has Namespace"), "{text}");
}
