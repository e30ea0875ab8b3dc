//! From one assert's test expression to a call test: finding the call of
//! the function under test (possibly wrapped in `list`/`tuple`/`set`/
//! `frozenset`/`sorted`), recognizing the form of the assert around it,
//! and evaluating the arguments and expected value as constants.

use super::Converter;
use crate::code::call::{CallTest, Check, Singleton, Transform};
use crate::code::pyeval::Evaluator;
use crate::code::pyexpr::{BinOp, CmpOp, Expr, UnaryOp};
use crate::code::pyvalue::PyValue;

/// Builtins that are never the function under test when it is inferred.
#[rustfmt::skip]
const BUILTINS: [&str; 28] = [
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "frozenset", "int",
    "isinstance", "len", "list", "map", "max", "min", "print", "range", "repr", "reversed",
    "round", "set", "sorted", "str", "sum", "tuple", "type", "zip",
];

/// The call of the function under test inside one side of an assert.
struct CallSide<'e> {
    name: &'e str,
    args: &'e [Expr],
    kwargs: &'e [(String, Expr)],
    transforms: Vec<Transform>,
}

/// What an assert comes to: a test, or nothing to test (and why).
pub(super) enum Analysis {
    Test(CallTest),
    Trivial(String),
}

impl Converter {
    fn is_target(&self, name: &str, param: Option<&str>) -> bool {
        if param == Some(name) || self.entry_point.as_deref() == Some(name) {
            return true;
        }
        param.is_none() && self.infer && self.entry_point.is_none() && !BUILTINS.contains(&name)
    }

    fn target_desc(&self, param: Option<&str>) -> String {
        match (param, self.entry_point.as_deref()) {
            (Some(p), Some(e)) => format!("the function under test (`{p}` or `{e}`)"),
            (Some(p), None) | (None, Some(p)) => format!("the function under test (`{p}`)"),
            (None, None) => "a function".into(),
        }
    }

