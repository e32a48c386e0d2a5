//! Settings of the API source, resolved the way the Vault CLI resolves them.
//!
//! Precedence (documented in the CLI contract): command-line flag, then `VAULT_X`,
//! then `BAO_X`; the token comes from `--token-file`, then `VAULT_TOKEN`, `BAO_TOKEN`,
//! then `~/.vault-token`. The token is never read from argv.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use url::Url;

/// Default bound on one API request (connect + response + body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default number of concurrent `lookup-accessor` requests during the root-token hunt.
pub const DEFAULT_HUNT_CONCURRENCY: usize = 8;
/// Upper bound on the hunt concurrency: more only loads the server.
pub const MAX_HUNT_CONCURRENCY: usize = 64;
/// Default number of example tokens kept for "no expiry" tokens.
pub const DEFAULT_NO_EXPIRY_EXAMPLES: usize = 5;

/// A Vault token. `Debug` and `Display` never show it; only the HTTP layer reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token; surrounding whitespace (a trailing newline in a token file) is dropped.
    /// Returns `None` for an empty token.
    pub fn new(raw: impl Into<String>) -> Option<Token> {
        let raw = raw.into();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Token(trimmed.to_owned()))
        }
    }

    /// The secret itself. Crate-private so that no caller can print it by accident.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl TokenSource {
    /// The flag, variable or file a user would look at.
    pub fn describe(&self) -> &'static str {
        match self {
            TokenSource::TokenFileFlag => "--token-file",
            TokenSource::VaultTokenEnv => "VAULT_TOKEN",
            TokenSource::BaoTokenEnv => "BAO_TOKEN",
            TokenSource::HomeTokenFile => "~/.vault-token",
            TokenSource::Explicit => "the caller",
            TokenSource::None => "nowhere",
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the token came from (recorded in the facts; the value never is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// `--token-file FILE`.
    TokenFileFlag,
    /// `VAULT_TOKEN`.
    VaultTokenEnv,
    /// `BAO_TOKEN`.
    BaoTokenEnv,
    /// `~/.vault-token`.
    HomeTokenFile,
    /// Given programmatically (tests, embedding).
    Explicit,
    /// No token: only unauthenticated endpoints are read.
    None,
}

/// The command-line flags that concern the API source (all optional).
#[derive(Debug, Clone, Default)]
pub struct ApiFlags {
    /// `--no-api`: the source is switched off.
    pub no_api: bool,
    /// `--addr URL`.
    pub addr: Option<String>,
    /// `--token-file FILE`.
    pub token_file: Option<PathBuf>,
    /// `--ca-cert FILE`.
    pub ca_cert: Option<PathBuf>,
    /// `--client-cert FILE`.
    pub client_cert: Option<PathBuf>,
    /// `--client-key FILE`.
    pub client_key: Option<PathBuf>,
    /// `--tls-server-name NAME`.
    pub tls_server_name: Option<String>,
    /// `--tls-skip-verify`.
    pub tls_skip_verify: bool,
    /// `--timeout SECS`.
    pub timeout: Option<Duration>,
    /// `--cluster`.
    pub cluster: bool,
    /// `--namespace PATH`: the subtree to scan (wins over `VAULT_NAMESPACE`).
    pub namespace: Option<String>,
    /// Root-token hunt concurrency (a rule parameter / hidden flag).
    pub hunt_concurrency: Option<usize>,
}

/// TLS settings for the API client (and for the live-TLS helper).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsSettings {
    /// PEM file of CA certificates (`VAULT_CACERT`); replaces the system roots, as in the Vault CLI.
    pub ca_cert: Option<PathBuf>,
    /// Directory of PEM CA certificates (`VAULT_CAPATH`).
    pub ca_path: Option<PathBuf>,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM).
    pub client_key: Option<PathBuf>,
    /// Name to verify the server certificate against instead of the address host.
    pub server_name: Option<String>,
    /// Certificate verification off (`VAULT_SKIP_VERIFY`).
    pub skip_verify: bool,
}

