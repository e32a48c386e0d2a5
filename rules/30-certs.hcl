# Certificates the TLS listeners serve: the files the config names (source file) and the chain
# the live listener serves (source api: --addr, and each node with --cluster). The rules run
# when either source is on (any_source); each subject carries its own source and state.
# Facts: tls.listeners[] = { source (file|api), subject, cert_label, address, cert_file,
#        key_file, cert_loc, key_loc, missing[], expected_host, expected_from,
#        cannot_judge (null, or why the rules beyond tls.cert-unreadable cannot judge it),
#        scanner_cannot_read (null, or why the scanner's own user may not read the files),
#        cert = { state, reason, certificates[], chain, hostname, key, ... } }

rule "tls.cert-unreadable" {
  title     = "Listener certificate and key files are readable PEM"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.source == "api" ? "about the files a listener names; the chain the live listener serves is judged by the other tls.cert-* rules" : lookup(each.value, "scanner_cannot_read", null)
  condition = length(each.value.missing) > 0 ? false : (each.value.cert.state == "ok" && each.value.cert.key.state == "ok" && !anytrue([for t in each.value.cert.trailing_data : t.go_rejects]))
  message = (length(each.value.missing) > 0 ? "listener ${each.value.address} serves TLS but ${join(" and ", each.value.missing)} is not set" :
    (each.value.cert.state != "ok" ? "certificate ${each.value.cert_file}: ${each.value.cert.reason}" :
      (each.value.cert.key.state != "ok" ? "key ${each.value.key_file}: ${each.value.cert.key.reason}" :
        "certificate ${each.value.cert_file}: ${join("; ", [for t in each.value.cert.trailing_data : t.message if t.go_rejects])} (Vault refuses it)")))
  pass_message = "certificate and key are readable"
  location  = length(each.value.missing) == 0 && each.value.cert_file != null ? (each.value.cert.state == "ok" && each.value.cert.key.state != "ok" ? each.value.key_loc : each.value.cert_loc) : each.value.loc
  evidence  = {
    cert_file = each.value.cert_file
    key_file  = each.value.key_file
    problem   = length(each.value.missing) > 0 ? "not set" : (each.value.cert.state != "ok" ? each.value.cert.error_kind : (each.value.cert.key.state != "ok" ? "key: ${each.value.cert.key.state}" : (anytrue([for t in each.value.cert.trailing_data : t.go_rejects]) ? "trailing data" : null)))
  }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "Vault cannot serve TLS with a missing, unreadable or malformed certificate or key: the listener fails at start or on reload, and clients are cut off."
  remediation = "Point tls_cert_file and tls_key_file at readable PEM files (certificate chain, then an unencrypted private key) owned by root or the service account."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_cert_file",
    "NIST SP 800-53 SC-8",
  ]
}

rule "tls.cert-expired" {
  title     = "Served certificates are within their validity period"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = !each.value.cert.any_expired && !each.value.cert.any_not_yet_valid
  message   = "${each.value.cert_label}: ${join("; ", [for c in each.value.cert.certificates : "${c.subject_common_name != null ? c.subject_common_name : c.subject} ${c.expired ? "expired on ${c.not_after}" : "is not valid before ${c.not_before}"}" if c.expired || c.not_yet_valid])}"
  pass_message = "valid for ${each.value.cert.min_days_left} more days"
  location  = each.value.cert_loc
  evidence  = { certificates = [for c in each.value.cert.certificates : { subject = c.subject, not_before = c.not_before, not_after = c.not_after, expired = c.expired, not_yet_valid = c.not_yet_valid }] }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "Clients refuse an expired (or not yet valid) certificate anywhere in the chain: the API, raft joins and auto-unseal from other clusters stop working."
  remediation = "Renew the certificate (and any expired intermediate), replace the files and send SIGHUP to Vault to reload them."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_cert_file",
    "NIST SP 800-53 SC-17",
  ]
}

rule "tls.cert-expiring" {
  title     = "Served certificates do not expire soon"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  params    = { days = 30 }
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge != null ? each.value.cannot_judge : (each.value.cert.state != "ok" ? null : (each.value.cert.any_expired ? "already expired (see tls.cert-expired)" : null))
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = each.value.cert.min_days_left >= params.days
  message   = "${each.value.cert_label} expires in ${each.value.cert.min_days_left} days (less than ${params.days})"
  pass_message = "expires in ${each.value.cert.min_days_left} days"
  location  = each.value.cert_loc
  evidence  = { days_left = each.value.cert.min_days_left, not_after = [for c in each.value.cert.certificates : c.not_after], certificates = [for c in each.value.cert.certificates : { subject = c.subject, not_after = c.not_after }] }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "Certificates that expire unnoticed take the cluster down. Renewing well ahead of expiry leaves time for a failed renewal."
  remediation = "Renew the certificate now, and automate renewal (e.g. Vault PKI with vault agent, cert-manager, or OpenBao's ACME listener)."
  references = ["NIST SP 800-53 SC-17"]
}

