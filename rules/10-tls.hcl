# Listener and TLS configuration (source: config).
# Facts: config.listeners[] (decoded as Vault decodes them), config.keys[] (every attribute).

rule "tls.listener-disabled" {
  title     = "Every TCP listener serves TLS"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["config"]
  for_each  = [for l in config.listeners : l if l.type == "tcp"]
  subject   = "listener ${each.value.address}"
  condition = !each.value.tls_disable
  message   = "listener ${each.value.address} has tls_disable = ${jsonencode(lookup(each.value.raw, "tls_disable", null))}: API traffic, tokens included, travels in clear text"
  pass_message = "TLS is on"
  location  = lookup(each.value.at, "tls_disable", each.value.loc)
  evidence  = { tls_disable = lookup(each.value.raw, "tls_disable", null) }
  when_none = "skip"
  when_none_message = "no tcp listener in the configuration"
  fix       = { action = "remove", needs = ["tls_cert_file", "tls_key_file"] }
  rationale = <<-EOT
    Vault decodes tls_disable weakly: true, "true", "t", 1, "1" and any non-zero number switch
    TLS off. Without TLS every token, secret and unseal key sent to the listener can be read on
    the network. HashiCorp's production hardening guide requires end-to-end TLS.
  EOT
  remediation = "Remove tls_disable (or set it to false) and set tls_cert_file and tls_key_file on the listener."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#end-to-end-tls",
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_disable",
    "NIST SP 800-53 SC-8; CIS Controls v8 3.10",
  ]
}

rule "tls.min-version" {
  title     = "TLS listeners refuse TLS 1.0 and 1.1"
  severity  = "high"
  profile   = "baseline"
  sources   = ["config"]
  params    = { weak_versions = ["tls10", "tls11"] }
  for_each  = [for l in config.listeners : l if l.type == "tcp" && !l.tls_disable]
  subject   = "listener ${each.value.address}"
  condition = !contains(params.weak_versions, each.value.tls_min_version)
  message   = "listener ${each.value.address} accepts ${each.value.tls_min_version} (tls_min_version)"
  pass_message = "minimum TLS version is ${each.value.tls_min_version}"
  location  = lookup(each.value.at, "tls_min_version", each.value.loc)
  evidence  = { tls_min_version = each.value.tls_min_version }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration"
  fix       = { action = "set", key = "tls_min_version", value = "tls12" }
  rationale = "TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow downgrade and CBC attacks. Vault's default is tls12; setting tls10 or tls11 re-enables the old protocols."
  remediation = "Set tls_min_version = \"tls12\" (or \"tls13\"), or remove the key to get Vault's default of tls12."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_min_version",
    "https://www.rfc-editor.org/rfc/rfc8996",
    "NIST SP 800-53 SC-13; NIST SP 800-52r2",
  ]
}

rule "tls.weak-cipher-suites" {
  title     = "No weak TLS cipher suites are configured"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  params    = { weak_pattern = "(_CBC_SHA$|3DES|RC4|_NULL_|EXPORT|_anon_)" }
  for_each  = [for l in config.listeners : l if l.type == "tcp" && !l.tls_disable]
  subject   = "listener ${each.value.address}"
  condition = length([for s in each.value.tls_cipher_suites : s if regex(params.weak_pattern, s) != null]) == 0
  message   = "listener ${each.value.address} allows weak cipher suites: ${join(", ", [for s in each.value.tls_cipher_suites : s if regex(params.weak_pattern, s) != null])}"
  pass_message = length(each.value.tls_cipher_suites) == 0 ? "Go's default cipher suites" : "no weak suite among ${length(each.value.tls_cipher_suites)} configured"
  location  = lookup(each.value.at, "tls_cipher_suites", each.value.loc)
  evidence  = { weak = [for s in each.value.tls_cipher_suites : s if regex(params.weak_pattern, s) != null] }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration"
  rationale = "CBC suites with SHA-1 MACs, 3DES and RC4 are broken or weak (Lucky13, Sweet32, RC4 biases). Leaving tls_cipher_suites unset uses Go's curated defaults."
  remediation = "Remove tls_cipher_suites, or list only AEAD suites such as TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_cipher_suites",
    "NIST SP 800-52r2 3.3.1",
  ]
}

