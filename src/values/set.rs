//! Helm's `--set` family of flags, reimplemented with the exact behaviour of Helm 3.17's
//! `strvals` package and of the order in which `helm template`/`install` applies them.
//!
//! One call of [`apply`] handles one flag argument and merges it into the values map built so
//! far. Helm builds the user-supplied values in this order (verified against Helm v3.17.3), so a
//! caller must apply the flags in the same order to get the same result:
//!
//! 1. every `-f/--values` file, in command-line order, deep-merged (a later file wins);
//! 2. every `--set-json`, in order;
//! 3. every `--set`, in order;
//! 4. every `--set-string`, in order;
//! 5. every `--set-file`, in order;
//! 6. every `--set-literal`, in order.
//!
//! The flag kind, not its position on the command line, decides precedence between kinds:
//! `--set a=1 --set-json a=2` gives `a: 1`, and `--set-string a=s --set a=1` gives `a: "s"`.
//!
//! Notable Helm behaviours reproduced here (all checked with the real binary):
//!
//! * `--set` values are typed: `true`/`false`/`null` (any letter case) become booleans and null,
//!   `0` and base-10 integers that fit in an `int64` and do not start with `0` become integers
//!   (`+5` is 5, `-0` is 0); everything else, including `1.5`, `0644`, `1e3` and integers too big
//!   for `int64`, stays a string. `--set-string` never types.
//! * `--set-json` values are decoded like Go's `encoding/json` into `interface{}`: every number
//!   becomes a `float64`, so `1.0` prints as `1` and `12345678901234567890` as
//!   `12345678901234567000`; see [`go_float_to_json`]. Helm 3.17 does *not* accept a bare JSON
//!   object (`--set-json '{"a":1}'` is an error there; Helm 4 accepts it).
//! * `--set-file a=path` stores the file's contents as a string; `a={p1,p2}` reads both files.
//! * `--set-literal` splits only the key (no `,`, no escapes); the value is the rest of the
//!   argument, verbatim.
//! * Indices above 65536 and negative indices are errors; gaps are filled with null.
//! * Setting `a.b` when `a` already holds a non-map (including null), or `a[0]` when `a` holds a
//!   non-list, is an error, as it is in Helm (Helm reports it as an "interface conversion").
//! * Some odd inputs are silently accepted, like in Helm: an empty argument, an empty key
//!   (`=x`, `.a=1`, `[0]=1` set nothing), `a.` (nothing), `a[0]` (makes `a` an empty list),
//!   `a]=1` (sets the key `a]`), a trailing `,`.
//!
//! Helm's parser is recursive; this one walks a key with an explicit stack instead, and nothing
//! in it panics. Existing maps and lists are updated in place exactly where Helm's shared Go maps
//! and slices are.
//!
//! The one deliberate difference: Helm (Go, with growable stacks) accepts any nesting depth,
//! e.g. `a[0][0]…` ten thousand levels deep or `--set-json` values nested up to 10000 levels.
//! Values that deep would overflow the stack of the recursive code that later clones, drops,
//! compares or serialises a `serde_json::Value`, so one argument may nest at most [`MAX_DEPTH`]
//! maps and lists below the top level (key path and `--set-json` value together); deeper input
//! is an error.

use super::undo::Journal;
pub use super::undo::Seg;
use serde_json::{Map, Value};

/// The largest list index Helm accepts.
pub const MAX_INDEX: i64 = 65536;
/// The largest number of `.`-separated name levels Helm accepts in one key.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// How many maps and lists one argument may nest below the top-level map (see the module docs;
/// Helm has no such limit, and Go's JSON decoder allows 10000).
pub const MAX_DEPTH: usize = 100;

/// Which flag an argument came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    Set,
    SetString,
    SetJson,
    SetFile,
    SetLiteral,
}

impl SetKind {
    /// The command-line flag, e.g. `"--set-json"`.
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Set => "--set",
            SetKind::SetString => "--set-string",
            SetKind::SetJson => "--set-json",
            SetKind::SetFile => "--set-file",
            SetKind::SetLiteral => "--set-literal",
        }
    }
}

/// A `--set`-family argument that Helm would refuse.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{message}")]
pub struct SetError {
    pub message: String,
}

