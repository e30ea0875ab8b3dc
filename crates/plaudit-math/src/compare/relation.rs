//! Equations, inequalities, chains and assignments.
//!
//! Two equations are the same when `lhs - rhs` of one is a constant nonzero
//! multiple of the other's, checked at the sample points; inequalities also
//! need a positive multiple and the same strictness.

use super::{Cmp, MAX_TRIES, MAX_VARS, Out, WANT_POINTS, eq, ne, point, sorted_vars, unk};
use crate::Equivalence;
use crate::ast::{MulOp, Node, Rel};
use crate::eval::{self, Decision, EvalError, Value, decide, eval};

impl Cmp<'_> {
    pub(super) fn relations(&mut self, g: &Node, a: &Node) -> Out {
        let (Node::Relation(gf, gr), Node::Relation(af, ar)) = (g, a) else {
            return unk("not relations");
        };
        // Assignments to the same variable compare by value (decimal rules included).
        if let ([(Rel::Eq, gv)], [(Rel::Eq, av)]) = (gr.as_slice(), ar.as_slice())
            && let (Node::Var(x), Node::Var(y)) = (&**gf, &**af)
            && x == y
            && !mentions(gv, x)
            && !mentions(av, y)
        {
            return self.nodes(gv, av);
        }
        if gr.len() != ar.len() {
            return ne(format!(
                "different relations: {} vs {} links",
                gr.len(),
                ar.len()
            ));
        }
        let g_chain = chain(gf, gr);
        let a_chain = chain(af, ar);
        let forward = self.chains(&g_chain, &a_chain);
        if forward.0 == Equivalence::Equal || g_chain.len() < 2 {
            return forward;
        }
        // `3 \ge x > 0` is `0 < x \le 3` read backwards.
        let reversed: Vec<(&Node, Rel, &Node)> = a_chain
            .iter()
            .rev()
            .map(|&(l, r, h)| (h, r.flipped(), l))
            .collect();
        let backward = self.chains(&g_chain, &reversed);
        if backward.0 == Equivalence::Equal {
            backward
        } else {
            forward
        }
    }

    pub(super) fn chains(&mut self, g: &[(&Node, Rel, &Node)], a: &[(&Node, Rel, &Node)]) -> Out {
        let mut last = eq("same relation");
        for (&(gl, gop, gr), &(al, aop, ar)) in g.iter().zip(a) {
            let out = self.link((gl, gop, gr), (al, aop, ar));
            if out.0 != Equivalence::Equal {
                return out;
            }
            last = out;
        }
        last
    }

    pub(super) fn link(&mut self, g: (&Node, Rel, &Node), a: (&Node, Rel, &Node)) -> Out {
        // Orient inequalities as `f > 0` / `f >= 0`.
        match (g.1, a.1) {
            (Rel::Eq, Rel::Eq) | (Rel::Ne, Rel::Ne) => {
                self.proportional((g.0, g.2), (a.0, a.2), false)
            }
            (Rel::In, Rel::In) => {
                let l = self.nodes(g.0, a.0);
                if l.0 != Equivalence::Equal {
                    return l;
                }
                self.nodes(g.2, a.2)
            }
            (Rel::Lt | Rel::Le | Rel::Gt | Rel::Ge, Rel::Lt | Rel::Le | Rel::Gt | Rel::Ge) => {
                let (gp, gs, gm) = orient(g);
                let (ap, as_, am) = orient(a);
                if gs != as_ {
                    return ne("one inequality is strict and the other is not");
                }
                self.proportional((gp, gm), (ap, am), true)
            }
            (x, y) => ne(format!(
                "different relations: {} vs {}",
                x.symbol(),
                y.symbol()
            )),
        }
    }

    /// Whether `g.0 - g.1` is a constant nonzero multiple (positive if asked)
    /// of `a.0 - a.1`.
    pub(super) fn proportional(
        &mut self,
        g: (&Node, &Node),
        a: (&Node, &Node),
        positive: bool,
    ) -> Out {
        let vars = sorted_vars(&[g.0, g.1, a.0, a.1]);
        if vars.len() > MAX_VARS {
            return unk("too many variables");
        }
        let mut ratio: Option<Value> = None;
        let (mut agreed, mut unsure) = (0usize, false);
        let tries = if vars.is_empty() { 1 } else { MAX_TRIES };
        for t in 0..tries {
            if agreed >= WANT_POINTS {
                break;
            }
            let env = point(&vars, t);
            let diff = |s: &mut Self, l: &Node, r: &Node| -> Result<Value, EvalError> {
                let lv = eval(l, &env, &mut s.budget)?;
                let rv = eval(r, &env, &mut s.budget)?;
                eval::sub(&lv, &rv, &mut s.budget)
            };
            let (f, h) = match (diff(self, g.0, g.1), diff(self, a.0, a.1)) {
                (Ok(f), Ok(h)) => (f, h),
                (Err(EvalError::Undefined | EvalError::OutOfRange), _)
                | (_, Err(EvalError::Undefined | EvalError::OutOfRange)) => continue,
                (Err(e), _) | (_, Err(e)) => return unk(e.reason()),
            };
            match (eval::zero_test(&f), eval::zero_test(&h)) {
                (Decision::Equal, Decision::Equal) => agreed += 1,
                (Decision::Equal, Decision::NotEqual) | (Decision::NotEqual, Decision::Equal) => {
                    return ne("the relations are not equivalent (not proportional)");
                }
                (Decision::NotEqual, Decision::NotEqual) => {
                    let k = match eval::div(&f, &h, &mut self.budget) {
                        Ok(k) => k,
                        Err(e) => return unk(e.reason()),
                    };
                    if positive {
                        match k.ball() {
                            Ok(b) if b.is_real() && b.re + b.er < 0.0 => {
                                return ne("the inequalities point in opposite directions");
                            }
                            Ok(b) if b.is_real() && b.re - b.er > 0.0 => {}
                            Ok(_) => unsure = true,
                            Err(e) => return unk(e.reason()),
                        }
                    }
                    match &ratio {
                        None => {
                            ratio = Some(k);
                            agreed += 1;
                        }
                        Some(k0) => match decide(k0, &k) {
                            Decision::Equal => agreed += 1,
                            Decision::NotEqual => {
                                return ne("the relations are not equivalent (not proportional)");
                            }
                            Decision::Unknown(_) => unsure = true,
                        },
                    }
                }
                _ => unsure = true,
            }
        }
        if unsure || agreed == 0 {
            return unk("could not decide whether the relations are equivalent");
        }
        eq(if ratio.is_some() {
            "equivalent relations (proportional)"
        } else {
            "both relations are identities"
        })
    }
}

