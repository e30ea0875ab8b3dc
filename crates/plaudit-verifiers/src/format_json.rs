//! `format.json`: the response (or a part of it) is JSON, optionally
//! valid against a JSON Schema.
//!
//! ## What it does
//!
//! Parses the extracted text as JSON and scores 1 when it parses (and,
//! with a schema, validates), 0 otherwise. `extract` picks the text (see
//! [`crate::extract`]): `"response"` (default), `"code_block"` (the last
//! ```` ```json ```` or untagged fenced block), `"answer_tag"` (the last
//! `<answer>…</answer>`, tag name `answer_tag`), or any other extraction
//! the `match.*` kinds accept. The schema is given inline as `schema = {…}`
//! or in a file, `schema_file = "path.json"`, relative to the spec's
//! folder.
//!
//! Details on failure: `reason`, and either the parse error with its
//! `line` and `column`, or the first schema violation with its
//! `instance_path` (a JSON pointer; `""` is the document itself).
//!
//! ## Why
//!
//! Structured-output and tool-use training rewards output that a program
//! can consume: parseable, with the required fields and types. A schema
//! states that precisely, and the first violation tells a person reading
//! rollouts what the model got wrong.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "json"
//! kind = "format.json"
//! extract = "code_block"
//! schema = { type = "object", required = ["answer"], properties = { answer = { type = "number" } } }
//! ```
//!
//! ## Edge cases
//!
//! - Nothing to parse (no code block, no answer tag) scores 0 with
//!   `extracted: null`.
//! - The whole text must be one JSON value: trailing text after it fails.
//!   Nesting deeper than 128 levels fails (serde_json's recursion limit),
//!   never overflows the stack.
//! - The schema's draft follows its `$schema` (2020-12 when absent); it is
//!   checked against its meta-schema at build time. Remote and file `$ref`s
//!   are not fetched: a schema that needs them is refused at build time.
//!   `format` is an annotation, not an assertion, as the drafts specify.
//! - A fence left open at the end of the response is no block: truncated
//!   output has not produced its JSON.
//!
//! ## References
//!
//! - JSON Schema 2020-12, the `jsonschema` crate.
//! - Structured-output rewards as in tool-use RL (e.g. ToolRL, Qian et al.
//!   2025), where the call must parse before it can be judged.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::extract::{Extract, Extractor};
use crate::text::preview;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "format.json",
    summary: "the response (or its last ```json block or answer tag) is JSON, optionally valid against a JSON Schema",
    version: 1,
    build,
};

/// The parameters of `format.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the JSON is (default `"response"`).
    #[serde(default)]
    pub extract: Extract,
    /// The tag of `extract = "answer_tag"` (default `"answer"`).
    #[serde(default = "default_answer_tag")]
    pub answer_tag: String,
    /// A JSON Schema the value must satisfy, inline (default none).
    #[serde(default)]
    pub schema: Option<Value>,
    /// A file holding the JSON Schema, relative to the spec's folder
    /// (default none; exclusive with `schema`).
    #[serde(default)]
    pub schema_file: Option<PathBuf>,
}

fn default_answer_tag() -> String {
    "answer".into()
}

fn build(params: &Map<String, Value>, bcx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    let extractor = Extractor::build(&config.extract, &config.answer_tag)?;
    let (schema, field) = match (config.schema, &config.schema_file) {
        (Some(_), Some(_)) => {
            return Err(BuildError::param(
                "schema_file",
                "give the schema inline (`schema`) or in a file (`schema_file`), not both",
            ));
        }
        (Some(schema), None) => (Some(schema), "schema"),
        (None, Some(file)) => {
            let path = bcx.resolve(file);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                BuildError::param(
                    "schema_file",
                    format!("cannot read the schema file {}: {e}", path.display()),
                )
            })?;
            let schema = serde_json::from_str(&text).map_err(|e| {
                BuildError::param(
                    "schema_file",
                    format!("the schema file {} is not valid JSON: {e}", path.display()),
                )
            })?;
            (Some(schema), "schema_file")
        }
        (None, None) => (None, "schema"),
    };
    let validator = schema
        .map(|schema| {
            jsonschema::validator_for(&schema)
                .map_err(|e| BuildError::param(field, format!("invalid JSON Schema: {e}")))
        })
        .transpose()?;
    Ok(Box::new(FormatJson {
        extractor,
        validator,
    }))
}

#[derive(Debug)]
struct FormatJson {
    extractor: Extractor,
    validator: Option<jsonschema::Validator>,
}

