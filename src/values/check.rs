//! The values stage, one for every front end: load and merge the layers, validate them against
//! the schema, read the features. The CLI, the kustomize exec plugin and the KRM function all
//! come through here, so they cannot disagree about what a value means.

use super::features::Features;
use super::versions::{self, SpacesVersion};
use super::{load_layers, schema, Layer, Loaded};
use crate::diag::Diagnostic;

/// Values that loaded (they may still have schema errors: see the diagnostics).
#[derive(Debug)]
pub struct Checked {
    pub loaded: Loaded,
    pub features: Features,
}

/// Load `layers` (`stdin`: the text of standard input, for a file named `-`), check them against
/// the schema and against the keys of Spaces `spaces` (the newest known when `None`), and push
/// every problem into `problems`. `None` when the values could not be loaded at all.
pub fn check(
    layers: &[Layer],
    stdin: Option<&str>,
    spaces: Option<SpacesVersion>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let spaces = spaces.unwrap_or_else(versions::newest);
    let loaded = match load_layers(layers, stdin) {
        Ok(l) => l,
        Err(ds) => {
            problems.extend(ds);
            return None;
        }
    };
    problems.extend(loaded.warnings.iter().cloned());
    problems.extend(schema::validate(&loaded.effective, &loaded.origins));
    problems.extend(versions::check(&loaded.effective, &loaded.origins, spaces));
    let (features, cross) = Features::from_values(&loaded);
    problems.extend(cross);
    problems.extend(features.for_spaces(spaces));
    Some(Checked { loaded, features })
}
