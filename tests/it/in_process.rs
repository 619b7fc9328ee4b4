//! The CLI as a library: commands run in this process with an injected `Io` (buffers for the
//! standard streams, a map for the environment), and answer exactly as the binary does.

use spaces_postrender::front::cli::{self, Cli, Io};
use std::collections::HashMap;
use std::ffi::OsString;
use std::process::{Command, Stdio};

struct Answer {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Run `args` in process, with `stdin` and only `env` as the environment.
fn in_process(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Answer {
    let argv: Vec<OsString> = std::iter::once("spaces-postrender")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    let parsed = Cli::try_parse_noting(&argv).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = |k: &str| env.get(k).cloned();
    let (mut input, mut stdout, mut stderr) = (stdin, Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut input,
        stdin_is_terminal: false,
        stdin_id: None,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal: false,
        env: &lookup,
    };
    let code = cli::run(parsed, &mut io);
    Answer {
        code,
        stdout,
        stderr,
    }
}

/// The same command as a process, with the same environment and nothing else.
fn as_process(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Answer {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spaces-postrender"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    Answer {
        code: out.status.code().expect("exit code"),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Arguments, standard input, environment.
type Case<'a> = (&'a [&'a str], &'a [u8], &'a [(&'a str, &'a str)]);

#[test]
fn commands_answer_in_process_as_the_binary_does() {
    // In-process runs resolve relative paths from the working directory, which for tests is
    // the package root, as `as_process` sets it.
    assert_eq!(
        std::env::current_dir().expect("cwd"),
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
    );
    let spaces = fixture("fixtures/input/spaces.yaml");
    let cases: &[Case] = &[
        // Post-render with features on: the manifests, then the generated objects.
        (
            &["-f", "fixtures/values/argocd-external.yaml"],
            &spaces,
            &[("HELM_NAMESPACE", "upbound-system")],
        ),
        // A values error: exit 1, nothing on stdout, the diagnostic as JSON.
        (
            &[
                "--set-string",
                "features.alpha.argocdPlugin.enabled=true",
                "--diagnostics",
                "json",
            ],
            &spaces,
            &[],
        ),
        (
            &[
                "validate",
                "--set",
                "features.alpha.eso.enabled=true",
                "--spaces-version",
                "1.1",
            ],
            b"",
            &[],
        ),
        (&["explain", "features.alpha.argocdPlugin"], b"", &[]),
        (
            &["why", "-f", "fixtures/values/argocd-on-cluster.yaml"],
            &spaces,
            &[],
        ),
        (
            &[
                "generate",
                "--target",
                "control-plane",
                "--set",
                "features.alpha.eso.enabled=true",
            ],
            b"",
            &[],
        ),
    ];
    for (args, stdin, env) in cases {
        let a = in_process(args, stdin, env);
        let b = as_process(args, stdin, env);
        let show = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        assert_eq!(a.code, b.code, "{args:?}: exit code; {}", show(&a.stderr));
        assert_eq!(show(&a.stdout), show(&b.stdout), "{args:?}: stdout");
        assert_eq!(show(&a.stderr), show(&b.stderr), "{args:?}: stderr");
        assert!(
            a.code != 0 || !a.stdout.is_empty(),
            "{args:?}: a case that writes nothing proves little"
        );
    }
}
