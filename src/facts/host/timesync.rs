//! Time synchronisation (chrony, ntpd, systemd-timesyncd), told from files only: running
//! processes by `comm`, enabled units, the timesyncd "synchronized" flag, config files.

use serde::Serialize;

use super::common::{ProcTable, Root};
use super::systemd::UnitIndex;

/// Evidence about one time-sync implementation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeSyncService {
    /// `chrony`, `ntpd` or `systemd-timesyncd`.
    pub name: String,
    /// Pids of running daemons.
    pub running_pids: Vec<u32>,
    /// The `.wants/` symlink that enables it, if any.
    pub enabled_by: Option<String>,
    /// Masked (`/dev/null` symlink) in /etc or /run.
    pub masked: bool,
    /// Config files present.
    pub config_files: Vec<String>,
}

/// Whether the host keeps its clock in sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeSyncFacts {
    /// `active`, `inactive` or `unknown`.
    pub status: String,
    /// Why that status, in one sentence.
    pub reason: String,
    /// Every piece of evidence used.
    pub evidence: Vec<String>,
    /// `/run/systemd/timesync/synchronized` exists (timesyncd reached its server).
    pub synchronized_flag: bool,
    /// Per implementation.
    pub services: Vec<TimeSyncService>,
}

struct Def {
    name: &'static str,
    units: &'static [&'static str],
    comms: &'static [&'static str],
    configs: &'static [&'static str],
}

const DEFS: [Def; 3] = [
    Def {
        name: "chrony",
        units: &["chrony.service", "chronyd.service"],
        comms: &["chronyd"],
        configs: &["/etc/chrony.conf", "/etc/chrony/chrony.conf"],
    },
    Def {
        name: "ntpd",
        units: &["ntp.service", "ntpd.service", "ntpsec.service"],
        comms: &["ntpd"],
        configs: &["/etc/ntp.conf", "/etc/ntpsec/ntp.conf"],
    },
    Def {
        name: "systemd-timesyncd",
        units: &["systemd-timesyncd.service"],
        // comm is truncated to 15 bytes.
        comms: &["systemd-timesyn"],
        configs: &["/etc/systemd/timesyncd.conf"],
    },
];

pub(crate) fn collect(root: &Root, procs: &ProcTable, units: &UnitIndex) -> TimeSyncFacts {
    let proc_ok = procs.unavailable.is_none();
    let mut services = Vec::new();
    let mut evidence = Vec::new();
    for d in &DEFS {
        let running_pids = if proc_ok {
            procs.pids_named(d.comms)
        } else {
            Vec::new()
        };
        let enabled_by = d.units.iter().find_map(|u| units.enabled(root, u));
        let masked = d.units.iter().any(|u| units.masked(root, u));
        let config_files: Vec<String> = d
            .configs
            .iter()
            .filter(|c| root.exists(c))
            .map(|c| c.to_string())
            .collect();
        if let Some(p) = running_pids.first() {
            evidence.push(format!("{} is running (pid {p})", d.name));
        }
        if let Some(e) = &enabled_by {
            evidence.push(format!("{} is enabled ({e})", d.name));
        }
        if masked {
            evidence.push(format!("{} is masked", d.name));
        }
        for c in &config_files {
            evidence.push(format!("{} config {c} present", d.name));
        }
        services.push(TimeSyncService {
            name: d.name.to_string(),
            running_pids,
            enabled_by,
            masked,
            config_files,
        });
    }
    let synchronized_flag = root.exists("/run/systemd/timesync/synchronized");
    if synchronized_flag {
        evidence.push("/run/systemd/timesync/synchronized exists".to_string());
    }
    let running = services.iter().find(|s| !s.running_pids.is_empty());
    let enabled = services.iter().find(|s| s.enabled_by.is_some());
    let configured = services.iter().any(|s| !s.config_files.is_empty());
    let (status, reason) = if let Some(s) = running {
        ("active", format!("{} is running", s.name))
    } else if synchronized_flag {
        (
            "active",
            "systemd-timesyncd reports the clock synchronized".to_string(),
        )
    } else if proc_ok {
        match enabled {
            Some(s) => (
                "inactive",
                format!("{} is enabled but no time sync daemon is running", s.name),
            ),
            None => ("inactive", "no time sync daemon is running".to_string()),
        }
    } else if let Some(s) = enabled {
        (
            "active",
            format!(
                "{} is enabled (no /proc under the root to confirm it runs)",
                s.name
            ),
        )
    } else if configured {
        (
            "unknown",
            "a time sync daemon is configured but neither enabled nor visible in /proc".to_string(),
        )
    } else {
        (
            "inactive",
            "no time sync daemon is installed, enabled or running".to_string(),
        )
    };
    TimeSyncFacts {
        status: status.to_string(),
        reason,
        evidence,
        synchronized_flag,
        services,
    }
}
