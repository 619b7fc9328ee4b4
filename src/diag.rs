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
    /// A field of a configuration object (the exec plugin's or the KRM function's): the
    /// object (`SpacesPostRender spaces`) and the field's path (`values.features`, `set[0]`).
    Field { config: String, field: String },
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
            Origin::Field { config, field } => write!(f, "{config}: {field}"),
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

/// Declares [`Code`]: every kind of problem the tool reports, with its stable id (SARIF
/// `ruleId`, the `[...]` of human output, `code` in JSON and KRM results), its SARIF level and
/// its description (the doc comment), in one list.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $id:literal, $level:ident;)*) => {
        /// A kind of problem. The ids are stable: CI baselines and suppressions refer to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of the list.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable id, e.g. `wrong-type`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $id,)*
                }
            }

            /// One sentence on what it means.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),*).trim_ascii(),)*
                }
            }

            /// The SARIF level its rule is declared with: `error`, `warning` or `note`.
            pub fn sarif_level(self) -> &'static str {
                match self {
                    $(Code::$variant => stringify!($level),)*
                }
            }
        }
    };
}

codes! {
    /// A value has the wrong type.
    WrongType = "wrong-type", error;
    /// A likely misspelling of a key the tool acts on (which would silently generate nothing).
    MisspeltKey = "misspelt-key", error;
    /// A key the schema does not know (often a misspelling).
    UnknownKey = "unknown-key", warning;
    /// A name does not have the required format.
    BadFormat = "bad-format", error;
    /// A name is longer than Kubernetes allows.
    TooLong = "too-long", error;
    /// A required name is empty.
    Empty = "empty", error;
    /// target.namespace disagrees with the effective target.secretNamespace (set or default).
    AliasConflict = "alias-conflict", error;
    /// target.namespace is set alone, equal to target.secretNamespace (what Spaces charts read).
    NamespaceAlias = "namespace-alias", note;
    /// A features.alpha key that the selected Spaces version's Helm chart does not have.
    SpacesVersion = "spaces-version", warning;
    /// Every input object is a Helm hook: nothing is generated for a hooks-only post-render.
    HooksOnly = "hooks-only", note;
    /// features.alpha.eso is the Spaces 1.1 API; on later Spaces the ESO Namespace is not needed.
    EsoLegacy = "eso-legacy", note;
    /// A setting has no effect because a feature is off.
    NoEffect = "no-effect", warning;
    /// A setting is ignored because a feature is off.
    Ignored = "ignored", note;
    /// A namespace starts with kube-.
    KubeNamespace = "kube-namespace", warning;
    /// A values file repeats a key.
    DuplicateKey = "duplicate-key", warning;
    /// A values file has more than one YAML document; Helm reads only the first.
    MultiDocument = "multi-document", warning;
    /// A values file is not valid YAML.
    YamlSyntax = "yaml-syntax", error;
    /// A values file cannot be read.
    ValuesFile = "values-file", error;
    /// A --set argument cannot be parsed.
    SetSyntax = "set-syntax", error;
    /// A value is invalid.
    Invalid = "invalid", error;
    /// A command-line option has an invalid value.
    BadFlag = "bad-flag", error;
    /// The controller ServiceAccount or its namespace is not a valid name.
    BadSubject = "bad-subject", error;
    /// The input already has an object the tool would generate.
    Conflict = "conflict", error;
    /// A List (or a document with several objects) mixes objects an earlier run generated with others.
    GeneratedInList = "generated-in-list", error;
    /// The input has more than one spaces-controller Deployment to take the RBAC subject from.
    TwoControllers = "two-controllers", error;
    /// The last document ends inside a block scalar without a line break; appending would change it.
    NoFinalNewline = "no-final-newline", error;
    /// A generated Namespace goes before the input, whose first document starts with a YAML
    /// directive (`%YAML`), which may only open a stream.
    DirectiveFirst = "directive-first", error;
    /// Objects an earlier run generated, which these values no longer generate, were removed.
    Removed = "removed", note;
    /// The input already has the Namespace; it is not generated again.
    NamespacePresent = "namespace-present", note;
    /// No objects are generated for the target with these values.
    NothingGenerated = "nothing-generated", note;
    /// An input document is not valid YAML.
    InvalidManifest = "invalid-manifest", error;
    /// No input document is a Kubernetes object (a values file given as the manifests?).
    NoObjects = "no-objects", error;
    /// An input document is not valid UTF-8.
    InvalidUtf8 = "invalid-utf8", error;
    /// The input manifests cannot be read.
    ReadInput = "read-input", error;
    /// The output cannot be written.
    WriteOutput = "write-output", error;
    /// A generated object cannot be rendered.
    Render = "render", error;
    /// An internal error.
    Internal = "internal", error;
    /// The configuration object is not a SpacesPostRender or a ConfigMap.
    ConfigKind = "config-kind", error;
    /// The configuration object has a field it does not know.
    ConfigUnknownField = "config-unknown-field", error;
    /// A configuration field has the wrong type.
    ConfigType = "config-type", error;
    /// A configuration field has an invalid value.
    ConfigValue = "config-value", error;
    /// The plugin configuration file cannot be read.
    ConfigFile = "config-file", error;
    /// The plugin configuration is not valid YAML.
    ConfigSyntax = "config-syntax", error;
    /// A KRM ResourceList has no functionConfig; nothing is generated.
    NoFunctionConfig = "no-function-config", note;
    /// An object was generated (KRM info result).
    Generated = "generated", note;
    /// The command line cannot be used as given (a malformed argument, a terminal where input
    /// is read, flags with a ResourceList, an output path that is a directory or one of the
    /// run's inputs); exit 2.
    Usage = "usage", error;
    /// Standard input is not a ResourceList the KRM function can answer.
    KrmInput = "krm-input", error;
    /// The kustomize plugin cannot be installed.
    Install = "install", error;
    /// `explain` was given a path that is no values field.
    UnknownPath = "unknown-path", error;
    /// `generate --check`: the golden file does not exist.
    GoldenMissing = "golden-missing", error;
    /// `generate --check`: the golden file cannot be read.
    GoldenRead = "golden-read", error;
    /// `generate --check`: the golden file differs from the generated output.
    GoldenStale = "golden-stale", error;
    /// kpt sent only a selection of the package (`--match-kind` and the like): the function
    /// cannot see what it generated before, so it would add it again.
    Selection = "selection", error;
    /// A path that a configuration names (an Argo CD Application's env, the valuesFiles of a
    /// kustomize config or a KRM function config) is refused: empty, a URL, option-like, or not inside the directory it is
    /// confined to (absent and outside are one answer).
    PathRefused = "path-refused", error;
    /// A tool the command runs (helm) failed or could not be started.
    Tool = "tool", error;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier of the kind of problem (`wrong-type`, `unknown-key`, ...).
    pub code: Code,
    /// Dotted values path (`features.alpha.eso.namespace`), or empty for stream problems.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Text that belongs to the problem but is no sentence: the unified diff of a stale golden
    /// file. Human output prints it after the diagnostic; JSON has it as `detail`, SARIF as the
    /// result's `properties.detail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What the problem is, as data, for a front end that words the hint in its own terms (the
    /// KRM and kustomize config say where to write a value differently from a values file).
    /// Not part of any output format.
    #[serde(skip)]
    pub fact: Option<Fact>,
}

