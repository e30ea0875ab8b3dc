//! The machinery of the list judges (`judge.rubric`, `judge.principles`,
//! `judge.checklist`): a list of items from the spec or the sample's
//! `meta`, one call that returns a verdict per item, and a reward that is
//! the weighted share of items satisfied.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use plaudit_core::{BuildError, Evaluation, Sample};

use crate::client::{Call, ChatMessage, Reply};
use crate::judge::Kind;
use crate::prompt::{DATA_NOT_INSTRUCTIONS, fenced, json_object, strict_object};

/// More items than this in one sample are refused: the verdict would not
/// fit a judge's reply reliably.
const MAX_ITEMS: usize = 64;

/// Where the items come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The aspect's parameters.
    #[default]
    Spec,
    /// The sample's `meta`, under the kind's key.
    Meta,
}

/// Whether a criterion must hold or is a quality to weigh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// A requirement the response must meet in full.
    HardRule,
    /// A quality the response should show.
    #[default]
    Principle,
}

impl CriterionKind {
    fn as_str(self) -> &'static str {
        match self {
            CriterionKind::HardRule => "hard_rule",
            CriterionKind::Principle => "principle",
        }
    }
}

/// One criterion as a spec or `meta` writes it: a string, or a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CriterionSpec {
    /// Just the text: weight 1, a principle.
    Text(String),
    /// The full form.
    Full {
        /// What the response must do or show.
        criterion: String,
        /// Its weight (default 1).
        #[serde(default = "one")]
        weight: f64,
        /// `hard_rule` or `principle` (default).
        #[serde(default)]
        kind: CriterionKind,
    },
}

fn one() -> f64 {
    1.0
}

/// One item, checked.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    text: String,
    weight: f64,
    kind: CriterionKind,
}

/// Checks and converts a list of criteria; the error names the problem.
pub(crate) fn items(specs: Vec<CriterionSpec>) -> Result<Vec<Item>, String> {
    if specs.is_empty() {
        return Err("the list is empty".into());
    }
    if specs.len() > MAX_ITEMS {
        return Err(format!(
            "{} items is more than the {MAX_ITEMS} one call can judge",
            specs.len()
        ));
    }
    specs
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let (text, weight, kind) = match s {
                CriterionSpec::Text(t) => (t, 1.0, CriterionKind::Principle),
                CriterionSpec::Full {
                    criterion,
                    weight,
                    kind,
                } => (criterion, weight, kind),
            };
            if text.trim().is_empty() {
                return Err(format!("item {} is empty", i + 1));
            }
            if !(weight.is_finite() && weight > 0.0) {
                return Err(format!(
                    "item {} has weight {weight}; weights must be positive",
                    i + 1
                ));
            }
            Ok(Item { text, weight, kind })
        })
        .collect()
}

/// What differs between the list kinds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flavor {
    /// The key in `meta` (`rubric`, `principles`, `checklist`).
    pub meta_key: &'static str,
    /// What an item is called in the prompt.
    pub noun: &'static str,
    /// How to decide one item.
    pub instruction: &'static str,
}

/// A list judge.
#[derive(Debug)]
pub(crate) struct Criteria {
    flavor: Flavor,
    fixed: Option<Vec<Item>>,
    /// A failed hard rule makes the reward 0.
    hard_rule_gate: bool,
    /// Every item must hold for a reward of 1, else 0.
    require_all: bool,
    system: String,
    schema: Arc<Value>,
}

impl Criteria {
    /// A list judge over `fixed` items, or over the sample's `meta` when
    /// `fixed` is `None`.
    pub fn new(
        flavor: Flavor,
        fixed: Option<Vec<Item>>,
        hard_rule_gate: bool,
        require_all: bool,
    ) -> Self {
        let noun = flavor.noun;
        let system = format!(
            "You are a strict, impartial judge. You check a response to a question against a list of {noun}s. \
             {DATA_NOT_INSTRUCTIONS}\n\n{}\n\nFor every {noun}, by its id, give a one-sentence reason and then \
             whether the response satisfies it. Reply with only a JSON object: \
             {{\"criteria\": [{{\"id\": \"c1\", \"reason\": \"...\", \"satisfied\": true}}, ...]}} \
             with exactly one entry per {noun}.",
            flavor.instruction
        );
        let entry = strict_object(json!({
            "id": {"type": "string"},
            "reason": {"type": "string"},
            "satisfied": {"type": "boolean"},
        }));
        let schema = strict_object(json!({"criteria": {"type": "array", "items": entry}}));
        Self {
            flavor,
            fixed,
            hard_rule_gate,
            require_all,
            system,
            schema: Arc::new(schema),
        }
    }

