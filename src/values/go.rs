//! How Helm's Go code sees values: the JSON a Go `float64` becomes, and the words for a
//! value's type in messages, and how `--set` types a word. Shared by the `--set` parser and the
//! values-file loader.

use serde_json::{Number, Value};

/// How many maps and lists one argument may nest below the top-level map (see the module docs;
/// Helm has no such limit, and Go's JSON decoder allows 10000).
pub const MAX_DEPTH: usize = 100;

/// The JSON value that Helm's `toJson` produces for a Go `float64` once it is read back by
/// `serde_json`: integral values below 1e21 that fit in 64 bits become integers (Go prints them
/// without a fraction or exponent), `-0` stays a negative-zero float, everything else is a float.
/// Non-finite values (which Go cannot encode) become null.
///
/// Helm stores every number of a `--set-json` value and of a `-f` values file (read through
/// `sigs.k8s.io/yaml`, i.e. YAML → JSON → `interface{}`) as a `float64`.
pub fn go_float_to_json(f: f64) -> Value {
    if !f.is_finite() {
        return Value::Null;
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            Number::from_f64(-0.0).map_or(Value::Null, Value::Number)
        } else {
            Value::from(0u64)
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Rust's `Display` for f64 prints the shortest round-trip digits without an exponent,
        // the same digits Go's `strconv.FormatFloat(f, 'f', -1, 64)` prints.
        let text = format!("{f}");
        if let Ok(u) = text.parse::<u64>() {
            return Value::from(u);
        }
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// A value's type in words, for messages (`a mapping`, `a list`, ...).
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

/// Helm's `typedVal`: the value of a `--set` item (`st` = `--set-string`).
pub(crate) fn typed_val(s: String, st: bool) -> Value {
    if st {
        return Value::String(s);
    }
    if equal_fold(&s, "true") {
        return Value::Bool(true);
    }
    if equal_fold(&s, "false") {
        return Value::Bool(false);
    }
    if equal_fold(&s, "null") {
        return Value::Null;
    }
    if s == "0" {
        return Value::from(0i64);
    }
    if !s.is_empty() && !s.starts_with('0') {
        // Go's strconv.ParseInt(s, 10, 64): optional sign, ASCII digits, no `_`, must fit.
        if let Ok(i) = s.parse::<i64>() {
            return Value::from(i);
        }
    }
    Value::String(s)
}

/// Go's `strings.EqualFold` against an ASCII-lowercase word. Besides ASCII case, the only
/// Unicode simple folding that reaches the letters of `true`/`false`/`null` is `ſ` (U+017F) ≡ `s`.
fn equal_fold(s: &str, lower_ascii: &str) -> bool {
    let mut a = s.chars();
    let mut b = lower_ascii.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let x = if x == '\u{17F}' {
                    's'
                } else {
                    x.to_ascii_lowercase()
                };
                if x != y {
                    return false;
                }
            }
            _ => return false,
        }
    }
}
