//! Properties: parsing never panics; a parsed answer equals itself and its
//! re-rendering; `check` is symmetric under the default policy.

use plaudit_math::{Equivalence, Policy, check, compare, parse};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "1",
    "2",
    "3",
    "0",
    "12",
    "3.5",
    ".",
    ",",
    " ",
    "x",
    "y",
    "n",
    "e",
    "i",
    "\\pi",
    "+",
    "-",
    "*",
    "/",
    "^",
    "_",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\\{",
    "\\}",
    "\\frac",
    "\\dfrac",
    "\\sqrt",
    "\\sin",
    "\\log",
    "\\ln",
    "!",
    "=",
    "<",
    "\\le",
    "\\infty",
    "\\cup",
    "\\pm",
    "\\cdot",
    "\\times",
    "\\text{",
    "cm",
    "\\%",
    "^\\circ",
    "|",
    "&",
    "\\\\",
    "\\begin{pmatrix}",
    "\\end{pmatrix}",
    "\\left(",
    "\\right)",
    "$",
    "B",
    "even",
    "\\binom",
    "10^{",
    "**",
    "1,000",
    "\\,",
    "\\!",
    "°",
    "π",
    "−",
    "é",
];

fn latex() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.concat())
}

/// Well-formed answers, to exercise the comparison rather than the errors.
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0u32..200).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "x",
            "y",
            "\\pi",
            "e",
            "i",
            "0.25",
            "\\sqrt{2}",
            "\\frac{3}{4}",
            "2^{-3}"
        ])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} + {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) - ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("\\frac{{{a}}}{{{b}}}")),
            inner.clone().prop_map(|a| format!("\\sqrt{{{a}}}")),
            inner.clone().prop_map(|a| format!("({a})^{{2}}")),
            inner.clone().prop_map(|a| format!("\\sin({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}, {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} = {b}")),
        ]
    })
}

/// Expressions that leave exact and floating-point range: towers, huge
/// factorials, and sums and quotients of them.
fn huge() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("2".to_string()),
        Just("3".to_string()),
        Just("-2".to_string()),
        Just("\\frac{1}{2}".to_string()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("\\pi".to_string()),
        Just("x".to_string()),
        Just("10^{10}".to_string()),
        Just("5^{5^{5}}".to_string()),
        Just("4000!".to_string()),
    ];
    atom.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})^{{{b}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) - ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("\\frac{{{a}}}{{{b}}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})({b})")),
            inner.clone().prop_map(|a| format!("\\sqrt{{{a}}}")),
            inner.prop_map(|a| format!("\\log_2 ({a})")),
        ]
    })
}

