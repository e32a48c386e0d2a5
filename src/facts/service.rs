//! `scan.service`: the names remediation text uses (product, account, group, unit, binary,
//! config directory), taken from the host facts where they are known and from the product's
//! packaging otherwise, so advice names `/etc/openbao` and `openbao.service` on OpenBao and
//! the real paths of this node rather than a generic `/etc/vault.d`.

use serde_json::{json, Value as Json};

/// What the official packages of each product install.
struct Packaging {
    name: &'static str,
    account: &'static str,
    unit: &'static str,
    binary: &'static str,
    cli: &'static str,
    config_dir: &'static str,
    storage_dir: &'static str,
}

const VAULT: Packaging = Packaging {
    name: "Vault",
    account: "vault",
    unit: "vault.service",
    binary: "/usr/bin/vault",
    cli: "vault",
    config_dir: "/etc/vault.d",
    storage_dir: "/opt/vault/data",
};

const OPENBAO: Packaging = Packaging {
    name: "OpenBao",
    account: "openbao",
    unit: "openbao.service",
    binary: "/usr/bin/bao",
    cli: "bao",
    config_dir: "/etc/openbao",
    storage_dir: "/opt/openbao/data",
};

/// The service names for `product` (`vault`, `openbao`, `unknown`: taken as Vault) on a host
/// described by `host` (null when the host source is off).
pub fn names(product: &str, host: &Json) -> Json {
    let p = if product == "openbao" {
        &OPENBAO
    } else {
        &VAULT
    };
    let text = |v: &Json| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let user = &host["effective"]["user"];
    let runs_as_root = user["state"] == "ok" && user["value"]["is_root"] == true;
    // The account the server runs as; as root, the account it should run as is the
    // product's own (advising root's name would be advice to do nothing).
    let account = if runs_as_root {
        None
    } else {
        text(&host["account"]["value"]["name"]).or_else(|| text(&user["value"]["name"]))
    };
    let group = if runs_as_root {
        None
    } else {
        text(&host["unit"]["value"]["group"]["value"]).or_else(|| {
            host["account"]["value"]["groups"]
                .as_array()
                .and_then(|gs| gs.iter().find(|g| g["primary"] == true))
                .and_then(|g| text(&g["name"]))
        })
    };
    let account = account.unwrap_or_else(|| p.account.to_string());
    let group = group.unwrap_or_else(|| account.clone());
    let unit = text(&host["unit"]["value"]["name"]).unwrap_or_else(|| p.unit.to_string());
    let binary = text(&host["effective"]["binary"]["path"]).unwrap_or_else(|| p.binary.to_string());
    let config_dir = host["files"]["config"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["role"] == "config_dir"))
        .and_then(|f| text(&f["path"]))
        .unwrap_or_else(|| p.config_dir.to_string());
    let storage_dir = host["config_named_files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["role"] == "storage"))
        .and_then(|f| text(&f["path"]))
        .unwrap_or_else(|| p.storage_dir.to_string());
    json!({
        "product": if product == "openbao" { "openbao" } else { "vault" },
        "product_name": p.name,
        "cli": p.cli,
        "account": account,
        "group": group,
        "unit": unit,
        "binary": binary,
        "config_dir": config_dir,
        "storage_dir": storage_dir,
        "runs_as_root": runs_as_root,
    })
}

/// The `scan` root a rule's remediation is read with for the catalogue (`rules explain`,
/// SARIF rule help): no node, the product unknown, the packaging's names.
pub fn catalogue_scan() -> Json {
    json!({
        "product": {"name": "unknown", "detected_from": "no scan"},
        "service": names("unknown", &Json::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openbao_defaults_are_openbaos_packaging() {
        let n = names("openbao", &Json::Null);
        assert_eq!(n["account"], "openbao");
        assert_eq!(n["config_dir"], "/etc/openbao");
        assert_eq!(n["unit"], "openbao.service");
        assert_eq!(n["binary"], "/usr/bin/bao");
        assert_eq!(n["runs_as_root"], false);
    }

    #[test]
    fn a_root_run_server_is_advised_the_products_account_not_root() {
        let host = json!({
            "effective": {"user": {"state": "ok", "value": {"name": "root", "is_root": true}},
                          "binary": {"path": "/usr/local/bin/vault"}},
            "account": {"state": "ok", "value": {"name": "root", "groups": [{"name": "root", "primary": true}]}},
            "unit": {"state": "ok", "value": {"name": "vault-prod.service", "group": null}},
        });
        let n = names("vault", &host);
        assert_eq!(n["account"], "vault");
        assert_eq!(n["group"], "vault");
        assert_eq!(n["runs_as_root"], true);
        assert_eq!(n["unit"], "vault-prod.service");
        assert_eq!(n["binary"], "/usr/local/bin/vault");
    }

    #[test]
    fn the_real_account_and_group_win_over_the_defaults() {
        let host = json!({
            "effective": {"user": {"state": "ok", "value": {"name": "hcv", "is_root": false}}},
            "account": {"state": "ok", "value": {"name": "hcv", "groups": [{"name": "secrets", "primary": true}]}},
        });
        let n = names("vault", &host);
        assert_eq!(
            (n["account"].as_str(), n["group"].as_str()),
            (Some("hcv"), Some("secrets"))
        );
    }
}