/// Parse one flag argument and merge it into `dest`, exactly as Helm does for that flag.
/// `read_file` is used by [`SetKind::SetFile`] to read the file named on the right of `=`
/// (Helm reads it as a string).
///
/// On error `dest` is left unchanged (Helm aborts the whole command in that case). `dest` is
/// changed in place and a failed argument undone from a log of what it replaced, so the cost
/// of one argument does not depend on the size of `dest`.
pub fn apply(
    kind: SetKind,
    arg: &str,
    dest: &mut Map<String, Value>,
    read_file: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<(), SetError> {
    apply_traced(kind, arg, dest, read_file).map(|_| ())
}

/// [`apply`], returning the path of every value the argument set, in order (for origins).
pub fn apply_traced(
    kind: SetKind,
    arg: &str,
    dest: &mut Map<String, Value>,
    read_file: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<Vec<Vec<Seg>>, SetError> {
    let mut parser = Parser {
        kind,
        sc: Scanner { s: arg, pos: 0 },
        read_file,
        journal: Journal::default(),
        written: Vec::new(),
    };
    loop {
        match parser.key(dest) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(parser.written),
            Err(Stop::Fail(e)) => {
                parser.journal.revert(dest);
                return Err(e);
            }
        }
    }
}

pub use super::go::go_float_to_json;

/// Helm's `typedVal`: the value of a `--set` item (`st` = `--set-string`).
fn typed_val(s: String, st: bool) -> Value {
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

struct Scanner<'a> {
    s: &'a str,
    /// Byte offset of the next character.
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn read(&mut self) -> Option<char> {
        let c = self.s[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Puts back the character just read.
    fn unread(&mut self, c: char) {
        self.pos -= c.len_utf8();
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    /// Helm's `runesUntil` (with `escapes`, a backslash takes the next character literally and a
    /// trailing backslash is dropped) or `runesUntilLiteral` (without). `None` means the end of
    /// the argument was reached.
    fn until(&mut self, stop: &[char], escapes: bool) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') if escapes => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }
}

/// Why parsing of one key stopped: Helm's `io.EOF` (end of the argument, not an error) or a real
/// error.
enum Stop {
    Eof,
    Fail(SetError),
}

type Step<T = ()> = Result<T, Stop>;

/// Result of Helm's `valList`.
enum ValList {
    List(Vec<Value>),
    Eof,
    NotList,
}

/// A container on the way down one key, held by value: an existing one is taken out of its
/// parent (leaving a null placeholder) and put back on the way up, a new one is stored (or not)
/// the way Helm does.
enum Container {
    Map(Map<String, Value>),
    List(Vec<Value>),
}

impl Container {
    fn into_value(self) -> Value {
        match self {
            Container::Map(m) => Value::Object(m),
            Container::List(l) => Value::Array(l),
        }
    }
}

/// How a frame's container hangs off its parent: `name.` / `name[` in a map, `[i].` / `[i][` in
/// a list. These are the four recursive calls of Helm's parser (`key` → `key`, `key` →
/// `listItem`, `listItem` → `key`, `listItem` → `listItem`), unrolled so that no input can
/// exhaust the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    MapDot,
    MapBracket,
    ListDot,
    ListBracket,
}

struct Frame {
    c: Container,
    via: Via,
    /// Taken out of the parent (Helm would share it) rather than created.
    existing: bool,
    /// An existing list element that was not a map, replaced by this new map (`ListDot`).
    replaced: bool,
    /// The slot in the parent map (`MapDot`, `MapBracket`).
    key: String,
    /// The slot in the parent list (`ListDot`, `ListBracket`).
    index: i64,
    /// Length of an existing list under the empty key (see `ascend`).
    orig_len: usize,
    /// End of this container's path in the shared path string, for messages.
    path_end: usize,
}

/// What the parser is about to read.
enum State {
    /// Helm's `key`: a name in the map on top of the stack.
    Key { level: usize },
    /// Helm's `listItem`: whatever follows `[i]` in the list on top of the stack.
    Item { i: i64, level: usize },
}

struct Parser<'a, 'r> {
    kind: SetKind,
    sc: Scanner<'a>,
    read_file: &'r dyn Fn(&str) -> std::io::Result<String>,
    /// What this argument changed so far, to undo it if it fails.
    journal: Journal,
    /// The paths of the values set so far.
    written: Vec<Vec<Seg>>,
}

/// How the key being put back together ended: Helm's `nil`, Helm's `io.EOF`, or an error (then
/// containers are only put back where they were, and nothing new is stored).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ok,
    Eof,
    Failed,
}

/// The path from the root to the container on top of the stack.
fn path_of(stack: &[Frame]) -> Vec<Seg> {
    stack
        .iter()
        .map(|f| match f.via {
            Via::MapDot | Via::MapBracket => Seg::Key(f.key.clone()),
            Via::ListDot | Via::ListBracket => {
                Seg::Index(usize::try_from(f.index).unwrap_or(usize::MAX))
            }
        })
        .collect()
}

/// The map on top of the stack (the root when the stack is empty).
fn top_map<'x>(
    root: &'x mut Map<String, Value>,
    stack: &'x mut [Frame],
) -> Option<&'x mut Map<String, Value>> {
    match stack.last_mut() {
        None => Some(root),
        Some(Frame {
            c: Container::Map(m),
            ..
        }) => Some(m),
        Some(_) => None,
    }
}

fn top_list(stack: &mut [Frame]) -> Option<&mut Vec<Value>> {
    match stack.last_mut() {
        Some(Frame {
            c: Container::List(l),
            ..
        }) => Some(l),
        _ => None,
    }
}

impl Parser<'_, '_> {
    fn literal(&self) -> bool {
        self.kind == SetKind::SetLiteral
    }

    fn fail(&self, what: impl std::fmt::Display) -> Stop {
        let at = if self.sc.pos >= self.sc.s.len() {
            "at the end of the argument".to_string()
        } else {
            format!("at character {}", self.sc.s[..self.sc.pos].chars().count())
        };
        // The argument itself is not repeated: the diagnostic's origin names it, and its
        // values may be secrets.
        Stop::Fail(SetError {
            message: format!("{what} ({at})"),
        })
    }

    fn type_error(&self, path: &str, v: &Value, want: &str) -> Stop {
        self.fail(format_args!(
            "cannot use {path:?} as {want}: it already holds {}",
            super::go::kind_name(v)
        ))
    }

    fn internal(&self) -> Stop {
        self.fail("internal error: inconsistent parser state")
    }

    /// Parses one `key=value` (Helm's top-level call of `key`) and applies it to `root`.
    fn key(&mut self, root: &mut Map<String, Value>) -> Step {
        let mut stack: Vec<Frame> = Vec::new();
        let mut path = String::new();
        let outcome = self.descend(root, &mut stack, &mut path);
        // Also after an error: the containers taken out must go back for the undo.
        self.ascend(root, stack, &path, outcome)
    }

