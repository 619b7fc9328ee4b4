//! Trust boundaries (SPEC §3): what someone else's input (a kustomize config, a mistyped flag,
//! a golden file's name) can make the tool read or overwrite, and that a machine-readable run
//! writes one document. Regression tests for the defects an outside adversarial run found
//! (issue "Trust boundaries"), each written as reported; the Argo CD plugin's are in
//! tests/full/argocd_cmp.rs (they need Helm).

use crate::common;
use common::{bin, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ON: &str = "features.alpha.argocdPlugin.enabled=true";

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ran(o: Output) -> Ran {
    Ran {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Run the binary in `dir` with `args`.
fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Ran {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir);
    ran(common::run_cmd(&mut cmd, stdin))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn write(p: &Path, text: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const VALUES: &str = "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n";

// 1. An output path that is one of the run's inputs is an error, and nothing is written.
#[test]
fn output_onto_an_input_is_refused_and_nothing_is_written() {
    let d = tempdir();
    let values = d.path().join("values.yaml");
    write(&values, VALUES);
    let abs = values.display().to_string();
    std::os::unix::fs::symlink("values.yaml", d.path().join("link.yaml")).expect("symlink");
    write(&d.path().join("cert.pem"), "not a values file\n");
    let cases: [&[&str]; 5] = [
        &["generate", "-f", "values.yaml", "--output", "values.yaml"],
        &["generate", "-f", "./values.yaml", "--output", &abs],
        &["generate", "-f", &abs, "-o", "./sub/../values.yaml"],
        &["generate", "-f", "values.yaml", "--output", "link.yaml"],
        &[
            "generate",
            "--set",
            ON,
            "--set-file",
            "x=cert.pem",
            "--output=cert.pem",
        ],
    ];
    std::fs::create_dir_all(d.path().join("sub")).expect("mkdir");
    for args in cases {
        let r = run_in(d.path(), args, b"");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("error[usage]") && r.stderr.contains("is the input"),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(read(&values), VALUES, "{args:?} replaced the values file");
        assert_eq!(read(&d.path().join("cert.pem")), "not a values file\n");
    }
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .expect("read_dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// 8. A new --output file honours the umask; a replaced one keeps its mode.
#[test]
fn output_files_honour_the_umask_and_keep_an_existing_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempdir();
    let sh = |umask: &str, out: &str| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
            .arg(bin())
            .args(["generate", "--set", ON, "--output", out])
            .current_dir(d.path());
        ran(common::run_cmd(&mut cmd, b""))
    };
    let mode = |name: &str| {
        std::fs::metadata(d.path().join(name))
            .expect("written")
            .permissions()
            .mode()
            & 0o777
    };
    for (umask, want) in [("077", 0o600), ("022", 0o644), ("002", 0o664)] {
        let name = format!("new-{umask}.yaml");
        let r = sh(umask, &name);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(mode(&name), want, "umask {umask}");
    }
    // An existing file keeps its mode, whatever the umask.
    write(&d.path().join("kept.yaml"), "old\n");
    std::fs::set_permissions(
        d.path().join("kept.yaml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    assert_eq!(sh("077", "kept.yaml").code, 0);
    assert_eq!(mode("kept.yaml"), 0o640);
    assert!(read(&d.path().join("kept.yaml")).contains("kind: Role"));
}

// One rule for a symlink where output goes: written through to its target (as a shell
// redirection writes), for --output and man --dir alike.
#[test]
fn outputs_write_through_a_symlink_to_its_target() {
    let d = tempdir();
    std::fs::create_dir_all(d.path().join("golden")).expect("mkdir");
    write(&d.path().join("golden/real.yaml"), "old\n");
    std::os::unix::fs::symlink("real.yaml", d.path().join("golden/space.yaml")).expect("ln");
    let r = run_in(
        d.path(),
        &["generate", "--set", ON, "--output", "golden/space.yaml"],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let link = d.path().join("golden/space.yaml");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert!(read(&d.path().join("golden/real.yaml")).contains("kind: Role"));
    // man --dir: a link placed in the directory is written through, the same way.
    let man = d.path().join("man");
    std::fs::create_dir_all(&man).expect("mkdir");
    write(&d.path().join("page.1"), "old\n");
    std::os::unix::fs::symlink("../page.1", man.join("spaces-postrender.1")).expect("ln");
    let r = run_in(d.path(), &["man", "--dir", "man"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::symlink_metadata(man.join("spaces-postrender.1"))
        .expect("link")
        .file_type()
        .is_symlink());
    assert!(read(&d.path().join("page.1")).contains(".TH spaces-postrender"));
    assert!(man.join("spaces-postrender-generate.1").is_file());
}

// Smaller: `-o adir/`, `man --dir FILE` say what is wrong (usage errors).
#[test]
fn output_paths_that_cannot_be_files_or_directories_are_usage_errors() {
    let d = tempdir();
    std::fs::create_dir_all(d.path().join("adir")).expect("mkdir");
    write(&d.path().join("afile"), "x\n");
    for out in ["adir/", "adir", "missing-dir/"] {
        let r = run_in(d.path(), &["generate", "--set", ON, "-o", out], b"");
        assert_eq!(r.code, 2, "{out}: {}", r.stderr);
        assert!(
            r.stderr.contains("is a directory, not a file"),
            "{out}: {}",
            r.stderr
        );
    }
    let r = run_in(d.path(), &["man", "--dir", "afile"], b"");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--dir \"afile\" exists and is not a directory"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&d.path().join("afile")), "x\n");
}

// 4. `install-kustomize-plugin --copy` run from the installed copy keeps a plugin.
#[test]
fn reinstalling_the_copy_from_itself_keeps_the_plugin() {
    let d = tempdir();
    let home = d.path().join("home");
    let first = Command::new(bin())
        .args(["install-kustomize-plugin", "--copy", "--plugin-home"])
        .arg(&home)
        .output()
        .expect("run");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let installed = PathBuf::from(String::from_utf8_lossy(&first.stdout).trim());
    let bytes = std::fs::read(&installed).expect("installed");
    // A link on PATH to the installed copy, as a user who installed it that way runs it.
    let path_dir = d.path().join("bin");
    std::fs::create_dir_all(&path_dir).expect("mkdir");
    std::os::unix::fs::symlink(&installed, path_dir.join("spaces-postrender")).expect("ln");
    let again = Command::new(path_dir.join("spaces-postrender"))
        .args(["install-kustomize-plugin", "--copy", "--plugin-home"])
        .arg(&home)
        .output()
        .expect("run");
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read(&installed).expect("still installed"), bytes);
    let dir = installed.parent().expect("dir");
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["SpacesPostRender"], "no temporary file is left");
}

/// The kustomize exec plugin as kustomize runs it: this binary under the name
/// `SpacesPostRender`, the config file as its argument, the kustomization directory as working
/// directory, the resources on stdin.
fn exec_plugin(kdir: &Path, config: &str, env: &[(&str, &str)]) -> Ran {
    let d = tempdir();
    let exe = d.path().join("SpacesPostRender");
    std::os::unix::fs::symlink(bin(), &exe).expect("ln");
    let cfg = d.path().join("kust-plugin-config-1");
    write(&cfg, config);
    let mut cmd = Command::new(&exe);
    cmd.arg(&cfg)
        .current_dir(kdir)
        .env_remove("KUSTOMIZE_PLUGIN_CONFIG_ROOT")
        .env_remove("SPACES_POSTRENDER_LOAD_RESTRICTOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let input = std::fs::read(root().join("fixtures/input/spaces.yaml")).expect("input");
    ran(common::run_cmd(&mut cmd, &input))
}

fn config_with(values_file: &str) -> String {
    format!(
        "apiVersion: spaces-postrender.dev/v1alpha1\nkind: SpacesPostRender\nmetadata:\n  name: spaces\nvaluesFiles:\n- {values_file:?}\n"
    )
}

// 3. kustomize valuesFiles stay inside the kustomization root (LoadRestrictionsRootOnly).
#[test]
fn kustomize_values_files_stay_inside_the_kustomization_root() {
    let d = tempdir();
    let kdir = d.path().join("base");
    write(&kdir.join("values.yaml"), VALUES);
    // Outside the root: a values file the attacker wants read.
    let outside = d.path().join("outside/v.yaml");
    write(&outside, VALUES);
    std::os::unix::fs::symlink(&outside, kdir.join("link.yaml")).expect("ln");
    let abs = outside.display().to_string();
    for f in [
        "../outside/v.yaml",
        abs.as_str(),
        "link.yaml",
        "http://127.0.0.1:1/v.yaml",
        "-f",
    ] {
        let r = exec_plugin(&kdir, &config_with(f), &[]);
        assert_eq!(r.code, 1, "{f}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{f}: {}", r.stdout);
        assert!(
            r.stderr.contains(
                "error[path-refused] (SpacesPostRender spaces: valuesFiles[0]): valuesFiles[0]"
            ),
            "{f}: {}",
            r.stderr
        );
    }
    // Absent and outside give the same answer.
    let outside = exec_plugin(&kdir, &config_with("../outside/v.yaml"), &[]);
    let absent = exec_plugin(&kdir, &config_with("../outside/none.yaml"), &[]);
    assert_eq!(
        outside.stderr.replace("v.yaml", "X"),
        absent.stderr.replace("none.yaml", "X")
    );
    // Inside the root it works, and whoever runs the build may lift the rule.
    let r = exec_plugin(&kdir, &config_with("values.yaml"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("kind: RoleBinding"));
    let r = exec_plugin(
        &kdir,
        &config_with("../outside/v.yaml"),
        &[("SPACES_POSTRENDER_LOAD_RESTRICTOR", "LoadRestrictionsNone")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("kind: RoleBinding"));
}

// Smaller: a duplicate key in the kustomize config is an error.
#[test]
fn a_duplicate_key_in_the_kustomize_config_is_an_error() {
    let d = tempdir();
    write(&d.path().join("values.yaml"), VALUES);
    let config = format!(
        "{}target: space\ntarget: argocd\n",
        config_with("values.yaml")
    );
    let r = exec_plugin(d.path(), &config, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("error[config-syntax]: the SpacesPostRender config repeats the key `target` (line 8, column 1)"),
        "{}",
        r.stderr
    );
}

/// Every JSON document in `text` (whitespace between them), or an error when something else
/// is there.
fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = vec![];
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    for v in stream.by_ref() {
        docs.push(v.map_err(|e| format!("{e}: {text}"))?);
    }
    Ok(docs)
}

/// The documented shape of `--diagnostics json`.
fn json_shape(v: &Value) -> Result<(), String> {
    let keys: Vec<&str> = v
        .as_object()
        .ok_or("not an object")?
        .keys()
        .map(String::as_str)
        .collect();
    if keys != ["diagnostics", "errors", "warnings"] {
        return Err(format!("keys {keys:?}"));
    }
    for d in v["diagnostics"].as_array().ok_or("no diagnostics list")? {
        for k in ["severity", "code", "path", "message"] {
            if d.get(k).is_none() {
                return Err(format!("a diagnostic without {k}: {d}"));
            }
        }
        for k in d.as_object().ok_or("a diagnostic is no object")?.keys() {
            if ![
                "severity", "code", "path", "origin", "message", "hint", "detail",
            ]
            .contains(&k.as_str())
            {
                return Err(format!("undocumented field {k}"));
            }
        }
    }
    let errors = v["diagnostics"]
        .as_array()
        .map(|a| a.iter().filter(|d| d["severity"] == "error").count());
    if v["errors"].as_u64().map(|n| n as usize) != errors {
        return Err(format!("errors {} for {errors:?}", v["errors"]));
    }
    Ok(())
}

// 5. A stale or missing golden file, or a failing --output: one document, the diff in it.
#[test]
fn a_failing_golden_run_writes_one_document_with_the_diff_in_it() {
    let d = tempdir();
    write(&d.path().join("stale.yaml"), "---\n# stale\n");
    std::fs::create_dir_all(d.path().join("ro")).expect("mkdir");
    let cases: [&[&str]; 3] = [
        &["--check", "stale.yaml"],
        &["--check", "missing.yaml"],
        &["--output", "no/such/dir/out.yaml"],
    ];
    for format in ["json", "sarif"] {
        for extra in cases {
            let mut args = vec!["generate", "--set", ON, "--diagnostics", format];
            args.extend_from_slice(extra);
            let r = run_in(d.path(), &args, b"");
            assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
            assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
            let docs = documents(&r.stderr).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(docs.len(), 1, "{args:?}: {}", r.stderr);
            if format == "json" {
                json_shape(&docs[0]).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            }
            if extra[1] == "stale.yaml" {
                let detail = if format == "json" {
                    &docs[0]["diagnostics"][0]["detail"]
                } else {
                    &docs[0]["runs"][0]["results"][0]["properties"]["detail"]
                };
                let diff = detail.as_str().unwrap_or_default();
                assert!(
                    diff.starts_with("--- stale.yaml\n+++ generated\n")
                        && diff.contains("-# stale"),
                    "{args:?}: {}",
                    r.stderr
                );
            }
        }
    }
}

// 6. Usage errors honour --diagnostics json|sarif (argument parsing and a ResourceList in
// post-render mode with flags).
#[test]
fn usage_errors_are_the_requested_document() {
    let rl = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    let cases: [(&[&str], &[u8]); 5] = [
        (&["--diagnostics", "json", "--nope"], b""),
        (&["generate", "--diagnostics=json", "--target", "moon"], b""),
        (&["--diagnostics", "json", "--set", ON], rl),
        (&["generate", "--diagnostics", "json", "--check", ""], b""),
        (
            &[
                "generate",
                "--diagnostics",
                "json",
                "--controller-service-account",
                "foo",
            ],
            b"",
        ),
    ];
    for (args, stdin) in cases {
        let r = run_in(&root(), args, stdin);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        let docs = documents(&r.stderr).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(docs.len(), 1, "{args:?}");
        json_shape(&docs[0]).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(docs[0]["diagnostics"][0]["code"], "usage", "{args:?}");
    }
    // validate's report is its output: on stdout, SARIF included.
    let r = run_in(
        &root(),
        &["validate", "--diagnostics", "sarif", "--nope"],
        b"",
    );
    assert_eq!(r.code, 2);
    let docs = documents(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["runs"][0]["results"][0]["ruleId"], "usage");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

// 7. A SARIF location keeps a backslash of a file name (another file on Linux otherwise).
#[test]
fn sarif_keeps_a_backslash_in_a_file_name() {
    let d = tempdir();
    write(
        &d.path().join("a\\b.yaml"),
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: \"true\"\n",
    );
    let r = run_in(
        d.path(),
        &["validate", "-f", "a\\b.yaml", "--diagnostics", "sarif"],
        b"",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let log: Value = serde_json::from_str(&r.stdout).expect("SARIF");
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%5Cb.yaml"
    );
}

// Issue "first hour" 2: every mode that reads stdin refuses a terminal there (exit 2).
#[test]
fn a_terminal_on_stdin_is_a_usage_error_in_every_mode_that_reads_it() {
    for args in ["krm", "generate -f -", "validate -f -", "why --input -"] {
        let o = Command::new("script")
            .args(["-qec"])
            .arg(format!("'{}' {args}", bin().display()))
            .arg("/dev/null")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux)");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("standard input is a terminal"),
            "{args}: {text}"
        );
        assert!(text.contains("help: "), "{args}: {text}");
        assert_eq!(o.status.code(), Some(2), "{args}: {text}");
    }
    // The kustomize exec plugin (this binary as `SpacesPostRender CONFIG`) too.
    let d = tempdir();
    let exe = d.path().join("SpacesPostRender");
    std::os::unix::fs::symlink(bin(), &exe).expect("ln");
    write(&d.path().join("config"), &config_with("values.yaml"));
    let o = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "'{}' '{}'",
            exe.display(),
            d.path().join("config").display()
        ))
        .arg("/dev/null")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script (util-linux)");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("standard input is a terminal"), "{text}");
    assert_eq!(o.status.code(), Some(2), "{text}");
}

/// Pieces of a failing command line: each makes the run fail in its own way.
fn failing_runs() -> impl proptest::strategy::Strategy<Value = (Vec<String>, Vec<u8>, bool)> {
    use proptest::prelude::*;
    let command = prop_oneof![
        Just(vec![]),
        Just(vec!["generate".to_string()]),
        Just(vec!["why".to_string()]),
        Just(vec!["validate".to_string()]),
    ];
    let failure = prop_oneof![
        Just(vec!["--set", "features.alpha.argocdPlugin.enabled=yes"]),
        Just(vec!["-f", "fixtures/bad-values/wrong-type.yaml"]),
        Just(vec!["-f", "fixtures/bad-values/misspelt-key.yaml"]),
        Just(vec!["-f", "no-such-file.yaml"]),
        Just(vec![
            "--set",
            "features.alpha.quantumSync.enabled=true",
            "--strict"
        ]),
        Just(vec!["--nope"]),
        Just(vec!["--target", "moon"]),
        Just(vec!["--controller-service-account", "foo"]),
        Just(vec!["--set", "a[99999999]=1"]),
    ];
    let input = prop_oneof![
        Just(Vec::new()),
        Just(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n: : :\n".to_vec()),
        Just(b"just text\n".to_vec()),
        Just(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n".to_vec()),
    ];
    (
        command,
        proptest::collection::vec(failure, 1..3),
        input,
        any::<bool>(),
    )
        .prop_map(|(cmd, failures, input, sarif)| {
            let mut args = cmd;
            for f in failures {
                args.extend(f.into_iter().map(str::to_string));
            }
            args.push("--diagnostics".into());
            args.push(if sarif { "sarif" } else { "json" }.into());
            (args, input, sarif)
        })
}

// A property over output formats: every failing run with --diagnostics json|sarif writes
// exactly one parseable document of the documented shape (usage errors included), on stdout for
// validate and on stderr otherwise, and nothing else.
#[test]
fn every_failing_machine_readable_run_writes_one_document() {
    common::check_property("one document", 48, failing_runs, |(args, input, sarif)| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_in(&root(), &a, &input);
        proptest::prop_assert!(r.code == 1 || r.code == 2, "{a:?}: exit {}", r.code);
        let validate = a.first() == Some(&"validate");
        let (doc, other) = if validate && r.code != 0 {
            (&r.stdout, &r.stderr)
        } else {
            (&r.stderr, &r.stdout)
        };
        proptest::prop_assert!(other.is_empty(), "{a:?}: besides the document: {other}");
        let docs = documents(doc).map_err(proptest::test_runner::TestCaseError::fail)?;
        proptest::prop_assert_eq!(docs.len(), 1, "{:?}: {}", a, doc);
        if sarif {
            crate::sarif::assert_valid_sarif(&docs[0]);
            let results = docs[0]["runs"][0]["results"].as_array().map(Vec::len);
            proptest::prop_assert!(results.unwrap_or(0) > 0, "{a:?}: no result");
        } else {
            json_shape(&docs[0]).map_err(proptest::test_runner::TestCaseError::fail)?;
            proptest::prop_assert!(docs[0]["errors"].as_u64().unwrap_or(0) > 0, "{a:?}");
        }
        Ok(())
    });
}
