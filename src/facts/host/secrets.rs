//! Recognising secrets on command lines (shell history, cron, `ExecStart=`, a process's
//! argv) and in environment variable names. Only the *kind* and position of a secret ever
//! leave this module; callers redact or drop the text.

use serde::Serialize;

use super::common::basename;

/// What sort of secret was seen. Serialized as a stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A literal Vault/OpenBao token (`hvs.`, `hvb.`, `hvr.`, or legacy `s.`/`b.`/`r.`).
    VaultToken,
    /// A positional argument to `vault login` (a token, whatever its shape).
    LoginTokenArgument,
    /// A positional key given to `operator unseal` / `rekey` / `generate-root`.
    UnsealKeyArgument,
    /// `-dev-root-token-id=` on a dev server.
    DevRootTokenId,
    /// A `password=` argument.
    PasswordArgument,
    /// A `token=` argument.
    TokenArgument,
    /// An AppRole `secret_id=` argument.
    SecretIdArgument,
    /// Another credential-named `key=value` argument (`client_secret=`, `secret_key=`, `pin=`…).
    OtherSecretArgument,
    /// `VAULT_TOKEN=` with a literal value.
    VaultTokenAssignment,
    /// `BAO_TOKEN=` with a literal value.
    BaoTokenAssignment,
    /// Another variable whose name marks it as a credential (`AWS_SECRET_ACCESS_KEY`, `*_PASSWORD`…).
    SecretVariable,
}

impl SecretKind {
    /// A human description, fit for a finding's message.
    pub fn description(self) -> &'static str {
        match self {
            SecretKind::VaultToken => "vault token (hvs./hvb./s. prefix)",
            SecretKind::LoginTokenArgument => "token argument to login",
            SecretKind::UnsealKeyArgument => "unseal key argument",
            SecretKind::DevRootTokenId => "-dev-root-token-id argument",
            SecretKind::PasswordArgument => "password= argument",
            SecretKind::TokenArgument => "token= argument",
            SecretKind::SecretIdArgument => "secret_id= argument",
            SecretKind::OtherSecretArgument => "credential key=value argument",
            SecretKind::VaultTokenAssignment => "VAULT_TOKEN assignment",
            SecretKind::BaoTokenAssignment => "BAO_TOKEN assignment",
            SecretKind::SecretVariable => "credential in an environment variable",
        }
    }
}

/// Where a secret was seen: file, line and kind; never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretHit {
    /// Host path of the file.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
    /// The kind of secret.
    pub kind: SecretKind,
    /// Human description of the kind.
    pub description: &'static str,
    /// The variable name for environment secrets (names are not secret); else `null`.
    pub variable: Option<String>,
}

impl SecretHit {
    pub(crate) fn new(file: &str, line: u32, kind: SecretKind) -> Self {
        SecretHit {
            file: file.to_string(),
            line,
            kind,
            description: kind.description(),
            variable: None,
        }
    }

    pub(crate) fn variable(file: &str, line: u32, kind: SecretKind, name: &str) -> Self {
        SecretHit {
            variable: Some(name.to_string()),
            ..SecretHit::new(file, line, kind)
        }
    }
}

/// Text that replaces a secret in argv-like facts.
pub const REDACTED: &str = "<redacted>";

/// One secret inside a word list: word index, byte offset where the secret starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordSecret {
    pub(crate) index: usize,
    pub(crate) offset: usize,
    pub(crate) kind: SecretKind,
}

/// Whether an environment variable name marks a credential. Names only: the value is
/// never looked at, so nothing needs to be guessed from content.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    const MARKERS: [&str; 12] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "CREDENTIAL",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "API_KEY",
        "UNSEAL",
        "HSM_PIN",
        "CLIENT_KEY_PASSWORD",
    ];
    if MARKERS.iter().any(|m| up.contains(m)) {
        return true;
    }
    // `*_PIN` (VAULT_HSM_PIN, BAO_PKCS11_PIN) without catching `*_PINNED`-like names.
    up.ends_with("_PIN") || up == "PIN"
}

/// Kind for a variable assignment `NAME=value`, if it is a secret.
fn assignment_kind(name: &str, value: &str) -> Option<SecretKind> {
    if !literal_value(value) {
        return None;
    }
    match name {
        "VAULT_TOKEN" => Some(SecretKind::VaultTokenAssignment),
        "BAO_TOKEN" => Some(SecretKind::BaoTokenAssignment),
        // Paths to credential files are not credentials.
        _ if name.ends_with("_FILE") || name.ends_with("_PATH") => None,
        _ if is_secret_name(name) => Some(SecretKind::SecretVariable),
        _ => None,
    }
}

