//! One parser per data layout: which fields hold the prompt, the responses
//! (in the order their scores are listed) and the verdict.

use plaudit_core::{Content, json_type};
use serde_json::Value;

use super::fields::{self, Row};
use super::{Format, Rule};

/// What a row says, before ids and subsets are settled across files.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub id: Option<String>,
    pub subset: Option<String>,
    pub prompt: Content,
    pub responses: Vec<Content>,
    pub rule: Rule,
}

/// Parses one row of `format`, taking the fields it reads out of `row`
/// (what is left is the row's metadata).
pub(crate) fn parse(format: Format, row: &mut Row) -> Result<Parsed, String> {
    match format {
        Format::RewardBench => rewardbench(row, true),
        Format::Pairwise => rewardbench(row, false),
        Format::RewardBench2 => rewardbench2(row),
        Format::LlmBar => llmbar(row),
        Format::JudgeBench => judgebench(row),
        Format::HhRlhf => hh_rlhf(row),
        Format::Bon => bon(row),
    }
}

/// RewardBench 1 (`prompt, chosen, rejected, subset`) and generic pairwise
/// rows (the same without a required subset).
fn rewardbench(row: &mut Row, benchmark: bool) -> Result<Parsed, String> {
    let id = fields::id(row, "id")?;
    let prompt = fields::prompt(row, "prompt", benchmark)?;
    let chosen = fields::response(row, "chosen")?;
    let rejected = fields::response(row, "rejected")?;
    let subset = if benchmark {
        Some(fields::string(row, "subset")?)
    } else {
        fields::optional_string(row, "subset")?
    };
    Ok(Parsed {
        id,
        subset,
        prompt,
        responses: vec![chosen, rejected],
        rule: Rule::Pair { preferred: 0 },
    })
}

/// RewardBench 2: `chosen: [...]`, `rejected: [...]`, `num_correct`,
/// `subset`; the Ties subset's ids are `ref:<pid>` and `tied:<pid>`.
fn rewardbench2(row: &mut Row) -> Result<Parsed, String> {
    let id = fields::id(row, "id")?;
    let prompt = fields::prompt(row, "prompt", true)?;
    let mut responses = fields::responses(row, "chosen")?;
    let chosen = responses.len();
    responses.extend(fields::responses(row, "rejected")?);
    let total = responses.len();
    let num_correct = fields::count(row, "num_correct", chosen)?;
    let subset = fields::string(row, "subset")?;
    if num_correct == 0 || num_correct >= total {
        return Err(format!(
            "field `num_correct`: {num_correct} is out of range for {total} responses (it must leave at least one correct and one incorrect)"
        ));
    }
    // `total_completions`, when given, must agree with the lists: the
    // reference regroups scores by it.
    let declared = fields::count(row, "total_completions", total)?;
    if declared != total {
        return Err(format!(
            "field `total_completions`: {declared}, but `chosen` and `rejected` hold {total} responses"
        ));
    }
    if crate::metrics::ties::is_ties(&subset) {
        let id = id
            .as_deref()
            .ok_or("missing field `id` (Ties rows are `ref:<pid>` or `tied:<pid>`)")?;
        let (kind, _) = crate::metrics::ties::parse_id(id)?;
        if kind == crate::metrics::ties::Kind::Tied && num_correct < 2 {
            return Err(format!(
                "a `tied:` prompt needs at least 2 correct answers, found num_correct = {num_correct}"
            ));
        }
    }
    Ok(Parsed {
        id,
        subset: Some(subset),
        prompt,
        responses,
        rule: Rule::BestOfN {
            best: 0,
            num_correct,
        },
    })
}

/// LLMBar: `input, output_1, output_2, label` (1 or 2).
fn llmbar(row: &mut Row) -> Result<Parsed, String> {
    let id = fields::id(row, "id")?;
    let prompt = fields::prompt(row, "input", true)?;
    let a = fields::response(row, "output_1")?;
    let b = fields::response(row, "output_2")?;
    let label = fields::required(row, "label")?;
    let preferred = match &label {
        Value::Number(n) if n.as_u64() == Some(1) => 0,
        Value::Number(n) if n.as_u64() == Some(2) => 1,
        Value::String(s) if s.trim() == "1" => 0,
        Value::String(s) if s.trim() == "2" => 1,
        other => return Err(format!("field `label`: expected 1 or 2, found {other}")),
    };
    Ok(Parsed {
        id,
        subset: None,
        prompt,
        responses: vec![a, b],
        rule: Rule::Pair { preferred },
    })
}

