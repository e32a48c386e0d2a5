//! Rules are data: HCL files under `rules/` (embedded at build time) and `--rules DIR`.
//!
//! ```hcl
//! rule "tls.listener-disabled" {
//!   title     = "Every TCP listener serves TLS"
//!   severity  = "critical"
//!   profile   = "baseline"
//!   sources   = ["config"]
//!   for_each  = [for l in config.listeners : l if l.type == "tcp"]
//!   subject   = "listener ${each.value.address}"
//!   condition = !each.value.tls_disable
//!   message   = "listener ${each.value.address} has TLS disabled"
//!   ...
//! }
//! data { weak_ciphers = ["TLS_RSA_WITH_RC4_128_SHA"] }
//! ```
//! See the README's "Writing rules" section for every attribute.

pub mod functions;
mod validate;

pub(crate) use validate::{flat_name, FLATTEN_DEPTH};

use crate::model::{Profile, Severity, Source, Status};
use hcl::eval::{Context, Evaluate};
use hcl::{Expression, Value};
use hcl_edit::structure::{Block, BlockLabel, Structure};
use hcl_edit::Span;
use std::collections::BTreeMap;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule file that cannot be loaded: an input error (exit 2) naming the file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// What a rule reports when `for_each` yields no subject.
#[derive(Debug, Clone, PartialEq)]
pub struct WhenNone {
    pub status: Status,
    /// An expression (facts and params, no `each`); "nothing to check" when absent.
    pub message: Option<Expression>,
    /// What was judged when nothing matched (facts and params, no `each`), e.g. how many
    /// keys were checked: a pass shows its evidence too.
    pub evidence: Option<Expression>,
}

/// One loaded, validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub profile: Profile,
    pub sources: Vec<Source>,
    /// Products the rule applies to (`vault`, `openbao`); empty means both.
    pub products: Vec<String>,
    /// A practice only a person can attest: always `manual`.
    pub manual: bool,
    /// Subjects come from several sources and carry their own state: the rule runs unless
    /// every source is off (certificate rules: files the config names, and the live listener).
    pub any_source: bool,
    pub params: hcl::Map<String, Value>,
    pub rationale: String,
    /// The remediation as the catalogue shows it (`rules explain`, SARIF rule help): the
    /// constant text, or the expression read without a scan (see [`catalogue_remediation`]).
    pub remediation: String,
    /// A remediation that reads the facts, evaluated for each failing finding.
    pub remediation_expr: Option<Expression>,
    /// The id of the rule whose failure explains a failing finding of this one (`null` when
    /// none does), e.g. `host.service-user-root` for a config the server can write as root.
    pub caused_by: Option<Expression>,
    pub references: Vec<String>,
    /// Vault API paths (and capabilities) the rule reads, for `vaultsec policy`.
    pub api_paths: Vec<String>,
    pub requires: Option<Expression>,
    pub for_each: Option<Expression>,
    pub skip_if: Option<Expression>,
    pub error_if: Option<Expression>,
    pub condition: Option<Expression>,
    pub subject: Option<Expression>,
    pub message: Option<Expression>,
    pub pass_message: Option<Expression>,
    pub location: Option<Expression>,
    pub evidence: Option<Expression>,
    /// How `vaultsec fix` repairs a failure (`fix = { action = ... }`), checked when loaded.
    pub fix: Option<crate::fix::FixSpec>,
    pub when_none: WhenNone,
    pub file: String,
    pub line: usize,
    /// `data.X` names the expressions read, with the attribute that reads them (collected when
    /// the rule's expressions are validated).
    pub data_refs: Vec<(String, &'static str)>,
}

impl Rule {
    /// `tls` for `tls.cert-expired`.
    pub fn area(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }
}

