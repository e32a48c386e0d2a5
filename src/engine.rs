//! The rule engine: a pure function of (rules, facts, settings) → findings. No I/O here.
//!
//! For each selected rule: a source that is off makes it `skip`, a source that failed makes it
//! `error`; then `requires` probes, `for_each` subjects, `skip_if`/`error_if`, and finally the
//! `condition` decide. Anything that cannot be evaluated is `error`, never `pass`.

use crate::facts::{Facts, SourceState};
use crate::model::{Finding, Location, Profile, SkipCause, Source, Status};
use crate::rules::functions::{self, display, hcl_to_json, json_to_hcl};
use crate::rules::{Rule, RuleSet};
use hcl::eval::{Context, Evaluate};
use hcl::{Expression, Value};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Profile,
    /// Rule ids or prefixes to run (empty: all in the profile).
    pub select: Vec<String>,
    /// Rule ids or prefixes to leave out.
    pub ignore: Vec<String>,
    /// `--set RULE.PARAM=VALUE` overrides.
    pub overrides: Vec<ParamOverride>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            profile: Profile::Production,
            select: Vec::new(),
            ignore: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamOverride {
    pub rule: String,
    pub param: String,
    pub value: Value,
}

/// A selector is any prefix of an id, as in ruff (`tls.`, `tls.min`, `tls.min-version`); a
/// trailing `*` is accepted and means the same.
fn matches_selector(id: &str, selector: &str) -> bool {
    !selector.is_empty() && id.starts_with(selector.trim_end_matches('*'))
}

/// The rules that run under these settings, in catalogue order.
pub fn selected<'r>(rules: &'r RuleSet, settings: &Settings) -> Vec<&'r Rule> {
    rules
        .rules
        .iter()
        .filter(|r| r.profile <= settings.profile)
        .filter(|r| {
            settings.select.is_empty() || settings.select.iter().any(|s| matches_selector(&r.id, s))
        })
        .filter(|r| !settings.ignore.iter().any(|s| matches_selector(&r.id, s)))
        .collect()
}

/// Does a selector match any rule at all? (A typo in `--select` must not silently run nothing.)
pub fn selector_matches_any(rules: &RuleSet, selector: &str) -> bool {
    rules
        .rules
        .iter()
        .any(|r| matches_selector(&r.id, selector))
}

/// Evaluates every selected rule over the facts.
pub fn evaluate(rules: &RuleSet, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    let mut ctx = Context::new();
    functions::declare_all(&mut ctx);
    for name in ["config", "tls", "host", "api", "scan"] {
        let value = json_to_hcl(&facts.doc[name]);
        declare_flattened(&mut ctx, name, &value, crate::rules::FLATTEN_DEPTH);
        ctx.declare_var(name, value);
    }
    let data = Value::Object(rules.data.clone());
    declare_flattened(&mut ctx, "data", &data, crate::rules::FLATTEN_DEPTH);
    ctx.declare_var("data", data);

    let mut findings = Vec::new();
    for rule in selected(rules, settings) {
        let mut params = rule.params.clone();
        for o in settings.overrides.iter().filter(|o| o.rule == rule.id) {
            params.insert(o.param.clone(), o.value.clone());
        }
        ctx.declare_var("params", Value::Object(params));
        evaluate_rule(rule, facts, &mut ctx, &mut findings);
    }
    keep_causes_that_failed(&mut findings);
    findings
}

/// A failing finding's own remediation and cause, from the facts of its subject. A
/// remediation that cannot be evaluated leaves the catalogue text (a rule's advice is never
/// worth turning a finding into an error).
fn advise(rule: &Rule, ctx: &Context<'_>, f: &mut Finding) {
    if let Some(expr) = &rule.remediation_expr {
        if let Ok(Value::String(text)) = expr.evaluate(ctx) {
            f.remediation = text.trim().to_string();
        }
    }
    if let Some(expr) = &rule.caused_by {
        if let Ok(Value::String(id)) = expr.evaluate(ctx) {
            f.caused_by = Some(id).filter(|id| !id.is_empty());
        }
    }
}