/// `x = 5` → `5`, `f(x) = 2x` → `2x`, `x \in S` → `S`.
pub(super) fn unassign(n: &Node) -> Option<&Node> {
    match n {
        Node::Relation(l, rest) if is_target(l) => match rest.as_slice() {
            [(Rel::Eq | Rel::In, r)] => Some(r),
            _ => None,
        },
        _ => None,
    }
}

/// Orients an inequality as `p > m` (strict) or `p >= m`.
fn orient<'n>((l, op, r): (&'n Node, Rel, &'n Node)) -> (&'n Node, bool, &'n Node) {
    match op {
        Rel::Lt | Rel::Le => (r, op == Rel::Lt, l),
        _ => (l, op == Rel::Gt, r),
    }
}

/// What an assignment assigns to: a variable, or a function applied to
/// variables (`f(x)` parses as the product `f \cdot x`).
fn is_target(n: &Node) -> bool {
    match n {
        Node::Var(_) => true,
        Node::Product(fs) => match fs.as_slice() {
            [(_, Node::Var(f)), (MulOp::Mul, arg)] => {
                matches!(&**f, "f" | "g" | "h" | "p" | "q" | "P" | "Q" | "F" | "G")
                    && matches!(arg, Node::Var(_) | Node::Tuple(_))
            }
            _ => false,
        },
        _ => false,
    }
}

fn mentions(n: &Node, var: &str) -> bool {
    let mut v = Vec::new();
    n.vars(&mut v);
    v.contains(&var)
}

fn chain<'n>(first: &'n Node, rest: &'n [(Rel, Node)]) -> Vec<(&'n Node, Rel, &'n Node)> {
    let mut out = Vec::with_capacity(rest.len());
    let mut prev = first;
    for (r, n) in rest {
        out.push((prev, *r, n));
        prev = n;
    }
    out
}
