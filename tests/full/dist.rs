//! The release artifacts (SPEC §10): `packaging/dist.sh` runs once into a temporary directory,
//! then each artifact is used the way a user without a Rust toolchain uses it: the static
//! binary from the archive, the Helm 4 plugin tarball installed into the real Helm 4.1.4 and
//! 4.2.3, the Argo CD sidecar image's file system (from its OCI archive) running the plugin's
//! commands in a chroot. Never skipped: dist.sh installs what it needs or fails, and so does
//! this file. The static build is cached in target/dist, so a second run takes seconds.

use crate::common;

use common::e2e::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const TRIPLE: &str = "x86_64-unknown-linux-musl";
const IMAGE: &str = "spaces-postrender-argocd-cmp";

struct Dist {
    _dir: tempfile::TempDir,
    out: PathBuf,
    version: String,
    /// The archive, unpacked.
    unpacked: PathBuf,
}

impl Dist {
    fn file(&self, name: &str) -> PathBuf {
        let p = self.out.join(name);
        assert!(p.is_file(), "dist.sh wrote no {name}");
        p
    }
    fn archive(&self) -> String {
        format!("spaces-postrender-{}-{TRIPLE}.tar.gz", self.version)
    }
    fn plugin_tgz(&self) -> String {
        format!("spaces-postrender-{}.tgz", self.version)
    }
    fn image_tar(&self) -> String {
        format!("{IMAGE}-{}-linux-amd64.oci.tar", self.version)
    }
    /// The static binary, from the unpacked archive.
    fn bin(&self) -> PathBuf {
        self.unpacked
            .join(format!("spaces-postrender-{}-{TRIPLE}", self.version))
            .join("spaces-postrender")
    }
}

fn version() -> String {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
    toml.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no version in Cargo.toml"))
        .to_string()
}

/// `packaging/dist.sh` into a temporary directory, once for every test of this file (a
/// failure is remembered, not retried by the next test).
fn dist() -> &'static Dist {
    static DIST: OnceLock<Result<Dist, String>> = OnceLock::new();
    let r = DIST.get_or_init(|| {
        let dir = static_tempdir();
        let out = dir.path().join("out");
        let started = std::time::Instant::now();
        let o = Command::new("bash")
            .arg(root().join("packaging/dist.sh"))
            .arg(&out)
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run packaging/dist.sh: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "packaging/dist.sh failed ({}):\n{}\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr),
                String::from_utf8_lossy(&o.stdout)
            ));
        }
        eprintln!("packaging/dist.sh took {:.0?}", started.elapsed());
        let d = Dist {
            out,
            version: version(),
            unpacked: dir.path().join("unpacked"),
            _dir: dir,
        };
        std::fs::create_dir_all(&d.unpacked).map_err(|e| e.to_string())?;
        sh(Command::new("tar")
            .arg("-xzf")
            .arg(d.out.join(d.archive()))
            .arg("-C")
            .arg(&d.unpacked));
        Ok(d)
    });
    r.as_ref().unwrap_or_else(|e| panic!("{e}"))
}

