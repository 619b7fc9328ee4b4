//! `completions <shell>` and `man`: generated from the clap definitions, so they always list
//! the real subcommands and flags.

mod common;

use common::e2e::*;
use std::process::Command;

fn out(args: &[&str]) -> String {
    run(Command::new(BIN).args(args), b"")
        .ok(&format!("spaces-postrender {}", args.join(" ")))
        .to_string()
}

const SUBCOMMANDS: [&str; 7] = [
    "generate",
    "validate",
    "explain",
    "krm",
    "install-kustomize-plugin",
    "completions",
    "man",
];

#[test]
fn completions_for_every_shell() {
    // A marker that only that shell's script has.
    let shells = [
        ("bash", "complete -F _spaces__postrender"),
        ("zsh", "#compdef spaces-postrender"),
        ("fish", "complete -c spaces-postrender"),
        ("elvish", "edit:completion:arg-completer[spaces-postrender]"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'spaces-postrender'",
        ),
    ];
    let mut seen = vec![];
    for (shell, marker) in shells {
        let text = out(&["completions", shell]);
        assert!(text.contains(marker), "{shell}: no {marker:?} in\n{text}");
        for sub in SUBCOMMANDS {
            assert!(text.contains(sub), "{shell}: subcommand {sub} missing");
        }
        // (fish writes long flags as `-l name`)
        for flag in ["set-string", "controller-service-account", "target"] {
            assert!(text.contains(flag), "{shell}: flag {flag} missing");
        }
        assert!(
            !seen.contains(&text),
            "{shell}: same script as another shell"
        );
        seen.push(text);
    }
    // An unknown shell: tests/cmd/completions-bad-shell.toml.
}

#[test]
fn completions_are_valid_bash() {
    let script = out(&["completions", "bash"]);
    let dir = tempdir();
    let f = dir.path().join("c.bash");
    write(&f, &script);
    let check = run(Command::new("bash").arg("-n").arg(&f), b"");
    check.ok("bash -n on the completion script");
}

#[test]
fn man_page() {
    let page = out(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".TH spaces-postrender 1"));
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!(
                "spaces\\-postrender\\-{}",
                sub.replace('-', "\\-")
            )),
            "{sub} missing from SEE ALSO/SUBCOMMANDS"
        );
    }
    assert!(page.contains("\\-\\-controller\\-service\\-account"));

    let dir = tempdir();
    let printed = out(&["man", "--dir", &dir.path().to_string_lossy()]);
    assert_eq!(printed.trim(), dir.path().to_string_lossy());
    for sub in SUBCOMMANDS {
        let f = dir.path().join(format!("spaces-postrender-{sub}.1"));
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(text.contains(".TH spaces-postrender-"), "{}", f.display());
    }
    let main = std::fs::read_to_string(dir.path().join("spaces-postrender.1")).unwrap_or_default();
    assert_eq!(
        main, page,
        "the main page in the directory is the printed one"
    );
}

/// Drive bash's completion function itself (not a grep of the script): after a subcommand, a
/// flag prefix completes to that subcommand's flags (clap-rs/clap#6421 broke this for a
/// hyphenated binary name), and subcommands complete at the top level.
#[test]
fn bash_completes_after_a_subcommand() {
    let dir = tempdir();
    let script = dir.path().join("spaces-postrender.bash");
    write(&script, &out(&["completions", "bash"]));
    let complete = |words: &[&str]| -> String {
        let driver = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_spaces__postrender spaces-postrender '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        run(Command::new("bash").arg("-c").arg(&driver), b"")
            .ok("bash completion")
            .to_string()
    };
    assert_eq!(
        complete(&["spaces-postrender", "generate", "--tar"]),
        "--target\n"
    );
    assert_eq!(
        complete(&["spaces-postrender", "why", "--inp"]),
        "--input\n"
    );
    assert_eq!(complete(&["spaces-postrender", "--tar"]), "--target\n");
    assert!(complete(&["spaces-postrender", "gen"]).contains("generate"));
}
