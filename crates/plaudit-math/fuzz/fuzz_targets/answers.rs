//! Any bytes, read as a completion and a reference, must give a verdict:
//! no panic, no hang (libFuzzer's -timeout catches a slow input), and a
//! parsed answer must parse again from its own rendering.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plaudit_math::verify::{Options, verify};
use plaudit_math::{Equivalence, check, parse};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The reference is what comes before the first newline, the completion
    // the rest: both sides get arbitrary text.
    let (gold, completion) = text.split_once('\n').unwrap_or((&text, &text));
    let report = verify(gold, completion, &Options::default());
    let _ = report.equivalence();
    if let Ok(answer) = parse(gold) {
        let rendered = answer.to_string();
        let again = parse(&rendered);
        assert!(again.is_ok(), "{gold:?} renders as {rendered:?}, which does not parse: {again:?}");
        assert_ne!(
            check(&rendered, &rendered, &Default::default()).equivalence,
            Equivalence::NotEqual,
            "{rendered:?} is not equal to itself"
        );
    }
});
