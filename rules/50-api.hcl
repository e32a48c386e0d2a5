# The live API (source: api) and the live TLS listener.
# Facts: api.<probe> = { path, state (ok|skip|error), reason, http_status, data } for every
# endpoint read (`vaultsec facts` shows them); api.nodes = the nodes judged one by one (every
# node with --cluster, else the addressed one); api.running_config_drift; tls.live = the TLS
# probes of each addressed listener; api.in_namespaces = the per-namespace subjects (policies,
# auth_mounts, kv_mounts, tokens) of the scanned namespace and of every namespace below it,
# each with `namespace` and `ns_prefix` ("team-a/ ", "" at the root), and `gap` subjects for
# what could not be read there. `requires` turns a 403 into skip "insufficient permission:
# GET /v1/..." and a failed read into error. api_paths feed `vaultsec policy`.

rule "api.uninitialized-or-sealed" {
  title     = "The server is initialized and unsealed"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["api"]
  for_each  = api.nodes
  subject   = each.value.subject
  error_if  = each.value.initialized == null || each.value.sealed == null ? "cannot tell whether ${each.value.api_address} is initialized and unsealed: ${coalesce(each.value.health.reason, each.value.seal_status.reason, "no answer from sys/health or sys/seal-status")}" : null
  condition = each.value.initialized == true && each.value.sealed == false
  message   = each.value.initialized == false ? "${each.value.api_address} is not initialized: anyone who reaches it can initialize it and hold its keys" : "${each.value.api_address} is sealed: it serves no request"
  pass_message = "${each.value.api_address} is initialized and unsealed${each.value.standby == true ? " (standby)" : ""}"
  evidence  = { initialized = each.value.initialized, sealed = each.value.sealed, standby = each.value.standby, http_status = each.value.health.http_status }
  when_none = "skip"
  when_none_message = "no node to check"
  rationale = "An uninitialized server can be initialized by whoever reaches it first, who then holds the unseal keys and the root token. A sealed node serves nothing; in a cluster it also reduces the failure tolerance."
  remediation = "Initialize new servers right away (vault operator init, keys to separate holders under PGP) and unseal sealed nodes; investigate why a node sealed (restart without auto-unseal, seal key unavailable)."
  references = [
    "https://developer.hashicorp.com/vault/api-docs/system/health",
    "https://developer.hashicorp.com/vault/docs/concepts/seal",
  ]
}

rule "api.audit-disabled" {
  title     = "At least one audit device is enabled"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["api"]
  api_paths = ["sys/audit read,sudo", "sys/config/state/sanitized read"]
  # A device seen anywhere (sys/audit, the running config, OpenBao's `audit` blocks of the
  # config file) settles it; without one, an unreadable sys/audit leaves it open.
  skip_if   = api.audit_devices.total == 0 && api.audit.state == "skip" ? api.audit.reason : null
  error_if  = api.audit_devices.total == 0 && api.audit.state != "ok" ? coalesce(api.audit.reason, "audit devices could not be read") : null
  condition = api.audit_devices.total > 0
  message   = "no audit device is enabled: requests to this server leave no trace"
  pass_message = "${api.audit_devices.total} audit device(s): ${join(", ", [for d in api.audit_devices.devices : "${d.path} (${d.type}, from ${d.source})"])}"
  evidence  = {
    from_api          = api.audit_devices.api_count
    from_running_config = api.audit_devices.config_count
    from_config_file  = api.audit_devices.file_count
    devices           = [for d in api.audit_devices.devices : { path = d.path, type = d.type, source = d.source }]
  }
  fix       = { action = "cli", vault_only = true, command = "audit enable -path=vaultsec-file file file_path=/var/log/vault/audit.log", risk = "once enabled, Vault refuses requests it cannot write to the log: the directory must exist, be writable by the service account, and be rotated" }
  rationale = "Audit devices are the only record of who did what in Vault. Without one, a leaked token's use, a policy change or a root token's creation cannot be traced."
  remediation = "Enable a file, syslog or socket audit device (Vault: vault audit enable file file_path=/var/log/vault/audit.log; OpenBao: an audit \"file\" block in the server config, then SIGHUP)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#enable-auditing",
    "https://openbao.org/docs/configuration/audit/",
    "NIST SP 800-53 AU-2, AU-12",
  ]
}

rule "api.audit-redundancy" {
  title     = "At least two audit devices are enabled"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  params    = { minimum = 2 }
  api_paths = ["sys/audit read,sudo", "sys/config/state/sanitized read"]
  skip_if   = api.audit_devices.total < params.minimum && api.audit.state == "skip" ? api.audit.reason : null
  error_if  = api.audit_devices.total < params.minimum && api.audit.state != "ok" ? coalesce(api.audit.reason, "audit devices could not be read") : null
  condition = api.audit_devices.total >= params.minimum
  message   = "${api.audit_devices.total} audit device(s), fewer than ${params.minimum}: if Vault can write to none of them it stops answering requests"
  pass_message = "${api.audit_devices.total} audit devices"
  evidence  = { devices = [for d in api.audit_devices.devices : { path = d.path, type = d.type }] }
  fix       = { action = "cli", vault_only = true, command = "audit enable -path=vaultsec-file-2 file file_path=/var/log/vault/audit-2.log", risk = "Vault refuses requests when no audit device can write: put this log on another disk than the first (change the path), writable by the service account, and rotate it" }
  rationale = "Vault refuses to serve a request it cannot audit: with a single device, a full disk or a dead syslog daemon takes the whole cluster down. A second device (another disk, or a socket/syslog target) keeps it serving."
  remediation = "Add a second audit device on independent storage or transport (e.g. a file device plus a syslog or socket device)."
  references = [
    "https://developer.hashicorp.com/vault/docs/audit#blocked-audit-devices",
    "NIST SP 800-53 AU-9",
  ]
}

