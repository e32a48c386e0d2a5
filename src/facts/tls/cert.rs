//! Certificate facts: per-certificate properties, chain order, host name match,
//! PEM anomalies and the private key match, for a certificate file or a served chain.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde::Serialize;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};
use zeroize::Zeroizing;

use super::hostname;
use super::key::{self, KeyFacts};
use super::pem;

/// Largest certificate or key file read. PEM bundles are a few hundred KiB at most;
/// the bound keeps a misconfigured path (`/dev/zero`, a log file) from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Inputs that are not in the files themselves.
#[derive(Debug, Clone, Default)]
pub struct CertOptions {
    /// "Now" as Unix seconds; passed in so that scans and tests are reproducible.
    pub now_unix: i64,
    /// Host that clients use (host of `api_addr` or of `--addr`); may be an IP address,
    /// optionally in `[v6]` form. `None`: no host name check (`hostname.matches` is null).
    pub expected_host: Option<String>,
}

/// Whether the certificate input could be used at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactState {
    /// Every CERTIFICATE block decoded and parsed.
    Ok,
    /// The input is unusable as Vault/OpenBao would load it; see `error_kind` and `reason`.
    Error,
}

/// Machine-readable cause of `state = "error"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertErrorKind {
    /// The file does not exist.
    NotFound,
    /// The file exists but cannot be read by the scanner.
    PermissionDenied,
    /// The path is a directory, device or FIFO.
    NotRegularFile,
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// Any other I/O error.
    Io,
    /// No PEM block at all (plain text, DER, empty file).
    NotPem,
    /// PEM, but no CERTIFICATE block.
    NoCertificate,
    /// A CERTIFICATE block whose base64 body does not decode.
    BadPem,
    /// A CERTIFICATE block whose DER is not a valid X.509 certificate.
    ParseError,
    /// An empty served chain.
    EmptyChain,
}

/// Outcome of checking one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    /// The signature verifies with the signer's public key.
    Valid,
    /// The signature does not verify with that key.
    Invalid,
    /// The algorithm is outside what the checker supports (e.g. ECDSA with SHA-1 or SHA-512,
    /// P-521 signers, RSA keys under 1024 bits); no conclusion either way.
    Unsupported,
}

/// All facts about one certificate input (a PEM file pair or a served chain).
#[derive(Debug, Clone, Serialize)]
pub struct CertFacts {
    /// The certificate file path as given, `"pem"` for in-memory PEM, `"live"` for a served chain.
    pub source: String,
    /// `ok` or `error`; with `error` the listener could not load this file.
    pub state: FactState,
    /// Cause when `state` is `error`.
    pub error_kind: Option<CertErrorKind>,
    /// Human-readable cause when `state` is `error` (path included, never key material).
    pub reason: Option<String>,
    /// The certificates in input order; index 0 is the leaf (served first by Vault).
    /// Certificates that fail to parse are missing here (and make `state` `error`).
    pub certificates: Vec<CertificateFacts>,
    /// How the certificates relate to each other.
    pub chain: ChainFacts,
    /// Whether the leaf is valid for the expected host.
    pub hostname: HostnameFacts,
    /// True when the certificate file also holds a PRIVATE KEY block of any kind.
    pub cert_file_contains_private_key: bool,
    /// Labels of PEM blocks that are neither certificates nor private keys (e.g. `EC PARAMETERS`).
    pub other_pem_blocks: Vec<String>,
    /// Data that is not part of a certificate: bytes after a certificate's DER (Go rejects
    /// the certificate with "x509: trailing data"), text outside PEM blocks, unclosed blocks.
    pub trailing_data: Vec<TrailingData>,
    /// The private key (`tls_key_file`); `state` `absent` when none was given.
    pub key: KeyFacts,
    /// Some certificate in the input is past its `not_after`.
    pub any_expired: bool,
    /// Some certificate in the input is before its `not_before`.
    pub any_not_yet_valid: bool,
    /// Smallest `days_left` over the certificates (null when there are none).
    pub min_days_left: Option<i64>,
}

