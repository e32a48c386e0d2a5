//! Local accounts from `/etc/passwd` and `/etc/group`, and the server's service account.

use serde::Serialize;

use super::common::{HostError, Probe, Root};

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswdEntry {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) home: String,
    pub(crate) shell: String,
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupEntry {
    pub(crate) name: String,
    pub(crate) gid: u32,
    pub(crate) members: Vec<String>,
}

/// A group the account belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRef {
    /// Group name (`null` when the gid has no entry).
    pub name: Option<String>,
    /// Group id.
    pub gid: u32,
    /// The account's primary group.
    pub primary: bool,
}

/// The account the server runs as (or would run as).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// User name (`null` when only a uid is known).
    pub name: Option<String>,
    /// User id (`null` when only a name is known and it is not in /etc/passwd).
    pub uid: Option<u32>,
    /// Primary group id.
    pub gid: Option<u32>,
    /// Home directory.
    pub home: Option<String>,
    /// Login shell as written (empty means /bin/sh).
    pub shell: Option<String>,
    /// Whether the shell lets someone log in (anything but nologin, false, sync…);
    /// `null` when the account is not in /etc/passwd.
    pub login_shell: Option<bool>,
    /// Primary and supplementary groups.
    pub groups: Vec<GroupRef>,
    /// Whether /etc/passwd has the account.
    pub in_passwd: bool,
    /// How the account was chosen: `process` (uid of the running server), `unit`
    /// (`User=`), `unit-default` (no `User=`: root), `dynamic-user` (`DynamicUser=yes`),
    /// or `conventional-name` (a `vault`/`openbao` user exists).
    pub source: String,
}

impl Account {
    /// Every group id the account is in.
    pub fn group_ids(&self) -> Vec<u32> {
        self.groups.iter().map(|g| g.gid).collect()
    }
}

/// Shells that refuse an interactive login.
pub(crate) fn is_login_shell(shell: &str) -> bool {
    let s = shell.trim();
    if s.is_empty() {
        // An empty field means /bin/sh.
        return true;
    }
    let base = super::common::basename(s);
    !(matches!(
        base,
        "nologin" | "false" | "true" | "sync" | "shutdown" | "halt"
    ) || s == "/dev/null")
}

