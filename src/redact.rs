//! Keeping secrets (the scan token, config credentials) out of everything we print.
//!
//! The collectors never put a secret in the facts; this module is the second line of
//! defence, applied to the report before any layout (a table wraps long cells, so a secret
//! cut across two lines would escape a scrub of the rendered text) and to every message
//! before it is cut short (a cut could leave most of a secret that no longer matches whole).

use crate::facts::config::REDACTED;

/// Shorter secrets are not scrubbed from rendered text: they would match ordinary words
/// (a dev token `root` turned `api.root-tokens` into `api.<redacted>-tokens`). Config
/// secrets are redacted when read, so they are never printed; tokens must be longer
/// ([`MIN_TOKEN_LEN`]).
pub const MIN_SCRUB_LEN: usize = 8;
/// From this length a secret is replaced wherever it occurs, even inside a longer word (a
/// random string of this length does not occur in a report by chance); shorter ones only
/// where they stand alone.
const SUBSTRING_SCRUB_LEN: usize = 16;
/// The shortest token the scanner accepts: long enough to be scrubbed wherever it occurs.
pub const MIN_TOKEN_LEN: usize = SUBSTRING_SCRUB_LEN;

/// Replaces every secret of [`MIN_SCRUB_LEN`] characters or more (and its JSON-escaped
/// form) by `<redacted>`.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SCRUB_LEN)
    {
        out = replace_secret(&out, secret);
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != secret {
            out = replace_secret(&out, escaped);
        }
        // A server may echo a credential encoded; a reader decodes it at once.
        if secret.chars().count() >= SUBSTRING_SCRUB_LEN {
            for form in base64_forms(secret) {
                out = out.replace(&form, REDACTED);
            }
        }
    }
    out
}

/// The parts of a secret's base64 and base64url encodings that do not depend on the bytes
/// around it, at each of the three alignments it can have in a longer encoded stream.
fn base64_forms(secret: &str) -> Vec<String> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    for table in [STD, URL] {
        for lead in 0..3usize {
            let mut bytes = vec![0u8; lead];
            bytes.extend_from_slice(secret.as_bytes());
            let mut enc = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
                for i in 0..=chunk.len() {
                    enc.push(char::from(table[((n >> (18 - 6 * i)) & 63) as usize]));
                }
            }
            // Drop the characters that mix in the neighbouring bytes.
            let skip = if lead == 0 { 0 } else { lead + 1 };
            let end = enc.len().saturating_sub(1);
            if end > skip {
                out.push(enc[skip..end].to_owned());
            }
        }
    }
    out
}

fn replace_secret(text: &str, secret: &str) -> String {
    if !text.contains(secret) {
        return text.to_owned();
    }
    if secret.chars().count() >= SUBSTRING_SCRUB_LEN {
        return text.replace(secret, REDACTED);
    }
    // A shorter secret only where it stands alone, not inside an ordinary word.
    let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find(secret) {
        let prev = rest[..i].chars().next_back().or(before);
        let next = rest[i + secret.len()..].chars().next();
        out.push_str(&rest[..i]);
        if word_char(prev) || word_char(next) {
            out.push_str(secret);
        } else {
            out.push_str(REDACTED);
        }
        before = secret.chars().next_back();
        rest = &rest[i + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// Scrubs, then cuts to at most `max` bytes (with `…`); a cut that leaves the start of a
/// secret ([`MIN_SCRUB_LEN`] characters or more of it) at the end drops that start too.
pub fn scrub_and_cut(text: &str, max: usize, secrets: &[String]) -> String {
    let scrubbed = scrub(text, secrets);
    if scrubbed.len() <= max {
        return scrubbed;
    }
    let mut end = max;
    while end > 0 && !scrubbed.is_char_boundary(end) {
        end -= 1;
    }
    let mut kept = &scrubbed[..end];
    for secret in secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SCRUB_LEN)
    {
        let longest = (1..secret.len())
            .rev()
            .filter(|&n| secret.is_char_boundary(n) && secret[..n].chars().count() >= MIN_SCRUB_LEN)
            .find(|&n| kept.ends_with(&secret[..n]));
        if let Some(n) = longest {
            kept = &kept[..kept.len() - n];
        }
    }
    format!("{kept}…")
}

/// Every string of a serializable value (object keys included) scrubbed; used on the report
/// before it is laid out in any format.
pub fn scrub_json(value: &mut serde_json::Value, secrets: &[String]) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let clean = scrub(s, secrets);
            if clean != *s {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, secrets)),
        Value::Object(map) => {
            let dirty: Vec<String> = map
                .keys()
                .filter(|k| scrub(k, secrets) != **k)
                .cloned()
                .collect();
            for k in dirty {
                if let Some(v) = map.remove(&k) {
                    map.insert(scrub(&k, secrets), v);
                }
            }
            map.values_mut().for_each(|v| scrub_json(v, secrets));
        }
        _ => {}
    }
}

/// An address for messages: any `user:password@` (where a token could hide) removed, even
/// from an address that does not parse.
pub fn address_without_userinfo(raw: &str) -> String {
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn long_secrets_go_everywhere_short_ones_only_as_words_tiny_ones_never() {
        let tok = "s.AbCdEfGhIjKlMnOpQrStUvWx";
        assert_eq!(
            scrub(&format!("x{tok}y and {tok}"), &s(&[tok])),
            "x<redacted>y and <redacted>"
        );
        // 8..15 characters: whole words only.
        assert_eq!(
            scrub("pw=hunter22! or xhunter22", &s(&["hunter22"])),
            "pw=<redacted>! or xhunter22"
        );
        // Too short to scrub without corrupting the report.
        assert_eq!(scrub("api.root-tokens", &s(&["root"])), "api.root-tokens");
        assert_eq!(
            scrub(r#"a\"bcdefgh12"#, &s(&["a\"bcdefgh12"])),
            "<redacted>"
        );
    }

    #[test]
    fn a_cut_never_leaves_most_of_a_secret() {
        let tok = "s.AbCdEfGhIjKlMnOpQrStUvWx";
        let secrets = s(&[tok]);
        for pad in 0..40 {
            let text = format!("{}{tok} tail", "e".repeat(pad));
            let out = scrub_and_cut(&text, 30, &secrets);
            for n in MIN_SCRUB_LEN..=tok.len() {
                for w in tok.as_bytes().windows(n) {
                    let w = std::str::from_utf8(w).expect("ascii");
                    assert!(!out.contains(w), "pad {pad}: {out:?} has {w:?}");
                }
            }
        }
        assert_eq!(scrub_and_cut("short", 30, &secrets), "short");
    }

    #[test]
    fn userinfo_is_removed_from_addresses_even_malformed_ones() {
        assert_eq!(
            address_without_userinfo("https://user:s.TOKEN@vault:8200/x@y"),
            "https://vault:8200/x@y"
        );
        assert_eq!(
            address_without_userinfo("https://u:s.TO KEN@[bad"),
            "https://[bad"
        );
        assert_eq!(address_without_userinfo("u:tok@vault:8200"), "vault:8200");
        assert_eq!(
            address_without_userinfo("https://vault:8200"),
            "https://vault:8200"
        );
    }
}
