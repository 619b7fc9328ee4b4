//! CLI behaviour as case files (`tests/cmd/*.toml` and `*.md`), run by trycmd as crate-ci/typos
//! does: each case names its arguments, standard input and expected output. Regenerate the
//! expected output of a changed case with `TRYCMD=overwrite cargo test --test cmd`, then read
//! the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .default_bin_name("spaces-postrender")
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.md");
}
