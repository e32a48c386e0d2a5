//! Does the listener accept TLS 1.0 or 1.1? rustls cannot speak either, so this sends a
//! hand-built ClientHello of that version and reads only the first handshake message or
//! alert of the answer. No key exchange happens; the connection is dropped right after.

use std::io::{Read, Write};
use std::time::Duration;

use serde::Serialize;

use super::hostname::parse_ip_host;
use super::net::{self, DeadlineStream};

/// A legacy protocol version to probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LegacyVersion {
    /// TLS 1.0 (0x0301).
    #[serde(rename = "TLSv1.0")]
    Tls10,
    /// TLS 1.1 (0x0302).
    #[serde(rename = "TLSv1.1")]
    Tls11,
}

impl LegacyVersion {
    fn wire(self) -> u16 {
        match self {
            LegacyVersion::Tls10 => 0x0301,
            LegacyVersion::Tls11 => 0x0302,
        }
    }

    /// `TLSv1.0` or `TLSv1.1`.
    pub fn name(self) -> &'static str {
        match self {
            LegacyVersion::Tls10 => "TLSv1.0",
            LegacyVersion::Tls11 => "TLSv1.1",
        }
    }
}

/// Result of one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegacyOutcome {
    /// The server answered with a ServerHello of the probed version.
    Accepted,
    /// An alert, a ServerHello of another version, or the connection closed or reset.
    Rejected,
    /// No answer could be had (timeout, connect failure, not TLS): no conclusion.
    Error,
}

/// A TLS alert received in answer to the probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsAlert {
    /// 1 = warning, 2 = fatal.
    pub level: u8,
    /// Alert number, e.g. 70 = protocol_version, 40 = handshake_failure.
    pub description: u8,
    /// RFC 8446 name of the alert.
    pub name: String,
}

/// What the server did with a legacy ClientHello.
#[derive(Debug, Clone, Serialize)]
pub struct LegacyProbe {
    /// The probed version.
    pub version: LegacyVersion,
    /// `accepted`, `rejected` or `error`.
    pub outcome: LegacyOutcome,
    /// One line on what happened.
    pub detail: String,
    /// The alert, when the server answered with one.
    pub alert: Option<TlsAlert>,
    /// Version in the server's ServerHello, when one came (`TLSv1.0`, or hex for others).
    pub server_version: Option<String>,
    /// Cipher suite chosen in the ServerHello (IANA name, or hex code).
    pub cipher_suite: Option<String>,
    /// For `error`: `timeout`, `connect`, `resolve`, `invalid_address`, `not_tls`, `io`.
    pub error_kind: Option<String>,
}

/// Suites a TLS 1.0/1.1 server can pick: ECDHE and RSA key exchange with AES-CBC-SHA,
/// plus 3DES, RC4 and DHE for old stacks (OpenSSL servers), and the renegotiation SCSV.
const SUITES: &[(u16, &str)] = &[
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
];

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `body` preceded by its length in `width` bytes (1, 2 or 3).
fn push_vec(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len().to_be_bytes();
    out.extend_from_slice(
        len.get(len.len().saturating_sub(width)..)
            .unwrap_or_default(),
    );
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(out, kind);
    push_vec(out, 2, data);
}

/// SNI carries DNS names only (RFC 6066): not IP literals, not non-ASCII.
fn sni_name(server_name: Option<&str>) -> Option<&str> {
    let name = server_name?.trim_end_matches('.');
    let ok = !name.is_empty()
        && name.len() <= 253
        && parse_ip_host(name).is_none()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    ok.then_some(name)
}

