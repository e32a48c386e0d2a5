//! The functions rule expressions can call. Names and behaviour follow Terraform where Terraform
//! has the function; the few differences are documented on each function (and in the README).

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Number, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// Every function name, for load-time validation.
pub const NAMES: &[&str] = &[
    "abs",
    "alltrue",
    "anytrue",
    "ceil",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "distinct",
    "duration_seconds",
    "endswith",
    "flatten",
    "floor",
    "format",
    "glob",
    "join",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "max",
    "merge",
    "min",
    "nearest",
    "regex",
    "regexall",
    "replace",
    "setsubtract",
    "sort",
    "split",
    "startswith",
    "sum",
    "tonumber",
    "tostring",
    "trimspace",
    "upper",
    "url_host",
    "values",
    "vault_bool",
    "version_lt",
];

/// Declares every function in `ctx`.
pub fn declare_all(ctx: &mut Context<'_>) {
    let any = || ParamType::Any;
    let def = |n: usize, f: hcl::eval::Func| {
        let mut b = FuncDef::builder();
        for _ in 0..n {
            b = b.param(ParamType::Any);
        }
        b.build(f)
    };
    let variadic = |n: usize, f: hcl::eval::Func| {
        let mut b = FuncDef::builder();
        for _ in 0..n {
            b = b.param(ParamType::Any);
        }
        b.variadic_param(any()).build(f)
    };
    ctx.declare_func("abs", def(1, abs));
    ctx.declare_func("alltrue", def(1, alltrue));
    ctx.declare_func("anytrue", def(1, anytrue));
    ctx.declare_func("ceil", def(1, ceil));
    ctx.declare_func("coalesce", variadic(0, coalesce));
    ctx.declare_func("compact", def(1, compact));
    ctx.declare_func("concat", variadic(0, concat));
    ctx.declare_func("contains", def(2, contains));
    ctx.declare_func("distinct", def(1, distinct));
    ctx.declare_func("duration_seconds", def(1, duration_seconds));
    ctx.declare_func("endswith", def(2, endswith));
    ctx.declare_func("flatten", def(1, flatten));
    ctx.declare_func("floor", def(1, floor));
    ctx.declare_func("format", variadic(1, format));
    ctx.declare_func("glob", def(2, glob));
    ctx.declare_func("join", def(2, join));
    ctx.declare_func("jsonencode", def(1, jsonencode));
    ctx.declare_func("keys", def(1, keys));
    ctx.declare_func("length", def(1, length));
    ctx.declare_func("lookup", variadic(2, lookup));
    ctx.declare_func("lower", def(1, lower));
    ctx.declare_func("max", variadic(0, max));
    ctx.declare_func("merge", variadic(0, merge));
    ctx.declare_func("min", variadic(0, min));
    ctx.declare_func("nearest", def(2, nearest_fn));
    ctx.declare_func("regex", def(2, regex));
    ctx.declare_func("regexall", def(2, regexall));
    ctx.declare_func("replace", def(3, replace));
    ctx.declare_func("setsubtract", def(2, setsubtract));
    ctx.declare_func("sort", def(1, sort));
    ctx.declare_func("split", def(2, split));
    ctx.declare_func("startswith", def(2, startswith));
    ctx.declare_func("sum", def(1, sum));
    ctx.declare_func("tonumber", def(1, tonumber));
    ctx.declare_func("tostring", def(1, tostring));
    ctx.declare_func("trimspace", def(1, trimspace));
    ctx.declare_func("upper", def(1, upper));
    ctx.declare_func("url_host", def(1, url_host));
    ctx.declare_func("values", def(1, values));
    ctx.declare_func("vault_bool", def(1, vault_bool));
    ctx.declare_func("version_lt", def(2, version_lt));
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn str_arg<'a>(args: &'a FuncArgs, i: usize, f: &str) -> Result<&'a str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "{f}: argument {} must be a string, got {}",
            i + 1,
            type_name(other)
        )),
        None => Err(format!("{f}: missing argument {}", i + 1)),
    }
}

