//! Private key file facts: format, type, size and whether it belongs to the leaf.
//!
//! The match is decided by deriving the public key from the private key and comparing
//! it with the leaf's SubjectPublicKeyInfo, which is what Go's `tls.X509KeyPair` does
//! when Vault/OpenBao loads `tls_key_file`. Nothing derived from private key material
//! other than that boolean ever leaves this module.

use serde::Serialize;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::pem::{self, PemBlock};

/// Whether a key file was given and could be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// The key was parsed; `matches_leaf` is set when there is a leaf to compare with.
    Ok,
    /// No key file is configured (or not applicable, e.g. a live chain).
    Absent,
    /// The key file is missing, unreadable, encrypted, malformed or of an unsupported type.
    Error,
}

/// Facts about the private key file (`tls_key_file`). Never holds key material.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFacts {
    /// `ok`, `absent` or `error`.
    pub state: KeyState,
    /// The key file path, when read from a file.
    pub path: Option<String>,
    /// Why the state is not `ok` (path included, never key bytes).
    pub reason: Option<String>,
    /// Encoding: `pkcs8` (`PRIVATE KEY`), `pkcs1` (`RSA PRIVATE KEY`), `sec1` (`EC PRIVATE KEY`),
    /// or the PEM label when it is something else.
    pub format: Option<String>,
    /// `rsa`, `ec`, `ed25519`, `dsa` or `other`, when known.
    pub key_type: Option<String>,
    /// Key size in bits (RSA modulus, EC field size), when known.
    pub key_bits: Option<u32>,
    /// Named curve for EC keys (`P-256`, `P-384`, `P-521`, or the OID).
    pub curve: Option<String>,
    /// True when the key is encrypted (`ENCRYPTED PRIVATE KEY`, or `Proc-Type: 4,ENCRYPTED`);
    /// Vault cannot load such a key without a passphrase prompt.
    pub encrypted: bool,
    /// Public key derived from the private key equals the leaf's public key.
    /// `null` when the key could not be parsed or there is no leaf certificate.
    pub matches_leaf: Option<bool>,
}

impl KeyFacts {
    /// A key that was not configured.
    pub fn absent() -> Self {
        KeyFacts {
            state: KeyState::Absent,
            path: None,
            reason: None,
            format: None,
            key_type: None,
            key_bits: None,
            curve: None,
            encrypted: false,
            matches_leaf: None,
        }
    }

