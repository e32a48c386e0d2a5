#![allow(dead_code, unused_imports)] // A shared harness: not every test uses every helper.
//! Test support: real OpenBao servers on loopback (dev, uninitialized raft, 3-node TLS
//! raft cluster), a harness admin client that may write (the scanner may not), scenario
//! helpers, and a tiny mock HTTP server for faults a real server cannot produce.
//!
//! Every server process is killed when its guard drops, and also by the kernel when the
//! test process exits (`PR_SET_PDEATHSIG`), so a panicking test leaves nothing behind.

pub mod admin;
pub mod mock;
pub mod pki;
pub mod servers;

pub use admin::{Admin, InitResult};
pub use mock::{MockRequest, MockResponse, MockServer};
pub use pki::TestPki;
pub use servers::{
    bao_binary, bao_old_binary, free_ports, random_token, DevServer, RaftServer, ServerProcess,
    TlsCluster, TlsNode, BAO_OLD_VERSION, BAO_VERSION,
};

/// Harness failures (a test that gets one fails loudly).
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// File or process I/O.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The bao binary is missing and could not be fetched.
    #[error("bao binary unavailable: {0}")]
    Bao(String),
    /// An HTTP call of the harness failed.
    #[error("harness HTTP: {0}")]
    Http(String),
    /// A server did not reach the expected state in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// Certificate generation failed.
    #[error("certificates: {0}")]
    Pki(String),
}

/// Result alias for the testkit.
pub type Result<T> = std::result::Result<T, TestkitError>;

pub(crate) fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TestkitError {
    let what = what.into();
    move |source| TestkitError::Io { what, source }
}
