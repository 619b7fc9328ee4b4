//! Command-line front end: argument definitions and the commands, over an injected [`Io`] so
//! that the whole CLI runs in tests without a process. `main.rs` only builds the real `Io`.

use clap::{Args, Parser, Subcommand};
use spaces_postrender::diag::{Code, Diagnostic, Format, Report};
use spaces_postrender::pipeline::{self, Settings};
use spaces_postrender::plan::Target;
use spaces_postrender::values::features::Features;
use spaces_postrender::values::schema;
use spaces_postrender::values::{self, ValuesInput};
use spaces_postrender::why::WhyFormat;
use spaces_postrender::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use std::io::{Read, Write};

/// Printed after the top-level help by `main.rs` exactly as written (clap would wrap its lines
/// at the terminal width, and a wrapped command cannot be pasted), and in the man page.
pub const EXAMPLES: &str = "\
Examples:
  # Helm 3 post-renderer (the values file is the one given to helm):
  helm upgrade --install spaces <chart> -n upbound-system -f values.yaml \\
    --post-renderer spaces-postrender --post-renderer-args=-f --post-renderer-args=values.yaml

  # The --set flags of the Spaces documentation work unchanged (with the name current charts read):
  helm template spaces <chart> -n upbound-system | spaces-postrender --strict \\
    --set features.alpha.argocdPlugin.enabled=true --set features.alpha.argocdPlugin.target.secretNamespace=argocd

  # Only the generated objects, for a golden file in CI:
  spaces-postrender generate -f values.yaml --target space --check golden/space.yaml

  # Why is each object generated (values, their file:line:col, the controller subject)?
  helm template spaces <chart> -n upbound-system | spaces-postrender why -f values.yaml

  # Check values and see what the tool read:
  spaces-postrender validate -f values.yaml --show-values
  spaces-postrender explain features.alpha.argocdPlugin

Exit codes: 0 success (warnings allowed), 1 invalid values or input, 2 usage error.";

impl Cli {
    /// Parse like clap's `try_parse_from`, and note whether any post-render option was given
    /// on the command line (clap alone cannot tell `--target space` from the default).
    pub fn try_parse_noting(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.run.given = matches.subcommand().is_none()
            && matches.ids().any(|id| {
                matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine)
            });
        Ok(cli)
    }
}

/// Validates Upbound Spaces alpha feature flags and appends the RBAC, secrets-reader and
/// namespace manifests they need to rendered manifests.
///
/// Without a subcommand it is a Helm post-renderer: rendered manifests on standard input,
/// the same manifests (byte for byte) plus the generated ones on standard output.
#[derive(Debug, Parser)]
#[command(
    name = "spaces-postrender",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Helm's values flags, with Helm's meaning and precedence.
#[derive(Debug, Clone, Default, Args)]
pub struct ValuesArgs {
    /// Values file (repeatable; later files win). `-` reads standard input (generate, validate, why; not when it carries the manifests).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<String>,
    /// Set values (`a.b=c,d[0]=e`), as `helm --set`.
    #[arg(long = "set", value_name = "KEY=VAL")]
    pub set: Vec<String>,
    /// Set STRING values (no type inference), as `helm --set-string`.
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    pub set_string: Vec<String>,
    /// Set JSON values, as `helm --set-json`.
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// Set a value from a file's contents, as `helm --set-file`.
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// Set a literal STRING value (no splitting, no escapes), as `helm --set-literal`.
    #[arg(long = "set-literal", value_name = "KEY=VAL")]
    pub set_literal: Vec<String>,
}

impl ValuesArgs {
    pub fn to_input(&self) -> ValuesInput {
        ValuesInput {
            files: self.values.clone(),
            set_json: self.set_json.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
            set_literal: self.set_literal.clone(),
        }
    }
}

