//! The `spaces-postrender` binary: parse arguments, wire the real standard streams, exit.
use clap::Parser;
use std::io::{IsTerminal, Write};

fn main() {
    let cli = spaces_postrender::cli::Cli::parse();
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let mut stdin = stdin.lock();
    let stdout = std::io::stdout();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let stderr = std::io::stderr();
    let stderr_is_terminal = stderr.is_terminal();
    let mut stderr = stderr.lock();
    let env = |k: &str| std::env::var(k).ok();
    let mut io = spaces_postrender::cli::Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal,
        env: &env,
    };
    let code = spaces_postrender::cli::run(cli, &mut io);
    let flushed = stdout.flush();
    std::process::exit(if flushed.is_err() && code == 0 {
        spaces_postrender::EXIT_INVALID
    } else {
        code
    });
}
