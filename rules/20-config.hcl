# Server configuration (source: config).
# Facts: config.<top-level key> decoded with Vault's defaults, config.storage, config.seals[],
# config.keys[], config.duplicates[], config.secrets[], config.merge_conflicts[],
# config.product_hints[], config.product_incompatible[]; scan.product = {name, detected_from}
# with name vault, openbao or unknown.

rule "storage.inmem" {
  title     = "Storage is persistent"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["config"]
  skip_if   = config.storage == null ? "no storage block in the configuration" : null
  condition = config.storage.type != "inmem"
  message   = "storage is inmem: every secret is lost when the server stops"
  pass_message = "storage is ${config.storage.type}"
  location  = config.storage.loc
  evidence  = { type = config.storage.type }
  rationale = "The inmem backend keeps everything in memory. It is for development and tests only."
  remediation = "Use integrated storage: storage \"raft\" { path = \"/opt/vault/data\" node_id = \"...\" }."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/storage/in-memory",
    "NIST SP 800-53 CP-9",
  ]
}

rule "storage.not-integrated" {
  title     = "Storage is integrated storage (raft)"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  skip_if   = config.storage == null ? "no storage block in the configuration" : null
  condition = config.storage.type == "raft"
  message   = "storage is ${config.storage.type}, not integrated storage (raft)${config.storage.type == "file" ? ": file storage gives no high availability" : ""}"
  pass_message = "integrated storage (raft)"
  location  = config.storage.loc
  evidence  = { type = config.storage.type, ha_storage = config.ha_storage == null ? null : config.ha_storage.type }
  rationale = "HashiCorp recommends integrated storage: no external system to secure and operate, built-in HA, snapshots and autopilot. OpenBao keeps only raft, postgresql, file and inmem."
  remediation = "Migrate to storage \"raft\" (vault operator migrate)."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/storage/raft",
    "https://developer.hashicorp.com/vault/docs/commands/operator/migrate",
  ]
}

rule "storage.raft-node-id" {
  title     = "Raft storage has an explicit node_id"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  skip_if   = config.storage == null ? "no storage block in the configuration" : (config.storage.type != "raft" ? "storage is ${config.storage.type}, not raft" : null)
  condition = config.storage.node_id == null ? false : trimspace(config.storage.node_id) != ""
  message   = "raft storage has no node_id: a random id is generated, and a rebuilt node rejoins as a stranger (unless VAULT_RAFT_NODE_ID is set)"
  pass_message = "node_id = ${config.storage.node_id}"
  location  = config.storage.loc
  evidence  = { node_id = config.storage.node_id }
  rationale = "A stable node_id makes raft peers, autopilot state and logs readable and lets a node be replaced cleanly."
  remediation = "Set node_id in the raft stanza (or VAULT_RAFT_NODE_ID / BAO_RAFT_NODE_ID in the service environment)."
  references = ["https://developer.hashicorp.com/vault/docs/configuration/storage/raft#node_id"]
}

rule "seal.inline-credentials" {
  title     = "Seal blocks hold no clear-text credentials"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["config"]
  for_each  = config.seals
  subject   = "seal \"${each.value.type}\""
  condition = length([for s in each.value.secrets : s if s.value_kind == "literal"]) == 0
  message   = "seal \"${each.value.type}\" holds ${join(", ", distinct([for s in each.value.secrets : s.key if s.value_kind == "literal"]))} in clear text"
  pass_message = "no credential in the seal block"
  location  = length([for s in each.value.secrets : s if s.value_kind == "literal"]) > 0 ? [for s in each.value.secrets : s if s.value_kind == "literal"][0] : each.value.loc
  evidence  = { keys = distinct([for s in each.value.secrets : s.key if s.value_kind == "literal"]), kinds = distinct([for s in each.value.secrets : s.kind if s.value_kind == "literal"]) }
  when_none = "pass"
  when_none_message = "no seal block (Shamir seal)"
  when_none_evidence = { seal = "shamir (no seal block)", files = config.files }
  rationale = "Seal credentials (KMS keys, HSM PINs, transit tokens) protect the root key. In the config file they are readable by anyone who can read the file or its backups; HashiCorp recommends environment variables or instance identity instead."
  remediation = "Remove the credential from the seal block and supply it through the environment (AWS_ACCESS_KEY_ID, VAULT_TRANSIT_SEAL_TOKEN, VAULT_HSM_PIN / BAO_HSM_PIN…), instance identity, or OpenBao's env:// and file:// references."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#no-clear-text-credentials",
    "https://developer.hashicorp.com/vault/docs/configuration/seal",
    "NIST SP 800-53 IA-5(7); CIS Controls v8 3.11",
  ]
}

