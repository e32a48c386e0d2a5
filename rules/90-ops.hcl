# Practices no machine can verify: listed for a person to attest, never counted as pass.

rule "ops.siem-shipping" {
  title       = "Audit logs are shipped to a SIEM and alerted on"
  severity    = "medium"
  profile     = "production"
  manual      = true
  rationale   = "An audit device that only writes to the local disk is lost with the node and read by no one. Shipping audit logs off the host to a SIEM with alerts on failures is what makes them evidence."
  remediation = "Forward the audit log (file, syslog or socket device) to your SIEM; alert on audit-device failures and on root-token use."
  references  = ["https://developer.hashicorp.com/vault/docs/audit"]
}

rule "ops.snapshot-restore-tested" {
  title       = "Snapshot restores are rehearsed"
  severity    = "medium"
  profile     = "production"
  manual      = true
  rationale   = "A snapshot nobody has restored is a hope, not a backup. Restores of integrated-storage snapshots need the unseal or recovery keys and a tested runbook."
  remediation = "Restore a recent snapshot into an isolated cluster on a schedule (e.g. quarterly) and record the result."
  references  = ["https://developer.hashicorp.com/vault/tutorials/standard-procedures/sop-restore"]
}

rule "ops.offboarding" {
  title       = "Operators are off-boarded from Vault"
  severity    = "medium"
  profile     = "production"
  manual      = true
  rationale   = "HashiCorp's hardening guide asks for an off-boarding process: leaving staff must lose their identities, tokens, unseal or recovery key shares and PGP keys."
  remediation = "Make Vault part of the leaver checklist: revoke entity aliases and tokens, rekey shares held by the leaver, rotate shared credentials."
  references  = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#establish-an-off-boarding-process"]
}

rule "ops.firewall-review" {
  title       = "Network access to Vault is reviewed"
  severity    = "low"
  profile     = "production"
  manual      = true
  rationale   = "Only clients, load balancers and cluster peers should reach ports 8200 and 8201; firewall and security-group rules drift and need periodic review."
  remediation = "Review the firewall and security-group rules for the API and cluster ports on a schedule."
  references  = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#firewall-traffic"]
}

rule "ops.upgrade-cadence" {
  title       = "Vault is upgraded on a regular cadence"
  severity    = "medium"
  profile     = "production"
  manual      = true
  rationale   = "Security fixes ship in new releases; HashiCorp recommends frequent upgrades. A cadence (and someone who owns it) keeps the gap short."
  remediation = "Track Vault/OpenBao releases and security advisories, and upgrade within an agreed window."
  references  = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#frequently-upgrade"]
}
