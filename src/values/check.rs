//! The values stage, one for every front end: load and merge the layers, validate them against
//! the schema, read the features. The CLI, the kustomize exec plugin and the KRM function all
//! come through here, so they cannot disagree about what a value means.

use super::features::Features;
use super::{load_layers, schema, Layer, Loaded};
use crate::diag::Diagnostic;

/// Values that loaded (they may still have schema errors: see the diagnostics).
#[derive(Debug)]
pub struct Checked {
    pub loaded: Loaded,
    pub features: Features,
}

/// Load `layers` (`stdin`: the text of standard input, for a file named `-`), check them, and
/// push every problem into `problems`. `None` when the values could not be loaded at all.
pub fn check(
    layers: &[Layer],
    stdin: Option<&str>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let loaded = match load_layers(layers, stdin) {
        Ok(l) => l,
        Err(ds) => {
            problems.extend(ds);
            return None;
        }
    };
    problems.extend(loaded.warnings.iter().cloned());
    problems.extend(schema::validate(&loaded.effective, &loaded.origins));
    let (features, cross) = Features::from_values(&loaded);
    problems.extend(cross);
    Some(Checked { loaded, features })
}
