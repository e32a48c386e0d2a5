//! The one integration test binary (ripgrep/just style): each module is one area.

mod baseline;
mod cert_fixtures;
mod cli;
mod common;
mod contrib;
mod corpus;
mod host_fixtures;
mod merge;
mod reports;
mod rule_fixtures;
mod sarif;
mod secrets;
mod waivers;
