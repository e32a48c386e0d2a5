//! The harness's own HTTP client. Unlike the scanner it may write (init, unseal, create
//! tokens, policies, mounts, seal): it arranges scenarios with the root token.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{Result, TestkitError};

/// Answer of `PUT sys/init`.
#[derive(Debug, Clone)]
pub struct InitResult {
    /// Unseal keys (base64).
    pub keys_base64: Vec<String>,
    /// Initial root token.
    pub root_token: String,
}

/// Blocking admin client (owns a small runtime; do not call from async code).
pub struct Admin {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    ca_cert: Option<std::path::PathBuf>,
    token: Option<String>,
}

fn http_err(e: impl std::error::Error) -> TestkitError {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        cur = s.source();
    }
    TestkitError::Http(msg)
}

impl Admin {
    /// A client for `base` (`http://…` or `https://…`, trusting only `ca_cert` for https).
    pub fn new(base: &str, ca_cert: Option<&Path>, token: Option<&str>) -> Result<Admin> {
        Admin::new_with_client_cert(base, ca_cert, token, None)
    }

    /// Same, presenting a client certificate (cert, key PEM paths) for mutual TLS.
    pub fn new_with_client_cert(
        base: &str,
        ca_cert: Option<&Path>,
        token: Option<&str>,
        client: Option<&(std::path::PathBuf, std::path::PathBuf)>,
    ) -> Result<Admin> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        if let Some(ca) = ca_cert {
            use rustls::pki_types::pem::PemObject;
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(ca).map_err(http_err)?;
            for c in certs {
                roots.add(c.map_err(http_err)?).map_err(http_err)?;
            }
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(http_err)?
            .with_root_certificates(roots);
        let tls = match client {
            Some((cert, key)) => {
                use rustls::pki_types::pem::PemObject;
                let chain = rustls::pki_types::CertificateDer::pem_file_iter(cert)
                    .map_err(http_err)?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(http_err)?;
                let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key).map_err(http_err)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(http_err)?
            }
            None => builder.with_no_client_auth(),
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .no_proxy()
            .http1_only()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(http_err)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(super::io_err("runtime"))?;
        Ok(Admin {
            rt,
            http,
            base: base.trim_end_matches('/').to_owned(),
            ca_cert: ca_cert.map(Path::to_path_buf),
            token: token.map(str::to_owned),
        })
    }

