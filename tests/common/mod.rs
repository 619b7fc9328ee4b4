//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
    cmd.args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("HELM_NAMESPACE")
        .env_remove("HELM_PLUGIN_NAME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn spaces-postrender");
    let mut sin = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    out
}

pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let p = root().join(path.as_ref());
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Compare `actual` with the golden file, or rewrite it when UPDATE_GOLDEN=1.
pub fn golden(path: &str, actual: &[u8]) {
    let p = root().join(path);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read(&p).unwrap_or_else(|e| {
        panic!("golden file {path} missing ({e}); run UPDATE_GOLDEN=1 cargo test")
    });
    if expected != actual {
        let e = String::from_utf8_lossy(&expected);
        let a = String::from_utf8_lossy(actual);
        let diff = similar::TextDiff::from_lines(e.as_ref(), a.as_ref())
            .unified_diff()
            .header(path, "actual")
            .to_string();
        panic!("{path} differs from the actual output (UPDATE_GOLDEN=1 cargo test regenerates; read the diff first):\n{diff}");
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
