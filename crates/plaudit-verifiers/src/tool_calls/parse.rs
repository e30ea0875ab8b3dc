//! Reading tool calls out of a response, or out of a sample's reference.
//!
//! Two layouts are read. Tagged blocks, `<tool_call>…</tool_call>`, each
//! holding JSON values one after another (one object per line, as ToolRL
//! and Hermes write them) or a JSON list; and, when the text has no such
//! block, a text that is one JSON value: a list of calls, or an object
//! with a `tool_calls` list (an OpenAI assistant message). A call is
//! `{"name": …, "arguments": {…}}` (`"parameters"` is accepted for
//! `"arguments"`) or OpenAI's `{"type": "function", "function": {"name": …,
//! "arguments": "<JSON string>"}}`.

use memchr::memmem::Finder;
use plaudit_core::json_type;
use serde_json::{Map, Value};

use crate::text::rfind;

/// The most calls read from one response or reference. More than any
/// real task expects, and small enough that the exact matching stays
/// instant (it is cubic in this).
pub(crate) const MAX_CALLS: usize = 64;

/// One tool call: the function's name and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Call {
    pub(super) name: String,
    pub(super) arguments: Map<String, Value>,
}

impl Call {
    /// The call as details show it.
    pub(super) fn to_json(&self) -> Value {
        let mut m = Map::with_capacity(2);
        m.insert("name".into(), Value::from(self.name.as_str()));
        m.insert("arguments".into(), Value::Object(self.arguments.clone()));
        Value::Object(m)
    }
}

/// Why the calls could not be read: a sentence naming the block and the
/// call, and where the JSON error is when there is one.
#[derive(Debug, PartialEq)]
pub(super) struct BadCalls {
    pub(super) reason: String,
    /// The tool call block (1-based), when the problem is in one.
    pub(super) block: Option<usize>,
    /// The JSON error's line and column, counted from just after the
    /// block's opening tag (or from the start of the text without blocks).
    pub(super) position: Option<(usize, usize)>,
}

impl BadCalls {
    fn new(reason: String, block: Option<usize>) -> Self {
        Self {
            reason,
            block,
            position: None,
        }
    }

    fn json(what: &str, e: &serde_json::Error, block: Option<usize>) -> Self {
        Self {
            reason: format!("{what} is not valid JSON: {e}"),
            block,
            position: Some((e.line(), e.column())),
        }
    }
}

/// Finds the calls in a text, with the tags built once.
#[derive(Debug)]
pub(super) struct Reader {
    /// The closing reasoning tag: calls are read after the last one.
    think_close: Option<String>,
    open_tag: String,
    close_tag: String,
    open: Finder<'static>,
    close: Finder<'static>,
}

impl Reader {
    pub(super) fn new(think_tag: Option<&str>, call_tag: &str) -> Self {
        let open_tag = format!("<{call_tag}>");
        let close_tag = format!("</{call_tag}>");
        Self {
            think_close: think_tag.map(|t| format!("</{t}>")),
            open: Finder::new(&open_tag).into_owned(),
            close: Finder::new(&close_tag).into_owned(),
            open_tag,
            close_tag,
        }
    }

    /// The calls of `text`, in order: every tagged block after the last
    /// closing reasoning tag or, without blocks, the text as one JSON value
    /// when it starts with `{` or `[`. Plain text without either is no
    /// call.
    pub(super) fn read(&self, text: &str) -> Result<Vec<Call>, BadCalls> {
        let text = match &self.think_close {
            Some(close) => rfind(text.as_bytes(), close.as_bytes())
                .map_or(text, |at| &text[at + close.len()..]),
            None => text,
        };
        let bytes = text.as_bytes();
        let mut calls = Vec::new();
        let mut pos = 0;
        let mut block = 0;
        while let Some(at) = self.open.find(&bytes[pos..]) {
            block += 1;
            let body = pos + at + self.open_tag.len();
            let Some(len) = self.close.find(&bytes[body..]) else {
                return Err(BadCalls::new(
                    format!(
                        "tool call block {block} is not closed: {} without {}",
                        self.open_tag, self.close_tag
                    ),
                    Some(block),
                ));
            };
            read_block(&text[body..body + len], block, &mut calls)?;
            pos = body + len + self.close_tag.len();
        }
        let whole = text.trim();
        if block == 0 && (whole.starts_with('{') || whole.starts_with('[')) {
            let what = format!("the text (without a {} block, read as JSON)", self.open_tag);
            let value: Value =
                serde_json::from_str(whole).map_err(|e| BadCalls::json(&what, &e, None))?;
            push_calls(value, &mut calls)
                .map_err(|r| BadCalls::new(format!("{what}: {r}"), None))?;
        }
        Ok(calls)
    }
}

