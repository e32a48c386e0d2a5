//! Live listener tests against local rustls servers and silent TCP listeners.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::support::*;
use crate::facts::tls::*;

/// A rustls server on 127.0.0.1:0, handshaking every connection until dropped.
pub struct TlsServer {
    pub addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TlsServer {
    pub fn start(config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr").to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let config = Arc::new(config);
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut sock, _)) => {
                        let _ = sock.set_nonblocking(false);
                        let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
                        let _ = sock.set_write_timeout(Some(Duration::from_secs(5)));
                        if let Ok(mut conn) = ServerConnection::new(config.clone()) {
                            let _ = conn.complete_io(&mut sock);
                            let _ = conn.complete_io(&mut sock);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TlsServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("cert pem")
}

fn server_config(
    chain_pem: &str,
    key_pem: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ServerConfig {
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            certs(chain_pem),
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key"),
        )
        .expect("server config")
}

fn live_opts(addr: &str, name: &str, timeout: Duration) -> LiveTlsOptions {
    LiveTlsOptions {
        addr: addr.to_string(),
        server_name: name.to_string(),
        timeout,
        ca_pem: None,
        client_cert: None,
    }
}

const ALL: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

#[test]
fn expired_self_signed_chain_is_fetched_and_fails_verification() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(
        &leaf_params(
            &["localhost"],
            "expired.test",
            now - 60 * DAY,
            now - 2 * DAY,
        ),
        &k,
    );
    let server = TlsServer::start(server_config(&g.cert_pem, &g.key_pem, ALL));

    let hs = fetch_chain(&live_opts(
        &server.addr,
        "localhost",
        Duration::from_secs(5),
    ))
    .expect("handshake");
    assert!(hs.completed, "{:?}", hs.handshake_error);
    assert_eq!(hs.chain, vec![g.der.clone()]);
    assert_eq!(hs.chain_length, 1);
    assert_eq!(hs.protocol_version.as_deref(), Some("TLSv1.3"));
    assert!(
        hs.cipher_suite
            .as_deref()
            .unwrap_or("")
            .starts_with("TLS13_"),
        "{:?}",
        hs.cipher_suite
    );
    assert_eq!(hs.peer_addr, server.addr);

    let facts = analyze_der_chain(&hs.chain, &opts(now, Some("localhost")));
    assert_eq!(facts.source, "live");
    assert!(facts.certificates[0].expired && facts.certificates[0].self_signed);
    assert_eq!(facts.hostname.matches, Some(true));
    assert_eq!(facts.key.state, KeyState::Absent);

    // Trusting the certificate itself still fails: it is expired.
    let v = verify_chain(&hs.chain, "localhost", Some(g.cert_pem.as_bytes()), now);
    assert!(!v.verified);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::Expired),
        "{:?}",
        v.reason
    );
    assert!(
        v.reason.as_deref().unwrap_or("").contains("expired"),
        "{:?}",
        v.reason
    );
    assert_eq!((v.roots, v.roots_loaded), (RootsSource::CaFile, 1));
    // webpki checks the leaf's validity period before looking for an issuer.
    let v = verify_chain(&hs.chain, "localhost", None, now);
    assert!(!v.verified);
    assert_eq!(v.roots, RootsSource::System);
    assert!(
        v.roots_loaded > 0,
        "this machine has system roots (ca-certificates)"
    );
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::Expired),
        "{:?}",
        v.reason
    );

    // A valid self-signed certificate is of unknown issuer to the system roots.
    let fresh = self_signed(
        &leaf_params(&["localhost"], "fresh.test", now - DAY, now + DAY),
        &k,
    );
    let v = verify_chain(&[fresh.der], "localhost", None, now);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::UnknownIssuer),
        "{:?}",
        v.reason
    );
}

