//! Deciding whether two parsed answers are the same answer.
//!
//! The dispatch goes from the most specific reading to the most general:
//! identical trees; multiple-choice letters; text; intervals (which a
//! relation like `x > 5` can also stand for); relations and assignments;
//! `\pm` (expanded to the set of values it stands for); structures (tuples,
//! lists, sets, matrices); and finally scalars, which carry their annotations
//! (percent, degrees, units, bases) and are settled by value.
//!
//! Scalar values with free variables are compared at a handful of rational
//! sample points (the same for both sides, sorted by variable name so the
//! comparison is symmetric); they are equal only if they agree at every
//! point where both are defined.

use std::borrow::Cow;

use crate::ast::Node;
use crate::eval::{self, Budget, Decision, Env, EvalError, Value, decide, eval, show};
use crate::number::Rat;
use crate::parser::is_infinite;
use crate::{Equivalence, Policy};

mod expand;
mod interval;
mod relation;

use expand::expand_pm;
use interval::{inf_sign, intervals};
use relation::unassign;

pub(crate) type Out = (Equivalence, Cow<'static, str>);

fn eq(r: impl Into<Cow<'static, str>>) -> Out {
    (Equivalence::Equal, r.into())
}

fn ne(r: impl Into<Cow<'static, str>>) -> Out {
    (Equivalence::NotEqual, r.into())
}

fn unk(r: impl Into<Cow<'static, str>>) -> Out {
    (Equivalence::Unknown, r.into())
}

/// Matches two equally long collections whose order does not count: each
/// element of `x` takes the first unused element of `y` that `same` calls
/// equal. `Ok(true)`: every element found its match; `Ok(false)`: some
/// comparison was undecidable; `Err(p)`: `p` has no match, and nothing it
/// was compared with was undecidable.
fn match_unordered<'x, P, Q>(
    x: &'x [P],
    y: &[Q],
    mut same: impl FnMut(&P, &Q) -> Equivalence,
) -> Result<bool, &'x P> {
    let mut used = vec![false; y.len()];
    let mut unsure = false;
    for p in x {
        let mut found = false;
        for (k, q) in y.iter().enumerate() {
            if used[k] {
                continue;
            }
            match same(p, q) {
                Equivalence::Equal => {
                    used[k] = true;
                    found = true;
                    break;
                }
                Equivalence::Unknown => unsure = true,
                Equivalence::NotEqual => {}
            }
        }
        if !found && !unsure {
            return Err(p);
        }
    }
    Ok(!unsure)
}

/// Sample points: positive, non-integer, distinct rationals. Positive so that
/// `\sqrt{1/n}` and `1/\sqrt{n}` agree (the usual implicit domain of an
/// answer with radicals); rational so polynomial answers compare exactly.
const POINTS: [(i64, i64); 17] = [
    (7, 5),
    (13, 8),
    (9, 7),
    (11, 4),
    (17, 10),
    (5, 3),
    (23, 9),
    (19, 11),
    (3, 7),
    (29, 12),
    (31, 13),
    (2, 3),
    (37, 15),
    (41, 17),
    (8, 11),
    (43, 18),
    (47, 20),
];
/// Points at which two answers must agree to be called equal.
const WANT_POINTS: usize = 4;
const MAX_TRIES: usize = 10;
const MAX_VARS: usize = 16;

/// How an annotated side's value is scaled before comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    One,
    Percent,
    DegToRad,
}

pub(crate) struct Cmp<'p> {
    policy: &'p Policy,
    budget: Budget,
}

impl<'p> Cmp<'p> {
    pub(crate) fn new(policy: &'p Policy) -> Self {
        Cmp {
            policy,
            budget: Budget::new(Budget::DEFAULT),
        }
    }

