//! The output spool: everything post-render writes is held here (memory, spilling to an
//! unlinked temporary file past [`SPOOL_MEMORY`], so memory stays bounded by the largest
//! document) and copied to the caller's writer only when the whole input was read and checked.
//! A failure therefore never leaves a partial release on stdout.

use std::io::{self, Seek, Write};

/// Output held in memory before spilling to a temporary file: a typical release (and the
/// 20,000-document benchmark stream) never touches the disk, and memory stays bounded.
pub const SPOOL_MEMORY: usize = 16 * 1024 * 1024;

/// Output buffer that spills to a temporary file.
///
/// In memory it is a list of 1 MiB chunks (growing a single vector would copy everything
/// written so far at each doubling); once spilled, the last chunk buffers the file.
#[derive(Default)]
pub struct Spool {
    chunks: Vec<Vec<u8>>,
    /// Bytes in `chunks`.
    held: usize,
    file: Option<std::fs::File>,
    pub len: u64,
}

/// The spool's temporary file cannot be made: the message names it and where it goes (the
/// temporary directory, `TMPDIR`), which is what to fix; the output itself is not at fault.
#[derive(Debug)]
struct SpoolFileError(String);

impl std::fmt::Display for SpoolFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpoolFileError {}

fn spool_file_error(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        SpoolFileError(format!(
            "output past {} MiB is held in a temporary file until the whole input is checked (the spool), and that file cannot be created in the temporary directory {} (TMPDIR): {e}",
            SPOOL_MEMORY >> 20,
            std::env::temp_dir().display()
        )),
    )
}

/// What a failed write to the output (the spool, then the caller's writer) says.
pub fn write_failure(e: &io::Error) -> crate::diag::Diagnostic {
    let message = if e
        .get_ref()
        .is_some_and(|inner| inner.is::<SpoolFileError>())
    {
        e.to_string()
    } else {
        format!("cannot write output: {e}")
    };
    crate::diag::Diagnostic::error(crate::diag::Code::WriteOutput, "", message)
        .hint("the output is incomplete; do not apply it")
        .fact(crate::diag::Fact::OutputIncomplete)
}

/// The size of the spool's memory chunks, and of its writes to the file once spilled.
const SPOOL_CHUNK: usize = 1 << 20;

impl Spool {
    /// Append to the chunks (a new chunk when the last one is full).
    fn hold(&mut self, mut buf: &[u8]) {
        self.held += buf.len();
        while !buf.is_empty() {
            match self.chunks.last_mut() {
                Some(c) if c.len() < c.capacity() => {
                    let n = buf.len().min(c.capacity() - c.len());
                    c.extend_from_slice(&buf[..n]);
                    buf = &buf[n..];
                }
                _ => self.chunks.push(Vec::with_capacity(SPOOL_CHUNK)),
            }
        }
    }

    /// Write the chunks to `f` and forget them.
    fn drain_to(&mut self, f: &mut std::fs::File) -> io::Result<()> {
        for c in &self.chunks {
            f.write_all(c)?;
        }
        self.chunks.clear();
        self.held = 0;
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.len += buf.len() as u64;
        if self.file.is_none() && self.held + buf.len() > SPOOL_MEMORY {
            let mut f = tempfile::tempfile().map_err(spool_file_error)?;
            self.drain_to(&mut f)?;
            self.file = Some(f);
        }
        if let Some(mut f) = self.file.take() {
            // Spilled: whole chunks reach the file (not a system call per document).
            let r = if self.held + buf.len() > SPOOL_CHUNK {
                self.drain_to(&mut f).and_then(|()| {
                    if buf.len() >= SPOOL_CHUNK {
                        f.write_all(buf)
                    } else {
                        self.hold(buf);
                        Ok(())
                    }
                })
            } else {
                self.hold(buf);
                Ok(())
            };
            self.file = Some(f);
            return r;
        }
        self.hold(buf);
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Spool {
    /// Copy everything to `out`.
    pub fn copy_to(mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.file.take() {
            None => {
                for c in &self.chunks {
                    out.write_all(c)?;
                }
                Ok(())
            }
            Some(mut f) => {
                self.drain_to(&mut f)?;
                f.seek(io::SeekFrom::Start(0))?;
                io::copy(&mut io::BufReader::with_capacity(SPOOL_CHUNK, f), out)?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past SPOOL_MEMORY the spool spills to its file; either way it gives back every byte.
    #[test]
    fn spool_keeps_every_byte_in_memory_and_spilled() {
        for total in [3 * SPOOL_CHUNK + 17, SPOOL_MEMORY + 5 * SPOOL_CHUNK + 3] {
            let mut spool = Spool::default();
            let mut want = Vec::with_capacity(total);
            let mut i = 0usize;
            while want.len() < total {
                // Pieces from 1 byte to more than a chunk.
                let n = [1, 700, 65_536, SPOOL_CHUNK + 9, 3][i % 5].min(total - want.len());
                let piece: Vec<u8> = (0..n).map(|j| (i * 31 + j) as u8).collect();
                spool.write_all(&piece).expect("write");
                want.extend_from_slice(&piece);
                i += 1;
            }
            assert_eq!(spool.file.is_some(), total > SPOOL_MEMORY);
            assert_eq!(spool.len, total as u64);
            let mut out = Vec::new();
            spool.copy_to(&mut out).expect("copy");
            assert!(out == want, "{total} bytes came back different");
        }
    }
}
