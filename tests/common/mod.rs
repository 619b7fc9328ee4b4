//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod e2e;
pub mod kube;
pub mod yamlgen;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spaces-postrender"))
}

/// Run the binary in the repository root with `args`, `stdin` bytes and extra env.
/// The environment is cleared of the variables the tool reads, so results do not depend on the caller.
pub fn run(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_cmd(&mut cmd, stdin)
}

/// What a run printed, as text, and its exit code.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// [`run`], with the output as UTF-8 text.
pub fn run_out(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Out {
    let o = run(args, stdin, env);
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(o.stderr).expect("utf-8 stderr"),
    }
}

/// Run any command with `stdin` bytes (written from a thread, so a large input cannot
/// deadlock), stdout and stderr captured; the output whatever the exit code. The variables
/// the tool reads are removed unless `cmd` sets them.
pub fn run_cmd(cmd: &mut Command, stdin: &[u8]) -> Output {
    for var in ["HELM_NAMESPACE", "HELM_PLUGIN_NAME", "NO_COLOR"] {
        if !cmd.get_envs().any(|(k, _)| k == var) {
            cmd.env_remove(var);
        }
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut sin = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {cmd:?}: {e}"));
    writer.join().expect("stdin writer");
    out
}

/// stdout and stderr of a finished command, for failure messages.
pub fn output_text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let p = root().join(path.as_ref());
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Whether golden files are being regenerated: `UPDATE_GOLDEN=1`, and only that (the one
/// switch of every golden test in this repository).
pub fn updating_golden() -> bool {
    std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1")
}

/// Compare `actual` with the golden file (a path from the repository root), or rewrite it when
/// regenerating. `Err` is the failure, with a unified diff.
pub fn golden_check(path: &str, actual: &[u8]) -> Result<(), String> {
    let p = root().join(path);
    if updating_golden() {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, actual).expect("write golden");
        return Ok(());
    }
    let expected = std::fs::read(&p)
        .map_err(|e| format!("golden file {path} missing ({e}); run UPDATE_GOLDEN=1 cargo test"))?;
    if expected == actual {
        return Ok(());
    }
    let diff = spaces_postrender::golden::unified_diff(path, &expected, actual);
    Err(format!("{path} differs from the actual output (UPDATE_GOLDEN=1 cargo test regenerates; read the diff first):\n{diff}"))
}

/// [`golden_check`], failing the test at once.
pub fn golden(path: &str, actual: &[u8]) {
    if let Err(e) = golden_check(path, actual) {
        panic!("{e}");
    }
}

/// Install (or reuse) the pinned Helm and kubectl binaries; fails the test when it cannot.
pub fn tools() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("bash")
            .arg(".ci/install-tools.sh")
            .current_dir(root())
            .stderr(Stdio::inherit())
            .output()
            .expect("run .ci/install-tools.sh");
        assert!(out.status.success(), "installing the pinned helm/kubectl failed: end-to-end tests cannot run (they are never skipped)");
        let s = String::from_utf8(out.stdout).expect("utf8");
        PathBuf::from(s.lines().last().expect("tools dir").trim())
    })
    .clone()
}

/// Install (or find) zsh and fish (`.ci/install-shells.sh`, Debian's packages) for the
/// completion tests; fails the test when it cannot: they are never skipped.
pub fn shells() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let out = Command::new("bash")
            .arg(".ci/install-shells.sh")
            .current_dir(root())
            .stderr(Stdio::inherit())
            .output()
            .expect("run .ci/install-shells.sh");
        assert!(
            out.status.success(),
            "installing zsh and fish failed: the completion tests cannot run (they are never skipped)"
        );
    });
}

/// Run a proptest property in a thread with a large stack (proptest's recursive strategies
/// go deep in debug builds): `default_cases` cases, or `PROPTEST_CASES` for a long local run.
pub fn check_property<S, F>(name: &'static str, default_cases: u32, strategy: fn() -> S, test: F)
where
    S: proptest::strategy::Strategy + 'static,
    S::Value: std::fmt::Debug,
    F: Fn(S::Value) -> Result<(), proptest::test_runner::TestCaseError> + Send + 'static,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_cases);
    let config = proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..Default::default()
    };
    let handle = std::thread::Builder::new()
        .name(name.into())
        .stack_size(256 << 20)
        .spawn(move || {
            let mut runner = proptest::test_runner::TestRunner::new(config);
            runner.run(&strategy(), test).map_err(|e| e.to_string())
        })
        .expect("spawn the property thread");
    match handle.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{name}: {e}"),
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// A tool this kind of machine has at a fixed path (google-cloud-cli packages; CI included).
/// A missing one fails the test: end-to-end tests are never skipped.
pub fn machine_tool(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    assert!(
        p.is_file(),
        "{path} is missing: this machine should have it (google-cloud-cli packages); end-to-end tests are never skipped"
    );
    p
}

/// kpt 1.0.0-beta.x from the package google-cloud-cli-kpt (`/usr/bin/kpt`).
pub fn kpt() -> PathBuf {
    static KPT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    KPT.get_or_init(|| {
        let kpt = machine_tool("/usr/bin/kpt");
        let out = run_cmd(Command::new(&kpt).arg("version"), b"");
        let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success() && v.starts_with("1.0.0-beta."),
            "kpt version: {}",
            output_text(&out)
        );
        kpt
    })
    .clone()
}

