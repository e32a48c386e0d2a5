//! Which running server process the host facts describe. With `-c PATH` it is the process
//! whose `-config` resolves to that path (or the one in the cgroup of the unit whose
//! `ExecStart=` names it); without, the unit's process. When several servers run and none can
//! be told apart, no process is chosen: the process-derived rules then `skip` and name the
//! candidates, rather than silently judging the first one.

use serde::Serialize;

use super::process::ServerProcess;
use super::systemd::UnitFacts;

/// A server process that could have been meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Process id.
    pub pid: u32,
    /// Its config paths (resolved where possible), as the process names them.
    pub config_paths: Vec<String>,
}

/// How the process was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    /// No server process runs.
    None,
    /// Exactly one server process runs.
    Only,
    /// Its `-config` (or its unit's) resolves to a `-c` path.
    Config,
    /// It runs in the cgroup of the server's unit.
    Unit,
    /// Several run and none can be told apart: nothing is chosen.
    Ambiguous,
}

/// The choice, with its reason when ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessChoice {
    /// How it was made.
    pub kind: ChoiceKind,
    /// Pid of the chosen process (null when none or ambiguous).
    pub pid: Option<u32>,
    /// Why none was chosen among several (names the candidates); null otherwise.
    pub reason: Option<String>,
    /// Every server process seen, with its config paths.
    pub candidates: Vec<Candidate>,
}

/// Lexically normalised absolute path: no `.`, no `..` (applied), no trailing `/`.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Two config paths name the same configuration: equal, or one is a directory holding the
/// other (`-config=/etc/vault.d` runs `/etc/vault.d/vault.hcl`, and the other way round).
fn same_config(a: &str, b: &str) -> bool {
    let (a, b) = (normalise(a), normalise(b));
    let inside = |x: &str, dir: &str| x.starts_with(&format!("{}/", dir.trim_end_matches('/')));
    a == b || inside(&a, &b) || inside(&b, &a)
}

fn process_configs(p: &ServerProcess) -> Vec<String> {
    p.config_paths
        .iter()
        .map(|c| c.resolved.clone().unwrap_or_else(|| c.path.clone()))
        .collect()
}

fn cgroup_unit(p: &ServerProcess) -> Option<&str> {
    p.cgroup.get().and_then(|c| c.unit.as_deref())
}

