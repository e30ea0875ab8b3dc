//! A small tokenizer for Python source, enough to read test code without
//! running it.
//!
//! It splits source into *logical lines* (a statement, with the physical
//! lines that brackets, backslashes or triple-quoted strings join), each
//! with its indentation and tokens: names, numbers, strings (escapes
//! decoded, adjacent pieces left for the parser to join) and operators.
//! Comments and blank lines disappear.
//!
//! What it does not understand it still delimits: an f-string is one token
//! that the parser refuses as a value, so that an assert *message* written
//! as an f-string (never evaluated here) does not hide the test before it.
//! A lexical error (an unterminated string, a stray character) marks its
//! logical line as broken and the tokenizer resumes at the next physical
//! line. Everything is one pass over the source.

use num_bigint::BigInt;

/// The longest integer literal accepted, in characters: far beyond any
/// test value, short enough to parse in microseconds.
const MAX_INT_LITERAL: usize = 10_000;

/// One token and its byte span in the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword.
    Name(String),
    /// An integer literal.
    Int(BigInt),
    /// A float literal.
    Float(f64),
    /// A complex literal (`1j`): kept so that the parser can name it.
    Imaginary,
    /// One string literal (adjacent ones are joined by the parser).
    Str(StrPiece),
    /// An operator or delimiter.
    Op(&'static str),
}

/// The value of one string literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StrPiece {
    /// A `str`.
    Text(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
    /// A literal this reader has no value for, and why (an f-string, a
    /// `\N{…}` escape, a lone surrogate).
    Unsupported(String),
}

/// A statement's worth of tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogicalLine {
    /// The 1-based physical line where it starts.
    pub line: usize,
    /// Its indentation in columns (a tab advances to the next multiple of 8).
    pub indent: usize,
    /// Byte span from its first token to the end of its last.
    pub start: usize,
    pub end: usize,
    pub tokens: Vec<Token>,
    /// The first lexical error on the line, if any (its tokens are then
    /// incomplete).
    pub error: Option<String>,
}

const OPS3: [&str; 5] = ["**=", "//=", ">>=", "<<=", "..."];
const OPS2: [&str; 19] = [
    "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "@=",
];
const OPS1: &str = "()[]{},:.;@=+-*/%<>&|^~";