/// Facts about one X.509 certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFacts {
    /// Position in the input (0 = leaf).
    pub index: usize,
    /// 1-based line of the PEM BEGIN line, for file inputs.
    pub pem_line: Option<usize>,
    /// Subject as an RFC 4514 string (most specific first, e.g. `CN=a,O=b,C=US`).
    pub subject: String,
    /// The first Common Name of the subject, if any (informational: Go ignores it for host names).
    pub subject_common_name: Option<String>,
    /// Issuer as an RFC 4514 string.
    pub issuer: String,
    /// Serial number, lower-case hex without separators or leading zero bytes.
    pub serial_hex: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// `not_before` as Unix seconds.
    pub not_before_unix: i64,
    /// `not_after` as Unix seconds.
    pub not_after_unix: i64,
    /// Whole days from now until `not_after`, rounded down; negative once expired.
    pub days_left: i64,
    /// Now is after `not_after`.
    pub expired: bool,
    /// Now is before `not_before`.
    pub not_yet_valid: bool,
    /// Subject and issuer are byte-for-byte equal.
    pub self_issued: bool,
    /// Check of the certificate's signature with its own key; null unless `self_issued`.
    pub self_signature: Option<SignatureCheck>,
    /// Self-issued and signed by its own key. When the checker cannot verify the algorithm
    /// (`self_signature` `unsupported`), decided by the key identifiers instead (AKI absent
    /// or equal to the SKI).
    pub self_signed: bool,
    /// Basic constraints say CA.
    pub is_ca: bool,
    /// Extended key usages by name (`server_auth`, `client_auth`, `any`, …, or the OID);
    /// null when the certificate has no extendedKeyUsage extension (any use is allowed).
    pub extended_key_usage: Option<Vec<String>>,
    /// Usable as a TLS server certificate by its extended key usage: no EKU extension, or one
    /// that lists serverAuth or anyExtendedKeyUsage (what Go's verifier accepts).
    pub eku_allows_server_auth: bool,
    /// `rsa`, `ec`, `ed25519`, `ed448`, `dsa` or `other`.
    pub key_type: String,
    /// Key size in bits: RSA modulus, EC field size, 256 for Ed25519, approximate for DSA.
    pub key_bits: u32,
    /// EC curve (`P-256`, `P-384`, `P-521`, or the OID); null for other key types.
    pub curve: Option<String>,
    /// Signature algorithm with Go's names (`SHA256-RSA`, `ECDSA-SHA384`, `Ed25519`,
    /// `SHA256-RSAPSS`, `SHA1-RSA`, …), or the OID when unknown.
    pub signature_algorithm: String,
    /// Hash used by the signature (`md5`, `sha1`, `sha256`, …); null for Ed25519 or unknown.
    pub signature_hash: Option<String>,
    /// Signed with MD2, MD5 or SHA-1.
    pub weak_signature: bool,
    /// DNS names from the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// IP addresses from the subjectAltName extension.
    pub ip_addresses: Vec<String>,
    /// SHA-256 of the DER, lower-case hex without separators.
    pub sha256_fingerprint: String,
    /// Index of a certificate in this input whose key verifies this one's signature and
    /// whose subject is this one's issuer (itself for self-signed); null when none is.
    pub issuer_index: Option<usize>,
    /// Bytes that follow this certificate's DER inside its PEM block.
    pub trailing_bytes: usize,
}

/// How the certificates of one input chain together.
#[derive(Debug, Clone, Serialize)]
pub struct ChainFacts {
    /// Number of certificate blocks (including any that failed to parse).
    pub length: usize,
    /// One entry per adjacent pair: does certificate `i+1` issue certificate `i`?
    pub links: Vec<ChainLink>,
    /// Each certificate is issued by the next one (true for a single certificate).
    pub ordered: bool,
    /// Ordered and ending in a self-signed root. Leaving the root out is normal for a
    /// served chain; this says only whether the input is complete on its own.
    pub complete: bool,
    /// Some certificate in the input is self-signed.
    pub root_included: bool,
    /// Problems in plain words (wrong order, unrelated or duplicate certificates, bad signatures).
    pub issues: Vec<String>,
}

/// One adjacent pair of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainLink {
    /// Index of the issued certificate.
    pub child: usize,
    /// Index of the candidate issuer (`child + 1`).
    pub parent: usize,
    /// The child's issuer name equals the parent's subject name.
    pub name_match: bool,
    /// Signature check of the child with the parent's key; null when the names differ.
    pub signature: Option<SignatureCheck>,
    /// Names match and the signature is valid, or the signature check is unsupported.
    pub ok: bool,
}

/// Host name check of the leaf, with Go `crypto/x509` rules.
#[derive(Debug, Clone, Serialize)]
pub struct HostnameFacts {
    /// The host that was checked; null when none was given.
    pub expected: Option<String>,
    /// The leaf covers `expected`; null when no host was given or there is no leaf.
    pub matches: Option<bool>,
    /// The leaf's SAN DNS names and IP addresses (what a Go client matches against).
    pub names: Vec<String>,
    /// Why it does not match, when it does not.
    pub reason: Option<String>,
}

/// Kind of data that is not part of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrailingKind {
    /// Bytes after the certificate's DER inside a PEM block.
    DerAfterCertificate,
    /// Non-blank text outside any PEM block (ignored by Go).
    TextOutsidePem,
    /// A BEGIN line with no matching END (ignored by Go).
    UnterminatedPemBlock,
}