fn list_arg<'a>(args: &'a FuncArgs, i: usize, f: &str) -> Result<&'a [Value], String> {
    match args.get(i) {
        Some(Value::Array(items)) => Ok(items),
        Some(Value::Null) => Ok(&[]),
        Some(other) => Err(format!(
            "{f}: argument {} must be a list, got {}",
            i + 1,
            type_name(other)
        )),
        None => Err(format!("{f}: missing argument {}", i + 1)),
    }
}

fn num(v: &Value, f: &str) -> Result<f64, String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{f}: number out of range")),
        other => Err(format!("{f}: expected a number, got {}", type_name(other))),
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn bools(args: &FuncArgs, f: &str) -> Result<Vec<bool>, String> {
    list_arg(args, 0, f)?
        .iter()
        .map(|v| match v {
            Value::Bool(b) => Ok(*b),
            other => Err(format!(
                "{f}: list elements must be bools, got {}",
                type_name(other)
            )),
        })
        .collect()
}

fn abs(args: FuncArgs) -> Result<Value, String> {
    Ok(number(num(&args[0], "abs")?.abs()))
}

fn floor(args: FuncArgs) -> Result<Value, String> {
    Ok(number(num(&args[0], "floor")?.floor()))
}

fn ceil(args: FuncArgs) -> Result<Value, String> {
    Ok(number(num(&args[0], "ceil")?.ceil()))
}

fn alltrue(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(bools(&args, "alltrue")?.into_iter().all(|b| b)))
}

fn anytrue(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(bools(&args, "anytrue")?.into_iter().any(|b| b)))
}

/// The first argument that is neither null nor an empty string (null if none).
fn coalesce(args: FuncArgs) -> Result<Value, String> {
    Ok(args
        .iter()
        .find(|v| !matches!(v, Value::Null) && !matches!(v, Value::String(s) if s.is_empty()))
        .cloned()
        .unwrap_or(Value::Null))
}

fn compact(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(
        list_arg(&args, 0, "compact")?
            .iter()
            .filter(|v| !matches!(v, Value::Null) && !matches!(v, Value::String(s) if s.is_empty()))
            .cloned()
            .collect(),
    ))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for (i, _) in args.iter().enumerate() {
        out.extend(list_arg(&args, i, "concat")?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => Ok(Value::Bool(items.contains(&args[1]))),
        Value::Object(map) => match &args[1] {
            Value::String(k) => Ok(Value::Bool(map.contains_key(k))),
            _ => Ok(Value::Bool(false)),
        },
        Value::String(s) => Ok(Value::Bool(
            str_arg(&args, 1, "contains").map(|n| s.contains(n))?,
        )),
        Value::Null => Ok(Value::Bool(false)),
        other => Err(format!(
            "contains: argument 1 must be a list, object or string, got {}",
            type_name(other)
        )),
    }
}

fn distinct(args: FuncArgs) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for v in list_arg(&args, 0, "distinct")? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}

/// Vault's `ParseDurationSecond`: `300`, `"300"`, `"5m"`, `"2d"` → seconds.
fn duration_seconds(args: FuncArgs) -> Result<Value, String> {
    let json = hcl_to_json(&args[0]);
    crate::facts::config::duration_seconds(&json)
        .map(|s| Value::Number(Number::from(s)))
        .map_err(|e| format!("duration_seconds: {e}"))
}

fn endswith(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(
        str_arg(&args, 0, "endswith")?.ends_with(str_arg(&args, 1, "endswith")?),
    ))
}

fn flatten(args: FuncArgs) -> Result<Value, String> {
    fn go(items: &[Value], out: &mut Vec<Value>) {
        for v in items {
            match v {
                Value::Array(inner) => go(inner, out),
                other => out.push(other.clone()),
            }
        }
    }
    let mut out = Vec::new();
    go(list_arg(&args, 0, "flatten")?, &mut out);
    Ok(Value::Array(out))
}

/// `format("%s has %d", a, b)`: `%s`, `%d`, `%v` (any value) and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = str_arg(&args, 0, "format")?;
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                let v = args
                    .get(next)
                    .ok_or_else(|| "format: not enough arguments".to_string())?;
                out.push_str(&display(v));
                next += 1;
            }
            other => {
                return Err(format!(
                    "format: unsupported verb %{}",
                    other.unwrap_or(' ')
                ))
            }
        }
    }
    Ok(Value::String(out))
}