/// A problem's substance, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// A boolean flag was given the string `"true"` or `"false"` (quoted, or from a flag that
    /// never types its values).
    QuotedBool(bool),
    /// Writing the output stream failed after part of it was written.
    OutputIncomplete,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: Code,
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
            detail: None,
            fact: None,
        }
    }
    pub fn error(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }
    pub fn warning(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }
    pub fn info(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
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
    pub fn fact(mut self, fact: Fact) -> Self {
        self.fact = Some(fact);
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
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

/// One exit code: its number, a few words (the `--help` examples' line), what it means and what
/// standard output holds then.
#[derive(Debug, Clone, Copy)]
pub struct ExitCode {
    pub code: i32,
    pub short: &'static str,
    pub meaning: &'static str,
    pub stdout: &'static str,
}

/// Every exit code. The reference page of the commands prints this table, and `--help` its
/// short words.
pub const EXIT_CODES: [ExitCode; 3] = [
    ExitCode {
        code: crate::EXIT_OK,
        short: "success (warnings allowed)",
        meaning: "success (warnings allowed)",
        stdout: "the result (manifests, a report that is the command's output)",
    },
    ExitCode {
        code: crate::EXIT_INVALID,
        short: "invalid values or input",
        meaning: "invalid values or input, a stale or missing golden file, a failed read or write",
        stdout: "nothing a caller could apply (`validate`: its JSON or SARIF report)",
    },
    ExitCode {
        code: crate::EXIT_USAGE,
        short: "usage error",
        meaning: "the command line itself is wrong: an unknown flag, a malformed argument, an output path that is an input, a terminal where input is read",
        stdout: "nothing (`validate`: its JSON or SARIF report)",
    },
];

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
    /// The exit code for this report: 0 without errors, 2 when an error is about the command
    /// line itself (`usage`), else 1.
    pub fn exit_code(&self) -> i32 {
        if self
            .items
            .iter()
            .any(|d| d.is_error() && d.code == Code::Usage)
        {
            crate::EXIT_USAGE
        } else if self.has_errors() {
            crate::EXIT_INVALID
        } else {
            crate::EXIT_OK
        }
    }

    /// Put the diagnostics of each file (and of the input stream) in source order: by line and
    /// column, files in the order they first appear. Diagnostics without such a position keep
    /// their place, and so does the order of equal positions.
    pub fn sort_by_source(&mut self) {
        let mut files: Vec<&str> = vec![];
        let mut keyed: Vec<(usize, (usize, usize, usize, usize))> = vec![];
        for (i, d) in self.items.iter().enumerate() {
            let key = match &d.origin {
                Some(Origin::File { file, line, column }) => {
                    let f = match files.iter().position(|f| f == file) {
                        Some(f) => f,
                        None => {
                            files.push(file);
                            files.len() - 1
                        }
                    };
                    (0, f, *line, *column)
                }
                Some(Origin::Input { document, line, .. }) => (1, 0, *document, *line),
                _ => continue,
            };
            keyed.push((i, key));
        }
        let slots: Vec<usize> = keyed.iter().map(|(i, _)| *i).collect();
        let mut order = keyed.clone();
        order.sort_by_key(|(i, k)| (*k, *i));
        let taken: Vec<Diagnostic> = order.iter().map(|(i, _)| self.items[*i].clone()).collect();
        for (slot, d) in slots.into_iter().zip(taken) {
            self.items[slot] = d;
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
        if self
            .items
            .iter()
            .any(|d| d.fact == Some(Fact::OutputIncomplete))
        {
            self.to_human_then("; the output is incomplete: do not apply it")
        } else {
            self.to_human_then("; no manifests were written")
        }
    }

    /// [`Report::to_human`] with the summary's tail chosen by the command (`validate` writes no
    /// manifests, so it says nothing about them).
    pub fn to_human_then(&self, tail: &str) -> String {
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&d.to_string());
            out.push('\n');
            if let Some(detail) = &d.detail {
                out.push_str(detail);
                if !detail.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        let (e, w) = (self.error_count(), self.warning_count());
        if e > 0 {
            out.push_str(&format!(
                "spaces-postrender: {e} error{}, {w} warning{}{tail}\n",
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Human, Format::Json, Format::Sarif];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &str, line: usize, code: Code) -> Diagnostic {
        Diagnostic::error(code, "", format!("{file}:{line}")).at(Some(Origin::File {
            file: file.into(),
            line,
            column: 1,
        }))
    }

    #[test]
    fn source_order_sorts_each_file_and_leaves_the_rest_in_place() {
        let flag = Diagnostic::error(Code::BadFlag, "", "flag")
            .at(Some(Origin::Flag { flag: "--x".into() }));
        let mut r = Report {
            items: vec![
                at("a.yaml", 7, Code::WrongType),
                flag.clone(),
                at("a.yaml", 6, Code::WrongType),
                at("b.yaml", 1, Code::WrongType),
                at("a.yaml", 3, Code::MisspeltKey),
            ],
        };
        r.sort_by_source();
        let got: Vec<&str> = r.items.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            got,
            ["a.yaml:3", "flag", "a.yaml:6", "a.yaml:7", "b.yaml:1"]
        );
    }

    #[test]
    fn the_exit_code_is_2_for_a_usage_error_and_the_summary_comes_after_a_detail() {
        let mut r = Report::default();
        assert_eq!(r.exit_code(), crate::EXIT_OK);
        r.push(Diagnostic::warning(Code::UnknownKey, "", "w"));
        assert_eq!(r.exit_code(), crate::EXIT_OK);
        r.push(Diagnostic::error(Code::GoldenStale, "", "stale").detail("--- a\n+++ b\n"));
        assert_eq!(r.exit_code(), crate::EXIT_INVALID);
        let human = r.to_human();
        assert!(
            human.ends_with(
                "--- a\n+++ b\nspaces-postrender: 1 error, 1 warning; no manifests were written\n"
            ),
            "{human}"
        );
        r.push(Diagnostic::error(Code::Usage, "", "usage"));
        assert_eq!(r.exit_code(), crate::EXIT_USAGE);
    }
}
