//! The read-only HTTP client.
//!
//! Read-only by construction: callers cannot name an HTTP method. They pick one of three
//! operations (`read` = GET, `list` = GET `?list=true`, `lookup_accessor` = the one POST),
//! and every request passes an allow-list of the paths the collector needs before it is
//! sent. Nothing else can leave this module.

use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::redirect;
use serde_json::Value;
use url::Url;

use super::facts::Probe;
use super::options::{ApiOptions, Token};
use super::tls::{client_config, TlsConfigError};

/// Largest response body accepted (metrics and host-info are the big ones).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Redirect hops followed (same origin, allow-listed paths, never for the POST).
const MAX_REDIRECTS: usize = 3;
/// Longest server-provided message kept in a reason.
const MAX_REASON: usize = 240;

/// `sys/health` status codes that are answers, not failures (Vault and OpenBao).
pub(crate) const HEALTH_CODES: [u16; 8] = [200, 429, 472, 473, 474, 501, 503, 530];

/// The operations the scanner may perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// HTTP GET.
    Read,
    /// Vault LIST, sent as GET with `?list=true`.
    List,
    /// POST `auth/token/lookup-accessor`: the only request with a body.
    LookupAccessor,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Read => "GET",
            Op::List => "LIST",
            Op::LookupAccessor => "POST",
        }
    }
}

/// Paths the collector reads. `{mount}` is one or more path segments, `{name}` exactly one.
const READ_PATHS: &[&str] = &[
    "sys/health",
    "sys/seal-status",
    "sys/leader",
    "sys/ha-status",
    "sys/audit",
    "sys/auth",
    "sys/auth/{mount}/tune",
    "sys/mounts",
    "auth/token/lookup-self",
    "sys/policies/acl/{name}",
    "sys/storage/raft/configuration",
    "sys/storage/raft/autopilot/state",
    "sys/config/state/sanitized",
    "sys/config/cors",
    "sys/metrics",
    "sys/host-info",
];
const LIST_PATHS: &[&str] = &[
    "auth/token/accessors",
    "sys/namespaces",
    "sys/policies/acl",
    "sys/version-history",
];
const POST_PATHS: &[&str] = &["auth/token/lookup-accessor"];
/// Never touched, whatever the lists above say (defence in depth): state changes or streams.
const FORBIDDEN_PREFIXES: &[&str] = &[
    "sys/storage/raft/snapshot",
    "sys/raw",
    "sys/seal",
    "sys/step-down",
    "sys/unseal",
    "sys/init",
    "sys/generate-root",
    "sys/rekey",
];

/// The request was refused by the allow-list (a programming error, never sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request not allowed by the read-only allow-list: {verb} {path}")]
pub struct NotAllowed {
    /// LIST, GET or POST.
    pub verb: &'static str,
    /// The refused path.
    pub path: String,
}

/// Checks an operation against the allow-list.
pub fn check_allowed(op: Op, path: &str) -> Result<(), NotAllowed> {
    let refuse = || NotAllowed {
        verb: op.verb(),
        path: path.to_owned(),
    };
    let segs: Vec<&str> = path.split('/').collect();
    if segs
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains(['?', '#', '%', '\\']))
    {
        return Err(refuse());
    }
    for f in FORBIDDEN_PREFIXES {
        if path == *f || path.starts_with(&format!("{f}/")) {
            return Err(refuse());
        }
    }
    let table = match op {
        Op::Read => READ_PATHS,
        Op::List => LIST_PATHS,
        Op::LookupAccessor => POST_PATHS,
    };
    if table.iter().any(|pat| pattern_matches(pat, &segs)) {
        Ok(())
    } else {
        Err(refuse())
    }
}

fn pattern_matches(pattern: &str, segs: &[&str]) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    match pat.iter().position(|p| *p == "{mount}") {
        Some(i) => {
            // prefix + one or more segments + suffix
            let suffix = &pat[i + 1..];
            segs.len() > pat.len() - 1
                && segs.len() > i + suffix.len()
                && pat[..i].iter().zip(segs).all(|(p, s)| p == s)
                && suffix
                    .iter()
                    .rev()
                    .zip(segs.iter().rev())
                    .all(|(p, s)| p == s)
        }
        None => {
            pat.len() == segs.len() && pat.iter().zip(segs).all(|(p, s)| *p == "{name}" || p == s)
        }
    }
}