/// JudgeBench: `question, response_A, response_B, label` (`A>B` or
/// `B>A`); the subset is the category of `source`.
fn judgebench(row: &mut Row) -> Result<Parsed, String> {
    let id = match fields::id(row, "pair_id")? {
        Some(id) => Some(id),
        None => fields::id(row, "id")?,
    };
    let prompt = fields::prompt(row, "question", true)?;
    let a = fields::response(row, "response_A")?;
    let b = fields::response(row, "response_B")?;
    let label = fields::string(row, "label")?;
    let preferred = match label.trim() {
        "A>B" => 0,
        "B>A" => 1,
        other => {
            return Err(format!(
                "field `label`: expected \"A>B\" or \"B>A\", found {other:?}"
            ));
        }
    };
    // `source` stays in the row for `--by source`.
    let subset = match row.get("source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(judgebench_category(s).to_owned()),
        Some(other) => {
            return Err(format!(
                "field `source`: expected a string, found {}",
                json_type(other)
            ));
        }
    };
    Ok(Parsed {
        id,
        subset,
        prompt,
        responses: vec![a, b],
        rule: Rule::Pair { preferred },
    })
}

/// JudgeBench's four categories, from the `source` of a pair.
pub(crate) fn judgebench_category(source: &str) -> &str {
    if source.starts_with("mmlu-pro") {
        "knowledge"
    } else if source.starts_with("livebench-reasoning") {
        "reasoning"
    } else if source.starts_with("livebench-math") {
        "math"
    } else if source.starts_with("livecodebench") {
        "coding"
    } else {
        source
    }
}

const ASSISTANT: &str = "\n\nAssistant:";

/// HH-RLHF: `chosen` and `rejected` are whole dialogues; the prompt is
/// their shared prefix up to the last `\n\nAssistant:` in it, and each
/// response is what follows.
fn hh_rlhf(row: &mut Row) -> Result<Parsed, String> {
    let id = fields::id(row, "id")?;
    let chosen = fields::string(row, "chosen")?;
    let rejected = fields::string(row, "rejected")?;
    let (prompt, a, b) = split_dialogues(&chosen, &rejected)?;
    Ok(Parsed {
        id,
        subset: fields::optional_string(row, "subset")?,
        prompt: Content::text_only(prompt),
        responses: vec![Content::text_only(a), Content::text_only(b)],
        rule: Rule::Pair { preferred: 0 },
    })
}