/// A value that is the secret itself, not a reference (`$VAR`, `$(cat f)`, `-` for stdin,
/// `@file` for Vault's file arguments) or nothing.
fn literal_value(value: &str) -> bool {
    !(value.is_empty() || value == "-" || value.starts_with('$') || value.starts_with('@'))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `NAME=value` when NAME is a shell identifier.
fn split_assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    is_identifier(name).then_some((name, value))
}

/// Basename of a word if it names the Vault or OpenBao CLI.
pub(crate) fn is_vault_binary(word: &str) -> bool {
    matches!(basename(word), "vault" | "bao" | "openbao")
}

/// Go-flag names of the Vault/OpenBao CLI that take a value in the next word when written
/// without `=`. Others are treated as booleans; a wrong guess only shifts positionals.
const VALUE_FLAGS: [&str; 26] = [
    "method",
    "path",
    "address",
    "agent-address",
    "ca-cert",
    "ca-path",
    "client-cert",
    "client-key",
    "namespace",
    "ns",
    "format",
    "field",
    "mount",
    "config",
    "dev-root-token-id",
    "dev-listen-address",
    "tls-server-name",
    "wrap-ttl",
    "policy",
    "ttl",
    "header",
    "mfa",
    "otp",
    "nonce",
    "log-level",
    "output-policy",
];

const SECRET_KV_OTHER: [&str; 12] = [
    "client_secret",
    "secret_key",
    "secret_access_key",
    "private_key",
    "pin",
    "hsm_pin",
    "unseal_key",
    "key_password",
    "bearer_token",
    "api_key",
    "passphrase",
    "recovery_key",
];

fn kv_kind(key: &str) -> Option<SecretKind> {
    let k = key.to_ascii_lowercase();
    match k.as_str() {
        "password" => Some(SecretKind::PasswordArgument),
        "token" => Some(SecretKind::TokenArgument),
        "secret_id" => Some(SecretKind::SecretIdArgument),
        _ if SECRET_KV_OTHER.contains(&k.as_str()) => Some(SecretKind::OtherSecretArgument),
        _ => None,
    }
}

/// A `key=value` argument, as opposed to a base64 value that ends in `=` padding
/// (`vault operator unseal AbC…xyz=`).
fn is_key_value(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, v)) => {
            let ident = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
            ident && !(v.trim_end_matches('=').is_empty() && k.len() >= 20)
        }
        None => false,
    }
}