    fn sample_items(&self, sample: &Sample) -> Result<Vec<Item>, Evaluation> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let key = self.flavor.meta_key;
        let value = sample.meta.get(key).filter(|v| !v.is_null());
        let Some(value) = value else {
            return Err(Evaluation::not_applicable(format!(
                "the sample has no meta.{key}"
            )));
        };
        let specs: Vec<CriterionSpec> = serde_json::from_value(value.clone()).map_err(|_| {
            Evaluation::failed(format!(
                "meta.{key} must be a list of strings or {{criterion, weight, kind}} tables, not {}",
                plaudit_core::json_type(value)
            ))
        })?;
        items(specs).map_err(|e| Evaluation::failed(format!("meta.{key}: {e}")))
    }
}

/// Sets the list parameters a kind was given against its `*_from` source.
pub(crate) fn fixed_items(
    list: Option<Vec<CriterionSpec>>,
    source: Source,
    list_field: &str,
    from_field: &str,
) -> Result<Option<Vec<Item>>, BuildError> {
    match (source, list) {
        (Source::Spec, Some(list)) => items(list)
            .map(Some)
            .map_err(|e| BuildError::param(list_field, format!("{list_field}: {e}"))),
        (Source::Spec, None) => Err(BuildError::param(
            list_field,
            format!(
                "give `{list_field}`, or set `{from_field} = \"meta\"` to read them from each sample"
            ),
        )),
        (Source::Meta, None) => Ok(None),
        (Source::Meta, Some(_)) => Err(BuildError::param(
            list_field,
            format!("`{list_field}` and `{from_field} = \"meta\"` exclude each other"),
        )),
    }
}

impl Kind for Criteria {
    type Plan = Vec<Item>;
    /// Satisfied and why, per item.
    type Verdict = Vec<(bool, String)>;

    fn plan(&self, sample: &Sample) -> Result<(Vec<Item>, Vec<Call>), Evaluation> {
        let items = self.sample_items(sample)?;
        let mut list = String::new();
        for (i, item) in items.iter().enumerate() {
            let label = match item.kind {
                CriterionKind::HardRule => " (hard rule: satisfied only if fully met)",
                CriterionKind::Principle => "",
            };
            list.push_str(&format!("c{}{label}: {}\n", i + 1, item.text.trim()));
        }
        let user = format!(
            "{}\n\n{}\n\n{}",
            fenced("question", sample.prompt.text()),
            fenced("response", sample.response.text()),
            fenced("criteria", list.trim_end()),
        );
        let call = Call {
            messages: vec![
                ChatMessage {
                    role: "system",
                    content: self.system.clone(),
                },
                ChatMessage {
                    role: "user",
                    content: user,
                },
            ],
            schema_name: "criteria",
            schema: Arc::clone(&self.schema),
        };
        Ok((items, vec![call]))
    }