fn describe(candidates: &[&Candidate]) -> String {
    candidates
        .iter()
        .map(|c| {
            if c.config_paths.is_empty() {
                format!("pid {} (no -config)", c.pid)
            } else {
                format!("pid {} (-config {})", c.pid, c.config_paths.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Chooses the process. `wanted` are the `-c` paths as host paths (absolute); empty without
/// `-c`. `unit` is the server's unit, when one was found.
pub fn choose(
    processes: &[&ServerProcess],
    unit: Option<&UnitFacts>,
    wanted: &[String],
) -> ProcessChoice {
    let candidates: Vec<Candidate> = processes
        .iter()
        .map(|p| Candidate {
            pid: p.pid,
            config_paths: process_configs(p),
        })
        .collect();
    let chosen = |kind: ChoiceKind, pid: u32| ProcessChoice {
        kind,
        pid: Some(pid),
        reason: None,
        candidates: candidates.clone(),
    };
    let in_unit = |p: &ServerProcess| unit.is_some_and(|u| cgroup_unit(p) == Some(u.name.as_str()));

    if !wanted.is_empty() {
        let unit_names_it = unit.and_then(|u| u.exec_start.as_ref()).is_some_and(|x| {
            x.config_paths
                .iter()
                .any(|c| wanted.iter().any(|w| same_config(c, w)))
        });
        let matching: Vec<usize> = processes
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                process_configs(p)
                    .iter()
                    .any(|c| wanted.iter().any(|w| same_config(c, w)))
                    || (unit_names_it && in_unit(p))
            })
            .map(|(i, _)| i)
            .collect();
        match matching.as_slice() {
            [i] => return chosen(ChoiceKind::Config, processes[*i].pid),
            [] if processes.len() > 1 => {
                let all: Vec<&Candidate> = candidates.iter().collect();
                return ProcessChoice {
                    kind: ChoiceKind::Ambiguous,
                    pid: None,
                    reason: Some(format!(
                        "{} server processes run and none has -config {} (nor its unit): {}; the host facts of the server this config describes cannot be told",
                        processes.len(),
                        wanted.join(", "),
                        describe(&all)
                    )),
                    candidates: candidates.clone(),
                };
            }
            [] => {}
            several => {
                let same: Vec<&Candidate> = several.iter().map(|i| &candidates[*i]).collect();
                return ProcessChoice {
                    kind: ChoiceKind::Ambiguous,
                    pid: None,
                    reason: Some(format!(
                        "{} server processes run with -config {}: {}",
                        several.len(),
                        wanted.join(", "),
                        describe(&same)
                    )),
                    candidates: candidates.clone(),
                };
            }
        }
    }
    match processes {
        [] => ProcessChoice {
            kind: ChoiceKind::None,
            pid: None,
            reason: None,
            candidates,
        },
        [only] => chosen(ChoiceKind::Only, only.pid),
        several => {
            let unit_procs: Vec<&&ServerProcess> = several.iter().filter(|p| in_unit(p)).collect();
            if let [p] = unit_procs.as_slice() {
                return chosen(ChoiceKind::Unit, p.pid);
            }
            let all: Vec<&Candidate> = candidates.iter().collect();
            ProcessChoice {
                kind: ChoiceKind::Ambiguous,
                pid: None,
                reason: Some(format!(
                    "{} server processes run and none is told apart (give -c with the config of the one to audit): {}",
                    several.len(),
                    describe(&all)
                )),
                candidates,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::common::{Probe, Product};
    use crate::facts::host::process::ConfigPathRef;

    fn proc(pid: u32, config: &[&str]) -> ServerProcess {
        ServerProcess {
            pid,
            product: Product::Openbao,
            comm: "bao".into(),
            exe: Probe::skip("test"),
            argv: Vec::new(),
            argv_secret_kinds: Vec::new(),
            dev_mode: false,
            config_paths: config
                .iter()
                .map(|c| ConfigPathRef {
                    path: (*c).into(),
                    resolved: Some((*c).into()),
                    source: "argv".into(),
                })
                .collect(),
            status: Probe::skip("test"),
            limits: Probe::skip("test"),
            cgroup: Probe::skip("test"),
            environ: Probe::skip("test"),
        }
    }

    #[test]
    fn the_config_path_picks_its_process() {
        let (a, b) = (proc(10, &["/etc/a.hcl"]), proc(20, &["/etc/openbao.d"]));
        let both = [&a, &b];
        let c = choose(&both, None, &["/etc/a.hcl".into()]);
        assert_eq!((c.kind, c.pid), (ChoiceKind::Config, Some(10)));
        // A file inside the directory the process reads, and a path with `..`.
        let c = choose(&both, None, &["/etc/x/../openbao.d/main.hcl".into()]);
        assert_eq!((c.kind, c.pid), (ChoiceKind::Config, Some(20)));
    }

    #[test]
    fn several_servers_and_no_match_choose_none_and_name_the_candidates() {
        let (a, b) = (proc(10, &["/etc/a.hcl"]), proc(20, &["/etc/b.hcl"]));
        let c = choose(&[&a, &b], None, &["/srv/other.hcl".into()]);
        assert_eq!((c.kind, c.pid), (ChoiceKind::Ambiguous, None));
        let reason = c.reason.unwrap_or_default();
        assert!(
            reason.contains("pid 10 (-config /etc/a.hcl), pid 20 (-config /etc/b.hcl)"),
            "{reason}"
        );
        // Without -c and without a unit, nothing tells them apart either.
        let c = choose(&[&a, &b], None, &[]);
        assert_eq!(c.kind, ChoiceKind::Ambiguous);
        // Two processes with the same config cannot be told apart.
        let a2 = proc(30, &["/etc/a.hcl"]);
        let c = choose(&[&a, &a2], None, &["/etc/a.hcl".into()]);
        assert_eq!(c.kind, ChoiceKind::Ambiguous);
    }

    #[test]
    fn a_single_server_is_the_one_even_when_the_config_is_a_copy() {
        let a = proc(10, &["/etc/a.hcl"]);
        let c = choose(&[&a], None, &["/home/ci/deploy/vault.hcl".into()]);
        assert_eq!((c.kind, c.pid), (ChoiceKind::Only, Some(10)));
        let c = choose(&[], None, &[]);
        assert_eq!((c.kind, c.pid), (ChoiceKind::None, None));
    }
}
