//! Private key facts: formats, matching, mismatch, encryption, unreadable files.

use super::support::*;
use crate::facts::tls::*;

fn no_key_material(facts: &CertFacts, key_pem: &[u8]) {
    let json = serde_json::to_string(facts).expect("serialise");
    for line in String::from_utf8_lossy(key_pem).lines() {
        let line = line.trim();
        if line.len() > 16 && !line.starts_with("-----") && !line.contains(':') {
            assert!(!json.contains(line), "key material in facts: {line}");
        }
    }
}

#[test]
fn key_formats_match_their_certificates() {
    let now = now();
    let dir = TempDir::new("keys");
    // EC P-256 (rcgen, PKCS#8) converted to SEC1; RSA (openssl, PKCS#8) converted to PKCS#1.
    let ec_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let ec = self_signed(
        &leaf_params(&["ec.test"], "ec", now - DAY, now + 30 * DAY),
        &ec_key,
    );
    let ec_cert = dir.write("ec.crt", &ec.cert_pem);
    let ec_p8 = dir.write("ec.p8.key", &ec.key_pem);
    openssl(
        dir.path(),
        &["ec", "-in", "ec.p8.key", "-out", "ec.sec1.key"],
    );
    assert!(
        String::from_utf8_lossy(&read(&dir.path().join("ec.sec1.key")))
            .contains("BEGIN EC PRIVATE KEY")
    );

    openssl(
        dir.path(),
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.p8.key",
        ],
    );
    openssl(
        dir.path(),
        &[
            "rsa",
            "-in",
            "rsa.p8.key",
            "-traditional",
            "-out",
            "rsa.p1.key",
        ],
    );
    assert!(
        String::from_utf8_lossy(&read(&dir.path().join("rsa.p1.key")))
            .contains("BEGIN RSA PRIVATE KEY")
    );
    openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-key",
            "rsa.p8.key",
            "-subj",
            "/CN=rsa",
            "-days",
            "3",
            "-out",
            "rsa.crt",
        ],
    );
    let rsa_cert = dir.path().join("rsa.crt");

    let ed_key = key(&rcgen::PKCS_ED25519);
    let ed = self_signed(
        &leaf_params(&["ed.test"], "ed", now - DAY, now + 30 * DAY),
        &ed_key,
    );
    let ed_cert = dir.write("ed.crt", &ed.cert_pem);
    let ed_p8 = dir.write("ed.key", &ed.key_pem);

    let cases = [
        (&ec_cert, ec_p8.clone(), "pkcs8", "ec", 256, Some("P-256")),
        (
            &ec_cert,
            dir.path().join("ec.sec1.key"),
            "sec1",
            "ec",
            256,
            Some("P-256"),
        ),
        (
            &rsa_cert,
            dir.path().join("rsa.p8.key"),
            "pkcs8",
            "rsa",
            2048,
            None,
        ),
        (
            &rsa_cert,
            dir.path().join("rsa.p1.key"),
            "pkcs1",
            "rsa",
            2048,
            None,
        ),
        (&ed_cert, ed_p8.clone(), "pkcs8", "ed25519", 256, None),
    ];
    for (cert, key_path, format, key_type, bits, curve) in &cases {
        let f = analyze_files(cert, Some(key_path), &opts(now, None));
        let k = &f.key;
        let label = key_path.display();
        assert_eq!(k.state, KeyState::Ok, "{label}: {:?}", k.reason);
        assert_eq!(k.format.as_deref(), Some(*format), "{label}");
        assert_eq!(k.key_type.as_deref(), Some(*key_type), "{label}");
        assert_eq!(k.key_bits, Some(*bits), "{label}");
        assert_eq!(k.curve.as_deref(), *curve, "{label}");
        assert_eq!(k.matches_leaf, Some(true), "{label}");
        assert!(!k.encrypted);
        no_key_material(&f, &read(key_path));
    }

    // Every key against every other certificate: never a match.
    for (cert, _, _, cert_type, _, _) in &cases {
        for (_, key_path, _, key_type, _, _) in &cases {
            if cert_type == key_type {
                continue;
            }
            let f = analyze_files(cert, Some(key_path), &opts(now, None));
            assert_eq!(f.key.state, KeyState::Ok);
            assert_eq!(
                f.key.matches_leaf,
                Some(false),
                "{} vs {}",
                cert.display(),
                key_path.display()
            );
        }
    }
}

#[test]
fn key_mismatch_same_type() {
    let now = now();
    let a = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let b = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let cert = self_signed(&leaf_params(&["a.test"], "a", now - DAY, now + DAY), &a);
    let f = analyze_pem(
        cert.cert_pem.as_bytes(),
        Some(b.serialize_pem().as_bytes()),
        &opts(now, None),
    );
    assert_eq!(f.key.state, KeyState::Ok);
    assert_eq!(f.key.matches_leaf, Some(false));
    // Same curve family but another size: P-384 key for a P-256 certificate.
    let c = key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let f = analyze_pem(
        cert.cert_pem.as_bytes(),
        Some(c.serialize_pem().as_bytes()),
        &opts(now, None),
    );
    assert_eq!(f.key.matches_leaf, Some(false));
    assert_eq!(f.key.curve.as_deref(), Some("P-384"));
    // A key with no certificate to compare against.
    let f = analyze_pem(
        b"garbage",
        Some(b.serialize_pem().as_bytes()),
        &opts(now, None),
    );
    assert_eq!(f.state, FactState::Error);
    assert_eq!(f.key.state, KeyState::Ok);
    assert_eq!(f.key.matches_leaf, None);
}

