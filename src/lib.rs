//! vaultsec: a production-hardening audit scanner for HashiCorp Vault and OpenBao.
//!
//! The pipeline has three layers, each in its own module:
//! 1. [`facts`]: collectors read the config, host and API once into a [`facts::Facts`] document;
//! 2. [`engine`]: a pure function evaluates the declarative [`rules`] over those facts;
//! 3. [`report`]: renderers write the findings as a table, JSON, SARIF, ...

pub mod baseline;
pub mod cli;
pub mod engine;
pub mod facts;
pub mod fix;
pub mod fsutil;
pub mod merge;
pub mod model;
pub mod policy;
pub mod progress;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod waivers;
