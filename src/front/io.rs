//! The process's standard streams and environment, injected into every front end so that
//! they run in tests without a process. Only `main.rs` builds the real one.

use crate::diag::{Code, Diagnostic};
use std::io::{Read, Write};

/// The process's standard streams and environment.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    /// Whether stdin is a terminal (then it is not read).
    pub stdin_is_terminal: bool,
    /// Device and inode of standard input, when it has them: a values path with the same
    /// identity is standard input under another name.
    pub stdin_id: Option<(u64, u64)>,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Whether stderr is a terminal (then diffs are coloured, unless `NO_COLOR` is set).
    pub stderr_is_terminal: bool,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Io<'_> {
    /// The usage error for a command that would read `what` from standard input while it is a
    /// terminal (nothing is read: a person would wait on a silent prompt). `None` when standard
    /// input is not a terminal. `hint` says how to give the input.
    pub fn terminal_stdin(&self, what: &str, hint: &str) -> Option<Diagnostic> {
        self.stdin_is_terminal.then(|| {
            Diagnostic::error(
                Code::Usage,
                "",
                format!("standard input is a terminal, but {what} from it"),
            )
            .hint(hint)
        })
    }
}