#[test]
fn ca_issued_chain_verifies_and_names_are_checked() {
    let now = now();
    let p = pki(now, now + 90 * DAY);
    let chain_pem = concat(&[&p.leaf.cert_pem, &p.int.cert_pem]);
    let server = TlsServer::start(server_config(
        &chain_pem,
        &p.leaf.key_pem,
        &[&rustls::version::TLS12],
    ));
    let hs = fetch_chain(&live_opts(
        &server.addr,
        "localhost",
        Duration::from_secs(5),
    ))
    .expect("handshake");
    assert_eq!(hs.chain, vec![p.leaf.der.clone(), p.int.der.clone()]);
    assert_eq!(hs.protocol_version.as_deref(), Some("TLSv1.2"));
    assert!(
        hs.cipher_suite
            .as_deref()
            .unwrap_or("")
            .starts_with("TLS_ECDHE_ECDSA_"),
        "{:?}",
        hs.cipher_suite
    );

    let root = p.root.cert_pem.as_bytes();
    let v = verify_chain(&hs.chain, "localhost", Some(root), now);
    assert!(v.verified, "{:?}", v.reason);
    assert_eq!((v.error_kind, v.reason), (None, None));
    let v = verify_chain(&hs.chain, "127.0.0.1", Some(root), now);
    assert!(v.verified, "IP SAN: {:?}", v.reason);
    let v = verify_chain(&hs.chain, "vault.example.com", Some(root), now);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::NameMismatch),
        "{:?}",
        v.reason
    );
    let v = verify_chain(&hs.chain, "localhost", Some(p.int.cert_pem.as_bytes()), now);
    assert!(
        v.verified,
        "an intermediate may be the trust anchor: {:?}",
        v.reason
    );
    let other_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let other = self_signed(&ca_params("another root", now - DAY, now + DAY), &other_key);
    let v = verify_chain(&hs.chain, "localhost", Some(other.cert_pem.as_bytes()), now);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::UnknownIssuer),
        "{:?}",
        v.reason
    );
    // A root with the right name but another key: the signature does not verify.
    let impostor = pki(now, now + DAY);
    let v = verify_chain(
        &hs.chain,
        "localhost",
        Some(impostor.root.cert_pem.as_bytes()),
        now,
    );
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::BadSignature),
        "{:?}",
        v.reason
    );
    // Served without the intermediate, the root alone cannot reach the leaf.
    let v = verify_chain(&hs.chain[..1], "localhost", Some(root), now);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::UnknownIssuer),
        "{:?}",
        v.reason
    );
    let v = verify_chain(&hs.chain, "localhost", Some(root), now + 91 * DAY);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::Expired),
        "{:?}",
        v.reason
    );
    let v = verify_chain(&hs.chain, "localhost", Some(root), now - 2 * DAY);
    assert_eq!(
        v.error_kind,
        Some(VerifyErrorKind::NotValidYet),
        "{:?}",
        v.reason
    );
    let v = verify_chain(&hs.chain, "localhost", Some(b"no certificates here"), now);
    assert_eq!(v.error_kind, Some(VerifyErrorKind::CaInvalid));
    let v = verify_chain(&[], "localhost", Some(root), now);
    assert_eq!(v.error_kind, Some(VerifyErrorKind::EmptyChain));
    let v = verify_chain(&hs.chain, "not a name!", Some(root), now);
    assert_eq!(v.error_kind, Some(VerifyErrorKind::InvalidServerName));

    // The whole live fact set, with the legacy probes.
    let mut o = live_opts(&server.addr, "localhost", Duration::from_secs(5));
    o.ca_pem = Some(root.to_vec());
    let facts = live_facts(&o, &opts(now, Some("localhost")));
    assert_eq!(facts.state, FactState::Ok, "{:?}", facts.reason);
    assert!(facts.verification.as_ref().is_some_and(|v| v.verified));
    let certs = facts.certificates.as_ref().expect("certificate facts");
    assert!(certs.chain.ordered && !certs.chain.complete);
    assert_eq!(facts.legacy_protocols.len(), 2);
    assert!(
        facts
            .legacy_protocols
            .iter()
            .all(|p| p.outcome == LegacyOutcome::Rejected),
        "{:?}",
        facts.legacy_protocols
    );
    let json = serde_json::to_value(&facts).expect("json");
    assert_eq!(json["legacy_protocols"][0]["version"], "TLSv1.0");
    assert_eq!(json["legacy_protocols"][1]["outcome"], "rejected");
    assert_eq!(json["handshake"]["protocol_version"], "TLSv1.2");
    assert!(
        json["handshake"].get("chain").is_none(),
        "raw chain is not serialised"
    );
}