/// Run a command that must succeed; its stdout.
fn sh(cmd: &mut Command) -> Vec<u8> {
    let o = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write_bytes(p: &Path, bytes: &[u8]) {
    std::fs::write(p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn sha256(p: &Path) -> String {
    let out = sh(Command::new("sha256sum").arg(p));
    String::from_utf8_lossy(&out)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// What the ELF headers say about an executable.
#[derive(Debug, PartialEq)]
struct Elf {
    x86_64: bool,
    /// PT_INTERP: started through a dynamic loader.
    interp: bool,
    /// DT_NEEDED entries: shared libraries it loads.
    needed: usize,
    /// A .symtab section: not stripped.
    symtab: bool,
}

fn elf(bytes: &[u8]) -> Option<Elf> {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .and_then(|v| usize::try_from(v).ok())
    };
    // ELF, 64-bit, little endian.
    if bytes.get(..6) != Some(b"\x7fELF\x02\x01") {
        return None;
    }
    let (phoff, phsize, phnum) = (
        u64_at(0x20)?,
        u16_at(0x36)? as usize,
        u16_at(0x38)? as usize,
    );
    let (shoff, shsize, shnum) = (
        u64_at(0x28)?,
        u16_at(0x3a)? as usize,
        u16_at(0x3c)? as usize,
    );
    let mut e = Elf {
        x86_64: u16_at(0x12)? == 62,
        interp: false,
        needed: 0,
        symtab: false,
    };
    for i in 0..phnum {
        let ph = phoff + i * phsize;
        match u32_at(ph)? {
            3 => e.interp = true,
            2 => {
                // PT_DYNAMIC: (tag, value) pairs up to DT_NULL.
                let (off, size) = (u64_at(ph + 8)?, u64_at(ph + 32)?);
                for d in (off..off + size).step_by(16) {
                    match u64_at(d)? {
                        0 => break,
                        1 => e.needed += 1,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    for i in 0..shnum {
        if u32_at(shoff + i * shsize + 4)? == 2 {
            e.symtab = true;
        }
    }
    Some(e)
}

fn is_static(bytes: &[u8]) -> bool {
    elf(bytes).is_some_and(|e| e.x86_64 && !e.interp && e.needed == 0)
}

/// Helm v3.17.3's rendering of the fixture chart, as Helm 3 hands it to a post-renderer.
fn rendered_chart() -> Vec<u8> {
    let homes = tempdir();
    sh(Command::new(tool("helm3"))
        .args(["template", "spaces"])
        .arg(chart())
        .args(["--namespace", "upbound-system"])
        .env("HELM_DATA_HOME", homes.path().join("data"))
        .env("HELM_CONFIG_HOME", homes.path().join("config"))
        .env("HELM_CACHE_HOME", homes.path().join("cache")))
}

fn run_bytes(bin: &Path, args: &[&str], stdin: &[u8], dir: &Path) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_NAMESPACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let mut sin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let _ = writer.join();
    out
}

#[test]
fn the_archive_holds_a_static_stripped_binary_license_and_readme() {
    let d = dist();
    let top = d
        .unpacked
        .join(format!("spaces-postrender-{}-{TRIPLE}", d.version));
    let mut entries: Vec<String> = std::fs::read_dir(&top)
        .unwrap_or_else(|e| panic!("{}: {e}", top.display()))
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    entries.sort();
    assert_eq!(
        entries,
        [
            "LICENSE",
            "README.md",
            "completions",
            "man",
            "spaces-postrender"
        ]
    );
    assert_eq!(read(&top.join("LICENSE")), read(&root().join("LICENSE")));
    let readme = String::from_utf8(read(&top.join("README.md"))).unwrap_or_default();
    assert!(
        readme.contains(&d.archive()) && readme.contains("statically linked"),
        "{readme}"
    );
    assert!(!readme.contains("@VERSION@"), "{readme}");
    assert!(top.join("man/spaces-postrender.1").is_file());
    assert!(top.join("completions/spaces-postrender.bash").is_file());

    let bytes = read(&d.bin());
    let e = elf(&bytes).unwrap_or_else(|| panic!("not a 64-bit ELF file"));
    assert_eq!(
        e,
        Elf {
            x86_64: true,
            interp: false,
            needed: 0,
            symtab: false
        },
        "statically linked (no loader, no shared libraries) and stripped"
    );
    // The dev build is a dynamic glibc executable: the check above tells the two apart.
    assert!(!is_static(&read(Path::new(BIN))), "{BIN} looks static");
    let v = sh(Command::new(d.bin()).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&v),
        format!("spaces-postrender {}\n", d.version)
    );
    eprintln!(
        "static binary: {} bytes; archive: {} bytes",
        bytes.len(),
        read(&d.file(&d.archive())).len()
    );
}

#[test]
fn the_static_binary_post_renders_like_the_dev_build() {
    let d = dist();
    let input = rendered_chart();
    let dir = tempdir();
    let values = dir.path().join("values.yaml");
    write(
        &values,
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n      target:\n        externalCluster:\n          enabled: true\n          secret:\n            name: my-argo-cluster\n    eso:\n      enabled: true\n",
    );
    let bad = dir.path().join("bad.yaml");
    write(
        &bad,
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: \"true\"\n    eso:\n      namespace: Bad_NS\n",
    );
    let cases: [(&[&str], &[u8]); 6] = [
        (
            &["--set", "features.alpha.argocdPlugin.enabled=true"],
            &input,
        ),
        (&["-f", "values.yaml"], &input),
        (&["-f", "values.yaml", "--target", "argocd"], &input),
        (
            &["generate", "-f", "values.yaml", "--target", "control-plane"],
            b"",
        ),
        (&["why", "-f", "values.yaml", "--output", "json"], &input),
        // The failure path: the same diagnostics, exit code and empty stdout.
        (&["-f", "bad.yaml"], &input),
    ];
    for (args, stdin) in cases {
        let ours = run_bytes(&d.bin(), args, stdin, dir.path());
        let dev = run_bytes(Path::new(BIN), args, stdin, dir.path());
        assert_eq!(
            (ours.status.code(), &ours.stderr),
            (dev.status.code(), &dev.stderr),
            "{args:?}: exit code and stderr"
        );
        assert!(
            ours.stdout == dev.stdout,
            "{args:?}: the static binary's output differs from the dev build's:\n{}\n---- dev:\n{}",
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&dev.stdout)
        );
    }
    let last = run_bytes(&d.bin(), &["-f", "bad.yaml"], &input, dir.path());
    assert_eq!(last.status.code(), Some(1));
    assert!(last.stdout.is_empty());
    let ok = run_bytes(
        &d.bin(),
        &["--set", "features.alpha.argocdPlugin.enabled=true"],
        &input,
        dir.path(),
    );
    assert!(
        ok.stdout.starts_with(&input) && ok.stdout.len() > input.len(),
        "the chart passes through and objects are added"
    );
}

#[test]
fn sha256sums_covers_every_artifact_and_verifies() {
    let d = dist();
    let sums = String::from_utf8(read(&d.file("SHA256SUMS"))).unwrap_or_default();
    let listed: BTreeSet<String> = sums
        .lines()
        .map(|l| {
            let (sum, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("not a sha256sum line: {l:?}"));
            assert_eq!(sum.len(), 64, "{l}");
            assert_eq!(sha256(&d.out.join(name)), sum, "{name}");
            name.to_string()
        })
        .collect();
    let files: BTreeSet<String> = std::fs::read_dir(&d.out)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    assert_eq!(listed, files, "SHA256SUMS names every artifact");
    let want: BTreeSet<String> = [d.archive(), d.plugin_tgz(), d.image_tar()]
        .into_iter()
        .collect();
    assert_eq!(files, want);
    // What a user runs.
    sh(Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&d.out));
}

/// A Helm 4 with homes of its own and a PATH without spaces-postrender.
struct Helm {
    helm: &'static str,
    homes: tempfile::TempDir,
}

impl Helm {
    fn new(helm: &'static str) -> Helm {
        Helm {
            helm,
            homes: tempdir(),
        }
    }
    fn cmd(&self) -> Command {
        let mut c = Command::new(tool(self.helm));
        let h = self.homes.path();
        c.env_clear()
            .env("HOME", h)
            .env("PATH", "/usr/bin:/bin")
            .env("HELM_DATA_HOME", h.join("data"))
            .env("HELM_CONFIG_HOME", h.join("config"))
            .env("HELM_CACHE_HOME", h.join("cache"))
            .current_dir(h);
        c
    }
}

fn no_binary_on(path: &str) {
    for dir in path.split(':') {
        assert!(
            !Path::new(dir).join("spaces-postrender").exists(),
            "{dir} has a spaces-postrender: the test would not show the bundled one is used"
        );
    }
}

#[test]
fn the_plugin_tarball_installs_into_helm_4_and_post_renders_without_the_binary_on_path() {
    let d = dist();
    let tgz = d.file(&d.plugin_tgz());
    no_binary_on("/usr/bin:/bin");
    for helm in ["helm4", "helm42"] {
        let h = Helm::new(helm);
        // Unsigned: the default (verify) refuses it, --verify=false installs it.
        let refused = run(h.cmd().args(["plugin", "install"]).arg(&tgz), b"");
        assert_ne!(refused.code, 0, "{helm} installed an unsigned plugin");
        assert!(
            refused.stderr.contains(".prov"),
            "{helm}: {}",
            refused.stderr
        );
        let out = run(
            h.cmd()
                .args(["plugin", "install", "--verify=false"])
                .arg(&tgz),
            b"",
        );
        assert!(
            out.ok("helm plugin install --verify=false")
                .contains("Installed plugin: spaces-postrender"),
            "{helm}: {}",
            out.stdout
        );
        let list = run(h.cmd().args(["plugin", "list"]), b"");
        let line = list
            .ok("helm plugin list")
            .lines()
            .find(|l| l.starts_with("spaces-postrender"))
            .unwrap_or_else(|| panic!("{helm}: not listed: {}", list.stdout))
            .to_string();
        assert!(
            line.contains(&d.version) && line.contains("postrenderer/v1"),
            "{line}"
        );
        let installed = h
            .homes
            .path()
            .join("data/plugins/spaces-postrender/bin/spaces-postrender");
        assert_eq!(
            read(&installed),
            read(&d.bin()),
            "{helm}: the bundled binary is the archive's"
        );

        let template = |args: &[&str]| {
            let mut c = h.cmd();
            c.args(["template", "spaces"]).arg(chart()).args([
                "--namespace",
                "upbound-system",
                "--post-renderer",
                "spaces-postrender",
            ]);
            for a in args {
                c.arg(format!("--post-renderer-args={a}"));
            }
            run(&mut c, b"")
        };
        let out = template(&["--set", "features.alpha.argocdPlugin.enabled=true"]);
        let names = kind_names(out.ok("helm template --post-renderer spaces-postrender"));
        assert_eq!(names, CHART_WITH_ARGOCD_PLUGIN, "{helm}");
        assert!(out
            .stdout
            .contains("# Source: spaces-postrender/space/role-spaces-argocd-plugin.yaml\n"));
        // Invalid values reach the user through Helm's error, as with the dev build.
        let bad = template(&["--set", "features.alpha.argocdPlugin.enabled=yes"]);
        assert_eq!(bad.code, 1, "{helm}: {}", bad.stdout);
        assert!(bad.stdout.is_empty());
        assert!(
            bad.stderr.contains(
                "error[wrong-type] features.alpha.argocdPlugin.enabled (--set argument 1)"
            ),
            "{helm}: {}",
            bad.stderr
        );
    }
}

/// The packaged plugin's `run` starts the bundled binary on the platform `bin/PLATFORM` names,
/// and `spaces-postrender` from PATH on any other (the bundled one could not run there).
#[test]
fn the_packaged_plugin_uses_path_on_another_platform() {
    let d = dist();
    let dir = tempdir();
    sh(Command::new("tar")
        .arg("-xzf")
        .arg(d.file(&d.plugin_tgz()))
        .arg("-C")
        .arg(dir.path()));
    let plugin = dir.path().join("spaces-postrender");
    assert_eq!(
        std::fs::read_to_string(plugin.join("bin/PLATFORM")).unwrap_or_default(),
        "Linux x86_64\n"
    );
    let path_dir = dir.path().join("path");
    write(
        &path_dir.join("spaces-postrender"),
        "#!/bin/sh\necho \"from PATH $*\"\n",
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            path_dir.join("spaces-postrender"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let run_plugin = || {
        let o = sh(Command::new(plugin.join("run"))
            .arg("--version")
            .env("PATH", format!("{}:/usr/bin:/bin", path_dir.display())));
        String::from_utf8_lossy(&o).into_owned()
    };
    assert_eq!(run_plugin(), format!("spaces-postrender {}\n", d.version));
    write(&plugin.join("bin/PLATFORM"), "Plan9 mips\n");
    assert_eq!(run_plugin(), "from PATH --version\n");
}

/// What docs/install.md says about sharing Helm's data directory: Helm 3 complains about any
/// Helm 4 plugin in it, and a HELM_DATA_HOME of Helm 4's own keeps them apart.
#[test]
fn helm_3_and_helm_4_stay_apart_with_their_own_data_home() {
    let d = dist();
    let tgz = d.file(&d.plugin_tgz());
    let h = Helm::new("helm4");
    let helm3 = |data: &str| {
        let mut c = Command::new(tool("helm3"));
        let home = h.homes.path();
        c.env_clear()
            .env("HOME", home)
            .env("PATH", "/usr/bin:/bin")
            .env("HELM_DATA_HOME", home.join(data))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_CACHE_HOME", home.join("cache"))
            .args(["template", "spaces"])
            .arg(chart());
        run(&mut c, b"")
    };
    run(
        h.cmd()
            .args(["plugin", "install", "--verify=false"])
            .arg(&tgz),
        b"",
    )
    .ok("helm4 plugin install");
    // Shared: Helm 3 still renders, but says so on every command.
    let shared = helm3("data");
    shared.ok("helm3 template, shared data home");
    assert!(
        shared.stderr.contains("failed to load plugins"),
        "{}",
        shared.stderr
    );
    // Apart: nothing to complain about.
    let apart = helm3("data3");
    apart.ok("helm3 template, its own data home");
    assert!(apart.stderr.is_empty(), "{}", apart.stderr);
}

/// The signing procedure of docs/install.md with a throwaway key: `packaging/sign-plugin.sh`
/// re-packages the plugin with `helm plugin package --sign`; Helm 4 then verifies and installs
/// it with the public key, and refuses it with another key.
#[test]
fn a_signed_plugin_tarball_verifies_and_installs_with_the_key() {
    let d = dist();
    let gpg = String::from_utf8(sh(Command::new("bash").arg("-c").arg(format!(
        ". '{}'; need_cmd gpg gpg >&2; command -v gpg",
        root().join("packaging/lib.sh").display()
    ))))
    .unwrap_or_default();
    let gpg = gpg.trim();
    let dir = tempdir();
    let release = dir.path().join("release");
    copy_dir(&d.out, &release);
    // A key in a GnuPG home of its own; its public (or secret) keyring exported to a file,
    // the legacy format Helm reads.
    let gnupg = dir.path().join("gnupg");
    let key = |name: &str, uid: &str| -> (PathBuf, PathBuf) {
        let home = gnupg.join(name);
        std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let gpg_cmd = |args: &[&str]| {
            sh(Command::new(gpg)
                .env("GNUPGHOME", &home)
                .arg("--batch")
                .args(args))
        };
        gpg_cmd(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "rsa2048",
            "sign",
            "never",
        ]);
        let public = gnupg.join(format!("{name}-public.gpg"));
        let secret = gnupg.join(format!("{name}-secret.gpg"));
        write_bytes(&public, &gpg_cmd(&["--export", uid]));
        write_bytes(&secret, &gpg_cmd(&["--export-secret-keys", uid]));
        (public, secret)
    };
    let (pubring, secring) = key("release", "Spaces Release Test <release@example.com>");
    let (other, _) = key("other", "Someone Else <else@example.com>");
    sh(Command::new("bash")
        .arg(root().join("packaging/sign-plugin.sh"))
        .arg(&release)
        .arg("Spaces Release Test")
        .arg(&secring));
    let tgz = release.join(d.plugin_tgz());
    assert_eq!(
        read(&tgz),
        read(&d.file(&d.plugin_tgz())),
        "signing keeps the tarball's bytes"
    );
    assert!(release.join(format!("{}.prov", d.plugin_tgz())).is_file());
    sh(Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&release));
    // RELEASING.md's last step before the upload, on the signed release: it passes; and it
    // catches a file whose bytes no longer match SHA256SUMS and a file SHA256SUMS omits.
    let check = |dir: &Path| {
        run(
            Command::new("bash")
                .arg(root().join("packaging/release-check.sh"))
                .arg(dir)
                .arg("--signed"),
            b"",
        )
    };
    let ok = check(&release);
    ok.ok("packaging/release-check.sh --signed");
    assert!(
        ok.stderr.contains("signs the tarball's bytes"),
        "{}",
        ok.stderr
    );
    for (what, tamper) in [
        ("a changed file", "SHA256SUMS_changed"),
        ("an unlisted file", "SHA256SUMS_extra"),
    ] {
        let bad = dir.path().join(tamper);
        copy_dir(&release, &bad);
        if tamper.ends_with("changed") {
            write_bytes(&bad.join(d.plugin_tgz()), b"not the tarball");
        } else {
            write_bytes(&bad.join("notes.txt"), b"an extra file");
        }
        let refused = check(&bad);
        assert_eq!(
            refused.code, 1,
            "release-check passed {what}: {}",
            refused.stderr
        );
    }
    for helm in ["helm4", "helm42"] {
        let h = Helm::new(helm);
        let verify = run(
            h.cmd()
                .args(["plugin", "verify", "--keyring"])
                .arg(&pubring)
                .arg(&tgz),
            b"",
        );
        assert!(
            verify
                .ok("helm plugin verify")
                .contains("Signed by: Spaces Release Test"),
            "{helm}: {}",
            verify.stdout
        );
        let wrong = run(
            h.cmd()
                .args(["plugin", "install", "--keyring"])
                .arg(&other)
                .arg(&tgz),
            b"",
        );
        assert_ne!(wrong.code, 0, "{helm} installed with the wrong key");
        run(
            h.cmd()
                .args(["plugin", "install", "--keyring"])
                .arg(&pubring)
                .arg(&tgz),
            b"",
        )
        .ok("helm plugin install --keyring <public key>");
        let list = run(h.cmd().args(["plugin", "list"]), b"");
        assert!(
            list.ok("helm plugin list").contains("signed"),
            "{helm}: {}",
            list.stdout
        );
    }
}

/// The image's OCI layout, unpacked: the layout directory and the root file system (its
/// layers applied in order).
struct Image {
    _dir: tempfile::TempDir,
    layout: PathBuf,
    rootfs: PathBuf,
    config: Value,
    ref_name: String,
}

fn image() -> &'static Image {
    static IMAGE_FS: OnceLock<Image> = OnceLock::new();
    IMAGE_FS.get_or_init(|| {
        let d = dist();
        let dir = static_tempdir();
        let layout = dir.path().join("layout");
        let rootfs = dir.path().join("rootfs");
        std::fs::create_dir_all(&layout).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&rootfs).unwrap_or_else(|e| panic!("{e}"));
        sh(Command::new("tar")
            .arg("-xf")
            .arg(d.file(&d.image_tar()))
            .arg("-C")
            .arg(&layout));
        assert_eq!(
            json(&layout.join("oci-layout")),
            serde_json::json!({"imageLayoutVersion": "1.0.0"})
        );
        // Every blob is named by its sha256.
        let blobs = layout.join("blobs/sha256");
        let mut count = 0;
        for e in std::fs::read_dir(&blobs).unwrap_or_else(|e| panic!("{e}")) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            assert_eq!(sha256(&p), name, "blob {name}");
            count += 1;
        }
        let blob = |desc: &Value, media: &str| -> PathBuf {
            assert_eq!(desc["mediaType"], media, "{desc}");
            let digest = desc["digest"].as_str().unwrap_or_default();
            let hex = digest
                .strip_prefix("sha256:")
                .unwrap_or_else(|| panic!("digest {digest}"));
            let p = blobs.join(hex);
            assert!(p.is_file(), "missing blob {digest}");
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            assert_eq!(Some(size), desc["size"].as_u64(), "size of {digest}");
            p
        };
        let index = json(&layout.join("index.json"));
        assert_eq!(index["schemaVersion"], 2);
        let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
        assert_eq!(manifests.len(), 1, "{index}");
        let ref_name = manifests[0]["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let manifest = json(&blob(
            &manifests[0],
            "application/vnd.oci.image.manifest.v1+json",
        ));
        assert_eq!(manifest["schemaVersion"], 2);
        let config = json(&blob(
            &manifest["config"],
            "application/vnd.oci.image.config.v1+json",
        ));
        let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
        assert!(!layers.is_empty());
        assert_eq!(count, 2 + layers.len(), "no blob outside the image");
        for l in &layers {
            let p = blob(l, "application/vnd.oci.image.layer.v1.tar+gzip");
            // As root, tar keeps the layer's owners (999 for /home/argocd).
            sh(Command::new("tar")
                .arg("-xzf")
                .arg(&p)
                .arg("-C")
                .arg(&rootfs));
        }
        Image {
            _dir: dir,
            layout,
            rootfs,
            config,
            ref_name,
        }
    })
}

