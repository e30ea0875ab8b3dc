//! Tokens from LaTeX or plain-text answers.
//!
//! The lexer absorbs everything that is presentation rather than content —
//! math delimiters, `\left`/`\right`, spacing, `\displaystyle`, `\boxed`,
//! currency signs — so the parser only sees mathematics. Text commands
//! (`\text{…}`, `\mathrm{…}`, …) leave no braces behind: their content is
//! lexed in place with words marked as text, which is how `\text{13}` becomes
//! the number 13 and `5\text{ cm}` a quantity with a unit.
//!
//! Thousands separators are decided here because only the characters can tell
//! `1{,}234` from a tuple: unambiguous forms (`1{,}234`, `10,\!080`, `1\,234`)
//! are joined anywhere; a bare `1,234` or `1 234` only outside brackets, where
//! a pair would be written with a space after the comma.

use crate::ParseError;

/// What a token is; spans index the source string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// Digits with at most one decimal point; `sep` when separators must be
    /// skipped while reading the value.
    Num {
        start: usize,
        end: usize,
        sep: bool,
        exp: i64,
        sci: bool,
    },
    /// A run of letters; `text` when it came from inside a text command.
    Word {
        start: usize,
        end: usize,
        text: bool,
    },
    /// A control word or symbol, without the backslash (`frac`, `{`, `%`).
    Cmd(&'a str),
    /// A single ASCII punctuation character.
    Sym(char),
    /// `\\`, the matrix row separator.
    RowSep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) tok: Tok<'a>,
    pub(crate) pos: usize,
}

/// Commands that only change how things look.
fn is_skipped(name: &str) -> bool {
    // A `match` compiles to a switch on length and a few compares, where
    // a slice scan compared against every entry.
    matches!(
        name,
        "left"
            | "right"
            | "big"
            | "Big"
            | "bigg"
            | "Bigg"
            | "bigl"
            | "bigr"
            | "Bigl"
            | "Bigr"
            | "biggl"
            | "biggr"
            | "Biggl"
            | "Biggr"
            | "middle"
            | "displaystyle"
            | "textstyle"
            | "scriptstyle"
            | "limits"
            | "nolimits"
            | ","
            | ";"
            | ":"
            | "!"
            | " "
            | "quad"
            | "qquad"
            | "enspace"
            | "thinspace"
            | "medspace"
            | "thickspace"
            | "negthinspace"
            | "$"
            | "("
            | ")"
            | "["
            | "]"
            | "boxed"
            | "fbox"
            | "framebox"
            | "mathstrut"
            | "hfill"
            | "mathord"
            | "nonumber"
            | "notag"
            | "strut"
            | "ensuremath"
    )
}

fn is_text_command(name: &str) -> bool {
    matches!(
        name,
        "text"
            | "textbf"
            | "textit"
            | "textrm"
            | "textsf"
            | "texttt"
            | "textnormal"
            | "textup"
            | "emph"
            | "mathrm"
            | "mathbf"
            | "mathit"
            | "mathsf"
            | "mathtt"
            | "mathbb"
            | "mathcal"
            | "mbox"
            | "hbox"
            | "operatorname"
            | "rm"
            | "bf"
    )
}

/// Commands followed by a braced argument that is layout only (`\hspace{1em}`).
fn is_skip_arg(name: &str) -> bool {
    matches!(
        name,
        "hspace" | "vspace" | "phantom" | "hphantom" | "vphantom" | "label" | "tag"
    )
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        i: 0,
        // About one token per two bytes of a typical answer; one allocation.
        out: Vec::with_capacity(src.len() / 2 + 4),
        depth: 0,
        text: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    out: Vec<Token<'a>>,
    /// Bracket depth, for deciding whether `1,234` can be a pair.
    depth: i32,
    /// Brace depth at which each open text command closes.
    text: Vec<i32>,
}

