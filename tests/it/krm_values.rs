//! The KRM function's `valuesFiles`: where relative paths are read from, and the boundary they
//! stay inside (SPEC §3), without kpt (`tests/full/kpt_values.rs` runs the same rule under the
//! real kpt).
//!
//! - A functionConfig that `kpt fn render` would hand over (its package's Kptfile names it as a
//!   pipeline step's `configPath`, and it carries `internal.config.kubernetes.io/package-path`
//!   and its path in the package): relative paths are read from the config file's directory,
//!   and every file must resolve inside the package, wherever the function runs.
//! - Any other functionConfig (`kpt fn eval --fn-config`, `kpt fn source | ... | kpt fn sink`):
//!   relative paths are read from the working directory and must resolve inside it. Path
//!   annotations the config file writes itself do not move the root.
//! - Refused: `..` out, absolute paths outside, symlinks out, URLs, `-` options; an absent file
//!   gets the same answer as an outside one. `SPACES_POSTRENDER_LOAD_RESTRICTOR=LoadRestrictionsNone`
//!   in the environment lifts the rule.
//! - A refusal is the failure ResourceList: `items: []`, an error result at `valuesFiles[N]`
//!   with code `path-refused`, exit 1.

use crate::common;
use common::bin;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const VALUES: &str = "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n";
const OPT_OUT: (&str, &str) = ("SPACES_POSTRENDER_LOAD_RESTRICTOR", "LoadRestrictionsNone");

struct Ran {
    code: i32,
    list: Value,
    stderr: String,
}

fn write(p: &Path, text: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn tempdir() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    // Canonical: the package path kpt reports is absolute.
    let p = d.path().canonicalize().expect("canonical");
    (d, p)
}

/// A SpacesPostRender functionConfig with `valuesFiles` and, when given, the annotations
/// `kpt fn render` sets (`package-path`, and the config's path in the package).
fn config(files: &[&str], render: Option<(&Path, &str)>) -> Value {
    let mut annotations = json!({"config.kubernetes.io/local-config": "true"});
    if let Some((pkg, path)) = render {
        annotations["internal.config.kubernetes.io/package-path"] = json!(pkg.to_string_lossy());
        annotations["internal.config.kubernetes.io/path"] = json!(path);
        annotations["config.kubernetes.io/path"] = json!(path);
    }
    json!({
        "apiVersion": "spaces-postrender.dev/v1alpha1",
        "kind": "SpacesPostRender",
        "metadata": {"name": "spaces", "annotations": annotations},
        "valuesFiles": files,
    })
}