/// Finds a token literal inside a word: returns the byte offset where it starts.
/// `legacy` also accepts the short `s.`/`b.`/`r.` prefixes, which are only trusted in a
/// Vault context (they are common English/file-name shapes otherwise).
fn token_offset(word: &str, legacy: bool) -> Option<usize> {
    let bytes = word.as_bytes();
    let is_body = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut start = 0usize;
    while start < bytes.len() {
        // A token starts at the beginning of the word or after a non-token character.
        let boundary = start == 0
            || bytes
                .get(start - 1)
                .is_some_and(|c| !(c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_'));
        if boundary {
            let rest = bytes.get(start..).unwrap_or_default();
            let prefix_len = if rest.starts_with(b"hvs.")
                || rest.starts_with(b"hvb.")
                || rest.starts_with(b"hvr.")
            {
                4
            } else if legacy
                && (rest.starts_with(b"s.") || rest.starts_with(b"b.") || rest.starts_with(b"r."))
            {
                2
            } else {
                0
            };
            if prefix_len > 0 {
                let body = rest
                    .get(prefix_len..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|c| is_body(**c))
                    .count();
                if body >= 20 {
                    return Some(start);
                }
            }
        }
        start += 1;
    }
    None
}

/// Positional arguments of a Vault/OpenBao CLI call (`args` = the words after the
/// binary): flags and the values of value-taking flags are skipped.
pub(crate) fn cli_positionals(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(w) = args.get(i) {
        i += 1;
        match w.strip_prefix("--").or_else(|| w.strip_prefix('-')) {
            Some(flag) if !flag.is_empty() => {
                if !flag.contains('=') && VALUE_FLAGS.contains(&flag) {
                    i += 1;
                }
            }
            _ => out.push(w.as_str()),
        }
    }
    out
}

/// Analyses one simple command (a list of already-unquoted words) for secrets.
pub(crate) fn analyze_words(words: &[String]) -> Vec<WordSecret> {
    let mut found: Vec<WordSecret> = Vec::new();
    let push = |found: &mut Vec<WordSecret>, index: usize, offset: usize, kind| {
        if !found.iter().any(|f| f.index == index) {
            found.push(WordSecret {
                index,
                offset,
                kind,
            });
        }
    };

    // Leading `NAME=value` assignments, and `export`/`declare`/`env`/`setenv`/fish `set`.
    let mut i = 0usize;
    while let Some(w) = words.get(i) {
        if let Some((name, value)) = split_assignment(w) {
            if let Some(kind) = assignment_kind(name, value) {
                push(&mut found, i, name.len() + 1, kind);
            }
            i += 1;
            continue;
        }
        break;
    }
    if let Some(cmd) = words.get(i) {
        match basename(cmd) {
            "export" | "declare" | "typeset" | "readonly" | "local" | "env" => {
                for (j, w) in words.iter().enumerate().skip(i + 1) {
                    if let Some((name, value)) = split_assignment(w) {
                        if let Some(kind) = assignment_kind(name, value) {
                            push(&mut found, j, name.len() + 1, kind);
                        }
                    }
                }
            }
            // csh `setenv NAME VALUE`, fish `set [-gx] NAME VALUE...`.
            "setenv" | "set" => {
                let rest: Vec<(usize, &String)> = words
                    .iter()
                    .enumerate()
                    .skip(i + 1)
                    .filter(|(_, w)| !w.starts_with('-'))
                    .collect();
                if let (Some((_, name)), Some((vi, value))) = (rest.first(), rest.get(1)) {
                    if let Some(kind) = assignment_kind(name, value) {
                        push(&mut found, *vi, 0, kind);
                    }
                }
            }
            _ => {}
        }
    }

    // The Vault/OpenBao CLI, possibly behind sudo, docker exec, kubectl exec, env…
    let vault_at = words.iter().position(|w| is_vault_binary(w));
    if let Some(v) = vault_at {
        let mut positionals: Vec<(usize, &str)> = Vec::new();
        let mut j = v + 1;
        while let Some(w) = words.get(j) {
            if w == "--" {
                j += 1;
                continue;
            }
            if let Some(flag) = w.strip_prefix("--").or_else(|| w.strip_prefix('-')) {
                if flag.is_empty() {
                    positionals.push((j, w.as_str()));
                    j += 1;
                    continue;
                }
                let (name, inline) = match flag.split_once('=') {
                    Some((n, val)) => (n, Some(val)),
                    None => (flag, None),
                };
                let takes_value = VALUE_FLAGS.contains(&name);
                let value_at = match inline {
                    Some(val) => Some((j, w.len() - val.len(), val.to_string())),
                    None if takes_value => words.get(j + 1).map(|n| (j + 1, 0, n.clone())),
                    None => None,
                };
                if name == "dev-root-token-id" {
                    if let Some((idx, off, val)) = &value_at {
                        if literal_value(val) {
                            push(&mut found, *idx, *off, SecretKind::DevRootTokenId);
                        }
                    }
                }
                j += if inline.is_none() && takes_value {
                    2
                } else {
                    1
                };
                continue;
            }
            positionals.push((j, w.as_str()));
            j += 1;
        }

        // key=value arguments anywhere after the subcommand.
        for (idx, w) in &positionals {
            if let Some((key, value)) = w.split_once('=') {
                if let Some(kind) = kv_kind(key) {
                    if literal_value(value) {
                        push(&mut found, *idx, key.len() + 1, kind);
                    }
                }
            }
        }

        let names: Vec<&str> = positionals.iter().map(|(_, w)| *w).collect();
        let plain = |k: usize| -> Option<usize> {
            positionals
                .get(k)
                .filter(|(_, w)| !is_key_value(w) && literal_value(w))
                .map(|(idx, _)| *idx)
        };
        match names.as_slice() {
            // `vault login TOKEN` and the pre-0.9 `vault auth TOKEN`.
            ["login" | "auth", ..] => {
                if let Some(idx) = plain(1) {
                    let prefixed = words
                        .get(idx)
                        .is_some_and(|w| token_offset(w, true) == Some(0));
                    let kind = if prefixed {
                        SecretKind::VaultToken
                    } else {
                        SecretKind::LoginTokenArgument
                    };
                    push(&mut found, idx, 0, kind);
                }
            }
            ["operator", "unseal" | "rekey" | "generate-root", ..] => {
                if let Some(idx) = plain(2) {
                    push(&mut found, idx, 0, SecretKind::UnsealKeyArgument);
                }
            }
            ["unseal", ..] => {
                if let Some(idx) = plain(1) {
                    push(&mut found, idx, 0, SecretKind::UnsealKeyArgument);
                }
            }
            _ => {}
        }
    }

    // Token literals anywhere: new-style prefixes always, legacy ones in a Vault context
    // (the CLI, VAULT_/BAO_ variables, an X-Vault-Token header).
    let vault_context = vault_at.is_some()
        || words.iter().any(|w| {
            let l = w.to_ascii_lowercase();
            l.contains("vault") || l.contains("bao_") || l.contains("x-vault-token")
        });
    for (idx, w) in words.iter().enumerate() {
        if let Some(off) = token_offset(w, vault_context) {
            push(&mut found, idx, off, SecretKind::VaultToken);
        }
    }
    found.sort_by_key(|f| f.index);
    found
}

/// The kind of secret inside a variable *value* whose name looks harmless
/// (`VAULT_ARGS=-dev-root-token-id=x`, `OPTS=… hvs.…`), if any.
pub(crate) fn value_secret(value: &str) -> Option<SecretKind> {
    let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
    if let Some(f) = analyze_words(&words).first() {
        return Some(f.kind);
    }
    // A lone flag list has no binary word: look at it as the Vault CLI's arguments.
    let mut with_cli = vec!["vault".to_string()];
    with_cli.extend(words);
    analyze_words(&with_cli)
        .iter()
        .find(|f| f.kind == SecretKind::DevRootTokenId || f.kind == SecretKind::VaultToken)
        .map(|f| f.kind)
}

/// Replaces every secret in `words` by [`REDACTED`], keeping what precedes it in the word
/// (`password=<redacted>`). Returns the redacted words and the kinds found.
pub(crate) fn redact_words(words: &[String]) -> (Vec<String>, Vec<SecretKind>) {
    let found = analyze_words(words);
    let mut out = words.to_vec();
    let mut kinds = Vec::new();
    for f in &found {
        if let Some(w) = out.get_mut(f.index) {
            let keep = w.get(..f.offset).unwrap_or_default().to_string();
            *w = format!("{keep}{REDACTED}");
        }
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    (out, kinds)
}

/// Splits a shell command line into simple commands (at `;`, `&`, `|`, `(`, `)`, backquotes
/// and `$(`), each a list of unquoted words. A best effort that never fails: unbalanced
/// quotes simply run to the end of the line.
pub(crate) fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    #[derive(PartialEq)]
    enum Q {
        None,
        Single,
        Double,
    }
    let mut q = Q::None;
    let end_word = |words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match q {
            Q::Single => {
                if c == '\'' {
                    q = Q::None;
                } else {
                    word.push(c);
                }
            }
            Q::Double => match c {
                '"' => q = Q::None,
                '\\' => {
                    if let Some(n) = chars.next() {
                        if !matches!(n, '"' | '\\' | '$' | '`') {
                            word.push('\\');
                        }
                        word.push(n);
                    }
                }
                _ => word.push(c),
            },
            Q::None => match c {
                '\'' => {
                    q = Q::Single;
                    in_word = true;
                }
                '"' => {
                    q = Q::Double;
                    in_word = true;
                }
                '\\' => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                        in_word = true;
                    }
                }
                '#' if !in_word => break,
                ';' | '&' | '|' | '(' | ')' | '`' | '\n' => {
                    end_word(&mut words, &mut word, &mut in_word);
                    if !words.is_empty() {
                        commands.push(std::mem::take(&mut words));
                    }
                }
                '$' if chars.peek() == Some(&'(') => {
                    end_word(&mut words, &mut word, &mut in_word);
                    if !words.is_empty() {
                        commands.push(std::mem::take(&mut words));
                    }
                }
                c if c.is_whitespace() => end_word(&mut words, &mut word, &mut in_word),
                _ => {
                    word.push(c);
                    in_word = true;
                }
            },
        }
    }
    end_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// Secret kinds on one shell line (each kind once).
