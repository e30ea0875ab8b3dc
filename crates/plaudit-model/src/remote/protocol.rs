//! The wire formats of the servers, request and reply, as each server's own
//! protocol definitions give them.
//!
//! | protocol | request | reply |
//! |---|---|---|
//! | `vllm.classify` | `POST /classify {"model", "input": [text…], "use_activation": false}` | `{"data": [{"index", "label", "probs": [logit…], "num_classes"}]}` |
//! | `vllm.pooling` | `POST /pooling {"model", "input": [text…], "use_activation": false}` | `{"data": [{"index", "object": "pooling", "data": [[logit…] per step]}]}` |
//! | `sglang.classify` | `POST /classify {"model", "text": [text…]}` | `[{"embedding": [score…], "meta_info": {…}}]`, in input order |
//! | `tei.predict` | `POST /predict {"inputs": [[text]…], "raw_scores": true}` | `[[{"label", "score"}…]…]`, in input order, labels sorted by score |
//! | `tei.rerank` | `POST /rerank {"query", "texts": [text…], "raw_scores": true}` | `[{"index", "score"}]`, sorted by score |
//!
//! vLLM also takes one conversation as `"messages"` instead of `"input"`
//! (its chat form, one conversation a request). `use_activation: false` and
//! `raw_scores: true` ask for the model's raw outputs; the activation, if
//! any, is the aspect's (see `output`). TEI reads a list of strings as one
//! *pair* of texts, so a batch is a list of one-element lists.
//!
//! Python servers write a non-finite float as a bare `NaN` or `Infinity`,
//! which is not JSON; a reply with them is read with those values as
//! non-finite numbers, so that the one sample they belong to fails and the
//! rest of the batch keeps its scores.

use serde::{Deserialize, Serialize};

use crate::input::Input;

/// A server's protocol, as a spec names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Protocol {
    /// vLLM's `POST /classify` (sequence classification and reward models).
    #[serde(rename = "vllm.classify")]
    VllmClassify,
    /// vLLM's `POST /pooling` (token-level outputs: process reward models).
    #[serde(rename = "vllm.pooling")]
    VllmPooling,
    /// SGLang's native `POST /classify` (reward models served with
    /// `--is-embedding`).
    #[serde(rename = "sglang.classify")]
    SglangClassify,
    /// text-embeddings-inference's `POST /predict` (sequence classifiers).
    #[serde(rename = "tei.predict")]
    TeiPredict,
    /// text-embeddings-inference's `POST /rerank` (cross-encoders).
    #[serde(rename = "tei.rerank")]
    TeiRerank,
}

/// What the server said about one input, before the reward is picked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    /// One value per class or head, by position.
    Values(Vec<f64>),
    /// One row of values per step (process reward models).
    Steps(Vec<Vec<f64>>),
    /// Values by label name (TEI sorts them by score).
    Labeled(Vec<(String, f64)>),
    /// One relevance score.
    Score(f64),
}

/// The reply to one request: each input's raw output or why it has none.
pub(crate) type Parsed = Vec<Result<Raw, String>>;