    /// Reads the key down to its value (or the end of the argument), taking existing containers
    /// out of their parents onto `stack`, and stores the value. `Ok` and `Err(Stop::Eof)` are
    /// Helm's `nil` and `io.EOF` results of the innermost call.
    fn descend(
        &mut self,
        root: &mut Map<String, Value>,
        stack: &mut Vec<Frame>,
        path: &mut String,
    ) -> Step {
        let mut state = State::Key { level: 0 };
        loop {
            state = match state {
                State::Key { level } => {
                    let (k, last) = if self.literal() {
                        self.sc.until(&['=', '[', '.'], false)
                    } else {
                        self.sc.until(&['=', '[', ',', '.'], true)
                    };
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&k);
                    match last {
                        None if k.is_empty() => return Err(Stop::Eof),
                        None => return Err(self.fail(format_args!("key {path:?} has no value"))),
                        Some('=') => {
                            let v = self.value(path, MAX_DEPTH - stack.len())?;
                            let at = path_of(stack);
                            let Some(map) = top_map(root, stack) else {
                                return Err(self.internal());
                            };
                            self.wrote(&at, (!k.is_empty()).then(|| Seg::Key(k.clone())));
                            return match v {
                                Some(v) => {
                                    self.set_key(at, map, k, v);
                                    Ok(())
                                }
                                None => {
                                    // `key=` at the very end: an empty string, and Helm's
                                    // `io.EOF`, which matters to a `[i].` above it.
                                    self.set_key(at, map, k, Value::String(String::new()));
                                    Err(Stop::Eof)
                                }
                            };
                        }
                        Some(',') => {
                            return Err(self.fail(format_args!(
                                "key {path:?} has no value (cannot end with ,)"
                            )))
                        }
                        Some('.') => {
                            let level = level + 1;
                            if level > MAX_NESTED_NAME_LEVEL {
                                return Err(self.fail(format_args!(
                                    "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                                )));
                            }
                            self.check_depth(stack.len())?;
                            let Some(map) = top_map(root, stack) else {
                                return Err(self.internal());
                            };
                            let (c, existing) = match map.get_mut(&k) {
                                Some(Value::Object(m)) => (Container::Map(std::mem::take(m)), true),
                                Some(other) => return Err(self.type_error(path, other, "a map")),
                                None => (Container::Map(Map::new()), false),
                            };
                            stack.push(Frame {
                                c,
                                via: Via::MapDot,
                                existing,
                                replaced: false,
                                key: k,
                                index: 0,
                                orig_len: 0,
                                path_end: path.len(),
                            });
                            State::Key { level }
                        }
                        Some(_) => {
                            // '['
                            let i = self.key_index(path)?;
                            self.check_depth(stack.len())?;
                            let Some(map) = top_map(root, stack) else {
                                return Err(self.internal());
                            };
                            let (c, existing, orig_len) = match map.get_mut(&k) {
                                Some(Value::Array(l)) => {
                                    let l = std::mem::take(l);
                                    let n = l.len();
                                    (Container::List(l), true, n)
                                }
                                Some(other) => return Err(self.type_error(path, other, "a list")),
                                None => (Container::List(Vec::new()), false, 0),
                            };
                            stack.push(Frame {
                                c,
                                via: Via::MapBracket,
                                existing,
                                replaced: false,
                                key: k,
                                index: 0,
                                orig_len,
                                path_end: path.len(),
                            });
                            State::Item { i, level }
                        }
                    }
                }
                State::Item { i, level } => {
                    if i < 0 {
                        return Err(
                            self.fail(format_args!("negative {i} index not allowed in {path:?}"))
                        );
                    }
                    path.push_str(&format!("[{i}]"));
                    let (k, last) = self.sc.until(&['[', '.', '='], !self.literal());
                    if !k.is_empty() {
                        return Err(self.fail(format_args!(
                            "unexpected data at end of array index {path:?}: {k:?}"
                        )));
                    }
                    match last {
                        None => return Err(Stop::Eof),
                        Some('=') => {
                            let v = self
                                .value(path, MAX_DEPTH - stack.len())?
                                .unwrap_or_else(|| Value::String(String::new()));
                            let at = path_of(stack);
                            let Some(list) = top_list(stack) else {
                                return Err(self.internal());
                            };
                            self.wrote(&at, usize::try_from(i).ok().map(Seg::Index));
                            return self.set_index(at, list, i, v);
                        }
                        Some('.') => {
                            self.check_depth(stack.len())?;
                            let Some(list) = top_list(stack) else {
                                return Err(self.internal());
                            };
                            let (c, existing, replaced) =
                                match usize::try_from(i).ok().filter(|&u| u < list.len()) {
                                    Some(u) => {
                                        // Helm replaces a non-map element by an empty map before
                                        // going down, and keeps that whatever follows.
                                        match &mut list[u] {
                                            Value::Object(m) => {
                                                (Container::Map(std::mem::take(m)), true, false)
                                            }
                                            _ => (Container::Map(Map::new()), true, true),
                                        }
                                    }
                                    None => (Container::Map(Map::new()), false, false),
                                };
                            stack.push(Frame {
                                c,
                                via: Via::ListDot,
                                existing,
                                replaced,
                                key: String::new(),
                                index: i,
                                orig_len: 0,
                                path_end: path.len(),
                            });
                            State::Key { level }
                        }
                        Some(_) => {
                            // '['
                            let next = self.key_index(path)?;
                            self.check_depth(stack.len())?;
                            let Some(list) = top_list(stack) else {
                                return Err(self.internal());
                            };
                            let (c, existing) = match usize::try_from(i)
                                .ok()
                                .filter(|&u| u < list.len())
                            {
                                Some(u) if !list[u].is_null() => match &mut list[u] {
                                    Value::Array(l) => (Container::List(std::mem::take(l)), true),
                                    other => return Err(self.type_error(path, other, "a list")),
                                },
                                _ => (Container::List(Vec::new()), false),
                            };
                            stack.push(Frame {
                                c,
                                via: Via::ListBracket,
                                existing,
                                replaced: false,
                                key: String::new(),
                                index: i,
                                orig_len: 0,
                                path_end: path.len(),
                            });
                            State::Item { i: next, level }
                        }
                    }
                }
            }
        }
    }

    /// Puts the containers on `stack` back (innermost first), as Helm's recursive calls do on
    /// return with `outcome` (`Ok` or `Err(Stop::Eof)`), and returns the outermost result.
    /// After an error every container taken out still goes back, unchanged.
    fn ascend(
        &mut self,
        root: &mut Map<String, Value>,
        mut stack: Vec<Frame>,
        path: &str,
        outcome: Step,
    ) -> Step {
        let mut result = outcome;
        while let Some(f) = stack.pop() {
            let mode = match &result {
                Ok(()) => Mode::Ok,
                Err(Stop::Eof) => Mode::Eof,
                Err(Stop::Fail(_)) => Mode::Failed,
            };
            if let Err(e) = self.put_back(root, &mut stack, f, path, mode) {
                if mode != Mode::Failed {
                    result = Err(e);
                }
            }
        }
        result
    }

    /// Puts one container back into its parent, the new top of `stack`.
    fn put_back(
        &mut self,
        root: &mut Map<String, Value>,
        stack: &mut [Frame],
        f: Frame,
        path: &str,
        mode: Mode,
    ) -> Step {
        let here = &path[..f.path_end];
        match f.via {
            Via::MapDot => {
                let Container::Map(inner) = f.c else {
                    return Err(self.internal());
                };
                let empty = inner.is_empty();
                let at = (!f.existing && !empty && mode != Mode::Failed).then(|| path_of(stack));
                let Some(parent) = top_map(root, stack) else {
                    return Err(self.internal());
                };
                if f.existing {
                    // Helm shares the map: it stays, even when empty.
                    parent.insert(f.key, Value::Object(inner));
                } else if let Some(at) = at {
                    self.set_key(at, parent, f.key, Value::Object(inner));
                }
                if mode == Mode::Ok && empty {
                    return Err(self.fail(format_args!("key map {here:?} has no value")));
                }
            }
            Via::MapBracket => {
                let Container::List(mut list) = f.c else {
                    return Err(self.internal());
                };
                let at = (!f.existing && mode != Mode::Failed).then(|| path_of(stack));
                let Some(parent) = top_map(root, stack) else {
                    return Err(self.internal());
                };
                if f.existing {
                    if f.key.is_empty() {
                        // Helm does not store a list under the empty key, but it shares the
                        // existing slice: changed elements stick, growth does not.
                        list.truncate(f.orig_len);
                    }
                    parent.insert(f.key, Value::Array(list));
                } else if let Some(at) = at {
                    self.set_key(at, parent, f.key, Value::Array(list));
                }
            }
            Via::ListDot | Via::ListBracket => {
                let child = f.c.into_value();
                let at =
                    (mode != Mode::Failed && (f.replaced || !f.existing)).then(|| path_of(stack));
                let Some(parent) = top_list(stack) else {
                    return Err(self.internal());
                };
                if f.existing {
                    let Some(u) = usize::try_from(f.index).ok().filter(|&u| u < parent.len())
                    else {
                        return Err(self.internal());
                    };
                    match at {
                        Some(at) => {
                            let old = std::mem::replace(&mut parent[u], child);
                            self.journal.elem(at, u, old);
                        }
                        // An element taken out goes back; a replaced one stays on failure.
                        None if !f.replaced => parent[u] = child,
                        None => {}
                    }
                    if mode == Mode::Ok {
                        // Helm's `setIndex` on the shared element still checks the index.
                        self.check_index(f.index)
                            .map_err(|_| self.index_error(f.index, here))?;
                    }
                } else if let (Mode::Ok, Some(at)) = (mode, at) {
                    self.set_index(at, parent, f.index, child)
                        .map_err(|_| self.index_error(f.index, here))?;
                }
            }
        }
        Ok(())
    }

    /// Notes that the value at `at` + `last` is set (nothing when `last` is `None`: an empty
    /// key, which Helm ignores).
    fn wrote(&mut self, at: &[Seg], last: Option<Seg>) {
        if let Some(last) = last {
            let mut p = at.to_vec();
            p.push(last);
            self.written.push(p);
        }
    }

    /// Helm's `set` (an empty key is silently ignored), logged for the undo.
    fn set_key(&mut self, at: Vec<Seg>, map: &mut Map<String, Value>, k: String, v: Value) {
        if !k.is_empty() {
            let old = map.insert(k.clone(), v);
            self.journal.key(at, k, old);
        }
    }

    fn check_depth(&self, depth: usize) -> Step {
        if depth >= MAX_DEPTH {
            return Err(self.fail(format_args!(
                "values nested more than {MAX_DEPTH} levels deep are not supported"
            )));
        }
        Ok(())
    }

    fn index_error(&self, i: i64, path: &str) -> Stop {
        if i < 0 {
            self.fail(format_args!("negative {i} index not allowed in {path:?}"))
        } else {
            self.fail(format_args!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX} in {path:?}"
            ))
        }
    }

