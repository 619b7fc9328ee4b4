//! Helm's --set family parser on arbitrary arguments: never panics, and a failed argument
//! leaves the values untouched.
#![no_main]
use libfuzzer_sys::fuzz_target;
use spaces_postrender::values::set::{apply, SetKind};

fuzz_target!(|data: &[u8]| {
    let Ok(arg) = std::str::from_utf8(data) else { return };
    let read = |_: &str| Ok::<String, std::io::Error>("file contents".to_string());
    for kind in [SetKind::Set, SetKind::SetString, SetKind::SetJson, SetKind::SetFile, SetKind::SetLiteral] {
        let mut base = serde_json::Map::new();
        base.insert("a".into(), serde_json::json!({"b": [1, 2], "c": "x"}));
        let before = base.clone();
        if apply(kind, arg, &mut base, &read).is_err() {
            assert_eq!(base, before, "a failed argument changed the values");
        }
        let _ = serde_json::to_string(&base);
    }
});