impl<'a> Lexer<'a> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok<'a>, pos: usize) {
        self.out.push(Token { tok, pos });
    }

    fn in_text(&self) -> bool {
        !self.text.is_empty()
    }

    fn run(&mut self) -> Result<(), ParseError> {
        let mut brace: i32 = 0;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let pos = self.i;
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b'~' | b'$' => self.i += 1,
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_ascii_digit() => self.number(),
                // `\text{ a.m.}`: periods inside text are abbreviation marks.
                b'.' if self.in_text() => self.i += 1,
                b'a'..=b'z' | b'A'..=b'Z' => self.word(),
                b'\\' => self.command(&mut brace)?,
                b'{' => {
                    brace += 1;
                    self.i += 1;
                    self.push(Tok::Sym('{'), pos);
                }
                b'}' => {
                    self.i += 1;
                    if self.text.last() == Some(&brace) {
                        self.text.pop();
                    } else {
                        self.push(Tok::Sym('}'), pos);
                    }
                    brace -= 1;
                }
                b'*' if self.peek(1) == b'*' => {
                    self.i += 2;
                    self.push(Tok::Cmd("**"), pos);
                }
                b'<' | b'>' | b'!' if self.peek(1) == b'=' => {
                    self.i += 2;
                    let name = match c {
                        b'<' => "le",
                        b'>' => "ge",
                        _ => "ne",
                    };
                    self.push(Tok::Cmd(name), pos);
                }
                b'(' | b'[' => {
                    self.depth += 1;
                    self.i += 1;
                    self.push(Tok::Sym(c as char), pos);
                }
                b')' | b']' => {
                    self.depth -= 1;
                    self.i += 1;
                    self.push(Tok::Sym(c as char), pos);
                }
                _ if c.is_ascii() => {
                    self.i += 1;
                    self.push(Tok::Sym(c as char), pos);
                }
                _ => self.unicode(pos)?,
            }
        }
        Ok(())
    }

    fn unicode(&mut self, pos: usize) -> Result<(), ParseError> {
        let Some(ch) = self.src.get(self.i..).and_then(|s| s.chars().next()) else {
            return Err(ParseError::Unexpected {
                found: "?".into(),
                pos,
            });
        };
        self.i += ch.len_utf8();
        let mapped = match ch {
            'π' => Some(Tok::Cmd("pi")),
            '√' => Some(Tok::Cmd("sqrt")),
            '≤' | '⩽' => Some(Tok::Cmd("le")),
            '≥' | '⩾' => Some(Tok::Cmd("ge")),
            '≠' => Some(Tok::Cmd("ne")),
            '−' | '–' => Some(Tok::Sym('-')),
            '×' => Some(Tok::Cmd("times")),
            '÷' => Some(Tok::Cmd("div")),
            '·' | '⋅' => Some(Tok::Cmd("cdot")),
            '∞' => Some(Tok::Cmd("infty")),
            'ℝ' => Some(Tok::Cmd("Reals")),
            '∪' => Some(Tok::Cmd("cup")),
            '±' => Some(Tok::Cmd("pm")),
            '°' => Some(Tok::Cmd("degree")),
            '\u{a0}' | '\u{2009}' | '\u{202f}' => None,
            c if c.is_alphabetic() => {
                // Letters outside ASCII only occur in words (names, places).
                let start = pos;
                while let Some(n) = self.src.get(self.i..).and_then(|s| s.chars().next()) {
                    if !n.is_alphabetic() {
                        break;
                    }
                    self.i += n.len_utf8();
                }
                Some(Tok::Word {
                    start,
                    end: self.i,
                    text: true,
                })
            }
            _ => {
                return Err(ParseError::Unexpected {
                    found: ch.to_string(),
                    pos,
                });
            }
        };
        if let Some(t) = mapped {
            self.push(t, pos);
        }
        Ok(())
    }

    fn word(&mut self) {
        let start = self.i;
        while self.peek(0).is_ascii_alphabetic() {
            self.i += 1;
        }
        let text = self.in_text();
        self.push(
            Tok::Word {
                start,
                end: self.i,
                text,
            },
            start,
        );
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while self.peek(0).is_ascii_digit() {
            self.i += 1;
        }
        self.i - s
    }

    /// Length of a thousands separator at the cursor that is followed by
    /// exactly three digits, or 0.
    fn separator(&self, int_len: usize, top: bool) -> usize {
        let rest = &self.b[self.i..];
        let spaced_bang = {
            // `111, \! 111`: MATH's thousands separator, sometimes spaced out.
            let after_comma = rest.strip_prefix(b",").map(|r| r.trim_ascii_start());
            after_comma
                .and_then(|r| r.strip_prefix(b"\\!"))
                .map(|r| rest.len() - r.trim_ascii_start().len())
        };
        let len = if let Some(n) = spaced_bang {
            n
        } else if rest.starts_with(b"{,}") {
            3
        } else if rest.starts_with(b"\\,") || rest.starts_with(b"\\!") {
            2
        } else if top && (rest.starts_with(b",") || rest.starts_with(b" ")) && int_len <= 3 {
            1
        } else {
            return 0;
        };
        let after = &rest[len..];
        let three = after.len() >= 3 && after[..3].iter().all(u8::is_ascii_digit);
        let fourth_ok = after.get(3).is_none_or(|c| !c.is_ascii_digit());
        if three && fourth_ok { len } else { 0 }
    }

    fn number(&mut self) {
        let start = self.i;
        let mut sep = false;
        let first = self.digits();
        let mut group = first;
        let top = self.depth == 0 && !self.in_text();
        loop {
            let n = self.separator(group, top);
            if n == 0 {
                break;
            }
            // A bare comma or space joins only groups that all look the same.
            if n == 1 && group > 3 {
                break;
            }
            self.i += n;
            sep = true;
            group = self.digits();
        }
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            self.i += 1;
            self.digits();
        }
        let end = self.i;
        let mut exp = 0i64;
        let mut sci = false;
        if matches!(self.peek(0), b'e' | b'E') && !self.in_text() {
            let signed = matches!(self.peek(1), b'+' | b'-');
            let d = if signed { 2 } else { 1 };
            if self.peek(d).is_ascii_digit() {
                let neg = self.peek(1) == b'-';
                self.i += d;
                let ds = self.i;
                self.digits();
                // Saturate: the evaluator refuses huge exponents anyway.
                let text = self.src.get(ds..self.i).unwrap_or("0");
                let v: i64 = text.parse().unwrap_or(i64::MAX / 2);
                exp = if neg { -v } else { v };
                sci = true;
            }
        }
        self.push(
            Tok::Num {
                start,
                end,
                sep,
                exp,
                sci,
            },
            start,
        );
    }

    fn command(&mut self, brace: &mut i32) -> Result<(), ParseError> {
        let pos = self.i;
        self.i += 1;
        let c = self.peek(0);
        if c == 0 {
            return Err(ParseError::UnexpectedEnd {
                expected: "a command after `\\`",
            });
        }
        let name: &'a str = if c.is_ascii_alphabetic() {
            let s = self.i;
            while self.peek(0).is_ascii_alphabetic() {
                self.i += 1;
            }
            self.src.get(s..self.i).unwrap_or("")
        } else if c.is_ascii() {
            self.i += 1;
            self.src.get(self.i - 1..self.i).unwrap_or("")
        } else {
            // `\` before a non-ASCII character: treat the backslash as noise.
            return Ok(());
        };
        if name == "\\" {
            self.push(Tok::RowSep, pos);
            return Ok(());
        }
        if matches!(name, "left" | "right") {
            self.skip_spaces();
            if self.peek(0) == b'.' {
                self.i += 1;
                return Ok(());
            }
        }
        if is_skip_arg(name) {
            self.skip_spaces();
            if self.peek(0) == b'{' {
                self.skip_group();
            }
            return Ok(());
        }
        if is_skipped(name) {
            return Ok(());
        }
        if matches!(name, "mathbb" | "Bbb") && self.reals_letter() {
            self.push(Tok::Cmd("Reals"), pos);
            return Ok(());
        }
        if is_text_command(name) {
            self.skip_spaces();
            if self.peek(0) == b'{' {
                self.i += 1;
                *brace += 1;
                self.text.push(*brace);
            }
            return Ok(());
        }
        let tok = match name {
            "{" | "lbrace" => {
                self.depth += 1;
                Tok::Cmd("{")
            }
            "}" | "rbrace" => {
                self.depth -= 1;
                Tok::Cmd("}")
            }
            "lt" => Tok::Sym('<'),
            "gt" => Tok::Sym('>'),
            "vert" | "lvert" | "rvert" | "mid" => Tok::Sym('|'),
            "lbrack" => Tok::Sym('['),
            "rbrack" => Tok::Sym(']'),
            "ast" | "star" => Tok::Sym('*'),
            "%" => Tok::Cmd("%"),
            "cdotp" => Tok::Cmd("cdot"),
            "leq" | "leqslant" | "leqq" => Tok::Cmd("le"),
            "geq" | "geqslant" | "geqq" => Tok::Cmd("ge"),
            "neq" => Tok::Cmd("ne"),
            "dfrac" | "tfrac" | "cfrac" => Tok::Cmd("frac"),
            "dbinom" | "tbinom" => Tok::Cmd("binom"),
            "varnothing" => Tok::Cmd("emptyset"),
            "R" | "reals" | "Reals" | "RR" => Tok::Cmd("Reals"),
            "infin" => Tok::Cmd("infty"),
            _ => Tok::Cmd(name),
        };
        self.push(tok, pos);
        Ok(())
    }

    /// Consumes `{R}` or ` R` after `\mathbb` (the set of real numbers);
    /// anything else is left for the text command to read.
    fn reals_letter(&mut self) -> bool {
        let mut k = 0;
        while matches!(self.peek(k), b' ' | b'\t' | b'\n' | b'\r') {
            k += 1;
        }
        let len = match (self.peek(k), self.peek(k + 1), self.peek(k + 2)) {
            (b'{', b'R', b'}') => 3,
            (b'R', next, _) if !next.is_ascii_alphabetic() => 1,
            _ => return false,
        };
        self.i += k + len;
        true
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(0), b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn skip_group(&mut self) {
        let mut d = 0usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'{' => d += 1,
                b'}' => {
                    d = d.saturating_sub(1);
                    if d == 0 {
                        self.i += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        lex(s)
            .unwrap()
            .into_iter()
            .map(|t| match t.tok {
                Tok::Num { start, end, .. } => format!("N{}", &s[start..end]),
                Tok::Word { start, end, text } => {
                    format!("{}{}", if text { "T" } else { "W" }, &s[start..end])
                }
                Tok::Cmd(c) => format!("\\{c}"),
                Tok::Sym(c) => c.to_string(),
                Tok::RowSep => "RS".into(),
            })
            .collect()
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(kinds("1,234"), ["N1,234"]);
        assert_eq!(kinds("10,\\!080"), ["N10,\\!080"]);
        assert_eq!(kinds("1{,}234{,}567"), ["N1{,}234{,}567"]);
        assert_eq!(kinds("111, \\! 111"), ["N111, \\! 111"]);
        assert_eq!(kinds("(1,234)"), ["(", "N1", ",", "N234", ")"]);
        assert_eq!(kinds("1, 234"), ["N1", ",", "N234"]);
        assert_eq!(kinds("1,2345"), ["N1", ",", "N2345"]);
    }

    #[test]
    fn text_commands_leave_no_braces() {
        assert_eq!(kinds("5\\text{ cm}"), ["N5", "Tcm"]);
        assert_eq!(kinds("\\text{(B)}"), ["(", "TB", ")"]);
        assert_eq!(kinds("\\left( x \\right."), ["(", "Wx"]);
    }
}
