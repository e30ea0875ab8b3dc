//! `docs/aspects.md` stays true: every ```toml block is a complete spec
//! that parses and whose aspects build (paths relative to the repository
//! root), and every registered kind has its section.

use std::path::{Path, PathBuf};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{BuildContext, Registry};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn registry() -> Registry {
    let mut r = Registry::new();
    plaudit_verifiers::register(&mut r);
    r
}

#[test]
fn every_toml_example_is_a_spec_that_builds() {
    let path = repo_root().join("docs/aspects.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/aspects.md is readable");
    let registry = registry();
    let bcx = BuildContext {
        base_dir: repo_root(),
    };
    let blocks = plaudit_core::spec::toml_blocks(&markdown).expect("docs/aspects.md");
    assert!(
        blocks.len() >= registry.kinds().len(),
        "one example per kind at least"
    );
    let mut kinds_used = std::collections::BTreeSet::new();
    for (line, text) in blocks {
        // Kinds of other crates (math.equivalent) are built by the engine's
        // docs test, which has every kind registered.
        let foreign = text.lines().any(|l| {
            l.trim_start()
                .strip_prefix("kind = \"")
                .and_then(|rest| rest.split('"').next())
                .is_some_and(|kind| registry.get(kind).is_none())
        });
        if foreign {
            continue;
        }
        let mut source =
            SpecSource::from_text(format!("docs/aspects.md:{line}"), text, Format::Toml);
        source.base_dir = repo_root();
        let spec = source.parse(&registry).unwrap_or_else(|e| panic!("{e:#}"));
        for aspect in &spec.aspects {
            let entry = registry
                .get(&aspect.kind)
                .expect("validated kinds are registered");
            kinds_used.insert(aspect.kind.clone());
            if cfg!(not(feature = "tokenizers")) && aspect.params.contains_key("tokenizer") {
                // Refused by design without the feature; unit tests cover the message.
                continue;
            }
            if let Err(e) = (entry.build)(&aspect.params, &bcx) {
                panic!(
                    "docs/aspects.md:{line}: aspect `{}` does not build: {e} (field {:?})",
                    aspect.name,
                    e.field()
                );
            }
        }
    }
    for kind in registry.kinds() {
        assert!(
            kinds_used.contains(kind),
            "no example in docs/aspects.md uses `{kind}`"
        );
        assert!(
            markdown.lines().any(|l| l == format!("## {kind}")),
            "docs/aspects.md has no `## {kind}` section"
        );
    }
}
