//! `format.tags`: a reasoning block followed by exactly one answer block.
//!
//! ## What it does
//!
//! Scores 1 when the response is `<think>…</think>` followed by exactly one
//! `<answer>…</answer>`, with nothing but whitespace around the blocks, and
//! 0 otherwise, saying why in the `reason` detail.
//!
//! ```text
//! <think>
//! 2 + 2 is 4.
//! </think>
//! <answer>4</answer>
//! ```
//!
//! - `think_tag = "think"`, `answer_tag = "answer"`: the tag names.
//!   `think_tag = ""` requires no reasoning block: the response is one
//!   answer block.
//! - `prefilled = "auto"` (or `true`, `false`): whether the chat template
//!   already wrote the opening `<think>`, so that the response starts inside
//!   the reasoning block and only closes it. `auto` decides per sample: the
//!   prompt text ends with `<think>`, possibly followed by whitespace.
//! - `allow_text_outside = false`: whether text other than whitespace may
//!   stand before, between or after the blocks.
//!
//! ## Why
//!
//! R1-style training asks the model to reason, then commit to one
//! extractable answer. A format reward keeps that structure from drifting,
//! and a strict one closes the hacks a lax regex lets through: several
//! answer blocks (one of which may be right), an answer hidden inside the
//! reasoning, tags nested to confuse the answer extractor.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "format"
//! kind = "format.tags"
//! weight = 0.2
//! prefilled = "auto"
//! ```
//!
//! ## Edge cases
//!
//! - Fails: an unclosed block; a second answer block; a `<think>` inside
//!   the reasoning or a second reasoning block; an answer tag inside the
//!   reasoning; any tag inside the answer; a closing tag without its
//!   opening; an empty (whitespace-only) answer; text outside the blocks
//!   unless `allow_text_outside`.
//! - Passes: an empty reasoning block (`<think></think>`), which some
//!   models emit when they skip reasoning.
//! - With the opening tag pre-filled, a response that opens `<think>`
//!   again has nested it and fails.
//! - Tags are exact and case-sensitive: `<Think>` and `<think >` are text.
//! - `auto` reads the prompt's text; a prompt given as chat messages has no
//!   rendered template, so set `prefilled = true` for those.
//! - One linear pass over the response (memchr for `<`), no regex.
//!
//! ## References
//!
//! - DeepSeek-AI, *DeepSeek-R1* (2025), §2.2.2: the format reward.
//! - TRL's and open-r1's `format_reward`,
//!   `^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$`, of which this is
//!   a stricter, linear-time form.

use memchr::memchr;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::deadline::{Ticker, timed_out};
use crate::extract::check_tag_name;
use crate::text::preview;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "format.tags",
    summary: "a <think>…</think> block followed by exactly one <answer>…</answer> block",
    version: 1,
    build,
};

/// The parameters of `format.tags`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The reasoning tag's name (default `"think"`); `""` requires no
    /// reasoning block.
    #[serde(default = "default_think")]
    pub think_tag: String,
    /// The answer tag's name (default `"answer"`).
    #[serde(default = "default_answer")]
    pub answer_tag: String,
    /// Whether the opening reasoning tag is part of the prompt (default
    /// `"auto"`).
    #[serde(default)]
    pub prefilled: Prefilled,
    /// Whether text other than whitespace may stand outside the blocks
    /// (default `false`).
    #[serde(default)]
    pub allow_text_outside: bool,
}

fn default_think() -> String {
    "think".into()
}

fn default_answer() -> String {
    "answer".into()
}

/// Whether the chat template pre-fills the opening reasoning tag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Prefilled {
    /// Decided per sample: the prompt text ends with the opening tag
    /// (trailing whitespace allowed).
    #[default]
    Auto,
    /// Always: the response starts inside the reasoning block.
    Yes,
    /// Never: the response opens the reasoning block itself.
    No,
}