#[test]
fn rustls_server_rejects_legacy_versions() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(&leaf_params(&["localhost"], "l", now - DAY, now + DAY), &k);
    let server = TlsServer::start(server_config(&g.cert_pem, &g.key_pem, ALL));
    for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
        let started = Instant::now();
        let p = probe_legacy_protocol(&server.addr, Some("localhost"), v, Duration::from_secs(5));
        assert_eq!(p.outcome, LegacyOutcome::Rejected, "{p:?}");
        assert_eq!(p.version, v);
        // rustls answers a ClientHello without TLS 1.2+ with a fatal handshake_failure.
        let alert = p.alert.as_ref().expect("an alert");
        assert_eq!(
            (alert.level, alert.description, alert.name.as_str()),
            (2, 40, "handshake_failure"),
            "{p:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
    }
    // Extreme timeouts neither panic nor hang.
    let p = probe_legacy_protocol(&server.addr, None, LegacyVersion::Tls10, Duration::MAX);
    assert_eq!(p.outcome, LegacyOutcome::Rejected, "{p:?}");
    let p = probe_legacy_protocol(&server.addr, None, LegacyVersion::Tls10, Duration::ZERO);
    assert_eq!(p.error_kind.as_deref(), Some("timeout"), "{p:?}");
    let err = fetch_chain(&live_opts(&server.addr, "localhost", Duration::ZERO))
        .expect_err("zero timeout");
    assert_eq!(err.kind(), "timeout");
    assert!(fetch_chain(&live_opts(&server.addr, "localhost", Duration::MAX)).is_ok());
}

#[test]
fn client_certificate_required() {
    let now = now();
    let p = pki(now, now + 30 * DAY);
    // Client certificate issued by the same intermediate.
    let client_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let int_issuer = rcgen::Issuer::from_params(&p.int_params, &p.int_key);
    let mut cp = leaf_params(&["client.test"], "client", now - DAY, now + DAY);
    cp.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client = signed(&cp, &client_key, &int_issuer);

    let mut roots = RootCertStore::empty();
    roots.add(certs(&p.root.cert_pem).remove(0)).expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("client verifier");
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certs(&concat(&[&p.leaf.cert_pem, &p.int.cert_pem])),
            PrivateKeyDer::from_pem_slice(p.leaf.key_pem.as_bytes()).expect("key"),
        )
        .expect("config");
    let server = TlsServer::start(config);

    // Without a client certificate the TLS 1.2 server aborts, but only after sending its chain.
    let hs = fetch_chain(&live_opts(
        &server.addr,
        "localhost",
        Duration::from_secs(5),
    ))
    .expect("chain even so");
    assert!(!hs.completed);
    assert!(hs.handshake_error.is_some());
    assert_eq!(hs.chain_length, 2);

    let mut o = live_opts(&server.addr, "localhost", Duration::from_secs(5));
    o.client_cert = Some((
        concat(&[&client.cert_pem, &p.int.cert_pem]).into_bytes(),
        client.key_pem.clone().into_bytes(),
    ));
    let hs = fetch_chain(&o).expect("mTLS handshake");
    assert!(hs.completed, "{:?}", hs.handshake_error);

    o.client_cert = Some((b"nothing".to_vec(), b"nothing".to_vec()));
    let err = fetch_chain(&o).expect_err("bad client cert");
    assert_eq!(err.kind(), "client_cert");
}

/// Accepts connections and never says a word.
struct SilentServer {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr").to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                if let Ok((s, _)) = listener.accept() {
                    held.push(s);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        SilentServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn silent_listener_times_out_within_bound() {
    let server = SilentServer::start();
    let timeout = Duration::from_millis(800);
    let bound = Duration::from_millis(2500);

    let started = Instant::now();
    let err =
        fetch_chain(&live_opts(&server.addr, "localhost", timeout)).expect_err("must time out");
    assert_eq!(err.kind(), "timeout", "{err}");
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());

    for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
        let started = Instant::now();
        let p = probe_legacy_protocol(&server.addr, Some("localhost"), v, timeout);
        assert_eq!(p.outcome, LegacyOutcome::Error, "{p:?}");
        assert_eq!(p.error_kind.as_deref(), Some("timeout"));
        assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
    }
    let facts = live_facts(
        &live_opts(&server.addr, "localhost", timeout),
        &opts(now(), None),
    );
    assert_eq!(facts.state, FactState::Error);
    assert_eq!(facts.error_kind.as_deref(), Some("timeout"));
}

