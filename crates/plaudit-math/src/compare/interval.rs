//! Intervals and unions, including the ones a relation stands for
//! (`x > 5` is `(5, \infty)`, `0 < x \le 3` is `(0, 3]`).

use super::{Cmp, Out, eq, match_unordered, ne, unk};
use crate::Equivalence;
use crate::ast::{Const, Node, Rel};

/// An interval endpoint.
#[derive(Debug, Clone, Copy)]
pub(super) enum End<'a> {
    NegInf,
    PosInf,
    At(&'a Node),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Iv<'a> {
    lo: End<'a>,
    hi: End<'a>,
    lo_closed: bool,
    hi_closed: bool,
}
impl Cmp<'_> {
    pub(super) fn interval_sets(&mut self, x: &[Iv<'_>], y: &[Iv<'_>]) -> Out {
        if x.len() != y.len() {
            return ne(format!(
                "different number of intervals: {} vs {}",
                x.len(),
                y.len()
            ));
        }
        if let ([p], [q]) = (x, y) {
            // One interval each: the endpoint's own reason says more.
            let out = self.interval(p, q);
            return match out.0 {
                Equivalence::Equal => eq("same interval"),
                _ => out,
            };
        }
        match match_unordered(x, y, |p, q| self.interval(p, q).0) {
            Ok(true) => eq("same intervals"),
            Ok(false) => unk("could not compare interval endpoints"),
            Err(_) => ne("no matching interval"),
        }
    }

    pub(super) fn interval(&mut self, p: &Iv<'_>, q: &Iv<'_>) -> Out {
        let lo = self.end(p.lo, p.lo_closed, q.lo, q.lo_closed);
        if lo.0 != Equivalence::Equal {
            return lo;
        }
        self.end(p.hi, p.hi_closed, q.hi, q.hi_closed)
    }

    pub(super) fn end(&mut self, a: End<'_>, ac: bool, b: End<'_>, bc: bool) -> Out {
        match (a, b) {
            // Closedness at infinity is a typo, not a different set.
            (End::NegInf, End::NegInf) | (End::PosInf, End::PosInf) => eq("same end"),
            (End::At(x), End::At(y)) => {
                if ac != bc {
                    return ne("an endpoint is open in one and closed in the other");
                }
                self.nodes(x, y)
            }
            _ => ne("one interval is unbounded where the other is not"),
        }
    }
}

pub(super) fn inf_sign(n: &Node) -> Option<bool> {
    match n {
        Node::Const(Const::Infinity) => Some(true),
        Node::Neg(x) => inf_sign(x).map(|s| !s),
        _ => None,
    }
}

fn end_of(n: &Node) -> End<'_> {
    match inf_sign(n) {
        Some(true) => End::PosInf,
        Some(false) => End::NegInf,
        None => End::At(n),
    }
}

/// The intervals a node stands for, when it stands for a union of intervals.
pub(super) fn intervals(n: &Node) -> Option<Vec<Iv<'_>>> {
    match n {
        Node::Interval(iv) => Some(vec![Iv {
            lo: end_of(&iv.lo),
            hi: end_of(&iv.hi),
            lo_closed: iv.lo_closed,
            hi_closed: iv.hi_closed,
        }]),
        Node::Tuple(t) if t.len() == 2 => Some(vec![Iv {
            lo: end_of(&t[0]),
            hi: end_of(&t[1]),
            lo_closed: false,
            hi_closed: false,
        }]),
        Node::Union(items) | Node::List(items) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(intervals(it)?);
            }
            Some(out)
        }
        Node::Relation(first, rest) => relation_interval(first, rest),
        _ => None,
    }
}

/// `x > 5`, `0 < x \le 3`, `x \in [1, 2)` as intervals of the one variable.
fn relation_interval<'n>(first: &'n Node, rest: &'n [(Rel, Node)]) -> Option<Vec<Iv<'n>>> {
    let is_var = |n: &Node| matches!(n, Node::Var(_));
    let constant = |n: &Node| !is_var(n) && !mentions_any(n);
    let bound = |op: Rel, c: &'n Node, var_on_left: bool| -> Iv<'n> {
        let op = if var_on_left { op } else { op.flipped() };
        match op {
            Rel::Lt | Rel::Le => Iv {
                lo: End::NegInf,
                hi: end_of(c),
                lo_closed: false,
                hi_closed: op == Rel::Le,
            },
            _ => Iv {
                lo: end_of(c),
                hi: End::PosInf,
                lo_closed: op == Rel::Ge,
                hi_closed: false,
            },
        }
    };
    let ineq = |op: Rel| matches!(op, Rel::Lt | Rel::Le | Rel::Gt | Rel::Ge);
    match rest {
        [(Rel::In, set)] if is_var(first) => intervals(set),
        [(op, c)] if ineq(*op) && is_var(first) && constant(c) => Some(vec![bound(*op, c, true)]),
        [(op, x)] if ineq(*op) && is_var(x) && constant(first) => {
            Some(vec![bound(*op, first, false)])
        }
        [(op1, x), (op2, c)]
            if ineq(*op1) && ineq(*op2) && is_var(x) && constant(first) && constant(c) =>
        {
            // One bound from each side, whatever the endpoints are:
            // `6 < x > 7` is not an interval, and `-\infty < x < 5` is one.
            let upper = |op: Rel, var_on_left: bool| {
                matches!(
                    if var_on_left { op } else { op.flipped() },
                    Rel::Lt | Rel::Le
                )
            };
            let left = bound(*op1, first, false);
            let right = bound(*op2, c, true);
            let (lo, hi) = match (upper(*op1, false), upper(*op2, true)) {
                (true, false) => (right, left),
                (false, true) => (left, right),
                _ => return None,
            };
            Some(vec![Iv {
                lo: lo.lo,
                lo_closed: lo.lo_closed,
                hi: hi.hi,
                hi_closed: hi.hi_closed,
            }])
        }
        _ => None,
    }
}

fn mentions_any(n: &Node) -> bool {
    let mut v = Vec::new();
    n.vars(&mut v);
    !v.is_empty()
}
