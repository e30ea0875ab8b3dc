//! Words and commands: functions, constants, Greek letters, text and units.
//!
//! A letter run is the hardest token to read: `sin` is a function, `cm` a
//! unit after a quantity, `even` a text answer, `xy` a product of two
//! variables. The rules here decide, in that order.

use super::{PResult, Parser, build_product, is_minus_one, letter_node};
use crate::ParseError;
use crate::ast::{Const, Func, Interval, MulOp, Node};
use crate::lexer::Tok;

/// Multi-letter words that are units when they follow a quantity.
fn is_unit(name: &str) -> bool {
    // A `match` compiles to a switch on length and a few compares, where
    // a slice scan compared against every entry.
    matches!(
        name,
        "cm" | "mm"
            | "km"
            | "ft"
            | "yd"
            | "mi"
            | "in"
            | "inch"
            | "inches"
            | "feet"
            | "foot"
            | "yard"
            | "yards"
            | "mile"
            | "miles"
            | "mph"
            | "kph"
            | "kg"
            | "mg"
            | "lb"
            | "lbs"
            | "pound"
            | "pounds"
            | "oz"
            | "ounce"
            | "ounces"
            | "sec"
            | "secs"
            | "second"
            | "seconds"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "hr"
            | "hrs"
            | "hour"
            | "hours"
            | "day"
            | "days"
            | "week"
            | "weeks"
            | "month"
            | "months"
            | "year"
            | "years"
            | "dollar"
            | "dollars"
            | "cent"
            | "cents"
            | "unit"
            | "units"
            | "sq"
            | "square"
            | "cubic"
            | "meter"
            | "meters"
            | "metre"
            | "metres"
            | "centimeter"
            | "centimeters"
            | "kilometer"
            | "kilometers"
            | "liter"
            | "liters"
            | "ml"
            | "degree"
            | "degrees"
            | "deg"
            | "percent"
            | "radians"
            | "rad"
            | "people"
            | "students"
            | "ways"
            | "points"
            | "times"
            | "km/h"
            | "gallons"
            | "gallon"
            | "mps"
    )
}

/// Short words that are answers rather than products of variables.
const TEXT_WORDS: &[&str] = &["no", "yes", "odd", "all", "not", "nil", "none"];

fn is_text_word(w: &str) -> bool {
    w.len() <= 4 && TEXT_WORDS.iter().any(|t| t.eq_ignore_ascii_case(w))
}

/// `\mathbb{R}` and "all real numbers" are the interval `(-\infty, \infty)`.
fn all_reals() -> Node {
    let inf = || Node::Const(Const::Infinity);
    Node::Interval(Box::new(Interval {
        lo: Node::Neg(Box::new(inf())),
        hi: inf(),
        lo_closed: false,
        hi_closed: false,
    }))
}

/// Phrases a reference or a model uses for the whole real line.
fn is_all_reals(text: &str) -> bool {
    const PHRASES: &[&str] = &[
        "all real numbers",
        "all reals",
        "all real values",
        "all real x",
        "every real number",
        "any real number",
        "the set of all real numbers",
        "real numbers",
    ];
    text.len() <= 27 && PHRASES.iter().any(|p| p.eq_ignore_ascii_case(text))
}

pub(super) fn is_greek(name: &str) -> bool {
    matches!(
        name,
        "alpha"
            | "beta"
            | "gamma"
            | "delta"
            | "epsilon"
            | "varepsilon"
            | "zeta"
            | "eta"
            | "theta"
            | "vartheta"
            | "iota"
            | "kappa"
            | "lambda"
            | "mu"
            | "nu"
            | "xi"
            | "rho"
            | "sigma"
            | "tau"
            | "upsilon"
            | "phi"
            | "varphi"
            | "chi"
            | "psi"
            | "omega"
            | "Gamma"
            | "Delta"
            | "Theta"
            | "Lambda"
            | "Xi"
            | "Sigma"
            | "Phi"
            | "Psi"
            | "Omega"
    )
}

impl<'a> Parser<'a> {
    pub(super) fn unit_ahead(&self) -> bool {
        match self.peek() {
            Some(Tok::Word { start, end, text }) => {
                let w = self.text(start, end);
                if w == "and" || w == "or" {
                    return false;
                }
                text || (w.len() > 1 && is_unit(w))
            }
            _ => false,
        }
    }