    pub(crate) fn nodes(&mut self, g: &Node, a: &Node) -> Out {
        if g == a {
            return eq("identical");
        }
        if self.budget.spend(50).is_err() {
            return unk(EvalError::Budget.reason());
        }
        if let Some(out) = self.choice(g, a) {
            return out;
        }
        if matches!(g, Node::Text(_)) || matches!(a, Node::Text(_)) {
            return text(g, a);
        }
        let interval_like = |n: &Node| matches!(n, Node::Interval(_) | Node::Union(_));
        // `(6, 7)` is a point or an open interval; against an inequality it
        // can only be the interval (`6 < x < 7`).
        let pair = |n: &Node| matches!(n, Node::Tuple(t) if t.len() == 2);
        let relation = |n: &Node| matches!(n, Node::Relation(..));
        if (interval_like(g)
            || interval_like(a)
            || (pair(g) && relation(a))
            || (relation(g) && pair(a)))
            && let (Some(x), Some(y)) = (intervals(g), intervals(a))
        {
            return self.interval_sets(&x, &y);
        }
        match (g, a) {
            (Node::Relation(..), Node::Relation(..)) => return self.relations(g, a),
            (Node::Relation(..), _) | (_, Node::Relation(..)) => {
                let (gu, au) = (unassign(g), unassign(a));
                if self.policy.allow_assignment && (gu.is_some() || au.is_some()) {
                    return self.nodes(gu.unwrap_or(g), au.unwrap_or(a));
                }
                return ne(format!("different kinds: {} vs {}", g.kind(), a.kind()));
            }
            _ => {}
        }
        if g.has_pm() || a.has_pm() {
            let g2 = if g.has_pm() {
                expand_pm(g).map(Node::Set)
            } else {
                Some(g.clone())
            };
            let a2 = if a.has_pm() {
                expand_pm(a).map(Node::Set)
            } else {
                Some(a.clone())
            };
            return match (g2, a2) {
                (Some(g2), Some(a2)) => self.nodes(&g2, &a2),
                _ => unk("\\pm in a position that cannot be expanded"),
            };
        }
        if g.is_structure() || a.is_structure() {
            return self.structures(g, a);
        }
        self.scalars(g, a)
    }

    fn choice(&mut self, g: &Node, a: &Node) -> Option<Out> {
        let is_choice = |n: &Node| matches!(n, Node::Choice(_) | Node::Labeled(..));
        if !is_choice(g) && !is_choice(a) {
            return None;
        }
        let letter = |n: &Node| match n {
            Node::Choice(c) | Node::Labeled(c, _) => Some(*c),
            Node::Var(v) | Node::Text(v) => crate::parser::single_upper(v),
            _ => None,
        };
        Some(match (letter(g), letter(a), g, a) {
            (Some(x), Some(y), ..) if x == y && self.policy.multiple_choice => eq("same choice"),
            (Some(x), Some(y), ..) => ne(format!("different choices: {x} vs {y}")),
            // `(D) 5` against `5`: the option's content is the answer.
            (_, _, Node::Labeled(_, c), other) => self.nodes(c, other),
            (_, _, other, Node::Labeled(_, c)) => self.nodes(other, c),
            _ => ne(format!("different kinds: {} vs {}", g.kind(), a.kind())),
        })
    }

    fn structures(&mut self, g: &Node, a: &Node) -> Out {
        use Node::{List, Matrix, Set, Tuple};
        match (g, a) {
            (Tuple(x), Tuple(y)) | (List(x), Tuple(y)) | (Tuple(x), List(y)) => self.ordered(x, y),
            (
                Matrix {
                    rows: r1,
                    cols: c1,
                    cells: x,
                },
                Matrix {
                    rows: r2,
                    cols: c2,
                    cells: y,
                },
            ) => {
                if (r1, c1) != (r2, c2) {
                    return ne(format!("matrix shapes differ: {r1}x{c1} vs {r2}x{c2}"));
                }
                self.ordered(x, y)
            }
            (Matrix { rows, cols, cells }, Tuple(t)) | (Tuple(t), Matrix { rows, cols, cells })
                if *rows == 1 || *cols == 1 =>
            {
                self.ordered(cells, t)
            }
            (List(x), List(y)) if !self.policy.unordered_lists => self.ordered(x, y),
            (List(x), List(y)) => self.unordered(x, y, false),
            (Set(x), Set(y)) | (Set(x), List(y)) | (List(x), Set(y)) => self.unordered(x, y, true),
            (List(x) | Set(x), other) if x.len() == 1 && !other.is_structure() => {
                self.nodes(&x[0], other)
            }
            (other, List(y) | Set(y)) if y.len() == 1 && !other.is_structure() => {
                self.nodes(other, &y[0])
            }
            _ => ne(format!("different kinds: {} vs {}", g.kind(), a.kind())),
        }
    }

