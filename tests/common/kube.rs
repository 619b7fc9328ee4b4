//! `common::kube`: a real Kubernetes control plane for the tests, one per test binary.
//!
//! The binaries are found as controller-runtime's envtest finds them: a directory named by
//! `KUBEBUILDER_ASSETS` holding `kube-apiserver`, `etcd` and `kubectl` (and, here,
//! `kube-controller-manager`). `.ci/install-kube.sh` makes it (or checks and prints an existing
//! `KUBEBUILDER_ASSETS`); a failure fails the test: these tests are never skipped.
//!
//! [`server`] starts etcd, kube-apiserver and kube-controller-manager on 127.0.0.1 with free
//! ports, self-signed certificates, a service-account key and a token file (one admin token,
//! group `system:masters`), all in one temporary directory, on first use; every later test of the
//! binary shares it and creates its own namespaces ([`Server::namespace`]) so tests run in
//! parallel. A static is never dropped, so the processes are stopped by a watchdog started with
//! them: a shell that ignores the terminal's interrupt, waits until the test process is gone,
//! then stops each server by the PID it wrote and removes the temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{output_text, root, run_cmd};

/// The controllers the tests need: token Secrets, ServiceAccounts, namespace deletion, garbage
/// collection, and the `kube-root-ca.crt` ConfigMap of each namespace.
const CONTROLLERS: &str = "serviceaccount-token-controller,serviceaccount-controller,namespace-controller,garbage-collector-controller,root-ca-certificate-publisher-controller";

/// The admin's bearer token (in the token file; group `system:masters`).
pub const ADMIN_TOKEN: &str = "spaces-postrender-admin-token";

/// A running control plane.
pub struct Server {
    /// The directory with the binaries (`KUBEBUILDER_ASSETS`).
    pub assets: PathBuf,
    /// The temporary directory: certificates, token file, etcd data, logs, kubeconfig.
    pub dir: PathBuf,
    /// An admin kubeconfig (token auth, the CA file) for kubectl and Helm.
    pub kubeconfig: PathBuf,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The CA certificate that signed the serving certificate (also what the token controller
    /// puts in each token Secret's `ca.crt`).
    pub ca: PathBuf,
    /// How long the start took, until `/readyz` answered ok.
    pub started_in: Duration,
}

/// The directory of real server binaries (`.ci/install-kube.sh`, which honours
/// `KUBEBUILDER_ASSETS`). Fails the test when it cannot be made.
pub fn assets() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("bash")
            .arg(".ci/install-kube.sh")
            .current_dir(root())
            .stderr(Stdio::inherit())
            .output()
            .expect("run .ci/install-kube.sh");
        assert!(
            out.status.success(),
            "making the Kubernetes binaries directory failed: the real-server tests cannot run (they are never skipped)"
        );
        let s = String::from_utf8(out.stdout).expect("utf8");
        PathBuf::from(s.lines().last().expect("assets dir").trim())
    })
    .clone()
}

/// The shared control plane of this test binary, started on first use.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let assets = assets();
        let mut last = String::new();
        // A free port can be taken by another process between choosing and binding it: start
        // again with new ports when a server exits early.
        for _ in 0..3 {
            let dir = tempfile::Builder::new()
                .prefix("spaces-postrender-kube-")
                .tempdir()
                .unwrap_or_else(|e| panic!("temporary directory: {e}"))
                // Kept (not dropped): the watchdog removes it once the test process is gone.
                .keep();
            match Server::start(&assets, &dir) {
                Ok(s) => return s,
                Err(e) => {
                    last = e;
                    stop(&dir);
                }
            }
        }
        panic!("the Kubernetes control plane did not start:\n{last}")
    })
}

/// `kubectl ARGS` as the admin against the shared server, with `stdin`.
pub fn kubectl(args: &[&str], stdin: &[u8]) -> Output {
    server().kubectl(args, stdin)
}

/// [`kubectl`], failing the test unless it succeeds; its stdout.
pub fn kubectl_ok(args: &[&str], stdin: &[u8]) -> String {
    let out = kubectl(args, stdin);
    assert!(
        out.status.success(),
        "kubectl {}: {}",
        args.join(" "),
        output_text(&out)
    );
    String::from_utf8(out.stdout).expect("utf-8 kubectl output")
}

