//! Every real unit of `shared/corpus/systemd/` parses, with the values its manifest notes.

use std::path::PathBuf;

use super::common::{LimitValue, Product, RLimit};
use super::secrets::SecretKind;
use super::systemd::{evaluate_unit_texts, UnitFacts};

/// Finds `shared/corpus/systemd` above the crate (wip/host → main → work, or main → work).
fn corpus_dir() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let cand = dir.join("shared/corpus/systemd");
        if cand.is_dir() {
            return cand;
        }
        assert!(
            dir.pop(),
            "shared/corpus/systemd not found above {}; the corpus ships beside the repository",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}

fn load(file: &str) -> UnitFacts {
    let path = corpus_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read corpus file {}: {e}", path.display()));
    let name = if file.contains("openbao.service") {
        "openbao.service"
    } else {
        "vault.service"
    };
    evaluate_unit_texts(name, &[(format!("/usr/lib/systemd/system/{name}"), text)])
}

fn v<T: Clone>(s: &Option<super::systemd::Setting<T>>) -> Option<T> {
    s.as_ref().map(|s| s.value.clone())
}

const ZERO: RLimit = RLimit {
    soft: LimitValue::Value(0),
    hard: LimitValue::Value(0),
};
const INF: RLimit = RLimit {
    soft: LimitValue::Unlimited,
    hard: LimitValue::Unlimited,
};

#[test]
fn every_corpus_unit_parses_without_panic() {
    let dir = corpus_dir();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("MANIFEST") || name.ends_with(".md") {
            continue;
        }
        let u = load(&name);
        // Every unit names a command; nothing panics; the JSON form is produced.
        assert!(u.exec_start.is_some(), "{name}: no ExecStart");
        serde_json::to_string(&u).unwrap();
        n += 1;
    }
    assert!(n >= 15, "expected the 15 corpus units, found {n}");
}

#[test]
fn official_vault_unit() {
    let u = load("hashicorp__vault__.release_linux_package_usr_lib_systemd_system_vault.service");
    assert_eq!(v(&u.user).as_deref(), Some("vault"));
    assert_eq!(v(&u.group).as_deref(), Some("vault"));
    assert_eq!(v(&u.service_type).as_deref(), Some("simple"));
    assert_eq!(v(&u.limit_core), Some(ZERO));
    assert_eq!(u.limit_core.as_ref().unwrap().line, 32);
    assert_eq!(v(&u.limit_memlock), Some(INF));
    assert_eq!(
        v(&u.limit_nofile).map(|l| l.soft),
        Some(LimitValue::Value(65536))
    );
    assert_eq!(v(&u.protect_system).as_deref(), Some("full"));
    assert_eq!(v(&u.protect_home).as_deref(), Some("read-only"));
    assert_eq!(v(&u.private_tmp), Some(true));
    assert_eq!(v(&u.private_devices), Some(true));
    assert_eq!(v(&u.no_new_privileges), Some(true));
    assert!(u.ambient_capabilities.as_ref().unwrap().set.ipc_lock);
    assert_eq!(
        u.capability_bounding_set.as_ref().unwrap().set.names,
        vec!["CAP_IPC_LOCK", "CAP_SYSLOG"]
    );
    assert_eq!(u.environment_files[0].path, "/etc/vault.d/vault.env");
    assert!(!u.environment_files[0].optional);
    let x = u.exec_start.unwrap();
    assert!(x.is_server);
    assert_eq!(x.product, Some(Product::Vault));
    assert_eq!(x.config_paths, vec!["/etc/vault.d/vault.hcl"]);
    assert!(u.memory_swap_max.is_none());
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
}

#[test]
fn official_openbao_unit() {
    let u = load("openbao__openbao__.release_linux_package_usr_lib_systemd_system_openbao.service");
    assert_eq!(v(&u.user).as_deref(), Some("openbao"));
    assert_eq!(v(&u.service_type).as_deref(), Some("notify"));
    assert_eq!(v(&u.memory_swap_max), Some(Some(LimitValue::Value(0))));
    assert!(u.limit_core.is_none(), "OpenBao's unit has no LimitCORE");
    assert!(u.limit_nofile.is_none());
    assert!(u.limit_memlock.is_none());
    assert!(u.ambient_capabilities.is_none());
    let b = &u.capability_bounding_set.as_ref().unwrap().set;
    assert_eq!(b.names, vec!["CAP_SYSLOG"]);
    assert!(!b.ipc_lock);
    assert_eq!(v(&u.no_new_privileges), Some(true));
    assert_eq!(v(&u.protect_system).as_deref(), Some("full"));
    let x = u.exec_start.unwrap();
    assert_eq!(x.product, Some(Product::Openbao));
    assert_eq!(x.config_paths, vec!["/etc/openbao/openbao.hcl"]);
}