/// How a value reads inside a message: strings bare, everything else as JSON.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => hcl_to_json(other).to_string(),
    }
}

/// `glob(pattern, s)`: shell-style `*` and `?` match, whole string.
fn glob(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(glob_match(
        str_arg(&args, 0, "glob")?,
        str_arg(&args, 1, "glob")?,
    )))
}

/// Shell-style `*`/`?` matching of the whole string.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = str_arg(&args, 0, "join")?;
    let parts: Vec<String> = list_arg(&args, 1, "join")?.iter().map(display).collect();
    Ok(Value::String(parts.join(sep)))
}

fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(hcl_to_json(&args[0]).to_string()))
}

/// Object keys in lexical order, as Terraform returns them.
fn keys(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Object(map) => {
            let mut k: Vec<&String> = map.keys().collect();
            k.sort();
            Ok(Value::Array(
                k.into_iter().map(|s| Value::String(s.clone())).collect(),
            ))
        }
        Value::Null => Ok(Value::Array(Vec::new())),
        other => Err(format!(
            "keys: expected an object, got {}",
            type_name(other)
        )),
    }
}

fn values(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Ok(Value::Array(
                entries.into_iter().map(|(_, v)| v.clone()).collect(),
            ))
        }
        Value::Null => Ok(Value::Array(Vec::new())),
        other => Err(format!(
            "values: expected an object, got {}",
            type_name(other)
        )),
    }
}

fn length(args: FuncArgs) -> Result<Value, String> {
    let n = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        Value::Null => 0,
        other => {
            return Err(format!(
                "length: cannot take the length of a {}",
                type_name(other)
            ))
        }
    };
    Ok(Value::Number(Number::from(n as u64)))
}

/// `lookup(map, key, default)`; without a default a missing key is an error, as in Terraform.
fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = str_arg(&args, 1, "lookup")?;
    let found = match &args[0] {
        Value::Object(map) => map.get(key).cloned(),
        Value::Null => None,
        other => {
            return Err(format!(
                "lookup: expected an object, got {}",
                type_name(other)
            ))
        }
    };
    match (found, args.get(2)) {
        (Some(v), _) => Ok(v),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("lookup: no key {key:?} and no default")),
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(str_arg(&args, 0, "lower")?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(str_arg(&args, 0, "upper")?.to_uppercase()))
}

fn numbers(args: &FuncArgs, f: &str) -> Result<Vec<f64>, String> {
    // Accept max(1, 2) and max([1, 2]).
    let items: Vec<&Value> = match args.first() {
        Some(Value::Array(list)) if args.len() == 1 => list.iter().collect(),
        _ => args.iter().collect(),
    };
    items.into_iter().map(|v| num(v, f)).collect()
}

fn max(args: FuncArgs) -> Result<Value, String> {
    let ns = numbers(&args, "max")?;
    ns.into_iter()
        .reduce(f64::max)
        .map(number)
        .ok_or_else(|| "max: no values".to_string())
}

fn min(args: FuncArgs) -> Result<Value, String> {
    let ns = numbers(&args, "min")?;
    ns.into_iter()
        .reduce(f64::min)
        .map(number)
        .ok_or_else(|| "min: no values".to_string())
}

fn sum(args: FuncArgs) -> Result<Value, String> {
    Ok(number(numbers(&args, "sum")?.into_iter().sum()))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = Map::new();
    for v in args.iter() {
        match v {
            Value::Object(m) => out.extend(m.clone()),
            Value::Null => {}
            other => return Err(format!("merge: expected objects, got {}", type_name(other))),
        }
    }
    Ok(Value::Object(out))
}

fn nearest_fn(args: FuncArgs) -> Result<Value, String> {
    let word = str_arg(&args, 0, "nearest")?;
    let candidates: Vec<&str> = list_arg(&args, 1, "nearest")?
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    Ok(nearest(word, &candidates)
        .map(|s| Value::String(s.to_string()))
        .unwrap_or(Value::Null))
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
/// Candidates whose length differs by more than the limit cannot be that close and are
/// never compared, so a huge word costs nothing (a 1 MB unknown rule id took 17 s).
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = (len / 3).clamp(1, 3);
    candidates
        .iter()
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
}