impl<'de> Deserialize<'de> for Prefilled {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(true) => Ok(Prefilled::Yes),
            Value::Bool(false) => Ok(Prefilled::No),
            Value::String(s) if s == "auto" => Ok(Prefilled::Auto),
            other => Err(de::Error::custom(format!(
                "expected \"auto\", true or false, not {other}"
            ))),
        }
    }
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    check_tag_name("answer_tag", &config.answer_tag)?;
    let think = if config.think_tag.is_empty() {
        None
    } else {
        check_tag_name("think_tag", &config.think_tag)?;
        if config.think_tag == config.answer_tag {
            return Err(BuildError::param(
                "think_tag",
                format!(
                    "think_tag and answer_tag are both {:?}; they must differ",
                    config.think_tag
                ),
            ));
        }
        Some(Pair::new(&config.think_tag))
    };
    Ok(Box::new(FormatTags {
        think,
        answer: Pair::new(&config.answer_tag),
        prefilled: config.prefilled,
        allow_text_outside: config.allow_text_outside,
    }))
}

#[derive(Debug)]
struct Pair {
    open: String,
    close: String,
}

impl Pair {
    fn new(name: &str) -> Self {
        Self {
            open: format!("<{name}>"),
            close: format!("</{name}>"),
        }
    }
}

#[derive(Debug)]
struct FormatTags {
    think: Option<Pair>,
    answer: Pair,
    prefilled: Prefilled,
    allow_text_outside: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    ThinkOpen,
    ThinkClose,
    AnswerOpen,
    AnswerClose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeThink,
    InThink,
    BeforeAnswer,
    InAnswer,
    AfterAnswer,
}

/// Where text outside the blocks stands.
#[derive(Debug, Clone, Copy)]
enum Place {
    BeforeThink,
    BeforeAnswer,
    AfterAnswer,
}

/// Why the structure is wrong, with the outside text that broke it if any.
struct Violation {
    reason: String,
    outside: Option<String>,
}

impl Violation {
    fn new(reason: String) -> Self {
        Self {
            reason,
            outside: None,
        }
    }
}

impl FormatTags {
    /// The tag at the start of `rest` (which starts with `<`) and its length.
    fn tag_at(&self, rest: &[u8]) -> Option<(Tag, usize)> {
        let candidates = [
            (Tag::AnswerOpen, self.answer.open.as_bytes()),
            (Tag::AnswerClose, self.answer.close.as_bytes()),
        ];
        if let Some(hit) = candidates.iter().find(|(_, t)| rest.starts_with(t)) {
            return Some((hit.0, hit.1.len()));
        }
        let think = self.think.as_ref()?;
        if rest.starts_with(think.open.as_bytes()) {
            Some((Tag::ThinkOpen, think.open.len()))
        } else if rest.starts_with(think.close.as_bytes()) {
            Some((Tag::ThinkClose, think.close.len()))
        } else {
            None
        }
    }

    fn prefilled(&self, sample: &Sample, think: &Pair) -> bool {
        match self.prefilled {
            Prefilled::Yes => true,
            Prefilled::No => false,
            Prefilled::Auto => sample.prompt.text().trim_end().ends_with(&think.open),
        }
    }

    /// Checks text standing outside the blocks; the message is only
    /// built when it fails.
    fn outside(&self, text: &str, place: Place) -> Result<(), Violation> {
        let text = text.trim();
        if self.allow_text_outside || text.is_empty() {
            return Ok(());
        }
        let (think_open, think_close) = match &self.think {
            Some(t) => (t.open.as_str(), t.close.as_str()),
            None => ("", ""),
        };
        let a = &self.answer;
        let place = match place {
            Place::BeforeThink => format!("before {think_open}"),
            Place::BeforeAnswer if self.think.is_some() => {
                format!("between {think_close} and {}", a.open)
            }
            Place::BeforeAnswer => format!("before {}", a.open),
            Place::AfterAnswer => format!("after {}", a.close),
        };
        Err(Violation {
            reason: format!("text outside the tags {place}"),
            outside: Some(preview(text)),
        })
    }

