//! The values-file loader and the schema/feature checks on arbitrary bytes: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use spaces_postrender::{features::Features, schema, values::yaml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loc) = yaml::load(text) {
        let loaded = spaces_postrender::values::Loaded {
            values: loc.value.clone(),
            effective: loc.value,
            origins: Default::default(),
            warnings: vec![],
        };
        let _ = schema::validate(&loaded.effective, &loaded.origins);
        let _ = Features::from_values(&loaded);
    }
});
