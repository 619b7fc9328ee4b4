//! Go's `encoding/json` decoding into `interface{}`, as Helm's `--set-json` uses it.

use super::go::go_float_to_json;
use super::go::MAX_DEPTH;
use serde_json::{Map, Value};

enum JsonFrame {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Decodes the JSON value at the start of `s` (after JSON white space) the way Go's
/// `encoding/json` does into `interface{}`: numbers become `float64` (see
/// [`go_float_to_json`]), a repeated object key keeps its last value, invalid surrogate escapes
/// become U+FFFD. Go limits nesting to 10000 levels, we to `max_depth` (see [`MAX_DEPTH`]).
/// Whatever follows the value is not looked at. Returns the value and the number of bytes it
/// took, or an error and the byte offset where it was found.
pub(super) fn decode_go_json(s: &str, max_depth: usize) -> Result<(Value, usize), (String, usize)> {
    let b = s.as_bytes();
    let mut p = 0usize;
    let mut stack: Vec<JsonFrame> = Vec::new();
    let eof = |p: usize| ("unexpected end of JSON input".to_string(), p);
    let invalid = |p: usize, ctx: &str| {
        let c = s[p..].chars().next().unwrap_or('\u{FFFD}');
        (format!("invalid character {c:?} {ctx}"), p)
    };
    let skip_ws = |p: &mut usize| {
        while *p < b.len() && is_json_space(b[*p]) {
            *p += 1;
        }
    };
    // Reads `"key"` and `:` (after white space) for an object member.
    let object_key = |p: &mut usize| -> Result<String, (String, usize)> {
        skip_ws(p);
        match b.get(*p) {
            None => return Err(eof(*p)),
            Some(b'"') => {}
            Some(_) => return Err(invalid(*p, "looking for beginning of object key string")),
        }
        let key = json_string(s, p)?;
        skip_ws(p);
        match b.get(*p) {
            None => Err(eof(*p)),
            Some(b':') => {
                *p += 1;
                Ok(key)
            }
            Some(_) => Err(invalid(*p, "after object key")),
        }
    };
    'value: loop {
        skip_ws(&mut p);
        let mut v = match b.get(p) {
            None => return Err(eof(p)),
            Some(b'{') | Some(b'[') => {
                if stack.len() + 1 > max_depth {
                    return Err((
                        format!(
                            "values nested more than {MAX_DEPTH} levels deep are not supported"
                        ),
                        p,
                    ));
                }
                let open = b[p];
                p += 1;
                skip_ws(&mut p);
                if open == b'{' {
                    if b.get(p) == Some(&b'}') {
                        p += 1;
                        Value::Object(Map::new())
                    } else {
                        let key = object_key(&mut p)?;
                        stack.push(JsonFrame::Object(Map::new(), key));
                        continue 'value;
                    }
                } else if b.get(p) == Some(&b']') {
                    p += 1;
                    Value::Array(Vec::new())
                } else {
                    stack.push(JsonFrame::Array(Vec::new()));
                    continue 'value;
                }
            }
            Some(b'"') => Value::String(json_string(s, &mut p)?),
            Some(b'-') | Some(b'0'..=b'9') => json_number(s, &mut p)?,
            Some(b't') => json_literal(s, &mut p, "true", Value::Bool(true))?,
            Some(b'f') => json_literal(s, &mut p, "false", Value::Bool(false))?,
            Some(b'n') => json_literal(s, &mut p, "null", Value::Null)?,
            Some(_) => return Err(invalid(p, "looking for beginning of value")),
        };
        // A complete value: hand it to the enclosing containers, closing them as needed.
        loop {
            match stack.last_mut() {
                None => return Ok((v, p)),
                Some(JsonFrame::Array(items)) => {
                    items.push(v);
                    skip_ws(&mut p);
                    match b.get(p) {
                        None => return Err(eof(p)),
                        Some(b',') => {
                            p += 1;
                            continue 'value;
                        }
                        Some(b']') => {
                            p += 1;
                            match stack.pop() {
                                Some(JsonFrame::Array(items)) => v = Value::Array(items),
                                _ => return Err(("internal JSON decoder error".into(), p)),
                            }
                        }
                        Some(_) => return Err(invalid(p, "after array element")),
                    }
                }
                Some(JsonFrame::Object(map, key)) => {
                    map.insert(std::mem::take(key), v);
                    skip_ws(&mut p);
                    match b.get(p) {
                        None => return Err(eof(p)),
                        Some(b',') => {
                            p += 1;
                            let k = object_key(&mut p)?;
                            if let Some(JsonFrame::Object(_, key)) = stack.last_mut() {
                                *key = k;
                            }
                            continue 'value;
                        }
                        Some(b'}') => {
                            p += 1;
                            match stack.pop() {
                                Some(JsonFrame::Object(map, _)) => v = Value::Object(map),
                                _ => return Err(("internal JSON decoder error".into(), p)),
                            }
                        }
                        Some(_) => return Err(invalid(p, "after object key:value pair")),
                    }
                }
            }
        }
    }
}

