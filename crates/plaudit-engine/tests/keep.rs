//! `Keep::Outcomes` with the real aspects: the bundled GSM8K rollouts
//! scored by the example specs give the same outcomes and rewards as with
//! details, and no details.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plaudit_core::Sample;
use plaudit_engine::{Engine, Keep};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rollouts() -> Vec<Sample> {
    let path = root().join("examples/gsm8k-rollouts.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut samples: Vec<Sample> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // Responses without an answer tag, with broken JSON in it, and with no
    // reference, so that the failure paths run too.
    let n = samples.len();
    for (i, s) in samples.iter_mut().enumerate().take(n / 10) {
        let mut text = s.response.text().to_owned();
        match i % 3 {
            0 => text = text.replace("<answer>", ""),
            1 => text = text.replace("</answer>", "{oops</answer>"),
            _ => s.reference = None,
        }
        s.response = plaudit_core::Content::text_only(text);
    }
    samples
}

#[test]
fn outcomes_only_gives_the_same_scores_without_details() {
    let samples = Arc::new(rollouts());
    assert!(samples.len() >= 300);
    for spec in [
        "examples/math-grpo.toml",
        "bench/rule5.toml",
        "examples/naive-math.toml",
    ] {
        let engine = Engine::from_path(root().join(spec)).unwrap_or_else(|e| panic!("{e}"));
        let full = engine.score_shared_keeping(&samples, Keep::Details);
        let lean = engine.score_shared_keeping(&samples, Keep::Outcomes);
        let mut with_details = 0;
        for (f, l) in full.iter().zip(&lean) {
            assert_eq!(f.id, l.id);
            assert_eq!(
                (f.reward, f.raw_reward),
                (l.reward, l.raw_reward),
                "{spec}: {}",
                f.id
            );
            assert_eq!(f.error, l.error, "{spec}: {}", f.id);
            for (fa, la) in f.aspects.iter().zip(&l.aspects) {
                assert_eq!(fa.outcome(), la.outcome(), "{spec}: {} {}", f.id, fa.name);
                with_details += usize::from(!fa.evaluation.details.is_empty());
                // The engine's own note on a gate is kept (it is not
                // the aspect's work); nothing else.
                let kept: Vec<&str> = la.evaluation.details.iter().map(|(k, _)| k).collect();
                assert!(
                    kept.is_empty() || kept == ["gated_by"],
                    "{spec}: {} {} kept {:?}",
                    f.id,
                    fa.name,
                    la.evaluation.details
                );
            }
        }
        assert!(with_details > samples.len() / 2, "{spec}: {with_details}");
    }
}