rule "config.inline-secrets" {
  title     = "No clear-text secrets outside seal blocks"
  severity  = "high"
  profile   = "baseline"
  sources   = ["config"]
  for_each  = [for s in config.secrets : s if !contains(["seal", "kms", "hsm"], s.section) && s.value_kind == "literal"]
  subject   = each.value.qualified
  condition = false
  message   = "${each.value.qualified}: a ${each.value.kind} in clear text"
  location  = each.value
  evidence  = { key = each.value.key, kind = each.value.kind }
  when_none = "pass"
  when_none_message = "no clear-text secret outside seal blocks"
  when_none_evidence = { keys_checked = length(config.keys), files = config.files }
  rationale = "Storage passwords, Consul tokens and telemetry API tokens in the config file are readable by anyone who can read the file, its backups or configuration management."
  remediation = "Move the secret to the service environment (EnvironmentFile with mode 0600) or the backend's own credential mechanism."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#no-clear-text-credentials",
    "NIST SP 800-53 IA-5(7)",
  ]
}

rule "memory.mlock-disabled" {
  title     = "mlock stays on unless integrated storage is used"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  products  = ["vault"]
  skip_if   = config.disable_mlock && config.storage == null ? "no storage block in the configuration to judge disable_mlock by" : null
  condition = config.disable_mlock ? config.storage.type == "raft" : true
  message   = "disable_mlock = true with ${config.storage.type} storage: secrets in memory can be swapped to disk"
  pass_message = config.disable_mlock ? "mlock disabled with integrated storage, as HashiCorp recommends (keep swap off)" : (scan.product.name != "unknown" ? "mlock is on" : (lookup(config.raw, "disable_mlock", null) != null ? "mlock is on if this is Vault; OpenBao would refuse to start with disable_mlock = false (see config.product-incompatible; say which with --product)" : "mlock is on if this is Vault (the product is unknown; OpenBao has no mlock)"))
  location  = lookup(config.at, "disable_mlock", null)
  evidence  = { disable_mlock = config.disable_mlock, storage = config.storage == null ? null : config.storage.type }
  rationale = "mlock keeps Vault's memory out of swap. With integrated storage HashiCorp recommends disabling it (raft's memory-mapped files do not mix with mlock) and turning swap off instead; with other backends it should stay on. OpenBao removed mlock altogether."
  remediation = "Remove disable_mlock (and give Vault CAP_IPC_LOCK), or move to integrated storage and disable swap."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#disable_mlock",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-swap",
  ]
}

rule "config.product-incompatible" {
  title     = "The config holds nothing its product refuses at start-up"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["config"]
  # Settings one product refuses and the other accepts, judged per file as the server parses it.
  for_each  = config.product_incompatible
  subject   = each.value.qualified
  skip_if   = scan.product.name == "unknown" ? "${each.value.qualified} = ${jsonencode(each.value.value)}: OpenBao would refuse to start, Vault accepts it, and the product is unknown (${scan.product.detected_from}); say which with --product vault or --product openbao" : null
  condition = scan.product.name != each.value.product
  message   = "${each.value.qualified} = ${jsonencode(each.value.value)}: OpenBao would refuse to start: ${each.value.reason}"
  pass_message = "${each.value.qualified} = ${jsonencode(each.value.value)}: Vault accepts it (only OpenBao refuses it)"
  location  = each.value
  evidence  = { key = each.value.key, value = each.value.value, product = scan.product.name, detected_from = scan.product.detected_from }
  when_none = "pass"
  when_none_message = "nothing in the config that Vault or OpenBao refuses at start-up"
  when_none_evidence = { product = scan.product.name, detected_from = scan.product.detected_from, files = config.files }
  fix       = { action = "openbao_startable" }
  rationale = "Vault and OpenBao read the same file format but not the same settings. OpenBao dropped mlock and refuses disable_mlock = false, and decodes its own bool keys strictly (allow_audit_log_prefixing = 1 is refused), where Vault accepts both. A config carried over from Vault then stops the server at its next restart, which is an outage."
  remediation = "On OpenBao remove disable_mlock (disable or encrypt swap instead) and write the bool keys as unquoted true or false. Check with bao operator validate-config before restarting."
  references = [
    "https://openbao.org/docs/install/#post-installation-hardening",
    "https://openbao.org/docs/configuration/",
  ]
}

rule "config.raw-storage-endpoint" {
  title     = "The raw storage endpoint is off"
  severity  = "high"
  profile   = "baseline"
  sources   = ["config"]
  condition = !config.raw_storage_endpoint
  message   = "raw_storage_endpoint = true enables sys/raw: a sudo token can read and write the storage backend beneath Vault's access controls"
  pass_message = "sys/raw is disabled"
  location  = lookup(config.at, "raw_storage_endpoint", null)
  evidence  = { raw_storage_endpoint = config.raw_storage_endpoint }
  fix       = { action = "remove" }
  rationale = "sys/raw bypasses policies and the barrier's logical structure. It exists for break-glass recovery only."
  remediation = "Remove raw_storage_endpoint; enable it only during a recovery, then remove it again."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#raw_storage_endpoint",
    "NIST SP 800-53 CM-7",
  ]
}

