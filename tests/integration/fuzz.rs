//! Fuzzing of every parser that reads untrusted input (issue 9): configs (HCL1/JSON and
//! their decoding), rule files, ACL policies, waivers, reports read back for `--baseline`
//! and `merge`, and systemd units.
//!
//! What it is, honestly: a deterministic mutation fuzzer on stable Rust, seeded from the
//! shared corpus and the repository's own files, and guided by *outcomes*, not code
//! coverage: an input whose result (success, or its error message with the digits taken
//! out) was not seen before joins the working corpus and is mutated further. No
//! instrumentation is needed, so it runs inside `cargo test`. It fails on a panic, and on
//! any input that runs longer than [`HANG`] (then the input is saved and named).
//!
//! In `cargo test` each target runs [`CI_SECONDS`] seconds; for a longer run:
//! `VAULTSEC_FUZZ_SECS=300 cargo test --release --test integration fuzz:: -- --nocapture`
//! (`VAULTSEC_FUZZ_SEED=N` for another sequence). Each target prints its figures.

use crate::common::{corpus_dir, repo, vaultsec};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use vaultsec::rules::RuleSet;

/// Seconds per target inside the normal test run (six targets, run in parallel).
const CI_SECONDS: u64 = 5;
/// An input that takes this long is a hang (generous: debug build, a loaded machine).
const HANG: Duration = Duration::from_secs(20);
/// Largest input generated.
const MAX_INPUT: usize = 256 << 10;

/// Tokens that matter to one or more of the grammars.
const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "=",
    ",",
    ":",
    ".",
    "-",
    "+",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    "#",
    "//",
    "/*",
    "*/",
    "<<EOF\n",
    "\nEOF\n",
    "<<-EOT\n",
    "${",
    "$$",
    "0x1F",
    "1e9",
    "089",
    "-0",
    "true",
    "false",
    "null",
    "\u{feff}",
    "\0",
    "\u{E123}",
    "é",
    "listener \"tcp\" ",
    "storage \"raft\" ",
    "seal \"pkcs11\" ",
    "a b c d e f g h ",
    "path \"*\" ",
    "capabilities = [\"read\", \"sudo\"]",
    "policy = \"write\"",
    "rule \"x.y\" ",
    "condition = ",
    "for_each = ",
    "each.value",
    "params.",
    "config.listeners",
    "[Service]\n",
    "ExecStart=/usr/bin/vault server ",
    "Environment=A=",
    "$A ",
    "${A}",
    "User=",
    "\\\n",
    "[[waiver]]\n",
    "rule = \"tls.min-version\"\n",
    "expires = 2030-01-01\n",
    "subject = \"*\"\n",
    "\"schema_version\": 1",
    "\"findings\": [",
    "\"status\": \"fail\"",
];

/// xorshift64*: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(9) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 | 3 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            5 if !out.is_empty() => {
                // Repeat a slice many times: long lines, deep nesting, many keys.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(16)).min(out.len());
                let chunk = out[start..end].to_vec();
                let most = if rng.below(8) == 0 { 4096 } else { 16 };
                let times = 1 + rng.below(most);
                let grown: Vec<u8> = chunk
                    .iter()
                    .copied()
                    .cycle()
                    .take(chunk.len() * times)
                    .collect();
                out.splice(end..end, grown);
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[from..]);
            }
            7 => out.truncate(at),
            _ => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                let end = (at + token.len()).min(out.len());
                out.splice(at..end, token.iter().copied());
            }
        }
    }
    out.truncate(MAX_INPUT);
    out
}

/// A result reduced to what guides the fuzzer: `ok`, or the error without digits (so the
/// same error at another position is not new).
fn outcome<T, E: std::fmt::Display>(result: Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e
            .to_string()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .take(200)
            .collect(),
    }
}

type Runner = fn(&[u8]) -> String;

/// Figures of one target's run.
#[derive(Debug)]
struct Figures {
    inputs: u64,
    outcomes: usize,
    corpus: usize,
    panics: Vec<PathBuf>,
    slowest: Duration,
    slowest_len: usize,
}

fn seconds() -> u64 {
    std::env::var("VAULTSEC_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CI_SECONDS)
}

fn save(name: &str, kind: &str, n: usize, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).expect("failure directory");
    let path = dir.join(format!("{name}-{kind}-{n}.bin"));
    std::fs::write(&path, input).expect("save the failing input");
    path
}