/// One piece of trailing or stray data.
#[derive(Debug, Clone, Serialize)]
pub struct TrailingData {
    /// What it is.
    pub kind: TrailingKind,
    /// The certificate it follows, for `der_after_certificate`.
    pub certificate_index: Option<usize>,
    /// 1-based line where it starts, for file inputs.
    pub line: Option<usize>,
    /// Its size in bytes (non-blank bytes for text).
    pub bytes: usize,
    /// Go's `crypto/x509` refuses the certificate because of it (so Vault/OpenBao fail to load it).
    pub go_rejects: bool,
    /// Description.
    pub message: String,
}

/// Private key input for the core analysis.
enum KeyInput<'a> {
    Absent,
    Pem(&'a [u8], Option<String>),
    Failed(KeyFacts),
}

struct DerInput {
    der: Vec<u8>,
    line: Option<usize>,
}

/// Analyses a certificate file and optionally its key file. Never panics: a missing or
/// unreadable file gives `state = "error"` (or `key.state = "error"`) with the reason.
pub fn analyze_files(cert_path: &Path, key_path: Option<&Path>, opts: &CertOptions) -> CertFacts {
    let source = cert_path.display().to_string();
    let key_input_data;
    let key = match key_path {
        None => KeyInput::Absent,
        Some(p) => match read_bounded(p) {
            Ok(data) => {
                key_input_data = data;
                KeyInput::Pem(&key_input_data, Some(p.display().to_string()))
            }
            Err((_, reason)) => {
                KeyInput::Failed(KeyFacts::error(Some(p.display().to_string()), reason))
            }
        },
    };
    match read_bounded(cert_path) {
        Ok(data) => analyze_pem_inner(&data, source, key, opts),
        Err((kind, reason)) => {
            let mut facts = empty_facts(source, kind, reason, opts);
            facts.key = key_facts(key, None);
            facts
        }
    }
}

/// Analyses PEM data held in memory (`source` is reported as `"pem"`).
pub fn analyze_pem(cert_pem: &[u8], key_pem: Option<&[u8]>, opts: &CertOptions) -> CertFacts {
    let key = match key_pem {
        Some(k) => KeyInput::Pem(k, None),
        None => KeyInput::Absent,
    };
    analyze_pem_inner(cert_pem, "pem".into(), key, opts)
}

/// Analyses a served chain (DER, leaf first), e.g. from a live handshake. No key facts.
pub fn analyze_der_chain(chain: &[Vec<u8>], opts: &CertOptions) -> CertFacts {
    let ders: Vec<DerInput> = chain
        .iter()
        .map(|d| DerInput {
            der: d.clone(),
            line: None,
        })
        .collect();
    let mut facts = analyze_ders("live".into(), &ders, KeyInput::Absent, opts);
    if chain.is_empty() {
        facts.state = FactState::Error;
        facts.error_kind = Some(CertErrorKind::EmptyChain);
        facts.reason = Some("the server sent no certificate".into());
    }
    facts
}