    pub(super) fn unit(&mut self) -> PResult<String> {
        let mut name = String::new();
        while let Some(Tok::Word { start, end, text }) = self.peek() {
            let w = self.text(start, end);
            if w == "and" || w == "or" || !(text || is_unit(w)) {
                break;
            }
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(w);
            self.bump();
            // `m^2`, `cm^{3}`: the power belongs to the unit.
            if self.peek() == Some(Tok::Sym('^')) {
                if let Some(Tok::Num { start, end, .. }) = self.peek_at(1) {
                    name.push('^');
                    name.push_str(self.text(start, end));
                    self.i += 2;
                } else if self.peek_at(1) == Some(Tok::Sym('{'))
                    && matches!(self.peek_at(2), Some(Tok::Num { .. }))
                    && self.peek_at(3) == Some(Tok::Sym('}'))
                {
                    if let Some(Tok::Num { start, end, .. }) = self.peek_at(2) {
                        name.push('^');
                        name.push_str(self.text(start, end));
                    }
                    self.i += 4;
                }
            }
            if self.peek() == Some(Tok::Sym('/'))
                && matches!(self.peek_at(1), Some(Tok::Word { .. }))
            {
                name.push('/');
                self.bump();
                if let Some(Tok::Word { start, end, .. }) = self.peek() {
                    name.push_str(self.text(start, end));
                    self.bump();
                }
            }
        }
        Ok(name)
    }

    pub(super) fn word(&mut self, start: usize, end: usize, text: bool) -> PResult<Node> {
        let w = self.text(start, end);
        if text {
            return self.text_words();
        }
        if let Some(f) = Func::from_name(w) {
            self.bump();
            return self.function(f);
        }
        match w {
            "pi" => {
                self.bump();
                return Ok(Node::Const(Const::Pi));
            }
            "infty" | "inf" | "infinity" => {
                self.bump();
                return Ok(Node::Const(Const::Infinity));
            }
            "sqrt" => {
                self.bump();
                return self.sqrt();
            }
            _ => {}
        }
        let letters = w.chars().count();
        if letters >= 4 || is_text_word(w) {
            return self.text_words();
        }
        Ok(self.split_letter(start, end))
    }

