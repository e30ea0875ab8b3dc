//! Recursive-descent parser from tokens to [`Node`].
//!
//! Precedence, loosest first: list (`,` `;` "and") → union (`\cup`) →
//! relation chain (`=` `<` `\le` …) → sum (`+ - \pm`) → product (`\cdot`,
//! `/`, juxtaposition, trailing units) → unary sign → power and postfix
//! (`^` `!` `\%` `^\circ` `_base`) → primary.
//!
//! Every function that can recurse goes through [`Parser::nested`], which
//! caps the depth; loops that wrap a node (powers, postfix, units) are capped
//! too, so the tree's depth — and every later walk over it — stays bounded.

use crate::ParseError;
use crate::ast::{Const, Func, MulOp, Node, Num, Rel, Sign};
use crate::lexer::{Tok, Token, lex};

mod literal;
mod structure;
mod words;

use crate::number::Rat;
use words::is_greek;

/// Longest answer we parse, in bytes.
pub(crate) const MAX_LEN: usize = 8 * 1024;
/// Deepest nesting of brackets, groups, signs and function calls.
pub(crate) const MAX_DEPTH: usize = 64;
/// Postfix operators and superscripts on one operand (`5!!`, `x^2^3`).
const MAX_WRAPS: usize = 4;
const MAX_STEPS: u32 = 100_000;

/// Parses one answer into a tree.
///
/// The tree is also one whose canonical rendering parses again: the
/// rendering spells out what the source may abbreviate (`xy` is
/// `x \cdot y`, `\sin x` is `\sin(x)`, `x^2^3` is `(x^{2})^{3}`), so it can
/// be longer or nest deeper than the source. An answer whose rendering would
/// be refused by the length or depth cap is refused here too, with the same
/// error, rather than accepted in a form that cannot be written back.
pub(crate) fn parse_node(src: &str) -> Result<Node, ParseError> {
    let node = parse_source(src)?;
    // Cheap conservative tests first: a short, shallow tree renders to a
    // short, shallow answer. Only the rare rest is written out and read back.
    let long = src.len() > MAX_LEN / MAX_EXPANSION;
    if !long && render_depth_bound(&node) <= MAX_DEPTH {
        return Ok(node);
    }
    let rendered = crate::render::to_string(&node);
    match parse_source(&rendered) {
        Err(ParseError::TooLong { .. }) => Err(ParseError::TooLarge {
            what: "length",
            limit: MAX_LEN,
        }),
        Err(ParseError::TooDeep { limit, .. }) => Err(ParseError::TooLarge {
            what: "nesting",
            limit,
        }),
        Err(ParseError::Budget) => Err(ParseError::Budget),
        // Any other failure would be a rendering bug, which the property
        // tests and the fuzz target exist to find: keep the answer.
        _ => Ok(node),
    }
}

/// How many times longer than its source a rendering can be, at most, for
/// sources below `MAX_LEN / MAX_EXPANSION` bytes. The widest rendering per
/// source byte is `\R` (two bytes) as ` \cdot (-\infty, \infty)`: 12 times.
const MAX_EXPANSION: usize = 32;

/// An upper bound on the parser's nesting depth (calls to
/// [`Parser::nested`]) that reading back the rendering of `n` takes. Each
/// node's own rendering costs at most four levels around its children
/// (`\frac{…}`: the operand, the command, the argument and the group) and
/// one for its operand position; a variable's subscript was rendered into
/// its name, so each bracket, sign, script or command in the name is
/// charged as a node of its own.
fn render_depth_bound(n: &Node) -> usize {
    const PER_NODE: usize = 5;
    match n {
        Node::Var(v) => {
            let marks = v.bytes().filter(|b| b"{([|-+^_\\".contains(b)).count();
            PER_NODE * (1 + marks)
        }
        _ => {
            let mut deepest = 0;
            n.children(|c| deepest = deepest.max(render_depth_bound(c)));
            PER_NODE + deepest
        }
    }
}