/// Fully resolved settings of the API source.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// `--no-api` given.
    pub disabled: bool,
    /// The API address; `None` means the source is not configured.
    pub addr: Option<Url>,
    /// The scan token, if any.
    pub token: Option<Token>,
    /// Where the token came from.
    pub token_source: TokenSource,
    /// TLS settings.
    pub tls: TlsSettings,
    /// `VAULT_NAMESPACE` (sent as `X-Vault-Namespace`).
    pub namespace: Option<String>,
    /// Bound on each request, body included.
    pub timeout: Duration,
    /// Bound on establishing a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Cluster mode: discover and probe every node.
    pub cluster: bool,
    /// Concurrent lookups in the root-token hunt.
    pub hunt_concurrency: usize,
    /// How many example tokens without expiry to keep.
    pub no_expiry_examples: usize,
}

/// Invalid API settings: a usage/input error (exit 2), never a finding.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// The address is not an http(s) URL.
    #[error("invalid API address {addr:?} (from {origin}): {reason}")]
    InvalidAddr {
        /// The offending value (an address, not a secret).
        addr: String,
        /// Which flag or variable gave it.
        origin: String,
        /// Why it was refused.
        reason: String,
    },
    /// A boolean variable that Go's `strconv.ParseBool` would refuse.
    #[error("invalid boolean {value:?} in {origin}")]
    InvalidBool {
        /// The offending value.
        value: String,
        /// Which variable gave it.
        origin: String,
    },
    /// The token file named by `--token-file` cannot be read.
    #[error("cannot read token file {path}: {source}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The token contains bytes an HTTP header cannot carry (its value is not shown).
    #[error("the token from {origin} contains characters not allowed in an HTTP header")]
    InvalidToken {
        /// Where it came from.
        origin: String,
    },
    /// The token is too short to be kept out of every output reliably (its value is not shown).
    #[error(
        "the token from {origin} has {len} characters; vaultsec needs at least {min}: a token \
         that short (such as a dev server's `-dev-root-token-id=root`) cannot be told apart \
         from ordinary words in a report, so it could not be kept out of it. Use a real token \
         (`vault token create -policy=vaultsec-scan`; see `vaultsec policy`)"
    )]
    ShortToken {
        /// Where it came from.
        origin: &'static str,
        /// Its length in characters.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// `VAULT_NAMESPACE` cannot be sent as an HTTP header.
    #[error("invalid namespace {0:?}: not allowed in an HTTP header")]
    InvalidNamespace(String),
    /// `--client-cert` without `--client-key` or the reverse.
    #[error("a client certificate needs both a certificate and a key file")]
    IncompleteClientCert,
}

impl ApiOptions {
    /// Default options for an address and an optional token (tests, embedding).
    pub fn new(addr: Url, token: Option<Token>) -> ApiOptions {
        let token_source = if token.is_some() {
            TokenSource::Explicit
        } else {
            TokenSource::None
        };
        ApiOptions {
            disabled: false,
            addr: Some(addr),
            token,
            token_source,
            tls: TlsSettings::default(),
            namespace: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_TIMEOUT,
            cluster: false,
            hunt_concurrency: DEFAULT_HUNT_CONCURRENCY,
            no_expiry_examples: DEFAULT_NO_EXPIRY_EXAMPLES,
        }
    }