/// The calls of a JSON value: a list of calls, an object with a
/// `tool_calls` list, or one call.
pub(super) fn from_json(value: Value) -> Result<Vec<Call>, BadCalls> {
    let mut calls = Vec::new();
    push_calls(value, &mut calls).map_err(|r| BadCalls::new(r, None))?;
    Ok(calls)
}

/// Reads the JSON values of one block, one after another.
fn read_block(body: &str, block: usize, calls: &mut Vec<Call>) -> Result<(), BadCalls> {
    for value in serde_json::Deserializer::from_str(body).into_iter::<Value>() {
        let value = value
            .map_err(|e| BadCalls::json(&format!("tool call block {block}"), &e, Some(block)))?;
        push_calls(value, calls)
            .map_err(|r| BadCalls::new(format!("tool call block {block}: {r}"), Some(block)))?;
    }
    Ok(())
}

fn push_calls(value: Value, calls: &mut Vec<Call>) -> Result<(), String> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut m) if m.contains_key("tool_calls") => match m.remove("tool_calls") {
            Some(Value::Array(items)) => items,
            Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(format!(
                    "\"tool_calls\" must be a list, not {}",
                    json_type(&other)
                ));
            }
            None => unreachable!("the key is present"),
        },
        one => return push_one(one, calls),
    };
    for (i, item) in items.into_iter().enumerate() {
        push_one(item, calls).map_err(|r| format!("item {}: {r}", i + 1))?;
    }
    Ok(())
}

fn push_one(value: Value, calls: &mut Vec<Call>) -> Result<(), String> {
    if calls.len() == MAX_CALLS {
        return Err(format!(
            "more than {MAX_CALLS} tool calls, the most this kind reads"
        ));
    }
    calls.push(call(value)?);
    Ok(())
}