#[test]
fn the_image_archive_is_an_oci_layout_of_static_binaries() {
    let d = dist();
    let img = image();
    assert!(img.layout.join("index.json").is_file());
    assert_eq!(img.ref_name, d.version);
    let c = &img.config;
    assert_eq!(c["os"], "linux");
    assert_eq!(c["architecture"], "amd64");
    assert_eq!(c["config"]["User"], "999:999");
    let env: Vec<&str> = c["config"]["Env"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(env.contains(&"PATH=/usr/local/bin:/bin"), "{env:?}");
    assert_eq!(
        c["config"]["Labels"]["org.opencontainers.image.version"],
        d.version.as_str()
    );
    let r = &img.rootfs;
    assert_eq!(
        read(&r.join("home/argocd/cmp-server/config/plugin.yaml")),
        read(&root().join("plugin/argocd/plugin.yaml"))
    );
    assert_eq!(
        read(&r.join("usr/local/bin/spaces-postrender")),
        read(&d.bin())
    );
    assert_eq!(read(&r.join("usr/local/bin/helm")), read(&tool("helm3")));
    assert_eq!(
        std::fs::read_link(r.join("bin/sh")).unwrap_or_default(),
        PathBuf::from("busybox")
    );
    // FROM scratch: every executable in it is static.
    let mut elves = 0;
    for p in [
        "bin/busybox",
        "usr/local/bin/helm",
        "usr/local/bin/spaces-postrender",
    ] {
        assert!(is_static(&read(&r.join(p))), "{p} is not statically linked");
        elves += 1;
    }
    assert_eq!(elves, 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let home = std::fs::metadata(r.join("home/argocd")).unwrap_or_else(|e| panic!("{e}"));
        if running_as_root() {
            assert_eq!(
                (home.uid(), home.gid()),
                (999, 999),
                "/home/argocd is user 999's"
            );
        }
        let tmp = std::fs::metadata(r.join("tmp")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            tmp.mode() & 0o7777,
            0o1777,
            "/tmp is writable by all, sticky"
        );
    }
    // The repo-server patch names this image (a registry of the user's, then name:tag).
    let patch: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root().join("plugin/argocd/repo-server-patch.yaml"))
            .unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("repo-server-patch.yaml: {e}"));
    let image = patch["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default();
    assert!(
        image.ends_with(&format!("/{IMAGE}:{}", img.ref_name)),
        "the patch names {image}, the archive holds {IMAGE}:{}",
        img.ref_name
    );
    assert_eq!(
        patch["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"],
        999
    );
}

