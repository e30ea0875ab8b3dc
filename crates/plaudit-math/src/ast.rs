//! The parsed form of an answer.
//!
//! One tree covers scalars and structures alike (a tuple can appear where a
//! number was expected; the evaluator, not the parser, says that is not a
//! number). Sums and products are n-ary so long chains stay shallow: the
//! depth of the tree is bounded by the parser's nesting limit, which keeps
//! every recursive walk over it — evaluation, rendering, dropping — safe.

use crate::number::Rat;

/// A number literal as written: its exact value plus what the digits say
/// about precision (`0.50` has two decimal places and two significant digits).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Num {
    pub(crate) value: Rat,
    /// Digits after the decimal point; 0 for integers.
    pub(crate) frac_digits: u32,
    /// Significant digits as written (leading zeros excluded).
    pub(crate) sig_digits: u32,
    /// Written with a decimal point.
    pub(crate) decimal: bool,
    /// Digits under an overline (`0.1\overline{6}` has one), 0 when the
    /// decimal terminates. Such a value is exact, so `decimal` is false.
    pub(crate) repeat: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Const {
    Pi,
    E,
    I,
    Infinity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Sin,
    Cos,
    Tan,
    Sec,
    Csc,
    Cot,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    /// Natural logarithm written `\ln`.
    Ln,
    /// `\log` without a base; read as the natural logarithm, like sympy.
    Log,
    Exp,
    Abs,
    Floor,
    Ceil,
}

