//! Values: load `-f` files and `--set`-family flags and merge them exactly as Helm does,
//! remembering where each value came from.
//!
//! Helm's order: `-f` files in order (deep-merged, later wins), then `--set-json`, `--set`,
//! `--set-string`, `--set-file`, `--set-literal`, each parsed into the same map in turn.

pub mod check;
pub mod features;
pub mod go;
mod gojson;
pub mod schema;
pub mod set;
mod undo;
pub mod versions;
pub mod yaml;
pub mod yaml11;

use crate::diag::{Code, Diagnostic, Origin};
use serde_json::{Map, Value};
use set::{Seg, SetKind};
use std::collections::HashMap;
use std::path::Path;

/// The values flags of one invocation, as the user typed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValuesInput {
    /// `-f/--values` files in order; `-` is standard input.
    pub files: Vec<String>,
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    pub set_literal: Vec<String>,
}

impl ValuesInput {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.set_json.is_empty()
            && self.set.is_empty()
            && self.set_string.is_empty()
            && self.set_file.is_empty()
            && self.set_literal.is_empty()
    }
    pub fn reads_stdin(&self) -> bool {
        self.files.iter().any(|f| f == "-")
    }
}

/// Where each values path was last set.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    map: HashMap<String, Origin>,
    keys: HashMap<String, Origin>,
}

impl Origins {
    /// The origin of `path`, or of its nearest ancestor that has one.
    pub fn lookup(&self, path: &str) -> Option<&Origin> {
        let mut p = path;
        loop {
            if let Some(o) = self.map.get(p) {
                return Some(o);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
    /// Where the key of `path` was written (values files), else where its value came from.
    pub fn key(&self, path: &str) -> Option<&Origin> {
        let same_file = |k: &Origin, v: &Origin| match (k, v) {
            (Origin::File { file: a, .. }, Origin::File { file: b, .. }) => a == b,
            _ => false,
        };
        match (self.keys.get(path), self.map.get(path)) {
            // The key's own position when the value came from the same file; a later source
            // (a --set argument, another file) that set the path is named instead.
            (Some(k), Some(v)) if same_file(k, v) => Some(k),
            (_, Some(v)) => Some(v),
            (Some(k), None) => Some(k),
            (None, None) => self.lookup(path),
        }
    }
    /// Only an exact entry (no ancestor).
    pub fn exact(&self, path: &str) -> Option<&Origin> {
        self.map.get(path)
    }
    /// Record `origin(path)` for `v` at `prefix` and every path under it: for values that come
    /// from neither a values file nor a flag, such as a kustomize plugin's or KRM function's config.
    pub fn record(&mut self, prefix: &str, v: &Value, origin: &dyn Fn(&str) -> Origin) {
        self.record_tree(prefix, v, origin)
    }
    /// Record `origin` for what one `--set`-family argument set: each written path, every
    /// ancestor of it, and everything under the value it holds now. The cost is that of the
    /// argument, whatever the size of `values`.
    fn record_written(
        &mut self,
        values: &Map<String, Value>,
        written: &[Vec<Seg>],
        origin: &Origin,
    ) {
        for segs in written {
            let mut path = String::new();
            let mut node = Some(values);
            let mut here: Option<&Value> = None;
            for s in segs {
                here = match (s, here) {
                    (Seg::Key(k), None) => node.and_then(|m| m.get(k)),
                    (Seg::Key(k), Some(v)) => v.get(k.as_str()),
                    (Seg::Index(i), Some(v)) => v.get(*i),
                    (Seg::Index(_), None) => None,
                };
                node = None;
                path = match s {
                    Seg::Key(k) => yaml::join_path(&path, k),
                    Seg::Index(i) => yaml::index_path(&path, *i),
                };
                self.map.insert(path.clone(), origin.clone());
            }
            if let Some(v) = here {
                self.record_tree(&path, v, &|_| origin.clone());
            }
        }
    }
    fn record_tree(&mut self, prefix: &str, v: &Value, origin: &dyn Fn(&str) -> Origin) {
        // An explicit walk (not recursion) so that deep trees cannot exhaust the stack.
        let mut todo: Vec<(String, &Value)> = vec![(prefix.to_string(), v)];
        while let Some((path, v)) = todo.pop() {
            if !path.is_empty() {
                self.map.insert(path.clone(), origin(&path));
            }
            match v {
                Value::Object(m) => {
                    for (k, c) in m {
                        todo.push((yaml::join_path(&path, k), c));
                    }
                }
                Value::Array(a) => {
                    for (i, c) in a.iter().enumerate() {
                        todo.push((yaml::index_path(&path, i), c));
                    }
                }
                _ => {}
            }
        }
    }
}

/// The merged values and their provenance.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What Helm's `.Values` would hold for a chart without defaults (`null`s kept, as Helm keeps them).
    pub values: Value,
    /// The values this tool acts on: `null` deletes a key, so the schema default applies
    /// (what Helm does when it coalesces the user's values with a chart's defaults).
    pub effective: Value,
    pub origins: Origins,
    /// Warnings found while loading (duplicate keys).
    pub warnings: Vec<Diagnostic>,
}

/// Deep merge as Helm's `mergeMaps`: maps merge key by key, anything else replaces.
pub fn merge_maps(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (k, v) in src {
        match (dst.get_mut(&k), v) {
            (Some(Value::Object(d)), Value::Object(s)) => merge_maps(d, s),
            (_, v) => {
                dst.insert(k, v);
            }
        }
    }
}

/// Helm drops keys whose value is `null` when it coalesces the user's values with the chart's defaults.
pub fn drop_nulls(v: &mut Value) {
    let mut todo: Vec<&mut Value> = vec![v];
    while let Some(v) = todo.pop() {
        if let Value::Object(m) = v {
            m.retain(|_, c| !c.is_null());
            todo.extend(m.values_mut());
        }
    }
}

fn read_to_string(path: &str) -> std::io::Result<String> {
    let bytes = std::fs::read(Path::new(path))?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not valid UTF-8",
        )
    })
}