/// The ClientHello record. No supported_versions extension: the version is only in the
/// record and `client_version` fields, as a real TLS 1.0/1.1 client sends it.
pub(crate) fn client_hello(
    version: LegacyVersion,
    server_name: Option<&str>,
    random: &[u8; 32],
) -> Vec<u8> {
    let v = version.wire();
    let mut body = Vec::with_capacity(256);
    push_u16(&mut body, v);
    body.extend_from_slice(random);
    body.push(0); // empty session id
    let mut suites = Vec::new();
    for (code, _) in SUITES {
        push_u16(&mut suites, *code);
    }
    push_vec(&mut body, 2, &suites);
    push_vec(&mut body, 1, &[0]); // null compression only

    let mut exts = Vec::new();
    if let Some(name) = sni_name(server_name) {
        let mut entry = vec![0u8]; // host_name
        push_vec(&mut entry, 2, name.as_bytes());
        let mut list = Vec::new();
        push_vec(&mut list, 2, &entry);
        extension(&mut exts, 0x0000, &list);
    }
    let mut groups = Vec::new();
    for g in [0x001d_u16, 0x0017, 0x0018, 0x0019] {
        push_u16(&mut groups, g); // x25519, secp256r1, secp384r1, secp521r1
    }
    let mut groups_ext = Vec::new();
    push_vec(&mut groups_ext, 2, &groups);
    extension(&mut exts, 0x000a, &groups_ext);
    extension(&mut exts, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    push_vec(&mut body, 2, &exts);

    let mut hs = vec![1u8]; // client_hello
    push_vec(&mut hs, 3, &body);
    let mut record = vec![22u8]; // handshake
    push_u16(&mut record, v);
    push_vec(&mut record, 2, &hs);
    record
}

fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        _ => "unknown",
    }
}

fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

fn suite_name(code: u16) -> String {
    SUITES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| format!("0x{code:04x}"))
}

enum ReadFail {
    Closed,
    Reset,
    Timeout,
    Io(std::io::Error),
}

fn read_exact(r: &mut impl Read, buf: &mut [u8]) -> Result<(), ReadFail> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(dst) = buf.get_mut(filled..) else {
            break;
        };
        match r.read(dst) {
            Ok(0) => return Err(ReadFail::Closed),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if net::is_timeout(&e) => return Err(ReadFail::Timeout),
            Err(e) if net::is_reset(&e) => return Err(ReadFail::Reset),
            Err(e) => return Err(ReadFail::Io(e)),
        }
    }
    Ok(())
}

fn probe(version: LegacyVersion, outcome: LegacyOutcome, detail: String) -> LegacyProbe {
    LegacyProbe {
        version,
        outcome,
        detail,
        alert: None,
        server_version: None,
        cipher_suite: None,
        error_kind: None,
    }
}

fn error(version: LegacyVersion, kind: &str, detail: String) -> LegacyProbe {
    LegacyProbe {
        error_kind: Some(kind.to_string()),
        ..probe(version, LegacyOutcome::Error, detail)
    }
}

/// Sends a TLS 1.0 or 1.1 ClientHello to `addr` (`host:port`) and classifies the answer.
/// `server_name` is sent as SNI when it is a DNS name. Every step is bounded by `timeout`
/// in total; a timeout is an `error`, never `rejected`.
pub fn probe_legacy_protocol(
    addr: &str,
    server_name: Option<&str>,
    version: LegacyVersion,
    timeout: Duration,
) -> LegacyProbe {
    let deadline = net::deadline_after(timeout);
    let mut tcp = match net::connect(addr, deadline, timeout) {
        Ok(s) => s,
        Err(e) => return error(version, e.kind(), e.to_string()),
    };
    let mut random = [0u8; 32];
    // The random only has to look like one; fall back to the clock if the RNG fails.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (dst, src) in random.iter_mut().zip(nanos.to_be_bytes().iter().cycle()) {
            *dst = *src;
        }
    }
    let hello = client_hello(version, server_name, &random);
    let mut io = DeadlineStream {
        stream: &mut tcp,
        deadline,
    };
    if let Err(e) = io.write_all(&hello).and_then(|_| io.flush()) {
        return if net::is_timeout(&e) {
            error(
                version,
                "timeout",
                format!("timed out sending the ClientHello to {addr}"),
            )
        } else if net::is_reset(&e) {
            probe(
                version,
                LegacyOutcome::Rejected,
                format!(
                    "{addr} reset the connection on the {} ClientHello",
                    version.name()
                ),
            )
        } else {
            error(
                version,
                "io",
                format!("sending the ClientHello to {addr}: {e}"),
            )
        };
    }
    read_answer(&mut io, addr, version)
}

