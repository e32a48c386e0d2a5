//! TLS facts: certificate and key files of each listener, and the live listener.
//!
//! Facts only: this module reports what it finds (expiry, names, key sizes, chain order,
//! key match, accepted protocol versions); the rules decide pass or fail.
//! Crypto comes from x509-parser (parsing, signature checks via ring), RustCrypto
//! (`pkcs1`, `pkcs8`, `sec1`, `p256`/`p384`/`p521` for key matching) and rustls 0.23 with
//! the ring provider (live handshake and webpki verification).

mod cert;
mod hostname;
mod key;
mod legacy;
mod live;
mod net;
mod pem;

#[cfg(test)]
mod tests;

pub use cert::{
    analyze_der_chain, analyze_files, analyze_pem, CertErrorKind, CertFacts, CertOptions,
    CertificateFacts, ChainFacts, ChainLink, FactState, HostnameFacts, SignatureCheck,
    TrailingData, TrailingKind, MAX_FILE_BYTES,
};
pub use key::{KeyFacts, KeyState};
pub use legacy::{probe_legacy_protocol, LegacyOutcome, LegacyProbe, LegacyVersion, TlsAlert};
pub use live::{
    fetch_chain, live_facts, trust_outcome, verify_chain, LiveHandshake, LiveTlsFacts,
    LiveTlsOptions, RootsSource, TlsProbeError, VerifyErrorKind, VerifyOutcome,
};
