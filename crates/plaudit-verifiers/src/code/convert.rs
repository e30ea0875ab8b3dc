//! Turning assert-style test suites into [`CallTest`]s, by parsing the
//! Python source — never running it.
//!
//! Two layouts are read: HumanEval's `def check(candidate):` whose body
//! asserts on `candidate(…)` ([`convert`]), and MBPP's list of assert
//! lines that call the function by name ([`convert_asserts`]; without an
//! entry point, the function the first convertible assert calls is taken
//! as the one under test).
//!
//! Every statement ends up in exactly one of three lists:
//!
//! - **tests**: an assert of one of the forms in [`call`](super::call)'s
//!   table, whose arguments and expected value are constants (literals
//!   with arithmetic, see [`PyValue::parse_literal`](crate::code::PyValue::parse_literal)). The function may be
//!   wrapped in `list`, `tuple`, `set`, `frozenset` or `sorted` on its
//!   side (`tuple(f(x)) == tuple([..])`), either side may hold the call,
//!   the whole test may be parenthesized, and the assert message (after
//!   the comma) is ignored: Python only evaluates it when the assert fails.
//! - **skipped**: statements that test nothing and cannot make the suite
//!   fail: `assert True` (or any true constant), imports, `pass`,
//!   docstrings and bare names (`print`), `print(…)` of constants, helper
//!   definitions, `METADATA = …` at the top level, and a top-level call of
//!   `check(…)`.
//! - **unconverted**, with the reason: everything that could make the
//!   suite fail but has no call-test form — loops, conditionals,
//!   assignments (variables are not followed, since a test computed at run
//!   time is not a constant), asserts whose expected value is computed
//!   (`== odd_sum`, `== f(x)` on both sides), chained or membership
//!   comparisons, syntax this reader does not take (comprehensions,
//!   lambdas, f-strings in the test). A test is never dropped silently.
//!
//! Parsing is one linear pass (a tokenizer and a recursive-descent parser
//! with bounded depth); constant evaluation is bounded in size.

use super::call::CallTest;
use super::pyeval::Evaluator;
use super::pyexpr::{Expr, Parser};
use super::pysyntax::{LogicalLine, Tok, Token, logical_lines};

mod asserts;

use asserts::Analysis;

/// The outcome of converting a test suite.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversion {
    /// The function the tests call: the entry point given, or the one
    /// inferred from the asserts.
    pub entry_point: Option<String>,
    /// The converted tests, in source order.
    pub tests: Vec<CallTest>,
    /// Statements that could affect the outcome but were not converted.
    pub unconverted: Vec<Unconverted>,
    /// Statements that test nothing.
    pub skipped: Vec<Skipped>,
}

/// A statement that could affect the outcome but has no call-test form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconverted {
    /// The 1-based line where it starts.
    pub line: usize,
    /// Its source, cut to about [`SOURCE_PREVIEW`] bytes.
    pub source: String,
    /// Why it was not converted.
    pub reason: String,
}

/// A statement that tests nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The 1-based line where it starts.
    pub line: usize,
    /// Its source, cut to about [`SOURCE_PREVIEW`] bytes.
    pub source: String,
    /// What it is.
    pub reason: String,
}

/// How much of a statement's source a report keeps.
pub const SOURCE_PREVIEW: usize = 300;

/// Converts a test source: a HumanEval `def check(candidate):` (its body's
/// asserts call `candidate`, or `entry_point` by name) and any top-level
/// asserts (calling `entry_point`, or the function they all call).
pub fn convert(source: &str, entry_point: Option<&str>) -> Conversion {
    let mut c = Converter::new(entry_point);
    c.source(source, 0);
    c.out
}

/// Converts a list of assert statements (MBPP's `test_list`) as if joined
/// by newlines — line numbers count that way — but each read on its own,
/// so that a broken one cannot swallow the next.
pub fn convert_asserts<S: AsRef<str>>(asserts: &[S], entry_point: Option<&str>) -> Conversion {
    let mut c = Converter::new(entry_point);
    let mut offset = 0;
    for a in asserts {
        let a = a.as_ref();
        c.source(a, offset);
        offset += a.split('\n').count();
    }
    c.out
}

/// A conversion in progress. When no entry point is given, the first
/// converted test fixes it.
struct Converter {
    entry_point: Option<String>,
    /// Whether the entry point is inferred (none was given).
    infer: bool,
    out: Conversion,
}

impl Converter {
    fn new(entry_point: Option<&str>) -> Self {
        Converter {
            entry_point: entry_point.map(str::to_owned),
            infer: entry_point.is_none(),
            out: Conversion {
                entry_point: entry_point.map(str::to_owned),
                ..Conversion::default()
            },
        }
    }

    fn source(&mut self, src: &str, offset: usize) {
        let lines = logical_lines(src);
        self.block(src, &lines, offset, None);
    }

