# Shared data for rules: `data.<name>` in expressions.

data {
  # Keys Vault and OpenBao know, per block path (`top`, `listener.tcp`, `storage.raft`, ...).
  # Blocks not listed here (custom headers, vendor seals, rarely used backends) are not checked.
  config_schema = {
    top = [
      "listener", "seal", "kms", "hsm", "entropy", "storage", "backend", "ha_storage", "ha_backend",
      "telemetry", "audit", "service_registration", "user_lockout", "plugin", "initialize",
      "sentinel", "reporting", "replication", "license_path", "api_addr", "cluster_addr",
      "cluster_name", "cache_size", "disable_cache", "disable_mlock", "ui", "raw_storage_endpoint",
      "introspection_endpoint", "disable_clustering", "disable_performance_standby",
      "disable_sealwrap", "disable_printable_check", "disable_sentinel_trace",
      "enable_response_header_hostname", "enable_response_header_raft_node_id",
      "default_lease_ttl", "max_lease_ttl", "default_max_request_duration", "plugin_directory",
      "plugin_file_uid", "plugin_file_permissions", "plugin_tmpdir", "log_level", "log_format",
      "log_file", "log_rotate_duration", "log_rotate_bytes", "log_rotate_max_files",
      "log_requests_level", "pid_file", "administrative_namespace_path",
      "imprecise_lease_role_tracking", "detect_deadlocks", "cluster_cipher_suites",
      "unsafe_allow_api_audit_creation", "allow_audit_log_prefixing",
      "unsafe_cross_namespace_identity", "unsafe_relative_paths", "allow_unauthenticated_workflows",
      "disable_standby_reads", "plugin_auto_download", "plugin_auto_register", "experiments",
      "enable_post_unseal_trace", "post_unseal_trace_directory", "disable_ssct_tokens",
      "enable_multiseal", "disable_idle_connections", "disable_cached_hostnames",
      "max_request_duration", "remove_irrevocable_lease_after", "pprof",
      "plugin_download_behavior", "plugin_download_max_size", "disable_indexing",
    ]
    "listener.tcp" = [
      "address", "cluster_address", "tls_disable", "tls_cert_file", "tls_key_file",
      "tls_min_version", "tls_max_version", "tls_cipher_suites", "tls_prefer_server_cipher_suites",
      "tls_require_and_verify_client_cert", "tls_client_ca_file", "tls_disable_client_certs",
      "tls_auto_reload", "tls_auto_reload_interval", "tls_key_exchange_preferences",
      "tls_acme_ca_directory", "tls_acme_test_ca", "tls_acme_cache_path", "tls_acme_ca_root",
      "tls_acme_eab_key_id", "tls_acme_eab_mac_key", "tls_acme_key_type", "tls_acme_email",
      "tls_acme_domains", "tls_acme_disable_http_challenge", "tls_acme_disable_alpn_challenge",
      "x_forwarded_for_authorized_addrs", "x_forwarded_for_hop_skips",
      "x_forwarded_for_reject_not_authorized", "x_forwarded_for_reject_not_present",
      "x_forwarded_for_client_cert_header", "x_forwarded_for_client_cert_header_decoders",
      "x_forwarded_for_client_cert_keep_not_forwarded", "x_forwarded_for_client_cert_keep_unauthorized",
      "proxy_protocol_behavior", "proxy_protocol_authorized_addrs", "max_request_size",
      "max_request_duration", "max_request_json_memory", "max_request_json_strings",
      "http_read_timeout", "http_read_header_timeout", "http_write_timeout", "http_idle_timeout",
      "require_request_header", "telemetry", "profiling", "inflight_requests_logging",
      "custom_response_headers", "cors_enabled", "cors_allowed_origins", "cors_allowed_headers",
      "cors_allow_credentials", "disable_unauthed_rekey_endpoints",
      "disable_unauthed_generate_root_endpoints", "redact_addresses", "redact_cluster_name",
      "redact_version", "disable_replication_status_endpoints", "chroot_namespace",
      "disable_request_limiter", "max_json_depth", "max_json_string_value_length",
      "max_json_object_entry_count", "max_json_array_element_count", "max_token_header_size",
      "agent_api", "type",
    ]
    "listener.tcp.telemetry"                 = ["unauthenticated_metrics_access", "disallow_metrics", "metrics_only", "metrics_path"]
    "listener.tcp.profiling"                 = ["unauthenticated_pprof_access"]
    "listener.tcp.inflight_requests_logging" = ["unauthenticated_in_flight_requests_access"]
    "storage.raft" = [
      "path", "node_id", "performance_multiplier", "trailing_logs", "snapshot_threshold",
      "snapshot_interval", "retry_join", "retry_join_as_non_voter", "max_entry_size",
      "max_transaction_size", "max_batch_entries", "max_batch_size", "autopilot_reconcile_interval",
      "autopilot_update_interval", "autopilot_upgrade_version", "autopilot_redundancy_zone",
      "raft_wal", "raft_log_verifier_enabled", "raft_log_verification_interval",
      "max_mount_and_namespace_table_entry_size", "snapshot_delay", "disable_autopilot",
      "non_voter", "ha_enabled", "apply_delay",
      # Every backend: the server takes these out before the backend sees the rest.
      "redirect_addr", "advertise_addr", "cluster_addr", "disable_clustering",
    ]
    "storage.raft.retry_join" = [
      "leader_api_addr", "auto_join", "auto_join_scheme", "auto_join_port",
      "leader_tls_servername", "leader_ca_cert_file", "leader_client_cert_file",
      "leader_client_key_file", "leader_ca_cert", "leader_client_cert", "leader_client_key",
    ]
    "storage.file" = ["path", "redirect_addr", "advertise_addr", "cluster_addr", "disable_clustering"]
    "storage.postgresql" = [
      "connection_url", "table", "max_idle_connections", "max_parallel", "ha_enabled", "ha_table",
      "skip_create_table", "max_connect_retries", "transaction_max_parallel",
      "redirect_addr", "advertise_addr", "cluster_addr", "disable_clustering",
    ]
    "storage.consul" = [
      "address", "check_timeout", "consistency_mode", "disable_registration", "max_parallel",
      "path", "scheme", "service", "service_tags", "service_address", "session_ttl",
      "lock_wait_time", "token", "tls_ca_file", "tls_cert_file", "tls_key_file",
      "tls_min_version", "tls_skip_verify", "redirect_addr", "cluster_addr",
      "advertise_addr", "disable_clustering",
    ]
    telemetry = [
      "usage_gauge_period", "maximum_gauge_cardinality", "disable_hostname",
      "enable_hostname_label", "lease_metrics_epsilon", "num_lease_metrics_buckets",
      "add_lease_metrics_namespace_labels", "add_mount_point_rollback_metrics", "filter_default",
      "prefix_filter", "statsite_address", "statsd_address", "circonus_api_token",
      "circonus_api_app", "circonus_api_url", "circonus_submission_interval",
      "circonus_submission_url", "circonus_check_id", "circonus_check_force_metric_activation",
      "circonus_check_instance_id", "circonus_check_search_tag", "circonus_check_display_name",
      "circonus_check_tags", "circonus_broker_id", "circonus_broker_select_tag",
      "dogstatsd_addr", "dogstatsd_tags", "prometheus_retention_time", "stackdriver_project_id",
      "stackdriver_location", "stackdriver_namespace", "stackdriver_debug_logs", "metrics_prefix",
    ]
    "seal.awskms" = [
      "region", "access_key", "secret_key", "session_token", "kms_key_id", "endpoint",
      "disabled", "name", "priority", "shared_creds_filename", "shared_creds_profile",
      "role_arn", "role_session_name", "web_identity_token_file",
    ]
    "seal.transit" = [
      "address", "token", "key_name", "mount_path", "namespace", "disable_renewal", "tls_ca_cert",
      "tls_client_cert", "tls_client_key", "tls_server_name", "tls_skip_verify", "disabled",
      "name", "priority", "key_id_prefix",
    ]
  }

  # Keys of config_schema that only one product reads, per block path: on the other product
  # config.unknown-key reports them. Top level: `bao operator validate-config` of OpenBao 2.7.2
  # warns about each `vault` key; Vault does not read the `openbao` ones (OpenBao's
  # internal/command/server/config.go, internal/physical/*). Keep the top-level `openbao` list
  # in step with OPENBAO_ONLY_KEYS in src/facts/config.rs (a unit test checks it).
  config_keys_only = {
    openbao = {
      top = [
        "plugin_download_behavior", "plugin_download_max_size", "plugin_auto_download",
        "plugin_auto_register", "unsafe_cross_namespace_identity", "unsafe_relative_paths",
        "allow_unauthenticated_workflows", "disable_standby_reads", "audit", "initialize",
      ]
      "storage.raft"       = ["apply_delay"]
      "storage.postgresql" = ["max_connect_retries", "transaction_max_parallel"]
    }
    vault = {
      top = [
        "disable_mlock", "license_path", "plugin_tmpdir", "administrative_namespace_path",
        "experiments", "enable_post_unseal_trace", "post_unseal_trace_directory",
        "enable_multiseal", "disable_idle_connections", "disable_cached_hostnames",
        "max_request_duration", "remove_irrevocable_lease_after", "pprof", "sentinel",
        "reporting", "replication",
      ]
      "storage.raft" = [
        "raft_wal", "raft_log_verifier_enabled", "raft_log_verification_interval",
        "max_mount_and_namespace_table_entry_size", "max_batch_entries", "max_batch_size",
        "autopilot_redundancy_zone", "disable_autopilot", "non_voter", "ha_enabled",
      ]
    }
  }

  # "<path>.<key>" = what to do instead.
  deprecated_keys = {
    "top.backend"                                   = "use storage"
    "top.ha_backend"                                = "use ha_storage"
    "listener.tcp.tls_prefer_server_cipher_suites"  = "it has no effect since Go 1.17; remove it"
    "top.cluster_cipher_suites"                     = "cluster traffic always uses TLS 1.3; remove it"
  }
}