fn read_bounded(path: &Path) -> Result<Zeroizing<Vec<u8>>, (CertErrorKind, String)> {
    let shown = path.display();
    let io_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => {
            (CertErrorKind::NotFound, format!("{shown}: file not found"))
        }
        std::io::ErrorKind::PermissionDenied => (
            CertErrorKind::PermissionDenied,
            crate::facts::scanner_cannot_read(&shown.to_string()),
        ),
        _ => (CertErrorKind::Io, format!("{shown}: cannot read: {e}")),
    };
    // Opened non-blocking and checked after opening: a FIFO never blocks, a device is refused.
    let file = crate::fsutil::open_regular(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            (
                CertErrorKind::NotRegularFile,
                format!("{shown}: not a regular file"),
            )
        } else {
            io_err(e)
        }
    })?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            CertErrorKind::TooLarge,
            format!("{shown}: larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    // Key files pass through here too: wipe the buffer when dropped.
    let mut data = Zeroizing::new(Vec::new());
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(io_err)?;
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err((
            CertErrorKind::TooLarge,
            format!("{shown}: larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(data)
}

fn key_facts(key: KeyInput<'_>, leaf: Option<&SubjectPublicKeyInfo<'_>>) -> KeyFacts {
    match key {
        KeyInput::Absent => KeyFacts::absent(),
        KeyInput::Failed(f) => f,
        KeyInput::Pem(data, path) => key::analyze_key_pem(data, path, leaf),
    }
}

fn empty_chain() -> ChainFacts {
    ChainFacts {
        length: 0,
        links: Vec::new(),
        ordered: false,
        complete: false,
        root_included: false,
        issues: Vec::new(),
    }
}

fn empty_facts(
    source: String,
    kind: CertErrorKind,
    reason: String,
    opts: &CertOptions,
) -> CertFacts {
    CertFacts {
        source,
        state: FactState::Error,
        error_kind: Some(kind),
        reason: Some(reason),
        certificates: Vec::new(),
        chain: empty_chain(),
        hostname: HostnameFacts {
            expected: opts.expected_host.clone(),
            matches: None,
            names: Vec::new(),
            reason: None,
        },
        cert_file_contains_private_key: false,
        other_pem_blocks: Vec::new(),
        trailing_data: Vec::new(),
        key: KeyFacts::absent(),
        any_expired: false,
        any_not_yet_valid: false,
        min_days_left: None,
    }
}

fn analyze_pem_inner(
    data: &[u8],
    source: String,
    key: KeyInput<'_>,
    opts: &CertOptions,
) -> CertFacts {
    let scan = pem::scan(data);
    let mut trailing = Vec::new();
    for (line, bytes) in &scan.outside_lines {
        trailing.push(TrailingData {
            kind: TrailingKind::TextOutsidePem,
            certificate_index: None,
            line: Some(*line),
            bytes: *bytes,
            go_rejects: false,
            message: format!("{bytes} bytes of text outside PEM blocks at line {line}"),
        });
    }
    for (line, label) in &scan.unterminated {
        trailing.push(TrailingData {
            kind: TrailingKind::UnterminatedPemBlock,
            certificate_index: None,
            line: Some(*line),
            bytes: 0,
            go_rejects: false,
            message: format!("\"{label}\" block at line {line} has no END line"),
        });
    }
    let contains_key = scan.blocks.iter().any(|b| b.is_private_key());
    let other: Vec<String> = scan
        .blocks
        .iter()
        .filter(|b| b.label != "CERTIFICATE" && !b.is_private_key())
        .map(|b| b.label.clone())
        .collect();
    let cert_blocks: Vec<&pem::PemBlock> = scan
        .blocks
        .iter()
        .filter(|b| b.label == "CERTIFICATE")
        .collect();

    let fail =
        |kind: CertErrorKind, reason: String, key: KeyInput<'_>, trailing: Vec<TrailingData>| {
            let mut f = empty_facts(source.clone(), kind, reason, opts);
            f.cert_file_contains_private_key = contains_key;
            f.other_pem_blocks = other.clone();
            f.trailing_data = trailing;
            f.key = key_facts(key, None);
            f
        };

    if cert_blocks.is_empty() {
        let (kind, reason) = if scan.blocks.is_empty() {
            let hint = if data.first() == Some(&0x30) {
                " (looks like binary DER; Vault needs PEM)"
            } else if data.iter().all(|b| b.is_ascii_whitespace()) {
                " (empty)"
            } else {
                ""
            };
            (
                CertErrorKind::NotPem,
                format!("{source}: no PEM data found{hint}"),
            )
        } else {
            let labels: Vec<&str> = scan.blocks.iter().map(|b| b.label.as_str()).collect();
            let hint = if contains_key {
                "; it holds a private key: cert and key files may have been switched"
            } else {
                ""
            };
            (
                CertErrorKind::NoCertificate,
                format!(
                    "{source}: no CERTIFICATE PEM block (found: {}){hint}",
                    labels.join(", ")
                ),
            )
        };
        return fail(kind, reason, key, trailing);
    }

    let mut ders = Vec::new();
    for b in &cert_blocks {
        match &b.der {
            Ok(d) => ders.push(DerInput {
                der: d.to_vec(),
                line: Some(b.line),
            }),
            Err(e) => {
                let reason = format!("{source}: CERTIFICATE block at line {}: {e}", b.line);
                return fail(CertErrorKind::BadPem, reason, key, trailing);
            }
        }
    }
    let mut facts = analyze_ders(source, &ders, key, opts);
    facts.cert_file_contains_private_key = contains_key;
    facts.other_pem_blocks = other;
    trailing.append(&mut facts.trailing_data);
    trailing.sort_by_key(|t| t.line.unwrap_or(0));
    facts.trailing_data = trailing;
    facts
}

fn analyze_ders(
    source: String,
    ders: &[DerInput],
    key: KeyInput<'_>,
    opts: &CertOptions,
) -> CertFacts {
    let mut parse_error: Option<String> = None;
    let mut parsed: Vec<Option<(X509Certificate<'_>, usize)>> = Vec::with_capacity(ders.len());
    for (i, d) in ders.iter().enumerate() {
        match X509Certificate::from_der(&d.der) {
            Ok((rest, cert)) => parsed.push(Some((cert, rest.len()))),
            Err(e) => {
                if parse_error.is_none() {
                    let at = d.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                    parse_error = Some(format!(
                        "{source}: certificate {i}{at}: DER parse error: {e}"
                    ));
                }
                parsed.push(None);
            }
        }
    }
    let certs: Vec<Option<&X509Certificate<'_>>> =
        parsed.iter().map(|p| p.as_ref().map(|(c, _)| c)).collect();

    // Signature checks are the costly part: do each (child, parent) pair once.
    let mut certificates = Vec::new();
    let mut trailing = Vec::new();
    for (i, entry) in parsed.iter().enumerate() {
        let Some((cert, rest)) = entry else { continue };
        let line = ders.get(i).and_then(|d| d.line);
        let mut facts = certificate_facts(i, cert, opts.now_unix);
        facts.pem_line = line;
        facts.trailing_bytes = *rest;
        facts.issuer_index = find_issuer(i, cert, &certs);
        if *rest > 0 {
            trailing.push(TrailingData {
                kind: TrailingKind::DerAfterCertificate,
                certificate_index: Some(i),
                line,
                bytes: *rest,
                go_rejects: true,
                message: format!(
                    "certificate {i} is followed by {rest} bytes of extra data inside its PEM block (Go: \"x509: trailing data\")"
                ),
            });
        }
        certificates.push(facts);
    }

    let chain = chain_facts(&certs, &certificates);
    let leaf = certs.first().copied().flatten();
    let hostname = hostname_facts(leaf, opts);
    let key = key_facts(key, leaf.map(|c| c.public_key()));
    let any_expired = certificates.iter().any(|c| c.expired);
    let any_not_yet_valid = certificates.iter().any(|c| c.not_yet_valid);
    let min_days_left = certificates.iter().map(|c| c.days_left).min();
    CertFacts {
        source,
        state: if parse_error.is_some() {
            FactState::Error
        } else {
            FactState::Ok
        },
        error_kind: parse_error.as_ref().map(|_| CertErrorKind::ParseError),
        reason: parse_error,
        certificates,
        chain,
        hostname,
        cert_file_contains_private_key: false,
        other_pem_blocks: Vec::new(),
        trailing_data: trailing,
        key,
        any_expired,
        any_not_yet_valid,
        min_days_left,
    }
}

/// The extendedKeyUsage extension's purposes by name; None when the extension is absent. A
/// malformed or duplicated extension counts as present with no usage (Go rejects it too).
fn extended_key_usage_names(cert: &X509Certificate<'_>) -> Option<Vec<String>> {
    let eku = match cert.extended_key_usage() {
        Ok(None) => return None,
        Ok(Some(ext)) => ext.value,
        Err(_) => return Some(Vec::new()),
    };
    let named = [
        (eku.any, "any"),
        (eku.server_auth, "server_auth"),
        (eku.client_auth, "client_auth"),
        (eku.code_signing, "code_signing"),
        (eku.email_protection, "email_protection"),
        (eku.time_stamping, "time_stamping"),
        (eku.ocsp_signing, "ocsp_signing"),
    ];
    let mut names: Vec<String> = named
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| (*n).to_owned())
        .collect();
    names.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    Some(names)
}

fn certificate_facts(index: usize, cert: &X509Certificate<'_>, now: i64) -> CertificateFacts {
    let not_before_unix = cert.validity().not_before.timestamp();
    let not_after_unix = cert.validity().not_after.timestamp();
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    let self_signature = self_issued.then(|| check_signature(cert, cert.public_key()));
    let self_signed = match self_signature {
        Some(SignatureCheck::Valid) => true,
        Some(SignatureCheck::Unsupported) => key_ids_allow_self_signed(cert),
        _ => false,
    };
    let (key_type, key_bits, curve) = public_key_info(cert.public_key());
    let (signature_algorithm, signature_hash) = signature_info(cert);
    let weak_signature = matches!(signature_hash.as_deref(), Some("md2" | "md5" | "sha1"));
    let (dns_names, ips) = san_names(cert);
    let extended_key_usage = extended_key_usage_names(cert);
    CertificateFacts {
        index,
        pem_line: None,
        subject: name_to_string(cert.subject()),
        subject_common_name: cert
            .subject()
            .iter_common_name()
            .next()
            .map(|cn| attr_string(cn.attr_value().tag(), cn.as_slice())),
        issuer: name_to_string(cert.issuer()),
        serial_hex: hex(key::strip_leading_zeros(cert.raw_serial())),
        not_before: rfc3339(not_before_unix),
        not_after: rfc3339(not_after_unix),
        not_before_unix,
        not_after_unix,
        days_left: not_after_unix.saturating_sub(now).div_euclid(86_400),
        expired: now > not_after_unix,
        not_yet_valid: now < not_before_unix,
        self_issued,
        self_signature,
        self_signed,
        is_ca: cert.is_ca(),
        eku_allows_server_auth: extended_key_usage
            .as_ref()
            .is_none_or(|u| u.iter().any(|n| n == "server_auth" || n == "any")),
        extended_key_usage,
        key_type,
        key_bits,
        curve,
        signature_algorithm,
        signature_hash,
        weak_signature,
        dns_names,
        ip_addresses: ips.iter().map(|ip| ip.to_string()).collect(),
        // The certificate's own DER: trailing bytes in the PEM block are not part of it.
        sha256_fingerprint: hex(ring::digest::digest(&ring::digest::SHA256, cert.as_raw()).as_ref()),
        issuer_index: None,
        trailing_bytes: 0,
    }
}

/// Fallback when the self-signature cannot be checked: a self-issued certificate whose
/// Authority Key Identifier is absent or equals its Subject Key Identifier.
fn key_ids_allow_self_signed(cert: &X509Certificate<'_>) -> bool {
    use x509_parser::extensions::ParsedExtension;
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => ski = Some(id.0),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0)
            }
            _ => {}
        }
    }
    match (aki, ski) {
        (None, _) => true,
        (Some(a), Some(s)) => a == s,
        (Some(_), None) => false,
    }
}

