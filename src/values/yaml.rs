//! Loads a Helm values file into a JSON value, remembering where every node came from.
//!
//! Helm reads values files with `sigs.k8s.io/yaml` (a YAML 1.1 reader that converts to JSON),
//! so plain scalars are typed the YAML 1.1 way: `yes`/`on`/`y` are `true`, `0644` is the octal
//! number 420, and every number becomes a JSON number. This loader reproduces that typing, so
//! that a values file means the same thing to this tool as to Helm. It is built on the event
//! parser that serde-saphyr uses, because serde cannot report per-key source locations.

use super::set::go_float_to_json;
use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::HashMap;

/// A path into a values tree, as shown to users: `features.alpha.eso.enabled`, `a.b[0].c`.
pub fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

pub fn index_path(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// Line and column (1-based) of a node in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A loaded values document.
#[derive(Debug, Clone, Default)]
pub struct Located {
    pub value: Value,
    /// Dotted path -> position of the node's value (for maps: of the key).
    pub positions: HashMap<String, Pos>,
    /// Dotted path -> position of its key (for "unknown key" diagnostics).
    pub key_positions: HashMap<String, Pos>,
    /// Problems that do not stop loading (duplicate keys).
    pub warnings: Vec<(&'static str, String, Pos, String)>,
}

/// Why a values file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub message: String,
    pub pos: Pos,
}

/// Finite budgets against hostile files (alias bombs, deep nesting).
pub const MAX_NODES: usize = 1_000_000;
pub const MAX_DEPTH: usize = 256;

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

fn scan_err(e: &ScanError) -> LoadError {
    let m = e.marker();
    LoadError {
        message: e.info(),
        pos: Pos {
            line: m.line(),
            column: m.col() + 1,
        },
    }
}

enum Frame {
    Map {
        map: Map<String, Value>,
        path: String,
        pending_key: Option<(String, Pos)>,
        anchor: usize,
        merges: Vec<Value>,
    },
    Seq {
        items: Vec<Value>,
        path: String,
        anchor: usize,
    },
}

/// Parse a values file. An empty file (or one holding only comments / `null`) is an empty map,
/// as in Helm. The top level must be a mapping.
pub fn load(text: &str) -> Result<Located, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut out = Located::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut nodes: usize = 0;
    let mut docs = 0usize;
    let mut root: Option<Value> = None;
    let mut root_pos = Pos { line: 1, column: 1 };

    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| scan_err(&e))?;
        let pos = pos_of(&span);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                docs += 1;
                if docs > 1 {
                    // Helm reads only the first document of a values file; say so.
                    out.warnings.push(("multi-document", String::new(), pos, "this values file has more than one YAML document; Helm uses only the first, and so does spaces-postrender".into()));
                    break;
                }
            }
            Event::MappingStart(_, anchor, _) | Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(LoadError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        pos,
                    });
                }
                let path = child_path(&stack, &mut out, pos)?;
                if stack.is_empty() {
                    root_pos = pos;
                }
                if matches!(ev, Event::MappingStart(..)) {
                    stack.push(Frame::Map {
                        map: Map::new(),
                        path,
                        pending_key: None,
                        anchor,
                        merges: Vec::new(),
                    });
                } else {
                    stack.push(Frame::Seq {
                        items: Vec::new(),
                        path,
                        anchor,
                    });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (v, anchor) = match stack.pop() {
                    Some(Frame::Map {
                        mut map,
                        anchor,
                        merges,
                        ..
                    }) => {
                        // YAML 1.1 merge keys: keys already in the map win; earlier merge sources win.
                        for m in merges {
                            if let Value::Object(src) = m {
                                for (k, v) in src {
                                    map.entry(k).or_insert(v);
                                }
                            }
                        }
                        (Value::Object(map), anchor)
                    }
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                finish_node(&mut stack, &mut root, &mut out, v, pos)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err(LoadError {
                        message: format!("more than {MAX_NODES} nodes"),
                        pos,
                    });
                }
                // A scalar in key position.
                let str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                if let Some(Frame::Map { pending_key, .. }) = stack.last_mut() {
                    if pending_key.is_none() {
                        let key = if style == ScalarStyle::Plain && !str_tag {
                            resolve_key(&text).map_err(|message| LoadError { message, pos })?
                        } else {
                            text.into_owned()
                        };
                        *pending_key = Some((key, pos));
                        continue;
                    }
                }
                let explicit_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema_tag("str"))
                    || tag
                        .as_ref()
                        .is_some_and(|t| t.handle() == "!" && t.suffix().is_empty());
                let v = if style == ScalarStyle::Plain && !explicit_str {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                let path = child_path(&stack, &mut out, pos)?;
                out.positions.insert(path, pos);
                finish_node(&mut stack, &mut root, &mut out, v, pos)?;
            }
            Event::Alias(id) => {
                let v = anchors.get(&id).cloned().unwrap_or(Value::Null);
                nodes += count_nodes(&v, MAX_NODES.saturating_sub(nodes) + 1);
                if nodes > MAX_NODES {
                    return Err(LoadError {
                        message: format!(
                            "aliases expand to more than {MAX_NODES} nodes (an alias bomb?)"
                        ),
                        pos,
                    });
                }
                if let Some(Frame::Map { pending_key, .. }) = stack.last_mut() {
                    if pending_key.is_none() {
                        let key = match &v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        *pending_key = Some((key, pos));
                        continue;
                    }
                }
                let path = child_path(&stack, &mut out, pos)?;
                out.positions.insert(path, pos);
                finish_node(&mut stack, &mut root, &mut out, v, pos)?;
            }
            _ => {}
        }
    }
    match root {
        None | Some(Value::Null) => Ok(Located {
            value: Value::Object(Map::new()),
            ..out
        }),
        Some(v @ Value::Object(_)) => Ok(Located { value: v, ..out }),
        Some(other) => Err(LoadError {
            message: format!(
                "the top level of a values file must be a mapping, not {}",
                kind_name(&other)
            ),
            pos: root_pos,
        }),
    }
}

