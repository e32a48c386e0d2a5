//! TCP listening sockets, mapped to processes through the socket inodes of
//! `/proc/<pid>/fd`. The tables come from `/proc/<pid>/net/tcp{,6}` under the root; on the
//! live root, when the audited network namespace is the scanner's own, from the kernel's
//! sock_diag netlink interface instead (same data, without the cost of walking every
//! established connection).

use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::common::{HostError, Probe, ProcTable, Root};

/// One listening TCP socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listener {
    /// `tcp` or `tcp6`.
    pub protocol: String,
    /// Local address (`0.0.0.0`, `::`, `127.0.0.1`…).
    pub address: String,
    /// Local port.
    pub port: u16,
    /// Socket inode.
    pub inode: u64,
    /// Owning uid.
    pub uid: u32,
    /// Process holding it, when it could be mapped.
    pub pid: Option<u32>,
    /// That process's `comm`.
    pub comm: Option<String>,
    /// Held by the Vault/OpenBao server.
    pub server: bool,
    /// Bound to every interface (`0.0.0.0` or `::`).
    pub all_interfaces: bool,
    /// Bound to loopback only.
    pub loopback: bool,
}

/// Listening sockets of the server's network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListenerFacts {
    /// Host paths of the tables read.
    pub read_from: Vec<String>,
    /// Every listener, mapped or not.
    pub listeners: Vec<Listener>,
    /// Listeners whose process could not be found (fds of other users need root).
    pub unmapped: usize,
    /// Processes whose fd table could not be read.
    pub unreadable_processes: usize,
}

fn decode_addr(hex: &str) -> Option<IpAddr> {
    match hex.len() {
        8 => {
            let n = u32::from_str_radix(hex, 16).ok()?;
            // The kernel prints the raw network-order word as a native integer.
            Some(IpAddr::V4(Ipv4Addr::from(n.to_ne_bytes())))
        }
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let word = hex.get(i * 8..i * 8 + 8)?;
                let n = u32::from_str_radix(word, 16).ok()?;
                chunk.copy_from_slice(&n.to_ne_bytes());
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// Parses one `/proc/net/tcp{,6}` table, keeping LISTEN (state `0A`) rows.
pub(crate) fn parse_table(text: &str, protocol: &str) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (local, state, uid, inode) = (f.get(1)?, f.get(3)?, f.get(7)?, f.get(9)?);
            if *state != "0A" {
                return None;
            }
            let (addr_hex, port_hex) = local.split_once(':')?;
            let ip = decode_addr(addr_hex)?;
            Some(listener(
                protocol,
                ip,
                u16::from_str_radix(port_hex, 16).ok()?,
                uid.parse().ok()?,
                inode.parse().ok()?,
            ))
        })
        .collect()
}

/// Listening sockets from the kernel's `NETLINK_SOCK_DIAG` interface (what `ss -lt`
/// uses). Reading `/proc/net/tcp` makes the kernel walk the whole established-connection
/// hash table on every read (milliseconds on large hosts); sock_diag with a LISTEN-only
/// state filter walks only the listening table. It answers for the scanner's own network
/// namespace, so it is used only when that is provably the namespace being audited.
mod diag {
    use std::io;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    const NETLINK_SOCK_DIAG: libc::c_int = 4;
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_DUMP: u16 = 0x300;
    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    const TCP_LISTEN: u32 = 10;

    /// `(address, port, uid, inode)` of each listening TCP socket of `family`.
    pub(super) type Row = (IpAddr, u16, u32, u64);

    struct Fd(libc::c_int);
    impl Drop for Fd {
        fn drop(&mut self) {
            // SAFETY: the descriptor is owned by this guard and closed once.
            unsafe { libc::close(self.0) };
        }
    }

