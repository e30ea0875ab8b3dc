//! `tool.calls`: the calls a response makes against the expected calls,
//! scored as ToolRL does.
//!
//! ## What it does
//!
//! Reads the tool calls of the response and the expected calls of the
//! sample's reference, matches each expected call to a call of the same
//! name, and scores three parts (Qian et al. 2025, §3.2), with G the
//! expected calls and P the response's:
//!
//! ```text
//! r_name  = |names(G) ∩ names(P)| / |names(G) ∪ names(P)|        (multisets; 1 when both are empty)
//! r_param = Σ over matched pairs  |keys(g) ∩ keys(p)| / |keys(g) ∪ keys(p)|   (1 when both are empty)
//! r_value = Σ over matched pairs  Σ over keys k of g  1[g[k] = p[k]]
//! S_max   = 1 + |G| + Σ over G |keys(g)|
//! ```
//!
//! The value is `6 · (r_name + r_param + r_value) / S_max − 3`, in
//! [−3, 3] (`scale = "toolrl"`), or `(r_name + r_param + r_value) / S_max`
//! in [0, 1] (`scale = "unit"`).
//!
//! Calls are read from `<tool_call>…</tool_call>` blocks (tag:
//! `tool_call_tag`) after the last `</think>`, each holding JSON calls one
//! after another (one per line, as ToolRL writes them) or a JSON list;
//! without any block, a response that is one JSON value — a list of calls,
//! or an OpenAI message `{"tool_calls": […]}` — is read as such. A call is
//! `{"name": …, "arguments": {…}}` (or `"parameters"`), or OpenAI's
//! `{"type": "function", "function": {"name": …, "arguments": "<JSON>"}}`
//! with the arguments JSON-encoded. The reference is a list of calls, an
//! object with a `tool_calls` list, one call, or a string read as a
//! response is (ToolRL's data stores the expected output as text).
//!
//! - `matching = "greedy"`: each expected call, in order, takes the unused
//!   call of the same name with the highest `r_param + r_value` share
//!   (the earliest on a tie). `"optimal"`: the one-to-one matching of
//!   same-named calls that maximizes the total, found exactly by the
//!   Hungarian method. The two differ only when several calls share a
//!   name, and optimal is never lower.
//! - `normalize_strings = false`: with `true`, string values are compared
//!   trimmed and lowercased.
//! - `require_format = false`: with `true`, a response that is not
//!   `<think>…</think>` followed by one or more `<tool_call>` blocks and/or
//!   one `<response>…</response>` (only whitespace around them, no tag
//!   inside a block) scores the lowest value with a `format: …` reason.
//!   Tags: `think_tag` (`""` for none), `tool_call_tag`, `response_tag`.
//!
//! Details: `r_name`, `r_param`, `r_value`, `s_max`, the response's
//! `calls` as read, and `matching` (pairs of indices into the expected
//! calls and `calls`).
//!
//! ## Why
//!
//! A tool call is right or wrong in parts: the right function with one
//! wrong argument is closer than the wrong function. ToolRL found this
//! fine-grained, wide-range reward trains tool use better than an
//! all-or-nothing match, and it generalizes across tools because it needs
//! no executor, only the expected calls.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "tool-calls"
//! kind = "tool.calls"
//! matching = "optimal"
//! require_format = true
//! ```
//!
//! ## Edge cases
//!
//! - No reference, or one that holds no calls (a number, an object
//!   without `tool_calls`, `name` or `function`): not applicable. A
//!   reference whose calls do not read (bad JSON, a call without a name):
//!   failed, naming the problem.
//! - No call expected and none made: the highest value (S_max = 1 and
//!   r_name = 1). A call made when none is expected, or none made when
//!   some are: the lowest.
//! - A block that is not valid JSON, is not closed, or holds something
//!   other than calls: the lowest value, with a `reason` naming the block
//!   (`block`, 1-based) and the JSON error's `line` and `column`, counted
//!   from just after the opening tag.
//! - Values are equal as JSON values, with numbers compared by value
//!   (`1 == 1.0`; two integers exactly, otherwise as 64-bit floats), and
//!   objects regardless of key order. A string is not a number (`"5" != 5`)
//!   and a boolean is not a number (`true != 1`). Keys and names are
//!   compared exactly. Values nested deeper than 128 levels are unequal.
//! - Duplicate keys in a call's arguments: the last one counts (serde_json).
//!   `"arguments"` wins over `"parameters"` when both are given; an empty
//!   arguments string is a call without arguments.
//! - At most 64 calls a side: a response with more scores the lowest value;
//!   a reference with more fails. The optimal matching is then cubic in 64
//!   at worst; pair scoring checks the deadline.
//! - A response given as chat messages is read through its text: the
//!   messages' own `tool_calls` fields are not kept by the sample, so pass
//!   the assistant message as JSON text to score them.
//!
//! ## References
//!
//! - Qian et al., *ToolRL: Reward is All Tool Learning Needs* (2025), §3.2:
//!   the format reward and the correctness reward R_correct ∈ [−3, 3].