/// Options shared by post-render, `generate` and `why`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Which cluster to generate objects for.
    #[arg(long, value_parser = target_parser(), default_value = "space")]
    pub target: Target,
    /// Namespace of the controller when the input has no spaces-controller Deployment
    /// (default: $HELM_NAMESPACE, else upbound-system).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The ServiceAccount the generated RBAC binds, overriding the rendered Deployment.
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pub controller_service_account: Option<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Diagnostics format (on stderr).
    #[arg(long, value_parser = format_parser(), default_value = "human")]
    pub diagnostics: Format,
    /// Whether any of these options was given on the command line (even with its default
    /// value): a ResourceList on stdin takes none.
    #[arg(skip)]
    pub given: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print only the generated objects (no input is read).
    Generate {
        #[command(flatten)]
        run: RunArgs,
        /// Compare with FILE instead of printing: exit 0 when equal, else 1 and a diff on stderr.
        #[arg(long, value_name = "FILE", conflicts_with = "output")]
        check: Option<String>,
        /// Write to FILE atomically instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<String>,
    },
    /// Explain why each object is generated: the values behind it and the controller subject.
    ///
    /// For each object the tool would generate: the values that caused it, each with its source
    /// (values.yaml:LINE:COL, --set argument N, default), and how the controller subject was
    /// chosen. Objects not generated are listed with the settings that would turn them on.
    /// Reads rendered manifests from --input FILE, else from standard input when it is not a
    /// terminal (the spaces-controller Deployment there decides the controller subject).
    Why {
        #[command(flatten)]
        run: RunArgs,
        /// Rendered manifests (`-` = standard input). Default: standard input when it is not a
        /// terminal and does not carry values (`-f -`).
        #[arg(long, value_name = "FILE")]
        input: Option<String>,
        /// Output format: human text, or JSON (shape documented in docs/reference.md).
        /// (`--output` is the old spelling, kept for a release.)
        #[arg(long, alias = "output", value_parser = why_format_parser(), default_value = "human")]
        format: WhyFormat,
    },
    /// Check values only; print diagnostics.
    Validate {
        #[command(flatten)]
        values: ValuesArgs,
        /// Print the merged values as JSON on stdout (what the tool saw), like `helm get values`.
        #[arg(long)]
        show_values: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Diagnostics format; json and sarif go to stdout.
        #[arg(long, value_parser = format_parser(), default_value = "human")]
        diagnostics: Format,
    },
    /// Print the values JSON Schema (draft 2020-12).
    Schema,
    /// Describe the values fields: type, default and meaning.
    Explain {
        /// A dotted path such as features.alpha.argocdPlugin (default: all).
        path: Option<String>,
        /// Output format: human text, or JSON. (`--json` is the old spelling, kept for a
        /// release.)
        #[arg(long, value_parser = why_format_parser(), default_value = "human")]
        format: WhyFormat,
        #[arg(long, hide = true, conflicts_with = "format")]
        json: bool,
    },
    /// Run as a KRM function: a ResourceList on stdin (functionConfig: a SpacesPostRender object
    /// or a ConfigMap of --set paths), the ResourceList with the generated items and `results`
    /// on stdout. Also chosen automatically when stdin is a ResourceList.
    Krm,
    /// Install this binary as the kustomize exec plugin
    /// (<plugin home>/spaces-postrender.dev/v1alpha1/spacespostrender/SpacesPostRender).
    InstallKustomizePlugin {
        /// kustomize's plugin home (default: $KUSTOMIZE_PLUGIN_HOME, else
        /// $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin).
        #[arg(long, value_name = "DIR")]
        plugin_home: Option<std::path::PathBuf>,
        /// Copy the binary instead of linking to it.
        #[arg(long)]
        copy: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write spaces-postrender.1 and a page per subcommand (spaces-postrender-krm.1, ...)
        /// into DIR instead of printing the main page.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

pub use crate::front::io::Io;

/// A value parser over a fixed set of names (the core's own list, so the names live once).
fn names_parser<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    about: fn(T) -> Option<&'static str>,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = all.iter().map(move |&t| {
        let v = PossibleValue::new(name(t));
        match about(t) {
            Some(a) => v.help(a),
            None => v,
        }
    });
    PossibleValuesParser::new(values).try_map(move |s: String| {
        all.iter()
            .copied()
            .find(|&t| name(t) == s)
            .ok_or_else(|| format!("{s} is not one of the values"))
    })
}

