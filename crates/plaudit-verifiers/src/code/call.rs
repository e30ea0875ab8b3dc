//! Call tests: call the function under test with these arguments, then
//! judge what it returned — in Rust, never in the sandbox.
//!
//! A [`CallTest`] holds the arguments (which go into the sandbox), the
//! [`Transform`]s an assert applied to the result (`tuple(f(x)) == …`,
//! `sorted(f(x)) == …`) and the [`Check`] with its expected value (which
//! never goes into the sandbox). [`check_call`] applies the transforms to
//! the returned value and then the check, with Python's semantics:
//!
//! | assert                                   | check                          |
//! |------------------------------------------|--------------------------------|
//! | `f(x) == e`, `e == f(x)`                 | `Equal` ([`py_eq`])            |
//! | `f(x) != e`                              | `NotEqual`                     |
//! | `f(x) is True` / `False` / `None`        | `Is` (the exact singleton: `1 is True` is false) |
//! | `f(x) is not None`…                      | `Is` with `negated`            |
//! | `f(x)` / `not f(x)`                      | `Truthy` / `Falsy`             |
//! | `abs(f(x) - e) < t` (or `<=`)            | `AbsDiff`                      |
//! | `math.isclose(f(x), e, rel_tol=…, abs_tol=…)` | `IsClose`                 |
//!
//! A transform that Python would refuse (`tuple(5)`, `sorted([1, 'a'])`)
//! fails the test with Python's error.

use super::compare::Verdict;
use super::pyvalue::{PyValue, Tolerance, iterate, py_eq, sort_values, unique};

/// One call of the function under test and how to judge its result.
#[derive(Debug, Clone, PartialEq)]
pub struct CallTest {
    /// Positional arguments.
    pub args: Vec<PyValue>,
    /// Keyword arguments, in order.
    pub kwargs: Vec<(String, PyValue)>,
    /// Applied to the returned value in order (innermost first) before the
    /// check: `sorted(tuple(f(x)))` is `[Tuple, Sorted]`.
    pub transforms: Vec<Transform>,
    /// How the (transformed) result is judged.
    pub check: Check,
    /// The 1-based source line the test came from, when it came from
    /// source.
    pub line: Option<usize>,
}

/// A builtin an assert applied to the result before comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `list(result)`.
    List,
    /// `tuple(result)`.
    Tuple,
    /// `set(result)`.
    Set,
    /// `frozenset(result)`.
    FrozenSet,
    /// `sorted(result)`.
    Sorted,
}

impl Transform {
    /// The transform a builtin's name stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "list" => Transform::List,
            "tuple" => Transform::Tuple,
            "set" => Transform::Set,
            "frozenset" => Transform::FrozenSet,
            "sorted" => Transform::Sorted,
            _ => return None,
        })
    }

    /// The builtin's name.
    pub fn name(self) -> &'static str {
        match self {
            Transform::List => "list",
            Transform::Tuple => "tuple",
            Transform::Set => "set",
            Transform::FrozenSet => "frozenset",
            Transform::Sorted => "sorted",
        }
    }

    /// The builtin applied to `v`, or Python's error.
    pub fn apply(self, v: PyValue) -> Result<PyValue, String> {
        let items = iterate(v)?;
        Ok(match self {
            Transform::List => PyValue::List(items),
            Transform::Tuple => PyValue::Tuple(items),
            Transform::Set => PyValue::Set(unique(items)?),
            Transform::FrozenSet => PyValue::FrozenSet(unique(items)?),
            Transform::Sorted => PyValue::List(sort_values(items, false)?),
        })
    }
}

/// `True`, `False` or `None`, for `is` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Singleton {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `None`.
    None,
}

impl Singleton {
    fn value(self) -> PyValue {
        match self {
            Singleton::True => PyValue::Bool(true),
            Singleton::False => PyValue::Bool(false),
            Singleton::None => PyValue::None,
        }
    }
}