mod format;
mod parse;

use serde::Deserialize;
use serde_json::{Map, Number, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::assignment;
use crate::deadline::{Ticker, timed_out};
use crate::extract::check_tag_name;
use format::{Format, Pair};
use parse::{BadCalls, Call, Reader};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "tool.calls",
    summary: "ToolRL's tool-call reward: names, argument keys and values of the calls against the expected calls",
    version: 1,
    build,
};

/// The parameters of `tool.calls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The value's range (default `"toolrl"`, [−3, 3]).
    #[serde(default)]
    pub scale: Scale,
    /// How calls are paired with the expected calls (default `"greedy"`).
    #[serde(default)]
    pub matching: Matching,
    /// Whether string values are compared trimmed and lowercased (default
    /// `false`).
    #[serde(default)]
    pub normalize_strings: bool,
    /// Whether a response out of ToolRL's format scores the lowest value
    /// (default `false`).
    #[serde(default)]
    pub require_format: bool,
    /// The reasoning tag's name (default `"think"`); `""` for none.
    #[serde(default = "default_think")]
    pub think_tag: String,
    /// The tool call tag's name (default `"tool_call"`).
    #[serde(default = "default_tool_call")]
    pub tool_call_tag: String,
    /// The final response tag's name (default `"response"`).
    #[serde(default = "default_response")]
    pub response_tag: String,
}

fn default_think() -> String {
    "think".into()
}

fn default_tool_call() -> String {
    "tool_call".into()
}

fn default_response() -> String {
    "response".into()
}

/// The range of the value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// ToolRL's `6 · score / S_max − 3`, in [−3, 3].
    #[default]
    Toolrl,
    /// `score / S_max`, in [0, 1].
    Unit,
}

/// How the response's calls are paired with the expected calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    /// Each expected call in order takes the best unused call of its name.
    #[default]
    Greedy,
    /// The matching with the highest total, by the Hungarian method.
    Optimal,
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    let mut tags = vec![
        ("tool_call_tag", &config.tool_call_tag),
        ("response_tag", &config.response_tag),
    ];
    if !config.think_tag.is_empty() {
        tags.push(("think_tag", &config.think_tag));
    }
    for (i, (field, tag)) in tags.iter().enumerate() {
        check_tag_name(field, tag)?;
        if let Some((other, _)) = tags[..i].iter().find(|(_, t)| t == tag) {
            return Err(BuildError::param(
                *field,
                format!("{field} and {other} are both {tag:?}; they must differ"),
            ));
        }
    }
    let think = (!config.think_tag.is_empty()).then_some(config.think_tag.as_str());
    Ok(Box::new(ToolCalls {
        reader: Reader::new(think, &config.tool_call_tag),
        format: config.require_format.then(|| Format {
            think: think.map(Pair::new),
            call: Pair::new(&config.tool_call_tag),
            response: Pair::new(&config.response_tag),
        }),
        scale: config.scale,
        matching: config.matching,
        normalize_strings: config.normalize_strings,
    }))
}

#[derive(Debug)]
struct ToolCalls {
    reader: Reader,
    format: Option<Format>,
    scale: Scale,
    matching: Matching,
    normalize_strings: bool,
}

/// Why a sample's reference is not applicable.
const NO_CALLS: &str = "the sample has no expected tool calls (a list of calls, an object with \"tool_calls\", one call, or a text with <tool_call> blocks)";

impl ToolCalls {
    /// The expected calls; `None` when the reference holds none.
    fn expected(&self, reference: &Value) -> Option<Result<Vec<Call>, BadCalls>> {
        match reference {
            Value::String(text) => Some(self.reader.read(text)),
            Value::Array(_) => Some(parse::from_json(reference.clone())),
            Value::Object(m)
                if ["tool_calls", "name", "function"]
                    .iter()
                    .any(|k| m.contains_key(*k)) =>
            {
                Some(parse::from_json(reference.clone()))
            }
            _ => None,
        }
    }

