# Host (source: host, read under --root). Probes are {state, reason, value}: `requires` turns a
# fact that could not be read into `skip` (or `error`) with its reason, never into `pass`.
# Facts: host.effective (live process values preferred over the unit's), host.unit, host.account,
# host.files, host.config_named_files, host.swap, host.history, host.listeners, host.firewall, ...

rule "host.service-user-root" {
  title     = "The server does not run as root"
  severity  = "critical"
  profile   = "baseline"
  sources   = ["host"]
  requires  = [host.effective.user]
  condition = !host.effective.user.value.is_root
  message   = "the server runs as root (${host.effective.user.value.source}: ${host.effective.user.value.detail}): a compromise of Vault is a compromise of the host"
  pass_message = "runs as ${coalesce(host.effective.user.value.name, "uid ${host.effective.user.value.uid}")} (${host.effective.user.value.source})"
  evidence  = { uid = host.effective.user.value.uid, name = host.effective.user.value.name, source = host.effective.user.value.source, pid = host.effective.user.value.source == "process" ? host.effective.pid : null }
  fix       = { action = "systemd", directives = ["User={account}", "Group={group}"] }
  rationale = "HashiCorp's first baseline recommendation: run Vault as a dedicated unprivileged account, so that a flaw in Vault or a plugin does not hand over the host."
  remediation = "Create the service account unless it exists (useradd --system --no-create-home --shell /usr/sbin/nologin ${scan.service.account}), set User=${scan.service.account} and Group=${scan.service.group} in ${scan.service.unit} (systemctl edit ${scan.service.unit}), give it the storage (chown -R ${scan.service.account}:${scan.service.group} ${scan.service.storage_dir})${scan.service.product == "openbao" ? "" : " and only CAP_IPC_LOCK (Vault with mlock)"}, and restart. The host findings caused by running as root are then judged again."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#do-not-run-as-root",
    "NIST SP 800-53 AC-6; CIS Controls v8 5.4",
  ]
}

rule "host.service-account-shell" {
  title     = "The service account has no login shell"
  severity  = "medium"
  profile   = "production"
  sources   = ["host"]
  requires  = [host.account]
  condition = !host.account.value.login_shell
  message   = "service account ${host.account.value.name} has the login shell ${host.account.value.shell}"
  pass_message = "${host.account.value.name} has ${host.account.value.shell}"
  evidence  = { account = host.account.value.name, shell = host.account.value.shell }
  rationale = "A service account with a login shell can be used to log in (su, ssh keys, cron) and run commands with the server's access to its files and keys."
  # Root's shell is root's: advising usermod on it would lock root out.
  caused_by = scan.service.runs_as_root ? "host.service-user-root" : null
  remediation = scan.service.runs_as_root ? "Leave root's shell alone (usermod on root locks root out): the service account is root because the server runs as root. Fix host.service-user-root first; the ${scan.service.account} account it creates has no login shell." : "usermod --shell /usr/sbin/nologin ${scan.service.account} (the Vault and OpenBao packages create it with /bin/false)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#do-not-run-as-root",
    "NIST SP 800-53 AC-2, AC-6",
  ]
}

