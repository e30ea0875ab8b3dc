//! Table tests for `check`: every category with Equal and NotEqual rows.

use plaudit_math::{Equivalence, Policy, check};

use Equivalence::{Equal as E, NotEqual as N, Unknown as U};

/// [`run`] with each pair checked in both directions.
fn run_both_ways(pairs: &[(&str, &str, Equivalence)], policy: &Policy) {
    let rows: Vec<_> = pairs
        .iter()
        .flat_map(|&(g, a, want)| [(g, a, want), (a, g, want)])
        .collect();
    run(&rows, policy);
}

fn run(rows: &[(&str, &str, Equivalence)], policy: &Policy) {
    let mut failures = Vec::new();
    for &(gold, answer, want) in rows {
        let v = check(gold, answer, policy);
        if v.equivalence != want {
            failures.push(format!(
                "check({gold:?}, {answer:?}) = {:?} ({}), want {want:?}; gold={:?} answer={:?}",
                v.equivalence, v.reason, v.gold, v.answer
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn integers_and_decimals() {
    run(
        &[
            ("13535", "13535", E),
            ("13535", "13534", N),
            ("13535", "13,535", E),
            ("13535", "13{,}535", E),
            ("10080", "10,\\!080", E),
            ("1234567", "1\\,234\\,567", E),
            ("1234", "1 234", E),
            ("0.5", "\\frac12", E),
            ("0.5", "1/2", E),
            ("14", "14.0", E),
            ("-3", "-3.00", E),
            ("0.15", "0.150", E),
            ("0.15", "0.16", N),
            ("3.21", "3.2", N),
            ("1500", "1.5e3", E),
            ("1500", "1.5\\times10^{3}", E),
            ("1500", "1.5 \\cdot 10^3", E),
            ("0.0015", "1.5e-3", E),
            ("1000000", "10^6", E),
            ("1024", "2^10", E),
            ("1024", "2^{10}", E),
            ("1024", "2**10", E),
            ("\\frac{1}{3}", "1:3", E),
            ("2", "2.", E),
            ("5", "$5$", E),
            ("5", "\\(5\\)", E),
            ("5", "\\[5\\]", E),
            ("5", "\\boxed{5}", E),
            ("5", "5.", E),
            ("5", "\\displaystyle 5", E),
        ],
        &Policy::default(),
    );
}

#[test]
fn fractions_and_mixed_numbers() {
    run(
        &[
            ("\\frac{1}{2}", "\\dfrac{1}{2}", E),
            ("\\frac{1}{2}", "\\tfrac12", E),
            ("\\frac{1}{2}", "\\cfrac{1}{2}", E),
            ("\\frac{1}{2}", "\\frac{1}2", E),
            ("\\frac{1}{2}", "\\frac{2}{4}", E),
            ("\\frac{1}{2}", "\\frac{1}{3}", N),
            ("\\frac{7}{3}", "2\\frac{1}{3}", E),
            ("\\frac{7}{3}", "2 \\frac13", E),
            ("1\\frac{4}{5}", "\\frac{9}{5}", E),
            ("1\\frac{4}{5}", "1.8", E),
            ("\\frac{3}{2}", "3/2", E),
            ("\\frac{3}{2}", "2/3", N),
            ("\\frac{243}{625}", "\\frac{243}{625}", E),
            ("\\frac{11+9a}{20}", "\\frac{9a+11}{20}", E),
            ("\\frac{11+9a}{20}", "\\frac{9a+12}{20}", N),
        ],
        &Policy::default(),
    );
}

#[test]
fn unreduced_fractions_policy() {
    let strict = Policy {
        allow_unreduced_fractions: false,
        ..Policy::default()
    };
    run(
        &[
            ("\\frac12", "\\frac{2}{4}", N),
            ("\\frac12", "\\frac{1}{2}", E),
        ],
        &strict,
    );
}

#[test]
fn radicals_and_powers() {
    run(
        &[
            ("6\\sqrt{2}", "\\sqrt{72}", E),
            ("6\\sqrt{2}", "6\\sqrt2", E),
            ("6\\sqrt{2}", "\\sqrt{73}", N),
            ("\\sqrt[3]{8}", "2", E),
            ("\\sqrt[3]{-8}", "-2", E),
            ("\\sqrt{3}", "3^{1/2}", E),
            ("\\sqrt{3}", "3**(1/2)", E),
            ("2^{10}", "1024", E),
            ("2^{10}", "1023", N),
            ("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", N),
            ("\\frac{1}{2^{99}}", "2^{-99}", E),
            ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", E),
            ("1 + \\sqrt{2}", "\\sqrt{2} + 1", E),
            ("1 + \\sqrt{2}", "\\sqrt{2} - 1", N),
            ("16^{3/4}", "8", E),
        ],
        &Policy::default(),
    );
}

#[test]
fn constants_and_functions() {
    run(
        &[
            ("\\frac{\\pi}{2}", "pi/2", E),
            ("\\frac{\\pi}{2}", "\\dfrac{\\pi}{2}", E),
            ("-2\\pi", "-2*pi", E),
            ("288 \\pi", "288\\pi", E),
            ("7\\pi", "22", N),
            ("e^{2}", "e^2", E),
            ("2e", "e+e", E),
            ("\\sin^2 x + \\cos^2 x", "1", E),
            ("\\sin x", "\\sin(x)", E),
            ("\\sin 2x", "2 \\sin x \\cos x", E),
            ("\\log_{2} 8", "3", E),
            ("\\log_2 8", "\\frac{\\ln 8}{\\ln 2}", E),
            ("\\ln(e^3)", "3", E),
            ("\\exp(1)", "e", E),
            ("\\tan\\frac{\\pi}{4}", "1", E),
            ("\\sin^{-1} 1", "\\frac{\\pi}{2}", E),
            ("\\arcsin 1", "\\frac{\\pi}{2}", E),
            ("\\sec 0", "1", E),
            ("\\pi", "3.14", E),
            ("\\pi", "3.15", N),
            ("\\pi", "3.1", N),
            ("\\frac{1}{3}", "0.333", E),
            ("\\frac{1}{3}", "0.33", N),
            ("\\frac{1}{3}", "0.334", N),
            ("0.333", "\\frac{1}{3}", E),
            ("\\sqrt{2}", "1.414", E),
            ("|-3|", "3", E),
            ("\\left| -3 \\right|", "3", E),
            ("5!", "120", E),
            ("\\binom{5}{2}", "10", E),
            ("\\dbinom{6}{3}", "20", E),
        ],
        &Policy::default(),
    );
}

#[test]
fn complex_numbers() {
    run(
        &[
            ("14 - i", "14.0 + -1.0i", E),
            ("6 - 5i", "6-5i", E),
            ("6 - 5i", "6+5i", N),
            ("1+274i", "274i + 1", E),
            ("i^2", "-1", E),
            ("\\sqrt{-4}", "2i", E),
            ("e^{i\\pi}", "-1", E),
        ],
        &Policy::default(),
    );
}

#[test]
fn variables() {
    run(
        &[
            ("x^5 - x^4 + x^3 - x^2 + x - 1", "x^5-x^4+x^3-x^2+x-1", E),
            ("(a+5)(b+2)", "ab + 2a + 5b + 10", E),
            ("(a+5)(b+2)", "ab + 2a + 5b + 11", N),
            ("(x+1)(x-1)", "x^2-1", E),
            ("2k", "k+k", E),
            ("2k", "2j", N),
            ("\\sqrt{1/n}", "1/\\sqrt{n}", E),
            ("\\frac{x}{2}", "0.5x", E),
            ("15x - 80", "15x-80", E),
            ("15x - 80", "15x-81", N),
            ("x y", "xy", E),
            ("\\alpha + \\beta", "\\beta+\\alpha", E),
            ("x_1 + x_2", "x_{2} + x_{1}", E),
            ("x_1 + x_2", "x_1 + x_3", N),
            ("\\frac{1}{x+10^{-20}}", "\\frac{1}{x}", N),
        ],
        &Policy::default(),
    );
}

#[test]
fn equations_and_inequalities() {
    run(
        &[
            ("2x+2y=2", "x+y=1", E),
            ("y = 2x+1", "2x - y + 1 = 0", E),
            ("3x-y+13=0", "x+y=1", N),
            ("3x-y+13=0", "2x-y+13=0", N),
            ("3x-y+13=0", "y = 3x+13", E),
            ("x^2 = 4", "x = 2", N),
            ("x < 3", "3 > x", E),
            ("x < 3", "2x < 6", E),
            ("x < 3", "-x > -3", E),
            ("x < 3", "-x < -3", N),
            ("x < 3", "x \\le 3", N),
            ("x \\geq 2", "x \\ge 2", E),
            ("0 < x \\le 3", "3 \\geq x > 0", E),
            ("0 < x \\le 3", "0 < x < 3", N),
            ("x \\ne 2", "x \\neq 2", E),
            ("x \\ne 2", "x = 2", N),
        ],
        &Policy::default(),
    );
}

#[test]
fn assignments() {
    run(
        &[
            ("5", "x = 5", E),
            ("x = 5", "5", E),
            ("x=5", "x = 5.0", E),
            ("x = 5", "6", N),
            ("y = -2x", "-2x", E),
            ("f(x) = 2x + 1", "2x+1", E),
            ("2x+1", "g(x) = 2x + 2", N),
            ("k = \\frac{1}{3}", "k = 0.333", E),
            ("(5, 3)", "x=5, y=3", E),
            ("x=5, y=3", "y=3, x=5", E),
            ("(5, 3)", "x=3, y=5", N),
        ],
        &Policy::default(),
    );
    let strict = Policy {
        allow_assignment: false,
        ..Policy::default()
    };
    run(&[("5", "x = 5", N)], &strict);
}

#[test]
fn intervals_and_unions() {
    run(
        &[
            ("(5,\\infty)", "(5, \\infty)", E),
            ("(5,\\infty)", "x > 5", E),
            ("(5,\\infty)", "[5, \\infty)", N),
            ("[2, 5)", "[2,5)", E),
            ("[2, 5)", "(2,5]", N),
            ("(0, 3]", "0 < x \\le 3", E),
            (
                "(-\\infty, 2) \\cup (3, \\infty)",
                "(3,\\infty) \\cup (-\\infty,2)",
                E,
            ),
            (
                "(-\\infty, 2) \\cup (3, \\infty)",
                "(-\\infty, 2) U (3, \\infty)",
                E,
            ),
            (
                "(-\\infty, 2) \\cup (3, \\infty)",
                "(-\\infty, 2] \\cup (3, \\infty)",
                N,
            ),
            (
                "(-\\infty, 2) \\cup (3, \\infty)",
                "x < 2 \\text{ or } x > 3",
                E,
            ),
            ("(2,12) \\cup (12,102)", "(2,12)\\cup(12,102)", E),
            ("[1, 2]", "x \\in [1, 2]", E),
            ("\\left[ -2, 7 \\right)", "[-2,7)", E),
        ],
        &Policy::default(),
    );
}

/// A chained inequality is the interval it describes, written either way
/// round and on either side; a bracket pair `(a, b)` reads as the open
/// interval when the other side is an inequality.
#[test]
fn inequality_chains_are_intervals() {
    let pairs: &[(&str, &str, Equivalence)] = &[
        ("(-\\sqrt{3}, \\sqrt{3})", "-\\sqrt{3} < x < \\sqrt{3}", E),
        ("(-7,-2)", "-7 < x < -2", E),
        ("(-7,-2)", "-7 < a < -2", E),
        ("(6,7)", "6 < x < 7", E),
        ("(6,7)", "7 > x > 6", E),
        ("[6,7]", "6 \\le x \\le 7", E),
        ("[6,7)", "6 \\leq x < 7", E),
        ("(6,7]", "6 < x \\le 7", E),
        ("(-\\infty, 5)", "-\\infty < x < 5", E),
        ("(2,\\infty)", "x > 2", E),
        ("(2,\\infty)", "2 < x", E),
        (
            "(-\\infty,-1)\\cup(2,\\infty)",
            "x < -1 \\text{ or } x > 2",
            E,
        ),
        (
            "(-\\infty,-1]\\cup[2,\\infty)",
            "x \\le -1 \\text{ or } x \\ge 2",
            E,
        ),
        // Openness differs.
        ("(6,7)", "6 \\le x < 7", N),
        ("(6,7)", "6 < x \\le 7", N),
        ("[6,7]", "6 < x < 7", N),
        (
            "(-\\infty,-1)\\cup(2,\\infty)",
            "x \\le -1 \\text{ or } x > 2",
            N,
        ),
        // Bounds differ.
        ("(6,7)", "6 < x < 8", N),
        ("(6,7)", "5 < x < 7", N),
        ("(-\\sqrt{3}, \\sqrt{3})", "-\\sqrt{2} < x < \\sqrt{3}", N),
        (
            "(-\\infty,-1)\\cup(2,\\infty)",
            "x < -1 \\text{ or } x > 3",
            N,
        ),
        ("(6,7)", "x > 6", N),
        // Both bounds on one side is not an interval.
        ("(6,\\infty)", "6 < x > 7", N),
        // A pair against assignments is still a pair.
        ("(1,2)", "x = 1, y = 2", E),
    ];
    run_both_ways(pairs, &Policy::default());
}

#[test]
fn sets_tuples_lists() {
    run(
        &[
            ("\\{1, 2\\}", "\\{2, 1\\}", E),
            ("\\{1, 2\\}", "\\{1, 2, 2\\}", E),
            ("\\{1, 2\\}", "\\{1, 3\\}", N),
            ("(1, 2)", "(1,2)", E),
            ("(1, 2)", "(2, 1)", N),
            ("(6,31,-1)", "(6, 31, -1)", E),
            ("(6,31,-1)", "(6, 31, 1)", N),
            ("(1,2),(3,4)", "(3,4),(1,2)", E),
            ("3, 5, 7", "7, 5, 3", E),
            ("3, 5, 7", "3, 5", N),
            ("-2, 3", "\\{3, -2\\}", E),
            ("-2,1", "1, -2", E),
            ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)", E),
            ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", E),
            ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}", N),
            (
                "\\frac{-1 \\pm \\sqrt{5}}{2}",
                "\\frac{-1-\\sqrt5}{2}, \\frac{-1+\\sqrt5}{2}",
                E,
            ),
            ("\\emptyset", "\\{\\}", E),
            ("2", "\\{2\\}", E),
        ],
        &Policy::default(),
    );
    let ordered = Policy {
        unordered_lists: false,
        ..Policy::default()
    };
    run(
        &[("3, 5, 7", "7, 5, 3", N), ("3, 5, 7", "3, 5, 7", E)],
        &ordered,
    );
}

#[test]
fn matrices() {
    run(
        &[
            (
                "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
                "\\begin{pmatrix}-\\frac13\\\\ \\frac23 \\\\ \\frac53\\end{pmatrix}",
                E,
            ),
            (
                "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
                "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
                E,
            ),
            (
                "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
                "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}",
                N,
            ),
            (
                "\\begin{pmatrix} 1 & 2 \\end{pmatrix}",
                "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
                N,
            ),
            (
                "\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}",
                "(0.2, -3.6)",
                E,
            ),
            (
                "\\left(\\begin{array}{cc} 1 & 0 \\\\ 0 & 1 \\end{array}\\right)",
                "\\begin{matrix} 1 & 0 \\\\ 0 & 1 \\end{matrix}",
                E,
            ),
        ],
        &Policy::default(),
    );
}

#[test]
fn units_percent_degrees_bases() {
    run(
        &[
            ("5", "5\\text{ cm}", E),
            ("5\\text{ cm}", "5", E),
            ("5 \\text{ cm}^2", "5", E),
            ("5", "5 cm", E),
            ("5", "6\\text{ cm}", N),
            ("18.90", "\\$18.90", E),
            ("\\$18.90", "18.9", E),
            ("50", "50 \\text{ dollars}", E),
            ("10", "10\\text{ inches}", E),
            ("50\\%", "50", E),
            ("50\\%", "0.5", E),
            ("50\\%", "50%", E),
            ("50\\%", "0.6", N),
            ("30^\\circ", "30", E),
            ("30^\\circ", "30^{\\circ}", E),
            ("30^\\circ", "30°", E),
            ("30^\\circ", "30 \\degree", E),
            ("30^\\circ", "30 degrees", E),
            ("30^\\circ", "\\frac{\\pi}{6}", E),
            ("30^\\circ", "31", N),
            ("52_8", "52_8", E),
            ("52_8", "52", E),
            ("52_8", "42", N),
            ("1011_2", "1011_{2}", E),
            ("204_5", "204_{5}", E),
        ],
        &Policy::default(),
    );
    let strict = Policy {
        allow_dropped_units: false,
        percent_as_number: false,
        percent_as_fraction: false,
        degrees_as_number: false,
        degrees_as_radians: false,
        allow_dropped_base: false,
        ..Policy::default()
    };
    run(
        &[
            ("5", "5\\text{ cm}", N),
            ("50\\%", "50", N),
            ("30^\\circ", "30", N),
            ("52_8", "52", N),
        ],
        &strict,
    );
}

#[test]
fn choices_and_text() {
    run(
        &[
            ("B", "(B)", E),
            ("\\text{(B)}", "B", E),
            ("\\textbf{(B)}", "(B)", E),
            ("\\text{(E)}", "E", E),
            ("B", "C", N),
            ("(B)", "\\text{(C)}", N),
            ("\\text{Tuesday}", "Tuesday", E),
            ("\\text{Tuesday}", "tuesday", E),
            ("\\text{Tuesday}", "Wednesday", N),
            ("\\text{even}", "even", E),
            ("\\text{even}", "odd", N),
            ("Evelyn", "\\text{Evelyn}", E),
            ("\\text{13}", "13", E),
            ("\\text{no solution}", "No Solution", E),
        ],
        &Policy::default(),
    );
}

/// A choice letter that labels its option (`(D) 5`) is that choice, and
/// its content is the answer when the other side is not a letter.
#[test]
fn labeled_choices() {
    let pairs: &[(&str, &str, Equivalence)] = &[
        ("D", "\\text{(D) } 5", E),
        ("\\text{(D)}", "(D) 5", E),
        ("(D)", "\\textbf{(D)} \\frac{1}{2}", E),
        ("D", "\\text{(C) } 5", N),
        ("5", "\\text{(D) } 5", E),
        ("6", "\\text{(D) } 5", N),
        ("-2", "(B) -2", E),
        ("\\sqrt{2}", "(A) \\sqrt{2}", E),
        // Hedging between options is not one choice.
        ("A", "(A) 5, (B) 6", N),
        ("A", "\\text{(A) } 5 \\text{ or (B) } 6", N),
        // Not options: a product of variables and a union of sets.
        ("AB", "(A)(B)", E),
        ("A \\cup B", "(A) \\cup (B)", E),
    ];
    run_both_ways(pairs, &Policy::default());
}

/// An overlined repetend is the exact fraction it stands for.
#[test]
fn repeating_decimals() {
    let pairs: &[(&str, &str, Equivalence)] = &[
        ("\\frac{1}{3}", "0.\\overline{3}", E),
        ("\\frac{1}{3}", "0.\\bar{3}", E),
        ("\\frac{1}{3}", "0.\\dot{3}", E),
        ("\\frac{1}{3}", "0.\\overline{33}", E),
        ("\\frac{1}{7}", "0.\\overline{142857}", E),
        ("\\frac{1}{6}", "0.1\\overline{6}", E),
        ("\\frac{3}{11}", "0.\\overline{27}", E),
        ("\\frac{27}{11}", "2.\\overline{45}", E),
        ("\\frac{1}{11}", "0.\\overline{09}", E),
        ("1", "0.\\overline{9}", E),
        ("\\frac{1}{3}", "0.\\overline{4}", N),
        ("\\frac{1}{6}", "0.\\overline{16}", N),
        ("\\frac{1}{6}", "0.16", N),
        // The decimal rule still applies to a terminating decimal.
        ("0.\\overline{3}", "0.333", E),
        ("0.\\overline{3}", "0.33", N),
    ];
    run_both_ways(pairs, &Policy::default());
}

/// `\mathbb{R}`, ℝ and "all real numbers" are the interval `(-\infty, \infty)`.
#[test]
fn all_reals() {
    let pairs: &[(&str, &str, Equivalence)] = &[
        ("(-\\infty,\\infty)", "\\mathbb{R}", E),
        ("(-\\infty,\\infty)", "\\mathbb R", E),
        ("(-\\infty,\\infty)", "ℝ", E),
        ("(-\\infty,\\infty)", "\\R", E),
        ("(-\\infty,\\infty)", "x \\in \\mathbb{R}", E),
        ("\\mathbb{R}", "\\text{all real numbers}", E),
        ("\\mathbb{R}", "All real numbers", E),
        ("\\mathbb{R}", "(0,\\infty)", N),
        ("\\mathbb{R}", "(-\\infty, 0]", N),
        ("\\mathbb{R}", "[-\\infty,\\infty]", E),
        ("\\mathbb{R}", "\\mathbb{Z}", N),
    ];
    run_both_ways(pairs, &Policy::default());
}

#[test]
fn parse_failures() {
    run(
        &[("5", "}", N), ("}", "5", U), ("\\frac{", "\\frac{", E)],
        &Policy::default(),
    );
    let v = check("5", "5 +", &Policy::default());
    assert!(v.reason.starts_with("answer did not parse"), "{}", v.reason);
}