fn with_regex<T>(pattern: &str, f: impl FnOnce(&regex::Regex) -> T) -> Result<T, String> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let re =
                regex::Regex::new(pattern).map_err(|e| format!("regex: invalid pattern: {e}"))?;
            cache.insert(pattern.to_string(), re);
        }
        Ok(f(&cache[pattern]))
    })
}

/// `regex(pattern, s)`: the first match, or null when there is none. Unlike Terraform it does
/// not fail on no match, so `regex(p, s) != null` tests for a match.
fn regex(args: FuncArgs) -> Result<Value, String> {
    let pattern = str_arg(&args, 0, "regex")?;
    let text = str_arg(&args, 1, "regex")?;
    with_regex(pattern, |re| {
        re.find(text)
            .map(|m| Value::String(m.as_str().to_string()))
            .unwrap_or(Value::Null)
    })
}

fn regexall(args: FuncArgs) -> Result<Value, String> {
    let pattern = str_arg(&args, 0, "regexall")?;
    let text = str_arg(&args, 1, "regexall")?;
    with_regex(pattern, |re| {
        Value::Array(
            re.find_iter(text)
                .map(|m| Value::String(m.as_str().to_string()))
                .collect(),
        )
    })
}

fn replace(args: FuncArgs) -> Result<Value, String> {
    let s = str_arg(&args, 0, "replace")?;
    let from = str_arg(&args, 1, "replace")?;
    let to = str_arg(&args, 2, "replace")?;
    Ok(Value::String(s.replace(from, to)))
}

fn setsubtract(args: FuncArgs) -> Result<Value, String> {
    let a = list_arg(&args, 0, "setsubtract")?;
    let b = list_arg(&args, 1, "setsubtract")?;
    Ok(Value::Array(
        a.iter().filter(|v| !b.contains(v)).cloned().collect(),
    ))
}

fn sort(args: FuncArgs) -> Result<Value, String> {
    let mut items: Vec<Value> = list_arg(&args, 0, "sort")?.to_vec();
    items.sort_by_key(display);
    Ok(Value::Array(items))
}

/// `split(separator, s)`, Terraform's argument order.
fn split(args: FuncArgs) -> Result<Value, String> {
    let sep = str_arg(&args, 0, "split")?;
    let s = str_arg(&args, 1, "split")?;
    Ok(Value::Array(
        s.split(sep).map(|p| Value::String(p.to_string())).collect(),
    ))
}

fn startswith(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(
        str_arg(&args, 0, "startswith")?.starts_with(str_arg(&args, 1, "startswith")?),
    ))
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Number(_) => Ok(args[0].clone()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(number)
            .map_err(|_| format!("tonumber: {s:?} is not a number")),
        Value::Null => Ok(Value::Null),
        other => Err(format!("tonumber: cannot convert a {}", type_name(other))),
    }
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::Null => Value::Null,
        other => Value::String(display(other)),
    })
}

fn trimspace(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(
        str_arg(&args, 0, "trimspace")?.trim().to_string(),
    ))
}

/// The host of `https://host:8200/x`, `host:8200` or `[::1]:8200` (null if none).
fn url_host(args: FuncArgs) -> Result<Value, String> {
    Ok(host_of(str_arg(&args, 0, "url_host")?)
        .map(Value::String)
        .unwrap_or(Value::Null))
}

/// The host part of a URL or `host:port`.
pub fn host_of(addr: &str) -> Option<String> {
    let rest = addr.split_once("://").map(|(_, r)| r).unwrap_or(addr);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if let Some(inner) = authority.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else {
        match authority.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => authority,
        }
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_string())
    }
}

/// `vault_bool(v)`: Vault's weak boolean decoding; an invalid value is an error.
fn vault_bool(args: FuncArgs) -> Result<Value, String> {
    crate::facts::config::weak_bool(&hcl_to_json(&args[0]))
        .map(Value::Bool)
        .map_err(|e| format!("vault_bool: {e}"))
}

/// `version_lt(a, b)`: is version `a` older than `b`? Compares dotted numbers, ignoring a
/// leading `v` and any `+build`/`-pre` suffix's text (a pre-release sorts before its release).
fn version_lt(args: FuncArgs) -> Result<Value, String> {
    let a = parse_version(str_arg(&args, 0, "version_lt")?)?;
    let b = parse_version(str_arg(&args, 1, "version_lt")?)?;
    Ok(Value::Bool(a < b))
}