/// All rules plus the `data` values they share.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub data: hcl::Map<String, Value>,
    data_origin: BTreeMap<String, (String, usize)>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    /// The built-in rules, validated the way `--rules` files are (tests and `rules check`).
    pub fn builtin_checked() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, src) in BUILTIN_RULES {
            set.add_source(&format!("rules/{name}"), src)?;
        }
        set.validate_data_refs()?;
        Ok(set)
    }

    /// The rules embedded in the binary. Their expressions are not re-validated at run time:
    /// they are fixed at build time and `builtin_checked` validates them in the test suite.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        // Parsing dominates start-up, so the files are parsed on two threads (this machine's
        // and CI's core count), then merged in file order.
        let (first, second) = BUILTIN_RULES.split_at(BUILTIN_RULES.len() / 2);
        let parse = |files: &[(&str, &str)]| -> Result<RuleSet, RuleError> {
            let mut set = RuleSet::default();
            for (name, src) in files {
                set.add_source_with(&format!("rules/{name}"), src, Check::Structure)?;
            }
            Ok(set)
        };
        let (a, b) = std::thread::scope(|s| {
            let handle = s.spawn(|| parse(second));
            let a = parse(first);
            let b = handle.join().unwrap_or_else(|_| {
                Err(RuleError {
                    file: "rules/".into(),
                    line: 0,
                    message: "internal error while loading built-in rules".into(),
                })
            });
            (a, b)
        });
        let mut set = a?;
        set.merge(b?)?;
        Ok(set)
    }

    /// Adds another set's rules and data, refusing duplicate ids and data names.
    fn merge(&mut self, other: RuleSet) -> Result<(), RuleError> {
        for rule in other.rules {
            if let Some(prev) = self.rules.iter().find(|r| r.id == rule.id) {
                return Err(RuleError {
                    file: rule.file.clone(),
                    line: rule.line,
                    message: format!(
                        "duplicate rule id {:?}: already defined at {}:{}",
                        rule.id, prev.file, prev.line
                    ),
                });
            }
            self.rules.push(rule);
        }
        for (name, value) in other.data {
            let (file, line) = other.data_origin.get(&name).cloned().unwrap_or_default();
            if let Some((prev_file, prev_line)) = self.data_origin.get(&name) {
                return Err(RuleError {
                    file,
                    line,
                    message: format!("data {name:?} is already defined at {prev_file}:{prev_line}"),
                });
            }
            self.data_origin.insert(name.clone(), (file, line));
            self.data.insert(name, value);
        }
        Ok(())
    }

    /// Adds every `*.hcl` file of a directory (sorted by name, for stable output).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|err| RuleError {
            file: shown.clone(),
            line: 0,
            message: format!(
                "cannot read rules directory: {}",
                crate::facts::config::io_reason(&err)
            ),
        })?;
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "hcl") && p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(RuleError {
                file: shown,
                line: 0,
                message: "no *.hcl rule file in this directory".into(),
            });
        }
        for path in files {
            let file = path.display().to_string();
            let src = crate::fsutil::read_regular_string(&path, crate::fsutil::limit::RULE)
                .map_err(|err| RuleError {
                    file: file.clone(),
                    line: 0,
                    message: format!(
                        "cannot read rule file: {}",
                        crate::facts::config::io_reason(&err)
                    ),
                })?;
            self.add_source(&file, &src)?;
        }
        Ok(())
    }

    /// Parses and validates one rule file's text.
    pub fn add_source(&mut self, file: &str, src: &str) -> Result<(), RuleError> {
        self.add_source_with(file, src, Check::Expressions)
    }

    fn add_source_with(&mut self, file: &str, src: &str, check: Check) -> Result<(), RuleError> {
        let err = |line: usize, message: String| RuleError {
            file: file.to_string(),
            line,
            message,
        };
        let body = hcl_edit::parser::parse_body(src).map_err(|e| {
            err(
                e.location().line(),
                format!("column {}: {}", e.location().column(), e.message()),
            )
        })?;
        let lines = LineIndex::new(src);
        let mut new_rules = Vec::new();
        for structure in body.into_iter() {
            match structure {
                Structure::Block(block) if block.ident.as_str() == "rule" => {
                    new_rules.push(parse_rule(file, &lines, block, check)?);
                }
                Structure::Block(block) if block.ident.as_str() == "data" => {
                    if !block.labels.is_empty() {
                        return Err(err(
                            lines.line_of(block.span()),
                            "a data block takes no label: data { name = value }".into(),
                        ));
                    }
                    for attr in block.body.into_iter().filter_map(|s| match s {
                        Structure::Attribute(a) => Some(a),
                        Structure::Block(_) => None,
                    }) {
                        let name = attr.key.as_str().to_string();
                        let line = lines.line_of(attr.span());
                        if let Some((prev_file, prev_line)) = self.data_origin.get(&name) {
                            return Err(err(
                                line,
                                format!(
                                    "data {name:?} is already defined at {prev_file}:{prev_line}"
                                ),
                            ));
                        }
                        let expr = Expression::from(attr.value);
                        let value = expr.evaluate(&Context::new()).map_err(|e| {
                            err(line, format!("data {name:?} must be a constant value: {e}"))
                        })?;
                        self.data.insert(name.clone(), value);
                        self.data_origin.insert(name, (file.to_string(), line));
                    }
                }
                Structure::Block(block) => {
                    return Err(err(
                        lines.line_of(block.span()),
                        format!(
                            "unknown block {:?}: a rule file holds `rule \"<id>\" {{}}` and `data {{}}` blocks",
                            block.ident.as_str()
                        ),
                    ));
                }
                Structure::Attribute(attr) => {
                    return Err(err(
                        lines.line_of(attr.span()),
                        format!(
                            "unexpected attribute {:?} outside a rule block",
                            attr.key.as_str()
                        ),
                    ));
                }
            }
        }
        for rule in new_rules {
            if let Some(prev) = self.rules.iter().find(|r| r.id == rule.id) {
                return Err(err(
                    rule.line,
                    format!(
                        "duplicate rule id {:?}: already defined at {}:{}",
                        rule.id, prev.file, prev.line
                    ),
                ));
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    /// Checks references to `data.*` once every file is loaded (data may come from any file).
    pub fn validate_data_refs(&self) -> Result<(), RuleError> {
        for rule in &self.rules {
            if let Some((missing, attr)) = rule
                .data_refs
                .iter()
                .find(|(d, _)| !self.data.contains_key(d))
            {
                return Err(RuleError {
                    file: rule.file.clone(),
                    line: rule.line,
                    message: format!(
                        "rule {:?}: {attr} reads data.{missing}, which no data block defines",
                        rule.id
                    ),
                });
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

impl Rule {
    /// The same rule with `root.attr` traversals rewritten for fast evaluation (see
    /// `validate::flatten_roots`); done once, after validation of the expressions as written.
    fn flattened(mut self) -> Rule {
        for slot in [
            &mut self.requires,
            &mut self.for_each,
            &mut self.skip_if,
            &mut self.error_if,
            &mut self.condition,
            &mut self.subject,
            &mut self.message,
            &mut self.pass_message,
            &mut self.location,
            &mut self.evidence,
            &mut self.when_none.message,
            &mut self.when_none.evidence,
            &mut self.remediation_expr,
            &mut self.caused_by,
        ] {
            *slot = slot.take().map(validate::flatten_roots);
        }
        self
    }

    /// Every expression of the rule with its attribute name.
    pub fn expressions(&self) -> Vec<(&'static str, &Expression)> {
        [
            ("requires", &self.requires),
            ("for_each", &self.for_each),
            ("skip_if", &self.skip_if),
            ("error_if", &self.error_if),
            ("condition", &self.condition),
            ("subject", &self.subject),
            ("message", &self.message),
            ("pass_message", &self.pass_message),
            ("location", &self.location),
            ("evidence", &self.evidence),
            ("when_none_message", &self.when_none.message),
            ("when_none_evidence", &self.when_none.evidence),
            ("remediation", &self.remediation_expr),
            ("caused_by", &self.caused_by),
        ]
        .into_iter()
        .filter_map(|(name, e)| e.as_ref().map(|e| (name, e)))
        .collect()
    }
}

/// Byte offset → line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_of(&self, span: Option<std::ops::Range<usize>>) -> usize {
        match span {
            Some(range) => self.starts.partition_point(|&s| s <= range.start),
            None => 0,
        }
    }
}

const RULE_ATTRIBUTES: &[&str] = &[
    "title",
    "severity",
    "profile",
    "sources",
    "products",
    "manual",
    "any_source",
    "params",
    "rationale",
    "remediation",
    "references",
    "api_paths",
    "requires",
    "for_each",
    "skip_if",
    "error_if",
    "condition",
    "subject",
    "message",
    "pass_message",
    "location",
    "evidence",
    "when_none",
    "when_none_message",
    "when_none_evidence",
    "caused_by",
    "fix",
];

/// How much of a rule to validate when loading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Attributes, constants and the expressions' variables and functions.
    Expressions,
    /// Attributes and constants only (built-in rules, validated by the test suite).
    Structure,
}

fn parse_rule(
    file: &str,
    lines: &LineIndex,
    block: Block,
    check: Check,
) -> Result<Rule, RuleError> {
    let line = lines.line_of(block.span());
    let err = |line: usize, message: String| RuleError {
        file: file.to_string(),
        line,
        message,
    };
    let id = match block.labels.as_slice() {
        [BlockLabel::String(s)] => s.as_str().to_string(),
        [BlockLabel::Ident(s)] => s.as_str().to_string(),
        _ => {
            return Err(err(
                line,
                "a rule block takes exactly one label: its id".into(),
            ))
        }
    };
    if !valid_rule_id(&id) {
        return Err(err(
            line,
            format!("invalid rule id {id:?}: use `area.slug` in lower case, e.g. tls.min-version"),
        ));
    }
    let at = |msg: String| err(line, format!("rule {id:?}: {msg}"));
    if let Some(inner) = block.body.blocks().next() {
        return Err(err(
            lines.line_of(inner.span()),
            format!(
                "rule {id:?}: unexpected block {:?} (rule settings are attributes, e.g. params = {{ ... }})",
                inner.ident.as_str()
            ),
        ));
    }
    // Each attribute is converted to an hcl expression once, from the owned parse tree.
    let mut attrs: BTreeMap<&'static str, (Expression, usize)> = BTreeMap::new();
    let body_attrs = block.body.into_iter().filter_map(|s| match s {
        Structure::Attribute(a) => Some(a),
        Structure::Block(_) => None,
    });
    for attr in body_attrs {
        let attr_line = lines.line_of(attr.span());
        let name = attr.key.as_str().to_string();
        let name = name.as_str();
        if !RULE_ATTRIBUTES.contains(&name) {
            let hint = functions::nearest(name, RULE_ATTRIBUTES)
                .map(|n| format!(" (did you mean {n:?}?)"))
                .unwrap_or_default();
            return Err(err(
                attr_line,
                format!("rule {id:?}: unknown attribute {name:?}{hint}"),
            ));
        }
        if let Some((_, prev)) = attrs.get(name) {
            return Err(err(
                attr_line,
                format!("rule {id:?}: attribute {name:?} is already set on line {prev}"),
            ));
        }
        let known = RULE_ATTRIBUTES
            .iter()
            .find(|a| **a == name)
            .copied()
            .unwrap_or("");
        attrs.insert(known, (Expression::from(attr.value), attr_line));
    }
    let constant = |name: &str| -> Result<Option<(Value, usize)>, RuleError> {
        let Some((expr, l)) = attrs.get(name) else {
            return Ok(None);
        };
        expr.evaluate(&Context::new())
            .map(|v| Some((v, *l)))
            .map_err(|e| err(*l, format!("rule {id:?}: {name} must be a constant: {e}")))
    };
    let string = |name: &str, required: bool| -> Result<String, RuleError> {
        match constant(name)? {
            Some((Value::String(s), _)) => Ok(s.trim().to_string()),
            Some((_, l)) => Err(err(l, format!("rule {id:?}: {name} must be a string"))),
            None if required => Err(at(format!("missing required attribute {name:?}"))),
            None => Ok(String::new()),
        }
    };
    let strings = |name: &str| -> Result<Vec<String>, RuleError> {
        match constant(name)? {
            Some((Value::Array(items), l)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(err(
                        l,
                        format!("rule {id:?}: {name} must be a list of strings"),
                    )),
                })
                .collect(),
            Some((_, l)) => Err(err(
                l,
                format!("rule {id:?}: {name} must be a list of strings"),
            )),
            None => Ok(Vec::new()),
        }
    };

    let title = string("title", true)?;
    let severity_text = string("severity", true)?;
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        at(format!(
            "severity {severity_text:?} is not one of info, low, medium, high, critical"
        ))
    })?;
    let profile_text = string("profile", true)?;
    let profile = Profile::parse(&profile_text).ok_or_else(|| {
        at(format!(
            "profile {profile_text:?} is not one of baseline, production, strict"
        ))
    })?;
    let mut sources = Vec::new();
    for s in strings("sources")? {
        sources.push(
            Source::parse(&s)
                .ok_or_else(|| at(format!("unknown source {s:?} (config, file, host, api)")))?,
        );
    }
    let manual = match constant("manual")? {
        Some((Value::Bool(b), _)) => b,
        Some((_, l)) => return Err(err(l, format!("rule {id:?}: manual must be true or false"))),
        None => false,
    };
    let any_source = match constant("any_source")? {
        Some((Value::Bool(b), _)) => b,
        Some((_, l)) => {
            return Err(err(
                l,
                format!("rule {id:?}: any_source must be true or false"),
            ))
        }
        None => false,
    };
    if sources.is_empty() && !manual {
        return Err(at("missing required attribute \"sources\"".into()));
    }
    let products = strings("products")?;
    if let Some(p) = products.iter().find(|p| *p != "vault" && *p != "openbao") {
        return Err(at(format!("unknown product {p:?} (vault, openbao)")));
    }
    let params = match constant("params")? {
        Some((Value::Object(map), _)) => map,
        Some((_, l)) => return Err(err(l, format!("rule {id:?}: params must be an object"))),
        None => hcl::Map::new(),
    };
    let when_none_status = match string("when_none", false)?.as_str() {
        "" | "pass" => Status::Pass,
        "skip" => Status::Skip,
        other => {
            return Err(at(format!(
                "when_none {other:?} must be \"pass\" or \"skip\""
            )))
        }
    };

    let expr = |name: &str| -> Option<Expression> { attrs.get(name).map(|(e, _)| e.clone()) };
    // A remediation is a constant string, or an expression over the facts evaluated for each
    // failing finding (product-aware paths, the real account).
    let (remediation_text, remediation_expr) = match attrs.get("remediation") {
        None => return Err(at("missing required attribute \"remediation\"".into())),
        Some((e, l)) => match e.evaluate(&Context::new()) {
            Ok(Value::String(text)) => (text.trim().to_string(), None),
            Ok(_) => {
                return Err(err(
                    *l,
                    format!("rule {id:?}: remediation must be a string"),
                ))
            }
            Err(_) => {
                let text = catalogue_remediation(e, &params)
                    .map_err(|m| err(*l, format!("rule {id:?}: remediation: {m}")))?;
                (text, Some(e.clone()))
            }
        },
    };
    let rule = Rule {
        id: id.clone(),
        title,
        severity,
        profile,
        sources,
        products,
        manual,
        any_source,
        params,
        rationale: string("rationale", true)?,
        remediation: remediation_text.clone(),
        remediation_expr: remediation_expr.clone(),
        caused_by: expr("caused_by"),
        references: strings("references")?,
        api_paths: strings("api_paths")?,
        requires: expr("requires"),
        for_each: expr("for_each"),
        skip_if: expr("skip_if"),
        error_if: expr("error_if"),
        condition: expr("condition"),
        subject: expr("subject"),
        message: expr("message"),
        pass_message: expr("pass_message"),
        location: expr("location"),
        evidence: expr("evidence"),
        fix: match constant("fix")? {
            Some((value, l)) => Some(
                crate::fix::FixSpec::parse(&value)
                    .map_err(|e| err(l, format!("rule {id:?}: fix: {e}")))?,
            ),
            None => None,
        },
        when_none: WhenNone {
            status: when_none_status,
            message: expr("when_none_message"),
            evidence: expr("when_none_evidence"),
        },
        file: file.to_string(),
        line,
        data_refs: Vec::new(),
    };
    if let Some(e) = rule
        .api_paths
        .iter()
        .find_map(|p| crate::policy::parse_entry(p).err())
    {
        return Err(at(e));
    }
    if !rule.manual {
        for required in ["condition", "message"] {
            if !attrs.contains_key(required) {
                return Err(at(format!("missing required attribute {required:?}")));
            }
        }
    }
    let mut data_refs: Vec<(String, &'static str)> = Vec::new();
    for (name, e) in rule.expressions() {
        let l = attrs.get(name).map(|(_, l)| *l).unwrap_or(line);
        let per_subject = !matches!(
            name,
            "requires" | "for_each" | "when_none_message" | "when_none_evidence"
        );
        let each_allowed = per_subject && rule.for_each.is_some();
        if check == Check::Expressions {
            validate::check_expression(e, each_allowed, &rule.params, &mut data_refs, name)
                .map_err(|m| err(l, format!("rule {id:?}: {name}: {m}")))?;
        }
    }
    data_refs.sort();
    data_refs.dedup();
    Ok(Rule {
        data_refs,
        ..rule.flattened()
    })
}

/// A remediation expression as the catalogue shows it: read with no node (`each` is null,
/// `scan.product.name` is `unknown`, `scan.service` holds the packaging's names) and no other
/// facts, so it must guard what it reads of `each` or the facts with those.
fn catalogue_remediation(
    e: &Expression,
    params: &hcl::Map<String, Value>,
) -> Result<String, String> {
    let mut ctx = Context::new();
    functions::declare_all(&mut ctx);
    ctx.declare_var(
        "scan",
        functions::json_to_hcl(&crate::facts::service::catalogue_scan()),
    );
    ctx.declare_var("each", Value::Null);
    ctx.declare_var("params", Value::Object(params.clone()));
    match e.evaluate(&ctx) {
        Ok(Value::String(text)) => Ok(text.trim().to_string()),
        Ok(other) => Err(format!("must give a string, got {}", functions::display(&other))),
        Err(e) => Err(format!(
            "must also read without a scan, for `rules explain` and SARIF (each = null, \
             scan.service the packaging's names; guard other facts with `each == null ? ... : ...`): {e}"
        )),
    }
}

fn valid_rule_id(id: &str) -> bool {
    let Some((area, slug)) = id.split_once('.') else {
        return false;
    };
    let ok = |s: &str, extra: char| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == extra)
            && !s.starts_with(extra)
    };
    ok(area, '_') && ok(slug, '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
rule "x.ok" {
  title       = "t"
  severity    = "low"
  profile     = "baseline"
  sources     = ["config"]
  condition   = true
  message     = "m"
  rationale   = "r"
  remediation = "fix"
}
"#;

    #[test]
    fn builtin_rules_load() {
        let checked = RuleSet::builtin_checked().expect("built-in rules are valid");
        let fast = RuleSet::builtin().expect("built-in rules load");
        assert!(!checked.rules.is_empty());
        let ids = |s: &RuleSet| s.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&checked),
            ids(&fast),
            "both loaders give the same rules in order"
        );
    }

    #[test]
    fn minimal_rule_loads_with_its_line() {
        let mut set = RuleSet::default();
        set.add_source("m.hcl", MINIMAL).unwrap();
        assert_eq!(set.rules[0].id, "x.ok");
        assert_eq!(set.rules[0].line, 2);
    }

    #[test]
    fn unknown_attribute_is_named_with_line_and_hint() {
        let src = MINIMAL.replace("message     = \"m\"", "mesage = \"m\"");
        let e = RuleSet::default().add_source("m.hcl", &src).unwrap_err();
        assert_eq!(e.line, 8);
        assert!(e.message.contains("unknown attribute \"mesage\""), "{e}");
        assert!(e.message.contains("did you mean \"message\""), "{e}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let mut set = RuleSet::default();
        set.add_source("a.hcl", MINIMAL).unwrap();
        let e = set.add_source("b.hcl", MINIMAL).unwrap_err();
        assert!(e.message.contains("duplicate rule id \"x.ok\""), "{e}");
        assert!(e.message.contains("a.hcl:2"), "{e}");
    }

    #[test]
    fn bad_expressions_are_rejected_at_load() {
        for (bad, why) in [
            ("condition = nosuchfn(1)", "unknown function"),
            ("condition = each.value", "each"),
            ("condition = params.nope", "params.nope"),
            ("condition = secrets.x", "unknown variable"),
            ("condition = (1 +", "column"),
        ] {
            let src = MINIMAL.replace("condition   = true", bad);
            let e = RuleSet::default().add_source("m.hcl", &src).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn a_remediation_that_cannot_be_read_without_a_scan_is_rejected_at_load() {
        let src = MINIMAL.replace(
            "remediation = \"fix\"",
            "remediation = \"chown ${config.user}\"",
        );
        let e = RuleSet::default().add_source("m.hcl", &src).unwrap_err();
        assert_eq!(e.line, 10);
        assert!(e.message.contains("must also read without a scan"), "{e}");
        let src = MINIMAL.replace(
            "remediation = \"fix\"",
            "remediation = \"systemctl edit ${scan.service.unit}\"",
        );
        let set = {
            let mut set = RuleSet::default();
            set.add_source("m.hcl", &src).unwrap();
            set
        };
        assert_eq!(set.rules[0].remediation, "systemctl edit vault.service");
        assert!(set.rules[0].remediation_expr.is_some());
    }

    #[test]
    fn invalid_severity_and_ids_are_rejected() {
        let src = MINIMAL.replace("\"low\"", "\"urgent\"");
        assert!(RuleSet::default().add_source("m.hcl", &src).is_err());
        let src = MINIMAL.replace("x.ok", "NoDot");
        assert!(RuleSet::default().add_source("m.hcl", &src).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary text is a rule error or rules, never a panic.
        #[test]
        fn arbitrary_rule_text_never_panics(src in "\\PC{0,300}") {
            let _ = RuleSet::default().add_source("fuzz.hcl", &src);
        }

        /// The built-in rule files, mutated, load or fail with a located error; never a panic.
        #[test]
        fn mutated_builtin_rules_never_panic(
            file in 0usize..100,
            at in 0usize..40_000,
            cut in 0usize..40_000,
            insert in proptest::sample::select(vec!["{", "}", "\"", "[", "(", "${", "each.", "params.", "=", "\n", "for x in", "?", "%{", "<<EOT\n"]),
        ) {
            let (_, text) = BUILTIN_RULES[file % BUILTIN_RULES.len()];
            let mut src = text.to_string();
            let mut i = at % (src.len() + 1);
            while !src.is_char_boundary(i) { i -= 1; }
            src.insert_str(i, insert);
            let mut c = cut % (src.len() + 1);
            while !src.is_char_boundary(c) { c -= 1; }
            src.truncate(c.max(i));
            if let Err(e) = RuleSet::default().add_source("fuzz.hcl", &src) {
                proptest::prop_assert!(e.file == "fuzz.hcl");
            }
        }
    }
}
