# A typical production Vault config, as HashiCorp's deployment guide lays it out.
ui            = true
disable_mlock = true
api_addr      = "https://vault-1.example.com:8200"
cluster_addr  = "https://vault-1.example.com:8201"
log_level     = "info"

default_lease_ttl = "24h"
max_lease_ttl     = "720h"

listener "tcp" {
  address                            = "0.0.0.0:8200"
  cluster_address                    = "0.0.0.0:8201"
  tls_cert_file                      = "/opt/vault/tls/tls.crt"
  tls_key_file                       = "/opt/vault/tls/tls.key"
  tls_client_ca_file                 = "/opt/vault/tls/ca.crt"
  tls_min_version                    = "tls12"
  tls_require_and_verify_client_cert = false
  x_forwarded_for_authorized_addrs   = "10.0.1.10/32,10.0.1.11/32"

  telemetry {
    unauthenticated_metrics_access = false
  }
}

storage "raft" {
  path    = "/opt/vault/data"
  node_id = "vault-1"

  retry_join {
    leader_api_addr       = "https://vault-2.example.com:8200"
    leader_ca_cert_file   = "/opt/vault/tls/ca.crt"
    leader_tls_servername = "vault-2.example.com"
  }
  retry_join {
    leader_api_addr       = "https://vault-3.example.com:8200"
    leader_ca_cert_file   = "/opt/vault/tls/ca.crt"
    leader_tls_servername = "vault-3.example.com"
  }
}

seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/vault-unseal"
}

telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
}
