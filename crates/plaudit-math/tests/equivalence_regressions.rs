//! Regressions: known false positives and false negatives of other checkers,
//! and inputs that must stay bounded.

use plaudit_math::{Equivalence, Policy, check, parse};

fn verdict(gold: &str, answer: &str) -> plaudit_math::Verdict {
    check(gold, answer, &Policy::default())
}

#[test]
fn factorial_reciprocals_are_not_equal() {
    let v = verdict("\\frac{1}{2004!}", "\\frac{1}{2006!}");
    assert_eq!(v.equivalence, Equivalence::NotEqual, "{}", v.reason);
    assert_eq!(
        verdict("1/2004!", "1/2004!").equivalence,
        Equivalence::Equal
    );
    assert_eq!(
        verdict("\\frac{1}{2004!}", "\\frac{2005 \\cdot 2006}{2006!}").equivalence,
        Equivalence::Equal
    );
}

#[test]
fn tiny_powers_of_two_are_not_equal() {
    assert_eq!(
        verdict("1/2^{99}", "1/2^{98}").equivalence,
        Equivalence::NotEqual
    );
    assert_eq!(
        verdict("\\frac{\\pi}{2^{99}}", "\\frac{\\pi}{2^{98}}").equivalence,
        Equivalence::NotEqual
    );
}

#[test]
fn non_proportional_lines_are_not_equal() {
    assert_eq!(
        verdict("3x-y+13=0", "x+y=1").equivalence,
        Equivalence::NotEqual
    );
    assert_eq!(
        verdict("3x-y+13=0", "2x-y+13=0").equivalence,
        Equivalence::NotEqual
    );
    assert_eq!(
        verdict("3x-y+13=0", "6x-2y+26=0").equivalence,
        Equivalence::Equal
    );
}

#[test]
fn nearby_integers_are_never_equal() {
    let v = verdict("13535", "13534");
    assert_eq!(v.equivalence, Equivalence::NotEqual);
    assert_eq!(v.reason, "values differ: 13535 vs 13534");
    assert_eq!(
        verdict("10^{20}", "10^{20}+1").equivalence,
        Equivalence::NotEqual
    );
    assert_ne!(
        verdict("\\sqrt{2}\\cdot 10^{15}", "\\sqrt{2} \\cdot 10^{15} + 1").equivalence,
        Equivalence::Equal
    );
}

#[test]
fn known_false_negatives_are_equal() {
    for (g, a) in [
        ("pi/2", "\\dfrac{\\pi}{2}"),
        ("-2*pi", "-2\\pi"),
        ("14.0 + -1.0i", "14 - i"),
        ("\\text{13}", "13"),
        ("\\sqrt{1/n}", "1/\\sqrt{n}"),
    ] {
        let v = verdict(g, a);
        assert_eq!(
            v.equivalence,
            Equivalence::Equal,
            "{g} vs {a}: {}",
            v.reason
        );
    }
}

#[test]
fn math_verify_hang_returns_promptly_and_is_decided_by_magnitude() {
    let hang = "\\dfrac{5^{(5^{(5^{(5^5)})} - 4)} - 5}{16}";
    assert_eq!(verdict(hang, hang).equivalence, Equivalence::Equal);
    // Too close in magnitude to separate, and not the same expression.
    let v = verdict(hang, "\\dfrac{5^{(5^{(5^{(5^5)})} - 4)} - 5}{17}");
    assert_eq!(v.equivalence, Equivalence::Unknown);
    assert!(v.reason.contains("range"), "{}", v.reason);
    for (g, a) in [(hang, "2"), ("2", hang), (hang, "3")] {
        let v = verdict(g, a);
        assert_eq!(
            v.equivalence,
            Equivalence::NotEqual,
            "{g} vs {a}: {}",
            v.reason
        );
        assert!(v.reason.starts_with("magnitudes differ"), "{}", v.reason);
    }
}

#[test]
fn huge_exponents_do_not_allocate() {
    let v = verdict("2^{10^{10}}", "2^{10^{10}} + 1");
    assert_eq!(v.equivalence, Equivalence::Unknown, "{}", v.reason);
    assert_eq!(
        verdict("2^{10^{10}}", "2^{10^{10}}").equivalence,
        Equivalence::Equal
    );
    assert_eq!(
        verdict("10^{10^{10}}", "10^{10^{10}} - 1").equivalence,
        Equivalence::Unknown
    );
}

