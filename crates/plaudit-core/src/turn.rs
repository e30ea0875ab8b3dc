//! End-of-turn tokens: what a chat template appends after a response, and
//! how a response decoded with its special tokens (OpenRLHF's `query`) is cut
//! back to what the model wrote. Shared by the HTTP server and the Python
//! package, so that both read a response the same way.

/// The end-of-turn and padding tokens stripped from the end of a decoded
/// response by default: those of the chat templates in common use (ChatML
/// and Qwen, GPT-2 style, Llama 2 and Mistral, Llama 3, Gemma, Phi).
pub const DEFAULT_EOT_TOKENS: &[&str] = &[
    "<|im_end|>",
    "<|endoftext|>",
    "</s>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<end_of_turn>",
    "<eos>",
    "<|end|>",
];

/// Removes trailing end-of-turn and padding tokens, repeatedly, with the
/// whitespace between them (templates put a newline after `<|im_end|>`);
/// whitespace before the first of them is the model's and is kept. Empty
/// tokens are ignored.
pub fn strip_end_of_turn<'a, T: AsRef<str>>(text: &'a str, tokens: &[T]) -> &'a str {
    let mut end = text.len();
    loop {
        let trimmed = text[..end].trim_end();
        let found = tokens
            .iter()
            .map(AsRef::as_ref)
            .find(|t| !t.is_empty() && trimmed.ends_with(t));
        match found {
            Some(t) => end = trimmed.len() - t.len(),
            None => return &text[..end],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_repeated_tokens_and_whitespace_between() {
        let t = DEFAULT_EOT_TOKENS;
        assert_eq!(
            strip_end_of_turn("answer<|im_end|>\n<|endoftext|><|endoftext|>", t),
            "answer"
        );
        // Whitespace the model wrote before its end-of-turn token is its own.
        assert_eq!(strip_end_of_turn("answer </s>", t), "answer ");
        assert_eq!(strip_end_of_turn("answer \n", t), "answer \n");
        assert_eq!(strip_end_of_turn("", t), "");
        assert_eq!(strip_end_of_turn("<|eot_id|>", t), "");
        // Only the end is touched.
        assert_eq!(strip_end_of_turn("a</s>b", t), "a</s>b");
        // An empty token would match forever; it is ignored.
        assert_eq!(strip_end_of_turn("x", &[String::new()]), "x");
    }
}