fn target_parser() -> impl clap::builder::TypedValueParser<Value = Target> {
    names_parser(&Target::ALL, Target::as_str, |t| Some(t.about()))
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    names_parser(&Format::ALL, Format::as_str, |_| None)
}

fn why_format_parser() -> impl clap::builder::TypedValueParser<Value = WhyFormat> {
    names_parser(&WhyFormat::ALL, WhyFormat::as_str, |_| None)
}

fn print_report(io: &mut Io, report: &Report, format: Format, to_stdout: bool) {
    let text = match format {
        Format::Human => report.to_human(),
        Format::Json => report.to_json(),
        Format::Sarif => spaces_postrender::sarif::to_sarif(report),
    };
    if text.is_empty() {
        return;
    }
    let w: &mut dyn Write = if to_stdout && format != Format::Human {
        io.stdout
    } else {
        io.stderr
    };
    let _ = w.write_all(text.as_bytes());
}

/// Load values and check them. Returns the features when there is no error.
fn load_checked(
    io: &mut Io,
    args: &ValuesArgs,
    report: &mut Report,
    stdin_values: bool,
) -> Option<(values::Loaded, Features)> {
    let input = args.to_input();
    let stdin_text = if stdin_values && input.reads_stdin() {
        let mut s = String::new();
        if let Err(e) = io.stdin.read_to_string(&mut s) {
            report.push(Diagnostic::error(
                Code::ValuesFile,
                "",
                format!("cannot read values from standard input: {e}"),
            ));
            return None;
        }
        Some(s)
    } else {
        None
    };
    let checked = values::check::check(&input.layers(), stdin_text.as_deref(), &mut report.items)?;
    Some((checked.loaded, checked.features))
}

fn settings(io: &Io, run: &RunArgs) -> Settings {
    Settings {
        target: run.target,
        namespace: run.namespace.clone(),
        helm_namespace: (io.env)("HELM_NAMESPACE"),
        controller_sa: run.controller_service_account.clone(),
        helm4_env: (io.env)("HELM_PLUGIN_NAME").is_some_and(|s| !s.is_empty()),
    }
}

/// Run the CLI; returns the exit code.
pub fn run(cli: Cli, io: &mut Io) -> i32 {
    match cli.command {
        None => postrender(io, &cli.run),
        Some(Command::Generate { run, check, output }) => {
            generate(io, &run, check.as_deref(), output.as_deref())
        }
        Some(Command::Why { run, input, format }) => why(io, &run, input.as_deref(), format),
        Some(Command::Validate {
            values,
            show_values,
            strict,
            diagnostics,
        }) => validate(io, &values, show_values, strict, diagnostics),
        Some(Command::Schema) => {
            let _ = io.stdout.write_all(schema::SCHEMA_TEXT.as_bytes());
            EXIT_OK
        }
        Some(Command::Explain { path, format, json }) => {
            explain(io, path.as_deref(), json || format == WhyFormat::Json)
        }
        Some(Command::Krm) => krm(io),
        Some(Command::InstallKustomizePlugin { plugin_home, copy }) => {
            crate::front::kustomize::install(io, plugin_home, copy)
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "spaces-postrender", &mut script);
            if shell == clap_complete::Shell::Bash {
                script = fix_bash_states(&script);
            }
            match io.stdout.write_all(&script) {
                Ok(()) => EXIT_OK,
                Err(_) => EXIT_INVALID,
            }
        }
        Some(Command::Man { dir }) => {
            // No `help` page: `man` documents the subcommands themselves.
            let cmd = <Cli as clap::CommandFactory>::command()
                .disable_help_subcommand(true)
                .after_help(EXAMPLES);
            let written = match &dir {
                None => clap_mangen::Man::new(cmd).render(io.stdout),
                Some(d) => std::fs::create_dir_all(d)
                    .and_then(|()| clap_mangen::generate_to(cmd, d))
                    .map(|()| {
                        let _ = writeln!(io.stdout, "{}", d.display());
                    }),
            };
            match written {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    let _ = writeln!(
                        io.stderr,
                        "error[write-output]: cannot write the man page: {e}"
                    );
                    EXIT_INVALID
                }
            }
        }
    }
}

