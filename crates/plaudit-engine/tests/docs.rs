//! Every TOML spec shown in the docs parses and builds, so the docs cannot
//! drift from the code.

use std::path::{Path, PathBuf};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_engine::Engine;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The ```toml blocks of a Markdown file that are whole specs, with their
/// first line number.
fn spec_blocks(file: &str, text: &str) -> Vec<(usize, String)> {
    let blocks = plaudit_core::spec::toml_blocks(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    blocks
        .into_iter()
        .filter(|(_, body)| body.contains("[[aspect]]"))
        .collect()
}

fn check(file: &str, min_blocks: usize) {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let blocks = spec_blocks(file, &text);
    assert!(
        blocks.len() >= min_blocks,
        "{file} has {} spec examples",
        blocks.len()
    );
    let mut failures = Vec::new();
    for (line, body) in blocks {
        let local =
            body.contains("kind = \"embed.similarity\"") || body.contains("kind = \"model.local\"");
        let mut source = SpecSource::from_text(format!("{file}:{line}"), body, Format::Toml);
        source.base_dir = root();
        if let Err(e) = Engine::builder().threads(1).build(&source) {
            let e = e.to_string();
            // In-process model kinds need plaudit-model's `local` feature
            // (and a model on disk); without them the example still parses
            // and the build names what is missing.
            if !(local
                && (e.contains("built without the `local` feature") || e.contains("cannot read")))
            {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn spec_grammar_examples_build() {
    check("docs/spec.md", 1);
}

#[test]
fn every_aspect_kind_has_a_building_example() {
    // Rule aspects are documented in aspects.md, the judges in judges.md,
    // reward models in models.md.
    check("docs/aspects.md", 10);
    check("docs/judges.md", 5);
    check("docs/models.md", 5);
    let text = ["docs/aspects.md", "docs/judges.md", "docs/models.md"]
        .map(|f| std::fs::read_to_string(root().join(f)).unwrap())
        .concat();
    for entry in plaudit_engine::default_registry().entries() {
        assert!(
            text.contains(&format!("kind = \"{}\"", entry.kind)),
            "none of docs/aspects.md, judges.md and models.md has an example of {}",
            entry.kind
        );
    }
}

#[test]
fn readme_and_example_specs_build() {
    check("README.md", 0);
    for spec in ["examples/math-grpo.toml", "bench/rule5.toml"] {
        Engine::from_path(root().join(spec)).unwrap_or_else(|e| panic!("{e}"));
    }
}
