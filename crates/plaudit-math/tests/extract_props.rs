//! Invariants of answer extraction on arbitrary input: it never panics, the
//! span always slices back to the text, and the text is clean.

use plaudit_math::extract::{ExtractOptions, Method, extract_answer};
use proptest::prelude::*;

/// Text built from the pieces the extractors react to, so random inputs
/// reach deep into every method instead of failing the first byte check.
fn markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\\boxed".to_owned()),
        Just("\\fbox".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\\".to_owned()),
        Just("$".to_owned()),
        Just("\\(".to_owned()),
        Just("\\]".to_owned()),
        Just("<think>".to_owned()),
        Just("</think>".to_owned()),
        Just("The final answer is ".to_owned()),
        Just("Final Answer:".to_owned()),
        Just("**Answer:** ".to_owned()),
        Just("####".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just(".".to_owned()),
        Just(",".to_owned()),
        Just("-".to_owned()),
        Just("/".to_owned()),
        Just("**".to_owned()),
        "[0-9]{1,4}",
        "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn orders() -> impl Strategy<Value = ExtractOptions> {
    let method = prop_oneof![
        Just(Method::Boxed),
        Just(Method::FinalAnswer),
        Just(Method::AnswerLine),
        Just(Method::Hashes),
        Just(Method::LastNumber),
    ];
    (prop::collection::vec(method, 0..6), any::<bool>())
        .prop_map(|(order, skip_think)| ExtractOptions { order, skip_think })
}

fn check(completion: &str, opts: &ExtractOptions) {
    if let Some(found) = extract_answer(completion, opts) {
        assert_eq!(completion.get(found.span.clone()), Some(found.text));
        assert!(!found.text.is_empty());
        assert_eq!(found.text, found.text.trim_ascii());
        assert!(opts.order.contains(&found.method));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn extract_span_slices_to_text_on_markup(completion in markup(), opts in orders()) {
        check(&completion, &opts);
    }

    #[test]
    fn extract_never_panics_on_any_string(completion in "\\PC*", opts in orders()) {
        check(&completion, &opts);
    }
}
