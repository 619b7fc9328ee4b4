//! Diagnostics: one problem, where it came from, and how to fix it.
//!
//! Every stage (values loading, schema validation, cross-field rules, stream
//! checks) reports problems as [`Diagnostic`]s so that they can be printed all at
//! once in one format, human or JSON.

use serde::Serialize;
use std::fmt;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where a value (or a problem) came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A values file, 1-based line and column.
    File {
        file: String,
        line: usize,
        column: usize,
    },
    /// The N-th (1-based) argument of one `--set`-family flag.
    Arg { flag: String, index: usize },
    /// A command-line option that is not a values flag (`--controller-service-account`).
    Flag { flag: String },
    /// A document of the rendered input stream (1-based), with its `# Source:` if any.
    Input {
        document: usize,
        line: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
    /// An item of a KRM ResourceList (0-based, as `items[N]`).
    Item { index: usize },
    /// The schema default.
    Default,
    /// An environment variable.
    Env { name: String },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Arg { flag, index } => write!(f, "{flag} argument {index}"),
            Origin::Flag { flag } => write!(f, "{flag}"),
            Origin::Input {
                document,
                line,
                source,
            } => match source {
                Some(s) => write!(f, "input document {document} at line {line}, # Source: {s}"),
                None => write!(f, "input document {document} at line {line}"),
            },
            Origin::Item { index } => write!(f, "ResourceList items[{index}]"),
            Origin::Default => write!(f, "default"),
            Origin::Env { name } => write!(f, "${name}"),
        }
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier of the kind of problem (`wrong-type`, `unknown-key`, ...).
    pub code: &'static str,
    /// Dotted values path (`features.alpha.eso.namespace`), or empty for stream problems.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            path: path.into(),
            origin: None,
            message: message.into(),
            hint: None,
        }
    }
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }
    pub fn warning(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }
    pub fn info(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, path, message)
    }
    pub fn at(mut self, origin: Option<Origin>) -> Self {
        self.origin = origin;
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error[wrong-type] features.alpha.eso.enabled (values.yaml:3:14): message` and a `help:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity.as_str(), self.code)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        if let Some(o) = &self.origin {
            write!(f, " ({o})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// A set of diagnostics, in the order they were found, with `--strict` applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub items: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
    /// `--strict`: every warning becomes an error.
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Human format: one block per diagnostic, then a summary line when anything failed.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&d.to_string());
            out.push('\n');
        }
        let (e, w) = (self.error_count(), self.warning_count());
        if e > 0 {
            out.push_str(&format!(
                "spaces-postrender: {e} error{}, {w} warning{}; no manifests were written\n",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            ));
        }
        out
    }

    /// JSON format: `{"diagnostics": [...], "errors": N, "warnings": N}`.
    pub fn to_json(&self) -> String {
        let v = serde_json::json!({
            "diagnostics": self.items,
            "errors": self.error_count(),
            "warnings": self.warning_count(),
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| String::from("{}"));
        s.push('\n');
        s
    }
}

/// Output format for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
}
