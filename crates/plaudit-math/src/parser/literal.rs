//! Number literals: decimals, thousands separators, scientific notation,
//! mixed numbers and base subscripts.

use num_bigint::BigInt;

use super::{PResult, Parser, int_node};
use crate::ParseError;
use crate::ast::{Const, MulOp, Node, Num};
use crate::lexer::Tok;
use crate::number::Rat;

impl Parser<'_> {
    pub(super) fn number(
        &mut self,
        start: usize,
        end: usize,
        sep: bool,
        exp: i64,
        sci: bool,
    ) -> PResult<Node> {
        let num = self.literal(start, end, sep)?;
        if !sci
            && !sep
            && let Some(rep) = self.repeating(&num)?
        {
            return Ok(Node::Num(rep));
        }
        if sci {
            let e = int_node(exp.saturating_abs());
            let e = if exp < 0 { Node::Neg(Box::new(e)) } else { e };
            let ten = Node::Pow(Box::new(int_node(10)), Box::new(e));
            return Ok(Node::Product(vec![
                (MulOp::Mul, Node::Num(num)),
                (MulOp::Mul, ten),
            ]));
        }
        if !num.decimal && self.peek() == Some(Tok::Cmd("frac")) {
            // `2\frac{1}{3}` is a mixed number; `2\frac{x}{3}` a product.
            let frac = self.primary()?;
            let is_mixed = matches!(&frac, Node::Frac(a, b)
                if matches!(&**a, Node::Num(n) if !n.decimal) && matches!(&**b, Node::Num(n) if !n.decimal));
            return Ok(if is_mixed {
                Node::Mixed(Box::new(Node::Num(num)), Box::new(frac))
            } else {
                Node::Product(vec![(MulOp::Mul, Node::Num(num)), (MulOp::Mul, frac)])
            });
        }
        Ok(Node::Num(num))
    }

    /// `0.\overline{3}`, `0.1\overline{6}`, `2.\bar{45}`, `0.\dot{3}`:
    /// the literal just read followed by a repetend, as the exact fraction
    /// it stands for. `None` (nothing consumed) when no repetend follows.
    fn repeating(&mut self, head: &Num) -> PResult<Option<Num>> {
        // `0.` before the overline lexes as the integer and a lone period.
        let dot = if head.decimal {
            0
        } else if self.peek() == Some(Tok::Sym('.')) {
            1
        } else {
            return Ok(None);
        };
        let Some(Tok::Cmd("overline" | "bar" | "dot")) = self.peek_at(dot) else {
            return Ok(None);
        };
        let (digits, len) = match (
            self.peek_at(dot + 1),
            self.peek_at(dot + 2),
            self.peek_at(dot + 3),
        ) {
            (
                Some(Tok::Sym('{')),
                Some(Tok::Num {
                    start,
                    end,
                    sep: false,
                    sci: false,
                    ..
                }),
                Some(Tok::Sym('}')),
            ) => ((start, end), 4),
            _ => return Ok(None),
        };
        let text = self.text(digits.0, digits.1);
        let r = u32::try_from(text.len()).unwrap_or(u32::MAX);
        if r == 0 || r > 40 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let invalid = || ParseError::InvalidNumber {
            text: text.to_string(),
            pos: digits.0,
        };
        // I.F + R / (10^f (10^r - 1)).
        let repetend = self.literal(digits.0, digits.1, false)?.value;
        let scale = Rat::pow10(head.frac_digits)
            .and_then(|p| p.mul(&Rat::pow10(r)?.sub(&Rat::ONE)?))
            .map_err(|_| invalid())?;
        let value = repetend
            .div(&scale)
            .and_then(|t| head.value.add(&t))
            .map_err(|_| invalid())?;
        self.i += dot + len;
        Ok(Some(Num {
            value,
            frac_digits: head.frac_digits,
            sig_digits: head.sig_digits.saturating_add(r),
            decimal: false,
            repeat: r,
        }))
    }

    pub(super) fn literal(&self, start: usize, end: usize, sep: bool) -> PResult<Num> {
        let text = self.text(start, end);
        let mut small: u64 = 0;
        let mut digits = 0usize;
        let mut big: Option<String> = None;
        let mut frac_digits = 0u32;
        let mut sig_digits = 0u32;
        let mut in_frac = false;
        let mut seen_nonzero = false;
        let bytes = text.as_bytes();
        let mut k = 0;
        while k < bytes.len() {
            let c = bytes[k];
            k += 1;
            match c {
                b'0'..=b'9' => {
                    let d = c - b'0';
                    if d != 0 {
                        seen_nonzero = true;
                    }
                    if seen_nonzero {
                        sig_digits = sig_digits.saturating_add(1);
                    }
                    if in_frac {
                        frac_digits = frac_digits.saturating_add(1);
                    }
                    digits += 1;
                    if let Some(b) = big.as_mut() {
                        b.push(c as char);
                    } else if digits <= 18 {
                        small = small * 10 + u64::from(d);
                    } else {
                        let mut b = small.to_string();
                        b.push(c as char);
                        big = Some(b);
                    }
                }
                b'.' => in_frac = true,
                // Thousands separators: `{,}`, `,\!`, `\,`, spaces.
                b'\\' if sep => k += 1,
                _ if sep => {}
                _ => {
                    return Err(ParseError::InvalidNumber {
                        text: text.to_string(),
                        pos: start,
                    });
                }
            }
        }
        if !seen_nonzero {
            // `0.00` has as many significant digits as it has decimals.
            sig_digits = frac_digits.max(1);
        }
        let mantissa = match big {
            None => Rat::int(small as i64),
            Some(b) => match BigInt::parse_bytes(b.as_bytes(), 10) {
                Some(v) => Rat::from_bigint(v),
                None => {
                    return Err(ParseError::InvalidNumber {
                        text: text.to_string(),
                        pos: start,
                    });
                }
            },
        };
        let value = if frac_digits == 0 {
            Some(mantissa)
        } else {
            Rat::pow10(frac_digits).and_then(|p| mantissa.div(&p)).ok()
        };
        let Some(value) = value else {
            return Err(ParseError::InvalidNumber {
                text: text.chars().take(20).collect(),
                pos: start,
            });
        };
        if value.bits() > crate::number::MAX_BITS {
            return Err(ParseError::InvalidNumber {
                text: text.chars().take(20).collect(),
                pos: start,
            });
        }
        Ok(Num {
            value,
            frac_digits,
            sig_digits,
            decimal: in_frac && frac_digits > 0,
            repeat: 0,
        })
    }

    pub(super) fn subscript(&self, base: Node, sub: Node) -> PResult<Node> {
        match base {
            Node::Num(n) if !n.decimal && !n.value.is_negative() => {
                let base_n = match &sub {
                    Node::Num(b) => b.value.to_i64().filter(|b| (2..=36).contains(b)),
                    _ => None,
                };
                let Some(b) = base_n else {
                    return Err(ParseError::Invalid {
                        what: "number base must be an integer from 2 to 36",
                        pos: self.pos(),
                    });
                };
                let digits = n
                    .value
                    .to_bigint()
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let mut value = BigInt::from(0);
                for c in digits.chars() {
                    let d = c.to_digit(36).filter(|&d| i64::from(d) < b);
                    let Some(d) = d else {
                        return Err(ParseError::Invalid {
                            what: "digit out of range for its base",
                            pos: self.pos(),
                        });
                    };
                    value = value * b + d;
                }
                Ok(Node::Base {
                    digits: digits.into(),
                    base: b as u32,
                    value: Rat::from_bigint(value),
                })
            }
            Node::Var(v) => Ok(Node::Var(format!("{v}_{{{sub}}}").into())),
            Node::Const(Const::E) => Ok(Node::Var(format!("e_{{{sub}}}").into())),
            Node::Const(Const::I) => Ok(Node::Var(format!("i_{{{sub}}}").into())),
            _ => Err(ParseError::Invalid {
                what: "subscript on something that is not a variable or number",
                pos: self.pos(),
            }),
        }
    }
}
