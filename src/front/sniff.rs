//! What a post-render run must know before it streams: whether standard input is a KRM
//! `ResourceList` (then the function mode answers) and whether it is Helm 4's input (then a
//! failure is reported through Helm's own error). Both are read from the first document that
//! holds anything, parsed as YAML, never by searching text.

use crate::stream::Splitter;
use serde_saphyr::granit_parser::{Event, Parser};
use std::io::{self, Read};

/// The start of standard input: every byte read so far (to be chained before the rest), and
/// the range of its first document with content.
#[derive(Debug, Default)]
pub struct Head {
    pub bytes: Vec<u8>,
    pub first: Option<std::ops::Range<usize>>,
}

impl Head {
    /// The first document with content, as text (empty when there is none or it is not UTF-8).
    pub fn first_text(&self) -> &str {
        let doc = self
            .first
            .clone()
            .map(|r| &self.bytes[r])
            .unwrap_or_default();
        let text = std::str::from_utf8(doc).unwrap_or("");
        text.strip_prefix('\u{feff}').unwrap_or(text)
    }
}

/// Whether a document holds anything but blank lines, comments, document markers and
/// directives.
fn has_content(doc: &[u8]) -> bool {
    doc.split(|b| *b == b'\n').any(|line| {
        let t = line.trim_ascii();
        !(t.is_empty()
            || t.starts_with(b"#")
            || t.starts_with(b"%")
            || t == b"---"
            || t == b"..."
            || t.starts_with(b"--- #")
            || t.starts_with(b"---\t#"))
    })
}

/// Read until the first document with content is complete (or the input ends). Memory is
/// bounded by that document plus one read: the splitter's buffer is the only copy, and it
/// becomes [`Head::bytes`].
pub fn read_head(input: &mut dyn Read) -> io::Result<Head> {
    let mut first = None;
    let mut sp = Splitter::keeping(input);
    let mut offset = 0usize;
    while let Some(d) = sp.next_doc()? {
        let (start, len) = (offset, d.bytes.len());
        offset += len;
        if has_content(d.bytes) {
            first = Some(start..start + len);
            break;
        }
    }
    let mut bytes = sp.into_read();
    // A large first document (a whole ResourceList) leaves the buffer up to twice its size.
    if bytes.capacity() - bytes.len() > 1 << 20 {
        bytes.shrink_to_fit();
    }
    Ok(Head { bytes, first })
}

/// The top-level `apiVersion` and `kind` of a YAML document, read with the YAML parser (a
/// `kind:` line inside a block scalar or a nested mapping is not it). Each is `None` when the
/// document is not a mapping, has no such scalar key, or is not well-formed before it.
pub fn root_type(text: &str) -> (Option<String>, Option<String>) {
    let mut parser = Parser::new_from_str(text);
    let (mut api_version, mut kind) = (None, None);
    let mut depth = 0usize;
    // At depth 1 (the root mapping): whether the next node is a key, and which of the two
    // keys the last one was.
    let mut expect_key = true;
    let mut after: Option<bool> = None; // Some(true): after `kind`, Some(false): `apiVersion`
    while let Some(Ok((ev, _))) = parser.next_event() {
        match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 0 && !matches!(ev, Event::MappingStart(..)) {
                    break;
                }
                if depth == 1 {
                    after = None;
                    expect_key = !expect_key;
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Event::Scalar(v, ..) if depth == 1 => {
                match after.take() {
                    Some(true) => kind = Some(v.to_string()),
                    Some(false) => api_version = Some(v.to_string()),
                    None if expect_key => {
                        after = match v.as_ref() {
                            "kind" => Some(true),
                            "apiVersion" => Some(false),
                            _ => None,
                        }
                    }
                    None => {}
                }
                expect_key = !expect_key;
            }
            Event::Alias(_) if depth == 1 => {
                after = None;
                expect_key = !expect_key;
            }
            Event::Scalar(..) if depth == 0 => break,
            _ => {}
        }
        if api_version.is_some() && kind.is_some() {
            break;
        }
    }
    (api_version, kind)
}

/// Whether the document is KRM function input: a `ResourceList` of the KRM functions spec
/// (`config.kubernetes.io/v1`, or `v1alpha1` from older orchestrators). A `ResourceList` of any
/// other API is an ordinary custom resource.
pub fn is_resource_list(text: &str) -> bool {
    let (api_version, kind) = root_type(text);
    kind.as_deref() == Some(crate::front::krm::KIND)
        && api_version
            .as_deref()
            .is_some_and(|a| crate::front::krm::API_VERSIONS.contains(&a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_type_is_the_top_level_keys_only() {
        let kind = |t: &str| root_type(t).1;
        assert_eq!(
            root_type("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"),
            (
                Some("config.kubernetes.io/v1".to_string()),
                Some("ResourceList".to_string())
            )
        );
        assert_eq!(
            kind("{\"kind\": \"ResourceList\", \"items\": []}").as_deref(),
            Some("ResourceList")
        );
        // A `kind:` line inside a value is not the document's kind.
        let cm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |\n    kind: ResourceList\n";
        assert_eq!(kind(cm).as_deref(), Some("ConfigMap"));
        let nested = "metadata:\n  kind: ResourceList\nspec: {kind: ResourceList}\n";
        assert_eq!(root_type(nested), (None, None));
        let key_map = "items:\n- kind: ResourceList\nkind: ConfigMap\n";
        assert_eq!(kind(key_map).as_deref(), Some("ConfigMap"));
        // A value equal to a key's name is no key.
        let tricky = "a: kind\nb: apiVersion\nkind: X\n";
        assert_eq!(root_type(tricky), (None, Some("X".to_string())));
        assert_eq!(root_type("- kind: ResourceList\n"), (None, None));
        assert_eq!(root_type("just text\n"), (None, None));
        assert_eq!(root_type(""), (None, None));
    }

    #[test]
    fn only_the_krm_spec_resource_list_is_function_input() {
        for (api, krm) in [
            ("config.kubernetes.io/v1", true),
            ("config.kubernetes.io/v1alpha1", true),
            ("config.kubernetes.io/v1beta1", false),
            ("example.com/v1", false),
            ("v1", false),
        ] {
            let doc = format!("kind: ResourceList\napiVersion: {api}\nitems: []\n");
            assert_eq!(is_resource_list(&doc), krm, "{api}");
        }
        assert!(!is_resource_list("kind: ResourceList\nitems: []\n"));
        assert!(!is_resource_list(
            "apiVersion: config.kubernetes.io/v1\nkind: ConfigMap\n"
        ));
    }

    #[test]
    fn head_stops_after_the_first_document_with_content() {
        let input = b"---\n# Source: a\n---\napiVersion: v1\nkind: A\n---\nkind: B\n";
        let h = read_head(&mut &input[..]).expect("read");
        assert!(h.bytes.starts_with(b"---\n# Source: a\n"));
        assert_eq!(h.first_text(), "---\napiVersion: v1\nkind: A\n");
        let h = read_head(&mut &b"# only\n"[..]).expect("read");
        assert_eq!(h.first, None);
        assert_eq!(h.bytes, b"# only\n");
    }
}
