//! serde-saphyr settings shared by every full parse and by YAML output, and the one place where
//! a parser's error becomes a message.
//!
//! The default budgets (1,024 documents, 250,000 nodes) are too small for real charts (a
//! Crossplane CRD bundle has more nodes than that); they are raised but kept finite so that an
//! alias bomb still fails fast.
//!
//! Messages never carry input text: a manifest document may be a Secret, and even one character
//! of it (`unexpected character: '@'`) is a character of its data. [`parser_message`] (the YAML
//! parser's errors, on every path) and [`error_message`] (serde-saphyr's) describe an error in
//! fixed words; the line and column are given beside it.

use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::{Budget, DuplicateKeyPolicy, Error, ExternalMessageSource, Options};

pub fn budget() -> Option<Budget> {
    serde_saphyr::budget! {
        max_documents: 100_000,
        max_nodes: 20_000_000,
        max_events: 50_000_000,
        max_depth: 1_000,
        max_total_scalar_bytes: 512 * 1024 * 1024,
        max_reader_input_bytes: Some(1024 * 1024 * 1024),
    }
}

pub fn options() -> Options {
    serde_saphyr::options! {
        budget: budget(),
        duplicate_keys: DuplicateKeyPolicy::Error,
        // Error messages must never quote the input: it may hold Secret data.
        with_snippet: false,
    }
}

/// Options for reading an input manifest document. Duplicate keys are read as Kubernetes' own
/// (non-strict) reader reads them: the last one wins. Duplicate *identity* keys are refused
/// before this parse, by `identify` (the same rule on every path).
pub fn manifest_options() -> Options {
    let mut o = options();
    o.duplicate_keys = DuplicateKeyPolicy::LastWins;
    // `.inf` and `.nan` are valid values of a manifest; what is read from it is its identity,
    // so they may become null in the reading.
    o.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    o
}

/// 1-based line and column of a parse error (1:1 when unknown).
pub fn error_position(e: &Error) -> (usize, usize) {
    match e.location() {
        Some(l) if l.line() > 0 => (l.line() as usize, l.column().max(1) as usize),
        _ => (1, 1),
    }
}

/// The YAML parser's error in words that carry no input text. Kinds whose text would hold a
/// character of the input (an unexpected character, a bracket, a message from elsewhere) are
/// described here; the rest are granit-parser's fixed texts (checked by [`scrub`]).
pub fn parser_message(kind: &ErrorKind) -> String {
    let text = match kind {
        ErrorKind::RecursionLimitExceeded => {
            "nested deeper than 255 levels, the limit of the YAML parser".to_string()
        }
        ErrorKind::UnexpectedCharacter { .. } => "an unexpected character".to_string(),
        ErrorKind::MismatchedFlowCollectionEnd { .. } => {
            "a flow collection closed by the wrong kind of bracket".to_string()
        }
        ErrorKind::UnclosedFlowCollection { .. } => {
            "a flow collection (`[` or `{`) that is never closed".to_string()
        }
        ErrorKind::Custom(_) | ErrorKind::InputDecoding { .. } | ErrorKind::InputIo { .. } => {
            String::new()
        }
        other => other.to_string(),
    };
    scrub(&text)
}

/// The error's message without anything from the input (it may hold Secret data): a parser
/// error as [`parser_message`] says it; otherwise the first line, cut before the first `:` or
/// quote (where serde-saphyr puts the offending value or key), with no position suffix.
pub fn error_message(e: &Error) -> String {
    let mut e = e;
    while let Error::WithSnippet { error, .. } | Error::AliasError { error, .. } = e {
        e = error;
    }
    match e {
        Error::ExternalMessage { source, .. } => {
            if let ExternalMessageSource::Parser(se) = source.as_ref() {
                return parser_message(se.kind());
            }
        }
        Error::Budget { .. } => {
            return "the document expands beyond the parser's budget (too many nodes or aliases: an alias bomb?)".into();
        }
        _ => {}
    }
    let s = e.to_string();
    if s.contains("budget") {
        return "the document expands beyond the parser's budget (too many nodes or aliases: an alias bomb?)".into();
    }
    let first = s.lines().next().unwrap_or("").trim();
    let cut = first.find([':', '"', '\'', '`']).unwrap_or(first.len());
    let mut msg = first[..cut].trim().to_string();
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    scrub(&msg)
}

/// The last line of defence: a message with a character that is not in the vocabulary of the
/// parsers' fixed texts (ASCII letters, digits, spaces and YAML's punctuation; no control or
/// non-ASCII character, none of `@$^~`) is not shown at all.
fn scrub(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or("").trim();
    let clean = line
        .chars()
        .all(|c| (c.is_ascii_graphic() || c == ' ') && !matches!(c, '@' | '$' | '^' | '~'));
    if line.is_empty() || !clean {
        return "the document cannot be parsed".into();
    }
    line.to_string()
}

/// Serialize a value as block YAML that a YAML 1.1 reader (Kubernetes) reads back the same:
/// strings such as `yes`, `on` and `0644` are quoted.
pub fn to_yaml<T: serde::Serialize>(v: &T) -> Result<String, serde_saphyr::ser_error::Error> {
    serde_saphyr::to_string(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_carry_no_input_character() {
        let kinds = [
            ErrorKind::UnexpectedCharacter { character: '@' },
            ErrorKind::MismatchedFlowCollectionEnd {
                open: '[',
                close: '}',
            },
            ErrorKind::UnclosedFlowCollection { open: '{' },
            ErrorKind::Custom("secret@value".into()),
            ErrorKind::InputDecoding {
                message: "ß".into(),
            },
        ];
        for k in kinds {
            let m = parser_message(&k);
            assert!(
                !m.contains('@') && !m.contains("secret") && !m.contains('ß'),
                "{m}"
            );
            assert!(!m.is_empty());
        }
        assert_eq!(
            parser_message(&ErrorKind::UnclosedQuotedScalar),
            "unclosed quote"
        );
    }

    #[test]
    fn serde_saphyr_messages_carry_no_input_character() {
        for doc in [
            "a: [x, @y]\n",
            "a: \"é\\q\"\n",
            "a: !ŧag x\nb: *nope\n",
            "{a: b]\n",
            "k: \u{1}\n",
        ] {
            let e = serde_saphyr::from_str_with_options::<serde_json::Value>(doc, options())
                .expect_err(doc);
            let m = error_message(&e);
            assert!(
                m.is_ascii() && !m.contains('@') && !m.contains('\u{1}'),
                "{doc:?}: {m}"
            );
        }
    }
}