fn json_literal(s: &str, p: &mut usize, word: &str, v: Value) -> Result<Value, (String, usize)> {
    let b = s.as_bytes();
    for (n, want) in word.bytes().enumerate() {
        match b.get(*p + n) {
            None => return Err(("unexpected end of JSON input".to_string(), *p + n)),
            Some(&got) if got == want => {}
            Some(_) => {
                let c = s[*p + n..].chars().next().unwrap_or('\u{FFFD}');
                return Err((format!("invalid character {c:?} in literal {word}"), *p + n));
            }
        }
    }
    *p += word.len();
    Ok(v)
}

/// A JSON number, per the JSON grammar, stored like Go's `float64`.
fn json_number(s: &str, p: &mut usize) -> Result<Value, (String, usize)> {
    let b = s.as_bytes();
    let start = *p;
    let mut q = *p;
    let digits = |q: &mut usize| {
        let from = *q;
        while *q < b.len() && b[*q].is_ascii_digit() {
            *q += 1;
        }
        *q > from
    };
    let bad = |q: usize, ctx: &str| -> (String, usize) {
        match s[q..].chars().next() {
            None => ("unexpected end of JSON input".to_string(), q),
            Some(c) => (format!("invalid character {c:?} {ctx}"), q),
        }
    };
    if b.get(q) == Some(&b'-') {
        q += 1;
    }
    match b.get(q) {
        Some(b'0') => q += 1,
        Some(b'1'..=b'9') => {
            digits(&mut q);
        }
        _ => return Err(bad(q, "in numeric literal")),
    }
    if b.get(q) == Some(&b'.') {
        q += 1;
        if !digits(&mut q) {
            return Err(bad(q, "after decimal point in numeric literal"));
        }
    }
    if matches!(b.get(q), Some(b'e') | Some(b'E')) {
        q += 1;
        if matches!(b.get(q), Some(b'+') | Some(b'-')) {
            q += 1;
        }
        if !digits(&mut q) {
            return Err(bad(q, "in exponent of numeric literal"));
        }
    }
    let text = &s[start..q];
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => {
            *p = q;
            Ok(go_float_to_json(f))
        }
        _ => Err((
            format!("cannot unmarshal number {text} into a float64 (out of range)"),
            start,
        )),
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let h = b.get(at..at + 4)?;
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// A JSON string starting at the opening quote at `*p`, decoded like Go does (a surrogate
/// escape that is not part of a valid pair becomes U+FFFD).
fn json_string(s: &str, p: &mut usize) -> Result<String, (String, usize)> {
    let b = s.as_bytes();
    let mut q = *p + 1;
    let mut out = String::new();
    loop {
        match b.get(q) {
            None => return Err(("unexpected end of JSON input".to_string(), q)),
            Some(b'"') => {
                *p = q + 1;
                return Ok(out);
            }
            Some(b'\\') => {
                q += 1;
                let c = match b.get(q) {
                    None => return Err(("unexpected end of JSON input".to_string(), q)),
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'b') => '\u{8}',
                    Some(b'f') => '\u{c}',
                    Some(b'n') => '\n',
                    Some(b'r') => '\r',
                    Some(b't') => '\t',
                    Some(b'u') => {
                        let Some(r) = hex4(b, q + 1) else {
                            return Err((
                                "invalid character in \\u hexadecimal character escape".into(),
                                q,
                            ));
                        };
                        q += 4;
                        if (0xD800..0xE000).contains(&r) {
                            let low = if b.get(q + 1) == Some(&b'\\') && b.get(q + 2) == Some(&b'u')
                            {
                                hex4(b, q + 3)
                            } else {
                                None
                            };
                            match low {
                                Some(lo) if r < 0xDC00 && (0xDC00..0xE000).contains(&lo) => {
                                    q += 6;
                                    char::from_u32(0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00))
                                        .unwrap_or('\u{FFFD}')
                                }
                                _ => '\u{FFFD}',
                            }
                        } else {
                            char::from_u32(r).unwrap_or('\u{FFFD}')
                        }
                    }
                    Some(_) => {
                        let c = s[q..].chars().next().unwrap_or('\u{FFFD}');
                        return Err((format!("invalid character {c:?} in string escape code"), q));
                    }
                };
                out.push(c);
                q += 1;
            }
            Some(&c) if c < 0x20 => {
                return Err((
                    format!("invalid character {:?} in string literal", c as char),
                    q,
                ))
            }
            Some(_) => {
                let c = s[q..].chars().next().unwrap_or('\u{FFFD}');
                out.push(c);
                q += c.len_utf8();
            }
        }
    }
}
