//! Property tests for streaming: the splitter and the pipeline reproduce any stream byte for
//! byte, under any read chunking, and checking on two threads changes nothing (output bytes,
//! diagnostics, what was learned) compared with checking every document in order on one.

use crate::common;
use proptest::prelude::*;
use spaces_postrender::scan::{scan_input, Wanted};
use spaces_postrender::stream::{split_all, Splitter};
use std::io::Read;

/// 300 cases per property in `cargo test`; `PROPTEST_CASES=200000` for a long local run.
fn check<S, F>(name: &'static str, strategy: fn() -> S, test: F)
where
    S: Strategy + 'static,
    S::Value: std::fmt::Debug,
    F: Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
{
    common::check_property(name, 300, strategy, test)
}

fn stream_parts() -> impl Strategy<Value = (Vec<String>, Vec<usize>)> {
    (
        prop::collection::vec(
            prop_oneof![
                Just("---\n".to_string()),
                Just("---".to_string()),
                Just("--- # c\r\n".to_string()),
                Just("---\t\n".to_string()),
                Just("----\n".to_string()),
                Just("\n".to_string()),
                Just("\r\n".to_string()),
                Just("-".to_string()),
                Just("a: 1\n".to_string()),
                Just(" ---\n".to_string()),
                "[a-z:# \\-\n\r]{0,12}",
                prop::collection::vec(any::<u8>(), 0..8)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            ],
            0..40,
        ),
        prop::collection::vec(1usize..9, 1..16),
    )
}

#[test]
fn splitting_and_writing_reproduces_any_stream() {
    check("split", stream_parts, |(parts, chunks)| {
        let stream: Vec<u8> = parts.concat().into_bytes();
        let mut sp = Splitter::new(Chunked {
            data: &stream,
            sizes: &chunks,
            i: 0,
        });
        let mut out = Vec::new();
        let mut lines = Vec::new();
        while let Some(d) = sp
            .next_doc()
            .map_err(|e| TestCaseError::fail(e.to_string()))?
        {
            out.extend_from_slice(d.bytes);
            lines.push(d.line);
        }
        prop_assert_eq!(&out, &stream);
        // The same documents as a split of the whole stream at once.
        let whole = split_all(&stream);
        prop_assert_eq!(whole.iter().map(|(l, _)| *l).collect::<Vec<_>>(), lines);
        // Every document but the first starts at a boundary line; none has one inside.
        let boundary = |b: &[u8]| {
            b.starts_with(b"---") && matches!(b.get(3), None | Some(b'\n' | b'\r' | b' ' | b'\t'))
        };
        // The exception: a `---` after nothing but directives (`%YAML 1.1`), comments and
        // blank lines belongs to the directives' document.
        let only_directives = |b: &[u8]| {
            let mut n = 0;
            for (k, line) in b.split(|c| *c == b'\n').enumerate() {
                let t = line.trim_ascii();
                if k == 0 && t.starts_with(b"---") {
                    continue;
                }
                match t.first() {
                    None | Some(b'#') => {}
                    Some(b'%') => n += 1,
                    Some(_) => return false,
                }
            }
            n > 0
        };
        for (i, (_, d)) in whole.iter().enumerate() {
            prop_assert!(i == 0 || boundary(d));
            for (j, _) in d.iter().enumerate().filter(|(_, c)| **c == b'\n') {
                prop_assert!(
                    j + 1 == d.len() || !boundary(&d[j + 1..]) || only_directives(&d[..j + 1])
                );
            }
        }
        Ok(())
    });
}

/// Reads `data` in the chunk sizes given (cycling), like a pipe that delivers little at a time.
struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    i: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.i % self.sizes.len()];
        self.i += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Documents for streams: real chart output, small objects, our own generated objects (which
/// the pipeline drops and makes again), empty documents, and malformed ones.
fn pieces() -> &'static [Vec<u8>] {
    static P: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut v: Vec<Vec<u8>> = Vec::new();
        for dir in ["fixtures/input", "../shared/corpus"] {
            let Ok(rd) = std::fs::read_dir(root.join(dir)) else { continue };
            let mut files: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for f in files.iter().filter(|p| p.extension().is_some_and(|x| x == "yaml")) {
                if f.ends_with("foreign-role.yaml") {
                    continue;
                }
                for (_, mut d) in split_all(&std::fs::read(f).unwrap_or_default()) {
                    // Whole documents, so that any concatenation splits back into them.
                    if !d.starts_with(b"---") {
                        d.splice(0..0, b"---\n".iter().copied());
                    }
                    if !d.ends_with(b"\n") {
                        d.push(b'\n');
                    }
                    // Documents made by an earlier run are replaced: only the one below.
                    let ours = memchr_marker(&d);
                    if d.len() < 300_000 && !ours {
                        v.push(d);
                    }
                }
            }
        }
        for i in 0..40 {
            v.push(format!("---\n# Source: c/templates/cm-{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: |\n    {}\n", "x".repeat(i * 50)).into_bytes());
        }
        v.push(b"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: spaces-argocd-plugin\n  namespace: argocd\n  labels:\n    spaces-postrender.dev/generated: \"true\"\nrules: []\n".to_vec());
        v.push(b"---\n".to_vec());
        v.push(b"---\n# only a comment\n".to_vec());
        v
    })
}

fn memchr_marker(d: &[u8]) -> bool {
    d.windows(31)
        .any(|w| w == b"spaces-postrender.dev/generated")
}

const BAD: &[&[u8]] = &[
    b"---\nkind: A\n  bad: indent\n",
    b"---\n- a list\n",
    b"---\nkind: \xff\n",
    b"---\nkind: A\nkind: B\n",
];

#[allow(clippy::type_complexity)]
fn streams() -> impl Strategy<
    Value = (
        Vec<prop::sample::Index>,
        Vec<(prop::sample::Index, usize)>,
        Vec<usize>,
        u8,
    ),
> {
    (
        prop::collection::vec(any::<prop::sample::Index>(), 1..80),
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..80), 0..2),
        prop::collection::vec(1usize..70_000, 1..8),
        any::<u8>(),
    )
}

#[test]
fn two_threads_change_nothing() {
    check("pipeline", streams, |(picks, bad, chunks, t)| {
        let p = pieces();
        let mut docs: Vec<&[u8]> = picks.iter().map(|i| i.get(p).as_slice()).collect();
        for (b, at) in &bad {
            docs.insert((*at).min(docs.len()), BAD[b.index(BAD.len())]);
        }
        let stream: Vec<u8> = docs.concat();
        let run = |threshold: u64, chunks: &[usize]| {
            let mut out = Vec::new();
            let r = scan_input(
                Chunked {
                    data: &stream,
                    sizes: chunks,
                    i: 0,
                },
                &mut out,
                &Wanted::default(),
                "standard input",
                threshold,
            );
            (out, format!("{r:?}"))
        };
        // One thread, whole reads: the reference.
        let (want_out, want) = run(u64::MAX, &[usize::MAX]);
        let threshold = [0, 1, 100_000, 1 << 20][(t % 4) as usize];
        let (got_out, got) = run(threshold, &chunks);
        prop_assert_eq!(&got, &want);
        prop_assert!(got_out == want_out, "output differs");
        if bad.is_empty() {
            // Every document but our own generated Role comes out as it went in.
            let ours = p.len() - 3;
            let kept: Vec<u8> = picks
                .iter()
                .filter(|i| i.index(p.len()) != ours)
                .flat_map(|i| i.get(p).iter().copied())
                .collect();
            prop_assert!(got_out == kept, "output is not the input");
        }
        Ok(())
    });
}
