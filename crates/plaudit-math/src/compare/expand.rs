//! Expanding `\pm` into the values it stands for.

use crate::ast::{MulOp, Node, Sign};

/// The values a `\pm` expression stands for (at most 16).
pub(super) fn expand_pm(n: &Node) -> Option<Vec<Node>> {
    let out = match n {
        Node::Sum(terms) => {
            let mut acc: Vec<Vec<(Sign, Node)>> = vec![Vec::new()];
            for (s, t) in terms {
                let choices: &[Sign] = match s {
                    Sign::PlusMinus | Sign::MinusPlus => &[Sign::Plus, Sign::Minus],
                    other => std::slice::from_ref(other),
                };
                let tvs = if t.has_pm() {
                    expand_pm(t)?
                } else {
                    vec![t.clone()]
                };
                let mut next = Vec::new();
                for prefix in &acc {
                    for c in choices {
                        for tv in &tvs {
                            let mut p = prefix.clone();
                            p.push((*c, tv.clone()));
                            next.push(p);
                        }
                    }
                }
                if next.len() > 16 {
                    return None;
                }
                acc = next;
            }
            acc.into_iter().map(Node::Sum).collect()
        }
        Node::Frac(p, q) => {
            let ps = if p.has_pm() {
                expand_pm(p)?
            } else {
                vec![(**p).clone()]
            };
            let qs = if q.has_pm() {
                expand_pm(q)?
            } else {
                vec![(**q).clone()]
            };
            let mut out = Vec::new();
            for x in &ps {
                for y in &qs {
                    out.push(Node::Frac(Box::new(x.clone()), Box::new(y.clone())));
                }
            }
            out
        }
        Node::Neg(x) => expand_pm(x)?
            .into_iter()
            .map(|v| Node::Neg(Box::new(v)))
            .collect(),
        Node::Product(fs) => {
            let mut acc: Vec<Vec<(MulOp, Node)>> = vec![Vec::new()];
            for (op, f) in fs {
                let vs = if f.has_pm() {
                    expand_pm(f)?
                } else {
                    vec![f.clone()]
                };
                let mut next = Vec::new();
                for prefix in &acc {
                    for v in &vs {
                        let mut p = prefix.clone();
                        p.push((*op, v.clone()));
                        next.push(p);
                    }
                }
                if next.len() > 16 {
                    return None;
                }
                acc = next;
            }
            acc.into_iter().map(Node::Product).collect()
        }
        _ => return None,
    };
    Some(out)
}