    /// Joins consecutive word tokens into one text answer. A separator word
    /// (`and`, `or`) cannot start one: it is an error where a value was
    /// expected, never an empty text.
    pub(super) fn text_words(&mut self) -> PResult<Node> {
        let mut out = String::new();
        while let Some(Tok::Word { start, end, text }) = self.peek() {
            let w = self.text(start, end);
            if w == "and" || w == "or" {
                break;
            }
            let texty = text || w.chars().count() >= 4 || is_text_word(w) || !out.is_empty();
            if !texty {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
            self.bump();
        }
        if out.is_empty() {
            return Err(self.error_here("a value"));
        }
        if is_all_reals(&out) {
            return Ok(all_reals());
        }
        Ok(Node::Text(out.into()))
    }

    pub(super) fn command(&mut self, name: &'a str) -> PResult<Node> {
        if let Some(f) = Func::from_name(name) {
            self.bump();
            return self.function(f);
        }
        if is_greek(name) {
            self.bump();
            return Ok(Node::Var(format!("\\{name}").into()));
        }
        match name {
            "frac" => self.nested(|p| {
                p.bump();
                let a = p.tex_arg()?;
                let b = p.tex_arg()?;
                Ok(Node::Frac(Box::new(a), Box::new(b)))
            }),
            "binom" => self.nested(|p| {
                p.bump();
                let a = p.tex_arg()?;
                let b = p.tex_arg()?;
                Ok(Node::Binom(Box::new(a), Box::new(b)))
            }),
            "sqrt" => {
                self.bump();
                self.sqrt()
            }
            "pi" => {
                self.bump();
                Ok(Node::Const(Const::Pi))
            }
            "infty" => {
                self.bump();
                Ok(Node::Const(Const::Infinity))
            }
            "imath" => {
                self.bump();
                Ok(Node::Const(Const::I))
            }
            "emptyset" => {
                self.bump();
                Ok(Node::Set(Vec::new()))
            }
            "Reals" => {
                self.bump();
                Ok(all_reals())
            }
            "{" => self.bracket('{'),
            "langle" => self.bracket('<'),
            "begin" => self.matrix(),
            "lfloor" | "lceil" => self.nested(|p| {
                p.bump();
                let inner = p.sum()?;
                let (close, f) = if name == "lfloor" {
                    ("rfloor", Func::Floor)
                } else {
                    ("rceil", Func::Ceil)
                };
                if p.peek() != Some(Tok::Cmd(close)) {
                    return Err(p.error_here("a closing floor or ceiling"));
                }
                p.bump();
                Ok(Node::Func(f, Box::new(inner)))
            }),
            // Decorations that do not change which quantity is meant.
            "vec" | "overline" | "bar" | "hat" | "mathring" | "overrightarrow" => {
                self.nested(|p| {
                    p.bump();
                    p.tex_arg()
                })
            }
            _ => Err(ParseError::UnknownCommand {
                name: name.to_string(),
                pos: self.pos(),
            }),
        }
    }

    pub(super) fn sqrt(&mut self) -> PResult<Node> {
        self.nested(|p| {
            let index = if p.peek() == Some(Tok::Sym('[')) {
                p.bump();
                let idx = p.sum()?;
                p.expect_sym(']', "`]` after a root index")?;
                Some(Box::new(idx))
            } else {
                None
            };
            let arg = p.tex_arg()?;
            Ok(Node::Root(index, Box::new(arg)))
        })
    }

    pub(super) fn function(&mut self, f: Func) -> PResult<Node> {
        self.nested(|p| {
            let mut power = None;
            let mut base = None;
            for _ in 0..2 {
                match p.peek() {
                    Some(Tok::Sym('^')) if power.is_none() => {
                        p.bump();
                        power = Some(p.tex_arg()?);
                    }
                    Some(Tok::Sym('_')) if base.is_none() && f == Func::Log => {
                        p.bump();
                        base = Some(p.tex_arg()?);
                    }
                    _ => break,
                }
            }
            let arg = match p.peek() {
                Some(Tok::Sym('(' | '[')) => p.primary()?,
                Some(Tok::Sym('{')) => p.group()?,
                _ => {
                    // `\sin 2x` is sin(2x); `\sin x \cos x` stops at the next function.
                    let first = if matches!(p.peek(), Some(Tok::Sym('-' | '+'))) {
                        p.unary()?
                    } else {
                        p.power()?
                    };
                    let mut factors = vec![(MulOp::Mul, first)];
                    while p.starts_operand()
                        && !p.at_function()
                        && !matches!(p.peek(), Some(Tok::Sym('(' | '[')))
                    {
                        factors.push((MulOp::Mul, p.power()?));
                    }
                    build_product(factors)
                }
            };
            let node = match base {
                Some(b) => Node::LogBase(Box::new(b), Box::new(arg)),
                None => Node::Func(f, Box::new(arg)),
            };
            Ok(match power {
                None => node,
                Some(e) if is_minus_one(&e) => match (f.inverse(), node) {
                    (Some(inv), Node::Func(_, arg)) => Node::Func(inv, arg),
                    (_, node) => Node::Pow(Box::new(node), Box::new(e)),
                },
                Some(e) => Node::Pow(Box::new(node), Box::new(e)),
            })
        })
    }

    pub(super) fn at_function(&self) -> bool {
        match self.peek() {
            Some(Tok::Cmd(c)) => Func::from_name(c).is_some(),
            Some(Tok::Word {
                start,
                end,
                text: false,
            }) => Func::from_name(self.text(start, end)).is_some(),
            _ => false,
        }
    }

    pub(super) fn known_word(&self, start: usize, end: usize) -> bool {
        let w = self.text(start, end);
        Func::from_name(w).is_some() || matches!(w, "pi" | "sqrt" | "infty" | "inf" | "infinity")
    }

    /// Takes the first letter of a math word as a variable, leaving the rest.
    pub(super) fn split_letter(&mut self, start: usize, end: usize) -> Node {
        let c = self
            .src
            .get(start..)
            .and_then(|s| s.chars().next())
            .unwrap_or('x');
        let next = start + c.len_utf8();
        if next < end {
            if let Some(t) = self.toks.get_mut(self.i) {
                t.tok = Tok::Word {
                    start: next,
                    end,
                    text: false,
                };
                t.pos = next;
            }
        } else {
            self.bump();
        }
        letter_node(c)
    }
}