    /// The value after `=`. `Ok(None)` is Helm's `valList` hitting the end of the argument right
    /// after `=` (only for `--set`, `--set-string` and `--set-file`).
    fn value(&mut self, path: &str, depth_left: usize) -> Step<Option<Value>> {
        match self.kind {
            SetKind::SetJson => {
                if self.empty_val() {
                    return Ok(Some(Value::Null));
                }
                let v = self.json_value(path, depth_left)?;
                // Skip blanks and one comma; anything else starts the next key.
                self.empty_val();
                Ok(Some(v))
            }
            SetKind::SetLiteral => {
                let v = self.sc.rest().to_string();
                self.sc.pos = self.sc.s.len();
                Ok(Some(Value::String(v)))
            }
            _ => match self.val_list(path)? {
                ValList::List(vl) => Ok(Some(Value::Array(vl))),
                ValList::Eof => Ok(None),
                ValList::NotList => {
                    let (rs, _) = self.sc.until(&[','], true);
                    self.reader(rs, path).map(Some)
                }
            },
        }
    }

    /// Helm's `keyIndex`: the integer up to `]`.
    fn key_index(&mut self, path: &str) -> Step<i64> {
        let escapes = !self.literal();
        let (v, last) = self.sc.until(&[']'], escapes);
        if last.is_none() {
            return Err(self.fail(format_args!(
                "error parsing index: missing ']' after {path:?}["
            )));
        }
        // Go's strconv.Atoi: optional sign, ASCII digits, must fit in an int64.
        v.parse::<i64>().map_err(|_| {
            self.fail(format_args!(
                "error parsing index: the index after {path:?}[ is not an integer"
            ))
        })
    }

