//! The Argo CD Config Management Plugin example (`plugin/argocd/plugin.yaml`): its init and
//! generate commands, taken from the file, run the way the CMP server runs them (in the
//! application's source directory, with ARGOCD_APP_* and ARGOCD_ENV_* set), with the real
//! Helm v3.17.3 and this binary as the only `helm` and `spaces-postrender` on PATH; and with
//! hostile ARGOCD_ENV_* values, which must not make it read anything outside the source
//! directory.

use crate::common;

use common::e2e::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn plugin() -> Value {
    let text = std::fs::read_to_string(root().join("plugin/argocd/plugin.yaml"))
        .unwrap_or_else(|e| panic!("plugin/argocd/plugin.yaml: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("plugin.yaml is not YAML: {e}"))
}

/// `command` followed by `args`, as the CMP server execs them.
fn argv(step: &Value) -> Vec<String> {
    let mut v: Vec<String> = step["command"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("non-string in command: {s}"))
                .to_string()
        })
        .collect();
    v.extend(
        step["args"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string)),
    );
    assert!(!v.is_empty(), "empty command in {step}");
    v
}

/// A source directory (a copy of the fixture chart plus a values file), a PATH with only the
/// tools the sidecar image holds, and Helm homes of its own.
struct App {
    _dir: tempfile::TempDir,
    src: PathBuf,
    bin: PathBuf,
    home: PathBuf,
}

/// `values`: the source directory's values.yaml (None keeps the chart's own).
fn app(values: Option<&str>) -> App {
    let dir = tempdir();
    let src = dir.path().join("repo/spaces");
    copy_dir(&chart(), &src);
    // The source directory's values.yaml: the chart's own defaults plus the user's settings.
    if let Some(values) = values {
        write(
            &src.join("values.yaml"),
            &format!("controller:\n  serviceAccount:\n    name: spaces-controller\n{values}"),
        );
    }
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    link(&tool("helm3"), &bin.join("helm"));
    link(Path::new(BIN), &bin.join("spaces-postrender"));
    let home = dir.path().join("home");
    App {
        src,
        bin,
        home,
        _dir: dir,
    }
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) {
    std::os::unix::fs::symlink(from, to)
        .unwrap_or_else(|e| panic!("{} -> {}: {e}", to.display(), from.display()));
}

#[cfg(not(unix))]
fn link(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("{} -> {}: {e}", to.display(), from.display()));
}

impl App {
    fn exec(&self, argv: &[String], env: &[(&str, &str)]) -> Out {
        let path = format!("{}:/usr/bin:/bin", self.bin.display());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .current_dir(&self.src)
            .env_clear()
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("HELM_DATA_HOME", self.home.join("data"))
            .env("HELM_CONFIG_HOME", self.home.join("config"))
            .env("HELM_CACHE_HOME", self.home.join("cache"))
            .env("ARGOCD_APP_NAME", "spaces")
            .env("ARGOCD_APP_NAMESPACE", "upbound-system")
            .env("ARGOCD_APP_SOURCE_PATH", "spaces")
            .env("ARGOCD_APP_REVISION", "0123456789abcdef");
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd, b"")
    }

    /// One step of plugin.yaml alone (`init` or `generate`), whatever the other does.
    fn step(&self, name: &str, env: &[(&str, &str)]) -> Out {
        self.exec(&argv(&plugin()["spec"][name]), env)
    }

    fn generate(&self, env: &[(&str, &str)]) -> Out {
        let p = plugin();
        let init = self.exec(&argv(&p["spec"]["init"]), env);
        init.ok("the CMP init command");
        assert!(
            init.stdout.is_empty(),
            "init prints nothing on stdout: {}",
            init.stdout
        );
        self.exec(&argv(&p["spec"]["generate"]), env)
    }
}

const ON_CLUSTER: &str = "\
# the Spaces values file, as given to helm; spaces-postrender reads features.alpha.*
ingress:
  host: proxy.example.com
features:
  alpha:
    argocdPlugin:
      enabled: true
      target:
        namespace: argocd
";

