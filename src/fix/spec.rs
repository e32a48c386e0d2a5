//! The `fix = { action = ... }` attribute of a rule: what `vaultsec fix` changes.

use std::collections::BTreeMap;

/// How a failing finding of a rule is repaired in the config file it points at.
#[derive(Debug, Clone, PartialEq)]
pub enum FixSpec {
    /// Set the key at the finding's location to a quoted string; `{param}` is replaced by the
    /// rule's parameter. With no location the key is added at the top level of the first file.
    Set { key: String, value: String },
    /// Remove the item at the location; refused (manual) unless the enclosing block also sets
    /// every key of `needs` (e.g. removing `tls_disable` needs a certificate and a key).
    Remove { needs: Vec<String> },
    /// Drop the entries listed in the rule parameter `param` from the list or comma-separated
    /// string at the location; manual when nothing would remain.
    DropValues { param: String },
    /// Remove every item named in `keys` anywhere inside the enclosing `within` block.
    RemoveKeys { within: String, keys: Vec<String> },
    /// Remove the earlier settings of a duplicated key (the last one is what the server reads).
    RemoveEarlierDuplicates,
    /// Rename the key (`rename` maps old to new names), or remove it when it is not mapped.
    RenameOrRemove { rename: BTreeMap<String, String> },
    /// What OpenBao refuses at start-up: remove `disable_mlock`, write a plain-bool key as an
    /// unquoted `true`/`false` of the value it means.
    OpenbaoStartable,
    /// Directives for the drop-in (`{account}`, `{group}` filled from the facts); with
    /// `for_missing`, only those the finding's `evidence.missing` names.
    Systemd {
        directives: Vec<String>,
        for_missing: BTreeMap<String, String>,
    },
    /// Shell commands for the script (`{path}` from the finding's `evidence.path`, `{account}`,
    /// `{group}`), with the risk of running them.
    Shell { commands: Vec<String>, risk: String },
    /// A Vault CLI command for the script (`vault`, or `bao` on OpenBao, is put in front):
    /// `{field}` from the finding's evidence, `{mount}` from an "auth mount" subject. `vault_only`:
    /// OpenBao refuses it through the API (its audit devices are declared in the config).
    Cli {
        command: String,
        risk: String,
        vault_only: bool,
    },
}

impl FixSpec {
    /// Reads the attribute's constant value; the error says what is wrong.
    pub fn parse(value: &hcl::Value) -> Result<FixSpec, String> {
        let hcl::Value::Object(map) = value else {
            return Err("must be an object, e.g. { action = \"remove\" }".into());
        };
        let string = |name: &str| -> Result<Option<String>, String> {
            match map.get(name) {
                None => Ok(None),
                Some(hcl::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{name} must be a string")),
            }
        };
        let strings = |name: &str| -> Result<Vec<String>, String> {
            match map.get(name) {
                None => Ok(Vec::new()),
                Some(hcl::Value::Array(items)) => items
                    .iter()
                    .map(|v| match v {
                        hcl::Value::String(s) => Ok(s.clone()),
                        _ => Err(format!("{name} must be a list of strings")),
                    })
                    .collect(),
                Some(_) => Err(format!("{name} must be a list of strings")),
            }
        };
        let required = |name: &str| -> Result<String, String> {
            string(name)?.ok_or_else(|| format!("missing {name:?}"))
        };
        let action = required("action")?;
        let allowed: &[&str] = match action.as_str() {
            "set" => &["key", "value"],
            "remove" => &["needs"],
            "drop_values" => &["param"],
            "remove_keys" => &["within", "keys"],
            "remove_earlier_duplicates" | "openbao_startable" => &[],
            "rename_or_remove" => &["rename"],
            "systemd" => &["directives", "for_missing"],
            "shell" => &["commands", "risk"],
            "cli" => &["command", "risk", "vault_only"],
            other => {
                return Err(format!(
                    "unknown action {other:?} (set, remove, drop_values, remove_keys, \
                     remove_earlier_duplicates, rename_or_remove, openbao_startable, systemd, shell, cli)"
                ))
            }
        };
        if let Some(extra) = map
            .keys()
            .find(|k| *k != "action" && !allowed.contains(&k.as_str()))
        {
            return Err(format!("action {action:?} takes no {extra:?}"));
        }
        Ok(match action.as_str() {
            "set" => FixSpec::Set {
                key: required("key")?,
                value: required("value")?,
            },
            "remove" => FixSpec::Remove {
                needs: strings("needs")?,
            },
            "drop_values" => FixSpec::DropValues {
                param: required("param")?,
            },
            "remove_keys" => FixSpec::RemoveKeys {
                within: required("within")?,
                keys: strings("keys")?,
            },
            "remove_earlier_duplicates" => FixSpec::RemoveEarlierDuplicates,
            "openbao_startable" => FixSpec::OpenbaoStartable,
            "systemd" => {
                let mut for_missing = BTreeMap::new();
                match map.get("for_missing") {
                    Some(hcl::Value::Object(m)) => {
                        for (k, v) in m {
                            let hcl::Value::String(d) = v else {
                                return Err("for_missing must map names to directives".into());
                            };
                            for_missing.insert(k.clone(), d.clone());
                        }
                    }
                    None => {}
                    Some(_) => return Err("for_missing must be an object".into()),
                }
                FixSpec::Systemd {
                    directives: strings("directives")?,
                    for_missing,
                }
            }
            "cli" => FixSpec::Cli {
                command: required("command")?,
                risk: required("risk")?,
                vault_only: match map.get("vault_only") {
                    None => false,
                    Some(hcl::Value::Bool(b)) => *b,
                    Some(_) => return Err("vault_only must be true or false".into()),
                },
            },
            "shell" => FixSpec::Shell {
                commands: strings("commands")?,
                risk: required("risk")?,
            },
            _ => {
                let mut rename = BTreeMap::new();
                match map.get("rename") {
                    Some(hcl::Value::Object(m)) => {
                        for (k, v) in m {
                            let hcl::Value::String(to) = v else {
                                return Err("rename must map key names to key names".into());
                            };
                            rename.insert(k.clone(), to.clone());
                        }
                    }
                    None => {}
                    Some(_) => return Err("rename must be an object".into()),
                }
                FixSpec::RenameOrRemove { rename }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<FixSpec, String> {
        let expr: hcl::Expression = src.parse().expect("an expression");
        use hcl::eval::Evaluate;
        let value = expr
            .evaluate(&hcl::eval::Context::new())
            .expect("a constant");
        FixSpec::parse(&value)
    }

    #[test]
    fn reads_each_action_and_refuses_what_it_does_not_know() {
        assert_eq!(
            parse(r#"{ action = "set", key = "log_level", value = "info" }"#),
            Ok(FixSpec::Set {
                key: "log_level".into(),
                value: "info".into()
            })
        );
        assert_eq!(
            parse(r#"{ action = "remove", needs = ["tls_cert_file"] }"#),
            Ok(FixSpec::Remove {
                needs: vec!["tls_cert_file".into()]
            })
        );
        assert!(parse(r#"{ action = "explode" }"#)
            .unwrap_err()
            .contains("unknown action"));
        assert!(parse(r#"{ action = "remove", value = "x" }"#)
            .unwrap_err()
            .contains("takes no \"value\""));
        assert!(parse(r#"{ action = "set", key = "k" }"#)
            .unwrap_err()
            .contains("missing \"value\""));
        assert!(parse(r#""remove""#).unwrap_err().contains("object"));
    }
}