rule "host.swap-enabled" {
  title     = "Secrets cannot be swapped to disk"
  severity  = "high"
  profile   = "baseline"
  sources   = ["host"]
  requires  = [host.swap]
  skip_if   = host.swap.value.active && host.effective.swap_fence.state != "ok" ? "swap is active, and whether the server is fenced from it cannot be told: ${host.effective.swap_fence.reason}" : null
  condition = host.swap.value.active ? host.effective.swap_fence.value.fenced : true
  message   = "swap is active (${join(", ", [for e in host.swap.value.entries : e.filename])}, ${floor(host.swap.value.total_kb / 1024)} MiB) and the server is not fenced from it (${host.effective.swap_fence.value.detail})"
  pass_message = host.swap.value.active ? "swap is active but the server is fenced from it (${host.effective.swap_fence.value.detail})" : "no active swap"
  evidence  = {
    swap_active = host.swap.value.active
    swap_areas  = [for e in host.swap.value.entries : e.filename]
    fenced      = host.swap.value.active ? host.effective.swap_fence.value.fenced : null
    pid         = host.swap.value.active && host.effective.swap_fence.state == "ok" ? (host.effective.swap_fence.value.source == "process" ? host.effective.pid : null) : null
  }
  fix       = { action = "systemd", directives = ["MemorySwapMax=0"] }
  rationale = "Vault holds decrypted secrets and the root key in memory. Swapped pages land on disk in clear text and survive reboots. With integrated storage HashiCorp recommends disabling swap; OpenBao removed mlock and relies on MemorySwapMax=0 (cgroup memory.swap.max = 0)."
  remediation = "Disable swap (swapoff -a and remove it from /etc/fstab), or fence the service from it with MemorySwapMax=0 in the unit."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-swap",
    "https://openbao.org/docs/install/#post-installation-hardening",
    "NIST SP 800-53 SC-28",
  ]
}

rule "host.core-dumps" {
  title     = "Core dumps are disabled for the server"
  severity  = "high"
  profile   = "baseline"
  sources   = ["host"]
  requires  = [host.effective.core_limit]
  condition = host.effective.core_limit.value.disabled
  message   = host.effective.core_limit.value.source == "process" ? "core dumps are possible: core file size is soft ${host.effective.core_limit.value.soft}, hard ${host.effective.core_limit.value.hard} (${host.effective.core_limit.value.detail}); the hard limit must be 0 too, or the process can raise it" : "core dumps are possible: the unit ${host.effective.core_limit.value.set_in_unit == true ? "sets" : "does not set"} LimitCORE=0 (${host.effective.core_limit.value.detail})"
  pass_message = "core file size 0 (${host.effective.core_limit.value.source})"
  evidence  = {
    soft   = host.effective.core_limit.value.soft
    hard   = host.effective.core_limit.value.hard
    source = host.effective.core_limit.value.source
    pid    = host.effective.core_limit.value.source == "process" ? host.effective.pid : null
  }
  fix       = { action = "systemd", directives = ["LimitCORE=0"] }
  rationale = "A core dump of Vault contains the decrypted root key and secrets. Soft and hard RLIMIT_CORE must be 0 (LimitCORE=0); OpenBao's packaged unit does not set it."
  remediation = "Add LimitCORE=0 to the [Service] section (a drop-in: systemctl edit ${scan.service.unit}), then restart the service."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-core-dumps",
    "NIST SP 800-53 SC-28",
  ]
}

rule "host.mlock-capability" {
  title     = "Vault can lock its memory (CAP_IPC_LOCK)"
  severity  = "medium"
  profile   = "production"
  sources   = ["host", "config"]
  products  = ["vault"]
  skip_if   = config.disable_mlock ? "mlock is disabled in the config (disable_mlock = true)" : (host.effective.process.reason != null ? host.effective.process.reason : (!host.effective.ipc_lock.cap_ipc_lock && host.effective.ipc_lock.memlock_unlimited == null ? "no CAP_IPC_LOCK found and the locked-memory limit is unknown (no running server process, no LimitMEMLOCK= in a unit): cannot tell whether Vault can lock its memory" : null))
  condition = host.effective.ipc_lock.cap_ipc_lock || host.effective.ipc_lock.memlock_unlimited == true
  message   = "mlock is on but Vault has no CAP_IPC_LOCK (no file capability on the binary, no AmbientCapabilities=, not in the process's effective set) and no unlimited locked-memory limit: it cannot lock memory and refuses to start"
  pass_message = join("; ", concat(host.effective.ipc_lock.sources, host.effective.ipc_lock.memlock_unlimited == true ? ["locked memory unlimited"] : []))
  evidence  = { cap_ipc_lock = host.effective.ipc_lock.cap_ipc_lock, sources = host.effective.ipc_lock.sources, memlock_unlimited = host.effective.ipc_lock.memlock_unlimited, pid = host.effective.pid }
  fix       = { action = "systemd", directives = ["CapabilityBoundingSet=CAP_SYSLOG CAP_IPC_LOCK", "AmbientCapabilities=CAP_IPC_LOCK"] }
  rationale = "With mlock on, Vault locks its memory so secrets never reach swap; that needs CAP_IPC_LOCK (or an unlimited RLIMIT_MEMLOCK). Without it Vault fails at start, which tempts operators to set disable_mlock instead."
  remediation = "setcap cap_ipc_lock=+ep ${scan.service.binary}, or AmbientCapabilities=CAP_IPC_LOCK with CapabilityBoundingSet including it and LimitMEMLOCK=infinity in the unit."
  references = [
    "https://developer.hashicorp.com/vault/docs/configuration#disable_mlock",
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-swap",
  ]
}