    /// Resolves the settings from the flags, an environment lookup function and the home
    /// directory, without touching the real process environment (testable).
    pub fn from_sources(
        flags: &ApiFlags,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<ApiOptions, OptionsError> {
        // Empty variables count as unset, as in the Vault CLI.
        let var = |suffix: &str| -> Option<(String, String)> {
            for prefix in ["VAULT_", "BAO_"] {
                let name = format!("{prefix}{suffix}");
                if let Some(v) = env(&name) {
                    if !v.is_empty() {
                        return Some((v, name));
                    }
                }
            }
            None
        };

        let addr = match (&flags.addr, var("ADDR")) {
            (Some(a), _) => Some(parse_addr(a, "--addr")?),
            (None, Some((a, origin))) => Some(parse_addr(&a, &origin)?),
            (None, None) => None,
        };

        let (token, token_source) = if let Some(path) = &flags.token_file {
            let text = crate::fsutil::read_regular_string(path, crate::fsutil::limit::TOKEN)
                .map_err(|source| OptionsError::TokenFile {
                    path: path.clone(),
                    source,
                })?;
            (Token::new(text), TokenSource::TokenFileFlag)
        } else if let Some((t, origin)) = var("TOKEN") {
            let src = if origin.starts_with("VAULT_") {
                TokenSource::VaultTokenEnv
            } else {
                TokenSource::BaoTokenEnv
            };
            (Token::new(t), src)
        } else if let Some(text) = home.and_then(|h| {
            crate::fsutil::read_regular_string(&h.join(".vault-token"), crate::fsutil::limit::TOKEN)
                .ok()
        }) {
            // A missing or unreadable ~/.vault-token just means "no token", as in the CLI.
            (Token::new(text), TokenSource::HomeTokenFile)
        } else {
            (None, TokenSource::None)
        };
        let token_source = if token.is_some() {
            token_source
        } else {
            TokenSource::None
        };
        if let Some(t) = &token {
            if reqwest::header::HeaderValue::from_str(t.expose()).is_err() {
                return Err(OptionsError::InvalidToken {
                    origin: token_source.describe().to_owned(),
                });
            }
            let len = t.expose().chars().count();
            if len < crate::redact::MIN_TOKEN_LEN {
                return Err(OptionsError::ShortToken {
                    origin: token_source.describe(),
                    len,
                    min: crate::redact::MIN_TOKEN_LEN,
                });
            }
        }

        let path_of = |flag: &Option<PathBuf>, suffix: &str| -> Option<PathBuf> {
            flag.clone()
                .or_else(|| var(suffix).map(|(v, _)| PathBuf::from(v)))
        };
        let skip_verify = if flags.tls_skip_verify {
            true
        } else if let Some((v, origin)) = var("SKIP_VERIFY") {
            parse_go_bool(&v).ok_or(OptionsError::InvalidBool { value: v, origin })?
        } else {
            false
        };
        let tls = TlsSettings {
            ca_cert: path_of(&flags.ca_cert, "CACERT"),
            ca_path: var("CAPATH").map(|(v, _)| PathBuf::from(v)),
            client_cert: path_of(&flags.client_cert, "CLIENT_CERT"),
            client_key: path_of(&flags.client_key, "CLIENT_KEY"),
            server_name: flags
                .tls_server_name
                .clone()
                .or_else(|| var("TLS_SERVER_NAME").map(|(v, _)| v)),
            skip_verify,
        };
        if tls.client_cert.is_some() != tls.client_key.is_some() {
            return Err(OptionsError::IncompleteClientCert);
        }

        let namespace = flags
            .namespace
            .clone()
            .or_else(|| var("NAMESPACE").map(|(v, _)| v))
            .map(|ns| ns.trim_matches('/').to_owned())
            .filter(|ns| !ns.is_empty());
        if let Some(ns) = &namespace {
            if reqwest::header::HeaderValue::from_str(ns).is_err() {
                return Err(OptionsError::InvalidNamespace(ns.clone()));
            }
        }
        let timeout = flags
            .timeout
            .unwrap_or(DEFAULT_TIMEOUT)
            .max(Duration::from_millis(100));
        Ok(ApiOptions {
            disabled: flags.no_api,
            addr,
            token,
            token_source,
            tls,
            namespace,
            timeout,
            connect_timeout: timeout.min(Duration::from_secs(5)),
            cluster: flags.cluster,
            hunt_concurrency: flags
                .hunt_concurrency
                .unwrap_or(DEFAULT_HUNT_CONCURRENCY)
                .clamp(1, MAX_HUNT_CONCURRENCY),
            no_expiry_examples: DEFAULT_NO_EXPIRY_EXAMPLES,
        })
    }

    /// Convenience: resolve from the real process environment and `$HOME`.
    pub fn from_env(flags: &ApiFlags) -> Result<ApiOptions, OptionsError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        ApiOptions::from_sources(flags, &|k| std::env::var(k).ok(), home.as_deref())
    }
}