#[test]
fn the_plugin_file_runs_the_tools_own_commands_and_no_shell() {
    let p = plugin();
    assert_eq!(p["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(p["kind"], "ConfigManagementPlugin");
    assert_eq!(p["metadata"]["name"], "spaces-postrender");
    // The Application's env reaches no shell: the steps are the tool's own commands, which
    // check every path before helm sees it.
    assert_eq!(
        argv(&p["spec"]["init"]),
        ["spaces-postrender", "argocd-cmp", "init"]
    );
    assert_eq!(
        argv(&p["spec"]["generate"]),
        ["spaces-postrender", "argocd-cmp", "generate"]
    );
}

#[test]
fn generate_renders_the_chart_and_the_generated_rbac() {
    let a = app(Some(ON_CLUSTER));
    let out = a.generate(&[]);
    let text = out.ok("the CMP generate command");
    let names = kind_names(text);
    assert_eq!(names, CHART_WITH_ARGOCD_PLUGIN);
    assert!(text.contains("# Source: spaces-postrender/space/role-spaces-argocd-plugin.yaml\n"));
    assert!(text.contains("# Source: spaces/templates/deployment.yaml\n"));
    // The chart's objects pass through byte for byte, as helm rendered them.
    let mut helm = Command::new(tool("helm3"));
    helm.args(["template", "spaces"])
        .arg(&a.src)
        .args([
            "--namespace",
            "upbound-system",
            "--include-crds",
            "--values",
        ])
        .arg(a.src.join("values.yaml"))
        .env("HELM_DATA_HOME", a.home.join("data"))
        .env("HELM_CONFIG_HOME", a.home.join("config"))
        .env("HELM_CACHE_HOME", a.home.join("cache"));
    let rendered = run(&mut helm, b"");
    assert!(text.starts_with(rendered.ok("helm template")), "{text}");
}

#[test]
fn target_and_values_file_come_from_the_application_env() {
    let a = app(None);
    write(
        &a.src.join("eso-values.yaml"),
        "features:\n  alpha:\n    eso:\n      enabled: true\n      namespace: eso\n",
    );
    let out = a.generate(&[
        ("ARGOCD_ENV_VALUES_FILE", "eso-values.yaml"),
        ("ARGOCD_ENV_TARGET", "control-plane"),
    ]);
    let names = kind_names(out.ok("generate with ARGOCD_ENV_*"));
    assert!(names.contains(&"Namespace /eso".to_string()), "{names:?}");
    // Checked against the newest Spaces, which has no features.alpha.eso ...
    assert!(
        out.stderr
            .contains("warning[spaces-version] features.alpha.eso (eso-values.yaml:"),
        "{}",
        out.stderr
    );
    // ... unless the Application names the Spaces version it runs.
    let out = a.generate(&[
        ("ARGOCD_ENV_VALUES_FILE", "eso-values.yaml"),
        ("ARGOCD_ENV_TARGET", "control-plane"),
        ("ARGOCD_ENV_SPACES_VERSION", "1.1"),
    ]);
    assert_eq!(
        kind_names(out.ok("generate for Spaces 1.1")),
        names,
        "the same objects"
    );
    assert!(!out.stderr.contains("spaces-version"), "{}", out.stderr);
    let out = a.generate(&[
        ("ARGOCD_ENV_VALUES_FILE", "eso-values.yaml"),
        ("ARGOCD_ENV_SPACES_VERSION", "latest"),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("ARGOCD_ENV_SPACES_VERSION \"latest\""),
        "{}",
        out.stderr
    );
}

#[test]
fn invalid_values_fail_with_nothing_on_stdout() {
    let a = app(Some(
        &ON_CLUSTER.replace("enabled: true", "enabled: \"true\""),
    ));
    let out = a.generate(&[]);
    assert_ne!(out.code, 0, "must fail: {}", out.stdout);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    assert!(
        out.stderr.contains("error[wrong-type] features.alpha.argocdPlugin.enabled (values.yaml:10:16): expected a boolean (true or false), got the string \"true\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_helm_failure_fails_with_nothing_on_stdout() {
    // A broken template: helm fails, spaces-postrender still sees valid values (and would
    // print the generated objects for an empty input); pipefail and the buffer keep stdout empty.
    let a = app(Some(ON_CLUSTER));
    write(
        &a.src.join("templates/broken.yaml"),
        "{{ .Values.nope.nope }}\n",
    );
    let out = a.generate(&[]);
    assert_ne!(out.code, 0, "must fail: {}", out.stdout);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    assert!(out.stderr.contains("nil pointer"), "{}", out.stderr);
    // A missing values file, likewise.
    let a = app(Some(ON_CLUSTER));
    let out = a.generate(&[("ARGOCD_ENV_VALUES_FILE", "missing.yaml")]);
    assert_ne!(out.code, 0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn the_sidecar_patch_and_application_fit_the_plugin() {
    // The patch applies to a repo-server Deployment shaped like Argo CD's (kubectl's own
    // strategic merge, offline) and mounts plugin.yaml where the CMP server reads it.
    let dir = tempdir();
    let deploy = dir.path().join("repo-server.yaml");
    write(
        &deploy,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\n  namespace: argocd\nspec:\n  selector:\n    matchLabels: {app: repo}\n  template:\n    metadata:\n      labels: {app: repo}\n    spec:\n      containers:\n      - name: argocd-repo-server\n        image: quay.io/argoproj/argocd:latest\n      volumes:\n      - name: var-files\n        emptyDir: {}\n      - name: plugins\n        emptyDir: {}\n",
    );
    let mut cmd = Command::new(tool("kubectl135"));
    cmd.args(["patch", "--local", "-o", "json", "-f"])
        .arg(&deploy)
        .arg("--patch-file")
        .arg(root().join("plugin/argocd/repo-server-patch.yaml"));
    let out = run(&mut cmd, b"");
    let patched: Value = serde_json::from_str(out.ok("kubectl patch --local"))
        .unwrap_or_else(|e| panic!("kubectl output: {e}"));
    let containers = patched["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "spaces-postrender")
        .cloned()
        .unwrap_or_else(|| panic!("no sidecar in {patched}"));
    assert!(containers.iter().any(|c| c["name"] == "argocd-repo-server"));
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    // The release image carries plugin.yaml at /home/argocd/cmp-server/config/plugin.yaml
    // (tests/full/dist.rs checks the image), so the patch needs no ConfigMap.
    assert!(
        sidecar["image"]
            .as_str()
            .is_some_and(|i| i.contains("/spaces-postrender-argocd-cmp:")),
        "{sidecar}"
    );
    let mounts = sidecar["volumeMounts"].to_string();
    for m in ["/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp"] {
        assert!(mounts.contains(m), "mount {m} missing: {mounts}");
    }
    let volumes = patched["spec"]["template"]["spec"]["volumes"].to_string();
    for v in ["var-files", "plugins", "cmp-tmp"] {
        assert!(volumes.contains(v), "volume {v} missing: {volumes}");
    }
    // The Application names the plugin by its metadata.name (no spec.version, so no suffix).
    let app: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root().join("plugin/argocd/application.yaml")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("application.yaml: {e}"));
    let p = plugin();
    assert!(p["spec"].get("version").is_none());
    assert_eq!(
        app["spec"]["source"]["plugin"]["name"],
        p["metadata"]["name"]
    );
}

/// What the attacker wants to read: a file next to the source directory (another
/// application's checkout, a token), reachable as `../secret.yaml`, `../../x/secret.yaml`, by
/// absolute path, or through a symlink in the source.
const SECRET: &str = "TOP-SECRET-5f1c";

/// An application whose chart prints every value it is given into a ConfigMap (what an
/// attacker's chart does to exfiltrate a values file), and a secret outside its source.
fn leaky_app() -> (App, PathBuf) {
    let a = app(Some(ON_CLUSTER));
    write(
        &a.src.join("templates/leak.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  values: {{ toJson .Values | quote }}\n",
    );
    let repo = a
        .src
        .parent()
        .unwrap_or_else(|| panic!("no parent"))
        .to_path_buf();
    let secret = repo.join("secret.yaml");
    write(&secret, &format!("token: {SECRET}\n"));
    (a, secret)
}

/// The refusal of one ARGOCD_ENV_* value: non-zero, nothing on stdout, the secret nowhere,
/// and the error naming the variable.
fn refused(out: &Out, var: &str, what: &str) -> String {
    assert_ne!(out.code, 0, "{what}: must fail: {}", out.stdout);
    assert!(
        out.stdout.is_empty(),
        "{what}: nothing on stdout: {}",
        out.stdout
    );
    assert!(!out.stderr.contains(SECRET), "{what}: {}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("error[path-refused] (${var})")),
        "{what}: {}",
        out.stderr
    );
    out.stderr.clone()
}

#[test]
fn the_values_file_must_be_inside_the_source_directory() {
    let (a, secret) = leaky_app();
    // As reported: a values file outside the source is read, and the chart prints it.
    let abs = secret.display().to_string();
    #[cfg(unix)]
    link(&secret, &a.src.join("link.yaml"));
    let hostile = [
        "../secret.yaml",
        "../../repo/secret.yaml",
        abs.as_str(),
        "link.yaml",
        "-f",
        "--values=../secret.yaml",
    ];
    for v in hostile {
        let out = a.step("generate", &[("ARGOCD_ENV_VALUES_FILE", v)]);
        refused(&out, "ARGOCD_ENV_VALUES_FILE", v);
    }
    // "Absent" and "outside" are the same answer (it does not tell whether a file exists).
    let _ = std::fs::remove_file(a.src.join("link.yaml"));
    let outside = a.step("generate", &[("ARGOCD_ENV_VALUES_FILE", "../secret.yaml")]);
    let absent = a.step("generate", &[("ARGOCD_ENV_VALUES_FILE", "../nothing.yaml")]);
    assert_eq!(
        refused(&outside, "ARGOCD_ENV_VALUES_FILE", "outside").replace("../secret.yaml", "X"),
        refused(&absent, "ARGOCD_ENV_VALUES_FILE", "absent").replace("../nothing.yaml", "X")
    );
    // A subdirectory of the source and a symlink that stays inside are fine.
    write(&a.src.join("env/prod.yaml"), ON_CLUSTER);
    #[cfg(unix)]
    link(Path::new("env/prod.yaml"), &a.src.join("prod.yaml"));
    for v in ["env/prod.yaml", "./env/../env/prod.yaml", "prod.yaml"] {
        let out = a.generate(&[("ARGOCD_ENV_VALUES_FILE", v)]);
        let names = kind_names(out.ok(v));
        assert!(
            names.contains(&"Role argocd/spaces-argocd-plugin".to_string()),
            "{v}: {names:?}"
        );
    }
}

#[test]
fn a_url_values_file_sends_no_request() {
    // As reported: `http://...` makes helm fetch it from the sidecar (SSRF).
    let (a, _) = leaky_app();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    for url in [
        format!("http://127.0.0.1:{port}/values.yaml"),
        format!("https://127.0.0.1:{port}/values.yaml"),
    ] {
        let out = a.step("generate", &[("ARGOCD_ENV_VALUES_FILE", &url)]);
        let err = refused(&out, "ARGOCD_ENV_VALUES_FILE", &url);
        assert!(err.contains("is a URL"), "{err}");
    }
    assert!(
        listener.accept().is_err(),
        "a request reached the listener: the URL was fetched"
    );
}

#[test]
fn the_chart_must_be_inside_the_source_directory() {
    let (a, _) = leaky_app();
    // Another application's chart next to this source.
    let other = a.src.parent().map(|p| p.join("other")).unwrap_or_default();
    copy_dir(&chart(), &other);
    let abs = other.display().to_string();
    for c in [
        "../other",
        abs.as_str(),
        "-f",
        "oci://127.0.0.1:1/charts/x",
        "missing",
    ] {
        for step in ["init", "generate"] {
            let out = a.step(step, &[("ARGOCD_ENV_CHART", c)]);
            refused(&out, "ARGOCD_ENV_CHART", &format!("{step} {c}"));
        }
    }
    // A symlink in the chart that leads out of the source: Helm's loader would follow it.
    #[cfg(unix)]
    {
        let (b, secret) = leaky_app();
        link(&secret, &b.src.join("templates/linked.yaml"));
        for step in ["init", "generate"] {
            let err = refused(&b.step(step, &[]), "ARGOCD_ENV_CHART", "a symlink out");
            assert!(err.contains("templates/linked.yaml"), "{err}");
        }
    }
    // A dependency whose file:// repository is outside the source: helm dependency build
    // would package it.
    let (c, _) = leaky_app();
    let chart_yaml = std::fs::read_to_string(c.src.join("Chart.yaml")).unwrap_or_default();
    write(
        &c.src.join("Chart.yaml"),
        &format!("{chart_yaml}dependencies:\n  - name: spaces\n    version: \"*\"\n    repository: file://../../../outside\n"),
    );
    let err = refused(
        &c.step("init", &[]),
        "ARGOCD_ENV_CHART",
        "a file:// dependency out",
    );
    assert!(err.contains("file://../../../outside"), "{err}");
}
