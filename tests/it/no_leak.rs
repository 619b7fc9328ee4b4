//! Secret data never reaches stderr or a diagnostic: a sentinel is put into input Secrets
//! (`data`, `stringData`), into values the tool does not interpret and into `--set` values, and
//! pushed through every error path, in every diagnostic format. (Keys are names and are shown:
//! an unknown key under `features.alpha` is reported by name, which is the point.)

use crate::common;
use common::run;

const SENTINEL: &str = "S3NT1NEL-c2VjcmV0LXZhbHVl";

fn secret(body: &str) -> String {
    format!("---\n# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\n{body}")
}

/// Input streams that fail, each with the sentinel inside a Secret.
fn failing_streams() -> Vec<(&'static str, Vec<u8>)> {
    let s = SENTINEL;
    vec![
        ("tab after the secret", secret(&format!("stringData:\n  password: {s}\n\tnext: 1\n")).into_bytes()),
        ("unclosed quote", secret(&format!("stringData:\n  password: \"{s}\n")).into_bytes()),
        ("unclosed single quote", secret(&format!("stringData:\n  password: '{s}\n")).into_bytes()),
        ("bad escape", secret(&format!("stringData:\n  password: \"{s}\\q\"\n")).into_bytes()),
        ("unknown anchor named like the secret", secret(&format!("stringData:\n  password: *{s}\n")).into_bytes()),
        ("duplicate data key", secret(&format!("data:\n  {s}: {s}\n  {s}: {s}\nx: &a 1\ny: *a\n")).into_bytes()),
        ("duplicate identity key", secret(&format!("stringData:\n  p: {s}\nkind: Secret\n")).into_bytes()),
        ("tag with the secret", secret(&format!("stringData:\n  p: !{s} x\n")).into_bytes()),
        ("flow mismatch", secret(&format!("data: {{p: [{s}}}\n")).into_bytes()),
        ("control character", secret(&format!("stringData:\n  p: {s}\u{1}\n")).into_bytes()),
        ("invalid utf-8", [secret(&format!("data:\n  p: {s}")).into_bytes(), vec![0xff, 0xfe, b'\n']].concat()),
        ("a secret as a list", format!("---\n- {s}\n- {s}\n").into_bytes()),
        ("a secret as a scalar", format!("---\n{s}\n").into_bytes()),
        ("alias bomb in a secret", {
            let mut b = format!("stringData:\n  a0: &a0 [{s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}, {s}]\n");
            for i in 1..10 {
                let p = i - 1;
                b.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
            }
            secret(&b).into_bytes()
        }),
        ("nesting too deep", secret(&format!("data: {{p: {}{s}{}}}\n", "[".repeat(400), "]".repeat(400))).into_bytes()),
        ("truncated", secret(&format!("stringData: {{p: {s}")).into_bytes()),
        (
            "conflicting foreign secret",
            format!(
                "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: spaces-argocd-plugin-token\n  namespace: argocd\nstringData:\n  token: {s}\n"
            )
            .into_bytes(),
        ),
        ("directive after a secret", format!("{}%YAML 1.1\n", secret(&format!("stringData:\n  p: {s}\n"))).into_bytes()),
    ]
}

fn assert_clean(what: &str, out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains(SENTINEL),
        "{what}: the secret reached stderr:\n{err}"
    );
    // Not even a fragment of it.
    assert!(
        !err.contains("S3NT1NEL") && !err.contains("c2VjcmV0"),
        "{what}: a fragment of the secret reached stderr:\n{err}"
    );
    // A failed post-render prints nothing (validate prints its JSON/SARIF report on stdout).
    if !out.status.success() && !what.starts_with("validate:") {
        assert!(out.stdout.is_empty(), "{what}: failure printed stdout");
    }
}

#[test]
fn input_secrets_never_reach_stderr() {
    let streams = failing_streams();
    let args: [&[&str]; 4] = [
        &["--set", "features.alpha.argocdPlugin.enabled=true"],
        &[
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--diagnostics",
            "json",
        ],
        &[
            "--target",
            "argocd",
            "--set",
            "features.alpha.argocdPlugin.enabled=true",
            "--set",
            "features.alpha.argocdPlugin.target.externalCluster.enabled=true",
        ],
        &["--strict"],
    ];
    let mut failures = 0;
    for (what, input) in &streams {
        for a in args {
            let out = run(a, input, &[]);
            assert_clean(what, &out);
            if !out.status.success() {
                failures += 1;
            }
        }
    }
    // The streams really do fail (or the test proves nothing).
    assert!(
        failures >= streams.len() * 3,
        "only {failures} failing runs"
    );
}