    /// Walks the tags of `text`; `Ok(None)` when the deadline passed.
    fn check(&self, text: &str, prefilled: bool, cx: &Context) -> Result<Option<()>, Violation> {
        let a = &self.answer;
        let (t_open, t_close) = match &self.think {
            Some(t) => (t.open.as_str(), t.close.as_str()),
            None => ("", ""),
        };
        let mut state = match (&self.think, prefilled) {
            (None, _) => State::BeforeAnswer,
            (Some(_), true) => State::InThink,
            (Some(_), false) => State::BeforeThink,
        };
        let fail = |reason: String| Err(Violation::new(reason));
        let bytes = text.as_bytes();
        let mut ticker = Ticker::new(cx);
        // `segment` is where the text since the last tag starts; `scan`
        // where the search for the next `<` resumes.
        let mut segment = 0;
        let mut scan = 0;
        while let Some(off) = memchr(b'<', &bytes[scan..]) {
            let at = scan + off;
            if ticker.expired(at) {
                return Ok(None);
            }
            let Some((tag, len)) = self.tag_at(&bytes[at..]) else {
                scan = at + 1;
                continue;
            };
            let before = &text[segment..at];
            state = match (state, tag) {
                (State::BeforeThink, Tag::ThinkOpen) => {
                    self.outside(before, Place::BeforeThink)?;
                    State::InThink
                }
                (State::BeforeThink, Tag::AnswerOpen) => {
                    return fail(format!("no {t_open} block before {}", a.open));
                }
                (State::BeforeThink, Tag::ThinkClose) => {
                    return fail(format!(
                        "{t_close} without an opening {t_open} (if the chat template writes {t_open}, set prefilled = true)"
                    ));
                }
                (State::InThink, Tag::ThinkClose) => State::BeforeAnswer,
                (State::InThink, Tag::ThinkOpen) => {
                    return fail(if prefilled && segment == 0 && before.trim().is_empty() {
                        format!(
                            "{t_open} is already written by the prompt; the response opens it again"
                        )
                    } else {
                        format!("a {t_open} nested inside the {t_open} block")
                    });
                }
                (State::InThink, Tag::AnswerOpen | Tag::AnswerClose) => {
                    return fail(format!("an answer tag inside the {t_open} block"));
                }
                (State::BeforeAnswer, Tag::AnswerOpen) => {
                    self.outside(before, Place::BeforeAnswer)?;
                    State::InAnswer
                }
                (State::BeforeAnswer, Tag::ThinkOpen) => {
                    return fail(format!("a second {t_open} block"));
                }
                (State::BeforeAnswer, Tag::ThinkClose) => {
                    return fail(format!("a second {t_close}"));
                }
                (State::BeforeThink | State::BeforeAnswer, Tag::AnswerClose) => {
                    return fail(format!("{} without an opening {}", a.close, a.open));
                }
                (State::InAnswer, Tag::AnswerClose) => {
                    if before.trim().is_empty() {
                        return fail(format!("the {} block is empty", a.open));
                    }
                    State::AfterAnswer
                }
                (State::InAnswer, Tag::AnswerOpen) => {
                    return fail(format!("a {} nested inside the {} block", a.open, a.open));
                }
                (State::InAnswer, Tag::ThinkOpen | Tag::ThinkClose) => {
                    return fail(format!("a {t_open} tag inside the {} block", a.open));
                }
                (State::AfterAnswer, Tag::AnswerOpen) => {
                    return fail(format!("more than one {} block", a.open));
                }
                (State::AfterAnswer, Tag::AnswerClose) => {
                    return fail(format!("an extra {}", a.close));
                }
                (State::AfterAnswer, Tag::ThinkOpen | Tag::ThinkClose) => {
                    return fail(format!("a {t_open} tag after the {} block", a.open));
                }
            };
            segment = at + len;
            scan = segment;
        }
        let rest = &text[segment..];
        match state {
            State::AfterAnswer => self.outside(rest, Place::AfterAnswer)?,
            State::BeforeThink => return fail(format!("no {t_open} block")),
            State::InThink => return fail(format!("the {t_open} block is not closed")),
            State::BeforeAnswer => {
                return fail(if self.think.is_some() {
                    format!("no {} block after {t_close}", a.open)
                } else {
                    format!("no {} block", a.open)
                });
            }
            State::InAnswer => return fail(format!("the {} block is not closed", a.open)),
        }
        Ok(Some(()))
    }
}