/// A cause is named only if it is borne out: the rule it names did not run (the expression
/// read the same facts), or it failed. A cause that ran and passed is dropped.
fn keep_causes_that_failed(findings: &mut [Finding]) {
    let ran: std::collections::BTreeMap<String, bool> =
        findings.iter().fold(Default::default(), |mut m, f| {
            *m.entry(f.rule.clone()).or_insert(false) |= f.status == Status::Fail;
            m
        });
    for f in findings.iter_mut() {
        if let Some(cause) = &f.caused_by {
            if ran.get(cause) == Some(&false) || *cause == f.rule {
                f.caused_by = None;
            }
        }
    }
}

/// Declares the flattened variables of a root (`host__unit__value`, see `rules::validate`).
fn declare_flattened(ctx: &mut Context<'_>, name: &str, value: &Value, depth: usize) {
    if depth == 0 {
        return;
    }
    if let Value::Object(map) = value {
        for (attr, v) in map {
            let flat = crate::rules::flat_name(name, attr);
            declare_flattened(ctx, &flat, v, depth - 1);
            ctx.declare_var(flat, v.clone());
        }
    }
}

/// Evaluation errors name the flattened variables; show them as the rule author wrote them.
fn readable(error: impl std::fmt::Display) -> String {
    error.to_string().replace("__", ".")
}

struct Outcome {
    status: Status,
    message: String,
    subject: Option<String>,
    location: Option<Location>,
    evidence: serde_json::Value,
}

impl Outcome {
    fn plain(status: Status, message: String) -> Self {
        Outcome {
            status,
            message,
            subject: None,
            location: None,
            evidence: serde_json::Value::Null,
        }
    }
}

fn finding(rule: &Rule, o: Outcome) -> Finding {
    finding_from(rule, o, None)
}

/// `source`: the subject's own source (`each.value.source`), for rules whose subjects come
/// from several sources.
fn finding_from(rule: &Rule, o: Outcome, source: Option<Source>) -> Finding {
    let skip_cause = match o.status {
        Status::Skip => SkipCause::of_reason(&o.message),
        _ => None,
    };
    Finding {
        rule: rule.id.clone(),
        status: o.status,
        severity: rule.severity,
        // The most specific source names the finding (file over config, host over config).
        // An any_source rule without a subject is named by its first (primary) source.
        source: source.unwrap_or_else(|| {
            if rule.any_source {
                rule.sources.first().copied().unwrap_or(Source::Config)
            } else {
                rule.sources.iter().max().copied().unwrap_or(Source::Config)
            }
        }),
        title: rule.title.clone(),
        message: o.message,
        subject: o.subject,
        location: o.location,
        evidence: o.evidence,
        remediation: rule.remediation.clone(),
        new: None,
        waiver: None,
        node: None,
        skip_cause,
        caused_by: None,
    }
}