    fn value(&self, share: f64) -> f64 {
        match self.scale {
            Scale::Toolrl => 6.0 * share - 3.0,
            Scale::Unit => share,
        }
    }

    fn lowest(&self, reason: String) -> Evaluation {
        Evaluation::scored(self.value(0.0)).with("reason", reason)
    }

    /// The `r_param` and `r_value` of one pair.
    fn pair(&self, expected: &Call, made: &Call) -> Overlap {
        let (g, p) = (&expected.arguments, &made.arguments);
        let shared = g.keys().filter(|k| p.contains_key(*k)).count();
        let union = g.len() + p.len() - shared;
        let r_param = if union == 0 {
            1.0
        } else {
            shared as f64 / union as f64
        };
        let equal = g
            .iter()
            .filter(|(k, v)| {
                p.get(*k)
                    .is_some_and(|w| json_eq(v, w, self.normalize_strings, 0))
            })
            .count();
        Overlap {
            r_param,
            r_value: equal as f64,
        }
    }

    /// The matched pairs, sorted by expected call; `None` when the
    /// deadline passed.
    fn matching(&self, expected: &[Call], made: &[Call], cx: &Context) -> Option<Vec<Matched>> {
        let mut ticker = Ticker::new(cx);
        let mut work = 0usize;
        let mut score = |g: &Call, p: &Call| {
            work = work.saturating_add(1 + g.arguments.len() + p.arguments.len());
            (!ticker.expired(work)).then(|| self.pair(g, p))
        };
        let mut pairs = Vec::new();
        match self.matching {
            Matching::Greedy => {
                let mut used = vec![false; made.len()];
                for (gi, g) in expected.iter().enumerate() {
                    let mut best: Option<(usize, Overlap)> = None;
                    for (pi, p) in made.iter().enumerate() {
                        if used[pi] || p.name != g.name {
                            continue;
                        }
                        let s = score(g, p)?;
                        if best.is_none_or(|(_, b)| s.total() > b.total()) {
                            best = Some((pi, s));
                        }
                    }
                    if let Some((pi, overlap)) = best {
                        used[pi] = true;
                        pairs.push(Matched {
                            expected: gi,
                            call: pi,
                            overlap,
                        });
                    }
                }
            }
            Matching::Optimal => {
                // Only same-named calls pair, so each name is its own
                // assignment problem.
                let mut done = vec![false; expected.len()];
                for (first, g) in expected.iter().enumerate() {
                    if done[first] {
                        continue;
                    }
                    let rows: Vec<usize> = (first..expected.len())
                        .filter(|&i| expected[i].name == g.name)
                        .collect();
                    let cols: Vec<usize> = (0..made.len())
                        .filter(|&j| made[j].name == g.name)
                        .collect();
                    let mut scores = Vec::with_capacity(rows.len() * cols.len());
                    for &i in &rows {
                        done[i] = true;
                        for &j in &cols {
                            scores.push(score(&expected[i], &made[j])?);
                        }
                    }
                    let weights: Vec<f64> = scores.iter().map(Overlap::total).collect();
                    let assigned = assignment::max_weight(&weights, rows.len(), cols.len());
                    for (r, c) in assigned.into_iter().enumerate() {
                        if let Some(c) = c {
                            pairs.push(Matched {
                                expected: rows[r],
                                call: cols[c],
                                overlap: scores[r * cols.len() + c],
                            });
                        }
                    }
                }
                pairs.sort_unstable_by_key(|m| m.expected);
            }
        }
        Some(pairs)
    }
}

/// How well a made call fills an expected one.
#[derive(Debug, Clone, Copy)]
struct Overlap {
    /// The Jaccard index of the argument names.
    r_param: f64,
    /// How many expected arguments have the expected value.
    r_value: f64,
}

impl Overlap {
    fn total(&self) -> f64 {
        self.r_param + self.r_value
    }
}

/// An expected call and the made call paired with it.
#[derive(Debug)]
struct Matched {
    expected: usize,
    call: usize,
    overlap: Overlap,
}

