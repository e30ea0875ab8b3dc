//! `docs/models.md` stays true: every ```toml block is a complete spec that
//! parses and whose aspects build (paths relative to the repository root,
//! as `plaudit check` resolves them from there), every protocol has an
//! example, and every parameter of the table is one the kind accepts.

use std::path::{Path, PathBuf};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{BuildContext, BuildError, Registry};
use serde_json::{Map, Value};

#[cfg(feature = "local")]
mod minilm;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn doc() -> String {
    std::fs::read_to_string(repo_root().join("docs/models.md")).expect("docs/models.md is readable")
}

#[test]
fn every_toml_example_is_a_spec_that_builds() {
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    // Recipes put rule aspects beside model ones.
    plaudit_verifiers::register(&mut registry);
    let bcx = BuildContext {
        base_dir: repo_root(),
    };
    let blocks = plaudit_core::spec::toml_blocks(&doc()).expect("docs/models.md");
    let mut protocols = std::collections::BTreeSet::new();
    for (line, text) in &blocks {
        let mut source =
            SpecSource::from_text(format!("docs/models.md:{line}"), text.clone(), Format::Toml);
        source.base_dir = repo_root();
        let spec = source.parse(&registry).unwrap_or_else(|e| panic!("{e:#}"));
        for aspect in &spec.aspects {
            let entry = registry
                .get(&aspect.kind)
                .expect("validated kinds are registered");
            if aspect.kind == "embed.similarity" || aspect.kind == "model.local" {
                check_local(&aspect.kind, &aspect.params, &bcx, entry.build)
                    .unwrap_or_else(|e| panic!("docs/models.md:{line}: {e}\n{text}"));
                continue;
            }
            if let Err(e) = (entry.build)(&aspect.params, &bcx) {
                panic!("docs/models.md:{line}: {e}\n{text}");
            }
            if aspect.kind == "model.remote" {
                protocols.insert(aspect.params["protocol"].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(
        protocols.into_iter().collect::<Vec<_>>(),
        [
            "sglang.classify",
            "tei.predict",
            "tei.rerank",
            "vllm.classify",
            "vllm.pooling"
        ]
    );
}

type Build =
    fn(&Map<String, Value>, &BuildContext) -> Result<Box<dyn plaudit_core::Aspect>, BuildError>;

/// A local-model example: without the `local` feature, building it must
/// fail for that reason alone; with it, it must build with the real model
/// in place of the example's path (when the tests have the model).
#[cfg(not(feature = "local"))]
fn check_local(
    _kind: &str,
    params: &Map<String, Value>,
    bcx: &BuildContext,
    build: Build,
) -> Result<(), String> {
    match build(params, bcx) {
        Err(e) if e.to_string().contains("built without the `local` feature") => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(_) => Err("built without the `local` feature".into()),
    }
}

/// The same with the `local` feature: `embed.similarity` examples build
/// with all-MiniLM-L6-v2 when the tests have it, and
/// `model.local` examples run on the tests' tiny checkpoints: the Llama one
/// (one output, a chat template) for an example that picks no output, the
/// Qwen2 one (five outputs) for one that does.
#[cfg(feature = "local")]
fn check_local(
    kind: &str,
    params: &Map<String, Value>,
    bcx: &BuildContext,
    build: Build,
) -> Result<(), String> {
    let dir = if kind == "model.local" {
        let picks = ["index", "label", "heads"]
            .iter()
            .any(|k| params.contains_key(*k));
        let tiny = if picks { "qwen2" } else { "llama" };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/local")
            .join(tiny)
    } else {
        let Some(dir) = minilm::dir() else {
            return Ok(());
        };
        dir
    };
    let mut params = params.clone();
    params.insert("model".into(), dir.to_string_lossy().into_owned().into());
    build(&params, bcx).map(drop).map_err(|e| e.to_string())
}

#[test]
fn every_parameter_in_the_table_is_accepted() {
    let doc = doc();
    let table = doc
        .split("## Parameters")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(1))
        .expect("a parameter table");
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    let build = registry.get("model.remote").unwrap().build;
    let mut n = 0;
    for row in table.lines().skip(2) {
        let name = row.split('`').nth(1).expect("a parameter name");
        // An unknown parameter is refused by name; a known one gets past
        // the name check (and may fail for other reasons).
        let mut params = serde_json::Map::new();
        params.insert(name.into(), serde_json::Value::Null);
        params.insert("protocol".into(), "vllm.classify".into());
        let err = build(&params, &BuildContext::default()).err();
        let refused = err.is_some_and(|e| e.to_string().contains("unknown field"));
        assert!(!refused, "`{name}` is in the table but not a parameter");
        n += 1;
    }
    assert!(n >= 20, "{n} parameters");
}
