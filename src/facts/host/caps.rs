//! Linux capability sets: names, the `/proc/<pid>/status` hex masks, systemd's
//! `CapabilityBoundingSet=`/`AmbientCapabilities=` syntax, and the `security.capability`
//! extended attribute (`vfs_cap_data`) that `setcap` writes on a binary.

use serde::Serialize;

/// `CAP_IPC_LOCK`: lets a process `mlock` memory beyond `RLIMIT_MEMLOCK`.
pub const CAP_IPC_LOCK: u32 = 14;

/// Capability names by bit number (include/uapi/linux/capability.h).
const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Every capability this table knows (what systemd calls "all").
pub(crate) const ALL_MASK: u64 = (1u64 << NAMES.len()) - 1;

/// Names of the bits set in `mask`; unknown bits appear as `cap_<n>`.
pub(crate) fn names(mask: u64) -> Vec<String> {
    (0..64u32)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| match NAMES.get(bit as usize) {
            Some(n) => (*n).to_string(),
            None => format!("cap_{bit}"),
        })
        .collect()
}

/// Bit number for a capability name (`CAP_IPC_LOCK`, `cap_ipc_lock`, `ipc_lock` or a number).
pub(crate) fn from_name(name: &str) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase();
    if let Ok(n) = upper.parse::<u32>() {
        return (n < 64).then_some(n);
    }
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    NAMES.iter().position(|n| *n == full).map(|i| i as u32)
}

/// A capability set as the facts present it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapSet {
    /// The mask as 16 hex digits, as in `/proc/<pid>/status`.
    pub hex: String,
    /// Names of the capabilities in the set.
    pub names: Vec<String>,
    /// Whether `CAP_IPC_LOCK` (bit 14) is in the set.
    pub ipc_lock: bool,
    /// Whether the set holds every capability the kernel defines (as root's usually does).
    pub full: bool,
}

impl CapSet {
    pub(crate) fn from_mask(mask: u64) -> Self {
        CapSet {
            hex: format!("{mask:016x}"),
            names: names(mask),
            ipc_lock: mask & (1u64 << CAP_IPC_LOCK) != 0,
            full: mask & ALL_MASK == ALL_MASK,
        }
    }

    /// Parses a `/proc/<pid>/status` mask such as `000001fffeffffff`.
    pub(crate) fn from_hex(hex: &str) -> Option<Self> {
        u64::from_str_radix(hex.trim(), 16)
            .ok()
            .map(CapSet::from_mask)
    }
}

/// The file capabilities of a binary, decoded from its `security.capability` xattr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCaps {
    /// Whether the attribute exists at all.
    pub present: bool,
    /// `vfs_cap_data` revision (1, 2 or 3) when present.
    pub revision: Option<u32>,
    /// Permitted set granted at exec.
    pub permitted: Vec<String>,
    /// Inheritable set.
    pub inheritable: Vec<String>,
    /// The effective flag: permitted capabilities are raised at exec (`=ep`).
    pub effective: bool,
    /// Revision 3 only: the user namespace root uid the capabilities apply to.
    pub rootid: Option<u32>,
    /// `cap_ipc_lock` is both permitted and effective (`setcap cap_ipc_lock=+ep`).
    pub ipc_lock: bool,
}

impl FileCaps {
    /// No `security.capability` attribute on the file.
    pub(crate) fn absent() -> Self {
        FileCaps {
            present: false,
            revision: None,
            permitted: Vec::new(),
            inheritable: Vec::new(),
            effective: false,
            rootid: None,
            ipc_lock: false,
        }
    }
}