rule "tls.client-cert-not-required" {
  title     = "TLS listeners require client certificates (mTLS)"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  for_each  = [for l in config.listeners : l if l.type == "tcp" && !l.tls_disable]
  subject   = "listener ${each.value.address}"
  condition = each.value.tls_require_and_verify_client_cert
  message   = "listener ${each.value.address} does not require client certificates (tls_require_and_verify_client_cert is not set)"
  pass_message = "client certificates required, verified against ${coalesce(each.value.tls_client_ca_file, "the system roots")}"
  location  = lookup(each.value.at, "tls_require_and_verify_client_cert", each.value.loc)
  evidence  = {
    tls_require_and_verify_client_cert = each.value.tls_require_and_verify_client_cert
    tls_client_ca_file                 = each.value.tls_client_ca_file
  }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration"
  rationale = "Mutual TLS makes a stolen token useless without a client certificate issued by your CA. Without tls_require_and_verify_client_cert Vault only requests client certificates."
  remediation = "Set tls_require_and_verify_client_cert = true and tls_client_ca_file to the CA that issues client certificates. Everything that calls this listener then needs a client certificate: raft retry_join blocks (leader_client_cert_file and leader_client_key_file, with leader_ca_cert_file), the ${scan.service.cli} CLI and agents (${scan.service.product == "openbao" ? "BAO" : "VAULT"}_CLIENT_CERT and ${scan.service.product == "openbao" ? "BAO" : "VAULT"}_CLIENT_KEY), load-balancer health checks (give them a client certificate, or check a separate listener or plain TCP), and browsers using the UI (install a client certificate in them, or serve the UI from a listener without mTLS)."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_require_and_verify_client_cert",
    "NIST SP 800-53 IA-3",
  ]
}

rule "tls.insecure-addr" {
  title     = "Advertised and upstream addresses use https"
  severity  = "high"
  profile   = "baseline"
  sources   = ["config"]
  for_each  = [
    for k in config.keys : k
    if !k.is_block && (
      (k.path == "top" && contains(["api_addr", "cluster_addr"], k.key)) ||
      k.key == "leader_api_addr" ||
      (contains(["storage", "ha_storage", "seal", "service_registration"], k.section) && k.key == "address")
    )
  ]
  subject   = each.value.qualified
  condition = !startswith(lower(trimspace(tostring(each.value.value))), "http://")
  message   = "${each.value.qualified} is ${tostring(each.value.value)}: requests to it, tokens included, are not encrypted"
  pass_message = "not http://"
  location  = each.value
  evidence  = { (each.value.key) = each.value.value }
  when_none = "pass"
  when_none_message = "no api_addr, cluster_addr, retry_join or upstream address is set"
  when_none_evidence = { keys_checked = length(config.keys), files = config.files }
  rationale = "api_addr is what clients and other nodes are redirected to; retry_join leader addresses and storage or seal addresses carry tokens and data. An http:// address sends them in clear text."
  remediation = "Use https:// addresses and serve TLS on the listeners they point at."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#api_addr",
    "https://developer.hashicorp.com/vault/docs/configuration/storage/raft#retry_join-stanza",
    "NIST SP 800-53 SC-8",
  ]
}

rule "tls.skip-verify" {
  title     = "Seals and storage verify TLS certificates"
  severity  = "high"
  profile   = "baseline"
  sources   = ["config"]
  params    = { keys = ["tls_skip_verify", "skip_verify", "insecure_skip_verify", "tls_insecure_skip_verify"] }
  for_each  = [
    for k in config.keys : k
    if !k.is_block && contains(params.keys, k.key) && contains(["storage", "ha_storage", "seal", "kms", "service_registration"], k.section)
  ]
  subject   = each.value.qualified
  condition = !vault_bool(each.value.value)
  message   = "${each.value.block} turns certificate verification off (${each.value.key} = ${jsonencode(each.value.value)})"
  pass_message = "verification stays on"
  location  = each.value
  evidence  = { (each.value.key) = each.value.value }
  when_none = "pass"
  when_none_message = "no seal, storage or retry_join turns verification off"
  when_none_evidence = { keys_checked = length(config.keys), files = config.files }
  rationale = "Without certificate verification a man in the middle can impersonate the transit seal or the storage backend, read the unseal key material or the data, and feed Vault forged answers."
  remediation = "Remove tls_skip_verify and give the CA instead (tls_ca_cert for transit, tls_ca_file for storage backends)."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/seal/transit#tls_skip_verify",
    "NIST SP 800-53 SC-8, SC-23",
  ]
}

rule "config.listener-all-interfaces" {
  title     = "Listeners bind specific interfaces"
  severity  = "info"
  profile   = "strict"
  sources   = ["config"]
  for_each  = [for l in config.listeners : l if l.type == "tcp"]
  subject   = "listener ${each.value.address}"
  condition = regex("^(0\\.0\\.0\\.0|\\[::\\]|::|)(:[0-9]+)?$", each.value.address) == null
  message   = "listener ${each.value.address} binds every interface: pair it with a host firewall"
  pass_message = "binds ${each.value.address}"
  location  = lookup(each.value.at, "address", each.value.loc)
  evidence  = { address = each.value.address }
  when_none = "skip"
  when_none_message = "no tcp listener in the configuration"
  rationale = "A listener on 0.0.0.0 or [::] is reachable on every network the node is attached to. That may be intended, but then a firewall must restrict who can reach it."
  remediation = "Bind the listener to the interface clients use (address = \"10.0.0.5:8200\"), or document the firewall that restricts 0.0.0.0."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#firewall-traffic",
    "NIST SP 800-53 SC-7",
  ]
}