#[test]
fn refused_closed_and_garbage_peers() {
    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let addr = format!("127.0.0.1:{port}");
    let err =
        fetch_chain(&live_opts(&addr, "localhost", Duration::from_secs(2))).expect_err("refused");
    assert_eq!(err.kind(), "connect", "{err}");
    let p = probe_legacy_protocol(&addr, None, LegacyVersion::Tls10, Duration::from_secs(2));
    assert_eq!(
        (p.outcome, p.error_kind.as_deref()),
        (LegacyOutcome::Error, Some("connect"))
    );

    // Closes right after reading the ClientHello: the legacy handshake is refused.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let t = std::thread::spawn(move || {
        for _ in 0..2 {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 512];
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.read(&mut buf);
            }
        }
    });
    let p = probe_legacy_protocol(&addr, None, LegacyVersion::Tls11, Duration::from_secs(3));
    assert_eq!(p.outcome, LegacyOutcome::Rejected, "{p:?}");
    let err =
        fetch_chain(&live_opts(&addr, "localhost", Duration::from_secs(3))).expect_err("closed");
    assert!(matches!(err.kind(), "closed" | "io"), "{err}");
    let _ = t.join();

    // A plain HTTP server is not TLS.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let t = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = std::io::Write::write_all(&mut s, b"HTTP/1.0 400 Bad Request\r\n\r\n");
        }
    });
    let p = probe_legacy_protocol(&addr, None, LegacyVersion::Tls10, Duration::from_secs(3));
    assert_eq!(
        (p.outcome, p.error_kind.as_deref()),
        (LegacyOutcome::Error, Some("not_tls")),
        "{p:?}"
    );
    let _ = t.join();

    // Bad addresses.
    let p = probe_legacy_protocol(
        "no-port",
        None,
        LegacyVersion::Tls10,
        Duration::from_secs(1),
    );
    assert_eq!(p.error_kind.as_deref(), Some("invalid_address"));
    let err =
        fetch_chain(&live_opts("127.0.0.1:1", "", Duration::from_secs(1))).expect_err("empty name");
    assert_eq!(err.kind(), "invalid_server_name");
}

#[test]
fn trust_of_an_expired_chain_is_judged_inside_its_validity() {
    let now = now();
    // The leaf expired two days ago; its CA is valid.
    let ca_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let ca = ca_params("vaultsec test root", now - 30 * DAY, now + 30 * DAY);
    let root_cert = self_signed(&ca, &ca_key);
    let leaf = signed(
        &leaf_params(&["localhost"], "localhost", now - 20 * DAY, now - 2 * DAY),
        &key(&rcgen::PKCS_ECDSA_P256_SHA256),
        &rcgen::Issuer::from_params(&ca, &ca_key),
    );
    let chain = vec![leaf.der.clone()];
    let facts = analyze_der_chain(&chain, &opts(now, Some("localhost")));
    let root = root_cert.cert_pem.as_bytes();

    let at_now = verify_chain(&chain, "localhost", Some(root), now);
    assert_eq!(at_now.error_kind, Some(VerifyErrorKind::Expired));
    // Trusted by the CA the scan was given: the expiry is another rule's concern.
    let trust = trust_outcome(&chain, "localhost", Some(root), &facts, &at_now);
    assert!(trust.verified, "{trust:?}");

    // Against an unrelated CA the same chain is untrusted once the dates are set aside.
    let other_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let other = self_signed(&ca_params("other CA", now - DAY, now + DAY), &other_key);
    let at_now = verify_chain(&chain, "localhost", Some(other.cert_pem.as_bytes()), now);
    let trust = trust_outcome(
        &chain,
        "localhost",
        Some(other.cert_pem.as_bytes()),
        &facts,
        &at_now,
    );
    assert!(!trust.verified);
    assert_eq!(trust.error_kind, Some(VerifyErrorKind::UnknownIssuer));

    // A failure that is not about dates stands as it is.
    let wrong_name = verify_chain(&chain, "other.test", Some(root), now - 10 * DAY);
    assert_eq!(wrong_name.error_kind, Some(VerifyErrorKind::NameMismatch));
    let trust = trust_outcome(&chain, "other.test", Some(root), &facts, &wrong_name);
    assert_eq!(trust.error_kind, Some(VerifyErrorKind::NameMismatch));
}
