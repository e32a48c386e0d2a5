//! Accepted risks (`--waivers FILE`, `cli.md` "Waivers"): a TOML list of `[[waiver]]` tables.
//!
//! A live waiver turns a matching `fail` into `waived`; an expired one no longer applies and
//! is reported; one that matches no failure is reported so stale waivers get cleaned up.

use crate::model::{AppliedWaiver, Finding, Status};
use crate::report::WaiverNote;
use crate::rules::RuleSet;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use time::Date;
use toml::Spanned;

/// An invalid waiver file: an input error (exit 2) naming the file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct WaiverError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// One validated waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub rule: String,
    /// A finding's subject, exactly or as a glob where `*` matches any run of characters.
    pub subject: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies.
    pub expires: Date,
    /// `file:line` of its `[[waiver]]` header.
    pub at: String,
}

impl Waiver {
    fn note(&self) -> WaiverNote {
        WaiverNote {
            rule: self.rule.clone(),
            subject: self.subject.clone(),
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: date_string(self.expires),
            at: self.at.clone(),
            node: None,
        }
    }

    /// Does it name this finding (whatever its status)?
    fn names(&self, f: &Finding) -> bool {
        f.rule == self.rule
            && match &self.subject {
                None => true,
                Some(pattern) => glob_match(pattern, f.subject.as_deref().unwrap_or("")),
            }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

// Every field is optional here so that a missing one gets our message and the table's line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: Option<Spanned<String>>,
    subject: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    expires: Option<Spanned<toml::Value>>,
}

/// Reads and validates a waiver file against the loaded rules.
pub fn load(path: &Path, rules: &RuleSet) -> Result<Vec<Waiver>, WaiverError> {
    let file = path.display().to_string();
    let src =
        crate::fsutil::read_regular_string(path, crate::fsutil::limit::WAIVERS).map_err(|e| {
            WaiverError {
                file: file.clone(),
                line: 0,
                column: 0,
                message: format!(
                    "cannot read waiver file: {}",
                    crate::facts::config::io_reason(&e)
                ),
            }
        })?;
    parse(&file, &src, rules)
}

/// [`load`] on text already read; `file` names it in errors.
pub fn parse(file: &str, src: &str, rules: &RuleSet) -> Result<Vec<Waiver>, WaiverError> {
    let err_at = |offset: usize, message: String| {
        let (line, column) = line_column(src, offset);
        WaiverError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    let raw: RawFile = toml::from_str(src).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        err_at(offset, e.message().trim().to_string())
    })?;
    let ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
    let mut out = Vec::new();
    for table in raw.waiver {
        let start = table.span().start;
        let w = table.into_inner();
        let required = |field: Option<Spanned<String>>, name: &str| {
            let Some(value) = field else {
                return Err(err_at(
                    start,
                    format!("waiver has no {name} (rule, reason, owner and expires are required)"),
                ));
            };
            let offset = value.span().start;
            let value = value.into_inner();
            if value.trim().is_empty() {
                return Err(err_at(offset, format!("waiver {name} is empty")));
            }
            Ok(value)
        };
        let rule_offset = w.rule.as_ref().map(|r| r.span().start).unwrap_or(start);
        let rule = required(w.rule, "rule")?;
        if rules.get(&rule).is_none() {
            let hint = crate::rules::functions::nearest(&rule, &ids)
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            return Err(err_at(
                rule_offset,
                format!(
                    "unknown rule {}{hint}; see `vaultsec rules list`",
                    shown(&rule)
                ),
            ));
        }
        let reason = required(w.reason, "reason")?;
        let owner = required(w.owner, "owner")?;
        let Some(expires) = w.expires else {
            return Err(err_at(
                start,
                "waiver has no expires (rule, reason, owner and expires are required)".into(),
            ));
        };
        let expires_offset = expires.span().start;
        let expires =
            toml_date(expires.get_ref()).map_err(|message| err_at(expires_offset, message))?;
        let subject = match w.subject {
            Some(s) if s.get_ref().is_empty() => {
                return Err(err_at(
                    s.span().start,
                    "waiver subject is empty (leave it out to waive every subject)".into(),
                ))
            }
            other => other.map(Spanned::into_inner),
        };
        out.push(Waiver {
            rule,
            subject,
            reason,
            owner,
            expires,
            at: format!("{file}:{}", line_column(src, start).0),
        });
    }
    Ok(out)
}