    fn parse(
        &self,
        items: &Vec<Item>,
        _: usize,
        reply: &Reply,
    ) -> Result<Vec<(bool, String)>, String> {
        let obj = json_object(&reply.content)?;
        let Some(Value::Array(entries)) = obj.get("criteria") else {
            return Err("`criteria` is missing or not a list".into());
        };
        let mut verdicts: Vec<Option<(bool, String)>> = vec![None; items.len()];
        for entry in entries {
            let id = entry
                .get("id")
                .and_then(Value::as_str)
                .ok_or("an entry has no string `id`")?;
            let index = id
                .trim()
                .strip_prefix('c')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=items.len()).contains(n))
                .ok_or_else(|| format!("unknown id {id:?} (expected c1 to c{})", items.len()))?;
            let satisfied = entry
                .get("satisfied")
                .and_then(Value::as_bool)
                .ok_or_else(|| format!("{id}: `satisfied` is not a boolean"))?;
            let reason = entry
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let slot = &mut verdicts[index - 1];
            if slot.is_some() {
                return Err(format!("{id} is judged twice"));
            }
            *slot = Some((satisfied, reason.to_owned()));
        }
        verdicts
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.ok_or_else(|| format!("c{} has no verdict", i + 1)))
            .collect()
    }

    fn decide(&self, items: Vec<Item>, verdicts: Vec<Vec<Vec<(bool, String)>>>) -> Evaluation {
        let votes: Vec<Vec<(bool, String)>> = verdicts.into_iter().flatten().collect();
        let mut details = Vec::with_capacity(items.len());
        let (mut total, mut earned, mut all, mut hard_failed) = (0.0, 0.0, true, false);
        for (i, item) in items.iter().enumerate() {
            let yes = votes.iter().filter(|v| v[i].0).count();
            // Strict majority: a tie does not satisfy.
            let satisfied = yes * 2 > votes.len();
            let reason = votes
                .iter()
                .find(|v| v[i].0 == satisfied)
                .map(|v| plaudit_core::preview(&v[i].1, 500))
                .unwrap_or_default();
            total += item.weight;
            if satisfied {
                earned += item.weight;
            } else {
                all = false;
                hard_failed |= item.kind == CriterionKind::HardRule;
            }
            let mut d = json!({
                "id": format!("c{}", i + 1),
                "criterion": plaudit_core::preview(&item.text, 300),
                "kind": item.kind.as_str(),
                "weight": item.weight,
                "satisfied": satisfied,
                "reason": reason,
            });
            if votes.len() > 1 {
                d["votes_satisfied"] = yes.into();
            }
            details.push(d);
        }
        let value = if self.require_all {
            f64::from(u8::from(all))
        } else if self.hard_rule_gate && hard_failed {
            0.0
        } else {
            earned / total
        };
        let satisfied = details.iter().filter(|d| d["satisfied"] == true).count();
        Evaluation::scored(value)
            .with("satisfied", format!("{satisfied}/{}", items.len()))
            .with("criteria", details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Usage;
    use std::time::Duration;

    const FLAVOR: Flavor = Flavor {
        meta_key: "rubric",
        noun: "criterion",
        instruction: "Decide each criterion.",
    };

    fn reply(content: &str) -> Reply {
        Reply {
            content: content.into(),
            model: None,
            logprobs: Vec::new(),
            usage: Usage::default(),
            attempts: 1,
            latency: Duration::ZERO,
            structured_output: crate::client::StructuredOutput::JsonSchema,
        }
    }

    fn three() -> Vec<Item> {
        items(vec![
            CriterionSpec::Text("a".into()),
            CriterionSpec::Full {
                criterion: "b".into(),
                weight: 2.0,
                kind: CriterionKind::HardRule,
            },
            CriterionSpec::Text("c".into()),
        ])
        .unwrap()
    }

    #[test]
    fn verdicts_must_cover_every_item_once() {
        let c = Criteria::new(FLAVOR, None, false, false);
        let items = three();
        let ok = r#"{"criteria":[{"id":"c2","reason":"r","satisfied":false},{"id":"c1","reason":"","satisfied":true},{"id":"c3","reason":"x","satisfied":true}]}"#;
        let v = c.parse(&items, 0, &reply(ok)).unwrap();
        assert_eq!(v[1], (false, "r".into()));
        for (bad, why) in [
            (
                r#"{"criteria":[{"id":"c1","satisfied":true}]}"#,
                "c2 has no verdict",
            ),
            (
                r#"{"criteria":[{"id":"c4","satisfied":true}]}"#,
                "unknown id",
            ),
            (
                r#"{"criteria":[{"id":"c1","satisfied":"yes"}]}"#,
                "not a boolean",
            ),
            (
                r#"{"criteria":[{"id":"c1","satisfied":true},{"id":"c1","satisfied":true}]}"#,
                "twice",
            ),
            (r#"{"verdicts":[]}"#, "`criteria` is missing"),
        ] {
            let err = c.parse(&items, 0, &reply(bad)).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn the_reward_is_the_weighted_share() {
        let votes = vec![vec![vec![
            (true, String::new()),
            (false, "no".into()),
            (true, String::new()),
        ]]];
        let e = Criteria::new(FLAVOR, None, false, false).decide(three(), votes.clone());
        assert_eq!(e.outcome.value(), Some(0.5));
        assert_eq!(e.details["satisfied"], "2/3");
        assert_eq!(e.details["criteria"][1]["reason"], "no");
        assert_eq!(e.details["criteria"][1]["kind"], "hard_rule");
        // The gate zeroes the reward when a hard rule fails.
        let e = Criteria::new(FLAVOR, None, true, false).decide(three(), votes.clone());
        assert_eq!(e.outcome.value(), Some(0.0));
        let e = Criteria::new(FLAVOR, None, false, true).decide(three(), votes);
        assert_eq!(e.outcome.value(), Some(0.0));
    }

    #[test]
    fn votes_take_the_strict_majority() {
        let v = |b: bool| vec![(b, String::new()); 3];
        let votes = vec![vec![v(true), v(false)]];
        let e = Criteria::new(FLAVOR, None, false, false).decide(three(), votes);
        // One yes of two votes is a tie: not satisfied.
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(e.details["criteria"][0]["votes_satisfied"], 1);
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(items(vec![]).unwrap_err().contains("empty"));
        let err = items(vec![CriterionSpec::Full {
            criterion: "x".into(),
            weight: 0.0,
            kind: CriterionKind::Principle,
        }])
        .unwrap_err();
        assert!(err.contains("weight 0"), "{err}");
        assert!(items(vec![CriterionSpec::Text(" ".into())]).is_err());
    }
}
