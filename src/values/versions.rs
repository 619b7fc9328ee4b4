//! Spaces versions: which `features.alpha` keys each Spaces version's Helm chart has, read from
//! the public Spaces Helm references (`schemas/spaces-versions.json`, every version citing the
//! file and commit of the upbound/docs repository it was read from).
//!
//! A key that the selected version's reference does not list, but another version's does, is a
//! warning that names the versions that list it and, where the docs name one, its replacement.
//! The schema's known features are the union over every version (checked by a test against
//! this data), and its defaults are the newest reference's.

use crate::diag::{Code, Diagnostic};
use crate::values::{yaml, Origins};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The values path under which every feature the versions table lists sits.
pub const ALPHA: &str = "features.alpha";

/// The data file, embedded in the binary.
pub const DATA_TEXT: &str = include_str!("../../schemas/spaces-versions.json");

/// The whole data file.
#[derive(Debug, Clone, Deserialize)]
pub struct Data {
    /// Oldest first.
    pub versions: Vec<VersionData>,
    /// Per feature: what replaced it, with sources.
    #[serde(default)]
    pub notes: BTreeMap<String, Note>,
}

/// One Spaces version and the keys its reference lists.
#[derive(Debug, Clone, Deserialize)]
pub struct VersionData {
    /// `X.Y`.
    pub version: String,
    pub reference: Reference,
    /// Feature name (under `features.alpha`) -> its keys.
    pub features: BTreeMap<String, FeatureData>,
}

/// Where a version's keys were read.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    pub file: String,
    pub commit: String,
    pub date: String,
    /// The release the reference documents (`1.17.1`), when more precise than `version`.
    #[serde(default)]
    pub release: Option<String>,
}

/// The keys of one feature in one version's reference.
#[derive(Debug, Clone, Deserialize)]
pub struct FeatureData {
    /// Dotted path under the feature -> type and default.
    pub keys: BTreeMap<String, KeyData>,
}

/// A key's type (JSON Schema name) and default, as the reference lists them.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyData {
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub default: Option<Value>,
}

/// What replaced a feature, as the docs or release notes say.
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub replacement: String,
}

/// The parsed data (parsed once; a data file that does not parse is caught by the tests and
/// leaves no versions, so nothing is reported against it).
pub fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        serde_json::from_str(DATA_TEXT).unwrap_or(Data {
            versions: vec![],
            notes: BTreeMap::new(),
        })
    })
}

/// A Spaces version as `major.minor` (a patch number is accepted and ignored: the keys of a
/// chart change with minor releases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpacesVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for SpacesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl SpacesVersion {
    /// `X.Y` or `X.Y.Z`, with an optional leading `v`; nothing else.
    pub fn parse(s: &str) -> Option<SpacesVersion> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let parts: Vec<&str> = s.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let num = |p: &str| -> Option<u32> {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        };
        let major = num(parts[0])?;
        let minor = num(parts[1])?;
        if parts.len() == 3 {
            num(parts[2])?;
        }
        Some(SpacesVersion { major, minor })
    }

    /// Parse a command-line or config value: a version this tool has keys for (the oldest
    /// known or later). The error says what is accepted.
    pub fn from_arg(s: &str) -> Result<SpacesVersion, String> {
        let oldest = oldest();
        match SpacesVersion::parse(s) {
            Some(v) if v >= oldest => Ok(v),
            Some(_) => Err(format!(
                "older than the oldest Spaces version this tool knows ({oldest}); known versions: {}",
                known_names()
            )),
            None => Err(format!(
                "not a Spaces version: write MAJOR.MINOR, such as {}",
                newest()
            )),
        }
    }
}

fn version_of(v: &VersionData) -> SpacesVersion {
    SpacesVersion::parse(&v.version).unwrap_or(SpacesVersion { major: 0, minor: 0 })
}

/// The newest version with a reference.
pub fn newest() -> SpacesVersion {
    data()
        .versions
        .last()
        .map(version_of)
        .unwrap_or(SpacesVersion { major: 0, minor: 0 })
}

/// The oldest version with a reference.
pub fn oldest() -> SpacesVersion {
    data()
        .versions
        .first()
        .map(version_of)
        .unwrap_or(SpacesVersion { major: 0, minor: 0 })
}

/// The versions that have a reference, for messages: `1.1, 1.2, ...`.
pub fn known_names() -> String {
    data()
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The reference that describes `v`: its own, else the newest one before it (a minor release
/// whose reference did not change).
pub fn reference_for(v: SpacesVersion) -> Option<&'static VersionData> {
    data().versions.iter().rev().find(|d| version_of(d) <= v)
}

/// Every feature any version's reference lists, in first-seen order.
pub fn all_features() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = vec![];
    for v in &data().versions {
        for f in v.features.keys() {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
    }
    out
}

/// The versions whose reference lists `feature`, oldest first.
pub fn versions_with(feature: &str) -> Vec<&'static VersionData> {
    data()
        .versions
        .iter()
        .filter(|v| v.features.contains_key(feature))
        .collect()
}

