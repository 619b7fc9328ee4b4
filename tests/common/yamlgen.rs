//! Generators of YAML documents that look like Kubernetes objects, in every style the YAML
//! grammar offers (block, compact and indentless sequences, flow collections, plain, quoted,
//! multi-line and block scalars, comments, anchors and aliases, merge keys, tags, lists,
//! identity-like keys in other places, CRLF): shared by the property tests of the reading and
//! by the differential test against kubectl.

use proptest::prelude::*;

pub const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "template",
    "serviceAccountName",
    "serviceAccount",
    "items",
    "spaces-postrender.dev/generated",
    "postrenderer.helm.sh/postrender-filename",
    "data",
    "a",
    "b c",
    "<<",
    "x:y",
    "é",
];

pub const VALUES: &[&str] = &[
    "v1",
    "apps/v1",
    "rbac.authorization.k8s.io/v1",
    "List",
    "ConfigMapList",
    "Deployment",
    "ConfigMap",
    "spaces-controller",
    "upbound-system",
    "true",
    "True",
    "yes",
    "Off",
    "null",
    "~",
    "",
    "123",
    "0x1F",
    "1e3",
    ".inf",
    "nan",
    "a b",
    "a: b",
    "x #y",
    "#z",
    "it's",
    "say \"hi\"",
    "tab\there",
    "ünï “q”",
    "- d",
    "-1",
    "--flag=x",
    "[x]",
    "{y}",
    "*s",
    "&a",
    "!b",
    "%p",
    "@q",
    "`r",
    "line1\nline2",
    "l1\n\nl3\n",
    "trail ",
    " lead",
    "a:b",
    "http://x/y",
    "?q",
    ":c",
    "...",
    "---",
    "|",
    "back\\slash",
];

#[derive(Debug, Clone)]
pub struct Scalar {
    pub text: &'static str,
    /// 0 plain, 1 single-quoted, 2 double-quoted, 3 literal, 4 folded, 5 plain over two lines.
    pub style: u8,
    pub bits: u8,
}

#[derive(Debug, Clone)]
pub enum Node {
    Scalar(Scalar),
    /// Entries (key, key style 0..3, value) and style bits.
    Map(Vec<(&'static str, u8, Node)>, u16),
    Seq(Vec<Node>, u16),
    Alias(u8),
}

/// Names Kubernetes objects have (mostly), and the odd values around them.
pub const NAMES: &[&str] = &[
    "v1",
    "apps/v1",
    "rbac.authorization.k8s.io/v1",
    "spaces-controller",
    "upbound-system",
    "argocd",
    "spaces-argocd-plugin",
    "ConfigMap",
    "Deployment",
    "Role",
    "Namespace",
    "system:auth-delegator",
    "a.b-c",
];

pub fn style() -> impl Strategy<Value = u8> {
    prop_oneof![8 => Just(0u8), 2 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8), 1 => Just(5u8)]
}

pub fn scalar_from(texts: &'static [&'static str]) -> impl Strategy<Value = Scalar> {
    (prop::sample::select(texts), style(), any::<u8>()).prop_map(|(text, style, bits)| Scalar {
        text,
        style,
        bits,
    })
}

pub fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![4 => scalar_from(NAMES), 1 => scalar_from(VALUES)]
}

pub fn key() -> impl Strategy<Value = (&'static str, u8)> {
    (
        prop_oneof![6 => prop::sample::select(&KEYS[..17]), 1 => prop::sample::select(KEYS)],
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
    )
}

pub fn node() -> BoxedStrategy<Node> {
    let leaf = prop_oneof![
        20 => scalar().prop_map(Node::Scalar),
        1 => (0u8..3).prop_map(Node::Alias),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            3 => (
                prop::collection::vec((key(), inner.clone()), 0..6),
                any::<u16>()
            )
                .prop_map(|(e, bits)| map(e, bits)),
            2 => (prop::collection::vec(inner, 0..5), any::<u16>())
                .prop_map(|(items, bits)| Node::Seq(items, bits)),
        ]
    })
    .boxed()
}

