//! The `spaces-postrender-check` hook of `.pre-commit-hooks.yaml`, run by the real pre-commit
//! (PyPI, pinned below) on a temporary git repository: a stale golden file fails the commit,
//! a fresh one passes.
//!
//! pre-commit is installed by `.ci/install-pre-commit.sh`, which this test runs: pinned with
//! hashes in `.ci/requirements-pre-commit.txt`, into a cached virtualenv. A failed install
//! fails the test: it is never skipped. Needs `python3` (with `venv`), `git`, and access to
//! PyPI on the first run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// The pre-commit release this hook is tested with.
const PRE_COMMIT_VERSION: &str = "4.7.0";
const BIN: &str = env!("CARGO_BIN_EXE_spaces-postrender");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

static INSTALL: Mutex<Option<PathBuf>> = Mutex::new(None);

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn must(cmd: &mut Command, what: &str) -> Output {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(o.status.success(), "{what} failed:\n{}", show(&o));
    o
}

/// The python of a virtualenv with pre-commit `PRE_COMMIT_VERSION`, installed (pinned and
/// hash-checked) by `.ci/install-pre-commit.sh`.
fn pre_commit_python() -> PathBuf {
    let mut guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = guard.as_ref() {
        return p.clone();
    }
    let o = must(
        Command::new("bash").arg(Path::new(ROOT).join(".ci/install-pre-commit.sh")),
        ".ci/install-pre-commit.sh (installs pre-commit from PyPI; the test fails without it)",
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let python = PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the script prints the venv python")
            .trim(),
    );
    let v = must(
        Command::new(&python).args(["-m", "pre_commit", "--version"]),
        "pre-commit --version",
    );
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("pre-commit {PRE_COMMIT_VERSION}"),
        "the version pinned in .ci/requirements-pre-commit.txt"
    );
    *guard = Some(python.clone());
    python
}

fn git(dir: &Path, args: &[&str]) -> Output {
    must(
        Command::new("git").current_dir(dir).args(args),
        &format!("git {args:?}"),
    )
}

fn git_init(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Test"]);
    git(dir, &["config", "user.email", "test@example.com"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
}

/// A git repository holding this checkout's hook definition and script (the working tree's,
/// not the last commit's), as pre-commit will clone it. Returns its HEAD.
fn hooks_repo(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("plugin/pre-commit")).expect("mkdir");
    std::fs::copy(
        Path::new(ROOT).join(".pre-commit-hooks.yaml"),
        dir.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy .pre-commit-hooks.yaml");
    std::fs::copy(
        Path::new(ROOT).join("plugin/pre-commit/spaces-postrender-check"),
        dir.join("plugin/pre-commit/spaces-postrender-check"),
    )
    .expect("copy the hook script (permissions are kept)");
    git_init(dir);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "hooks"]);
    let o = git(dir, &["rev-parse", "HEAD"]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    path_env: String,
    home: PathBuf,
    golden: String,
}

impl Repo {
    /// A user's repository: values, a golden file with its flags, and a pre-commit config
    /// using the hook from `hooks_repo`; pre-commit installed as its git hook.
    fn new() -> Repo {
        Repo::with_golden("golden/space.yaml")
    }

    /// [`Repo::new`] with the golden file at `golden` (its flags beside it).
    fn with_golden(golden: &str) -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let hooks = tmp.path().join("hooks-repo");
        let rev = hooks_repo(&hooks);
        let dir = tmp.path().join("work");
        std::fs::create_dir_all(dir.join("golden")).expect("mkdir");
        git_init(&dir);
        std::fs::copy(
            Path::new(ROOT).join("fixtures/why/on-cluster.yaml"),
            dir.join("values.yaml"),
        )
        .expect("copy values");
        std::fs::write(
            dir.join(format!("{golden}.flags")),
            format!("# generate flags for {golden}, one argument per line\n-f\nvalues.yaml\n--target\nspace\n"),
        )
        .expect("write flags");
        std::fs::write(
            dir.join(".pre-commit-config.yaml"),
            format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: spaces-postrender-check\n        args: [{golden:?}]\n",
                hooks.display()
            ),
        )
        .expect("write config");
        let bin_dir = Path::new(BIN).parent().expect("bin dir");
        let path_env = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let home = tmp.path().join("pre-commit-home");
        let repo = Repo {
            _tmp: tmp,
            dir,
            path_env,
            home,
            golden: golden.to_string(),
        };
        let python = pre_commit_python();
        let o = repo.run(Command::new(&python).args(["-m", "pre_commit", "install"]));
        assert!(o.status.success(), "pre-commit install:\n{}", show(&o));
        repo
    }

    fn run(&self, cmd: &mut Command) -> Output {
        cmd.current_dir(&self.dir)
            .env("PATH", &self.path_env)
            .env("PRE_COMMIT_HOME", &self.home)
            .env("PRE_COMMIT_COLOR", "never")
            .env_remove("SPACES_POSTRENDER")
            .env_remove("HELM_NAMESPACE")
            .output()
            .expect("run")
    }

    fn generate_golden(&self) {
        let o = self.run(Command::new(BIN).args([
            "generate",
            "-f",
            "values.yaml",
            "--target",
            "space",
            &format!("--output={}", self.golden),
        ]));
        assert!(o.status.success(), "{}", show(&o));
    }

    /// `git add -A && git commit`, through the installed pre-commit git hook.
    fn commit(&self, msg: &str) -> Output {
        git(&self.dir, &["add", "-A"]);
        self.run(Command::new("git").args(["commit", "-m", msg]))
    }

    fn commits(&self) -> usize {
        let o = self.run(Command::new("git").args(["rev-list", "--count", "--all"]));
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }
}

