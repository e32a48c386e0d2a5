//! Certificate facts from certificates generated at test time.

use super::support::*;
use crate::facts::tls::*;

#[test]
fn expired_not_yet_valid_and_expiring() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);

    let expired = self_signed(
        &leaf_params(&["a.test"], "a", now - 30 * DAY, now - 5 * DAY),
        &k,
    );
    let f = analyze_pem(expired.cert_pem.as_bytes(), None, &opts(now, None));
    assert_eq!(f.state, FactState::Ok);
    let c = only_cert(&f);
    assert!(c.expired && !c.not_yet_valid);
    assert_eq!(c.days_left, -5);
    assert!(f.any_expired && !f.any_not_yet_valid);
    assert_eq!(f.min_days_left, Some(-5));
    assert_eq!(c.not_after_unix, now - 5 * DAY);
    assert_eq!(c.not_after.len(), "2026-11-23T00:00:00Z".len());
    assert!(c.not_after.ends_with('Z'));

    let future = self_signed(
        &leaf_params(&["a.test"], "a", now + 2 * DAY, now + 90 * DAY),
        &k,
    );
    let f = analyze_pem(future.cert_pem.as_bytes(), None, &opts(now, None));
    let c = only_cert(&f);
    assert!(c.not_yet_valid && !c.expired);
    assert!(f.any_not_yet_valid);

    // 10 days and an hour: rounds down to 10 whole days.
    let soon = self_signed(
        &leaf_params(&["a.test"], "a", now - DAY, now + 10 * DAY + 3600),
        &k,
    );
    let f = analyze_pem(soon.cert_pem.as_bytes(), None, &opts(now, None));
    let c = only_cert(&f);
    assert_eq!(c.days_left, 10);
    assert!(!c.expired && !c.not_yet_valid);
    // One second past expiry is already day -1.
    let f = analyze_pem(
        soon.cert_pem.as_bytes(),
        None,
        &opts(now + 10 * DAY + 3601, None),
    );
    assert_eq!(only_cert(&f).days_left, -1);
    assert!(only_cert(&f).expired);
}

#[test]
fn self_signed_leaf_facts() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(
        &leaf_params(&["vault.test"], "vault.test", now - DAY, now + 30 * DAY),
        &k,
    );
    let f = analyze_pem(g.cert_pem.as_bytes(), None, &opts(now, None));
    let c = only_cert(&f);
    assert!(c.self_issued);
    assert_eq!(c.self_signature, Some(SignatureCheck::Valid));
    assert!(c.self_signed);
    assert!(!c.is_ca);
    assert_eq!(c.subject, "CN=vault.test");
    assert_eq!(c.issuer, "CN=vault.test");
    assert_eq!(c.subject_common_name.as_deref(), Some("vault.test"));
    assert_eq!(c.issuer_index, Some(0));
    assert_eq!(c.pem_line, Some(1));
    assert_eq!(c.sha256_fingerprint.len(), 64);
    let expected_fp = data_encoding::HEXLOWER
        .encode(ring::digest::digest(&ring::digest::SHA256, &g.der).as_ref());
    assert_eq!(c.sha256_fingerprint, expected_fp);
    assert!(!c.serial_hex.is_empty() && c.serial_hex.chars().all(|ch| ch.is_ascii_hexdigit()));
    assert!(f.chain.ordered && f.chain.complete && f.chain.root_included);
    assert!(f.chain.issues.is_empty(), "{:?}", f.chain.issues);
    assert_eq!(f.chain.length, 1);
    assert!(f.chain.links.is_empty());
    assert!(f.trailing_data.is_empty());
    assert_eq!(f.key.state, KeyState::Absent);
    assert!(!f.cert_file_contains_private_key);
}