    fn ordered(&mut self, x: &[Node], y: &[Node]) -> Out {
        if x.len() != y.len() {
            return ne(format!("different lengths: {} vs {}", x.len(), y.len()));
        }
        let mut unsure = None;
        for (k, (p, q)) in x.iter().zip(y).enumerate() {
            let (e, r) = self.nodes(p, q);
            match e {
                Equivalence::Equal => {}
                Equivalence::NotEqual => return ne(format!("element {}: {r}", k + 1)),
                Equivalence::Unknown => unsure = Some(format!("element {}: {r}", k + 1)),
            }
        }
        match unsure {
            Some(r) => unk(r),
            None => eq("equal element by element"),
        }
    }

    fn dedup<'n>(&mut self, items: &'n [Node]) -> Vec<&'n Node> {
        let mut out: Vec<&Node> = Vec::with_capacity(items.len());
        for it in items {
            if !out
                .iter()
                .any(|o| self.nodes(o, it).0 == Equivalence::Equal)
            {
                out.push(it);
            }
        }
        out
    }

    fn unordered(&mut self, x: &[Node], y: &[Node], set: bool) -> Out {
        let (x, y): (Vec<&Node>, Vec<&Node>) = if set {
            (self.dedup(x), self.dedup(y))
        } else {
            (x.iter().collect(), y.iter().collect())
        };
        if x.len() != y.len() {
            return ne(format!(
                "different number of elements: {} vs {}",
                x.len(),
                y.len()
            ));
        }
        match match_unordered(&x, &y, |p, q| self.nodes(p, q).0) {
            Ok(true) => eq("same elements"),
            Ok(false) => unk("could not match every element"),
            Err(p) => ne(format!(
                "no match for {p}",
                p = crate::Answer::display_node(p)
            )),
        }
    }

    fn scalars(&mut self, g: &Node, a: &Node) -> Out {
        use Node::{Base, Degrees, Percent, Unit};
        match (g, a) {
            (Percent(x), Percent(y)) | (Degrees(x), Degrees(y)) | (Unit(x, _), Unit(y, _)) => {
                return self.nodes(x, y);
            }
            (Unit(x, _), y) | (y, Unit(x, _)) => {
                return if self.policy.allow_dropped_units {
                    self.nodes(x, y)
                } else {
                    ne("a unit is missing")
                };
            }
            (Percent(x), y) => return self.annotated(x, Scale::Percent, y, true),
            (y, Percent(x)) => return self.annotated(x, Scale::Percent, y, false),
            (Degrees(x), y) => return self.annotated(x, Scale::DegToRad, y, true),
            (y, Degrees(x)) => return self.annotated(x, Scale::DegToRad, y, false),
            (Base { digits, .. }, Node::Num(n)) | (Node::Num(n), Base { digits, .. }) => {
                let same = !n.decimal
                    && n.value
                        .to_bigint()
                        .is_some_and(|v| v.to_string() == **digits);
                return match (same, self.policy.allow_dropped_base) {
                    (true, true) => eq("same digits (base subscript dropped)"),
                    (true, false) => ne("the base subscript is missing"),
                    _ => ne("different digits"),
                };
            }
            _ => {}
        }
        if is_infinite(g) || is_infinite(a) {
            return match (inf_sign(g), inf_sign(a)) {
                (Some(x), Some(y)) if x == y => eq("same infinity"),
                _ => ne("infinite vs finite or opposite infinities"),
            };
        }
        if !self.policy.allow_unreduced_fractions && unreduced(a) && !unreduced(g) {
            return ne("the fraction is not in lowest terms");
        }
        self.values(g, Scale::One, a, Scale::One)
    }

    /// A percent or degree value against a plain one: as the bare number, or
    /// scaled (÷100, ×π/180), as the policy allows. `gold_side` keeps the
    /// roles straight for the asymmetric decimal rule.
    fn annotated(&mut self, inner: &Node, scale: Scale, other: &Node, gold_side: bool) -> Out {
        let (as_number, scaled) = match scale {
            Scale::Percent => (
                self.policy.percent_as_number,
                self.policy.percent_as_fraction,
            ),
            _ => (
                self.policy.degrees_as_number,
                self.policy.degrees_as_radians,
            ),
        };
        let mut best = ne(if scale == Scale::Percent {
            "a percentage vs a plain number (not allowed by the policy)"
        } else {
            "degrees vs a plain number (not allowed by the policy)"
        });
        for (allowed, s) in [(as_number, Scale::One), (scaled, scale)] {
            if !allowed {
                continue;
            }
            let out = if gold_side {
                if s == Scale::One {
                    self.nodes(inner, other)
                } else {
                    self.values(inner, s, other, Scale::One)
                }
            } else if s == Scale::One {
                self.nodes(other, inner)
            } else {
                self.values(other, Scale::One, inner, s)
            };
            match out.0 {
                Equivalence::Equal => return out,
                Equivalence::Unknown => best = out,
                Equivalence::NotEqual if best.0 != Equivalence::Unknown => best = out,
                Equivalence::NotEqual => {}
            }
        }
        best
    }

    fn value_at(&mut self, n: &Node, s: Scale, env: &Env<'_>) -> Result<Value, EvalError> {
        let v = eval(n, env, &mut self.budget)?;
        match s {
            Scale::One => Ok(v),
            Scale::Percent => eval::div(&v, &Value::real(Rat::int(100)), &mut self.budget),
            Scale::DegToRad => {
                let v = eval::mul(
                    &v,
                    &Value::Approx(crate::ball::Ball::pi()),
                    &mut self.budget,
                )?;
                eval::div(&v, &Value::real(Rat::int(180)), &mut self.budget)
            }
        }
    }

    fn values(&mut self, g: &Node, gs: Scale, a: &Node, as_: Scale) -> Out {
        let vars = sorted_vars(&[g, a]);
        if vars.is_empty() {
            let env = Env::default();
            let (vg, va) = match (self.value_at(g, gs, &env), self.value_at(a, as_, &env)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => return unk(e.reason()),
            };
            let d = decide(&vg, &va);
            if d == Decision::Equal {
                let exact = matches!((&vg, &va), (Value::Exact(_), Value::Exact(_)));
                return eq(if exact {
                    "equal as exact rationals"
                } else if eval::beyond_range(&vg, &va) {
                    "equal as exact powers"
                } else {
                    "equal to 1e-11 (certified numeric)"
                });
            }
            if let Some(out) = self.rounded(g, gs, &vg, a, as_, &va) {
                return out;
            }
            return match d {
                Decision::NotEqual => ne(format!(
                    "{}: {} vs {}",
                    eval::difference(&vg, &va),
                    show(&vg),
                    show(&va)
                )),
                Decision::Unknown(e) => unk(e.reason()),
                Decision::Equal => eq("equal"),
            };
        }
        if vars.len() > MAX_VARS {
            return unk("too many variables");
        }
        let (mut agreed, mut unsure) = (0usize, None);
        for t in 0..MAX_TRIES {
            if agreed >= WANT_POINTS {
                break;
            }
            let env = point(&vars, t);
            let (vg, va) = match (self.value_at(g, gs, &env), self.value_at(a, as_, &env)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(EvalError::Undefined | EvalError::OutOfRange), _)
                | (_, Err(EvalError::Undefined | EvalError::OutOfRange)) => continue,
                (Err(e), _) | (_, Err(e)) => return unk(e.reason()),
            };
            match decide(&vg, &va) {
                Decision::Equal => agreed += 1,
                Decision::NotEqual => {
                    let at: Vec<String> =
                        env.vars.iter().map(|(n, v)| format!("{n} = {v}")).collect();
                    return ne(format!(
                        "differ at {}: {} vs {}",
                        at.join(", "),
                        show(&vg),
                        show(&va)
                    ));
                }
                Decision::Unknown(e) => unsure = Some(e),
            }
        }
        match unsure {
            Some(e) => unk(e.reason()),
            None if agreed == 0 => unk("undefined at every sample point"),
            None => eq(format!("equal at {agreed} sample points")),
        }
    }

    /// The decimal rule: a decimal equals a non-decimal value that it rounds.
    fn rounded(
        &mut self,
        g: &Node,
        gs: Scale,
        vg: &Value,
        a: &Node,
        as_: Scale,
        va: &Value,
    ) -> Option<Out> {
        if !self.policy.accept_rounded_decimals {
            return None;
        }
        let places = |n: &Node, s: Scale| -> Option<(u32, u32)> {
            let (k, sig) = decimal_literal(n)?;
            match s {
                Scale::One => Some((k, sig)),
                Scale::Percent => Some((k + 2, sig)),
                Scale::DegToRad => None,
            }
        };
        let (gd, ad) = (places(g, gs), places(a, as_));
        let (k, sig, who) = match (gd, ad) {
            (None, Some((k, sig))) => (k, sig, "the answer is the reference"),
            (Some((k, sig)), None) => (k, sig, "the reference is the answer"),
            _ => return None,
        };
        if sig < self.policy.min_significant_digits {
            return None;
        }
        let half = Rat::pow10(k)
            .ok()
            .and_then(|p| Rat::ONE.div(&p.mul(&Rat::int(2)).ok()?).ok())?;
        let diff = eval::sub(vg, va, &mut self.budget).ok()?;
        match eval::abs_at_most(&diff, &half) {
            Some(true) => Some(eq(format!("{who} rounded to {k} decimal places"))),
            _ => None,
        }
    }
}

