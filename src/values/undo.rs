//! An undo log for applying one `--set`-family argument in place.
//!
//! Helm aborts on a bad argument, and [`super::set::apply`] promises to leave the values
//! unchanged then. Copying all the values before each argument kept that promise at a cost
//! that grew with the values built so far, which made N flags cost O(N²). Instead, every change
//! an argument makes is logged with what it replaced (moved, never copied), and a failed
//! argument is undone by replaying the log backwards: the cost is that of the argument itself.

use serde_json::{Map, Value};

/// One step from a container to a child: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug)]
enum Op {
    /// The map at `at` had `key` holding this (or nothing).
    Key(String, Option<Value>),
    /// The list at `at` held this at the index.
    Elem(usize, Value),
    /// The list at `at` was this long.
    Len(usize),
}

#[derive(Debug)]
struct Entry {
    /// Path from the root to the container that changed.
    at: Vec<Seg>,
    op: Op,
}

/// The changes one argument made, newest last.
#[derive(Debug, Default)]
pub struct Journal(Vec<Entry>);

/// A container found by path.
enum Slot<'a> {
    Map(&'a mut Map<String, Value>),
    List(&'a mut Vec<Value>),
}

impl Journal {
    /// `key` of the map at `at` held `old` before it was set.
    pub fn key(&mut self, at: Vec<Seg>, key: String, old: Option<Value>) {
        self.0.push(Entry {
            at,
            op: Op::Key(key, old),
        });
    }

    /// Element `i` of the list at `at` held `old` before it was set.
    pub fn elem(&mut self, at: Vec<Seg>, i: usize, old: Value) {
        self.0.push(Entry {
            at,
            op: Op::Elem(i, old),
        });
    }

    /// The list at `at` was `len` long before it grew.
    pub fn len(&mut self, at: Vec<Seg>, len: usize) {
        self.0.push(Entry {
            at,
            op: Op::Len(len),
        });
    }

    /// How many changes are logged.
    #[cfg(test)]
    pub fn entries(&self) -> usize {
        self.0.len()
    }

    /// Undoes every logged change, newest first. A change inside a container that a later
    /// change created is skipped: undoing the later one removed that container.
    pub fn revert(self, root: &mut Map<String, Value>) {
        for e in self.0.into_iter().rev() {
            match (container(root, &e.at), e.op) {
                (Some(Slot::Map(m)), Op::Key(k, Some(v))) => {
                    m.insert(k, v);
                }
                (Some(Slot::Map(m)), Op::Key(k, None)) => {
                    m.shift_remove(&k);
                }
                (Some(Slot::List(l)), Op::Elem(i, v)) => {
                    if let Some(slot) = l.get_mut(i) {
                        *slot = v;
                    }
                }
                (Some(Slot::List(l)), Op::Len(n)) => l.truncate(n),
                _ => {}
            }
        }
    }
}

fn container<'a>(root: &'a mut Map<String, Value>, at: &[Seg]) -> Option<Slot<'a>> {
    let Some((first, rest)) = at.split_first() else {
        return Some(Slot::Map(root));
    };
    let Seg::Key(k) = first else {
        return None;
    };
    let mut v = root.get_mut(k)?;
    for s in rest {
        v = match s {
            Seg::Key(k) => v.as_object_mut()?.get_mut(k)?,
            Seg::Index(i) => v.as_array_mut()?.get_mut(*i)?,
        };
    }
    match v {
        Value::Object(m) => Some(Slot::Map(m)),
        Value::Array(l) => Some(Slot::List(l)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revert_restores_keys_elements_and_lengths() {
        let Value::Object(mut m) = json!({"a": {"b": [1, 2]}, "c": 1}) else {
            unreachable!()
        };
        let before = m.clone();
        let mut j = Journal::default();
        let list = vec![Seg::Key("a".into()), Seg::Key("b".into())];
        if let Some(Value::Array(l)) = m.get_mut("a").and_then(|a| a.get_mut("b")) {
            j.len(list.clone(), l.len());
            l.resize(4, Value::Null);
            j.elem(list, 0, std::mem::replace(&mut l[0], json!("x")));
        }
        j.key(vec![], "c".into(), m.insert("c".into(), json!(2)));
        j.key(vec![], "new".into(), m.insert("new".into(), json!({})));
        assert_eq!(j.entries(), 4);
        j.revert(&mut m);
        assert_eq!(m, before);
    }
}