/// A request that passed the allow-list.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    op: Op,
    path: String,
    query: Option<(&'static str, &'static str)>,
    body: Option<Vec<u8>>,
    auth: bool,
}

impl Request {
    pub(crate) fn read(path: &str) -> Result<Request, NotAllowed> {
        check_allowed(Op::Read, path)?;
        Ok(Request {
            op: Op::Read,
            path: path.to_owned(),
            query: None,
            body: None,
            auth: true,
        })
    }
    pub(crate) fn list(path: &str) -> Result<Request, NotAllowed> {
        check_allowed(Op::List, path)?;
        Ok(Request {
            op: Op::List,
            path: path.to_owned(),
            query: Some(("list", "true")),
            body: None,
            auth: true,
        })
    }
    pub(crate) fn lookup_accessor(accessor: &str) -> Request {
        let body = serde_json::json!({ "accessor": accessor })
            .to_string()
            .into_bytes();
        Request {
            op: Op::LookupAccessor,
            path: "auth/token/lookup-accessor".to_owned(),
            query: None,
            body: Some(body),
            auth: true,
        }
    }
    /// Sends no token (unauthenticated endpoints, and the "without token" metrics probe).
    pub(crate) fn anonymous(mut self) -> Request {
        self.auth = false;
        self
    }
    /// `GET /v1/sys/audit` style label used in reasons.
    pub(crate) fn label(&self) -> String {
        format!("{} /v1/{}", self.op.verb(), self.path)
    }
    pub(crate) fn path(&self) -> &str {
        &self.path
    }
    pub(crate) fn op(&self) -> Op {
        self.op
    }
}

/// A complete HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Location` header of a redirect (never followed by the HTTP library).
    pub location: Option<String>,
}

/// Why no HTTP answer was obtained. Messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No complete answer within the bound.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// TCP or TLS connection failure (refused, unreachable, certificate verification).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The body was cut short or unreadable.
    #[error("reading the response failed: {0}")]
    Body(String),
    /// The body exceeded the size limit.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// A redirect that was not followed (another origin, outside the allow-list, a POST).
    #[error("{0}")]
    Redirect(String),
    /// Any other client-side failure.
    #[error("request failed: {0}")]
    Other(String),
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No API address configured.
    #[error("no address: set VAULT_ADDR or --addr")]
    NoAddress,
    /// Bad TLS settings.
    #[error(transparent)]
    Tls(#[from] TlsConfigError),
    /// reqwest refused the configuration.
    #[error("HTTP client: {0}")]
    Build(String),
}