    pub(crate) fn error(path: Option<String>, reason: String) -> Self {
        KeyFacts {
            state: KeyState::Error,
            path,
            reason: Some(reason),
            ..KeyFacts::absent()
        }
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_X25519: &str = "1.3.101.110";
const OID_DSA: &str = "1.2.840.10040.4.1";
pub(crate) const OID_P256: &str = "1.2.840.10045.3.1.7";
pub(crate) const OID_P384: &str = "1.3.132.0.34";
pub(crate) const OID_P521: &str = "1.3.132.0.35";

/// Readable curve name for a named-curve OID.
pub(crate) fn curve_name(oid: &str) -> String {
    match oid {
        OID_P256 => "P-256".into(),
        OID_P384 => "P-384".into(),
        OID_P521 => "P-521".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.33" => "P-224".into(),
        other => other.into(),
    }
}

/// Field size in bits of a named curve, when known.
pub(crate) fn curve_bits(oid: &str) -> Option<u32> {
    match oid {
        OID_P256 | "1.3.132.0.10" => Some(256),
        OID_P384 => Some(384),
        OID_P521 => Some(521),
        "1.2.840.10045.3.1.1" => Some(192),
        "1.3.132.0.33" => Some(224),
        _ => None,
    }
}

/// Number of significant bits of a big-endian unsigned integer.
pub(crate) fn uint_bits(bytes: &[u8]) -> u32 {
    let trimmed = strip_leading_zeros(bytes);
    match trimmed.first() {
        None => 0,
        Some(first) => {
            let len = u32::try_from(trimmed.len()).unwrap_or(u32::MAX / 8);
            (len - 1)
                .saturating_mul(8)
                .saturating_add(8 - first.leading_zeros())
        }
    }
}

pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// What the private key tells about its public half; compared with the leaf.
enum DerivedPublic {
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    Ec { curve_oid: String, point: EcPoint },
    Ed25519(Vec<u8>),
}

/// A derived EC public point, kept typed so that the leaf's point (compressed or not)
/// is compared as a curve point rather than as bytes.
enum EcPoint {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

struct ParsedKey {
    format: String,
    key_type: String,
    key_bits: Option<u32>,
    curve: Option<String>,
    public: DerivedPublic,
}

/// A key that was recognised but cannot be used for the match (reason given).
struct Unsupported {
    format: String,
    key_type: String,
    reason: String,
}

enum KeyParse {
    Parsed(ParsedKey),
    Unsupported(Unsupported),
}

/// Analyses the key PEM. `leaf` is the leaf certificate's public key, when there is one.
pub(crate) fn analyze_key_pem(
    key_pem: &[u8],
    path: Option<String>,
    leaf: Option<&SubjectPublicKeyInfo<'_>>,
) -> KeyFacts {
    let whose = path.clone().unwrap_or_else(|| "key input".to_string());
    let scan = pem::scan(key_pem);
    let Some(block) = scan.blocks.iter().find(|b| b.is_private_key()) else {
        let reason = if scan.blocks.is_empty() {
            format!("{whose}: no PEM data found (tls: failed to find any PEM data in key input)")
        } else if scan.blocks.iter().any(|b| b.label == "CERTIFICATE") {
            format!("{whose}: found a certificate rather than a private key (cert and key files may have been switched)")
        } else {
            let labels: Vec<&str> = scan.blocks.iter().map(|b| b.label.as_str()).collect();
            format!(
                "{whose}: no PEM block of type \"PRIVATE KEY\" (found: {})",
                labels.join(", ")
            )
        };
        return KeyFacts::error(path, reason);
    };
    if block.is_encrypted() {
        let mut facts = KeyFacts::error(path.clone(), format!("{whose}: encrypted private key"));
        facts.encrypted = true;
        facts.format = Some(format_of_label(&block.label));
        facts.key_type = key_type_of_label(&block.label);
        return facts;
    }
    let der = match &block.der {
        Ok(d) => d.clone(),
        Err(e) => {
            return KeyFacts::error(
                path,
                format!("{whose}: {} block at line {}: {e}", block.label, block.line),
            )
        }
    };
    match parse_block(block, &der) {
        Err(msg) => KeyFacts::error(path, format!("{whose}: {msg}")),
        Ok(KeyParse::Unsupported(u)) => KeyFacts {
            format: Some(u.format),
            key_type: Some(u.key_type),
            ..KeyFacts::error(path, format!("{whose}: {}", u.reason))
        },
        Ok(KeyParse::Parsed(k)) => {
            let matches_leaf = leaf.map(|spki| public_matches(&k.public, spki));
            KeyFacts {
                state: KeyState::Ok,
                path,
                reason: None,
                format: Some(k.format),
                key_type: Some(k.key_type),
                key_bits: k.key_bits,
                curve: k.curve,
                encrypted: false,
                matches_leaf,
            }
        }
    }
}

fn format_of_label(label: &str) -> String {
    match label {
        "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => "pkcs8".into(),
        "RSA PRIVATE KEY" => "pkcs1".into(),
        "EC PRIVATE KEY" => "sec1".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn key_type_of_label(label: &str) -> Option<String> {
    match label {
        "RSA PRIVATE KEY" => Some("rsa".into()),
        "EC PRIVATE KEY" => Some("ec".into()),
        "DSA PRIVATE KEY" => Some("dsa".into()),
        _ => None,
    }
}

fn parse_block(block: &PemBlock, der: &[u8]) -> Result<KeyParse, String> {
    match block.label.as_str() {
        "PRIVATE KEY" => parse_pkcs8(der),
        "RSA PRIVATE KEY" => parse_pkcs1(der, "pkcs1").map(KeyParse::Parsed),
        "EC PRIVATE KEY" => parse_sec1(der, None, "sec1").map(KeyParse::Parsed),
        "DSA PRIVATE KEY" => Ok(KeyParse::Unsupported(Unsupported {
            format: "dsa".into(),
            key_type: "dsa".into(),
            reason: "DSA private keys are not supported for TLS by Vault/OpenBao".into(),
        })),
        "OPENSSH PRIVATE KEY" => Ok(KeyParse::Unsupported(Unsupported {
            format: "openssh".into(),
            key_type: "other".into(),
            reason: "OpenSSH private key format is not loadable by Vault/OpenBao (needs PKCS#8, PKCS#1 or SEC1 PEM)".into(),
        })),
        other => Ok(KeyParse::Unsupported(Unsupported {
            format: other.to_ascii_lowercase(),
            key_type: "other".into(),
            reason: format!("unsupported private key block \"{other}\""),
        })),
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<KeyParse, String> {
    use pkcs8::der::Decode;
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|e| format!("PKCS#8 private key does not parse: {e}"))?;
    let alg = info.algorithm.oid.to_string();
    let inner = info.private_key.as_bytes();
    match alg.as_str() {
        OID_RSA | OID_RSA_PSS => parse_pkcs1(inner, "pkcs8").map(KeyParse::Parsed),
        OID_EC => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<pkcs8::ObjectIdentifier>().ok())
                .map(|o| o.to_string());
            parse_sec1(inner, curve, "pkcs8").map(KeyParse::Parsed)
        }
        OID_ED25519 => {
            // ring derives the Ed25519 public key from the seed (PKCS#8 v1 or v2).
            let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|e| format!("Ed25519 private key does not parse: {e}"))?;
            let public = ring::signature::KeyPair::public_key(&pair)
                .as_ref()
                .to_vec();
            Ok(KeyParse::Parsed(ParsedKey {
                format: "pkcs8".into(),
                key_type: "ed25519".into(),
                key_bits: Some(256),
                curve: None,
                public: DerivedPublic::Ed25519(public),
            }))
        }
        OID_DSA => Ok(KeyParse::Unsupported(Unsupported {
            format: "pkcs8".into(),
            key_type: "dsa".into(),
            reason: "DSA private keys are not supported for TLS by Vault/OpenBao".into(),
        })),
        OID_ED448 | OID_X25519 => Ok(KeyParse::Unsupported(Unsupported {
            format: "pkcs8".into(),
            key_type: "other".into(),
            reason: format!(
                "private key algorithm {alg} is not supported for TLS by Vault/OpenBao"
            ),
        })),
        _ => Ok(KeyParse::Unsupported(Unsupported {
            format: "pkcs8".into(),
            key_type: "other".into(),
            reason: format!("unknown private key algorithm {alg}"),
        })),
    }
}

fn parse_pkcs1(der: &[u8], format: &str) -> Result<ParsedKey, String> {
    use pkcs1::der::Decode;
    let key = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|e| format!("RSA private key does not parse: {e}"))?;
    let modulus = strip_leading_zeros(key.modulus.as_bytes()).to_vec();
    let exponent = strip_leading_zeros(key.public_exponent.as_bytes()).to_vec();
    Ok(ParsedKey {
        format: format.into(),
        key_type: "rsa".into(),
        key_bits: Some(uint_bits(&modulus)),
        curve: None,
        public: DerivedPublic::Rsa { modulus, exponent },
    })
}

/// `outer_curve` is the curve named by the PKCS#8 wrapper; a bare SEC1 key names its own.
fn parse_sec1(der: &[u8], outer_curve: Option<String>, format: &str) -> Result<ParsedKey, String> {
    use sec1::der::Decode;
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|e| format!("EC private key does not parse: {e}"))?;
    let own_curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .map(|o| o.to_string());
    let curve_oid = outer_curve
        .or(own_curve)
        .ok_or_else(|| "EC private key names no curve".to_string())?;
    let scalar = key.private_key;
    let bad = |_| {
        format!(
            "EC private key is not a valid {} scalar",
            curve_name(&curve_oid)
        )
    };
    let point = match curve_oid.as_str() {
        OID_P256 => EcPoint::P256(
            p256::SecretKey::from_slice(scalar)
                .map_err(bad)?
                .public_key(),
        ),
        OID_P384 => EcPoint::P384(
            p384::SecretKey::from_slice(scalar)
                .map_err(bad)?
                .public_key(),
        ),
        OID_P521 => EcPoint::P521(
            p521::SecretKey::from_slice(scalar)
                .map_err(bad)?
                .public_key(),
        ),
        other => {
            return Err(format!(
                "EC curve {} is not supported for TLS by Vault/OpenBao",
                curve_name(other)
            ))
        }
    };
    Ok(ParsedKey {
        format: format.into(),
        key_type: "ec".into(),
        key_bits: curve_bits(&curve_oid),
        curve: Some(curve_name(&curve_oid)),
        public: DerivedPublic::Ec { curve_oid, point },
    })
}

fn public_matches(derived: &DerivedPublic, spki: &SubjectPublicKeyInfo<'_>) -> bool {
    let alg = spki.algorithm.algorithm.to_id_string();
    let bits: &[u8] = &spki.subject_public_key.data;
    match derived {
        DerivedPublic::Rsa { modulus, exponent } => {
            if alg != OID_RSA && alg != OID_RSA_PSS {
                return false;
            }
            match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                    strip_leading_zeros(rsa.modulus) == modulus.as_slice()
                        && strip_leading_zeros(rsa.exponent) == exponent.as_slice()
                }
                _ => false,
            }
        }
        DerivedPublic::Ec { curve_oid, point } => {
            if alg != OID_EC {
                return false;
            }
            let leaf_curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            if leaf_curve.as_deref() != Some(curve_oid.as_str()) {
                return false;
            }
            match point {
                EcPoint::P256(k) => p256::PublicKey::from_sec1_bytes(bits).is_ok_and(|l| &l == k),
                EcPoint::P384(k) => p384::PublicKey::from_sec1_bytes(bits).is_ok_and(|l| &l == k),
                EcPoint::P521(k) => p521::PublicKey::from_sec1_bytes(bits).is_ok_and(|l| &l == k),
            }
        }
        DerivedPublic::Ed25519(public) => alg == OID_ED25519 && bits == public.as_slice(),
    }
}