rule "api.audit-siem" {
  title     = "An audit device ships logs off the host"
  severity  = "low"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/audit read,sudo", "sys/config/state/sanitized read"]
  skip_if   = length([for d in api.audit_devices.devices : d if contains(["syslog", "socket"], coalesce(d.type, ""))]) == 0 && api.audit.state == "skip" ? api.audit.reason : null
  error_if  = length([for d in api.audit_devices.devices : d if contains(["syslog", "socket"], coalesce(d.type, ""))]) == 0 && api.audit.state != "ok" ? coalesce(api.audit.reason, "audit devices could not be read") : null
  condition = length([for d in api.audit_devices.devices : d if contains(["syslog", "socket"], coalesce(d.type, ""))]) > 0
  message   = "no syslog or socket audit device: audit logs stay on the server (${length(api.audit_devices.devices) == 0 ? "no audit device at all" : join(", ", [for d in api.audit_devices.devices : "${d.path} (${d.type})"])})"
  pass_message = "shipped by ${join(", ", [for d in api.audit_devices.devices : d.path if contains(["syslog", "socket"], coalesce(d.type, ""))])}"
  evidence  = { devices = [for d in api.audit_devices.devices : { path = d.path, type = d.type }] }
  rationale = "An attacker with root on the node can edit a local audit file; logs streamed to a SIEM as they are written are out of reach and can be alerted on. (A file device tailed by a shipping agent also works: attest it under ops.siem-shipping.)"
  remediation = "Add a syslog or socket audit device that forwards to your SIEM, or ship the file device's log with an agent and waive this with that reason."
  references = [
    "https://developer.hashicorp.com/vault/docs/audit/socket",
    "https://developer.hashicorp.com/vault/docs/audit/syslog",
    "CIS Controls v8 8.9",
  ]
}

rule "api.audit-log-raw" {
  title     = "Audit devices hash secrets (no log_raw, hmac_accessor on)"
  severity  = "high"
  profile   = "baseline"
  sources   = ["api"]
  api_paths = ["sys/audit read,sudo"]
  for_each  = api.audit_devices.devices
  subject   = "audit device ${each.value.path}"
  skip_if   = each.value.source == "config" ? "the running configuration lists ${each.value.path} without its options; reading them needs sys/audit (${coalesce(api.audit.reason, "not read")})" : null
  condition = !each.value.log_raw && each.value.hmac_accessor
  message   = "audit device ${each.value.path} ${each.value.log_raw ? "has log_raw = true: tokens, secrets and passwords are written in clear text" : "has hmac_accessor = false: token accessors are written in clear text"}"
  pass_message = "secrets and accessors are HMAC-hashed"
  evidence  = { log_raw = each.value.log_raw, hmac_accessor = each.value.hmac_accessor, type = each.value.type }
  when_none = "skip"
  when_none_message = "no audit device to inspect (see api.audit-disabled)"
  rationale = "By default Vault HMACs secrets, tokens and accessors in audit entries. log_raw writes them in clear text, and hmac_accessor = false leaks accessors that can look up and revoke tokens: the audit log becomes a trove of credentials."
  remediation = "Disable and re-enable the device without log_raw (and without hmac_accessor = false); OpenBao: fix the audit block's options and send SIGHUP. Rotate what the clear-text log exposed."
  references = [
    "https://developer.hashicorp.com/vault/docs/audit#common-configuration-options",
    "NIST SP 800-53 AU-9",
  ]
}

rule "api.root-tokens" {
  title     = "No live root token"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["api"]
  params    = { concurrency = 8 }
  api_paths = ["auth/token/accessors list,sudo", "auth/token/lookup-accessor update", "sys/namespaces list"]
  requires  = [api.namespaces, api.root_token_hunt]
  # One subject per root token in any namespace; a namespace whose tokens could not be read is
  # a skipped subject; a single "none" subject when there is none, which can only pass if
  # every namespace was read and every accessor looked up.
  for_each  = concat(
    [for g in api.in_namespaces.tokens.gaps : merge(g, { none = false })],
    [for t in api.in_namespaces.tokens.root_tokens : merge(t, { none = false })],
    length(api.in_namespaces.tokens.root_tokens) + length(api.in_namespaces.tokens.gaps) == 0 ? [{ none = true, gap = false, accessor = null }] : [],
  )
  subject   = each.value.gap ? each.value.subject : (each.value.none ? null : "${each.value.ns_prefix}root token ${each.value.accessor}")
  skip_if   = each.value.gap ? (each.value.state == "skip" ? each.value.reason : null) : null
  error_if  = each.value.gap ? (each.value.state == "error" ? each.value.reason : null) : (each.value.none && api.in_namespaces.tokens.lookup_failures > 0 ? "${api.in_namespaces.tokens.lookup_failures} of ${api.in_namespaces.tokens.total_tokens} token lookups failed, so a root token may have been missed: ${join("; ", api.in_namespaces.tokens.failure_examples)}" : null)
  condition = each.value.none
  message   = "live root token${each.value.namespace != "" ? " in namespace ${each.value.namespace}" : ""}: accessor ${each.value.accessor}, display name ${coalesce(each.value.display_name, "-")}, created ${each.value.created_at == null ? "at an unknown time" : each.value.created_at} via ${coalesce(each.value.path, "unknown path")}${each.value.ttl == 0 ? ", never expires" : ""}${each.value.is_scan_token ? " (the token this scan used)" : ""}"
  pass_message = "no live token carries the root policy (${api.in_namespaces.tokens.looked_up} tokens looked up${api.in_namespaces.tokens.namespaces > 1 ? " in ${api.in_namespaces.tokens.namespaces} namespaces" : ""})"
  evidence  = each.value.none ? { tokens_looked_up = api.in_namespaces.tokens.looked_up } : { accessor = each.value.accessor, namespace = each.value.namespace, display_name = each.value.display_name, created_at = each.value.created_at, path = each.value.path, ttl = each.value.ttl, orphan = each.value.orphan, is_scan_token = each.value.is_scan_token }
  fix       = { action = "cli", command = "token revoke -accessor {accessor}", risk = "whatever still uses this root token stops working; generate a new one with operator generate-root when one is needed" }
  rationale = "A root token can do anything and, unless it was given a TTL, never expires. HashiCorp's guidance is to revoke the initial root token after setup and generate root tokens only for emergencies, revoking them right after."
  remediation = "Revoke it by accessor (vault token revoke -accessor <accessor>) once nothing depends on it; use narrowly-scoped policies for day-to-day work and vault operator generate-root only in an emergency."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#revoke-root-tokens",
    "https://developer.hashicorp.com/vault/docs/concepts/tokens#root-tokens",
    "NIST SP 800-53 AC-6(2)",
  ]
}