fn krm_input(io: &mut Io, input: &[u8]) -> i32 {
    let o = crate::front::krm::run(input, io.stdin_id);
    let _ = io.stderr.write_all(o.stderr.as_bytes());
    if io.stdout.write_all(&o.stdout).is_err() {
        return EXIT_INVALID;
    }
    o.code
}

/// clap_complete's bash script names its states `spaces__postrender__subcmd__X` but labels
/// their `case` arms `spaces__subcmd__postrender__subcmd__X` for a binary name with a hyphen
/// (clap-rs/clap#6421), so nothing completes after a subcommand. Make the labels match.
fn fix_bash_states(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("spaces__subcmd__postrender__", "spaces__postrender__")
        .into_bytes()
}

fn krm(io: &mut Io) -> i32 {
    let mut input = Vec::new();
    match io.stdin.read_to_end(&mut input) {
        Ok(_) => krm_input(io, &input),
        Err(e) => {
            let _ = writeln!(
                io.stderr,
                "error[read-input]: cannot read standard input: {e}"
            );
            EXIT_INVALID
        }
    }
}

/// Whether any option of the post-render mode was given (they have no meaning for a ResourceList).
fn has_run_options(run: &RunArgs) -> bool {
    run.given
        || !run.values.to_input().is_empty()
        || run.namespace.is_some()
        || run.controller_service_account.is_some()
        || run.strict
        || run.target != Target::Space
}

/// Post-render mode. Before streaming: a ResourceList on stdin switches to the KRM function,
/// and under Helm 4 a failure is reported through Helm's own error (see [`crate::front::helm4`]).
/// Both are decided by the first document with content, which is all that is read ahead.
fn postrender(io: &mut Io, run: &RunArgs) -> i32 {
    if io.stdin_is_terminal {
        let _ = writeln!(
            io.stderr,
            "error[usage]: standard input is a terminal, but post-render mode reads the rendered manifests from it\n  = help: pipe them in (`helm template spaces <chart> | spaces-postrender ...`), or run `spaces-postrender generate ...` for the generated objects alone"
        );
        return EXIT_USAGE;
    }
    let head = match crate::front::sniff::read_head(&mut *io.stdin) {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(
                io.stderr,
                "error[read-input]: cannot read the manifests on standard input: {e}"
            );
            return EXIT_INVALID;
        }
    };
    let first = head.first_text();
    if crate::front::sniff::root_kind(first).as_deref() == Some(crate::front::krm::KIND) {
        if has_run_options(run) {
            let _ = writeln!(io.stderr, "error[usage]: standard input is a KRM ResourceList: values and options come from its functionConfig, not from flags");
            return EXIT_USAGE;
        }
        let mut input = head.bytes;
        if let Err(e) = io.stdin.read_to_end(&mut input) {
            let _ = writeln!(
                io.stderr,
                "error[read-input]: cannot read standard input: {e}"
            );
            return EXIT_INVALID;
        }
        return krm_input(io, &input);
    }
    // Helm 4 strips `# Source:` lines and annotates each document; an empty release has
    // neither, and Helm 4 refuses an empty post-renderer output, so it goes this way too.
    let helm4 = crate::front::helm4::plugin_env(io.env)
        && (head.first.is_none() || crate::front::helm4::is_helm4_input(first.as_bytes()));
    let mut chained = (&head.bytes[..]).chain(&mut *io.stdin);
    let mut inner = Io {
        stdin: &mut chained,
        stdin_is_terminal: false,
        stdin_id: io.stdin_id,
        stdout: &mut *io.stdout,
        stderr: &mut *io.stderr,
        stderr_is_terminal: io.stderr_is_terminal,
        env: io.env,
    };
    if helm4 {
        return postrender_helm4(&mut inner, run);
    }
    postrender_stream(&mut inner, run)
}

