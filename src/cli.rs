//! The command line (`cli.md`): parse arguments, call the layers, map results to exit codes.

use crate::engine::{self, ParamOverride, Settings};
use crate::facts::api::{ApiFlags, ApiOptions};
use crate::model::{Profile, Severity};
use crate::report::{self, Format};
use crate::rules::RuleSet;
use crate::scan::{self, InputError, SourceOptions};
use crate::{progress, waivers};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "vaultsec",
    version,
    about = "Production-hardening audit scanner for HashiCorp Vault and OpenBao",
    long_about = "Audits a Vault or OpenBao deployment against the hardening practices of \
                  HashiCorp's production hardening guide and OpenBao's notes, from its \
                  configuration, the host it runs on and its live API.\n\n\
                  Exit codes: 0 clean, 1 a failure at or above --fail-on, 2 usage or input \
                  error, 3 some check could not be evaluated."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the deployment (the main job).
    Scan(Box<ScanArgs>),
    /// Print the collected facts as one JSON document (for debugging and custom rules).
    Facts(FactsArgs),
    /// List, explain and check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Combine many nodes' JSON reports into one fleet report (any format).
    Merge(MergeArgs),
    /// Print the least-privilege Vault ACL policy that a scan token needs.
    Policy(PolicyArgs),
    /// Print a shell completion script (e.g. `vaultsec completions bash > /etc/bash_completion.d/vaultsec`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page vaultsec(1) in roff; with DIR, write it and one page per command
    /// (vaultsec-scan.1, ...) there.
    Man {
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Turn failing findings into changes to review: a config patch (never applied to a
    /// running server).
    Fix(Box<FixArgs>),
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    /// Apply the config patch to the files (atomically; each original kept as FILE.vaultsec-bak).
    #[arg(long)]
    pub write: bool,
    /// Write the config patch here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the systemd drop-in for the host findings here (`-` for standard output).
    #[arg(long = "drop-in", value_name = "FILE")]
    pub drop_in: Option<PathBuf>,
    /// Write the shell script of host commands here (`-` for standard output); nothing is run.
    #[arg(long = "script", value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Print nothing on standard error but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// How the table reads on a terminal.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Colour: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces it), always, never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorWhen,
    /// What the table lists: failures, errors, waived and manual findings with counts of the
    /// rest (compact), or every finding (all). Other formats always keep everything.
    #[arg(long, value_enum, default_value = "compact", value_name = "WHAT")]
    pub show: Show,
    /// List every finding in the table, as --show all.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Show {
    Compact,
    All,
}

impl TableArgs {
    /// The layout for a table written to standard output (`to_stdout`) or to a file.
    fn layout(&self, to_stdout: bool) -> report::table::Layout {
        let stdout_tty = to_stdout && std::io::stdout().is_terminal();
        let env = |k: &str| std::env::var(k).ok();
        let color = match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => report::table::auto_color(
                env("NO_COLOR").as_deref(),
                env("CLICOLOR_FORCE").as_deref(),
                stdout_tty,
            ),
        };
        let terminal = if stdout_tty {
            terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
        } else {
            None
        };
        report::table::Layout {
            color: color && to_stdout,
            width: report::table::width_from(env("COLUMNS").as_deref(), terminal),
            show_all: self.verbose || self.show == Show::All,
        }
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of `vaultsec scan --format json`, one per node.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Output format (repeatable; each -o pairs with the --format before it).
    #[arg(short = 'f', long = "format", value_enum)]
    pub format: Vec<Format>,
    /// Write the report here, atomically (repeatable).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Exit 1 when a failure at or above this severity is found on any node.
    #[arg(long, default_value = "high", value_parser = ["info", "low", "medium", "high", "critical", "never"])]
    pub fail_on: String,
    /// Custom rule directories the nodes used (for the references of HTML and SARIF).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Print nothing on standard error but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[command(flatten)]
    pub table: TableArgs,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Only for these rules or prefixes (as `scan --select`).
    #[arg(long, value_delimiter = ',', value_name = "ID-OR-PREFIX")]
    pub select: Vec<String>,
    /// Leave out these rules or prefixes.
    #[arg(long, value_delimiter = ',', value_name = "ID-OR-PREFIX")]
    pub ignore: Vec<String>,
    /// baseline, production or strict.
    #[arg(long, default_value = "strict", value_parser = ["baseline", "production", "strict"])]
    pub profile: String,
    /// Also load custom rules from this directory (their api_paths count too).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Grant the per-namespace reads in namespaces down to this depth below the token's
    /// namespace (`+/` path forms; 0: the token's namespace only).
    #[arg(long, value_name = "N", default_value_t = crate::policy::DEFAULT_NAMESPACE_DEPTH)]
    pub namespace_depth: usize,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, severity, profile, sources, title.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Also load custom rules from this directory (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// What a rule checks, why, how to fix it, references.
    Explain {
        id: String,
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Validate custom rule files (exit 2 on an invalid rule).
    Check {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Server config file or directory (repeatable); default: the running server's -config,
    /// else /etc/vault.d, else /etc/openbao (under --root).
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    pub config: Vec<PathBuf>,
    /// The host's filesystem root for host checks.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Switch the config source off.
    #[arg(long)]
    pub no_config: bool,
    /// Switch the host source off (also the certificate files the config names).
    #[arg(long)]
    pub no_host: bool,
    /// Switch the live API source off.
    #[arg(long)]
    pub no_api: bool,
    /// The Vault API address (default: VAULT_ADDR, then BAO_ADDR).
    #[arg(long, value_name = "URL")]
    pub addr: Option<String>,
    /// Read the API token from this file (default: VAULT_TOKEN, BAO_TOKEN, ~/.vault-token).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// CA certificate to verify the API's TLS certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate for TLS to the API.
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Client key for TLS to the API.
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// Server name to verify in the API's certificate.
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// Do not verify the API's TLS certificate (unsafe; explicit opt-in only).
    #[arg(long)]
    pub tls_skip_verify: bool,
    /// Bound on each API request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Discover every cluster node and run the per-node checks on each.
    #[arg(long)]
    pub cluster: bool,
    /// Scan only this namespace and the namespaces below it (default: `VAULT_NAMESPACE`,
    /// else every namespace from the root).
    #[arg(long, value_name = "PATH")]
    pub namespace: Option<String>,
    /// The product the config is for, vault or openbao (default: detected from the API, the
    /// running server or unit, else the config; else unknown).
    #[arg(long, value_name = "PRODUCT", value_parser = ["vault", "openbao"])]
    pub product: Option<String>,
    /// Evaluate as if the scan ran at this time (RFC 3339); for reproducible tests.
    #[arg(long, hide = true, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct FactsArgs {
    #[command(flatten)]
    pub sources: SourceArgs,
}

/// Which rules run, how, and which failures are accepted: the same for `scan` and `fix`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Add custom rule files from this directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// baseline, production or strict.
    #[arg(long, default_value = "production", value_parser = ["baseline", "production", "strict"])]
    pub profile: String,
    /// Run (or fix) only these rules or prefixes (comma-separated, repeatable), e.g. `tls.`.
    #[arg(long, value_delimiter = ',', value_name = "ID-OR-PREFIX")]
    pub select: Vec<String>,
    /// Leave out these rules or prefixes.
    #[arg(long, value_delimiter = ',', value_name = "ID-OR-PREFIX")]
    pub ignore: Vec<String>,
    /// Accepted risks (TOML); a waived finding is never fixed.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Override a rule parameter, e.g. `--set tls.cert-expiring.days=45` (repeatable).
    #[arg(long = "set", value_name = "RULE.PARAM=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    /// Output format (repeatable; each -o pairs with the --format before it).
    #[arg(short = 'f', long = "format", value_enum)]
    pub format: Vec<Format>,
    /// Write the report here, atomically (repeatable).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Exit 1 when a failure at or above this severity is found.
    #[arg(long, default_value = "high", value_parser = ["info", "low", "medium", "high", "critical", "never"])]
    pub fail_on: String,
    /// A previous JSON report: mark findings new, list resolved ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print nothing on standard error but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[command(flatten)]
    pub table: TableArgs,
}

/// Entry point: runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    match run(cli, &matches) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("vaultsec: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => {
            let sub = matches
                .subcommand_matches("scan")
                .ok_or_else(|| anyhow::anyhow!("internal: no scan matches"))?;
            let outputs = pair_outputs(sub, &args.format, &args.output)?;
            run_scan(*args, outputs)
        }
        Command::Merge(args) => {
            let sub = matches
                .subcommand_matches("merge")
                .ok_or_else(|| anyhow::anyhow!("internal: no merge matches"))?;
            let outputs = pair_outputs(sub, &args.format, &args.output)?;
            run_merge(args, outputs)
        }
        Command::Policy(args) => run_policy(args),
        Command::Fix(args) => run_fix(*args),
        Command::Facts(args) => {
            let opts = source_options(&args.sources, None)?;
            let facts = scan::collect(&opts)?;
            let mut doc = facts.doc.clone();
            if let Some(obj) = doc.as_object_mut() {
                let sources: serde_json::Map<String, serde_json::Value> = facts
                    .sources
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), serde_json::json!(v.describe())))
                    .collect();
                obj.insert("sources".into(), serde_json::Value::Object(sources));
            }
            let text = serde_json::to_string_pretty(&doc)? + "\n";
            let text = scan::scrub(text, &facts.secret_values);
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(0)
        }
        Command::Rules(cmd) => run_rules(cmd),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "vaultsec", &mut out);
            std::io::stdout().write_all(&out)?;
            Ok(0)
        }
        Command::Man { dir: Some(dir) } => {
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                InputError::Usage(format!("cannot write man pages to {}: {e}", dir.display()))
            })?;
            Ok(0)
        }
        Command::Man { dir: None } => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            std::io::stdout().write_all(&out)?;
            Ok(0)
        }
    }
}