fn evaluate_rule(rule: &Rule, facts: &Facts, ctx: &mut Context<'_>, out: &mut Vec<Finding>) {
    if rule.manual {
        out.push(finding(
            rule,
            Outcome::plain(
                Status::Manual,
                format!("attest by hand: {}", rule.title.trim_end_matches('.')),
            ),
        ));
        return;
    }
    let gate = if rule.any_source {
        any_source_gate(rule, facts)
    } else {
        source_gate(rule, facts)
    };
    if let Some(o) = gate {
        out.push(finding(rule, o));
        return;
    }
    if let Some(o) = product_gate(rule, facts) {
        out.push(finding(rule, o));
        return;
    }
    if let Some(requires) = &rule.requires {
        match probe_gate(requires, ctx) {
            Ok(None) => {}
            Ok(Some(o)) | Err(o) => {
                out.push(finding(rule, o));
                return;
            }
        }
    }

    let subjects: Vec<Option<Value>> = match &rule.for_each {
        None => vec![None],
        Some(expr) => match expr.evaluate(ctx) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Some(each_value(Value::from(i as u64), v)))
                .collect(),
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| Some(each_value(Value::String(k), v)))
                .collect(),
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                out.push(finding(
                    rule,
                    Outcome::plain(
                        Status::Error,
                        format!(
                            "for_each must give a list or an object, got {}",
                            display(&other)
                        ),
                    ),
                ));
                return;
            }
            Err(e) => {
                out.push(finding(
                    rule,
                    Outcome::plain(
                        Status::Error,
                        format!("cannot evaluate for_each: {}", readable(&e)),
                    ),
                ));
                return;
            }
        },
    };
    if subjects.is_empty() {
        // A source in error that gave no subject must not read as "nothing to check".
        let failed = rule
            .sources
            .iter()
            .filter(|_| rule.any_source)
            .find_map(|s| match facts.source(*s) {
                SourceState::Error(why) => {
                    Some(format!("{} source unavailable: {why}", s.as_str()))
                }
                _ => None,
            });
        let o = match (
            failed,
            rule.when_none.message.as_ref().map(|m| m.evaluate(ctx)),
        ) {
            (Some(why), _) => Outcome::plain(Status::Error, why),
            (None, None) => Outcome::plain(rule.when_none.status, "nothing to check".into()),
            (None, Some(Ok(v))) => Outcome::plain(rule.when_none.status, display(&v)),
            (None, Some(Err(e))) => Outcome::plain(
                Status::Error,
                format!("cannot evaluate when_none_message: {}", readable(&e)),
            ),
        };
        let o = match (&o.status, &rule.when_none.evidence) {
            (Status::Error, _) | (_, None) => o,
            (_, Some(expr)) => match expr.evaluate(ctx) {
                Ok(v) => Outcome {
                    evidence: hcl_to_json(&v),
                    ..o
                },
                Err(e) => Outcome::plain(
                    Status::Error,
                    format!("cannot evaluate when_none_evidence: {}", readable(&e)),
                ),
            },
        };
        out.push(finding(rule, o));
        return;
    }
    for each in subjects {
        if let Some(each) = &each {
            ctx.declare_var("each", each.clone());
        }
        let o = evaluate_subject(rule, ctx, each.as_ref());
        let source = rule
            .any_source
            .then(|| subject_source(rule, each.as_ref()))
            .flatten();
        let mut f = finding_from(rule, o, source);
        if f.status == Status::Fail {
            advise(rule, ctx, &mut f);
        }
        out.push(f);
    }
}

fn each_value(key: Value, value: Value) -> Value {
    let mut map = hcl::Map::new();
    map.insert("key".to_string(), key);
    map.insert("value".to_string(), value);
    Value::Object(map)
}

fn source_gate(rule: &Rule, facts: &Facts) -> Option<Outcome> {
    let mut error = None;
    for source in &rule.sources {
        match facts.source(*source) {
            SourceState::Available => {}
            SourceState::Off(why) => {
                return Some(Outcome::plain(
                    Status::Skip,
                    format!("{} source off: {why}", source.as_str()),
                ))
            }
            SourceState::Error(why) => {
                error.get_or_insert_with(|| {
                    Outcome::plain(
                        Status::Error,
                        format!("{} source unavailable: {why}", source.as_str()),
                    )
                });
            }
        }
    }
    error
}

/// For `any_source` rules: skip only when every source is off.
fn any_source_gate(rule: &Rule, facts: &Facts) -> Option<Outcome> {
    let mut off = Vec::new();
    for source in &rule.sources {
        match facts.source(*source) {
            SourceState::Off(why) => off.push(format!("{} source off: {why}", source.as_str())),
            SourceState::Available | SourceState::Error(_) => return None,
        }
    }
    Some(Outcome::plain(Status::Skip, off.join("; ")))
}

/// `each.value.source` when it names one of the rule's sources.
fn subject_source(rule: &Rule, each: Option<&Value>) -> Option<Source> {
    let Some(Value::Object(m)) = each else {
        return None;
    };
    let Some(Value::Object(v)) = m.get("value") else {
        return None;
    };
    match v.get("source") {
        Some(Value::String(s)) => Source::parse(s).filter(|s| rule.sources.contains(s)),
        _ => None,
    }
}

fn product_gate(rule: &Rule, facts: &Facts) -> Option<Outcome> {
    if rule.products.is_empty() {
        return None;
    }
    let detected = facts.doc["scan"]["product"]["name"]
        .as_str()
        .unwrap_or("unknown");
    // An unknown product is taken to be Vault for these rules (checks.md); the rules that
    // must not guess (config.product-incompatible) read scan.product themselves.
    let product = if detected == "unknown" {
        "vault"
    } else {
        detected
    };
    if rule.products.iter().any(|p| p == product) {
        return None;
    }
    let how = match facts.doc["scan"]["product"]["detected_from"].as_str() {
        Some(how) if detected != "unknown" => how.to_string(),
        Some(how) => format!("assumed: {how}"),
        None => "assumed".to_string(),
    };
    Some(Outcome::plain(
        Status::Skip,
        format!(
            "applies only to {} (this is {product}, {how})",
            rule.products.join(", ")
        ),
    ))
}

