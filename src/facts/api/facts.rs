//! The facts the API collector delivers (`api` in the fact document), and the tolerant
//! parsers that turn Vault/OpenBao answers into them.
//!
//! Shape rules: every field is always present (`null` when unknown) so that rule
//! expressions never trip over a missing key; lists are sorted for stable output; the
//! token itself never appears (its `id` is dropped from lookup answers).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::options::TokenSource;
use super::policy::AclPolicyFacts;

/// Outcome of one probe (endpoint read) or of the whole source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeState {
    /// Answered; `data` holds the facts.
    Ok,
    /// Not applicable or not permitted (403, endpoint absent on this product, sealed, no token).
    Skip,
    /// Could not be evaluated (unreachable, TLS failure, timeout, 5xx, garbage).
    Error,
}

/// One endpoint read: `{ path, state, reason, http_status, data }`.
#[derive(Debug, Clone, Serialize)]
pub struct Probe<T> {
    /// API path below `/v1/` (e.g. `sys/audit`).
    pub path: String,
    /// ok / skip / error.
    pub state: ProbeState,
    /// Why it was skipped or failed, e.g. `insufficient permission: GET /v1/sys/audit`.
    pub reason: Option<String>,
    /// HTTP status of the answer, when there was one.
    pub http_status: Option<u16>,
    /// Normalised payload (only when `state` is ok).
    pub data: Option<T>,
}

impl<T> Probe<T> {
    /// An answered probe.
    pub fn ok(path: impl Into<String>, status: u16, data: T) -> Probe<T> {
        Probe {
            path: path.into(),
            state: ProbeState::Ok,
            reason: None,
            http_status: Some(status),
            data: Some(data),
        }
    }
    /// A skipped probe.
    pub fn skip(
        path: impl Into<String>,
        status: Option<u16>,
        reason: impl Into<String>,
    ) -> Probe<T> {
        Probe {
            path: path.into(),
            state: ProbeState::Skip,
            reason: Some(reason.into()),
            http_status: status,
            data: None,
        }
    }
    /// A failed probe.
    pub fn error(
        path: impl Into<String>,
        status: Option<u16>,
        reason: impl Into<String>,
    ) -> Probe<T> {
        Probe {
            path: path.into(),
            state: ProbeState::Error,
            reason: Some(reason.into()),
            http_status: status,
            data: None,
        }
    }
    /// Whether the probe answered.
    pub fn is_ok(&self) -> bool {
        self.state == ProbeState::Ok
    }
    /// Converts the payload; a parser failure turns the probe into an error.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Result<U, String>) -> Probe<U> {
        let Probe {
            path,
            state,
            reason,
            http_status,
            data,
        } = self;
        match data {
            Some(d) if state == ProbeState::Ok => match f(d) {
                Ok(u) => Probe {
                    path,
                    state,
                    reason,
                    http_status,
                    data: Some(u),
                },
                Err(e) => Probe {
                    path: path.clone(),
                    state: ProbeState::Error,
                    reason: Some(format!("unexpected response shape from /v1/{path}: {e}")),
                    http_status,
                    data: None,
                },
            },
            _ => Probe {
                path,
                state,
                reason,
                http_status,
                data: None,
            },
        }
    }
    /// Same state and reason, another payload type, no data (for derived probes).
    pub fn same_outcome<U>(&self) -> Probe<U> {
        Probe {
            path: self.path.clone(),
            state: self.state,
            reason: self.reason.clone(),
            http_status: self.http_status,
            data: None,
        }
    }
}

/// Detected product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// HashiCorp Vault.
    Vault,
    /// OpenBao.
    Openbao,
}

/// The `api` section of the fact document.
#[derive(Debug, Clone, Serialize)]
pub struct ApiFacts {
    /// Source-level state: ok, skip (not configured / switched off) or error (unreachable).
    pub state: ProbeState,
    /// Why the source is skipped or failed.
    pub reason: Option<String>,
    /// The resolved address and TLS settings (for the live-TLS helper and reports).
    pub target: Option<ApiTarget>,
    /// Whether a token was available and where it came from (never its value).
    pub token: TokenFacts,
    /// "vault" or "openbao" (null when undetermined).
    pub product: Option<Product>,
    /// What the product detection relied on.
    pub product_evidence: Option<String>,
    /// Server version (seal-status, else health).
    pub version: Option<String>,
    /// Scanner clock when the scan started (Unix seconds).
    pub scanned_at_utc: i64,
    /// `GET sys/health` (every status code is an answer).
    pub health: Probe<Health>,
    /// `GET sys/seal-status`.
    pub seal_status: Probe<SealStatus>,
    /// `GET sys/leader`.
    pub leader: Probe<Leader>,
    /// `GET sys/ha-status`.
    pub ha_status: Probe<HaStatus>,
    /// `GET sys/audit` (read + sudo).
    pub audit: Probe<AuditFacts>,
    /// Audit devices from the API and from the running config (`sys/config/state/sanitized`
    /// `audits`, OpenBao's declarative devices), merged by path.
    pub audit_devices: AuditSummary,
    /// `GET sys/auth`, with `sys/auth/<mount>/tune` for userpass/ldap/approle mounts.
    pub auth: Probe<AuthFacts>,
    /// `GET sys/mounts`.
    pub mounts: Probe<MountFacts>,
    /// `GET auth/token/lookup-self`: the scan token.
    pub token_self: Probe<TokenInfo>,
    /// `LIST sys/policies/acl` and each policy's text.
    pub policies: Probe<PolicyFacts>,
    /// `GET sys/storage/raft/configuration`.
    pub raft_configuration: Probe<RaftConfiguration>,
    /// `GET sys/storage/raft/autopilot/state`.
    pub autopilot: Probe<AutopilotState>,
    /// `GET sys/config/state/sanitized`: the raw running configuration of the addressed node.
    pub config_sanitized: Probe<Value>,
    /// `GET sys/config/cors` (read + sudo).
    pub cors: Probe<Cors>,
    /// `GET sys/metrics` with the token.
    pub metrics: Probe<Metrics>,
    /// `GET sys/metrics` without any token: evidence for unauthenticated metrics.
    pub metrics_unauthenticated: Probe<UnauthenticatedMetrics>,
    /// `GET sys/host-info`.
    pub host_info: Probe<HostInfo>,
    /// `LIST sys/version-history`.
    pub version_history: Probe<Vec<VersionHistoryEntry>>,
    /// Root-token hunt over `LIST auth/token/accessors` + `lookup-accessor`.
    pub root_token_hunt: Probe<HuntFacts>,
    /// Every namespace below the scanned one, with its per-namespace reads.
    pub namespaces: super::namespaces::NamespaceWalk,
    /// Cluster mode: every node from `sys/ha-status`.
    pub cluster: ClusterFacts,
}