/// One source of values, in the order they are merged (Helm's: files, then the `--set` family).
#[derive(Debug, Clone)]
pub enum Layer {
    /// A values file (`-f`, a config's `valuesFiles`): its path, where it was named, and the
    /// hint for a file that cannot be read.
    File {
        path: String,
        given: Origin,
        hint: &'static str,
    },
    /// Values written in place (a config object's `values:`), with the origin of each path.
    Inline {
        values: Map<String, Value>,
        origins: HashMap<String, Origin>,
    },
    /// One argument of the `--set` family, where it was given, and the hint for a syntax error.
    Set {
        kind: SetKind,
        arg: String,
        given: Origin,
        syntax_hint: Option<String>,
    },
}

impl ValuesInput {
    /// The flags as layers, in Helm's order.
    pub fn layers(&self) -> Vec<Layer> {
        let mut layers: Vec<Layer> = self
            .files
            .iter()
            .map(|f| Layer::File {
                path: f.clone(),
                given: Origin::Flag {
                    flag: format!("-f {f}"),
                },
                hint: "check the path given to -f/--values",
            })
            .collect();
        let flags: [(SetKind, &Vec<String>); 5] = [
            (SetKind::SetJson, &self.set_json),
            (SetKind::Set, &self.set),
            (SetKind::SetString, &self.set_string),
            (SetKind::SetFile, &self.set_file),
            (SetKind::SetLiteral, &self.set_literal),
        ];
        for (kind, args) in flags {
            for (i, arg) in args.iter().enumerate() {
                layers.push(Layer::Set {
                    kind,
                    arg: arg.clone(),
                    given: Origin::Arg {
                        flag: kind.flag().to_string(),
                        index: i + 1,
                    },
                    syntax_hint: None,
                });
            }
        }
        layers
    }
}

/// Load and merge the flags of one invocation ([`load_layers`] of [`ValuesInput::layers`]).
pub fn load(input: &ValuesInput, stdin: Option<&str>) -> Result<Loaded, Vec<Diagnostic>> {
    load_layers(&input.layers(), stdin)
}