rule "tls.cert-self-signed" {
  title     = "The listener certificate is issued by a CA"
  severity  = "medium"
  profile   = "production"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = !each.value.cert.certificates[0].self_signed
  message   = "${each.value.cert_label} is self-signed (${each.value.cert.certificates[0].subject}): clients must skip verification or pin it"
  pass_message = "issued by ${each.value.cert.certificates[0].issuer}"
  location  = each.value.cert_loc
  evidence  = { subject = each.value.cert.certificates[0].subject, issuer = each.value.cert.certificates[0].issuer }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "A self-signed leaf (such as the one the Vault and OpenBao packages generate at install) pushes clients to VAULT_SKIP_VERIFY, which removes TLS's protection against impersonation."
  remediation = "Issue the listener certificate from your internal CA (or Vault PKI) and distribute the CA to clients."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#end-to-end-tls",
    "NIST SP 800-53 SC-17",
  ]
}

rule "tls.cert-weak-key" {
  title     = "Certificate keys are strong enough"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  params    = { min_rsa_bits = 2048, min_ec_bits = 256 }
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = length([for c in each.value.cert.certificates : c if(c.key_type == "rsa" ? coalesce(c.key_bits, 0) < params.min_rsa_bits : (c.key_type == "ec" ? coalesce(c.key_bits, 0) < params.min_ec_bits : c.key_type == "dsa"))]) == 0
  message   = "${each.value.cert_label}: ${join("; ", [for c in each.value.cert.certificates : "${c.subject} has a ${c.key_bits}-bit ${upper(c.key_type)} key" if(c.key_type == "rsa" ? coalesce(c.key_bits, 0) < params.min_rsa_bits : (c.key_type == "ec" ? coalesce(c.key_bits, 0) < params.min_ec_bits : c.key_type == "dsa"))])}"
  pass_message = "leaf key: ${each.value.cert.certificates[0].key_bits}-bit ${upper(each.value.cert.certificates[0].key_type)}"
  location  = each.value.cert_loc
  evidence  = { keys = [for c in each.value.cert.certificates : { subject = c.subject, key_type = c.key_type, key_bits = c.key_bits }] }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "RSA keys under 2048 bits and EC keys under 256 bits are within reach of well-funded attackers and rejected by current clients (NIST SP 800-57)."
  remediation = "Reissue the certificate with an RSA 2048+ (3072 recommended) or ECDSA P-256+ key."
  references = ["NIST SP 800-57 Part 1 Rev. 5, 5.6.1", "NIST SP 800-52r2"]
}

rule "tls.cert-weak-signature" {
  title     = "Certificates are not signed with SHA-1 or MD5"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  # A root's self-signature is never checked by clients, so only leaves and intermediates count.
  condition = length([for c in each.value.cert.certificates : c if c.weak_signature && !(c.self_signed && c.index > 0)]) == 0
  message   = "${each.value.cert_label}: ${join("; ", [for c in each.value.cert.certificates : "${c.subject} is signed with ${c.signature_algorithm}" if c.weak_signature && !(c.self_signed && c.index > 0)])}"
  pass_message = "signed with ${each.value.cert.certificates[0].signature_algorithm}"
  location  = each.value.cert_loc
  evidence  = { signatures = [for c in each.value.cert.certificates : { subject = c.subject, signature_algorithm = c.signature_algorithm }] }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "SHA-1 and MD5 signatures can be forged (chosen-prefix collisions); Go and browsers reject them."
  remediation = "Reissue the certificate with a SHA-256 (or stronger) signature."
  references = ["https://shattered.io/", "NIST SP 800-131A Rev. 2"]
}

rule "tls.cert-key-mismatch" {
  title     = "The key file belongs to the certificate"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.source == "api" ? "a TLS server never shows its private key: the key is checked on the files the config names" : (each.value.cannot_judge != null ? each.value.cannot_judge : (each.value.cert.key.state != "ok" ? coalesce(each.value.scanner_cannot_read, "key not readable (see tls.cert-unreadable)") : null))
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = each.value.cert.key.matches_leaf == true
  message   = "key ${each.value.key_file} does not belong to certificate ${each.value.cert_file}: Vault cannot serve TLS with this pair"
  pass_message = "key matches the certificate"
  location  = each.value.key_loc
  evidence  = { cert_file = each.value.cert_file, key_file = each.value.key_file, key_type = each.value.cert.key.key_type }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "A certificate renewed without its new key (or the other way round) makes the listener fail at its next start or reload."
  remediation = "Install the private key that was generated with the certificate's signing request, or reissue both."
  references = ["https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_key_file"]
}