/// Verifies `child`'s signature with `signer`. x509-parser (ring) does the work; ring's
/// table there starts at 2048-bit RSA for SHA-2, so weaker RSA signers are retried with
/// ring's legacy variants: a 1024-bit chain is then reported as weak, not as broken.
pub(crate) fn check_signature(
    child: &X509Certificate<'_>,
    signer: &SubjectPublicKeyInfo<'_>,
) -> SignatureCheck {
    match child.verify_signature(Some(signer)) {
        Ok(()) => SignatureCheck::Valid,
        Err(X509Error::SignatureUnsupportedAlgorithm) => SignatureCheck::Unsupported,
        Err(_) => legacy_rsa_check(child, signer).unwrap_or(SignatureCheck::Invalid),
    }
}

fn legacy_rsa_check(
    child: &X509Certificate<'_>,
    signer: &SubjectPublicKeyInfo<'_>,
) -> Option<SignatureCheck> {
    use ring::signature;
    let Ok(PublicKey::RSA(rsa)) = signer.parsed() else {
        return None;
    };
    let bits = key::uint_bits(rsa.modulus);
    if bits >= 2048 {
        return None;
    }
    if bits < 1024 {
        return Some(SignatureCheck::Unsupported);
    }
    let alg: &dyn signature::VerificationAlgorithm =
        match child.signature_algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.11" => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            "1.2.840.113549.1.1.13" => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            // SHA-1 is already checked from 1024 bits by x509-parser; others have no legacy variant.
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => return None,
            _ => return Some(SignatureCheck::Unsupported),
        };
    let key = signature::UnparsedPublicKey::new(alg, &signer.subject_public_key.data);
    Some(
        if key
            .verify(child.tbs_certificate.as_ref(), &child.signature_value.data)
            .is_ok()
        {
            SignatureCheck::Valid
        } else {
            SignatureCheck::Invalid
        },
    )
}