/// Splits two transcripts into (shared prompt, first response, second response).
pub(crate) fn split_dialogues<'a>(
    chosen: &'a str,
    rejected: &'a str,
) -> Result<(&'a str, &'a str, &'a str), String> {
    let mut common = chosen
        .bytes()
        .zip(rejected.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !chosen.is_char_boundary(common) {
        common -= 1;
    }
    let end = chosen[..common]
        .rfind(ASSISTANT)
        .map(|i| i + ASSISTANT.len())
        .ok_or("`chosen` and `rejected` share no prompt ending in \"\\n\\nAssistant:\"")?;
    let trim = |s: &'a str| s.strip_prefix(' ').unwrap_or(s);
    Ok((&chosen[..end], trim(&chosen[end..]), trim(&rejected[end..])))
}

/// Generic best-of-N: `prompt`, `responses: [...]`, `best` (default 0).
fn bon(row: &mut Row) -> Result<Parsed, String> {
    let id = fields::id(row, "id")?;
    let prompt = fields::prompt(row, "prompt", false)?;
    let responses = fields::responses(row, "responses")?;
    let best = fields::count(row, "best", 0)?;
    if best >= responses.len() {
        return Err(format!(
            "field `best`: {best} is not an index of the {} responses",
            responses.len()
        ));
    }
    Ok(Parsed {
        id,
        subset: fields::optional_string(row, "subset")?,
        prompt,
        responses,
        rule: Rule::BestOfN {
            best,
            num_correct: 1,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use test_case::test_case;

    fn parse_json(format: Format, v: Value) -> Result<Parsed, String> {
        let Value::Object(mut row) = v else {
            unreachable!()
        };
        parse(format, &mut row)
    }

    #[test_case(json!(1), 0)]
    #[test_case(json!(2), 1)]
    #[test_case(json!("2"), 1)]
    fn llmbar_label(label: Value, preferred: usize) {
        let p = parse_json(
            Format::LlmBar,
            json!({"input": "q", "output_1": "a", "output_2": "b", "label": label}),
        )
        .unwrap();
        assert_eq!(p.rule, Rule::Pair { preferred });
        assert_eq!(p.responses[0].text(), "a");
    }

    #[test_case(json!({"input": "q", "output_1": "a", "output_2": "b", "label": 3}), "field `label`: expected 1 or 2, found 3")]
    #[test_case(json!({"input": "q", "output_1": "a", "label": 1}), "missing field `output_2`")]
    #[test_case(json!({"output_1": "a", "output_2": "b", "label": 1}), "missing field `input`")]
    fn llmbar_errors(row: Value, message: &str) {
        assert_eq!(parse_json(Format::LlmBar, row).unwrap_err(), message);
    }

    #[test_case("A>B", Some(0))]
    #[test_case("B>A", Some(1))]
    #[test_case("A=B", None)]
    fn judgebench_label(label: &str, preferred: Option<usize>) {
        let row = json!({"pair_id": "p1", "question": "q", "response_A": "a", "response_B": "b",
                         "label": label, "source": "mmlu-pro-law"});
        match (parse_json(Format::JudgeBench, row), preferred) {
            (Ok(p), Some(preferred)) => {
                assert_eq!(p.rule, Rule::Pair { preferred });
                assert_eq!(p.subset.as_deref(), Some("knowledge"));
                assert_eq!(p.id.as_deref(), Some("p1"));
            }
            (Err(e), None) => assert!(e.contains("expected \"A>B\" or \"B>A\""), "{e}"),
            (other, _) => panic!("{other:?}"),
        }
    }

    #[test_case("livebench-reasoning", "reasoning")]
    #[test_case("livebench-math", "math")]
    #[test_case("livecodebench", "coding")]
    #[test_case("mmlu-pro-computer science", "knowledge")]
    #[test_case("other", "other")]
    fn judgebench_categories(source: &str, category: &str) {
        assert_eq!(judgebench_category(source), category);
    }

    #[test]
    fn hh_prompt_is_the_shared_prefix_up_to_the_last_assistant_turn() {
        let c = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: A pun.";
        let r = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: Absolutely not.";
        let (p, a, b) = split_dialogues(c, r).unwrap();
        assert_eq!(
            p,
            "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant:"
        );
        assert_eq!((a, b), ("A pun.", "Absolutely not."));
    }

    #[test]
    fn hh_without_a_shared_turn_is_an_error() {
        let err = split_dialogues("\n\nHuman: a", "\n\nHuman: b").unwrap_err();
        assert!(err.contains("share no prompt"), "{err}");
    }

    #[test]
    fn hh_prefix_never_splits_a_character() {
        // The texts differ inside a two-byte character that starts alike.
        let (p, a, b) = split_dialogues(
            "\n\nHuman: x\n\nAssistant: é",
            "\n\nHuman: x\n\nAssistant: è",
        )
        .unwrap();
        assert_eq!((p.len(), a, b), (22, "é", "è"));
    }

    #[test]
    fn rewardbench2_rows() {
        let p = parse_json(
            Format::RewardBench2,
            json!({"id": "7", "prompt": "q", "chosen": ["a"], "rejected": ["b", "c", "d"], "num_correct": 1, "subset": "Math"}),
        )
        .unwrap();
        assert_eq!(p.responses.len(), 4);
        assert_eq!(
            p.rule,
            Rule::BestOfN {
                best: 0,
                num_correct: 1
            }
        );
    }

    #[test_case(json!({"id": "x:1", "prompt": "q", "chosen": ["a", "b"], "rejected": ["c"], "subset": "Ties"}), "a Ties id is `ref:<pid>` or `tied:<pid>`, found \"x:1\"")]
    #[test_case(json!({"id": "tied:1", "prompt": "q", "chosen": ["a"], "rejected": ["c"], "subset": "Ties"}), "a `tied:` prompt needs at least 2 correct answers, found num_correct = 1")]
    #[test_case(json!({"id": "1", "prompt": "q", "chosen": ["a"], "rejected": ["c"], "num_correct": 2, "subset": "Math"}), "field `num_correct`: 2 is out of range for 2 responses (it must leave at least one correct and one incorrect)")]
    #[test_case(json!({"id": "1", "prompt": "q", "chosen": ["a"], "rejected": [], "subset": "Math"}), "field `rejected`: the list is empty")]
    fn rewardbench2_errors(row: Value, message: &str) {
        assert_eq!(parse_json(Format::RewardBench2, row).unwrap_err(), message);
    }

    #[test]
    fn bon_best_must_index_a_response() {
        let err = parse_json(Format::Bon, json!({"responses": ["a", "b"], "best": 2})).unwrap_err();
        assert_eq!(err, "field `best`: 2 is not an index of the 2 responses");
    }
}