rule "host.binary-writable" {
  title     = "The server binary cannot be replaced by the service account"
  severity  = "high"
  profile   = "baseline"
  sources   = ["host"]
  for_each  = host.files.binary
  subject   = "${each.value.role == "server_binary" ? "binary" : "directory"} ${each.value.path}"
  skip_if   = each.value.stat.state != "ok" ? each.value.stat.reason : null
  condition = !(each.value.stat.value.writable_by_account || each.value.stat.value.writable_by_account_group || each.value.stat.value.writable_by_others)
  message   = "${each.value.path} (${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}) is writable by ${join(" and ", compact([each.value.stat.value.writable_by_account ? "the service account" : "", each.value.stat.value.writable_by_account_group ? "its group" : "", each.value.stat.value.writable_by_others ? "others" : ""]))}: whoever can write it runs code as Vault"
  pass_message = "${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}"
  evidence  = { path = each.value.path, owner = each.value.stat.value.owner, group = each.value.stat.value.group, mode = each.value.stat.value.mode }
  when_none = "skip"
  when_none_message = "no server binary found (no running process, no unit ExecStart=)"
  fix       = { action = "shell", commands = ["chown root:root {path}", "chmod go-w {path}"], risk = "none for the server; a package upgrade may reset it" }
  rationale = "HashiCorp asks for minimal write privileges: a service account that can overwrite its own binary or its directory can persist a backdoor that runs with every secret."
  # As root the server can write any file: a root-owned binary with no group or other write
  # fails only because of that, and chown/chmod would change nothing.
  caused_by = scan.service.runs_as_root && each.value.stat.value.owned_by_root && !each.value.stat.value.group_writable && !each.value.stat.value.writable_by_others ? "host.service-user-root" : null
  remediation = each == null ? "chown root:root the binary (${scan.service.binary}) and its directory, and chmod go-w both (0755)." : coalesce(join("; ", compact([
    each.value.stat.value.owned_by_root ? "" : "chown root:root ${each.value.path}",
    each.value.stat.value.group_writable || each.value.stat.value.writable_by_others ? "chmod go-w ${each.value.path}" : "",
    !scan.service.runs_as_root ? "" : (each.value.stat.value.owned_by_root && !each.value.stat.value.group_writable && !each.value.stat.value.writable_by_others ? "nothing to change on ${each.value.path} (already ${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}, no group or other write): the server writes it because it runs as root; fix host.service-user-root first" : "then run the server as ${scan.service.account}, not root (host.service-user-root): root can write any file"),
  ])), "remove the ACL entries that let ${scan.service.account} write ${each.value.path} (setfacl -b ${each.value.path})")
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#minimal-write-privileges",
    "NIST SP 800-53 CM-5, SI-7",
  ]
}

