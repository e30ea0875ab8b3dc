//! Bracketed structures: groups, tuples, intervals, sets and matrices, and
//! the bracketed letter that labels a multiple-choice option.

use super::words::is_greek;
use super::{PResult, Parser, is_infinite, single_upper};
use crate::ParseError;
use crate::ast::{Const, Func, Interval, Node};
use crate::lexer::{Tok, Token};

impl Parser<'_> {
    /// `(D) 5` or `\text{(D) } 5`: a choice letter (A to J) labelling its
    /// option. The option must start like a value, so `(A)(B)` and
    /// `(A) \cup (B)` keep their usual readings, and must parse on its own.
    pub(super) fn labeled_choice(&mut self) -> Option<Node> {
        let letter = match self.toks.as_slice() {
            [
                Token {
                    tok: Tok::Sym('('), ..
                },
                Token {
                    tok: Tok::Word { start, end, .. },
                    ..
                },
                Token {
                    tok: Tok::Sym(')'), ..
                },
                next,
                ..,
            ] => {
                let starts_value = match next.tok {
                    Tok::Num { .. } | Tok::Sym('-') => true,
                    Tok::Word { start, end, .. } => !matches!(self.text(start, end), "and" | "or"),
                    Tok::Cmd(c) => {
                        matches!(
                            c,
                            "frac" | "sqrt" | "pi" | "infty" | "{" | "begin" | "imath"
                        ) || Func::from_name(c).is_some()
                            || is_greek(c)
                    }
                    _ => false,
                };
                single_upper(self.text(*start, *end))
                    .filter(|c| ('A'..='J').contains(c) && starts_value)?
            }
            _ => return None,
        };
        // `(A) 5, (B) 6` hedges between options: not one choice.
        let another = self.toks.windows(3).skip(1).any(|w| {
            matches!(
                w,
                [
                    Token {
                        tok: Tok::Sym('('),
                        ..
                    },
                    Token {
                        tok: Tok::Word { start, end, .. },
                        ..
                    },
                    Token {
                        tok: Tok::Sym(')'),
                        ..
                    },
                ] if single_upper(self.text(*start, *end)).is_some()
            )
        });
        if another {
            return None;
        }
        self.i = 3;
        match self.list() {
            Ok(content) if self.i == self.toks.len() => {
                Some(Node::Labeled(letter, Box::new(content)))
            }
            _ => {
                // Not an option after all: read the whole answer as usual.
                self.i = 0;
                self.depth = 0;
                self.abs = 0;
                None
            }
        }
    }

    pub(super) fn bracket(&mut self, open: char) -> PResult<Node> {
        self.nested(|p| {
            let open_pos = p.pos();
            p.bump();
            let saved = p.abs;
            p.abs = 0;
            let r = p.bracket_items(open, open_pos);
            p.abs = saved;
            r
        })
    }

    pub(super) fn bracket_items(&mut self, open: char, open_pos: usize) -> PResult<Node> {
        let mut items = Vec::new();
        let empty = matches!(
            self.peek(),
            Some(Tok::Sym(')' | ']') | Tok::Cmd("}" | "rangle"))
        );
        if !empty {
            items.push(self.item()?);
            while let Some(Tok::Sym(',' | ';')) = self.peek() {
                self.bump();
                items.push(self.item()?);
            }
        }
        let close = match (open, self.peek()) {
            ('(' | '[', Some(Tok::Sym(c @ (')' | ']')))) => c,
            ('{', Some(Tok::Cmd("}"))) => '}',
            ('<', Some(Tok::Cmd("rangle"))) => '>',
            _ => return Err(self.error_here("a closing bracket")),
        };
        self.bump();
        let n = items.len();
        Ok(match (open, close) {
            ('{', _) => Node::Set(items),
            ('<', _) => Node::Tuple(items),
            _ if n == 1 && (open == '(') == (close == ')') => items.swap_remove(0),
            _ if n == 2 => {
                let infinite = items.iter().any(is_infinite);
                if open == '(' && close == ')' && !infinite {
                    Node::Tuple(items)
                } else {
                    let hi = items.pop().unwrap_or(Node::Const(Const::Infinity));
                    let lo = items.pop().unwrap_or(Node::Const(Const::Infinity));
                    Node::Interval(Box::new(Interval {
                        lo,
                        hi,
                        lo_closed: open == '[',
                        hi_closed: close == ']',
                    }))
                }
            }
            _ if (open == '(') == (close == ')') => Node::Tuple(items),
            _ => {
                return Err(ParseError::Invalid {
                    what: "mismatched brackets",
                    pos: open_pos,
                });
            }
        })
    }

    pub(super) fn env_name(&mut self) -> PResult<String> {
        self.expect_sym('{', "`{` after \\begin or \\end")?;
        let mut name = String::new();
        while let Some(t) = self.peek() {
            self.bump();
            match t {
                Tok::Sym('}') => return Ok(name),
                Tok::Word { start, end, .. } => name.push_str(self.text(start, end)),
                Tok::Sym('*') => name.push('*'),
                _ => return Err(self.unexpected(t, self.pos())),
            }
        }
        Err(ParseError::UnexpectedEnd {
            expected: "an environment name",
        })
    }

    pub(super) fn matrix(&mut self) -> PResult<Node> {
        self.nested(|p| {
            p.bump();
            let name = p.env_name()?;
            let known = [
                "matrix",
                "pmatrix",
                "bmatrix",
                "Bmatrix",
                "vmatrix",
                "Vmatrix",
                "smallmatrix",
                "array",
            ];
            if !known.contains(&name.trim_end_matches('*')) {
                return Err(ParseError::Invalid {
                    what: "unsupported environment",
                    pos: p.pos(),
                });
            }
            if name == "array" && p.peek() == Some(Tok::Sym('{')) {
                // The column specification (`{cc|c}`) carries no values.
                while let Some(t) = p.peek() {
                    p.bump();
                    if t == Tok::Sym('}') {
                        break;
                    }
                }
            }
            let mut rows: Vec<Vec<Node>> = Vec::new();
            loop {
                if p.peek() == Some(Tok::Cmd("end")) {
                    break;
                }
                let mut row = vec![p.item()?];
                while p.peek() == Some(Tok::Sym('&')) {
                    p.bump();
                    row.push(p.item()?);
                }
                rows.push(row);
                match p.peek() {
                    Some(Tok::RowSep) => p.bump(),
                    Some(Tok::Cmd("end")) => break,
                    _ => return Err(p.error_here("`\\\\` or `\\end`")),
                }
            }
            p.bump();
            let end_name = p.env_name()?;
            if end_name != name {
                return Err(ParseError::Invalid {
                    what: "\\end does not match \\begin",
                    pos: p.pos(),
                });
            }
            let cols = rows.first().map_or(0, Vec::len);
            if cols == 0 || rows.iter().any(|r| r.len() != cols) {
                return Err(ParseError::Invalid {
                    what: "matrix rows of different lengths",
                    pos: p.pos(),
                });
            }
            let n_rows = rows.len();
            Ok(Node::Matrix {
                rows: n_rows,
                cols,
                cells: rows.into_iter().flatten().collect(),
            })
        })
    }
}
