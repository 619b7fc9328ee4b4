//! YAML 1.1 typing of one scalar node, tags included, exactly as Helm's values reader does it:
//! go-yaml v2's `resolve` (through `sigs.k8s.io/yaml`), then the conversion to JSON.
//!
//! * An untagged plain scalar is typed (`yes` is true, `0644` is 420, `1_0.5` is 10.5); an
//!   untagged quoted one is a string.
//! * A core-schema tag (`!!str`, `!!bool`, `!!int`, `!!float`, `!!null`, `!!timestamp`) types
//!   the text, plain or quoted, and fails when the text is of another type (`!!int "abc"`),
//!   except that an integer is accepted as a `!!float`. `!!binary` is base64, decoded to a string.
//!   Any other tag (`!foo`, `!`, `!!merge` on a value) leaves the text a string.
//! * Infinite and NaN floats are values JSON cannot hold: Helm refuses them, so do we. As map
//!   keys they become `.inf`, `-.inf`, `.nan`.

use super::go::go_float_to_json;
use serde_json::Value;

/// The prefix of the YAML core-schema tags (`!!int` is `tag:yaml.org,2002:int`).
pub const CORE: &str = "tag:yaml.org,2002:";

/// A typed scalar, with the Go type go-yaml gives it (which decides how a key is stringified).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
}

/// go-yaml's name of the type a text resolves to, for messages (`!!int`, `!!str`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Str => "str",
            Kind::Timestamp => "timestamp",
        }
    }
}

impl Scalar {
    /// The JSON value Helm's `.Values` holds for this scalar (every number is a Go float64).
    pub fn into_value(self) -> Result<Value, String> {
        Ok(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => go_float_to_json(i as f64),
            Scalar::Float(f) if f.is_finite() => go_float_to_json(f),
            Scalar::Float(f) => return Err(format!("the number {} cannot be represented in JSON (Helm refuses it too: json: unsupported value)", go_float_key(f))),
            Scalar::Str(s) => Value::String(s),
        })
    }

    /// The string `sigs.k8s.io/yaml` makes of this scalar as a mapping key.
    pub fn into_key(self) -> Result<String, String> {
        match self {
            Scalar::Null => Err("a mapping key cannot be null".into()),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Int(i) if i > i64::MAX as i128 => Err(
                "a mapping key is an integer too large (Helm refuses keys above 9223372036854775807)".into(),
            ),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Float(f) => Ok(go_float_key(f)),
            Scalar::Str(s) => Ok(s),
        }
    }
}

/// Types one scalar node: `plain` is its style, `tag` its full tag (`None` when untagged).
pub fn scalar(text: &str, plain: bool, tag: Option<&str>) -> Result<Scalar, String> {
    match tag {
        None if plain => resolve("", text),
        None => Ok(Scalar::Str(text.to_string())),
        Some(t) => match t.strip_prefix(CORE) {
            Some("binary") => decode_binary(text).map(Scalar::Str),
            Some(short @ ("str" | "bool" | "int" | "float" | "null" | "timestamp")) => {
                resolve(short, text)
            }
            _ => Ok(Scalar::Str(text.to_string())),
        },
    }
}

/// Whether a key node is a YAML merge key: `<<` untagged and plain, or tagged `!` or `!!merge`
/// (a quoted `"<<"` is an ordinary key).
pub fn is_merge_key(text: &str, plain: bool, tag: Option<&str>) -> bool {
    let merge_tag = format!("{CORE}merge");
    text == "<<"
        && match tag {
            None => plain,
            Some(t) => t == "!" || t == merge_tag,
        }
}

/// go-yaml v2's `resolve` for a plain scalar (`tag` empty) or a core-schema tag's short name.
fn resolve(tag: &str, s: &str) -> Result<Scalar, String> {
    if tag == "str" {
        return Ok(Scalar::Str(s.to_string()));
    }
    let (kind, v) = implicit(s, tag == "timestamp");
    match (tag, kind, v) {
        ("", _, v) => Ok(v),
        ("float", Kind::Int, Scalar::Int(i)) => Ok(Scalar::Float(i as f64)),
        (t, k, v) if t == k.name() => Ok(v),
        // The value itself is not repeated: it may be a secret (`password: !!int <text>`).
        (t, k, _) => Err(format!(
            "a value tagged !!{t} reads as a !!{} (its text is not shown), which cannot be decoded as a !!{t}",
            k.name()
        )),
    }
}

