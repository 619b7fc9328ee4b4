//! serde-saphyr settings shared by every full parse and by YAML output.
//!
//! The default budgets (1,024 documents, 250,000 nodes) are too small for real charts (a
//! Crossplane CRD bundle has more nodes than that); they are raised but kept finite so that an
//! alias bomb still fails fast.

use serde_saphyr::{Budget, DuplicateKeyPolicy, Options};

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

/// 1-based line and column of a parse error (1:1 when unknown).
pub fn error_position(e: &serde_saphyr::Error) -> (usize, usize) {
    match e.location() {
        Some(l) if l.line() > 0 => (l.line() as usize, l.column().max(1) as usize),
        _ => (1, 1),
    }
}

/// The error's message without anything quoted from the input (it may hold Secret data):
/// first line only, no snippet, cut before the first `:` or quote, no position suffix.
pub fn error_message(e: &serde_saphyr::Error) -> String {
    let s = e.without_snippet().to_string();
    if s.contains("budget") {
        return "the document expands beyond the parser's budget (too many nodes or aliases: an alias bomb?)".into();
    }
    let first = s.lines().next().unwrap_or("").trim();
    let cut = first.find([':', '"', '\'', '`']).unwrap_or(first.len());
    let mut msg = first[..cut].trim().to_string();
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    if msg.is_empty() {
        msg = "the document cannot be parsed".into();
    }
    msg
}

/// Serialize a value as block YAML that a YAML 1.1 reader (Kubernetes) reads back the same:
/// strings such as `yes`, `on` and `0644` are quoted.
pub fn to_yaml<T: serde::Serialize>(v: &T) -> Result<String, serde_saphyr::ser_error::Error> {
    serde_saphyr::to_string(v)
}
