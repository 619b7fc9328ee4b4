//! Identifies the Kubernetes objects in one document and checks that it is well-formed YAML.
//!
//! The fast path runs the YAML event parser over the document once and picks out only what this
//! tool needs (apiVersion, kind, metadata.name/namespace, the generated-by marker label, the
//! Helm 4 file-name annotation, a Deployment's service account) without building a tree.
//! Documents that use aliases or merge keys take the slow path, a full parse with serde-saphyr,
//! so that the result always equals what a full parse says. `kind: *List` documents yield their items.

use crate::render::MARKER_LABEL;
use serde_json::Value;
use serde_saphyr::granit_parser::{Event, Parser};

/// The Helm 4 annotation naming the template file of each document.
pub const HELM4_FILENAME: &str = "postrenderer.helm.sh/postrender-filename";

/// What the tool needs to know about one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Value of the generated-by marker label.
    pub marker: Option<String>,
    /// `spec.template.spec.serviceAccountName` (or the deprecated `serviceAccount`).
    pub service_account: Option<String>,
    pub helm4_filename: bool,
}

impl Object {
    /// The API group: `rbac.authorization.k8s.io` for `rbac.authorization.k8s.io/v1`, "" for `v1`.
    pub fn group(&self) -> &str {
        match self.api_version.as_deref() {
            Some(av) => av.rsplit_once('/').map(|(g, _)| g).unwrap_or(""),
            None => "",
        }
    }
}

/// The objects of a document. `objects` is empty for an empty (or all-comment) document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocInfo {
    pub objects: Vec<Object>,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub message: String,
    /// 1-based line and column inside the document.
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Other,
    Obj(usize),
    Meta(usize),
    Labels(usize),
    Annotations(usize),
    Spec(usize),
    Template(usize),
    PodSpec(usize),
    Items,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Other,
    ApiVersion,
    Kind,
    Metadata,
    Name,
    Namespace,
    Labels,
    Annotations,
    Spec,
    Template,
    ServiceAccountName,
    ServiceAccount,
    Items,
    Marker,
    Helm4,
}

struct Frame {
    role: Role,
    is_map: bool,
    /// For maps: the key whose value comes next (None = a key comes next).
    key: Option<Key>,
    seen: u16,
}

fn classify(role: Role, k: &str) -> Key {
    match role {
        Role::Obj(_) => match k {
            "apiVersion" => Key::ApiVersion,
            "kind" => Key::Kind,
            "metadata" => Key::Metadata,
            "spec" => Key::Spec,
            "items" => Key::Items,
            _ => Key::Other,
        },
        Role::Meta(_) => match k {
            "name" => Key::Name,
            "namespace" => Key::Namespace,
            "labels" => Key::Labels,
            "annotations" => Key::Annotations,
            _ => Key::Other,
        },
        Role::Labels(_) if k == MARKER_LABEL => Key::Marker,
        Role::Annotations(_) if k == HELM4_FILENAME => Key::Helm4,
        Role::Spec(_) if k == "template" => Key::Template,
        Role::Template(_) if k == "spec" => Key::Spec,
        Role::PodSpec(_) => match k {
            "serviceAccountName" => Key::ServiceAccountName,
            "serviceAccount" => Key::ServiceAccount,
            _ => Key::Other,
        },
        _ => Key::Other,
    }
}

fn bit(k: Key) -> u16 {
    match k {
        Key::Other => 0,
        Key::ApiVersion => 1,
        Key::Kind => 2,
        Key::Metadata => 4,
        Key::Name => 8,
        Key::Namespace => 16,
        Key::Labels => 32,
        Key::Annotations => 64,
        Key::Spec => 128,
        Key::Template => 256,
        Key::ServiceAccountName => 512,
        Key::ServiceAccount => 1024,
        Key::Items => 2048,
        Key::Marker => 4096,
        Key::Helm4 => 8192,
    }
}

/// The parser's message, with the nesting limit said in words.
fn scan_message(e: &serde_saphyr::granit_parser::ScanError) -> String {
    if matches!(
        e.kind(),
        serde_saphyr::granit_parser::ErrorKind::RecursionLimitExceeded
    ) {
        return "invalid YAML: nested deeper than 255 levels, the limit of the YAML parser".into();
    }
    format!("invalid YAML: {}", e.info())
}

/// Only a well-formed mapping (or an empty document) is a Kubernetes object.
fn shape_error(what: &str, line: usize, column: usize) -> DocError {
    DocError {
        message: format!(
            "the document is {what}, not a Kubernetes object (a mapping with apiVersion and kind)"
        ),
        line,
        column,
    }
}