impl Aspect for FormatTags {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let prefilled = self
            .think
            .as_ref()
            .is_some_and(|think| self.prefilled(sample, think));
        match self.check(sample.response.text(), prefilled, cx) {
            Ok(Some(())) => Evaluation::scored(1.0),
            Ok(None) => timed_out(cx),
            Err(v) => {
                let mut e = Evaluation::scored(0.0).with("reason", v.reason);
                if let Some(outside) = v.outside {
                    e = e.with("outside", outside);
                }
                if prefilled {
                    e = e.with("prefilled", true);
                }
                e
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;

    fn aspect(params: Value) -> Box<dyn Aspect> {
        build(params.as_object().unwrap(), &BuildContext::default()).unwrap()
    }

    fn run(a: &dyn Aspect, prompt: &str, response: &str) -> Evaluation {
        let sample = Sample::new("s", response).with_prompt(prompt);
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(10)))
    }

    /// (response, expected value, a fragment of the reason when it fails)
    #[rustfmt::skip]
    const DEFAULT_CASES: &[(&str, f64, &str)] = &[
        ("<think>2+2</think><answer>4</answer>", 1.0, ""),
        ("\n<think>\nx\n</think>\n\n<answer>\n4\n</answer>\n", 1.0, ""),
        ("<think></think><answer>4</answer>", 1.0, ""),
        ("<think>a < b and c<d</think><answer>x<y</answer>", 1.0, ""),
        ("<think>x</think>", 0.0, "no <answer> block after </think>"),
        ("<answer>4</answer>", 0.0, "no <think> block before <answer>"),
        ("", 0.0, "no <think> block"),
        ("<think>x", 0.0, "the <think> block is not closed"),
        ("<think>x</think><answer>4", 0.0, "the <answer> block is not closed"),
        ("<think>x</think><answer>1</answer><answer>2</answer>", 0.0, "more than one <answer>"),
        ("<think>x</think><answer> </answer>", 0.0, "the <answer> block is empty"),
        ("<think><think>x</think></think><answer>4</answer>", 0.0, "nested inside the <think>"),
        ("<think>x<answer>3</answer></think><answer>4</answer>", 0.0, "answer tag inside the <think>"),
        ("<think>x</think><answer><answer>4</answer></answer>", 0.0, "nested inside the <answer>"),
        ("<think>x</think><answer>4</think></answer>", 0.0, "tag inside the <answer>"),
        ("<think>x</think><think>y</think><answer>4</answer>", 0.0, "a second <think> block"),
        ("<think>x</think></think><answer>4</answer>", 0.0, "a second </think>"),
        ("<think>x</think></answer>", 0.0, "</answer> without an opening <answer>"),
        ("<think>x</think><answer>4</answer></answer>", 0.0, "an extra </answer>"),
        ("<think>x</think><answer>4</answer><think>", 0.0, "tag after the <answer>"),
        ("Sure! <think>x</think><answer>4</answer>", 0.0, "text outside the tags before <think>"),
        ("<think>x</think>so <answer>4</answer>", 0.0, "between </think> and <answer>"),
        ("<think>x</think><answer>4</answer> done", 0.0, "after </answer>"),
        ("x</think><answer>4</answer>", 0.0, "set prefilled = true"),
        ("<Think>x</Think><answer>4</answer>", 0.0, "no <think> block before"),
    ];

    #[test]
    fn default_tags() {
        let a = aspect(json!({}));
        for &(response, value, reason) in DEFAULT_CASES {
            let e = run(&*a, "question", response);
            assert_eq!(e.outcome.value(), Some(value), "{response:?}: {e:?}");
            let got = e
                .details
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("");
            assert!(
                got.contains(reason),
                "{response:?}: reason {got:?} lacks {reason:?}"
            );
            assert_eq!(value == 1.0, e.details.is_empty(), "{response:?}: {e:?}");
        }
    }

    #[test]
    fn outside_text_is_shown() {
        let e = run(
            &*aspect(json!({})),
            "q",
            "<think>x</think><answer>4</answer> trailing",
        );
        assert_eq!(e.details["outside"], "trailing");
    }

