//! How Helm's Go code sees values: the JSON a Go `float64` becomes, and the words for a
//! value's type in messages. Shared by the `--set` parser and the values-file loader.

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