/// A name no other test of this binary uses: `PREFIX-N` (a DNS-1123 label when `prefix` is).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}", N.fetch_add(1, Ordering::Relaxed))
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = run_cmd(Command::new("openssl").args(args).current_dir(dir), b"");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("openssl {}: {}", args.join(" "), output_text(&out)))
    }
}

/// The last lines of a log file, for failure messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(25);
    format!("--- {}\n{}", path.display(), lines[from..].join("\n"))
}

/// The watchdog: ignores the terminal's interrupt and hangup (so it outlives a Ctrl-C of the
/// test run), waits until the test process is gone, then kills every server by the PID in its
/// `*.pid` file (KILL: their data is thrown away, so nothing needs a graceful stop), waits for
/// them to die and removes the temporary directory.
const WATCHDOG: &str = r#"trap '' INT HUP
parent=$1 dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 0.1; done
pids=$(cat "$dir"/*.pid 2>/dev/null)
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
for p in $pids; do
  # gone, or a zombie (dead, not yet reaped by its new parent)
  while [ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)" != "" ] &&
    [ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)" != Z ]; do sleep 0.05; done
done
rm -rf "$dir"
"#;

impl Server {
    fn start(assets: &Path, dir: &Path) -> Result<Server, String> {
        let dir = dir.to_path_buf();
        let t0 = Instant::now();
        for b in [
            "kube-apiserver",
            "kube-controller-manager",
            "etcd",
            "kubectl",
        ] {
            let p = assets.join(b);
            if !p.is_file() {
                return Err(format!("{} is missing", p.display()));
            }
        }
        Command::new("sh")
            .args(["-c", WATCHDOG, "watchdog"])
            .arg(std::process::id().to_string())
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start the watchdog: {e}"))?;

        // Certificates: a CA, a serving certificate for 127.0.0.1 signed by it, and the key that
        // signs service-account tokens. EC keys: generated in milliseconds.
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        for args in [
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "ca.key",
            ][..],
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/CN=spaces-postrender-test-ca",
                "-days",
                "2",
                "-out",
                "ca.crt",
            ],
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "server.key",
            ],
            &[
                "req",
                "-new",
                "-key",
                "server.key",
                "-subj",
                "/CN=kube-apiserver",
                "-out",
                "server.csr",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server.crt",
            ],
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "sa.key",
            ],
            &["ec", "-in", "sa.key", "-pubout", "-out", "sa.pub"],
        ] {
            openssl(&dir, args)?;
        }
        std::fs::write(
            dir.join("tokens.csv"),
            format!("{ADMIN_TOKEN},admin,admin-uid,system:masters\n"),
        )
        .map_err(|e| e.to_string())?;

        let (etcd_client, etcd_peer, api) = (free_port(), free_port(), free_port());
        let url = format!("https://127.0.0.1:{api}");
        let ca = dir.join("ca.crt");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {url}\n    certificate-authority: {}\nusers:\n- name: admin\n  user:\n    token: {ADMIN_TOKEN}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: admin\ncurrent-context: test\n",
                ca.display()
            ),
        )
        .map_err(|e| e.to_string())?;

        let etcd_url = format!("http://127.0.0.1:{etcd_client}");
        let peer_url = format!("http://127.0.0.1:{etcd_peer}");
        let d = |f: &str| dir.join(f).display().to_string();
        spawn(
            &dir,
            "etcd",
            &assets.join("etcd"),
            &[
                "--name=default".into(),
                format!("--data-dir={}", d("etcd-data")),
                format!("--listen-client-urls={etcd_url}"),
                format!("--advertise-client-urls={etcd_url}"),
                format!("--listen-peer-urls={peer_url}"),
                format!("--initial-advertise-peer-urls={peer_url}"),
                format!("--initial-cluster=default={peer_url}"),
                "--logger=zap".into(),
                "--log-level=warn".into(),
            ],
        )?;
        spawn(
            &dir,
            "kube-apiserver",
            &assets.join("kube-apiserver"),
            &[
                "--bind-address=127.0.0.1".into(),
                format!("--secure-port={api}"),
                format!("--etcd-servers={etcd_url}"),
                format!("--tls-cert-file={}", d("server.crt")),
                format!("--tls-private-key-file={}", d("server.key")),
                format!("--client-ca-file={}", d("ca.crt")),
                format!("--token-auth-file={}", d("tokens.csv")),
                "--authorization-mode=RBAC".into(),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
                format!("--service-account-key-file={}", d("sa.pub")),
                format!("--service-account-signing-key-file={}", d("sa.key")),
                "--service-cluster-ip-range=10.0.0.0/24".into(),
                "--endpoint-reconciler-type=none".into(),
            ],
        )?;
        let server = Server {
            assets: assets.to_path_buf(),
            dir: dir.clone(),
            kubeconfig,
            url,
            ca,
            started_in: Duration::ZERO,
        };
        server.wait_ready(Duration::from_secs(90))?;
        spawn(
            &dir,
            "kube-controller-manager",
            &assets.join("kube-controller-manager"),
            &[
                format!("--kubeconfig={}", server.kubeconfig.display()),
                "--bind-address=127.0.0.1".into(),
                // No serving endpoint: nothing here reads the manager's metrics or health.
                "--secure-port=0".into(),
                "--leader-elect=false".into(),
                format!("--service-account-private-key-file={}", d("sa.key")),
                format!("--root-ca-file={}", d("ca.crt")),
                format!("--controllers={CONTROLLERS}"),
                "--kube-api-qps=200".into(),
                "--kube-api-burst=400".into(),
            ],
        )?;
        Ok(Server {
            started_in: t0.elapsed(),
            ..server
        })
    }

    /// Poll `/readyz` until it answers ok; an exited server is an error with its log.
    fn wait_ready(&self, limit: Duration) -> Result<(), String> {
        let t0 = Instant::now();
        loop {
            let out = self.kubectl(&["get", "--raw", "/readyz"], b"");
            if out.status.success() && out.stdout.starts_with(b"ok") {
                return Ok(());
            }
            for name in ["etcd", "kube-apiserver"] {
                if !self.alive(name) {
                    return Err(format!(
                        "{name} exited before the API server was ready\n{}",
                        log_tail(&self.dir.join(format!("{name}.log")))
                    ));
                }
            }
            if t0.elapsed() > limit {
                return Err(format!(
                    "the API server was not ready after {limit:?}: {}\n{}\n{}",
                    output_text(&out),
                    log_tail(&self.dir.join("etcd.log")),
                    log_tail(&self.dir.join("kube-apiserver.log"))
                ));
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Whether the server process `name` still runs (by the PID it wrote).
    fn alive(&self, name: &str) -> bool {
        let pid = std::fs::read_to_string(self.dir.join(format!("{name}.pid"))).unwrap_or_default();
        if pid.trim().is_empty() {
            return true; // not yet written: just started
        }
        // A zombie (exited, not yet reaped by this process) shows as state Z.
        match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
            Ok(stat) => !stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
            Err(_) => false,
        }
    }

    /// The logs of the servers (last lines), for a failure message.
    pub fn logs(&self) -> String {
        ["etcd", "kube-apiserver", "kube-controller-manager"]
            .iter()
            .map(|n| log_tail(&self.dir.join(format!("{n}.log"))))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A `kubectl` command as the admin against this server (discovery cache inside the
    /// temporary directory).
    pub fn kubectl_cmd(&self) -> Command {
        let mut cmd = Command::new(self.assets.join("kubectl"));
        self.env(&mut cmd);
        cmd
    }

    /// Point a command (kubectl, Helm, a shell) at this server: KUBECONFIG and kubectl's cache.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.dir.join("kube-cache"));
    }

    /// `kubectl ARGS` with `stdin`, whatever the exit code.
    pub fn kubectl(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_cmd(self.kubectl_cmd().args(args), stdin)
    }

    /// Create a namespace `PREFIX-N` no other test uses; its name.
    pub fn namespace(&self, prefix: &str) -> String {
        let name = unique(prefix);
        let out = self.kubectl(&["create", "namespace", &name], b"");
        assert!(
            out.status.success(),
            "create namespace {name}: {}",
            output_text(&out)
        );
        name
    }

    /// A temporary directory inside the server's (removed with it, whatever happens to the
    /// test process).
    pub fn tempdir(&self) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("work-")
            .tempdir_in(&self.dir)
            .unwrap_or_else(|e| panic!("temporary directory in {}: {e}", self.dir.display()))
    }
}

/// Stop the servers of a start that failed (by their PID files) and remove its directory.
fn stop(dir: &Path) {
    let pids: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if !pids.is_empty() {
        let _ = Command::new("kill").arg("-KILL").args(&pids).status();
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Start `exe ARGS` with its output in `DIR/NAME.log`, through a shell that first writes its
/// PID to `DIR/NAME.pid` (so the watchdog knows it even if this process dies at once), then
/// becomes the server.
fn spawn(dir: &Path, name: &str, exe: &Path, args: &[String]) -> Result<(), String> {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    Command::new("sh")
        .args(["-c", "echo $$ > \"$0\" && exec \"$@\""])
        .arg(dir.join(format!("{name}.pid")))
        .arg(exe)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("start {}: {e}", exe.display()))?;
    // Until the PID file exists the watchdog could not stop it: wait for it.
    let t0 = Instant::now();
    while !dir.join(format!("{name}.pid")).is_file() {
        if t0.elapsed() > Duration::from_secs(10) {
            return Err(format!("{name} wrote no PID file"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// `system:serviceaccount:NAMESPACE:NAME`, the user name of a ServiceAccount.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// `kubectl auth can-i VERB RESOURCE [-n NS | -A] [--subresource=SUB] --as=USER`: the answer,
/// from the exit code and the printed `yes`/`no` (which must agree).
pub fn can_i(
    user: &str,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    extra: &[&str],
) -> bool {
    let mut args = vec!["auth", "can-i", verb, resource];
    let ns_arg;
    match namespace {
        Some(ns) => {
            ns_arg = format!("--namespace={ns}");
            args.push(&ns_arg);
        }
        None => args.push("--all-namespaces"),
    }
    let as_arg = format!("--as={user}");
    args.push(&as_arg);
    args.extend_from_slice(extra);
    let out = kubectl(&args, b"");
    let answer = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match (out.status.code(), answer.as_str()) {
        (Some(0), "yes") => true,
        (Some(1), "no") => false,
        _ => panic!("kubectl {}: {}", args.join(" "), output_text(&out)),
    }
}

/// What `user` may do in `namespace`, as the server's SelfSubjectRulesReview answers it (what
/// `kubectl auth can-i --list` prints): the resource rules, each as
/// `group/resource[/name,...]: verb,verb` with the lists sorted, the whole sorted.
pub fn resource_rules(user: &str, namespace: &str) -> Vec<String> {
    let review = format!(
        "{{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\",\"spec\":{{\"namespace\":\"{namespace}\"}}}}"
    );
    let as_arg = format!("--as={user}");
    // --validate=false: validation would look up CRDs, which the subject may not list.
    let text = kubectl_ok(
        &[
            "create",
            "--validate=false",
            "-o",
            "json",
            "-f",
            "-",
            &as_arg,
        ],
        review.as_bytes(),
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("SelfSubjectRulesReview JSON");
    assert!(
        !v["status"]["incomplete"].as_bool().unwrap_or(false),
        "the rules review is incomplete: {text}"
    );
    let strings = |v: &serde_json::Value| -> Vec<String> {
        let mut s: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| x.as_str().unwrap_or_default().to_string())
            .collect();
        s.sort();
        s
    };
    let mut rules = Vec::new();
    for r in v["status"]["resourceRules"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let verbs = strings(&r["verbs"]).join(",");
        let names = strings(&r["resourceNames"]);
        for g in strings(&r["apiGroups"]) {
            for res in strings(&r["resources"]) {
                let mut key = format!("{g}/{res}");
                if !names.is_empty() {
                    key = format!("{key}/{}", names.join(","));
                }
                rules.push(format!("{key}: {verbs}"));
            }
        }
    }
    rules.sort();
    rules
}

/// The rules every authenticated user has in any namespace (`system:basic-user`): creating
/// reviews of itself.
pub const BASELINE_RULES: [&str; 3] = [
    "authentication.k8s.io/selfsubjectreviews: create",
    "authorization.k8s.io/selfsubjectaccessreviews: create",
    "authorization.k8s.io/selfsubjectrulesreviews: create",
];

/// An object as JSON (`kubectl get KIND NAME -n NS -o json`), or `None` when it does not exist.
pub fn get_json(kind: &str, name: &str, namespace: Option<&str>) -> Option<serde_json::Value> {
    let mut args = vec!["get", kind, name, "-o", "json", "--ignore-not-found"];
    let ns_arg;
    if let Some(ns) = namespace {
        ns_arg = format!("--namespace={ns}");
        args.push(&ns_arg);
    }
    let text = kubectl_ok(&args, b"");
    if text.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind}/{name}: {e}: {text}")))
    }
}

/// Every Helm the real-server tests run, by its name in `.ci/install-tools.sh`'s directory, with
/// the version it must report.
pub const HELMS: [(&str, &str); 3] = [
    ("helm3", "v3.17.3"),
    ("helm4", "v4.1.4"),
    ("helm42", "v4.2.3"),
];

/// One Helm pointed at the shared server, with homes of its own and this tool as its
/// post-renderer: Helm 3 by path (`--post-renderer BIN`), Helm 4 by the plugin of `plugin/`
/// (installed into its own HELM_DATA_HOME with the built binary in the plugin's `bin/`).
pub struct Helm {
    /// `helm3`, `helm4` or `helm42`.
    pub name: &'static str,
    /// `v3.17.3`, ...
    pub version: &'static str,
    /// Its homes and a work directory for values files and charts (inside the server's
    /// directory, so removed with it whatever happens).
    pub dir: tempfile::TempDir,
}

impl Helm {
    /// A Helm of [`HELMS`]: checks its version, installs the plugin for Helm 4.
    pub fn new(name: &'static str) -> Helm {
        let version = HELMS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no Helm {name}"))
            .1;
        let h = Helm {
            name,
            version,
            dir: server().tempdir(),
        };
        let v = h.run(&["version", "--short"]);
        assert!(
            v.status.success() && String::from_utf8_lossy(&v.stdout).starts_with(version),
            "{name} must be {version}: {}",
            output_text(&v)
        );
        if h.is_helm4() {
            let plugin = h.dir.path().join("plugin-src");
            std::fs::create_dir_all(plugin.join("bin")).expect("plugin dir");
            for f in ["plugin.yaml", "run"] {
                std::fs::copy(root().join("plugin").join(f), plugin.join(f))
                    .unwrap_or_else(|e| panic!("plugin/{f}: {e}"));
            }
            std::fs::copy(super::bin(), plugin.join("bin/spaces-postrender"))
                .expect("copy the binary into the plugin");
            let out = h.run(&["plugin", "install", &plugin.display().to_string()]);
            assert!(
                out.status.success(),
                "{name} plugin install: {}",
                output_text(&out)
            );
        }
        h
    }

    pub fn is_helm4(&self) -> bool {
        self.name != "helm3"
    }

    /// A path in the work directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join("work").join(name)
    }

    /// Write a file into the work directory (parents created); its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p
    }

    /// The Helm command, pointed at the server, with its own homes.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(super::tools().join(self.name));
        let d = self.dir.path();
        std::fs::create_dir_all(d.join("work")).expect("work dir");
        cmd.env("HELM_DATA_HOME", d.join("data"))
            .env("HELM_CONFIG_HOME", d.join("config"))
            .env("HELM_CACHE_HOME", d.join("cache"))
            .env_remove("HELM_PLUGINS")
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_PLUGIN_NAME")
            .env_remove("HELM_DRIVER")
            .env_remove("HELM_KUBECONTEXT")
            .current_dir(d.join("work"));
        server().env(&mut cmd);
        cmd
    }

    /// `helm ARGS`, whatever the exit code.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        run_cmd(self.cmd().args(args), b"")
    }

    /// `helm ARGS`, failing the test unless it succeeds; its stdout.
    pub fn ok<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{} {}: {}",
            self.name,
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            output_text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `--post-renderer` for this Helm and one `--post-renderer-args=ARG` per argument.
    pub fn post_renderer(&self, args: &[&str]) -> Vec<String> {
        let renderer = if self.is_helm4() {
            "spaces-postrender".to_string()
        } else {
            super::bin().display().to_string()
        };
        let mut v = vec!["--post-renderer".to_string(), renderer];
        v.extend(args.iter().map(|a| format!("--post-renderer-args={a}")));
        v
    }
}

/// Run `f` for every Helm of [`HELMS`], each in a thread of its own; a failure of any is a
/// failure of the test, with each failing Helm's message.
pub fn for_each_helm(f: impl Fn(&'static str) + Sync) {
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = HELMS
            .iter()
            .map(|(name, version)| {
                let f = &f;
                (
                    *name,
                    *version,
                    std::thread::Builder::new()
                        .name(format!("{name} {version}"))
                        .spawn_scoped(scope, move || f(name))
                        .expect("spawn a Helm thread"),
                )
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|(name, version, h)| {
                h.join().err().map(|p| {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    format!("=== {name} ({version}):\n{msg}")
                })
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