fn count_nodes(v: &Value, limit: usize) -> usize {
    let mut n = 0usize;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        n += 1;
        if n > limit {
            return n;
        }
        match v {
            Value::Array(a) => todo.extend(a.iter()),
            Value::Object(m) => todo.extend(m.values()),
            _ => {}
        }
    }
    n
}

pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The path the next node on the stack will have; for a map that node must be a value (the key
/// was seen), and a collection in key position is refused.
fn child_path(stack: &[Frame], _out: &mut Located, pos: Pos) -> Result<String, LoadError> {
    Ok(match stack.last() {
        None => String::new(),
        Some(Frame::Map {
            pending_key: Some((k, _)),
            path,
            ..
        }) => join_path(path, k),
        Some(Frame::Map {
            pending_key: None, ..
        }) => {
            return Err(LoadError {
                message: "a mapping key must be a plain value, not a list or mapping".into(),
                pos,
            })
        }
        Some(Frame::Seq { items, path, .. }) => index_path(path, items.len()),
    })
}

fn finish_node(
    stack: &mut [Frame],
    root: &mut Option<Value>,
    out: &mut Located,
    v: Value,
    pos: Pos,
) -> Result<(), LoadError> {
    match stack.last_mut() {
        None => {
            *root = Some(v);
        }
        Some(Frame::Seq { items, .. }) => items.push(v),
        Some(Frame::Map {
            map,
            pending_key,
            path,
            merges,
            ..
        }) => {
            let Some((key, kpos)) = pending_key.take() else {
                return Err(LoadError {
                    message: "internal: value without key".into(),
                    pos,
                });
            };
            if key == "<<" {
                match v {
                    Value::Object(_) => merges.push(v),
                    Value::Array(list) => merges.extend(list.into_iter().filter(Value::is_object)),
                    _ => {
                        return Err(LoadError {
                            message: "a merge key `<<` needs a mapping or a list of mappings"
                                .into(),
                            pos: kpos,
                        })
                    }
                }
                return Ok(());
            }
            let p = join_path(path, &key);
            if map.contains_key(&key) {
                out.warnings.push((
                    "duplicate-key",
                    p.clone(),
                    kpos,
                    format!("duplicate key `{key}`: the later value wins, as in Helm"),
                ));
            }
            out.key_positions.insert(p.clone(), kpos);
            if v.is_object() || v.is_array() {
                out.positions.insert(p, kpos);
            }
            map.insert(key, v);
        }
    }
    Ok(())
}

/// YAML 1.1 typing of a plain scalar, as Helm's YAML reader does it, converted to JSON.
///
/// The rules of Helm's reader (go-yaml v2 through sigs.k8s.io/yaml): the YAML 1.1 null and
/// bool spellings; then, with `_` removed, Go's `ParseInt(s, 0, 64)` (`0x`, `0o`, `0b`, and a
/// leading `0` for octal) and `ParseUint`; then the YAML float form. Every number ends up a Go
/// float64, printed as Go's JSON encoder prints it.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(s.to_string());
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(n) = go_parse_int(&plain) {
        return go_float_to_json(n as f64);
    }
    if is_yaml_float(s) {
        if let Ok(f) = plain.parse::<f64>() {
            if f.is_finite() {
                return go_float_to_json(f);
            }
        }
    }
    Value::String(s.to_string())
}

