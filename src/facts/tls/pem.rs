//! A small, lenient PEM scanner modelled on Go's `encoding/pem.Decode`.
//!
//! Written here rather than taken from a crate because the facts need more than the
//! decoded blocks: the text found outside blocks (Go ignores it, operators sometimes
//! paste `openssl x509 -text` output around a certificate), the RFC 1421 headers (they
//! mark legacy encrypted keys) and blocks that are broken, all without failing the
//! whole file. Base64 decoding itself is left to `data-encoding`.

use zeroize::Zeroizing;

/// One `-----BEGIN X-----` … `-----END X-----` block.
#[derive(Debug, Clone)]
pub(crate) struct PemBlock {
    /// The label between `BEGIN ` and `-----`, e.g. `CERTIFICATE`.
    pub label: String,
    /// RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`), names as written.
    pub headers: Vec<(String, String)>,
    /// The decoded body, or why it could not be decoded. Wiped on drop: it may be a key.
    pub der: Result<Zeroizing<Vec<u8>>, String>,
    /// 1-based line of the BEGIN line, for messages.
    pub line: usize,
}

impl PemBlock {
    /// Legacy OpenSSL encryption (`Proc-Type: 4,ENCRYPTED`) or a PKCS#8
    /// `ENCRYPTED PRIVATE KEY` block.
    pub fn is_encrypted(&self) -> bool {
        self.label == "ENCRYPTED PRIVATE KEY"
            || self.headers.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("Proc-Type") && v.to_ascii_uppercase().contains("ENCRYPTED")
            })
    }

    /// Go's test for a key block: `PRIVATE KEY` or a label ending in ` PRIVATE KEY`.
    pub fn is_private_key(&self) -> bool {
        self.label == "PRIVATE KEY" || self.label.ends_with(" PRIVATE KEY")
    }
}

/// Everything found in one PEM input.
#[derive(Debug, Default)]
pub(crate) struct PemScan {
    pub blocks: Vec<PemBlock>,
    /// Non-blank lines outside any block: (1-based line, byte length).
    pub outside_lines: Vec<(usize, usize)>,
    /// Blocks that were opened but never properly closed.
    pub unterminated: Vec<(usize, String)>,
}

fn trim_ascii(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    line.get(start..end).unwrap_or_default()
}

/// Trailing whitespace only: Go requires BEGIN/END at the start of a line.
fn trim_end_ascii(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    line.get(..end).unwrap_or_default()
}

fn begin_label(line: &[u8]) -> Option<String> {
    let line = trim_end_ascii(line);
    let rest = line.strip_prefix(b"-----BEGIN ")?;
    let label = rest.strip_suffix(b"-----")?;
    Some(String::from_utf8_lossy(label).into_owned())
}

fn is_end_of(line: &[u8], label: &str) -> Option<bool> {
    let line = trim_end_ascii(line);
    let rest = line.strip_prefix(b"-----END ")?;
    let found = rest.strip_suffix(b"-----").unwrap_or(rest);
    Some(found == label.as_bytes())
}

/// Scans `data` for PEM blocks. Never fails: problems are recorded in the result.
pub(crate) fn scan(data: &[u8]) -> PemScan {
    let mut out = PemScan::default();
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines.get(i).copied().unwrap_or_default();
        let Some(label) = begin_label(line) else {
            let t = trim_ascii(line);
            if !t.is_empty() {
                out.outside_lines.push((i + 1, t.len()));
            }
            i += 1;
            continue;
        };
        let begin_line = i + 1;
        let mut headers = Vec::new();
        let mut body = Zeroizing::new(Vec::new());
        let mut in_headers = true;
        let mut closed = false;
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines.get(j).copied().unwrap_or_default();
            j += 1;
            match is_end_of(l, &label) {
                Some(true) => {
                    closed = true;
                    break;
                }
                Some(false) => break, // END of another label: the block is broken
                None => {}
            }
            if begin_label(l).is_some() {
                // A new BEGIN before our END: give the line back to the outer loop.
                j -= 1;
                break;
            }
            let t = trim_ascii(l);
            if in_headers {
                if t.is_empty() {
                    continue;
                }
                if let Some(pos) = t.iter().position(|b| *b == b':') {
                    let (k, v) = t.split_at(pos);
                    let v = v.get(1..).unwrap_or_default();
                    headers.push((
                        String::from_utf8_lossy(trim_ascii(k)).into_owned(),
                        String::from_utf8_lossy(trim_ascii(v)).into_owned(),
                    ));
                    continue;
                }
                in_headers = false;
            }
            body.extend(t.iter().filter(|b| !b.is_ascii_whitespace()));
        }
        if closed {
            let der = data_encoding::BASE64
                .decode(&body)
                .map(Zeroizing::new)
                .map_err(|e| format!("invalid base64 in PEM block: {e}"));
            out.blocks.push(PemBlock {
                label,
                headers,
                der,
                line: begin_line,
            });
        } else {
            out.unterminated.push((begin_line, label));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_blocks_headers_and_outside_text() {
        let input = b"Certificate:\n  junk\n-----BEGIN CERTIFICATE-----\r\nAAEC\r\n-----END CERTIFICATE-----\r\n\
-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n\
-----BEGIN X-----\nAAEC\n";
        let s = scan(input);
        assert_eq!(s.blocks.len(), 2);
        assert_eq!(s.blocks[0].label, "CERTIFICATE");
        assert_eq!(
            s.blocks[0].der.as_ref().ok().map(|d| d.as_slice()),
            Some(&[0u8, 1, 2][..])
        );
        assert_eq!(s.blocks[0].line, 3);
        assert!(s.blocks[1].is_encrypted());
        assert!(s.blocks[1].is_private_key());
        assert_eq!(s.outside_lines, vec![(1, 12), (2, 4)]);
        assert_eq!(s.unterminated, vec![(12, "X".to_string())]);
    }

    #[test]
    fn bad_base64_and_garbage_never_panic() {
        let s = scan(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assert!(s.blocks[0].der.is_err());
        for input in [
            &b""[..],
            b"\n\n",
            b"-----BEGIN ",
            b"-----BEGIN -----",
            b"\xff\xfe-----END X-----",
        ] {
            let _ = scan(input);
        }
    }
}