    /// The call of the function under test that `e` is, possibly wrapped
    /// in `list`/`tuple`/`set`/`frozenset`/`sorted`.
    fn call_side<'e>(&self, e: &'e Expr, param: Option<&str>) -> Option<CallSide<'e>> {
        let Expr::Call { func, args, kwargs } = e else {
            return None;
        };
        let Expr::Name(name) = &**func else {
            return None;
        };
        if self.is_target(name, param) {
            return Some(CallSide {
                name,
                args,
                kwargs,
                transforms: Vec::new(),
            });
        }
        match (
            Transform::from_name(name),
            args.as_slice(),
            kwargs.is_empty(),
        ) {
            (Some(t), [inner], true) => {
                let mut side = self.call_side(inner, param)?;
                side.transforms.push(t);
                Some(side)
            }
            _ => None,
        }
    }

    pub(super) fn analyze(&mut self, e: &Expr, param: Option<&str>) -> Result<Analysis, String> {
        match e {
            Expr::Const(v) if v.is_truthy() => {
                Ok(Analysis::Trivial(format!("`assert {v}` is always true")))
            }
            Expr::Const(v) => Err(format!("`assert {v}` always fails")),
            Expr::Compare(left, ops) => {
                let [(op, right)] = ops.as_slice() else {
                    return Err("a chained comparison (`a < b < c`)".into());
                };
                match op {
                    CmpOp::Eq | CmpOp::NotEq => self.equality(left, *op, right, param),
                    CmpOp::Is | CmpOp::IsNot => {
                        let singleton = match right {
                            Expr::Const(PyValue::Bool(true)) => Singleton::True,
                            Expr::Const(PyValue::Bool(false)) => Singleton::False,
                            Expr::Const(PyValue::None) => Singleton::None,
                            _ => {
                                return Err(format!(
                                    "`{}` with something other than True, False or None",
                                    op.symbol()
                                ));
                            }
                        };
                        let Some(side) = self.call_side(left, param) else {
                            return Err(format!(
                                "the left side of `{}` is {}, not a call of {}",
                                op.symbol(),
                                describe(left),
                                self.target_desc(param)
                            ));
                        };
                        self.test(
                            side,
                            Check::Is {
                                expected: singleton,
                                negated: *op == CmpOp::IsNot,
                            },
                        )
                    }
                    CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
                        self.abs_bound(left, *op, right, param)
                    }
                    CmpOp::In | CmpOp::NotIn => {
                        Err(format!("a membership test (`{}`)", op.symbol()))
                    }
                }
            }
            Expr::Unary(UnaryOp::Not, inner) => match self.call_side(inner, param) {
                Some(side) => self.test(side, Check::Falsy),
                None => Err(format!(
                    "`not` of {}, not of a call of {}",
                    describe(inner),
                    self.target_desc(param)
                )),
            },
            Expr::Call { func, args, kwargs } if is_isclose(func) => {
                self.isclose(args, kwargs, param)
            }
            Expr::BoolOp(and, _) => Err(format!(
                "`{}` of several conditions (one assert per condition converts)",
                if *and { "and" } else { "or" }
            )),
            _ => match self.call_side(e, param) {
                Some(side) => self.test(side, Check::Truthy),
                None => Err(format!(
                    "the assert tests {}, not a call of {}",
                    describe(e),
                    self.target_desc(param)
                )),
            },
        }
    }

    /// The side that calls the function and the other side, or why not.
    fn sides<'e>(
        &self,
        a: &'e Expr,
        b: &'e Expr,
        what: &str,
        param: Option<&str>,
    ) -> Result<(CallSide<'e>, &'e Expr), String> {
        match (self.call_side(a, param), self.call_side(b, param)) {
            (Some(_), Some(_)) => Err(format!(
                "both sides of {what} call {}: the expected value is computed at run time",
                self.target_desc(param)
            )),
            (Some(side), None) => Ok((side, b)),
            (None, Some(side)) => Ok((side, a)),
            (None, None) => Err(format!(
                "neither side of {what} calls {}: one is {}, the other {}",
                self.target_desc(param),
                describe(a),
                describe(b)
            )),
        }
    }

    fn equality(
        &mut self,
        left: &Expr,
        op: CmpOp,
        right: &Expr,
        param: Option<&str>,
    ) -> Result<Analysis, String> {
        let (side, other) = self.sides(left, right, &format!("`{}`", op.symbol()), param)?;
        let expected = constant(other)
            .map_err(|e| format!("the expected value is not a constant: it contains {e}"))?;
        let check = if op == CmpOp::Eq {
            Check::Equal {
                expected,
                tolerance: None,
            }
        } else {
            Check::NotEqual { expected }
        };
        self.test(side, check)
    }

    /// `abs(f(x) - e) < t` and its mirror images.
    fn abs_bound(
        &mut self,
        left: &Expr,
        op: CmpOp,
        right: &Expr,
        param: Option<&str>,
    ) -> Result<Analysis, String> {
        let (abs, bound) = match op {
            CmpOp::Lt | CmpOp::LtE => (left, right),
            _ => (right, left),
        };
        let shape = || {
            format!(
                "a `{}` comparison that is not `abs(f(...) - expected) < tolerance`",
                op.symbol()
            )
        };
        let Expr::Call { func, args, kwargs } = abs else {
            return Err(shape());
        };
        let (Expr::Name(abs_name), [Expr::Binary(BinOp::Sub, a, b)], true) =
            (&**func, args.as_slice(), kwargs.is_empty())
        else {
            return Err(shape());
        };
        if abs_name != "abs" {
            return Err(shape());
        }
        let (side, other) = self.sides(a, b, "the difference", param)?;
        let expected = number(other, "the expected value")?;
        let tolerance = number(bound, "the tolerance")?.as_f64().expect("a number");
        let inclusive = matches!(op, CmpOp::LtE | CmpOp::GtE);
        self.test(
            side,
            Check::AbsDiff {
                expected,
                tolerance,
                inclusive,
            },
        )
    }

    fn isclose(
        &mut self,
        args: &[Expr],
        kwargs: &[(String, Expr)],
        param: Option<&str>,
    ) -> Result<Analysis, String> {
        let [a, b] = args else {
            return Err("`isclose` without exactly two positional arguments".into());
        };
        let (side, other) = self.sides(a, b, "`isclose`", param)?;
        let expected = number(other, "the expected value")?;
        let (mut rel_tol, mut abs_tol) = (1e-9, 0.0);
        for (k, v) in kwargs {
            let x = number(v, &format!("`{k}`"))?.as_f64().expect("a number");
            match k.as_str() {
                "rel_tol" => rel_tol = x,
                "abs_tol" => abs_tol = x,
                _ => return Err(format!("`isclose` with the keyword argument `{k}`")),
            }
        }
        self.test(
            side,
            Check::IsClose {
                expected,
                rel_tol,
                abs_tol,
            },
        )
    }

    /// A test of `side`'s call, once its arguments are constants.
    fn test(&mut self, side: CallSide<'_>, check: Check) -> Result<Analysis, String> {
        let mut args = Vec::with_capacity(side.args.len());
        for (i, a) in side.args.iter().enumerate() {
            args.push(
                constant(a).map_err(|e| {
                    format!("argument {} is not a constant: it contains {e}", i + 1)
                })?,
            );
        }
        let mut kwargs = Vec::with_capacity(side.kwargs.len());
        for (k, a) in side.kwargs {
            let v = constant(a).map_err(|e| {
                format!("the keyword argument `{k}` is not a constant: it contains {e}")
            })?;
            kwargs.push((k.clone(), v));
        }
        if self.infer && self.entry_point.is_none() {
            self.entry_point = Some(side.name.to_owned());
            self.out.entry_point = self.entry_point.clone();
        }
        Ok(Analysis::Test(CallTest {
            args,
            kwargs,
            transforms: side.transforms,
            check,
            line: None,
        }))
    }
}