/// A program of the host system by absolute path (the commands run with the image's PATH).
fn system_tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("no {name} in /usr/sbin, /usr/bin, /sbin or /bin (coreutils, util-linux)")
        })
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// `command` + `args` of a step of the image's plugin.yaml, as the CMP server execs them.
fn step(plugin: &Value, name: &str) -> Vec<String> {
    let s = &plugin["spec"][name];
    s["command"]
        .as_array()
        .into_iter()
        .chain(s["args"].as_array())
        .flatten()
        .map(|v| v.as_str().unwrap_or_else(|| panic!("{v}")).to_string())
        .collect()
}

/// Run a plugin step inside the image's file system (chroot, as user 999 with the image's
/// environment), in the application source directory `/tmp/<case>/spaces`, the way the CMP
/// server runs it in the sidecar.
fn in_image(img: &Image, case: &str, argv: &[String], env: &[(&str, &str)]) -> Out {
    let src = format!("/tmp/{case}/spaces");
    let mut cmd = if running_as_root() {
        let mut c = Command::new(system_tool("chroot"));
        c.arg("--userspec=999:999");
        c
    } else {
        // Not root (CI is): a user namespace gives chroot its privilege, and uid 0 inside.
        let mut c = Command::new(system_tool("unshare"));
        c.args(["--map-root-user", "chroot"]);
        c
    };
    cmd.arg(&img.rootfs)
        .args(["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh"])
        .arg(&src)
        .args(argv)
        .env_clear();
    for e in img.config["config"]["Env"].as_array().into_iter().flatten() {
        if let Some((k, v)) = e.as_str().and_then(|e| e.split_once('=')) {
            cmd.env(k, v);
        }
    }
    cmd.env("ARGOCD_APP_NAME", "spaces")
        .env("ARGOCD_APP_NAMESPACE", "upbound-system")
        .env("ARGOCD_APP_SOURCE_PATH", "spaces")
        .env("ARGOCD_APP_REVISION", "0123456789abcdef");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd, b"")
}