/// One kubectl that runs kustomize: a label for messages, the binary, and the kustomize
/// version it embeds (`v5.0.1`, `v5.4.2`, ...).
#[derive(Debug, Clone)]
pub struct Kubectl {
    pub label: String,
    pub path: PathBuf,
    pub kustomize: String,
    /// `gitVersion`, e.g. `v1.27.16`, `v1.32.4-dispatcher`.
    pub version: String,
}

impl Kubectl {
    /// kustomize before api v0.17 (kustomize 5.4) streams an exec plugin's stderr straight to
    /// its own stderr instead of putting it into the error it returns.
    pub fn streams_plugin_stderr(&self) -> bool {
        let v = self.kustomize.trim_start_matches('v');
        let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major, minor) < (5, 4)
    }

    /// google-cloud-cli's `/usr/bin/kubectl` (`v1.32.4-dispatcher`) reports a failed command
    /// through klog (`E... run.go:72] "command failed" err=<`), not as `error: ...`.
    pub fn is_dispatcher(&self) -> bool {
        self.version.ends_with("-dispatcher")
    }
}

impl std::fmt::Display for Kubectl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// (gitVersion, kustomizeVersion) of a kubectl.
fn versions(kubectl: &Path) -> (String, String) {
    let out = run_cmd(
        Command::new(kubectl).args(["version", "--client", "-o", "yaml"]),
        b"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_else(|| panic!("{}: no {name} in {}", kubectl.display(), output_text(&out)))
    };
    (field("gitVersion:"), field("kustomizeVersion:"))
}

/// Every kubectl the kustomize tests run: this machine's kubectl 1.27-1.33 (google-cloud-cli:
/// kustomize 5.0.1-5.6.0) and its default `/usr/bin/kubectl` (1.32 dispatcher), then the pinned
/// 1.31, 1.35 and 1.36 from `.ci/install-tools.sh` (kustomize 5.4.2, 5.7.1, 5.8.1).
pub fn kubectls() -> Vec<Kubectl> {
    static ALL: std::sync::OnceLock<Vec<Kubectl>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut paths: Vec<(String, PathBuf)> = (27..=33)
            .map(|m| {
                let p = format!("/usr/lib/google-cloud-sdk/bin/kubectl.1.{m}");
                (format!("kubectl.1.{m}"), machine_tool(&p))
            })
            .collect();
        paths.push(("/usr/bin/kubectl".into(), machine_tool("/usr/bin/kubectl")));
        let pinned = tools();
        for t in ["kubectl131", "kubectl135", "kubectl136"] {
            let p = pinned.join(t);
            assert!(p.is_file(), "{} missing", p.display());
            paths.push((format!("pinned {t}"), p));
        }
        paths
            .into_iter()
            .map(|(label, path)| {
                let (version, kustomize) = versions(&path);
                Kubectl {
                    label: format!("{label} ({version}, kustomize {kustomize})"),
                    path,
                    kustomize,
                    version,
                }
            })
            .collect()
    })
    .clone()
}

/// Copy a directory tree (files, directories; hidden files included).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let e = e.unwrap_or_else(|e| panic!("{e}"));
        let (src, dest) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dest);
        } else {
            std::fs::copy(&src, &dest).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        }
    }
}

/// Every file under `dir`, by path relative to it (with `/`), with its bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap_or(&p);
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(
                    rel,
                    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                );
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A unified diff of two files' bytes (empty when equal).
pub fn file_diff(path: &str, want_label: &str, want: &[u8], got_label: &str, got: &[u8]) -> String {
    if want == got {
        return String::new();
    }
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    similar::TextDiff::from_lines(w.as_ref(), g.as_ref())
        .unified_diff()
        .header(
            &format!("{want_label}/{path}"),
            &format!("{got_label}/{path}"),
        )
        .to_string()
}

/// A temporary work area (packages, scripts, result directories) under a canonical path, so
/// that it compares with the absolute paths tools report. Removed when dropped.
pub struct Work {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl Work {
    pub fn new() -> Work {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        Work { _dir: dir, root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `rel`, created as a directory.
    pub fn dir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{e}"));
        p
    }
}

/// A path as text (every test path is UTF-8).
pub fn utf8(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("{} is not UTF-8", p.display()))
}

/// Run kpt in `cwd`.
pub fn kpt_in(cwd: &Path, args: &[&str]) -> Output {
    kpt_env(cwd, args, &[])
}

/// Run kpt in `cwd` with `env` added (and without an inherited
/// `SPACES_POSTRENDER_LOAD_RESTRICTOR`, which would lift the rule some tests check).
pub fn kpt_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(kpt());
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("SPACES_POSTRENDER_LOAD_RESTRICTOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_cmd(&mut cmd, b"")
}

/// Assert that a command succeeded, showing its output if not.
pub fn assert_ok(what: &str, out: &Output) {
    assert!(out.status.success(), "{what} failed:\n{}", output_text(out));
}