#[test]
fn fresh_golden_file_passes_the_commit() {
    let repo = Repo::new();
    repo.generate_golden();
    let o = repo.commit("fresh golden file");
    let out = show(&o);
    assert!(o.status.success(), "the commit must pass:\n{out}");
    assert!(
        out.contains("spaces-postrender golden files are current") && out.contains("Passed"),
        "{out}"
    );
    assert_eq!(repo.commits(), 1);
}

#[test]
fn stale_golden_file_fails_the_commit_until_regenerated() {
    let repo = Repo::new();
    repo.generate_golden();
    assert!(repo.commit("start").status.success());

    // Change the values but not the golden file.
    let values = repo.dir.join("values.yaml");
    let text = std::fs::read_to_string(&values).expect("read");
    let changed = text.replace("secretNamespace: argocd", "secretNamespace: argo-cd");
    assert_ne!(text, changed);
    std::fs::write(&values, changed).expect("write");
    let o = repo.commit("values only");
    let out = show(&o);
    assert!(!o.status.success(), "the commit must fail:\n{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("--- golden/space.yaml\n+++ generated"),
        "{out}"
    );
    assert!(out.contains("\n-  namespace: \"argocd\"\n"), "{out}");
    assert!(out.contains("\n+  namespace: \"argo-cd\"\n"), "{out}");
    assert!(
        out.contains(
            "spaces-postrender generate -f values.yaml --target space --output=golden/space.yaml"
        ),
        "says how to regenerate: {out}"
    );
    assert_eq!(repo.commits(), 1, "nothing was committed");

    // Regenerated, the same change commits.
    repo.generate_golden();
    let o = repo.commit("values and golden");
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(repo.commits(), 2);
}

#[test]
fn golden_file_without_flags_fails_the_commit_and_says_why() {
    let repo = Repo::new();
    repo.generate_golden();
    std::fs::remove_file(repo.dir.join("golden/space.yaml.flags")).expect("rm");
    let o = repo.commit("no flags");
    let out = show(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("golden/space.yaml.flags does not exist"),
        "{out}"
    );
    assert_eq!(repo.commits(), 0);
}

// A golden file whose name starts with `-`: the hook passed `--check GOLDEN`, so the name was
// read as an option, and the printed regenerate command failed too.
#[test]
fn a_golden_file_named_like_an_option_is_checked_and_regenerated() {
    let repo = Repo::with_golden("-space.yaml");
    repo.generate_golden();
    assert!(repo.dir.join("-space.yaml").is_file());
    let o = repo.commit("fresh");
    assert!(o.status.success(), "{}", show(&o));
    std::fs::write(repo.dir.join("-space.yaml"), "---\n# stale\n").expect("write");
    let o = repo.commit("stale");
    let out = show(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("--- -space.yaml\n+++ generated"), "{out}");
    // The printed command regenerates it, pasted into a shell as it is.
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("spaces-postrender generate"))
        .unwrap_or_else(|| panic!("no regenerate command in {out}"));
    assert!(line.ends_with(" --output=-space.yaml"), "{line}");
    let o = repo.run(Command::new("sh").arg("-c").arg(line.trim()));
    assert!(o.status.success(), "{}", show(&o));
    // Back to what was committed: the stale edit is gone.
    git(
        &repo.dir,
        &["diff", "--exit-code", "HEAD", "--", "./-space.yaml"],
    );
    assert_eq!(repo.commits(), 1);
}