rule "host.config-writable" {
  title     = "The config cannot be changed by the service account"
  severity  = "high"
  profile   = "production"
  sources   = ["host"]
  for_each  = host.files.config
  subject   = "${each.value.role == "config_dir" ? "directory" : "config"} ${each.value.path}"
  skip_if   = each.value.stat.state != "ok" ? each.value.stat.reason : null
  condition = !(each.value.stat.value.writable_by_account || each.value.stat.value.writable_by_others)
  message   = "${each.value.path} (${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}) is writable by ${join(" and ", compact([each.value.stat.value.writable_by_account ? "the service account" : "", each.value.stat.value.writable_by_others ? "others" : ""]))}"
  pass_message = "${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}"
  evidence  = { path = each.value.path, owner = each.value.stat.value.owner, group = each.value.stat.value.group, mode = each.value.stat.value.mode }
  when_none = "skip"
  when_none_message = "no config file found on the host"
  fix       = { action = "shell", commands = ["chown root:{group} {path}", "chmod g-w,o-w {path}"], risk = "the server reads its config through its group: check it still starts (bao/vault operator validate-config)" }
  rationale = "A service account that can rewrite its config can turn on raw_storage_endpoint, add a listener without TLS or point the seal elsewhere at the next restart. Note that the official packages chown /etc/vault.d to the service account."
  caused_by = scan.service.runs_as_root && each.value.stat.value.owned_by_root && !each.value.stat.value.writable_by_others ? "host.service-user-root" : null
  remediation = each == null ? "chown -R root:${scan.service.group} ${scan.service.config_dir}; chmod 0750 the directory and 0640 the files." : coalesce(join("; ", compact([
    scan.service.runs_as_root && each.value.stat.value.owned_by_root && !each.value.stat.value.writable_by_others ? "fix host.service-user-root first: ${each.value.path} is already root's and not writable by others (${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}); the server writes it because it runs as root" : "",
    each.value.stat.value.owned_by_root && each.value.stat.value.group == scan.service.group ? "" : "chown root:${scan.service.group} ${each.value.path}",
    each.value.stat.value.mode == (each.value.role == "config_dir" ? "0750" : "0640") ? "" : "chmod ${each.value.role == "config_dir" ? "0750" : "0640"} ${each.value.path}",
    scan.service.runs_as_root && !(each.value.stat.value.owned_by_root && !each.value.stat.value.writable_by_others) ? "then run the server as ${scan.service.account}, not root (host.service-user-root): root can write any file" : "",
  ])), "remove the ACL entries that let ${scan.service.account} write ${each.value.path} (setfacl -b ${each.value.path})")
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#minimal-write-privileges",
    "NIST SP 800-53 CM-5",
  ]
}

rule "host.tls-key-permissions" {
  title     = "TLS private keys are private"
  severity  = "high"
  profile   = "baseline"
  sources   = ["host", "config"]
  for_each  = [for f in host.config_named_files : f if f.role == "tls_key"]
  subject   = "key ${each.value.path}"
  skip_if   = each.value.stat.state != "ok" ? each.value.stat.reason : null
  condition = !each.value.stat.value.group_readable && !each.value.stat.value.readable_by_others && (each.value.stat.value.owned_by_root || each.value.stat.value.owned_by_account)
  message   = "TLS key ${each.value.path} is ${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}: ${join("; ", compact([each.value.stat.value.readable_by_others ? "readable by others" : "", each.value.stat.value.group_readable ? "readable by its group" : "", !(each.value.stat.value.owned_by_root || each.value.stat.value.owned_by_account) ? "owned by neither root nor the service account" : ""]))}"
  pass_message = "${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}"
  location  = each.value.named_at
  evidence  = { path = each.value.path, owner = each.value.stat.value.owner, group = each.value.stat.value.group, mode = each.value.stat.value.mode }
  when_none = "skip"
  when_none_message = "no TLS listener names a key file"
  fix       = { action = "shell", commands = ["chown {account}:{group} {path}", "chmod 0600 {path}"], risk = "another service that reads this key (a proxy) loses access" }
  rationale = "Whoever reads the listener's private key can impersonate Vault to clients and decrypt recorded traffic."
  caused_by = scan.service.runs_as_root && !each.value.stat.value.owned_by_root && !each.value.stat.value.group_readable && !each.value.stat.value.readable_by_others ? "host.service-user-root" : null
  remediation = each == null ? "chown ${scan.service.account}:${scan.service.group} the key (or keep it root's) and chmod 0600 it." : join("; ", compact([
    scan.service.runs_as_root && !each.value.stat.value.owned_by_root ? "fix host.service-user-root first: the key belongs to ${each.value.stat.value.owner}, and the server runs as root" : (each.value.stat.value.owned_by_root || each.value.stat.value.owned_by_account ? "" : "chown ${scan.service.account}:${scan.service.group} ${each.value.path}"),
    each.value.stat.value.group_readable || each.value.stat.value.readable_by_others ? "chmod 0600 ${each.value.path}" : "",
  ]))
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#end-to-end-tls",
    "NIST SP 800-53 SC-12",
  ]
}