fn find_issuer(
    i: usize,
    cert: &X509Certificate<'_>,
    certs: &[Option<&X509Certificate<'_>>],
) -> Option<usize> {
    let mut unsupported = None;
    for (j, cand) in certs.iter().enumerate() {
        let Some(cand) = cand else { continue };
        if cand.subject().as_raw() != cert.issuer().as_raw() {
            continue;
        }
        // A self-issued certificate is only its own issuer; others need a different one.
        if (j == i) != (cert.subject().as_raw() == cert.issuer().as_raw()) {
            continue;
        }
        match check_signature(cert, cand.public_key()) {
            SignatureCheck::Valid => return Some(j),
            SignatureCheck::Unsupported if unsupported.is_none() => unsupported = Some(j),
            _ => {}
        }
    }
    unsupported
}

fn chain_facts(certs: &[Option<&X509Certificate<'_>>], facts: &[CertificateFacts]) -> ChainFacts {
    let n = certs.len();
    if n == 0 {
        return empty_chain();
    }
    let label = |i: usize| -> String {
        facts
            .iter()
            .find(|f| f.index == i)
            .map(|f| format!("certificate {i} ({})", f.subject))
            .unwrap_or_else(|| format!("certificate {i} (unparsed)"))
    };
    let fact = |i: usize| facts.iter().find(|f| f.index == i);
    let mut issues = Vec::new();
    let mut links = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let (child, parent) = (
            certs.get(i).copied().flatten(),
            certs.get(i + 1).copied().flatten(),
        );
        let (name_match, signature) = match (child, parent) {
            (Some(c), Some(p)) => {
                let nm = c.issuer().as_raw() == p.subject().as_raw();
                (nm, nm.then(|| check_signature(c, p.public_key())))
            }
            _ => (false, None),
        };
        let ok = name_match && signature != Some(SignatureCheck::Invalid);
        if !name_match {
            let issuer = fact(i).map(|f| f.issuer.clone()).unwrap_or_default();
            issues.push(format!(
                "{} is not issued by {}; its issuer is {issuer}",
                label(i),
                label(i + 1)
            ));
        } else if signature == Some(SignatureCheck::Invalid) {
            issues.push(format!(
                "{} names {} as issuer but its signature does not verify with that key",
                label(i),
                label(i + 1)
            ));
        } else if signature == Some(SignatureCheck::Unsupported) {
            issues.push(format!(
                "{} -> {}: signature algorithm not supported by the checker; linked by name only",
                label(i),
                label(i + 1)
            ));
        }
        links.push(ChainLink {
            child: i,
            parent: i + 1,
            name_match,
            signature,
            ok,
        });
    }
    for f in facts {
        if let Some(j) = f.issuer_index {
            if j < f.index {
                issues.push(format!(
                    "{} is issued by {}, which comes before it: the chain is out of order",
                    label(f.index),
                    label(j)
                ));
            }
        }
        if f.self_signed && f.index + 1 < n {
            issues.push(format!(
                "{} is self-signed but not last in the chain",
                label(f.index)
            ));
        }
        if let Some(dup) = facts
            .iter()
            .find(|g| g.index < f.index && g.sha256_fingerprint == f.sha256_fingerprint)
        {
            issues.push(format!(
                "{} duplicates certificate {}",
                label(f.index),
                dup.index
            ));
        }
    }
    let ordered = certs.iter().all(Option::is_some) && links.iter().all(|l| l.ok);
    let last_self_signed = fact(n - 1).is_some_and(|f| f.self_signed);
    ChainFacts {
        length: n,
        links,
        ordered,
        complete: ordered && last_self_signed,
        root_included: facts.iter().any(|f| f.self_signed),
        issues,
    }
}

fn hostname_facts(leaf: Option<&X509Certificate<'_>>, opts: &CertOptions) -> HostnameFacts {
    let (dns, ips) = leaf.map(san_names).unwrap_or_default();
    let mut names = dns.clone();
    names.extend(ips.iter().map(|ip| ip.to_string()));
    let expected = opts.expected_host.clone();
    let (matches, reason) = match (&expected, leaf) {
        (Some(host), Some(_)) => {
            let m = hostname::verify_hostname(host, &dns, &ips);
            let reason = if m {
                None
            } else if names.is_empty() {
                Some(
                    "the leaf has no subjectAltName; Go clients ignore the Common Name".to_string(),
                )
            } else if hostname::parse_ip_host(host).is_some() {
                Some(format!(
                    "{host} is not among the leaf's IP SANs [{}]",
                    ips.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            } else {
                Some(format!(
                    "{host} is not covered by the leaf's DNS SANs [{}]",
                    dns.join(", ")
                ))
            };
            (Some(m), reason)
        }
        _ => (None, None),
    };
    HostnameFacts {
        expected,
        matches,
        names,
        reason,
    }
}

fn san_names(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<IpAddr>) {
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    // A malformed or duplicated SAN extension yields no names, as a Go client would refuse it.
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for gn in &san.value.general_names {
            match gn {
                GeneralName::DNSName(n) => dns.push((*n).to_string()),
                GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        ips.push(IpAddr::V4(Ipv4Addr::from(a)));
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        ips.push(IpAddr::V6(Ipv6Addr::from(a)));
                    }
                }
                _ => {}
            }
        }
    }
    (dns, ips)
}