fn toml_date(value: &toml::Value) -> Result<Date, String> {
    const HINT: &str = "expires must be a date such as 2027-03-31 (a TOML date, without quotes)";
    let toml::Value::Datetime(dt) = value else {
        return Err(format!("{HINT}, not {value}"));
    };
    let (Some(d), None, None) = (dt.date, dt.time, dt.offset) else {
        return Err(format!("{HINT}, not the date-time {dt}"));
    };
    let month = time::Month::try_from(d.month).map_err(|_| format!("{HINT}: bad month in {dt}"))?;
    Date::from_calendar_date(i32::from(d.year), month, d.day)
        .map_err(|_| format!("{HINT}: {dt} is not a day of the calendar"))
}

fn date_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Longest text of the file an error message quotes, in characters.
const SHOWN_CHARS: usize = 80;

/// `text` quoted for an error message, cut to [`SHOWN_CHARS`] with its full length, so a
/// huge value cannot flood the terminal or a CI log.
fn shown(text: &str) -> String {
    let total = text.chars().count();
    if total <= SHOWN_CHARS {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{head:?}... ({total} characters)")
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (line, column)
}

/// `*` matches any run of characters (none included); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was and how much of the text it has taken so far (backtracking).
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// What applying the waivers found besides the findings it waived.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    pub expired: Vec<WaiverNote>,
    pub unmatched: Vec<WaiverNote>,
}

/// Applies live waivers to failures (`today` is the scan clock's date, so `--now` pins it).
/// A waiver applies up to and including its `expires` day.
pub fn apply(findings: &mut [Finding], waivers: &[Waiver], today: Date) -> Outcome {
    let mut outcome = Outcome::default();
    let evaluated: BTreeSet<String> = findings.iter().map(|f| f.rule.clone()).collect();
    for w in waivers {
        if w.expires < today {
            outcome.expired.push(w.note());
            continue;
        }
        let mut matched = false;
        for f in findings.iter_mut().filter(|f| w.names(f)) {
            match f.status {
                Status::Fail => {
                    matched = true;
                    f.status = Status::Waived;
                    f.waiver = Some(AppliedWaiver {
                        reason: w.reason.clone(),
                        owner: w.owner.clone(),
                        expires: date_string(w.expires),
                    });
                }
                // Already waived by an earlier waiver of the file: this one is not stale.
                Status::Waived => matched = true,
                _ => {}
            }
        }
        // Stale only if we can tell: the rule ran and none of its findings was left unjudged
        // (a `skip` or `error` may hide the failure the waiver is for, e.g. with --no-host).
        let judged = evaluated.contains(&w.rule)
            && !findings
                .iter()
                .any(|f| f.rule == w.rule && matches!(f.status, Status::Skip | Status::Error));
        if !matched && judged {
            outcome.unmatched.push(w.note());
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_only() {
        assert!(glob_match("*127.0.0.1:8300*", "listener 127.0.0.1:8300"));
        assert!(glob_match("listener *", "listener 0.0.0.0:8200"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(glob_match("a*b", "ab"));
        assert!(!glob_match("a*b", "abc"));
        assert!(!glob_match("listener ?", "listener x"));
        assert!(glob_match("listener ?", "listener ?"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("**a", "bba"));
    }

    #[test]
    fn a_huge_unknown_rule_id_is_cut_in_the_error() {
        let rules = RuleSet::builtin().expect("built-in rules");
        let id = "x".repeat(1 << 20);
        let src = format!(
            "[[waiver]]\nrule = \"{id}\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2030-01-01\n"
        );
        let err = parse("w.toml", &src, &rules).expect_err("unknown rule");
        assert_eq!((err.line, err.column), (2, 8));
        assert!(err.message.len() < 300, "{} bytes", err.message.len());
        assert!(
            err.message
                .contains(&format!("{:?}... (1048576 characters)", "x".repeat(80))),
            "{}",
            err.message
        );
        // A typo still gets its suggestion.
        let src = "[[waiver]]\nrule = \"tls.min-versoin\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2030-01-01\n";
        let err = parse("w.toml", src, &rules).expect_err("unknown rule");
        assert!(
            err.message.contains("did you mean tls.min-version?"),
            "{}",
            err.message
        );
    }

    #[test]
    fn line_and_column_of_offsets() {
        let src = "a\nbc\n\ndé";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 3), (2, 2));
        assert_eq!(line_column(src, 6), (4, 1));
        assert_eq!(line_column(src, 7), (4, 2));
        assert_eq!(line_column(src, 999), (4, 3));
    }
}