fn load_rules(dirs: &[PathBuf]) -> Result<RuleSet, InputError> {
    let mut set = RuleSet::builtin()?;
    for dir in dirs {
        set.add_dir(dir)?;
    }
    set.validate_data_refs()?;
    Ok(set)
}

fn run_rules(cmd: RulesCommand) -> anyhow::Result<u8> {
    match cmd {
        RulesCommand::List { format, rules } => {
            let set = load_rules(&rules)?;
            let text = match format {
                ListFormat::Json => {
                    let list: Vec<serde_json::Value> = set
                        .rules
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id, "title": r.title, "severity": r.severity,
                                "profile": r.profile, "sources": r.sources,
                                "products": r.products, "manual": r.manual,
                            })
                        })
                        .collect();
                    serde_json::to_string_pretty(&list)? + "\n"
                }
                ListFormat::Table => {
                    let mut t = comfy_table::Table::new();
                    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
                        .set_header(vec!["Rule", "Severity", "Profile", "Sources", "Title"]);
                    for r in &set.rules {
                        let sources: Vec<&str> = r.sources.iter().map(|s| s.as_str()).collect();
                        t.add_row(vec![
                            r.id.clone(),
                            r.severity.to_string(),
                            r.profile.as_str().to_string(),
                            if r.manual {
                                "manual".into()
                            } else {
                                sources.join(", ")
                            },
                            r.title.clone(),
                        ]);
                    }
                    format!("{t}\n{} rules\n", set.rules.len())
                }
            };
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(0)
        }
        RulesCommand::Explain { id, rules } => {
            let set = load_rules(&rules)?;
            let Some(rule) = set.get(&id) else {
                let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
                let hint = crate::rules::functions::nearest(&id, &ids)
                    .map(|n| format!(" (did you mean {n}?)"))
                    .unwrap_or_default();
                return Err(InputError::Usage(format!(
                    "no rule {id:?}{hint}; see `vaultsec rules list`"
                ))
                .into());
            };
            let mut out = format!(
                "{id}: {title}\n\nseverity: {sev}   profile: {prof}   sources: {src}{prod}\n\n",
                id = rule.id,
                title = rule.title,
                sev = rule.severity,
                prof = rule.profile.as_str(),
                src = if rule.manual {
                    "manual (a person attests it)".to_string()
                } else {
                    rule.sources
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                prod = if rule.products.is_empty() {
                    String::new()
                } else {
                    format!("   products: {}", rule.products.join(", "))
                },
            );
            out.push_str(&format!(
                "Why\n  {}\n\n",
                rule.rationale.replace('\n', "\n  ")
            ));
            out.push_str(&format!(
                "How to fix\n  {}\n",
                rule.remediation.replace('\n', "\n  ")
            ));
            if !rule.params.is_empty() {
                out.push_str("\nParameters (override with --set RULE.PARAM=VALUE)\n");
                for (k, v) in &rule.params {
                    let shown = crate::rules::functions::display(v);
                    let shown = if shown.len() > 100 {
                        format!("{}…", &shown[..100])
                    } else {
                        shown
                    };
                    out.push_str(&format!("  {k} = {shown}\n"));
                }
            }
            if !rule.references.is_empty() {
                out.push_str("\nReferences\n");
                for r in &rule.references {
                    out.push_str(&format!("  - {r}\n"));
                }
            }
            out.push_str(&format!("\nDefined in {}:{}\n", rule.file, rule.line));
            std::io::stdout().write_all(out.as_bytes())?;
            Ok(0)
        }
        RulesCommand::Check { dirs } => {
            let mut set = RuleSet::builtin()?;
            let before = set.rules.len();
            for dir in &dirs {
                set.add_dir(dir)?;
            }
            set.validate_data_refs()?;
            eprintln!("{} custom rule(s) valid", set.rules.len() - before);
            Ok(0)
        }
    }
}