/// The same step on the host, with Helm v3.17.3 and the dev build on PATH (tests/full/argocd_cmp.rs).
fn on_host(dir: &Path, argv: &[String]) -> Out {
    let bin = dir.join("host-bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::os::unix::fs::symlink(tool("helm3"), bin.join("helm"));
    let _ = std::os::unix::fs::symlink(BIN, bin.join("spaces-postrender"));
    let home = dir.join("host-home");
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(dir.join("spaces"))
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", &home)
        .env("HELM_DATA_HOME", home.join("data"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("ARGOCD_APP_NAME", "spaces")
        .env("ARGOCD_APP_NAMESPACE", "upbound-system")
        .env("ARGOCD_APP_SOURCE_PATH", "spaces")
        .env("ARGOCD_APP_REVISION", "0123456789abcdef");
    run(&mut cmd, b"")
}

/// An application source directory for `case` inside the image's /tmp (owned by user 999, as
/// the CMP server's checkout is): the fixture chart with `values` appended to its values.yaml.
fn app_source(img: &Image, case: &str, values: &str) -> PathBuf {
    let dir = img.rootfs.join("tmp").join(case);
    let src = dir.join("spaces");
    copy_dir(&chart(), &src);
    let v = src.join("values.yaml");
    let mut text = std::fs::read_to_string(&v).unwrap_or_default();
    text.push_str(values);
    write(&v, &text);
    if running_as_root() {
        sh(Command::new("chown").args(["-R", "999:999"]).arg(&dir));
    }
    dir
}

#[test]
fn the_image_runs_the_argocd_plugin_on_the_fixture_chart() {
    let img = image();
    let plugin: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(img.rootfs.join("home/argocd/cmp-server/config/plugin.yaml"))
            .unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("the image's plugin.yaml: {e}"));
    let (init, generate) = (step(&plugin, "init"), step(&plugin, "generate"));

    let dir = app_source(
        img,
        "good",
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: true\n      target:\n        secretNamespace: argocd\n",
    );
    let i = in_image(img, "good", &init, &[]);
    assert!(i.ok("init in the image").is_empty(), "{}", i.stdout);
    let g = in_image(img, "good", &generate, &[]);
    let text = g.ok("generate in the image");
    let names = kind_names(text);
    assert_eq!(names, CHART_WITH_ARGOCD_PLUGIN);
    // Byte for byte what the same command gives on the host with the dev build.
    let host = on_host(&dir, &generate);
    assert_eq!(text, host.ok("generate on the host"));
    // The Application's env picks another target and values file.
    write(
        &dir.join("spaces/eso.yaml"),
        "features:\n  alpha:\n    eso:\n      enabled: true\n      namespace: eso\n",
    );
    if running_as_root() {
        sh(Command::new("chown")
            .args(["999:999"])
            .arg(dir.join("spaces/eso.yaml")));
    }
    let eso = in_image(
        img,
        "good",
        &generate,
        &[
            ("ARGOCD_ENV_VALUES_FILE", "eso.yaml"),
            ("ARGOCD_ENV_TARGET", "control-plane"),
        ],
    );
    assert!(
        kind_names(eso.ok("generate with ARGOCD_ENV_*")).contains(&"Namespace /eso".to_string()),
        "{}",
        eso.stdout
    );

    // A hostile Application: values outside the source directory (here the image's own
    // /etc/passwd, by absolute path and by `..`) are refused before helm reads them.
    for hostile in ["/etc/passwd", "../../../etc/passwd"] {
        let out = in_image(
            img,
            "good",
            &generate,
            &[("ARGOCD_ENV_VALUES_FILE", hostile)],
        );
        assert_ne!(out.code, 0, "{hostile}: must fail: {}", out.stdout);
        assert!(out.stdout.is_empty(), "{hostile}: {}", out.stdout);
        assert!(
            out.stderr
                .contains("error[path-refused] ($ARGOCD_ENV_VALUES_FILE)")
                && !out.stderr.contains("root:x:0:0"),
            "{hostile}: {}",
            out.stderr
        );
    }

    // Invalid values: non-zero, nothing on stdout, the reason on stderr.
    app_source(
        img,
        "bad",
        "features:\n  alpha:\n    argocdPlugin:\n      enabled: \"true\"\n",
    );
    in_image(img, "bad", &init, &[]).ok("init (bad values)");
    let bad = in_image(img, "bad", &generate, &[]);
    assert_ne!(bad.code, 0, "must fail: {}", bad.stdout);
    assert!(bad.stdout.is_empty(), "nothing on stdout: {}", bad.stdout);
    assert!(
        bad.stderr
            .contains("error[wrong-type] features.alpha.argocdPlugin.enabled"),
        "{}",
        bad.stderr
    );
    // A broken chart: helm fails first; still nothing on stdout.
    let broken = app_source(img, "broken", "");
    write(
        &broken.join("spaces/templates/broken.yaml"),
        "{{ .Values.nope.nope }}\n",
    );
    let out = in_image(img, "broken", &generate, &[]);
    assert_ne!(out.code, 0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("nil pointer"), "{}", out.stderr);
}

/// `cargo package` ships what a crate user builds from, and none of the tests, fixtures,
/// benchmarks, packaging or docs.
#[test]
fn the_crate_package_holds_only_what_a_crate_user_needs() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let list = sh(Command::new(cargo)
        .args(["package", "--list", "--locked", "--allow-dirty"])
        .current_dir(root()));
    let files: Vec<String> = String::from_utf8_lossy(&list)
        .lines()
        .map(str::to_string)
        .collect();
    for want in [
        "Cargo.toml",
        "Cargo.lock",
        "LICENSE",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} missing: {files:?}");
    }
    for f in &files {
        let top = f.split('/').next().unwrap_or("");
        assert!(
            matches!(
                top,
                "src"
                    | "schemas"
                    | "Cargo.toml"
                    | "Cargo.toml.orig"
                    | "Cargo.lock"
                    | "README.md"
                    | "LICENSE"
                    | "ARCHITECTURE.md"
                    | ".cargo_vcs_info.json"
            ),
            "{f} is in the crate package"
        );
    }
}