/// Counts what passes through to the writer.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    n: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Under Helm 4: run, and on failure print the error document instead of failing silently.
/// The input streams through (the pipeline spools its output), so memory stays bounded.
fn postrender_helm4(io: &mut Io, run: &RunArgs) -> i32 {
    let mut err = Vec::new();
    let mut out = Counting {
        inner: &mut *io.stdout,
        n: 0,
    };
    let code = {
        let mut inner = Io {
            stdin: &mut *io.stdin,
            stdin_is_terminal: false,
            stdin_id: io.stdin_id,
            stdout: &mut out,
            stderr: &mut err,
            stderr_is_terminal: false,
            env: io.env,
        };
        postrender_stream(&mut inner, run)
    };
    let written = out.n;
    let _ = io.stderr.write_all(&err);
    if code == EXIT_OK {
        if written == 0 {
            // The chart rendered nothing and there is nothing to generate. Helm 4 rejects an
            // empty post-renderer output; a comment is an empty release it accepts, which is
            // exactly what the chart rendered.
            let empty = b"# spaces-postrender: the chart rendered nothing and there is nothing to generate\n";
            if io.stdout.write_all(empty).is_err() {
                return EXIT_INVALID;
            }
        }
        return EXIT_OK;
    }
    if written > 0 {
        // Output failed part-way (a write error): Helm gets a non-zero exit.
        return code;
    }
    let doc = crate::front::helm4::error_document(&String::from_utf8_lossy(&err));
    match io.stdout.write_all(doc.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => code,
    }
}

/// Load and check the values of `run`; on any error print the report and give the exit code.
fn checked_features(
    io: &mut Io,
    run: &RunArgs,
    report: &mut Report,
    stdin_values: bool,
) -> Result<Features, i32> {
    let loaded = load_checked(io, &run.values, report, stdin_values);
    match loaded {
        Some((_, features)) if !finish_report(report, run.strict) => Ok(features),
        _ => {
            print_report(io, report, run.diagnostics, false);
            Err(EXIT_INVALID)
        }
    }
}

fn finish_report(report: &mut Report, strict: bool) -> bool {
    if strict {
        report.make_strict();
    }
    report.has_errors()
}

fn postrender_stream(io: &mut Io, run: &RunArgs) -> i32 {
    let mut report = Report::default();
    let refused = crate::front::guard::stdin_values_errors(
        io.stdin_id,
        &run.values.values,
        &run.values.set_file,
        "the manifests",
    );
    if !refused.is_empty() {
        report.extend(refused);
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    let features = match checked_features(io, run, &mut report, false) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    match pipeline::run(&mut *io.stdin, io.stdout, &settings, &features) {
        Ok(outcome) => {
            // A successful run reports only infos (a Namespace already present, nothing to
            // generate): every warning and error is found before anything is written, so
            // --strict cannot fail a run whose output is already out.
            debug_assert!(outcome
                .diagnostics
                .iter()
                .all(|d| d.severity == spaces_postrender::diag::Severity::Info));
            report.extend(outcome.diagnostics);
            print_report(io, &report, run.diagnostics, false);
            EXIT_OK
        }
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            EXIT_INVALID
        }
    }
}

fn generate(io: &mut Io, run: &RunArgs, check: Option<&str>, output: Option<&str>) -> i32 {
    let mut report = Report::default();
    let features = match checked_features(io, run, &mut report, true) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    let mut buf = Vec::new();
    match pipeline::run(std::io::empty(), &mut buf, &settings, &features) {
        Ok(outcome) => report.extend(outcome.diagnostics),
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            return EXIT_INVALID;
        }
    }
    if buf.is_empty() {
        buf = format!(
            "# spaces-postrender: no objects for target {} with these values\n",
            run.target.as_str()
        )
        .into_bytes();
    }
    if finish_report(&mut report, run.strict) {
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    print_report(io, &report, run.diagnostics, false);
    if let Some(file) = check {
        let color = spaces_postrender::golden::use_color(io.stderr_is_terminal, io.env);
        return spaces_postrender::golden::check(file, &buf, io.stderr, color);
    }
    if let Some(file) = output {
        return match spaces_postrender::golden::write_atomic(file, &buf) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                let _ = writeln!(io.stderr, "error[write-output]: cannot write {file}: {e}");
                EXIT_INVALID
            }
        };
    }
    if io.stdout.write_all(&buf).is_err() {
        return EXIT_INVALID;
    }
    EXIT_OK
}