/// `requires` gives probe objects (`{state, reason}`); the first one that is not `ok` decides.
// Both arms carry a finding's outcome, built once per rule: boxing it buys nothing.
#[allow(clippy::result_large_err)]
fn probe_gate(expr: &Expression, ctx: &Context<'_>) -> Result<Option<Outcome>, Outcome> {
    let value = expr.evaluate(ctx).map_err(|e| {
        Outcome::plain(
            Status::Error,
            format!("cannot evaluate requires: {}", readable(&e)),
        )
    })?;
    let probes = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    for probe in probes {
        let Value::Object(map) = &probe else {
            return Err(Outcome::plain(
                Status::Error,
                "requires must list probe objects with a state".to_string(),
            ));
        };
        let reason = map
            .get("reason")
            .map(display)
            .filter(|r| !r.is_empty() && r != "null");
        match map.get("state").map(display).as_deref() {
            Some("ok") => {}
            Some("skip") => {
                return Ok(Some(Outcome::plain(
                    Status::Skip,
                    reason.unwrap_or_else(|| "not applicable".into()),
                )))
            }
            Some("error") => {
                return Ok(Some(Outcome::plain(
                    Status::Error,
                    reason.unwrap_or_else(|| "could not be collected".into()),
                )))
            }
            _ => {
                return Err(Outcome::plain(
                    Status::Error,
                    "requires must list probe objects with a state".to_string(),
                ))
            }
        }
    }
    Ok(None)
}

fn evaluate_subject(rule: &Rule, ctx: &Context<'_>, each: Option<&Value>) -> Outcome {
    // The subject names the finding whatever its status; a subject that cannot be evaluated
    // on a skipped subject is not worth an error.
    let subject_result = rule.subject.as_ref().map(|expr| expr.evaluate(ctx));
    let subject = match &subject_result {
        Some(Ok(Value::Null)) | None | Some(Err(_)) => None,
        Some(Ok(v)) => Some(display(v)),
    };
    let plain = |status: Status, message: String| Outcome {
        subject: subject.clone(),
        ..Outcome::plain(status, message)
    };

    // skip_if / error_if come first: they guard the expressions below against absent facts.
    for (expr, status, name) in [
        (&rule.skip_if, Status::Skip, "skip_if"),
        (&rule.error_if, Status::Error, "error_if"),
    ] {
        let Some(expr) = expr else { continue };
        match expr.evaluate(ctx) {
            Ok(Value::Null) | Ok(Value::Bool(false)) => {}
            Ok(Value::String(s)) if s.is_empty() => {}
            Ok(Value::Bool(true)) => return plain(status, "not applicable".into()),
            Ok(v) => return plain(status, display(&v)),
            Err(e) => {
                // A subject whose source failed lacks the facts skip_if reads: the source's
                // error (error_if's reason) is the cause, not the missing key.
                if let Some(reason) = rule
                    .error_if
                    .as_ref()
                    .filter(|_| name == "skip_if")
                    .and_then(|e| e.evaluate(ctx).ok())
                    .and_then(|v| match v {
                        Value::String(s) if !s.is_empty() => Some(s),
                        _ => None,
                    })
                {
                    return plain(Status::Error, reason);
                }
                return plain(
                    Status::Error,
                    format!("cannot evaluate {name}: {}", readable(&e)),
                );
            }
        }
    }
    if let Some(Err(e)) = subject_result {
        return plain(
            Status::Error,
            format!("cannot evaluate subject: {}", readable(&e)),
        );
    }

    let location = match &rule.location {
        Some(expr) => match expr.evaluate(ctx) {
            Ok(v) => to_location(&v),
            Err(e) => {
                return plain(
                    Status::Error,
                    format!("cannot evaluate location: {}", readable(&e)),
                )
            }
        },
        // By default a subject that carries its own location points there.
        None => each
            .and_then(|e| match e {
                Value::Object(m) => m.get("value"),
                _ => None,
            })
            .and_then(|v| match v {
                Value::Object(m) => m.get("loc"),
                _ => None,
            })
            .and_then(to_location),
    };
    let with = |status: Status, message: String, evidence: serde_json::Value| Outcome {
        status,
        message,
        subject: subject.clone(),
        location: location.clone(),
        evidence,
    };

    let passed = match rule.condition.as_ref().map(|c| c.evaluate(ctx)) {
        Some(Ok(Value::Bool(b))) => b,
        Some(Ok(other)) => {
            return with(
                Status::Error,
                format!("condition must be true or false, got {}", display(&other)),
                serde_json::Value::Null,
            )
        }
        Some(Err(e)) => {
            return with(
                Status::Error,
                format!("cannot evaluate condition: {}", readable(&e)),
                serde_json::Value::Null,
            )
        }
        None => {
            return with(
                Status::Error,
                "rule has no condition".into(),
                serde_json::Value::Null,
            )
        }
    };
    let evidence = match &rule.evidence {
        Some(expr) => match expr.evaluate(ctx) {
            Ok(v) => hcl_to_json(&v),
            Err(e) => {
                return with(
                    Status::Error,
                    format!("cannot evaluate evidence: {}", readable(&e)),
                    serde_json::Value::Null,
                )
            }
        },
        None => serde_json::Value::Null,
    };
    let message_expr = if passed {
        rule.pass_message.as_ref()
    } else {
        rule.message.as_ref()
    };
    let message = match message_expr.map(|m| m.evaluate(ctx)) {
        Some(Ok(v)) => display(&v),
        Some(Err(e)) => {
            return with(
                Status::Error,
                format!("cannot evaluate message: {}", readable(&e)),
                evidence,
            )
        }
        None => rule.title.clone(),
    };
    with(
        if passed { Status::Pass } else { Status::Fail },
        message,
        evidence,
    )
}

