//! Helpers of `bench/hunt.sh` (address and token from VAULT_ADDR / VAULT_TOKEN):
//!
//! `hunt_bench populate N`   create N short-lived service tokens (the benchmark's setup write)
//! `hunt_bench sequential`   baseline (b): LIST accessors, then one lookup-accessor after another
//!                           over a single kept-alive HTTP connection
//!
//! The hunt itself is timed as a whole `vaultsec scan --select api.root-tokens` process.

use std::time::Instant;

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

fn client(pool: usize) -> Result<reqwest::Client, String> {
    // Plain HTTP on loopback, but reqwest still wants a rustls config (no default provider).
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(pool)
        .build()
        .map_err(|e| e.to_string())
}

async fn json_of(rb: reqwest::RequestBuilder) -> Result<Value, String> {
    let bytes = rb
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

async fn populate(addr: &str, token: &str, n: usize) -> Result<usize, String> {
    let http = client(16)?;
    let url = format!("{addr}/v1/auth/token/create");
    let body = json!({"policies": ["default"], "ttl": "2h"}).to_string();
    let made = stream::iter(0..n)
        .map(|_| {
            let rb = http
                .post(&url)
                .header("X-Vault-Token", token)
                .body(body.clone());
            async move { rb.send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .buffer_unordered(16)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    Ok(made)
}

async fn sequential(addr: &str, token: &str) -> Result<(usize, usize), String> {
    let http = client(1)?;
    let list = json_of(
        http.get(format!("{addr}/v1/auth/token/accessors?list=true"))
            .header("X-Vault-Token", token),
    )
    .await?;
    let keys: Vec<String> = list
        .pointer("/data/keys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut roots = 0;
    for k in &keys {
        let v = json_of(
            http.post(format!("{addr}/v1/auth/token/lookup-accessor"))
                .header("X-Vault-Token", token)
                .body(json!({ "accessor": k }).to_string()),
        )
        .await?;
        let is_root = v
            .pointer("/data/policies")
            .and_then(Value::as_array)
            .is_some_and(|p| p.iter().any(|x| x == "root"));
        roots += usize::from(is_root);
    }
    Ok((keys.len(), roots))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = std::env::var("VAULT_ADDR").unwrap_or_default();
    let token = std::env::var("VAULT_TOKEN").unwrap_or_default();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("cannot start a runtime");
        std::process::exit(1);
    };
    let started = Instant::now();
    let code = match args.first().map(String::as_str) {
        Some("populate") => {
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
            match rt.block_on(populate(&addr, &token, n)) {
                Ok(made) => {
                    eprintln!("created {made} tokens in {:?}", started.elapsed());
                    i32::from(made != n)
                }
                Err(e) => {
                    eprintln!("{e}");
                    1
                }
            }
        }
        Some("sequential") => match rt.block_on(sequential(&addr, &token)) {
            Ok((n, roots)) => {
                println!(
                    "sequential tokens={n} root={roots} in {:?}",
                    started.elapsed()
                );
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        _ => {
            eprintln!("usage: hunt_bench populate N | sequential");
            2
        }
    };
    std::process::exit(code);
}