/// Address and TLS settings, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ApiTarget {
    /// The address as configured (normalised URL).
    pub address: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP (no brackets).
    pub host: String,
    /// Port (explicit or the scheme default).
    pub port: u16,
    /// Whether the address uses TLS.
    pub tls: bool,
    /// Name the certificate must match (`--tls-server-name`, else the host).
    pub server_name: String,
    /// `--ca-cert` / `VAULT_CACERT`.
    pub ca_cert: Option<String>,
    /// `VAULT_CAPATH`.
    pub ca_path: Option<String>,
    /// `--client-cert` / `VAULT_CLIENT_CERT`.
    pub client_cert: Option<String>,
    /// `--client-key` / `VAULT_CLIENT_KEY` (a path, never key material).
    pub client_key: Option<String>,
    /// `--tls-skip-verify` / `VAULT_SKIP_VERIFY`.
    pub skip_verify: bool,
    /// The scanned namespace (`--namespace`, `VAULT_NAMESPACE`); null: the root.
    pub namespace: Option<String>,
    /// Per-request bound in milliseconds.
    pub timeout_ms: u64,
}

/// Token presence.
#[derive(Debug, Clone, Serialize)]
pub struct TokenFacts {
    /// A token was available.
    pub present: bool,
    /// Where it came from.
    pub source: TokenSource,
}

/// `sys/health` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Health {
    /// Initialized.
    pub initialized: Option<bool>,
    /// Sealed.
    pub sealed: Option<bool>,
    /// Standby (true on sealed/uninitialised nodes too, as the server reports).
    pub standby: Option<bool>,
    /// Vault Enterprise performance standby (absent on OpenBao).
    pub performance_standby: Option<bool>,
    /// Replication mode (performance).
    pub replication_performance_mode: Option<String>,
    /// Replication mode (DR).
    pub replication_dr_mode: Option<String>,
    /// Server clock, Unix seconds.
    pub server_time_utc: Option<i64>,
    /// Scanner clock when the answer arrived, Unix seconds.
    pub scanner_time_utc: i64,
    /// `server_time_utc - scanner_time_utc` (seconds; positive: server ahead).
    pub clock_skew_seconds: Option<i64>,
    /// Version.
    pub version: Option<String>,
    /// Cluster name.
    pub cluster_name: Option<String>,
    /// Cluster id.
    pub cluster_id: Option<String>,
    /// Vault ≥1.19: removed from the raft cluster.
    pub removed_from_cluster: Option<bool>,
    /// Vault ≥1.19: HA connection healthy.
    pub ha_connection_healthy: Option<bool>,
    /// What the status code means: active, standby, dr_secondary, performance_standby,
    /// ha_unhealthy, uninitialized, sealed, removed, or other.
    pub status_meaning: String,
}

/// `sys/seal-status` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SealStatus {
    /// Seal type (shamir, awskms, transit…).
    pub seal_type: Option<String>,
    /// Initialized.
    pub initialized: Option<bool>,
    /// Sealed.
    pub sealed: Option<bool>,
    /// Key threshold.
    pub t: Option<i64>,
    /// Key shares.
    pub n: Option<i64>,
    /// Unseal progress.
    pub progress: Option<i64>,
    /// Version string.
    pub version: Option<String>,
    /// Build date (Vault) or commit date (OpenBao).
    pub build_date: Option<String>,
    /// Seal migration in progress.
    pub migration: Option<bool>,
    /// Recovery seal (auto-unseal): `t` and `n` are then the recovery keys'.
    pub recovery_seal: Option<bool>,
    /// Type of the recovery keys (`shamir`), when `recovery_seal`.
    pub recovery_seal_type: Option<String>,
    /// Storage type (raft, inmem, file…).
    pub storage_type: Option<String>,
    /// Cluster name.
    pub cluster_name: Option<String>,
    /// Cluster id.
    pub cluster_id: Option<String>,
    /// Vault ≥1.19.
    pub removed_from_cluster: Option<bool>,
}

/// `sys/leader` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Leader {
    /// HA enabled.
    pub ha_enabled: Option<bool>,
    /// The addressed node is the active one.
    pub is_self: Option<bool>,
    /// When it became active.
    pub active_time: Option<String>,
    /// Active node API address.
    pub leader_address: Option<String>,
    /// Active node cluster address.
    pub leader_cluster_address: Option<String>,
    /// Raft commit index.
    pub raft_committed_index: Option<i64>,
    /// Raft applied index.
    pub raft_applied_index: Option<i64>,
}

/// `sys/ha-status` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HaStatus {
    /// Known nodes, sorted by API address.
    pub nodes: Vec<HaNode>,
}

/// One node of `sys/ha-status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HaNode {
    /// Host name.
    pub hostname: Option<String>,
    /// API address.
    pub api_address: Option<String>,
    /// Cluster address.
    pub cluster_address: Option<String>,
    /// Active node.
    pub active_node: Option<bool>,
    /// Last heartbeat (standbys).
    pub last_echo: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Upgrade version.
    pub upgrade_version: Option<String>,
}

/// `sys/audit` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditFacts {
    /// Enabled devices, sorted by path.
    pub devices: Vec<AuditDevice>,
}

/// One audit device.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditDevice {
    /// Mount path (`file-audit/`).
    pub path: String,
    /// file, syslog, socket, …
    #[serde(rename = "type")]
    pub device_type: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Local (not replicated).
    pub local: Option<bool>,
    /// Options as strings (`file_path`, `log_raw`, `hmac_accessor`, `mode`…).
    pub options: BTreeMap<String, String>,
    /// `log_raw` is on.
    pub log_raw: bool,
    /// `hmac_accessor` (default true).
    pub hmac_accessor: bool,
    /// Where the device was seen: `api`, `config`, or `api+config`.
    pub source: String,
}

