//! What a reward model reads: the sample's prompt and response laid out as
//! the model expects — through its chat template, a plain text template, or
//! as chat messages for servers that apply the template themselves.
//!
//! The conversation is the prompt's messages (or one user message holding
//! the prompt text, when the prompt is plain text and not empty) followed by
//! the response's messages (or one assistant message holding the response
//! text).

use plaudit_core::{Message, Sample};

use crate::template::ChatTemplate;

/// How a sample becomes the model's input.
#[derive(Debug)]
pub(crate) enum Form {
    /// The conversation rendered with the model's chat template; `strip_bos`
    /// removes a leading beginning-of-sequence token, which the server's
    /// tokenizer adds again.
    ChatTemplate {
        template: Box<ChatTemplate>,
        strip_bos: bool,
    },
    /// A plain text template with `{prompt}` and `{response}`.
    Text(TextTemplate),
    /// The conversation as chat messages; the server applies the template.
    Messages,
    /// The prompt as a query and the response as the document (rerankers).
    Pair,
}

/// Splits a response into the steps a process reward model scores and
/// marks the end of each with the model's step tag, as Qwen2.5-Math-PRM
/// expects (`step<extra_0>step<extra_0>`).
#[derive(Debug, Clone)]
pub(crate) struct Steps {
    pub separator: String,
    pub tag: String,
}

/// One sample, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    Text(String),
    Messages(Vec<Message>),
    Pair { query: String, text: String },
}

impl Input {
    /// The input's size in bytes, for the batch budget.
    pub fn len(&self) -> usize {
        match self {
            Input::Text(t) => t.len(),
            Input::Messages(m) => m.iter().map(|m| m.content.len() + m.role.len()).sum(),
            Input::Pair { query, text } => query.len() + text.len(),
        }
    }
}

/// Builds the inputs of one aspect.
#[derive(Debug)]
pub(crate) struct InputBuilder {
    pub form: Form,
    pub steps: Option<Steps>,
}

impl InputBuilder {
    /// The model's input for a sample, or why there is none.
    pub fn build(&self, sample: &Sample) -> Result<Input, String> {
        let response = self
            .steps
            .as_ref()
            .map(|steps| steps.tag_steps(sample.response.text()));
        let response_text = response.as_deref().unwrap_or(sample.response.text());
        match &self.form {
            Form::Pair => Ok(Input::Pair {
                query: sample.prompt.text().to_owned(),
                text: response_text.to_owned(),
            }),
            Form::Text(t) => Ok(Input::Text(t.render(sample.prompt.text(), response_text))),
            Form::Messages => Ok(Input::Messages(conversation(sample, response.as_deref()))),
            Form::ChatTemplate {
                template,
                strip_bos,
            } => {
                let mut text = template.render(&conversation(sample, response.as_deref()))?;
                if *strip_bos
                    && let Some(bos) = template.bos_token().filter(|b| !b.is_empty())
                    && text.starts_with(bos)
                {
                    text.drain(..bos.len());
                }
                Ok(Input::Text(text))
            }
        }
    }
}

/// The prompt's turns, then the response's (or `response`, when the
/// response was rewritten, as one assistant turn).
fn conversation(sample: &Sample, response: Option<&str>) -> Vec<Message> {
    let mut messages = match sample.prompt.messages() {
        Some(m) => m.to_vec(),
        None if sample.prompt.text().is_empty() => Vec::new(),
        None => vec![message("user", sample.prompt.text())],
    };
    match (response, sample.response.messages()) {
        (None, Some(m)) => messages.extend_from_slice(m),
        (Some(text), _) => messages.push(message("assistant", text)),
        (None, None) => messages.push(message("assistant", sample.response.text())),
    }
    messages
}

fn message(role: &str, content: &str) -> Message {
    Message {
        role: role.to_owned(),
        content: content.to_owned(),
    }
}

impl Steps {
    /// `a<sep>b` → `a<tag>b<tag>`; empty steps are dropped.
    fn tag_steps(&self, response: &str) -> String {
        let mut out = String::with_capacity(response.len() + 4 * self.tag.len());
        for step in response.split(self.separator.as_str()) {
            if step.trim().is_empty() {
                continue;
            }
            out.push_str(step);
            out.push_str(&self.tag);
        }
        out
    }
}

/// A text template: literal text with `{prompt}` and `{response}`
/// (`{{` and `}}` for literal braces), parsed once.
#[derive(Debug, Clone)]
pub(crate) struct TextTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Prompt,
    Response,
}