#[test]
fn ca_signed_chain_in_several_orders() {
    let now = now();
    let p = pki(now, now + 90 * DAY);
    let o = opts(now, Some("localhost"));

    // leaf, intermediate, root: ordered and complete.
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &p.int.cert_pem, &p.root.cert_pem]).as_bytes(),
        None,
        &o,
    );
    assert_eq!(f.state, FactState::Ok);
    assert_eq!(f.certificates.len(), 3);
    let idx: Vec<Option<usize>> = f.certificates.iter().map(|c| c.issuer_index).collect();
    assert_eq!(idx, vec![Some(1), Some(2), Some(2)]);
    let ss: Vec<bool> = f.certificates.iter().map(|c| c.self_signed).collect();
    assert_eq!(ss, vec![false, false, true]);
    let ca: Vec<bool> = f.certificates.iter().map(|c| c.is_ca).collect();
    assert_eq!(ca, vec![false, true, true]);
    assert_eq!(f.certificates[0].self_signature, None);
    assert!(f
        .chain
        .links
        .iter()
        .all(|l| l.ok && l.name_match && l.signature == Some(SignatureCheck::Valid)));
    assert!(f.chain.ordered && f.chain.complete && f.chain.root_included);
    assert!(f.chain.issues.is_empty(), "{:?}", f.chain.issues);
    assert_eq!(
        f.certificates[1].subject,
        "O=vaultsec test,CN=vaultsec test intermediate"
    );
    assert_eq!(f.certificates[0].issuer, f.certificates[1].subject);
    assert_eq!(f.hostname.matches, Some(true));
    assert_eq!(f.certificates[2].key_type, "ec");
    assert_eq!(f.certificates[2].curve.as_deref(), Some("P-384"));
    assert_eq!(f.certificates[2].signature_algorithm, "ECDSA-SHA384");
    assert_eq!(f.certificates[1].signature_algorithm, "ECDSA-SHA384"); // signed by the P-384 root
    assert_eq!(f.certificates[0].signature_algorithm, "ECDSA-SHA256");

    // leaf, intermediate: ordered, root left out (normal for a served chain).
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &p.int.cert_pem]).as_bytes(),
        None,
        &o,
    );
    assert!(f.chain.ordered && !f.chain.complete && !f.chain.root_included);
    assert_eq!(f.certificates[1].issuer_index, None);
    assert!(f.chain.issues.is_empty(), "{:?}", f.chain.issues);

    // leaf, root, intermediate: out of order.
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &p.root.cert_pem, &p.int.cert_pem]).as_bytes(),
        None,
        &o,
    );
    assert!(!f.chain.ordered && !f.chain.complete);
    assert!(f.chain.root_included);
    let idx: Vec<Option<usize>> = f.certificates.iter().map(|c| c.issuer_index).collect();
    assert_eq!(idx, vec![Some(2), Some(1), Some(1)]);
    assert!(!f.chain.links[0].name_match && f.chain.links[0].signature.is_none());
    assert!(!f.chain.links[1].name_match);
    assert!(
        f.chain.issues.iter().any(|i| i.contains("out of order")),
        "{:?}",
        f.chain.issues
    );
    assert!(
        f.chain
            .issues
            .iter()
            .any(|i| i.contains("self-signed but not last")),
        "{:?}",
        f.chain.issues
    );

    // intermediate first, then the leaf.
    let f = analyze_pem(
        concat(&[&p.int.cert_pem, &p.leaf.cert_pem]).as_bytes(),
        None,
        &o,
    );
    assert!(!f.chain.ordered);
    assert_eq!(f.certificates[1].issuer_index, Some(0));
    // The "leaf" position now holds the intermediate, whose names do not include localhost.
    assert_eq!(f.hostname.matches, Some(false));

    // A lone leaf issued by an absent CA: trivially ordered, not complete.
    let f = analyze_pem(p.leaf.cert_pem.as_bytes(), None, &o);
    assert!(f.chain.ordered && !f.chain.complete && !f.chain.root_included);
    assert_eq!(only_cert(&f).issuer_index, None);

    // Duplicated leaf.
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &p.leaf.cert_pem, &p.int.cert_pem]).as_bytes(),
        None,
        &o,
    );
    assert!(
        f.chain
            .issues
            .iter()
            .any(|i| i.contains("duplicates certificate 0")),
        "{:?}",
        f.chain.issues
    );
    assert!(!f.chain.ordered);
}