    /// The statements of a block; `param` is the parameter of the
    /// enclosing `check` (none at the top level).
    fn block(&mut self, src: &str, lines: &[LogicalLine], offset: usize, param: Option<&str>) {
        let mut i = 0;
        while i < lines.len() {
            let mut j = i + 1;
            while j < lines.len() && lines[j].indent > lines[i].indent {
                j += 1;
            }
            self.statement(src, &lines[i..j], offset, param);
            i = j;
        }
    }

    fn statement(&mut self, src: &str, stmt: &[LogicalLine], offset: usize, param: Option<&str>) {
        let head = &stmt[0];
        let end = stmt.last().map_or(head.end, |l| l.end);
        let source = plaudit_core::preview(src[head.start..end].trim_end(), SOURCE_PREVIEW);
        let line = head.line + offset;
        let top = param.is_none();
        let first = match head.tokens.first().map(|t| &t.tok) {
            Some(Tok::Name(n)) => n.as_str(),
            _ => "",
        };
        let verdict: Result<Option<CallTest>, Result<String, String>> = if let Some(e) = &head.error
        {
            Err(Err(format!("syntax error: {e}")))
        } else {
            match first {
                "def" => match def_check_param(head) {
                    Some(p) if top => {
                        if stmt.len() == 1 {
                            Err(Err("a one-line `def check`: its body is not read".into()))
                        } else {
                            self.block(src, &stmt[1..], offset, Some(p));
                            return;
                        }
                    }
                    _ => Err(Ok(format!(
                        "the definition of `{}` (asserts that use it are reported on their own)",
                        def_name(head)
                    ))),
                },
                "class" => Err(Ok("a class definition".into())),
                "import" | "from" => Err(Ok("an import".into())),
                "pass" => Err(Ok("`pass`".into())),
                "assert" if stmt.len() == 1 => self.assert(head, param),
                "for" | "while" | "async" => Err(Err(format!(
                    "a `{first}` loop: the values it tests are computed at run time"
                ))),
                "if" | "elif" | "else" | "try" | "except" | "finally" | "with" | "match" => {
                    Err(Err(format!(
                        "an `{first}` block: tests under a condition or a context cannot be converted"
                    )))
                }
                "return" | "raise" | "del" | "global" | "nonlocal" | "yield" | "break"
                | "continue" => Err(Err(format!("a `{first}` statement"))),
                _ if stmt.len() > 1 => {
                    Err(Err("unexpected indentation after this statement".into()))
                }
                _ => self.simple(head, top),
            }
        };
        match verdict {
            Ok(Some(mut test)) => {
                test.line = Some(line);
                self.out.tests.push(test);
            }
            Ok(None) => {}
            Err(Ok(reason)) => self.out.skipped.push(Skipped {
                line,
                source,
                reason,
            }),
            Err(Err(reason)) => self.out.unconverted.push(Unconverted {
                line,
                source,
                reason,
            }),
        }
    }

    /// An assignment or expression statement: `Err(Ok(_))` skips it,
    /// `Err(Err(_))` reports it unconverted.
    fn simple(
        &mut self,
        head: &LogicalLine,
        top: bool,
    ) -> Result<Option<CallTest>, Result<String, String>> {
        let toks = &head.tokens;
        let mut depth = 0i32;
        for (k, t) in toks.iter().enumerate() {
            match t.tok {
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => depth -= 1,
                Tok::Op(op)
                    if depth == 0
                        && (op == "="
                            || op == ":"
                            || (op.ends_with('=') && !matches!(op, "==" | "!=" | "<=" | ">="))) =>
                {
                    let target = &toks[..k];
                    if top && matches!(target, [Token { tok: Tok::Name(n), .. }] if n == "METADATA")
                    {
                        return Err(Ok("the METADATA dict".into()));
                    }
                    let name = match target.first().map(|t| &t.tok) {
                        Some(Tok::Name(n)) => n.as_str(),
                        _ => "a target",
                    };
                    return Err(Err(format!(
                        "an assignment to `{name}`: variables are not followed (a test is an assert on constants)"
                    )));
                }
                _ => {}
            }
        }
        let mut p = Parser::new(toks);
        let expr = match p.expr_list() {
            Ok(e) if p.at_end() => e,
            Ok(_) => {
                return Err(Err(format!(
                    "cannot parse: more input after the expression: {}",
                    p.describe_next()
                )));
            }
            Err(e) => return Err(Err(format!("cannot parse: {e}"))),
        };
        match &expr {
            Expr::Const(_) => Err(Ok("a constant expression, such as a docstring".into())),
            Expr::Name(n) => Err(Ok(format!("the bare name `{n}` (no effect)"))),
            Expr::Call { func, args, kwargs } if matches!(&**func, Expr::Name(n) if n == "print") =>
            {
                let mut ev = Evaluator::default();
                let constant = args
                    .iter()
                    .chain(kwargs.iter().map(|(_, e)| e))
                    .all(|a| ev.eval(a).is_ok());
                if constant {
                    Err(Ok("a print() of constants".into()))
                } else {
                    Err(Err("a print() of computed values outside an assert".into()))
                }
            }
            Expr::Call { func, .. } if top && matches!(&**func, Expr::Name(n) if n == "check") => {
                Err(Ok(
                    "the call of check() (its body's asserts are the tests)".into()
                ))
            }
            _ => Err(Err(
                "an expression outside an assert: only asserts are converted into tests".into(),
            )),
        }
    }