rule "tls.cert-hostname" {
  title     = "The certificate names the host of api_addr"
  severity  = "medium"
  profile   = "production"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge != null ? each.value.cannot_judge : (each.value.expected_host == null ? "no api_addr to check the certificate's names against" : null)
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : null
  condition = each.value.cert.hostname.matches == true
  message   = "${each.value.cert_label} does not name ${each.value.expected_host} (${each.value.expected_from}); it names ${length(each.value.cert.hostname.names) == 0 ? "nothing in its SANs" : join(", ", each.value.cert.hostname.names)}"
  pass_message = "names ${each.value.expected_host}"
  location  = each.value.cert_loc
  evidence  = { expected = each.value.expected_host, names = each.value.cert.hostname.names }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "Clients and other nodes connect to api_addr and verify the certificate against its host name (SANs only; Go ignores the common name). A mismatch pushes operators to skip verification."
  remediation = "Reissue the certificate with the host of api_addr among its subject alternative names."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#api_addr",
    "RFC 6125",
  ]
}

rule "tls.key-in-cert-file" {
  title     = "The certificate file holds no private key"
  severity  = "medium"
  profile   = "production"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.source == "api" ? "about the certificate file; a TLS server sends no private key" : each.value.cannot_judge
  condition = !each.value.cert.cert_file_contains_private_key
  message   = "certificate file ${each.value.cert_file} also holds a private key: certificate files are often world-readable and copied around"
  pass_message = "no key in the certificate file"
  location  = each.value.cert_loc
  evidence  = { cert_file = each.value.cert_file }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "Certificates are public and get distributed, backed up and mode 0644; a private key bundled in the same file leaks with them."
  remediation = "Keep the private key only in tls_key_file (mode 0600 or 0640) and remove it from the certificate file."
  references = ["NIST SP 800-57 Part 1 Rev. 5, 6.2.2"]
}

rule "tls.cert-not-server" {
  title     = "The listener's leaf is a server certificate"
  severity  = "high"
  profile   = "baseline"
  sources   = ["file", "api"]
  any_source = true
  for_each  = tls == null ? [] : tls.listeners
  subject   = each.value.subject
  skip_if   = each.value.cannot_judge
  error_if  = each.value.cert.state != "ok" ? each.value.cert.reason : (length(each.value.cert.certificates) == 0 ? "no certificate to judge" : null)
  condition = !each.value.cert.certificates[0].is_ca && each.value.cert.certificates[0].eku_allows_server_auth
  message   = "${each.value.cert_label} (${each.value.cert.certificates[0].subject}) ${join(" and ", compact([
    each.value.cert.certificates[0].is_ca ? "is a CA certificate (basicConstraints CA:TRUE)" : "",
    each.value.cert.certificates[0].eku_allows_server_auth ? "" : "has an extended key usage without serverAuth (${length(each.value.cert.certificates[0].extended_key_usage) == 0 ? "none usable" : join(", ", each.value.cert.certificates[0].extended_key_usage)})",
  ]))}"
  pass_message = each.value.cert.certificates[0].extended_key_usage == null ? "end-entity certificate without an extended key usage restriction" : "end-entity certificate for ${join(", ", each.value.cert.certificates[0].extended_key_usage)}"
  location  = each.value.cert_loc
  evidence  = {
    subject            = each.value.cert.certificates[0].subject
    is_ca              = each.value.cert.certificates[0].is_ca
    extended_key_usage = each.value.cert.certificates[0].extended_key_usage
  }
  when_none = "skip"
  when_none_message = "no TLS listener in the configuration and no https API address"
  rationale = "A CA certificate serving as a listener's leaf means the CA's private key sits on the Vault node, where anyone who reads it can issue certificates the clients trust; Go clients also refuse a leaf whose extended key usage omits serverAuth, so the listener fails for them (bao operator diagnose catches only the first case)."
  remediation = "Issue the listener an end-entity certificate (basicConstraints CA:FALSE) with extendedKeyUsage serverAuth (and clientAuth if the same certificate serves raft or mTLS), and keep CA keys off the node."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#tls_cert_file",
    "RFC 5280 4.2.1.9, 4.2.1.12",
    "NIST SP 800-53 SC-17",
  ]
}
