//! `model.local` end to end on the tiny checkpoints of `tests/data/local`
//! (written by `make_fixtures.py` with transformers): texts through the
//! tokenizer and a plain template, conversations through the model's chat
//! template, every reward equal to the logit transformers computed; heads,
//! activations and several aspects over one model; and the errors of a
//! spec or an input the model cannot take.
#![cfg(feature = "local")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildContext, Content, Context, Registry, Sample, Status};
use plaudit_engine::Engine;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/local")
}

fn fixtures() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data().join("fixtures.json")).unwrap()).unwrap()
}

fn aspect(params: Value) -> Result<Box<dyn Aspect>, String> {
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    let build = registry.get("model.local").expect("the kind").build;
    build(params.as_object().unwrap(), &BuildContext::default()).map_err(|e| e.to_string())
}

fn cx() -> Context {
    Context::with_timeout(Duration::from_secs(120))
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-4 * want.abs().max(1.0)
}

/// The fixture's texts as responses, scored through `template = "{response}"`.
#[test]
fn every_architecture_scores_as_transformers() {
    let fixtures = fixtures();
    for (kind, cases) in fixtures["models"].as_object().unwrap() {
        let labels = cases[0]["logits"].as_array().unwrap().len();
        for index in [0, labels - 1] {
            let a = aspect(json!({"model": data().join(kind), "template": "{response}",
                                  "index": index}))
            .unwrap();
            let samples: Vec<Sample> = cases
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, c)| Sample::new(format!("{i}"), c["text"].as_str().unwrap()))
                .collect();
            let refs: Vec<&Sample> = samples.iter().collect();
            for (i, (e, c)) in a
                .evaluate_batch(&refs, &cx())
                .iter()
                .zip(cases.as_array().unwrap())
                .enumerate()
            {
                let want = c["logits"][index].as_f64().unwrap();
                let got = e
                    .outcome
                    .value()
                    .unwrap_or_else(|| panic!("{kind} {i}: {e:?}"));
                assert!(
                    close(got, want),
                    "{kind} case {i} head {index}: {got} vs {want}"
                );
            }
        }
    }
}

/// Conversations through the model's own chat template, tokenized without
/// added special tokens, as `apply_chat_template` does.
#[test]
fn the_chat_template_renders_as_transformers() {
    let fixtures = fixtures();
    let a = aspect(json!({"model": data().join("llama")})).unwrap();
    for (i, chat) in fixtures["chats"].as_array().unwrap().iter().enumerate() {
        let messages = chat["messages"].as_array().unwrap();
        let (response, prompt) = messages.split_last().unwrap();
        let mut s = Sample::new(format!("{i}"), response["content"].as_str().unwrap());
        s.prompt = Content::prompt_from_json(Value::Array(prompt.to_vec())).unwrap();
        let got = a.evaluate(&s, &cx()).outcome.value().unwrap();
        let want = chat["logits"][0].as_f64().unwrap();
        assert!(close(got, want), "chat {i}: {got} vs {want}");
    }
}

#[test]
fn heads_and_activations() {
    let fixtures = fixtures();
    let case = &fixtures["models"]["qwen2"][1];
    let logits: Vec<f64> = serde_json::from_value(case["logits"].clone()).unwrap();
    let a = aspect(
        json!({"model": data().join("qwen2"), "template": "{response}", "index": 2,
                          "activation": "sigmoid", "heads": {"first": 0, "last": "LABEL_4"}}),
    )
    .unwrap();
    let e = a.evaluate(&Sample::new("s", case["text"].as_str().unwrap()), &cx());
    let sigmoid = 1.0 / (1.0 + (-logits[2]).exp());
    assert!(close(e.outcome.value().unwrap(), sigmoid), "{e:?}");
    let heads = &e.details["heads"];
    assert!(close(
        heads["first"].as_f64().unwrap(),
        1.0 / (1.0 + (-logits[0]).exp())
    ));
    assert!(close(
        heads["last"].as_f64().unwrap(),
        1.0 / (1.0 + (-logits[4]).exp())
    ));

    let softmax = aspect(
        json!({"model": data().join("bert"), "template": "{response}",
                                "label": "LABEL_1", "activation": "softmax"}),
    )
    .unwrap();
    let bert = &fixtures["models"]["bert"][0];
    let l: Vec<f64> = serde_json::from_value(bert["logits"].clone()).unwrap();
    let want = l[1].exp() / (l[0].exp() + l[1].exp());
    let got = softmax
        .evaluate(&Sample::new("b", bert["text"].as_str().unwrap()), &cx())
        .outcome
        .value()
        .unwrap();
    assert!(close(got, want), "{got} vs {want}");
}