fn to_location(v: &Value) -> Option<Location> {
    let Value::Object(m) = v else { return None };
    let file = match m.get("file") {
        Some(Value::String(s)) => s.clone(),
        _ => return None,
    };
    let num = |k: &str| match m.get(k) {
        Some(Value::Number(n)) => n.as_u64().map(|n| n as u32),
        _ => None,
    };
    Some(Location {
        file,
        line: num("line").unwrap_or(1),
        column: num("column").unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn facts(doc: serde_json::Value, config: SourceState) -> Facts {
        let mut sources = BTreeMap::new();
        sources.insert(Source::Config, config);
        sources.insert(Source::Api, SourceState::Off("no address".into()));
        Facts {
            sources,
            doc,
            secret_values: Vec::new(),
        }
    }

    fn rules(src: &str) -> RuleSet {
        let mut set = RuleSet::default();
        set.add_source("t.hcl", src).unwrap();
        set
    }

    const LISTENER_RULE: &str = r#"
rule "t.tls" {
  title = "TLS on"
  severity = "high"
  profile = "baseline"
  sources = ["config"]
  for_each = config.listeners
  subject = "listener ${each.value.address}"
  condition = !each.value.tls_disable
  message = "TLS is off on ${each.value.address}"
  evidence = { tls_disable = each.value.tls_disable }
  rationale = "r"
  remediation = "fix"
  when_none = "skip"
  when_none_message = "no listener"
}
"#;

    #[test]
    fn one_finding_per_subject_with_location() {
        let doc = json!({"config": {"listeners": [
            {"address": "a:1", "tls_disable": true, "loc": {"file": "v.hcl", "line": 3, "column": 1}},
            {"address": "b:2", "tls_disable": false, "loc": {"file": "v.hcl", "line": 9, "column": 1}}
        ]}});
        let f = evaluate(
            &rules(LISTENER_RULE),
            &facts(doc, SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].subject.as_deref(), Some("listener a:1"));
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(3));
        assert_eq!(f[0].evidence, json!({"tls_disable": true}));
        assert_eq!(f[1].status, Status::Pass);
    }

    #[test]
    fn off_source_skips_and_failed_source_errors_never_pass() {
        let doc = json!({"config": null});
        let off = evaluate(
            &rules(LISTENER_RULE),
            &facts(doc.clone(), SourceState::Off("--no-config".into())),
            &Settings::default(),
        );
        assert_eq!(off[0].status, Status::Skip);
        assert!(off[0].message.contains("--no-config"));
        let err = evaluate(
            &rules(LISTENER_RULE),
            &facts(doc, SourceState::Error("boom".into())),
            &Settings::default(),
        );
        assert_eq!(err[0].status, Status::Error);
    }

    #[test]
    fn empty_subjects_use_when_none_and_bad_facts_error() {
        let none = evaluate(
            &rules(LISTENER_RULE),
            &facts(json!({"config": {"listeners": []}}), SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(none[0].status, Status::Skip);
        assert_eq!(none[0].message, "no listener");
        // A fact of the wrong shape cannot be evaluated: error, not pass.
        let bad = evaluate(
            &rules(LISTENER_RULE),
            &facts(
                json!({"config": {"listeners": [{"address": "x"}]}}),
                SourceState::Available,
            ),
            &Settings::default(),
        );
        assert_eq!(bad[0].status, Status::Error, "{:?}", bad[0]);
    }

    #[test]
    fn a_pass_with_no_subject_shows_what_was_judged() {
        // issue 10: "no unknown key" passed with null evidence, showing nothing that was judged.
        let src = LISTENER_RULE.replace(
            "when_none_message = \"no listener\"",
            "when_none_message = \"no listener\"\n  when_none_evidence = { blocks = length(config.blocks) }",
        );
        assert_ne!(src, LISTENER_RULE);
        let doc = json!({"config": {"listeners": [], "blocks": ["storage", "ui"]}});
        let f = evaluate(
            &rules(&src),
            &facts(doc, SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(f[0].message, "no listener");
        assert_eq!(f[0].evidence, json!({"blocks": 2}));
        // Evidence that cannot be read is an error, never a pass without it.
        let bad = evaluate(
            &rules(&src),
            &facts(
                json!({"config": {"listeners": [], "blocks": 7}}),
                SourceState::Available,
            ),
            &Settings::default(),
        );
        assert_eq!(bad[0].status, Status::Error, "{:?}", bad[0]);
    }

    #[test]
    fn requires_probes_gate_the_rule() {
        let src = LISTENER_RULE.replace(
            "for_each = config.listeners",
            "requires = [config.probe]\n  for_each = config.listeners",
        );
        let doc = json!({"config": {"listeners": [], "probe": {"state": "skip", "reason": "insufficient permission: GET /v1/sys/audit"}}});
        let f = evaluate(
            &rules(&src),
            &facts(doc, SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(f[0].status, Status::Skip);
        assert_eq!(f[0].message, "insufficient permission: GET /v1/sys/audit");
        // Marked on the finding, so reports and the exit code need not read the message.
        assert_eq!(f[0].skip_cause, Some(SkipCause::TokenPermission));
        assert!(f[0].makes_incomplete());
    }

    #[test]
    fn any_source_rules_run_unless_every_source_is_off() {
        let src = r#"
rule "t.cert" {
  title = "c"
  severity = "high"
  profile = "baseline"
  sources = ["file", "api"]
  any_source = true
  for_each = tls == null ? [] : tls.listeners
  subject = each.value.subject
  condition = each.value.ok
  message = "bad"
  rationale = "r"
  remediation = "fix"
  when_none = "skip"
}
"#;
        let set = rules(src);
        let doc = json!({"tls": {"listeners": [
            {"source": "api", "subject": "live listener a:1", "ok": false}
        ]}});
        let mut sources = BTreeMap::new();
        sources.insert(Source::File, SourceState::Off("--no-host".into()));
        sources.insert(Source::Api, SourceState::Available);
        let f = evaluate(
            &set,
            &Facts {
                sources: sources.clone(),
                doc,
                secret_values: Vec::new(),
            },
            &Settings::default(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].status, f[0].source), (Status::Fail, Source::Api));
        // Every source off: one skip naming each, from the primary source.
        sources.insert(Source::Api, SourceState::Off("--no-api".into()));
        let f = evaluate(
            &set,
            &Facts {
                sources: sources.clone(),
                doc: json!({"tls": null}),
                secret_values: Vec::new(),
            },
            &Settings::default(),
        );
        assert_eq!((f[0].status, f[0].source), (Status::Skip, Source::File));
        assert_eq!(
            f[0].message,
            "file source off: --no-host; api source off: --no-api"
        );
        // A source in error that gave no subject is an error, never "nothing to check".
        sources.insert(Source::Api, SourceState::Error("connection refused".into()));
        let f = evaluate(
            &set,
            &Facts {
                sources,
                doc: json!({"tls": null}),
                secret_values: Vec::new(),
            },
            &Settings::default(),
        );
        assert_eq!(f[0].status, Status::Error);
        assert!(f[0].message.contains("connection refused"));
    }

    #[test]
    fn select_ignore_and_profile_filter() {
        let set = rules(LISTENER_RULE);
        let s = Settings {
            select: vec!["t.".into()],
            ..Settings::default()
        };
        assert_eq!(selected(&set, &s).len(), 1);
        let s = Settings {
            ignore: vec!["t".into()],
            ..Settings::default()
        };
        assert!(selected(&set, &s).is_empty());
        assert!(!selector_matches_any(&set, "tls."));
    }

    const ADVICE_RULES: &str = r#"
rule "t.root" {
  title = "not root"
  severity = "high"
  profile = "baseline"
  sources = ["config"]
  condition = !config.root
  message = "root"
  rationale = "r"
  remediation = "run as ${scan.service.account}"
}
rule "t.file" {
  title = "file"
  severity = "high"
  profile = "baseline"
  sources = ["config"]
  for_each = config.files
  subject = each.value.path
  condition = each.value.ok
  message = "bad"
  rationale = "r"
  caused_by = config.root ? "t.root" : null
  remediation = each == null ? "chmod the files" : "chmod 0600 ${each.value.path}"
}
"#;

    fn advice_doc(root: bool) -> serde_json::Value {
        json!({
            "config": {"root": root, "files": [{"path": "/a", "ok": false}, {"path": "/b", "ok": true}]},
            "scan": {"service": {"account": "openbao"}},
        })
    }

    #[test]
    fn remediation_is_per_failing_finding_and_the_catalogue_text_otherwise() {
        let set = rules(ADVICE_RULES);
        assert_eq!(set.get("t.file").unwrap().remediation, "chmod the files");
        assert_eq!(set.get("t.root").unwrap().remediation, "run as vault");
        let f = evaluate(
            &set,
            &facts(advice_doc(true), SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(f[0].remediation, "run as openbao");
        assert_eq!(f[1].remediation, "chmod 0600 /a");
        assert_eq!(f[2].status, Status::Pass);
        assert_eq!(f[2].remediation, "chmod the files");
    }

    #[test]
    fn a_cause_is_named_when_it_failed_or_did_not_run_and_dropped_when_it_passed() {
        let set = rules(ADVICE_RULES);
        let root = evaluate(
            &set,
            &facts(advice_doc(true), SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(root[1].caused_by.as_deref(), Some("t.root"));
        assert_eq!(root[2].caused_by, None, "a passing finding has no cause");
        // The cause rule left out: the expression read the same facts, the cause stands.
        let only = Settings {
            select: vec!["t.file".into()],
            ..Settings::default()
        };
        let alone = evaluate(
            &set,
            &facts(advice_doc(true), SourceState::Available),
            &only,
        );
        assert_eq!(alone[0].caused_by.as_deref(), Some("t.root"));
        // A cause expression that names a rule that ran and passed is not borne out.
        let lying = ADVICE_RULES.replace("config.root ? \"t.root\" : null", "\"t.root\"");
        let f = evaluate(
            &rules(&lying),
            &facts(advice_doc(false), SourceState::Available),
            &Settings::default(),
        );
        assert_eq!(f[0].status, Status::Pass);
        assert_eq!(f[1].caused_by, None);
    }

    #[test]
    fn a_selector_is_any_prefix_of_an_id() {
        assert!(matches_selector("tls.min-version", "tls.min"));
        assert!(matches_selector("tls.min-version", "tls.min-version"));
        assert!(matches_selector("tls.min-version", "tls"));
        assert!(matches_selector("tls.min-version", "tls.*"));
        assert!(!matches_selector("tls.min-version", "tls.max"));
        assert!(!matches_selector("tls.min-version", "tls.min-version-x"));
        assert!(matches_selector("tls.min-version", "*"));
        assert!(!matches_selector("tls.min-version", ""));
    }
}