#[test]
fn encrypted_and_unusable_keys() {
    let now = now();
    let dir = TempDir::new("enc");
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(&leaf_params(&["a.test"], "a", now - DAY, now + DAY), &k);
    let cert = dir.write("c.pem", &g.cert_pem);
    dir.write("k.pem", &g.key_pem);
    openssl(
        dir.path(),
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "k.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:secret",
            "-out",
            "k.enc.pem",
        ],
    );
    openssl(
        dir.path(),
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.pem",
        ],
    );
    openssl(
        dir.path(),
        &[
            "rsa",
            "-in",
            "rsa.pem",
            "-traditional",
            "-aes128",
            "-passout",
            "pass:secret",
            "-out",
            "rsa.enc.pem",
        ],
    );
    let legacy = read(&dir.path().join("rsa.enc.pem"));
    assert!(String::from_utf8_lossy(&legacy).contains("Proc-Type: 4,ENCRYPTED"));

    for (name, key_type) in [("k.enc.pem", None), ("rsa.enc.pem", Some("rsa"))] {
        let p = dir.path().join(name);
        let f = analyze_files(&cert, Some(&p), &opts(now, None));
        assert_eq!(f.state, FactState::Ok, "the certificate itself is fine");
        assert_eq!(f.key.state, KeyState::Error, "{name}");
        assert!(f.key.encrypted, "{name}");
        assert_eq!(f.key.matches_leaf, None);
        assert_eq!(f.key.key_type.as_deref(), key_type);
        let reason = f.key.reason.clone().unwrap_or_default();
        assert!(
            reason.contains("encrypted private key") && reason.contains(name),
            "{reason}"
        );
        no_key_material(&f, &read(&p));
    }

    let dsa = dir.write(
        "dsa.pem",
        "-----BEGIN DSA PRIVATE KEY-----\nMAMCAQA=\n-----END DSA PRIVATE KEY-----\n",
    );
    let f = analyze_files(&cert, Some(&dsa), &opts(now, None));
    assert_eq!(
        (f.key.state, f.key.key_type.as_deref()),
        (KeyState::Error, Some("dsa"))
    );

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "switched.pem",
            g.cert_pem.clone().into_bytes(),
            "certificate rather than a private key",
        ),
        ("text.pem", b"not a key".to_vec(), "no PEM data"),
        (
            "params.pem",
            b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                .to_vec(),
            "EC PARAMETERS",
        ),
        (
            "junk8.pem",
            b"-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n".to_vec(),
            "PKCS#8",
        ),
        (
            "junk1.pem",
            b"-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n".to_vec(),
            "RSA private key",
        ),
        (
            "junksec1.pem",
            b"-----BEGIN EC PRIVATE KEY-----\nMAMCAQA=\n-----END EC PRIVATE KEY-----\n".to_vec(),
            "EC private key",
        ),
    ];
    for (name, data, needle) in cases {
        let p = dir.write(name, &data);
        let f = analyze_files(&cert, Some(&p), &opts(now, None));
        assert_eq!(f.key.state, KeyState::Error, "{name}");
        let reason = f.key.reason.clone().unwrap_or_default();
        assert!(
            reason.contains(needle) && reason.contains(name),
            "{name}: {reason}"
        );
    }

    let f = analyze_files(
        &cert,
        Some(&dir.path().join("missing.key")),
        &opts(now, None),
    );
    assert_eq!(f.key.state, KeyState::Error);
    assert!(f
        .key
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("missing.key: file not found"));
    // Key facts are still given when the certificate file is unusable.
    let f = analyze_files(
        &dir.path().join("missing.crt"),
        Some(&dir.path().join("k.pem")),
        &opts(now, None),
    );
    assert_eq!(
        (f.state, f.key.state, f.key.matches_leaf),
        (FactState::Error, KeyState::Ok, None)
    );
    assert_eq!(
        analyze_files(&cert, None, &opts(now, None)).key.state,
        KeyState::Absent
    );
}

/// A SEC1 EC key written without its optional public key (openssl `-no_public`):
/// the public key must be derived from the scalar, not read from the file.
#[test]
fn sec1_key_without_embedded_public_key() {
    let now = now();
    let dir = TempDir::new("nopub");
    let k = key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let g = self_signed(&leaf_params(&["a.test"], "a", now - DAY, now + DAY), &k);
    dir.write("k.pem", &g.key_pem);
    openssl(
        dir.path(),
        &["ec", "-in", "k.pem", "-no_public", "-out", "nopub.pem"],
    );
    let f = analyze_pem(
        g.cert_pem.as_bytes(),
        Some(&read(&dir.path().join("nopub.pem"))),
        &opts(now, None),
    );
    assert_eq!(f.key.state, KeyState::Ok, "{:?}", f.key.reason);
    assert_eq!(f.key.format.as_deref(), Some("sec1"));
    assert_eq!(f.key.matches_leaf, Some(true));
}
