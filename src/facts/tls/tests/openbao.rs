//! Against a real OpenBao TLS listener (the pinned binary from scripts/fetch-bao.sh):
//! fetch its chain, verify it, and probe TLS 1.0/1.1 with `tls_min_version` tls12 and tls10,
//! cross-checked with `openssl s_client`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::*;
use crate::facts::tls::*;

const BAO_VERSION: &str = "2.7.2";

/// `VAULTSEC_BAO`, else `.tools/openbao-<version>/bao` in the nearest ancestor of the crate.
fn bao_path() -> PathBuf {
    if let Some(p) = std::env::var_os("VAULTSEC_BAO") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "VAULTSEC_BAO={} is not a file", p.display());
        return p;
    }
    let rel = format!(".tools/openbao-{BAO_VERSION}/bao");
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join(&rel))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("OpenBao {BAO_VERSION} binary not found (.tools/openbao-{BAO_VERSION}/bao): run `bash scripts/fetch-bao.sh` in the repository root, or set VAULTSEC_BAO")
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Kills the server when the test ends, passed or not.
struct BaoGuard {
    child: Child,
    log: PathBuf,
}

impl BaoGuard {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for BaoGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_bao(
    dir: &TempDir,
    name: &str,
    cert: &Path,
    key: &Path,
    min_version: &str,
) -> (BaoGuard, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let config = format!(
        "storage \"inmem\" {{}}\nlistener \"tcp\" {{\n  address = \"{addr}\"\n  cluster_address = \"127.0.0.1:{}\"\n  tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n  tls_min_version = \"{min_version}\"\n}}\ndisable_mlock = true\n",
        free_port(),
        cert.display(),
        key.display()
    );
    let config_path = dir.write(&format!("{name}.hcl"), config);
    let log = dir.path().join(format!("{name}.log"));
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(bao_path())
        .arg("server")
        .arg(format!("-config={}", config_path.display()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start bao");
    let mut guard = BaoGuard { child, log };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = guard.child.try_wait() {
            panic!("bao exited early ({status}):\n{}", guard.log());
        }
        if TcpStream::connect_timeout(&addr.parse().expect("addr"), Duration::from_millis(200))
            .is_ok()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bao did not listen on {addr}:\n{}",
            guard.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (guard, addr)
}

/// `openssl s_client -tls1/-tls1_1`; `Some(protocol)` when the handshake completed.
/// SECLEVEL=0 lifts OpenSSL's own client-side ban on TLS < 1.2.
fn openssl_legacy(addr: &str, flag: &str) -> Option<String> {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            addr,
            flag,
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("openssl CLI needed for the cross-check: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Protocol  : "))
        .map(str::to_string)
        .filter(|_| !text.contains("Cipher is (NONE)"))
}

#[test]
fn real_openbao_listener() {
    let now = now();
    let dir = TempDir::new("bao");
    let p = pki(now, now + 30 * DAY);
    let cert = dir.write("bao.crt", concat(&[&p.leaf.cert_pem, &p.int.cert_pem]));
    let key = dir.write("bao.key", &p.leaf.key_pem);

    // The files the listener is configured with.
    let files = analyze_files(&cert, Some(&key), &opts(now, Some("127.0.0.1")));
    assert_eq!(files.state, FactState::Ok);
    assert_eq!(files.key.matches_leaf, Some(true));
    assert_eq!(files.hostname.matches, Some(true));
    assert!(files.chain.ordered);

    // tls_min_version = tls12: chain served as configured, legacy versions refused.
    {
        let (bao, addr) = start_bao(&dir, "tls12", &cert, &key, "tls12");
        let mut o = LiveTlsOptions {
            addr: addr.clone(),
            server_name: "127.0.0.1".into(),
            timeout: Duration::from_secs(10),
            ca_pem: Some(p.root.cert_pem.clone().into_bytes()),
            client_cert: None,
        };
        let hs = fetch_chain(&o).unwrap_or_else(|e| panic!("{e}\n{}", bao.log()));
        assert!(hs.completed, "{:?}", hs.handshake_error);
        assert_eq!(hs.chain, vec![p.leaf.der.clone(), p.int.der.clone()]);
        assert_eq!(hs.protocol_version.as_deref(), Some("TLSv1.3"));
        let v = verify_chain(&hs.chain, "127.0.0.1", o.ca_pem.as_deref(), now);
        assert!(v.verified, "{:?}", v.reason);

        for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
            let probe = probe_legacy_protocol(&addr, None, v, Duration::from_secs(5));
            assert_eq!(probe.outcome, LegacyOutcome::Rejected, "{probe:?}");
            // Go answers an unsupported version with alert 70.
            assert_eq!(
                probe.alert.as_ref().map(|a| a.description),
                Some(70),
                "{probe:?}"
            );
        }
        assert_eq!(
            openssl_legacy(&addr, "-tls1"),
            None,
            "openssl agrees: TLS 1.0 refused"
        );
        assert_eq!(
            openssl_legacy(&addr, "-tls1_1"),
            None,
            "openssl agrees: TLS 1.1 refused"
        );

        o.server_name = "localhost".into();
        let facts = live_facts(&o, &opts(now, Some("localhost")));
        assert_eq!(facts.state, FactState::Ok);
        assert!(facts.verification.as_ref().is_some_and(|v| v.verified));
        assert!(facts
            .legacy_protocols
            .iter()
            .all(|p| p.outcome == LegacyOutcome::Rejected));
    }

    // tls_min_version = tls10: Go still accepts TLS 1.0 and 1.1 when told to.
    {
        let (bao, addr) = start_bao(&dir, "tls10", &cert, &key, "tls10");
        for (v, flag, name) in [
            (LegacyVersion::Tls10, "-tls1", "TLSv1"),
            (LegacyVersion::Tls11, "-tls1_1", "TLSv1.1"),
        ] {
            let probe = probe_legacy_protocol(&addr, Some("localhost"), v, Duration::from_secs(5));
            assert_eq!(
                probe.outcome,
                LegacyOutcome::Accepted,
                "{probe:?}\n{}",
                bao.log()
            );
            assert_eq!(probe.server_version.as_deref(), Some(v.name()));
            assert!(probe.alert.is_none());
            // EC leaf: Go picks an ECDHE-ECDSA CBC suite.
            assert!(
                probe
                    .cipher_suite
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("TLS_ECDHE_ECDSA_WITH_AES_"),
                "{probe:?}"
            );
            assert_eq!(
                openssl_legacy(&addr, flag).as_deref(),
                Some(name),
                "openssl agrees: {name} accepted"
            );
        }
        let hs = fetch_chain(&LiveTlsOptions {
            addr: addr.clone(),
            server_name: "localhost".into(),
            timeout: Duration::from_secs(10),
            ca_pem: None,
            client_cert: None,
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", bao.log()));
        assert_eq!(
            hs.protocol_version.as_deref(),
            Some("TLSv1.3"),
            "rustls still negotiates 1.3"
        );
    }
}