/// `why`: the same scan and decision as a post-render run (`scan::scan_input` into a sink,
/// then `decide::decide`), printed as an explanation instead of rendered.
fn why(io: &mut Io, run: &RunArgs, input: Option<&str>, format: WhyFormat) -> i32 {
    let mut report = Report::default();
    let values_from_stdin = run
        .values
        .values
        .iter()
        .chain(&crate::front::guard::set_file_paths(&run.values.set_file))
        .any(|f| crate::front::guard::names_stdin(io.stdin_id, f));
    if values_from_stdin && input.is_some_and(|i| crate::front::guard::names_stdin(io.stdin_id, i))
    {
        report.push(
            Diagnostic::error(
                Code::ValuesFile,
                "",
                "`-f -` and `--input -` cannot both read standard input",
            )
            .hint("write the values or the manifests to a file"),
        );
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    let features = match checked_features(io, run, &mut report, true) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let settings = settings(io, run);
    let prepared = match input {
        Some("-") => pipeline::prepare(
            &mut *io.stdin,
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => pipeline::prepare(
                std::io::BufReader::with_capacity(1 << 20, f),
                &mut std::io::sink(),
                &settings,
                &features,
                path,
            ),
            Err(e) => Err(vec![Diagnostic::error(
                Code::ReadInput,
                "",
                format!("cannot read the manifests in {path}: {e}"),
            )
            .at(Some(spaces_postrender::diag::Origin::Flag {
                flag: format!("--input {path}"),
            }))
            .hint("check the path given to --input")]),
        },
        None if io.stdin_is_terminal || values_from_stdin => pipeline::prepare(
            std::io::empty(),
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
        None => pipeline::prepare(
            &mut *io.stdin,
            &mut std::io::sink(),
            &settings,
            &features,
            "standard input",
        ),
    };
    let pipeline::Prepared { scan, decision } = match prepared {
        Ok(p) => p,
        Err(ds) => {
            report.extend(ds);
            print_report(io, &report, run.diagnostics, false);
            return EXIT_INVALID;
        }
    };
    let spaces_postrender::decide::Decision {
        plan,
        subject,
        notes,
        write,
        ..
    } = decision;
    let explanation = spaces_postrender::why::explain(
        &settings, &features, &scan, &plan, &subject, &write, &notes,
    );
    report.extend(notes);
    if finish_report(&mut report, run.strict) {
        print_report(io, &report, run.diagnostics, false);
        return EXIT_INVALID;
    }
    print_report(io, &report, run.diagnostics, false);
    let text = match format {
        WhyFormat::Human => explanation.to_human(),
        WhyFormat::Json => explanation.to_json(),
    };
    if io.stdout.write_all(text.as_bytes()).is_err() {
        return EXIT_INVALID;
    }
    EXIT_OK
}

fn validate(
    io: &mut Io,
    args: &ValuesArgs,
    show_values: bool,
    strict: bool,
    format: Format,
) -> i32 {
    let mut report = Report::default();
    let loaded = load_checked(io, args, &mut report, true);
    let failed = finish_report(&mut report, strict) || loaded.is_none();
    if show_values {
        if let Some((l, _)) = &loaded {
            let s = serde_json::to_string_pretty(&l.values).unwrap_or_default();
            let _ = writeln!(io.stdout, "{s}");
        }
    }
    if format == Format::Human {
        // Say what was checked: silence would not tell a success from a command that did
        // nothing. Always on stderr, so `--show-values` output stays clean JSON.
        let mut text = report.to_human_then("");
        if let (false, Some((l, _))) = (failed, &loaded) {
            let problems = report
                .items
                .iter()
                .filter(|d| d.severity != spaces_postrender::diag::Severity::Info)
                .count();
            text.push_str(&format!(
                "ok: {} value{} checked, {problems} problem{}\n",
                leaves(&l.effective),
                if leaves(&l.effective) == 1 { "" } else { "s" },
                if problems == 1 { "" } else { "s" }
            ));
        }
        let _ = io.stderr.write_all(text.as_bytes());
    } else {
        print_report(io, &report, format, !show_values);
    }
    if failed {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// How many values (leaves: scalars, empty maps and lists) a values tree holds.
fn leaves(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) if !m.is_empty() => m.values().map(leaves).sum(),
        serde_json::Value::Array(a) if !a.is_empty() => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

fn explain(io: &mut Io, path: Option<&str>, json: bool) -> i32 {
    let p = path.unwrap_or("");
    // Only the Argo CD plugin's and ESO's settings (and the controller's ServiceAccount name)
    // are interpreted; every other key of a Spaces values file is accepted and ignored.
    let interpreted = ["features", "controller"]
        .iter()
        .any(|top| p == *top || p.starts_with(&format!("{top}.")));
    if !p.is_empty() && !interpreted {
        let _ = writeln!(
            io.stdout,
            "{p}: not interpreted by spaces-postrender\n    A value of the Spaces chart itself: accepted in values files and --set flags and\n    ignored, so a whole Spaces values file can be passed. `spaces-postrender explain`\n    lists the fields this tool reads."
        );
        return EXIT_OK;
    }
    let Some(fields) = schema::fields(p) else {
        let known: Vec<String> = schema::fields("")
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.path)
            .collect();
        let hint = schema::suggest(p, &known)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let _ = writeln!(io.stderr, "error[unknown-path]: {p} is not a field this tool knows{hint}; run `spaces-postrender explain` for all fields");
        return EXIT_USAGE;
    };
    if json {
        let _ = writeln!(
            io.stdout,
            "{}",
            serde_json::to_string_pretty(&fields).unwrap_or_default()
        );
        return EXIT_OK;
    }
    for f in fields {
        let _ = writeln!(io.stdout, "{}  ({}, default {})", f.path, f.ty, f.default);
        for line in textwrap(&f.description, 76) {
            let _ = writeln!(io.stdout, "    {line}");
        }
    }
    EXIT_OK
}

fn textwrap(s: &str, width: usize) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use std::path::Path;

    /// Run the CLI in-process, with stderr claimed to be a terminal or not.
    fn check_in_process(golden: &Path, terminal: bool, no_color: Option<&str>) -> (i32, String) {
        let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/why/on-cluster.yaml");
        let cli = super::Cli::try_parse_from([
            "spaces-postrender",
            "generate",
            "-f",
            values.to_str().expect("utf-8"),
            "--check",
            golden.to_str().expect("utf-8"),
        ])
        .expect("arguments parse");
        let mut stdin = std::io::empty();
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let no_color = no_color.map(str::to_string);
        let env = move |k: &str| {
            if k == "NO_COLOR" {
                no_color.clone()
            } else {
                None
            }
        };
        let mut io = super::Io {
            stdin: &mut stdin,
            stdin_is_terminal: true,
            stdin_id: None,
            stdout: &mut stdout,
            stderr: &mut stderr,
            stderr_is_terminal: terminal,
            env: &env,
        };
        let code = super::run(cli, &mut io);
        (code, String::from_utf8(stderr).expect("utf-8"))
    }

    #[test]
    fn diff_is_coloured_only_on_a_terminal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let golden = dir.path().join("golden.yaml");
        std::fs::write(&golden, "---\n# stale\n").expect("write");

        let (code, tty) = check_in_process(&golden, true, None);
        assert_eq!(code, 1);
        assert!(tty.contains("\x1b[31m-# stale\x1b[0m"), "{tty:?}");
        assert!(tty.contains("\x1b[32m+kind: Role\x1b[0m"), "{tty:?}");
        assert!(tty.contains("\x1b[36m@@ "), "{tty:?}");

        let (code, pipe) = check_in_process(&golden, false, None);
        assert_eq!(code, 1);
        assert!(!pipe.contains('\x1b'), "{pipe:?}");
        assert!(pipe.contains("\n-# stale\n"), "{pipe:?}");

        let (_, no_color) = check_in_process(&golden, true, Some("1"));
        assert!(!no_color.contains('\x1b'), "NO_COLOR is honoured");
    }
}