/// A mapping; one in four keeps duplicate keys (identity keys or not: the first are refused on
/// every path, the others read as Kubernetes reads them, the last one winning).
pub fn map(e: Vec<((&'static str, u8), Node)>, bits: u16) -> Node {
    let e = e.into_iter().map(|((k, ks), v)| (k, ks, v)).collect();
    Node::Map(if all(bits, 0x8008) { e } else { dedup(e) }, bits)
}

/// An entry `key: value` that is present or not.
pub fn entry(
    k: &'static str,
    v: impl Strategy<Value = Node>,
) -> impl Strategy<Value = Option<((&'static str, u8), Node)>> {
    prop::option::weighted(
        0.7,
        (
            prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
            v,
        ),
    )
    .prop_map(move |o| o.map(|(ks, v)| ((k, ks), v)))
}

pub fn ident() -> BoxedStrategy<Node> {
    prop_oneof![6 => scalar_from(NAMES).prop_map(|mut s| { s.style = s.style.min(2); Node::Scalar(s) }), 1 => node()]
        .boxed()
}

pub fn object_map(
    fixed: Vec<Option<((&'static str, u8), Node)>>,
    extra: Vec<((&'static str, u8), Node)>,
    rot: u8,
    bits: u16,
) -> Node {
    let mut e: Vec<_> = fixed.into_iter().flatten().collect();
    e.extend(extra);
    if !e.is_empty() {
        let n = rot as usize % e.len();
        e.rotate_left(n);
    }
    map(e, bits)
}

pub fn metadata() -> BoxedStrategy<Node> {
    let labels = (
        entry("spaces-postrender.dev/generated", ident()),
        entry("app", ident()),
        any::<u16>(),
    )
        .prop_map(|(a, b, bits)| object_map(vec![a, b], vec![], 0, bits));
    let annotations = (
        entry("postrenderer.helm.sh/postrender-filename", node()),
        entry("name", ident()),
        any::<u16>(),
    )
        .prop_map(|(a, b, bits)| object_map(vec![a, b], vec![], 1, bits));
    (
        entry("name", ident()),
        entry("namespace", ident()),
        entry("labels", labels),
        entry("annotations", annotations),
        prop::collection::vec((key(), node()), 0..2),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, d, extra, rot, bits)| object_map(vec![a, b, c, d], extra, rot, bits))
        .boxed()
}

pub fn pod_spec() -> BoxedStrategy<Node> {
    (
        entry("serviceAccountName", ident()),
        entry("serviceAccount", ident()),
        entry("containers", node()),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, rot, bits)| object_map(vec![a, b, c], vec![], rot, bits))
        .boxed()
}

pub fn object() -> BoxedStrategy<Node> {
    let template = (
        entry("metadata", metadata()),
        entry("spec", pod_spec()),
        any::<u16>(),
    )
        .prop_map(|(a, b, bits)| object_map(vec![a, b], vec![], 0, bits));
    let spec = (
        entry("template", template),
        entry("replicas", node()),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, rot, bits)| object_map(vec![a, b], vec![], rot, bits));
    (
        entry("apiVersion", ident()),
        entry("kind", prop_oneof![
            3 => scalar_from(&["Deployment", "List", "ConfigMapList", "Role"]).prop_map(|mut s| { s.style = s.style.min(2); Node::Scalar(s) }),
            1 => ident(),
        ]),
        entry("metadata", metadata()),
        entry("spec", spec),
        prop::collection::vec((key(), node()), 0..3),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, d, extra, rot, bits)| object_map(vec![a, b, c, d], extra, rot, bits))
        .boxed()
}

/// Documents whose root is (mostly) a mapping that looks like a Kubernetes object, a List of
/// them, or anything at all; with style bits for the whole document.
pub fn document() -> impl Strategy<Value = (Node, u16)> {
    let list = (
        entry("apiVersion", ident()),
        entry(
            "kind",
            scalar_from(&["List", "RoleList", "ConfigMap"]).prop_map(Node::Scalar),
        ),
        entry(
            "items",
            (
                prop::collection::vec(prop_oneof![4 => object(), 1 => node()], 0..4),
                any::<u16>(),
            )
                .prop_map(|(items, bits)| Node::Seq(items, bits)),
        ),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(a, b, c, rot, bits)| object_map(vec![a, b, c], vec![], rot, bits));
    (
        prop_oneof![6 => object(), 2 => list, 1 => node()],
        any::<u16>(),
    )
}

pub fn all(bits: impl Into<u32>, mask: u32) -> bool {
    bits.into() & mask == mask
}

pub fn dedup(mut e: Vec<(&'static str, u8, Node)>) -> Vec<(&'static str, u8, Node)> {
    let mut seen = std::collections::HashSet::new();
    e.retain(|(k, _, _)| seen.insert(*k));
    e
}

/// Renders a node as YAML text in the styles its bits choose.
pub struct Render {
    pub out: String,
    pub anchors: u8,
}

impl Render {
    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    fn key(&mut self, k: &str, style: u8) {
        match style {
            1 => {
                self.out.push('\'');
                self.out.push_str(&k.replace('\'', "''"));
                self.out.push('\'');
            }
            2 => {
                self.out.push('"');
                self.out
                    .push_str(&k.replace('\\', "\\\\").replace('"', "\\\""));
                self.out.push('"');
            }
            _ => self.out.push_str(k),
        }
    }

    fn comment_line(&mut self, bits: u16, n: usize) {
        if all(bits, 0x840) {
            self.pad(n + ((bits >> 12) & 3) as usize);
            self.out
                .push_str("# a comment: with - [indicators] 'and' \"quotes\"\n");
        }
        if all(bits, 0x1080) {
            self.out.push('\n');
        }
    }

    /// A scalar that starts on the current line; continuation lines are indented `n + 1` or more.
    fn scalar(&mut self, s: &Scalar, n: usize) {
        if s.bits & 0x1f == 0x10 {
            self.out.push_str("!!str ");
        }
        let cont = n + 1 + (s.bits & 3) as usize;
        match s.style {
            1 => {
                self.out.push('\'');
                for (i, line) in s.text.replace('\'', "''").split('\n').enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        self.pad(cont);
                    }
                    self.out.push_str(line);
                }
                self.out.push('\'');
            }
            2 => {
                self.out.push('"');
                let esc = s
                    .text
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\t', "\\t");
                if s.bits & 4 != 0 {
                    self.out.push_str(&esc.replace('\n', "\\n"));
                } else {
                    for (i, line) in esc.split('\n').enumerate() {
                        if i > 0 {
                            self.out
                                .push_str(if s.bits & 8 != 0 { "\\\n" } else { "\n" });
                            self.pad(cont);
                        }
                        self.out.push_str(line);
                    }
                }
                self.out.push('"');
            }
            3 | 4 => {
                self.out.push(if s.style == 3 { '|' } else { '>' });
                self.out.push_str(["", "-", "+", ""][(s.bits & 3) as usize]);
                if s.bits & 0x20 != 0 {
                    self.out.push_str(" # header comment");
                }
                let ind = n + 1 + ((s.bits >> 2) & 3) as usize;
                for line in s.text.split('\n') {
                    self.out.push('\n');
                    if !line.is_empty() || s.bits & 0x40 != 0 {
                        self.pad(ind);
                    }
                    self.out.push_str(line);
                }
            }
            5 => {
                self.out.push_str(s.text);
                self.out.push('\n');
                self.pad(cont);
                self.out.push_str("continued");
            }
            _ => {
                for (i, line) in s.text.split('\n').enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        self.pad(cont);
                    }
                    self.out.push_str(line);
                }
            }
        }
        if s.bits & 0xc0 == 0xc0 && s.style != 3 && s.style != 4 {
            self.out.push_str(" # trailing");
        }
    }

    fn anchor(&mut self, bits: u16) {
        if all(bits, 0x6001) && bits & 0x20 == 0 {
            self.out.push_str(&format!("&a{} ", self.anchors % 3));
            self.anchors += 1;
        }
    }

    /// A node in flow style, on one line.
    fn flow(&mut self, node: &Node) {
        match node {
            Node::Scalar(s) => {
                let mut one = s.clone();
                one.style = match s.style {
                    1 | 2 => s.style,
                    _ => 0,
                };
                one.bits &= !0x80;
                if !one.text.contains('\n') || one.style == 2 {
                    one.bits |= 4;
                    self.scalar(&one, 0);
                } else {
                    self.out.push_str("flat");
                }
            }
            Node::Alias(i) => self.out.push_str(&format!("*a{i}")),
            Node::Map(e, _) => {
                self.out.push('{');
                for (i, (k, ks, v)) in e.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.key(k, *ks);
                    self.out.push_str(": ");
                    self.flow(v);
                }
                self.out.push('}');
            }
            Node::Seq(items, _) => {
                self.out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.flow(v);
                }
                self.out.push(']');
            }
        }
    }

    /// The value of a mapping entry in a block mapping indented `n`, after `key:`.
    fn map_value(&mut self, v: &Node, n: usize) {
        match v {
            Node::Map(e, bits) if !e.is_empty() && !all(*bits, 0x70) => {
                self.out.push(':');
                self.out.push(' ');
                self.anchor(*bits);
                if all(*bits, 0x202) {
                    self.out.push_str("# on the key line");
                }
                self.out.push('\n');
                let step = 1 + (bits & 3) as usize;
                self.block_map(e, *bits, n + step, false);
            }
            Node::Seq(items, bits) if !items.is_empty() && !all(*bits, 0x70) => {
                self.out.push(':');
                self.anchor(*bits);
                self.out.push('\n');
                let step = if bits & 0x100 != 0 {
                    0
                } else {
                    1 + (bits & 3) as usize
                };
                self.block_seq(items, *bits, n + step, false);
            }
            Node::Map(_, bits) | Node::Seq(_, bits) => {
                self.out.push_str(": ");
                self.anchor(*bits);
                self.flow(v);
                self.out.push('\n');
            }
            Node::Scalar(s) => {
                self.out.push(':');
                if s.bits & 0x60 == 0x60 && s.style == 0 {
                    // The value on the next line.
                    self.out.push('\n');
                    self.pad(n + 2);
                } else if !(s.style == 0 && s.text.is_empty()) {
                    self.out.push(' ');
                }
                self.scalar(s, n);
                self.out.push('\n');
            }
            Node::Alias(i) => {
                self.out.push_str(&format!(": *a{i}\n"));
            }
        }
    }

    /// A block mapping indented `n`; `inline`: its first key continues the current line.
    fn block_map(&mut self, e: &[(&str, u8, Node)], bits: u16, n: usize, inline: bool) {
        for (i, (k, ks, v)) in e.iter().enumerate() {
            if !(inline && i == 0) {
                self.comment_line(bits.rotate_left(i as u32), n);
                self.pad(n);
            }
            self.key(k, *ks);
            self.map_value(v, n);
        }
    }

    /// A block sequence indented `n`.
    fn block_seq(&mut self, items: &[Node], bits: u16, n: usize, inline: bool) {
        for (i, v) in items.iter().enumerate() {
            if !(inline && i == 0) {
                self.comment_line(bits.rotate_left(i as u32), n);
                self.pad(n);
            }
            self.out.push('-');
            let gap = 1 + ((bits >> 2) & 1) as usize;
            match v {
                Node::Map(e, b) if !e.is_empty() && !all(*b, 0x70) => {
                    if b & 0x400 != 0 {
                        self.out.push('\n');
                        self.block_map(e, *b, n + 2, false);
                    } else {
                        self.pad(gap);
                        self.block_map(e, *b, n + 1 + gap, true);
                    }
                }
                Node::Seq(s, b) if !s.is_empty() && !all(*b, 0x70) => {
                    self.pad(gap);
                    self.block_seq(s, *b, n + 1 + gap, true);
                }
                Node::Map(_, b) | Node::Seq(_, b) => {
                    self.out.push(' ');
                    self.anchor(*b);
                    self.flow(v);
                    self.out.push('\n');
                }
                Node::Scalar(s) => {
                    if !(s.style == 0 && s.text.is_empty()) {
                        self.out.push(' ');
                    }
                    self.scalar(s, n);
                    self.out.push('\n');
                }
                Node::Alias(i) => self.out.push_str(&format!(" *a{i}\n")),
            }
        }
    }
}

