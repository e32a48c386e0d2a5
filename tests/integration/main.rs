//! The one integration test binary (ripgrep/just style): each module is one area.

mod cert_fixtures;
mod cli;
mod common;
mod corpus;
mod host_fixtures;
mod rule_fixtures;
mod sarif;
mod secrets;
