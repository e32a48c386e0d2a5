//! Active swap areas from `/proc/swaps`.

use serde::Serialize;

use super::common::{Probe, Root};

/// One active swap area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwapEntry {
    /// Device or file (the kernel escapes spaces as `\040`).
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
    /// Size in KiB.
    pub size_kb: u64,
    /// Used KiB.
    pub used_kb: u64,
    /// Priority.
    pub priority: i64,
    /// A `/dev/mapper/…` or `/dev/dm-…` device, typically encrypted swap (informational).
    pub device_mapper: bool,
}

/// Swap state of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwapFacts {
    /// At least one swap area is active.
    pub active: bool,
    /// The active areas.
    pub entries: Vec<SwapEntry>,
    /// Sum of their sizes in KiB.
    pub total_kb: u64,
}

/// Parses `/proc/swaps` (a header line, then one line per area).
pub(crate) fn parse(text: &str) -> SwapFacts {
    let entries: Vec<SwapEntry> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                [filename, kind, size, used, prio, ..] => Some(SwapEntry {
                    filename: (*filename).to_string(),
                    kind: (*kind).to_string(),
                    size_kb: size.parse().unwrap_or(0),
                    used_kb: used.parse().unwrap_or(0),
                    priority: prio.parse().unwrap_or(0),
                    device_mapper: filename.starts_with("/dev/mapper/")
                        || filename.starts_with("/dev/dm-"),
                }),
                _ => None,
            }
        })
        .collect();
    SwapFacts {
        active: !entries.is_empty(),
        total_kb: entries.iter().map(|e| e.size_kb).sum(),
        entries,
    }
}

/// Reads `/proc/swaps`; an unreadable file is `skip`/`error`, never "no swap".
pub(crate) fn collect(root: &Root) -> Probe<SwapFacts> {
    match root.read_string("/proc/swaps") {
        Ok(t) => Probe::ok(parse(&t)),
        Err(e) => Probe::from_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_only_means_no_swap() {
        let s = parse("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        assert!(!s.active);
        let s = parse(
            "Filename Type Size Used Priority\n/swap.img file 2097148 0 -2\n/dev/mapper/cswap partition 1024 10 5\n",
        );
        assert!(s.active);
        assert_eq!(s.total_kb, 2098172);
        assert_eq!(s.entries[0].priority, -2);
        assert!(s.entries[1].device_mapper);
    }
}
