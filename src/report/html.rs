//! `--format html`: one self-contained page for an auditor (inline CSS; no script, font or
//! image is fetched), readable on screen and on paper. Every value from a finding is escaped:
//! configs are untrusted input and may contain markup.

use super::{table::area_title, Report, WaiverNote};
use crate::model::{Finding, Severity, Status};
use crate::rules::RuleSet;
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --fail:#b42318; --error:#7a2e9e; --waived:#a15c07; --manual:#155e9c; --skip:#5d6470;
        --pass:#1d7a3a; --line:#d8dce3; --muted:#5d6470; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color:#1b1f24; margin: 0 auto; padding: 24px 32px 48px; max-width: 1100px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
td code { white-space: nowrap; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background:#f5f6f8; border:1px solid var(--line); border-radius:4px; padding:6px 8px;
      margin: 2px 0; white-space: pre-wrap; word-break: break-word; }
.meta { color: var(--muted); margin: 2px 0; }
.meta b { color:#1b1f24; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background:#f0f2f5; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color:#a0a6b0; }
.tiles { display:flex; flex-wrap:wrap; gap:10px; margin: 8px 0 14px; }
.tile { border:1px solid var(--line); border-left-width:6px; border-radius:4px; padding:6px 14px; min-width:110px; }
.tile .count { font-size: 24px; font-weight: 700; display:block; }
.verdict { font-weight: 600; }
.badge { display:inline-block; min-width:64px; text-align:center; font-weight:700; font-size:12px;
         letter-spacing:.04em; color:#fff; border-radius:3px; padding:1px 6px; }
.sev { display:inline-block; font-size:12px; border:1px solid currentColor; border-radius:3px; padding:0 5px; }
.sev-critical { color:#8f1010; font-weight:700; } .sev-high { color:#b42318; } .sev-medium { color:#a15c07; }
.sev-low { color:#155e9c; } .sev-info { color:#5d6470; }
.new { background:#fde68a; color:#5c3d00; font-size:12px; font-weight:700; border-radius:3px; padding:0 5px; }
.s-fail { --c: var(--fail); } .s-error { --c: var(--error); } .s-waived { --c: var(--waived); }
.s-manual { --c: var(--manual); } .s-skip { --c: var(--skip); } .s-pass { --c: var(--pass); }
.badge.s-fail, .badge.s-error, .badge.s-waived, .badge.s-manual, .badge.s-skip, .badge.s-pass { background: var(--c); }
.tile.s-fail, .tile.s-error, .tile.s-waived, .tile.s-manual, .tile.s-skip, .tile.s-pass { border-left-color: var(--c); }
.finding { border:1px solid var(--line); border-left: 5px solid var(--c); border-radius: 4px;
           padding: 8px 12px; margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
.finding .head { display:flex; flex-wrap:wrap; gap:8px; align-items:baseline; }
.finding .title { font-weight: 600; }
.finding .subject { margin: 4px 0 0; }
.finding .msg { margin: 4px 0; }
.finding dl { display:grid; grid-template-columns: 130px 1fr; gap: 3px 12px; margin: 6px 0 0; }
.finding dt { color: var(--muted); font-size: 13px; }
.finding dd { margin: 0; }
.finding ul { margin: 0; padding-left: 18px; }
.node { color: var(--muted); font-weight: normal; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 8px; }
a { color:#155e9c; overflow-wrap:anywhere; }
@media print {
  @page { margin: 14mm 12mm; }
  body { padding: 0; max-width: none; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Skip => "SKIP",
        Status::Error => "ERROR",
        Status::Waived => "WAIVED",
        Status::Manual => "MANUAL",
    }
}

fn badge(s: Status) -> String {
    format!(
        "<span class=\"badge s-{}\">{}</span>",
        s.as_str(),
        status_label(s)
    )
}

fn sev(s: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", s.as_str())
}

fn subject_text(subject: &Option<String>) -> String {
    subject.as_deref().map(esc).unwrap_or_default()
}

fn node_prefix(node: &Option<String>) -> String {
    node.as_deref()
        .map(|n| format!("<span class=\"node\">{}:</span> ", esc(n)))
        .unwrap_or_default()
}

fn header(out: &mut String, report: &Report) {
    let fleet = report.nodes.as_ref().map(Vec::len);
    let _ = writeln!(
        out,
        "<header><h1>{} hardening audit</h1>\n<p class=\"meta\">{} · scanned <b><time datetime=\"{t}\">{t}</time></b> · profile <b>{}</b> · vaultsec <b>{}</b> · took {:.2} s</p>",
        report.product_name(),
        match fleet {
            Some(n) => format!("fleet of <b>{n}</b> node(s)"),
            None => format!("host <b class=\"host\">{}</b>", esc(&report.host)),
        },
        esc(&report.profile),
        esc(&report.tool.version),
        report.duration_seconds,
        t = esc(&report.started_at),
    );
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|(k, v)| format!("{}: <b>{}</b>", esc(k), esc(v)))
        .collect();
    if !sources.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">sources: {}</p>",
            sources.join(" · ")
        );
    }
    out.push_str("</header>\n");
}

/// Why the scan is incomplete: checks in error, checks the token could not run.
fn incomplete_verdict(report: &Report) -> String {
    let skipped = report.permission_skips();
    let errors = report.summary.incomplete.len() - skipped;
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(format!("{errors} check(s) ended in error"));
    }
    if skipped > 0 {
        parts.push(format!(
            "{skipped} check(s) could not run: the token lacks capabilities they need (see vaultsec policy)"
        ));
    }
    if parts.is_empty() {
        // An older report: only its error count tells.
        parts.push(format!("{} check(s) ended in error", report.summary.error));
    }
    format!("incomplete: {}", parts.join("; "))
}

fn summary(out: &mut String, report: &Report) {
    out.push_str("<section id=\"summary\"><h2>Summary</h2>\n<div class=\"tiles\">");
    for s in Status::ALL {
        let _ = write!(
            out,
            "<div class=\"tile s-{0}\" data-status=\"{0}\"><span class=\"count\">{1}</span>{2}</div>",
            s.as_str(),
            report.summary.get(s),
            status_label(s)
        );
    }
    out.push_str("</div>\n");
    let failing: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|sv| {
            let n = report
                .findings
                .iter()
                .filter(|f| f.status == Status::Fail && f.severity == *sv)
                .count();
            (n > 0).then(|| format!("{n} {sv}"))
        })
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"verdict\">{} · {}</p>",
        if failing.is_empty() {
            "No failure".to_string()
        } else {
            format!("{} failure(s): {}", report.summary.fail, failing.join(", "))
        },
        if report.is_complete() {
            "every check could be evaluated".to_string()
        } else {
            incomplete_verdict(report)
        }
    );
    if !report.summary.incomplete.is_empty() {
        out.push_str("<ul class=\"incomplete\">");
        for i in &report.summary.incomplete {
            let node = i
                .node
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            let subject = i
                .subject
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<li data-cause=\"{}\">{}<code>{}</code>{}: {}</li>",
                esc(&i.cause),
                esc(&node),
                esc(&i.rule),
                esc(&subject),
                esc(&i.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<table class=\"matrix\"><thead><tr><th>Severity</th>");
    for s in Status::ALL {
        let _ = write!(out, "<th>{}</th>", status_label(s));
    }
    out.push_str("<th>Total</th></tr></thead><tbody>\n");
    for sv in Severity::ALL.iter().rev() {
        let _ = write!(out, "<tr><th>{}</th>", sev(*sv));
        let mut total = 0;
        for s in Status::ALL {
            let n = report
                .findings
                .iter()
                .filter(|f| f.status == s && f.severity == *sv)
                .count();
            total += n;
            let _ = write!(
                out,
                "<td class=\"n{}\">{n}</td>",
                if n == 0 { " zero" } else { "" }
            );
        }
        let _ = writeln!(out, "<td class=\"n\">{total}</td></tr>");
    }
    out.push_str("</tbody></table></section>\n");
}

fn nodes(out: &mut String, report: &Report) {
    let Some(nodes) = &report.nodes else { return };
    out.push_str("<section id=\"nodes\"><h2>Nodes</h2>\n<table><thead><tr><th>Node</th><th>Scanned</th><th>Profile</th>");
    for s in Status::ALL {
        let _ = write!(out, "<th>{}</th>", status_label(s));
    }
    out.push_str("</tr></thead><tbody>\n");
    for n in nodes {
        let _ = write!(
            out,
            "<tr data-node=\"{0}\"><td>{0}</td><td>{1}</td><td>{2}</td>",
            esc(&n.node),
            esc(&n.started_at),
            esc(&n.profile)
        );
        for s in Status::ALL {
            let _ = write!(out, "<td class=\"n\">{}</td>", n.summary.get(s));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></section>\n");
}

fn drift(out: &mut String, report: &Report) {
    let Some(resolved) = &report.resolved else {
        return;
    };
    let new: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.new == Some(true) && matches!(f.status, Status::Fail | Status::Error))
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"drift\"><h2>Changes since the baseline</h2>\n<h3>New failures and errors ({})</h3>",
        new.len()
    );
    if new.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<table class=\"new-findings\"><thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Subject</th><th>Finding</th></tr></thead><tbody>\n");
        for f in new {
            let _ = writeln!(
                out,
                "<tr data-rule=\"{r}\"><td>{}</td><td>{}</td><td>{}<code>{r}</code></td><td>{}</td><td>{}</td></tr>",
                badge(f.status),
                sev(f.severity),
                node_prefix(&f.node),
                subject_text(&f.subject),
                esc(&f.message),
                r = esc(&f.rule),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        out,
        "<h3>Resolved since the baseline ({})</h3>",
        resolved.len()
    );
    if resolved.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<table class=\"resolved\"><thead><tr><th>Severity</th><th>Rule</th><th>Subject</th><th>Was</th></tr></thead><tbody>\n");
        for r in resolved {
            let _ = writeln!(
                out,
                "<tr data-rule=\"{rule}\"><td>{}</td><td>{}<code>{rule}</code></td><td>{}</td><td>{}</td></tr>",
                sev(r.severity),
                node_prefix(&r.node),
                subject_text(&r.subject),
                esc(&r.message),
                rule = esc(&r.rule),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn waiver_table(out: &mut String, list: &[WaiverNote], class: &str) {
    if list.is_empty() {
        out.push_str("<p>None.</p>\n");
        return;
    }
    let _ = writeln!(out, "<table class=\"{class}\"><thead><tr><th>Rule</th><th>Subject</th><th>Owner</th><th>Expires</th><th>Reason</th><th>Written at</th></tr></thead><tbody>");
    for w in list {
        let _ = writeln!(
            out,
            "<tr><td>{}<code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            node_prefix(&w.node),
            esc(&w.rule),
            w.subject.as_deref().map(esc).unwrap_or_else(|| "any".into()),
            esc(&w.owner),
            esc(&w.expires),
            esc(&w.reason),
            esc(&w.at)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn waivers(out: &mut String, report: &Report) {
    let applied: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.waiver.is_some())
        .collect();
    if applied.is_empty() && report.waivers_expired.is_none() && report.waivers_unmatched.is_none()
    {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"waivers\"><h2>Waivers</h2>\n<h3>Applied ({})</h3>",
        applied.len()
    );
    if applied.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<table class=\"applied\"><thead><tr><th>Rule</th><th>Subject</th><th>Severity</th><th>Owner</th><th>Expires</th><th>Reason</th></tr></thead><tbody>\n");
        for f in applied {
            let Some(w) = &f.waiver else { continue };
            let _ = writeln!(
                out,
                "<tr><td>{}<code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                node_prefix(&f.node),
                esc(&f.rule),
                subject_text(&f.subject),
                sev(f.severity),
                esc(&w.owner),
                esc(&w.expires),
                esc(&w.reason)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let expired = report.waivers_expired.as_deref().unwrap_or_default();
    let _ = writeln!(
        out,
        "<h3>Expired, no longer applied ({})</h3>",
        expired.len()
    );
    waiver_table(out, expired, "expired");
    let unmatched = report.waivers_unmatched.as_deref().unwrap_or_default();
    let _ = writeln!(
        out,
        "<h3>Matching no failure: remove them ({})</h3>",
        unmatched.len()
    );
    waiver_table(out, unmatched, "unmatched");
    out.push_str("</section>\n");
}

fn finding(out: &mut String, f: &Finding, rules: &RuleSet) {
    let _ = writeln!(
        out,
        "<article class=\"finding s-{st}\" data-rule=\"{rule}\" data-status=\"{st}\" data-severity=\"{sv}\"{node}>",
        st = f.status.as_str(),
        rule = esc(&f.rule),
        sv = f.severity.as_str(),
        node = f
            .node
            .as_deref()
            .map(|n| format!(" data-node=\"{}\"", esc(n)))
            .unwrap_or_default(),
    );
    let _ = writeln!(
        out,
        "<div class=\"head\">{}{}<code class=\"rule\">{}</code><span class=\"title\">{}</span>{}</div>",
        badge(f.status),
        sev(f.severity),
        esc(&f.rule),
        esc(&f.title),
        if f.new == Some(true) {
            "<span class=\"new\">NEW</span>"
        } else {
            ""
        }
    );
    if let Some(s) = &f.subject {
        let _ = writeln!(
            out,
            "<p class=\"subject\">{}<b>{}</b></p>",
            node_prefix(&f.node),
            esc(s)
        );
    }
    let _ = writeln!(out, "<p class=\"msg\">{}</p>", esc(&f.message));
    out.push_str("<dl>");
    if let Some(loc) = &f.location {
        let _ = write!(
            out,
            "<dt>Location</dt><dd><code>{}:{}:{}</code></dd>",
            esc(&loc.file),
            loc.line,
            loc.column
        );
    }
    if !f.evidence.is_null() {
        let pretty = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        let _ = write!(out, "<dt>Evidence</dt><dd><pre>{}</pre></dd>", esc(&pretty));
    }
    if let Some(w) = &f.waiver {
        let _ = write!(
            out,
            "<dt>Waiver</dt><dd>{} (owner <b>{}</b>, expires <b>{}</b>)</dd>",
            esc(&w.reason),
            esc(&w.owner),
            esc(&w.expires)
        );
    }
    if let Some(cause) = &f.caused_by {
        let _ = write!(
            out,
            "<dt>Caused by</dt><dd class=\"cause\"><code>{c}</code> failing: fix it first</dd>",
            c = esc(cause)
        );
    }
    if !f.remediation.is_empty() {
        let _ = write!(
            out,
            "<dt>Remediation</dt><dd>{}</dd>",
            esc(&f.remediation).replace('\n', "<br>")
        );
    }
    let refs = rules
        .get(&f.rule)
        .map(|r| r.references.as_slice())
        .unwrap_or_default();
    if !refs.is_empty() {
        out.push_str("<dt>References</dt><dd class=\"refs\"><ul>");
        for r in refs {
            // Only web links become links; anything else is shown as text.
            if r.starts_with("https://") || r.starts_with("http://") {
                let _ = write!(out, "<li><a href=\"{0}\">{0}</a></li>", esc(r));
            } else {
                let _ = write!(out, "<li>{}</li>", esc(r));
            }
        }
        out.push_str("</ul></dd>");
    }
    out.push_str("</dl>\n</article>\n");
}

fn checklist(out: &mut String, report: &Report, rules: &RuleSet) {
    out.push_str("<section id=\"checklist\"><h2>Checklist</h2>\n");
    for group in super::groups(report) {
        let mut findings = group.findings.clone();
        // Worst first: failures, errors, waived, manual, skipped, passes; then by severity.
        findings.sort_by(|a, b| {
            (a.status, std::cmp::Reverse(a.severity), &a.rule).cmp(&(
                b.status,
                std::cmp::Reverse(b.severity),
                &b.rule,
            ))
        });
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|s| {
                let n = findings.iter().filter(|f| f.status == *s).count();
                (n > 0).then(|| format!("{n} {}", s.as_str()))
            })
            .collect();
        let _ = writeln!(
            out,
            "<section class=\"area\" data-area=\"{}\"><h3>{}{} <span class=\"node\">({})</span></h3>",
            esc(group.area),
            group
                .node
                .map(|n| format!("{} · ", esc(n)))
                .unwrap_or_default(),
            esc(&area_title(group.area)),
            counts.join(", ")
        );
        for f in findings {
            finding(out, f, rules);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
}

pub fn render(report: &Report, rules: &RuleSet) -> String {
    let mut out = String::new();
    let where_ = match &report.nodes {
        Some(n) => format!("fleet of {} node(s)", n.len()),
        None => report.host.clone(),
    };
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"vaultsec {}\">\n<title>vaultsec {} audit · {} · {}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        esc(&report.tool.version),
        report.product_name(),
        esc(&where_),
        esc(&report.started_at)
    );
    header(&mut out, report);
    summary(&mut out, report);
    nodes(&mut out, report);
    drift(&mut out, report);
    waivers(&mut out, report);
    checklist(&mut out, report, rules);
    let _ = writeln!(
        out,
        "<footer>Generated by vaultsec {} (report schema {}) for {} at {}. Statuses: FAIL a hardening failure; ERROR could not be evaluated; WAIVED an accepted risk with an owner and an end date; MANUAL to be attested by a person; SKIP not applicable or source unavailable.</footer>\n</body>\n</html>",
        esc(&report.tool.version),
        report.schema_version,
        esc(&where_),
        esc(&report.started_at)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