#[test]
fn impostor_intermediate_with_same_name_fails_signature() {
    let now = now();
    let p = pki(now, now + 90 * DAY);
    // Same subject as the real intermediate, different key.
    let fake_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let fake = self_signed(
        &ca_params("vaultsec test intermediate", now - DAY, now + 100 * DAY),
        &fake_key,
    );
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &fake.cert_pem]).as_bytes(),
        None,
        &opts(now, None),
    );
    let link = &f.chain.links[0];
    assert!(link.name_match);
    assert_eq!(link.signature, Some(SignatureCheck::Invalid));
    assert!(!link.ok && !f.chain.ordered);
    assert_eq!(f.certificates[0].issuer_index, None);
    assert!(
        f.chain.issues.iter().any(|i| i.contains("does not verify")),
        "{:?}",
        f.chain.issues
    );
}

#[test]
fn rcgen_key_types() {
    let now = now();
    for (alg, key_type, bits, curve, sig) in [
        (
            &rcgen::PKCS_ECDSA_P256_SHA256,
            "ec",
            256,
            Some("P-256"),
            "ECDSA-SHA256",
        ),
        (
            &rcgen::PKCS_ECDSA_P384_SHA384,
            "ec",
            384,
            Some("P-384"),
            "ECDSA-SHA384",
        ),
        (&rcgen::PKCS_ED25519, "ed25519", 256, None, "Ed25519"),
    ] {
        let k = key(alg);
        let g = self_signed(
            &leaf_params(&["k.test"], "k", now - DAY, now + DAY * 40),
            &k,
        );
        let f = analyze_pem(
            g.cert_pem.as_bytes(),
            Some(g.key_pem.as_bytes()),
            &opts(now, None),
        );
        let c = only_cert(&f);
        assert_eq!(c.key_type, key_type);
        assert_eq!(c.key_bits, bits);
        assert_eq!(c.curve.as_deref(), curve);
        assert_eq!(c.signature_algorithm, sig);
        assert!(!c.weak_signature);
        assert_eq!(c.self_signature, Some(SignatureCheck::Valid), "{sig}");
        assert_eq!(f.key.state, KeyState::Ok, "{:?}", f.key.reason);
        assert_eq!(f.key.key_type.as_deref(), Some(key_type));
        assert_eq!(f.key.key_bits, Some(bits));
        assert_eq!(f.key.format.as_deref(), Some("pkcs8"));
        assert_eq!(f.key.matches_leaf, Some(true));
    }
}

