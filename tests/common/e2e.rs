//! `common::e2e`: shared by the end-to-end tests of the integrations (Helm 4 plugin, kustomize exec plugin,
//! Argo CD CMP): the real tools, the built binary, and running commands.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_spaces-postrender");

pub use super::root;

/// The directory with the pinned helm3, helm4, helm42 and kubectls (`.ci/install-tools.sh`,
/// through [`super::tools`]: one way to install them). A failure fails the test.
pub fn tools() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(super::tools)
}

pub fn tool(name: &str) -> PathBuf {
    tools().join(name)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

/// A temporary directory for a `static` (shared by every test of a binary, so never dropped):
/// under the target directory (`CARGO_TARGET_TMPDIR`), not the system's, so a run leaves
/// nothing in `/tmp`; the next run's directory is a new one beside it.
pub fn static_tempdir() -> tempfile::TempDir {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap_or_else(|e| panic!("{}: {e}", base.display()));
    tempfile::tempdir_in(base).unwrap_or_else(|e| {
        panic!(
            "cannot create a temporary directory in {}: {e}",
            base.display()
        )
    })
}

pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Out {
    pub fn ok(&self, what: &str) -> &str {
        assert_eq!(
            self.code, 0,
            "{what} failed:\n{}\n{}",
            self.stderr, self.stdout
        );
        &self.stdout
    }
}

/// Run `cmd` with `stdin`; returns its output whatever the exit code.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin);
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {cmd:?}: {e}"));
    Out {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

pub fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Copy a directory tree (files and directories only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let e = e.unwrap_or_else(|e| panic!("{e}"));
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

/// The shared fixture chart for the end-to-end tests (a spaces-controller ServiceAccount and
/// Deployment in upbound-system, and a ConfigMap).
/// What the fixture chart renders with the Argo CD plugin on (on-cluster), post-rendered:
/// its own objects and the generated Role and RoleBinding, as [`kind_names`] lists them.
pub const CHART_WITH_ARGOCD_PLUGIN: [&str; 6] = [
    "ConfigMap upbound-system/spaces-settings",
    "Deployment upbound-system/spaces-controller",
    "Job upbound-system/spaces-pre-upgrade",
    "Role argocd/spaces-argocd-plugin",
    "RoleBinding argocd/spaces-argocd-plugin",
    "ServiceAccount upbound-system/spaces-controller",
];

pub fn chart() -> PathBuf {
    root().join("tests/fixtures-helm/spaces-chart")
}

/// Split a multi-document stream into (Source comment, kind, name, namespace) per object,
/// reading the YAML of each document.
pub fn objects(stream: &str) -> Vec<serde_json::Value> {
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(stream)
        .unwrap_or_else(|e| panic!("output is not YAML: {e}\n{stream}"));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

pub fn kind_names(stream: &str) -> Vec<String> {
    let mut v: Vec<String> = objects(stream)
        .iter()
        .map(|o| {
            format!(
                "{} {}/{}",
                o["kind"].as_str().unwrap_or(""),
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    v.sort();
    v
}