/// The logical lines of `src`.
pub(crate) fn logical_lines(src: &str) -> Vec<LogicalLine> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        i: 0,
        line: 1,
    };
    let mut out = Vec::new();
    while let Some(line) = lx.logical_line() {
        out.push(line);
    }
    out
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    /// The physical line at `i`.
    line: usize,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    /// Reads the next logical line, skipping blank and comment-only lines.
    fn logical_line(&mut self) -> Option<LogicalLine> {
        loop {
            if self.i >= self.b.len() {
                return None;
            }
            let mut indent = 0;
            while let Some(&c) = self.b.get(self.i) {
                match c {
                    b' ' => indent += 1,
                    b'\t' => indent = (indent / 8 + 1) * 8,
                    b'\x0c' => indent = 0,
                    _ => break,
                }
                self.i += 1;
            }
            match self.peek(0) {
                b'\r' | b'\n' | b'#' | 0 => {
                    self.skip_to_line_end();
                    self.eat_newline();
                    continue;
                }
                _ => {}
            }
            let mut line = LogicalLine {
                line: self.line,
                indent,
                start: self.i,
                end: self.i,
                tokens: Vec::new(),
                error: None,
            };
            self.tokens(&mut line);
            return Some(line);
        }
    }

    fn skip_to_line_end(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn eat_newline(&mut self) {
        if self.peek(0) == b'\n' {
            self.i += 1;
            self.line += 1;
        }
    }

    /// Reads tokens up to the newline that ends the logical line.
    fn tokens(&mut self, line: &mut LogicalLine) {
        let mut depth: Vec<u8> = Vec::new();
        loop {
            let c = self.peek(0);
            match c {
                0 if self.i >= self.b.len() => {
                    if let Some(&open) = depth.last() {
                        line.error.get_or_insert_with(|| {
                            format!("'{}' was never closed", char::from(open))
                        });
                    }
                    return;
                }
                b' ' | b'\t' | b'\x0c' | b'\r' => self.i += 1,
                b'#' => self.skip_to_line_end(),
                b'\\' if matches!((self.peek(1), self.peek(2)), (b'\n', _) | (b'\r', b'\n')) => {
                    self.i += if self.peek(1) == b'\r' { 3 } else { 2 };
                    self.line += 1;
                }
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    if depth.is_empty() {
                        return;
                    }
                }
                _ => {
                    let start = self.i;
                    match self.token(&mut depth) {
                        Ok(tok) => {
                            line.end = self.i;
                            line.tokens.push(Token {
                                tok,
                                start,
                                end: self.i,
                            });
                        }
                        Err(e) => {
                            line.error.get_or_insert(e);
                            line.end = self.i.max(start);
                            // Resynchronize at the next physical line.
                            self.skip_to_line_end();
                            self.eat_newline();
                            return;
                        }
                    }
                }
            }
        }
    }

    fn token(&mut self, depth: &mut Vec<u8>) -> Result<Tok, String> {
        let c = self.peek(0);
        if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_ascii_digit()) {
            return self.number();
        }
        if c == b'\'' || c == b'"' {
            return self.string("");
        }
        if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
            let start = self.i;
            let rest = &self.src[start..];
            let len = rest
                .char_indices()
                .find(|&(_, ch)| !(ch == '_' || ch.is_alphanumeric()))
                .map_or(rest.len(), |(k, _)| k);
            if len == 0 {
                let ch = rest.chars().next().unwrap_or('?');
                return Err(format!("unexpected character {ch:?}"));
            }
            self.i += len;
            let word = &self.src[start..self.i];
            let next = self.peek(0);
            if (next == b'\'' || next == b'"')
                && matches!(
                    word.to_ascii_lowercase().as_str(),
                    "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf"
                )
            {
                return self.string(word);
            }
            return Ok(Tok::Name(word.to_owned()));
        }
        let rest = &self.b[self.i..];
        for op in OPS3.iter().chain(&OPS2) {
            if rest.starts_with(op.as_bytes()) {
                self.i += op.len();
                return Ok(Tok::Op(op));
            }
        }
        if let Some(k) = OPS1.bytes().position(|o| o == c) {
            self.i += 1;
            match c {
                b'(' | b'[' | b'{' => depth.push(c),
                b')' | b']' | b'}' => {
                    let want = match c {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if depth.pop() != Some(want) {
                        return Err(format!("unmatched '{}'", char::from(c)));
                    }
                }
                _ => {}
            }
            return Ok(Tok::Op(&OPS1[k..k + 1]));
        }
        let ch = self.src[self.i..].chars().next().unwrap_or('?');
        Err(format!("unexpected character {ch:?}"))
    }

    /// Digits of `radix` with single underscores between them, from `i`.
    fn digits(&mut self, radix: u32) -> Result<String, String> {
        let mut out = String::new();
        let mut last_underscore = false;
        while let Some(&c) = self.b.get(self.i) {
            if c == b'_' {
                if out.is_empty() && radix == 10 || last_underscore {
                    return Err("invalid underscore in a number".into());
                }
                last_underscore = true;
            } else if char::from(c).is_digit(radix) {
                out.push(char::from(c));
                last_underscore = false;
            } else {
                break;
            }
            self.i += 1;
        }
        if last_underscore {
            return Err("invalid underscore in a number".into());
        }
        Ok(out)
    }

    fn number(&mut self) -> Result<Tok, String> {
        let radix = match (self.peek(0), self.peek(1).to_ascii_lowercase()) {
            (b'0', b'x') => 16,
            (b'0', b'o') => 8,
            (b'0', b'b') => 2,
            _ => 10,
        };
        if radix != 10 {
            self.i += 2;
            if self.peek(0) == b'_' {
                self.i += 1;
            }
            let digits = self.digits(radix)?;
            if digits.is_empty() {
                return Err("a number prefix without digits".into());
            }
            return int_token(&digits, radix);
        }
        let int_part = self.digits(10)?;
        let mut is_float = false;
        let mut text = int_part.clone();
        if self.peek(0) == b'.' {
            self.i += 1;
            is_float = true;
            text.push('.');
            if self.peek(0).is_ascii_digit() {
                text.push_str(&self.digits(10)?);
            }
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit()
                || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            is_float = true;
            text.push('e');
            self.i += 1;
            if matches!(self.peek(0), b'+' | b'-') {
                text.push(char::from(self.peek(0)));
                self.i += 1;
            }
            text.push_str(&self.digits(10)?);
        }
        if matches!(self.peek(0), b'j' | b'J') {
            self.i += 1;
            return Ok(Tok::Imaginary);
        }
        if is_float {
            return text
                .parse()
                .map(Tok::Float)
                .map_err(|_| format!("invalid float literal {text:?}"));
        }
        if int_part.len() > 1 && int_part.starts_with('0') && int_part.bytes().any(|c| c != b'0') {
            return Err(format!(
                "leading zeros in the integer literal {int_part:?} are not allowed"
            ));
        }
        int_token(&int_part, 10)
    }

    /// A string literal whose prefix (`r`, `b`, `f`…) has been read.
    fn string(&mut self, prefix: &str) -> Result<Tok, String> {
        let prefix = prefix.to_ascii_lowercase();
        let (raw, bytes, fstring) = (
            prefix.contains('r'),
            prefix.contains('b'),
            prefix.contains('f'),
        );
        let q = self.peek(0);
        let triple = self.peek(1) == q && self.peek(2) == q;
        self.i += if triple { 3 } else { 1 };
        let mut text = String::new();
        let mut bytes_out = Vec::new();
        let mut unsupported = fstring.then(|| "an f-string".to_owned());
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unterminated string literal".into());
            };
            if c == q && (!triple || (self.peek(1) == q && self.peek(2) == q)) {
                self.i += if triple { 3 } else { 1 };
                break;
            }
            if c == b'\n' {
                if !triple {
                    return Err("unterminated string literal".into());
                }
                self.line += 1;
            }
            if c == b'\\' && raw {
                // The backslash stays, and shields the next character (a
                // quote after it does not end the literal).
                let Some(ch) = self.src[self.i + 1..].chars().next() else {
                    return Err("unterminated string literal".into());
                };
                if bytes && !ch.is_ascii() {
                    return Err("bytes can only contain ASCII literal characters".into());
                }
                if ch == '\n' {
                    self.line += 1;
                }
                text.push('\\');
                text.push(ch);
                bytes_out.push(b'\\');
                if ch.is_ascii() {
                    bytes_out.push(ch as u8);
                }
                self.i += 1 + ch.len_utf8();
                continue;
            }
            if c == b'\\' {
                match self.escape(bytes)? {
                    Escaped::Char(ch) => text.push(ch),
                    Escaped::Byte(b) => bytes_out.push(b),
                    Escaped::Nothing => {}
                    Escaped::Unsupported(why) => {
                        unsupported.get_or_insert(why);
                    }
                }
                continue;
            }
            let ch = self.src[self.i..].chars().next().expect("in bounds");
            if bytes && !ch.is_ascii() {
                return Err("bytes can only contain ASCII literal characters".into());
            }
            text.push(ch);
            if ch.is_ascii() {
                bytes_out.push(ch as u8);
            }
            self.i += ch.len_utf8();
        }
        Ok(Tok::Str(match unsupported {
            Some(why) => StrPiece::Unsupported(why),
            None if bytes => StrPiece::Bytes(bytes_out),
            None => StrPiece::Text(text),
        }))
    }

    /// Reads the escape sequence at `i` (a backslash) of a literal that is
    /// not raw.
    fn escape(&mut self, bytes: bool) -> Result<Escaped, String> {
        let next = self.peek(1);
        if next == b'\n' || (next == b'\r' && self.peek(2) == b'\n') {
            self.i += if next == b'\r' { 3 } else { 2 };
            self.line += 1;
            return Ok(Escaped::Nothing);
        }
        if next == 0 {
            return Err("unterminated string literal".into());
        }
        self.i += 2;
        let simple = match next {
            b'\\' => Some(b'\\'),
            b'\'' => Some(b'\''),
            b'"' => Some(b'"'),
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            _ => None,
        };
        if let Some(v) = simple {
            return Ok(if bytes {
                Escaped::Byte(v)
            } else {
                Escaped::Char(char::from(v))
            });
        }
        let hex = |lx: &mut Self, n: usize| -> Result<u32, String> {
            let digits = lx.src.get(lx.i..lx.i + n).unwrap_or("");
            if digits.len() != n || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("truncated \\{} escape", char::from(next)));
            }
            lx.i += n;
            Ok(u32::from_str_radix(digits, 16).expect("hex digits"))
        };
        match next {
            b'0'..=b'7' => {
                let mut v = u32::from(next - b'0');
                for _ in 0..2 {
                    if (b'0'..=b'7').contains(&self.peek(0)) {
                        v = v * 8 + u32::from(self.peek(0) - b'0');
                        self.i += 1;
                    }
                }
                self.code_point(v, bytes)
            }
            b'x' => {
                let v = hex(self, 2)?;
                self.code_point(v, bytes)
            }
            b'u' | b'U' if !bytes => {
                let v = hex(self, if next == b'u' { 4 } else { 8 })?;
                self.code_point(v, false)
            }
            b'N' if !bytes => Ok(Escaped::Unsupported("a \\N{...} escape".into())),
            _ => {
                // An unknown escape keeps its backslash: read the character
                // after it as plain text.
                self.i -= 1;
                Ok(if bytes {
                    Escaped::Byte(b'\\')
                } else {
                    Escaped::Char('\\')
                })
            }
        }
    }

    fn code_point(&self, v: u32, bytes: bool) -> Result<Escaped, String> {
        if bytes {
            return u8::try_from(v)
                .map(Escaped::Byte)
                .map_err(|_| "an octal escape above \\377 in bytes".to_owned());
        }
        Ok(match char::from_u32(v) {
            Some(c) => Escaped::Char(c),
            None => Escaped::Unsupported(format!("the lone surrogate \\u{v:04x}")),
        })
    }
}