rule "config.introspection-endpoint" {
  title     = "The introspection endpoint is off"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  condition = !config.introspection_endpoint
  message   = "introspection_endpoint = true enables sys/internal/inspect, which exposes internal router state"
  pass_message = "sys/internal/inspect is disabled"
  location  = lookup(config.at, "introspection_endpoint", null)
  evidence  = { introspection_endpoint = config.introspection_endpoint }
  fix       = { action = "remove" }
  rationale = "The inspection endpoints are a debugging aid that reveals internal state; production servers should not expose them."
  remediation = "Remove introspection_endpoint."
  references = ["https://developer.hashicorp.com/vault/docs/configuration#introspection_endpoint"]
}

rule "config.ui-enabled" {
  title     = "The web UI is enabled only on purpose"
  severity  = "info"
  profile   = "strict"
  sources   = ["config"]
  condition = !config.ui
  message   = "ui = true: the web UI is served on every API listener; make sure that is intended"
  pass_message = "the web UI is off"
  location  = lookup(config.at, "ui", null)
  evidence  = { ui = config.ui }
  rationale = "The UI is a convenient login surface; where only machines talk to Vault it adds attack surface for nothing."
  remediation = "Remove ui = true where no person needs the web UI."
  references = ["https://developer.hashicorp.com/vault/docs/configuration/ui"]
}

rule "config.log-level-verbose" {
  title     = "The server log level is not trace or debug"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  params    = { verbose = ["trace", "debug"] }
  condition = !contains(params.verbose, config.log_level)
  message   = "log_level = ${config.log_level}: verbose server logs may record request details and fill disks"
  pass_message = "log_level = ${config.log_level}"
  location  = lookup(config.at, "log_level", null)
  evidence  = { log_level = config.log_level }
  fix       = { action = "set", key = "log_level", value = "info" }
  rationale = "trace and debug logging is for troubleshooting; left on in production it records sensitive detail outside the audit log's HMAC protection."
  remediation = "Set log_level = \"info\" (or remove it); raise it temporarily with vault monitor when needed."
  references = ["https://developer.hashicorp.com/vault/docs/configuration#log_level"]
}

rule "config.telemetry-missing" {
  title     = "Telemetry is configured"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  condition = config.telemetry != null
  message   = "no telemetry block: nothing to alert on seal status, audit failures or certificate expiry"
  pass_message = "telemetry is configured"
  location  = config.telemetry == null ? { file = config.files[0], line = 1, column = 1 } : config.telemetry.loc
  evidence  = { telemetry_keys = config.telemetry == null ? null : keys(config.telemetry.raw), files = config.files }
  rationale = "Metrics are how operators learn that a node sealed, an audit device is failing or a lease count is exploding, before users do."
  remediation = "Add a telemetry block (e.g. telemetry { prometheus_retention_time = \"24h\" disable_hostname = true })."
  references = ["https://developer.hashicorp.com/vault/docs/configuration/telemetry"]
}

rule "config.lease-ttl" {
  title     = "The default lease TTL is short"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  params    = { max_hours = 24 }
  condition = config.default_lease_ttl <= params.max_hours * 3600
  message   = "default_lease_ttl is ${config.default_lease_ttl / 3600}h${config.default_lease_ttl_set ? "" : " (Vault's default)"}, above ${params.max_hours}h"
  pass_message = "default_lease_ttl is ${config.default_lease_ttl / 3600}h"
  location  = lookup(config.at, "default_lease_ttl", { file = config.files[0], line = 1, column = 1 })
  evidence  = { default_lease_ttl_seconds = config.default_lease_ttl, set_in_config = config.default_lease_ttl_set }
  fix       = { action = "set", key = "default_lease_ttl", value = "{max_hours}h" }
  rationale = "Long-lived leases and tokens widen the window in which a leaked credential works. Vault's default of 768h (32 days) is rarely what a production deployment wants."
  remediation = "Set default_lease_ttl (e.g. \"1h\" to \"24h\") and tune longer TTLs per mount where needed."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#default_lease_ttl",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening",
  ]
}