rule "host.storage-permissions" {
  title     = "Storage is private to the service account"
  severity  = "medium"
  profile   = "production"
  sources   = ["host", "config"]
  for_each  = [for f in host.config_named_files : f if f.role == "storage"]
  subject   = "storage ${each.value.path}"
  skip_if   = each.value.stat.state != "ok" ? each.value.stat.reason : null
  condition = !each.value.stat.value.readable_by_others && each.value.stat.value.owned_by_account
  message   = "storage path ${each.value.path} is ${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}: ${join("; ", compact([each.value.stat.value.readable_by_others ? "readable by others" : "", !each.value.stat.value.owned_by_account ? "not owned by the service account" : ""]))}"
  pass_message = "${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}"
  location  = each.value.named_at
  evidence  = { path = each.value.path, owner = each.value.stat.value.owner, mode = each.value.stat.value.mode }
  when_none = "skip"
  when_none_message = "no raft or file storage path in the config"
  fix       = { action = "shell", commands = ["chown -R {account}:{group} {path}", "chmod o-rwx {path}"], risk = "stop the server first if it runs as another account" }
  rationale = "The storage is encrypted, but its files reveal structure and can be copied for offline attacks or rolled back; HashiCorp asks to restrict storage access to the service account (raft: directory 0700, files 0600)."
  caused_by = scan.service.runs_as_root && !each.value.stat.value.owned_by_root && !each.value.stat.value.readable_by_others ? "host.service-user-root" : null
  remediation = each == null ? "chown -R ${scan.service.account}:${scan.service.group} the storage path (${scan.service.storage_dir}) and chmod 0700 it." : join("; ", compact([
    scan.service.runs_as_root && !each.value.stat.value.owned_by_root ? "fix host.service-user-root first: ${each.value.path} belongs to ${each.value.stat.value.owner}, and the server runs as root" : (each.value.stat.value.owned_by_account ? "" : "chown -R ${scan.service.account}:${scan.service.group} ${each.value.path}"),
    each.value.stat.value.readable_by_others ? "chmod 0700 ${each.value.path}" : "",
  ]))
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#restrict-storage-access",
    "NIST SP 800-53 AC-3",
  ]
}