enum Escaped {
    Char(char),
    Byte(u8),
    Nothing,
    Unsupported(String),
}

fn int_token(digits: &str, radix: u32) -> Result<Tok, String> {
    if digits.len() > MAX_INT_LITERAL {
        return Err(format!(
            "an integer literal longer than {MAX_INT_LITERAL} digits"
        ));
    }
    BigInt::parse_bytes(digits.as_bytes(), radix)
        .map(Tok::Int)
        .ok_or_else(|| format!("invalid integer literal {digits:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let lines = logical_lines(src);
        assert_eq!(lines.len(), 1, "{src}: {lines:?}");
        assert_eq!(lines[0].error, None, "{src}");
        lines[0].tokens.iter().map(|t| t.tok.clone()).collect()
    }

    fn text(s: &str) -> Tok {
        Tok::Str(StrPiece::Text(s.into()))
    }

    #[test]
    fn numbers() {
        let int = |i: i64| Tok::Int(i.into());
        #[rustfmt::skip]
        let cases: &[(&str, Tok)] = &[
            ("1_000", int(1000)), ("0x_ff", int(255)), ("0o17", int(15)), ("0B101", int(5)),
            ("000", int(0)), ("1e-6", Tok::Float(1e-6)), ("1.", Tok::Float(1.0)), (".5", Tok::Float(0.5)),
            ("1_0.2_5e1_0", Tok::Float(10.25e10)), ("0123.5", Tok::Float(123.5)), ("1E+3", Tok::Float(1000.0)),
            ("2j", Tok::Imaginary), ("1e999", Tok::Float(f64::INFINITY)),
        ];
        for (src, want) in cases {
            assert_eq!(toks(src), std::slice::from_ref(want), "{src}");
        }
        assert_eq!(
            toks("123456789012345678901234567890"),
            [Tok::Int("123456789012345678901234567890".parse().unwrap())]
        );
        for bad in ["0123", "1__0", "1_", "0x", "0b2"] {
            let lines = logical_lines(bad);
            assert!(
                lines[0].error.is_some() || lines[0].tokens.len() > 1,
                "{bad}: {lines:?}"
            );
        }
    }

    #[test]
    fn strings() {
        #[rustfmt::skip]
        let cases: &[(&str, Tok)] = &[
            (r#"'a\'b'"#, text("a'b")), (r#""a\"b""#, text("a\"b")), (r"'\n\t\\'", text("\n\t\\")),
            (r"'\x41\101\u00e9\U0001F600'", text("AAé😀")), (r"'\d'", text("\\d")),
            (r"r'\d\''", text("\\d\\'")), (r"R'\n'", text("\\n")), ("'''a\nb'''", text("a\nb")),
            ("\"\"\"it's \"quoted\" \"\"\"", text("it's \"quoted\" ")), ("'a\\\nb'", text("ab")),
            (r"b'a\x00\n'", Tok::Str(StrPiece::Bytes(b"a\x00\n".to_vec()))),
            (r"u'é'", text("é")), ("''", text("")),
            ("f'{x}'", Tok::Str(StrPiece::Unsupported("an f-string".into()))),
            (r"'\N{DASH}'", Tok::Str(StrPiece::Unsupported("a \\N{...} escape".into()))),
            (r"'\ud800'", Tok::Str(StrPiece::Unsupported("the lone surrogate \\ud800".into()))),
        ];
        for (src, want) in cases {
            assert_eq!(toks(src), std::slice::from_ref(want), "{src}");
        }
        for bad in ["'abc", "'a\nb'", "b'é'", "'''abc"] {
            assert!(logical_lines(bad)[0].error.is_some(), "{bad}");
        }
    }

    #[test]
    fn operators_and_names() {
        assert_eq!(
            toks("a**-b//c != d <= e"),
            [
                Tok::Name("a".into()),
                Tok::Op("**"),
                Tok::Op("-"),
                Tok::Name("b".into()),
                Tok::Op("//"),
                Tok::Name("c".into()),
                Tok::Op("!="),
                Tok::Name("d".into()),
                Tok::Op("<="),
                Tok::Name("e".into()),
            ]
        );
        assert_eq!(
            toks("é_1 rb"),
            [Tok::Name("é_1".into()), Tok::Name("rb".into())]
        );
        assert_eq!(toks("rb'x'"), [Tok::Str(StrPiece::Bytes(b"x".to_vec()))]);
    }

    #[test]
    fn logical_lines_join_and_indent() {
        let src = "# comment\n\ndef check(c):\n    assert c([\n        1, 2]) == 3  # trailing\n\tx = \\\n 1\n    s = '''a\nb'''\n  \n";
        let lines = logical_lines(src);
        let summary: Vec<(usize, usize, usize)> = lines
            .iter()
            .map(|l| (l.line, l.indent, l.tokens.len()))
            .collect();
        assert_eq!(summary, [(3, 0, 6), (4, 4, 11), (6, 8, 3), (8, 4, 3)]);
        assert_eq!(
            &src[lines[1].start..lines[1].end],
            "assert c([\n        1, 2]) == 3"
        );
        assert!(lines.iter().all(|l| l.error.is_none()));
    }

    #[test]
    fn errors_stay_on_their_line() {
        let lines = logical_lines("a = (1\nb = 'x\nc = 2\nd = ]\ne = $\nf = 1\r\n");
        let errors: Vec<Option<&str>> = lines.iter().map(|l| l.error.as_deref()).collect();
        // `(1` swallows the next line (the bracket is open), whose string
        // never ends; resynchronized, `c` and `f` read fine.
        assert_eq!(
            errors,
            [
                Some("unterminated string literal"),
                None,
                Some("unmatched ']'"),
                Some("unexpected character '$'"),
                None
            ]
        );
        assert_eq!(
            logical_lines("x = (1,\n")[0].error.as_deref(),
            Some("'(' was never closed")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,60}") {
            let _ = logical_lines(&src);
        }

        #[test]
        fn never_panics_on_python_like_text(src in "[a-z0-9_ '\"\\\\()\\[\\]{}#.,:=+*\n\r\t-]{0,60}") {
            let _ = logical_lines(&src);
        }
    }
}