rule "api.scanner-token-root" {
  title     = "The scan does not run with a root token"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["auth/token/lookup-self read"]
  requires  = [api.token_self]
  condition = !api.token_self.data.is_root
  message   = "this scan ran with a root token (accessor ${coalesce(api.token_self.data.accessor, "-")}): use a token made from `vaultsec policy`"
  pass_message = "the scan token has policies ${join(", ", api.token_self.data.policies)}"
  evidence  = { accessor = api.token_self.data.accessor, policies = api.token_self.data.policies }
  rationale = "An audit scanner only reads. Running it with a root token puts an all-powerful credential in CI variables, cron jobs and shells, where it outlives the scan."
  remediation = "Create the least-privilege policy (vaultsec policy | vault policy write vaultsec-scan -) and a short-lived token from it, and revoke the root token."
  references = ["https://developer.hashicorp.com/vault/docs/concepts/policies", "NIST SP 800-53 AC-6"]
}

rule "api.tokens-no-expiry" {
  title     = "Non-root tokens expire"
  severity  = "low"
  profile   = "strict"
  sources   = ["api"]
  api_paths = ["auth/token/accessors list,sudo", "auth/token/lookup-accessor update", "sys/namespaces list"]
  requires  = [api.namespaces, api.root_token_hunt]
  # Periodic tokens without an explicit max TTL count too: renewed, they never expire. Every
  # namespace's tokens count; a namespace that could not be read leaves a pass open.
  skip_if   = api.in_namespaces.tokens.no_expiry.count + api.in_namespaces.tokens.periodic_unbounded.count == 0 && length(api.in_namespaces.tokens.gaps) > 0 && alltrue([for g in api.in_namespaces.tokens.gaps : g.state == "skip"]) ? join("; ", [for g in api.in_namespaces.tokens.gaps : g.reason]) : null
  error_if  = api.in_namespaces.tokens.no_expiry.count + api.in_namespaces.tokens.periodic_unbounded.count == 0 ? (length(api.in_namespaces.tokens.gaps) > 0 ? join("; ", [for g in api.in_namespaces.tokens.gaps : g.reason]) : (api.in_namespaces.tokens.lookup_failures > 0 ? "${api.in_namespaces.tokens.lookup_failures} of ${api.in_namespaces.tokens.total_tokens} token lookups failed" : null)) : null
  condition = api.in_namespaces.tokens.no_expiry.count + api.in_namespaces.tokens.periodic_unbounded.count == 0
  message   = "${api.in_namespaces.tokens.no_expiry.count + api.in_namespaces.tokens.periodic_unbounded.count} non-root token(s) never expire (${api.in_namespaces.tokens.no_expiry.count} without a TTL, ${api.in_namespaces.tokens.periodic_unbounded.count} periodic without an explicit max TTL), e.g. ${join(", ", [for t in concat(api.in_namespaces.tokens.no_expiry.examples, api.in_namespaces.tokens.periodic_unbounded.examples) : "${t.ns_prefix}${t.accessor} (${coalesce(t.display_name, "-")}, ${coalesce(t.path, "-")})"])}"
  pass_message = "every non-root token of ${api.in_namespaces.tokens.looked_up} has a TTL and a bound"
  evidence  = { without_ttl = api.in_namespaces.tokens.no_expiry.count, periodic_without_max_ttl = api.in_namespaces.tokens.periodic_unbounded.count, examples = [for t in concat(api.in_namespaces.tokens.no_expiry.examples, api.in_namespaces.tokens.periodic_unbounded.examples) : { accessor = t.accessor, namespace = t.namespace, display_name = t.display_name, path = t.path }] }
  rationale = "A token that never expires stays valid until someone revokes it: a leaked one is good for ever. A periodic token without an explicit max TTL is the same once something keeps renewing it."
  remediation = "Give tokens a TTL and an upper bound (token roles with token_explicit_max_ttl, auth method token_max_ttl; periodic tokens with -explicit-max-ttl) and revoke those that never expire."
  references = ["https://developer.hashicorp.com/vault/docs/concepts/tokens#token-time-to-live-periodic-tokens-and-explicit-max-ttls"]
}