/// Resolves the API settings as the Vault CLI does (flags, then `VAULT_*`/`BAO_*`, then
/// `~/.vault-token`). The token never comes from argv.
fn api_options(
    args: &SourceArgs,
    hunt_concurrency: Option<usize>,
) -> Result<ApiOptions, InputError> {
    let flags = ApiFlags {
        no_api: args.no_api,
        addr: args.addr.clone(),
        token_file: args.token_file.clone(),
        ca_cert: args.ca_cert.clone(),
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        tls_server_name: args.tls_server_name.clone(),
        tls_skip_verify: args.tls_skip_verify,
        timeout: Some(std::time::Duration::from_secs_f64(args.timeout)),
        cluster: args.cluster,
        namespace: args.namespace.clone(),
        hunt_concurrency,
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    ApiOptions::from_sources(&flags, &|k| std::env::var(k).ok(), home.as_deref())
        .map_err(|e| InputError::Usage(format!("API settings: {e}")))
}

fn source_options(
    args: &SourceArgs,
    hunt_concurrency: Option<usize>,
) -> Result<SourceOptions, InputError> {
    let now = match &args.now {
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|e| InputError::Usage(format!("--now {t:?}: {e}")))?,
        None => time::OffsetDateTime::now_utc(),
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(InputError::Usage(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    let api = if args.no_api {
        None
    } else {
        Some(api_options(args, hunt_concurrency)?)
    };
    Ok(SourceOptions {
        config_paths: args.config.clone(),
        root: args.root.clone(),
        no_config: args.no_config,
        no_host: args.no_host,
        no_api: args.no_api,
        api,
        product: args.product.as_deref().map(|p| match p {
            "openbao" => scan::Product::Openbao,
            _ => scan::Product::Vault,
        }),
        progress: false,
        now,
    })
}

/// Every `--select`/`--ignore` selector must match some rule: a typo is an input error.
fn check_selectors(
    rules: &RuleSet,
    select: &[String],
    ignore: &[String],
) -> Result<(), InputError> {
    match select
        .iter()
        .chain(ignore)
        .find(|s| !engine::selector_matches_any(rules, s))
    {
        Some(selector) => Err(InputError::Usage(format!(
            "--select/--ignore {selector:?} matches no rule; see `vaultsec rules list`"
        ))),
        None => Ok(()),
    }
}

/// The rules, the settings and the waivers that `scan` and `fix` share.
fn rule_setup(
    args: &RuleArgs,
) -> anyhow::Result<(RuleSet, Settings, Option<Vec<waivers::Waiver>>)> {
    let rules = load_rules(&args.rules)?;
    check_selectors(&rules, &args.select, &args.ignore)?;
    let settings = Settings {
        profile: Profile::parse(&args.profile).unwrap_or(Profile::Production),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        overrides: parse_overrides(&args.set, &rules)?,
    };
    let waivers = match &args.waivers {
        Some(path) => Some(waivers::load(path, &rules)?),
        None => None,
    };
    Ok((rules, settings, waivers))
}

fn run_policy(args: PolicyArgs) -> anyhow::Result<u8> {
    let rules = load_rules(&args.rules)?;
    check_selectors(&rules, &args.select, &args.ignore)?;
    let settings = Settings {
        profile: Profile::parse(&args.profile).unwrap_or(Profile::Strict),
        select: args.select,
        ignore: args.ignore,
        overrides: Vec::new(),
    };
    let selected = engine::selected(&rules, &settings);
    let text = crate::policy::render(&selected, args.namespace_depth).map_err(InputError::Usage)?;
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(0)
}

/// Where each report goes: `None` is standard output.
type Outputs = Vec<(Format, Option<PathBuf>)>;

/// Pairs each `-o` with the `--format` before it (`cli.md`); a `-o` with no format before it
/// takes the format its extension suggests.
fn pair_outputs(m: &ArgMatches, format: &[Format], output: &[PathBuf]) -> anyhow::Result<Outputs> {
    let format_idx: Vec<usize> = m
        .indices_of("format")
        .map(|i| i.collect())
        .unwrap_or_default();
    let output_idx: Vec<usize> = m
        .indices_of("output")
        .map(|i| i.collect())
        .unwrap_or_default();
    let mut formats: Vec<(usize, Format, bool)> = format_idx
        .iter()
        .zip(format)
        .map(|(i, f)| (*i, *f, false))
        .collect();
    let mut pairs: Outputs = Vec::new();
    for (oi, path) in output_idx.iter().zip(output) {
        let before = formats
            .iter_mut()
            .rev()
            .find(|(fi, _, used)| *fi < *oi && !*used);
        let format = match before {
            Some(entry) => {
                entry.2 = true;
                entry.1
            }
            None => Format::from_extension(&path.to_string_lossy()).ok_or_else(|| {
                InputError::Usage(format!(
                    "-o {}: give a --format before it (table, json, sarif, junit, html, prometheus)",
                    path.display()
                ))
            })?,
        };
        // Two reports renamed onto one file: the first would be lost without a word.
        let same = |p: &PathBuf| {
            p == path
                || matches!(
                    (std::fs::canonicalize(p), std::fs::canonicalize(path)),
                    (Ok(a), Ok(b)) if a == b
                )
        };
        if pairs.iter().any(|(_, p)| p.as_ref().is_some_and(same)) {
            return Err(InputError::Usage(format!(
                "-o {} is given twice: each report needs its own file",
                path.display()
            ))
            .into());
        }
        pairs.push((format, Some(path.clone())));
    }
    let to_stdout: Vec<Format> = formats.iter().filter(|f| !f.2).map(|f| f.1).collect();
    match to_stdout.as_slice() {
        [] if pairs.is_empty() => pairs.push((Format::Table, None)),
        [] => {}
        [one] => pairs.push((*one, None)),
        _ => return Err(InputError::Usage(
            "only one report can go to standard output: give each other --format its own -o FILE"
                .into(),
        )
        .into()),
    }
    Ok(pairs)
}

fn parse_overrides(set: &[String], rules: &RuleSet) -> Result<Vec<ParamOverride>, InputError> {
    let mut out = Vec::new();
    for item in set {
        let usage = || InputError::Usage(format!("--set {item:?}: expected RULE.PARAM=VALUE"));
        let (target, value) = item.split_once('=').ok_or_else(usage)?;
        let (rule_id, param) = target.rsplit_once('.').ok_or_else(usage)?;
        let rule = rules
            .get(rule_id)
            .ok_or_else(|| InputError::Usage(format!("--set {item:?}: no rule {rule_id:?}")))?;
        if !rule.params.contains_key(param) {
            let known: Vec<&str> = rule.params.keys().map(String::as_str).collect();
            return Err(InputError::Usage(format!(
                "--set {item:?}: rule {rule_id} has no parameter {param:?} (parameters: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        // A value is an HCL literal (number, bool, list, quoted string), else a bare string.
        let parsed: Result<hcl::Value, _> = value
            .parse::<hcl::Expression>()
            .map_err(|_| ())
            .and_then(|e| {
                use hcl::eval::Evaluate;
                e.evaluate(&hcl::eval::Context::new()).map_err(|_| ())
            });
        let value = parsed.unwrap_or_else(|_| hcl::Value::String(value.to_string()));
        out.push(ParamOverride {
            rule: rule_id.to_string(),
            param: param.to_string(),
            value,
        });
    }
    Ok(out)
}

fn run_scan(args: ScanArgs, outputs: Outputs) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    // Inputs are checked before the scan, so a bad file fails fast with exit 2.
    let (rules, settings, waivers) = rule_setup(&args.rule_args)?;
    let fail_on = parse_fail_on(&args.fail_on);
    let baseline = match &args.baseline {
        Some(path) => {
            let previous = report::load::read_report(path)?;
            // A fleet's findings carry nodes, so none would match: that is not a diff.
            if previous.is_fleet() {
                return Err(InputError::Usage(format!(
                    "--baseline {}: a fleet report (vaultsec merge); give this node's own report",
                    path.display()
                ))
                .into());
            }
            Some(previous)
        }
        None => None,
    };
    // The root-token hunt's concurrency is a parameter of its rule.
    let hunt_concurrency = settings
        .overrides
        .iter()
        .rev()
        .find(|o| o.rule == "api.root-tokens" && o.param == "concurrency")
        .map(|o| match &o.value {
            hcl::Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            hcl::Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .map(|n| {
            n.ok_or_else(|| {
                InputError::Usage(
                    "--set api.root-tokens.concurrency: expected a positive integer".into(),
                )
            })
        })
        .transpose()?;
    let mut opts = source_options(&args.sources, hunt_concurrency)?;
    progress::install(progress::for_stderr(args.quiet));
    opts.progress =
        progress::choose(std::io::stderr().is_terminal(), args.quiet) == progress::Kind::Bar;
    let facts = scan::collect(&opts)?;
    let mut findings = scan::evaluate(&rules, &facts, &settings);
    // "Today" for waivers is the scan clock's (UTC) day, so `--now` makes runs reproducible.
    let waived = waivers.as_ref().map(|w| {
        waivers::apply(
            &mut findings,
            w,
            opts.now.to_offset(time::UtcOffset::UTC).date(),
        )
    });
    let resolved = baseline
        .as_ref()
        .map(|b| crate::baseline::diff(&mut findings, b));
    let host = scan::host_name(&opts.root);
    let mut report = scan::report(
        findings,
        &facts,
        &settings,
        opts.now,
        started.elapsed().as_secs_f64(),
        host,
    );
    if let Some(outcome) = waived {
        report.waivers_expired = Some(outcome.expired);
        report.waivers_unmatched = Some(outcome.unmatched);
    }
    report.resolved = resolved;
    let code = report::exit_code(&report.findings, fail_on);

    write_reports(&report, &rules, &outputs, &facts.secret_values, &args.table)?;
    if !args.quiet && outputs.iter().all(|(_, p)| p.is_some()) {
        let s = &report.summary;
        eprintln!("vaultsec: {}", s.line(", "));
        if !s.incomplete.is_empty() {
            eprintln!(
                "vaultsec: incomplete: {} check(s) could not see (summary.incomplete says why)",
                s.incomplete.len()
            );
        }
    }
    Ok(code)
}

/// `vaultsec fix`: the scan as `scan` runs it (sources, selection, profile, waivers), then
/// the fixes of its failures.
fn run_fix(args: FixArgs) -> anyhow::Result<u8> {
    let (rules, settings, waivers) = rule_setup(&args.rule_args)?;
    let opts = source_options(&args.sources, None)?;
    let facts = scan::collect(&opts)?;
    let mut findings = scan::evaluate(&rules, &facts, &settings);
    if let Some(w) = &waivers {
        waivers::apply(
            &mut findings,
            w,
            opts.now.to_offset(time::UtcOffset::UTC).date(),
        );
    }
    // Files found on the host are shown by their host path: read them under --root.
    let from_host = opts.config_paths.is_empty();
    let root = opts.root.clone();
    let resolve = move |shown: &str| -> PathBuf {
        if from_host {
            crate::fsutil::join_in_root(&root, Path::new(shown))
        } else {
            PathBuf::from(shown)
        }
    };
    let first_file = facts.doc["config"]["files"]
        .as_array()
        .and_then(|f| f.first())
        .and_then(|f| f.as_str())
        .map(str::to_string);
    let plan = crate::fix::plan(
        &findings,
        &rules,
        &settings,
        &resolve,
        first_file.as_deref(),
        &facts.doc,
    );
    let diff = crate::fix::unified_diff(&plan.config);
    if args.write {
        let backups = crate::fix::write_patched(&plan.config)?;
        if !args.quiet {
            for b in backups {
                eprintln!("vaultsec: kept the original as {}", b.display());
            }
        }
    }
    let host = plan.host.clone().unwrap_or_default();
    let script = crate::fix::script(&host, &plan.api_script);
    let mut files: Vec<(&Path, &[u8])> = Vec::new();
    let mut stdout: Vec<&[u8]> = Vec::new();
    match &args.output {
        Some(path) => files.push((path.as_path(), diff.as_bytes())),
        None if !args.write => stdout.push(diff.as_bytes()),
        None => {}
    }
    for (flag, text) in [
        (&args.drop_in, host.dropin.as_bytes()),
        (&args.script, script.as_bytes()),
    ] {
        match flag.as_deref() {
            Some(p) if p == Path::new("-") => stdout.push(text),
            Some(p) => files.push((p, text)),
            None => {}
        }
    }
    crate::fsutil::write_outputs(&files)?;
    for text in stdout {
        std::io::stdout().write_all(text)?;
    }
    if !args.quiet {
        let text = scan::scrub(crate::fix::summary(&plan), &facts.secret_values);
        eprint!("{text}");
        if !host.dropin.is_empty() && args.drop_in.is_none() {
            eprintln!(
                "vaultsec: host fixes need a systemd drop-in: --drop-in FILE (it belongs in {}), --script FILE for the commands",
                host.dropin_path
            );
        } else if !(host.script.is_empty() && plan.api_script.is_empty()) && args.script.is_none() {
            eprintln!("vaultsec: host and API fixes are commands to review and run: --script FILE");
        }
        if !args.write && !plan.config.is_empty() {
            let absolute = plan.config.iter().any(|p| p.shown.starts_with('/'));
            eprintln!(
                "vaultsec: review the patch, then apply it with `git apply` or `patch -p1{}` (or run again with --write)",
                if absolute { " -d /" } else { "" }
            );
        }
    }
    Ok(0)
}

fn parse_fail_on(s: &str) -> Option<Severity> {
    match s {
        "never" => None,
        s => Severity::parse(s),
    }
}

fn run_merge(args: MergeArgs, outputs: Outputs) -> anyhow::Result<u8> {
    let rules = load_rules(&args.rules)?;
    let report = crate::merge::merge_files(&args.reports, scan::host_name(Path::new("/")))?;
    let code = report::exit_code(&report.findings, parse_fail_on(&args.fail_on));
    write_reports(&report, &rules, &outputs, &[], &args.table)?;
    if !args.quiet && outputs.iter().all(|(_, p)| p.is_some()) {
        let s = &report.summary;
        eprintln!(
            "vaultsec: {} node(s): {}",
            report.nodes.as_ref().map_or(0, Vec::len),
            s.line(", ")
        );
    }
    Ok(code)
}

/// Renders every requested format (all before any is written, so a rendering error leaves no
/// output half done), then writes the files (see [`crate::fsutil::write_outputs`]: renamed into
/// place together at the end) and standard output.
fn write_reports(
    report: &report::Report,
    rules: &RuleSet,
    outputs: &Outputs,
    secrets: &[String],
    table: &TableArgs,
) -> anyhow::Result<()> {
    // Scrub before layout: a table wraps long cells, cutting a secret into pieces that a
    // scrub of the rendered text would no longer find.
    let mut value = serde_json::to_value(report)?;
    crate::redact::scrub_json(&mut value, secrets);
    let report: report::Report = serde_json::from_value(value)?;
    let report = &report;
    let mut rendered = Vec::new();
    for (format, path) in outputs {
        let text = match format {
            Format::Table => report::table::render_with(report, &table.layout(path.is_none())),
            _ => report::render(*format, report, rules, false)?,
        };
        rendered.push((scan::scrub(text, secrets), path));
    }
    let files: Vec<(&Path, &[u8])> = rendered
        .iter()
        .filter_map(|(text, path)| path.as_deref().map(|p| (p, text.as_bytes())))
        .collect();
    crate::fsutil::write_outputs(&files)?;
    for (text, path) in &rendered {
        if path.is_none() {
            std::io::stdout().write_all(text.as_bytes())?;
        }
    }
    Ok(())
}