/// How a result is judged.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `result == expected`, floats within `tolerance` when given.
    Equal {
        /// The expected value.
        expected: PyValue,
        /// The float tolerance (none: Python's exact `==`).
        tolerance: Option<Tolerance>,
    },
    /// `result != expected`.
    NotEqual {
        /// The value the result must differ from.
        expected: PyValue,
    },
    /// `result is expected` (or `is not`, when `negated`).
    Is {
        /// The singleton.
        expected: Singleton,
        /// Whether the assert said `is not`.
        negated: bool,
    },
    /// `bool(result)` is true.
    Truthy,
    /// `bool(result)` is false.
    Falsy,
    /// `abs(result - expected) < tolerance` (`<=` when `inclusive`).
    AbsDiff {
        /// The expected number.
        expected: PyValue,
        /// The bound on the difference.
        tolerance: f64,
        /// Whether the bound itself passes.
        inclusive: bool,
    },
    /// `math.isclose(result, expected, rel_tol=…, abs_tol=…)`.
    IsClose {
        /// The expected number.
        expected: PyValue,
        /// The relative tolerance (Python's default 1e-9).
        rel_tol: f64,
        /// The absolute tolerance (Python's default 0).
        abs_tol: f64,
    },
}

/// How much of a value a failure message repeats.
const VALUE_PREVIEW: usize = 120;

fn show(v: &PyValue) -> String {
    v.repr_preview(VALUE_PREVIEW)
}

/// Judges the value a call returned.
pub fn check_call(test: &CallTest, got: &PyValue) -> Verdict {
    let mut value = got.clone();
    for t in &test.transforms {
        match t.apply(value) {
            Ok(v) => value = v,
            Err(e) => return Verdict::Fail(format!("{}() of the result: {e}", t.name())),
        }
    }
    let got = &value;
    let fail = |why: String| Verdict::Fail(why);
    match &test.check {
        Check::Equal {
            expected,
            tolerance,
        } => {
            if py_eq(got, expected, *tolerance) {
                Verdict::Pass
            } else {
                fail(format!("expected {}, got {}", show(expected), show(got)))
            }
        }
        Check::NotEqual { expected } => {
            if py_eq(got, expected, None) {
                fail(format!("expected a value other than {}", show(expected)))
            } else {
                Verdict::Pass
            }
        }
        Check::Is { expected, negated } => {
            let want = expected.value();
            // Identity of singletons: the same variant, not `==`.
            let same = *got == want;
            if same != *negated {
                Verdict::Pass
            } else if *negated {
                fail(format!("expected anything but {want}, got {}", show(got)))
            } else {
                fail(format!("expected exactly {want}, got {}", show(got)))
            }
        }
        Check::Truthy if got.is_truthy() => Verdict::Pass,
        Check::Truthy => fail(format!("expected a true value, got {}", show(got))),
        Check::Falsy if !got.is_truthy() => Verdict::Pass,
        Check::Falsy => fail(format!("expected a false value, got {}", show(got))),
        Check::AbsDiff {
            expected,
            tolerance,
            inclusive,
        } => {
            let Some(diff) = abs_diff(got, expected) else {
                return fail(format!(
                    "expected a number near {}, got {}",
                    show(expected),
                    show(got)
                ));
            };
            let within = if *inclusive {
                diff <= *tolerance
            } else {
                diff < *tolerance
            };
            if within {
                Verdict::Pass
            } else {
                fail(format!(
                    "expected {} within {tolerance:e}, got {}",
                    show(expected),
                    show(got)
                ))
            }
        }
        Check::IsClose {
            expected,
            rel_tol,
            abs_tol,
        } => {
            let (Some(a), Some(b)) = (got.as_f64(), expected.as_f64()) else {
                return fail(format!(
                    "expected a number close to {}, got {}",
                    show(expected),
                    show(got)
                ));
            };
            if (Tolerance {
                abs: *abs_tol,
                rel: *rel_tol,
            })
            .close(a, b)
            {
                Verdict::Pass
            } else {
                fail(format!(
                    "expected a number close to {}, got {}",
                    show(expected),
                    show(got)
                ))
            }
        }
    }
}