rule "api.raft-quorum" {
  title     = "Integrated storage has an odd number (3+) of healthy voters"
  severity  = "high"
  profile   = "baseline"
  sources   = ["api"]
  api_paths = ["sys/storage/raft/configuration read", "sys/storage/raft/autopilot/state read"]
  skip_if   = (api.seal_status.data != null ? coalesce(api.seal_status.data.storage_type, "raft") : "raft") != "raft" ? "storage is ${api.seal_status.data.storage_type}, not integrated storage (raft): no quorum to check" : (api.raft_configuration.state == "skip" ? api.raft_configuration.reason : (api.autopilot.state == "skip" ? api.autopilot.reason : null))
  error_if  = api.raft_configuration.state == "error" ? api.raft_configuration.reason : (api.autopilot.state == "error" ? api.autopilot.reason : null)
  condition = api.raft_configuration.data.voters >= 3 && api.raft_configuration.data.voters % 2 == 1 && api.autopilot.data.healthy == true
  message   = join("; ", compact([
    api.raft_configuration.data.voters < 3 ? "${api.raft_configuration.data.voters} voter(s): losing one node loses quorum" : "",
    api.raft_configuration.data.voters % 2 == 0 ? "${api.raft_configuration.data.voters} voters (an even number tolerates no more failures than one voter less)" : "",
    api.autopilot.data.healthy != true ? "autopilot reports the cluster unhealthy (failure tolerance ${coalesce(api.autopilot.data.failure_tolerance, "unknown")}; unhealthy: ${join(", ", [for s in api.autopilot.data.servers : s.id if s.healthy != true])})" : "",
  ]))
  pass_message = "${api.raft_configuration.data.voters} voters, autopilot healthy (failure tolerance ${api.autopilot.data.failure_tolerance})"
  evidence  = { voters = api.raft_configuration.data.voters, non_voters = api.raft_configuration.data.non_voters, servers = [for s in api.raft_configuration.data.servers : { node_id = s.node_id, voter = s.voter, leader = s.leader }], autopilot_healthy = api.autopilot.data.healthy, failure_tolerance = api.autopilot.data.failure_tolerance }
  rationale = "Raft needs a majority of voters to commit writes. With fewer than three voters a single failure stops the cluster; an even number adds a node without adding tolerance; an unhealthy autopilot means a failure tolerance already used up."
  remediation = "Run 3 or 5 voting nodes across failure domains (vault operator raft list-peers), and fix or remove unhealthy peers (vault operator raft autopilot state)."
  references = [
    "https://developer.hashicorp.com/vault/docs/internals/integrated-storage#quorum-size-and-failure-tolerance",
    "https://developer.hashicorp.com/vault/docs/concepts/integrated-storage/autopilot",
  ]
}

rule "api.version-skew" {
  title     = "Cluster nodes run the same version"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/ha-status read"]
  # Versions of every node: cluster mode asks each node; otherwise sys/ha-status reports them.
  skip_if   = api.cluster.enabled && api.cluster.state == "ok" ? (length(api.cluster.nodes) < 2 ? "a single node: no version skew possible" : null) : (api.ha_status.state == "skip" ? api.ha_status.reason : (api.ha_status.state == "ok" ? (length(api.ha_status.data.nodes) < 2 ? "a single node (no HA cluster): no version skew possible" : null) : null))
  error_if  = api.cluster.enabled && api.cluster.state == "error" ? api.cluster.reason : (!(api.cluster.enabled && api.cluster.state == "ok") && api.ha_status.state == "error" ? api.ha_status.reason : null)
  condition = length(distinct(compact(api.cluster.enabled && api.cluster.state == "ok" ? [for n in api.cluster.nodes : coalesce(n.version, "")] : [for n in api.ha_status.data.nodes : coalesce(n.version, "")]))) <= 1
  message   = "nodes report different versions: ${join(", ", api.cluster.enabled && api.cluster.state == "ok" ? [for n in api.cluster.nodes : "${n.api_address} ${coalesce(n.version, "?")}"] : [for n in api.ha_status.data.nodes : "${coalesce(n.api_address, n.hostname, "?")} ${coalesce(n.version, "?")}"])}"
  pass_message = "every node runs ${join(", ", distinct(compact(api.cluster.enabled && api.cluster.state == "ok" ? [for n in api.cluster.nodes : coalesce(n.version, "")] : [for n in api.ha_status.data.nodes : coalesce(n.version, "")])))}"
  evidence  = { nodes = api.cluster.enabled && api.cluster.state == "ok" ? [for n in api.cluster.nodes : { node = n.api_address, version = n.version }] : [for n in api.ha_status.data.nodes : { node = n.api_address, version = n.version }] }
  rationale = "Mixed versions are meant only for the length of a rolling upgrade: a forgotten node keeps its vulnerabilities, and the active node may move to a version the others cannot follow."
  remediation = "Finish the upgrade: bring every node to the same version (standbys first, then the active node)."
  references = ["https://developer.hashicorp.com/vault/docs/upgrading#ha-installations"]
}

rule "api.version-outdated" {
  title     = "The server version fixes the known security advisories"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  # minimum: your own floor, above the advisories' (e.g. --set api.version-outdated.minimum=2.8.0).
  params    = { minimum = "" }
  for_each  = api.nodes
  subject   = each.value.subject
  skip_if   = each.value.version == null ? "${each.value.api_address} did not report its version" : (api.product == null ? "product not recognised from the API" : null)
  condition = !version_lt(each.value.version, params.minimum != "" ? params.minimum : data.minimum_versions[api.product].version)
  message   = params.minimum != "" ? "${each.value.api_address} runs ${api.product} ${each.value.version}, below the required ${params.minimum}" : "${each.value.api_address} runs ${api.product} ${each.value.version}, below ${data.minimum_versions[api.product].version}, which fixes ${data.minimum_versions[api.product].advisory}"
  pass_message = "${api.product} ${each.value.version} (minimum ${params.minimum != "" ? params.minimum : data.minimum_versions[api.product].version})"
  evidence  = { version = each.value.version, product = api.product, minimum = params.minimum != "" ? params.minimum : data.minimum_versions[api.product].version, advisory = data.minimum_versions[api.product].advisory }
  when_none = "skip"
  when_none_message = "no node to check"
  rationale = "Vault and OpenBao fix vulnerabilities only in new releases; a server below the fixed version stays exposed."
  remediation = "Upgrade to the latest patch release of a supported series (at least the minimum shown)."
  references = [
    "https://discuss.hashicorp.com/c/security",
    "https://github.com/openbao/openbao/security/advisories",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#frequently-upgrade",
  ]
}

