//! The one integration test binary (ripgrep/just style): each module is one area.

mod api_lockout;
mod api_mixed_cluster;
mod api_rules;
mod baseline;
mod bench_cluster;
mod cert_fixtures;
mod cli;
mod collector_cluster;
mod collector_dev;
mod collector_faults;
mod collector_raft;
mod common;
mod contrib;
mod corpus;
mod fetch_bao;
mod fuzz;
mod host_fixtures;
mod merge;
mod parsers;
mod reports;
mod rule_fixtures;
mod sarif;
mod secrets;
mod testkit;
mod waivers;