    /// A client that accepts any server certificate (for a self-signed test node only).
    pub fn new_insecure(base: &str) -> Result<Admin> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(http_err)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .no_proxy()
            .http1_only()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(http_err)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(super::io_err("runtime"))?;
        Ok(Admin {
            rt,
            http,
            base: base.trim_end_matches('/').to_owned(),
            ca_cert: None,
            token: None,
        })
    }

    /// The same server with another token. A new client: pooled connections belong to the
    /// runtime that opened them and must not be shared across runtimes.
    pub fn with_token(&self, token: &str) -> Result<Admin> {
        Admin::new(&self.base, self.ca_cert.as_deref(), Some(token))
    }

    /// Base address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Any method on `/v1/<path>`; returns status and JSON body (Null when empty).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value)> {
        let url = format!("{}/v1/{}", self.base, path.trim_start_matches('/'));
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| TestkitError::Http(e.to_string()))?;
        let mut rb = self.http.request(method, url);
        if let Some(t) = &self.token {
            rb = rb.header("X-Vault-Token", t);
        }
        if let Some(b) = body {
            rb = rb
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        self.rt.block_on(async {
            let resp = rb.send().await.map_err(http_err)?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_err(http_err)?;
            let v = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes)
                    .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
            };
            Ok((status, v))
        })
    }

    /// Like [`Admin::call`] but fails unless the status is 2xx.
    pub fn must(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let (status, v) = self.call(method, path, body)?;
        if (200..300).contains(&status) {
            Ok(v)
        } else {
            Err(TestkitError::Http(format!(
                "{method} {path} -> {status}: {v}"
            )))
        }
    }

    /// HTTP status of `sys/health` (None while the server does not answer).
    pub fn health_status(&self) -> Option<u16> {
        self.call("GET", "sys/health", None).ok().map(|(s, _)| s)
    }

    /// Polls `cond` until true or `timeout`.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut cond: impl FnMut(&Admin) -> bool,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if cond(self) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(TestkitError::Timeout(what.to_owned()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls `GET path` until it answers 200. A raft standby may serve reads from its own
    /// copy (OpenBao standby reads), which lags a write made through the active node.
    pub fn wait_readable(&self, path: &str) -> Result<()> {
        self.wait_until(
            &format!("GET {path} readable"),
            Duration::from_secs(20),
            |a| a.call("GET", path, None).is_ok_and(|(s, _)| s == 200),
        )
    }

    /// `PUT sys/init`.
    pub fn init(&self, shares: u32, threshold: u32) -> Result<InitResult> {
        let v = self.must(
            "PUT",
            "sys/init",
            Some(json!({"secret_shares": shares, "secret_threshold": threshold})),
        )?;
        let keys_base64 = v
            .get("keys_base64")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let root_token = v
            .get("root_token")
            .and_then(Value::as_str)
            .ok_or_else(|| TestkitError::Http("init returned no root token".into()))?
            .to_owned();
        Ok(InitResult {
            keys_base64,
            root_token,
        })
    }

    /// Submits unseal keys without waiting for the result (a raft follower reports sealed
    /// until it has joined; wait on its health instead).
    pub fn submit_unseal_keys(&self, keys: &[String]) -> Result<()> {
        for k in keys {
            self.must("PUT", "sys/unseal", Some(json!({ "key": k })))?;
        }
        Ok(())
    }

    /// `PUT sys/unseal` with each key until unsealed.
    pub fn unseal(&self, keys: &[String]) -> Result<()> {
        for k in keys {
            let v = self.must("PUT", "sys/unseal", Some(json!({ "key": k })))?;
            if v.get("sealed") == Some(&Value::Bool(false)) {
                return Ok(());
            }
        }
        Err(TestkitError::Http("still sealed after every key".into()))
    }

    /// `PUT sys/seal` (needs a root/sudo token).
    pub fn seal(&self) -> Result<()> {
        self.must("PUT", "sys/seal", None).map(|_| ())
    }

    /// `POST auth/token/create` with `body`; returns (token, accessor).
    pub fn create_token(&self, body: Value) -> Result<(String, String)> {
        let v = self.must("POST", "auth/token/create", Some(body))?;
        let auth = v.get("auth").cloned().unwrap_or(Value::Null);
        let token = auth.get("client_token").and_then(Value::as_str);
        let accessor = auth.get("accessor").and_then(Value::as_str);
        match (token, accessor) {
            (Some(t), Some(a)) => Ok((t.to_owned(), a.to_owned())),
            _ => Err(TestkitError::Http("token create returned no auth".into())),
        }
    }

    /// A child token with the `root` policy (what the root-token hunt must find).
    pub fn create_child_root_token(&self) -> Result<(String, String)> {
        self.create_token(json!({"policies": ["root"], "display_name": "child-root"}))
    }

    /// Writes an ACL policy.
    pub fn put_policy(&self, name: &str, text: &str) -> Result<()> {
        self.must(
            "PUT",
            &format!("sys/policies/acl/{name}"),
            Some(json!({ "policy": text })),
        )
        .map(|_| ())
    }

    /// An over-broad policy: read/list on everything.
    pub fn put_overbroad_policy(&self, name: &str) -> Result<()> {
        self.put_policy(
            name,
            "path \"*\" {\n  capabilities = [\"read\", \"list\"]\n}\n",
        )
    }

    /// A token from `policy_text` stored as `policy_name` (e.g. the scanner policy).
    pub fn token_with_policy(
        &self,
        policy_name: &str,
        policy_text: &str,
    ) -> Result<(String, String)> {
        self.put_policy(policy_name, policy_text)?;
        self.create_token(
            json!({"policies": [policy_name], "ttl": "1h", "display_name": policy_name}),
        )
    }

    /// A userpass mount at `path` with user lockout disabled. Threshold/durations must be
    /// strings, but `lockout_disable` is decoded strictly into a `*bool`: a JSON bool.
    pub fn enable_userpass_without_lockout(&self, path: &str) -> Result<()> {
        self.must(
            "POST",
            &format!("sys/auth/{path}"),
            Some(json!({"type": "userpass"})),
        )?;
        self.must(
            "POST",
            &format!("sys/auth/{path}/tune"),
            Some(json!({"user_lockout_config": {"lockout_disable": true}})),
        )
        .map(|_| ())
    }

    /// A userpass (or ldap/approle) mount with default lockout.
    pub fn enable_auth(&self, path: &str, method: &str) -> Result<()> {
        self.must(
            "POST",
            &format!("sys/auth/{path}"),
            Some(json!({ "type": method })),
        )
        .map(|_| ())
    }

    /// A KV version 1 mount.
    pub fn enable_kv_v1(&self, path: &str) -> Result<()> {
        self.must(
            "POST",
            &format!("sys/mounts/{path}"),
            Some(json!({"type": "kv", "options": {"version": "1"}})),
        )
        .map(|_| ())
    }

    /// A KV version 2 mount.
    pub fn enable_kv_v2(&self, path: &str) -> Result<()> {
        self.must(
            "POST",
            &format!("sys/mounts/{path}"),
            Some(json!({"type": "kv", "options": {"version": "2"}})),
        )
        .map(|_| ())
    }

    /// CORS on for the given origins.
    pub fn enable_cors(&self, origins: &[&str]) -> Result<()> {
        self.must(
            "PUT",
            "sys/config/cors",
            Some(json!({"allowed_origins": origins})),
        )
        .map(|_| ())
    }

    /// Creates `n` service tokens with `concurrency` requests in flight (benchmarks).
    pub fn create_tokens_bulk(&self, n: usize, concurrency: usize, body: Value) -> Result<usize> {
        use futures_util::stream::{self, StreamExt};
        let url = format!("{}/v1/auth/token/create", self.base);
        let token = self.token.clone().unwrap_or_default();
        let body = body.to_string();
        let ok = self.rt.block_on(async {
            stream::iter(0..n)
                .map(|_| {
                    let rb = self
                        .http
                        .post(&url)
                        .header("X-Vault-Token", &token)
                        .header("Content-Type", "application/json")
                        .body(body.clone());
                    async move {
                        rb.send()
                            .await
                            .map(|r| r.status().is_success())
                            .unwrap_or(false)
                    }
                })
                .buffer_unordered(concurrency.max(1))
                .filter(|ok| std::future::ready(*ok))
                .count()
                .await
        });
        Ok(ok)
    }
}

/// Accepts any server certificate; handshake signatures are still checked.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
