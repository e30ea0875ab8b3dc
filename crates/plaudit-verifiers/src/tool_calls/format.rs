//! ToolRL's format check: `<think>…</think>`, then `<tool_call>` blocks
//! and/or one `<response>` block, with only whitespace around them.

use crate::text::preview;

/// ToolRL's format: `<think>…</think>`, then tool call blocks and/or one
/// response block.
#[derive(Debug)]
pub(super) struct Format {
    pub(super) think: Option<Pair>,
    pub(super) call: Pair,
    pub(super) response: Pair,
}

#[derive(Debug)]
pub(super) struct Pair {
    open: String,
    close: String,
}

impl Pair {
    pub(super) fn new(name: &str) -> Self {
        Self {
            open: format!("<{name}>"),
            close: format!("</{name}>"),
        }
    }
}

impl Format {
    /// Whether `text` has the format, and why not.
    pub(super) fn check(&self, text: &str) -> Result<(), String> {
        let mut rest = text.trim_start();
        let mut last = "the start";
        if let Some(think) = &self.think {
            rest = rest
                .strip_prefix(think.open.as_str())
                .ok_or_else(|| format!("the response does not start with {}", think.open))?;
            rest = self.block(rest, think)?;
            last = &think.close;
        }
        let mut calls = 0;
        while let Some(after) = rest.trim_start().strip_prefix(self.call.open.as_str()) {
            rest = self.block(after, &self.call)?;
            calls += 1;
            last = &self.call.close;
        }
        let mut response = false;
        if let Some(after) = rest.trim_start().strip_prefix(self.response.open.as_str()) {
            rest = self.block(after, &self.response)?;
            response = true;
            last = &self.response.close;
        }
        let rest = rest.trim();
        if calls == 0 && !response {
            return Err(format!(
                "no {} or {} block after {last}",
                self.call.open, self.response.open
            ));
        }
        if !rest.is_empty() {
            return Err(format!("text after {last}: {:?}", preview(rest)));
        }
        Ok(())
    }

    /// The text after the block whose opening tag ends where `after_open`
    /// starts; no tag may stand inside.
    fn block<'t>(&self, after_open: &'t str, pair: &Pair) -> Result<&'t str, String> {
        let end = after_open
            .find(pair.close.as_str())
            .ok_or_else(|| format!("{} is not closed", pair.open))?;
        let body = &after_open[..end];
        let pairs = self.think.iter().chain([&self.call, &self.response]);
        for tag in pairs.flat_map(|p| [&p.open, &p.close]) {
            if body.contains(tag.as_str()) {
                return Err(format!("{tag} inside {}…{}", pair.open, pair.close));
            }
        }
        Ok(&after_open[end + pair.close.len()..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test_case("<think>a</think>\n<tool_call>\n{\"name\": \"f\"}\n</tool_call>", None)]
    #[test_case(
        "<think>a</think><tool_call>{\"name\": \"f\"}</tool_call>\n<response>done</response>\n",
        None
    )]
    #[test_case(
        "<think>a</think><tool_call>{\"name\": \"f\"}</tool_call><tool_call>[]</tool_call>",
        None
    )]
    #[test_case("<think></think><response>hi</response>", None)]
    #[test_case(
        "<tool_call>{\"name\": \"f\"}</tool_call>",
        Some("the response does not start with <think>")
    )]
    #[test_case(
        "<think>a</think>",
        Some("no <tool_call> or <response> block after </think>")
    )]
    #[test_case(
        "<think>a</think> so: <tool_call>{}</tool_call>",
        Some("no <tool_call> or <response> block after </think>")
    )]
    #[test_case(
        "<think>a <tool_call></think><response>x</response>",
        Some("<tool_call> inside <think>…</think>")
    )]
    #[test_case(
        "<think>a</think><response>x</response><tool_call>{}</tool_call>",
        Some("text after </response>: \"<tool_call>{}</tool_call>\"")
    )]
    #[test_case(
        "<think>a</think><tool_call>{\"name\": \"f\"}",
        Some("<tool_call> is not closed")
    )]
    fn toolrl_format(response: &str, reason: Option<&str>) {
        let format = Format {
            think: Some(Pair::new("think")),
            call: Pair::new("tool_call"),
            response: Pair::new("response"),
        };
        assert_eq!(format.check(response).err().as_deref(), reason);
    }

    #[test]
    fn without_a_reasoning_block() {
        let format = Format {
            think: None,
            call: Pair::new("call"),
            response: Pair::new("answer"),
        };
        assert_eq!(format.check(" <call>x</call>\n<answer>y</answer>"), Ok(()));
        assert_eq!(
            format.check("<think>x</think><call>y</call>"),
            Err("no <call> or <answer> block after the start".into())
        );
    }
}