/// Parses an API address; a bare `host:port` is refused like in the CLI (scheme required).
pub(crate) fn parse_addr(raw: &str, origin: &str) -> Result<Url, OptionsError> {
    // A token pasted into the address (`https://user:TOKEN@host`) is never echoed back.
    let err = |reason: &str| OptionsError::InvalidAddr {
        addr: crate::redact::address_without_userinfo(raw.trim()),
        origin: origin.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| err(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err(
            "credentials in the address are not supported (the Vault CLI does not take them \
             there either); give the token with --token-file, VAULT_TOKEN or ~/.vault-token",
        ));
    }
    match url.scheme() {
        "http" | "https" => {}
        _ => return Err(err("the scheme must be http or https")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("no host"));
    }
    Ok(url)
}

/// Go's `strconv.ParseBool`, which the Vault CLI applies to `VAULT_SKIP_VERIFY`.
pub(crate) fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn token_is_redacted_in_debug_and_display() {
        let t = Token::new("s.supersecret-0123456789\n").expect("token");
        assert_eq!(format!("{t:?}"), "<redacted>");
        assert_eq!(format!("{t}"), "<redacted>");
        assert_eq!(t.expose(), "s.supersecret-0123456789");
        let o = ApiOptions::new(Url::parse("http://127.0.0.1:1").expect("url"), Some(t));
        assert!(!format!("{o:?}").contains("supersecret"));
    }

    #[test]
    fn vault_variables_win_over_bao_and_flags_over_both() {
        let env = env_of(&[
            ("VAULT_ADDR", "https://v.example:8200"),
            ("BAO_ADDR", "https://b.example:8200"),
            ("BAO_TOKEN", "bao-token-0123456789"),
            ("BAO_CACERT", "/b/ca.pem"),
            ("BAO_SKIP_VERIFY", "true"),
            ("BAO_NAMESPACE", "team"),
        ]);
        let o = ApiOptions::from_sources(&ApiFlags::default(), &env, None).expect("ok");
        assert_eq!(
            o.addr.as_ref().map(Url::as_str),
            Some("https://v.example:8200/")
        );
        assert_eq!(o.token_source, TokenSource::BaoTokenEnv);
        assert_eq!(o.tls.ca_cert, Some(PathBuf::from("/b/ca.pem")));
        assert!(o.tls.skip_verify);
        assert_eq!(o.namespace.as_deref(), Some("team"));

        let flags = ApiFlags {
            addr: Some("http://127.0.0.1:8200".into()),
            ca_cert: Some("/f/ca.pem".into()),
            ..ApiFlags::default()
        };
        let o = ApiOptions::from_sources(&flags, &env, None).expect("ok");
        assert_eq!(
            o.addr.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:8200/")
        );
        assert_eq!(o.tls.ca_cert, Some(PathBuf::from("/f/ca.pem")));

        // --namespace wins over the environment; slashes around it do not matter.
        let flags = ApiFlags {
            namespace: Some("/team-a/sub/".into()),
            ..ApiFlags::default()
        };
        let o = ApiOptions::from_sources(&flags, &env, None).expect("ok");
        assert_eq!(o.namespace.as_deref(), Some("team-a/sub"));
    }

    #[test]
    fn token_precedence_flag_env_home() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join(".vault-token"), "home-token-0123456789\n").expect("write");
        let file = dir.path().join("tok");
        std::fs::write(&file, "file-token-0123456789").expect("write");

        let none = env_of(&[]);
        let o =
            ApiOptions::from_sources(&ApiFlags::default(), &none, Some(dir.path())).expect("ok");
        assert_eq!(o.token_source, TokenSource::HomeTokenFile);
        assert_eq!(
            o.token.as_ref().map(Token::expose),
            Some("home-token-0123456789")
        );

        let env = env_of(&[
            ("VAULT_TOKEN", "env-token-0123456789"),
            ("BAO_TOKEN", "bao"),
        ]);
        let o = ApiOptions::from_sources(&ApiFlags::default(), &env, Some(dir.path())).expect("ok");
        assert_eq!(o.token_source, TokenSource::VaultTokenEnv);
        assert_eq!(
            o.token.as_ref().map(Token::expose),
            Some("env-token-0123456789")
        );

        let flags = ApiFlags {
            token_file: Some(file),
            ..ApiFlags::default()
        };
        let o = ApiOptions::from_sources(&flags, &env, Some(dir.path())).expect("ok");
        assert_eq!(o.token_source, TokenSource::TokenFileFlag);
        assert_eq!(
            o.token.as_ref().map(Token::expose),
            Some("file-token-0123456789")
        );

        let flags = ApiFlags {
            token_file: Some(dir.path().join("missing")),
            ..ApiFlags::default()
        };
        assert!(matches!(
            ApiOptions::from_sources(&flags, &env, None),
            Err(OptionsError::TokenFile { .. })
        ));
    }

    #[test]
    fn no_address_and_bad_values() {
        let o = ApiOptions::from_sources(&ApiFlags::default(), &env_of(&[]), None).expect("ok");
        assert!(o.addr.is_none());
        assert_eq!(o.token_source, TokenSource::None);
        for bad in [
            "127.0.0.1:8200",
            "ftp://x",
            "unix:///run/vault.sock",
            "https://u:p@h",
        ] {
            let env = env_of(&[("VAULT_ADDR", bad)]);
            assert!(
                ApiOptions::from_sources(&ApiFlags::default(), &env, None).is_err(),
                "{bad}"
            );
        }
        let env = env_of(&[("VAULT_SKIP_VERIFY", "yes")]);
        assert!(matches!(
            ApiOptions::from_sources(&ApiFlags::default(), &env, None),
            Err(OptionsError::InvalidBool { .. })
        ));
        let env = env_of(&[("VAULT_TOKEN", "a\u{1}b")]);
        let err = ApiOptions::from_sources(&ApiFlags::default(), &env, None).expect_err("bad");
        assert!(!err.to_string().contains("a\u{1}b"));
        let env = env_of(&[("VAULT_CLIENT_CERT", "/c.pem")]);
        assert!(matches!(
            ApiOptions::from_sources(&ApiFlags::default(), &env, None),
            Err(OptionsError::IncompleteClientCert)
        ));
    }

    #[test]
    fn a_token_in_the_address_is_refused_and_never_echoed() {
        for bad in [
            "https://user:s.InAddr0123456789abc@vault.example:8200",
            "https://s.InAddr0123456789abc@vault.example:8200",
            "https://user:s.InAddr0123456789abc@[not an address",
            "user:s.InAddr0123456789abc@vault.example:8200",
        ] {
            let env = env_of(&[("VAULT_ADDR", bad)]);
            let err = ApiOptions::from_sources(&ApiFlags::default(), &env, None)
                .expect_err(bad)
                .to_string();
            assert!(!err.contains("InAddr"), "{bad}: {err}");
            assert!(err.contains("VAULT_ADDR"), "{err}");
        }
        let env = env_of(&[("VAULT_ADDR", "https://u:s.InAddr0123456789abc@v:8200")]);
        let err = ApiOptions::from_sources(&ApiFlags::default(), &env, None).expect_err("userinfo");
        assert!(err
            .to_string()
            .contains("credentials in the address are not supported"));
    }

    #[test]
    fn a_token_too_short_to_scrub_is_refused_clearly() {
        for (env, origin) in [
            (env_of(&[("VAULT_TOKEN", "root")]), "VAULT_TOKEN"),
            (env_of(&[("BAO_TOKEN", "short-token")]), "BAO_TOKEN"),
        ] {
            let err = ApiOptions::from_sources(&ApiFlags::default(), &env, None)
                .expect_err("short")
                .to_string();
            assert!(err.contains(origin) && err.contains("at least 16"), "{err}");
            assert!(!err.contains("short-token"), "{err}");
        }
        let env = env_of(&[("VAULT_TOKEN", "s.0123456789abcdef")]);
        assert!(ApiOptions::from_sources(&ApiFlags::default(), &env, None).is_ok());
    }
}