rule "api.user-lockout-disabled" {
  title     = "User lockout is on for userpass, ldap and approle mounts"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/auth read", "sys/auth/+/tune read,sudo", "sys/namespaces list", "sys/config/state/sanitized read"]
  requires  = [api.namespaces, api.auth]
  # Vault's precedence: the mount's own tuning, else the config's user_lockout block for the
  # mount type, else user_lockout "all", else lockout on. The API shows per-mount overrides in
  # the tuning and the running config's blocks (already resolved per type) in
  # sys/config/state/sanitized; the config file's blocks are read when the config source is on
  # (what the next restart applies). Either one disabling lockout fails; seeing neither is
  # not a pass.
  # The config's blocks apply to the mounts of every namespace.
  for_each = [
    for m in api.in_namespaces.auth_mounts : m.gap ? m : merge(m, {
      from_type = config == null ? [] : [for l in config.user_lockouts : vault_bool(lookup(l.raw, "disable_lockout", false)) if l.type == m.type]
      from_all  = config == null ? [] : [for l in config.user_lockouts : vault_bool(lookup(l.raw, "disable_lockout", false)) if l.type == "all"]
      run_type  = api.config_sanitized.state != "ok" ? [] : [for l in coalesce(lookup(api.config_sanitized.data, "user_lockout_configs", null), []) : vault_bool(lookup(l, "disable_lockout", false)) if l.type == m.type]
      run_all   = api.config_sanitized.state != "ok" ? [] : [for l in coalesce(lookup(api.config_sanitized.data, "user_lockout_configs", null), []) : vault_bool(lookup(l, "disable_lockout", false)) if l.type == "all"]
    })
  ]
  subject   = each.value.gap ? each.value.subject : "${each.value.ns_prefix}auth mount ${each.value.path}"
  skip_if   = each.value.gap ? (each.value.state == "skip" ? each.value.reason : null) : (each.value.lockout_source == null && each.value.tune != null && each.value.tune.state == "skip" ? each.value.tune.reason : (each.value.lockout_source == null && config == null && api.config_sanitized.state == "skip" ? "the user_lockout configuration was not seen (no config source): ${api.config_sanitized.reason}" : null))
  error_if  = each.value.gap ? (each.value.state == "error" ? each.value.reason : null) : (each.value.lockout_source == null && each.value.tune != null && each.value.tune.state == "error" ? each.value.tune.reason : (each.value.lockout_source == null && config == null && api.config_sanitized.state != "ok" ? "the user_lockout configuration was not seen (no config source): ${coalesce(api.config_sanitized.reason, "sys/config/state/sanitized unreadable")}" : null))
  condition = (each.value.lockout_source != null ? each.value.lockout_disabled : ((length(each.value.run_type) > 0 ? each.value.run_type[length(each.value.run_type) - 1] : (length(each.value.run_all) > 0 ? each.value.run_all[length(each.value.run_all) - 1] : false)) || (length(each.value.from_type) > 0 ? each.value.from_type[length(each.value.from_type) - 1] : (length(each.value.from_all) > 0 ? each.value.from_all[length(each.value.from_all) - 1] : false)))) != true
  message   = "${each.value.ns_prefix}${each.value.type} mount ${each.value.path} has user lockout disabled (${each.value.lockout_source != null ? "the mount's own tuning" : ((length(each.value.run_type) > 0 ? each.value.run_type[length(each.value.run_type) - 1] : (length(each.value.run_all) > 0 ? each.value.run_all[length(each.value.run_all) - 1] : false)) ? "the running configuration's user_lockout blocks, sys/config/state/sanitized" : (length(each.value.from_type) > 0 ? "user_lockout \"${each.value.type}\" in the config" : "user_lockout \"all\" in the config"))}): passwords and secret IDs can be guessed without limit"
  pass_message = each.value.lockout_source != null ? "lockout on (threshold ${coalesce(each.value.tune.data.threshold, "default")})" : (length(each.value.from_type) + length(each.value.from_all) + length(each.value.run_type) + length(each.value.run_all) > 0 ? "lockout on (the ${config == null ? "running" : "running and file"} configuration's user_lockout blocks)" : "no per-mount override and no user_lockout block${config == null ? " in the running configuration" : ""}: lockout is on by default")
  evidence  = {
    type             = each.value.type
    mount_override   = each.value.lockout_source != null ? each.value.lockout_disabled : null
    config_by_type   = length(each.value.from_type) > 0 ? each.value.from_type[length(each.value.from_type) - 1] : null
    config_all       = length(each.value.from_all) > 0 ? each.value.from_all[length(each.value.from_all) - 1] : null
    running_config   = each.value.gap ? null : (length(each.value.run_type) > 0 ? each.value.run_type[length(each.value.run_type) - 1] : (length(each.value.run_all) > 0 ? each.value.run_all[length(each.value.run_all) - 1] : null))
  }
  when_none = "pass"
  when_none_message = "no userpass, ldap or approle mount"
  fix       = { action = "cli", command = "auth tune -user-lockout-disable=false {mount}", risk = "a user or AppRole that fails to log in repeatedly is locked out for the lockout duration" }
  rationale = "User lockout (Vault 1.13+, OpenBao) blocks an account after repeated failed logins, which stops online guessing of passwords and AppRole secret IDs."
  remediation = "Remove the override: vault auth tune -user-lockout-disable=false <mount>, and do not set disable_lockout in a user_lockout block (or VAULT_DISABLE_USER_LOCKOUT in the service environment)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/user-lockout",
    "https://developer.hashicorp.com/vault/docs/configuration/user-lockout",
    "NIST SP 800-53 AC-7",
  ]
}