/// The function in `cwd` with the ResourceList (no items) for `config` on stdin.
fn krm(cwd: &Path, config: &Value, env: &[(&str, &str)]) -> Ran {
    let list = json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [],
        "functionConfig": config,
    });
    let mut cmd = Command::new(bin());
    cmd.arg("krm")
        .current_dir(cwd)
        .env_remove(OPT_OUT.0)
        .env_remove("KUSTOMIZE_PLUGIN_CONFIG_ROOT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let input = format!("{list}\n");
    let out = common::run_cmd(&mut cmd, input.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let list = serde_saphyr::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not YAML ({e}):\n{stdout}"));
    Ran {
        code: out.status.code().unwrap_or(-1),
        list,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn kinds(r: &Ran) -> Vec<String> {
    r.list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["kind"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A run that generated the argocd plugin's objects from the values file.
fn assert_read(what: &str, r: &Ran) {
    assert_eq!(r.code, 0, "{what}: {}\n{}", r.stderr, r.list);
    assert!(
        kinds(r).iter().any(|k| k == "RoleBinding"),
        "{what}: nothing generated: {}",
        r.list
    );
}

/// A run refused `valuesFiles[0]`: the failure ResourceList (no items) with the error result
/// at that field; returns the result's message.
fn assert_refused(what: &str, r: &Ran, inside: &str) -> String {
    assert_eq!(r.code, 1, "{what}: {}", r.stderr);
    assert_eq!(r.list["kind"], "ResourceList", "{what}: {}", r.list);
    assert_eq!(r.list["items"], json!([]), "{what}: {}", r.list);
    let results = r.list["results"].as_array().cloned().unwrap_or_default();
    let refusal = results
        .iter()
        .find(|x| x["tags"]["code"] == "path-refused")
        .unwrap_or_else(|| panic!("{what}: no path-refused result: {}", r.list));
    assert_eq!(refusal["severity"], "error", "{what}");
    assert_eq!(refusal["field"]["path"], "valuesFiles[0]", "{what}");
    assert_eq!(refusal["resourceRef"]["name"], "spaces", "{what}");
    let message = refusal["message"].as_str().unwrap_or("").to_string();
    assert!(message.starts_with("valuesFiles[0] "), "{what}: {message}");
    assert!(
        message.contains(inside) || message.contains("is a URL") || message.contains("option"),
        "{what}: {message}"
    );
    assert!(
        r.stderr.contains("error[path-refused]"),
        "{what}: {}",
        r.stderr
    );
    message
}

#[test]
fn without_a_package_location_values_files_stay_inside_the_working_directory() {
    let (_d, top) = tempdir();
    let cwd = top.join("pkg");
    write(&cwd.join("values/v.yaml"), VALUES);
    let outside = top.join("outside/v.yaml");
    write(&outside, VALUES);
    std::os::unix::fs::symlink(&outside, cwd.join("link.yaml")).expect("ln");
    std::os::unix::fs::symlink("values/v.yaml", cwd.join("in-link.yaml")).expect("ln");
    for f in ["values/v.yaml", "./values/../values/v.yaml", "in-link.yaml"] {
        assert_read(f, &krm(&cwd, &config(&[f], None), &[]));
    }
    let abs_inside = cwd.join("values/v.yaml").display().to_string();
    assert_read(
        "absolute inside",
        &krm(&cwd, &config(&[&abs_inside], None), &[]),
    );
    let abs = outside.display().to_string();
    for f in [
        "../outside/v.yaml",
        abs.as_str(),
        "link.yaml",
        "/etc/passwd",
        "values",
        "https://example.com/v.yaml",
        "-f",
        "",
    ] {
        let r = krm(&cwd, &config(&[f], None), &[]);
        if f.is_empty() {
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert_eq!(r.list["items"], json!([]));
            continue;
        }
        assert_refused(f, &r, "is not a file inside the working directory");
    }
    // Absent and outside: one answer.
    let outside = assert_refused(
        "outside",
        &krm(&cwd, &config(&["../outside/v.yaml"], None), &[]),
        "inside",
    );
    let absent = assert_refused(
        "absent",
        &krm(&cwd, &config(&["../outside/none.yaml"], None), &[]),
        "inside",
    );
    assert_eq!(
        outside.replace("v.yaml", "X"),
        absent.replace("none.yaml", "X")
    );
    // Whoever runs the function may lift the rule.
    for f in ["../outside/v.yaml", abs.as_str(), "link.yaml"] {
        assert_read(f, &krm(&cwd, &config(&[f], None), &[OPT_OUT]));
    }
    // Only that exact value lifts it.
    let r = krm(
        &cwd,
        &config(&["../outside/v.yaml"], None),
        &[(OPT_OUT.0, "LoadRestrictionsRootOnly")],
    );
    assert_refused("RootOnly", &r, "inside");
}

/// A package as `kpt fn render` sees it: a Kptfile whose pipeline names `cfg/spaces.yaml`.
fn render_package(top: &Path) -> std::path::PathBuf {
    let pkg = top.join("pkg");
    write(
        &pkg.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: spaces-postrender\n    configPath: cfg/spaces.yaml\n",
    );
    write(
        &pkg.join("cfg/spaces.yaml"),
        "apiVersion: spaces-postrender.dev/v1alpha1\nkind: SpacesPostRender\nmetadata:\n  name: spaces\n",
    );
    write(&pkg.join("cfg/values/v.yaml"), VALUES);
    write(&pkg.join("top.yaml"), VALUES);
    pkg
}

#[test]
fn under_kpt_fn_render_values_files_are_read_beside_the_config_and_stay_inside_the_package() {
    let (_d, top) = tempdir();
    let pkg = render_package(&top);
    write(&top.join("outside/v.yaml"), VALUES);
    std::os::unix::fs::symlink(top.join("outside/v.yaml"), pkg.join("cfg/link.yaml")).expect("ln");
    // kpt fn render runs the function in kpt's own working directory, not in the package.
    let elsewhere = top.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let at = Some((pkg.as_path(), "cfg/spaces.yaml"));
    for f in ["values/v.yaml", "../top.yaml"] {
        assert_read(f, &krm(&elsewhere, &config(&[f], at), &[]));
    }
    for f in [
        "../../outside/v.yaml",
        "link.yaml",
        "missing.yaml",
        "/etc/passwd",
    ] {
        assert_refused(
            f,
            &krm(&elsewhere, &config(&[f], at), &[]),
            "is not a file inside the package",
        );
    }
    // From inside the package's parent, the working directory does not widen the package.
    assert_refused(
        "from the parent",
        &krm(&top, &config(&["../../outside/v.yaml"], at), &[]),
        "is not a file inside the package",
    );
    assert_read(
        "lifted",
        &krm(
            &elsewhere,
            &config(&["../../outside/v.yaml"], at),
            &[OPT_OUT],
        ),
    );
}

#[test]
fn package_annotations_the_config_writes_itself_do_not_move_the_root() {
    // Under kpt fn eval --fn-config and kpt fn source the config file's own annotations reach
    // the function unchanged: a file that claims another package is not believed unless that
    // package's Kptfile names it as a pipeline step's configPath.
    let (_d, top) = tempdir();
    let pkg = render_package(&top);
    let cwd = top.join("cwd");
    std::fs::create_dir_all(&cwd).expect("mkdir");
    write(&top.join("secret/v.yaml"), VALUES);
    let claims: [(&Path, &str); 4] = [
        // No Kptfile there.
        (&top, "secret/v.yaml"),
        (Path::new("/"), "etc/hostname"),
        // A real package whose Kptfile does not name this path.
        (&pkg, "top.yaml"),
        // A path that leaves the package.
        (&pkg, "../secret/v.yaml"),
    ];
    for (claimed, path) in claims {
        let what = format!("{} {path}", claimed.display());
        for f in ["v.yaml", "secret/v.yaml", "../secret/v.yaml"] {
            let r = krm(&cwd, &config(&[f], Some((claimed, path))), &[]);
            assert_refused(&what, &r, "is not a file inside the working directory");
        }
    }
    // A relative package-path is not kpt's either.
    let r = krm(
        &cwd,
        &config(
            &["values/v.yaml"],
            Some((Path::new("../pkg"), "cfg/spaces.yaml")),
        ),
        &[],
    );
    assert_refused("relative package-path", &r, "working directory");
}

#[test]
fn a_refused_path_is_reported_with_the_other_config_errors_and_no_values_are_loaded() {
    let (_d, top) = tempdir();
    write(
        &top.join("v.yaml"),
        "features: {alpha: {argocdPlugin: {enabled: \"true\"}}}\n",
    );
    let mut c = config(&["../x.yaml", "v.yaml"], None);
    c["target"] = json!("nowhere");
    let r = krm(&top, &c, &[]);
    assert_refused("two problems", &r, "inside");
    let results = r.list["results"].as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = results
        .iter()
        .filter_map(|x| x["field"]["path"].as_str())
        .collect();
    assert!(fields.contains(&"target"), "{}", r.list);
    // v.yaml's quoted "true" is not reported: no values are loaded when a file is refused.
    assert!(!fields.contains(&"valuesFiles[1]"), "{}", r.list);
}