#[test]
fn values_and_set_arguments_never_reach_stderr() {
    let s = SENTINEL;
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, String)> = vec![
        (
            "syntax error after a secret value",
            format!("dbPassword: {s}\nfeatures:\n\talpha: {{}}\n"),
        ),
        (
            "alpha error beside a secret value",
            format!("dbPassword: {s}\nfeatures:\n  alpha:\n    eso:\n      enabled: \"true\"\n"),
        ),
        ("unclosed quote", format!("dbPassword: \"{s}\n")),
        (
            "secret beside a bad alpha value",
            format!("db: {{password: {s}}}\nfeatures:\n  alpha:\n    eso: {{enabled: 3}}\n"),
        ),
        ("top-level list", format!("- {s}\n")),
        ("unknown anchor", format!("dbPassword: *{s}\n")),
        (
            "invalid utf-8 after a secret",
            format!("dbPassword: {s}\n\u{1}"),
        ),
    ];
    let mut failures = 0;
    for (what, text) in &cases {
        let f = dir.path().join("values.yaml");
        std::fs::write(&f, text).expect("write");
        for fmt in ["human", "json", "sarif"] {
            let out = run(
                &[
                    "validate",
                    "-f",
                    f.to_str().expect("path"),
                    "--diagnostics",
                    fmt,
                ],
                b"",
                &[],
            );
            assert_clean(&format!("validate: {what}"), &out);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stdout.contains(s),
                "{what}: the secret reached the {fmt} diagnostics:\n{stdout}"
            );
            if !out.status.success() {
                failures += 1;
            }
        }
    }
    assert!(failures >= 15, "{failures}");
    let sets: Vec<(&str, String)> = vec![
        ("--set", format!("db.password={s},b[0=1")),
        ("--set", format!("db.password={s},db.password.x=1")),
        ("--set", format!("a[{s}]=1")),
        ("--set-json", format!("db.password={s}")),
        ("--set-json", format!("db={{\"password\":\"{s}\"")),
        (
            "--set-string",
            format!("db.password={s},features.alpha.eso.enabled=true"),
        ),
        ("--set-literal", format!("db.password={s}")),
    ];
    for (flag, arg) in &sets {
        let out = run(
            &[
                "validate",
                flag,
                arg,
                "--set",
                "features.alpha.eso.enabled=yes",
            ],
            b"",
            &[],
        );
        assert_clean(&format!("validate: {flag} {arg}"), &out);
        assert!(!out.status.success(), "{flag}: expected a failure");
    }
}

/// Characters that occur in the tool's own words (its messages, hints, the `# Source:` path of
/// the documents below, JSON punctuation). Any other character of a Secret's data found on
/// stderr came from the data.
fn in_vocabulary(c: char) -> bool {
    c.is_ascii_alphanumeric() || " \n\t.,:;()[]{}<>'\"`-_/!#|=+?*&%\\".contains(c)
}

/// The data alphabet: YAML indicators that break a document in many ways, characters no
/// message ever uses (`@$^~`, non-ASCII letters), and line breaks of YAML 1.1.
const DATA_CHARS: &[char] = &[
    '@', '$', '^', '~', 'ß', 'ж', 'λ', '中', 'ø', 'é', '`', '!', '&', '*', '%', '|', '>', '[', ']',
    '{', '}', ',', ':', '#', '\'', '"', '\\', '-', '?', '\t', '\u{85}', '\u{2028}', '\u{1}',
    '\u{7f}', 'a', 'Z', '0',
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

/// A random malformed (mostly) Secret document: a unique marker and random characters in
/// `data`/`stringData`, written in a random style, with a random defect near them.
fn random_secret(rng: &mut XorShift, n: usize) -> (String, String) {
    // Made of characters that are in no message, so that the oracle below can fail.
    let marker: String = format!("ßж{}λ", n)
        .chars()
        .map(|c| match c {
            '0'..='9' => {
                ['中', 'ø', 'é', '@', '$', '^', '~', 'ß', 'ж', 'λ'][c as usize - '0' as usize]
            }
            c => c,
        })
        .collect();
    let mut datum = String::new();
    for _ in 0..1 + rng.below(4) {
        datum.push(rng.pick(DATA_CHARS));
    }
    let value = match rng.below(8) {
        0 => format!("{datum}{marker}"),
        1 => format!("\"{marker}{datum}"),
        2 => format!("'{datum}{marker}"),
        3 => format!("[{marker}, {datum}}}"),
        4 => format!("\"{marker}\\{datum}\""),
        5 => format!("{marker} {datum}"),
        6 => datum.clone(),
        _ => format!("&{marker} {datum}"),
    };
    let defect = match rng.below(6) {
        0 => "\tnext: 1\n".to_string(),
        1 => format!("  {datum}: {datum}\n"),
        2 => format!(" bad: {datum}\n"),
        3 => format!("  other: *{marker}\n"),
        4 => format!("  k: !{datum} x\n"),
        _ => String::new(),
    };
    let section = if rng.below(2) == 0 {
        "data"
    } else {
        "stringData"
    };
    let doc = format!(
        "---\n# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\n{section}:\n  password: {value}\n{defect}"
    );
    (doc, format!("{marker}{datum}"))
}

/// Many random malformed Secrets: no character of their data (outside the message
/// vocabulary) and no marker ever reaches stderr, in the human or the JSON format.
#[test]
fn random_malformed_secrets_never_reach_stderr() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut failing = 0;
    let mut n = 0;
    for stream in 0..12 {
        // Every document of a stream is checked and every error reported: one run covers many.
        let mut input = String::new();
        let mut secret_chars = std::collections::BTreeSet::new();
        for _ in 0..40 {
            let (doc, data) = random_secret(&mut rng, n);
            n += 1;
            input.push_str(&doc);
            secret_chars.extend(data.chars().filter(|c| !in_vocabulary(*c)));
        }
        for fmt in ["human", "json"] {
            let out = run(
                &[
                    "--set",
                    "features.alpha.argocdPlugin.enabled=true",
                    "--diagnostics",
                    fmt,
                ],
                input.as_bytes(),
                &[],
            );
            assert!(!out.status.success(), "stream {stream} passed");
            // (A failed run prints nothing on stdout; it is checked as well.)
            let err = String::from_utf8_lossy(&[out.stderr, out.stdout].concat()).into_owned();
            failing += err.matches("invalid-manifest").count();
            for c in &secret_chars {
                assert!(
                    !err.contains(*c),
                    "stream {stream} ({fmt}): data character {c:?} (U+{:04X}) reached stderr:\n{err}",
                    *c as u32
                );
            }
        }
    }
    // Most documents are malformed (or the test proves little).
    assert!(
        failing > 12 * 2 * 10,
        "only {failing} malformed documents reported"
    );
}