rule "api.metrics-unauthenticated" {
  title     = "Metrics need a token"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  requires  = [api.metrics_unauthenticated]
  condition = !api.metrics_unauthenticated.data.accessible
  message   = "GET /v1/sys/metrics answers without a token: anyone who reaches the listener reads request rates, mount and token counts, lease figures"
  pass_message = "sys/metrics refuses callers without a token (HTTP ${api.metrics_unauthenticated.http_status})"
  evidence  = { http_status = api.metrics_unauthenticated.http_status }
  rationale = "Metrics reveal usage patterns, mount paths and cluster health to an unauthenticated caller, which helps reconnaissance. (Dev mode always serves them.)"
  remediation = "Set unauthenticated_metrics_access = false in the listener's telemetry block and give the metrics collector a token with read on sys/metrics."
  references = ["https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#unauthenticated_metrics_access"]
}

rule "api.kv-v1" {
  title     = "KV mounts keep versions (KV v2)"
  severity  = "low"
  profile   = "strict"
  sources   = ["api"]
  api_paths = ["sys/mounts read", "sys/namespaces list"]
  requires  = [api.namespaces, api.mounts]
  for_each  = api.in_namespaces.kv_mounts
  subject   = each.value.gap ? each.value.subject : "${each.value.ns_prefix}mount ${each.value.path}"
  skip_if   = each.value.gap ? (each.value.state == "skip" ? each.value.reason : null) : null
  error_if  = each.value.gap ? (each.value.state == "error" ? each.value.reason : null) : null
  condition = each.value.kv_version == 2
  message   = "${each.value.ns_prefix}KV mount ${each.value.path} is version 1: an overwrite or delete loses the secret for good"
  pass_message = "KV version 2"
  evidence  = { type = each.value.type, version = each.value.kv_version }
  when_none = "pass"
  when_none_message = "no KV mount"
  rationale = "KV v2 keeps previous versions and soft-deletes, so a secret overwritten by mistake or by an attacker can be recovered; v1 keeps nothing."
  remediation = "Upgrade the mount: vault kv enable-versioning <path> (plan it: the mount is unavailable while it upgrades, and clients switch to the data/ paths)."
  references = ["https://developer.hashicorp.com/vault/docs/secrets/kv/kv-v2#upgrading-from-version-1"]
}