    fn check_index(&self, i: i64) -> Step {
        if i < 0 {
            return Err(self.fail(format_args!("negative {i} index not allowed")));
        }
        if i > MAX_INDEX {
            return Err(self.fail(format_args!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX}"
            )));
        }
        Ok(())
    }

    /// Helm's `setIndex`: grows the list with nulls as needed; logged for the undo.
    fn set_index(&mut self, at: Vec<Seg>, list: &mut Vec<Value>, i: i64, v: Value) -> Step {
        self.check_index(i)?;
        let u = i as usize; // 0 ..= MAX_INDEX
        if list.len() <= u {
            self.journal.len(at, list.len());
            list.resize(u + 1, Value::Null);
            list[u] = v;
        } else {
            let old = std::mem::replace(&mut list[u], v);
            self.journal.elem(at, u, old);
        }
        Ok(())
    }

    /// Helm's `emptyVal` (`--set-json`): skips white space; true at the end of the argument or at
    /// a comma (consumed); otherwise leaves the next character unread.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.sc.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => continue,
                Some(c) => {
                    self.sc.unread(c);
                    return false;
                }
            }
        }
    }

    /// Helm's `valList`: a `{a,b,c}` list right after `=`.
    fn val_list(&mut self, path: &str) -> Step<ValList> {
        match self.sc.read() {
            None => return Ok(ValList::Eof),
            Some('{') => {}
            Some(c) => {
                self.sc.unread(c);
                return Ok(ValList::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.sc.until(&[',', '}'], true);
            match last {
                None => {
                    return Err(
                        self.fail(format_args!("list for {path:?} must terminate with '}}'"))
                    )
                }
                Some('}') => {
                    // A ',' right after '}' is consumed.
                    if let Some(c) = self.sc.read() {
                        if c != ',' {
                            self.sc.unread(c);
                        }
                    }
                    list.push(self.reader(rs, path)?);
                    return Ok(ValList::List(list));
                }
                Some(_) => list.push(self.reader(rs, path)?),
            }
        }
    }

    /// Turns the text of one value into the stored value, per flag.
    fn reader(&self, rs: String, path: &str) -> Step<Value> {
        match self.kind {
            SetKind::Set => Ok(typed_val(rs, false)),
            SetKind::SetFile => match (self.read_file)(&rs) {
                Ok(text) => Ok(Value::String(text)),
                Err(e) => Err(self.fail(format_args!("cannot read file {rs:?} for {path:?}: {e}"))),
            },
            _ => Ok(Value::String(rs)),
        }
    }

    /// One JSON value decoded like Go's `json.Decoder.Decode` into `interface{}`, consuming
    /// exactly its text.
    fn json_value(&mut self, path: &str, depth_left: usize) -> Step<Value> {
        match decode_go_json(self.sc.rest(), depth_left) {
            Ok((v, n)) => {
                self.sc.pos += n;
                Ok(v)
            }
            Err((msg, n)) => {
                self.sc.pos += n;
                Err(self.fail(format_args!("invalid JSON value for {path:?}: {msg}")))
            }
        }
    }
}

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
fn decode_go_json(s: &str, max_depth: usize) -> Result<(Value, usize), (String, usize)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_files(path: &str) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("open {path}: no such file or directory"),
        ))
    }

    fn test_files(path: &str) -> std::io::Result<String> {
        match path {
            "a.txt" => Ok("hello\n".to_string()),
            "b.txt" => Ok("line1\nline2".to_string()),
            "c,d.txt" => Ok("comma".to_string()),
            _ => no_files(path),
        }
    }

    /// Applies the flags in order to `start`.
    fn run_on(start: Value, flags: &[(SetKind, &str)]) -> Result<Value, SetError> {
        let Value::Object(mut map) = start else {
            panic!("start must be an object")
        };
        for (kind, arg) in flags {
            apply(*kind, arg, &mut map, &test_files)?;
        }
        Ok(Value::Object(map))
    }

    fn run(kind: SetKind, arg: &str) -> Result<Value, SetError> {
        run_on(json!({}), &[(kind, arg)])
    }

    #[track_caller]
    fn ok(kind: SetKind, arg: &str, want: Value) {
        match run(kind, arg) {
            Ok(got) => assert_eq!(got, want, "{} {arg:?}", kind.flag()),
            Err(e) => panic!("{} {arg:?}: unexpected error: {e}", kind.flag()),
        }
    }

    #[track_caller]
    fn err(kind: SetKind, arg: &str, contains: &str) {
        match run(kind, arg) {
            Ok(got) => panic!("{} {arg:?}: expected an error, got {got}", kind.flag()),
            Err(e) => assert!(
                e.message.contains(contains),
                "{} {arg:?}: error {:?} does not contain {contains:?}",
                kind.flag(),
                e.message
            ),
        }
    }

    use SetKind::*;

    #[test]
    fn flags() {
        assert_eq!(Set.flag(), "--set");
        assert_eq!(SetString.flag(), "--set-string");
        assert_eq!(SetJson.flag(), "--set-json");
        assert_eq!(SetFile.flag(), "--set-file");
        assert_eq!(SetLiteral.flag(), "--set-literal");
    }

    #[test]
    fn simple_and_nested_keys() {
        ok(Set, "name=value", json!({"name": "value"}));
        ok(Set, "a=1,b=2", json!({"a": 1, "b": 2}));
        ok(
            Set,
            "outer.inner=value",
            json!({"outer": {"inner": "value"}}),
        );
        ok(
            Set,
            "outer.middle.inner=value,outer.other=x",
            json!({"outer": {"middle": {"inner": "value"}, "other": "x"}}),
        );
        ok(
            Set,
            "features.alpha.argocdPlugin.enabled=true,features.alpha.argocdPlugin.target.namespace=argocd,features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster",
            json!({"features": {"alpha": {"argocdPlugin": {
                "enabled": true,
                "target": {"namespace": "argocd", "externalCluster": {"secret": {"name": "my-argo-cluster"}}}
            }}}}),
        );
        // A later pair overrides an earlier one.
        ok(Set, "a=1,a=2", json!({"a": 2}));
        // A trailing comma is fine.
        ok(Set, "a=1,", json!({"a": 1}));
    }

    #[test]
    fn type_inference() {
        ok(
            Set,
            "t=true,f=false,T=TRUE,F=False,n=null,N=NULL,s=falſe",
            json!({"t": true, "f": false, "T": true, "F": false, "n": null, "N": null, "s": false}),
        );
        ok(
            Set,
            "i=1,neg=-5,plus=+5,zero=0,negzero=-0,max=9223372036854775807,min=-9223372036854775808",
            json!({"i": 1, "neg": -5, "plus": 5, "zero": 0, "negzero": 0,
                   "max": 9223372036854775807i64, "min": -9223372036854775808i64}),
        );
        ok(
            Set,
            "octal=0644,zz=00,big=9223372036854775808,float=1.5,exp=1e3,hex=0x1F,under=1_000,sp= 1,yes=yes,negoct=-0644",
            json!({"octal": "0644", "zz": "00", "big": "9223372036854775808", "float": "1.5",
                   "exp": "1e3", "hex": "0x1F", "under": "1_000", "sp": " 1", "yes": "yes",
                   "negoct": -644}),
        );
        ok(Set, "a=", json!({"a": ""}));
        ok(Set, "a=,b=x", json!({"a": "", "b": "x"}));
    }

    #[test]
    fn escapes() {
        ok(Set, r"a\.b=1", json!({"a.b": 1}));
        ok(Set, r"a=x\,y", json!({"a": "x,y"}));
        ok(Set, r"a\=b=c\=d", json!({"a=b": "c=d"}));
        ok(Set, r"a=b\\c", json!({"a": r"b\c"}));
        ok(Set, r"a=\{x\,y\}", json!({"a": "{x,y}"}));
        err(Set, r"a=\{x,y\}", "key \"y}\" has no value");
        ok(Set, r"name=value\", json!({"name": "value"}));
        ok(Set, r"a.b\[0\]=x", json!({"a": {"b[0]": "x"}}));
    }

    #[test]
    fn brace_lists() {
        ok(Set, "name={a,b,c}", json!({"name": ["a", "b", "c"]}));
        ok(
            Set,
            "name={1,true,null,x}",
            json!({"name": [1, true, null, "x"]}),
        );
        ok(Set, "name={},b=1", json!({"name": [""], "b": 1}));
        ok(
            Set,
            r"name={a\,b,c\}},x=1",
            json!({"name": ["a,b", "c}"], "x": 1}),
        );
        ok(Set, "a.b={x},c=2", json!({"a": {"b": ["x"]}, "c": 2}));
        ok(SetString, "name={1,true}", json!({"name": ["1", "true"]}));
        ok(Set, "a=x{y}", json!({"a": "x{y}"}));
        err(Set, "name={a,b", "must terminate with '}'");
    }

    #[test]
    fn list_indices() {
        ok(Set, "a[0]=1", json!({"a": [1]}));
        ok(Set, "a[2]=x", json!({"a": [null, null, "x"]}));
        ok(Set, "a[1]=x,a[0]=y", json!({"a": ["y", "x"]}));
        ok(Set, "a[2].b=x", json!({"a": [null, null, {"b": "x"}]}));
        ok(
            Set,
            "a[0].b=x,a[0].c=y",
            json!({"a": [{"b": "x", "c": "y"}]}),
        );
        ok(Set, "a[0][1]=2", json!({"a": [[null, 2]]}));
        ok(Set, "a[1][0][1]=x", json!({"a": [null, [[null, "x"]]]}));
        ok(Set, "a[0][0].b[1]=z", json!({"a": [[{"b": [null, "z"]}]]}));
        ok(
            Set,
            "a.b[0].c=1,a.b[1].c=2",
            json!({"a": {"b": [{"c": 1}, {"c": 2}]}}),
        );
        ok(Set, "a[+1]=x,a[00]=y", json!({"a": ["y", "x"]}));
        ok(Set, "a[0]={x,y}", json!({"a": [["x", "y"]]}));
        ok(Set, "a[0]=", json!({"a": [""]}));
        ok(Set, "a[65536]=x", {
            let mut v = vec![Value::Null; 65537];
            v[65536] = json!("x");
            json!({ "a": v })
        });
        err(
            Set,
            "a[65537]=1",
            "index of 65537 is greater than maximum supported index of 65536",
        );
        err(
            Set,
            "a[999999999]=1",
            "greater than maximum supported index",
        );
        err(Set, "a[999999999999999999999]=1", "is not an integer");
        err(
            Set,
            "a[999999999].b=1",
            "greater than maximum supported index",
        );
        err(
            Set,
            "a[999999999][0]=1",
            "greater than maximum supported index",
        );
        err(Set, "a[-1]=1", "negative -1 index not allowed");
        err(Set, "a[0][-2]=1", "negative -2 index not allowed");
        err(Set, "a[x]=1", "is not an integer");
        err(Set, "a[ 1]=1", "is not an integer");
        err(Set, "a[]=1", "is not an integer");
        err(Set, "a[0=1", "missing ']'");
        err(Set, "a[0]x=1", "unexpected data at end of array index");
        err(Set, "a[0],b=1", "unexpected data at end of array index");
    }

    #[test]
    fn odd_inputs_accepted_like_helm() {
        ok(Set, "", json!({}));
        ok(Set, "=x", json!({}));
        ok(Set, ".a=1", json!({}));
        ok(Set, "[0]=1", json!({}));
        ok(Set, "a]=1", json!({"a]": 1}));
        ok(Set, "a.", json!({}));
        ok(Set, "a[0]", json!({"a": []}));
        ok(Set, "a[0][1]", json!({"a": []}));
        ok(Set, "a[0].", json!({"a": []}));
        ok(Set, "a[0].b[0]", json!({"a": []}));
        ok(Set, "a=1,", json!({"a": 1}));
        ok(
            Set,
            "ключ=значение,中文.键=值",
            json!({"ключ": "значение", "中文": {"键": "值"}}),
        );
    }

    #[test]
    fn errors_like_helm() {
        err(Set, "a", "key \"a\" has no value");
        err(Set, "a.b", "key \"a.b\" has no value");
        err(Set, "a,b=1", "has no value (cannot end with ,)");
        err(Set, "a=1,,b=2", "has no value (cannot end with ,)");
        err(Set, "a..b=1", "key map \"a\" has no value");
        err(Set, "a.=1", "key map \"a\" has no value");
        err(
            Set,
            "a=1,a.b=2",
            "cannot use \"a\" as a map: it already holds a number",
        );
        err(Set, "a=null,a.b=2", "it already holds null");
        err(
            Set,
            "a=null,a[0]=2",
            "cannot use \"a\" as a list: it already holds null",
        );
        err(Set, "a=x,a[0]=2", "it already holds a string");
        err(Set, "a[0]=x,a[0][0]=2", "cannot use \"a[0]\" as a list");
        err(Set, "a[0]=1,a.b=1", "as a map: it already holds a list");
        // 31 dots is too deep, 30 is fine.
        let deep = |n: usize| format!("{}=1", vec!["k"; n + 1].join("."));
        assert!(run(Set, &deep(30)).is_ok());
        err(Set, &deep(31), "maximum supported nested level of 30");
        // Error messages say what and where; the diagnostic's origin names the flag and argument.
        let e = run(Set, "a[0=1").unwrap_err();
        assert_eq!(
            e.message,
            "error parsing index: missing ']' after \"a\"[ (at the end of the argument)"
        );
        let e = run(Set, "x=1,a[0]x=1").unwrap_err();
        assert_eq!(
            e.message,
            "unexpected data at end of array index \"a[0]\": \"x\" (at character 10)"
        );
    }

    #[test]
    fn out_of_order_and_existing_elements() {
        // An element that is not a map is replaced by a map when a key goes below it.
        ok(Set, "a[0]=x,a[0].b=1", json!({"a": [{"b": 1}]}));
        // A null element may become a list.
        ok(Set, "a[1]=x,a[0][0]=1", json!({"a": [[1], "x"]}));
        // Existing values from earlier flags or files.
        assert_eq!(
            run_on(
                json!({"a": [1, 2, 3], "m": {"x": 1}}),
                &[(Set, "a[1]=b,m.y=2,a[4]=e")]
            )
            .unwrap(),
            json!({"a": [1, "b", 3, null, "e"], "m": {"x": 1, "y": 2}})
        );
        assert_eq!(
            run_on(json!({"a": [[1, 2]]}), &[(Set, "a[0][3]=4")]).unwrap(),
            json!({"a": [[1, 2, null, 4]]})
        );
        assert_eq!(
            run_on(json!({"a": ["s", {"k": 1}]}), &[(Set, "a[1].j=2,a[0].")]).unwrap(),
            json!({"a": [{}, {"k": 1, "j": 2}]})
        );
        // A long list from a file still obeys the index limit.
        let long = Value::Array(vec![json!(0); 70000]);
        assert!(run_on(json!({ "a": long }), &[(Set, "a[69999].b=1")])
            .unwrap_err()
            .message
            .contains("greater than maximum supported index"));
        // An empty key shares an existing value: element changes stick, growth does not.
        assert_eq!(
            run_on(json!({"": [1, 2]}), &[(Set, "[0]=x,[5]=y")]).unwrap(),
            json!({"": ["x", 2]})
        );
        assert_eq!(
            run_on(json!({"": {"a": 1}}), &[(Set, ".b=2")]).unwrap(),
            json!({"": {"a": 1, "b": 2}})
        );
        // A map replacing a scalar across flags is an error, in either direction a value wins.
        assert_eq!(
            run_on(json!({"a": {"b": 1}}), &[(Set, "a=2")]).unwrap(),
            json!({"a": 2})
        );
        assert!(run_on(json!({"a": 1.5}), &[(Set, "a.b=2")]).is_err());
    }

    #[test]
    fn dest_unchanged_on_error() {
        let mut m = Map::new();
        m.insert("keep".into(), json!(1));
        let before = m.clone();
        assert!(apply(Set, "x=1,y", &mut m, &no_files).is_err());
        assert_eq!(m, before);
    }

    /// The cost of one argument must not depend on the values built so far (SPEC §5: the cost of
    /// `--set` flags is linear in their number). Copying `dest` per argument made N flags cost
    /// O(N²); here a value the argument does not replace must keep its very allocation, whether
    /// the argument succeeds, fails, or goes through the same maps and lists.
    #[test]
    fn apply_works_in_place_without_copying_dest() {
        let big = "x".repeat(1000);
        let Value::Object(mut m) = json!({"a": {"s": big, "l": [big, {"s": big}]}, "o": big})
        else {
            unreachable!()
        };
        let ptrs = |m: &Map<String, Value>| {
            [
                m["a"]["s"].as_str().map(str::as_ptr),
                m["a"]["l"][0].as_str().map(str::as_ptr),
                m["a"]["l"][1]["s"].as_str().map(str::as_ptr),
                m["o"].as_str().map(str::as_ptr),
            ]
        };
        let before = ptrs(&m);
        assert!(before.iter().all(Option::is_some));
        for (kind, arg, good) in [
            (Set, "k=1", true),
            (Set, "a.t=1,a.l[1].t=2,a.l[3]=4", true),
            (SetJson, r#"a.u={"v":1}"#, true),
            (SetString, "a.l[1].s2=x", true),
            (SetLiteral, "a.w=1,2", true),
            (Set, "a.z=1,a.s.q=2", false),
            (Set, "a.l[2]=1,a.l[0][0]=2", false),
            (Set, "o=1,a[0]=1", false),
        ] {
            let copy = m.clone();
            let r = apply(kind, arg, &mut m, &no_files);
            assert_eq!(r.is_ok(), good, "{arg}: {r:?}");
            if !good {
                assert_eq!(m, copy, "{arg}: dest changed on error");
            }
            assert_eq!(
                ptrs(&m),
                before,
                "{} {arg} copied values it did not replace",
                kind.flag()
            );
        }
    }

    #[test]
    fn failed_arguments_are_undone_exactly() {
        let start = json!({"a": [1, {"b": 2}, [3]], "m": {"x": 1, "": [9]}, "": [7, 8], "s": "t"});
        for arg in [
            "a[0]=x,a[5]=y,m.y=2,s.q=1",
            "a[1].c=3,a[1].b=4,a[2][3]=5,a[2][0][0]=1",
            "a[0].k=1,a[0].k.j=2",
            "m.n.o=1,m.p[2]=3,a[7].q=1,m.x.y=1",
            "[0]=z,[4]=w,.q=1,m[0]=1",
            "a[1].b=1,q.=2",
            "a[3].b=1,a[99999]=1",
            "m.[0]=1,s[0]=1",
            "a[0]=1,a.b=1",
        ] {
            let Value::Object(mut m) = start.clone() else {
                unreachable!()
            };
            assert!(
                apply(Set, arg, &mut m, &no_files).is_err(),
                "{arg} should fail"
            );
            assert_eq!(Value::Object(m), start, "{arg} was not undone");
        }
    }

    #[test]
    fn set_string() {
        ok(
            SetString,
            "a=true,b=1,c=null,d=0644,e=,f.g=x",
            json!({"a": "true", "b": "1", "c": "null", "d": "0644", "e": "", "f": {"g": "x"}}),
        );
        ok(SetString, r"a[1]=x\,y", json!({"a": [null, "x,y"]}));
        err(SetString, "a", "has no value");
    }

    #[test]
    fn set_json() {
        ok(
            SetJson,
            r#"a={"b":1,"c":[true,null,"x"]}"#,
            json!({"a": {"b": 1, "c": [true, null, "x"]}}),
        );
        ok(
            SetJson,
            r#"a=1,b="s",c=[1,2]"#,
            json!({"a": 1, "b": "s", "c": [1, 2]}),
        );
        ok(SetJson, "a=1 b=2", json!({"a": 1, "b": 2}));
        ok(SetJson, "a=1x=2", json!({"a": 1, "x": 2}));
        ok(SetJson, "a=[1,2]x=3", json!({"a": [1, 2], "x": 3}));
        ok(SetJson, "a=,b= ,c=2", json!({"a": null, "b": null, "c": 2}));
        ok(SetJson, "a= \t\"t\"", json!({"a": "t"}));
        ok(SetJson, "a=\u{a0}\"t\"", json!({"a": "t"}));
        ok(SetJson, r#"a={"k":1,"k":2}"#, json!({"a": {"k": 2}}));
        ok(
            SetJson,
            r#"a[1]=2,a[0]={"z":true}"#,
            json!({"a": [{"z": true}, 2]}),
        );
        ok(SetJson, "a.b=null", json!({"a": {"b": null}}));
        ok(SetJson, "a=[]", json!({"a": []}));
        ok(SetJson, "a={}", json!({"a": {}}));
        ok(SetJson, r#"a="x,y",b=1"#, json!({"a": "x,y", "b": 1}));
        err(SetJson, r#"{"a":1}"#, "has no value");
        err(SetJson, "a=01", "key \"1\" has no value");
        err(SetJson, "a=truex", "key \"x\" has no value");
        err(SetJson, "a=tru", "invalid JSON value");
        err(SetJson, "a={", "unexpected end of JSON input");
        err(SetJson, "a=1.x", "after decimal point");
        err(SetJson, "a=1e400", "out of range");
        err(SetJson, "a=abc", "looking for beginning of value");
        err(SetJson, "a=\"\u{1}\"", "in string literal");
        err(SetJson, r#"a="\q""#, "in string escape code");
    }

    #[test]
    fn set_json_numbers_are_go_float64() {
        let v = run(
            SetJson,
            "a=1.0,b=12345678901234567890,c=1e20,d=1e21,f=0.1,g=1e-7,h=1E+2,i=-3,j=1e-400,k=123456789012345678901234",
        )
        .unwrap();
        assert_eq!(v["a"], json!(1));
        assert_eq!(v["b"], json!(12345678901234567000u64));
        assert_eq!(v["c"], json!(1e20));
        assert_eq!(v["d"], json!(1e21));
        assert_eq!(v["f"], json!(0.1));
        assert_eq!(v["g"], json!(1e-7));
        assert_eq!(v["h"], json!(100));
        assert_eq!(v["i"], json!(-3));
        assert_eq!(v["j"], json!(0));
        assert_eq!(v["k"], json!(1.2345678901234569e23));
        let neg_zero = run(SetJson, "z=-0").unwrap();
        assert!(neg_zero["z"].as_f64().unwrap().is_sign_negative());
        assert_eq!(go_float_to_json(f64::NAN), Value::Null);
        assert_eq!(go_float_to_json(-2.5), json!(-2.5));
    }

    #[test]
    fn set_json_strings_like_go() {
        ok(
            SetJson,
            r#"a="\ud800x",b="\ud83d\ude00",c="\u00e9\n",d="\udc00\u0041",e="\ud800\u0041""#,
            json!({"a": "\u{FFFD}x", "b": "😀", "c": "é\n", "d": "\u{FFFD}A", "e": "\u{FFFD}A"}),
        );
    }

    #[test]
    fn nesting_limit() {
        let lists = |n: usize| format!("a{}=1", "[0]".repeat(n));
        assert!(run(Set, &lists(100)).is_ok());
        err(Set, &lists(101), "nested more than 100 levels deep");
        let chain = |n: usize| format!("a{}=1", "[0].a".repeat(n));
        assert!(run(Set, &chain(50)).is_ok());
        err(Set, &chain(51), "nested more than 100 levels deep");
        let json = |n: usize| format!("a={}{}", "[".repeat(n), "]".repeat(n));
        assert!(run(SetJson, &json(100)).is_ok());
        err(SetJson, &json(101), "nested more than 100 levels deep");
        // Key path and JSON value together.
        assert!(run(
            SetJson,
            &format!(
                "a{}={}",
                "[0]".repeat(50),
                json(50).trim_start_matches("a=")
            )
        )
        .is_ok());
        err(
            SetJson,
            &format!(
                "a{}={}",
                "[0]".repeat(50),
                json(51).trim_start_matches("a=")
            ),
            "nested more than",
        );
        // Huge inputs are refused quickly, without exhausting the stack.
        err(Set, &lists(200_000), "nested more than 100 levels deep");
        err(SetJson, &json(200_000), "nested more than 100 levels deep");
    }

    #[test]
    fn set_file() {
        ok(SetFile, "a=a.txt", json!({"a": "hello\n"}));
        ok(
            SetFile,
            "a=a.txt,b.c=b.txt",
            json!({"a": "hello\n", "b": {"c": "line1\nline2"}}),
        );
        ok(SetFile, r"a=c\,d.txt", json!({"a": "comma"}));
        ok(
            SetFile,
            "a={a.txt,b.txt}",
            json!({"a": ["hello\n", "line1\nline2"]}),
        );
        ok(SetFile, "a[1]=a.txt", json!({"a": [null, "hello\n"]}));
        ok(SetFile, "a=", json!({"a": ""}));
        err(SetFile, "a=missing.txt", "cannot read file \"missing.txt\"");
        err(
            SetFile,
            "a={a.txt,missing.txt}",
            "cannot read file \"missing.txt\"",
        );
    }

    #[test]
    fn set_literal() {
        ok(SetLiteral, "a=b,c", json!({"a": "b,c"}));
        ok(
            SetLiteral,
            r"a.b[0]=x,y\z{q}",
            json!({"a": {"b": [r"x,y\z{q}"]}}),
        );
        ok(SetLiteral, "a,b=x", json!({"a,b": "x"}));
        ok(SetLiteral, "a=true", json!({"a": "true"}));
        ok(SetLiteral, "a=", json!({"a": ""}));
        ok(SetLiteral, "a=b=c", json!({"a": "b=c"}));
        ok(SetLiteral, r"a\b=1", json!({r"a\b": "1"}));
        ok(SetLiteral, "a[0][1]=x", json!({"a": [[null, "x"]]}));
        ok(SetLiteral, "", json!({}));
        err(SetLiteral, "a", "has no value");
        err(SetLiteral, "a[0=1", "missing ']'");
        err(SetLiteral, "a[-1]=1", "negative");
    }

    #[test]
    fn precedence_is_per_call_order() {
        // apply() itself only merges; the caller applies kinds in Helm's order.
        assert_eq!(
            run_on(
                json!({}),
                &[(SetJson, "a=1"), (Set, "a=2"), (SetString, "a=3")]
            )
            .unwrap(),
            json!({"a": "3"})
        );
        assert_eq!(
            run_on(json!({}), &[(Set, "x=null"), (SetString, "x=1")]).unwrap(),
            json!({"x": "1"})
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        let pieces = [
            "a",
            "b",
            "=",
            ",",
            ".",
            "[",
            "]",
            "0",
            "1",
            "-1",
            "\\",
            "{",
            "}",
            "\"",
            " ",
            "é",
            "99999999999",
            "null",
            "true",
            ":",
        ];
        // Deterministic pseudo-random combinations.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            let mut x = seed;
            for _ in 0..len {
                s.push_str(pieces[(x % pieces.len() as u64) as usize]);
                x /= pieces.len() as u64;
                if x == 0 {
                    x = seed.rotate_left(17);
                }
            }
            for kind in [Set, SetString, SetJson, SetFile, SetLiteral] {
                let mut m = Map::new();
                m.insert("a".into(), json!([1, {"b": 2}]));
                m.insert("".into(), json!({"c": [null]}));
                let before = m.clone();
                if apply(kind, &s, &mut m, &test_files).is_err() {
                    assert_eq!(m, before, "{} {s:?} was not undone", kind.flag());
                }
            }
        }
    }
}