impl Protocol {
    /// The name a spec uses.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::VllmClassify => "vllm.classify",
            Protocol::VllmPooling => "vllm.pooling",
            Protocol::SglangClassify => "sglang.classify",
            Protocol::TeiPredict => "tei.predict",
            Protocol::TeiRerank => "tei.rerank",
        }
    }

    /// The endpoint, appended to the base URL.
    pub fn path(self) -> &'static str {
        match self {
            Protocol::VllmClassify | Protocol::SglangClassify => "/classify",
            Protocol::VllmPooling => "/pooling",
            Protocol::TeiPredict => "/predict",
            Protocol::TeiRerank => "/rerank",
        }
    }

    /// Whether the server takes a conversation as chat messages.
    pub fn takes_messages(self) -> bool {
        matches!(self, Protocol::VllmClassify | Protocol::VllmPooling)
    }

    /// Splits a batch into the requests it needs, as positions in the
    /// batch: one conversation per request in chat form, one query per
    /// request for a reranker, else the whole batch at once.
    pub fn requests(self, inputs: &[&Input]) -> Vec<Vec<usize>> {
        match inputs.first() {
            None => Vec::new(),
            Some(Input::Messages(_)) => (0..inputs.len()).map(|i| vec![i]).collect(),
            Some(Input::Pair { .. }) => {
                let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
                for (i, input) in inputs.iter().enumerate() {
                    let query = match input {
                        Input::Pair { query, .. } => query.as_str(),
                        _ => "",
                    };
                    match groups.iter_mut().find(|(q, _)| *q == query) {
                        Some((_, g)) => g.push(i),
                        None => groups.push((query, vec![i])),
                    }
                }
                groups.into_iter().map(|(_, g)| g).collect()
            }
            Some(Input::Text(_)) => vec![(0..inputs.len()).collect()],
        }
    }

    /// The body of one request. `inputs` are of the form the protocol takes
    /// (the aspect is built so); pairs share one query.
    pub fn body(self, model: Option<&str>, inputs: &[&Input]) -> Vec<u8> {
        let texts = || -> Vec<&str> {
            inputs
                .iter()
                .map(|i| match i {
                    Input::Text(t) => t.as_str(),
                    Input::Pair { text, .. } => text.as_str(),
                    Input::Messages(_) => "",
                })
                .collect()
        };
        let json = match (self, inputs.first()) {
            (Protocol::VllmClassify | Protocol::VllmPooling, Some(Input::Messages(m))) => {
                serde_json::to_vec(&VllmChat {
                    model,
                    messages: m,
                    use_activation: false,
                })
            }
            (Protocol::VllmClassify | Protocol::VllmPooling, _) => serde_json::to_vec(&Vllm {
                model,
                input: texts(),
                use_activation: false,
            }),
            (Protocol::SglangClassify, _) => serde_json::to_vec(&Sglang {
                model,
                text: texts(),
            }),
            (Protocol::TeiPredict, _) => serde_json::to_vec(&TeiPredict {
                inputs: texts().into_iter().map(|t| [t]).collect(),
                raw_scores: true,
            }),
            (Protocol::TeiRerank, first) => serde_json::to_vec(&TeiRerank {
                query: match first {
                    Some(Input::Pair { query, .. }) => query,
                    _ => "",
                },
                texts: texts(),
                raw_scores: true,
            }),
        };
        json.expect("request bodies serialize")
    }

    /// Reads the reply to a request of `n` inputs. An error means the reply
    /// as a whole is unreadable; otherwise each input has its output or the
    /// reason it has none.
    pub fn parse(self, body: &str, n: usize) -> Result<Parsed, String> {
        match self {
            Protocol::VllmClassify => {
                let reply: VllmReply<ClassifyData> = from_json(body)?;
                Ok(by_index(
                    n,
                    reply.data.into_iter().map(|d| (d.index, d.values())),
                ))
            }
            Protocol::VllmPooling => {
                let reply: VllmReply<PoolingData> = from_json(body)?;
                Ok(by_index(
                    n,
                    reply.data.into_iter().map(|d| (d.index, d.steps())),
                ))
            }
            Protocol::SglangClassify => {
                let reply: Vec<SglangData> = from_json(body)?;
                in_order(n, reply, |d| Ok(Raw::Values(finite_or_nan(d.embedding))))
            }
            Protocol::TeiPredict => {
                let reply: Vec<Vec<Prediction>> = from_json(body)?;
                in_order(n, reply, |labels| {
                    Ok(Raw::Labeled(
                        labels
                            .into_iter()
                            .map(|p| (p.label, p.score.unwrap_or(f64::NAN)))
                            .collect(),
                    ))
                })
            }
            Protocol::TeiRerank => {
                let reply: Vec<Rank> = from_json(body)?;
                Ok(by_index(
                    n,
                    reply
                        .into_iter()
                        .map(|r| (r.index, Ok(Raw::Score(r.score.unwrap_or(f64::NAN))))),
                ))
            }
        }
    }
}

// ---- requests -------------------------------------------------------------

#[derive(Serialize)]
struct Vllm<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    input: Vec<&'a str>,
    use_activation: bool,
}

#[derive(Serialize)]
struct VllmChat<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    messages: &'a [plaudit_core::Message],
    use_activation: bool,
}

#[derive(Serialize)]
struct Sglang<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    text: Vec<&'a str>,
}

#[derive(Serialize)]
struct TeiPredict<'a> {
    inputs: Vec<[&'a str; 1]>,
    raw_scores: bool,
}

#[derive(Serialize)]
struct TeiRerank<'a> {
    query: &'a str,
    texts: Vec<&'a str>,
    raw_scores: bool,
}

// ---- replies --------------------------------------------------------------

/// A number that may have been a bare `NaN`/`Infinity` (read as null).
type Num = Option<f64>;

#[derive(Deserialize)]
struct VllmReply<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct ClassifyData {
    index: usize,
    /// The class scores: raw logits with `use_activation: false`.
    #[serde(default)]
    probs: Option<Vec<Num>>,
}

impl ClassifyData {
    fn values(self) -> Result<Raw, String> {
        match self.probs {
            Some(p) => Ok(Raw::Values(finite_or_nan(p))),
            None => Err("the server's result has no `probs`".into()),
        }
    }
}

