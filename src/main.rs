//! The `spaces-postrender` binary: parse arguments, wire the real standard streams, exit.
//!
//! Started under the name `SpacesPostRender` with a file argument, it is the kustomize exec
//! plugin (see `kustomize.rs`); otherwise the CLI.
//!
//! Every write to standard output goes through [`Tracked`], so a failed write (a full disk,
//! a closed pipe, `>&-`) is said on stderr and exits 1, whichever command wrote.
use spaces_postrender::diag::{Code, Diagnostic};
use spaces_postrender::front;
use spaces_postrender::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;

/// mimalloc instead of the C library's allocator, with the `mimalloc` feature (on in the static
/// musl release build, whose own allocator is much slower on large streams; see
/// docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A writer that remembers its first error (the callers below it may ignore one).
struct Tracked<W: Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: Write> Tracked<W> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() {
                self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
            }
        }
        r
    }
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let r = self.inner.write_all(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// Whether file descriptor 1 was closed when the process started, recorded by [`CHECK_STDOUT`]
/// before the Rust runtime runs: the runtime opens `/dev/null` on a closed standard descriptor
/// before `main`, after which `>&-` could not be told from an open `/dev/null` (which a caller
/// may open write-only or read-write alike).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `fcntl(1, F_GETFD)` fails only on a descriptor that is not open: the exact test.
extern "C" fn check_stdout() {
    extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    const F_GETFD: i32 = 1;
    // SAFETY: F_GETFD takes no argument and only reads the descriptor table.
    if unsafe { fcntl(1, F_GETFD) } == -1 {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Run by the C runtime's initialisers (`.init_array`), before the Rust runtime's start-up.
#[used]
#[link_section = ".init_array"]
static CHECK_STDOUT: extern "C" fn() = check_stdout;

/// Whether file descriptor 1 was open when the process started.
fn stdout_is_open() -> bool {
    !STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Device and inode of standard input, so that a values path naming it (`/dev/stdin`,
/// `/proc/self/fd/0`, a symlink to either) is recognised whatever it is called.
fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let m = std::fs::File::from(fd).metadata().ok()?;
    Some((m.dev(), m.ino()))
}

/// Whether clap is showing the top-level help (`--help`, `-h`, `help`), after which the
/// examples follow.
fn top_level_help(args: &[std::ffi::OsString], e: &clap::Error) -> bool {
    e.kind() == clap::error::ErrorKind::DisplayHelp
        && matches!(
            args.iter().skip(1).map(|a| a.to_str()).collect::<Vec<_>>()[..],
            [Some("-h" | "--help")] | [Some("help")]
        )
}

fn fail_write(e: &std::io::Error) -> i32 {
    front::run::say(
        &mut std::io::stderr(),
        &Diagnostic::error(
            Code::WriteOutput,
            "",
            format!("cannot write to standard output: {e}"),
        )
        .hint("the output is incomplete; do not apply it"),
    );
    EXIT_INVALID
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if !stdout_is_open() {
        front::run::say(
            &mut std::io::stderr(),
            &Diagnostic::error(
                Code::WriteOutput,
                "",
                "standard output is closed; nothing can be written",
            ),
        );
        std::process::exit(EXIT_INVALID);
    }
    let exec_plugin = front::kustomize::is_exec_plugin(&args);
    let cli = if exec_plugin {
        None
    } else {
        match front::cli::Cli::try_parse_noting(&args) {
            Ok(c) => Some(c),
            Err(e) => {
                // Asked for JSON or SARIF diagnostics: the usage error is that one document.
                if let Some((text, to_stdout)) = e
                    .use_stderr()
                    .then(|| front::cli::usage_report(&args, &e))
                    .flatten()
                {
                    let written = if to_stdout {
                        std::io::stdout().write_all(text.as_bytes())
                    } else {
                        std::io::stderr().write_all(text.as_bytes())
                    };
                    std::process::exit(match written {
                        Err(err) if to_stdout => fail_write(&err),
                        _ => EXIT_USAGE,
                    });
                }
                // --help and --version are "errors" that print on stdout and exit 0: a failed
                // write must still fail.
                let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
                let printed = e.print().and_then(|()| {
                    let mut out = std::io::stdout();
                    if top_level_help(&args, &e) {
                        // Verbatim: commands that can be pasted at any terminal width.
                        writeln!(out, "\n{}", front::cli::examples())?;
                    }
                    out.flush()
                });
                std::process::exit(match printed {
                    Err(err) if !e.use_stderr() => fail_write(&err),
                    _ => code,
                });
            }
        }
    };
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let stdin_id = stdin_identity();
    let mut stdin = stdin.lock();
    let stdout = std::io::stdout();
    let mut stdout = Tracked {
        inner: std::io::BufWriter::with_capacity(1 << 20, stdout.lock()),
        error: None,
    };
    let stderr = std::io::stderr();
    let stderr_is_terminal = stderr.is_terminal();
    let mut stderr = stderr.lock();
    let env = |k: &str| std::env::var(k).ok();
    let mut io = front::cli::Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdin_id,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal,
        env: &env,
    };
    let code = match (cli, args.get(1)) {
        (Some(cli), _) => front::cli::run(cli, &mut io),
        (None, Some(config)) => {
            front::kustomize::exec_plugin(std::path::Path::new(config), &mut io)
        }
        (None, None) => EXIT_USAGE,
    };
    let _ = stdout.flush();
    let code = match stdout.error.take() {
        // A command that failed has said why (a failed write among its errors); one that
        // thinks it succeeded learns here that its output did not arrive.
        Some(e) if code == EXIT_OK => fail_write(&e),
        _ => code,
    };
    std::process::exit(code);
}