rule "config.unknown-key" {
  title     = "Every key is known (no typos)"
  severity  = "low"
  profile   = "production"
  sources   = ["config"]
  # Blocks the schema does not list are not checked: the key itself is the default. A key only
  # the other product reads is unknown too (both are known while the product is unknown); a
  # setting the product refuses outright is config.product-incompatible's, not this rule's.
  for_each  = [for k in config.keys : k if (!contains(lookup(data.config_schema, k.path, [k.key]), k.key) || contains(lookup(lookup(data.config_keys_only, scan.product.name == "openbao" ? "vault" : (scan.product.name == "vault" ? "openbao" : "neither"), {}), k.path, []), k.key)) && !anytrue([for x in config.product_incompatible : x.file == k.file && x.line == k.line && x.column == k.column])]
  subject   = each.value.qualified
  condition = false
  message   = "${contains(lookup(data.config_schema, each.value.path, []), each.value.key) ? "${each.value.qualified} is read only by ${scan.product.name == "openbao" ? "Vault" : "OpenBao"}" : "unknown key ${each.value.qualified}${nearest(each.value.key, lookup(data.config_schema, each.value.path, [])) == null ? "" : " (did you mean ${nearest(each.value.key, lookup(data.config_schema, each.value.path, []))}?)"}"}: ${startswith(each.value.path, "storage.") || startswith(each.value.path, "ha_storage.") ? "the server hands storage keys to the ${split(".", each.value.path)[1]} backend, which ignores one it does not read, without a warning" : "${scan.product.name == "openbao" ? "OpenBao" : (scan.product.name == "vault" ? "Vault" : "Vault and OpenBao")} ignore${scan.product.name == "unknown" ? "" : "s"} it with a warning"}"
  location  = each.value
  evidence  = { key = each.value.key, suggestion = nearest(each.value.key, lookup(data.config_schema, each.value.path, [])), product = scan.product.name }
  when_none = "pass"
  when_none_message = "no unknown key"
  when_none_evidence = { keys_checked = length(config.keys), product = scan.product.name, files = config.files }
  rationale = "Vault and OpenBao only warn about unknown keys and start anyway, and a storage backend ignores keys it does not read without even a warning, so a misspelled tsl_cert_file or tls_disabel silently leaves the intended setting at its default. A key only the other product reads is as good as misspelled."
  remediation = "Fix the spelling, or remove the key (or, for a key of the other product, the setting it stood for)."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration",
    "https://openbao.org/docs/configuration/",
  ]
}

rule "config.duplicate-key" {
  title     = "No key is set twice in one block"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  for_each  = config.duplicates
  subject   = each.value.qualified
  condition = false
  message   = "${each.value.qualified} is set twice (first at line ${each.value.first_line}): Vault uses the last value, and newer releases refuse to start"
  location  = each.value
  evidence  = { key = each.value.key, first_line = each.value.first_line, line = each.value.line }
  when_none = "pass"
  when_none_message = "no duplicate key"
  when_none_evidence = { keys_checked = length(config.keys), files = config.files }
  fix       = { action = "remove_earlier_duplicates" }
  rationale = "With HCL version 1 the last of two duplicate attributes silently wins; Vault 1.20 warns and later releases reject such configs."
  remediation = "Keep one of the two assignments."
  references = ["https://developer.hashicorp.com/vault/docs/configuration"]
}

rule "config.deprecated-key" {
  title     = "No deprecated keys"
  severity  = "info"
  profile   = "production"
  sources   = ["config"]
  for_each  = [for k in config.keys : k if contains(data.deprecated_keys, "${k.path}.${k.key}")]
  subject   = each.value.qualified
  condition = false
  message   = "${each.value.qualified} is deprecated: ${data.deprecated_keys["${each.value.path}.${each.value.key}"]}"
  location  = each.value
  evidence  = { key = each.value.key }
  when_none = "pass"
  when_none_message = "no deprecated key"
  when_none_evidence = { keys_checked = length(config.keys), files = config.files }
  fix       = { action = "rename_or_remove", rename = { backend = "storage", ha_backend = "ha_storage" } }
  rationale = "Deprecated keys keep working until they don't; some (tls_prefer_server_cipher_suites) already do nothing."
  remediation = "Replace the key as the message says."
  references = ["https://developer.hashicorp.com/vault/docs/deprecation"]
}

rule "config.merge-conflict" {
  title     = "Config files do not contradict each other"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  for_each  = config.merge_conflicts
  subject   = each.value.key
  condition = false
  message   = "${each.value.key} is set differently in ${join(", ", [for s in each.value.setters : "${s.file}:${s.line}"])}: Vault merges files in directory-listing order (not alphabetical), so which one wins can differ between nodes"
  location  = each.value.setters[length(each.value.setters) - 1]
  evidence  = { setters = [for s in each.value.setters : { file = s.file, line = s.line, value = s.value }] }
  when_none = "pass"
  when_none_message = "no conflicting settings between config files"
  when_none_evidence = { files = config.files }
  rationale = "HashiCorp warns that merging of a config directory is non-deterministic; two files that set the same key to different values give different nodes different configurations."
  remediation = "Set each key in exactly one file."
  references = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#non-deterministic-merging"]
}