/// `r_name`: the multiset Jaccard index of the two lists of names.
fn name_overlap(expected: &[Call], made: &[Call]) -> f64 {
    if expected.is_empty() && made.is_empty() {
        return 1.0;
    }
    let mut g: Vec<&str> = expected.iter().map(|c| c.name.as_str()).collect();
    let mut p: Vec<&str> = made.iter().map(|c| c.name.as_str()).collect();
    g.sort_unstable();
    p.sort_unstable();
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < g.len() && j < p.len() {
        match g[i].cmp(p[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / (g.len() + p.len() - shared) as f64
}

/// JSON equality with numbers compared by value and, if asked, strings
/// trimmed and lowercased.
fn json_eq(a: &Value, b: &Value, normalize_strings: bool, depth: usize) -> bool {
    const MAX_DEPTH: usize = 128;
    if depth > MAX_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_eq(x, y),
        (Value::String(x), Value::String(y)) if normalize_strings => {
            x == y || folded(x).eq(folded(y))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(v, w)| json_eq(v, w, normalize_strings, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.get(k)
                        .is_some_and(|w| json_eq(v, w, normalize_strings, depth + 1))
                })
        }
        _ => a == b,
    }
}

/// A string trimmed and lowercased, character by character.
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.trim().chars().flat_map(char::to_lowercase)
}

fn numbers_eq(x: &Number, y: &Number) -> bool {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return a == b;
    }
    matches!((x.as_f64(), y.as_f64()), (Some(a), Some(b)) if a == b)
}

