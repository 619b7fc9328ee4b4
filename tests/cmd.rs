//! CLI behaviour as case files (`tests/cmd/*.toml` and `*.md`) and the console examples of the
//! documentation, both run by trycmd as crate-ci/typos and kube-rs/kopium do.
//!
//! Case files: each names its arguments, standard input and expected output. Regenerate the
//! expected output of a changed case with `TRYCMD=overwrite cargo test --locked --test cmd`, then
//! read the diff. Conventions:
//! - A case runs in the repository root unless it has `fs.sandbox = true` (a fresh temporary
//!   directory, filled from `<case>.in/` when there is one; `<case>.out/` lists files it must
//!   hold afterwards); paths in its arguments are relative to where it runs.
//! - Standard input from a fixture is a symlink `<case>.stdin -> ../../fixtures/...`, so the
//!   fixture exists once. An expected output that another harness already pins is a symlink to
//!   that file (`golden/why/...`, `golden/krm/...`), or to another case's output when two
//!   spellings must print the same (`explain --json`, `why --output json`, `help`): overwriting
//!   writes through it, so read `git diff` afterwards as always.
//! - `binary = true` (every `.toml` case but `version.toml`): bytes compared exactly, and
//!   written back exactly. A text case (and every `.md` case: trycmd reads them as text) has
//!   `\r\n` and every `\` normalized to `\n` and `/` on both sides, and overwriting writes the
//!   normalized text: text only for a case that needs `[..]`, or an `.md` with no `\`.
//! - `[..]` and `...` stand only for what varies between runs (the version).
//!
//! Docs: every ```console block of README.md and docs/**/*.md. In such a block a line
//! `$ spaces-postrender ARGS` is a command (split like a shell would, but with no pipes,
//! redirections or comments: use `--input FILE` instead of `< FILE`); `? 1` after it is the
//! expected exit code (default: success); the lines up to the next `$ ` or the end of the block
//! are its expected standard output and standard error together. A line `...` stands for any
//! number of lines, `[..]` for the rest of a line. The command runs in the repository root, so
//! examples can use `fixtures/` and `tests/fixtures-helm/`. Every fenced block in these files
//! therefore needs a language: a bare fence is read as a trycmd block. Examples that need helm,
//! kubectl or kpt are ```sh blocks, not run here: they are the commands the full tier runs.

/// What the tool reads from the environment, and what sizes clap's help (COLUMNS, LINES; no
/// terminal here, so 100 columns unless a case sets COLUMNS): a case sets what it needs. Removed
/// once, before either test starts a case (the other waits on the `Once`), and never again.
fn clean_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for var in [
            "HELM_NAMESPACE",
            "HELM_PLUGIN_NAME",
            "NO_COLOR",
            "COLUMNS",
            "LINES",
            "KUSTOMIZE_PLUGIN_HOME",
        ] {
            std::env::remove_var(var);
        }
    });
}

#[test]
fn cli_cases() {
    clean_env();
    trycmd::TestCases::new()
        .default_bin_name("spaces-postrender")
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.md");
}

#[test]
fn console_examples_in_the_docs() {
    clean_env();
    trycmd::TestCases::new()
        .register_bin(
            "spaces-postrender",
            std::path::Path::new(env!("CARGO_BIN_EXE_spaces-postrender")),
        )
        .env("COLUMNS", "100")
        .case("README.md")
        .case("docs/**/*.md");
}
