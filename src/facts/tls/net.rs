//! Deadline-bounded TCP plumbing shared by the rustls handshake and the legacy probe:
//! every step (name resolution, connect, each read and write) gets only the time left
//! until one overall deadline, so a silent peer cannot stall a scan.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::live::TlsProbeError;

/// `now + timeout`, saturating: an absurd timeout must not panic on overflow.
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(now)
}

/// Time left until `deadline`, or `None` once it has passed.
pub(crate) fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

pub(crate) fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// Resolves `host:port`. getaddrinfo cannot be cancelled, so it runs on a helper thread
/// that is abandoned (it ends on its own) when the deadline passes first.
pub(crate) fn resolve(
    addr: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, TlsProbeError> {
    if let Ok(sa) = addr.parse::<SocketAddr>() {
        return Ok(vec![sa]);
    }
    let has_port = addr
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
    if !has_port {
        return Err(TlsProbeError::InvalidAddress {
            addr: addr.to_string(),
            reason: "expected host:port".into(),
        });
    }
    let (tx, rx) = mpsc::channel();
    let owned = addr.to_string();
    std::thread::Builder::new()
        .name("vaultsec-resolve".into())
        .spawn(move || {
            let res = owned.to_socket_addrs().map(|it| it.collect::<Vec<_>>());
            // The receiver may be gone after a timeout; nothing to do then.
            let _ = tx.send(res);
        })
        .map_err(|e| TlsProbeError::Resolve {
            addr: addr.to_string(),
            reason: format!("cannot start resolver thread: {e}"),
        })?;
    let wait = remaining(deadline).ok_or_else(|| timeout_err(addr, "resolving", timeout))?;
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(TlsProbeError::Resolve {
            addr: addr.to_string(),
            reason: "no addresses".into(),
        }),
        Ok(Err(e)) => Err(TlsProbeError::Resolve {
            addr: addr.to_string(),
            reason: e.to_string(),
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(timeout_err(addr, "resolving", timeout)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(TlsProbeError::Resolve {
            addr: addr.to_string(),
            reason: "resolver thread ended without an answer".into(),
        }),
    }
}

pub(crate) fn timeout_err(addr: &str, stage: &'static str, timeout: Duration) -> TlsProbeError {
    TlsProbeError::Timeout {
        addr: addr.to_string(),
        stage,
        timeout,
    }
}

/// Connects to the first address of `addr` that answers before the deadline.
pub(crate) fn connect(
    addr: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, TlsProbeError> {
    let addrs = resolve(addr, deadline, timeout)?;
    let mut last: Option<io::Error> = None;
    for sa in addrs {
        let Some(wait) = remaining(deadline) else {
            return Err(timeout_err(addr, "connecting to", timeout));
        };
        match TcpStream::connect_timeout(&sa, wait) {
            Ok(s) => {
                // Small records, latency matters more than throughput.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) if is_timeout(&e) => Err(timeout_err(addr, "connecting to", timeout)),
        Some(e) => Err(TlsProbeError::Connect {
            addr: addr.to_string(),
            source: e,
        }),
        None => Err(timeout_err(addr, "connecting to", timeout)),
    }
}

/// A TcpStream wrapper whose every read and write is bounded by the deadline.
pub(crate) struct DeadlineStream<'a> {
    pub stream: &'a mut TcpStream,
    pub deadline: Instant,
}

impl Read for DeadlineStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = remaining(self.deadline)
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))?;
        self.stream.set_read_timeout(Some(wait))?;
        self.stream.read(buf)
    }
}

impl Write for DeadlineStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wait = remaining(self.deadline)
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))?;
        self.stream.set_write_timeout(Some(wait))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
