//! Measuring a response: characters, words or tokens, shared by the
//! `length.*` kinds.
//!
//! - `chars`: Unicode scalar values (what Python's `len(str)` counts).
//! - `words`: runs of non-whitespace, as Python's `len(text.split())`.
//! - `tokens`: the ids a Hugging Face `tokenizer.json` gives, without
//!   special tokens, as `len(tokenizer.encode(text, add_special_tokens=False).ids)`.
//!   Any truncation or padding saved in the file is switched off: a
//!   truncating tokenizer would hide exactly the length being measured.
//!
//! Which unit applies: with `tokenizer = "path/to/tokenizer.json"` the unit
//! is `tokens` (and `unit` may say so or be left out); without one, `unit`
//! must be `chars` or `words`, or left out where the kind has a default
//! (`length.target` counts words; `length.overlong` has none, because its
//! limits are the trainer's token limits and chars or words would silently
//! misrepresent them). A tokenizer is loaded once per file (same path, size
//! and modification time) and shared by every aspect that names it.

use std::fmt;
use std::path::Path;
#[cfg(feature = "tokenizers")]
use std::sync::Arc;

use serde::Deserialize;

use plaudit_core::{BuildContext, BuildError, Context, Sample};

/// What a length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Unicode scalar values.
    Chars,
    /// Whitespace-separated words.
    Words,
    /// Tokens of a tokenizer.
    Tokens,
}

impl Unit {
    /// The name a spec uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Chars => "chars",
            Unit::Words => "words",
            Unit::Tokens => "tokens",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A way of measuring text, built from a kind's `unit` and `tokenizer`.
#[derive(Debug)]
pub(crate) enum Measure {
    Chars,
    Words,
    #[cfg(feature = "tokenizers")]
    Tokens(Arc<tok::SharedTokenizer>),
}

impl Measure {
    /// Resolves the unit (see the module docs) and loads the tokenizer.
    /// `default` is the kind's unit when neither `unit` nor `tokenizer` is
    /// given; `None` makes the unit required.
    pub(crate) fn build(
        unit: Option<Unit>,
        tokenizer: Option<&Path>,
        default: Option<Unit>,
        bcx: &BuildContext,
    ) -> Result<Self, BuildError> {
        match (unit, tokenizer) {
            (Some(u @ (Unit::Chars | Unit::Words)), Some(path)) => Err(BuildError::param(
                "tokenizer",
                format!(
                    "a tokenizer counts tokens, but unit = \"{u}\"; drop `tokenizer = {:?}` or set unit = \"tokens\"",
                    path.display().to_string()
                ),
            )),
            (None | Some(Unit::Tokens), Some(path)) => load(&bcx.resolve(path)),
            (Some(Unit::Tokens), None) => Err(BuildError::param(
                "tokenizer",
                "unit = \"tokens\" needs `tokenizer = \"path/to/tokenizer.json\"` (a Hugging Face tokenizer file)",
            )),
            (Some(Unit::Chars), None) => Ok(Measure::Chars),
            (Some(Unit::Words), None) => Ok(Measure::Words),
            (None, None) => match default {
                Some(Unit::Chars) => Ok(Measure::Chars),
                Some(Unit::Words) => Ok(Measure::Words),
                Some(Unit::Tokens) | None => Err(BuildError::param(
                    "unit",
                    "say what to count: `tokenizer = \"path/to/tokenizer.json\"` to count tokens, or unit = \"chars\" or \"words\"",
                )),
            },
        }
    }

    /// The unit measured.
    pub(crate) fn unit(&self) -> Unit {
        match self {
            Measure::Chars => Unit::Chars,
            Measure::Words => Unit::Words,
            #[cfg(feature = "tokenizers")]
            Measure::Tokens(_) => Unit::Tokens,
        }
    }

    /// The length of `sample`'s response, as [`Measure::measure`]; words
    /// are counted once per sample evaluation, for every aspect that
    /// counts them (see [`crate::text::response_word_count`]).
    pub(crate) fn measure_response(&self, sample: &Sample, cx: &Context) -> Result<usize, String> {
        match self {
            Measure::Words => Ok(crate::text::response_word_count(sample, cx)),
            _ => self.measure(sample.response.text()),
        }
    }

    /// The length of `text`; an error only when the tokenizer fails.
    pub(crate) fn measure(&self, text: &str) -> Result<usize, String> {
        match self {
            Measure::Chars => Ok(text.chars().count()),
            Measure::Words => Ok(crate::text::count_py_words(text)),
            #[cfg(feature = "tokenizers")]
            Measure::Tokens(t) => t.count(text),
        }
    }
}

#[cfg(feature = "tokenizers")]
fn load(path: &Path) -> Result<Measure, BuildError> {
    tok::load(path)
        .map(Measure::Tokens)
        .map_err(|message| BuildError::param("tokenizer", message))
}

#[cfg(not(feature = "tokenizers"))]
fn load(path: &Path) -> Result<Measure, BuildError> {
    Err(BuildError::param(
        "tokenizer",
        format!(
            "cannot count tokens with {}: plaudit was built without the `tokenizers` feature",
            path.display()
        ),
    ))
}

#[cfg(feature = "tokenizers")]
mod tok {
    use std::fmt;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, Weak};
    use std::time::SystemTime;

    /// A loaded tokenizer, shown in debug output by its path only.
    pub(crate) struct SharedTokenizer {
        path: PathBuf,
        inner: tokenizers::Tokenizer,
    }