#[derive(Deserialize)]
struct PoolingData {
    index: usize,
    data: PoolingValues,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PoolingValues {
    Rows(Vec<Vec<Num>>),
    Flat(Vec<Num>),
    /// base64 (`encoding_format`), or anything else that is not floats.
    Other(serde::de::IgnoredAny),
}

impl PoolingData {
    fn steps(self) -> Result<Raw, String> {
        match self.data {
            PoolingValues::Rows(rows) => {
                Ok(Raw::Steps(rows.into_iter().map(finite_or_nan).collect()))
            }
            // One value per step (a single-label head).
            PoolingValues::Flat(values) => Ok(Raw::Steps(
                values
                    .into_iter()
                    .map(|v| vec![v.unwrap_or(f64::NAN)])
                    .collect(),
            )),
            PoolingValues::Other(_) => {
                Err("the server's `data` is not a list of floats (base64?)".into())
            }
        }
    }
}

#[derive(Deserialize)]
struct SglangData {
    embedding: Vec<Num>,
}

#[derive(Deserialize)]
struct Prediction {
    label: String,
    score: Num,
}

#[derive(Deserialize)]
struct Rank {
    index: usize,
    score: Num,
}

fn finite_or_nan(values: Vec<Num>) -> Vec<f64> {
    values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

/// Results keyed by input index: an input with no result, or with two,
/// fails on its own.
fn by_index(n: usize, results: impl Iterator<Item = (usize, Result<Raw, String>)>) -> Parsed {
    let mut out: Vec<Option<Result<Raw, String>>> = (0..n).map(|_| None).collect();
    let mut count = 0;
    for (i, r) in results {
        count += 1;
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(match slot {
                None => r,
                Some(_) => Err(format!("the server's reply has two results for input {i}")),
            });
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                Err(format!(
                    "the server's reply has no result for input {i} ({count} results for {n} inputs)"
                ))
            })
        })
        .collect()
}

/// Results in input order: with the wrong number of them, no result can be
/// matched to its input and every input fails.
fn in_order<T>(
    n: usize,
    results: Vec<T>,
    read: impl Fn(T) -> Result<Raw, String>,
) -> Result<Parsed, String> {
    if results.len() != n {
        return Err(format!(
            "the server's reply has {} results for {n} inputs",
            results.len()
        ));
    }
    Ok(results.into_iter().map(read).collect())
}