fn public_key_info(spki: &SubjectPublicKeyInfo<'_>) -> (String, u32, Option<String>) {
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => key::uint_bits(rsa.modulus),
                _ => 0,
            };
            ("rsa".into(), bits, None)
        }
        "1.2.840.10045.2.1" => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let bits = curve_oid
                .as_deref()
                .and_then(key::curve_bits)
                .unwrap_or_else(|| ec_point_bits(&spki.subject_public_key.data));
            ("ec".into(), bits, curve_oid.map(|o| key::curve_name(&o)))
        }
        "1.3.101.112" => ("ed25519".into(), 256, None),
        "1.3.101.113" => ("ed448".into(), 456, None),
        // y < p, so the size of y approximates the size of p.
        "1.2.840.10040.4.1" => {
            let bits = match spki.parsed() {
                Ok(PublicKey::DSA(y)) => key::uint_bits(y).div_ceil(8) * 8,
                _ => 0,
            };
            ("dsa".into(), bits, None)
        }
        _ => ("other".into(), 0, None),
    }
}

fn ec_point_bits(point: &[u8]) -> u32 {
    // Uncompressed point: 0x04 || X || Y.
    let coord = point.len().saturating_sub(1) / 2;
    u32::try_from(coord * 8).unwrap_or(0)
}