/// RSA 1024/2048, P-521 and SHA-1 come from the openssl CLI: ring (rcgen's backend here)
/// can neither generate RSA keys, sign with 1024-bit RSA or P-521, nor sign with SHA-1.
#[test]
fn openssl_rsa_p521_and_sha1() {
    let now = now();
    let dir = TempDir::new("ossl");
    struct Case {
        name: &'static str,
        args: &'static [&'static str],
        key_type: &'static str,
        bits: u32,
        curve: Option<&'static str>,
        sig: &'static str,
        weak: bool,
        self_sig: SignatureCheck,
    }
    use SignatureCheck::{Unsupported, Valid};
    const P521: &[&str] = &[
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-521",
        "-sha512",
    ];
    const P256_SHA1: &[&str] = &[
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-sha1",
    ];
    let cases = [
        Case {
            name: "rsa1024",
            args: &["-newkey", "rsa:1024", "-sha256"],
            key_type: "rsa",
            bits: 1024,
            curve: None,
            sig: "SHA256-RSA",
            weak: false,
            self_sig: Valid,
        },
        Case {
            name: "rsa2048",
            args: &["-newkey", "rsa:2048", "-sha256"],
            key_type: "rsa",
            bits: 2048,
            curve: None,
            sig: "SHA256-RSA",
            weak: false,
            self_sig: Valid,
        },
        Case {
            name: "rsa2048sha1",
            args: &["-newkey", "rsa:2048", "-sha1"],
            key_type: "rsa",
            bits: 2048,
            curve: None,
            sig: "SHA1-RSA",
            weak: true,
            self_sig: Valid,
        },
        Case {
            name: "rsa1024sha1",
            args: &["-newkey", "rsa:1024", "-sha1"],
            key_type: "rsa",
            bits: 1024,
            curve: None,
            sig: "SHA1-RSA",
            weak: true,
            self_sig: Valid,
        },
        Case {
            name: "rsa2048sha512",
            args: &["-newkey", "rsa:2048", "-sha512"],
            key_type: "rsa",
            bits: 2048,
            curve: None,
            sig: "SHA512-RSA",
            weak: false,
            self_sig: Valid,
        },
        // ring verifies neither P-521 nor ECDSA with SHA-1: "unsupported", not "invalid".
        Case {
            name: "p521",
            args: P521,
            key_type: "ec",
            bits: 521,
            curve: Some("P-521"),
            sig: "ECDSA-SHA512",
            weak: false,
            self_sig: Unsupported,
        },
        Case {
            name: "p256sha1",
            args: P256_SHA1,
            key_type: "ec",
            bits: 256,
            curve: Some("P-256"),
            sig: "ECDSA-SHA1",
            weak: true,
            self_sig: Unsupported,
        },
    ];
    for Case {
        name,
        args,
        key_type,
        bits,
        curve,
        sig,
        weak,
        self_sig,
    } in &cases
    {
        let cert = format!("{name}.crt");
        let keyf = format!("{name}.key");
        let mut full: Vec<&str> = vec![
            "req",
            "-x509",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=ossl.test/O=Test, Inc.",
        ];
        full.extend_from_slice(args);
        full.extend_from_slice(&[
            "-keyout",
            &keyf,
            "-out",
            &cert,
            "-addext",
            "subjectAltName=DNS:ossl.test",
        ]);
        openssl(dir.path(), &full);
        let f = analyze_files(
            &dir.path().join(&cert),
            Some(&dir.path().join(&keyf)),
            &opts(now, Some("ossl.test")),
        );
        assert_eq!(f.state, FactState::Ok, "{name}: {:?}", f.reason);
        let c = only_cert(&f);
        assert_eq!(c.key_type, *key_type, "{name}");
        assert_eq!(c.key_bits, *bits, "{name}");
        assert_eq!(c.curve.as_deref(), *curve, "{name}");
        assert_eq!(c.signature_algorithm, *sig, "{name}");
        assert_eq!(c.weak_signature, *weak, "{name}");
        assert_eq!(c.self_signature, Some(*self_sig), "{name}");
        // Unsupported signature checks fall back to the key identifiers (AKI = SKI here).
        assert!(c.self_signed, "{name}");
        assert_eq!(c.subject, "O=Test\\, Inc.,CN=ossl.test", "{name}");
        assert_eq!(f.hostname.matches, Some(true), "{name}");
        assert_eq!(f.key.state, KeyState::Ok, "{name}: {:?}", f.key.reason);
        assert_eq!(f.key.matches_leaf, Some(true), "{name}");
        assert_eq!(f.key.key_bits, Some(*bits), "{name}");
        assert_eq!(f.source, dir.path().join(&cert).display().to_string());
        assert_eq!(
            f.key.path,
            Some(dir.path().join(&keyf).display().to_string())
        );
    }
    let sha1 = analyze_files(&dir.path().join("rsa2048sha1.crt"), None, &opts(now, None));
    assert_eq!(only_cert(&sha1).signature_hash.as_deref(), Some("sha1"));
}

