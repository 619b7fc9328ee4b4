//! Property tests for the fast paths of the stream pipeline:
//!
//! - identity: the quick scan and the parser's event path give exactly what a full parse
//!   (serde-saphyr into `serde_json::Value`) gives, over generated documents in every style the
//!   YAML grammar offers (block, compact and indentless sequences, flow collections, plain,
//!   quoted, multi-line and block scalars, comments, anchors and aliases, merge keys, tags,
//!   `kind: List`, identity-like keys in other places, CRLF);
//! - soundness of the quick scan: whatever document it vouches for (also mutated ones and real
//!   chart output), the YAML parser accepts with the same identity; it never hides an error;

use crate::common;
use common::yamlgen::{document, render};
use proptest::prelude::*;
use spaces_postrender::identify::{
    identify, identify_events, identify_full, identify_quick, DocError, DocInfo,
};
use spaces_postrender::stream::split_all;

/// One small edit at a relative position: insert, delete or replace with a YAML-ish piece.
fn mutate(text: &str, edits: &[(u16, u8, u8)]) -> String {
    const PIECES: &[&str] = &[
        " ",
        "  ",
        "\n",
        "- ",
        "-",
        ":",
        ": ",
        "#",
        " #",
        "'",
        "\"",
        "\t",
        "|",
        ">",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\\",
        "a",
        "\r\n",
        "?",
        "&a ",
        "*a",
        "!",
        "...",
        "---",
        "\\x4",
        "''",
        "|-",
        "\n  ",
        "\n- ",
        "k: ",
        "\n\n",
        "\u{feff}",
        "é",
        "\u{85}",
        "\r",
        "%",
        "@",
        "\u{2028}",
        "\u{2029}",
        "&b ",
        "*b",
        "!!str ",
        "!t ",
        "kind: x\n",
        "name: y\n",
    ];
    let mut m = text.to_string();
    for &(at, op, piece) in edits {
        if m.is_empty() {
            break;
        }
        let mut i = (at as usize * m.len()) / 65536;
        while !m.is_char_boundary(i) {
            i -= 1;
        }
        let p = PIECES[piece as usize % PIECES.len()];
        let mut j = (i + 1 + (op as usize >> 2) % 3).min(m.len());
        while !m.is_char_boundary(j) {
            j += 1;
        }
        match op & 3 {
            0 => m.insert_str(i, p),
            1 => m.replace_range(i..j, ""),
            _ => m.replace_range(i..j, p),
        }
    }
    m
}

/// The quick scan vouches only for documents the parser accepts, with the same identity.
fn assert_sound(doc: &str) -> Result<(), TestCaseError> {
    if let Some(q) = identify_quick(doc) {
        match identify_events(doc) {
            Ok(e) => prop_assert_eq!(q, e, "quick scan and parser disagree on {:?}", doc),
            Err(e) => prop_assert!(
                false,
                "quick scan accepted a document the parser refuses ({}): {:?}",
                e.message,
                doc
            ),
        }
    }
    Ok(())
}