/// Audit devices from every source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditSummary {
    /// Devices reported by `sys/audit` (null when that probe did not answer).
    pub api_count: Option<usize>,
    /// Devices declared in the running config (null when not readable or not reported).
    pub config_count: Option<usize>,
    /// Distinct devices over both sources.
    pub total: usize,
    /// Whether any source answered (false: the count means nothing).
    pub known: bool,
    /// Merged devices, sorted by path.
    pub devices: Vec<AuditDevice>,
}

/// `sys/auth` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuthFacts {
    /// Auth mounts, sorted by path.
    pub mounts: Vec<AuthMount>,
}

/// One auth mount.
#[derive(Debug, Clone, Serialize)]
pub struct AuthMount {
    /// Mount path (`userpass/`).
    pub path: String,
    /// Method type.
    #[serde(rename = "type")]
    pub mount_type: Option<String>,
    /// Accessor of the mount (not a token accessor).
    pub accessor: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Local.
    pub local: Option<bool>,
    /// Seal wrap.
    pub seal_wrap: Option<bool>,
    /// Default lease TTL (seconds, 0 = system default).
    pub default_lease_ttl: Option<i64>,
    /// Max lease TTL (seconds, 0 = system default).
    pub max_lease_ttl: Option<i64>,
    /// Token type.
    pub token_type: Option<String>,
    /// Running plugin version (`v2.7.2+builtin.bao`).
    pub running_plugin_version: Option<String>,
    /// Lockout settings from `config.user_lockout_config` (present only once tuned).
    pub user_lockout_config: Option<UserLockout>,
    /// `sys/auth/<mount>/tune` (userpass, ldap and approle mounts only).
    pub tune: Option<Probe<UserLockout>>,
    /// Whether lockout applies to this method type (userpass, ldap, approle).
    pub lockout_applicable: bool,
    /// "Lockout disabled" as overridden on this mount (tune, else mount config). Null: no
    /// per-mount override, so the server-wide default applies (on, unless a config
    /// `user_lockout` stanza or `VAULT_/BAO_DISABLE_USER_LOCKOUT` turns it off; the API
    /// does not show those).
    pub lockout_disabled: Option<bool>,
    /// Where `lockout_disabled` came from: `tune`, `mount_config`, or null.
    pub lockout_source: Option<String>,
}

/// User lockout settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserLockout {
    /// Failed attempts before lockout.
    pub threshold: Option<i64>,
    /// Lockout duration, seconds.
    pub duration: Option<i64>,
    /// Counter reset, seconds.
    pub counter_reset_duration: Option<i64>,
    /// Lockout disabled.
    pub disable: Option<bool>,
}

/// `sys/mounts` answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MountFacts {
    /// Secret engine mounts, sorted by path.
    pub mounts: Vec<SecretMount>,
}

/// One secret engine mount.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SecretMount {
    /// Mount path (`secret/`).
    pub path: String,
    /// Engine type.
    #[serde(rename = "type")]
    pub mount_type: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Local.
    pub local: Option<bool>,
    /// Seal wrap.
    pub seal_wrap: Option<bool>,
    /// Options as strings.
    pub options: BTreeMap<String, String>,
    /// KV version (1 or 2) for `kv`/`generic` mounts, else null.
    pub kv_version: Option<u8>,
    /// Default lease TTL (seconds).
    pub default_lease_ttl: Option<i64>,
    /// Max lease TTL (seconds).
    pub max_lease_ttl: Option<i64>,
    /// Running plugin version.
    pub running_plugin_version: Option<String>,
}

/// A token as the token store describes it (never its id).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TokenInfo {
    /// Accessor.
    pub accessor: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Policies.
    pub policies: Vec<String>,
    /// Creation path (`auth/token/root`, `auth/token/create`, `auth/userpass/login/…`).
    pub path: Option<String>,
    /// Creation time, Unix seconds.
    pub creation_time: Option<i64>,
    /// Issue time (RFC 3339).
    pub issue_time: Option<String>,
    /// Remaining TTL, seconds (0 = none).
    pub ttl: Option<i64>,
    /// Expiry (null = never).
    pub expire_time: Option<String>,
    /// Explicit max TTL.
    pub explicit_max_ttl: Option<i64>,
    /// Orphan.
    pub orphan: Option<bool>,
    /// service / batch.
    #[serde(rename = "type")]
    pub token_type: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Uses left (0 = unlimited).
    pub num_uses: Option<i64>,
    /// Period, seconds (periodic tokens are renewable forever unless `explicit_max_ttl`).
    pub period: Option<i64>,
    /// Renewable.
    pub renewable: Option<bool>,
    /// Carries the `root` policy.
    pub is_root: bool,
    /// Never expires (TTL 0 and no expire time).
    pub no_expiry: bool,
    /// Periodic without an explicit max TTL: can be renewed for ever.
    pub periodic_unbounded: bool,
}

/// ACL policies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyFacts {
    /// Policy names as listed.
    pub names: Vec<String>,
    /// Each policy (except `root`, which has no text) with its parsed rules.
    pub policies: Vec<AclPolicyFacts>,
    /// Names of policies that are over-broad (see `AclPolicyFacts::overbroad`).
    pub overbroad: Vec<String>,
}

/// `sys/storage/raft/configuration`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RaftConfiguration {
    /// Raft peers, sorted by node id.
    pub servers: Vec<RaftServer>,
    /// Number of voters.
    pub voters: usize,
    /// Number of non-voters.
    pub non_voters: usize,
}

/// One raft peer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RaftServer {
    /// Node id.
    pub node_id: Option<String>,
    /// Cluster address.
    pub address: Option<String>,
    /// Leader.
    pub leader: Option<bool>,
    /// Voter.
    pub voter: Option<bool>,
    /// Raft protocol version.
    pub protocol_version: Option<String>,
}

/// `sys/storage/raft/autopilot/state`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AutopilotState {
    /// Cluster healthy.
    pub healthy: Option<bool>,
    /// Failure tolerance.
    pub failure_tolerance: Option<i64>,
    /// Leader node id.
    pub leader: Option<String>,
    /// Voter node ids.
    pub voters: Vec<String>,
    /// Servers, sorted by id.
    pub servers: Vec<AutopilotServer>,
}

/// One autopilot server.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AutopilotServer {
    /// Node id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Cluster address.
    pub address: Option<String>,
    /// alive / left / …
    pub node_status: Option<String>,
    /// Healthy.
    pub healthy: Option<bool>,
    /// leader / voter / non-voter.
    pub status: Option<String>,
    /// voter / non-voter.
    pub node_type: Option<String>,
    /// Last contact (Go duration string).
    pub last_contact: Option<String>,
    /// Stable since.
    pub stable_since: Option<String>,
    /// Version.
    pub version: Option<String>,
}

