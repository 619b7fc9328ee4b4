//! Differential test: the values `spaces-postrender validate --show-values` computes from
//! `-f`/`--set`-family flags must equal Helm 3's `.Values` for the same flags.
//!
//! Helm side: `helm3 template x values-chart <flags>`, where `tests/fixtures-helm/values-chart`
//! has no values.yaml (so `.Values` is exactly the merged user-supplied values) and renders
//! `# VALUES: {{ .Values | toJson }}`. Both commands run in `tests/fixtures-helm`, so the
//! relative paths `values/*.yaml` work for both; `{tmp}` in an argument is a per-run temporary
//! directory holding the files read by `--set-file`.
//!
//! The real Helm binary comes from `.ci/install-tools.sh`; if that fails, the test fails.

use crate::common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What a case expects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// Both succeed with equal values.
    Same,
    /// Helm refuses the flags; so must we (non-zero exit, no values on stdout).
    BothFail,
}

use Expect::*;

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    expect: Expect,
}

const fn case(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        expect: Same,
    }
}

const fn fails(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        expect: BothFail,
    }
}

const CASES: &[Case] = &[
    // The flags from the Upbound documentation.
    case(
        "upbound-doc-argocd-plugin",
        &[
            "--set=features.alpha.argocdPlugin.enabled=true",
            "--set=features.alpha.argocdPlugin.target.namespace=argocd",
            "--set=features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster",
        ],
    ),
    case(
        "upbound-doc-argocd-plugin-one-flag",
        &["--set=features.alpha.argocdPlugin.enabled=true,features.alpha.argocdPlugin.target.namespace=argocd,features.alpha.argocdPlugin.target.externalCluster.secret.name=my-argo-cluster"],
    ),
    // Keys and escapes.
    case("nested-keys", &["--set=a.b.c=1,a.b.d=x,e=y"]),
    case("escaped-dot-in-key", &[r"--set=a\.b=1"]),
    case("escaped-comma-in-value", &[r"--set=a=x\,y"]),
    case("escaped-equals", &[r"--set=a\=b=c\=d"]),
    case("escaped-backslash", &[r"--set=a=b\\c"]),
    case("escaped-brackets-in-key", &[r"--set=a.b\[0\]=x"]),
    case("trailing-backslash-dropped", &[r"--set=name=value\"]),
    case("empty-value", &["--set=a=,b=x"]),
    case("trailing-comma", &["--set=a=1,"]),
    case("later-pair-wins", &["--set=a=1,a=2"]),
    case("later-set-flag-wins", &["--set=a=1", "--set=a=2"]),
    case("keys-that-look-like-numbers", &["--set=1=a,0644=b,true=d"]),
    case("unicode", &["--set=ключ=значение,中文.键=值,emoji=😀", "--set-string=ü=ß"]),
    case("odd-but-accepted", &["--set=a]=1", "--set=b[0]", "--set=c.", "--set==x"]),
    // List indices.
    case("index-0", &["--set=a[0]=1"]),
    case("index-gap-then-map", &["--set=a[2].b=x"]),
    case("nested-list", &["--set=a[0][1]=2"]),
    case("indices-out-of-order", &["--set=a[1]=x,a[0]=y"]),
    case("list-of-maps", &["--set=a.b[0].c=1,a.b[1].c=2,a.b[1].d=3"]),
    case("scalar-element-becomes-map", &["--set=a[0]=x", "--set=a[0].b=1"]),
    case("deep-nested-lists", &["--set=a[1][0][2].b[1]=z"]),
    case("plus-sign-index", &["--set=a[+1]=x,a[00]=y"]),
    // {a,b} lists.
    case("brace-list", &["--set=name={a,b,c}"]),
    case("brace-list-typed", &["--set=name={1,true,null,x,0644}"]),
    case("brace-list-empty", &["--set=name={},b=1"]),
    case("brace-list-escapes", &[r"--set=name={a\,b,c\}},x=1"]),
    case("brace-list-at-index", &["--set=a[1]={x,y}"]),
    // Type inference of --set.
    case("bools", &["--set=t=true,f=false,T=TRUE,F=False"]),
    case("ints", &["--set=i=1,neg=-5,plus=+5,zero=0,negzero=-0"]),
    case("leading-zero-stays-string", &["--set=x=0644,y=00,z=-0644"]),
    case("float-stays-string", &["--set=x=1.5,y=1e3,z=0x1F"]),
    case("null", &["--set=x=null,y=NULL"]),
    case(
        "huge-ints",
        &["--set=max=9223372036854775807,min=-9223372036854775808,over=9223372036854775808,big=99999999999999999999"],
    ),
    // --set-string.
    case("set-string", &["--set-string=x=true,y=1,z=null,w=0644"]),
    case("set-string-list", &["--set-string=l={1,true}"]),
    // --set-json.
    case("set-json-object", &[r#"--set-json=a={"b":1,"c":[true,null,"x"],"d":{}}"#]),
    case("set-json-scalars", &[r#"--set-json=a=1,b="s",c=null,d=1.0,e=1.5,f=-3"#]),
    case("set-json-big-numbers", &["--set-json=b=12345678901234567890,c=1e21,d=1e20,e=0.1"]),
    case("set-json-float64-precision", &["--set-json=a=9007199254740993,b=-9007199254740993"]),
    case("set-json-space-separated", &["--set-json=a=1 b=2"]),
    case("set-json-empty-is-null", &["--set-json=a=,b= ,c=2"]),
    case("set-json-list-index", &[r#"--set-json=a[1]=2,a[0]={"z":true}"#]),
    case("set-json-nested-key", &[r#"--set-json=a.b=[1,{"c":"d"}]"#]),
    case("set-json-duplicate-json-keys", &[r#"--set-json=a={"k":1,"k":2}"#]),
    case("set-json-unicode-escapes", &[r#"--set-json=a="\u00e9\ud83d\ude00",b="\ud800x""#]),
    // --set-file.
    case("set-file", &["--set-file=cfg={tmp}/hello.txt"]),
    case("set-file-nested-and-list", &["--set-file=a.b={tmp}/hello.txt,c={{tmp}/hello.txt,{tmp}/commas.txt}"]),
    // --set-literal.
    case("set-literal-comma", &["--set-literal=a=b,c"]),
    case("set-literal-no-escapes", &[r"--set-literal=a.b[0]=x\,y{z}=w"]),
    case("set-literal-key-comma", &["--set-literal=a,b=x"]),
    // Precedence between kinds and files.
    case("set-beats-set-json", &["--set=a=set", r#"--set-json=a="json""#]),
    case("set-string-beats-set", &["--set-string=a=str", "--set=a=1"]),
    case("set-file-beats-set-string", &["--set-file=a={tmp}/hello.txt", "--set-string=a=str"]),
    case("set-literal-beats-set-file", &["--set-literal=a=lit", "--set-file=a={tmp}/hello.txt"]),
    case("set-json-beats-files", &[r#"--set-json=replicas=7"#, "-f", "values/base.yaml"]),
    case("flags-beat-files", &["--set=replicas=9,image.tag=3.0", "-f", "values/base.yaml"]),
    case("null-from-set-then-set-string", &["--set=x=null", "--set-string=x=1"]),
    // -f files: merge and override.
    case("two-files-later-wins", &["-f", "values/base.yaml", "-f", "values/override.yaml"]),
    case("two-files-reversed", &["-f", "values/override.yaml", "--values=values/base.yaml"]),
    case("deep-merge-of-maps", &["-f", "values/deep-a.yaml", "-f", "values/deep-b.yaml"]),
    case("scalar-replaces-map", &["-f", "values/base.yaml", "-f", "values/map-to-scalar.yaml"]),
    case("set-adds-to-file-map", &["-f", "values/base.yaml", "--set=image.digest=sha256:x,features.alpha.argocdPlugin.target.externalCluster.secret.name=s"]),
    // Accepted by Helm because `image` is a non-empty map by then (an argument is not parsed alone).
    case("empty-key-below-file-map", &["-f", "values/base.yaml", "--set=image.=1"]),
    case("set-index-into-file-list", &["-f", "values/base.yaml", "--set=list[1]=z,list[4]=e"]),
    case("set-into-file-list-of-maps", &["-f", "values/base.yaml", "--set=items[0].port=81,items[1].name=b,list[0].x=1"]),
    case("set-replaces-file-map", &["-f", "values/base.yaml", "--set=image=plain"]),
    case("set-json-map-replaces-file-map", &["-f", "values/base.yaml", r#"--set-json=image={"only":1}"#]),
    // null.
    case("null-in-later-file", &["-f", "values/base.yaml", "-f", "values/nulls.yaml"]),
    case("null-file-alone", &["-f", "values/nulls.yaml"]),
    case("set-null-over-file-value", &["-f", "values/base.yaml", "--set=gone=null,image.tag=null"]),
    case("set-json-null-over-file-value", &["-f", "values/base.yaml", "--set-json=gone=null"]),
    case("set-string-over-file-null", &["-f", "values/nulls.yaml", "--set-string=gone=back"]),
    // YAML in values files.
    case("yaml11-scalars", &["-f", "values/yaml11.yaml"]),
    case("yaml11-go-strconv-scalars", &["-f", "values/yaml11-go.yaml"]),
    case("numeric-and-bool-keys", &["-f", "values/numeric-keys.yaml"]),
    case("unicode-file", &["-f", "values/unicode.yaml"]),
    case("multi-document-file", &["-f", "values/multi-doc.yaml"]),
    case("anchors-and-merge-keys", &["-f", "values/anchors.yaml"]),
    case("duplicate-keys", &["-f", "values/duplicate-keys.yaml"]),
    case("comment-only-file", &["-f", "values/comment-only.yaml", "--set=a=1"]),
    // Tags, YAML 1.1 numbers and keys, and merge keys the way go-yaml v2 reads them for Helm.
    case("yaml11-tags", &["-f", "values/yaml11-tags.yaml"]),
    case("yaml11-numbers", &["-f", "values/yaml11-numbers.yaml"]),
    case("yaml11-typed-keys", &["-f", "values/yaml11-keys.yaml"]),
    case("merge-keys-like-go-yaml", &["-f", "values/merge-keys-go.yaml"]),
    fails("merge-key-scalar", &["-f", "values/merge-scalar.yaml"]),
    fails("merge-key-null", &["-f", "values/merge-null.yaml"]),
    fails("merge-key-list-with-scalar", &["-f", "values/merge-list-with-scalar.yaml"]),
    fails("merge-key-alias-to-list", &["-f", "values/merge-alias-to-list.yaml"]),
    fails("tag-int-of-text", &["-f", "values/tag-int-abc.yaml"]),
    fails("tag-int-of-empty", &["-f", "values/tag-int-empty.yaml"]),
    fails("tag-bool-of-int", &["-f", "values/tag-bool-int.yaml"]),
    fails("tag-int-of-float", &["-f", "values/tag-int-float.yaml"]),
    fails("tag-null-of-text", &["-f", "values/tag-null-x.yaml"]),
    fails("tag-timestamp-of-text", &["-f", "values/tag-timestamp-bad.yaml"]),
    fails("tag-timestamp-feb-29", &["-f", "values/tag-timestamp-feb29.yaml"]),
    fails("tag-timestamp-hour-24", &["-f", "values/tag-timestamp-hour24.yaml"]),
    fails("tag-timestamp-bad-zone", &["-f", "values/tag-timestamp-zone.yaml"]),
    fails("binary-invalid", &["-f", "values/binary-invalid.yaml"]),
    fails("binary-unpadded", &["-f", "values/binary-unpadded.yaml"]),
    fails("binary-folded-plain", &["-f", "values/binary-folded.yaml"]),
    fails("float-inf", &["-f", "values/float-inf.yaml"]),
    fails("float-neg-inf-in-list", &["-f", "values/float-neg-inf.yaml"]),
    fails("float-nan", &["-f", "values/float-nan.yaml"]),
    fails("tag-float-inf", &["-f", "values/tag-float-inf.yaml"]),
    fails("key-above-int64", &["-f", "values/key-uint64.yaml"]),
    // Arguments Helm refuses.
    fails("key-without-value", &["--set=a"]),
    fails("key-ending-with-comma", &["--set=a,b=1"]),
    fails("unterminated-index", &["--set=a[0=1"]),
    fails("index-too-large", &["--set=a[999999999]=1"]),
    fails("index-just-too-large", &["--set=a[65537]=1"]),
    fails("negative-index", &["--set=a[-1]=1"]),
    fails("junk-after-index", &["--set=a[0]x=1"]),
    fails("unterminated-brace-list", &["--set=a={x,y"]),
    fails("map-below-scalar", &["--set=a=1", "--set=a.b=2"]),
    fails("map-below-file-scalar", &["-f", "values/base.yaml", "--set=replicas.x=1"]),
    fails("index-into-file-map", &["-f", "values/base.yaml", "--set=image[0]=1"]),
    fails("map-below-null", &["--set=a=null,a.b=1"]),
    fails("set-json-bare-object", &[r#"--set-json={"a":1}"#]),
    fails("set-json-invalid", &["--set-json=a=tru"]),
    fails("set-json-out-of-range", &["--set-json=a=1e400"]),
    fails("set-file-missing", &["--set-file=a={tmp}/does-not-exist.txt"]),
    fails("too-many-name-levels", &["--set=a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a=1"]),
];

fn expand(args: &[&str], tmp: &Path) -> Vec<String> {
    let t = tmp.to_str().expect("temporary directory path is UTF-8");
    args.iter().map(|a| a.replace("{tmp}", t)).collect()
}

/// Helm's `.Values` for `args`, or its error output.
fn helm_values(helm: &Path, work: &Path, home: &Path, args: &[String]) -> Result<Value, String> {
    let out = Command::new(helm)
        .args(["template", "x", "values-chart"])
        .args(args)
        .current_dir(work)
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("HELM_NAMESPACE")
        .output()
        .expect("run helm3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "helm3 exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("# VALUES: "))
        .ok_or_else(|| format!("no `# VALUES:` line in helm3 output:\n{stdout}"))?;
    serde_json::from_str(line).map_err(|e| format!("helm3 printed invalid JSON ({e}): {line}"))
}

/// What `spaces-postrender validate --show-values` prints for `args`, or why it printed none.
fn our_values(work: &Path, args: &[String]) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_spaces-postrender"))
        .args(["validate", "--show-values"])
        .args(args)
        .current_dir(work)
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_PLUGIN_NAME")
        .output()
        .expect("run spaces-postrender");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stdout.trim().is_empty() {
        return Err(format!(
            "spaces-postrender exited with {} and printed no values; stderr: {}",
            out.status,
            stderr.trim()
        ));
    }
    let v: Value = serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "spaces-postrender exited with {} and printed invalid JSON ({e}): {stdout}\nstderr: {}",
            out.status,
            stderr.trim()
        )
    })?;
    match out.status.code() {
        Some(0) | Some(1) => Ok(v),
        _ => Err(format!(
            "spaces-postrender exited with {} (values {v}); stderr: {}",
            out.status,
            stderr.trim()
        )),
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

#[test]
fn helm3_and_spaces_postrender_agree_on_values() {
    assert!(CASES.len() >= 40, "keep at least 40 cases");
    let mut names = std::collections::HashSet::new();
    for c in CASES {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
    }

    let helm = common::tools().join("helm3");
    let work = common::root().join("tests/fixtures-helm");
    let tmp = tempfile::tempdir().expect("temporary directory");
    std::fs::write(tmp.path().join("hello.txt"), "hello\nworld ✓\n").expect("write hello.txt");
    std::fs::write(tmp.path().join("commas.txt"), "a,b=c{d}").expect("write commas.txt");
    let home = tmp.path().join("helm-home");

    let mut failures = Vec::new();
    for c in CASES {
        let args = expand(c.args, tmp.path());
        let theirs = helm_values(&helm, &work, &home, &args);
        let ours = our_values(&work, &args);
        let shown = args.join(" ");
        match (c.expect, &theirs, &ours) {
            (Same, Ok(h), Ok(o)) if h == o => {}
            (Same, Ok(h), Ok(o)) => failures.push(format!(
                "case {}: values differ for `{shown}`\n  helm3: {}\n  ours:  {}",
                c.name,
                compact(h),
                compact(o)
            )),
            (Same, Err(e), _) => failures.push(format!(
                "case {}: helm3 failed for `{shown}` (the case expects success): {e}",
                c.name
            )),
            (Same, Ok(h), Err(e)) => failures.push(format!(
                "case {}: `{shown}`\n  helm3: {}\n  ours:  {e}",
                c.name,
                compact(h)
            )),
            (BothFail, Err(_), Err(_)) => {}
            (BothFail, Ok(h), _) => failures.push(format!(
                "case {}: helm3 accepted `{shown}` (the case expects an error): {}",
                c.name,
                compact(h)
            )),
            (BothFail, Err(e), Ok(o)) => failures.push(format!(
                "case {}: helm3 refuses `{shown}` ({e}) but we printed {}",
                c.name,
                compact(o)
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with Helm 3:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}