/// Reads records until the first handshake message header or an alert.
fn read_answer(io: &mut impl Read, addr: &str, version: LegacyVersion) -> LegacyProbe {
    let mut handshake = Vec::new();
    let mut first = true;
    // A ServerHello fits in one record; allow a few in case the server fragments it.
    for _ in 0..8 {
        let mut header = [0u8; 5];
        match read_exact(io, &mut header) {
            Ok(()) => {}
            Err(fail) => {
                return match fail {
                    ReadFail::Timeout => error(
                        version,
                        "timeout",
                        format!("no answer from {addr} before the timeout"),
                    ),
                    ReadFail::Io(e) => error(version, "io", format!("reading from {addr}: {e}")),
                    ReadFail::Closed if first => probe(
                        version,
                        LegacyOutcome::Rejected,
                        format!(
                            "{addr} closed the connection without answering the {} ClientHello",
                            version.name()
                        ),
                    ),
                    ReadFail::Reset if first => probe(
                        version,
                        LegacyOutcome::Rejected,
                        format!(
                            "{addr} reset the connection on the {} ClientHello",
                            version.name()
                        ),
                    ),
                    ReadFail::Closed | ReadFail::Reset => probe(
                        version,
                        LegacyOutcome::Rejected,
                        format!("{addr} closed the connection in the middle of its answer"),
                    ),
                };
            }
        }
        first = false;
        let [content_type, major, _minor, len_hi, len_lo] = header;
        let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
        if !(20..=24).contains(&content_type) || major != 3 || len == 0 || len > 18_432 {
            let hint = if header.starts_with(b"HTTP") {
                " (it answered in plain HTTP)"
            } else {
                ""
            };
            return error(
                version,
                "not_tls",
                format!("{addr} did not answer with a TLS record{hint}"),
            );
        }
        let mut payload = vec![0u8; len];
        if let Err(fail) = read_exact(io, &mut payload) {
            return match fail {
                ReadFail::Timeout => error(
                    version,
                    "timeout",
                    format!("{addr} stopped mid-record until the timeout"),
                ),
                ReadFail::Io(e) => error(version, "io", format!("reading from {addr}: {e}")),
                ReadFail::Closed | ReadFail::Reset => probe(
                    version,
                    LegacyOutcome::Rejected,
                    format!("{addr} closed the connection in the middle of its answer"),
                ),
            };
        }
        match content_type {
            21 => {
                let (level, description) = (
                    payload.first().copied().unwrap_or(0),
                    payload.get(1).copied().unwrap_or(0),
                );
                let name = alert_name(description).to_string();
                return LegacyProbe {
                    alert: Some(TlsAlert {
                        level,
                        description,
                        name: name.clone(),
                    }),
                    ..probe(
                        version,
                        LegacyOutcome::Rejected,
                        format!(
                            "{addr} refused {} with alert {description} ({name})",
                            version.name()
                        ),
                    )
                };
            }
            22 => {
                handshake.extend_from_slice(&payload);
                if let Some(result) = classify_handshake(&handshake, addr, version) {
                    return result;
                }
            }
            other => {
                return error(
                    version,
                    "not_tls",
                    format!("{addr} sent record type {other} before any ServerHello"),
                )
            }
        }
    }
    error(
        version,
        "not_tls",
        format!("{addr} sent no ServerHello in its first records"),
    )
}

