//! `completions <shell>` and `man`: generated from the clap definitions, so they always list
//! the real subcommands and flags. bash's, zsh's and fish's own completion engines run the
//! generated scripts; zsh and fish come from Debian's packages (`.ci/install-shells.sh`, run by
//! `common::shells`, failing rather than skipping when it cannot install them).

use crate::common;

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

/// The lines typed at each shell, and the candidates its completion must offer, in order:
/// after a subcommand that subcommand's flags (clap-rs/clap#6421 broke this in bash for a
/// hyphenated binary name), the values of `--target`, and subcommands at the top level.
const COMPLETIONS: [(&str, &[&str]); 5] = [
    ("spaces-postrender generate --tar", &["--target"]),
    ("spaces-postrender why --inp", &["--input"]),
    ("spaces-postrender --tar", &["--target"]),
    ("spaces-postrender gen", &["generate"]),
    (
        "spaces-postrender generate --target ",
        &["space", "control-plane", "argocd"],
    ),
];

/// Drive bash's completion function itself (not a grep of the script), as bash would for
/// `complete -F`: each line of [`COMPLETIONS`] completes to its candidates.
#[test]
fn bash_completes_after_a_subcommand() {
    let dir = tempdir();
    let script = dir.path().join("spaces-postrender.bash");
    write(&script, &out(&["completions", "bash"]));
    for (line, want) in COMPLETIONS {
        // The words as bash splits them; a line ending in a space completes an empty word.
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if line.ends_with(' ') {
            words.push("");
        }
        let driver = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_spaces__postrender spaces-postrender '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let o = run(Command::new("bash").arg("-c").arg(&driver), b"");
        let text = o.ok(&format!("bash completion of {line:?}"));
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            want,
            "bash: {line:?}<TAB>"
        );
    }
}

/// Set up in the interactive zsh: the completion system with the generated `_spaces-postrender`
/// on `fpath`, and a `compadd` wrapper that appends every match it adds to `$ZOUT` (calls
/// that only collect matches, `-O`/`-A`/`-D`, pass through). A post-completion hook marks the
/// end of the completion.
const ZSH_INIT: &str = r#"fpath=("$ZDIR" $fpath)
autoload -Uz compinit && compinit -u -D
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"; return
  fi
  local -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >> "$ZOUT"
  builtin compadd "$@"
}
_capture_done() { print done > "$ZOUT.done" }
comppostfuncs=(_capture_done)
bindkey '^I' complete-word
print ready > "$ZOUT.ready"
"#;

/// `zsh -f drive.zsh INIT LINE`: an interactive zsh in a pseudo-terminal (zsh/zpty, as ZLE
/// needs a terminal) sources INIT, then LINE is typed with a TAB; waits (10 s at most) for the
/// completion to finish.
const ZSH_DRIVE: &str = r#"zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "source ${(q)1}"
for i in {1..200}; do [[ -e $ZOUT.ready ]] && break; sleep 0.05; done
[[ -e $ZOUT.ready ]] || { print -u2 "the interactive zsh did not start"; exit 4 }
zpty -w -n z "$2"$'\t'
for i in {1..200}; do [[ -e $ZOUT.done ]] && break; sleep 0.05; done
if [[ ! -e $ZOUT.done ]]; then
  zpty -r -t z screen; print -u2 -r -- "no completion ran; the terminal showed: $screen"; exit 5
fi
zpty -d z
"#;

/// zsh's completion system itself (compinit, the generated `_arguments` spec), not a grep of
/// the script: each line of [`COMPLETIONS`] completes to its candidates.
#[test]
fn zsh_completes_after_a_subcommand() {
    common::shells();
    let dir = tempdir();
    write(
        &dir.path().join("_spaces-postrender"),
        &out(&["completions", "zsh"]),
    );
    let (init, drive) = (dir.path().join("init.zsh"), dir.path().join("drive.zsh"));
    write(&init, ZSH_INIT);
    write(&drive, ZSH_DRIVE);
    for (i, (line, want)) in COMPLETIONS.iter().enumerate() {
        let capture = dir.path().join(format!("matches-{i}"));
        let o = run(
            Command::new("zsh")
                .arg("-f")
                .arg(&drive)
                .arg(&init)
                .arg(line)
                .env("ZDIR", dir.path())
                .env("ZOUT", &capture)
                .env("HOME", dir.path()),
            b"",
        );
        o.ok(&format!("zsh completion of {line:?}"));
        let got = std::fs::read_to_string(&capture).unwrap_or_default();
        assert_eq!(got.lines().collect::<Vec<_>>(), *want, "zsh: {line:?}<TAB>");
    }
}

/// fish's own completion engine (`complete -C`) over the generated script: each line of
/// [`COMPLETIONS`] completes to its candidates (fish prints `candidate<TAB>description`).
#[test]
fn fish_completes_after_a_subcommand() {
    common::shells();
    let dir = tempdir();
    let script = dir.path().join("spaces-postrender.fish");
    write(&script, &out(&["completions", "fish"]));
    for (line, want) in COMPLETIONS {
        let o = run(
            Command::new("fish")
                .arg("--no-config")
                .arg("-c")
                .arg("source $argv[1]; complete -C $argv[2]")
                .arg(&script)
                .arg(line)
                // fish keeps history and universal variables under these.
                .env("HOME", dir.path())
                .env("XDG_CONFIG_HOME", dir.path().join("config"))
                .env("XDG_DATA_HOME", dir.path().join("data")),
            b"",
        );
        let text = o.ok(&format!("fish completion of {line:?}"));
        // fish sorts the candidates itself.
        let mut got: Vec<&str> = text
            .lines()
            .map(|l| l.split('\t').next().unwrap_or(l))
            .collect();
        got.sort_unstable();
        let mut want = want.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "fish: {line:?}<TAB>:\n{text}");
    }
}