/// Runs `run` on mutations of `seeds` for the configured time, on a thread with the main
/// thread's stack size, watching for hangs. Panics with the saved inputs on any failure.
fn fuzz(name: &'static str, seeds: Vec<Vec<u8>>, run: Runner) -> Figures {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let budget = Duration::from_secs(seconds());
    let seed = std::env::var("VAULTSEC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let current = Arc::new(Mutex::new(Vec::new()));
    let started_ms = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let epoch = Instant::now();
    let worker = {
        let (current, started_ms, done) = (current.clone(), started_ms.clone(), done.clone());
        std::thread::Builder::new()
            .name(format!("fuzz-{name}"))
            .stack_size(8 << 20)
            .spawn(move || {
                let mut rng = Rng(seed ^ name.len() as u64 ^ 0x9E37_79B9_7F4A_7C15);
                let mut corpus = seeds;
                let mut seen = HashSet::new();
                let mut figures = Figures {
                    inputs: 0,
                    outcomes: 0,
                    corpus: 0,
                    panics: Vec::new(),
                    slowest: Duration::ZERO,
                    slowest_len: 0,
                };
                // The seeds first, as they are; then mutations.
                let mut pending: Vec<Vec<u8>> = corpus.clone();
                while epoch.elapsed() < budget {
                    let input = match pending.pop() {
                        Some(input) => input,
                        None => {
                            let base = corpus[rng.below(corpus.len())].clone();
                            mutate(&mut rng, &base, &corpus)
                        }
                    };
                    *current.lock().expect("lock") = input.clone();
                    started_ms.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
                    let t = Instant::now();
                    let result = catch_unwind(AssertUnwindSafe(|| run(&input)));
                    let took = t.elapsed();
                    started_ms.store(0, Ordering::SeqCst);
                    figures.inputs += 1;
                    if took > figures.slowest {
                        figures.slowest = took;
                        figures.slowest_len = input.len();
                    }
                    match result {
                        Ok(signature) => {
                            if seen.insert(signature) && corpus.len() < 4096 {
                                corpus.push(input);
                            }
                        }
                        Err(_) => {
                            let n = figures.panics.len();
                            figures.panics.push(save(name, "panic", n, &input));
                        }
                    }
                }
                figures.outcomes = seen.len();
                figures.corpus = corpus.len();
                done.store(true, Ordering::SeqCst);
                figures
            })
            .expect("spawn the fuzz worker")
    };
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        let since = started_ms.load(Ordering::SeqCst);
        if since > 0 && epoch.elapsed().as_millis() as u64 > since + HANG.as_millis() as u64 {
            let input = current.lock().map(|i| i.clone()).unwrap_or_default();
            let path = save(name, "hang", 0, &input);
            panic!(
                "{name}: an input of {} bytes ran over {HANG:?}; saved as {}",
                input.len(),
                path.display()
            );
        }
    }
    let figures = worker.join().expect("the fuzz worker");
    eprintln!(
        "fuzz {name}: {} inputs in {:?}, {} distinct outcomes, corpus {}, panics {}, \
         slowest input {:?} ({} bytes)",
        figures.inputs,
        budget,
        figures.outcomes,
        figures.corpus,
        figures.panics.len(),
        figures.slowest,
        figures.slowest_len
    );
    assert!(
        figures.panics.is_empty(),
        "{name}: inputs that panic: {:?}",
        figures.panics
    );
    figures
}

/// Files of `dir` (not recursive), sorted so the seed order is stable.
fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() <= MAX_INPUT)
        .collect()
}

/// Files of `dir` and its subdirectories.
fn files_under(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = files_in(dir);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        out.extend(files_under(&d));
    }
    out
}

fn shared(sub: &str) -> Vec<Vec<u8>> {
    corpus_dir()
        .map(|d| files_under(&d.join(sub)))
        .unwrap_or_default()
}

fn builtin_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules"))
}

/// A real JSON report of a config-only scan, to seed the report readers.
fn seed_report() -> &'static Vec<u8> {
    static REPORT: OnceLock<Vec<u8>> = OnceLock::new();
    REPORT.get_or_init(|| {
        let out = vaultsec()
            .args(["scan", "--no-host", "--no-api", "--format", "json", "-c"])
            .arg(repo("bench/typical-vault.hcl"))
            .output()
            .expect("run vaultsec");
        assert!(
            !out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    })
}

