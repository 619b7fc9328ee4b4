//! The `spaces-postrender` binary: parse arguments, wire the real standard streams, exit.
//!
//! Started under the name `SpacesPostRender` with a file argument, it is the kustomize exec
//! plugin (see `kustomize.rs`); otherwise the CLI.
use clap::Parser;
use std::io::{IsTerminal, Write};

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let exec_plugin = spaces_postrender::kustomize::is_exec_plugin(&args);
    let cli = if exec_plugin {
        None
    } else {
        Some(spaces_postrender::cli::Cli::parse_from(&args))
    };
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
    let code = match (cli, args.get(1)) {
        (Some(cli), _) => spaces_postrender::cli::run(cli, &mut io),
        (None, Some(config)) => {
            spaces_postrender::kustomize::exec_plugin(std::path::Path::new(config), &mut io)
        }
        (None, None) => spaces_postrender::EXIT_USAGE,
    };
    let flushed = stdout.flush();
    std::process::exit(if flushed.is_err() && code == 0 {
        spaces_postrender::EXIT_INVALID
    } else {
        code
    });
}