const VFS_CAP_REVISION_MASK: u32 = 0xFF00_0000;
const VFS_CAP_FLAGS_EFFECTIVE: u32 = 0x0000_0001;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Decodes `struct vfs_cap_data` / `vfs_ns_cap_data` (little-endian: magic, then
/// permitted/inheritable pairs, then for revision 3 the root uid).
pub(crate) fn decode_vfs_cap(bytes: &[u8]) -> Result<FileCaps, String> {
    let magic = le32(bytes, 0).ok_or("security.capability is shorter than 4 bytes")?;
    let revision = (magic & VFS_CAP_REVISION_MASK) >> 24;
    let (words, expected_len) = match revision {
        1 => (1usize, 12usize),
        2 => (2, 20),
        3 => (2, 24),
        other => return Err(format!("unknown vfs_cap_data revision {other}")),
    };
    if bytes.len() < expected_len {
        return Err(format!(
            "security.capability revision {revision} needs {expected_len} bytes, has {}",
            bytes.len()
        ));
    }
    let mut permitted = 0u64;
    let mut inheritable = 0u64;
    for i in 0..words {
        let p = le32(bytes, 4 + i * 8).ok_or("truncated permitted word")?;
        let inh = le32(bytes, 8 + i * 8).ok_or("truncated inheritable word")?;
        permitted |= u64::from(p) << (32 * i);
        inheritable |= u64::from(inh) << (32 * i);
    }
    let effective = magic & VFS_CAP_FLAGS_EFFECTIVE != 0;
    let rootid = if revision == 3 { le32(bytes, 20) } else { None };
    Ok(FileCaps {
        present: true,
        revision: Some(revision),
        permitted: names(permitted),
        inheritable: names(inheritable),
        effective,
        rootid,
        ipc_lock: effective && permitted & (1u64 << CAP_IPC_LOCK) != 0,
    })
}

/// Encodes a revision-2 `vfs_cap_data` (for test fixtures; what `setcap` writes).
pub fn encode_vfs_cap_v2(permitted: u64, effective: bool) -> Vec<u8> {
    let magic = 0x0200_0000u32 | u32::from(effective);
    let mut out = Vec::with_capacity(20);
    out.extend_from_slice(&magic.to_le_bytes());
    out.extend_from_slice(&(permitted as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&((permitted >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_status_mask_is_full_and_has_ipc_lock() {
        let c = CapSet::from_hex("000001fffeffffff").unwrap();
        assert!(c.ipc_lock);
        assert!(c.names.contains(&"CAP_SYS_ADMIN".to_string()));
        // Bit 24 (CAP_SYS_RESOURCE) is cleared in that mask.
        assert!(!c.full);
        assert!(CapSet::from_mask(ALL_MASK).full);
        let z = CapSet::from_hex("0000000000004000").unwrap();
        assert_eq!(z.names, vec!["CAP_IPC_LOCK"]);
        assert!(CapSet::from_hex("zz").is_none());
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(from_name("cap_ipc_lock"), Some(14));
        assert_eq!(from_name("CAP_SYSLOG"), Some(34));
        assert_eq!(from_name("ipc_lock"), Some(14));
        assert_eq!(from_name("CAP_NOPE"), None);
    }

    #[test]
    fn decodes_setcap_ipc_lock_ep() {
        // Bytes `setcap cap_ipc_lock=+ep` writes (revision 2, effective flag).
        let v2 = encode_vfs_cap_v2(1 << 14, true);
        let caps = decode_vfs_cap(&v2).unwrap();
        assert!(caps.present && caps.effective && caps.ipc_lock);
        assert_eq!(caps.permitted, vec!["CAP_IPC_LOCK"]);
        // Permitted but not effective (`=p`) is not enough for Vault.
        let p_only = decode_vfs_cap(&encode_vfs_cap_v2(1 << 14, false)).unwrap();
        assert!(!p_only.ipc_lock);
        // Revision 3 carries a root uid.
        let mut v3 = v2.clone();
        v3[3] = 0x03;
        v3.extend_from_slice(&1000u32.to_le_bytes());
        let caps3 = decode_vfs_cap(&v3).unwrap();
        assert_eq!(caps3.rootid, Some(1000));
        assert!(caps3.ipc_lock);
    }

    #[test]
    fn garbage_xattr_is_an_error_not_a_panic() {
        assert!(decode_vfs_cap(&[]).is_err());
        assert!(decode_vfs_cap(&[0, 0, 0, 2, 1]).is_err());
        assert!(decode_vfs_cap(&[0, 0, 0, 9, 0, 0, 0, 0]).is_err());
    }
}