/// The newest reference's entry for `feature.key` (for schema defaults).
pub fn newest_key(feature: &str, key: &str) -> Option<&'static KeyData> {
    versions_with(feature)
        .last()
        .and_then(|v| v.features.get(feature))
        .and_then(|f| f.keys.get(key))
}

fn label(v: &VersionData) -> String {
    match &v.reference.release {
        Some(r) if r != &v.version => format!("{} ({r})", v.version),
        _ => v.version.clone(),
    }
}

/// `docs/reference/spaces-helm-reference.md@98e1d71`: how messages cite a reference.
pub fn cite(v: &VersionData) -> String {
    let short: String = v.reference.commit.chars().take(7).collect();
    format!("upbound/docs {}@{short}", v.reference.file)
}

/// Warnings for every key under `features.alpha` that `selected`'s reference does not list but
/// another version's does. Keys no version lists are the schema's unknown keys, not these.
pub fn check(values: &Value, origins: &Origins, selected: SpacesVersion) -> Vec<Diagnostic> {
    let Some(sel) = reference_for(selected) else {
        return vec![];
    };
    let Some(alpha) = values
        .get("features")
        .and_then(|f| f.get("alpha"))
        .and_then(Value::as_object)
    else {
        return vec![];
    };
    let mut out = vec![];
    for key in alpha.keys() {
        if sel.features.contains_key(key) {
            continue;
        }
        let with = versions_with(key);
        let (Some(first), Some(last)) = (with.first(), with.last()) else {
            continue;
        };
        let path = yaml::join_path(ALPHA, key);
        let when = if version_of(last) < version_of(sel) {
            let gone = data()
                .versions
                .iter()
                .find(|v| version_of(v) > version_of(last))
                .map(|v| v.version.as_str())
                .unwrap_or("");
            format!(
                "last listed for Spaces {}, gone from the reference of {gone} on",
                label(last)
            )
        } else {
            format!("first listed for Spaces {}", label(first))
        };
        let mut hint = String::new();
        if let Some(n) = data().notes.get(key).filter(|n| !n.replacement.is_empty()) {
            hint.push_str(&n.replacement);
            hint.push_str("; ");
        }
        hint.push_str(&format!(
            "if the Space runs another version, select it with --spaces-version X.Y (known: {})",
            known_names()
        ));
        out.push(
            Diagnostic::warning(
                Code::SpacesVersion,
                path.clone(),
                format!(
                    "the Spaces {} Helm chart has no `{key}` feature ({}): {when}",
                    label(sel),
                    cite(sel)
                ),
            )
            .at(origins.key(&path).cloned())
            .hint(hint),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_and_every_version_cites_a_commit() {
        let d: Data = serde_json::from_str(DATA_TEXT).expect("spaces-versions.json parses");
        assert!(d.versions.len() >= 10);
        let mut prev = None;
        for v in &d.versions {
            let sv = SpacesVersion::parse(&v.version).expect("X.Y");
            assert!(prev < Some(sv), "versions are oldest first: {}", v.version);
            prev = Some(sv);
            assert_eq!(v.reference.commit.len(), 40, "{}", v.version);
            assert!(v.reference.commit.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(!v.reference.file.is_empty() && !v.reference.date.is_empty());
            assert!(v.features.contains_key("argocdPlugin"), "{}", v.version);
        }
    }

    #[test]
    fn versions_parse_strictly() {
        let v = |s| SpacesVersion::parse(s);
        assert_eq!(
            v("1.17"),
            Some(SpacesVersion {
                major: 1,
                minor: 17
            })
        );
        assert_eq!(
            v("v1.17.1"),
            Some(SpacesVersion {
                major: 1,
                minor: 17
            })
        );
        for bad in [
            "", "1", "1.", ".1", "1.x", "1.2.3.4", "latest", "1.17-rc1", "+1.2",
        ] {
            assert_eq!(v(bad), None, "{bad}");
        }
        assert!(SpacesVersion::from_arg("1.0").is_err());
        assert!(SpacesVersion::from_arg("1.1").is_ok());
    }

    #[test]
    fn a_version_without_its_own_reference_uses_the_one_before() {
        let r = reference_for(SpacesVersion { major: 1, minor: 9 }).expect("1.9");
        assert_eq!(r.version, "1.8");
        let r = reference_for(SpacesVersion {
            major: 1,
            minor: 99,
        })
        .expect("newer");
        assert_eq!(version_of(r), newest());
    }

    #[test]
    fn the_newest_reference_has_the_current_defaults() {
        for f in ["sharedSecrets", "spaceBackup"] {
            assert_eq!(
                newest_key(f, "enabled").and_then(|k| k.default.clone()),
                Some(Value::Bool(true)),
                "{f}"
            );
        }
    }
}