#[test]
fn fuzz_config_parser() {
    let mut seeds = shared("configs");
    seeds.extend(shared("more-configs"));
    seeds.extend(files_under(&repo("fixtures/config")));
    seeds.push(std::fs::read(repo("bench/typical-vault.hcl")).expect("bench config"));
    fuzz("config", seeds, |bytes| match std::str::from_utf8(bytes) {
        Ok(text) => outcome(vaultsec::facts::config::load_str("fuzz.hcl", text)),
        Err(_) => outcome(vaultsec::facts::hcl1::parse_bytes(bytes)),
    });
}

#[test]
fn fuzz_rule_loader() {
    let seeds = files_in(&repo("rules"));
    fuzz("rules", seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        outcome(RuleSet::default().add_source("fuzz.hcl", &text))
    });
}

#[test]
fn fuzz_acl_policy_parser() {
    let mut seeds = shared("policies");
    seeds.push(vaultsec::facts::api::SCANNER_POLICY_HCL.as_bytes().to_vec());
    fuzz("policy", seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let facts = vaultsec::facts::api::analyse_policy("fuzz", &text);
        match facts.parse_error {
            Some(e) => outcome::<(), _>(Err(e)),
            None => format!("ok {} {}", facts.rules.len().min(3), facts.overbroad),
        }
    });
}

#[test]
fn fuzz_waivers() {
    builtin_rules();
    let seeds = vec![
        b"[[waiver]]\nrule = \"tls.listener-disabled\"\nsubject = \"*127.0.0.1:8300*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-03-31\n".to_vec(),
        b"[[waiver]]\nrule = \"config.ui-enabled\"\nreason = \"ui\"\nowner = \"team\"\nexpires = 2030-01-01\n\n[[waiver]]\nrule = \"tls.min-version\"\nreason = \"x\"\nowner = \"y\"\nexpires = 1999-12-31\n".to_vec(),
    ];
    fuzz("waivers", seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        outcome(vaultsec::waivers::parse("w.toml", &text, builtin_rules()))
    });
}

#[test]
fn fuzz_report_readers_baseline_and_merge() {
    let seed = seed_report().clone();
    let base = vaultsec::report::load::parse_report("seed.json", &seed).expect("seed report");
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other.json");
    std::fs::write(&other, &seed).expect("write");
    static BASE: OnceLock<(vaultsec::report::Report, PathBuf, PathBuf)> = OnceLock::new();
    let _ = BASE.set((base, other, dir.path().join("fuzzed.json")));
    let mut seeds = vec![seed.clone()];
    // A report of another node, so the merge of the two gets past its duplicate check.
    let mut renamed: serde_json::Value = serde_json::from_slice(&seed).expect("json");
    renamed["host"] = "node-2".into();
    seeds.push(serde_json::to_vec_pretty(&renamed).expect("json"));
    fuzz("report", seeds, |bytes| {
        let (base, other, fuzzed) = BASE.get().expect("set above");
        let parsed = vaultsec::report::load::parse_report("fuzzed.json", bytes);
        let mut signature = outcome(parsed.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        if let Ok(report) = &parsed {
            // As --baseline: this run's findings against the fuzzed report, and back.
            let mut findings = base.findings.clone();
            let resolved = vaultsec::baseline::diff(&mut findings, report);
            let mut theirs = report.findings.clone();
            vaultsec::baseline::diff(&mut theirs, base);
            signature.push_str(&format!(" resolved:{}", resolved.len().min(3)));
        }
        std::fs::write(fuzzed, bytes).expect("write");
        let merged = vaultsec::merge::merge_files(&[other.clone(), fuzzed.clone()], "h".into());
        signature.push(' ');
        signature.push_str(&outcome(merged.map_err(|e| e.to_string())));
        signature
    });
    drop(dir);
}

#[test]
fn fuzz_systemd_units() {
    let mut seeds = shared("systemd");
    seeds.extend(files_in(&repo("contrib/systemd")));
    fuzz("units", seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let unit = vaultsec::facts::host::systemd::evaluate_unit_texts(
            "vault.service",
            &[("/etc/systemd/system/vault.service".into(), text)],
        );
        format!(
            "{} {} {}",
            unit.warnings.len().min(5),
            unit.exec_start.is_some(),
            unit.environment.len().min(3)
        )
    });
}
