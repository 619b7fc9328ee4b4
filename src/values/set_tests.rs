//! Unit tests of the `--set` parser (kept beside it so that set.rs stays about the parser).

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

/// The cost of one argument must not depend on the values built so far (the cost of
/// `--set` flags is linear in their number). Copying `dest` per argument made N flags cost
/// O(N²); here a value the argument does not replace must keep its very allocation, whether
/// the argument succeeds, fails, or goes through the same maps and lists.
#[test]
fn apply_works_in_place_without_copying_dest() {
    let big = "x".repeat(1000);
    let Value::Object(mut m) = json!({"a": {"s": big, "l": [big, {"s": big}]}, "o": big}) else {
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

/// The list elements that indexes create are bounded across arguments by one budget; a failed
/// argument gives back what it took and leaves the values as they were.
#[test]
fn list_elements_are_budgeted_across_arguments() {
    let mut budget = Budget::default();
    let mut dest = Map::new();
    let n = MAX_LIST_ELEMENTS / (MAX_INDEX as usize + 1);
    for i in 0..n {
        apply_budgeted(
            SetKind::Set,
            &format!("k{i}[65536]=1"),
            &mut dest,
            &no_files,
            &mut budget,
        )
        .expect("within the budget");
    }
    let before = dest.clone();
    let left = budget;
    let e = apply_budgeted(
        SetKind::Set,
        "x[65536]=1",
        &mut dest,
        &no_files,
        &mut budget,
    )
    .expect_err("over the budget");
    assert!(
        e.message.contains(&MAX_LIST_ELEMENTS.to_string()),
        "{}",
        e.message
    );
    assert_eq!((dest == before, budget), (true, left));
    // What is left is still usable, and replacing an element costs nothing.
    apply_budgeted(
        SetKind::Set,
        "k0[3]=2,y[0]=1",
        &mut dest,
        &no_files,
        &mut budget,
    )
    .expect("small");
}