    #[test]
    fn prefilled_think() {
        let auto = aspect(json!({}));
        let cases = [
            (
                "<|im_start|>assistant\n<think>\n",
                "reasoning</think><answer>4</answer>",
                1.0,
            ),
            (
                "<|im_start|>assistant\n<think>",
                "<think>again</think><answer>4</answer>",
                0.0,
            ),
            (
                "<|im_start|>assistant\n",
                "reasoning</think><answer>4</answer>",
                0.0,
            ),
            (
                "<|im_start|>assistant\n<think>\n",
                "r</think>\n<answer>4</answer>",
                1.0,
            ),
        ];
        for (prompt, response, value) in cases {
            let e = run(&*auto, prompt, response);
            assert_eq!(
                e.outcome.value(),
                Some(value),
                "{prompt:?} {response:?}: {e:?}"
            );
        }
        let e = run(&*auto, "q<think>", "<think>x</think><answer>4</answer>");
        assert!(
            e.details["reason"]
                .as_str()
                .unwrap()
                .contains("opens it again"),
            "{e:?}"
        );
        assert_eq!(e.details["prefilled"], true);

        let forced = aspect(json!({"prefilled": true}));
        assert_eq!(
            run(&*forced, "q", "r</think><answer>4</answer>")
                .outcome
                .value(),
            Some(1.0)
        );
        let never = aspect(json!({"prefilled": false}));
        assert_eq!(
            run(&*never, "q<think>", "r</think><answer>4</answer>")
                .outcome
                .value(),
            Some(0.0)
        );
    }

    #[test]
    fn configurable_tags_and_outside_text() {
        let a = aspect(
            json!({"think_tag": "reasoning", "answer_tag": "final", "allow_text_outside": true}),
        );
        let ok = "Let me see. <reasoning>x</reasoning> so: <final>4</final> Done.";
        assert_eq!(run(&*a, "q", ok).outcome.value(), Some(1.0));
        let twice = "<reasoning>x</reasoning><final>4</final> or <final>5</final>";
        assert_eq!(run(&*a, "q", twice).outcome.value(), Some(0.0));

        let answer_only = aspect(json!({"think_tag": ""}));
        assert_eq!(
            run(&*answer_only, "q<think>", " <answer>4</answer> ")
                .outcome
                .value(),
            Some(1.0)
        );
        // Without a reasoning tag, think tags are plain text.
        assert_eq!(
            run(&*answer_only, "q", "<think>x</think><answer>4</answer>")
                .outcome
                .value(),
            Some(0.0)
        );
        let e = run(&*answer_only, "q", "4");
        assert_eq!(e.details["reason"], "no <answer> block");
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (json!({"answer_tag": ""}), "answer_tag", "empty"),
            (
                json!({"think_tag": "<think>"}),
                "think_tag",
                "must not contain '<'",
            ),
            (
                json!({"think_tag": "x", "answer_tag": "x"}),
                "think_tag",
                "must differ",
            ),
            (
                json!({"prefilled": "yes"}),
                "prefilled",
                "expected \"auto\", true or false, not \"yes\"",
            ),
            (
                json!({"allow_outside": true}),
                "allow_outside",
                "unknown field `allow_outside`",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    #[test]
    fn stops_at_the_deadline() {
        let a = aspect(json!({}));
        let text = format!(
            "<think>{}</think><answer>4</answer>",
            "a<b ".repeat(100_000)
        );
        let sample = Sample::new("s", text);
        let e = a.evaluate(&sample, &Context::with_timeout(Duration::ZERO));
        assert_eq!(e.outcome.status(), plaudit_core::Status::TimedOut);
    }

    proptest! {
        #[test]
        fn never_panics_and_is_binary(prompt in ".{0,20}", response in "(<|>|/|think|answer|x| |\\PC){0,40}") {
            let a = aspect(json!({}));
            let v = run(&*a, &prompt, &response).outcome.value();
            prop_assert!(v == Some(0.0) || v == Some(1.0));
        }

        #[test]
        fn well_formed_responses_pass(think in "[^<]{0,30}", answer in "[^<]{0,30}", ws in "[ \n]{0,3}") {
            prop_assume!(!answer.trim().is_empty());
            let a = aspect(json!({}));
            let response = format!("{ws}<think>{think}</think>{ws}<answer>{answer}</answer>{ws}");
            prop_assert_eq!(run(&*a, "q", &response).outcome.value(), Some(1.0));
        }
    }
}