#[test]
fn hostname_matching_go_rules() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(
        &leaf_params(
            &[
                "vault.example.com",
                "*.apps.example.com",
                "127.0.0.1",
                "::1",
            ],
            "cn-only.example.com",
            now - DAY,
            now + 60 * DAY,
        ),
        &k,
    );
    let check =
        |host: Option<&str>| analyze_pem(g.cert_pem.as_bytes(), None, &opts(now, host)).hostname;
    for (host, want) in [
        ("vault.example.com", true),
        ("VAULT.example.com", true),
        ("x.apps.example.com", true),
        ("apps.example.com", false),
        ("a.b.apps.example.com", false),
        ("127.0.0.1", true),
        ("[::1]", true),
        ("::1", true),
        ("10.0.0.1", false),
        ("cn-only.example.com", false),
    ] {
        let h = check(Some(host));
        assert_eq!(h.matches, Some(want), "{host}");
        assert_eq!(h.expected.as_deref(), Some(host));
        assert_eq!(h.reason.is_some(), !want, "{host}: {:?}", h.reason);
    }
    let h = check(None);
    assert_eq!(h.matches, None);
    assert_eq!(
        h.names,
        vec![
            "vault.example.com",
            "*.apps.example.com",
            "127.0.0.1",
            "::1"
        ]
    );
    let c = analyze_pem(g.cert_pem.as_bytes(), None, &opts(now, None));
    assert_eq!(
        only_cert(&c).dns_names,
        vec!["vault.example.com", "*.apps.example.com"]
    );
    assert_eq!(only_cert(&c).ip_addresses, vec!["127.0.0.1", "::1"]);

    // No SANs at all: the CN is not used.
    let no_san = self_signed(
        &leaf_params(&[], "cn-only.example.com", now - DAY, now + DAY),
        &k,
    );
    let h = analyze_pem(
        no_san.cert_pem.as_bytes(),
        None,
        &opts(now, Some("cn-only.example.com")),
    )
    .hostname;
    assert_eq!(h.matches, Some(false));
    assert!(
        h.reason.as_deref().unwrap_or("").contains("Common Name"),
        "{:?}",
        h.reason
    );
}

#[test]
fn cert_file_with_key_and_stray_data() {
    let now = now();
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(
        &leaf_params(&["a.test"], "a", now - DAY, now + DAY * 40),
        &k,
    );

    let combined = format!("subject=CN = a\n{}{}", g.cert_pem, g.key_pem);
    let f = analyze_pem(combined.as_bytes(), None, &opts(now, None));
    assert_eq!(f.state, FactState::Ok);
    assert!(f.cert_file_contains_private_key);
    assert_eq!(f.certificates.len(), 1);
    assert_eq!(only_cert(&f).pem_line, Some(2));
    assert_eq!(f.trailing_data.len(), 1);
    assert_eq!(f.trailing_data[0].kind, TrailingKind::TextOutsidePem);
    assert_eq!(f.trailing_data[0].line, Some(1));
    assert!(!f.trailing_data[0].go_rejects);

    // DER followed by extra bytes inside the PEM block (what Go calls "x509: trailing data").
    let mut der = g.der.clone();
    der.extend_from_slice(&[0x30, 0x03, 0x02, 0x01, 0x00]);
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        data_encoding::BASE64.encode(&der)
    );
    let f = analyze_pem(pem.as_bytes(), None, &opts(now, None));
    assert_eq!(f.state, FactState::Ok);
    assert_eq!(only_cert(&f).trailing_bytes, 5);
    let own = ring::digest::digest(&ring::digest::SHA256, &g.der);
    assert_eq!(
        only_cert(&f).sha256_fingerprint,
        data_encoding::HEXLOWER.encode(own.as_ref())
    );
    let t = &f.trailing_data[0];
    assert_eq!(
        (t.kind, t.certificate_index, t.bytes, t.go_rejects),
        (TrailingKind::DerAfterCertificate, Some(0), 5, true)
    );

    // An unterminated block after a good one.
    let f = analyze_pem(
        format!("{}-----BEGIN CERTIFICATE-----\nAAAA\n", g.cert_pem).as_bytes(),
        None,
        &opts(now, None),
    );
    assert_eq!(f.state, FactState::Ok);
    assert!(f
        .trailing_data
        .iter()
        .any(|t| t.kind == TrailingKind::UnterminatedPemBlock));

    // Other block types are listed.
    let f = analyze_pem(
        format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
            g.cert_pem
        )
        .as_bytes(),
        None,
        &opts(now, None),
    );
    assert_eq!(f.other_pem_blocks, vec!["EC PARAMETERS"]);
}