/// Parses one answer as written, without looking at its rendering.
fn parse_source(src: &str) -> Result<Node, ParseError> {
    if src.len() > MAX_LEN {
        return Err(ParseError::TooLong {
            len: src.len(),
            limit: MAX_LEN,
        });
    }
    // A bare run of digits, a third of all answers, is read without lexing;
    // this is exactly what the full path would build for it.
    if !src.is_empty() && src.bytes().all(|b| b.is_ascii_digit()) {
        let p = Parser {
            src,
            toks: Vec::new(),
            i: 0,
            depth: 0,
            steps: 0,
            abs: 0,
        };
        return p.literal(0, src.len(), false).map(Node::Num);
    }
    let mut toks = lex(src)?;
    // A sentence-final period or comma is punctuation, not mathematics.
    while matches!(
        toks.last(),
        Some(Token {
            tok: Tok::Sym('.' | ',' | ';'),
            ..
        })
    ) {
        toks.pop();
    }
    if toks.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
        steps: 0,
        abs: 0,
    };
    if let Some(node) = p.labeled_choice() {
        return Ok(node);
    }
    let node = p.list()?;
    if let Some(t) = p.toks.get(p.i) {
        return Err(p.unexpected(t.tok, t.pos));
    }
    Ok(as_choice(node))
}

/// A lone capital letter, bare or in parentheses or `\text`, is a choice.
fn as_choice(node: Node) -> Node {
    let letter = match &node {
        Node::Var(v) | Node::Text(v) => single_upper(v),
        _ => None,
    };
    match letter {
        Some(c) => Node::Choice(c),
        None => node,
    }
}

pub(crate) fn single_upper(s: &str) -> Option<char> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) if c.is_ascii_uppercase() => Some(c),
        _ => None,
    }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token<'a>>,
    i: usize,
    depth: usize,
    steps: u32,
    /// Open `|…|` pairs: inside one, a `|` in operator position closes it.
    abs: usize,
}