/// The type of an untagged plain scalar (`timestamps`: also try the timestamp forms, which
/// go-yaml does only for untagged and `!!timestamp` scalars; a timestamp stays its text).
fn implicit(s: &str, timestamps: bool) -> (Kind, Scalar) {
    if let Some(x) = special(s) {
        return x;
    }
    let str_ = || (Kind::Str, Scalar::Str(s.to_string()));
    match s.as_bytes().first() {
        Some(b'.') => match go_parse_float(s) {
            Some(f) => (Kind::Float, Scalar::Float(f)),
            None => str_(),
        },
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if timestamps && is_timestamp(s) {
                return (Kind::Timestamp, Scalar::Str(s.to_string()));
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return (Kind::Int, Scalar::Int(i));
            }
            match go_parse_float(&plain) {
                Some(f) => (Kind::Float, Scalar::Float(f)),
                None => str_(),
            }
        }
        _ => str_(),
    }
}

/// go-yaml v2's table of special plain scalars.
fn special(s: &str) -> Option<(Kind, Scalar)> {
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => (Kind::Null, Scalar::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            (Kind::Bool, Scalar::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            (Kind::Bool, Scalar::Bool(false))
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (Kind::Float, Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (Kind::Float, Scalar::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => (Kind::Float, Scalar::Float(f64::NAN)),
        _ => return None,
    })
}

/// Go's `strconv.ParseFloat(s, 64)` restricted to go-yaml's float form
/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; out of range is not a float.
fn go_parse_float(s: &str) -> Option<f64> {
    if !is_yaml_float(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` for large positive values.
pub fn go_parse_int(s: &str) -> Option<i128> {
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
        (r, 16)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (r, 2)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (r, 8)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(digits, radix).ok()?;
    let v = if neg { -v } else { v };
    // ParseUint takes no sign, so `+` and `-` values must fit an int64.
    let fits = if neg || s.starts_with('+') {
        v >= i64::MIN as i128 && v <= i64::MAX as i128
    } else {
        v <= u64::MAX as i128
    };
    fits.then_some(v)
}

/// go-yaml v2's float form: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > from
    };
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_digits = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) && !int_digits {
            return false;
        }
    } else if !int_digits {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as `sigs.k8s.io/yaml` uses it for float keys,
/// with its spellings of the non-finite values.
fn go_float_key(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let x = f as f32;
    let sci = format!("{x:e}");
    let Some((mant, exp)) = sci.split_once('e') else {
        return format!("{x}");
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{x}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.abs())
}

/// go-yaml's `!!binary`: standard base64 with padding, line breaks ignored, decoded to a Go
/// string (invalid UTF-8 becomes U+FFFD per byte, as Go's JSON encoder writes it).
fn decode_binary(text: &str) -> Result<String, String> {
    let bad = || "!!binary value contains invalid base64 data".to_string();
    let clean: Vec<u8> = text.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return Err(bad());
    }
    let quanta = clean.len() / 4;
    let mut out = Vec::with_capacity(quanta * 3);
    for (n, q) in clean.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != quanta) {
            return Err(bad());
        }
        let mut acc = 0u32;
        for &b in &q[..4 - pad] {
            acc = (acc << 6) | sextet(b).ok_or_else(bad)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Ok(go_string(&out))
}

fn sextet(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Bytes as Go's JSON encoder writes a string: each byte of invalid UTF-8 is one U+FFFD.
fn go_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        s.extend(std::iter::repeat_n('\u{FFFD}', chunk.invalid().len()));
    }
    s
}

/// Whether Go's `time.Parse` accepts `s` with one of go-yaml's timestamp layouts:
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(rest) = date(b) else {
        return false;
    };
    let (zone, rest) = match rest.split_first() {
        None => return true,
        Some((b'T' | b't', r)) => (true, r),
        Some((b' ', r)) => (false, r),
        Some(_) => return false,
    };
    match clock(rest) {
        Some(r) if zone => is_zone(r),
        Some(r) => r.is_empty(),
        None => false,
    }
}

/// Go's `getnum(s, false)`: one or two digits.
fn num12(b: &[u8]) -> Option<(u32, &[u8])> {
    let d = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = d(0)?;
    match d(1) {
        Some(second) => Some((first * 10 + second, &b[2..])),
        None => Some((first, &b[1..])),
    }
}

fn lit(b: &[u8], c: u8) -> Option<&[u8]> {
    b.strip_prefix(&[c])
}

/// `2006-1-2`, range-checked like Go (the day against the month's length).
fn date(b: &[u8]) -> Option<&[u8]> {
    let year_digits = b.get(..4).filter(|y| y.iter().all(u8::is_ascii_digit))?;
    let year: u32 = year_digits
        .iter()
        .fold(0, |a, c| a * 10 + u32::from(c - b'0'));
    let (month, r) = num12(lit(&b[4..], b'-')?)?;
    let (day, r) = num12(lit(r, b'-')?)?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some(r)
}

/// `15:4:5` with an optional fraction (`.` or `,` and digits), range-checked like Go.
fn clock(b: &[u8]) -> Option<&[u8]> {
    let (h, r) = num12(b)?;
    let (m, r) = num12(lit(r, b':')?)?;
    let (s, mut r) = num12(lit(r, b':')?)?;
    if h >= 24 || m >= 60 || s >= 60 {
        return None;
    }
    if matches!(r.first(), Some(b'.' | b',')) && r.get(1).is_some_and(u8::is_ascii_digit) {
        let n = r[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        r = &r[1 + n..];
    }
    Some(r)
}

/// `Z07:00`: `Z` or `±hh:mm`, and nothing after it.
fn is_zone(b: &[u8]) -> bool {
    if b == b"Z" {
        return true;
    }
    let two = |x: &[u8]| -> Option<u32> {
        x.iter()
            .all(u8::is_ascii_digit)
            .then(|| x.iter().fold(0, |a, c| a * 10 + u32::from(c - b'0')))
    };
    match b {
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!((two(&[*h1, *h2]), two(&[*m1, *m2])), (Some(h), Some(m)) if h <= 24 && m <= 60)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str, plain: bool, tag: Option<&str>) -> Result<Value, String> {
        scalar(text, plain, tag).and_then(Scalar::into_value)
    }

    #[test]
    fn tags_type_the_text_like_go_yaml_v2() {
        let t = |s: &str| format!("{CORE}{s}");
        assert_eq!(v("true", false, Some(&t("bool"))), Ok(Value::Bool(true)));
        assert_eq!(v("2", false, Some(&t("int"))), Ok(2.into()));
        assert_eq!(v("1", false, Some(&t("float"))), Ok(1.into()));
        assert_eq!(v("", false, Some(&t("null"))), Ok(Value::Null));
        assert_eq!(v("1", true, Some(&t("str"))), Ok("1".into()));
        assert_eq!(v("aGVsbG8=", true, Some(&t("binary"))), Ok("hello".into()));
        assert_eq!(
            v("8J+Y", true, Some(&t("binary"))),
            Ok("\u{FFFD}".repeat(3).into())
        );
        assert_eq!(v("1", true, Some("!foo")), Ok("1".into()));
        assert!(v("abc", false, Some(&t("int"))).is_err());
        assert!(v("1", true, Some(&t("bool"))).is_err());
        assert!(v("aGk", true, Some(&t("binary"))).is_err());
        assert!(v("2001-02-29", true, Some(&t("timestamp"))).is_err());
        assert_eq!(
            v("2000-2-29T1:2:3.5-05:00", true, Some(&t("timestamp"))),
            Ok("2000-2-29T1:2:3.5-05:00".into())
        );
    }

    #[test]
    fn plain_numbers_and_keys() {
        assert_eq!(v("1_0.5", true, None), Ok(serde_json::json!(10.5)));
        assert!(v(".NaN", true, None).is_err());
        assert!(v("+.inf", true, None).is_err());
        let key = |s: &str| scalar(s, true, None).and_then(Scalar::into_key);
        assert_eq!(key("1e6"), Ok("1e+06".into()));
        assert_eq!(key("3.14159265358979"), Ok("3.1415927".into()));
        assert_eq!(key("-1.5e-7"), Ok("-1.5e-07".into()));
        assert_eq!(key("123456.0"), Ok("123456".into()));
        assert_eq!(key("-.inf"), Ok("-.inf".into()));
        assert_eq!(
            key("-9223372036854775808"),
            Ok("-9223372036854775808".into())
        );
        assert!(key("9223372036854775808").is_err());
    }

    #[test]
    fn merge_keys() {
        assert!(is_merge_key("<<", true, None));
        assert!(!is_merge_key("<<", false, None));
        assert!(is_merge_key("<<", false, Some("tag:yaml.org,2002:merge")));
        assert!(is_merge_key("<<", false, Some("!")));
        assert!(!is_merge_key("<<", true, Some("tag:yaml.org,2002:str")));
    }
}
