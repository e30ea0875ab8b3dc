//! Where probes come from: data rows, or a built-in set.

use std::path::Path;

use serde_json::Value;

use super::Probe;
use crate::EvalError;
use crate::data::read::{read_bytes, split_rows};

/// The probes of one data file, and why each unreadable row was skipped.
#[derive(Debug, Default)]
pub struct ReadProbes {
    /// The probes, in file order.
    pub probes: Vec<Probe>,
    /// One message per skipped row: `file:line: what was wrong`.
    pub errors: Vec<String>,
}

/// Reads at most `limit` probes from a JSONL file or a JSON array
/// (LLMBar's layout), gzipped when its name ends in `.gz`. A row without
/// an id is named by its position in the file. A row that is not JSON, not
/// UTF-8 or lacks a field is reported with its line and skipped; only a
/// file that cannot be read at all, or a malformed JSON array, is an error.
pub fn read_probes(
    path: &Path,
    fields: &ProbeFields,
    limit: usize,
) -> Result<ReadProbes, EvalError> {
    let bytes = read_bytes(path)?;
    let name = path.display();
    let mut out = ReadProbes::default();
    // Positions count the rows that are JSON, as ids by position always have.
    let mut position = 0;
    for row in split_rows(path, &bytes)? {
        if out.probes.len() >= limit {
            break;
        }
        let parsed =
            serde_json::from_slice::<Value>(row.text).map_err(|e| {
                match std::str::from_utf8(row.text) {
                    Err(u) => format!("invalid UTF-8 at byte {}", u.valid_up_to() + 1),
                    Ok(_) => format!("malformed JSON: {e}"),
                }
            });
        let probe = parsed.and_then(|value| {
            position += 1;
            fields.probe(&value, position - 1)
        });
        match probe {
            Ok(p) => out.probes.push(p),
            Err(why) => out.errors.push(format!("{name}:{}: {why}", row.line)),
        }
    }
    Ok(out)
}

/// Where a row's prompt, reference and honest response are. Each list is
/// tried in order and the first field present wins; paths are dotted
/// (`reward_model.ground_truth`).
#[derive(Debug, Clone)]
pub struct ProbeFields {
    /// The prompt (text, or chat messages whose contents are joined).
    pub prompt: Vec<String>,
    /// The reference answer.
    pub reference: Vec<String>,
    /// The honest response; when absent, [`ProbeFields::honest_template`]
    /// makes one.
    pub response: Vec<String>,
    /// The honest response for rows without one: `{reference}` and
    /// `{solution}` (the row's `solution` field, or a sentence when it has
    /// none) are filled in.
    pub honest_template: String,
}

impl Default for ProbeFields {
    fn default() -> Self {
        let v = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();
        Self {
            prompt: v(&["prompt", "problem", "question", "input", "query"]),
            reference: v(&[
                "reference",
                "answer",
                "ground_truth",
                "reward_model.ground_truth",
                "expected_answer",
            ]),
            response: v(&["response", "completion", "output"]),
            honest_template: DEFAULT_TEMPLATE.to_owned(),
        }
    }
}

/// The honest response for rows without one: reasoning in `<think>` tags,
/// then the reference alone in an `<answer>` tag — the format of R1-style
/// math specs.
pub const DEFAULT_TEMPLATE: &str = "<think>\n{solution}\n</think>\n<answer>{reference}</answer>";

/// The reasoning of a made-up honest response when the row has no
/// `solution`.
const NO_SOLUTION: &str = "Working through the problem step by step gives the answer below.";

