//! CLI behaviour as case files (`tests/cmd/*.toml` and `*.md`), run by trycmd as crate-ci/typos
//! does: each case names its arguments, standard input and expected output. Regenerate the
//! expected output of a changed case with `TRYCMD=overwrite cargo test --test cmd`, then read
//! the diff.
//!
//! Conventions:
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

#[test]
fn cli_cases() {
    // What the tool reads from the environment, and what sizes clap's help (COLUMNS, LINES; no
    // terminal here, so 100 columns unless a case sets COLUMNS): a case sets what it needs.
    // Removed from this process (the only test in this binary) before any case starts.
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
    trycmd::TestCases::new()
        .default_bin_name("spaces-postrender")
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.md");
}