/// The read-only Vault/OpenBao API client. Cheap to clone (shares the connection pool).
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    token: Option<Token>,
    namespace: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// Builds the client for `opts.addr`. `pool` is the number of idle keep-alive
    /// connections kept per host (at least the hunt concurrency).
    pub fn new(opts: &ApiOptions) -> Result<ApiClient, ClientError> {
        let base = opts.addr.clone().ok_or(ClientError::NoAddress)?;
        let https = base.scheme() == "https";
        let tls = client_config(&opts.tls, https)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(redirect::Policy::none())
            .no_proxy()
            .http1_only()
            .tcp_nodelay(true)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .pool_max_idle_per_host(opts.hunt_concurrency.max(4))
            .user_agent(concat!("vaultsec/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Build(error_chain(&e)))?;
        Ok(ApiClient {
            http,
            base,
            token: opts.token.clone(),
            namespace: opts.namespace.clone(),
            timeout: opts.timeout,
        })
    }

    /// A client for another node of the same cluster: same pool and TLS settings, and no
    /// token unless `with_token` (per-node checks only use unauthenticated endpoints).
    pub fn for_node(&self, base: Url, with_token: bool) -> ApiClient {
        ApiClient {
            http: self.http.clone(),
            base,
            token: if with_token { self.token.clone() } else { None },
            namespace: self.namespace.clone(),
            timeout: self.timeout,
        }
    }

    /// The same client addressing another namespace (`None`: the root namespace), sent as
    /// `X-Vault-Namespace`.
    pub fn in_namespace(&self, namespace: Option<&str>) -> ApiClient {
        ApiClient {
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_owned),
            ..self.clone()
        }
    }

    /// The address this client talks to.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Whether a token will be sent on authenticated requests.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn url_for(&self, req: &Request) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.pop_if_empty().push("v1");
            for s in req.path.split('/') {
                segs.push(s);
            }
        }
        if let Some((k, v)) = req.query {
            url.query_pairs_mut().append_pair(k, v);
        }
        url
    }

    /// Sends one allowed request and reads the whole body, within the timeout. A redirect is
    /// followed by hand, hop by hop, only where [`next_hop`] allows it: every request that
    /// leaves the process is built here from an allow-listed [`Request`].
    pub(crate) async fn fetch(&self, req: &Request) -> Result<RawResponse, TransportError> {
        let mut current = req.clone();
        let mut hops = 0;
        loop {
            let url = self.url_for(&current);
            let resp = self.send_once(&current, url.clone()).await?;
            let Some(location) = resp
                .location
                .as_deref()
                .filter(|_| is_redirect(resp.status))
            else {
                return Ok(resp);
            };
            if hops == MAX_REDIRECTS {
                return Err(TransportError::Redirect(format!(
                    "too many redirects (more than {MAX_REDIRECTS})"
                )));
            }
            hops += 1;
            current = next_hop(&self.base, &url, &current, resp.status, location)
                .map_err(TransportError::Redirect)?;
        }
    }

    async fn send_once(&self, req: &Request, url: Url) -> Result<RawResponse, TransportError> {
        let mut rb = match req.op {
            Op::Read | Op::List => self.http.get(url),
            Op::LookupAccessor => self
                .http
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(req.body.clone().unwrap_or_default()),
        };
        if req.auth {
            if let Some(t) = &self.token {
                // Validated when the options were built; a failure here sends no token.
                if let Ok(mut hv) = HeaderValue::from_str(t.expose()) {
                    hv.set_sensitive(true);
                    rb = rb.header("X-Vault-Token", hv);
                }
            }
        }
        if let Some(ns) = &self.namespace {
            // Without the header the request would read the root namespace instead.
            let hv = HeaderValue::from_str(ns).map_err(|_| {
                TransportError::Other(
                    "the namespace name cannot be sent in an X-Vault-Namespace header".into(),
                )
            })?;
            rb = rb.header("X-Vault-Namespace", hv);
        }
        let timeout = self.timeout;
        let authority = authority(&self.base);
        let work = async move {
            let mut resp = rb
                .send()
                .await
                .map_err(|e| map_reqwest(e, timeout, &authority))?;
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| map_body(e, timeout))? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(TransportError::TooLarge(MAX_BODY));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawResponse {
                status,
                body,
                location,
            })
        };
        // reqwest's own timeout covers the body too; this outer bound is a backstop so a
        // stuck future can never hang the scan.
        match tokio::time::timeout(timeout + Duration::from_millis(250), work).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }

    /// Sends a request and classifies the answer into a probe holding the JSON payload
    /// (`.data` when present, else the whole object).
    pub(crate) async fn probe(&self, req: &Request) -> Probe<Value> {
        let res = self.fetch(req).await;
        self.classify(req, res)
    }

    /// Turns an HTTP outcome into a probe (ok / skip / error), per the conventions.
    pub(crate) fn classify(
        &self,
        req: &Request,
        res: Result<RawResponse, TransportError>,
    ) -> Probe<Value> {
        let label = req.label();
        let path = req.path().to_owned();
        // Scrub first, then cut: a cut through the token would leave a part no scrub finds.
        let secrets: Vec<String> = self.token.iter().map(|t| t.expose().to_owned()).collect();
        let resp = match res {
            Ok(r) => r,
            // A refused redirect names the server's Location: bounded like server messages.
            Err(e) => {
                let text = format!("{label}: {e}");
                let text = crate::redact::scrub_and_cut(&text, 2 * MAX_REASON, &secrets);
                return Probe::error(path, None, text);
            }
        };
        let status = resp.status;
        let message =
            || crate::redact::scrub_and_cut(&server_message(&resp.body), MAX_REASON, &secrets);
        match status {
            200..=299 => {
                if resp.body.iter().all(u8::is_ascii_whitespace) {
                    return Probe::ok(path, status, Value::Null);
                }
                match serde_json::from_slice::<Value>(&resp.body) {
                    Ok(v) => Probe::ok(path, status, payload(v)),
                    // serde's message gives a position only, never the content.
                    Err(e) => Probe::error(
                        path,
                        Some(status),
                        format!("{label}: invalid JSON in the response: {e}"),
                    ),
                }
            }
            300..=399 => Probe::error(
                path,
                Some(status),
                format!("{label}: redirection HTTP {status} not followed (no usable Location)"),
            ),
            // The token itself rejected (expired or revoked during the scan): not a
            // capability the policy lacks.
            401 | 403 if req.auth && self.token.is_some() && token_rejected(&resp.body) => {
                Probe::error(
                    path,
                    Some(status),
                    format!(
                        "the token is invalid or expired: the server rejected it (HTTP {status} on {label})"
                    ),
                )
            }
            401 | 403 => Probe::skip(
                path,
                Some(status),
                format!("{}{label}", crate::model::INSUFFICIENT_PERMISSION),
            ),
            404 if req.op() == Op::List && errors_empty(&resp.body) => {
                // Vault answers an empty LIST with 404 and no error text.
                Probe::ok(path, status, serde_json::json!({ "keys": [] }))
            }
            404 | 405 => {
                let m = message();
                let what = if status == 404 {
                    "unsupported path"
                } else {
                    "unsupported operation"
                };
                let detail = if m.is_empty() {
                    String::new()
                } else {
                    format!(" ({m})")
                };
                Probe::skip(path, Some(status), format!("{what}: {label}{detail}"))
            }
            // Go's net/http answers plain HTTP on a TLS listener with this text (no JSON).
            400 if String::from_utf8_lossy(&resp.body).contains(HTTP_TO_HTTPS) => Probe::error(
                path,
                Some(status),
                format!("{}: use https://{}", SPEAKS_TLS, authority(&self.base)),
            ),
            400 if message().contains("local-only") => Probe::skip(
                path,
                Some(status),
                format!("node-local endpoint not served by a standby: {label}"),
            ),
            503 if message().to_ascii_lowercase().contains("sealed") => {
                Probe::skip(path, Some(status), format!("server is sealed: {label}"))
            }
            _ => {
                let m = message();
                let kind = if status >= 500 {
                    "server error"
                } else {
                    "unexpected answer"
                };
                let detail = if m.is_empty() {
                    String::new()
                } else {
                    format!(": {m}")
                };
                Probe::error(
                    path,
                    Some(status),
                    format!("{label}: {kind} HTTP {status}{detail}"),
                )
            }
        }
    }
}