impl TextTemplate {
    /// Parses a template, naming the first problem.
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("{{") {
                literal.push('{');
                rest = after;
            } else if let Some(after) = tail.strip_prefix("}}") {
                literal.push('}');
                rest = after;
            } else if tail.starts_with('}') {
                return Err(format!(
                    "a lone `}}` at byte {}; write `}}}}` for a literal brace",
                    template.len() - tail.len()
                ));
            } else {
                let Some(end) = tail.find('}') else {
                    return Err(format!(
                        "an unclosed `{{` at byte {}; write `{{{{` for a literal brace",
                        template.len() - tail.len()
                    ));
                };
                let part = match &tail[1..end] {
                    "prompt" => Part::Prompt,
                    "response" => Part::Response,
                    other => {
                        return Err(format!(
                            "unknown placeholder `{{{other}}}`; the placeholders are {{prompt}} and {{response}}"
                        ));
                    }
                };
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(part);
                rest = &tail[end + 1..];
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if !parts.iter().any(|p| matches!(p, Part::Response)) {
            return Err(
                "the template has no {response}: the model would not see what it scores".into(),
            );
        }
        Ok(Self { parts })
    }

    fn render(&self, prompt: &str, response: &str) -> String {
        let mut out = String::with_capacity(prompt.len() + response.len() + 64);
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Prompt => out.push_str(prompt),
                Part::Response => out.push_str(response),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn builder(form: Form) -> InputBuilder {
        InputBuilder { form, steps: None }
    }

    #[test]
    fn text_templates_fill_both_placeholders_and_keep_escaped_braces() {
        let t = TextTemplate::parse("Q: {prompt}\nA: {response} {{json}}").unwrap();
        assert_eq!(t.render("2+2?", "4"), "Q: 2+2?\nA: 4 {json}");
        for (bad, why) in [
            ("{prompt} {answer}", "unknown placeholder `{answer}`"),
            ("{response", "an unclosed `{` at byte 0"),
            ("{response} }", "a lone `}` at byte 11"),
            ("only {prompt}", "no {response}"),
        ] {
            let err = TextTemplate::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn the_conversation_is_the_prompt_then_the_response() {
        let s = Sample::new("a", "4").with_prompt("2+2?");
        let b = builder(Form::Messages);
        assert_eq!(
            b.build(&s).unwrap(),
            Input::Messages(vec![message("user", "2+2?"), message("assistant", "4")])
        );
        // No prompt, no user turn.
        let s = Sample::new("a", "4");
        assert_eq!(
            b.build(&s).unwrap(),
            Input::Messages(vec![message("assistant", "4")])
        );
        // Chat prompts and responses are kept as they are.
        let s: Sample = serde_json::from_value(json!({
            "prompt": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "response": [{"role": "assistant", "content": "hello"}],
        }))
        .unwrap();
        let Input::Messages(m) = b.build(&s).unwrap() else {
            unreachable!()
        };
        let roles: Vec<&str> = m.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "user", "assistant"]);
    }

    #[test]
    fn a_leading_bos_token_is_stripped_once() {
        let template = || {
            Box::new(
                ChatTemplate::from_source(
                    "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}",
                    Some("<s>"),
                )
                .unwrap(),
            )
        };
        let s = Sample::new("a", "<s>x").with_prompt("q");
        let strip = builder(Form::ChatTemplate {
            template: template(),
            strip_bos: true,
        });
        assert_eq!(
            strip.build(&s).unwrap(),
            Input::Text("[user]q[assistant]<s>x".into())
        );
        let keep = builder(Form::ChatTemplate {
            template: template(),
            strip_bos: false,
        });
        assert_eq!(
            keep.build(&s).unwrap(),
            Input::Text("<s>[user]q[assistant]<s>x".into())
        );
    }

    #[test]
    fn steps_are_tagged_for_process_reward_models() {
        let b = InputBuilder {
            form: Form::Text(TextTemplate::parse("{response}").unwrap()),
            steps: Some(Steps {
                separator: "\n\n".into(),
                tag: "<extra_0>".into(),
            }),
        };
        let s = Sample::new("a", "x = 1\n\n\n\ny = 2\n\n");
        assert_eq!(
            b.build(&s).unwrap(),
            Input::Text("x = 1<extra_0>y = 2<extra_0>".into())
        );
    }

    #[test]
    fn pairs_are_the_prompt_and_the_response() {
        let s = Sample::new("a", "Paris").with_prompt("capital of France?");
        assert_eq!(
            builder(Form::Pair).build(&s).unwrap(),
            Input::Pair {
                query: "capital of France?".into(),
                text: "Paris".into()
            }
        );
    }
}