/// 3000 cases per property in `cargo test`; `PROPTEST_CASES=200000` for a long local run.
fn check<S, F>(name: &'static str, strategy: fn() -> S, test: F)
where
    S: Strategy + 'static,
    S::Value: std::fmt::Debug,
    F: Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
{
    common::check_property(name, 3000, strategy, test)
}

fn with_edits<S: Strategy>(s: S) -> impl Strategy<Value = (S::Value, Vec<(u16, u8, u8)>)> {
    (
        s,
        prop::collection::vec((any::<u16>(), any::<u8>(), any::<u8>()), 1..4),
    )
}

#[test]
fn fast_identity_agrees_with_a_full_parse() {
    check("identity", document, |(root, bits)| {
        let doc = render(&root, bits);
        assert_sound(&doc)?;
        let full = identify_full(&doc);
        let events = identify_events(&doc);
        let fast = identify(&doc);
        prop_assert_eq!(&fast, &events, "identify vs event path on {:?}", doc);
        agree(&doc, &events, &full)
    });
}

/// The event path and the full parse give one answer, whatever the document holds (anchors,
/// tags, duplicate keys): the same identity, or the same refusal in the same words at the same
/// place. The one difference left: values only a full parse refuses (a non-finite float, say),
/// which are never duplicate keys.
fn agree(
    doc: &str,
    events: &Result<DocInfo, DocError>,
    full: &Result<DocInfo, DocError>,
) -> Result<(), TestCaseError> {
    match (events, full) {
        (Ok(_), Err(f)) => prop_assert!(
            !f.message.contains("duplicate"),
            "only the full parse refuses a duplicate key ({}): {:?}",
            f.message,
            doc
        ),
        _ => prop_assert_eq!(events, full, "event path vs full parse on {:?}", doc),
    }
    Ok(())
}

#[test]
fn quick_scan_is_sound_on_mutated_documents() {
    check(
        "mutated documents",
        || with_edits(document()),
        |((root, bits), edits)| {
            let doc = mutate(&render(&root, bits), &edits);
            assert_sound(&doc)?;
            // A document the parser refuses is refused by `identify` too, in the parser's words;
            // and the three paths agree on mutated documents as well.
            let events = identify_events(&doc);
            if let Err(e) = &events {
                let fast = identify(&doc).err();
                prop_assert_eq!(fast.as_ref(), Some(e));
            }
            agree(&doc, &events, &identify_full(&doc))
        },
    );
}

#[test]
fn quick_scan_is_sound_on_mutated_chart_output() {
    check(
        "mutated chart output",
        || with_edits(any::<prop::sample::Index>()),
        |(pick, edits)| {
            let doc = mutate(pick.get(chart_docs()).as_str(), &edits);
            assert_sound(&doc)
        },
    );
}

/// Documents of real chart output (the shared corpus when present, and this repository's
/// fixtures), cut to at most 6 KB each so that mutations land in varied places.
fn chart_docs() -> &'static [String] {
    static DOCS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["../shared/corpus", "fixtures/input"] {
            if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
                files.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
            }
        }
        files.sort();
        let mut docs = Vec::new();
        for f in files
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        {
            let bytes = std::fs::read(f).unwrap_or_default();
            for (_, d) in split_all(&bytes) {
                let Ok(text) = String::from_utf8(d) else {
                    continue;
                };
                // Long documents are cut at a line boundary: still mostly valid YAML.
                let mut cut = text.len().min(6000);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                let cut = text[..cut].rfind('\n').map_or(text.len(), |i| i + 1);
                docs.push(text[..cut].to_string());
            }
        }
        assert!(!docs.is_empty());
        docs
    })
}

#[test]
fn quick_scan_covers_real_chart_output() {
    // The quick scan is what makes large releases fast: it must vouch for real chart output.
    let docs = chart_docs();
    let quick = docs.iter().filter(|d| identify_quick(d).is_some()).count();
    assert!(
        quick * 100 >= docs.len() * 95,
        "the quick scan vouched for only {quick} of {} documents",
        docs.len()
    );
    for d in docs {
        if let Some(q) = identify_quick(d) {
            assert_eq!(identify_events(d).ok(), Some(q), "{d}");
        }
    }
}

#[test]
fn quick_scan_examples() {
    let sure = [
        "---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: b\ndata:\n  k: |\n    x: y\n\n    # not a comment\n  j: >-\n    folded\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: spaces-controller, namespace: ns}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      containers:\n      - name: c\n        args: [\"--a\", '--b', -c]\n",
        "kind: List\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: A\n  metadata:\n    name: a\n- {apiVersion: v1, kind: B, metadata: {name: b}}\n",
        "a: plain\n  continued \"here\"\n  & [more]\nb: 'single\n  line'\nc: \"dq \\u00e9\\\n  x\"\n",
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n",
        "---\n# only a comment\n",
    ];
    for d in sure {
        assert!(identify_quick(d).is_some(), "should be quick: {d:?}");
        assert_eq!(identify_quick(d), identify_events(d).ok(), "{d:?}");
    }
    let unsure = [
        "a: &x 1\nb: *x\n",
        "a: 1\n...\nb: 2\n",
        "? a\n: b\n",
        "a:\n\tb: 1\n",
        "- a\n",
        "a: b: c\n",
        "a: [1,\n  2]\n",
        "a: |2\n   x\n",
        "name: \"x\\q\"\n",
        "a:\n  b: 1\n c: 2\n",
        "a: |\n\n    \n  x\n",
        "kind: 123\n",
        "metadata:\n  name:\n",
        "kind: A\nkind: B\n",
    ];
    for d in unsure {
        assert!(
            identify_quick(d).is_none(),
            "should be left to the parser: {d:?}"
        );
    }
}