/// `sys/config/cors`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cors {
    /// Enabled.
    pub enabled: Option<bool>,
    /// Allowed origins.
    pub allowed_origins: Vec<String>,
    /// Allowed headers.
    pub allowed_headers: Vec<String>,
    /// Enabled and some origin is `*`.
    pub wildcard: bool,
}

/// `sys/metrics` with a token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    /// prometheus or json.
    pub format: String,
    /// Body size.
    pub bytes: usize,
}

/// `sys/metrics` without a token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnauthenticatedMetrics {
    /// The server returned metrics to a caller without a token.
    pub accessible: bool,
}

/// `sys/host-info` (the parts that matter; CPU flags and disks are dropped).
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostInfo {
    /// Host name.
    pub hostname: Option<String>,
    /// OS.
    pub os: Option<String>,
    /// Platform (debian, ubuntu…).
    pub platform: Option<String>,
    /// Platform version.
    pub platform_version: Option<String>,
    /// Kernel version.
    pub kernel_version: Option<String>,
    /// Virtualization system (docker, kvm…).
    pub virtualization_system: Option<String>,
    /// host / guest.
    pub virtualization_role: Option<String>,
    /// Uptime, seconds.
    pub uptime: Option<i64>,
    /// Memory total, bytes.
    pub memory_total: Option<i64>,
    /// Swap total, bytes (0 = no swap).
    pub swap_total: Option<i64>,
    /// Swap free, bytes.
    pub swap_free: Option<i64>,
    /// Number of CPUs reported.
    pub cpu_count: usize,
}

/// One `sys/version-history` entry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VersionHistoryEntry {
    /// Version.
    pub version: String,
    /// When it was first run.
    pub timestamp_installed: Option<String>,
    /// Version before it.
    pub previous_version: Option<String>,
    /// Build / commit date.
    pub build_date: Option<String>,
}

/// Root-token hunt results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HuntFacts {
    /// Accessors listed.
    pub total_tokens: usize,
    /// Lookups that answered.
    pub looked_up: usize,
    /// Lookups that failed (counted, not fatal).
    pub lookup_failures: usize,
    /// A few failure reasons (deduplicated).
    pub failure_examples: Vec<String>,
    /// The hunt stopped early because the server stopped answering.
    pub aborted: bool,
    /// Live tokens carrying the `root` policy, sorted by creation time.
    pub root_tokens: Vec<RootToken>,
    /// Non-root tokens that never expire (TTL 0, no expire time).
    pub no_expiry: NoExpiryTokens,
    /// Non-root periodic tokens without an explicit max TTL (renewable for ever).
    pub periodic_unbounded: NoExpiryTokens,
    /// Non-root tokens with a policy besides `default` (sorted by accessor); the scan keeps
    /// only those holding an over-broad policy or one it could not judge.
    pub policy_tokens: Vec<PolicyToken>,
    /// Concurrent lookups used.
    pub concurrency: usize,
    /// Wall time of the hunt, milliseconds.
    pub elapsed_ms: u64,
}

/// A live root token (never the token itself).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RootToken {
    /// Accessor.
    pub accessor: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Creation time, Unix seconds.
    pub creation_time: Option<i64>,
    /// Creation path.
    pub path: Option<String>,
    /// Policies.
    pub policies: Vec<String>,
    /// TTL, seconds (0 = none).
    pub ttl: Option<i64>,
    /// Expiry (null = never).
    pub expire_time: Option<String>,
    /// Orphan.
    pub orphan: Option<bool>,
    /// This is the token the scan itself used.
    pub is_scan_token: bool,
}

/// A live non-root token with policies beyond `default` (never the token itself).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyToken {
    /// Accessor.
    pub accessor: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Creation path.
    pub path: Option<String>,
    /// Policies.
    pub policies: Vec<String>,
    /// Remaining TTL, seconds (0 = none).
    pub ttl: Option<i64>,
    /// Expiry (null = never).
    pub expire_time: Option<String>,
    /// Period, seconds (renewable for ever unless `explicit_max_ttl`).
    pub period: Option<i64>,
    /// This is the token the scan itself used.
    pub is_scan_token: bool,
}

/// A counted set of tokens with a few examples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NoExpiryTokens {
    /// How many.
    pub count: usize,
    /// A few of them (sorted by accessor).
    pub examples: Vec<TokenExample>,
}

/// Example token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TokenExample {
    /// Accessor.
    pub accessor: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Creation path.
    pub path: Option<String>,
}

/// Cluster mode results.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterFacts {
    /// `--cluster` was given.
    pub enabled: bool,
    /// ok / skip (not enabled, no permission on sys/ha-status) / error.
    pub state: ProbeState,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// Nodes, sorted by API address.
    pub nodes: Vec<ClusterNode>,
    /// Distinct versions reported by reachable nodes.
    pub versions: Vec<String>,
}

/// One cluster node.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterNode {
    /// API address from `sys/ha-status`.
    pub api_address: String,
    /// Scheme.
    pub scheme: Option<String>,
    /// Host (for the TLS helper).
    pub host: Option<String>,
    /// Port (for the TLS helper).
    pub port: Option<u16>,
    /// Host name the node reports.
    pub hostname: Option<String>,
    /// Active node per `sys/ha-status`.
    pub active: Option<bool>,
    /// Version per `sys/ha-status`.
    pub reported_version: Option<String>,
    /// `sys/health` on that node.
    pub health: Probe<Health>,
    /// `sys/seal-status` on that node.
    pub seal_status: Probe<SealStatus>,
    /// Version the node itself reports (seal-status, else health, else ha-status).
    pub version: Option<String>,
    /// Initialized (from health, else seal-status).
    pub initialized: Option<bool>,
    /// Sealed (from health, else seal-status).
    pub sealed: Option<bool>,
    /// Standby (from health).
    pub standby: Option<bool>,
}

// ---------------------------------------------------------------------------------------
// Tolerant JSON accessors: a missing or mistyped field becomes None, never a panic.

pub(crate) fn get_str(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn get_bool(v: &Value, k: &str) -> Option<bool> {
    match v.get(k)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => super::options::parse_go_bool(s),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        _ => None,
    }
}

