//! The console examples of the documentation are tests: trycmd runs every ```console block of
//! README.md and docs/**/*.md, as kube-rs/kopium and crate-ci/typos do.
//!
//! In such a block a line `$ spaces-postrender ARGS` is a command (split like a shell would, but
//! with no pipes, redirections or comments: use `--input FILE` instead of `< FILE`); `? 1` after
//! it is the expected exit code (default: success); the lines up to the next `$ ` or the end of
//! the block are its expected standard output and standard error together. A line `...` stands
//! for any number of lines, `[..]` for the rest of a line. The command runs in the repository
//! root, so examples can use `fixtures/` and `tests/fixtures-helm/`.
//!
//! Every fenced block in these files therefore needs a language: a bare fence is read as a
//! trycmd block. Examples that need helm, kubectl or kpt are ```sh blocks and are not run here;
//! they are the commands the end-to-end tests (`tests/e2e_*.rs`) run.
//!
//! After an intended change of output: `TRYCMD=overwrite cargo test --locked --test
//! docs_examples` rewrites the expected output in the Markdown files; read the diff.

#[test]
fn console_examples_in_the_docs() {
    trycmd::TestCases::new()
        .register_bin(
            "spaces-postrender",
            std::path::Path::new(env!("CARGO_BIN_EXE_spaces-postrender")),
        )
        // The variables the tool reads, neutral (empty is unset for it), whatever the caller has.
        .env("HELM_NAMESPACE", "")
        .env("HELM_PLUGIN_NAME", "")
        .env("COLUMNS", "100")
        .case("README.md")
        .case("docs/**/*.md");
}
