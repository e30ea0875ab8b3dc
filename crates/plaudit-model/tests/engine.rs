//! `model.remote` through the engine, as `plaudit score` runs it: the
//! engine's workers bring samples one at a time and the aspect batches
//! them; every score lands in the engine's cache, so a second run calls
//! the server zero times.

mod support;

use std::sync::Arc;

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Sample, Status};
use plaudit_engine::{Cache, Engine};
use support::{ModelRequest as _, Server, Stub, by_length};

fn spec(stub: &Stub) -> SpecSource {
    let text = format!(
        r#"
name = "rm"

[[aspect]]
name = "rm"
kind = "model.remote"
protocol = "vllm.classify"
base_url = "{}"
model = "Skywork/Skywork-Reward-V2-Llama-3.1-8B"
chat_template = "tests/data/llama-3.1"
batch_size = 8
max_concurrency = 2
timeout_ms = 30000
"#,
        stub.base_url
    );
    let mut source = SpecSource::from_text("<test>", text, Format::Toml);
    source.base_dir = env!("CARGO_MANIFEST_DIR").into();
    source
}

fn samples() -> Vec<Sample> {
    (0..40)
        .map(|i| {
            Sample::new(format!("s{i}"), format!("answer {i}")).with_prompt(format!("question {i}"))
        })
        .collect()
}

#[test]
fn the_engine_batches_and_caches_every_score() {
    let stub = Stub::model(Server::Vllm, by_length());
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(Cache::open(&dir.path().join("cache.sqlite")).unwrap());
    let engine = Engine::builder()
        .threads(2)
        .cache(Arc::clone(&cache))
        .build(&spec(&stub))
        .unwrap_or_else(|e| panic!("{e}"));

    let first = engine.score_batch(samples());
    assert_eq!(first.len(), 40);
    for s in &first {
        let rm = s.aspect("rm").unwrap();
        assert_eq!(rm.evaluation.outcome.status(), Status::Scored, "{s:?}");
        assert_eq!(rm.cache_hit, Some(false));
        assert_eq!(s.reward, rm.evaluation.outcome.value());
    }
    let sizes = stub.batch_sizes();
    assert_eq!(sizes.iter().sum::<usize>(), 40);
    assert!(sizes.iter().all(|&n| n <= 8), "{sizes:?}");
    assert!(
        sizes.len() < 40,
        "the engine's samples were not batched: {sizes:?}"
    );
    // The server saw the Llama 3.1 template, its BOS token left to the
    // server's tokenizer.
    let text = &stub.requests()[0].texts()[0];
    assert!(
        text.starts_with("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date"),
        "{text}"
    );
    assert!(engine.take_cache_errors().is_empty());

    // A second run, by a fresh engine on the same cache: no call at all.
    let calls = stub.requests().len();
    let again = Engine::builder()
        .threads(2)
        .cache(cache)
        .build(&spec(&stub))
        .unwrap()
        .score_batch(samples());
    assert_eq!(stub.requests().len(), calls);
    for (a, b) in first.iter().zip(&again) {
        let (ra, rb) = (a.aspect("rm").unwrap(), b.aspect("rm").unwrap());
        assert_eq!(rb.cache_hit, Some(true));
        assert_eq!(ra.evaluation, rb.evaluation);
        assert_eq!(a.reward, b.reward);
    }
}

#[test]
fn plaudit_check_reports_bad_parameters_with_their_line() {
    let stub = Stub::model(Server::Vllm, by_length());
    let mut source = spec(&stub);
    source.text = source.text.replace("batch_size = 8", "batch_size = 0");
    let err = Engine::builder().build(&source).unwrap_err().to_string();
    assert!(err.contains("batch_size must be at least 1"), "{err}");
    assert!(err.contains("<test>:"), "{err}");
}
