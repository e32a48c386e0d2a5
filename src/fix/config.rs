//! Config patches: each failing finding whose rule declares a fix becomes byte-range edits of
//! the file it points at, found through the parser's positions.

use super::spec::FixSpec;
use super::text::{self, Edit};
use super::{Fixed, Manual};
use crate::facts::hcl1::{self, Body, Item, Syntax, Value};
use crate::model::Finding;
use crate::rules::Rule;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One config file and its patched text.
#[derive(Debug, Clone)]
pub struct FilePatch {
    /// The path as the findings show it.
    pub shown: String,
    /// Where it is read and written.
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// A config file read once, with the edits planned for it.
struct Source {
    path: PathBuf,
    text: String,
    body: Body,
    json: bool,
    edits: Vec<(Edit, usize)>,
}

/// The rule's parameter with `--set` applied.
pub type Params = BTreeMap<String, hcl::Value>;

/// Plans the config patches. `resolve` maps a finding's file to the path to read; `first_file`
/// is where a key absent from every file is added.
pub fn plan(
    items: &[(&Finding, &Rule, Params)],
    resolve: &dyn Fn(&str) -> PathBuf,
    first_file: Option<&str>,
    fixed: &mut Vec<Fixed>,
    manual: &mut Vec<Manual>,
) -> Vec<FilePatch> {
    let mut sources: BTreeMap<String, Result<Source, String>> = BTreeMap::new();
    for (index, (finding, rule, params)) in items.iter().enumerate() {
        let Some(spec) = &rule.fix else { continue };
        let shown = match (&finding.location, spec) {
            (Some(loc), _) => loc.file.clone(),
            (None, FixSpec::Set { .. }) => match first_file {
                Some(f) => f.to_string(),
                None => {
                    manual.push(Manual::of(finding, "no config file to add the key to"));
                    continue;
                }
            },
            (None, _) => {
                manual.push(Manual::of(finding, "the finding names no place in a file"));
                continue;
            }
        };
        if let Err(why) = load(&mut sources, &shown, resolve) {
            manual.push(Manual::of(finding, &why));
            continue;
        }
        let Some(Ok(source)) = sources.get_mut(&shown) else {
            continue;
        };
        match edits_for(source, finding, spec, params) {
            Ok(edits) => {
                let overlaps = edits.iter().any(|e| {
                    source.edits.iter().any(|(o, _)| {
                        o != e
                            && e.start < o.end.max(o.start + 1)
                            && o.start < e.end.max(e.start + 1)
                    })
                });
                if overlaps {
                    manual.push(Manual::of(
                        finding,
                        "another fix changes the same lines; run vaultsec fix again after applying this patch",
                    ));
                    continue;
                }
                for e in edits {
                    if !source.edits.iter().any(|(o, _)| *o == e) {
                        source.edits.push((e, index));
                    }
                }
                fixed.push(Fixed::of(finding, &shown));
            }
            Err(why) => manual.push(Manual::of(finding, &why)),
        }
    }
    sources
        .into_iter()
        .filter_map(|(shown, s)| s.ok().map(|s| (shown, s)))
        .filter(|(_, s)| !s.edits.is_empty())
        .map(|(shown, s)| {
            let edits: Vec<Edit> = s.edits.into_iter().map(|(e, _)| e).collect();
            FilePatch {
                shown,
                after: text::apply(&s.text, &edits),
                before: s.text,
                path: s.path,
            }
        })
        .collect()
}

/// Reads and parses a config file once.
fn load(
    sources: &mut BTreeMap<String, Result<Source, String>>,
    shown: &str,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<(), String> {
    sources
        .entry(shown.to_string())
        .or_insert_with(|| {
            let path = resolve(shown);
            let text = crate::fsutil::read_regular_string(&path, crate::fsutil::limit::CONFIG)
                .map_err(|e| format!("cannot read {shown}: {e}"))?;
            let json = hcl1::detect_syntax(&text) == Syntax::Json;
            let body = hcl1::parse(&text).map_err(|e| format!("{shown}:{e}"))?;
            Ok(Source {
                path,
                text,
                body,
                json,
                edits: Vec::new(),
            })
        })
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
}

/// The items from the file's top down to the one at `line:column` (the finding's location).
fn path_to(body: &Body, line: u32, column: u32) -> Option<Vec<&Item>> {
    for item in &body.items {
        if item.pos.line == line && item.pos.column == column {
            return Some(vec![item]);
        }
        let inner: Vec<&Body> = match &item.value.value {
            Value::Object(b) => vec![b],
            Value::List(nodes) => nodes
                .iter()
                .filter_map(|n| match &n.value {
                    Value::Object(b) => Some(b),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for b in inner {
            if let Some(mut path) = path_to(b, line, column) {
                path.insert(0, item);
                return Some(path);
            }
        }
    }
    None
}

/// The item's key (`listener` for `listener "tcp" {}`).
fn name(item: &Item) -> &str {
    item.keys.first().map_or("", |k| k.name.as_str())
}

fn body_of(item: &Item) -> Option<&Body> {
    match &item.value.value {
        Value::Object(b) => Some(b),
        _ => None,
    }
}

fn removal(source: &Source, item: &Item) -> Result<Edit, String> {
    if source.json {
        return Err("removing a member of a JSON config is left to you (its commas)".into());
    }
    let end = text::value_end(&source.text, item.value.pos.offset)?;
    Ok(text::item_removal(&source.text, item.pos.offset, end))
}

fn value_edit(source: &Source, item: &Item, new: String) -> Result<Edit, String> {
    if !item.assign {
        return Err(format!("{} is a block, not a value", name(item)));
    }
    let start = item.value.pos.offset;
    let end = text::value_end(&source.text, start)?;
    Ok(Edit {
        start,
        end,
        text: new,
    })
}

fn param_text(params: &Params, name: &str) -> Option<String> {
    params.get(name).map(|v| match v {
        hcl::Value::String(s) => s.clone(),
        other => crate::rules::functions::display(other),
    })
}

/// `{name}` replaced by the parameter's value.
fn with_params(template: &str, params: &Params) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in {template:?}"))?;
        let key = &rest[open + 1..open + close];
        out.push_str(&rest[..open]);
        out.push_str(&param_text(params, key).ok_or_else(|| format!("no parameter {key:?}"))?);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Vault's weak bool decoding of a literal (`1`, `"t"`, `"true"`...), as the config facts read it.
fn weak_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Int(n) => Some(*n != 0),
        Value::Float(f) => Some(*f != 0.0),
        Value::String(s) => match s.as_str() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Adds `key = literal` at the end of the file (HCL only).
fn set_absent(source: &Source, key: &str, literal: &str) -> Result<Vec<Edit>, String> {
    if source.json {
        return Err(format!("adding {key} to a JSON config is left to you"));
    }
    let at = source.text.len();
    let sep = if source.text.is_empty() || source.text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    Ok(vec![Edit {
        start: at,
        end: at,
        text: format!("{sep}{key} = {literal}\n"),
    }])
}

fn edits_for(
    source: &Source,
    finding: &Finding,
    spec: &FixSpec,
    params: &Params,
) -> Result<Vec<Edit>, String> {
    let located = finding.location.as_ref().map(|loc| {
        path_to(&source.body, loc.line, loc.column).ok_or_else(|| {
            format!(
                "nothing in {} starts at {}:{} (did the file change since the scan?)",
                loc.file, loc.line, loc.column
            )
        })
    });
    // A finding about a top-level key the file lacks points at the file's start (SARIF needs
    // a location), which is no item to rewrite: such a key is added at the end of the file.
    if let FixSpec::Set { key, value } = spec {
        let points_at_key =
            matches!(&located, Some(Ok(path)) if path.last().is_some_and(|i| name(i) == key));
        if !points_at_key && !source.body.items.iter().any(|i| name(i) == key) {
            return set_absent(source, key, &text::quoted(&with_params(value, params)?));
        }
    }
    let located = located.transpose()?;
    let target = located.as_ref().and_then(|p| p.last().copied());
    match spec {
        FixSpec::Set { key, value } => {
            let literal = text::quoted(&with_params(value, params)?);
            match target {
                Some(item) if name(item) == key => Ok(vec![value_edit(source, item, literal)?]),
                Some(item) => Err(format!(
                    "the finding points at {}, not at {key}",
                    name(item)
                )),
                None => set_absent(source, key, &literal),
            }
        }
        FixSpec::Remove { needs } => {
            let item = target.ok_or("the finding names no item")?;
            let path = located.as_deref().unwrap_or_default();
            let siblings: Vec<&str> = match path.len() {
                0 | 1 => source.body.items.iter().map(name).collect(),
                n => body_of(path[n - 2])
                    .map(|b| b.items.iter().map(name).collect())
                    .unwrap_or_default(),
            };
            if let Some(missing) = needs.iter().find(|k| !siblings.contains(&k.as_str())) {
                return Err(format!(
                    "removing {} needs {missing} set beside it first (with {})",
                    name(item),
                    needs.join(" and ")
                ));
            }
            // A nested block left empty goes with its only item (`telemetry { }` in a listener).
            let n = path.len();
            if n >= 3
                && !path[n - 2].assign
                && body_of(path[n - 2]).is_some_and(|b| b.items.len() == 1)
            {
                return Ok(vec![removal(source, path[n - 2])?]);
            }
            Ok(vec![removal(source, item)?])
        }
        FixSpec::DropValues { param } => {
            let item = target.ok_or("the finding names no item")?;
            let drop: Vec<String> = match params.get(param) {
                Some(hcl::Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => return Err(format!("the rule has no list parameter {param:?}")),
            };
            let is_dropped = |s: &str| drop.iter().any(|d| d == s.trim());
            let new = match &item.value.value {
                Value::List(nodes) => {
                    let end = text::value_end(&source.text, item.value.pos.offset)?;
                    if text::has_comment(&source.text, item.value.pos.offset, end) {
                        return Err("the list holds comments; edit it by hand".into());
                    }
                    let mut kept = Vec::new();
                    for n in nodes {
                        match &n.value {
                            Value::String(s) if is_dropped(s) => {}
                            _ => {
                                let e = text::value_end(&source.text, n.pos.offset)?;
                                kept.push(&source.text[n.pos.offset..e]);
                            }
                        }
                    }
                    (!kept.is_empty()).then(|| format!("[{}]", kept.join(", ")))
                }
                Value::String(s) => {
                    let kept: Vec<&str> = s
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty() && !is_dropped(p))
                        .collect();
                    (!kept.is_empty()).then(|| text::quoted(&kept.join(", ")))
                }
                _ => return Err(format!("{} is neither a list nor a string", name(item))),
            };
            let new = new.ok_or_else(|| {
                format!(
                    "{} would be empty: name the proxies to trust (or remove the key to trust none)",
                    name(item)
                )
            })?;
            Ok(vec![value_edit(source, item, new)?])
        }
        FixSpec::RemoveKeys { within, keys } => {
            let path = located.ok_or("the finding names no item")?;
            let scope = path
                .iter()
                .find(|i| i.keys.first().is_some_and(|k| &k.name == within))
                .ok_or_else(|| format!("the finding is not inside a {within} block"))?;
            let mut found = Vec::new();
            removable(body_of(scope).ok_or("an empty block")?, keys, &mut found);
            if found.is_empty() {
                return Err(format!(
                    "none of {} in this {within} block",
                    keys.join(", ")
                ));
            }
            found.into_iter().map(|i| removal(source, i)).collect()
        }
        FixSpec::RemoveEarlierDuplicates => {
            let path = located.ok_or("the finding names no item")?;
            let item = *path.last().ok_or("the finding names no item")?;
            let parent = match path.len() {
                1 => &source.body,
                n => body_of(path[n - 2]).ok_or("no enclosing block")?,
            };
            parent
                .items
                .iter()
                .take_while(|i| i.pos.offset < item.pos.offset)
                .filter(|i| i.assign && name(i) == name(item) && i.keys.len() == 1)
                .map(|i| removal(source, i))
                .collect()
        }
        FixSpec::RenameOrRemove { rename } => {
            let item = target.ok_or("the finding names no item")?;
            match rename.get(name(item)) {
                Some(to) => {
                    let path = located.as_deref().unwrap_or_default();
                    let parent = match path.len() {
                        0 | 1 => Some(&source.body),
                        n => body_of(path[n - 2]),
                    };
                    if parent.is_some_and(|b| b.items.iter().any(|i| name(i) == to)) {
                        return Err(format!(
                            "{to} is set too: keep one of {} and {to} by hand",
                            name(item)
                        ));
                    }
                    let key = item.keys.first().ok_or("an item without a key")?;
                    let end = text::key_end(&source.text, key.pos.offset, key.quoted)?;
                    let text = if key.quoted {
                        text::quoted(to)
                    } else {
                        to.clone()
                    };
                    Ok(vec![Edit {
                        start: key.pos.offset,
                        end,
                        text,
                    }])
                }
                None => Ok(vec![removal(source, item)?]),
            }
        }
        FixSpec::Systemd { .. } | FixSpec::Shell { .. } | FixSpec::Cli { .. } => {
            Err("a host fix, not a change to the config".into())
        }
        FixSpec::OpenbaoStartable => {
            let item = target.ok_or("the finding names no item")?;
            if name(item) == "disable_mlock" {
                return Ok(vec![removal(source, item)?]);
            }
            let b = weak_bool(&item.value.value).ok_or_else(|| {
                format!(
                    "{} has a value that is no bool; write true or false",
                    name(item)
                )
            })?;
            Ok(vec![value_edit(source, item, b.to_string())?])
        }
    }
}

/// Collects the items named `keys` in `body` and its blocks; a nested block all of whose items
/// go is collected instead of them. Tells whether everything in `body` goes.
fn removable<'b>(body: &'b Body, keys: &[String], out: &mut Vec<&'b Item>) -> bool {
    let mut all = !body.items.is_empty();
    for item in &body.items {
        if item.assign && keys.iter().any(|k| k == name(item)) {
            out.push(item);
        } else if let (false, Some(b)) = (item.assign, body_of(item)) {
            let mut inner = Vec::new();
            if removable(b, keys, &mut inner) {
                out.push(item);
            } else {
                all = false;
                out.extend(inner);
            }
        } else {
            all = false;
        }
    }
    all
}