#[test]
fn openbao_fedora_copy_of_old_vault_unit() {
    let u = load("openbao__openbao-fedora__vault.service");
    assert_eq!(v(&u.user).as_deref(), Some("vault"));
    assert!(u.ambient_capabilities.as_ref().unwrap().set.ipc_lock);
    assert!(u.capability_bounding_set.as_ref().unwrap().set.ipc_lock);
    assert_eq!(v(&u.limit_memlock), Some(INF));
    assert!(u.limit_core.is_none());
    assert_eq!(v(&u.no_new_privileges), Some(true));
}

#[test]
fn minimal_aur_unit() {
    let u = load("archlinux__aur__vault.service");
    assert_eq!(v(&u.user).as_deref(), Some("vault"));
    assert!(u.group.is_none());
    assert!(u.limit_core.is_none() && u.limit_memlock.is_none());
    assert!(u.protect_system.is_none() && u.protect_home.is_none());
    assert!(u.private_tmp.is_none() && u.private_devices.is_none());
    assert!(u.no_new_privileges.is_none());
    assert!(u.capability_bounding_set.is_none() && u.ambient_capabilities.is_none());
    assert_eq!(u.exec_start.unwrap().config_paths, vec!["/etc/vault.hcl"]);
}

#[test]
fn copr_unit_takes_args_from_the_environment() {
    let u = load("jboero__hashicorpcopr__vault.service");
    assert_eq!(u.environment_files[0].path, "/etc/sysconfig/vault.conf");
    assert!(u.environment_files[0].optional);
    let x = u.exec_start.unwrap();
    assert_eq!(x.unresolved_variables, vec!["VAULT_ARGS"]);
    assert!(x.config_paths.is_empty());
    assert!(
        !x.is_server,
        "server arguments are not visible without the env file"
    );
    assert_eq!(x.product, Some(Product::Vault));
    assert!(u.no_new_privileges.is_none());
}

#[test]
fn mterron_deprecated_capabilities_directive() {
    let u = load("mterron__init-scripts__vault.service");
    assert!(u.ambient_capabilities.is_none());
    assert!(u.capability_bounding_set.as_ref().unwrap().set.ipc_lock);
    assert!(u
        .warnings
        .iter()
        .any(|w| w.message.contains("Capabilities=")));
    assert_eq!(v(&u.no_new_privileges), Some(true));
    assert_eq!(
        u.exec_start.unwrap().config_paths,
        vec!["/etc/vault.d/agent/config.hcl"]
    );
    assert_eq!(u.environment[0].key, "GOMAXPROCS");
    assert_eq!(u.environment[0].value.as_deref(), Some("4"));
}

