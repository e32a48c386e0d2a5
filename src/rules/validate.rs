//! Load-time checks of rule expressions: unknown functions, unknown variables, `each` outside
//! a `for_each` rule, and `params.X` that the rule does not declare. Catching these when the
//! rule is loaded means a typo fails `vaultsec rules check`, not a scan at 3 a.m.

use super::functions;
use hcl::expr::{Expression, ObjectKey, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::Value;

/// Variables every expression may read.
const ROOTS: &[&str] = &["config", "tls", "host", "api", "scan", "params", "data"];

pub(super) fn check_expression(
    expr: &Expression,
    each_allowed: bool,
    params: &hcl::Map<String, Value>,
    data_refs: &mut Vec<(String, &'static str)>,
    attr: &'static str,
) -> Result<(), String> {
    let mut scope: Vec<String> = Vec::new();
    walk(expr, &mut scope, &mut |root, first_attr, scope| {
        if scope.iter().any(|s| s == root) {
            return Ok(());
        }
        match root {
            "data" => {
                if let Some(name) = first_attr {
                    data_refs.push((name.to_string(), attr));
                }
                Ok(())
            }
            "each" if each_allowed => Ok(()),
            "each" => Err("`each` is only available in a rule with for_each".to_string()),
            "params" => match first_attr {
                Some(name) if !params.contains_key(name) => Err(format!(
                    "params.{name} is not declared in this rule's params"
                )),
                _ => Ok(()),
            },
            r if ROOTS.contains(&r) => Ok(()),
            other => Err(format!(
                "unknown variable {other:?} (known: {}, each)",
                ROOTS.join(", ")
            )),
        }
    })
}

type VarCheck<'a> = dyn FnMut(&str, Option<&str>, &[String]) -> Result<(), String> + 'a;

fn walk(
    expr: &Expression,
    scope: &mut Vec<String>,
    check: &mut VarCheck<'_>,
) -> Result<(), String> {
    match expr {
        Expression::Null | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {
            Ok(())
        }
        Expression::Array(items) => items.iter().try_for_each(|e| walk(e, scope, check)),
        Expression::Object(map) => {
            for (key, value) in map {
                if let ObjectKey::Expression(k) = key {
                    walk(k, scope, check)?;
                }
                walk(value, scope, check)?;
            }
            Ok(())
        }
        Expression::TemplateExpr(t) => {
            let template = Template::from_expr(t).map_err(|e| e.to_string())?;
            walk_template(&template, scope, check)
        }
        Expression::Variable(v) => check(v.as_str(), None, scope),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let first = match t.operators.first() {
                    Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
                    _ => None,
                };
                check(v.as_str(), first, scope)?;
            } else {
                walk(&t.expr, scope, check)?;
            }
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    walk(e, scope, check)?;
                }
            }
            Ok(())
        }
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            if !call.name.namespace.is_empty() || !functions::NAMES.contains(&name) {
                let hint = functions::nearest(name, functions::NAMES)
                    .map(|n| format!(" (did you mean {n}?)"))
                    .unwrap_or_default();
                return Err(format!("unknown function {name}(){hint}"));
            }
            call.args.iter().try_for_each(|e| walk(e, scope, check))
        }
        Expression::Parenthesis(e) => walk(e, scope, check),
        Expression::Conditional(c) => {
            walk(&c.cond_expr, scope, check)?;
            walk(&c.true_expr, scope, check)?;
            walk(&c.false_expr, scope, check)
        }
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(u) => walk(&u.expr, scope, check),
            Operation::Binary(b) => {
                walk(&b.lhs_expr, scope, check)?;
                walk(&b.rhs_expr, scope, check)
            }
        },
        Expression::ForExpr(f) => {
            walk(&f.collection_expr, scope, check)?;
            let pushed = push_vars(
                scope,
                f.key_var.as_ref().map(|k| k.as_str()),
                f.value_var.as_str(),
            );
            let result = (|| {
                if let Some(k) = &f.key_expr {
                    walk(k, scope, check)?;
                }
                walk(&f.value_expr, scope, check)?;
                if let Some(c) = &f.cond_expr {
                    walk(c, scope, check)?;
                }
                Ok(())
            })();
            scope.truncate(scope.len() - pushed);
            result
        }
        #[allow(unreachable_patterns)]
        _ => Ok(()),
    }
}

fn push_vars(scope: &mut Vec<String>, key: Option<&str>, value: &str) -> usize {
    let mut n = 1;
    scope.push(value.to_string());
    if let Some(k) = key {
        scope.push(k.to_string());
        n += 1;
    }
    n
}

