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

use super::gojson::decode_go_json;
use super::undo::Journal;
pub use super::undo::Seg;
use serde_json::{Map, Value};

/// The largest list index Helm accepts.
pub const MAX_INDEX: i64 = 65536;
/// The largest number of `.`-separated name levels Helm accepts in one key.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// The most list elements the indexes of all `--set` arguments of one run may create together
/// (gaps filled with null included). Helm bounds each index (at [`MAX_INDEX`]) but not their
/// sum: 200 arguments of 3 KB would otherwise make 13 million values.
pub const MAX_LIST_ELEMENTS: usize = 1 << 18;

/// The list elements the `--set` arguments of one run may still create (see
/// [`MAX_LIST_ELEMENTS`]); one budget is passed to every argument's [`apply_budgeted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(usize);

impl Default for Budget {
    fn default() -> Self {
        Budget(MAX_LIST_ELEMENTS)
    }
}
pub use super::go::MAX_DEPTH;

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
    pub cause: SetCause,
}

/// What kind of mistake a [`SetError`] is (the hint depends on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetCause {
    /// The argument's syntax.
    Syntax,
    /// `--set-file` could not read its file.
    ReadFile,
    /// A path already holds a value of another type.
    Type,
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
    apply_budgeted(kind, arg, dest, read_file, &mut Budget::default()).map(|_| ())
}

/// [`apply`], returning the path of every value the argument set, in order (for origins), and
/// drawing the list elements its indexes create from `budget`, shared by all the arguments of
/// one run (a failed argument gives back what it took).
pub fn apply_budgeted(
    kind: SetKind,
    arg: &str,
    dest: &mut Map<String, Value>,
    read_file: &dyn Fn(&str) -> std::io::Result<String>,
    budget: &mut Budget,
) -> Result<Vec<Vec<Seg>>, SetError> {
    let mut parser = Parser {
        kind,
        sc: Scanner { s: arg, pos: 0 },
        read_file,
        journal: Journal::default(),
        written: Vec::new(),
        budget: budget.0,
    };
    loop {
        match parser.key(dest) {
            Ok(()) => continue,
            Err(Stop::Eof) => {
                budget.0 = parser.budget;
                return Ok(parser.written);
            }
            Err(Stop::Fail(e)) => {
                parser.journal.revert(dest);
                return Err(e);
            }
        }
    }
}

pub use super::go::go_float_to_json;
use super::go::typed_val;

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
    /// The list elements this argument may still create (see [`Budget`]).
    budget: usize,
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
        self.fail_as(SetCause::Syntax, what)
    }

    fn fail_as(&self, cause: SetCause, what: impl std::fmt::Display) -> Stop {
        let at = if self.sc.pos >= self.sc.s.len() {
            "at the end of the argument".to_string()
        } else {
            format!("at character {}", self.sc.s[..self.sc.pos].chars().count())
        };
        // The argument itself is not repeated: the diagnostic's origin names it, and its
        // values may be secrets.
        Stop::Fail(SetError {
            message: format!("{what} ({at})"),
            cause,
        })
    }

    fn type_error(&self, path: &str, v: &Value, want: &str) -> Stop {
        self.fail_as(
            SetCause::Type,
            format_args!(
                "cannot use {path:?} as {want}: it already holds {}",
                super::go::kind_name(v)
            ),
        )
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
            let grow = u + 1 - list.len();
            if grow > self.budget {
                return Err(self.fail(format_args!(
                    "index {i} would make the lists of all --set arguments together longer than {MAX_LIST_ELEMENTS} elements"
                )));
            }
            self.budget -= grow;
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
                Err(e) => Err(self.fail_as(
                    SetCause::ReadFile,
                    format_args!("cannot read file {rs:?} for {path:?}: {e}"),
                )),
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

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