/// A mapping key: typed like a value, then turned back into the string Helm's reader makes of it.
pub fn resolve_key(s: &str) -> Result<String, String> {
    match resolve_plain(s) {
        Value::Null => Err("a mapping key cannot be null".into()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(t) => Ok(t),
        _ => Ok(s.to_string()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` for large positive values.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(r) = lower.strip_prefix("0x") {
        (r.to_string(), 16)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (r.to_string(), 2)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (r.to_string(), 8)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (lower[1..].to_string(), 8)
    } else {
        (lower, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -v } else { v };
    let fits = if neg {
        v >= i64::MIN as i128
    } else {
        v <= u64::MAX as i128
    };
    fits.then_some(v)
}

/// go-yaml v2's float form: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i > start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if !int_digits && i == fs {
            return false;
        }
    } else if !int_digits {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let ds = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == ds {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml11_scalars_like_helm() {
        let l = load("a: yes\nb: on\nc: 0644\nd: 0x1F\ne: ~\nf: 1.0\ng: 1e3\nh: '0644'\ni: 1.5\nj: y\nk: 08\n").unwrap();
        assert_eq!(
            l.value,
            json!({"a": true, "b": true, "c": 420, "d": 31, "e": null, "f": 1, "g": 1000, "h": "0644", "i": 1.5, "j": true, "k": 8})
        );
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let l = load("features:\n  alpha:\n    eso:\n      enabled: \"true\"\n").unwrap();
        assert_eq!(
            l.positions["features.alpha.eso.enabled"],
            Pos {
                line: 4,
                column: 16
            }
        );
        assert_eq!(
            l.positions["features.alpha.eso"],
            Pos { line: 3, column: 5 }
        );
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_maps() {
        assert_eq!(load("").unwrap().value, json!({}));
        assert_eq!(load("# nothing\n").unwrap().value, json!({}));
        assert_eq!(load("---\n").unwrap().value, json!({}));
    }

    #[test]
    fn keys_are_typed_then_stringified_like_helm() {
        let l = load("0x10: a\n010: b\nyes: c\n1.5: d\n'0x10': e\n").unwrap();
        assert_eq!(
            l.value,
            json!({"16": "a", "8": "b", "true": "c", "1.5": "d", "0x10": "e"})
        );
        assert!(load("~: x\n").is_err());
    }

    #[test]
    fn go_number_forms() {
        assert_eq!(resolve_plain("0o17"), json!(15));
        assert_eq!(resolve_plain("1_000"), json!(1000));
        assert_eq!(
            resolve_plain("12345678901234567890"),
            json!(12345678901234567000u64)
        );
        assert_eq!(resolve_plain("1e400"), json!("1e400"));
        assert_eq!(resolve_plain("1:20"), json!("1:20"));
        assert_eq!(resolve_plain("2001-12-14"), json!("2001-12-14"));
    }

    #[test]
    fn only_the_first_document_counts() {
        let l = load("first: 1\n---\nsecond: 2\n").unwrap();
        assert_eq!(l.value, json!({"first": 1}));
        assert_eq!(l.warnings.len(), 1);
    }

    #[test]
    fn top_level_must_be_a_map() {
        let e = load("- a\n- b\n").unwrap_err();
        assert!(e.message.contains("must be a mapping, not a list"), "{e}");
    }

    #[test]
    fn duplicate_keys_warn_and_later_wins() {
        let l = load("a: 1\na: 2\n").unwrap();
        assert_eq!(l.value, json!({"a": 2}));
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].2, Pos { line: 2, column: 1 });
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let l = load("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\nref: *b\n").unwrap();
        assert_eq!(
            l.value,
            json!({"base": {"x": 1, "z": 2}, "other": {"z": 3, "x": 1}, "ref": {"x": 1, "z": 2}})
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            s.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = i - 1));
        }
        let e = load(&s).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000);
        assert!(load(&format!("a: {s}")).is_err());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = load("a: b\n c: d\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
    }
}
