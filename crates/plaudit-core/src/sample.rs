//! Samples: what a reward is computed for.

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One chat message, in the OpenAI shape trainers and datasets use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant`, `tool`…
    pub role: String,
    /// The message text. Content given as a list of parts
    /// (`[{"type": "text", "text": "…"}]`) is joined into one string.
    #[serde(deserialize_with = "content_text")]
    pub content: String,
}

/// A prompt or a response: plain text, or chat messages.
///
/// Aspects read [`Content::text`], which is precomputed once when the sample is
/// built so that no aspect allocates to see it:
/// - plain text is itself;
/// - for a response given as messages, the text is the content of the
///   assistant messages joined by a newline (a conversational completion in
///   TRL is `[{"role": "assistant", "content": …}]`);
/// - for a prompt given as messages, the text is the content of every message
///   joined by a newline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content {
    text: String,
    messages: Option<Vec<Message>>,
}

impl Content {
    /// Plain text content.
    pub fn text_only(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            messages: None,
        }
    }

    /// Chat content as a prompt: the text joins every message.
    pub fn prompt_messages(messages: Vec<Message>) -> Self {
        let text = join(messages.iter());
        Self {
            text,
            messages: Some(messages),
        }
    }

    /// Chat content as a response: the text joins the assistant messages.
    pub fn response_messages(messages: Vec<Message>) -> Self {
        let text = join(messages.iter().filter(|m| m.role == "assistant"));
        Self {
            text,
            messages: Some(messages),
        }
    }

    /// A prompt from JSON: a string or a list of chat messages.
    pub fn prompt_from_json(value: Value) -> Result<Self, String> {
        prompt_content(value).map_err(|e| e.to_string())
    }

    /// A response from JSON: a string or a list of chat messages.
    pub fn response_from_json(value: Value) -> Result<Self, String> {
        response_content(value).map_err(|e| e.to_string())
    }

    /// The text aspects read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The messages, when the content was given as chat messages.
    pub fn messages(&self) -> Option<&[Message]> {
        self.messages.as_deref()
    }
}

fn join<'a>(messages: impl Iterator<Item = &'a Message>) -> String {
    let mut text = String::new();
    for (i, m) in messages.enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&m.content);
    }
    text
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.messages {
            Some(messages) => messages.serialize(serializer),
            None => self.text.serialize(serializer),
        }
    }
}

/// Deserializes as text or messages, with the given treatment of messages.
fn content<'de, D: Deserializer<'de>>(
    deserializer: D,
    from_messages: fn(Vec<Message>) -> Content,
) -> Result<Content, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Messages(Vec<Message>),
    }
    match Raw::deserialize(deserializer) {
        Ok(Raw::Text(text)) => Ok(Content::text_only(text)),
        Ok(Raw::Messages(messages)) => Ok(from_messages(messages)),
        Err(_) => Err(de::Error::custom(
            "expected a string or a list of chat messages ({\"role\": …, \"content\": …})",
        )),
    }
}

fn prompt_content<'de, D: Deserializer<'de>>(d: D) -> Result<Content, D::Error> {
    content(d, Content::prompt_messages)
}

fn response_content<'de, D: Deserializer<'de>>(d: D) -> Result<Content, D::Error> {
    content(d, Content::response_messages)
}

/// Message content: a string, or OpenAI content parts whose text parts are joined.
fn content_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Null => Ok(String::new()),
        Value::Array(parts) => {
            let mut text = String::new();
            for part in &parts {
                match part.get("text").and_then(Value::as_str) {
                    Some(t) => text.push_str(t),
                    None if part.get("type").and_then(Value::as_str) == Some("text") => {
                        return Err(de::Error::custom("a text content part has no `text`"));
                    }
                    None => {}
                }
            }
            Ok(text)
        }
        other => Err(de::Error::custom(format!(
            "message content must be a string or a list of parts, not {}",
            json_type(&other)
        ))),
    }
}

/// The JSON type of a value with its article ("a list", "null"), for error
/// messages that say what was found instead of what was expected.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One model output to be rewarded, with what is needed to judge it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sample {
    /// A stable identifier; it keys the output row and `--resume`.
    #[serde(default)]
    pub id: String,
    /// The prompt the model answered.
    #[serde(default, deserialize_with = "prompt_content")]
    pub prompt: Content,
    /// The model's response.
    #[serde(deserialize_with = "response_content")]
    pub response: Content,
    /// The gold answer, test cases or anything else an aspect checks against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Value>,
    /// The prompt group, for GRPO-style normalization across the responses
    /// to one prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Free data: data source, rubric, principles…
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub meta: Value,
}

impl Sample {
    /// A sample with an id and a plain-text response.
    pub fn new(id: impl Into<String>, response: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            response: Content::text_only(response),
            ..Self::default()
        }
    }

    /// Sets the plain-text prompt.
    pub fn with_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Content::text_only(prompt);
        self
    }

    /// Sets the reference.
    pub fn with_reference(mut self, reference: Value) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the group.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// The reference as one or more acceptable answers: a string or number is
    /// one answer, a list gives several; `None` when there is no usable
    /// reference (absent, null, an object, or a list of non-scalars).
    pub fn reference_answers(&self) -> Option<Vec<String>> {
        fn scalar(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        match self.reference.as_ref()? {
            Value::Array(items) => {
                let answers: Option<Vec<String>> = items.iter().map(scalar).collect();
                answers.filter(|a| !a.is_empty())
            }
            other => scalar(other).map(|s| vec![s]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_text_sample() {
        let s: Sample =
            serde_json::from_value(json!({"id": "a", "prompt": "2+2?", "response": "4"})).unwrap();
        assert_eq!(s.prompt.text(), "2+2?");
        assert_eq!(s.response.text(), "4");
        assert!(s.response.messages().is_none());
    }

    #[test]
    fn chat_response_reads_assistant_turns() {
        let s: Sample = serde_json::from_value(json!({
            "response": [
                {"role": "assistant", "content": "first"},
                {"role": "tool", "content": "ignored"},
                {"role": "assistant", "content": [{"type": "text", "text": "sec"}, {"type": "text", "text": "ond"}]}
            ],
            "prompt": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
        }))
        .unwrap();
        assert_eq!(s.response.text(), "first\nsecond");
        assert_eq!(s.prompt.text(), "be brief\nhi");
        // Round trip keeps the original shape.
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["response"][2]["content"], "second");
    }

    #[test]
    fn missing_response_is_an_error() {
        let err = serde_json::from_value::<Sample>(json!({"id": "a"})).unwrap_err();
        assert!(
            err.to_string().contains("missing field `response`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_response_type_says_what_was_expected() {
        let err = serde_json::from_value::<Sample>(json!({"response": 3})).unwrap_err();
        assert!(
            err.to_string()
                .contains("a string or a list of chat messages"),
            "{err}"
        );
    }

    #[test]
    fn reference_answers() {
        let s = Sample::new("a", "x");
        assert_eq!(s.reference_answers(), None);
        let s = s.with_reference(json!(["1", 2]));
        assert_eq!(s.reference_answers(), Some(vec!["1".into(), "2".into()]));
        let s = Sample::new("a", "x").with_reference(json!({"k": 1}));
        assert_eq!(s.reference_answers(), None);
        let s = Sample::new("a", "x").with_reference(json!([]));
        assert_eq!(s.reference_answers(), None);
    }
}
