//! Loads a Helm values file into a JSON value, remembering where every node came from.
//!
//! Helm reads values files with `sigs.k8s.io/yaml` (a YAML 1.1 reader that converts to JSON),
//! so plain scalars are typed the YAML 1.1 way: `yes`/`on`/`y` are `true`, `0644` is the octal
//! number 420, and every number becomes a JSON number. This loader reproduces that typing, so
//! that a values file means the same thing to this tool as to Helm. It is built on the event
//! parser that serde-saphyr uses, because serde cannot report per-key source locations.

use super::yaml11;
use crate::diag::Code;
use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};
use std::collections::{HashMap, HashSet};

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
    pub warnings: Vec<(Code, String, Pos, String)>,
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
        message: crate::yamlio::parser_message(e.kind()),
        pos: Pos {
            line: m.line(),
            column: m.col() + 1,
        },
    }
}

/// A mapping key read, waiting for its value.
struct Key {
    name: String,
    pos: Pos,
    /// A YAML merge key (`<<`), not an ordinary key.
    merge: bool,
}

enum Frame {
    Map {
        map: Map<String, Value>,
        path: String,
        pending_key: Option<Key>,
        anchor: usize,
        /// Keys written in this mapping (not merged in), for duplicate-key warnings.
        written: HashSet<String>,
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
                    out.warnings.push((Code::MultiDocument, String::new(), pos, "this values file has more than one YAML document; Helm uses only the first, and so does spaces-postrender".into()));
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
                        written: HashSet::new(),
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
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                finish_node(&mut stack, &mut root, &mut out, (v, false), pos)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err(LoadError {
                        message: format!("more than {MAX_NODES} nodes"),
                        pos,
                    });
                }
                let tag = tag.as_deref().map(full_tag);
                let plain = style == ScalarStyle::Plain;
                let typed = yaml11::scalar(&text, plain, tag.as_deref());
                let typed = typed.map_err(|message| LoadError { message, pos })?;
                // A scalar in key position.
                if let Some(Frame::Map { pending_key, .. }) = stack.last_mut() {
                    if pending_key.is_none() {
                        let merge = yaml11::is_merge_key(&text, plain, tag.as_deref());
                        let name = typed
                            .into_key()
                            .map_err(|message| LoadError { message, pos })?;
                        *pending_key = Some(Key { name, pos, merge });
                        continue;
                    }
                }
                let v = typed
                    .into_value()
                    .map_err(|message| LoadError { message, pos })?;
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                let path = child_path(&stack, &mut out, pos)?;
                out.positions.insert(path, pos);
                finish_node(&mut stack, &mut root, &mut out, (v, false), pos)?;
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
                        *pending_key = Some(Key {
                            name: key,
                            pos,
                            merge: false,
                        });
                        continue;
                    }
                }
                let path = child_path(&stack, &mut out, pos)?;
                out.positions.insert(path, pos);
                finish_node(&mut stack, &mut root, &mut out, (v, true), pos)?;
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

pub use super::go::kind_name;

/// The path the next node on the stack will have; for a map that node must be a value (the key
/// was seen), and a collection in key position is refused.
fn child_path(stack: &[Frame], _out: &mut Located, pos: Pos) -> Result<String, LoadError> {
    Ok(match stack.last() {
        None => String::new(),
        Some(Frame::Map {
            pending_key: Some(k),
            path,
            ..
        }) => join_path(path, &k.name),
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

/// The full tag (`tag:yaml.org,2002:int` for `!!int`, `!` for the non-specific tag).
fn full_tag(t: &Tag) -> String {
    format!("{}{}", t.handle(), t.suffix())
}

/// Hands a finished node to its parent. `node.1` says it came from an alias, which matters to a
/// merge key (go-yaml merges an alias only when it names a mapping).
fn finish_node(
    stack: &mut [Frame],
    root: &mut Option<Value>,
    out: &mut Located,
    node: (Value, bool),
    pos: Pos,
) -> Result<(), LoadError> {
    let (v, from_alias) = node;
    match stack.last_mut() {
        None => {
            *root = Some(v);
        }
        Some(Frame::Seq { items, .. }) => items.push(v),
        Some(Frame::Map {
            map,
            pending_key,
            path,
            written,
            ..
        }) => {
            let Some(key) = pending_key.take() else {
                return Err(LoadError {
                    message: "internal: value without key".into(),
                    pos,
                });
            };
            if key.merge {
                return merge_into(map, v, from_alias).map_err(|message| LoadError {
                    message,
                    pos: key.pos,
                });
            }
            let p = join_path(path, &key.name);
            if !written.insert(key.name.clone()) {
                out.warnings.push((
                    Code::DuplicateKey,
                    p.clone(),
                    key.pos,
                    format!(
                        "duplicate key `{}`: the later value wins, as in Helm",
                        key.name
                    ),
                ));
            }
            out.key_positions.insert(p.clone(), key.pos);
            if v.is_object() || v.is_array() {
                out.positions.insert(p, key.pos);
            }
            map.insert(key.name, v);
        }
    }
    Ok(())
}

/// A YAML merge key as go-yaml v2 applies it: where it stands, so its keys replace the keys
/// written before it and later keys replace them; of a list of mappings, the earlier wins.
fn merge_into(map: &mut Map<String, Value>, v: Value, from_alias: bool) -> Result<(), String> {
    let want = || {
        "a merge key `<<` needs a mapping or a list of mappings (an alias must name a mapping)"
            .to_string()
    };
    let sources = match v {
        Value::Object(m) => vec![m],
        Value::Array(list) if !from_alias => list
            .into_iter()
            .rev()
            .map(|x| match x {
                Value::Object(m) => Ok(m),
                _ => Err(want()),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(want()),
    };
    for src in sources {
        map.extend(src);
    }
    Ok(())
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
        let l = load("a: 0o17\nb: 1_000\nc: 12345678901234567890\nd: 1e400\ne: 1:20\nf: 2001-12-14\ng: 1_0.5\n").unwrap();
        assert_eq!(
            l.value,
            json!({"a": 15, "b": 1000, "c": 12345678901234567000u64, "d": "1e400", "e": "1:20", "f": "2001-12-14", "g": 10.5})
        );
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