fn text(g: &Node, a: &Node) -> Out {
    let key = |n: &Node| -> String {
        let s = match n {
            Node::Text(t) => t.to_string(),
            other => crate::Answer::display_node(other),
        };
        // Command names (`\cdot`, `\text`) are markup, not words.
        let mut out = String::new();
        let mut in_command = false;
        for c in s.chars() {
            if c == '\\' {
                in_command = true;
            } else if in_command && c.is_ascii_alphabetic() {
                continue;
            } else {
                in_command = false;
                if c.is_alphanumeric() {
                    out.extend(c.to_lowercase());
                }
            }
        }
        out
    };
    let (x, y) = (key(g), key(a));
    if !x.is_empty() && x == y {
        eq("same text")
    } else {
        ne(format!("different text: {x:?} vs {y:?}"))
    }
}

fn sorted_vars<'n>(nodes: &[&'n Node]) -> Vec<&'n str> {
    let mut v = Vec::new();
    for n in nodes {
        n.vars(&mut v);
    }
    v.sort_unstable();
    v
}

fn point<'n>(vars: &[&'n str], t: usize) -> Env<'n> {
    let vars = vars
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let (p, q) = POINTS[(t * 5 + j * 3) % POINTS.len()];
            (*name, Rat::ratio_signed(i128::from(p), i128::from(q)))
        })
        .collect();
    Env { vars }
}

fn decimal_literal(n: &Node) -> Option<(u32, u32)> {
    match n {
        Node::Num(num) if num.decimal => Some((num.frac_digits, num.sig_digits)),
        Node::Neg(x) => decimal_literal(x),
        _ => None,
    }
}

fn unreduced(n: &Node) -> bool {
    match n {
        Node::Neg(x) => unreduced(x),
        Node::Frac(p, q) => match (&**p, &**q) {
            (Node::Num(p), Node::Num(q)) if !p.decimal && !q.decimal && !q.value.is_zero() => p
                .value
                .div(&q.value)
                .is_ok_and(|v| v.denominator() != q.value.abs()),
            _ => false,
        },
        _ => false,
    }
}
