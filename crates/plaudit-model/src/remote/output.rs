//! Which of a model's outputs is the reward: one class by position or by
//! label, optional named heads reported beside it, an optional activation,
//! and for process reward models the reduction of step scores to one.
//!
//! Nothing is guessed: a model that gives several values when the spec
//! names none, an index past the end, an unknown label, a non-finite value
//! or a response with no steps is a failed evaluation that says so.

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::Evaluation;

use super::protocol::Raw;

/// The function applied to the raw outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Activation {
    /// The raw value (a Bradley-Terry reward model's logit).
    None,
    /// `1 / (1 + e^-x)` of the picked value.
    Sigmoid,
    /// The picked value's share of the softmax over all the values.
    Softmax,
}

/// How the scores of a process reward model's steps become one reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StepReduce {
    /// The weakest step: one wrong step makes a wrong solution.
    Min,
    /// The average step.
    Mean,
    /// The last step's score.
    Last,
}

/// Which value of a result is meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The only value; several values are an error.
    Only,
    /// The last value of each row (the positive class of a two-label
    /// process reward model).
    Last,
    /// By position.
    Index(usize),
    /// By label name.
    Label(String),
}

/// The reward and the heads of one aspect.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub pick: Pick,
    pub heads: Vec<(String, Pick)>,
    pub activation: Activation,
    pub reduce: StepReduce,
}

impl Output {
    /// The evaluation of one input's raw output.
    pub fn evaluate(&self, raw: &Raw) -> Evaluation {
        match self.read(raw) {
            Ok(e) => e,
            Err(reason) => Evaluation::failed(reason),
        }
    }

    fn read(&self, raw: &Raw) -> Result<Evaluation, String> {
        let value = match raw {
            Raw::Steps(rows) => {
                let steps = rows
                    .iter()
                    .map(|row| self.pick(row, None, &self.pick))
                    .collect::<Result<Vec<f64>, String>>()?;
                let reward = reduce(&steps, self.reduce).ok_or(
                    "the model gave no step scores: does the input hold the model's step tag?",
                )?;
                return Ok(Evaluation::scored(reward).with("steps", steps));
            }
            Raw::Values(values) => self.pick(values, None, &self.pick)?,
            Raw::Labeled(labeled) => {
                let values: Vec<f64> = labeled.iter().map(|(_, v)| *v).collect();
                self.pick(&values, Some(labeled), &self.pick)?
            }
            Raw::Score(s) => finite(self.activate(*s, std::slice::from_ref(s)))?,
        };
        let mut e = Evaluation::scored(value);
        if !self.heads.is_empty() {
            let mut heads = Map::new();
            for (name, pick) in &self.heads {
                let v = match raw {
                    Raw::Values(values) => self.pick(values, None, pick),
                    Raw::Labeled(labeled) => {
                        let values: Vec<f64> = labeled.iter().map(|(_, v)| *v).collect();
                        self.pick(&values, Some(labeled), pick)
                    }
                    _ => Err("this protocol has no heads".into()),
                }
                .map_err(|e| format!("head `{name}`: {e}"))?;
                heads.insert(name.clone(), v.into());
            }
            e = e.with("heads", Value::Object(heads));
        }
        Ok(e)
    }

    /// The picked value of one row, activated; `labels` name the values
    /// when the server labels them.
    fn pick(
        &self,
        values: &[f64],
        labels: Option<&[(String, f64)]>,
        pick: &Pick,
    ) -> Result<f64, String> {
        let i = match pick {
            Pick::Only if values.len() == 1 => 0,
            Pick::Only => {
                return Err(match labels {
                    Some(l) => format!(
                        "the model gave {} labels ({}); say which is the reward with `label`",
                        l.len(),
                        l.iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => format!(
                        "the model gave {} values; say which is the reward with `index`",
                        values.len()
                    ),
                });
            }
            Pick::Last => values
                .len()
                .checked_sub(1)
                .ok_or("the model gave no values")?,
            Pick::Index(i) if *i < values.len() => *i,
            Pick::Index(i) => {
                return Err(format!(
                    "index {i} is out of range: the model gave {} values",
                    values.len()
                ));
            }
            Pick::Label(name) => labels
                .and_then(|l| l.iter().position(|(n, _)| n == name))
                .ok_or_else(|| {
                    let known: Vec<&str> = labels
                        .unwrap_or_default()
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect();
                    format!(
                        "the model has no label {name:?} (its labels: {})",
                        known.join(", ")
                    )
                })?,
        };
        finite(self.activate(values[i], values))
    }

    fn activate(&self, x: f64, row: &[f64]) -> f64 {
        match self.activation {
            Activation::None => x,
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Softmax => {
                let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = row.iter().map(|v| (v - max).exp()).sum();
                (x - max).exp() / sum
            }
        }
    }
}

fn finite(v: f64) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("the model's score is not a finite number ({v})"))
    }
}