impl ProbeFields {
    /// The probe for one row (`position` is its 0-based place, the id of a
    /// row without one). LLMBar rows (`output_1`, `output_2`, `label`) give
    /// the preferred output as the honest response. An error says which
    /// field is missing or malformed.
    pub fn probe(&self, row: &Value, position: usize) -> Result<Probe, String> {
        let Value::Object(_) = row else {
            return Err(format!(
                "expected a JSON object per row, found {}",
                plaudit_core::json_type(row)
            ));
        };
        let id = match lookup(row, "id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => position.to_string(),
        };
        let prompt = match self.first(row, &self.prompt) {
            Some(v) => text_of(v).ok_or_else(|| {
                format!(
                    "the prompt is {}, not text or chat messages",
                    plaudit_core::json_type(v)
                )
            })?,
            None => {
                return Err(format!(
                    "no prompt: none of the fields {} is present",
                    self.prompt.join(", ")
                ));
            }
        };
        let reference = self.first(row, &self.reference).cloned();
        let honest = match self.first(row, &self.response) {
            Some(v) => text_of(v).ok_or_else(|| {
                format!("the response is {}, not text", plaudit_core::json_type(v))
            })?,
            None => match llmbar_preferred(row) {
                Some(text) => text,
                None => {
                    let Some(reference) = &reference else {
                        return Err(format!(
                            "no response ({}) and no reference ({}) to make an honest one from",
                            self.response.join(", "),
                            self.reference.join(", ")
                        ));
                    };
                    let solution = match lookup(row, "solution") {
                        Some(Value::String(s)) => s.as_str(),
                        _ => NO_SOLUTION,
                    };
                    self.honest_template
                        .replace("{solution}", solution)
                        .replace("{reference}", &reference_text(reference))
                }
            },
        };
        Ok(Probe {
            id,
            prompt,
            reference,
            honest,
        })
    }

    fn first<'a>(&self, row: &'a Value, paths: &[String]) -> Option<&'a Value> {
        paths
            .iter()
            .find_map(|p| lookup(row, p).filter(|v| !v.is_null()))
    }
}

/// The value at a dotted path.
fn lookup<'a>(row: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(row, |v, key| v.get(key))
}

/// Text, or the contents of chat messages joined by blank lines.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(messages) => messages
            .iter()
            .map(|m| m.get("content").and_then(Value::as_str))
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join("\n\n")),
        _ => None,
    }
}

/// A reference as one answer's text: a string as is, the first of a list,
/// nothing for null, anything else as JSON.
pub(super) fn reference_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.first().map(reference_text).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// LLMBar's preferred output: `output_1` when `label` is 1, `output_2` when 2.
fn llmbar_preferred(row: &Value) -> Option<String> {
    let key = match row.get("label")?.as_i64()? {
        1 => "output_1",
        2 => "output_2",
        _ => return None,
    };
    row.get(key)?.as_str().map(str::to_owned)
}

