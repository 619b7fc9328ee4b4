//! Post-render mode (no subcommand): the manifests on standard input, Helm 4's error
//! document, and the switch to the KRM function when the input is a ResourceList.

use super::{checked_features, print_report, settings, Io, RunArgs};
use crate::diag::{Code, Diagnostic, Report};
use crate::front::run::say;
use crate::plan::Target;
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use std::io::{Read, Write};

pub(super) fn krm_input(io: &mut Io, input: &[u8]) -> i32 {
    let o = crate::front::krm::run_to(input, io.stdin_id, &mut *io.stdout);
    let _ = io.stderr.write_all(o.stderr.as_bytes());
    o.code
}

/// Read the rest of standard input after `have`, growing only as far as memory allows: a list
/// larger than that is an error, never an abort. A regular file's size is reserved at once (no
/// doubling past what it needs).
fn read_list(io: &mut Io, mut have: Vec<u8>) -> Result<Vec<u8>, i32> {
    const STEP: usize = 1 << 20;
    let too_big = |io: &mut Io, n: usize| {
        say(
            io.stderr,
            &Diagnostic::error(
                Code::ReadInput,
                "",
                format!("the ResourceList on standard input (more than {} MB) does not fit in the memory this process may use", n >> 20),
            )
            .hint("the KRM function holds the list while it answers; give it more memory, or post-render the items as a manifest stream, which needs memory only for the largest document"),
        );
        EXIT_INVALID
    };
    if let Some(size) = stdin_file_size() {
        let want = size.saturating_sub(have.len());
        if have.try_reserve_exact(want.saturating_add(1)).is_err() {
            return Err(too_big(io, size));
        }
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // Read first, then make room: the read that finds the end needs none.
        let n = match io.stdin.read(&mut buf) {
            Ok(0) => return Ok(have),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_failed(io, "standard input", &e)),
        };
        if have.capacity() - have.len() < n {
            let more = have.len().max(STEP);
            if have.try_reserve(more).is_err() && have.try_reserve_exact(n).is_err() {
                let n = have.len();
                return Err(too_big(io, n));
            }
        }
        // Within the capacity reserved above: no allocation here.
        have.extend_from_slice(&buf[..n]);
    }
}

/// The size of standard input when it is a regular file.
fn stdin_file_size() -> Option<usize> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let m = std::fs::File::from(fd).metadata().ok()?;
    m.is_file().then(|| usize::try_from(m.len()).ok()).flatten()
}

pub(super) fn krm(io: &mut Io) -> i32 {
    if let Some(d) = io.terminal_stdin(
        "the KRM function reads a ResourceList",
        "pipe one in (`kpt fn source PKG --fn-config CONFIG | spaces-postrender krm`), or let kpt run it (`kpt fn eval PKG --exec spaces-postrender --fn-config CONFIG`)",
    ) {
        say(io.stderr, &d);
        return EXIT_USAGE;
    }
    match read_list(io, Vec::new()) {
        Ok(input) => krm_input(io, &input),
        Err(code) => code,
    }
}

/// Say that reading `what` failed; the exit code.
fn read_failed(io: &mut Io, what: &str, e: &std::io::Error) -> i32 {
    say(
        io.stderr,
        &Diagnostic::error(Code::ReadInput, "", format!("cannot read {what}: {e}")),
    );
    EXIT_INVALID
}

/// Whether any option of the post-render mode was given (they have no meaning for a ResourceList).
fn has_run_options(run: &RunArgs) -> bool {
    run.given
        || !run.values.to_input().is_empty()
        || run.namespace.is_some()
        || run.controller_service_account.is_some()
        || run.strict
        || run.target != Target::Space
}

