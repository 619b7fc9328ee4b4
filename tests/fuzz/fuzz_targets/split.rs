//! The stream splitter and the whole post-render pipeline on arbitrary bytes: never panics;
//! on success the output starts with the input bytes (every document passes through).
#![no_main]
use libfuzzer_sys::fuzz_target;
use spaces_postrender::{features::Features, pipeline, stream, values};

fuzz_target!(|data: &[u8]| {
    // Splitting reproduces the input exactly.
    let docs = stream::split_all(data);
    let joined: Vec<u8> = docs.iter().flat_map(|(_, d)| d.iter().copied()).collect();
    assert_eq!(joined, data);

    let input = values::ValuesInput { set: vec!["features.alpha.argocdPlugin.enabled=true".into()], ..Default::default() };
    let Ok(loaded) = values::load(&input, None) else { return };
    let (features, _) = Features::from_values(&loaded);
    let mut out = Vec::new();
    if pipeline::run(data, &mut out, &pipeline::Settings::default(), &features).is_ok() {
        // A BOM-only or generated-object-only input may be rewritten; everything else is a prefix.
        let has_marker = data.windows(31).any(|w| w == b"spaces-postrender.dev/generated");
        if !has_marker {
            assert!(out.starts_with(data), "output does not start with the input");
        }
    } else {
        assert!(out.is_empty(), "failure wrote output");
    }
});
