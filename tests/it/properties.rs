//! Properties (proptest) of the library, in the normal test suite:
//! - arbitrary values never panic, and whatever passes validation renders;
//! - generated output re-parses, under both YAML 1.2 and the YAML 1.1 typing Kubernetes uses,
//!   to objects whose strings equal the inputs (names like `yes`, `on`, `0644` stay strings);
//! - arbitrary valid streams pass through byte for byte.

use proptest::prelude::*;
use serde_json::Value;
use spaces_postrender::pipeline::{self, Settings};
use spaces_postrender::plan::Target;
use spaces_postrender::values::features::Features;
use spaces_postrender::values::{self, yaml, ValuesInput};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9._:#/ -]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "true",
            "yes",
            "on",
            "0644",
            "argocd",
            "kube-system",
            "",
            "a.b",
            ".."
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "enabled",
                    "namespace",
                    "secretNamespace",
                    "target",
                    "externalCluster",
                    "secret",
                    "name",
                    "key",
                    "eso",
                    "argocdPlugin",
                    "useUIDFormatForCTPSecrets",
                    "apollo",
                    "x",
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn run_generate(input: &ValuesInput, target: Target) -> Option<(Vec<u8>, Features)> {
    let loaded = values::load(input, None).ok()?;
    let mut diags = spaces_postrender::values::schema::validate(&loaded.effective, &loaded.origins);
    let (features, cross) = Features::from_values(&loaded);
    diags.extend(cross);
    if diags.iter().any(|d| d.is_error()) {
        return None;
    }
    let mut out = Vec::new();
    let settings = Settings {
        target,
        ..Default::default()
    };
    pipeline::run(std::io::empty(), &mut out, &settings, &features).ok()?;
    Some((out, features))
}

/// Names that are valid DNS-1123 labels, biased towards words YAML 1.1 would misread.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "yes", "no", "on", "off", "true", "false", "y", "n", "0644", "1e3", "0x1f", "null",
            "123", "argocd"
        ])
        .prop_map(String::from),
        "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?",
    ]
}

fn secret_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "yes",
            "on",
            "0644",
            "kube.config",
            "_x",
            "-",
            "a..b",
            "True",
            "NULL",
            "~x"
        ])
        .prop_map(String::from),
        "[-._a-zA-Z0-9]{1,30}".prop_filter("not . or ..", |s| s != "." && s != ".."),
    ]
}

fn docs_of(out: &[u8]) -> Vec<String> {
    let s = String::from_utf8(out.to_vec()).expect("utf8");
    s.split("\n---\n")
        .map(|d| d.trim_start_matches("---\n").to_string())
        .filter(|d| !d.trim().is_empty())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_values_never_panic(alpha in json_value(), target in prop::sample::select(vec![Target::Space, Target::ControlPlane, Target::Argocd])) {
        let input = ValuesInput { set_json: vec![format!("features.alpha={alpha}")], ..Default::default() };
        if let Some((out, _)) = run_generate(&input, target) {
            for d in docs_of(&out) {
                let v: Value = serde_saphyr::from_str(&d).expect("generated output re-parses");
                prop_assert!(v.get("kind").is_some());
            }
        }
    }

    #[test]
    fn generated_strings_equal_the_inputs(ns in label(), eso_ns in label(), key in secret_key(), sa in label(), sa_ns in label(), external in any::<bool>()) {
        let input = ValuesInput {
            set_string: vec![
                format!("features.alpha.argocdPlugin.target.secretNamespace={ns}"),
                format!("features.alpha.eso.namespace={eso_ns}"),
                format!("features.alpha.argocdPlugin.target.externalCluster.secret.key={key}"),
            ],
            set: vec![
                "features.alpha.argocdPlugin.enabled=true".into(),
                "features.alpha.eso.enabled=true".into(),
                format!("features.alpha.argocdPlugin.target.externalCluster.enabled={external}"),
            ],
            ..Default::default()
        };
        let loaded = values::load(&input, None).expect("values load");
        let (features, _) = Features::from_values(&loaded);
        for target in [Target::Space, Target::ControlPlane, Target::Argocd] {
            let settings = Settings { target, controller_sa: Some(format!("{sa_ns}/{sa}")), ..Default::default() };
            let mut out = Vec::new();
            let r = pipeline::run(std::io::empty(), &mut out, &settings, &features);
            prop_assert!(r.is_ok(), "{:?}", r.err());
            for d in docs_of(&out) {
                // YAML 1.2 (serde-saphyr) and YAML 1.1 typing (what Kubernetes' reader does).
                let v12: Value = serde_saphyr::from_str(&d).expect("re-parses");
                let v11 = yaml::load(&d).expect("re-parses as YAML 1.1").value;
                prop_assert_eq!(&v12, &v11, "YAML 1.1 and 1.2 readers disagree on\n{}", d);
                let kind = v12["kind"].as_str().unwrap_or("");
                let obj_ns = &v12["metadata"]["namespace"];
                match (target, kind) {
                    (Target::ControlPlane, "Namespace") => prop_assert_eq!(v12["metadata"]["name"].as_str(), Some(eso_ns.as_str())),
                    (Target::Space, _) if external => {
                        prop_assert_eq!(obj_ns.as_str(), Some(sa_ns.as_str()));
                        if kind == "Role" {
                            prop_assert_eq!(v12["rules"][0]["resourceNames"][0].as_str(), Some("kubeconfig"));
                        }
                    }
                    (Target::Space, _) | (Target::Argocd, _) => prop_assert_eq!(obj_ns.as_str(), Some(ns.as_str())),
                    _ => {}
                }
                if kind == "RoleBinding" && target == Target::Space {
                    prop_assert_eq!(v12["subjects"][0]["name"].as_str(), Some(sa.as_str()));
                    prop_assert_eq!(v12["subjects"][0]["namespace"].as_str(), Some(sa_ns.as_str()));
                }
            }
        }
        // The secret key is validated but names no object; it must round-trip through values.
        prop_assert_eq!(features.argocd.secret_key.value, key);
    }

    #[test]
    fn valid_streams_pass_through_byte_for_byte(docs in prop::collection::vec(config_map(), 0..8), crlf in any::<bool>(), trailing_newline in any::<bool>()) {
        let mut s = String::new();
        for (i, d) in docs.iter().enumerate() {
            if i > 0 || d.starts_with("---") { s.push_str("---\n"); }
            s.push_str(d);
        }
        if !trailing_newline { while s.ends_with('\n') { s.pop(); } }
        if crlf { s = s.replace('\n', "\r\n"); }
        let loaded = values::load(&ValuesInput::default(), None).expect("empty values");
        let (off, _) = Features::from_values(&loaded);
        let mut out = Vec::new();
        pipeline::run(s.as_bytes(), &mut out, &Settings::default(), &off).expect("valid stream");
        prop_assert!(out == s.as_bytes(), "features off: output differs from input");
        let loaded = values::load(&ValuesInput { set: vec!["features.alpha.argocdPlugin.enabled=true".into()], ..Default::default() }, None).expect("values");
        let (on, _) = Features::from_values(&loaded);
        let mut out = Vec::new();
        match pipeline::run(s.as_bytes(), &mut out, &Settings::default(), &on) {
            Ok(_) => {
                prop_assert!(out.starts_with(s.as_bytes()));
                prop_assert!(out.len() > s.len());
            }
            // Appending after a last block scalar without its line break would change it: refused.
            Err(ds) => {
                prop_assert!(!trailing_newline && !s.ends_with('\n'), "{:?}", ds);
                prop_assert_eq!(ds.len(), 1);
                prop_assert_eq!(ds[0].code, "no-final-newline");
                prop_assert!(out.is_empty());
            }
        }
    }
}