/// The value of a constant expression.
fn constant(e: &Expr) -> Result<PyValue, String> {
    Evaluator::default().eval(e)
}

/// The value of a constant number (bool, int or float).
fn number(e: &Expr, what: &str) -> Result<PyValue, String> {
    let v = constant(e).map_err(|err| format!("{what} is not a constant: it contains {err}"))?;
    if v.as_f64().is_none() {
        return Err(format!("{what} is not a number: {}", v.repr_preview(60)));
    }
    Ok(v)
}

fn is_isclose(func: &Expr) -> bool {
    match func {
        Expr::Name(n) => n == "isclose",
        Expr::Attr(base, attr) => {
            attr == "isclose" && matches!(&**base, Expr::Name(m) if m == "math")
        }
        _ => false,
    }
}

/// What an expression is, in words, for a reason.
fn describe(e: &Expr) -> String {
    fn dotted(e: &Expr) -> Option<String> {
        match e {
            Expr::Name(n) => Some(n.clone()),
            Expr::Attr(b, a) => Some(format!("{}.{a}", dotted(b)?)),
            _ => None,
        }
    }
    match e {
        Expr::Call { func, .. } => match dotted(func) {
            Some(name) => format!("a call to `{name}`"),
            None => "a call".into(),
        },
        Expr::Name(n) => format!("the name `{n}`"),
        Expr::Attr(..) => format!("the attribute `{}`", dotted(e).unwrap_or_default()),
        Expr::Subscript(inner, _) => format!("an item of {}", describe(inner)),
        Expr::Const(_) | Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) | Expr::Dict(_) => {
            "a constant".into()
        }
        Expr::Binary(..) | Expr::Unary(..) => "an arithmetic expression".into(),
        Expr::Compare(..) => "a comparison".into(),
        Expr::BoolOp(..) => "a boolean expression".into(),
        Expr::Unsupported(why) => why.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::convert::convert;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    fn one(src: &str) -> CallTest {
        let c = convert(src, Some("f"));
        assert!(c.unconverted.is_empty(), "{src}: {:?}", c.unconverted);
        assert_eq!(c.tests.len(), 1, "{src}");
        c.tests.into_iter().next().unwrap()
    }

    fn unconverted(src: &str) -> String {
        let c = convert(src, Some("f"));
        assert!(c.tests.is_empty(), "{src}: {:?}", c.tests);
        assert_eq!(c.unconverted.len(), 1, "{src}: {c:?}");
        c.unconverted[0].reason.clone()
    }

    fn eq(src: &str) -> Check {
        Check::Equal {
            expected: lit(src),
            tolerance: None,
        }
    }

    #[test]
    fn assert_forms() {
        use Transform as T;
        let is = |expected, negated| Check::Is { expected, negated };
        #[rustfmt::skip]
        let cases: Vec<(&str, &str, Vec<Transform>, Check)> = vec![
            ("assert f(1, 'a') == [1]", "[1, 'a']", vec![], eq("[1]")),
            ("assert [1] == f(1, 'a')", "[1, 'a']", vec![], eq("[1]")),
            ("assert f(1) != 2", "[1]", vec![], Check::NotEqual { expected: lit("2") }),
            ("assert f(x=1, y=[2]) == 3", "[]", vec![], eq("3")),
            ("assert f() is True", "[]", vec![], is(Singleton::True, false)),
            ("assert f() is not None", "[]", vec![], is(Singleton::None, true)),
            ("assert f(1)", "[1]", vec![], Check::Truthy),
            ("assert not f(1)", "[1]", vec![], Check::Falsy),
            ("assert (f(1) == 2), 'msg'", "[1]", vec![], eq("2")),
            ("assert f(1) == 2, f'{f(1)} is wrong'", "[1]", vec![], eq("2")),
            ("assert f(1) == 2, \"got \" + str(f(1))", "[1]", vec![], eq("2")),
            ("assert f(3 * 19) == [3, 19]", "[57]", vec![], eq("[3, 19]")),
            ("assert f(('[]')) == False", "['[]']", vec![], eq("False")),
            ("assert tuple(f([1])) == tuple([2, 3])", "[[1]]", vec![T::Tuple], eq("(2, 3)")),
            ("assert set(f(1)) == set([1, 2])", "[1]", vec![T::Set], eq("{1, 2}")),
            ("assert sorted(f(1)) == [1, 2]", "[1]", vec![T::Sorted], eq("[1, 2]")),
            ("assert sorted(list(f(1))) == [1, 2]", "[1]", vec![T::List, T::Sorted], eq("[1, 2]")),
            ("assert f(1) == float('inf')", "[1]", vec![], eq("float('inf')")),
            ("assert abs(f(1.33) - 0.33) < 1e-6", "[1.33]", vec![], Check::AbsDiff { expected: lit("0.33"), tolerance: 1e-6, inclusive: false }),
            ("assert abs(2.0/3.0 - f([1.0])) <= 1e-6", "[[1.0]]", vec![], Check::AbsDiff { expected: lit("2.0/3.0"), tolerance: 1e-6, inclusive: true }),
            ("assert 1e-6 > abs(f(1) - 2)", "[1]", vec![], Check::AbsDiff { expected: lit("2"), tolerance: 1e-6, inclusive: false }),
            ("assert math.isclose(f(2), 1.414, rel_tol=1e-3)", "[2]", vec![], Check::IsClose { expected: lit("1.414"), rel_tol: 1e-3, abs_tol: 0.0 }),
            ("assert isclose(0.5, f(2), abs_tol=0.01)", "[2]", vec![], Check::IsClose { expected: lit("0.5"), rel_tol: 1e-9, abs_tol: 0.01 }),
            ("assert f(\n  [1,\n   2]) == (\n 3)", "[[1, 2]]", vec![], eq("3")),
            ("assert f(1) == \\\n 2", "[1]", vec![], eq("2")),
        ];
        for (src, args, transforms, check) in cases {
            let t = one(src);
            assert_eq!(PyValue::List(t.args.clone()), lit(args), "{src}");
            assert_eq!(t.transforms, transforms, "{src}");
            assert_eq!(t.check, check, "{src}");
            assert_eq!(t.line, Some(1), "{src}");
        }
        assert_eq!(
            one("assert f(x=1, y=[2]) == 3").kwargs,
            vec![("x".into(), lit("1")), ("y".into(), lit("[2]"))]
        );
    }

    #[test]
    fn reasons_for_what_does_not_convert() {
        #[rustfmt::skip]
        let cases = [
            ("assert f(1) == odd_sum", "the expected value is not a constant: it contains the name `odd_sum`"),
            ("assert f(lst) == 1", "argument 1 is not a constant: it contains the name `lst`"),
            ("assert f(k=g(1)) == 1", "the keyword argument `k` is not a constant: it contains a call to `g`"),
            ("assert f(1) == f(2)", "both sides of `==` call the function under test (`f`): the expected value is computed at run time"),
            ("assert g(1) == 2", "neither side of `==` calls the function under test (`f`): one is a call to `g`, the other a constant"),
            ("assert len(f(1)) == 2", "neither side of `==` calls the function under test (`f`): one is a call to `len`, the other a constant"),
            ("assert f(1)[0] == 2", "neither side of `==` calls the function under test (`f`): one is an item of a call to `f`, the other a constant"),
            ("assert 0 < f(1) < 3", "a chained comparison (`a < b < c`)"),
            ("assert f(1) in (1, 2)", "a membership test (`in`)"),
            ("assert f(1) < 3", "a `<` comparison that is not `abs(f(...) - expected) < tolerance`"),
            ("assert abs(f(1) - 2) < tol", "the tolerance is not a constant: it contains the name `tol`"),
            ("assert abs(f(1) - 'a') < 1", "the expected value is not a number: 'a'"),
            ("assert f(1) is 2", "`is` with something other than True, False or None"),
            ("assert f(1) == 2 and f(2) == 3", "`and` of several conditions (one assert per condition converts)"),
            ("assert isinstance(f(1), int)", "the assert tests a call to `isinstance`, not a call of the function under test (`f`)"),
            ("assert f([x for x in y]) == 1", "the assert uses a comprehension, which is not supported"),
            ("assert False", "`assert False` always fails"),
            ("assert f(1) == 2 3", "the assert continues after its test: a number"),
            ("assert f('abc) == 1", "syntax error: unterminated string literal"),
            ("x = f(1)", "an assignment to `x`: variables are not followed (a test is an assert on constants)"),
            ("x += 1", "an assignment to `x`: variables are not followed (a test is an assert on constants)"),
            ("for i in range(3):\n    assert f(i) == i", "a `for` loop: the values it tests are computed at run time"),
            ("if True:\n    assert f(1) == 1", "an `if` block: tests under a condition or a context cannot be converted"),
            ("f(1)", "an expression outside an assert: only asserts are converted into tests"),
            ("print(f(1))", "a print() of computed values outside an assert"),
            ("assert f(1) == 2\n    assert f(2) == 3", "unexpected indentation after this statement"),
        ];
        for (src, want) in cases {
            assert_eq!(unconverted(src), want, "{src}");
        }
    }
}