rule "api.policy-overbroad" {
  title     = "ACL policies grant neither sudo nor wildcard access"
  severity  = "high"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/policies/acl list", "sys/policies/acl/* read", "sys/namespaces list"]
  requires  = [api.namespaces, api.policies]
  # Every namespace's policies (`root` has no text and is not listed).
  for_each  = api.in_namespaces.policies
  subject   = each.value.gap ? each.value.subject : "${each.value.ns_prefix}policy ${each.value.name}"
  skip_if   = each.value.state == "skip" ? each.value.reason : null
  error_if  = each.value.state == "error" ? each.value.reason : (each.value.parse_error != null ? "cannot parse policy ${each.value.name}: ${each.value.parse_error}" : null)
  # The vaultsec scan policy needs sudo where Vault demands it for reads; a policy that grants
  # nothing beyond it (matched on content, not name) is exempt.
  condition = !each.value.overbroad || each.value.scanner_policy
  message   = "${each.value.ns_prefix}policy ${each.value.name} grants ${join(" and ", compact([length(each.value.sudo_paths) > 0 ? "sudo on ${join(", ", each.value.sudo_paths)}" : "", length(each.value.broad_paths) > 0 ? "capabilities on ${join(", ", each.value.broad_paths)}" : ""]))}"
  pass_message = each.value.overbroad ? "grants no more than the vaultsec scan policy (sudo only on the read paths Vault protects)" : "no sudo, no wildcard path"
  evidence  = { sudo_paths = each.value.sudo_paths, broad_paths = each.value.broad_paths, scanner_policy = each.value.scanner_policy }
  when_none = "pass"
  when_none_message = "no ACL policy besides root"
  rationale = "sudo opens root-protected paths (seal, audit, raw storage, token accessors); a capability on *, +/* or sys/* covers every mount, including ones added later. Either makes the policy a near-root credential."
  remediation = "Replace wildcards with the exact paths each client needs, and grant sudo only on the specific paths and to the few operators who need it."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/policies#root-protected-api-endpoints",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#minimal-write-privileges",
    "NIST SP 800-53 AC-6",
  ]
}

rule "api.cors-wildcard" {
  title     = "CORS does not admit any origin"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/config/cors read,sudo"]
  requires  = [api.cors]
  condition = !api.cors.data.wildcard
  message   = "CORS is enabled for any origin (*): any web page a logged-in operator visits can call this server's API from the browser"
  pass_message = api.cors.data.enabled == true ? "CORS enabled for ${join(", ", api.cors.data.allowed_origins)}" : "CORS disabled"
  evidence  = { enabled = api.cors.data.enabled, allowed_origins = api.cors.data.allowed_origins }
  rationale = "With allowed_origins = *, scripts on any site can make cross-origin requests to Vault with a token the browser holds (the UI stores one), turning cross-site scripting anywhere into Vault access."
  remediation = "Set the exact origins that need the API (vault write sys/config/cors allowed_origins=https://ui.example.com) or disable CORS."
  references = ["https://developer.hashicorp.com/vault/api-docs/system/config-cors"]
}

rule "api.clock-skew" {
  title     = "The server clock is in sync"
  severity  = "low"
  profile   = "production"
  sources   = ["api"]
  params    = { seconds = 5 }
  requires  = [api.health]
  skip_if   = api.health.data.clock_skew_seconds == null ? "sys/health reports no server_time_utc" : null
  condition = abs(api.health.data.clock_skew_seconds) <= params.seconds
  message   = "the server clock is ${abs(api.health.data.clock_skew_seconds)} s ${api.health.data.clock_skew_seconds > 0 ? "ahead of" : "behind"} this scanner's (more than ${params.seconds} s)"
  pass_message = "off by ${abs(api.health.data.clock_skew_seconds)} s"
  evidence  = { server_time_utc = api.health.data.server_time_utc, scanner_time_utc = api.health.data.scanner_time_utc, skew_seconds = api.health.data.clock_skew_seconds }
  rationale = "Token and lease expiry, certificate validity, TOTP and JWT checks all depend on the clock; a skewed node expires credentials too early or accepts them too long. (The scanner's own clock is the reference: run it on a synchronised host.)"
  remediation = "Run time synchronisation (chrony or systemd-timesyncd) on every node."
  references = ["NIST SP 800-53 AU-8"]
}

rule "api.running-config-drift" {
  title     = "The running configuration matches the file on disk"
  severity  = "medium"
  profile   = "production"
  sources   = ["api"]
  api_paths = ["sys/config/state/sanitized read"]
  requires  = [api.running_config_drift]
  condition = length(api.running_config_drift.data.differences) == 0
  message   = "the running configuration differs from the file in: ${join("; ", [for d in api.running_config_drift.data.differences : "${d.key} (file ${jsonencode(d.file)}, running ${jsonencode(d.running)})"])}"
  pass_message = "running configuration matches the file in the security-relevant keys"
  evidence  = { differences = api.running_config_drift.data.differences, compared = api.running_config_drift.data.compared }
  rationale = "A config file that differs from what runs (or a certificate renewed on disk that the listener still does not serve) means a restart or SIGHUP is pending (and will change behaviour when it comes), or the file audited is not the one the server uses: the config checks then judge the wrong thing."
  remediation = "Restart (or SIGHUP, for the settings it reloads) during a maintenance window, or fix the file so that it says what should run; make sure the scan reads the server's real -config."
  references = ["https://developer.hashicorp.com/vault/api-docs/system/config-state"]
}

rule "tls.live-legacy-protocol" {
  title     = "The live listener refuses TLS 1.0 and 1.1"
  severity  = "high"
  profile   = "baseline"
  sources   = ["api"]
  # The probes talk TLS only: they work even when the API client could not verify the server.
  any_source = true
  for_each  = tls == null ? [] : tls.live
  subject   = each.value.subject
  error_if  = !anytrue([for p in each.value.legacy_protocols : p.outcome == "accepted"]) && anytrue([for p in each.value.legacy_protocols : p.outcome == "error"]) ? "cannot tell: ${join("; ", [for p in each.value.legacy_protocols : "${p.version}: ${p.detail}" if p.outcome == "error"])}" : null
  condition = !anytrue([for p in each.value.legacy_protocols : p.outcome == "accepted"])
  message   = "${each.value.addr} accepts ${join(" and ", [for p in each.value.legacy_protocols : "${p.version} (${coalesce(p.cipher_suite, "?")})" if p.outcome == "accepted"])}"
  pass_message = "refuses ${join(" and ", [for p in each.value.legacy_protocols : p.version])}"
  evidence  = { probes = [for p in each.value.legacy_protocols : { version = p.version, outcome = p.outcome, detail = p.detail }] }
  when_none = "skip"
  when_none_message = "no live TLS listener: the API address is not https"
  rationale = "TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and CBC constructions with known attacks. A listener that still accepts them lets a client, or a downgrading attacker, use them."
  remediation = "Set tls_min_version = \"tls12\" (the default) or \"tls13\" on the listener, and make sure no load balancer in front of Vault terminates TLS with older versions."
  references = [
    "https://www.rfc-editor.org/rfc/rfc8996",
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_min_version",
    "NIST SP 800-52r2",
  ]
}

rule "tls.live-chain-untrusted" {
  title     = "The chain the live listener serves is trusted"
  severity  = "high"
  profile   = "baseline"
  sources   = ["api"]
  # The inspection talks TLS only: it works even when the API client refused the server.
  any_source = true
  for_each  = tls == null ? [] : tls.live
  subject   = each.value.subject
  # A CA bundle without a certificate, no system roots or an unusable name are the scan's
  # inputs, not the server's fault: the rule cannot judge.
  error_if  = each.value.state != "ok" ? "cannot inspect the live listener ${each.value.addr}: ${coalesce(each.value.reason, "no chain")}" : (contains(["ca_invalid", "no_system_roots", "invalid_server_name"], coalesce(each.value.trust.error_kind, "none")) ? "cannot verify the chain of ${each.value.addr}: ${each.value.trust.reason}" : null)
  # A chain that is trusted but names another host is tls.cert-hostname's finding.
  condition = each.value.trust.verified || each.value.trust.error_kind == "name_mismatch"
  message   = "the chain ${each.value.addr} serves does not verify against ${each.value.trust.roots == "ca_file" ? "the CA the scan was given (--ca-cert/VAULT_CACERT)" : "the system roots"}: ${each.value.trust.reason}"
  pass_message = "chains to ${each.value.trust.roots == "ca_file" ? "the CA the scan was given" : "the system roots"}"
  evidence  = {
    roots       = each.value.trust.roots
    error_kind  = each.value.trust.error_kind
    server_name = each.value.server_name
  }
  when_none = "skip"
  when_none_message = "no live TLS listener: the API address is not https"
  rationale = "A listener whose chain does not lead to a CA its clients trust forces them to VAULT_SKIP_VERIFY or to pinning, which removes TLS's protection against impersonation; a missing intermediate breaks clients that do not fetch it."
  remediation = "Serve the full chain (leaf, then intermediates) issued by a CA the clients trust, and give the scan that CA (--ca-cert or VAULT_CACERT)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#end-to-end-tls",
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_cert_file",
    "NIST SP 800-53 SC-8, SC-17",
  ]
}

rule "api.unseal-threshold" {
  title     = "Unsealing takes more than one key holder"
  severity  = "high"
  profile   = "baseline"
  sources   = ["api"]
  requires  = [api.seal_status]
  # With auto-unseal, seal-status shows the recovery keys' shares and threshold (recovery_seal).
  skip_if   = (api.seal_status.data.initialized == false ? "the server is not initialized: no key shares exist yet" :
    (coalesce(api.seal_status.data.n, 0) == 0 ? (api.seal_status.data.recovery_seal == true ? "the ${coalesce(api.seal_status.data.seal_type, "auto-unseal")} seal shows no recovery key shares in sys/seal-status" : "sys/seal-status shows no key shares") : null))
  condition = api.seal_status.data.t > 1 && api.seal_status.data.n >= 3
  message   = "${api.seal_status.data.recovery_seal == true ? "recovery keys of the ${api.seal_status.data.seal_type} seal" : "Shamir unseal keys"}: threshold ${api.seal_status.data.t} of ${api.seal_status.data.n} shares: ${api.seal_status.data.t <= 1 ? "one key holder alone can ${api.seal_status.data.recovery_seal == true ? "authorise root-token generation and rekey" : "unseal"}" : "fewer than 3 shares leaves no holder to spare"}"
  pass_message = "${api.seal_status.data.recovery_seal == true ? "recovery keys" : "unseal keys"}: threshold ${api.seal_status.data.t} of ${api.seal_status.data.n} shares"
  evidence  = {
    seal_type     = api.seal_status.data.seal_type
    recovery_seal = api.seal_status.data.recovery_seal
    threshold     = api.seal_status.data.t
    shares        = api.seal_status.data.n
  }
  rationale = "Shamir's scheme exists so that no single person can unseal the barrier (or, with auto-unseal, authorise a root token or a rekey with the recovery keys). A threshold of 1 hands that power to whoever holds any one share; fewer than 3 shares means losing one holder can lock the cluster out or leaves no quorum of distinct people."
  remediation = "Rekey (vault/bao operator rekey -init -key-shares=5 -key-threshold=3, or -target=recovery for auto-unseal recovery keys) and hand each share to a different person, PGP-encrypted."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/seal#shamir-seals",
    "https://developer.hashicorp.com/vault/docs/commands/operator/rekey",
    "NIST SP 800-53 AC-5, SC-12",
  ]
}

rule "api.privileged-token-ttl" {
  title     = "Privileged tokens are short-lived"
  severity  = "high"
  profile   = "production"
  sources   = ["api"]
  params    = { max_hours = 24 }
  api_paths = ["auth/token/accessors list,sudo", "auth/token/lookup-accessor update", "sys/policies/acl list", "sys/policies/acl/* read"]
  requires  = [api.root_token_hunt, api.policies]
  # The facts mark each token's privileged policies with api.policy-overbroad's judgement
  # (over-broad, except the scan policy); root tokens are api.root-tokens' concern. One
  # subject per such token; a single "none" subject when there is none (as api.root-tokens).
  for_each  = length(api.root_token_hunt.data.policy_tokens) > 0 ? [for t in api.root_token_hunt.data.policy_tokens : merge(t, { none = false })] : [{ none = true }]
  subject   = each.value.none ? null : "token ${each.value.accessor}"
  error_if  = each.value.none && api.root_token_hunt.data.lookup_failures > 0 ? "${api.root_token_hunt.data.lookup_failures} of ${api.root_token_hunt.data.total_tokens} token lookups failed, so a privileged token may have been missed: ${join("; ", api.root_token_hunt.data.failure_examples)}" : null
  skip_if   = each.value.none ? null : (length(each.value.privileged_policies) == 0 ? "cannot judge policy ${join(", ", each.value.unjudged_policies)} of this token (see api.policy-overbroad)" : null)
  condition = each.value.none ? true : (coalesce(each.value.ttl, 0) > 0 && coalesce(each.value.ttl, 0) <= params.max_hours * 3600)
  message   = "token ${each.value.accessor} (${coalesce(each.value.display_name, "-")}, via ${coalesce(each.value.path, "unknown path")}) holds over-broad ${join(", ", each.value.privileged_policies)} (policies ${join(", ", each.value.policies)}) and ${coalesce(each.value.ttl, 0) == 0 ? "never expires" : "lives ${floor(each.value.ttl / 3600)}h more, until ${coalesce(each.value.expire_time, "?")}"} (more than ${params.max_hours}h)${each.value.is_scan_token ? " (the token this scan used)" : ""}"
  pass_message = each.value.none ? "no live non-root token holds an over-broad policy (${api.root_token_hunt.data.looked_up} tokens looked up)" : "expires within ${params.max_hours}h (${coalesce(each.value.expire_time, "?")})"
  evidence  = each.value.none ? { tokens_looked_up = api.root_token_hunt.data.looked_up } : {
    accessor            = each.value.accessor
    display_name        = each.value.display_name
    path                = each.value.path
    policies            = each.value.policies
    privileged_policies = each.value.privileged_policies
    ttl_seconds         = each.value.ttl
    expire_time         = each.value.expire_time
    is_scan_token       = each.value.is_scan_token
  }
  rationale = "A token with sudo or wildcard access is nearly root; the longer it lives, the longer a leaked copy (a CI log, a shell history, a laptop) stays usable. Privileged work should use tokens that expire within the working day."
  remediation = "Revoke it by accessor (vault token revoke -accessor <accessor>) and issue privileged tokens with a short TTL (-ttl=1h, or explicit_max_ttl on the role), or narrow the policy."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-time-to-live-periodic-tokens-and-explicit-max-ttls",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#minimal-write-privileges",
    "NIST SP 800-53 AC-6, AC-12",
  ]
}