pub fn render(root: &Node, bits: u16) -> String {
    let mut r = Render {
        out: String::new(),
        anchors: 0,
    };
    if bits & 1 != 0 {
        r.out.push_str("---\n");
    } else if bits & 2 != 0 {
        r.out.push_str("--- # Source: chart/templates/x.yaml\n");
    }
    if bits & 4 != 0 {
        r.out.push_str("# Source: chart/templates/x.yaml\n");
    }
    let root_tag = all(bits, 0x2440) && bits & 0x800 == 0;
    if root_tag {
        r.out.push_str("!!map ");
    }
    let n = if all(bits, 0x1800) { 2 } else { 0 };
    match root {
        Node::Map(e, b) if !e.is_empty() && !all(bits, 0x118) => {
            if root_tag {
                r.out.push('\n');
            }
            r.block_map(e, *b, n, false)
        }
        Node::Seq(items, b) if !items.is_empty() && !all(bits, 0x118) => {
            r.block_seq(items, *b, n, false)
        }
        Node::Scalar(s) => {
            r.scalar(s, 0);
            r.out.push('\n');
        }
        other => {
            r.flow(other);
            r.out.push('\n');
        }
    }
    if all(bits, 0x4010) {
        r.out = r.out.replace('\n', "\r\n");
    }
    if all(bits, 0x8020) {
        r.out.pop();
        if r.out.ends_with('\r') {
            r.out.pop();
        }
    }
    r.out
}
