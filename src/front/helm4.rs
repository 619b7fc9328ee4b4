//! Helm 4 post-renderer plugin support.
//!
//! Helm 4.1 runs a `postrenderer/v1` plugin with `HELM_PLUGIN_NAME` and `HELM_PLUGIN_DIR` set and
//! every input document annotated with `postrenderer.helm.sh/postrender-filename`. It discards the
//! plugin's standard error, also on failure and with `--debug`: the user only reads
//! `plugin "NAME" exited with error`.
//!
//! So, and only when both signs of Helm 4 are there, a failure is answered with exit 0 and one
//! document that Helm cannot read: its `apiVersion` is a list, not a string, and its file-name
//! annotation holds the diagnostics. Helm 4.1.4 then stops before anything is applied with
//!
//! ```text
//! Error: YAML parse error on the output of spaces-postrender, which refused to render:
//! error[wrong-type] features.alpha.argocdPlugin.enabled (--set argument 1): ...
//! ...
//! (reported this way because Helm 4 does not show the error output of a post-renderer plugin): error unmarshaling JSON: ...
//! ```
//!
//! `tests/full/e2e_helm4.rs` pins that text against the real Helm 4, so a Helm that reads the
//! document differently fails the build. The diagnostics never contain Secret data from the input.

use crate::k8s::HELM4_FILENAME;

/// Whether Helm runs this process as a plugin (`HELM_PLUGIN_NAME` set and not empty).
pub fn plugin_env(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("HELM_PLUGIN_NAME").is_some_and(|s| !s.is_empty())
}

/// Whether the rendered manifests are Helm 4's post-renderer input (they carry its annotation).
pub fn is_helm4_input(input: &[u8]) -> bool {
    memchr::memmem::find(input, HELM4_FILENAME.as_bytes()).is_some()
}

/// The first words of the error Helm 4 shows (after `Error: YAML parse error on `).
pub const LEAD: &str = "the output of spaces-postrender, which refused to render:";
/// The last words of our part of the error (Helm appends `: error unmarshaling JSON: ...`).
pub const TAIL: &str =
    "(reported this way because Helm 4 does not show the error output of a post-renderer plugin)";

/// The document that makes Helm 4 fail with `diagnostics` (human format) in its error message.
pub fn error_document(diagnostics: &str) -> String {
    let mut text = String::from(LEAD);
    text.push('\n');
    text.push_str(diagnostics);
    if !diagnostics.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(TAIL);
    // A JSON string is a YAML double-quoted scalar: the text cannot change the document's shape.
    let quoted =
        serde_json::to_string(&text).unwrap_or_else(|_| "\"spaces-postrender failed\"".into());
    format!(
        "---\n# Source: spaces-postrender/error.yaml\n\
         # spaces-postrender failed; this document is not a Kubernetes object on purpose, so that Helm stops and shows the annotation below.\n\
         apiVersion: [\"spaces-postrender.dev/error\"]\n\
         kind: SpacesPostRenderError\n\
         metadata:\n  name: spaces-postrender-error\n  annotations:\n    {HELM4_FILENAME}: {quoted}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_carries_the_text_and_a_non_string_api_version() {
        let d = error_document("error[x] a: \"b\"\n  help: c\n");
        let v: Value = serde_saphyr::from_str(&d).unwrap_or(Value::Null);
        assert!(v["apiVersion"].is_array());
        let ann = v["metadata"]["annotations"][HELM4_FILENAME]
            .as_str()
            .unwrap_or("");
        assert!(ann.starts_with(LEAD));
        assert!(ann.contains("error[x] a: \"b\"\n  help: c\n"));
        assert!(ann.ends_with(TAIL));
    }

    #[test]
    fn detection() {
        assert!(is_helm4_input(
            b"metadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: a.yaml\n"
        ));
        assert!(!is_helm4_input(b"---\n# Source: a\n"));
        assert!(plugin_env(
            &|k| (k == "HELM_PLUGIN_NAME").then(|| "x".into())
        ));
        assert!(!plugin_env(&|_| None));
    }
}
