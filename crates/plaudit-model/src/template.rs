//! Chat templates rendered as transformers renders them.
//!
//! A reward model scores text laid out exactly as it was trained on: its
//! tokenizer's chat template applied to the conversation. The template is a
//! Jinja program in the model's `tokenizer_config.json` (or, for newer
//! checkpoints, a `chat_template.jinja` beside it); transformers renders it
//! with `trim_blocks` and `lstrip_blocks` on, the conversation as `messages`,
//! the special tokens (`bos_token`, `eos_token`…), `tools` and `documents`
//! set to none, and a `raise_exception` function. This module does the same
//! with minijinja, plus the Python string methods (`.strip()`,
//! `.startswith()`, `.split()`…) that templates call.
//!
//! `strftime_now` is deliberately not provided: templates that date their
//! system prompt (Llama 3.x) then fall back to their fixed default date, so
//! a score never changes with the calendar and cached scores stay valid.

use std::path::Path;

use minijinja::{Environment, Error, ErrorKind, Value, context};
use serde::Serialize;

use plaudit_core::Message;

/// The name the template is stored under in its environment.
const NAME: &str = "chat_template";

/// A loaded chat template and the special tokens it may print.
#[derive(Debug)]
pub(crate) struct ChatTemplate {
    env: Environment<'static>,
    tokens: SpecialTokens,
}

/// The special tokens transformers passes to a template.
#[derive(Debug, Default, Clone, Serialize)]
struct SpecialTokens {
    bos_token: Option<String>,
    eos_token: Option<String>,
    pad_token: Option<String>,
    unk_token: Option<String>,
}

impl ChatTemplate {
    /// Loads the template of a model: `path` is the model's folder, its
    /// `tokenizer_config.json`, or a `.jinja` file (whose special tokens are
    /// read from a `tokenizer_config.json` beside it, when there is one).
    pub fn load(path: &Path) -> Result<Self, String> {
        let is_jinja = path.extension().is_some_and(|e| e == "jinja");
        let (config_path, jinja_path) = if path.is_dir() {
            (
                path.join("tokenizer_config.json"),
                path.join("chat_template.jinja"),
            )
        } else if is_jinja {
            (
                path.with_file_name("tokenizer_config.json"),
                path.to_owned(),
            )
        } else {
            (path.to_owned(), path.with_file_name("chat_template.jinja"))
        };
        // The config is required when it is what the spec names, optional
        // beside a folder or a .jinja file.
        let config = if path == config_path || config_path.is_file() {
            let text = std::fs::read_to_string(&config_path)
                .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| format!("{} is not JSON: {e}", config_path.display()))?
        } else {
            serde_json::Value::Null
        };
        let from_config = match &config["chat_template"] {
            serde_json::Value::String(s) if !is_jinja => Some(s.clone()),
            serde_json::Value::Array(named) if !is_jinja => Some(default_of(named, &config_path)?),
            _ => None,
        };
        let source = match from_config {
            Some(s) => s,
            None if is_jinja || jinja_path.is_file() => std::fs::read_to_string(&jinja_path)
                .map_err(|e| format!("cannot read {}: {e}", jinja_path.display()))?,
            None => {
                return Err(format!(
                    "{} has no chat template: no `chat_template` in {} and no {}",
                    path.display(),
                    config_path.display(),
                    jinja_path.display()
                ));
            }
        };
        Self::new(source, SpecialTokens::from_config(&config))
            .map_err(|e| format!("the chat template of {}: {e}", path.display()))
    }

    /// A template from its source and special tokens.
    fn new(source: String, tokens: SpecialTokens) -> Result<Self, String> {
        let mut env = Environment::new();
        // transformers' settings: a block tag's newline and leading
        // whitespace are not output.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_template_owned(NAME, source)
            .map_err(|e| format!("it does not compile: {e:#}"))?;
        Ok(Self { env, tokens })
    }

    /// A template from source text, with the given beginning-of-sequence
    /// token (tests and callers that hold the template themselves).
    #[cfg(test)]
    pub fn from_source(source: &str, bos_token: Option<&str>) -> Result<Self, String> {
        Self::new(
            source.to_owned(),
            SpecialTokens {
                bos_token: bos_token.map(str::to_owned),
                ..SpecialTokens::default()
            },
        )
    }

    /// The beginning-of-sequence token, when the tokenizer has one.
    pub fn bos_token(&self) -> Option<&str> {
        self.tokens.bos_token.as_deref()
    }

    /// The conversation laid out for the model, without a generation
    /// prompt (the assistant's turn is already there to be scored).
    pub fn render(&self, messages: &[Message]) -> Result<String, String> {
        let template = self
            .env
            .get_template(NAME)
            .map_err(|e| format!("the chat template is missing: {e}"))?;
        let t = &self.tokens;
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => false,
                tools => Value::from(()),
                documents => Value::from(()),
                bos_token => t.bos_token,
                eos_token => t.eos_token,
                pad_token => t.pad_token,
                unk_token => t.unk_token,
            })
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidOperation if e.detail().is_some() => format!(
                    "the chat template refused the conversation: {}",
                    e.detail().unwrap_or_default()
                ),
                _ => format!("the chat template failed: {e:#}"),
            })
    }
}

impl SpecialTokens {
    fn from_config(config: &serde_json::Value) -> Self {
        // A token is a string, or an AddedToken object with its `content`.
        let token = |name: &str| match &config[name] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => {
                o.get("content").and_then(|c| c.as_str()).map(str::to_owned)
            }
            _ => None,
        };
        Self {
            bos_token: token("bos_token"),
            eos_token: token("eos_token"),
            pad_token: token("pad_token"),
            unk_token: token("unk_token"),
        }
    }
}