impl Aspect for FormatJson {
    fn evaluate(&self, sample: &Sample, _: &Context) -> Evaluation {
        let Some(text) = self.extractor.extract(sample.response.text()) else {
            return Evaluation::scored(0.0).with("extracted", Value::Null).with(
                "reason",
                format!("no JSON found by `{}` extraction", self.extractor.name()),
            );
        };
        // Built only when it fails: most answers parse.
        let fail = |details: usize| {
            let e = Evaluation::scored(0.0).with_room(details + 1);
            if self.extractor.is_whole_response() {
                e
            } else {
                e.with("extracted", preview(text))
            }
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return fail(3)
                    .with("reason", format!("not valid JSON: {e}"))
                    .with("line", e.line())
                    .with("column", e.column());
            }
        };
        if let Some(Err(e)) = self.validator.as_ref().map(|v| v.validate(&value)) {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() {
                "the document"
            } else {
                &path
            };
            return fail(2)
                .with("reason", format!("schema violation at {at}: {e}"))
                .with("instance_path", path);
        }
        Evaluation::scored(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;

    fn build_ok(params: Value) -> Box<dyn Aspect> {
        build(params.as_object().unwrap(), &BuildContext::default()).unwrap()
    }

    fn run(a: &dyn Aspect, response: &str) -> Evaluation {
        a.evaluate(
            &Sample::new("s", response),
            &Context::with_timeout(Duration::from_secs(1)),
        )
    }

    fn schema() -> Value {
        json!({"type": "object", "required": ["answer"], "properties": {"answer": {"type": "number"}}})
    }

    #[test]
    fn parses_the_response() {
        let a = build_ok(json!({}));
        let cases = [
            (" {\"a\": [1, 2]} \n", 1.0),
            ("42", 1.0),
            ("\"s\"", 1.0),
            ("{\"a\": 1} trailing", 0.0),
            ("", 0.0),
            ("{'a': 1}", 0.0),
        ];
        for (response, value) in cases {
            assert_eq!(
                run(&*a, response).outcome.value(),
                Some(value),
                "{response:?}"
            );
        }
        let e = run(&*a, "{\n  \"a\": 1,\n}");
        assert_eq!(e.details["line"], 3);
        assert_eq!(e.details["column"], 1);
        assert!(
            e.details["reason"]
                .as_str()
                .unwrap()
                .starts_with("not valid JSON: trailing comma"),
            "{e:?}"
        );
        assert!(!e.details.contains_key("extracted"));
    }

    #[test]
    fn validates_against_an_inline_schema() {
        let a = build_ok(json!({"schema": schema(), "extract": "code_block"}));
        let ok = "Here:\n```json\n{\"answer\": 4}\n```\n";
        assert_eq!(run(&*a, ok).outcome.value(), Some(1.0));

        let e = run(&*a, "```json\n{\"answer\": \"four\"}\n```");
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(e.details["instance_path"], "/answer");
        assert_eq!(e.details["extracted"], "{\"answer\": \"four\"}");
        assert!(
            e.details["reason"]
                .as_str()
                .unwrap()
                .contains("\"four\" is not of type \"number\""),
            "{e:?}"
        );

        let e = run(&*a, "```json\n{}\n```");
        assert_eq!(e.details["instance_path"], "");
        assert!(
            e.details["reason"]
                .as_str()
                .unwrap()
                .starts_with("schema violation at the document"),
            "{e:?}"
        );

        let e = run(&*a, "no block");
        assert_eq!(e.details["extracted"], Value::Null);
        assert_eq!(e.outcome.value(), Some(0.0));
    }

    #[test]
    fn answer_tag_extraction() {
        let a = build_ok(json!({"extract": "answer_tag", "answer_tag": "json"}));
        assert_eq!(run(&*a, "x <json>[1]</json>").outcome.value(), Some(1.0));
        assert_eq!(
            run(&*a, "x <answer>[1]</answer>").outcome.value(),
            Some(0.0)
        );
    }

    #[test]
    fn schema_from_a_file() {
        let dir = std::env::temp_dir().join(format!("plaudit-format-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.json"), schema().to_string()).unwrap();
        std::fs::write(dir.join("bad.json"), "{").unwrap();
        let bcx = BuildContext {
            base_dir: dir.clone(),
        };
        let params = json!({"schema_file": "s.json"});
        let a = build(params.as_object().unwrap(), &bcx).unwrap();
        assert_eq!(run(&*a, "{\"answer\": 1}").outcome.value(), Some(1.0));
        assert_eq!(run(&*a, "{\"answer\": null}").outcome.value(), Some(0.0));

        let bad = json!({"schema_file": "bad.json"});
        let err = build(bad.as_object().unwrap(), &bcx).unwrap_err();
        assert!(
            err.to_string().contains("bad.json is not valid JSON"),
            "{err}"
        );
        let missing = json!({"schema_file": "missing.json"});
        let err = build(missing.as_object().unwrap(), &bcx).unwrap_err();
        assert_eq!(err.field(), Some("schema_file"));
        assert!(
            err.to_string().contains("cannot read the schema file")
                && err.to_string().contains("missing.json"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (
                json!({"schema": {"type": "objekt"}}),
                "schema",
                "invalid JSON Schema",
            ),
            (
                json!({"schema": {"$ref": "https://example.com/s.json"}}),
                "schema",
                "invalid JSON Schema",
            ),
            (
                json!({"schema": {}, "schema_file": "x.json"}),
                "schema_file",
                "not both",
            ),
            (
                json!({"extract": "xml"}),
                "extract",
                "unknown extraction \"xml\"",
            ),
            (
                json!({"schema_path": "x"}),
                "schema_path",
                "unknown field `schema_path`",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    #[test]
    fn deep_nesting_fails_without_overflow() {
        let a = build_ok(json!({}));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = run(&*a, &deep);
        assert_eq!(e.outcome.value(), Some(0.0));
        assert!(
            e.details["reason"]
                .as_str()
                .unwrap()
                .contains("recursion limit"),
            "{e:?}"
        );
    }

    proptest! {
        #[test]
        fn never_panics(response in "\\PC{0,80}") {
            let a = build_ok(json!({"schema": schema(), "extract": "code_block"}));
            let v = run(&*a, &response).outcome.value();
            prop_assert!(v == Some(0.0) || v == Some(1.0));
        }

        #[test]
        fn serialized_values_parse(v in proptest::collection::vec(any::<i64>(), 0..10)) {
            let a = build_ok(json!({}));
            prop_assert_eq!(run(&*a, &serde_json::to_string(&v).unwrap()).outcome.value(), Some(1.0));
        }
    }
}