/// Prefers `.data` when it is an object (many `sys/` answers duplicate it at the top).
pub(crate) fn payload(v: Value) -> Value {
    match v {
        Value::Object(mut m) => match m.remove("data") {
            Some(d @ Value::Object(_)) => d,
            Some(other) => {
                m.insert("data".into(), other);
                Value::Object(m)
            }
            None => Value::Object(m),
        },
        other => other,
    }
}

fn errors_empty(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_array).map(Vec::is_empty))
        .unwrap_or(false)
}

/// Whether a 401/403 body says the server rejected the token itself (unknown, expired,
/// revoked, outside its bound CIDRs) rather than that the token lacks a capability. OpenBao
/// answers a token it cannot resolve with the bare `permission denied` of
/// `fetchACLTokenEntryAndEntity`, and an ACL denial with the same error wrapped in a
/// multierror (`1 error occurred:\n\t* permission denied`); Vault may also say `invalid token`.
pub(crate) fn token_rejected(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let Some(errors) = v.get("errors").and_then(Value::as_array) else {
        return false;
    };
    let texts: Vec<&str> = errors.iter().filter_map(Value::as_str).collect();
    texts.iter().any(|t| t.contains("invalid token"))
        || (texts.len() == 1 && texts[0].trim() == "permission denied")
}