/// A values entry whose tag it cannot satisfy (`password: !!int <text>`, every core tag, plain
/// and block scalars) is reported without its text: in every diagnostic format, in post-render,
/// in a kustomize exec plugin config's `values:` and in a KRM functionConfig.
#[test]
fn tagged_values_that_fail_to_convert_are_not_quoted() {
    let s = SENTINEL;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases = vec![];
    for tag in ["!!int", "!!float", "!!bool", "!!null", "!!timestamp"] {
        cases.push(format!("password: {tag} {s}\n"));
        cases.push(format!("password: {tag} |\n  {s}\n  {s}-line2\n"));
        cases.push(format!("password: {tag} >-\n  {s}\n"));
        cases.push(format!("password: {tag} \"{s}\"\n"));
    }
    let manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let plugin = dir.path().join("SpacesPostRender");
    std::os::unix::fs::symlink(common::bin(), &plugin).expect("symlink");
    for values in &cases {
        let f = dir.path().join("values.yaml");
        std::fs::write(&f, values).expect("write");
        let path = f.to_str().expect("path");
        for fmt in ["human", "json", "sarif"] {
            let out = run(&["validate", "-f", path, "--diagnostics", fmt], b"", &[]);
            assert_clean(&format!("validate: {values}"), &out);
            assert_eq!(out.status.code(), Some(1), "{values}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(!stdout.contains("S3NT1NEL"), "{values} {fmt}:\n{stdout}");
            let out = run(&["-f", path, "--diagnostics", fmt], manifest, &[]);
            assert_clean(&format!("post-render: {values}"), &out);
            assert_eq!(out.status.code(), Some(1), "{values}");
        }
        let indented: String = values.lines().map(|l| format!("  {l}\n")).collect();
        let config = dir.path().join("config.yaml");
        std::fs::write(
            &config,
            format!("apiVersion: spaces-postrender.dev/v1alpha1\nkind: SpacesPostRender\nmetadata:\n  name: c\nvalues:\n{indented}"),
        )
        .expect("write");
        let mut cmd = std::process::Command::new(&plugin);
        cmd.arg(&config);
        let out = common::run_cmd(&mut cmd, manifest);
        assert_clean(&format!("exec plugin: {values}"), &out);
        assert_eq!(out.status.code(), Some(1), "{values}");
        let fc: String = indented.lines().map(|l| format!("  {l}\n")).collect();
        let list = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: spaces-postrender.dev/v1alpha1\n  kind: SpacesPostRender\n  metadata:\n    name: c\n  values:\n{fc}");
        let out = run(&[], list.as_bytes(), &[]);
        assert_clean(&format!("KRM: {values}"), &out);
        // The answer gives the functionConfig back as it came; its results quote nothing.
        let stdout = String::from_utf8_lossy(&out.stdout);
        let results: Vec<&str> = stdout
            .lines()
            .skip_while(|l| !l.starts_with("results:"))
            .skip(1)
            .take_while(|l| l.starts_with([' ', '-']))
            .collect();
        assert!(
            !results.concat().contains("S3NT1NEL"),
            "KRM {values}:\n{stdout}"
        );
    }
}