fn signature_info(cert: &X509Certificate<'_>) -> (String, Option<String>) {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (name, hash): (&str, Option<&str>) = match oid.as_str() {
        "1.2.840.113549.1.1.2" => ("MD2-RSA", Some("md2")),
        "1.2.840.113549.1.1.4" => ("MD5-RSA", Some("md5")),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("SHA1-RSA", Some("sha1")),
        "1.2.840.113549.1.1.14" => ("SHA224-RSA", Some("sha224")),
        "1.2.840.113549.1.1.11" => ("SHA256-RSA", Some("sha256")),
        "1.2.840.113549.1.1.12" => ("SHA384-RSA", Some("sha384")),
        "1.2.840.113549.1.1.13" => ("SHA512-RSA", Some("sha512")),
        "1.2.840.113549.1.1.10" => {
            let hash = pss_hash(cert);
            let name = match hash.as_deref() {
                Some(h) => format!("{}-RSAPSS", h.to_ascii_uppercase()),
                None => "RSASSA-PSS".to_string(),
            };
            return (name, hash);
        }
        "1.2.840.10040.4.3" => ("DSA-SHA1", Some("sha1")),
        "2.16.840.1.101.3.4.3.2" => ("DSA-SHA256", Some("sha256")),
        "1.2.840.10045.4.1" => ("ECDSA-SHA1", Some("sha1")),
        "1.2.840.10045.4.3.1" => ("ECDSA-SHA224", Some("sha224")),
        "1.2.840.10045.4.3.2" => ("ECDSA-SHA256", Some("sha256")),
        "1.2.840.10045.4.3.3" => ("ECDSA-SHA384", Some("sha384")),
        "1.2.840.10045.4.3.4" => ("ECDSA-SHA512", Some("sha512")),
        "1.3.101.112" => ("Ed25519", None),
        "1.3.101.113" => ("Ed448", None),
        _ => return (oid, None),
    };
    (name.to_string(), hash.map(str::to_string))
}

fn pss_hash(cert: &X509Certificate<'_>) -> Option<String> {
    use x509_parser::signature_algorithm::SignatureAlgorithm;
    match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
        Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
            let h = params.hash_algorithm_oid().to_id_string();
            Some(
                match h.as_str() {
                    "1.3.14.3.2.26" => "sha1",
                    "2.16.840.1.101.3.4.2.1" => "sha256",
                    "2.16.840.1.101.3.4.2.2" => "sha384",
                    "2.16.840.1.101.3.4.2.3" => "sha512",
                    "2.16.840.1.101.3.4.2.4" => "sha224",
                    _ => return None,
                }
                .to_string(),
            )
        }
        _ => None,
    }
}

fn attr_short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.12" => "title",
        "2.5.4.17" => "postalCode",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

/// Decodes the common directory string types; anything else is shown as `#hex`.
fn attr_string(tag: Tag, data: &[u8]) -> String {
    match tag {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => String::from_utf8_lossy(data).into_owned(),
        // T.61 is treated as Latin-1, as Go does.
        Tag::TeletexString => data.iter().map(|b| char::from(*b)).collect(),
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            String::from_utf16_lossy(&units)
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                for (dst, src) in b.iter_mut().zip(c) {
                    *dst = *src;
                }
                char::from_u32(u32::from_be_bytes(b)).unwrap_or('\u{fffd}')
            })
            .collect(),
        _ => format!("#{}", hex(data)),
    }
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let needs = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if needs {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

/// RFC 4514 string: RDNs in reverse order, comma-separated, multi-valued RDNs joined by `+`.
pub(crate) fn name_to_string(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.attr_type().to_id_string();
                    let key = attr_short_name(&oid).map(str::to_string).unwrap_or(oid);
                    let value = attr_string(atv.attr_value().tag(), atv.as_slice());
                    format!("{key}={}", escape_rfc4514(&value))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Unix seconds as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
pub(crate) fn rfc3339(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_395_723), "2026-11-23T01:02:03Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(escape_rfc4514("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_rfc4514(" #x "), "\\ #x\\ ");
        assert_eq!(escape_rfc4514("#x"), "\\#x");
    }
}
