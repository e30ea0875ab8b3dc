//! Table tests for answer extraction: one table per method, then the
//! options, then degenerate inputs (asserting the answer, not the time).

use plaudit_math::extract::{ExtractOptions, Method, extract_answer};
use test_case::test_case;

fn only(method: Method) -> ExtractOptions {
    ExtractOptions {
        order: vec![method],
        skip_think: true,
    }
}

fn run(method: Method, completion: &str) -> Option<&str> {
    let found = extract_answer(completion, &only(method))?;
    assert_eq!(&completion[found.span.clone()], found.text);
    assert_eq!(found.method, method);
    Some(found.text)
}

#[test_case("so the answer is $\\boxed{42}$.", Some("42"); "simple")]
#[test_case("\\boxed{\\frac{1}{2}}", Some("\\frac{1}{2}"); "frac")]
#[test_case("\\boxed{\\left\\{ 1, \\{2\\} \\right\\}}", Some("\\left\\{ 1, \\{2\\} \\right\\}"); "escaped braces")]
#[test_case("\\boxed{{a}{b{c}}}", Some("{a}{b{c}}"); "nested braces")]
#[test_case("first \\boxed{1}, then \\boxed{2}.", Some("2"); "multiple boxes last wins")]
#[test_case("\\fbox{7}", Some("7"); "fbox")]
#[test_case("\\boxed {5}", Some("5"); "space before brace")]
#[test_case("\\boxed 5.", Some("5"); "braceless")]
#[test_case("$\\boxed 12$", Some("12"); "braceless in dollars")]
#[test_case("\\boxed{ $x = 3$ }", Some("x = 3"); "dollars inside")]
#[test_case("\\boxed{\\boxed{9}}", Some("9"); "nested box")]
#[test_case("\\boxed{1} and later \\boxed{2", None; "last box unclosed")]
#[test_case("\\boxed{}", None; "empty box")]
#[test_case("\\fboxsep=3pt \\fbox{4}", Some("4"); "fboxsep is not fbox")]
#[test_case("} } \\boxed{3} }", Some("3"); "stray closers")]
#[test_case("\\\\boxed{3}", None; "line break then text")]
#[test_case("\\boxed{(0, 1]}", Some("(0, 1]"); "interval")]
#[test_case("no box here", None; "none")]
fn extract_boxed(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::Boxed, completion), expected);
}

#[test_case("<think>2+2</think> <answer>4</answer>", Some("4"); "r1 template")]
#[test_case("<answer> $\\frac{1}{2}$ </answer>", Some("\\frac{1}{2}"); "dollars peeled")]
#[test_case("<answer>1</answer> then <answer>2</answer>", Some("2"); "last tag wins")]
#[test_case("<answer>3", None; "unclosed")]
#[test_case("<answer></answer>", None; "empty")]
#[test_case("<think><answer>5</answer></think> no tag after", None; "tag inside think is skipped")]
fn extract_answer_tag(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::AnswerTag, completion), expected);
}

#[test_case(
    "Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.",
    Some("\\frac{3}{4}");
    "minerva"
)]
#[test_case("The final answer is 3.5. I hope it is correct.", Some("3.5"); "decimal keeps its period")]
#[test_case("The final answer is $3.5$.", Some("3.5"); "decimal in dollars")]
#[test_case("**Final Answer:** 42", Some("42"); "bold colon")]
#[test_case("Final answer: x = 5\nmore text", Some("x = 5"); "colon to end of line")]
#[test_case("The final answer is:\n\n$$12$$", Some("12"); "next line")]
#[test_case("The final answer is \\(\\pi\\)", Some("\\pi"); "paren delimiters")]
#[test_case("final answer is 1. Wait, final answer is 2.", Some("2"); "last wins")]
#[test_case("My final answer would be 3", None; "no is or colon")]
#[test_case("semifinal answer is 3", None; "word boundary")]
fn extract_final_answer(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::FinalAnswer, completion), expected);
}

#[test_case("reasoning\nAnswer: 42", Some("42"); "dapo")]
#[test_case("**Answer:** 42", Some("42"); "bold")]
#[test_case("**Answer**: $\\frac{1}{2}$", Some("\\frac{1}{2}"); "bold before colon")]
#[test_case("answer: 1\nANSWER: 2\n", Some("2"); "case insensitive last line wins")]
#[test_case("### Answer:\n\n7\n", Some("7"); "heading and next line")]
#[test_case("The answer: 5", None; "not at line start")]
fn extract_answer_line(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::AnswerLine, completion), expected);
}

#[test_case("She makes 9 * 2 = 18.\n#### 1,234", Some("1,234"); "gsm8k")]
#[test_case("#### 1\n#### 2\nthanks", Some("2"); "last wins")]
#[test_case("##### 3", Some("3"); "extra hashes")]
#[test_case("#### \n", None; "empty")]
fn extract_hashes(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::Hashes, completion), expected);
}

#[test_case("it costs 1,234 dollars", Some("1,234"); "thousands")]
#[test_case("x = -3.5.", Some("-3.5"); "sign and decimal")]
#[test_case("so 5-3 = 2", Some("2"); "subtraction result")]
#[test_case("so f(x)-3", Some("3"); "minus after paren")]
#[test_case("probability 3/4", Some("3/4"); "fraction")]
#[test_case("pi is 3,14159", Some("14159"); "bad grouping")]
#[test_case("about .5 of them", Some(".5"); "leading point")]
#[test_case("$-12$", Some("-12"); "in dollars")]
#[test_case("no digits", None; "none")]
fn extract_last_number(completion: &str, expected: Option<&str>) {
    assert_eq!(run(Method::LastNumber, completion), expected);
}