fn walk_template(
    t: &Template,
    scope: &mut Vec<String>,
    check: &mut VarCheck<'_>,
) -> Result<(), String> {
    for element in t.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk(&i.expr, scope, check)?,
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk(&d.cond_expr, scope, check)?;
                    walk_template(&d.true_template, scope, check)?;
                    if let Some(f) = &d.false_template {
                        walk_template(f, scope, check)?;
                    }
                }
                Directive::For(d) => {
                    walk(&d.collection_expr, scope, check)?;
                    let pushed = push_vars(
                        scope,
                        d.key_var.as_ref().map(|k| k.as_str()),
                        d.value_var.as_str(),
                    );
                    let r = walk_template(&d.template, scope, check);
                    scope.truncate(scope.len() - pushed);
                    r?;
                }
            },
        }
    }
    Ok(())
}

/// Roots whose leading attributes are flattened into their own variables
/// (`host.unit.value` → `host__unit__value`). hcl-rs clones a variable's whole value before
/// traversing it, so `host.unit.value.user` would copy the entire host document on every
/// evaluation; the flattened variable copies only the part the expression reads. The engine
/// declares every flattened name down to [`FLATTEN_DEPTH`] levels, and the roots themselves.
pub(crate) const FLATTENED_ROOTS: &[&str] = &["config", "tls", "host", "api", "scan", "data"];

/// How many leading attribute accesses are folded into the variable name.
pub(crate) const FLATTEN_DEPTH: usize = 3;

/// The variable name for `parent.attr`, where `parent` may itself be flattened.
pub(crate) fn flat_name(parent: &str, attr: &str) -> String {
    format!("{parent}__{attr}")
}

/// Rewrites `root.a.b.c...` traversals to the flattened variables, inside template strings
/// too: a per-node message reading `${api.product}` would otherwise copy the whole `api`
/// document (every node) for every node, which made `--cluster` quadratic in the nodes.
pub(crate) fn flatten_roots(expr: Expression) -> Expression {
    use hcl::expr::{Traversal, Variable};
    match expr {
        Expression::Traversal(t) => {
            let Traversal { expr, operators } = *t;
            let operators: Vec<TraversalOperator> = operators
                .into_iter()
                .map(|op| match op {
                    TraversalOperator::Index(e) => TraversalOperator::Index(flatten_roots(e)),
                    other => other,
                })
                .collect();
            if let Expression::Variable(v) = &expr {
                if FLATTENED_ROOTS.contains(&v.as_str()) {
                    let mut name = v.as_str().to_string();
                    let mut folded = 0;
                    for op in operators.iter().take(FLATTEN_DEPTH) {
                        let TraversalOperator::GetAttr(attr) = op else {
                            break;
                        };
                        name = flat_name(&name, attr.as_str());
                        folded += 1;
                    }
                    if let (true, Ok(flat)) = (folded > 0, Variable::new(name)) {
                        let rest: Vec<TraversalOperator> =
                            operators.into_iter().skip(folded).collect();
                        return if rest.is_empty() {
                            Expression::Variable(flat)
                        } else {
                            Expression::Traversal(Box::new(Traversal::new(
                                Expression::Variable(flat),
                                rest,
                            )))
                        };
                    }
                }
            }
            Expression::Traversal(Box::new(Traversal::new(flatten_roots(expr), operators)))
        }
        Expression::Array(items) => {
            Expression::Array(items.into_iter().map(flatten_roots).collect())
        }
        Expression::Object(map) => Expression::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        ObjectKey::Expression(e) => ObjectKey::Expression(flatten_roots(e)),
                        other => other,
                    };
                    (k, flatten_roots(v))
                })
                .collect(),
        ),
        Expression::FuncCall(mut call) => {
            call.args = std::mem::take(&mut call.args)
                .into_iter()
                .map(flatten_roots)
                .collect();
            Expression::FuncCall(call)
        }
        Expression::Parenthesis(e) => Expression::Parenthesis(Box::new(flatten_roots(*e))),
        Expression::Conditional(mut c) => {
            c.cond_expr = flatten_roots(c.cond_expr);
            c.true_expr = flatten_roots(c.true_expr);
            c.false_expr = flatten_roots(c.false_expr);
            Expression::Conditional(c)
        }
        Expression::Operation(op) => Expression::Operation(Box::new(match *op {
            Operation::Unary(mut u) => {
                u.expr = flatten_roots(u.expr);
                Operation::Unary(u)
            }
            Operation::Binary(mut b) => {
                b.lhs_expr = flatten_roots(b.lhs_expr);
                b.rhs_expr = flatten_roots(b.rhs_expr);
                Operation::Binary(b)
            }
        })),
        Expression::TemplateExpr(t) => flatten_template(*t),
        Expression::ForExpr(mut f) => {
            f.collection_expr = flatten_roots(f.collection_expr);
            f.key_expr = f.key_expr.map(flatten_roots);
            f.value_expr = flatten_roots(f.value_expr);
            f.cond_expr = f.cond_expr.map(flatten_roots);
            Expression::ForExpr(f)
        }
        other => other,
    }
}

