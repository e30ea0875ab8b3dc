//! Parsing and validating reward specs: what a user sees when a spec is wrong.

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildError, Context, Evaluation, KindEntry, Registry, Sample, Spec};

#[derive(Debug)]
struct Const;

impl Aspect for Const {
    fn evaluate(&self, _: &Sample, _: &Context) -> Evaluation {
        Evaluation::scored(1.0)
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    for kind in ["format.tags", "match.exact", "length.overlong"] {
        r.register(KindEntry {
            kind,
            summary: "test kind",
            version: 1,
            build: |_, _| Ok::<_, BuildError>(Box::new(Const)),
        });
    }
    r
}

fn toml(text: &str) -> Result<Spec, String> {
    SpecSource::from_text("spec.toml", text, Format::Toml)
        .parse(&registry())
        .map_err(|e| e.to_string())
}

const GOOD: &str = r#"
name = "math-grpo"

[[aspect]]
name = "format"
kind = "format.tags"
weight = 0.2

[[aspect]]
name = "correct"
kind = "match.exact"
requires = "format"

[[aspect]]
name = "overlong"
kind = "length.overlong"
max_length = 4096
buffer = 512

[combine]
method = "weighted_sum"
clip = [-1.0, 2.0]
"#;

#[test]
fn a_good_spec_parses_with_defaults_filled() {
    let spec = toml(GOOD).unwrap();
    assert_eq!(spec.aspects.len(), 3);
    assert_eq!(spec.aspects[1].requires, vec!["format".to_owned()]);
    assert_eq!(spec.aspects[1].weight, 1.0);
    assert_eq!(spec.aspects[2].params["max_length"], 4096);
    insta::assert_snapshot!(spec.to_toml());
}

#[test]
fn the_hash_ignores_layout_comments_and_syntax() {
    let a = toml(GOOD).unwrap();
    let reordered = GOOD.replace("weight = 0.2", "# a comment\nweight = 0.20");
    let b = toml(&reordered).unwrap();
    assert_eq!(a.content_hash(), b.content_hash());
    let json = serde_json::to_string(&a).unwrap();
    let c = SpecSource::from_text("spec.json", json, Format::Json)
        .parse(&registry())
        .unwrap();
    assert_eq!(a.content_hash(), c.content_hash());
    let d = toml(&GOOD.replace("weight = 0.2", "weight = 0.3")).unwrap();
    assert_ne!(a.content_hash(), d.content_hash());
    assert_eq!(a.content_hash().len(), 32);
}

#[test]
fn unknown_kind_names_line_field_and_choices() {
    let err = toml(&GOOD.replace("kind = \"match.exact\"", "kind = \"match.exakt\"")).unwrap_err();
    insta::assert_snapshot!(err, @r"
    the spec spec.toml has 1 problem
      spec.toml:11:1: `aspect[1].kind`: unknown aspect kind `match.exakt` (did you mean `match.exact`?); valid kinds: format.tags, length.overlong, match.exact
    ");
}

#[test]
fn unknown_top_level_field_lists_valid_fields() {
    let err = toml(&format!("{GOOD}\n[combin]\nmethod = \"min\"\n")).unwrap_err();
    insta::assert_snapshot!(err);
}

#[test]
fn unknown_combine_method_lists_valid_methods() {
    let err = toml(&GOOD.replace("method = \"weighted_sum\"", "method = \"average\"")).unwrap_err();
    insta::assert_snapshot!(err);
}

#[test]
fn a_weight_that_is_not_a_number() {
    let err = toml(&GOOD.replace("weight = 0.2", "weight = \"heavy\"")).unwrap_err();
    insta::assert_snapshot!(err);
}

#[test]
fn a_gate_naming_a_missing_aspect() {
    let err =
        toml(&GOOD.replace("requires = \"format\"", "requires = \"formatting\"")).unwrap_err();
    insta::assert_snapshot!(err, @r"
    the spec spec.toml has 1 problem
      spec.toml:12:1: `aspect[1].requires`: aspect `correct` requires `formatting`, which is not an aspect of this spec (aspects: format, correct, overlong)
    ");
}

#[test]
fn a_cyclic_gate() {
    let text = GOOD
        .replace("weight = 0.2", "weight = 0.2\nrequires = [\"overlong\"]")
        .replace("buffer = 512", "buffer = 512\nrequires = \"correct\"");
    let err = toml(&text).unwrap_err();
    insta::assert_snapshot!(err, @r"
    the spec spec.toml has 1 problem
      spec.toml:8:1: `aspect[0].requires`: the gates form a cycle: format → overlong → correct → format
    ");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"
name = ""
[[aspect]]
name = "a"
kind = "nope"
weight = inf
[[aspect]]
name = "a"
kind = "format.tags"
requires = "a"
[combine]
clip = [1.0, 0.0]
"#;
    insta::assert_snapshot!(toml(text).unwrap_err());
}

#[test]
fn toml_syntax_errors_point_at_the_character() {
    let err = toml("name = \"x\"\n[[aspect]\nname = 1\n").unwrap_err();
    assert!(
        err.starts_with("the spec spec.toml has 1 problem\n  spec.toml:2:"),
        "{err}"
    );
}

#[test]
fn json_errors_carry_line_and_column() {
    let text = "{\n  \"name\": \"x\",\n  \"aspect\": [{\"name\": \"a\", \"kind\": \"format.tags\", \"weight\": \"w\"}]\n}";
    let err = SpecSource::from_text("spec.json", text, Format::Json)
        .parse(&registry())
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!(err);
}

#[test]
fn an_empty_spec_needs_aspects() {
    insta::assert_snapshot!(toml("name = \"x\"\n").unwrap_err(), @r"
    the spec spec.toml has 1 problem
      spec.toml: `aspect`: the spec has no aspects; add at least one [[aspect]] table
    ");
}

#[test]
fn evaluation_order_puts_gates_first() {
    let text = GOOD.replace("weight = 0.2", "weight = 0.2\nrequires = \"overlong\"");
    let spec = toml(&text).unwrap();
    let order = plaudit_core::spec::evaluation_order(&spec);
    let names: Vec<&str> = order
        .iter()
        .map(|&i| spec.aspects[i].name.as_str())
        .collect();
    assert_eq!(names, ["overlong", "format", "correct"]);
}