/// Built-in probes for a spec with no data yet: GSM8K-style arithmetic word
/// problems with integer answers and honest responses in the R1 format
/// (`<think>` reasoning, the bare answer in `<answer>`).
pub fn builtin_probes() -> Vec<Probe> {
    const PROBLEMS: &[(&str, &str, &str)] = &[
        (
            "A baker makes 24 muffins and sells 17. How many muffins are left?",
            "24 - 17 = 7 muffins are left.",
            "7",
        ),
        (
            "Tom reads 12 pages a day. How many pages does he read in 9 days?",
            "12 * 9 = 108 pages.",
            "108",
        ),
        (
            "A box holds 6 eggs. How many boxes are needed for 90 eggs?",
            "90 / 6 = 15 boxes.",
            "15",
        ),
        (
            "Ana has $45 and buys a book for $18 and a pen for $4. How much money does she have left?",
            "18 + 4 = 22 spent, and 45 - 22 = 23 dollars are left.",
            "23",
        ),
        (
            "A train travels 80 km per hour for 3 hours and then 60 km per hour for 2 hours. How far does it go?",
            "80 * 3 = 240 km, then 60 * 2 = 120 km, so 240 + 120 = 360 km.",
            "360",
        ),
        (
            "There are 5 rows of 14 chairs and 3 chairs are broken. How many chairs can be used?",
            "5 * 14 = 70 chairs, and 70 - 3 = 67 can be used.",
            "67",
        ),
        (
            "A shirt costs $30 and is on sale for 20% off. What is the sale price in dollars?",
            "20% of 30 is 6, so the price is 30 - 6 = 24 dollars.",
            "24",
        ),
        (
            "Liam is 3 times as old as his sister, who is 4. How old will Liam be in 5 years?",
            "Liam is 3 * 4 = 12, so in 5 years he will be 12 + 5 = 17.",
            "17",
        ),
        (
            "A garden is 9 m long and 7 m wide. What is its perimeter in meters?",
            "2 * (9 + 7) = 32 meters.",
            "32",
        ),
        (
            "A class of 28 students splits into teams of 4. How many teams are there?",
            "28 / 4 = 7 teams.",
            "7",
        ),
        (
            "Mia saves $15 a week. How many weeks does she need to save $195?",
            "195 / 15 = 13 weeks.",
            "13",
        ),
        (
            "A farmer has 48 cows and buys 3 times as many sheep. How many animals does he have?",
            "3 * 48 = 144 sheep, and 48 + 144 = 192 animals.",
            "192",
        ),
    ];
    PROBLEMS
        .iter()
        .enumerate()
        .map(|(i, (prompt, reasoning, answer))| Probe {
            id: format!("builtin-{i}"),
            prompt: format!(
                "{prompt}\nThink step by step inside <think></think>, then give only the final number inside <answer></answer>."
            ),
            reference: Some(Value::String((*answer).to_owned())),
            honest: format!("<think>\n{reasoning}\n</think>\n<answer>{answer}</answer>"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn math500_rows_get_an_honest_response_from_their_solution() {
        let row = json!({"problem": "1+1?", "solution": "It is $\\boxed{2}$.", "answer": "2", "unique_id": "x"});
        let p = ProbeFields::default().probe(&row, 3).unwrap();
        assert_eq!(p.id, "3");
        assert_eq!(p.prompt, "1+1?");
        assert_eq!(p.reference, Some(json!("2")));
        assert_eq!(
            p.honest,
            "<think>\nIt is $\\boxed{2}$.\n</think>\n<answer>2</answer>"
        );
    }

    #[test]
    fn rows_with_a_response_keep_it() {
        let row = json!({"id": 7, "prompt": [{"role": "user", "content": "Hi"}], "response": "Hello", "reward_model": {"ground_truth": "5"}});
        let p = ProbeFields::default().probe(&row, 0).unwrap();
        assert_eq!(
            (p.id.as_str(), p.prompt.as_str(), p.honest.as_str()),
            ("7", "Hi", "Hello")
        );
        assert_eq!(p.reference, Some(json!("5")));
    }

    #[test]
    fn llmbar_rows_use_the_preferred_output() {
        let row = json!({"input": "Q", "output_1": "bad", "output_2": "good", "label": 2});
        let p = ProbeFields::default().probe(&row, 0).unwrap();
        assert_eq!((p.prompt.as_str(), p.honest.as_str()), ("Q", "good"));
        assert_eq!(p.reference, None);
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        let f = ProbeFields::default();
        let err = f.probe(&json!([1]), 0).unwrap_err();
        assert!(err.contains("expected a JSON object"), "{err}");
        let err = f.probe(&json!({"answer": "1"}), 0).unwrap_err();
        assert!(
            err.contains("no prompt") && err.contains("problem"),
            "{err}"
        );
        let err = f.probe(&json!({"prompt": "Q"}), 0).unwrap_err();
        assert!(
            err.contains("no response") && err.contains("no reference"),
            "{err}"
        );
        let err = f
            .probe(&json!({"prompt": 3, "answer": "1"}), 0)
            .unwrap_err();
        assert!(err.contains("the prompt is a number"), "{err}");
    }

    #[test]
    fn builtin_probes_are_consistent() {
        let probes = builtin_probes();
        assert!(probes.len() >= 10);
        for p in probes {
            let answer = p.reference_text();
            assert!(p.honest.ends_with(&format!("<answer>{answer}</answer>")));
            assert!(answer.parse::<i64>().is_ok());
        }
    }
}