/// Parse one document (its bytes, as split from the stream) and identify its objects.
pub fn identify(text: &str) -> Result<DocInfo, DocError> {
    let mut parser = Parser::new_from_str(text);
    let mut objects: Vec<Object> = Vec::new();
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    // Per YAML document in this chunk: index of its root object, and whether it is a List.
    let mut root_obj: Option<usize> = None;
    let mut item_objs: Vec<usize> = Vec::new();
    let mut lists: Vec<(usize, Vec<usize>)> = Vec::new();
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                return Err(DocError {
                    message: scan_message(&e),
                    line: m.line(),
                    column: m.col() + 1,
                });
            }
        };
        match ev {
            Event::DocumentStart(..) => {
                if let Some(r) = root_obj.take() {
                    lists.push((r, std::mem::take(&mut item_objs)));
                }
            }
            Event::Alias(_) => return identify_full(text),
            Event::MappingStart(_, _, ref tag) | Event::SequenceStart(_, _, ref tag) => {
                if tag.is_some() && stack.is_empty() {
                    return identify_full(text);
                }
                let is_map = matches!(ev, Event::MappingStart(..));
                let role = match stack.last_mut() {
                    None => {
                        if !is_map {
                            return Err(shape_error(
                                "a list",
                                span.start.line(),
                                span.start.col() + 1,
                            ));
                        }
                        objects.push(Object::default());
                        root_obj = Some(objects.len() - 1);
                        Role::Obj(objects.len() - 1)
                    }
                    Some(parent) => {
                        let r = if parent.is_map {
                            child_role(parent.role, parent.key.take().unwrap_or(Key::Other), is_map)
                        } else if parent.role == Role::Items && is_map {
                            objects.push(Object::default());
                            item_objs.push(objects.len() - 1);
                            Role::Obj(objects.len() - 1)
                        } else {
                            Role::Other
                        };
                        if parent.is_map && r != Role::Other && parent.role != Role::Other {
                            // already handled
                        }
                        r
                    }
                };
                stack.push(Frame {
                    role,
                    is_map,
                    key: None,
                    seen: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(val, _, _, ref tag) => {
                let Some(top) = stack.last_mut() else {
                    if tag.is_none() && val.is_empty()
                        || matches!(val.as_ref(), "~" | "null" | "Null" | "NULL")
                    {
                        continue; // an empty document
                    }
                    return Err(shape_error(
                        "a scalar",
                        span.start.line(),
                        span.start.col() + 1,
                    ));
                };
                if !top.is_map {
                    continue;
                }
                match top.key.take() {
                    None => {
                        if val == "<<" {
                            return identify_full(text);
                        }
                        let k = if top.role == Role::Other {
                            Key::Other
                        } else {
                            classify(top.role, &val)
                        };
                        let b = bit(k);
                        if b != 0 {
                            if top.seen & b != 0 {
                                return Err(DocError {
                                    message: format!("duplicate key `{val}`: the object's identity would be ambiguous"),
                                    line: span.start.line(),
                                    column: span.start.col() + 1,
                                });
                            }
                            top.seen |= b;
                        }
                        top.key = Some(k);
                    }
                    Some(k) => {
                        let role = top.role;
                        set_field(&mut objects, role, k, &val);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(r) = root_obj.take() {
        lists.push((r, item_objs));
    }
    Ok(DocInfo {
        objects: finish(objects, &lists),
    })
}

fn child_role(parent: Role, key: Key, is_map: bool) -> Role {
    match (parent, key, is_map) {
        (Role::Obj(i), Key::Metadata, true) => Role::Meta(i),
        (Role::Obj(i), Key::Spec, true) => Role::Spec(i),
        (Role::Obj(_), Key::Items, false) => Role::Items,
        (Role::Meta(i), Key::Labels, true) => Role::Labels(i),
        (Role::Meta(i), Key::Annotations, true) => Role::Annotations(i),
        (Role::Spec(i), Key::Template, true) => Role::Template(i),
        (Role::Template(i), Key::Spec, true) => Role::PodSpec(i),
        _ => Role::Other,
    }
}

fn set_field(objects: &mut [Object], role: Role, k: Key, val: &str) {
    let v = Some(val.to_string());
    match (role, k) {
        (Role::Obj(i), Key::ApiVersion) => objects[i].api_version = v,
        (Role::Obj(i), Key::Kind) => objects[i].kind = v,
        (Role::Meta(i), Key::Name) => objects[i].name = v,
        (Role::Meta(i), Key::Namespace) => objects[i].namespace = v,
        (Role::Labels(i), Key::Marker) => objects[i].marker = v,
        (Role::Annotations(i), Key::Helm4) => objects[i].helm4_filename = true,
        (Role::PodSpec(i), Key::ServiceAccountName) => objects[i].service_account = v,
        (Role::PodSpec(i), Key::ServiceAccount) => {
            if objects[i].service_account.is_none() {
                objects[i].service_account = v
            }
        }
        _ => {}
    }
}

/// Keep a List's items (not the List itself) and drop items of non-List roots.
fn finish(objects: Vec<Object>, lists: &[(usize, Vec<usize>)]) -> Vec<Object> {
    let mut keep = vec![false; objects.len()];
    for (root, items) in lists {
        let is_list = objects[*root]
            .kind
            .as_deref()
            .is_some_and(|k| k.ends_with("List"))
            && objects[*root].api_version.is_some();
        if is_list {
            for i in items {
                keep[*i] = true;
            }
        } else {
            keep[*root] = true;
        }
    }
    objects
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(o, _)| o)
        .collect()
}

/// The slow, exact path: a full parse of the document with serde-saphyr.
pub fn identify_full(text: &str) -> Result<DocInfo, DocError> {
    let opts = crate::yamlio::options();
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, opts).map_err(|e| {
        let (line, column) = crate::yamlio::error_position(&e);
        DocError {
            message: format!("invalid YAML: {}", crate::yamlio::error_message(&e)),
            line,
            column,
        }
    })?;
    let mut objects = Vec::new();
    for d in docs {
        match d {
            Value::Null => {}
            Value::Object(_) => {
                let root = object_from_value(&d);
                let is_list = root.kind.as_deref().is_some_and(|k| k.ends_with("List"))
                    && root.api_version.is_some();
                if is_list {
                    if let Some(items) = d.get("items").and_then(Value::as_array) {
                        objects.extend(
                            items
                                .iter()
                                .filter(|i| i.is_object())
                                .map(object_from_value),
                        );
                    }
                } else {
                    objects.push(root);
                }
            }
            Value::Array(_) => return Err(shape_error("a list", 1, 1)),
            _ => return Err(shape_error("a scalar", 1, 1)),
        }
    }
    Ok(DocInfo { objects })
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// The same extraction as the fast path, from a parsed value.
pub fn object_from_value(v: &Value) -> Object {
    let meta = v.get("metadata").filter(|m| m.is_object());
    let pod = v
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
        .filter(|p| p.is_object());
    Object {
        api_version: v.get("apiVersion").and_then(scalar_text),
        kind: v.get("kind").and_then(scalar_text),
        name: meta.and_then(|m| m.get("name")).and_then(scalar_text),
        namespace: meta.and_then(|m| m.get("namespace")).and_then(scalar_text),
        marker: meta
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(MARKER_LABEL))
            .and_then(scalar_text),
        service_account: pod.and_then(|p| {
            p.get("serviceAccountName")
                .and_then(scalar_text)
                .or_else(|| p.get("serviceAccount").and_then(scalar_text))
        }),
        helm4_filename: meta
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(HELM4_FILENAME))
            .is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Object {
        let d = identify(s).expect("valid");
        assert_eq!(d.objects.len(), 1, "{d:?}");
        d.objects[0].clone()
    }

    #[test]
    fn picks_identity_fields() {
        let o = one("---\n# Source: x\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: ns\n  labels:\n    spaces-postrender.dev/generated: \"true\"\nrules: []\n");
        assert_eq!(o.group(), "rbac.authorization.k8s.io");
        assert_eq!(
            (o.kind.as_deref(), o.name.as_deref(), o.namespace.as_deref()),
            (Some("Role"), Some("r"), Some("ns"))
        );
        assert_eq!(o.marker.as_deref(), Some("true"));
    }

    #[test]
    fn deployment_service_account() {
        let o = one("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: spaces-controller, namespace: upbound-system}\nspec:\n  template:\n    metadata: {labels: {name: x}}\n    spec:\n      containers: [{name: c, env: [{name: serviceAccountName, value: nope}]}]\n      serviceAccountName: sa\n");
        assert_eq!(o.service_account.as_deref(), Some("sa"));
        assert_eq!(o.namespace.as_deref(), Some("upbound-system"));
    }

    #[test]
    fn nested_name_keys_are_not_identity() {
        let o = one("apiVersion: v1\nkind: ConfigMap\ndata:\n  metadata: {name: wrong}\nmetadata:\n  annotations: {name: wrong}\n  name: right\n");
        assert_eq!(o.name.as_deref(), Some("right"));
    }

    #[test]
    fn lists_yield_items() {
        let d = identify("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n- {apiVersion: v1, kind: B, metadata: {name: b}}\n").expect("ok");
        let kinds: Vec<_> = d
            .objects
            .iter()
            .map(|o| o.kind.clone().unwrap_or_default())
            .collect();
        assert_eq!(kinds, vec!["A", "B"]);
    }

    #[test]
    fn aliases_take_the_exact_path() {
        let o = one("apiVersion: v1\nkind: ConfigMap\nx: &n foo\nmetadata:\n  name: *n\n");
        assert_eq!(o.name.as_deref(), Some("foo"));
    }

    #[test]
    fn empty_documents_have_no_objects() {
        assert!(identify("---\n# only a comment\n")
            .expect("ok")
            .objects
            .is_empty());
        assert!(identify("").expect("ok").objects.is_empty());
    }

    #[test]
    fn bad_shapes_and_syntax() {
        assert!(identify("- a\n- b\n")
            .unwrap_err()
            .message
            .contains("a list"));
        assert!(identify("hello\n")
            .unwrap_err()
            .message
            .contains("a scalar"));
        let e = identify("a:\n\tb: c\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(identify("kind: A\nkind: B\n")
            .unwrap_err()
            .message
            .contains("duplicate key `kind`"));
    }
}
