//! Parses one systemd unit file as the host collector does and prints the size of its
//! facts; for measuring time and peak memory (`/usr/bin/time -v`) on large units.
//! `cargo run --release --example unit_bench -- FILE`

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: unit_bench FILE"))?;
    let text = std::fs::read_to_string(&path)?;
    let facts = vaultsec::facts::host::systemd::evaluate_unit_texts(
        "vault.service",
        &[(path.clone(), text)],
    );
    let json = serde_json::to_string(&facts)?;
    println!(
        "{} bytes of facts, {} warnings, {} environment variables",
        json.len(),
        facts.warnings.len(),
        facts.environment.len()
    );
    Ok(())
}