/// Parses /etc/passwd text; malformed lines are skipped.
pub(crate) fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            match f.as_slice() {
                [name, _pw, uid, gid, _gecos, home, shell, ..] => Some(PasswdEntry {
                    name: (*name).to_string(),
                    uid: uid.parse().ok()?,
                    gid: gid.parse().ok()?,
                    home: (*home).to_string(),
                    shell: (*shell).to_string(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// Parses /etc/group text; malformed lines are skipped.
pub(crate) fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            match f.as_slice() {
                [name, _pw, gid, rest @ ..] => Some(GroupEntry {
                    name: (*name).to_string(),
                    gid: gid.parse().ok()?,
                    members: rest
                        .first()
                        .map(|m| {
                            m.split(',')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// The account databases of the host, read once.
#[derive(Debug, Clone)]
pub(crate) struct AccountDb {
    pub(crate) passwd: Result<Vec<PasswdEntry>, HostError>,
    pub(crate) group: Result<Vec<GroupEntry>, HostError>,
}

impl AccountDb {
    pub(crate) fn load(root: &Root) -> Self {
        AccountDb {
            passwd: root.read_string("/etc/passwd").map(|t| parse_passwd(&t)),
            group: root.read_string("/etc/group").map(|t| parse_group(&t)),
        }
    }

    pub(crate) fn user_name(&self, uid: u32) -> Option<String> {
        self.passwd
            .as_ref()
            .ok()?
            .iter()
            .find(|p| p.uid == uid)
            .map(|p| p.name.clone())
    }

    pub(crate) fn group_name(&self, gid: u32) -> Option<String> {
        self.group
            .as_ref()
            .ok()?
            .iter()
            .find(|g| g.gid == gid)
            .map(|g| g.name.clone())
    }

    fn by_uid(&self, uid: u32) -> Option<&PasswdEntry> {
        self.passwd.as_ref().ok()?.iter().find(|p| p.uid == uid)
    }

    fn by_name(&self, name: &str) -> Option<&PasswdEntry> {
        self.passwd.as_ref().ok()?.iter().find(|p| p.name == name)
    }

    pub(crate) fn has_user(&self, name: &str) -> bool {
        self.by_name(name).is_some()
    }

    fn groups_of(&self, name: Option<&str>, primary: Option<u32>) -> Vec<GroupRef> {
        let mut out: Vec<GroupRef> = Vec::new();
        if let Some(gid) = primary {
            out.push(GroupRef {
                name: self.group_name(gid),
                gid,
                primary: true,
            });
        }
        if let (Some(name), Ok(groups)) = (name, self.group.as_ref()) {
            for g in groups {
                if g.members.iter().any(|m| m == name) && !out.iter().any(|o| o.gid == g.gid) {
                    out.push(GroupRef {
                        name: Some(g.name.clone()),
                        gid: g.gid,
                        primary: false,
                    });
                }
            }
        }
        out
    }

    fn account_of(&self, p: &PasswdEntry, source: &str) -> Account {
        Account {
            name: Some(p.name.clone()),
            uid: Some(p.uid),
            gid: Some(p.gid),
            home: Some(p.home.clone()),
            shell: Some(p.shell.clone()),
            login_shell: Some(is_login_shell(&p.shell)),
            groups: self.groups_of(Some(&p.name), Some(p.gid)),
            in_passwd: true,
            source: source.to_string(),
        }
    }

    /// The account of a running process (uid and gid from its status).
    pub(crate) fn for_uid(&self, uid: u32, gid: Option<u32>, source: &str) -> Account {
        match self.by_uid(uid) {
            Some(p) => self.account_of(p, source),
            None => Account {
                name: None,
                uid: Some(uid),
                gid,
                home: None,
                shell: None,
                login_shell: None,
                groups: self.groups_of(None, gid),
                in_passwd: false,
                source: source.to_string(),
            },
        }
    }

    /// The account named by a unit's `User=` (a name or a numeric uid).
    pub(crate) fn for_user(&self, user: &str, source: &str) -> Account {
        if let Ok(uid) = user.parse::<u32>() {
            return self.for_uid(uid, None, source);
        }
        match self.by_name(user) {
            Some(p) => self.account_of(p, source),
            None => Account {
                name: Some(user.to_string()),
                uid: None,
                gid: None,
                home: None,
                shell: None,
                login_shell: None,
                groups: Vec::new(),
                in_passwd: false,
                source: source.to_string(),
            },
        }
    }

    /// Reason /etc/passwd is unusable, for probe messages.
    pub(crate) fn passwd_problem(&self) -> Option<String> {
        self.passwd.as_ref().err().map(|e| e.to_string())
    }
}

/// Wraps an account into a probe; a missing /etc/passwd is noted in the reason only when
/// nothing at all is known.
pub(crate) fn probe(account: Option<Account>, why_none: String) -> Probe<Account> {
    match account {
        Some(a) => Probe::ok(a),
        None => Probe::skip(why_none),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_joins_groups() {
        let pw = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nvault:x:997:996::/opt/vault:/usr/sbin/nologin\nbroken\n# c\nbad:x:notanumber:1::/:/bin/sh\n",
        );
        assert_eq!(pw.len(), 2);
        let gr = parse_group("vault:x:996:\nadm:x:4:syslog,vault\nwheel:x:10:alice\n");
        let db = AccountDb {
            passwd: Ok(pw),
            group: Ok(gr),
        };
        let a = db.for_uid(997, None, "process");
        assert_eq!(a.name.as_deref(), Some("vault"));
        assert_eq!(a.login_shell, Some(false));
        assert_eq!(a.group_ids(), vec![996, 4]);
        let r = db.for_user("root", "unit");
        assert_eq!(r.login_shell, Some(true));
        let ghost = db.for_user("openbao", "unit");
        assert!(!ghost.in_passwd && ghost.uid.is_none());
        let n = db.for_user("1234", "unit");
        assert_eq!(n.uid, Some(1234));
    }

    #[test]
    fn login_shells() {
        for s in ["/bin/bash", "/bin/sh", "", "/usr/bin/zsh"] {
            assert!(is_login_shell(s), "{s}");
        }
        for s in [
            "/usr/sbin/nologin",
            "/sbin/nologin",
            "/bin/false",
            "/bin/sync",
            "/dev/null",
        ] {
            assert!(!is_login_shell(s), "{s}");
        }
    }
}