impl Aspect for ToolCalls {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let Some(expected) = sample.reference.as_ref().and_then(|r| self.expected(r)) else {
            return Evaluation::not_applicable(NO_CALLS);
        };
        let expected = match expected {
            Ok(calls) => calls,
            Err(e) => return Evaluation::failed(format!("the reference: {}", e.reason)),
        };
        let text = sample.response.text();
        if let Some(format) = &self.format
            && let Err(why) = format.check(text)
        {
            return self.lowest(format!("format: {why}"));
        }
        let made = match self.reader.read(text) {
            Ok(calls) => calls,
            Err(e) => {
                let mut eval = self.lowest(e.reason);
                if let Some(block) = e.block {
                    eval = eval.with("block", block);
                }
                if let Some((line, column)) = e.position {
                    eval = eval.with("line", line).with("column", column);
                }
                return eval;
            }
        };
        let Some(pairs) = self.matching(&expected, &made, cx) else {
            return timed_out(cx);
        };
        let r_name = name_overlap(&expected, &made);
        let r_param: f64 = pairs.iter().map(|m| m.overlap.r_param).sum();
        let r_value: f64 = pairs.iter().map(|m| m.overlap.r_value).sum();
        let s_max = 1 + expected.len() + expected.iter().map(|c| c.arguments.len()).sum::<usize>();
        let share = (r_name + r_param + r_value) / s_max as f64;
        let matching: Vec<Value> = pairs
            .iter()
            .map(|m| serde_json::json!({"expected": m.expected, "call": m.call}))
            .collect();
        Evaluation::scored(self.value(share))
            .with("r_name", r_name)
            .with("r_param", r_param)
            .with("r_value", r_value)
            .with("s_max", s_max)
            .with("calls", made.iter().map(Call::to_json).collect::<Vec<_>>())
            .with("matching", matching)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plaudit_core::Status;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str, reference: Option<Value>) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let mut sample = Sample::new("s", response);
        sample.reference = reference;
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(1)))
    }

    fn value(params: Value, response: &str, reference: Value) -> f64 {
        let e = run(params, response, Some(reference));
        e.outcome
            .value()
            .unwrap_or_else(|| panic!("not scored: {e:?}"))
    }

    fn tagged(calls: &[Value]) -> String {
        let lines: Vec<String> = calls.iter().map(Value::to_string).collect();
        format!(
            "<think>ok</think>\n<tool_call>\n{}\n</tool_call>",
            lines.join("\n")
        )
    }

    fn weather(city: &str, unit: Value) -> Value {
        json!({"name": "weather", "arguments": {"city": city, "unit": unit}})
    }

    // The unit share, computed by hand from the formulas above.
    #[test_case(&[weather("Paris", json!("c"))], 1.0; "all right")]
    // Name 1, keys 1, one of two values: (1 + 1 + 1) / (1 + 1 + 2).
    #[test_case(&[weather("Rome", json!("c"))], 3.0 / 4.0; "one wrong value")]
    #[test_case(&[weather("Paris", json!("f"))], 3.0 / 4.0; "other wrong value")]
    // Keys {city} vs {city, unit}: 1/2; value 1: (1 + 0.5 + 1) / 4.
    #[test_case(&[json!({"name": "weather", "arguments": {"city": "Paris"}})], 2.5 / 4.0; "missing key")]
    // Keys {city, unit} vs {city, unit, x}: 2/3; values 2.
    #[test_case(&[json!({"name": "weather", "arguments": {"city": "Paris", "unit": "c", "x": 1}})], (1.0 + 2.0 / 3.0 + 2.0) / 4.0; "extra key")]
    #[test_case(&[json!({"name": "forecast", "arguments": {"city": "Paris", "unit": "c"}})], 0.0; "wrong name")]
    // Names {weather} vs {weather, weather}: 1/2; the first call matches.
    #[test_case(&[weather("Paris", json!("c")), weather("Paris", json!("c"))], 3.5 / 4.0; "a repeated call")]
    #[test_case(&[], 0.0; "no call")]
    fn one_expected_call(made: &[Value], share: f64) {
        let reference = json!([weather("Paris", json!("c"))]);
        let unit = value(json!({"scale": "unit"}), &tagged(made), reference.clone());
        assert!((unit - share).abs() < 1e-12, "{unit} != {share}");
        let toolrl = value(json!({}), &tagged(made), reference);
        assert!((toolrl - (6.0 * share - 3.0)).abs() < 1e-12, "{toolrl}");
    }

    #[test_case(json!(1), json!(1.0), false, true)]
    #[test_case(json!(-3), json!(-3.0), false, true)]
    #[test_case(json!(u64::MAX), json!(-1), false, false)]
    #[test_case(json!("5"), json!(5), false, false)]
    #[test_case(json!(true), json!(1), false, false)]
    #[test_case(json!({"a": [1, {"b": 2.0}]}), json!({"a": [1.0, {"b": 2}]}), false, true)]
    #[test_case(json!([1, 2]), json!([2, 1]), false, false)]
    #[test_case(json!(" Paris "), json!("paris"), false, false)]
    #[test_case(json!(" Paris "), json!("paris"), true, true)]
    #[test_case(json!(["ÉCOLE"]), json!(["école"]), true, true; "unicode is lowercased")]
    #[test_case(json!(null), json!(null), false, true)]
    fn values(a: Value, b: Value, normalize: bool, equal: bool) {
        assert_eq!(json_eq(&a, &b, normalize, 0), equal);
        assert_eq!(json_eq(&b, &a, normalize, 0), equal);
    }

    #[test]
    fn both_sides_empty_or_one_empty() {
        let respond = "<think>x</think><response>It is sunny.</response>";
        assert_eq!(value(json!({}), respond, json!([])), 3.0);
        assert_eq!(value(json!({}), respond, json!({"tool_calls": []})), 3.0);
        assert_eq!(value(json!({}), respond, json!(respond)), 3.0);
        assert_eq!(
            value(json!({}), &tagged(&[json!({"name": "f"})]), json!([])),
            -3.0
        );
        assert_eq!(value(json!({}), respond, json!([{"name": "f"}])), -3.0);
        // A call without arguments on both sides: name, pair and no values.
        assert_eq!(
            value(
                json!({}),
                &tagged(&[json!({"name": "f"})]),
                json!([{"name": "f", "arguments": {}}])
            ),
            3.0
        );
    }

    #[test]
    fn reference_and_response_shapes() {
        let call = json!({"name": "search", "arguments": {"q": "rust", "n": 3}});
        let openai = json!({"type": "function", "function": {"name": "search", "arguments": "{\"q\": \"rust\", \"n\": 3.0}"}});
        let references = [
            json!([call.clone()]),
            json!({"tool_calls": [openai.clone()]}),
            call.clone(),
            json!(tagged(std::slice::from_ref(&call))),
            json!([{"name": "search", "parameters": {"q": "rust", "n": 3}}]),
        ];
        let responses = [
            tagged(std::slice::from_ref(&call)),
            json!([openai.clone()]).to_string(),
            json!({"role": "assistant", "tool_calls": [openai]}).to_string(),
            "<tool_call>{\"name\": \"search\", \"parameters\": {\"n\": 3, \"q\": \"rust\"}}</tool_call>".into(),
        ];
        for reference in &references {
            for response in &responses {
                assert_eq!(
                    value(json!({}), response, reference.clone()),
                    3.0,
                    "{reference} / {response}"
                );
            }
        }
    }

    #[test]
    fn optimal_matching_beats_greedy_on_repeated_names() {
        // Greedy gives the first expected call the made call that suits it
        // best, which the second one needed.
        let expected = json!([
            {"name": "f", "arguments": {"a": 1}},
            {"name": "f", "arguments": {"a": 1, "b": 2}},
        ]);
        let made = tagged(&[
            json!({"name": "f", "arguments": {"a": 1, "b": 2}}),
            json!({"name": "f", "arguments": {"c": 1}}),
        ]);
        // S_max = 1 + 2 + 3 = 6, r_name = 1.
        // Greedy: e0–m0 (1/2 + 1), e1–m1 (0 + 0): 2.5 / 6.
        let greedy = run(json!({"scale": "unit"}), &made, Some(expected.clone()));
        assert!((greedy.outcome.value().unwrap() - 2.5 / 6.0).abs() < 1e-12);
        assert_eq!(
            greedy.details["matching"],
            json!([{"expected": 0, "call": 0}, {"expected": 1, "call": 1}])
        );
        // Optimal: e0–m1 (0), e1–m0 (1 + 2): 4 / 6.
        let optimal = run(
            json!({"scale": "unit", "matching": "optimal"}),
            &made,
            Some(expected),
        );
        assert!((optimal.outcome.value().unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            optimal.details["matching"],
            json!([{"expected": 0, "call": 1}, {"expected": 1, "call": 0}])
        );
        assert_eq!(optimal.details["r_param"], 1.0);
        assert_eq!(optimal.details["r_value"], 2.0);
        assert_eq!(optimal.details["s_max"], 6);
        assert_eq!(
            optimal.details["calls"][1],
            json!({"name": "f", "arguments": {"c": 1}})
        );
    }

    #[test]
    fn normalize_strings() {
        let reference = json!([weather("Paris", json!("c"))]);
        let made = tagged(&[weather(" paris", json!("C"))]);
        assert_eq!(
            value(json!({"scale": "unit"}), &made, reference.clone()),
            2.0 / 4.0
        );
        assert_eq!(
            value(
                json!({"scale": "unit", "normalize_strings": true}),
                &made,
                reference
            ),
            1.0
        );
    }

    #[test]
    fn bad_json_is_the_lowest_value_with_where() {
        let e = run(
            json!({}),
            "<think>x</think><tool_call>{\"name\": \"f\"}</tool_call>\n<tool_call>\n{\"name\": \"g\" \"arguments\": {}}\n</tool_call>",
            Some(json!([{"name": "f"}])),
        );
        assert_eq!(e.outcome.value(), Some(-3.0));
        assert_eq!(
            e.details["reason"],
            "tool call block 2 is not valid JSON: expected `,` or `}` at line 2 column 14"
        );
        assert_eq!(
            (
                &e.details["block"],
                &e.details["line"],
                &e.details["column"]
            ),
            (&json!(2), &json!(2), &json!(14))
        );
        let e = run(
            json!({"scale": "unit"}),
            "<tool_call>{\"name\": 1}</tool_call>",
            Some(json!([])),
        );
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(
            e.details["reason"],
            "tool call block 1: a tool call's \"name\" must be a string, not a number"
        );
    }

    #[test]
    fn references_that_hold_no_calls_or_do_not_read() {
        for reference in [
            None,
            Some(json!(null)),
            Some(json!(42)),
            Some(json!({"bbox": [1, 2, 3, 4]})),
        ] {
            let e = run(json!({}), "x", reference);
            assert_eq!(e.outcome.status(), Status::NotApplicable);
        }
        let e = run(json!({}), "x", Some(json!([{"arguments": {}}])));
        assert_eq!(
            e.outcome,
            plaudit_core::Outcome::failed("the reference: item 1: a tool call has no \"name\"")
        );
        let e = run(json!({}), "x", Some(json!("<tool_call>{oops</tool_call>")));
        assert_eq!(e.outcome.status(), Status::Failed);
        let many: Vec<Value> = (0..65).map(|_| json!({"name": "f"})).collect();
        let e = run(json!({}), "x", Some(Value::Array(many.clone())));
        assert_eq!(e.outcome.status(), Status::Failed);
        let e = run(json!({}), &tagged(&many), Some(json!([])));
        assert_eq!(e.outcome.value(), Some(-3.0));
    }

    #[test]
    fn out_of_format_is_the_lowest_value() {
        let params = json!({"require_format": true, "scale": "unit"});
        let e = run(
            params.clone(),
            "<tool_call>{\"name\": \"f\"}</tool_call>",
            Some(json!([{"name": "f"}])),
        );
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(
            e.details["reason"],
            "format: the response does not start with <think>"
        );
        let e = run(
            params,
            "<think>a</think>\n<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
            Some(json!([{"name": "f"}])),
        );
        assert_eq!(e.outcome.value(), Some(1.0));
    }

    #[test]
    fn configurable_tags() {
        let params = json!({"require_format": true, "think_tag": "", "tool_call_tag": "call", "response_tag": "answer"});
        let e = run(
            params.clone(),
            "<call>{\"name\": \"f\"}</call>",
            Some(json!([{"name": "f"}])),
        );
        assert_eq!(e.outcome.value(), Some(3.0));
        let e = run(
            params,
            "<think>x</think><call>{\"name\": \"f\"}</call>",
            Some(json!([{"name": "f"}])),
        );
        assert_eq!(
            e.details["reason"],
            "format: no <call> or <answer> block after the start"
        );
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (
                json!({"scale": "percent"}),
                "scale",
                "unknown variant `percent`, expected `toolrl` or `unit`",
            ),
            (
                json!({"matching": "best"}),
                "matching",
                "expected `greedy` or `optimal`",
            ),
            (
                json!({"tool_call_tag": "<tool_call>"}),
                "tool_call_tag",
                "must not contain '<'",
            ),
            (
                json!({"response_tag": "tool_call"}),
                "response_tag",
                "response_tag and tool_call_tag are both \"tool_call\"",
            ),
            (
                json!({"think_tag": "response"}),
                "think_tag",
                "they must differ",
            ),
            (
                json!({"require_fmt": true}),
                "require_fmt",
                "unknown field `require_fmt`",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    #[test]
    fn stops_at_the_deadline() {
        let a = build(
            json!({"matching": "optimal"}).as_object().unwrap(),
            &BuildContext::default(),
        )
        .unwrap();
        let args: Map<String, Value> = (0..2000).map(|i| (format!("k{i}"), json!(i))).collect();
        let call = json!({"name": "f", "arguments": args});
        let calls: Vec<Value> = (0..64).map(|_| call.clone()).collect();
        let sample = Sample::new("s", tagged(&calls)).with_reference(Value::Array(calls));
        let e = a.evaluate(&sample, &Context::with_timeout(Duration::ZERO));
        assert_eq!(e.outcome.status(), Status::TimedOut);
    }

    proptest! {
        #[test]
        fn value_in_range_and_perfect_on_itself(
            calls in proptest::collection::vec(
                ("[fg]", proptest::collection::btree_map("[abc]", 0u8..3, 0..3)),
                0..4,
            ),
            made in proptest::collection::vec(
                ("[fg]", proptest::collection::btree_map("[abc]", 0u8..3, 0..3)),
                0..4,
            ),
            optimal: bool,
        ) {
            let to_json = |calls: &[(String, std::collections::BTreeMap<String, u8>)]| -> Vec<Value> {
                calls.iter().map(|(n, a)| json!({"name": n, "arguments": a})).collect()
            };
            let (expected, made) = (to_json(&calls), to_json(&made));
            let matching = if optimal { "optimal" } else { "greedy" };
            let params = json!({"scale": "unit", "matching": matching});
            let v = value(params.clone(), &tagged(&made), Value::Array(expected.clone()));
            prop_assert!((0.0..=1.0).contains(&v), "{v}");
            prop_assert_eq!(value(params.clone(), &tagged(&expected), Value::Array(expected.clone())), 1.0);
            if optimal {
                let greedy = value(json!({"scale": "unit"}), &tagged(&made), Value::Array(expected));
                prop_assert!(v >= greedy - 1e-12, "optimal {v} < greedy {greedy}");
            }
        }

        #[test]
        fn never_panics(response in "(<think>|</think>|<tool_call>|</tool_call>|<response>|</response>|\\{\"name\": \"f\"|\\}|\\[|\\]|,|\\PC){0,30}", format: bool) {
            let e = run(json!({"require_format": format}), &response, Some(json!([{"name": "f"}])));
            let v = e.outcome.value().unwrap();
            prop_assert!((-3.0..=3.0).contains(&v));
        }
    }
}