    fn u16_ne(b: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
    }
    fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }

    pub(super) fn listeners(family: u8) -> io::Result<Vec<Row>> {
        // SAFETY: plain socket(2) call; the result is checked and owned by `Fd`.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = Fd(raw);
        // The kernel answers at once; a timeout only guards against a hang on a reply
        // this parser failed to recognise as the end.
        let tv = libc::timeval {
            tv_sec: 2,
            tv_usec: 0,
        };
        // SAFETY: `tv` is a valid timeval for the duration of the call.
        unsafe {
            libc::setsockopt(
                fd.0,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        // nlmsghdr (16) + inet_diag_req_v2 (56).
        let mut req = Vec::with_capacity(72);
        req.extend_from_slice(&72u32.to_ne_bytes());
        req.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        req.extend_from_slice(&1u32.to_ne_bytes());
        req.extend_from_slice(&0u32.to_ne_bytes());
        req.extend_from_slice(&[family, libc::IPPROTO_TCP as u8, 0, 0]);
        req.extend_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
        req.resize(72, 0);
        // SAFETY: sockaddr_nl is plain data; zeroed is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: `req` and `addr` outlive the call; lengths match the buffers.
        let sent = unsafe {
            libc::sendto(
                fd.0,
                req.as_ptr().cast(),
                req.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: `buf` is valid for `buf.len()` bytes.
            let n = unsafe { libc::recv(fd.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            let data = buf.get(..n as usize).unwrap_or_default();
            if data.is_empty() {
                return Ok(out);
            }
            let mut off = 0usize;
            while let (Some(len), Some(kind)) = (u32_ne(data, off), u16_ne(data, off + 4)) {
                let len = len as usize;
                if len < 16 || off + len > data.len() {
                    return Err(io::Error::other("malformed netlink message"));
                }
                match kind {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => {
                        let code = u32_ne(data, off + 16).map(|c| c as i32).unwrap_or(0);
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                    _ => {
                        let m = data.get(off + 16..off + len).unwrap_or_default();
                        if let Some(row) = parse_msg(m) {
                            out.push(row);
                        }
                    }
                }
                off += (len + 3) & !3;
            }
        }
    }

    /// `struct inet_diag_msg`: family, state, timer, retrans, sockid (sport and dport big
    /// endian, src[16], dst[16], if, cookie[2]), expires, rqueue, wqueue, uid, inode.
    fn parse_msg(m: &[u8]) -> Option<Row> {
        let family = *m.first()?;
        let port = u16::from_be_bytes(m.get(4..6)?.try_into().ok()?);
        let ip = match i32::from(family) {
            libc::AF_INET => {
                let b: [u8; 4] = m.get(8..12)?.try_into().ok()?;
                IpAddr::V4(Ipv4Addr::from(b))
            }
            libc::AF_INET6 => {
                let b: [u8; 16] = m.get(8..24)?.try_into().ok()?;
                IpAddr::V6(Ipv6Addr::from(b))
            }
            _ => return None,
        };
        let uid = u32_ne(m, 64)?;
        let inode = u64::from(u32_ne(m, 68)?);
        Some((ip, port, uid, inode))
    }
}

fn listener(protocol: &str, ip: IpAddr, port: u16, uid: u32, inode: u64) -> Listener {
    let loopback = match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    Listener {
        protocol: protocol.to_string(),
        address: ip.to_string(),
        port,
        inode,
        uid,
        pid: None,
        comm: None,
        server: false,
        all_interfaces: ip.is_unspecified(),
        loopback,
    }
}

/// Uses sock_diag when the root is the live `/` and the audited namespace (the server's,
/// else init's) is the scanner's own.
fn via_netlink(root: &Root, target_pid: Option<u32>) -> Option<(String, Vec<Listener>)> {
    if !root.is_live() {
        return None;
    }
    // Each network namespace has its own /proc/net/tcp entry with its own inode number;
    // comparing them needs no ptrace permission (unlike reading /proc/<pid>/ns/net).
    let id = |p: &str| {
        std::fs::metadata(p).ok().map(|m| {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        })
    };
    let own = id("/proc/self/net/tcp")?;
    let target_pid = target_pid.unwrap_or(1);
    if id(&format!("/proc/{target_pid}/net/tcp"))? != own {
        return None;
    }
    let mut out = Vec::new();
    for (rows, proto) in [
        (diag::listeners(libc::AF_INET as u8).ok()?, "tcp"),
        (
            diag::listeners(libc::AF_INET6 as u8).unwrap_or_default(),
            "tcp6",
        ),
    ] {
        out.extend(
            rows.into_iter()
                .map(|(ip, port, uid, inode)| listener(proto, ip, port, uid, inode)),
        );
    }
    Some((
        format!("netlink sock_diag (same network namespace as pid {target_pid})"),
        out,
    ))
}

/// Reads `/proc/<pid>/net/tcp{,6}`: the server's namespace, else init's, else the reader's.
fn from_files(root: &Root, server_pids: &[u32]) -> Result<(Vec<String>, Vec<Listener>), HostError> {
    let mut dirs: Vec<String> = server_pids
        .iter()
        .map(|p| format!("/proc/{p}/net"))
        .collect();
    dirs.push("/proc/1/net".to_string());
    dirs.push("/proc/net".to_string());
    let mut last_err: Option<HostError> = None;
    let mut chosen = None;
    for d in &dirs {
        match root.read_string(&format!("{d}/tcp")) {
            Ok(t) => {
                chosen = Some((d.clone(), t));
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some((dir, tcp)) = chosen else {
        return Err(last_err.unwrap_or(HostError::NotFound {
            path: "/proc/net/tcp".to_string(),
        }));
    };
    let mut read_from = vec![format!("{dir}/tcp")];
    let mut listeners = parse_table(&tcp, "tcp");
    // tcp6 is absent when IPv6 is disabled: that is simply no IPv6 listener.
    if let Ok(t6) = root.read_string(&format!("{dir}/tcp6")) {
        read_from.push(format!("{dir}/tcp6"));
        listeners.extend(parse_table(&t6, "tcp6"));
    }
    Ok((read_from, listeners))
}

pub(crate) fn collect(root: &Root, procs: &ProcTable, server_pids: &[u32]) -> Probe<ListenerFacts> {
    let (read_from, mut listeners) = match via_netlink(root, server_pids.first().copied()) {
        Some((src, l)) => (vec![src], l),
        None => match from_files(root, server_pids) {
            Ok(v) => v,
            Err(e) => return Probe::from_error(&e),
        },
    };

    let mut wanted: BTreeMap<u64, Option<u32>> =
        listeners.iter().map(|l| (l.inode, None)).collect();
    let mut remaining = wanted.len();
    let mut unreadable = 0usize;
    // Server first (the common question), then everyone else until all are mapped.
    let order = server_pids.iter().copied().chain(
        procs
            .entries
            .iter()
            .filter(|e| !e.kthread && !server_pids.contains(&e.pid))
            .map(|e| e.pid),
    );
    for pid in order {
        if remaining == 0 {
            break;
        }
        let fd_dir = format!("/proc/{pid}/fd");
        let names = match root.read_dir_names(Path::new(&fd_dir)) {
            Ok(n) => n,
            Err(HostError::NotFound { .. }) => continue,
            Err(_) => {
                unreadable += 1;
                continue;
            }
        };
        for n in names {
            let t = match root.read_link(Path::new(&format!("{fd_dir}/{n}"))) {
                Ok(t) => t,
                // Listing may be allowed while following is not (ptrace access mode):
                // then every fd of this process fails alike.
                Err(HostError::PermissionDenied { .. }) => {
                    unreadable += 1;
                    break;
                }
                Err(_) => continue,
            };
            let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|i| i.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(slot) = wanted.get_mut(&inode) {
                if slot.is_none() {
                    *slot = Some(pid);
                    remaining -= 1;
                }
            }
        }
    }
    for l in &mut listeners {
        l.pid = wanted.get(&l.inode).copied().flatten();
        l.comm = l.pid.and_then(|p| procs.comm(p)).map(str::to_string);
        l.server = l.pid.is_some_and(|p| server_pids.contains(&p));
    }
    let unmapped = listeners.iter().filter(|l| l.pid.is_none()).count();
    Probe::ok(ListenerFacts {
        read_from,
        listeners,
        unmapped,
        unreadable_processes: unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listen_rows() {
        let t = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1661 1 0 100 0 0 10 0\n\
   1: 0100007F:2008 00000000:0000 0A 00000000:00000000 00:00000000 00000000   997        0 1700 1 0 100 0 0 10 0\n\
   2: 0100007F:2008 0100007F:C350 01 00000000:00000000 00:00000000 00000000   997        0 1701 1 0 100 0 0 10 0\n\
   3: garbage\n";
        let l = parse_table(t, "tcp");
        assert_eq!(l.len(), 2);
        assert_eq!(
            (l[0].address.as_str(), l[0].port, l[0].all_interfaces),
            ("0.0.0.0", 22, true)
        );
        assert_eq!(
            (l[1].address.as_str(), l[1].port, l[1].loopback),
            ("127.0.0.1", 8200, true)
        );
        let t6 = "hdr\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n\
   1: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 98 1\n";
        let l6 = parse_table(t6, "tcp6");
        assert_eq!((l6[0].address.as_str(), l6[0].all_interfaces), ("::", true));
        assert_eq!((l6[1].address.as_str(), l6[1].loopback), ("::1", true));
    }
}