/// Parses JSON, reading Python's bare `NaN`, `Infinity` and `-Infinity` as
/// null when the strict parse fails on them.
fn from_json<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, String> {
    match serde_json::from_str(body) {
        Ok(v) => Ok(v),
        Err(e) if body.contains("NaN") || body.contains("Infinity") => {
            serde_json::from_str(&null_non_finite(body)).map_err(|_| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `NaN`, `Infinity` and `-Infinity` outside strings replaced by `null`.
fn null_non_finite(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else {
            let word = ["-Infinity", "Infinity", "NaN"]
                .into_iter()
                .find(|w| rest.starts_with(w));
            if let Some(w) = word {
                out.push_str("null");
                rest = &rest[w.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn text(t: &str) -> Input {
        Input::Text(t.into())
    }

    fn body(p: Protocol, model: Option<&str>, inputs: &[Input]) -> Value {
        let refs: Vec<&Input> = inputs.iter().collect();
        serde_json::from_slice(&p.body(model, &refs)).unwrap()
    }

    #[test]
    fn request_bodies_are_each_servers_own() {
        let two = [text("a"), text("b")];
        assert_eq!(
            body(Protocol::VllmClassify, Some("rm"), &two),
            json!({"model": "rm", "input": ["a", "b"], "use_activation": false})
        );
        assert_eq!(
            body(Protocol::VllmPooling, None, &two),
            json!({"input": ["a", "b"], "use_activation": false})
        );
        assert_eq!(
            body(Protocol::SglangClassify, Some("rm"), &two),
            json!({"model": "rm", "text": ["a", "b"]})
        );
        assert_eq!(
            body(Protocol::TeiPredict, Some("ignored"), &two),
            json!({"inputs": [["a"], ["b"]], "raw_scores": true})
        );
        let pairs = [
            Input::Pair {
                query: "q".into(),
                text: "a".into(),
            },
            Input::Pair {
                query: "q".into(),
                text: "b".into(),
            },
        ];
        assert_eq!(
            body(Protocol::TeiRerank, None, &pairs),
            json!({"query": "q", "texts": ["a", "b"], "raw_scores": true})
        );
        let chat = [Input::Messages(vec![plaudit_core::Message {
            role: "user".into(),
            content: "hi".into(),
        }])];
        assert_eq!(
            body(Protocol::VllmClassify, Some("rm"), &chat),
            json!({"model": "rm", "messages": [{"role": "user", "content": "hi"}], "use_activation": false})
        );
    }

    #[test]
    fn batches_split_by_query_and_by_conversation() {
        let pair = |q: &str| Input::Pair {
            query: q.into(),
            text: "t".into(),
        };
        let inputs = [pair("q1"), pair("q2"), pair("q1")];
        let refs: Vec<&Input> = inputs.iter().collect();
        assert_eq!(
            Protocol::TeiRerank.requests(&refs),
            vec![vec![0, 2], vec![1]]
        );
        let chats = [Input::Messages(vec![]), Input::Messages(vec![])];
        let refs: Vec<&Input> = chats.iter().collect();
        assert_eq!(
            Protocol::VllmClassify.requests(&refs),
            vec![vec![0], vec![1]]
        );
        let texts = [text("a"), text("b")];
        let refs: Vec<&Input> = texts.iter().collect();
        assert_eq!(Protocol::VllmClassify.requests(&refs), vec![vec![0, 1]]);
    }

    #[test]
    fn indexed_replies_keep_every_good_result() {
        let reply = r#"{"id": "classify-1", "object": "list", "created": 1, "model": "rm",
            "data": [{"index": 2, "label": "LABEL_0", "probs": [0.5], "num_classes": 1},
                     {"index": 0, "label": "LABEL_0", "probs": [-1.5], "num_classes": 1},
                     {"index": 0, "label": "LABEL_0", "probs": [9.0], "num_classes": 1}],
            "usage": {"prompt_tokens": 3, "total_tokens": 3, "completion_tokens": 0}}"#;
        let parsed = Protocol::VllmClassify.parse(reply, 4).unwrap();
        assert_eq!(parsed[2], Ok(Raw::Values(vec![0.5])));
        assert_eq!(
            parsed[0],
            Err("the server's reply has two results for input 0".into())
        );
        assert_eq!(
            parsed[1],
            Err("the server's reply has no result for input 1 (3 results for 4 inputs)".into())
        );
        assert!(parsed[3].is_err());
    }

    #[test]
    fn positional_replies_of_the_wrong_length_fail_whole() {
        let reply = r#"[{"embedding": [1.0], "meta_info": {"id": "x"}}]"#;
        assert_eq!(
            Protocol::SglangClassify.parse(reply, 2).unwrap_err(),
            "the server's reply has 1 results for 2 inputs"
        );
        let reply = r#"[[{"score": 2.5, "label": "good"}, {"score": -1.0, "label": "bad"}]]"#;
        assert_eq!(
            Protocol::TeiPredict.parse(reply, 1).unwrap(),
            vec![Ok(Raw::Labeled(vec![
                ("good".into(), 2.5),
                ("bad".into(), -1.0)
            ]))]
        );
    }

    #[test]
    fn pooling_replies_are_steps() {
        let reply = r#"{"data": [{"index": 0, "object": "pooling", "data": [[0.1, 0.9], [0.7, 0.3]]},
                                 {"index": 1, "object": "pooling", "data": [0.2, 0.4]},
                                 {"index": 2, "object": "pooling", "data": "AAAA"}]}"#;
        let parsed = Protocol::VllmPooling.parse(reply, 3).unwrap();
        assert_eq!(
            parsed[0],
            Ok(Raw::Steps(vec![vec![0.1, 0.9], vec![0.7, 0.3]]))
        );
        assert_eq!(parsed[1], Ok(Raw::Steps(vec![vec![0.2], vec![0.4]])));
        assert!(parsed[2].as_ref().unwrap_err().contains("base64"));
    }

    #[test]
    fn bare_nan_and_infinity_are_read_as_non_finite() {
        let reply = r#"[{"index": 1, "score": NaN}, {"index": 0, "score": -Infinity}, {"index": 2, "score": 0.5, "text": "NaN \"Infinity\""}]"#;
        let parsed = Protocol::TeiRerank.parse(reply, 3).unwrap();
        let Ok(Raw::Score(s)) = parsed[1] else {
            panic!()
        };
        assert!(s.is_nan());
        let Ok(Raw::Score(s)) = parsed[0] else {
            panic!()
        };
        assert!(s.is_nan());
        assert_eq!(parsed[2], Ok(Raw::Score(0.5)));
        assert_eq!(
            null_non_finite(r#"{"a": "NaN\\", "b": NaN}"#),
            r#"{"a": "NaN\\", "b": null}"#
        );
        // Still not JSON: the strict parser's error is reported.
        let err = Protocol::TeiRerank.parse("NaN!", 1).unwrap_err();
        assert!(err.contains("expected value"), "{err}");
    }
}