fn reduce(steps: &[f64], how: StepReduce) -> Option<f64> {
    let last = *steps.last()?;
    Some(match how {
        StepReduce::Min => steps.iter().copied().fold(f64::INFINITY, f64::min),
        StepReduce::Mean => steps.iter().sum::<f64>() / steps.len() as f64,
        StepReduce::Last => last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use plaudit_core::Outcome;

    fn output(pick: Pick, activation: Activation) -> Output {
        Output {
            pick,
            heads: Vec::new(),
            activation,
            reduce: StepReduce::Min,
        }
    }

    fn value(e: &Evaluation) -> f64 {
        e.outcome.value().unwrap_or_else(|| panic!("{e:?}"))
    }

    fn error(e: &Evaluation) -> &str {
        match &e.outcome {
            Outcome::Failed { error } => error,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn raw_logits_by_default_and_activations_on_request() {
        let raw = Raw::Values(vec![2.0]);
        assert_eq!(
            value(&output(Pick::Only, Activation::None).evaluate(&raw)),
            2.0
        );
        let s = value(&output(Pick::Only, Activation::Sigmoid).evaluate(&raw));
        assert!((s - 0.880_797_077_977_882_3).abs() < 1e-12, "{s}");
        let raw = Raw::Values(vec![1.0, 3.0]);
        let p = value(&output(Pick::Index(1), Activation::Softmax).evaluate(&raw));
        assert!((p - 0.880_797_077_977_882_3).abs() < 1e-12, "{p}");
        // Softmax is stable for large logits.
        let raw = Raw::Values(vec![1000.0, 1000.0]);
        assert_eq!(
            value(&output(Pick::Index(0), Activation::Softmax).evaluate(&raw)),
            0.5
        );
    }

    #[test]
    fn nothing_is_guessed() {
        let e = output(Pick::Only, Activation::None).evaluate(&Raw::Values(vec![1.0, 2.0]));
        assert_eq!(
            error(&e),
            "the model gave 2 values; say which is the reward with `index`"
        );
        let e = output(Pick::Index(2), Activation::None).evaluate(&Raw::Values(vec![1.0, 2.0]));
        assert_eq!(
            error(&e),
            "index 2 is out of range: the model gave 2 values"
        );
        let labeled = Raw::Labeled(vec![("good".into(), 1.0), ("bad".into(), 0.0)]);
        let e = output(Pick::Only, Activation::None).evaluate(&labeled);
        assert_eq!(
            error(&e),
            "the model gave 2 labels (good, bad); say which is the reward with `label`"
        );
        let e = output(Pick::Label("ok".into()), Activation::None).evaluate(&labeled);
        assert_eq!(
            error(&e),
            "the model has no label \"ok\" (its labels: good, bad)"
        );
        let e = output(Pick::Only, Activation::None).evaluate(&Raw::Values(vec![f64::NAN]));
        assert_eq!(error(&e), "the model's score is not a finite number (NaN)");
        let e = output(Pick::Only, Activation::None).evaluate(&Raw::Score(f64::INFINITY));
        assert_eq!(error(&e), "the model's score is not a finite number (inf)");
    }

    #[test]
    fn labels_pick_by_name_whatever_the_order() {
        let o = output(Pick::Label("bad".into()), Activation::Softmax);
        let a = o.evaluate(&Raw::Labeled(vec![
            ("good".into(), 1.0),
            ("bad".into(), 0.0),
        ]));
        let b = o.evaluate(&Raw::Labeled(vec![
            ("bad".into(), 0.0),
            ("good".into(), 1.0),
        ]));
        assert_eq!(value(&a), value(&b));
        assert!(value(&a) < 0.5);
    }

    #[test]
    fn heads_are_reported_beside_the_reward() {
        let mut o = output(Pick::Index(0), Activation::None);
        o.heads = vec![
            ("helpful".into(), Pick::Index(1)),
            ("safe".into(), Pick::Index(2)),
        ];
        let e = o.evaluate(&Raw::Values(vec![0.5, 1.5, -2.0]));
        assert_eq!(value(&e), 0.5);
        assert_eq!(
            e.details["heads"],
            serde_json::json!({"helpful": 1.5, "safe": -2.0})
        );
        o.heads.push(("missing".into(), Pick::Index(7)));
        let e = o.evaluate(&Raw::Values(vec![0.5, 1.5, -2.0]));
        assert_eq!(
            error(&e),
            "head `missing`: index 7 is out of range: the model gave 3 values"
        );
    }

    #[test]
    fn steps_reduce_to_one_reward() {
        let raw = Raw::Steps(vec![vec![0.0, 2.0], vec![0.0, -1.0], vec![0.0, 0.5]]);
        for (how, want) in [
            (StepReduce::Min, -1.0),
            (StepReduce::Mean, 0.5),
            (StepReduce::Last, 0.5),
        ] {
            let mut o = output(Pick::Last, Activation::None);
            o.reduce = how;
            let e = o.evaluate(&raw);
            assert_eq!(value(&e), want, "{how:?}");
            assert_eq!(e.details["steps"], serde_json::json!([2.0, -1.0, 0.5]));
        }
        // Two-label rows with softmax: the positive class's probability.
        let o = output(Pick::Last, Activation::Softmax);
        let e = o.evaluate(&Raw::Steps(vec![vec![0.0, 0.0]]));
        assert_eq!(value(&e), 0.5);
        let e = o.evaluate(&Raw::Steps(vec![]));
        assert!(error(&e).contains("no step scores"), "{e:?}");
        let e = o.evaluate(&Raw::Steps(vec![vec![0.0, f64::NAN]]));
        assert!(error(&e).contains("not a finite number"), "{e:?}");
    }
}