pub(crate) fn get_i64(v: &Value, k: &str) -> Option<i64> {
    match v.get(k)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn get_strs(v: &Value, k: &str) -> Vec<String> {
    match v.get(k) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        // Some Vault versions return comma-separated strings for list settings.
        Some(Value::String(s)) if !s.is_empty() => {
            s.split(',').map(|p| p.trim().to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = v {
        for (k, val) in m {
            let s = match val {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            out.insert(k.clone(), s);
        }
    }
    out
}

pub(crate) fn require_object(v: &Value) -> Result<(), String> {
    if v.is_object() {
        Ok(())
    } else {
        Err(format!("expected a JSON object, got {}", kind(v)))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

// Shape checks: a field a rule relies on that is missing or of the wrong type makes the
// probe an error naming it, never a default that reads as "off" or "nothing there".

fn need_bool(v: &Value, k: &str) -> Result<bool, String> {
    get_bool(v, k).ok_or_else(|| format!("`{k}` is missing or not a boolean"))
}

fn need_list<'v>(v: &'v Value, k: &str) -> Result<&'v [Value], String> {
    match v.get(k) {
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!("`{k}` is {}, not a list", kind(other))),
        None => Err(format!("no `{k}` list")),
    }
}

fn need_object_field<'v>(v: &'v Value, k: &str) -> Result<&'v Value, String> {
    match v.get(k) {
        Some(o @ Value::Object(_)) => Ok(o),
        Some(other) => Err(format!("`{k}` is {}, not an object", kind(other))),
        None => Err(format!("no `{k}` object")),
    }
}

/// Keys of Vault's response envelope, which old servers mix into a table of mounts.
const ENVELOPE_KEYS: [&str; 8] = [
    "request_id",
    "lease_id",
    "renewable",
    "lease_duration",
    "wrap_info",
    "warnings",
    "auth",
    "mount_type",
];

/// A `"<path>/" -> {type, ...}` table (sys/audit, sys/auth, sys/mounts): every entry but the
/// envelope must be an object with a `type`.
fn mount_table<'v>(v: &'v Value, what: &str) -> Result<Vec<(String, &'v Value)>, String> {
    require_object(v)?;
    let mut out = Vec::new();
    if let Value::Object(m) = v {
        for (k, val) in m {
            if ENVELOPE_KEYS.contains(&k.as_str()) {
                continue;
            }
            match val.get("type") {
                Some(Value::String(_)) if val.is_object() => out.push((k.clone(), val)),
                _ => {
                    return Err(format!(
                        "`{k}` is not {what} (an object with a `type`), got {}",
                        kind(val)
                    ))
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Parsers

pub(crate) fn parse_health(v: &Value, status: u16, scanner_time: i64) -> Result<Health, String> {
    require_object(v)?;
    need_bool(v, "initialized")?;
    need_bool(v, "sealed")?;
    let server_time_utc = get_i64(v, "server_time_utc");
    let status_meaning = match status {
        200 => "active",
        429 => "standby",
        472 => "dr_secondary",
        473 => "performance_standby",
        474 => "ha_unhealthy",
        501 => "uninitialized",
        503 => "sealed",
        530 => "removed",
        _ => "other",
    }
    .to_owned();
    Ok(Health {
        initialized: get_bool(v, "initialized"),
        sealed: get_bool(v, "sealed"),
        standby: get_bool(v, "standby"),
        performance_standby: get_bool(v, "performance_standby"),
        replication_performance_mode: get_str(v, "replication_performance_mode"),
        replication_dr_mode: get_str(v, "replication_dr_mode"),
        server_time_utc,
        scanner_time_utc: scanner_time,
        clock_skew_seconds: server_time_utc.map(|s| s.saturating_sub(scanner_time)),
        version: get_str(v, "version"),
        cluster_name: get_str(v, "cluster_name"),
        cluster_id: get_str(v, "cluster_id"),
        removed_from_cluster: get_bool(v, "removed_from_cluster"),
        ha_connection_healthy: get_bool(v, "ha_connection_healthy"),
        status_meaning,
    })
}

pub(crate) fn parse_seal_status(v: &Value) -> Result<SealStatus, String> {
    require_object(v)?;
    need_bool(v, "initialized")?;
    need_bool(v, "sealed")?;
    Ok(SealStatus {
        seal_type: get_str(v, "type"),
        initialized: get_bool(v, "initialized"),
        sealed: get_bool(v, "sealed"),
        t: get_i64(v, "t"),
        n: get_i64(v, "n"),
        progress: get_i64(v, "progress"),
        version: get_str(v, "version"),
        build_date: get_str(v, "build_date").or_else(|| get_str(v, "commit_date")),
        migration: get_bool(v, "migration"),
        recovery_seal: get_bool(v, "recovery_seal"),
        recovery_seal_type: get_str(v, "recovery_seal_type"),
        storage_type: get_str(v, "storage_type"),
        cluster_name: get_str(v, "cluster_name"),
        cluster_id: get_str(v, "cluster_id"),
        removed_from_cluster: get_bool(v, "removed_from_cluster"),
    })
}

pub(crate) fn parse_leader(v: &Value) -> Result<Leader, String> {
    require_object(v)?;
    need_bool(v, "ha_enabled")?;
    Ok(Leader {
        ha_enabled: get_bool(v, "ha_enabled"),
        is_self: get_bool(v, "is_self"),
        active_time: get_str(v, "active_time"),
        leader_address: get_str(v, "leader_address"),
        leader_cluster_address: get_str(v, "leader_cluster_address"),
        raft_committed_index: get_i64(v, "raft_committed_index"),
        raft_applied_index: get_i64(v, "raft_applied_index"),
    })
}

pub(crate) fn parse_ha_status(v: &Value) -> Result<HaStatus, String> {
    require_object(v)?;
    let mut nodes: Vec<HaNode> = match v.get("nodes") {
        // Go marshals an empty node list as null.
        Some(Value::Null) => Vec::new(),
        _ => need_list(v, "nodes")?
            .iter()
            .map(|n| match n.get("api_address") {
                Some(Value::String(_)) => Ok(n),
                _ => Err(format!("a node without `api_address`: {}", kind(n))),
            })
            .collect::<Result<Vec<_>, String>>()?
            .into_iter()
            .map(|n| HaNode {
                hostname: get_str(n, "hostname"),
                api_address: get_str(n, "api_address"),
                cluster_address: get_str(n, "cluster_address"),
                active_node: get_bool(n, "active_node"),
                last_echo: get_str(n, "last_echo"),
                version: get_str(n, "version"),
                upgrade_version: get_str(n, "upgrade_version"),
            })
            .collect(),
    };
    nodes.sort_by(|a, b| a.api_address.cmp(&b.api_address));
    Ok(HaStatus { nodes })
}

pub(crate) fn audit_device(path: &str, v: &Value, source: &str) -> AuditDevice {
    let options = string_map(v.get("options"));
    let opt_bool = |k: &str| {
        options
            .get(k)
            .and_then(|s| super::options::parse_go_bool(s))
    };
    AuditDevice {
        path: get_str(v, "path").unwrap_or_else(|| path.to_owned()),
        device_type: get_str(v, "type"),
        description: get_str(v, "description"),
        local: get_bool(v, "local"),
        log_raw: opt_bool("log_raw").unwrap_or(false),
        hmac_accessor: opt_bool("hmac_accessor").unwrap_or(true),
        options,
        source: source.to_owned(),
    }
}

pub(crate) fn parse_audit(v: &Value) -> Result<AuditFacts, String> {
    let devices = mount_table(v, "an audit device")?
        .into_iter()
        .map(|(k, d)| audit_device(&k, d, "api"))
        .collect();
    Ok(AuditFacts { devices })
}

/// Merges API devices with the `audits` list of the sanitized config, by path.
pub(crate) fn summarize_audit(api: &Probe<AuditFacts>, sanitized: &Probe<Value>) -> AuditSummary {
    let norm = |p: &str| format!("{}/", p.trim_end_matches('/'));
    let mut merged: BTreeMap<String, AuditDevice> = BTreeMap::new();
    let api_count = api.data.as_ref().map(|a| a.devices.len());
    if let Some(a) = &api.data {
        for d in &a.devices {
            merged.insert(norm(&d.path), d.clone());
        }
    }
    let config_list = sanitized
        .data
        .as_ref()
        .and_then(|c| c.get("audits"))
        .and_then(Value::as_array);
    let config_count = config_list.map(Vec::len);
    if let Some(list) = config_list {
        for entry in list {
            let path = get_str(entry, "path").unwrap_or_default();
            let key = norm(&path);
            match merged.get_mut(&key) {
                Some(d) => d.source = "api+config".into(),
                None => {
                    merged.insert(key, audit_device(&path, entry, "config"));
                }
            }
        }
    }
    let devices: Vec<AuditDevice> = merged.into_values().collect();
    AuditSummary {
        api_count,
        config_count,
        total: devices.len(),
        known: api_count.is_some() || config_count.is_some(),
        devices,
    }
}

/// Auth methods that support user lockout.
pub(crate) const LOCKOUT_TYPES: [&str; 3] = ["userpass", "ldap", "approle"];

pub(crate) fn parse_user_lockout(v: &Value) -> UserLockout {
    UserLockout {
        threshold: get_i64(v, "user_lockout_threshold"),
        duration: get_i64(v, "user_lockout_duration"),
        counter_reset_duration: get_i64(v, "user_lockout_counter_reset_duration"),
        disable: get_bool(v, "user_lockout_disable"),
    }
}

pub(crate) fn parse_auth(v: &Value) -> Result<AuthFacts, String> {
    let mounts = mount_table(v, "an auth mount")?
        .into_iter()
        .map(|(path, m)| {
            let config = m.get("config").cloned().unwrap_or(Value::Null);
            let mount_type = get_str(m, "type");
            let user_lockout_config = config
                .get("user_lockout_config")
                .filter(|c| c.is_object())
                .map(parse_user_lockout);
            let lockout_applicable = mount_type
                .as_deref()
                .is_some_and(|t| LOCKOUT_TYPES.contains(&t));
            AuthMount {
                path,
                accessor: get_str(m, "accessor"),
                description: get_str(m, "description"),
                local: get_bool(m, "local"),
                seal_wrap: get_bool(m, "seal_wrap"),
                default_lease_ttl: get_i64(&config, "default_lease_ttl"),
                max_lease_ttl: get_i64(&config, "max_lease_ttl"),
                token_type: get_str(&config, "token_type"),
                running_plugin_version: get_str(m, "running_plugin_version"),
                lockout_disabled: if lockout_applicable {
                    user_lockout_config.as_ref().and_then(|c| c.disable)
                } else {
                    None
                },
                lockout_source: user_lockout_config
                    .as_ref()
                    .and_then(|c| c.disable)
                    .filter(|_| lockout_applicable)
                    .map(|_| "mount_config".to_owned()),
                user_lockout_config,
                tune: None,
                lockout_applicable,
                mount_type,
            }
        })
        .collect();
    Ok(AuthFacts { mounts })
}

pub(crate) fn parse_mounts(v: &Value) -> Result<MountFacts, String> {
    let mounts = mount_table(v, "a secrets mount")?
        .into_iter()
        .map(|(path, m)| {
            let config = m.get("config").cloned().unwrap_or(Value::Null);
            let options = string_map(m.get("options"));
            let mount_type = get_str(m, "type");
            let kv_version = match mount_type.as_deref() {
                Some("kv") | Some("generic") => {
                    Some(match options.get("version").map(String::as_str) {
                        Some("2") => 2,
                        _ => 1,
                    })
                }
                // Vault accepts "kv-v2" as a type alias at enable time; report it as 2.
                Some("kv-v2") => Some(2),
                _ => None,
            };
            SecretMount {
                path,
                description: get_str(m, "description"),
                local: get_bool(m, "local"),
                seal_wrap: get_bool(m, "seal_wrap"),
                kv_version,
                options,
                default_lease_ttl: get_i64(&config, "default_lease_ttl"),
                max_lease_ttl: get_i64(&config, "max_lease_ttl"),
                running_plugin_version: get_str(m, "running_plugin_version"),
                mount_type,
            }
        })
        .collect();
    Ok(MountFacts { mounts })
}

pub(crate) fn parse_token_info(v: &Value) -> Result<TokenInfo, String> {
    require_object(v)?;
    // Whether a token is root, and whether it expires, are read from these.
    need_list(v, "policies")?;
    if !matches!(v.get("ttl"), Some(Value::Number(_))) {
        return Err("`ttl` is missing or not a number".into());
    }
    let policies = get_strs(v, "policies");
    let ttl = get_i64(v, "ttl");
    let expire_time = get_str(v, "expire_time");
    Ok(TokenInfo {
        accessor: get_str(v, "accessor"),
        display_name: get_str(v, "display_name"),
        is_root: policies.iter().any(|p| p == "root"),
        no_expiry: ttl.unwrap_or(0) == 0 && expire_time.is_none(),
        policies,
        path: get_str(v, "path"),
        creation_time: get_i64(v, "creation_time"),
        issue_time: get_str(v, "issue_time"),
        ttl,
        expire_time,
        explicit_max_ttl: get_i64(v, "explicit_max_ttl"),
        orphan: get_bool(v, "orphan"),
        token_type: get_str(v, "type"),
        entity_id: get_str(v, "entity_id"),
        num_uses: get_i64(v, "num_uses"),
        periodic_unbounded: get_i64(v, "period").unwrap_or(0) > 0
            && get_i64(v, "explicit_max_ttl").unwrap_or(0) == 0,
        period: get_i64(v, "period"),
        renewable: get_bool(v, "renewable"),
    })
}

pub(crate) fn parse_keys(v: &Value) -> Result<Vec<String>, String> {
    match v.get("keys") {
        // An entry that is not a name is the wrong shape: dropping it would hide a subject.
        Some(Value::Array(a)) => a
            .iter()
            .map(|k| {
                k.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`keys` holds {}, not a name", kind(k)))
            })
            .collect(),
        // Go marshals an empty list as null.
        Some(Value::Null) => Ok(Vec::new()),
        Some(other) => Err(format!("`keys` is {}, not a list", kind(other))),
        None => Err(format!("no `keys` list in {}", kind(v))),
    }
}

pub(crate) fn parse_raft_configuration(v: &Value) -> Result<RaftConfiguration, String> {
    require_object(v)?;
    let servers_v = v
        .get("config")
        .and_then(|c| c.get("servers"))
        .or_else(|| v.get("servers"));
    let mut servers: Vec<RaftServer> = match servers_v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| match (s.get("node_id"), s.get("voter")) {
                (Some(Value::String(_)), Some(Value::Bool(_))) => Ok(s),
                _ => Err(format!(
                    "a server without `node_id` and `voter`: {}",
                    kind(s)
                )),
            })
            .collect::<Result<Vec<_>, String>>()?
            .into_iter()
            .map(|s| RaftServer {
                node_id: get_str(s, "node_id"),
                address: get_str(s, "address"),
                leader: get_bool(s, "leader"),
                voter: get_bool(s, "voter"),
                protocol_version: get_str(s, "protocol_version"),
            })
            .collect(),
        _ => return Err("no `config.servers` list".into()),
    };
    servers.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    let voters = servers.iter().filter(|s| s.voter == Some(true)).count();
    Ok(RaftConfiguration {
        non_voters: servers.len() - voters,
        voters,
        servers,
    })
}

pub(crate) fn parse_autopilot(v: &Value) -> Result<AutopilotState, String> {
    require_object(v)?;
    need_bool(v, "healthy")?;
    let mut servers: Vec<AutopilotServer> = match need_object_field(v, "servers")? {
        Value::Object(m) => m
            .iter()
            .map(|(id, s)| AutopilotServer {
                id: get_str(s, "id").unwrap_or_else(|| id.clone()),
                name: get_str(s, "name"),
                address: get_str(s, "address"),
                node_status: get_str(s, "node_status"),
                healthy: get_bool(s, "healthy"),
                status: get_str(s, "status"),
                node_type: get_str(s, "node_type"),
                last_contact: get_str(s, "last_contact"),
                stable_since: get_str(s, "stable_since"),
                version: get_str(s, "version"),
            })
            .collect(),
        _ => Vec::new(),
    };
    servers.sort_by(|a, b| a.id.cmp(&b.id));
    let mut voters = get_strs(v, "voters");
    voters.sort();
    Ok(AutopilotState {
        healthy: get_bool(v, "healthy"),
        failure_tolerance: get_i64(v, "failure_tolerance"),
        leader: get_str(v, "leader"),
        voters,
        servers,
    })
}

pub(crate) fn parse_cors(v: &Value) -> Result<Cors, String> {
    require_object(v)?;
    need_bool(v, "enabled")?;
    let enabled = get_bool(v, "enabled");
    let allowed_origins = get_strs(v, "allowed_origins");
    Ok(Cors {
        wildcard: enabled == Some(true) && allowed_origins.iter().any(|o| o.trim() == "*"),
        enabled,
        allowed_headers: get_strs(v, "allowed_headers"),
        allowed_origins,
    })
}

pub(crate) fn parse_host_info(v: &Value) -> Result<HostInfo, String> {
    require_object(v)?;
    need_object_field(v, "host")?;
    need_object_field(v, "memory")?;
    let host = v.get("host").cloned().unwrap_or(Value::Null);
    let mem = v.get("memory").cloned().unwrap_or(Value::Null);
    Ok(HostInfo {
        hostname: get_str(&host, "hostname"),
        os: get_str(&host, "os"),
        platform: get_str(&host, "platform"),
        platform_version: get_str(&host, "platformVersion"),
        kernel_version: get_str(&host, "kernelVersion"),
        virtualization_system: get_str(&host, "virtualizationSystem"),
        virtualization_role: get_str(&host, "virtualizationRole"),
        uptime: get_i64(&host, "uptime"),
        memory_total: get_i64(&mem, "total"),
        swap_total: get_i64(&mem, "swaptotal").or_else(|| get_i64(&mem, "swapTotal")),
        swap_free: get_i64(&mem, "swapfree").or_else(|| get_i64(&mem, "swapFree")),
        cpu_count: v.get("cpu").and_then(Value::as_array).map_or(0, Vec::len),
    })
}

pub(crate) fn parse_version_history(v: &Value) -> Result<Vec<VersionHistoryEntry>, String> {
    let keys = parse_keys(v)?;
    let info = v.get("key_info").cloned().unwrap_or(Value::Null);
    Ok(keys
        .into_iter()
        .map(|k| {
            let e = info.get(&k).cloned().unwrap_or(Value::Null);
            VersionHistoryEntry {
                timestamp_installed: get_str(&e, "timestamp_installed"),
                previous_version: get_str(&e, "previous_version"),
                build_date: get_str(&e, "build_date").or_else(|| get_str(&e, "commit_date")),
                version: k,
            }
        })
        .collect())
}

/// Product from the strongest signal available.
pub(crate) fn detect_product(
    seal_raw: Option<&Value>,
    version: Option<&str>,
    plugin_versions: &[String],
) -> (Option<Product>, Option<String>) {
    if let Some(pv) = plugin_versions.iter().find(|p| p.ends_with("+builtin.bao")) {
        return (Some(Product::Openbao), Some(format!("plugin version {pv}")));
    }
    if let Some(pv) = plugin_versions
        .iter()
        .find(|p| p.ends_with("+builtin.vault"))
    {
        return (Some(Product::Vault), Some(format!("plugin version {pv}")));
    }
    if let Some(s) = seal_raw {
        // OpenBao renamed seal-status `build_date` to `commit_date`.
        if s.get("commit_date").is_some() {
            return (
                Some(Product::Openbao),
                Some("seal-status has commit_date".into()),
            );
        }
        if s.get("build_date").is_some() {
            return (
                Some(Product::Vault),
                Some("seal-status has build_date".into()),
            );
        }
    }
    if let Some(v) = version {
        if v.contains("+ent") || v.contains("+prem") {
            return (Some(Product::Vault), Some(format!("version {v}")));
        }
        let major = v
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok());
        match major {
            // Vault is 1.x; OpenBao started at 2.0.
            Some(1) => return (Some(Product::Vault), Some(format!("version {v}"))),
            Some(m) if m >= 2 => return (Some(Product::Openbao), Some(format!("version {v}"))),
            _ => {}
        }
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn health_sealed_body() {
        let v = json!({"initialized":true,"sealed":true,"standby":true,"replication_performance_mode":"unknown","replication_dr_mode":"unknown","server_time_utc":1795397137,"version":"2.7.2"});
        let h = parse_health(&v, 503, 1795397140).expect("health");
        assert_eq!(h.sealed, Some(true));
        assert_eq!(h.clock_skew_seconds, Some(-3));
        assert_eq!(h.status_meaning, "sealed");
        assert!(h.cluster_name.is_none());
    }

    #[test]
    fn audit_top_level_and_options() {
        let v = json!({"file-audit/":{"description":"d","local":false,"options":{"file_path":"/x","log_raw":"true","hmac_accessor":"false"},"path":"file-audit/","type":"file"},"request_id":"r","lease_id":""});
        let a = parse_audit(&v).expect("audit");
        assert_eq!(a.devices.len(), 1);
        assert!(a.devices[0].log_raw);
        assert!(!a.devices[0].hmac_accessor);
        assert_eq!(
            a.devices[0].options.get("file_path").map(String::as_str),
            Some("/x")
        );
    }

    #[test]
    fn audit_merge_counts_both_sources() {
        let api: Probe<AuditFacts> = Probe::ok(
            "sys/audit",
            200,
            parse_audit(&json!({"file-audit/":{"type":"file","path":"file-audit/","options":{}}}))
                .expect("a"),
        );
        let cfg: Probe<Value> = Probe::ok(
            "sys/config/state/sanitized",
            200,
            json!({"audits":[{"path":"file-audit/","type":"file"},{"path":"sock","type":"socket"}]}),
        );
        let s = summarize_audit(&api, &cfg);
        assert_eq!(
            (s.api_count, s.config_count, s.total),
            (Some(1), Some(2), 2)
        );
        assert_eq!(s.devices[0].source, "api+config");
        assert_eq!(s.devices[1].source, "config");
        let none = summarize_audit(
            &Probe::skip("sys/audit", Some(403), "x"),
            &Probe::skip("s", None, "x"),
        );
        assert!(!none.known);
    }

    #[test]
    fn kv_versions_and_lockout() {
        let m = parse_mounts(&json!({
            "kv1/":{"type":"kv","options":{"version":"1"}},
            "kv2/":{"type":"kv","options":{"version":"2"}},
            "old/":{"type":"kv","options":null},
            "sys/":{"type":"system"}
        }))
        .expect("mounts");
        let v: Vec<_> = m
            .mounts
            .iter()
            .map(|x| (x.path.as_str(), x.kv_version))
            .collect();
        assert_eq!(
            v,
            vec![
                ("kv1/", Some(1)),
                ("kv2/", Some(2)),
                ("old/", Some(1)),
                ("sys/", None)
            ]
        );

        let a = parse_auth(&json!({"userpass/":{"type":"userpass","config":{"user_lockout_config":{"user_lockout_disable":true}}},"token/":{"type":"token","config":{}}})).expect("auth");
        assert_eq!(a.mounts[1].lockout_disabled, Some(true));
        assert!(!a.mounts[0].lockout_applicable);
    }

    #[test]
    fn token_info_drops_id() {
        let t = parse_token_info(
            &json!({"id":"s.secret","accessor":"a","policies":["root"],"ttl":0,"expire_time":null}),
        )
        .expect("t");
        assert!(t.is_root && t.no_expiry);
        let s = serde_json::to_string(&t).expect("json");
        assert!(!s.contains("s.secret"));
    }

    #[test]
    fn product_detection() {
        let (p, _) = detect_product(Some(&json!({"commit_date":"x"})), Some("2.7.2"), &[]);
        assert_eq!(p, Some(Product::Openbao));
        let (p, _) = detect_product(Some(&json!({"build_date":"x"})), Some("1.15.2"), &[]);
        assert_eq!(p, Some(Product::Vault));
        let (p, _) = detect_product(None, Some("1.15.2+ent"), &[]);
        assert_eq!(p, Some(Product::Vault));
        let (p, _) = detect_product(None, None, &["v2.7.2+builtin.bao".into()]);
        assert_eq!(p, Some(Product::Openbao));
        assert_eq!(detect_product(None, None, &[]).0, None);
    }

    #[test]
    fn parsers_never_panic_on_odd_shapes() {
        let odd = [
            json!(null),
            json!([]),
            json!("x"),
            json!(1),
            json!({"servers":"x","keys":3,"nodes":{}}),
        ];
        for v in &odd {
            let _ = parse_health(v, 200, 0);
            let _ = parse_seal_status(v);
            let _ = parse_leader(v);
            let _ = parse_ha_status(v);
            let _ = parse_audit(v);
            let _ = parse_auth(v);
            let _ = parse_mounts(v);
            let _ = parse_token_info(v);
            let _ = parse_keys(v);
            let _ = parse_raft_configuration(v);
            let _ = parse_autopilot(v);
            let _ = parse_cors(v);
            let _ = parse_host_info(v);
            let _ = parse_version_history(v);
        }
    }
}
