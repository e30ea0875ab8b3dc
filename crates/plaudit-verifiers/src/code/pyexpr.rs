//! Python expressions as a tree, parsed from the tokens of
//! [`pysyntax`](super::pysyntax) by recursive descent, never evaluated by
//! Python.
//!
//! The grammar is Python's expression grammar with its precedence (from
//! `or` down to `**`, calls, subscripts and attributes), minus what a test
//! literal never needs: lambdas, conditional expressions, comprehensions,
//! slices, starred arguments and `await`/`yield` are errors that name the
//! construct. Nesting is limited to [`MAX_DEPTH`] levels, so hostile input
//! cannot exhaust the stack.

use super::pysyntax::{StrPiece, Tok, Token};
use super::pyvalue::{MAX_DEPTH, PyValue};

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A literal: number, string, `True`, `False`, `None`.
    Const(PyValue),
    /// A name.
    Name(String),
    /// `value.attr`.
    Attr(Box<Expr>, String),
    /// `func(args, name=kwarg)`.
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
    },
    /// `value[index]`.
    Subscript(Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a and b and …` (`true`) or `a or b or …` (`false`).
    BoolOp(bool, Vec<Expr>),
    /// `a OP b OP c …`.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// A literal with no value here (an f-string…), and why.
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Neg,
    Pos,
    Invert,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtE => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

/// Words that cannot start or continue an expression here.
const KEYWORDS: [&str; 30] = [
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
];

/// A parser over the tokens of one logical line.
pub(crate) struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: usize,
}

type Result<T> = std::result::Result<T, String>;

impl<'t> Parser<'t> {
    pub(crate) fn new(toks: &'t [Token]) -> Self {
        Parser {
            toks,
            pos: 0,
            depth: 0,
        }
    }

    /// The next token, if any.
    pub(crate) fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    /// Whether every token has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn peek_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.peek_op(op);
        self.pos += usize::from(hit);
        hit
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.peek_kw(kw);
        self.pos += usize::from(hit);
        hit
    }

    fn expect_op(&mut self, op: &str) -> Result<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(format!("expected `{op}`, found {}", self.describe_next()))
        }
    }

    /// The next token, in words, for an error message.
    pub(crate) fn describe_next(&self) -> String {
        match self.peek() {
            None => "the end of the statement".into(),
            Some(Tok::Name(n)) => format!("`{n}`"),
            Some(Tok::Op(o)) => format!("`{o}`"),
            Some(Tok::Int(_) | Tok::Float(_) | Tok::Imaginary) => "a number".into(),
            Some(Tok::Str(_)) => "a string".into(),
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "an expression nested more than {MAX_DEPTH} levels deep"
            ));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn check_chain(&self, chain: usize) -> Result<()> {
        if self.depth + chain > MAX_DEPTH {
            return Err(format!(
                "an expression nested more than {MAX_DEPTH} levels deep"
            ));
        }
        Ok(())
    }

    /// One expression, stopping before a top-level `,`.
    pub(crate) fn expr(&mut self) -> Result<Expr> {
        if self.peek_kw("lambda") {
            return Err("a lambda".into());
        }
        if self.peek_kw("yield") || self.peek_kw("await") {
            return Err(format!("`{}`", self.describe_next().trim_matches('`')));
        }
        if self.peek_op("*") {
            return Err("a starred expression".into());
        }
        let e = self.or_test()?;
        if self.peek_kw("if") {
            return Err("a conditional expression (`x if c else y`)".into());
        }
        if self.peek_op(":=") {
            return Err("an assignment expression (`:=`)".into());
        }
        Ok(e)
    }

    /// Expressions separated by commas: one, or a tuple of several (a
    /// trailing comma makes a tuple too).
    pub(crate) fn expr_list(&mut self) -> Result<Expr> {
        let first = self.expr()?;
        if !self.peek_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_end() || self.peek_op("=") {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn or_test(&mut self) -> Result<Expr> {
        let first = self.and_test()?;
        if !self.peek_kw("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_kw("or") {
            items.push(self.and_test()?);
        }
        Ok(Expr::BoolOp(false, items))
    }

    fn and_test(&mut self) -> Result<Expr> {
        let first = self.not_test()?;
        if !self.peek_kw("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_kw("and") {
            items.push(self.not_test()?);
        }
        Ok(Expr::BoolOp(true, items))
    }

    fn not_test(&mut self) -> Result<Expr> {
        if self.eat_kw("not") {
            let inner = self.nested(Self::not_test)?;
            return Ok(Expr::Unary(UnaryOp::Not, Box::new(inner)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr> {
        let first = self.binary(0)?;
        let mut ops = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Tok::Op("==")) => CmpOp::Eq,
                Some(Tok::Op("!=")) => CmpOp::NotEq,
                Some(Tok::Op("<")) => CmpOp::Lt,
                Some(Tok::Op("<=")) => CmpOp::LtE,
                Some(Tok::Op(">")) => CmpOp::Gt,
                Some(Tok::Op(">=")) => CmpOp::GtE,
                Some(Tok::Name(n)) if n == "in" => CmpOp::In,
                Some(Tok::Name(n)) if n == "is" => {
                    self.pos += 1;
                    if self.peek_kw("not") {
                        self.pos += 1;
                        ops.push((CmpOp::IsNot, self.binary(0)?));
                    } else {
                        ops.push((CmpOp::Is, self.binary(0)?));
                    }
                    continue;
                }
                Some(Tok::Name(n))
                    if n == "not"
                        && matches!(self.toks.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Name(m)) if m == "in") =>
                {
                    self.pos += 2;
                    ops.push((CmpOp::NotIn, self.binary(0)?));
                    continue;
                }
                _ => break,
            };
            self.pos += 1;
            ops.push((op, self.binary(0)?));
        }
        Ok(if ops.is_empty() {
            first
        } else {
            Expr::Compare(Box::new(first), ops)
        })
    }

    /// The binary operators from `|` down to `*`, by precedence level.
    fn binary(&mut self, level: usize) -> Result<Expr> {
        const LEVELS: [&[(&str, BinOp)]; 6] = [
            &[("|", BinOp::BitOr)],
            &[("^", BinOp::BitXor)],
            &[("&", BinOp::BitAnd)],
            &[("<<", BinOp::LShift), (">>", BinOp::RShift)],
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            &[
                ("*", BinOp::Mul),
                ("/", BinOp::Div),
                ("//", BinOp::FloorDiv),
                ("%", BinOp::Mod),
                ("@", BinOp::MatMul),
            ],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.factor();
        };
        let mut left = self.binary(level + 1)?;
        let mut chain = 0;
        loop {
            let Some(&(_, op)) = ops.iter().find(|(sym, _)| self.peek_op(sym)) else {
                return Ok(left);
            };
            self.pos += 1;
            // `1 - 2 - 3 …` nests to the left: each link is a level.
            chain += 1;
            self.check_chain(chain)?;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn factor(&mut self) -> Result<Expr> {
        let op = match self.peek() {
            Some(Tok::Op("-")) => UnaryOp::Neg,
            Some(Tok::Op("+")) => UnaryOp::Pos,
            Some(Tok::Op("~")) => UnaryOp::Invert,
            _ => return self.power(),
        };
        self.pos += 1;
        let inner = self.nested(Self::factor)?;
        Ok(Expr::Unary(op, Box::new(inner)))
    }

    fn power(&mut self) -> Result<Expr> {
        let base = self.primary()?;
        if self.eat_op("**") {
            let exp = self.nested(Self::factor)?;
            return Ok(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr> {
        let mut e = self.atom()?;
        let mut chain = 0;
        loop {
            // `f(1)(2)…`, `a.b.c…` nest to the left: each link is a level.
            chain += 1;
            self.check_chain(chain)?;
            if self.eat_op("(") {
                e = self.nested(|p| p.call(e))?;
            } else if self.eat_op("[") {
                let index = self.nested(|p| {
                    if p.peek_op(":") {
                        return Err("a slice".to_owned());
                    }
                    let i = p.expr_list()?;
                    if p.peek_op(":") {
                        return Err("a slice".into());
                    }
                    p.expect_op("]")?;
                    Ok(i)
                })?;
                e = Expr::Subscript(Box::new(e), Box::new(index));
            } else if self.eat_op(".") {
                match self.peek() {
                    Some(Tok::Name(n)) => {
                        let n = n.clone();
                        self.pos += 1;
                        e = Expr::Attr(Box::new(e), n);
                    }
                    _ => {
                        return Err(format!(
                            "expected a name after `.`, found {}",
                            self.describe_next()
                        ));
                    }
                }
            } else {
                return Ok(e);
            }
        }
    }

    /// The arguments of a call whose `(` has been read.
    fn call(&mut self, func: Expr) -> Result<Expr> {
        let (mut args, mut kwargs) = (Vec::new(), Vec::new());
        while !self.eat_op(")") {
            if self.peek_op("*") || self.peek_op("**") {
                return Err("argument unpacking (`*args`, `**kwargs`)".into());
            }
            let keyword = match (self.peek(), self.toks.get(self.pos + 1).map(|t| &t.tok)) {
                (Some(Tok::Name(n)), Some(Tok::Op("="))) => Some(n.clone()),
                _ => None,
            };
            if let Some(name) = keyword {
                self.pos += 2;
                kwargs.push((name, self.expr()?));
            } else {
                if !kwargs.is_empty() {
                    return Err("a positional argument after a keyword argument".into());
                }
                args.push(self.expr()?);
                if self.peek_kw("for") || self.peek_kw("async") {
                    return Err("a generator expression".into());
                }
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(Expr::Call {
            func: Box::new(func),
            args,
            kwargs,
        })
    }

    /// The items of a bracketed display whose opening bracket has been
    /// read, up to `close`.
    fn items(&mut self, close: &str, first: Option<Expr>) -> Result<Vec<Expr>> {
        let mut items: Vec<Expr> = first.into_iter().collect();
        if !items.is_empty() && !self.eat_op(",") {
            self.expect_op(close)?;
            return Ok(items);
        }
        while !self.eat_op(close) {
            items.push(self.expr()?);
            if self.peek_kw("for") || self.peek_kw("async") {
                return Err("a comprehension".into());
            }
            if !self.eat_op(",") {
                self.expect_op(close)?;
                break;
            }
        }
        Ok(items)
    }

    fn atom(&mut self) -> Result<Expr> {
        let Some(tok) = self.peek() else {
            return Err("an expression is missing".into());
        };
        self.pos += 1;
        match tok {
            Tok::Name(n) => match n.as_str() {
                "True" => Ok(Expr::Const(PyValue::Bool(true))),
                "False" => Ok(Expr::Const(PyValue::Bool(false))),
                "None" => Ok(Expr::Const(PyValue::None)),
                n if KEYWORDS.contains(&n) => Err(format!("unexpected keyword `{n}`")),
                n => Ok(Expr::Name(n.to_owned())),
            },
            Tok::Int(i) => Ok(Expr::Const(PyValue::Int(i.clone()))),
            Tok::Float(f) => Ok(Expr::Const(PyValue::Float(*f))),
            Tok::Imaginary => Err("a complex number literal".into()),
            Tok::Str(first) => self.strings(first),
            Tok::Op("(") => self.nested(|p| {
                if p.eat_op(")") {
                    return Ok(Expr::Tuple(Vec::new()));
                }
                let first = p.expr()?;
                if p.peek_kw("for") || p.peek_kw("async") {
                    return Err("a generator expression".into());
                }
                if p.eat_op(")") {
                    return Ok(first);
                }
                Ok(Expr::Tuple(p.items(")", Some(first))?))
            }),
            Tok::Op("[") => self.nested(|p| Ok(Expr::List(p.items("]", None)?))),
            Tok::Op("{") => self.nested(Self::brace),
            Tok::Op("...") => Err("`...` (Ellipsis)".into()),
            _ => {
                self.pos -= 1;
                Err(format!("unexpected {}", self.describe_next()))
            }
        }
    }

    /// A dict or set display whose `{` has been read.
    fn brace(&mut self) -> Result<Expr> {
        if self.eat_op("}") {
            return Ok(Expr::Dict(Vec::new()));
        }
        if self.peek_op("**") {
            return Err("dict unpacking (`**`)".into());
        }
        let first = self.expr()?;
        if !self.eat_op(":") {
            if self.peek_kw("for") {
                return Err("a comprehension".into());
            }
            return Ok(Expr::Set(self.items("}", Some(first))?));
        }
        let mut pairs = vec![(first, self.expr()?)];
        if self.peek_kw("for") {
            return Err("a comprehension".into());
        }
        while self.eat_op(",") {
            if self.eat_op("}") {
                return Ok(Expr::Dict(pairs));
            }
            if self.peek_op("**") {
                return Err("dict unpacking (`**`)".into());
            }
            let k = self.expr()?;
            self.expect_op(":")?;
            pairs.push((k, self.expr()?));
        }
        self.expect_op("}")?;
        Ok(Expr::Dict(pairs))
    }

    /// Adjacent string literals, joined.
    fn strings(&mut self, first: &StrPiece) -> Result<Expr> {
        let mut pieces = vec![first];
        while let Some(Tok::Str(p)) = self.peek() {
            pieces.push(p);
            self.pos += 1;
        }
        if let Some(why) = pieces.iter().find_map(|p| match p {
            StrPiece::Unsupported(why) => Some(why),
            _ => None,
        }) {
            return Ok(Expr::Unsupported(why.clone()));
        }
        match first {
            StrPiece::Text(_) => {
                let mut s = String::new();
                for p in pieces {
                    match p {
                        StrPiece::Text(t) => s.push_str(t),
                        _ => return Err("bytes and str literals joined together".into()),
                    }
                }
                Ok(Expr::Const(PyValue::Str(s)))
            }
            StrPiece::Bytes(_) => {
                let mut b = Vec::new();
                for p in pieces {
                    match p {
                        StrPiece::Bytes(t) => b.extend_from_slice(t),
                        _ => return Err("bytes and str literals joined together".into()),
                    }
                }
                Ok(Expr::Const(PyValue::Bytes(b)))
            }
            StrPiece::Unsupported(_) => unreachable!("handled above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::pysyntax::logical_lines;

    fn parse(src: &str) -> std::result::Result<Expr, String> {
        let lines = logical_lines(src);
        let mut p = Parser::new(&lines[0].tokens);
        let e = p.expr_list()?;
        if !p.at_end() {
            return Err(format!("trailing {}", p.describe_next()));
        }
        Ok(e)
    }

    fn int(i: i64) -> Expr {
        Expr::Const(PyValue::Int(i.into()))
    }

    fn name(n: &str) -> Expr {
        Expr::Name(n.into())
    }

    #[test]
    fn precedence() {
        use BinOp::*;
        let b = |op, l, r| Expr::Binary(op, Box::new(l), Box::new(r));
        assert_eq!(
            parse("1 + 2 * 3").unwrap(),
            b(Add, int(1), b(Mul, int(2), int(3)))
        );
        assert_eq!(
            parse("1 - 2 - 3").unwrap(),
            b(Sub, b(Sub, int(1), int(2)), int(3))
        );
        assert_eq!(
            parse("2 ** 3 ** 2").unwrap(),
            b(Pow, int(2), b(Pow, int(3), int(2)))
        );
        assert_eq!(
            parse("-2 ** 2").unwrap(),
            Expr::Unary(UnaryOp::Neg, Box::new(b(Pow, int(2), int(2))))
        );
        assert_eq!(
            parse("2 ** -1").unwrap(),
            b(Pow, int(2), Expr::Unary(UnaryOp::Neg, Box::new(int(1))))
        );
        assert_eq!(
            parse("not a == b").unwrap(),
            Expr::Unary(
                UnaryOp::Not,
                Box::new(Expr::Compare(
                    Box::new(name("a")),
                    vec![(CmpOp::Eq, name("b"))]
                ))
            )
        );
        assert_eq!(
            parse("a is not None").unwrap(),
            Expr::Compare(
                Box::new(name("a")),
                vec![(CmpOp::IsNot, Expr::Const(PyValue::None))]
            )
        );
        assert_eq!(
            parse("a not in b").unwrap(),
            Expr::Compare(Box::new(name("a")), vec![(CmpOp::NotIn, name("b"))])
        );
    }

    #[test]
    fn displays_and_calls() {
        assert_eq!(parse("(1,)").unwrap(), Expr::Tuple(vec![int(1)]));
        assert_eq!(parse("(1)").unwrap(), int(1));
        assert_eq!(parse("()").unwrap(), Expr::Tuple(vec![]));
        assert_eq!(parse("1, 2,").unwrap(), Expr::Tuple(vec![int(1), int(2)]));
        assert_eq!(parse("[1, 2,]").unwrap(), Expr::List(vec![int(1), int(2)]));
        assert_eq!(parse("{}").unwrap(), Expr::Dict(vec![]));
        assert_eq!(
            parse("{1: 2,}").unwrap(),
            Expr::Dict(vec![(int(1), int(2))])
        );
        assert_eq!(parse("{1, 2}").unwrap(), Expr::Set(vec![int(1), int(2)]));
        assert_eq!(
            parse("'a' \"b\" '''c'''").unwrap(),
            Expr::Const(PyValue::Str("abc".into()))
        );
        assert_eq!(
            parse("f(1, x=2,)").unwrap(),
            Expr::Call {
                func: Box::new(name("f")),
                args: vec![int(1)],
                kwargs: vec![("x".into(), int(2))]
            }
        );
        assert_eq!(
            parse("math.isclose").unwrap(),
            Expr::Attr(Box::new(name("math")), "isclose".into())
        );
        assert_eq!(
            parse("f(x)[0]").unwrap(),
            Expr::Subscript(
                Box::new(Expr::Call {
                    func: Box::new(name("f")),
                    args: vec![name("x")],
                    kwargs: vec![]
                }),
                Box::new(int(0))
            )
        );
        assert_eq!(
            parse("f'{x}'").unwrap(),
            Expr::Unsupported("an f-string".into())
        );
    }

    #[test]
    fn unsupported_constructs_are_named() {
        #[rustfmt::skip]
        let cases = [
            ("lambda x: x", "a lambda"), ("[x for x in y]", "a comprehension"),
            ("{x: 1 for x in y}", "a comprehension"), ("{x for x in y}", "a comprehension"),
            ("f(x for x in y)", "a generator expression"), ("(x for x in y)", "a generator expression"),
            ("a if b else c", "a conditional expression (`x if c else y`)"), ("a[1:2]", "a slice"),
            ("f(*a)", "argument unpacking (`*args`, `**kwargs`)"), ("{**a}", "dict unpacking (`**`)"),
            ("1j", "a complex number literal"), ("...", "`...` (Ellipsis)"), ("f(a=1, 2)", "a positional argument after a keyword argument"),
            ("(x := 1)", "an assignment expression (`:=`)"), ("[1, 2", "expected `]`, found the end of the statement"),
            ("b'a' 'b'", "bytes and str literals joined together"), ("import", "unexpected keyword `import`"),
        ];
        for (src, want) in cases {
            assert_eq!(parse(src).unwrap_err(), want, "{src}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&deep).unwrap_err().contains("nested more than"));
        let deep = format!("{}1", "-".repeat(5000));
        assert!(parse(&deep).unwrap_err().contains("nested more than"));
        let deep = format!("{}1", "not ".repeat(5000));
        assert!(parse(&deep).unwrap_err().contains("nested more than"));
        for deep in [
            format!("1{}", " ** 1".repeat(5000)),
            format!("1{}", " - 1".repeat(5000)),
            format!("f{}", "(1)".repeat(5000)),
            format!("a{}", ".b".repeat(5000)),
        ] {
            assert!(parse(&deep).unwrap_err().contains("nested more than"));
        }
        assert!(parse(&format!("1{}", " - 1".repeat(MAX_DEPTH - 2))).is_ok());
        let ok = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok).is_ok());
        let ok = format!(
            "{}1{}",
            "f(".repeat(MAX_DEPTH / 2 - 1),
            ")".repeat(MAX_DEPTH / 2 - 1)
        );
        assert!(parse(&ok).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "[a-z0-9 '()\\[\\]{},:.*+/%<>=!-]{0,40}") {
            let lines = logical_lines(&src);
            if let Some(line) = lines.first() {
                let _ = Parser::new(&line.tokens).expr_list();
            }
        }
    }
}