/// A ConfigMap in one of several textual styles.
fn config_map() -> impl Strategy<Value = String> {
    // A plain name that YAML 1.1 reads as a boolean or null is not a valid stream:
    // Kubernetes refuses the object, and so does the tool.
    let name = "[a-z][a-z0-9-]{0,10}".prop_filter("YAML 1.1 reads it as a non-string", |n| {
        !matches!(
            n.as_str(),
            "y" | "yes" | "n" | "no" | "on" | "off" | "true" | "false" | "null"
        )
    });
    (name, "[a-zA-Z0-9 :#'\"-]{0,20}", 0..5usize).prop_map(|(name, val, style)| match style {
        0 => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {val:?}\n"),
        1 => format!("# Source: chart/templates/{name}.yaml\n{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"{name}\"}}}}\n"),
        2 => format!("apiVersion: v1 # comment\nkind: ConfigMap\nmetadata: {{name: {name}, labels: {{a: b}}}}\ndata:\n  k: |\n    v{}\n    ---\n", val.replace(['"', '\'', '#', ':'], "x").trim_end()),
        3 => format!("'apiVersion': v1\n\"kind\": ConfigMap\nmetadata:\n  \"name\": {name}\n...\n"),
        _ => "# just a comment\n".to_string(),
    })
}

#[test]
fn output_does_not_depend_on_the_environment() {
    let bin = env!("CARGO_BIN_EXE_spaces-postrender");
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/input/spaces.yaml"
    ))
    .expect("fixture");
    let run = |envs: &[(&str, &str)]| {
        use std::io::Write;
        let mut cmd = std::process::Command::new(bin);
        cmd.args([
            "-f",
            "fixtures/values/argocd-external.yaml",
            "--diagnostics",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("HELM_NAMESPACE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn");
        let mut sin = child.stdin.take().expect("stdin");
        // Feed the input in small pieces, so the reader sees many short reads.
        let data = input.clone();
        let w = std::thread::spawn(move || {
            for chunk in data.chunks(7) {
                let _ = sin.write_all(chunk);
                let _ = sin.flush();
            }
        });
        let out = child.wait_with_output().expect("wait");
        w.join().expect("writer");
        (out.stdout, out.stderr)
    };
    let base = run(&[("LC_ALL", "C"), ("TZ", "UTC")]);
    assert!(!base.0.is_empty());
    for envs in [
        vec![("LC_ALL", "tr_TR.UTF-8"), ("TZ", "Asia/Kolkata")],
        vec![
            ("LANG", "de_DE.UTF-8"),
            ("TZ", "America/St_Johns"),
            ("HOME", "/nonexistent"),
        ],
        vec![("LC_ALL", "C.UTF-8"), ("HOME", "/tmp"), ("TMPDIR", "/tmp")],
    ] {
        assert_eq!(run(&envs), base, "output changed with {envs:?}");
    }
}