type PResult<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.i).map(|t| t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<Tok<'a>> {
        self.toks.get(self.i + k).map(|t| t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.src.len(), |t| t.pos)
    }

    fn bump(&mut self) {
        self.i += 1;
    }

    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn unexpected(&self, tok: Tok<'_>, pos: usize) -> ParseError {
        let found = match tok {
            Tok::Num { start, end, .. } | Tok::Word { start, end, .. } => {
                self.text(start, end).to_string()
            }
            Tok::Cmd(c) => format!("\\{c}"),
            Tok::Sym(c) => c.to_string(),
            Tok::RowSep => "\\\\".to_string(),
        };
        ParseError::Unexpected { found, pos }
    }

    fn error_here(&self, expected: &'static str) -> ParseError {
        match self.toks.get(self.i) {
            Some(t) => self.unexpected(t.tok, t.pos),
            None => ParseError::UnexpectedEnd { expected },
        }
    }

    fn expect_sym(&mut self, c: char, expected: &'static str) -> PResult<()> {
        if self.peek() == Some(Tok::Sym(c)) {
            self.bump();
            Ok(())
        } else {
            Err(self.error_here(expected))
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::TooDeep {
                pos: self.pos(),
                limit: MAX_DEPTH,
            });
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(ParseError::Budget);
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn word_is(&self, k: usize, w: &str) -> bool {
        matches!(self.peek_at(k), Some(Tok::Word { start, end, .. }) if self.text(start, end) == w)
    }

    fn at_separator_word(&self) -> bool {
        self.word_is(0, "and") || self.word_is(0, "or")
    }

    fn at_closer(&self) -> bool {
        match self.peek() {
            // `|` closes only an open `|…|`; elsewhere it opens one (`1, |x|`).
            Some(Tok::Sym('|')) => self.abs > 0,
            tok => matches!(
                tok,
                None | Some(
                    Tok::Sym(')' | ']' | '}' | '&')
                        | Tok::Cmd("}" | "rangle" | "end" | "rfloor" | "rceil")
                        | Tok::RowSep
                )
            ),
        }
    }

    fn list(&mut self) -> PResult<Node> {
        let first = self.item()?;
        // Most answers are one item: no list, no allocation.
        if !matches!(self.peek(), Some(Tok::Sym(',' | ';'))) && !self.at_separator_word() {
            return Ok(first);
        }
        let mut items = vec![first];
        loop {
            match self.peek() {
                Some(Tok::Sym(',' | ';')) => self.bump(),
                _ if self.at_separator_word() => self.bump(),
                _ => break,
            }
            while self.at_separator_word() {
                self.bump();
            }
            if self.at_closer() {
                break;
            }
            items.push(self.item()?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Node::List(items)
        })
    }

    fn item(&mut self) -> PResult<Node> {
        let first = self.relation()?;
        if !self.at_union() {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.at_union() {
            self.bump();
            parts.push(self.relation()?);
        }
        Ok(Node::Union(parts))
    }

    fn at_union(&self) -> bool {
        match self.peek() {
            Some(Tok::Cmd("cup")) => true,
            Some(Tok::Word { text: false, .. }) => self.word_is(0, "U"),
            _ => false,
        }
    }

    fn relation(&mut self) -> PResult<Node> {
        let first = self.sum()?;
        let mut rest = Vec::new();
        loop {
            let rel = match self.peek() {
                Some(Tok::Sym('=')) => Rel::Eq,
                Some(Tok::Sym('<')) => Rel::Lt,
                Some(Tok::Sym('>')) => Rel::Gt,
                Some(Tok::Cmd("le")) => Rel::Le,
                Some(Tok::Cmd("ge")) => Rel::Ge,
                Some(Tok::Cmd("ne")) => Rel::Ne,
                Some(Tok::Cmd("in")) => Rel::In,
                Some(Tok::Cmd("approx" | "equiv" | "coloneqq")) => Rel::Eq,
                _ => break,
            };
            self.bump();
            // `x \in (0,1) \cup (2,3)`: the set after `\in` may be a union.
            let rhs = if rel == Rel::In {
                self.nested(Self::item)?
            } else {
                self.sum()?
            };
            rest.push((rel, rhs));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Relation(Box::new(first), rest)
        })
    }

    fn sum(&mut self) -> PResult<Node> {
        let first = self.product()?;
        let Some(mut sign) = self.sign_ahead() else {
            return Ok(first);
        };
        let mut terms = vec![(Sign::Plus, first)];
        loop {
            self.bump();
            terms.push((sign, self.product()?));
            match self.sign_ahead() {
                Some(s) => sign = s,
                None => return Ok(Node::Sum(terms)),
            }
        }
    }

    fn sign_ahead(&self) -> Option<Sign> {
        Some(match self.peek()? {
            Tok::Sym('+') => Sign::Plus,
            Tok::Sym('-') => Sign::Minus,
            Tok::Cmd("pm") => Sign::PlusMinus,
            Tok::Cmd("mp") => Sign::MinusPlus,
            _ => return None,
        })
    }

    fn product(&mut self) -> PResult<Node> {
        let first = self.unary()?;
        if self.product_ends() {
            return Ok(first);
        }
        let mut factors = vec![(MulOp::Mul, first)];
        let (mut units, mut wraps) = (0, 0);
        loop {
            match self.peek() {
                Some(Tok::Sym('*') | Tok::Cmd("cdot" | "times")) => {
                    self.bump();
                    factors.push((MulOp::Mul, self.unary()?));
                }
                // A ratio `3:1` is read as the quotient it stands for.
                Some(Tok::Sym('/' | ':') | Tok::Cmd("div")) => {
                    self.bump();
                    factors.push((MulOp::Div, self.unary()?));
                }
                // A percent sign after a factor that took no postfix (a
                // `\text{}` factor): how `Percent(Text)` renders.
                Some(Tok::Sym('%') | Tok::Cmd("%")) => {
                    // Each sign wraps the factor once more: capped like
                    // any other postfix, so the tree's depth stays bounded.
                    wraps += 1;
                    if wraps > MAX_WRAPS {
                        return Err(self.error_here("fewer postfix operators"));
                    }
                    self.bump();
                    if let Some((op, last)) = factors.pop() {
                        factors.push((op, Node::Percent(Box::new(last))));
                    }
                }
                _ if self.unit_ahead() => {
                    units += 1;
                    if units > 2 {
                        return Err(self.error_here("at most two units per quantity"));
                    }
                    let unit = self.unit()?;
                    let inner = build_product(std::mem::take(&mut factors));
                    let wrapped = match unit.as_str() {
                        "degree" | "degrees" | "deg" => Node::Degrees(Box::new(inner)),
                        "percent" => Node::Percent(Box::new(inner)),
                        _ => Node::Unit(Box::new(inner), unit.into()),
                    };
                    factors.push((MulOp::Mul, wrapped));
                }
                _ if self.starts_operand() => factors.push((MulOp::Mul, self.power()?)),
                _ => break,
            }
        }
        Ok(build_product(factors))
    }

    /// Whether nothing that [`product`](Self::product) would take follows.
    fn product_ends(&self) -> bool {
        !matches!(
            self.peek(),
            Some(Tok::Sym('*' | '/' | ':') | Tok::Cmd("cdot" | "times" | "div"))
        ) && !self.unit_ahead()
            && !self.starts_operand()
    }

    fn starts_operand(&self) -> bool {
        match self.peek() {
            Some(Tok::Num { .. }) => true,
            Some(Tok::Word { start, end, text }) => {
                let w = self.text(start, end);
                if text || w == "and" || w == "or" {
                    return false;
                }
                // `(1,2) U (3,4)`: a capital U between brackets is a union.
                !(w == "U" && matches!(self.peek_at(1), Some(Tok::Sym('(' | '[') | Tok::Cmd("{"))))
            }
            Some(Tok::Cmd(name)) => {
                matches!(
                    name,
                    "frac"
                        | "sqrt"
                        | "binom"
                        | "pi"
                        | "infty"
                        | "begin"
                        | "lfloor"
                        | "lceil"
                        | "langle"
                        | "imath"
                        | "vec"
                        | "overline"
                        | "bar"
                        | "hat"
                        | "Reals"
                ) || Func::from_name(name).is_some()
                    || is_greek(name)
            }
            Some(Tok::Sym('(' | '[' | '{')) => true,
            Some(Tok::Sym('|')) => self.abs == 0,
            _ => false,
        }
    }

    fn unary(&mut self) -> PResult<Node> {
        self.nested(|p| match p.peek() {
            Some(Tok::Sym('-')) => {
                p.bump();
                Ok(Node::Neg(Box::new(p.unary()?)))
            }
            Some(Tok::Sym('+')) => {
                p.bump();
                p.unary()
            }
            Some(Tok::Cmd(c @ ("pm" | "mp"))) => {
                p.bump();
                let sign = if c == "pm" {
                    Sign::PlusMinus
                } else {
                    Sign::MinusPlus
                };
                Ok(Node::Sum(vec![(sign, p.unary()?)]))
            }
            _ => p.power(),
        })
    }

    fn power(&mut self) -> PResult<Node> {
        let mut base = self.primary()?;
        let mut wraps = 0;
        loop {
            base = match self.peek() {
                Some(Tok::Sym('^')) => {
                    self.bump();
                    if self.degree_mark() {
                        Node::Degrees(Box::new(base))
                    } else {
                        Node::Pow(Box::new(base), Box::new(self.script_arg()?))
                    }
                }
                Some(Tok::Cmd("**")) => {
                    self.bump();
                    Node::Pow(Box::new(base), Box::new(self.unary()?))
                }
                Some(Tok::Sym('!')) => {
                    self.bump();
                    Node::Factorial(Box::new(base))
                }
                Some(Tok::Sym('%') | Tok::Cmd("%")) => {
                    self.bump();
                    Node::Percent(Box::new(base))
                }
                Some(Tok::Cmd("degree" | "circ")) => {
                    self.bump();
                    Node::Degrees(Box::new(base))
                }
                Some(Tok::Sym('_')) => {
                    self.bump();
                    let sub = self.script_arg()?;
                    self.subscript(base, sub)?
                }
                _ => return Ok(base),
            };
            wraps += 1;
            if wraps > MAX_WRAPS {
                return Err(self.error_here("fewer superscripts and postfix operators"));
            }
        }
    }

    /// Consumes `\circ` or `{\circ}` after a `^`.
    fn degree_mark(&mut self) -> bool {
        match (self.peek(), self.peek_at(1), self.peek_at(2)) {
            (Some(Tok::Cmd("circ")), ..) => {
                self.bump();
                true
            }
            (Some(Tok::Sym('{')), Some(Tok::Cmd("circ")), Some(Tok::Sym('}'))) => {
                self.i += 3;
                true
            }
            _ => false,
        }
    }

    /// A superscript or subscript. Unlike TeX, a run of digits is taken whole:
    /// `2^10` in an answer means 1024, never 2¹·0.
    fn script_arg(&mut self) -> PResult<Node> {
        match self.peek() {
            Some(Tok::Num {
                start,
                end,
                sep: false,
                sci: false,
                ..
            }) => {
                self.bump();
                Ok(Node::Num(self.literal(start, end, false)?))
            }
            _ => self.tex_arg(),
        }
    }

    /// One TeX argument: a braced group or a single character/command.
    fn tex_arg(&mut self) -> PResult<Node> {
        self.nested(|p| match p.peek() {
            Some(Tok::Sym('{')) => p.group(),
            Some(Tok::Num {
                start,
                end,
                sep: false,
                sci: false,
                ..
            }) if end - start > 1
                && p.src.as_bytes().get(start).is_some_and(u8::is_ascii_digit) =>
            {
                // `\frac12`, `x^23`: TeX takes one digit.
                let d = i64::from(p.src.as_bytes()[start] - b'0');
                if let Some(t) = p.toks.get_mut(p.i) {
                    t.tok = Tok::Num {
                        start: start + 1,
                        end,
                        sep: false,
                        exp: 0,
                        sci: false,
                    };
                    t.pos = start + 1;
                }
                Ok(int_node(d))
            }
            Some(Tok::Word {
                start,
                end,
                text: false,
            }) if end - start > 1 && !p.known_word(start, end) => Ok(p.split_letter(start, end)),
            Some(Tok::Sym('-')) => {
                p.bump();
                Ok(Node::Neg(Box::new(p.tex_arg()?)))
            }
            Some(Tok::Sym('+')) => {
                p.bump();
                p.tex_arg()
            }
            _ => p.primary(),
        })
    }

    fn group(&mut self) -> PResult<Node> {
        self.nested(|p| {
            p.expect_sym('{', "`{`")?;
            if p.peek() == Some(Tok::Sym('}')) {
                return Err(ParseError::Invalid {
                    what: "empty group",
                    pos: p.pos(),
                });
            }
            let saved = p.abs;
            p.abs = 0;
            let inner = p.list();
            p.abs = saved;
            let inner = inner?;
            p.expect_sym('}', "`}`")?;
            Ok(inner)
        })
    }

    fn primary(&mut self) -> PResult<Node> {
        let Some(tok) = self.peek() else {
            return Err(ParseError::UnexpectedEnd {
                expected: "a value",
            });
        };
        match tok {
            Tok::Num {
                start,
                end,
                sep,
                exp,
                sci,
            } => {
                self.bump();
                self.number(start, end, sep, exp, sci)
            }
            Tok::Word { start, end, text } => self.word(start, end, text),
            Tok::Cmd(name) => self.command(name),
            Tok::Sym('(') => self.bracket('('),
            Tok::Sym('[') => self.bracket('['),
            Tok::Sym('{') => self.group(),
            Tok::Sym('|') => self.nested(|p| {
                p.bump();
                p.abs += 1;
                let inner = p.sum();
                p.abs -= 1;
                let inner = inner?;
                p.expect_sym('|', "closing `|`")?;
                Ok(Node::Func(Func::Abs, Box::new(inner)))
            }),
            _ => Err(self.error_here("a value")),
        }
    }
}

fn is_minus_one(n: &Node) -> bool {
    matches!(n, Node::Neg(x) if matches!(&**x, Node::Num(v) if v.value == Rat::ONE))
}

pub(crate) fn is_infinite(n: &Node) -> bool {
    match n {
        Node::Const(Const::Infinity) => true,
        Node::Neg(x) => is_infinite(x),
        Node::Sum(t) if t.len() == 1 => is_infinite(&t[0].1),
        _ => false,
    }
}

fn build_product(mut factors: Vec<(MulOp, Node)>) -> Node {
    if factors.len() == 1 && factors[0].0 == MulOp::Mul {
        return factors.swap_remove(0).1;
    }
    Node::Product(factors)
}

pub(crate) fn int_node(v: i64) -> Node {
    Node::Num(Num {
        value: Rat::int(v),
        frac_digits: 0,
        sig_digits: 1,
        decimal: false,
        repeat: 0,
    })
}

fn letter_node(c: char) -> Node {
    match c {
        'e' => Node::Const(Const::E),
        'i' => Node::Const(Const::I),
        _ => Node::Var(c.to_string().into()),
    }
}