rule "host.audit-log-permissions" {
  title     = "File audit logs are not readable by others"
  severity  = "medium"
  profile   = "production"
  sources   = ["host", "config"]
  for_each  = [for f in host.config_named_files : f if f.role == "audit_log"]
  subject   = "audit log ${each.value.path}"
  skip_if   = each.value.stat.state != "ok" ? each.value.stat.reason : null
  condition = !each.value.stat.value.readable_by_others
  message   = "audit log ${each.value.path} is ${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}: readable by every local user"
  pass_message = "${each.value.stat.value.owner}:${each.value.stat.value.group} ${each.value.stat.value.mode}"
  location  = each.value.named_at
  evidence  = { path = each.value.path, mode = each.value.stat.value.mode }
  when_none = "skip"
  when_none_message = "no file audit device declared in the config (devices enabled over the API are seen with --addr)"
  fix       = { action = "shell", commands = ["chmod o-rwx {path}"], risk = "a log shipper reading as another user needs the group instead" }
  rationale = "Audit logs hash secrets, but they record who accessed which path when, token accessors and request metadata: material for an attacker's reconnaissance."
  remediation = "chmod 0600 the audit log (the file device's mode option, default 0600) and keep its directory private."
  references = [
    "https://developer.hashicorp.com/vault/docs/audit/file",
    "NIST SP 800-53 AU-9",
  ]
}

rule "host.systemd-hardening" {
  title     = "The unit uses systemd's sandboxing"
  severity  = "low"
  profile   = "production"
  sources   = ["host"]
  params    = {
    directives = {
      protect_system    = "ProtectSystem"
      protect_home      = "ProtectHome"
      private_tmp       = "PrivateTmp"
      private_devices   = "PrivateDevices"
      no_new_privileges = "NoNewPrivileges"
    }
  }
  requires  = [host.unit]
  condition = length([for k, name in params.directives : name if(lookup(host.unit.value, k, null) == null ? true : contains([false, "false", "no"], host.unit.value[k].value))]) == 0
  message   = "${host.unit.value.name} lacks ${join(", ", [for k, name in params.directives : name if(lookup(host.unit.value, k, null) == null ? true : contains([false, "false", "no"], host.unit.value[k].value))])}"
  pass_message = "${host.unit.value.name} sets ${join(", ", values(params.directives))}"
  location  = { file = host.unit.value.fragment, line = 1, column = 1 }
  evidence  = { unit_files = host.unit.value.files, missing = [for k, name in params.directives : name if(lookup(host.unit.value, k, null) == null ? true : contains([false, "false", "no"], host.unit.value[k].value))] }
  fix       = { action = "systemd", for_missing = { ProtectSystem = "ProtectSystem=full", ProtectHome = "ProtectHome=read-only", PrivateTmp = "PrivateTmp=yes", PrivateDevices = "PrivateDevices=yes", NoNewPrivileges = "NoNewPrivileges=yes" } }
  rationale = "HashiCorp's extended hardening recommends systemd's sandboxing: a read-only /usr and /etc (ProtectSystem), no access to home directories, a private /tmp and /dev, and no privilege gain through setuid binaries."
  remediation = "Add ProtectSystem=full, ProtectHome=read-only, PrivateTmp=yes, PrivateDevices=yes and NoNewPrivileges=yes to the [Service] section (as the packaged units do)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#extended-recommendations",
    "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html",
  ]
}

rule "host.shell-history" {
  title     = "Shell histories hold no Vault secrets"
  severity  = "high"
  profile   = "baseline"
  sources   = ["host"]
  requires  = [host.history.homes_problem == null ? { state = "ok" } : { state = "skip", reason = host.history.homes_problem }]
  # Histories that could not be read are subjects too: they are skipped with the reason, so a
  # scan that could not read them is never reported as clean.
  for_each  = concat(
    [for s in host.history.secrets : merge(s, { unreadable = null })],
    [for f in host.history.files : { file = f.path, line = 0, description = null, kind = null, unreadable = f.lines.reason } if f.lines.state != "ok"],
  )
  subject   = each.value.line > 0 ? "${each.value.file}:${each.value.line}" : each.value.file
  skip_if   = each.value.unreadable
  condition = false
  message   = "${each.value.file} line ${each.value.line} holds a secret (${each.value.description}); the value is not shown"
  location  = { file = each.value.file, line = each.value.line, column = 1 }
  evidence  = { file = each.value.file, line = each.value.line, kind = each.value.kind }
  when_none = "pass"
  when_none_message = "no vault or bao command with a secret in ${length(host.history.files)} shell histories"
  rationale = "Tokens, unseal keys and passwords typed on the command line stay in shell history files, readable by anyone who gets the account or its backups."
  remediation = "Remove the lines (and revoke the token or rekey), pass secrets on stdin (vault login without an argument, vault operator unseal prompts) and set HISTIGNORE."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-shell-command-history",
    "NIST SP 800-53 IA-5(7)",
  ]
}