    fn assert(
        &mut self,
        head: &LogicalLine,
        param: Option<&str>,
    ) -> Result<Option<CallTest>, Result<String, String>> {
        let mut p = Parser::new(&head.tokens[1..]);
        let test = p
            .expr()
            .map_err(|e| Err(format!("the assert uses {e}, which is not supported")))?;
        // What follows a comma is the message, evaluated only on failure.
        if !p.at_end() && !matches!(p.peek(), Some(Tok::Op(","))) {
            return Err(Err(format!(
                "the assert continues after its test: {}",
                p.describe_next()
            )));
        }
        match self.analyze(&test, param) {
            Ok(Analysis::Test(t)) => Ok(Some(t)),
            Ok(Analysis::Trivial(why)) => Err(Ok(why)),
            Err(why) => Err(Err(why)),
        }
    }
}

/// `NAME` of `def check(NAME):`.
fn def_check_param(head: &LogicalLine) -> Option<&str> {
    match head
        .tokens
        .iter()
        .map(|t| &t.tok)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [
            Tok::Name(_def),
            Tok::Name(check),
            Tok::Op("("),
            Tok::Name(p),
            Tok::Op(")"),
            Tok::Op(":"),
        ] if check == "check" => Some(p.as_str()),
        _ => None,
    }
}

fn def_name(head: &LogicalLine) -> &str {
    match head.tokens.get(1).map(|t| &t.tok) {
        Some(Tok::Name(n)) => n,
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_bodies() {
        let src = "\n\nMETADATA = {\n    'author': 'jt',\n}\n\nimport math\n\ndef check(candidate):\n    import random\n    \"\"\"doc\"\"\"\n    # a comment\n    print\n    assert True, 'always'\n    assert candidate(1) == 2, 'msg'\n    assert add(2) == 3\n    x = 5\n    for i in range(3):\n        assert candidate(i) == i + 1\n    assert candidate(3) == 4\n\ncheck(add)\n";
        let c = convert(src, Some("add"));
        let lines: Vec<_> = c.tests.iter().map(|t| t.line.unwrap()).collect();
        assert_eq!(lines, [15, 16, 20]);
        assert_eq!(c.entry_point.as_deref(), Some("add"));
        let skipped: Vec<_> = c
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (3, "the METADATA dict"),
                (7, "an import"),
                (10, "an import"),
                (11, "a constant expression, such as a docstring"),
                (13, "the bare name `print` (no effect)"),
                (14, "`assert True` is always true"),
                (22, "the call of check() (its body's asserts are the tests)"),
            ]
        );
        let unconverted: Vec<_> = c
            .unconverted
            .iter()
            .map(|u| (u.line, u.source.as_str()))
            .collect();
        assert_eq!(
            unconverted,
            [
                (17, "x = 5"),
                (
                    18,
                    "for i in range(3):\n        assert candidate(i) == i + 1"
                )
            ]
        );
    }

    #[test]
    fn asserts_infer_the_entry_point() {
        let c = convert_asserts(
            &[
                "assert len(remove_Occ('a', 'b')) == 0",
                "assert remove_Occ(\"hello\",\"l\") == \"heo\"",
                "assert remove_Occ(\"\",\n \"l\") == \"\"",
                "assert other(1) == 2",
                "assert set(remove_Occ('a', 'b')) == set()",
            ],
            None,
        );
        assert_eq!(c.entry_point.as_deref(), Some("remove_Occ"));
        let lines: Vec<_> = c.tests.iter().map(|t| t.line.unwrap()).collect();
        assert_eq!(lines, [2, 3, 6]);
        let reasons: Vec<_> = c
            .unconverted
            .iter()
            .map(|u| (u.line, u.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    1,
                    "neither side of `==` calls a function: one is a call to `len`, the other a constant"
                ),
                (
                    5,
                    "neither side of `==` calls the function under test (`remove_Occ`): one is a call to `other`, the other a constant"
                ),
            ]
        );
    }

    #[test]
    fn a_broken_assert_does_not_swallow_the_next() {
        let c = convert_asserts(&["assert f((1) == 2", "assert f(1) == 2"], Some("f"));
        assert_eq!(c.tests.len(), 1);
        assert_eq!(
            c.unconverted[0].reason,
            "syntax error: '(' was never closed"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "(assert |def check\\(c\\):\n    |for |x = )?[a-z0-9 '()\\[\\]{},:.*+=<>!-]{0,40}") {
            let _ = convert(&src, None);
            let _ = convert(&src, Some("f"));
        }
    }
}