#[test]
fn extract_boxed_inside_think_is_ignored() {
    let c = "<think>maybe \\boxed{3}</think>The answer is \\boxed{4}.";
    assert_eq!(run(Method::Boxed, c), Some("4"));
    let c = "<think>maybe \\boxed{3}</think>The answer is four.";
    assert_eq!(run(Method::Boxed, c), None);
}

#[test]
fn extract_unclosed_think_has_no_answer() {
    let opts = ExtractOptions::default();
    assert_eq!(extract_answer("<think>so \\boxed{3}", &opts), None);
    assert_eq!(
        extract_answer("<think>a</think><think>b \\boxed{3}", &opts),
        None
    );
    let keep = ExtractOptions {
        skip_think: false,
        ..ExtractOptions::default()
    };
    assert_eq!(
        extract_answer("<think>so \\boxed{3}", &keep).map(|e| e.text),
        Some("3")
    );
}

#[test]
fn extract_default_order_and_fallthrough() {
    let opts = ExtractOptions::default();
    let found = extract_answer("Answer: 5\n\\boxed{6}", &opts).unwrap();
    assert_eq!((found.text, found.method), ("6", Method::Boxed));
    let found = extract_answer("#### 18", &opts).unwrap();
    assert_eq!((found.text, found.method), ("18", Method::Hashes));
    // Without `LastNumber` a bare number is not an answer.
    assert_eq!(extract_answer("the result is 18", &opts), None);
    // An empty box falls through to the next method.
    let found = extract_answer("\\boxed{}\nAnswer: 3", &opts).unwrap();
    assert_eq!((found.text, found.method), ("3", Method::AnswerLine));
}

#[test]
fn extract_span_is_a_byte_range_of_the_completion() {
    let c = "é \\boxed{ ½ }";
    let found = extract_answer(c, &ExtractOptions::default()).unwrap();
    assert_eq!(found.text, "½");
    assert_eq!(found.span, c.find('½').unwrap()..c.len() - 2);
}

#[test]
fn extract_options_serde() {
    let opts: ExtractOptions =
        serde_json::from_str(r#"{"order": ["hashes", "last_number"]}"#).unwrap();
    assert_eq!(opts.order, [Method::Hashes, Method::LastNumber]);
    assert!(opts.skip_think);
    assert!(serde_json::from_str::<ExtractOptions>(r#"{"odrer": []}"#).is_err());
    for m in [
        Method::Boxed,
        Method::FinalAnswer,
        Method::AnswerLine,
        Method::Hashes,
        Method::LastNumber,
    ] {
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
    }
}

fn all_methods() -> ExtractOptions {
    ExtractOptions {
        order: vec![
            Method::Boxed,
            Method::FinalAnswer,
            Method::AnswerLine,
            Method::Hashes,
            Method::LastNumber,
        ],
        skip_think: true,
    }
}

#[test]
fn extract_degenerate_unclosed_boxes() {
    let c = "\\boxed{".repeat(40 * 1024 / 7);
    assert_eq!(extract_answer(&c, &all_methods()), None);
    let c = format!("\\boxed{{1}} {}", "\\boxed{".repeat(6000));
    assert_eq!(run(Method::Boxed, &c), None);
}

#[test]
fn extract_degenerate_braceless_boxes() {
    let c = "\\boxed".repeat(40 * 1024 / 6);
    assert_eq!(extract_answer(&c, &all_methods()), None);
    let c = "\\boxed 1".repeat(40 * 1024 / 8);
    assert_eq!(run(Method::Boxed, &c), Some("1"));
    assert_eq!(run(Method::Boxed, "\\boxed\\pi."), Some("\\pi"));
}

#[test]
fn extract_degenerate_delimiters() {
    let c = format!("The final answer is {}", "\\(".repeat(20 * 1024));
    assert_eq!(run(Method::FinalAnswer, &c), Some(&c[20..]));
    let c = format!("Answer: {}", "$".repeat(40 * 1024));
    assert_eq!(run(Method::AnswerLine, &c), Some(&c[8..]));
    let c = format!("\\boxed{{{}}}", "$".repeat(40 * 1024));
    assert_eq!(run(Method::Boxed, &c), Some(&c[7..c.len() - 1]));
}

#[test]
fn extract_degenerate_braces() {
    let c = "{".repeat(1 << 20);
    assert_eq!(extract_answer(&c, &all_methods()), None);
    let c = format!("\\boxed{{{}5{}}}", "{".repeat(100_000), "}".repeat(100_000));
    let inner = &c[7..c.len() - 1];
    assert_eq!(run(Method::Boxed, &c), Some(inner));
}

#[test]
fn extract_degenerate_lines_and_numbers() {
    let c = "final answer\n".repeat(10_000);
    assert_eq!(extract_answer(&c, &all_methods()), None);
    let c = "1,".repeat(50_000);
    assert_eq!(run(Method::LastNumber, &c), Some("1"));
    let c = "1,000".repeat(20_000);
    // `1,0001,000`: `0001` is too long a group to take `,000`.
    assert_eq!(run(Method::LastNumber, &c), Some("000"));
}