/// The `errors` array of a Vault error body, flattened to one short line.
fn server_message(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return String::new();
    };
    let Some(errs) = v.get("errors").and_then(Value::as_array) else {
        return String::new();
    };
    errs.iter()
        .filter_map(Value::as_str)
        .map(|s| {
            // "1 error occurred:\n\t* permission denied\n\n" -> "permission denied"
            let s = s.trim();
            let s = match s.find("* ") {
                Some(i) if s.contains("error occurred") || s.contains("errors occurred") => {
                    &s[i + 2..]
                }
                _ => s,
            };
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The request a redirect leads to, or why it is not followed. The next hop is rebuilt from
/// the allow-list (method and query are ours, the path must be allowed for the same
/// operation), on the same origin (the token travels with it), and a POST is never redirected
/// (a 307/308 would re-send it with its body to whatever path the server names).
pub(crate) fn next_hop(
    base: &Url,
    current: &Url,
    req: &Request,
    status: u16,
    location: &str,
) -> Result<Request, String> {
    let refused = |target: &str, why: &str| {
        format!("redirect (HTTP {status}) to {target} not followed: {why}")
    };
    let Ok(next) = current.join(location.trim()) else {
        return Err(refused("an unparsable Location", "not a URL"));
    };
    let same_origin = next.scheme() == base.scheme()
        && next.host_str() == base.host_str()
        && next.port_or_known_default() == base.port_or_known_default()
        && next.username().is_empty()
        && next.password().is_none();
    if !same_origin {
        let origin = format!(
            "{}://{}{}",
            next.scheme(),
            next.host_str().unwrap_or_default(),
            next.port().map(|p| format!(":{p}")).unwrap_or_default()
        );
        return Err(refused(
            &origin,
            "another origin (the token never leaves the address it was given for)",
        ));
    }
    // Shown decoded: an encoded path would carry a secret past the scrub of the report.
    let decoded = percent_decoded(next.path());
    let shown = decoded.as_str();
    if req.op == Op::LookupAccessor {
        return Err(refused(shown, "a POST never follows a redirect"));
    }
    let prefix = format!("{}/v1/", base.path().trim_end_matches('/'));
    let not_allowed = || refused(shown, "outside the read-only allow-list");
    let rest = next.path().strip_prefix(&prefix).ok_or_else(not_allowed)?;
    let next_req = match req.op {
        Op::Read => Request::read(rest),
        Op::List => Request::list(rest),
        Op::LookupAccessor => return Err(not_allowed()),
    }
    .map_err(|_| not_allowed())?;
    Ok(Request {
        auth: req.auth,
        ..next_req
    })
}

/// A URL path with its `%xx` escapes decoded (invalid UTF-8 and control characters replaced),
/// for messages.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out)
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The whole `source()` chain of an error, without the URL, deduplicated.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// What Go's HTTP server answers (400) to plain HTTP sent to a TLS listener.
const HTTP_TO_HTTPS: &str = "Client sent an HTTP request to an HTTPS server";
/// The reason given for such an answer: the API source is not available over plain http.
pub(crate) const SPEAKS_TLS: &str = "this listener speaks TLS";

/// `host:port` of the API address, the port made explicit.
fn authority(base: &Url) -> String {
    let host = base.host_str().unwrap_or("?");
    match base.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// A connection failure in words that say what to do; the library's chain stays after it
/// when the cause is not one of the usual ones.
pub(crate) fn connect_advice(chain: &str, authority: &str) -> String {
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .trim_matches(['[', ']']);
    if chain.contains("Connection refused") {
        format!("nothing listens on {authority} (connection refused)")
    } else if chain.contains("UnknownIssuer") || chain.contains("unknown issuer") {
        "the server's certificate is not signed by a trusted CA: pass --ca-cert FILE or set \
         VAULT_CACERT"
            .to_string()
    } else if chain.contains("NotValidForName") || chain.contains("not valid for name") {
        format!(
            "the server's certificate is not valid for the name {host}: connect by a name it \
             holds, or pass --tls-server-name NAME (VAULT_TLS_SERVER_NAME)"
        )
    } else {
        chain.to_string()
    }
}

fn map_reqwest(e: reqwest::Error, timeout: Duration, authority: &str) -> TransportError {
    let e = e.without_url();
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if e.is_connect() {
        TransportError::Connect(connect_advice(
            &error_chain(&e).replace("error sending request: ", ""),
            authority,
        ))
    } else if e.is_body() || e.is_decode() {
        TransportError::Body(error_chain(&e))
    } else {
        // Incomplete messages (a server closing mid-headers) land here.
        TransportError::Other(error_chain(&e).replace("error sending request: ", ""))
    }
}

fn map_body(e: reqwest::Error, timeout: Duration) -> TransportError {
    let e = e.without_url();
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else {
        TransportError::Body(error_chain(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_accepts_what_the_collector_needs() {
        for p in READ_PATHS.iter().filter(|p| !p.contains('{')) {
            assert!(check_allowed(Op::Read, p).is_ok(), "{p}");
        }
        assert!(check_allowed(Op::Read, "sys/auth/userpass/tune").is_ok());
        assert!(check_allowed(Op::Read, "sys/auth/team/ldap/tune").is_ok());
        assert!(check_allowed(Op::Read, "sys/policies/acl/app").is_ok());
        assert!(check_allowed(Op::List, "auth/token/accessors").is_ok());
        assert!(check_allowed(Op::List, "sys/namespaces").is_ok());
        assert!(check_allowed(Op::Read, "sys/namespaces").is_err());
        assert!(check_allowed(Op::LookupAccessor, "auth/token/lookup-accessor").is_ok());
    }

    #[test]
    fn allow_list_refuses_writes_and_dangerous_paths() {
        // The only POST is lookup-accessor; every other path is refused for POST.
        for p in [
            "auth/token/create",
            "sys/seal",
            "sys/audit/file",
            "sys/policies/acl/x",
            "sys/auth/userpass/tune",
            "auth/token/revoke-accessor",
            "sys/unseal",
            "sys/init",
        ] {
            assert!(check_allowed(Op::LookupAccessor, p).is_err(), "POST {p}");
        }
        for p in [
            "sys/storage/raft/snapshot",
            "sys/raw",
            "sys/raw/core",
            "sys/seal",
            "sys/step-down",
            "sys/generate-root/attempt",
            "sys/auth/../raw/tune",
            "sys/auth//tune",
            "sys/auth/tune",
            "sys/policies/acl/a/b",
            "sys/policies/acl/a?x=1",
            "secret/data/x",
            "sys/health/",
            "",
        ] {
            assert!(check_allowed(Op::Read, p).is_err(), "GET {p}");
            assert!(check_allowed(Op::List, p).is_err(), "LIST {p}");
        }
        assert!(check_allowed(Op::List, "sys/audit").is_err());
        assert!(check_allowed(Op::Read, "auth/token/accessors").is_err());
    }

    #[test]
    fn requests_use_only_get_and_the_one_post() {
        // The public surface offers no method parameter: the only verbs producible are
        // these, and a request object can only be made through the checked constructors.
        assert_eq!(
            Request::read("sys/health").map(|r| r.op.verb()).ok(),
            Some("GET")
        );
        assert_eq!(
            Request::list("sys/policies/acl").map(|r| r.op.verb()).ok(),
            Some("LIST")
        );
        assert_eq!(Request::lookup_accessor("abc").op.verb(), "POST");
        assert_eq!(
            Request::lookup_accessor("abc").path,
            "auth/token/lookup-accessor"
        );
        assert!(Request::read("sys/storage/raft/snapshot").is_err());
    }

    #[test]
    fn redirects_are_rebuilt_from_the_allow_list() {
        let base = Url::parse("https://v.example:8200/prefix/").expect("url");
        let here = Url::parse("https://v.example:8200/prefix/v1/sys/audit").expect("url");
        let read = Request::read("sys/audit").expect("allowed");
        let hop = |req: &Request, loc: &str| next_hop(&base, &here, req, 307, loc);
        let next = hop(&read, "/prefix/v1/sys/mounts?list=true#x").expect("followed");
        assert_eq!(
            (next.op, next.path.as_str(), next.query),
            (Op::Read, "sys/mounts", None)
        );
        let list = Request::list("sys/policies/acl").expect("allowed");
        let next = hop(&list, "policies/acl").expect("relative, followed");
        assert_eq!(next.query, Some(("list", "true")));
        for (loc, why) in [
            ("/prefix/v1/sys/raw/core", "allow-list"),
            ("/prefix/v1/sys/step-down", "allow-list"),
            ("/v1/sys/mounts", "allow-list"),
            ("/prefix/v1/sys/%61udit", "allow-list"),
            (
                "https://v.example:8201/prefix/v1/sys/audit",
                "another origin",
            ),
            (
                "http://v.example:8200/prefix/v1/sys/audit",
                "another origin",
            ),
            (
                "https://u:p@v.example:8200/prefix/v1/sys/audit",
                "another origin",
            ),
        ] {
            let err = hop(&read, loc).expect_err(loc);
            assert!(err.contains(why), "{loc}: {err}");
        }
        let post = Request::lookup_accessor("a");
        let err = hop(&post, "/prefix/v1/auth/token/lookup-accessor").expect_err("POST");
        assert!(err.contains("a POST never follows a redirect"), "{err}");
        assert!(
            !hop(&read.clone().anonymous(), "/prefix/v1/sys/health")
                .expect("followed")
                .auth
        );
    }

    #[test]
    fn the_policy_the_scan_prints_is_within_the_allow_list() {
        // Every path and capability `vaultsec policy` grants for the built-in rules is one the
        // client may send: the allow-list is the one place requests are decided.
        let grants = crate::policy::builtin_grants();
        assert!(!grants.is_empty());
        for (path, caps) in grants {
            // A `+/` prefix grants the read in a namespace below the token's: the client sends
            // it as the plain path with the namespace in X-Vault-Namespace.
            let mut in_namespace = path.as_str();
            while let Some(rest) = in_namespace.strip_prefix("+/") {
                in_namespace = rest;
            }
            // OpenBao files a LIST of `p` under `p/`, so the policy grants both; the client
            // sends the one without the slash.
            let sample = in_namespace
                .trim_end_matches('/')
                .replace('+', "m")
                .replace('*', "n");
            for cap in caps.iter().filter(|c| *c != "sudo") {
                let op = match cap.as_str() {
                    "read" => Op::Read,
                    "list" => Op::List,
                    "update" => Op::LookupAccessor,
                    other => panic!("capability {other} on {path}"),
                };
                assert!(check_allowed(op, &sample).is_ok(), "{cap} {path}");
            }
        }
    }

    #[test]
    fn server_messages_are_flattened() {
        let b = br#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#;
        assert_eq!(server_message(b), "permission denied");
        assert_eq!(server_message(b"garbage"), "");
        assert_eq!(
            server_message(br#"{"errors":["Vault is sealed"]}"#),
            "Vault is sealed"
        );
    }

    #[test]
    fn a_rejected_token_is_told_from_a_missing_capability() {
        // Bodies as OpenBao 2.7.2 answers them (see the token tests in tests/integration).
        assert!(token_rejected(br#"{"errors":["permission denied"]}"#));
        assert!(token_rejected(br#"{"errors":["invalid token"]}"#));
        assert!(!token_rejected(
            br#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#
        ));
        assert!(!token_rejected(b"garbage"));
        assert!(!token_rejected(br#"{"errors":[]}"#));
    }

    #[test]
    fn payload_prefers_data() {
        let v = serde_json::json!({"a":1,"data":{"b":2}});
        assert_eq!(payload(v), serde_json::json!({"b":2}));
        let v = serde_json::json!({"a":1,"data":null});
        assert_eq!(payload(v), serde_json::json!({"a":1,"data":null}));
    }
}