    impl fmt::Debug for SharedTokenizer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Tokenizer")
                .field("path", &self.path)
                .finish_non_exhaustive()
        }
    }

    impl SharedTokenizer {
        pub(crate) fn count(&self, text: &str) -> Result<usize, String> {
            self.inner
                .encode_fast(text, false)
                .map(|e| e.len())
                .map_err(|e| format!("the tokenizer {} failed: {e}", self.path.display()))
        }
    }

    /// A file's identity: a changed file is loaded afresh.
    type Key = (PathBuf, u64, Option<SystemTime>);

    /// Tokenizers loaded so far, held weakly: one stays loaded while an
    /// aspect uses it.
    static LOADED: Mutex<Vec<(Key, Weak<SharedTokenizer>)>> = Mutex::new(Vec::new());

    pub(crate) fn load(path: &Path) -> Result<Arc<SharedTokenizer>, String> {
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the tokenizer file {}: {e}", path.display()))?;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let key: Key = (canonical, meta.len(), meta.modified().ok());
        if let Some(t) = cached(&key) {
            return Ok(t);
        }
        // Loading takes a while for large vocabularies; it runs unlocked, so
        // two first builds may both load, and the second one cached wins.
        let mut inner = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| format!("cannot load the tokenizer file {}: {e}", path.display()))?;
        inner
            .with_truncation(None)
            .map_err(|e| format!("cannot switch off truncation of {}: {e}", path.display()))?;
        inner.with_padding(None);
        let t = Arc::new(SharedTokenizer {
            path: path.to_owned(),
            inner,
        });
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        loaded.retain(|(_, w)| w.strong_count() > 0);
        loaded.push((key, Arc::downgrade(&t)));
        Ok(t)
    }

    fn cached(key: &Key) -> Option<Arc<SharedTokenizer>> {
        let loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        loaded
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, w)| w.upgrade())
    }
}

/// The path of the test tokenizer fixture.
#[cfg(test)]
pub(crate) fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tokenizer.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(
        unit: Option<Unit>,
        tokenizer: Option<&Path>,
        default: Option<Unit>,
    ) -> Result<Measure, BuildError> {
        Measure::build(unit, tokenizer, default, &BuildContext::default())
    }

    #[test]
    fn chars_and_words_count_like_python() {
        let chars = measure(Some(Unit::Chars), None, None).unwrap();
        let words = measure(None, None, Some(Unit::Words)).unwrap();
        for (text, n_chars, n_words) in [
            ("", 0, 0),
            ("héllo wörld", 11, 2),
            (" a\t\nb \u{1f}c ", 9, 3),
            ("🙂🙂", 2, 1),
        ] {
            assert_eq!(chars.measure(text), Ok(n_chars), "{text:?}");
            assert_eq!(words.measure(text), Ok(n_words), "{text:?}");
        }
    }

    #[test]
    fn unit_rules() {
        let t = fixture();
        let err = measure(Some(Unit::Tokens), None, Some(Unit::Words)).unwrap_err();
        assert_eq!(err.field(), Some("tokenizer"));
        let err = measure(None, None, None).unwrap_err();
        assert_eq!(err.field(), Some("unit"));
        let err = measure(Some(Unit::Words), Some(&t), None).unwrap_err();
        assert!(err.to_string().contains("unit = \"words\""), "{err}");
        #[cfg(feature = "tokenizers")]
        {
            assert_eq!(measure(None, Some(&t), None).unwrap().unit(), Unit::Tokens);
            assert_eq!(
                measure(Some(Unit::Tokens), Some(&t), None).unwrap().unit(),
                Unit::Tokens
            );
        }
    }

    #[cfg(feature = "tokenizers")]
    #[test]
    fn token_counts_match_python() {
        // From `make_tokenizer.py`, run with the Python `tokenizers` 0.23.3.
        let cases = [
            ("", 0),
            ("Janet has 16 eggs.", 7),
            (
                "How many dollars does she make every day at the farmers' market?",
                16,
            ),
            ("<think>2 + 2 = 4</think><answer>4</answer>", 26),
            ("Ünïcödé ✓ 数学 🙂", 27),
            ("   spaces   and\nnewlines\t", 14),
        ];
        let m = measure(None, Some(&fixture()), None).unwrap();
        for (text, n) in cases {
            assert_eq!(m.measure(text), Ok(n), "{text:?}");
        }
    }

    #[cfg(feature = "tokenizers")]
    #[test]
    fn tokenizers_are_loaded_once_and_shared() {
        let a = measure(None, Some(&fixture()), None).unwrap();
        let b = measure(Some(Unit::Tokens), Some(&fixture()), None).unwrap();
        match (&a, &b) {
            (Measure::Tokens(x), Measure::Tokens(y)) => assert!(Arc::ptr_eq(x, y)),
            other => panic!("expected tokens, got {other:?}"),
        }
        assert!(format!("{a:?}").len() < 300, "debug output stays short");
    }

    #[cfg(feature = "tokenizers")]
    #[test]
    fn unreadable_tokenizers_are_build_errors() {
        let err = measure(None, Some(Path::new("no/such/tokenizer.json")), None).unwrap_err();
        assert_eq!(err.field(), Some("tokenizer"));
        assert!(err.to_string().contains("no/such/tokenizer.json"), "{err}");
        let not_a_tokenizer = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let err = measure(None, Some(&not_a_tokenizer), None).unwrap_err();
        assert!(
            err.to_string().contains("cannot load the tokenizer file"),
            "{err}"
        );
    }
}