rule "config.x-forwarded-for-any" {
  title     = "X-Forwarded-For is trusted only from known proxies"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  params    = { any = ["0.0.0.0/0", "::/0", "0.0.0.0", "::"] }
  for_each  = [for l in config.listeners : l if l.type == "tcp"]
  subject   = "listener ${each.value.address}"
  condition = !anytrue([for a in each.value.x_forwarded_for_authorized_addrs : contains(params.any, a)])
  message   = "listener ${each.value.address} trusts X-Forwarded-For from any address (${join(", ", each.value.x_forwarded_for_authorized_addrs)})"
  pass_message = length(each.value.x_forwarded_for_authorized_addrs) == 0 ? "X-Forwarded-For is not trusted" : "trusted from ${join(", ", each.value.x_forwarded_for_authorized_addrs)}"
  location  = lookup(each.value.at, "x_forwarded_for_authorized_addrs", each.value.loc)
  evidence  = { x_forwarded_for_authorized_addrs = each.value.x_forwarded_for_authorized_addrs }
  when_none = "skip"
  when_none_message = "no tcp listener in the configuration"
  fix       = { action = "drop_values", param = "any" }
  rationale = "When every address may set X-Forwarded-For, any client can spoof its source address, defeating CIDR-bound tokens, audit attribution and rate limits."
  remediation = "List only your load balancers' addresses in x_forwarded_for_authorized_addrs."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#x_forwarded_for_authorized_addrs",
    "NIST SP 800-53 AU-3, AC-3",
  ]
}

rule "config.unauthenticated-metrics" {
  title     = "Metrics require a token"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  for_each  = [for l in config.listeners : l if l.type == "tcp"]
  subject   = "listener ${each.value.address}"
  condition = !each.value.unauthenticated_metrics_access
  message   = "listener ${each.value.address} serves /v1/sys/metrics without a token (telemetry { unauthenticated_metrics_access = true })"
  pass_message = "metrics need a token"
  location  = lookup(each.value.sub_at, "unauthenticated_metrics_access", each.value.loc)
  evidence  = { unauthenticated_metrics_access = each.value.unauthenticated_metrics_access }
  when_none = "skip"
  when_none_message = "no tcp listener in the configuration"
  fix       = { action = "remove" }
  rationale = "Metrics reveal mount paths, request rates, lease counts and cluster topology to anyone who can reach the listener."
  remediation = "Remove unauthenticated_metrics_access and give Prometheus a token with read on sys/metrics."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#unauthenticated_metrics_access",
    "NIST SP 800-53 AC-3",
  ]
}

rule "config.unauthenticated-debug" {
  title     = "Debug and recovery endpoints require a token"
  severity  = "medium"
  profile   = "production"
  sources   = ["config"]
  for_each  = [for l in config.listeners : l if l.type == "tcp"]
  subject   = "listener ${each.value.address}"
  condition = !each.value.unauthenticated_pprof_access && !each.value.unauthenticated_in_flight_requests_access && each.value.disable_unauthed_rekey_endpoints != false && each.value.disable_unauthed_generate_root_endpoints != false
  message   = "listener ${each.value.address} opens without a token: ${join(", ", compact([
    each.value.unauthenticated_pprof_access ? "pprof profiling (profiling { unauthenticated_pprof_access = true })" : "",
    each.value.unauthenticated_in_flight_requests_access ? "in-flight requests (unauthenticated_in_flight_requests_access)" : "",
    each.value.disable_unauthed_rekey_endpoints == false ? "rekey endpoints (OpenBao disable_unauthed_rekey_endpoints = false)" : "",
    each.value.disable_unauthed_generate_root_endpoints == false ? "generate-root endpoints (OpenBao disable_unauthed_generate_root_endpoints = false)" : "",
  ]))}"
  pass_message = "no unauthenticated debug or recovery endpoint"
  location  = lookup(each.value.sub_at, "unauthenticated_pprof_access", lookup(each.value.at, "disable_unauthed_rekey_endpoints", lookup(each.value.at, "disable_unauthed_generate_root_endpoints", each.value.loc)))
  evidence  = {
    unauthenticated_pprof_access              = each.value.unauthenticated_pprof_access
    unauthenticated_in_flight_requests_access = each.value.unauthenticated_in_flight_requests_access
    disable_unauthed_rekey_endpoints          = each.value.disable_unauthed_rekey_endpoints
    disable_unauthed_generate_root_endpoints  = each.value.disable_unauthed_generate_root_endpoints
  }
  when_none = "skip"
  when_none_message = "no tcp listener in the configuration"
  fix       = { action = "remove_keys", within = "listener", keys = ["unauthenticated_pprof_access", "unauthenticated_in_flight_requests_access", "disable_unauthed_rekey_endpoints", "disable_unauthed_generate_root_endpoints"] }
  rationale = "Unauthenticated pprof exposes memory profiles and goroutine dumps; OpenBao disables the unauthenticated rekey and generate-root endpoints by default because they let anyone start a rekey or root-token generation attempt."
  remediation = "Remove unauthenticated_pprof_access and unauthenticated_in_flight_requests_access; on OpenBao keep disable_unauthed_rekey_endpoints and disable_unauthed_generate_root_endpoints at their default (true)."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#unauthenticated_pprof_access",
    "https://openbao.org/docs/configuration/listener/tcp/",
    "NIST SP 800-53 AC-3, CM-7",
  ]
}