/// Post-render mode. Before streaming: a ResourceList on stdin switches to the KRM function,
/// and under Helm 4 a failure is reported through Helm's own error (see [`crate::front::helm4`]).
/// Both are decided by the first document with content, which is all that is read ahead.
pub(super) fn postrender(io: &mut Io, run: &RunArgs) -> i32 {
    if let Some(d) = io.terminal_stdin(
        "post-render mode reads the rendered manifests",
        "pipe them in (`helm template spaces <chart> | spaces-postrender ...`), or run `spaces-postrender generate ...` for the generated objects alone",
    ) {
        return crate::front::run::fail(io, d, run.diagnostics, false);
    }
    let head = match crate::front::sniff::read_head(&mut *io.stdin) {
        Ok(h) => h,
        Err(e) => return read_failed(io, "the manifests on standard input", &e),
    };
    let first = head.first_text();
    if crate::front::sniff::is_resource_list(first) {
        if has_run_options(run) {
            return crate::front::run::fail(io, Diagnostic::error(Code::Usage, "", "standard input is a KRM ResourceList: values and options come from its functionConfig, not from flags")
                .hint("put the values and options in the functionConfig, or run without flags"), run.diagnostics, false);
        }
        return match read_list(io, head.bytes) {
            Ok(input) => krm_input(io, &input),
            Err(code) => code,
        };
    }
    // Helm 4 strips `# Source:` lines and annotates each document; an empty release has
    // neither, and Helm 4 refuses an empty post-renderer output, so it goes this way too.
    let helm4 = crate::front::helm4::plugin_env(io.env)
        && (head.first.is_none() || crate::front::helm4::is_helm4_input(first.as_bytes()));
    let mut chained = (&head.bytes[..]).chain(&mut *io.stdin);
    let mut inner = Io {
        stdin: &mut chained,
        stdin_is_terminal: false,
        stdin_id: io.stdin_id,
        stdout: &mut *io.stdout,
        stderr: &mut *io.stderr,
        stderr_is_terminal: io.stderr_is_terminal,
        env: io.env,
    };
    if helm4 {
        return postrender_helm4(&mut inner, run);
    }
    postrender_stream(&mut inner, run)
}

/// Counts what passes through to the writer.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    n: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Under Helm 4: run, and on failure print the error document instead of failing silently.
/// The input streams through (the pipeline spools its output), so memory stays bounded.
fn postrender_helm4(io: &mut Io, run: &RunArgs) -> i32 {
    let mut err = Vec::new();
    let mut out = Counting {
        inner: &mut *io.stdout,
        n: 0,
    };
    let code = {
        let mut inner = Io {
            stdin: &mut *io.stdin,
            stdin_is_terminal: false,
            stdin_id: io.stdin_id,
            stdout: &mut out,
            stderr: &mut err,
            stderr_is_terminal: false,
            env: io.env,
        };
        postrender_stream(&mut inner, run)
    };
    let written = out.n;
    let _ = io.stderr.write_all(&err);
    if code == EXIT_OK {
        if written == 0 {
            // The chart rendered nothing and there is nothing to generate. Helm 4 rejects an
            // empty post-renderer output; a comment is an empty release it accepts, which is
            // exactly what the chart rendered.
            let empty = b"# spaces-postrender: the chart rendered nothing and there is nothing to generate\n";
            if io.stdout.write_all(empty).is_err() {
                return EXIT_INVALID;
            }
        }
        return EXIT_OK;
    }
    if written > 0 {
        // Output failed part-way (a write error): Helm gets a non-zero exit.
        return code;
    }
    let doc = crate::front::helm4::error_document(&String::from_utf8_lossy(&err));
    match io.stdout.write_all(doc.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => code,
    }
}

fn postrender_stream(io: &mut Io, run: &RunArgs) -> i32 {
    let mut report = Report::default();
    let refused = crate::front::guard::stdin_values_errors(
        io.stdin_id,
        &run.values.values,
        &run.values.set_file,
        "the manifests",
    );
    if !refused.is_empty() {
        report.extend(refused);
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    let features = match checked_features(io, run, &mut report, false) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    crate::front::run::postrender(
        io,
        &features,
        &settings,
        run.strict,
        report,
        run.diagnostics,
    )
}