/// Two aspects reading two heads of one model, in one spec.
#[test]
fn several_aspects_share_one_model_in_the_engine() {
    let dir = serde_json::to_string(&data().join("qwen2")).unwrap();
    let spec = format!(
        "name = \"heads\"\n\n[[aspect]]\nname = \"helpful\"\nkind = \"model.local\"\nmodel = {dir}\n\
         template = \"{{response}}\"\nindex = 0\n\n[[aspect]]\nname = \"correct\"\nkind = \"model.local\"\n\
         model = {dir}\ntemplate = \"{{response}}\"\nindex = 4\nweight = 0.0\n"
    );
    let engine = Engine::builder()
        .build(&SpecSource::from_text("<test>", spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"));
    let fixtures = fixtures();
    let cases = fixtures["models"]["qwen2"].as_array().unwrap();
    let samples: Vec<Sample> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| Sample::new(format!("{i}"), c["text"].as_str().unwrap()))
        .collect();
    let scores = engine.score_batch(samples);
    for (s, c) in scores.iter().zip(cases) {
        let helpful = s
            .aspect("helpful")
            .unwrap()
            .evaluation
            .outcome
            .value()
            .unwrap();
        let correct = s
            .aspect("correct")
            .unwrap()
            .evaluation
            .outcome
            .value()
            .unwrap();
        assert!(close(helpful, c["logits"][0].as_f64().unwrap()), "{s:?}");
        assert!(close(correct, c["logits"][4].as_f64().unwrap()), "{s:?}");
        assert!(close(s.reward.unwrap(), helpful));
    }
}

#[test]
fn inputs_it_cannot_take_fail_alone() {
    let a = aspect(
        json!({"model": data().join("bert"), "template": "{prompt} {response}",
                          "index": 1}),
    )
    .unwrap();
    let long = Sample::new("long", "yes ".repeat(100));
    let fine = Sample::new("fine", "yes");
    let e = a.evaluate_batch(&[&long, &fine], &cx());
    assert_eq!(e[0].outcome.status(), Status::Failed);
    assert!(
        format!("{:?}", e[0].outcome).contains("at most 64"),
        "{:?}",
        e[0]
    );
    assert_eq!(e[1].outcome.status(), Status::Scored, "{:?}", e[1]);
}

#[test]
fn build_errors_say_what_is_wrong() {
    let err = |p: Value| aspect(p).err().unwrap();
    let e = err(json!({"model": "/nonexistent/rm"}));
    assert!(e.contains("/nonexistent/rm"), "{e}");
    // Five outputs and no say which.
    let e = err(json!({"model": data().join("qwen2"), "template": "{response}"}));
    assert!(e.contains("5 outputs") && e.contains("LABEL_0"), "{e}");
    let e = err(json!({"model": data().join("qwen2"), "template": "{response}", "index": 5}));
    assert!(e.contains("out of range"), "{e}");
    let e = err(json!({"model": data().join("qwen2"), "template": "{response}", "label": "nice"}));
    assert!(e.contains("no label \"nice\""), "{e}");
    let e =
        err(json!({"model": data().join("qwen3"), "heads": {"x": 3}, "template": "{response}"}));
    assert!(e.contains("index 3 is out of range"), "{e}");
    // No chat template in the folder and no `template`.
    let e = err(json!({"model": data().join("qwen3")}));
    assert!(e.contains("no chat template"), "{e}");
    let e = err(
        json!({"model": data().join("llama"), "template": "{response}",
                       "chat_template": data().join("llama")}),
    );
    assert!(e.contains("not both"), "{e}");
    let e = err(json!({"model": data().join("llama"), "modle": 1}));
    assert!(e.contains("modle"), "{e}");
    // A config this crate cannot run names the file.
    let tmp = tempfile::tempdir().unwrap();
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::copy(data().join("qwen3").join(f), tmp.path().join(f)).unwrap();
    }
    let config = std::fs::read_to_string(tmp.path().join("config.json")).unwrap();
    std::fs::write(
        tmp.path().join("config.json"),
        config.replace("\"qwen3\"", "\"gpt2\""),
    )
    .unwrap();
    let e = err(json!({"model": tmp.path(), "template": "{response}"}));
    assert!(e.contains("config.json") && e.contains("gpt2"), "{e}");
}
