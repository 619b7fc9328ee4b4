//! Placeholder until the real parser lands (being written in parallel).
use serde_json::{Map, Value};
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    Set,
    SetString,
    SetJson,
    SetFile,
    SetLiteral,
}
impl SetKind {
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
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{message}")]
pub struct SetError {
    pub message: String,
}
pub fn apply(
    _kind: SetKind,
    _arg: &str,
    _dest: &mut Map<String, Value>,
    _read_file: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<(), SetError> {
    Err(SetError {
        message: "not yet".into(),
    })
}