#[test]
fn cleartext_aws_credentials_are_reported_not_copied() {
    let u = load("aanuoluwapoakinyera__hashicorp__vault_config_files_vault.service");
    let vars: Vec<&str> = u
        .secrets
        .iter()
        .filter_map(|s| s.variable.as_deref())
        .collect();
    assert_eq!(vars, vec!["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    assert!(u
        .secrets
        .iter()
        .all(|s| s.kind == SecretKind::SecretVariable));
    assert_eq!(u.secrets[1].line, 35);
    let region = u
        .environment
        .iter()
        .find(|e| e.key == "AWS_REGION")
        .unwrap();
    assert_eq!(region.value.as_deref(), Some("ca-central-1"));
    let json = serde_json::to_string(&u).unwrap();
    for secret in ["AKIA1234456ZZEERRT", "WWoomh5ouybRiinnfe"] {
        assert!(!json.contains(secret), "{secret} leaked into facts");
        assert!(
            !format!("{u:?}").contains(secret),
            "{secret} leaked into Debug"
        );
    }
    assert_eq!(v(&u.limit_memlock), Some(INF));
    assert!(u.limit_core.is_none());
}

#[test]
fn packer_unit_duplicate_directive_last_wins() {
    let u = load(
        "aanuoluwapoakinyera__hashicorp__packer_templates_GitLab_Integration_files_vault.service",
    );
    let ps = u.protect_system.as_ref().unwrap();
    assert_eq!(
        (ps.value.as_str(), ps.raw.as_str(), ps.line),
        ("full", "full", 15)
    );
    assert_eq!(v(&u.no_new_privileges), Some(true));
    assert!(u.limit_core.is_none());
    assert_eq!(
        u.exec_start.unwrap().binary.as_deref(),
        Some("/usr/local/bin/vault")
    );
}

#[test]
fn jinja_template_is_parsed_best_effort_and_flagged() {
    let u = load("ansible-community__ansible-vault__templates_vault_service_systemd.j2");
    assert!(u.looks_templated);
    assert!(u
        .warnings
        .iter()
        .any(|w| w.message.contains("template markup")));
    assert!(u.warnings.iter().any(|w| w.message.contains("missing '='")));
    assert_eq!(v(&u.user).as_deref(), Some("{{ vault_user }}"));
    assert_eq!(v(&u.limit_core), Some(ZERO));
    assert_eq!(
        v(&u.limit_nofile).map(|l| l.hard),
        Some(LimitValue::Value(524288))
    );
    // Both ExecStart branches of the {% if %} are read, as systemd would read them.
    assert_eq!(u.exec_start_count, 2);
}

#[test]
fn guides_unit_config_directory_and_flags_variable() {
    let u = load("hashicorp__guides-configuration__vault_init_systemd_vault.service");
    let x = u.exec_start.as_ref().unwrap();
    assert_eq!(x.config_paths, vec!["/etc/vault.d"]);
    assert_eq!(x.unresolved_variables, vec!["FLAGS"]);
    assert!(x.is_server);
    assert!(u
        .warnings
        .iter()
        .any(|w| w.message.contains("PermissionsStartOnly")));
    assert_eq!(v(&u.limit_memlock), Some(INF));
    assert!(u.no_new_privileges.is_none() && u.capability_bounding_set.is_none());
}

#[test]
fn docker_wrapped_unit_with_continuations() {
    let u = load("gaia-adm__gaia-fleet__vault.service");
    assert!(u.user.is_none(), "runs as root");
    let x = u.exec_start.unwrap();
    assert_eq!(x.binary.as_deref(), Some("/usr/bin/docker"));
    assert_eq!(x.line, 48);
    assert!(x.argv.contains(&"IPC_LOCK".to_string()));
    assert_eq!(x.argv.last().map(String::as_str), Some("gaiaadm/vault"));
    assert!(!x.is_server);
    assert!(x
        .unresolved_variables
        .contains(&"COREOS_PRIVATE_IPV4".to_string()));
}

#[test]
fn home_directory_unit_and_nix_binary() {
    let u = load("musq__vault-config__vault.service");
    let x = u.exec_start.unwrap();
    assert_eq!(
        x.server_binary.as_deref(),
        Some("/nix/var/nix/profiles/default/bin/vault")
    );
    assert_eq!(
        x.config_paths,
        vec!["/home/ashish/projects/vault/config.hcl"]
    );
    assert_eq!(v(&u.protect_home).as_deref(), Some("read-only"));
    assert!(u.limit_core.is_none());
}

#[test]
fn literal_backslash_dollar_does_not_break_parsing() {
    let u = load("StrongStool0954__infrastructure__openbao.service");
    assert_eq!(v(&u.user).as_deref(), Some("openbao"));
    assert!(u.ambient_capabilities.as_ref().unwrap().set.ipc_lock);
    assert!(u.limit_core.is_none());
    assert_eq!(v(&u.limit_memlock), Some(INF));
    assert_eq!(u.exec_start.unwrap().product, Some(Product::Openbao));
}

#[test]
fn dev_mode_unit() {
    let u = load("rkemery-hashicorp__vagrant-vault-enterprise__vault.service");
    let x = u.exec_start.unwrap();
    assert!(x.is_server && x.dev_mode);
    assert!(x
        .argv
        .contains(&"-dev-listen-address=0.0.0.0:8200".to_string()));
    assert!(u.limit_core.is_none() && u.limit_memlock.is_none());
    // No trailing newline: the last line still counts.
    assert_eq!(v(&u.user).as_deref(), Some("vault"));
}

#[test]
fn unit_without_no_new_privileges() {
    let u = load("Hanzala-Israr__hashicorp-vault-ec2-setup__vault.service");
    assert!(u.no_new_privileges.is_none());
    assert!(u.limit_core.is_none());
    assert!(u.ambient_capabilities.as_ref().unwrap().set.ipc_lock);
    assert!(u
        .warnings
        .iter()
        .any(|w| w.message.contains("Capabilities=")));
}