/// A quoted template with its interpolations and directives flattened, re-serialized; left
/// as written unless it reads back to exactly the rewritten template (heredocs included).
fn flatten_template(t: hcl::expr::TemplateExpr) -> Expression {
    use hcl::expr::TemplateExpr;
    let original = || Expression::TemplateExpr(Box::new(t.clone()));
    if !matches!(t, TemplateExpr::QuotedString(_)) {
        return original();
    }
    let Ok(mut template) = Template::from_expr(&t) else {
        return original();
    };
    flatten_elements(template.elements_mut());
    match hcl::format::to_string(&template) {
        Ok(text) if text.parse::<Template>().ok().as_ref() == Some(&template) => {
            Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(text)))
        }
        _ => original(),
    }
}

fn flatten_elements(elements: &mut [Element]) {
    let take = |e: &mut Expression| flatten_roots(std::mem::replace(e, Expression::Null));
    for element in elements {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => i.expr = take(&mut i.expr),
            Element::Directive(directive) => flatten_directive(directive),
        }
    }
}

fn flatten_directive(directive: &mut Directive) {
    let take = |e: &mut Expression| flatten_roots(std::mem::replace(e, Expression::Null));
    match directive {
        Directive::If(d) => {
            d.cond_expr = take(&mut d.cond_expr);
            flatten_elements(d.true_template.elements_mut());
            if let Some(f) = d.false_template.as_mut() {
                flatten_elements(f.elements_mut());
            }
        }
        Directive::For(d) => {
            d.collection_expr = take(&mut d.collection_expr);
            flatten_elements(d.template.elements_mut());
        }
    }
}

#[cfg(test)]
mod flatten_tests {
    use super::*;

    fn expr(src: &str) -> Expression {
        let body: hcl::Body = hcl::from_str(&format!("x = {src}")).expect("parses");
        body.attributes().next().expect("x").expr().clone()
    }

    /// Every root variable an expression reads whole (not through a flattened name).
    fn whole_roots(e: &Expression) -> Vec<String> {
        let mut seen = Vec::new();
        let mut scope = Vec::new();
        let mut check = |v: &str, _: Option<&str>, _: &[String]| {
            if FLATTENED_ROOTS.contains(&v) {
                seen.push(v.to_owned());
            }
            Ok(())
        };
        walk(e, &mut scope, &mut check).expect("walks");
        seen
    }

    #[test]
    fn templates_read_flattened_variables_not_whole_roots() {
        let src = r#""${each.value.api_address} runs ${api.product} ${each.value.version}, below ${data.minimum_versions[api.product].version}%{ if api.version != null } (${api.version})%{ endif }""#;
        let before = expr(src);
        assert!(whole_roots(&before).contains(&"api".to_owned()));
        let after = flatten_roots(before);
        assert_eq!(whole_roots(&after), Vec::<String>::new(), "{after:?}");
    }

    #[test]
    fn flattened_templates_render_the_same() {
        use hcl::eval::{Context, Evaluate};
        let mut ctx = Context::new();
        functions::declare_all(&mut ctx);
        let api = hcl::value!({ product = "openbao", version = "2.7.2", nodes = [1, 2] });
        if let Value::Object(m) = &api {
            for (k, v) in m {
                ctx.declare_var(flat_name("api", k), v.clone());
            }
        }
        ctx.declare_var("api", api);
        for src in [
            r#""${api.product} \"quoted\" $${literal} %%{x} back\\slash \n ${api.version}""#,
            r#""%{ for n in api.nodes }[${n}]%{ endfor } ${length(api.nodes)}""#,
            r#""no interpolation at all""#,
        ] {
            let e = expr(src);
            let flat = flatten_roots(e.clone());
            assert_eq!(
                flat.evaluate(&ctx).expect("flat evaluates"),
                e.evaluate(&ctx).expect("original evaluates"),
                "{src}"
            );
        }
    }
}