/// Python's `abs(a - b)` for numbers, as a float (exact for two ints).
fn abs_diff(a: &PyValue, b: &PyValue) -> Option<f64> {
    let int = |v: &PyValue| match v {
        PyValue::Int(i) => Some(i.clone()),
        PyValue::Bool(b) => Some(u8::from(*b).into()),
        _ => None,
    };
    if let (Some(x), Some(y)) = (int(a), int(b)) {
        return PyValue::Int(x - y).as_f64().map(f64::abs);
    }
    Some((a.as_f64()? - b.as_f64()?).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    fn test(transforms: &[Transform], check: Check) -> CallTest {
        CallTest {
            args: vec![],
            kwargs: vec![],
            transforms: transforms.to_vec(),
            check,
            line: None,
        }
    }

    fn eq(src: &str) -> Check {
        Check::Equal {
            expected: lit(src),
            tolerance: None,
        }
    }

    #[test]
    fn checks_follow_python() {
        use Transform as T;
        let is = |expected, negated| Check::Is { expected, negated };
        let abs = |e: &str, t, inclusive| Check::AbsDiff {
            expected: lit(e),
            tolerance: t,
            inclusive,
        };
        let close = |e: &str, rel_tol, abs_tol| Check::IsClose {
            expected: lit(e),
            rel_tol,
            abs_tol,
        };
        #[rustfmt::skip]
        let cases: Vec<(&[Transform], Check, &str, bool)> = vec![
            (&[], eq("[1, 2]"), "[1, 2]", true),
            (&[], eq("[1, 2]"), "(1, 2)", false),
            (&[], eq("True"), "1", true),
            (&[], eq("0.5"), "0.5", true),
            (&[], eq("(3.9, 4.0)"), "(3.9, 4)", true),
            (&[], Check::NotEqual { expected: lit("1") }, "2", true),
            (&[], Check::NotEqual { expected: lit("1") }, "1.0", false),
            (&[], is(Singleton::True, false), "True", true),
            (&[], is(Singleton::True, false), "1", false),
            (&[], is(Singleton::False, false), "0", false),
            (&[], is(Singleton::None, false), "None", true),
            (&[], is(Singleton::None, true), "0", true),
            (&[], is(Singleton::None, true), "None", false),
            (&[], Check::Truthy, "[0]", true),
            (&[], Check::Truthy, "float('nan')", true),
            (&[], Check::Truthy, "''", false),
            (&[], Check::Falsy, "0.0", true),
            (&[], Check::Falsy, "None", true),
            (&[], Check::Falsy, "'0'", false),
            (&[], abs("0.33", 1e-6, false), "0.33000000001", true),
            (&[], abs("0.33", 1e-6, false), "0.331", false),
            (&[], abs("1", 1.0, false), "2", false),
            (&[], abs("1", 1.0, true), "2", true),
            (&[], abs("0.5", 1e-6, false), "'0.5'", false),
            (&[], abs("0.5", 1e-6, false), "float('nan')", false),
            (&[], abs("10**30", 0.5, false), "10**30", true),
            (&[], close("1.0", 1e-9, 0.0), "1.0000000001", true),
            (&[], close("1.0", 1e-9, 0.0), "1.001", false),
            (&[], close("0", 1e-9, 1e-3), "0.0001", true),
            (&[], close("float('inf')", 1e-9, 0.0), "float('inf')", true),
            (&[T::Tuple], eq("(1, 2)"), "[1, 2]", true),
            (&[T::Set], eq("{1, 2}"), "[2, 1, 2]", true),
            (&[T::Set], eq("{1, 2}"), "[2, 1, 3]", false),
            (&[T::Sorted], eq("[1, 2, 3]"), "(3, 1, 2)", true),
            (&[T::Sorted], eq("['a', 'b']"), "{'b': 1, 'a': 2}", true),
            (&[T::List], eq("['a', 'b']"), "'ab'", true),
            (&[T::List, T::Sorted], eq("[1, 2]"), "{2, 1}", true),
            (&[T::FrozenSet], eq("{1}"), "[1, 1]", true),
            (&[T::Tuple], eq("(5,)"), "5", false),
            (&[T::Sorted], eq("[1, 'a']"), "[1, 'a']", false),
        ];
        for (transforms, check, got, pass) in cases {
            let t = test(transforms, check);
            let v = check_call(&t, &lit(got));
            assert_eq!(v.passed(), pass, "{t:?} on {got}: {v:?}");
        }
    }

    #[test]
    fn failure_messages() {
        let fail = |t: CallTest, got: &str| match check_call(&t, &lit(got)) {
            Verdict::Fail(m) => m,
            Verdict::Pass => panic!("passed"),
        };
        assert_eq!(
            fail(test(&[], eq("[1, 2]")), "[1, 3]"),
            "expected [1, 2], got [1, 3]"
        );
        assert_eq!(
            fail(test(&[Transform::Tuple], eq("(1,)")), "5"),
            "tuple() of the result: TypeError: 'int' object is not iterable"
        );
        assert_eq!(
            fail(
                test(
                    &[],
                    Check::Is {
                        expected: Singleton::True,
                        negated: false
                    }
                ),
                "1"
            ),
            "expected exactly True, got 1"
        );
        let long_list = format!("[{}]", "1, ".repeat(1000));
        let long = fail(test(&[], eq("0")), &long_list);
        assert!(long.len() < 300, "{long}");
    }
}