impl Func {
    pub(crate) fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" | "tg" => Func::Tan,
            "sec" => Func::Sec,
            "csc" | "cosec" => Func::Csc,
            "cot" | "ctg" => Func::Cot,
            "arcsin" | "asin" => Func::Asin,
            "arccos" | "acos" => Func::Acos,
            "arctan" | "atan" | "arctg" => Func::Atan,
            "sinh" => Func::Sinh,
            "cosh" => Func::Cosh,
            "tanh" => Func::Tanh,
            "ln" => Func::Ln,
            "log" | "lg" => Func::Log,
            "exp" => Func::Exp,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Sin => "\\sin",
            Func::Cos => "\\cos",
            Func::Tan => "\\tan",
            Func::Sec => "\\sec",
            Func::Csc => "\\csc",
            Func::Cot => "\\cot",
            Func::Asin => "\\arcsin",
            Func::Acos => "\\arccos",
            Func::Atan => "\\arctan",
            Func::Sinh => "\\sinh",
            Func::Cosh => "\\cosh",
            Func::Tanh => "\\tanh",
            Func::Ln => "\\ln",
            Func::Log => "\\log",
            Func::Exp => "\\exp",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
        }
    }

    /// `\sin^{-1}` means arcsin.
    pub(crate) fn inverse(self) -> Option<Func> {
        Some(match self {
            Func::Sin => Func::Asin,
            Func::Cos => Func::Acos,
            Func::Tan => Func::Atan,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sign {
    Plus,
    Minus,
    /// `\pm`: the answer stands for both choices.
    PlusMinus,
    MinusPlus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MulOp {
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `x \in S`.
    In,
}

impl Rel {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Rel::Eq => "=",
            Rel::Ne => "\\ne",
            Rel::Lt => "<",
            Rel::Le => "\\le",
            Rel::Gt => ">",
            Rel::Ge => "\\ge",
            Rel::In => "\\in",
        }
    }

    /// The same relation with its sides swapped (`a < b` is `b > a`).
    pub(crate) fn flipped(self) -> Rel {
        match self {
            Rel::Lt => Rel::Gt,
            Rel::Le => Rel::Ge,
            Rel::Gt => Rel::Lt,
            Rel::Ge => Rel::Le,
            r => r,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Interval {
    pub(crate) lo: Node,
    pub(crate) hi: Node,
    pub(crate) lo_closed: bool,
    pub(crate) hi_closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Num(Num),
    /// `1011_2`: digits as written and the base.
    Base {
        digits: Box<str>,
        base: u32,
        value: Rat,
    },
    Const(Const),
    /// A variable, by its canonical rendering (`x`, `\alpha`, `x_{1}`).
    Var(Box<str>),
    /// Words (`\text{Tuesday}`, `even`), spaces collapsed.
    Text(Box<str>),
    /// A multiple-choice letter.
    Choice(char),
    /// A multiple-choice letter with its option's content: `(D) 5`.
    Labeled(char, Box<Node>),
    Neg(Box<Node>),
    Sum(Vec<(Sign, Node)>),
    Product(Vec<(MulOp, Node)>),
    Frac(Box<Node>, Box<Node>),
    /// `2\frac{1}{3}`: the whole part and the fraction.
    Mixed(Box<Node>, Box<Node>),
    Pow(Box<Node>, Box<Node>),
    Root(Option<Box<Node>>, Box<Node>),
    Func(Func, Box<Node>),
    /// Logarithm with an explicit base: base, argument.
    LogBase(Box<Node>, Box<Node>),
    Factorial(Box<Node>),
    Binom(Box<Node>, Box<Node>),
    Percent(Box<Node>),
    Degrees(Box<Node>),
    Unit(Box<Node>, Box<str>),
    Tuple(Vec<Node>),
    /// A plain comma-separated list (`-2, 3`).
    List(Vec<Node>),
    Set(Vec<Node>),
    Interval(Box<Interval>),
    Union(Vec<Node>),
    Matrix {
        rows: usize,
        cols: usize,
        cells: Vec<Node>,
    },
    /// `a op b op c …`.
    Relation(Box<Node>, Vec<(Rel, Node)>),
}

impl Node {
    /// Visits every variable name, depth-first.
    pub(crate) fn vars<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Node::Var(v) => {
                if !out.contains(&&**v) {
                    out.push(v);
                }
            }
            _ => self.children(|c| c.vars(out)),
        }
    }

    /// Calls `f` on each direct child.
    pub(crate) fn children<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        match self {
            Node::Num(_)
            | Node::Base { .. }
            | Node::Const(_)
            | Node::Var(_)
            | Node::Text(_)
            | Node::Choice(_) => {}
            Node::Neg(a)
            | Node::Labeled(_, a)
            | Node::Func(_, a)
            | Node::Factorial(a)
            | Node::Percent(a)
            | Node::Degrees(a)
            | Node::Unit(a, _) => f(a),
            Node::Frac(a, b)
            | Node::Mixed(a, b)
            | Node::Pow(a, b)
            | Node::LogBase(a, b)
            | Node::Binom(a, b) => {
                f(a);
                f(b);
            }
            Node::Root(i, a) => {
                if let Some(i) = i {
                    f(i);
                }
                f(a);
            }
            Node::Sum(t) => t.iter().for_each(|(_, n)| f(n)),
            Node::Product(t) => t.iter().for_each(|(_, n)| f(n)),
            Node::Tuple(v) | Node::List(v) | Node::Set(v) | Node::Union(v) => v.iter().for_each(f),
            Node::Matrix { cells, .. } => cells.iter().for_each(f),
            Node::Interval(iv) => {
                f(&iv.lo);
                f(&iv.hi);
            }
            Node::Relation(first, rest) => {
                f(first);
                rest.iter().for_each(|(_, n)| f(n));
            }
        }
    }

    /// Whether any `\pm`/`\mp` occurs in this scalar.
    pub(crate) fn has_pm(&self) -> bool {
        match self {
            Node::Sum(t)
                if t.iter()
                    .any(|(s, _)| matches!(s, Sign::PlusMinus | Sign::MinusPlus)) =>
            {
                true
            }
            Node::Tuple(_)
            | Node::List(_)
            | Node::Set(_)
            | Node::Union(_)
            | Node::Matrix { .. } => false,
            _ => {
                let mut any = false;
                self.children(|c| any = any || c.has_pm());
                any
            }
        }
    }

    /// The kind of structure, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Text(_) => "text",
            Node::Choice(_) | Node::Labeled(..) => "choice",
            Node::Tuple(_) => "tuple",
            Node::List(_) => "list",
            Node::Set(_) => "set",
            Node::Interval(_) => "interval",
            Node::Union(_) => "union",
            Node::Matrix { .. } => "matrix",
            Node::Relation(..) => "relation",
            _ => "expression",
        }
    }

    pub(crate) fn is_structure(&self) -> bool {
        matches!(
            self,
            Node::Tuple(_)
                | Node::List(_)
                | Node::Set(_)
                | Node::Interval(_)
                | Node::Union(_)
                | Node::Matrix { .. }
        )
    }
}