/// Load and merge every layer in order. `stdin` is the text of standard input when a file is
/// `-`. Errors come back all together, each with its origin.
pub fn load_layers(layers: &[Layer], stdin: Option<&str>) -> Result<Loaded, Vec<Diagnostic>> {
    let mut base = Map::new();
    let mut origins = Origins::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    // One budget for the list elements the indexes of every --set argument create together.
    let mut budget = set::Budget::default();
    for layer in layers {
        match layer {
            Layer::File { path, given, hint } => {
                let Some((label, text)) = read_values_file(path, given, hint, stdin, &mut errors)
                else {
                    continue;
                };
                match yaml::load(&text) {
                    Ok(loc) => {
                        let at = |x: &yaml::Pos| Origin::File {
                            file: label.clone(),
                            line: x.line,
                            column: x.column,
                        };
                        for (code, path, pos, msg) in &loc.warnings {
                            warnings.push(
                                Diagnostic::warning(*code, path.clone(), msg.clone())
                                    .at(Some(at(pos))),
                            );
                        }
                        for (p, x) in &loc.key_positions {
                            origins.keys.insert(p.clone(), at(x));
                        }
                        let pos = &loc.positions;
                        origins.record_tree("", &loc.value, &|p: &str| match pos.get(p) {
                            Some(x) => at(x),
                            None => Origin::File {
                                file: label.clone(),
                                line: 1,
                                column: 1,
                            },
                        });
                        if let Value::Object(m) = loc.value {
                            merge_maps(&mut base, m);
                        }
                    }
                    Err(e) => errors.push(
                        Diagnostic::error(Code::YamlSyntax, "", format!("{label} is not valid YAML: {}", e.message))
                            .at(Some(Origin::File { file: label.clone(), line: e.pos.line, column: e.pos.column }))
                            .hint("fix the YAML syntax at that position (indent with spaces, quote values that contain `: ` or `#`)"),
                    ),
                }
            }
            Layer::Inline {
                values,
                origins: given,
            } => {
                origins.record("", &Value::Object(values.clone()), &|p: &str| {
                    given.get(p).cloned().unwrap_or(Origin::Default)
                });
                merge_maps(&mut base, values.clone());
            }
            Layer::Set {
                kind,
                arg,
                given,
                syntax_hint,
            } => {
                // In place: the cost of an argument must not depend on the values built so far.
                match set::apply_budgeted(*kind, arg, &mut base, &read_to_string, &mut budget) {
                    Ok(written) => origins.record_written(&base, &written, given),
                    Err(e) => {
                        let hint = match e.cause {
                            set::SetCause::ReadFile => "the part after = is a file path whose contents become the value; check that it exists and is readable".to_string(),
                            set::SetCause::Type => "an earlier value at that path has another type; set the path itself, or remove the earlier value".to_string(),
                            set::SetCause::Syntax => syntax_hint.clone().unwrap_or_else(|| "the syntax is key.path=value[,key2=value2]; escape a literal comma or dot with a backslash".to_string()),
                        };
                        errors.push(
                            Diagnostic::error(Code::SetSyntax, "", e.message)
                                .at(Some(given.clone()))
                                .hint(hint),
                        )
                    }
                }
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let values = Value::Object(base);
    let mut effective = values.clone();
    drop_nulls(&mut effective);
    Ok(Loaded {
        values,
        effective,
        origins,
        warnings,
    })
}

/// The text of a values file (`-` is standard input), and what to call it; an error otherwise.
fn read_values_file(
    path: &str,
    given: &Origin,
    hint: &str,
    stdin: Option<&str>,
    errors: &mut Vec<Diagnostic>,
) -> Option<(String, String)> {
    if path == "-" {
        if let Some(t) = stdin {
            return Some(("<stdin>".to_string(), t.to_string()));
        }
        errors.push(
            Diagnostic::error(Code::ValuesFile, "", "`-f -` reads values from standard input, but standard input carries the manifests here")
                .at(Some(given.clone()))
                .hint("write the values to a file and pass its path, or use `generate`/`validate`, which read no manifests"),
        );
        return None;
    }
    match read_to_string(path) {
        Ok(t) => Some((path.to_string(), t)),
        Err(e) => {
            errors.push(
                Diagnostic::error(
                    Code::ValuesFile,
                    "",
                    format!("cannot read values file {path}: {e}"),
                )
                .at(Some(given.clone()))
                .hint(hint),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_is_deep_and_later_wins() {
        let mut a = json!({"x": {"y": 1, "z": 2}, "l": [1, 2]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let b = json!({"x": {"y": 3}, "l": [9]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        merge_maps(&mut a, b);
        assert_eq!(Value::Object(a), json!({"x": {"y": 3, "z": 2}, "l": [9]}));
    }

    /// Origins of a `--set` argument cost what the argument costs: the paths it sets, their
    /// ancestors and the values below them, never the nulls that fill a list up to an index
    /// (recording those made `--set a[i]=x` flags cost O(N²) for N flags).
    #[test]
    fn set_flags_record_only_what_they_set() {
        let input = ValuesInput {
            set: vec!["a[5]=x".into(), "a[7].b=y".into()],
            set_json: vec![r#"j={"k":[1,2]}"#.into()],
            ..ValuesInput::default()
        };
        let l = load(&input, None).expect("valid flags");
        let mut paths: Vec<&str> = l.origins.map.keys().map(String::as_str).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            ["a", "a[5]", "a[7]", "a[7].b", "j", "j.k", "j.k[0]", "j.k[1]"]
        );
        let arg = |flag: &str, index| Origin::Arg {
            flag: flag.into(),
            index,
        };
        assert_eq!(l.origins.exact("a[7].b"), Some(&arg("--set", 2)));
        assert_eq!(l.origins.lookup("a[6]"), Some(&arg("--set", 2)));
        assert_eq!(l.origins.exact("a[5]"), Some(&arg("--set", 1)));
        assert_eq!(l.origins.exact("j.k[1]"), Some(&arg("--set-json", 1)));
    }

    #[test]
    fn origins_fall_back_to_ancestors() {
        let mut o = Origins::default();
        o.map.insert("a.b".into(), Origin::Default);
        assert_eq!(o.lookup("a.b.c[0]"), Some(&Origin::Default));
        assert_eq!(o.lookup("a"), None);
    }
}