#[test]
fn unusable_inputs_give_error_state() {
    let now = now();
    let dir = TempDir::new("bad");
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let g = self_signed(&leaf_params(&["a.test"], "a", now - DAY, now + DAY), &k);
    let o = opts(now, Some("a.test"));

    let missing = dir.path().join("nope.pem");
    let f = analyze_files(&missing, None, &o);
    assert_eq!(
        (f.state, f.error_kind),
        (FactState::Error, Some(CertErrorKind::NotFound))
    );
    assert!(f.reason.as_deref().unwrap_or("").contains("nope.pem"));
    assert_eq!(f.hostname.matches, None);

    let f = analyze_files(dir.path(), None, &o);
    assert_eq!(f.error_kind, Some(CertErrorKind::NotRegularFile));
    // Root reads everything, so permission_denied cannot be provoked here; ENOTDIR stands
    // in for "other I/O errors".
    let file = dir.write("plain", "x");
    let f = analyze_files(&file.join("below"), None, &o);
    assert_eq!(f.error_kind, Some(CertErrorKind::Io), "{:?}", f.reason);
    assert!(f.reason.as_deref().unwrap_or("").contains("plain/below"));

    let cases: Vec<(&str, Vec<u8>, CertErrorKind, &str)> = vec![
        (
            "text.pem",
            b"This is a fake cert!\n".to_vec(),
            CertErrorKind::NotPem,
            "no PEM data",
        ),
        ("empty.pem", Vec::new(), CertErrorKind::NotPem, "empty"),
        ("cert.der", g.der.clone(), CertErrorKind::NotPem, "DER"),
        (
            "key-only.pem",
            g.key_pem.clone().into_bytes(),
            CertErrorKind::NoCertificate,
            "switched",
        ),
        (
            "b64.pem",
            b"-----BEGIN CERTIFICATE-----\n!!notbase64!!\n-----END CERTIFICATE-----\n".to_vec(),
            CertErrorKind::BadPem,
            "base64",
        ),
        (
            "junk.pem",
            b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n".to_vec(),
            CertErrorKind::ParseError,
            "DER parse error",
        ),
    ];
    for (name, data, kind, needle) in cases {
        let p = dir.write(name, &data);
        let f = analyze_files(&p, None, &o);
        assert_eq!(f.state, FactState::Error, "{name}");
        assert_eq!(f.error_kind, Some(kind), "{name}: {:?}", f.reason);
        let reason = f.reason.clone().unwrap_or_default();
        assert!(reason.contains(needle), "{name}: {reason}");
        assert!(reason.contains(name), "{name}: path missing from {reason}");
        assert!(f.certificates.is_empty(), "{name}");
    }
    let f = analyze_files(&dir.path().join("key-only.pem"), None, &o);
    assert!(f.cert_file_contains_private_key);
    // A bad second certificate keeps the good first one but makes the file unusable.
    let two = format!(
        "{}-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
        g.cert_pem
    );
    let f = analyze_pem(two.as_bytes(), None, &o);
    assert_eq!(
        (f.state, f.error_kind),
        (FactState::Error, Some(CertErrorKind::ParseError))
    );
    assert!(
        f.reason
            .as_deref()
            .unwrap_or("")
            .contains("certificate 1 (line"),
        "{:?}",
        f.reason
    );
    assert_eq!(f.certificates.len(), 1);
    assert_eq!(f.chain.length, 2);
    assert!(!f.chain.ordered);

    // Empty live chain.
    let f = analyze_der_chain(&[], &o);
    assert_eq!(f.error_kind, Some(CertErrorKind::EmptyChain));
}

