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