rule "host.history-not-ignored" {
  title     = "Shell history ignores vault and bao commands"
  severity  = "low"
  profile   = "strict"
  sources   = ["host"]
  condition = host.history.histignore.covers_vault && host.history.histignore.covers_bao
  message   = "no HISTIGNORE covering ${join(" and ", compact([host.history.histignore.covers_vault ? "" : "vault", host.history.histignore.covers_bao ? "" : "bao"]))} commands in the system shell profiles (${length(host.history.histignore.files_read) == 0 ? "none found" : join(", ", host.history.histignore.files_read)})"
  pass_message = "HISTIGNORE=${host.history.histignore.histignore}"
  evidence  = { histignore = host.history.histignore.histignore, files_read = host.history.histignore.files_read }
  rationale = "HISTIGNORE keeps commands that carry secrets out of shell history in the first place; HashiCorp's guide suggests ignoring vault commands."
  remediation = "Add export HISTIGNORE=\"&:vault*:bao*\" to /etc/profile.d/vault.sh."
  references = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#disable-shell-command-history"]
}

rule "host.token-file" {
  title     = "No Vault token files lie in home directories"
  severity  = "medium"
  profile   = "production"
  sources   = ["host"]
  for_each  = host.history.token_files
  subject   = each.value.path
  condition = false
  message   = "${each.value.path} holds a Vault token${each.value.stat.state == "ok" ? " (${each.value.stat.value.owner} ${each.value.stat.value.mode})" : ""}: a leftover login token, often root"
  location  = { file = each.value.path, line = 1, column = 1 }
  evidence  = { path = each.value.path, mode = each.value.stat.state == "ok" ? each.value.stat.value.mode : null }
  when_none = "pass"
  when_none_message = "no .vault-token file in /root or /home/*"
  rationale = "vault login writes the token to ~/.vault-token in clear text; on a server that is typically a long-lived privileged token waiting to be found."
  remediation = "Revoke the token (${scan.service.cli} token revoke -self), delete the file, and use short-lived tokens with VAULT_TOKEN from a secure source."
  references = ["https://developer.hashicorp.com/vault/docs/commands/login", "NIST SP 800-53 IA-5"]
}

rule "host.single-tenancy" {
  title     = "Vault is the only service on the node"
  severity  = "low"
  profile   = "strict"
  sources   = ["host"]
  params    = { allow = ["sshd", "chronyd", "systemd-resolve", "node_exporter"] }
  requires  = [host.listeners]
  for_each  = [for l in host.listeners.value.listeners : l if !l.server && !contains(params.allow, coalesce(l.comm, "unknown"))]
  subject   = "${coalesce(each.value.comm, "unknown process")} on ${each.value.address}:${each.value.port}"
  condition = false
  message   = "${coalesce(each.value.comm, "an unknown process")} listens on ${each.value.address}:${each.value.port}"
  evidence  = { address = each.value.address, port = each.value.port, process = each.value.comm, pid = each.value.pid }
  when_none = "pass"
  when_none_message = "no TCP service besides the server and the allow-list"
  rationale = "HashiCorp recommends single tenancy: every other service on the node is attack surface that shares memory, kernel and disks with Vault."
  remediation = "Move the other services off the node, or add them to the allow-list if they are part of the platform (--set host.single-tenancy.allow='[\"sshd\",\"node_exporter\"]')."
  references = ["https://developer.hashicorp.com/vault/docs/concepts/production-hardening#single-tenancy"]
}