/// Mutated inputs (bit flips, truncations) never panic.
#[test]
fn mutated_inputs_never_panic() {
    let now = now();
    let p = pki(now, now + DAY);
    let chain_pem = concat(&[&p.leaf.cert_pem, &p.int.cert_pem, &p.leaf.key_pem]);
    let ders = [p.leaf.der.clone(), p.int.der.clone()];
    // xorshift: deterministic, no extra dependency.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..400 {
        let mut pem = chain_pem.clone().into_bytes();
        let mut der = ders.to_vec();
        let flips = 1 + (next() % 4) as usize;
        for _ in 0..flips {
            let i = (next() as usize) % pem.len();
            pem[i] ^= 1 << (next() % 8);
            let which = (next() % 2) as usize;
            let j = (next() as usize) % der[which].len();
            der[which][j] ^= 1 << (next() % 8);
        }
        if round % 7 == 0 {
            let cut = (next() as usize) % pem.len();
            pem.truncate(cut);
            let cut = (next() as usize) % der[0].len();
            der[0].truncate(cut);
        }
        let key = p.leaf.key_pem.as_bytes();
        let _ = analyze_pem(&pem, Some(&pem), &opts(now, Some("localhost")));
        let _ = analyze_pem(&pem, Some(key), &opts(now, Some("127.0.0.1")));
        let _ = analyze_der_chain(&der, &opts(now, Some("localhost")));
    }
}

#[test]
fn json_shape_is_stable() {
    let now = now();
    let p = pki(now, now + 20 * DAY);
    let f = analyze_pem(
        concat(&[&p.leaf.cert_pem, &p.int.cert_pem]).as_bytes(),
        Some(p.leaf.key_pem.as_bytes()),
        &opts(now, Some("localhost")),
    );
    let v = serde_json::to_value(&f).expect("serialise");
    for field in [
        "source",
        "state",
        "error_kind",
        "reason",
        "certificates",
        "chain",
        "hostname",
        "cert_file_contains_private_key",
        "other_pem_blocks",
        "trailing_data",
        "key",
        "any_expired",
        "any_not_yet_valid",
        "min_days_left",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["state"], "ok");
    assert_eq!(v["key"]["state"], "ok");
    assert_eq!(v["key"]["matches_leaf"], true);
    assert_eq!(v["chain"]["ordered"], true);
    assert_eq!(v["chain"]["links"][0]["signature"], "valid");
    let c = &v["certificates"][0];
    for field in [
        "index",
        "pem_line",
        "subject",
        "subject_common_name",
        "issuer",
        "serial_hex",
        "not_before",
        "not_after",
        "not_before_unix",
        "not_after_unix",
        "days_left",
        "expired",
        "not_yet_valid",
        "self_issued",
        "self_signature",
        "self_signed",
        "is_ca",
        "key_type",
        "key_bits",
        "curve",
        "signature_algorithm",
        "signature_hash",
        "weak_signature",
        "dns_names",
        "ip_addresses",
        "sha256_fingerprint",
        "issuer_index",
        "trailing_bytes",
    ] {
        assert!(c.get(field).is_some(), "missing certificates[].{field}");
    }
    assert_eq!(c["days_left"], 20);
    assert_eq!(v["min_days_left"], 20);
    // Never any key material in the facts.
    let json = v.to_string();
    for line in p.leaf.key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!json.contains(line), "key material leaked into facts");
    }
}
