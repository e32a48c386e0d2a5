//! A real `bao server` started with known rlimits, found by `collect` with root `/`.
//! These tests never skip: a missing binary is a failure that says how to fetch it.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::common::{LimitValue, ProbeState, Product, RLimit};
use super::{collect, HostOptions, ServerProcess};

/// One live server at a time, so that the effective values can be checked too.
static LIVE: Mutex<()> = Mutex::new(());

const BAO_REL: &str = ".tools/openbao-2.7.2/bao";

fn bao_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("VAULTSEC_BAO") {
        return PathBuf::from(p);
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let cand = dir.join(BAO_REL);
        if cand.is_file() {
            return cand;
        }
        if !dir.pop() {
            panic!(
                "the OpenBao server binary ({BAO_REL}) was not found above {}: run `bash scripts/fetch-bao.sh` first",
                env!("CARGO_MANIFEST_DIR")
            );
        }
    }
}

struct Bao {
    child: Child,
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rl(v: Option<u64>) -> libc::rlim_t {
    match v {
        Some(n) => n as libc::rlim_t,
        None => libc::RLIM_INFINITY,
    }
}

/// Starts `bao server -config=FILE` with RLIMIT_CORE set to `(soft, hard)` (`None` = unlimited).
fn start(soft: Option<u64>, hard: Option<u64>) -> Bao {
    let bin = bao_binary();
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("bao.hcl");
    std::fs::write(
        &config,
        format!(
            "storage \"inmem\" {{}}\nlistener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  tls_disable = true\n}}\ndisable_mlock = true\n"
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let log2 = log.try_clone().unwrap();
    let (s, h) = (rl(soft), rl(hard));
    let mut cmd = Command::new(&bin);
    cmd.arg("server")
        .arg(format!("-config={}", config.display()))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: s,
                rlim_max: h,
            };
            if libc::setrlimit(libc::RLIMIT_CORE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start {} with RLIMIT_CORE {soft:?}/{hard:?}: {e} (raising the hard limit needs root)",
            bin.display()
        )
    });
    Bao {
        child,
        dir,
        config,
        port,
    }
}

impl Bao {
    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "bao did not listen on {} within 30 s; log: {}",
                self.port,
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn find_ours(b: &Bao) -> (super::HostFacts, ServerProcess) {
    let pid = b.child.id();
    let h = collect(&HostOptions::default());
    let procs = h
        .processes
        .get()
        .unwrap_or_else(|| panic!("collect found no server process: {:?}", h.processes.reason));
    let p = procs
        .iter()
        .find(|p| p.pid == pid)
        .unwrap_or_else(|| {
            panic!(
                "bao pid {pid} not among {:?}",
                procs.iter().map(|p| p.pid).collect::<Vec<_>>()
            )
        })
        .clone();
    (h, p)
}

fn check_common(b: &Bao, h: &super::HostFacts, p: &ServerProcess) {
    assert_eq!(p.product, Product::Openbao);
    assert_eq!(p.comm, "bao");
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(p.status.get().unwrap().uid.effective, uid);
    let cfg = b.config.display().to_string();
    assert_eq!(p.config_paths.len(), 1);
    assert_eq!(p.config_paths[0].path, cfg);
    assert_eq!(p.config_paths[0].source, "argv");
    let exe = p.exe.get().expect("exe readable for our own child");
    assert_eq!(
        std::fs::canonicalize(&exe.path).unwrap(),
        std::fs::canonicalize(bao_binary()).unwrap()
    );
    assert_eq!(p.cgroup.state, ProbeState::Ok);
    // Only our server runs (tests hold LIVE): the effective values are its values.
    if h.processes.get().map(Vec::len) == Some(1) {
        assert_eq!(h.effective.pid, Some(p.pid));
        assert_eq!(h.config_paths(), vec![b.config.clone()]);
        assert_eq!(h.product.as_ref().unwrap().name, Product::Openbao);
    }
}

#[test]
fn live_core_limit_zero_soft_and_hard() {
    let _g = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let b = start(Some(0), Some(0));
    let (h, p) = find_ours(&b);
    check_common(&b, &h, &p);
    assert_eq!(
        p.limits.get().unwrap().core,
        Some(RLimit {
            soft: LimitValue::Value(0),
            hard: LimitValue::Value(0)
        })
    );
    if h.effective.pid == Some(p.pid) {
        let core = h.effective.core_limit.get().unwrap();
        assert!(core.disabled && core.source == "process");
    }
}

#[test]
fn live_core_limit_soft_zero_hard_unlimited() {
    let _g = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let b = start(Some(0), None);
    let (h, p) = find_ours(&b);
    check_common(&b, &h, &p);
    let core = p.limits.get().unwrap().core.unwrap();
    assert_eq!(
        (core.soft, core.hard),
        (LimitValue::Value(0), LimitValue::Unlimited)
    );
    assert!(!core.is_zero());
    if h.effective.pid == Some(p.pid) {
        assert!(!h.effective.core_limit.get().unwrap().disabled);
    }
}

#[test]
fn live_core_limit_unlimited_and_listener_mapping() {
    let _g = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let b = start(None, None);
    b.wait_listening();
    let started = Instant::now();
    let (h, p) = find_ours(&b);
    let first = started.elapsed();
    check_common(&b, &h, &p);
    let core = p.limits.get().unwrap().core.unwrap();
    assert_eq!(
        (core.soft, core.hard),
        (LimitValue::Unlimited, LimitValue::Unlimited)
    );
    let l = h.listeners.get().expect("listeners readable");
    let ours = l
        .listeners
        .iter()
        .find(|x| x.port == b.port)
        .unwrap_or_else(|| panic!("no listener on {} in {:?}", b.port, l.listeners));
    assert_eq!(ours.pid, Some(p.pid));
    assert!(ours.server && ours.loopback);

    // Rough cost of a whole-host collection with a running server (debug build here;
    // the release figure is in the report).
    let mut best = first;
    for _ in 0..5 {
        let t = Instant::now();
        let _ = collect(&HostOptions::default());
        best = best.min(t.elapsed());
    }
    eprintln!("collect() with a live server: best of 6 = {best:?}");
}