/// One call, in either the Hermes/ToolRL or the OpenAI shape.
fn call(value: Value) -> Result<Call, String> {
    let Value::Object(mut m) = value else {
        return Err(format!(
            "a tool call must be an object, not {}",
            json_type(&value)
        ));
    };
    if matches!(m.get("function"), Some(Value::Object(_)))
        && let Some(Value::Object(function)) = m.remove("function")
    {
        m = function;
    }
    let name = match m.remove("name") {
        Some(Value::String(name)) => name,
        Some(other) => {
            return Err(format!(
                "a tool call's \"name\" must be a string, not {}",
                json_type(&other)
            ));
        }
        None => return Err("a tool call has no \"name\"".into()),
    };
    let arguments = match m.remove("arguments").or_else(|| m.remove("parameters")) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        // OpenAI sends the arguments JSON-encoded; an empty string is a
        // call without arguments.
        Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(arguments)) => arguments,
            Ok(other) => {
                return Err(format!(
                    "the arguments of `{name}` are a JSON string holding {}, not an object",
                    json_type(&other)
                ));
            }
            Err(e) => {
                return Err(format!(
                    "the arguments of `{name}` are a string that is not valid JSON: {e}"
                ));
            }
        },
        Some(other) => {
            return Err(format!(
                "the arguments of `{name}` must be an object or a JSON string, not {}",
                json_type(&other)
            ));
        }
    };
    Ok(Call { name, arguments })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn reader() -> Reader {
        Reader::new(Some("think"), "tool_call")
    }

    fn names(text: &str) -> Vec<String> {
        reader()
            .read(text)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn reads_every_layout() {
        #[rustfmt::skip]
        let cases: &[(&str, &[&str])] = &[
            ("<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n{\"name\": \"b\", \"parameters\": {}}\n</tool_call>", &["a", "b"]),
            ("<tool_call>{\"name\": \"a\"}</tool_call> then <tool_call>[{\"name\": \"b\"}, {\"name\": \"c\"}]</tool_call>", &["a", "b", "c"]),
            ("<tool_call>{\n  \"name\": \"pretty\",\n  \"arguments\": {\"x\": 1}\n}</tool_call>", &["pretty"]),
            (r#"[{"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]"#, &["f"]),
            (r#"{"role": "assistant", "content": null, "tool_calls": [{"id": "1", "type": "function", "function": {"name": "g", "arguments": ""}}]}"#, &["g"]),
            (r#"  {"name": "one"}  "#, &["one"]),
            ("<think>maybe <tool_call>{\"name\": \"no\"}</tool_call></think>\n<tool_call>{\"name\": \"yes\"}</tool_call>", &["yes"]),
            ("<think>x</think>\n<response>No tool is needed.</response>", &[]),
            ("<tool_call>\n</tool_call>", &[]),
            ("I'd call {\"name\": \"f\"} here.", &[]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text}");
        }
    }

    #[test]
    fn arguments_are_decoded() {
        let calls = reader()
            .read(
                r#"{"tool_calls": [{"function": {"name": "f", "arguments": "{\"a\": [1, 2]}"}}]}"#,
            )
            .unwrap();
        assert_eq!(
            calls[0].arguments,
            *json!({"a": [1, 2]}).as_object().unwrap()
        );
        assert_eq!(
            calls[0].to_json(),
            json!({"name": "f", "arguments": {"a": [1, 2]}})
        );
    }

    /// A text, and the reason, block and position of its error.
    type Case<'a> = (&'a str, &'a str, Option<usize>, Option<(usize, usize)>);

    #[test]
    fn bad_calls_say_where() {
        let cases: &[Case<'_>] = &[
            (
                "<tool_call>{\"name\": \"a\"}</tool_call><tool_call>\n{\"name\": \"b\",}\n</tool_call>",
                "tool call block 2 is not valid JSON: trailing comma at line 2 column 14",
                Some(2),
                Some((2, 14)),
            ),
            (
                "<tool_call>{\"name\": \"a\"}",
                "tool call block 1 is not closed: <tool_call> without </tool_call>",
                Some(1),
                None,
            ),
            (
                "<tool_call>{\"arguments\": {}}</tool_call>",
                "tool call block 1: a tool call has no \"name\"",
                Some(1),
                None,
            ),
            (
                "<tool_call>[{\"name\": \"a\"}, 3]</tool_call>",
                "tool call block 1: item 2: a tool call must be an object, not a number",
                Some(1),
                None,
            ),
            (
                r#"[{"function": {"name": "f", "arguments": "{x"}}]"#,
                "the text (without a <tool_call> block, read as JSON): item 1: the arguments of `f` are a string that is not valid JSON: key must be a string at line 1 column 2",
                None,
                None,
            ),
            (
                r#"{"name": "f", "arguments": [1]}"#,
                "the text (without a <tool_call> block, read as JSON): the arguments of `f` must be an object or a JSON string, not a list",
                None,
                None,
            ),
            (
                r#"{"tool_calls": {"name": "f"}}"#,
                "the text (without a <tool_call> block, read as JSON): \"tool_calls\" must be a list, not an object",
                None,
                None,
            ),
            (
                "[Thinking] hmm",
                "the text (without a <tool_call> block, read as JSON) is not valid JSON: expected value at line 1 column 2",
                None,
                Some((1, 2)),
            ),
        ];
        for (text, reason, block, position) in cases {
            let e = reader().read(text).unwrap_err();
            assert_eq!(
                e,
                BadCalls {
                    reason: (*reason).into(),
                    block: *block,
                    position: *position
                },
                "{text}"
            );
        }
    }

    #[test]
    fn stops_past_the_cap() {
        let one = "{\"name\": \"f\"}\n";
        let text = format!("<tool_call>{}</tool_call>", one.repeat(MAX_CALLS));
        assert_eq!(reader().read(&text).unwrap().len(), MAX_CALLS);
        let text = format!("<tool_call>{}</tool_call>", one.repeat(MAX_CALLS + 1));
        let e = reader().read(&text).unwrap_err();
        assert!(e.reason.contains("more than 64 tool calls"), "{}", e.reason);
    }

    proptest! {
        #[test]
        fn never_panics(text in "(<tool_call>|</tool_call>|</think>|\\{|\\}|\\[|\\]|\"name\"|:|,|\"a\"|1| |\\PC){0,40}") {
            let _ = reader().read(&text);
        }
    }
}
