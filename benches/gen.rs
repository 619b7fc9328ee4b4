//! Benchmark helper for `benches/run.sh` (built as the `bench-gen` example; not a test).
//!
//!     bench-gen gen N        # a rendered-chart-like stream of N documents on stdout
//!     bench-gen parse        # the bare YAML parser: every granit-parser event of stdin, nothing else
//!     bench-gen count FILE   # how many documents the splitter finds
//!     bench-gen identify FILE  # in-process identification throughput (for tuning)
//!
//! `gen` is deterministic (a fixed xorshift seed), so every run measures the same bytes. The mix
//! is what Helm renders for a large release: mostly ConfigMaps, one Deployment in five (one of
//! them the `spaces-controller` the tool looks for), and one large CustomResourceDefinition
//! (~40 KB of OpenAPI schema) per 1,000 documents.
//!
//! `parse` is the inner limit of a tool that checks every document: it reads standard input,
//! validates UTF-8 once and pulls every event out of one parser over the whole stream, without
//! building anything.

use serde_saphyr::granit_parser::{Event, Parser};
use std::io::{Read, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn word(&mut self) -> &'static str {
        const W: [&str; 16] = [
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
            "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
        ];
        W[(self.next() % 16) as usize]
    }
}

fn configmap(out: &mut String, i: usize, r: &mut Rng) {
    let (a, b, c) = (r.word(), r.word(), r.next() % 100_000);
    out.push_str(&format!(
        "---
# Source: bench/templates/configmap-{i}.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: bench-config-{i}
  namespace: bench
  labels:
    app.kubernetes.io/name: bench
    app.kubernetes.io/instance: release-{inst}
    helm.sh/chart: bench-1.0.0
data:
  mode: \"0644\"
  enabled: yes
  greeting: \"hello {a} {b}\"
  limit: \"{c}\"
  config.yaml: |
    server:
      port: 8080
      name: {a}-{b}
",
        inst = i % 7
    ));
}

fn deployment(out: &mut String, i: usize, r: &mut Rng) {
    let name = if i == 3 {
        "spaces-controller".to_string()
    } else {
        format!("bench-app-{i}")
    };
    let (a, b) = (r.word(), r.next() % 1000);
    out.push_str(&format!(
        "---
# Source: bench/templates/deployment-{i}.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: bench
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/managed-by: Helm
  annotations:
    checksum/config: \"{b:08x}{b:08x}\"
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      serviceAccountName: {name}
      securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: app
          image: \"registry.example.com/{a}/app:1.{b}.0\"
          args: [\"--port=8080\", \"--log-level=info\", '--name={a}']
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: MODE
              value: \"{a}\"
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
            requests: {{cpu: 100m, memory: 128Mi}}
          readinessProbe:
            httpGet: {{path: /readyz, port: http}}
"
    ));
}

fn crd(out: &mut String, i: usize, r: &mut Rng) {
    out.push_str(&format!(
        "---
# Source: bench/crds/crd-{i}.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets{i}.bench.example.com
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.0
spec:
  group: bench.example.com
  names:
    kind: Widget{i}
    listKind: Widget{i}List
    plural: widgets{i}
    singular: widget{i}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: Widget{i} is a synthetic resource with a large schema, like provider CRDs.
        type: object
        properties:
          spec:
            type: object
            properties:
"
    ));
    for p in 0..120 {
        let (a, b) = (r.word(), r.word());
        out.push_str(&format!(
            "              {a}{b}{p}:
                description: |-
                  {a} {b} controls how the {a} part of the widget behaves. When it is unset
                  the controller chooses a default that depends on the {b} setting.
                type: object
                properties:
                  enabled:
                    type: boolean
                  mode:
                    enum: [\"{a}\", \"{b}\", \"auto\"]
                    type: string
                  count:
                    format: int64
                    type: integer
"
        ));
    }
}

fn generate(n: usize) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(n * 600);
    for i in 1..=n {
        if i % 1000 == 500 {
            crd(&mut out, i, &mut r);
        } else if i % 5 == 3 {
            deployment(&mut out, i, &mut r);
        } else {
            configmap(&mut out, i, &mut r);
        }
    }
    out
}

fn parse() -> Result<(), String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
    let mut events = 0u64;
    let mut docs = 0u64;
    for ev in Parser::new_from_str(text) {
        let (ev, _) = ev.map_err(|e| e.to_string())?;
        if matches!(ev, Event::DocumentStart(..)) {
            docs += 1;
        }
        events += 1;
    }
    eprintln!("{docs} documents, {events} events");
    Ok(())
}

/// In-process: split a file and identify every document, best of 7 rounds (for tuning the
/// quick scan; not part of the table).
fn identify_file(path: &str) -> Result<(), String> {
    use spaces_postrender::identify::{identify, identify_events};
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let docs: Vec<String> = spaces_postrender::stream::split_all(&bytes)
        .into_iter()
        .filter_map(|(_, d)| String::from_utf8(d).ok())
        .collect();
    let events = std::env::var_os("BENCH_EVENTS").is_some();
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t = std::time::Instant::now();
        let mut n = 0;
        for d in &docs {
            let r = if events {
                identify_events(d)
            } else {
                identify(d)
            };
            n += r.map(|i| i.objects.len()).unwrap_or(0);
        }
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(n);
    }
    eprintln!(
        "{} documents, {:.1} ms, {:.0} MB/s",
        docs.len(),
        best * 1e3,
        bytes.len() as f64 / best / 1e6
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let res = match args.first().map(String::as_str) {
        Some("gen") => match args.get(1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => std::io::stdout()
                .lock()
                .write_all(generate(n).as_bytes())
                .map_err(|e| e.to_string()),
            None => Err("usage: bench-gen gen N".into()),
        },
        Some("parse") => parse(),
        Some("count") => match args.get(1) {
            Some(f) => std::fs::read(f)
                .map(|b| println!("{}", spaces_postrender::stream::split_all(&b).len()))
                .map_err(|e| e.to_string()),
            None => Err("usage: bench-gen count FILE".into()),
        },
        Some("identify") => match args.get(1) {
            Some(f) => identify_file(f),
            None => Err("usage: bench-gen identify FILE".into()),
        },
        _ => Err("usage: bench-gen gen N | parse | count FILE | identify FILE".into()),
    };
    if let Err(e) = res {
        eprintln!("bench-gen: {e}");
        std::process::exit(1);
    }
}