rule "host.firewall" {
  title     = "A host firewall guards listeners on all interfaces"
  severity  = "medium"
  profile   = "production"
  sources   = ["host"]
  requires  = [host.listeners]
  skip_if   = host.firewall.status == "unknown" ? "cannot tell whether a firewall is active: ${host.firewall.reason}" : null
  condition = length([for l in host.listeners.value.listeners : l if l.server && l.all_interfaces]) == 0 || host.firewall.status == "active"
  message   = "the server listens on all interfaces (${join(", ", [for l in host.listeners.value.listeners : "${l.address}:${l.port}" if l.server && l.all_interfaces])}) and no host firewall is active (${host.firewall.reason})"
  pass_message = host.firewall.status == "active" ? host.firewall.reason : "the server binds no wildcard address"
  evidence  = { firewall = host.firewall.status, wildcard_listeners = [for l in host.listeners.value.listeners : "${l.address}:${l.port}" if l.server && l.all_interfaces] }
  rationale = "A listener on 0.0.0.0 or [::] is reachable from every network the node is on; a host firewall limits the API and cluster ports to the clients and peers that need them."
  remediation = "Enable nftables, firewalld or ufw with rules that allow 8200/8201 only from known networks, or bind the listener to one interface."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening#firewall-traffic",
    "NIST SP 800-53 SC-7",
  ]
}

rule "host.time-sync" {
  title     = "Time is synchronised"
  severity  = "low"
  profile   = "production"
  sources   = ["host"]
  skip_if   = host.environment.container != null ? "in a container (${host.environment.container}) the clock is the host's: check time sync on the host" : (host.time_sync.status == "unknown" ? "cannot tell whether time is synchronised: ${host.time_sync.reason}" : null)
  condition = host.time_sync.status == "active"
  message   = "no time synchronisation service is active (${host.time_sync.reason})"
  pass_message = host.time_sync.reason
  evidence  = { status = host.time_sync.status, evidence = host.time_sync.evidence }
  rationale = "TTLs, certificate validity, audit timestamps and raft all depend on correct clocks; HashiCorp lists clock synchronisation among the baseline recommendations."
  remediation = "Enable chrony or systemd-timesyncd (systemctl enable --now chrony)."
  references = [
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening",
    "NIST SP 800-53 AU-8",
  ]
}

rule "host.snapshot-schedule" {
  title     = "Raft snapshots are taken on a schedule"
  severity  = "low"
  profile   = "production"
  sources   = ["host", "config"]
  requires  = [host.snapshot_schedule]
  skip_if   = config.storage == null ? "no storage block in the configuration" : (config.storage.type != "raft" ? "storage is ${config.storage.type}, not raft" : null)
  condition = length(host.snapshot_schedule.value.jobs) > 0
  message   = "raft storage, and no cron job or systemd timer runs operator raft snapshot save (${host.snapshot_schedule.value.files_read} schedule files read)"
  pass_message = join("; ", [for j in host.snapshot_schedule.value.jobs : "${j.source} ${j.file}:${j.line}"])
  evidence  = { jobs = [for j in host.snapshot_schedule.value.jobs : { source = j.source, file = j.file, line = j.line, schedule = j.schedule }] }
  rationale = "Integrated storage keeps all data on the cluster's disks; without regular snapshots a bad upgrade, operator error or lost quorum means lost secrets. (Vault Enterprise automated snapshots are configured in Vault itself and are not seen here.)"
  remediation = "Schedule ${scan.service.cli} operator raft snapshot save (cron or a systemd timer) with a short-lived token, and copy snapshots off the cluster."
  references = [
    "https://developer.hashicorp.com/vault/docs/commands/operator/raft#snapshot-save",
    "NIST SP 800-53 CP-9",
  ]
}