/// Values past the exact cap and `f64` are compared by exact form when
/// they are powers and by certified magnitude otherwise, never built.
#[test]
fn huge_values_are_compared_by_form_or_magnitude() {
    use Equivalence::{Equal as E, NotEqual as N, Unknown as U};
    let rows = [
        ("2^{10^{10}}", "2^{10000000000}", E),
        ("2^{10^{10}}", "4^{5 \\cdot 10^{9}}", E),
        ("2^{10^{10}}", "(-2)^{10^{10}}", E),
        ("2^{10^{10}+1}", "2 \\cdot 2^{10^{10}}", E),
        ("2^{5 \\cdot 10^9}", "\\sqrt{2^{10^{10}}}", E),
        ("8", "\\frac{2^{10^{10}}}{2^{10^{10}-3}}", E),
        ("10^{10}", "\\log_2 2^{10^{10}}", E),
        ("1", "1^{10^{30}}", E),
        ("-1", "(-1)^{10^{30}+1}", E),
        ("x^{10^{10}}", "(x^{10^5})^{10^5}", E),
        ("1024", "2^{10^{10}}", N),
        ("2^{10^{10}}", "2^{10^{10}+1}", N),
        ("2^{10^{10}}", "-2^{10^{10}}", N),
        ("2^{10^{10}}", "3^{10^{10}}", N),
        ("0", "2^{-10^{10}}", N),
        ("10000!", "10001!", N),
        ("1", "1e999999999", N),
        ("3", "\\pi^{1000}", N),
        ("\\sqrt{2}", "2^{5000}", N),
        ("x^{10^{10}}", "x^{10^{10}+1}", N),
        ("2^{10^{10}}", "2^{10^{10}} + 1", U),
        ("\\pi^{1000}", "\\pi^{999} \\cdot \\pi", U),
    ];
    for (g, a, want) in rows {
        for (x, y) in [(g, a), (a, g)] {
            let v = verdict(x, y);
            assert_eq!(v.equivalence, want, "{x} vs {y}: {}", v.reason);
        }
    }
    let v = verdict("1024", "2^{10^{10}}");
    assert_eq!(v.reason, "magnitudes differ: 1024 vs ~10^(3.0e9)");
    let v = verdict("2^{10^{10}}", "2^{10000000000}");
    assert_eq!(v.reason, "equal as exact powers");
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    for open in [
        "(", "{", "[", "\\left(", "-", "\\sqrt{", "\\frac{", "|", "\\sin ",
    ] {
        let s = open.repeat(40_000 / open.len());
        let s = &s[..s.len().min(8000)];
        let _ = parse(s);
        let _ = verdict(s, s);
    }
    let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert!(parse(&deep).is_err());
    let ok = format!("{}1{}", "(".repeat(30), ")".repeat(30));
    assert!(parse(&ok).is_ok());
}

#[test]
fn deepest_accepted_trees_evaluate_without_overflow() {
    // Each level adds wraps (powers, percent, units) that grow the tree
    // faster than the parser's depth; the deepest answer that still parses
    // must evaluate and render within a test thread's stack in a debug build.
    let level = |inner: &str| format!("-(\\sin {inner} + 1)^2^2\\%\\text{{ cm}}");
    let (mut s, mut t) = ("x".to_string(), "y".to_string());
    let mut parsed = 0;
    while parse(&level(&s)).is_ok() {
        s = level(&s);
        t = level(&t);
        parsed += 1;
    }
    // Six levels: the seventh is refused because its rendering, which
    // brackets each power and percent, would nest past the depth cap.
    assert!(parsed >= 6, "only {parsed} levels parsed");
    let v = verdict(&s, &t);
    assert!(v.gold.is_some() && v.answer.is_some(), "{}", v.reason);
}

#[test]
fn long_inputs_are_refused() {
    let long = "1+".repeat(5000) + "1";
    assert!(parse(&long).is_err());
    let v = verdict(&long, "5");
    assert_eq!(v.equivalence, Equivalence::Unknown);
    // The longest chain accepted is the one whose rendering, `1 + 1 + …`,
    // still fits the cap; a longer one is refused like a longer input.
    let chain = "1+".repeat(2000) + "1";
    assert_eq!(verdict(&chain, "2001").equivalence, Equivalence::Equal);
    let chain = "1+".repeat(3000) + "1";
    assert!(parse(&chain).is_err());
    let pows = "x^2!".repeat(1000);
    let _ = verdict(&pows, &pows);
}

#[test]
fn wide_collections_stay_within_budget() {
    let items: Vec<String> = (0..1500).map(|k| format!("\\sqrt{{{k}}}")).collect();
    let g = format!("\\{{{}\\}}", items.join(","));
    let a = format!(
        "\\{{{}\\}}",
        items.iter().rev().cloned().collect::<Vec<_>>().join(",")
    );
    let v = verdict(&g, &a);
    assert_ne!(v.equivalence, Equivalence::NotEqual, "{}", v.reason);
}