proptest! {
    #[test]
    fn huge_values_never_panic_and_compare_symmetrically(s in huge(), t in huge()) {
        let policy = Policy::default();
        let ab = check(&s, &t, &policy).equivalence;
        let ba = check(&t, &s, &policy).equivalence;
        prop_assert_eq!(ab, ba, "{} vs {}", s, t);
        prop_assert_eq!(check(&s, &s, &policy).equivalence, Equivalence::Equal);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_strings(s in "\\PC{0,200}") {
        let _ = parse(&s);
        let _ = check(&s, "1", &Policy::default());
    }

    #[test]
    fn parse_never_panics_on_latex_soup(s in latex(), t in latex()) {
        let _ = parse(&s);
        let _ = check(&s, &t, &Policy::default());
    }

    #[test]
    fn parsed_answers_equal_themselves_and_their_rendering(s in prop_oneof![latex(), expr()]) {
        if let Ok(a) = parse(&s) {
            let policy = Policy::default();
            let v = compare(&a, &a, &policy);
            prop_assert_eq!(v.equivalence, Equivalence::Equal, "{} vs itself: {}", a, v.reason);
            let rendered = a.to_string();
            let b = parse(&rendered);
            prop_assert!(b.is_ok(), "rendering {:?} of {:?} did not parse: {:?}", rendered, s, b);
            if let Ok(b) = b {
                let v = compare(&a, &b, &policy);
                prop_assert_ne!(v.equivalence, Equivalence::NotEqual, "{:?} -> {:?}: {}", s, rendered, v.reason);
            }
        }
    }

    #[test]
    fn digit_runs_read_the_same_on_the_fast_path(s in "[0-9]{1,60}") {
        // A leading space sends the same digits through the lexer.
        prop_assert_eq!(parse(&s), parse(&format!(" {s}")));
    }

    #[test]
    fn check_is_symmetric(s in expr(), t in expr()) {
        let policy = Policy::default();
        let ab = check(&s, &t, &policy).equivalence;
        let ba = check(&t, &s, &policy).equivalence;
        prop_assert_eq!(ab, ba, "{} vs {}", s, t);
    }
}

/// Forms with their own rendering read back to the same answer.
#[test]
fn special_forms_render_and_read_back() {
    let policy = Policy::default();
    for (src, rendered) in [
        ("0.\\overline{3}", "0.\\overline{3}"),
        ("0.1\\bar{6}", "0.1\\overline{6}"),
        ("2.\\overline{045}", "2.\\overline{045}"),
        ("\\text{(D) } 5", "\\text{(D) }5"),
        ("(B) 1, 2", "\\text{(B) }1, 2"),
        ("\\mathbb{R}", "(-\\infty, \\infty)"),
        ("2^{10^{10}}", "2^{10^{10}}"),
    ] {
        let a = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(a.to_string(), rendered, "{src}");
        let b = parse(rendered).unwrap_or_else(|e| panic!("{rendered}: {e}"));
        let v = compare(&a, &b, &policy);
        assert_eq!(v.equivalence, Equivalence::Equal, "{src}: {}", v.reason);
    }
}

/// Inputs the `answers` fuzz target found (minimized), checked the way the
/// target checks them: a verdict without panic, and a parsed answer whose
/// rendering parses again and is not unequal to itself or to the original.
const FUZZ_FINDINGS: &[&str] = &[
    // A separator word opening a text command where a value was expected
    // was read as an empty text, rendered `x^{\text{}}` ("empty group").
    "x^\\text{or}",
    "\\text{the line Fridx^\\]or \\[\\frac{x^2+4x}$270${x+4} = x.",
    // A unit followed by `/ word` took the word into its name (`km/h`), so
    // a quantity divided by a word rendered as something else.
    "5 cm : x!",
    "45 \\text{tria unitwer: Therk final !nsw7",
    // `%` after a unit wrapped the quantity without limit: the rendering
    // nested brackets past the depth cap.
    "5 cm%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%",
    // The rendering spells out abbreviations (`\sin(…)` for `\sin`, `^{…}`
    // for `^`), so it can nest deeper or run longer than its source: such an
    // answer is refused as too deep or too long, not accepted unwritable.
    "s $\\boxed{-----sin--asin---------$-------------asin---tan^---n------asin---tan^---nBiglusBiglusx\u{546}=1}$.",
    // A relation, list or union inside `|…|`, `\lfloor…\rfloor` or a root
    // index (each read as a sum) rendered without its brackets.
    "|(x = 1)|",
    "\\lfloor (a \\cup b) \\rfloor",
    "\\sqrt[(x = 1)]{2}",
    // A `|` after a list comma ended the list instead of opening `|…|`.
    "1, (|2|)",
];

/// Long findings, as a piece and how many times it repeats: `1+1+…+1`
/// renders as `1 + 1 + … + 1`, past the length cap.
const LONG_FUZZ_FINDINGS: &[(&str, usize)] = &[("1+", 3000), ("xy", 2000), ("\\R", 1000)];

#[test]
fn fuzz_findings_round_trip() {
    let policy = Policy::default();
    let options = plaudit_math::verify::Options::default();
    let long = LONG_FUZZ_FINDINGS
        .iter()
        .map(|(piece, n)| piece.repeat(*n) + "1");
    for input in FUZZ_FINDINGS.iter().map(|s| s.to_string()).chain(long) {
        let input = input.as_str();
        let _ = plaudit_math::verify::verify(input, input, &options).equivalence();
        let Ok(a) = parse(input) else { continue };
        let rendered = a.to_string();
        let b = parse(&rendered).unwrap_or_else(|e| {
            panic!("{input:?} renders as {rendered:?}, which does not parse: {e}")
        });
        assert_ne!(
            check(&rendered, &rendered, &policy).equivalence,
            Equivalence::NotEqual,
            "{rendered:?} is not equal to itself"
        );
        let v = compare(&a, &b, &policy);
        assert_ne!(
            v.equivalence,
            Equivalence::NotEqual,
            "{input:?} -> {rendered:?}: {}",
            v.reason
        );
        assert_eq!(
            b.to_string(),
            rendered,
            "{input:?}: the rendering is not stable"
        );
    }
}