pub(crate) fn scan_shell_line(line: &str) -> Vec<SecretKind> {
    let mut kinds: Vec<SecretKind> = Vec::new();
    for cmd in shell_commands(line) {
        for f in analyze_words(&cmd) {
            if !kinds.contains(&f.kind) {
                kinds.push(f.kind);
            }
        }
    }
    kinds.sort();
    kinds
}

/// Redacts a shell line for display: words re-joined with single spaces, secrets replaced.
pub(crate) fn redact_shell_line(line: &str) -> String {
    shell_commands(line)
        .iter()
        .map(|cmd| redact_words(cmd).0.join(" "))
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOK: &str = "hvs.CAESIJ3dk2k1Zx0aQ9Lw0OQm1bC4xYzZx0aQ9Lw0OQm1bC4x";
    const LEGACY: &str = "s.Wz9dQm1bC4xYzZx0aQ9Lw0OQ";

    fn kinds(line: &str) -> Vec<SecretKind> {
        scan_shell_line(line)
    }

    #[test]
    fn recognises_the_usual_leaks() {
        use SecretKind::*;
        assert_eq!(kinds(&format!("vault login {TOK}")), vec![VaultToken]);
        assert_eq!(kinds(&format!("vault login {LEGACY}")), vec![VaultToken]);
        assert_eq!(kinds("vault login root"), vec![LoginTokenArgument]);
        assert_eq!(
            kinds("bao login -method=token myroot"),
            vec![LoginTokenArgument]
        );
        assert_eq!(
            kinds("vault operator unseal AbCdEfGh1234567890+/="),
            vec![UnsealKeyArgument]
        );
        assert_eq!(
            kinds("sudo -E /usr/bin/vault operator unseal -migrate K3y"),
            vec![UnsealKeyArgument]
        );
        assert_eq!(
            kinds("vault server -dev -dev-root-token-id=root"),
            vec![DevRootTokenId]
        );
        assert_eq!(
            kinds("vault server -dev -dev-root-token-id root"),
            vec![DevRootTokenId]
        );
        assert_eq!(
            kinds("vault login -method=userpass username=alice password=hunter2"),
            vec![PasswordArgument]
        );
        assert_eq!(
            kinds("vault write auth/approle/login role_id=x secret_id=abc"),
            vec![SecretIdArgument]
        );
        assert_eq!(
            kinds(&format!("export VAULT_TOKEN={LEGACY}")),
            vec![VaultTokenAssignment]
        );
        assert_eq!(kinds("BAO_TOKEN=abc bao status"), vec![BaoTokenAssignment]);
        assert_eq!(
            kinds(&format!(
                "curl -H \"X-Vault-Token: {LEGACY}\" https://v:8200/v1/sys/health"
            )),
            vec![VaultToken]
        );
        assert_eq!(
            kinds(&format!("echo ok; vault login {TOK} && vault status")),
            vec![VaultToken]
        );
        assert_eq!(
            kinds(&format!("set -gx VAULT_TOKEN {TOK}")),
            vec![VaultTokenAssignment]
        );
    }

    #[test]
    fn leaves_harmless_lines_alone() {
        for line in [
            "vault login",
            "vault login -",
            "vault login -method=userpass username=alice",
            "vault operator unseal",
            "vault operator unseal -reset",
            "vault status",
            "export VAULT_TOKEN=$(cat ~/.vault-token)",
            "VAULT_TOKEN= vault status",
            "vault kv get -field=password secret/db",
            "ls -la s.Wz9dQm1bC4xYzZx0aQ9Lw0OQ",
            "vault write auth/userpass/users/bob password=@pw.txt",
            "# vault login root",
            "",
            "'unterminated \"quote",
        ] {
            assert!(kinds(line).is_empty(), "{line:?} -> {:?}", kinds(line));
        }
    }

    #[test]
    fn redaction_keeps_the_shape_and_drops_the_secret() {
        let words: Vec<String> = ["vault", "server", "-dev", "-dev-root-token-id=topsecret"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (red, k) = redact_words(&words);
        assert_eq!(red[3], "-dev-root-token-id=<redacted>");
        assert_eq!(k, vec![SecretKind::DevRootTokenId]);
        let line = format!("0 * * * * VAULT_TOKEN={TOK} vault operator raft snapshot save /b");
        let red = redact_shell_line(&line);
        assert!(!red.contains(TOK));
        assert!(red.contains("VAULT_TOKEN=<redacted>"));
    }

    #[test]
    fn secrets_inside_values() {
        assert_eq!(
            value_secret("server -dev -dev-root-token-id=abc"),
            Some(SecretKind::DevRootTokenId)
        );
        assert_eq!(
            value_secret(&format!("x {TOK}")),
            Some(SecretKind::VaultToken)
        );
        assert_eq!(value_secret("server -config=/etc/vault.d"), None);
        assert_eq!(value_secret("https://127.0.0.1:8200"), None);
    }

    #[test]
    fn secret_names() {
        for n in [
            "VAULT_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "VAULT_HSM_PIN",
            "DB_PASSWORD",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "AWS_REGION",
            "VAULT_ADDR",
            "GOMAXPROCS",
            "VAULT_CONFIG_PATH",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn tokenizer_never_panics_on_odd_input() {
        for line in [
            "\\",
            "\"\\",
            "'",
            "$(",
            "a\u{0}b",
            "é\\é",
            "`vault login x`",
        ] {
            let _ = shell_commands(line);
            let _ = scan_shell_line(line);
        }
        assert_eq!(
            kinds("echo `vault login root`"),
            vec![SecretKind::LoginTokenArgument]
        );
    }
}
