//! SQuAD answer normalization, shared by `match.exact` and `match.f1`.
//!
//! The official SQuAD evaluation script normalizes an answer with
//!
//! ```python
//! def normalize_answer(s):
//!     s = s.lower()
//!     s = "".join(ch for ch in s if ch not in set(string.punctuation))
//!     s = re.sub(r"\b(a|an|the)\b", " ", s)
//!     return " ".join(s.split())
//! ```
//!
//! [`squad_into`] computes the same string in one pass with no regex and no
//! intermediate strings: characters are lowercased and filtered as they
//! stream in, each run of word characters is written to the output and
//! taken back if it turns out to be an article, and whitespace is collapsed
//! on the fly. Word characters and whitespace follow Python's `re` and
//! `str.split` (see [`crate::text`]); lowercasing is per character, so the
//! context-dependent final sigma of Python's `str.lower` becomes `σ`.

use crate::deadline::Ticker;
use crate::text::{is_py_whitespace, is_word_char};

/// Normalizes `text` into `out` (cleared first), as SQuAD's
/// `normalize_answer`; `false` when the deadline passed first.
#[must_use]
pub(crate) fn squad_into(text: &str, out: &mut String, ticker: &mut Ticker<'_>) -> bool {
    out.clear();
    out.reserve(text.len());
    let mut n = Normalizer {
        out,
        pending_space: false,
        run: None,
    };
    for (i, c) in text.char_indices() {
        if ticker.expired(i) {
            return false;
        }
        for c in c.to_lowercase() {
            if !c.is_ascii_punctuation() {
                n.push(c);
            }
        }
    }
    n.end_run();
    true
}

/// Normalizes `text` into a new string, with no deadline.
#[cfg(test)]
pub(crate) fn squad(text: &str) -> String {
    let cx = plaudit_core::Context::with_timeout(std::time::Duration::from_secs(3600));
    let mut out = String::new();
    assert!(squad_into(text, &mut out, &mut Ticker::new(&cx)));
    out
}

/// The tokens of a normalized string.
pub(crate) fn tokens(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|t| !t.is_empty())
}

struct Normalizer<'a> {
    out: &'a mut String,
    /// Whitespace was seen since the last character written.
    pending_space: bool,
    /// The word being written: (output length before its separating space,
    /// where its characters start).
    run: Option<(usize, usize)>,
}

impl Normalizer<'_> {
    fn push(&mut self, c: char) {
        if is_py_whitespace(c) {
            self.end_run();
            self.pending_space = true;
        } else if is_word_char(c) {
            if self.run.is_none() {
                let mark = self.out.len();
                self.flush_space();
                self.run = Some((mark, self.out.len()));
            }
            self.out.push(c);
        } else {
            self.end_run();
            self.flush_space();
            self.out.push(c);
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.pending_space = false;
    }

    /// Ends the current word; an article is replaced by a space, as SQuAD's
    /// `re.sub` does.
    fn end_run(&mut self) {
        if let Some((mark, start)) = self.run.take()
            && matches!(&self.out[start..], "a" | "an" | "the")
        {
            self.out.truncate(mark);
            self.pending_space = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use test_case::test_case;

    // Expected values computed with SQuAD's normalize_answer in Python.
    #[test_case("The Cat", "cat")]
    #[test_case("  a  b  ", "b")]
    #[test_case("An apple, the pear.", "apple pear")]
    #[test_case("theatre anthem", "theatre anthem")]
    #[test_case("the-cat", "thecat"; "punctuation is removed before articles")]
    #[test_case("a€b", "€b"; "non word characters end a word")]
    #[test_case("x a€b", "x €b")]
    #[test_case("1,000.", "1000")]
    #[test_case("über_the", "überthe"; "underscore is punctuation")]
    #[test_case("A\tTHE\nan", "")]
    #[test_case("", "")]
    #[test_case("Ünïcödé  ÉCOLE", "ünïcödé école"; "unicode is lowercased")]
    #[test_case("a\u{1f}b", "b"; "information separators are whitespace")]
    #[test_case("the’s", "’s"; "typographic quote is not ascii punctuation")]
    fn normalizes_like_squad(input: &str, expected: &str) {
        assert_eq!(squad(input), expected);
    }

    proptest! {
        #[test]
        fn idempotent(s in "\\PC{0,60}") {
            let once = squad(&s);
            prop_assert_eq!(squad(&once), once.clone());
        }

        #[test]
        fn normalized_form_is_tidy(s in any::<String>()) {
            let n = squad(&s);
            prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
            prop_assert!(tokens(&n).all(|t| !matches!(t, "a" | "an" | "the")));
        }
    }
}