/// `None` while more bytes are needed.
fn classify_handshake(hs: &[u8], addr: &str, version: LegacyVersion) -> Option<LegacyProbe> {
    let msg_type = *hs.first()?;
    if msg_type != 2 {
        return Some(error(
            version,
            "not_tls",
            format!("{addr} answered with handshake message {msg_type} instead of a ServerHello"),
        ));
    }
    let server_version = u16::from_be_bytes([*hs.get(4)?, *hs.get(5)?]);
    // type(1) len(3) version(2) random(32) session_id(1 + n) cipher_suite(2)
    let cipher = hs.get(38).and_then(|sid_len| {
        let at = 39 + usize::from(*sid_len);
        Some(u16::from_be_bytes([*hs.get(at)?, *hs.get(at + 1)?]))
    });
    let accepted = server_version == version.wire();
    let detail = if accepted {
        format!("{addr} accepted a {} handshake", version.name())
    } else {
        format!(
            "{addr} answered the {} ClientHello with {}",
            version.name(),
            version_name(server_version)
        )
    };
    Some(LegacyProbe {
        server_version: Some(version_name(server_version)),
        cipher_suite: cipher.map(suite_name),
        ..probe(
            version,
            if accepted {
                LegacyOutcome::Accepted
            } else {
                LegacyOutcome::Rejected
            },
            detail,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_layout() {
        let rec = client_hello(LegacyVersion::Tls11, Some("vault.example.com"), &[7; 32]);
        assert_eq!(rec[0], 22);
        assert_eq!(&rec[1..3], &[3, 2]);
        let rec_len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
        assert_eq!(rec_len, rec.len() - 5);
        assert_eq!(rec[5], 1);
        let hs_len = (usize::from(rec[6]) << 16) | (usize::from(rec[7]) << 8) | usize::from(rec[8]);
        assert_eq!(hs_len, rec.len() - 9);
        assert_eq!(&rec[9..11], &[3, 2], "client_version");
        let text = String::from_utf8_lossy(&rec);
        assert!(text.contains("vault.example.com"));
        // No supported_versions (43) extension: find the extension block and walk it.
        let sid_at = 9 + 2 + 32;
        let suites_at = sid_at + 1 + usize::from(rec[sid_at]);
        let suites_len = usize::from(u16::from_be_bytes([rec[suites_at], rec[suites_at + 1]]));
        let comp_at = suites_at + 2 + suites_len;
        let ext_at = comp_at + 1 + usize::from(rec[comp_at]);
        let ext_len = usize::from(u16::from_be_bytes([rec[ext_at], rec[ext_at + 1]]));
        assert_eq!(ext_at + 2 + ext_len, rec.len());
        let mut i = ext_at + 2;
        let mut kinds = Vec::new();
        while i < rec.len() {
            kinds.push(u16::from_be_bytes([rec[i], rec[i + 1]]));
            i += 4 + usize::from(u16::from_be_bytes([rec[i + 2], rec[i + 3]]));
        }
        assert_eq!(kinds, vec![0x0000, 0x000a, 0x000b]);
    }

    #[test]
    fn no_sni_for_ip_literals() {
        let rec = client_hello(LegacyVersion::Tls10, Some("127.0.0.1"), &[0; 32]);
        assert!(!String::from_utf8_lossy(&rec).contains("127.0.0.1"));
        assert_eq!(sni_name(Some("[::1]")), None);
        assert_eq!(sni_name(Some("vault.local.")), Some("vault.local"));
    }

    #[test]
    fn classifies_canned_answers() {
        let v = LegacyVersion::Tls10;
        // Alert protocol_version.
        let p = read_answer(&mut &[21u8, 3, 1, 0, 2, 2, 70][..], "x:1", v);
        assert_eq!(p.outcome, LegacyOutcome::Rejected);
        assert_eq!(p.alert.as_ref().map(|a| a.description), Some(70));
        // ServerHello of TLS 1.0, split across two records.
        let mut sh = vec![2u8, 0, 0, 42, 3, 1];
        sh.extend_from_slice(&[0; 32]);
        sh.extend_from_slice(&[0, 0xc0, 0x13, 0]);
        let mut wire = vec![22u8, 3, 1, 0, 3];
        wire.extend_from_slice(&sh[..3]);
        wire.extend_from_slice(&[22, 3, 1, 0, u8::try_from(sh.len() - 3).unwrap()]);
        wire.extend_from_slice(&sh[3..]);
        let p = read_answer(&mut wire.as_slice(), "x:1", v);
        assert_eq!(p.outcome, LegacyOutcome::Accepted);
        assert_eq!(
            p.cipher_suite.as_deref(),
            Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
        );
        // Same ServerHello probed as TLS 1.1: the server downgraded, so 1.1 is rejected.
        let p = read_answer(&mut wire.as_slice(), "x:1", LegacyVersion::Tls11);
        assert_eq!(p.outcome, LegacyOutcome::Rejected);
        assert_eq!(p.server_version.as_deref(), Some("TLSv1.0"));
        // EOF straight away, plain HTTP, garbage.
        assert_eq!(
            read_answer(&mut &[][..], "x:1", v).outcome,
            LegacyOutcome::Rejected
        );
        let http = read_answer(&mut &b"HTTP/1.0 400 Bad Request\r\n"[..], "x:1", v);
        assert_eq!(
            (http.outcome, http.error_kind.as_deref()),
            (LegacyOutcome::Error, Some("not_tls"))
        );
        for junk in [
            &[22u8, 3, 1, 0xff, 0xff][..],
            &[22, 3, 1, 0, 1, 9],
            &[23, 3, 3, 0, 1, 0],
            &[21, 3, 1, 0, 1, 2],
        ] {
            let _ = read_answer(&mut &junk[..], "x:1", v);
        }
    }
}