fn parse_version(v: &str) -> Result<(Vec<u64>, u8), String> {
    let v = v.trim().trim_start_matches('v');
    let core_end = v.find(['+', '-']).unwrap_or(v.len());
    let pre = u8::from(!v[core_end..].starts_with('-'));
    let nums = v[..core_end]
        .split('.')
        .map(|p| {
            p.parse::<u64>()
                .map_err(|_| format!("version_lt: {v:?} is not a version"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut nums = nums;
    while nums.len() < 3 {
        nums.push(0);
    }
    Ok((nums, pre))
}

/// JSON → HCL value (facts are JSON; expressions are HCL).
pub fn json_to_hcl(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(Number::from(i))
            } else if let Some(u) = n.as_u64() {
                Value::Number(Number::from(u))
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(json_to_hcl).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), json_to_hcl(v))).collect())
        }
    }
}

/// HCL → JSON value (for evidence in reports).
pub fn hcl_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                serde_json::Value::from(i)
            } else if let Some(u) = n.as_u64() {
                serde_json::Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(hcl_to_json).collect()),
        Value::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), hcl_to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare_all(&mut ctx);
        let expr: hcl::Expression = src.parse().map_err(|e: hcl::Error| e.to_string())?;
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn every_declared_function_is_listed_and_callable() {
        let mut ctx = Context::new();
        declare_all(&mut ctx);
        for name in NAMES {
            // An unknown function yields an "undefined func" error; any other error is fine.
            let err = eval(&format!("{name}()")).err().unwrap_or_default();
            assert!(!err.contains("undefined func"), "{name}: {err}");
        }
    }

    #[test]
    fn functions_behave() {
        let cases = [
            (r#"length([1, 2, 3])"#, Value::from(3)),
            (r#"contains(["a", "b"], "b")"#, Value::Bool(true)),
            (r#"lookup({a = 1}, "b", 7)"#, Value::from(7)),
            (
                r#"keys({b = 1, a = 2})"#,
                Value::Array(vec!["a".into(), "b".into()]),
            ),
            (r#"regex("tls1[01]", "tls10")"#, Value::from("tls10")),
            (r#"regex("x", "abc")"#, Value::Null),
            (r#"startswith("http://a", "http://")"#, Value::Bool(true)),
            (r#"anytrue([false, true])"#, Value::Bool(true)),
            (r#"alltrue([])"#, Value::Bool(true)),
            (r#"vault_bool("t")"#, Value::Bool(true)),
            (r#"vault_bool(0)"#, Value::Bool(false)),
            (r#"duration_seconds("1h")"#, Value::from(3600)),
            (
                r#"nearest("tsl_cert_file", ["tls_cert_file", "address"])"#,
                Value::from("tls_cert_file"),
            ),
            (r#"nearest("zzz", ["tls_cert_file"])"#, Value::Null),
            (r#"version_lt("1.15.2", "1.15.10")"#, Value::Bool(true)),
            (r#"version_lt("2.7.2", "2.7.2")"#, Value::Bool(false)),
            (r#"version_lt("1.16.0-rc1", "1.16.0")"#, Value::Bool(true)),
            (
                r#"url_host("https://vault.example:8200/v1")"#,
                Value::from("vault.example"),
            ),
            (r#"url_host("[::1]:8200")"#, Value::from("::1")),
            (
                r#"glob("*127.0.0.1*", "listener 127.0.0.1:8200")"#,
                Value::Bool(true),
            ),
            (r#"format("%s=%d", "a", 3)"#, Value::from("a=3")),
            (
                r#"setsubtract(["a", "b"], ["b"])"#,
                Value::Array(vec!["a".into()]),
            ),
            (r#"coalesce(null, "", "x")"#, Value::from("x")),
            (r#"floor(2097148 / 1024)"#, Value::from(2047)),
            (r#"ceil(1.2)"#, Value::from(2)),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src), Ok(want), "{src}");
        }
        assert!(eval(r#"vault_bool("yes")"#).is_err());
        assert!(eval(r#"lookup({}, "b")"#).is_err());
        assert!(eval(r#"regex("(", "a")"#).is_err());
    }
}