/// The `default` template of a config holding several named ones
/// (`[{"name": "default", "template": …}, {"name": "tool_use", …}]`).
fn default_of(named: &[serde_json::Value], config: &Path) -> Result<String, String> {
    named
        .iter()
        .find(|t| t["name"] == "default")
        .and_then(|t| t["template"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "{} has several chat templates and none is named \"default\"",
                config.display()
            )
        })
}

/// What templates call to reject a conversation they cannot lay out.
fn raise_exception(message: String) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(pairs: &[(&str, &str)]) -> Vec<Message> {
        pairs
            .iter()
            .map(|(role, content)| Message {
                role: (*role).into(),
                content: (*content).into(),
            })
            .collect()
    }

    #[test]
    fn blocks_are_trimmed_as_transformers_trims_them() {
        let t = ChatTemplate::from_source(
            "{{ bos_token }}\n  {% for m in messages %}\n<{{ m.role }}>{{ m.content }}\n  {% endfor %}\n",
            Some("<s>"),
        )
        .unwrap();
        let text = t
            .render(&messages(&[("user", "hi"), ("assistant", "yo")]))
            .unwrap();
        assert_eq!(text, "<s>\n<user>hi\n<assistant>yo\n");
    }

    #[test]
    fn python_string_methods_work() {
        let t = ChatTemplate::from_source(
            "{% for m in messages %}{{ m.content.split('</think>')[-1].lstrip('\\n').strip() }}|{{ m.content.startswith('<think>') }}{% endfor %}",
            None,
        )
        .unwrap();
        let text = t
            .render(&messages(&[("assistant", "<think>hm</think>\n\n  Paris ")]))
            .unwrap();
        assert_eq!(text, "Paris|True");
    }

    #[test]
    fn raise_exception_refuses_with_the_templates_message() {
        let t = ChatTemplate::from_source(
            "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}ok",
            None,
        )
        .unwrap();
        let err = t.render(&messages(&[("assistant", "x")])).unwrap_err();
        assert_eq!(
            err,
            "the chat template refused the conversation: Conversation roles must alternate user/assistant"
        );
        assert_eq!(t.render(&messages(&[("user", "x")])).unwrap(), "ok");
    }

    #[test]
    fn a_template_that_does_not_compile_is_an_error() {
        let err = ChatTemplate::from_source("{% for m in messages %}", None).unwrap_err();
        assert!(err.starts_with("it does not compile"), "{err}");
    }

    #[test]
    fn tokens_may_be_added_token_objects() {
        let t = SpecialTokens::from_config(&serde_json::json!({
            "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
            "eos_token": "</s>",
            "pad_token": null,
        }));
        assert_eq!(t.bos_token.as_deref(), Some("<s>"));
        assert_eq!(t.eos_token.as_deref(), Some("</s>"));
        assert_eq!(t.pad_token, None);
    }

    #[test]
    fn a_config_with_named_templates_uses_the_default_one() {
        let named = serde_json::json!([
            {"name": "tool_use", "template": "tools"},
            {"name": "default", "template": "plain"},
        ]);
        let path = Path::new("m/tokenizer_config.json");
        assert_eq!(
            default_of(named.as_array().unwrap(), path).unwrap(),
            "plain"
        );
        let err = default_of(&named.as_array().unwrap()[..1], path).unwrap_err();
        assert!(err.contains("none is named \"default\""), "{err}");
    }

    fn data() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
    }

    /// The committed Qwen2.5 and Llama 3.1 templates render what Jinja2
    /// renders with transformers' settings (tests/data/render.py).
    #[test]
    fn renderings_match_transformers() {
        let text = std::fs::read_to_string(data().join("renderings.json")).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        for (model, cases) in expected.as_object().unwrap() {
            let t = ChatTemplate::load(&data().join(model)).unwrap();
            for (name, case) in cases.as_object().unwrap() {
                let messages: Vec<Message> =
                    serde_json::from_value(case["messages"].clone()).unwrap();
                assert_eq!(
                    t.render(&messages).unwrap(),
                    case["text"].as_str().unwrap(),
                    "{model}: {name}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 6);
    }

    #[test]
    fn a_template_loads_from_a_folder_a_config_or_a_jinja_file() {
        let llama = data().join("llama-3.1");
        let from_dir = ChatTemplate::load(&llama).unwrap();
        assert_eq!(from_dir.bos_token(), Some("<|begin_of_text|>"));
        let from_file = ChatTemplate::load(&llama.join("tokenizer_config.json")).unwrap();
        let m = messages(&[("user", "hi"), ("assistant", "yo")]);
        assert_eq!(from_dir.render(&m).unwrap(), from_file.render(&m).unwrap());

        // A .jinja file, with the special tokens of the config beside it.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("chat_template.jinja"),
            "{{ bos_token }}{{ messages[0].content }}",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("tokenizer_config.json"),
            r#"{"bos_token": "<s>"}"#,
        )
        .unwrap();
        let t = ChatTemplate::load(&dir.path().join("chat_template.jinja")).unwrap();
        assert_eq!(t.render(&m).unwrap(), "<s>hi");
        // A folder whose config has no template uses the .jinja file.
        let t = ChatTemplate::load(dir.path()).unwrap();
        assert_eq!(t.render(&m).unwrap(), "<s>hi");

        let empty = tempfile::tempdir().unwrap();
        let err = ChatTemplate::load(empty.path()).unwrap_err();
        assert!(err.contains("has no chat template"), "{err}");
        std::fs::write(empty.path().join("tokenizer_config.json"), "{").unwrap();
        let err = ChatTemplate::load(empty.path()).unwrap_err();
        assert!(err.contains("is not JSON"), "{err}");
        let err = ChatTemplate::load(&empty.path().join("missing.json")).unwrap_err();
        assert!(err.starts_with("cannot read"), "{err}");
    }
}
