//! Text helpers shared by the verifiers: Python's notions of whitespace and
//! word characters (the tools these verifiers follow are Python), case
//! folding into a reusable buffer, and short previews for details.

use std::cell::RefCell;

use plaudit_core::{Context, Sample, SampleToken};

/// Whitespace as Python's `str.split()` sees it: Unicode `White_Space` plus
/// the ASCII information separators U+001C–U+001F.
pub(crate) fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// A character of a word as `\w` in Python's `re` sees it: alphanumeric or
/// `_`.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's ASCII whitespace for `str.split()`: space, `\t\n\v\f\r` and
/// the information separators U+001C–U+001F.
const fn ascii_space_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut b = 0x09;
    while b <= 0x0d {
        t[b] = true;
        b += 1;
    }
    let mut b = 0x1c;
    while b <= 0x20 {
        t[b] = true;
        b += 1;
    }
    t
}

static ASCII_SPACE: [bool; 128] = ascii_space_table();

/// The words of `text` as Python's `text.split()` gives them, one character
/// at a time: the plain reading that the block-at-a-time [`word_spans`] is
/// tested against.
#[cfg(test)]
pub(crate) fn py_words(text: &str) -> PyWords<'_> {
    PyWords { text, pos: 0 }
}

/// How many words `text.split()` gives, without building them: the word
/// starts (a non-space after a space) counted from the whitespace bitmask,
/// 64 bytes at a time.
pub(crate) fn count_py_words(text: &str) -> usize {
    let mut count = 0;
    // Bit 63 of the previous block's mask: was its last byte a space?
    let mut space_before = 1u64;
    for space in SpaceBlocks::new(text) {
        let starts = !space & ((space << 1) | space_before);
        count += starts.count_ones() as usize;
        space_before = space >> 63;
    }
    count
}

/// The whitespace bitmasks of a text, one per 64-byte block (bit i for byte
/// i of the block), as `str.split()` sees whitespace. Every byte of a
/// multi-byte whitespace character (U+00A0, U+2003, …) is set, also when the
/// character straddles two blocks; bits past the end of the text are set,
/// as if spaces.
pub(crate) struct SpaceBlocks<'a> {
    text: &'a str,
    at: usize,
    /// Bytes of a whitespace character that began in the previous block.
    carry: u64,
}

impl<'a> SpaceBlocks<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            at: 0,
            carry: 0,
        }
    }
}

impl Iterator for SpaceBlocks<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        let bytes = self.text.as_bytes();
        if self.at >= bytes.len() {
            return None;
        }
        let end = (self.at + 64).min(bytes.len());
        let block = &bytes[self.at..end];
        let (mut space, high) = match block.try_into() {
            Ok(full) => space_mask64(full),
            Err(_) => space_mask(block),
        };
        space |= std::mem::take(&mut self.carry);
        if high {
            space |= non_ascii_spaces(self.text, self.at, block, &mut self.carry);
        }
        self.at = end;
        Some(space)
    }
}

/// The bits of the multi-byte whitespace characters that start in `block`
/// (which begins at byte `at` of `text`); bits past the block go to `carry`.
/// Out of line: most text is ASCII.
#[cold]
#[inline(never)]
fn non_ascii_spaces(text: &str, at: usize, block: &[u8], carry: &mut u64) -> u64 {
    let mut space = 0u64;
    for (k, &b) in block.iter().enumerate() {
        // Every non-ASCII whitespace character's UTF-8 form starts with one
        // of these bytes (U+0085, U+00A0; U+1680; U+2000–U+205F; U+3000).
        if matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3) {
            let (is_space, len) = non_ascii_space_at(text, at + k);
            if is_space {
                for j in k..k + len {
                    if j < 64 {
                        space |= 1 << j;
                    } else {
                        *carry |= 1 << (j - 64);
                    }
                }
            }
        }
    }
    space
}

/// [`space_mask`] of a whole 64-byte block: a fixed-size loop that the
/// compiler unrolls, with no bounds checks.
#[inline]
fn space_mask64(block: &[u8; 64]) -> (u64, bool) {
    let mut space: u64 = 0;
    let mut high: u64 = 0;
    for k in 0..8 {
        let mut lane = [0u8; 8];
        lane.copy_from_slice(&block[8 * k..8 * k + 8]);
        let word = u64::from_le_bytes(lane);
        high |= word;
        space |= space_bits8(word) << (8 * k);
    }
    (space, high & HIGH != 0)
}

/// The whitespace bitmask of up to 64 bytes (bit i for byte i), counting
/// ASCII whitespace only, and whether any byte is non-ASCII; bits past the
/// end of a short block are set, as if spaces.
#[inline]
fn space_mask(block: &[u8]) -> (u64, bool) {
    let mut space: u64 = 0;
    let mut high: u64 = 0;
    let mut lanes = block.chunks_exact(8);
    for (k, c) in (&mut lanes).enumerate() {
        let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        high |= word;
        space |= space_bits8(word) << (8 * k);
    }
    let rest = lanes.remainder();
    let done = block.len() - rest.len();
    for (k, &b) in rest.iter().enumerate() {
        high |= u64::from(b);
        space |= u64::from(b < 0x80 && ASCII_SPACE[usize::from(b & 0x7f)]) << (done + k);
    }
    if block.len() < 64 {
        space |= u64::MAX << block.len();
    }
    (space, high & HIGH != 0)
}

const LANES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte lane of `low7` (bytes below 0x80), bit 7 set where the byte is
/// ≥ `v`; the other bits are junk for the caller to mask off. Exact per
/// lane: the low seven bits plus (0x80 − v) never carry out.
#[inline]
fn lanes_ge(low7: u64, v: u8) -> u64 {
    low7 + LANES * u64::from(0x80 - v)
}

/// A bit per byte of `chunk` (bit i for byte i): set where the byte is ASCII
/// whitespace to `str.split()` — `\t\n\v\f\r`, U+001C–U+001F, space.
/// Eight bytes at a time with no branches; a non-ASCII byte is never set.
#[inline]
fn space_bits8(chunk: u64) -> u64 {
    let low7 = chunk & !HIGH;
    let space = !lanes_ge(low7, 0x21)
        & (lanes_ge(low7, 0x1c) | (lanes_ge(low7, 0x09) & !lanes_ge(low7, 0x0e)))
        & !chunk
        & HIGH;
    // Gather the eight lane flags (bit 7 of each byte) into the low byte.
    ((space >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Calls `f(start, end)` for each word of `text`, as `str.split()` finds
/// them, from the whitespace bitmasks of [`SpaceBlocks`]: word starts and
/// ends are bits of the masks' edges, visited in order. Stops early, and
/// returns false, when `f` returns false.
#[cfg(test)]
pub(crate) fn word_spans(text: &str, mut f: impl FnMut(usize, usize) -> bool) -> bool {
    WordSpans::new(SpaceBlocks::new(text), text.len()).all(|(a, b)| f(a, b))
}

/// The whitespace bitmasks of `text` ([`SpaceBlocks`]) into `masks`
/// (cleared first), and the number of words they show: for a caller that
/// needs the word count before it walks the words with
/// [`WordSpans`], without finding the whitespace twice.
pub(crate) fn space_masks(text: &str, masks: &mut Vec<u64>) -> usize {
    masks.clear();
    let mut count = 0;
    let mut space_before = 1u64;
    for space in SpaceBlocks::new(text) {
        masks.push(space);
        let starts = !space & ((space << 1) | space_before);
        count += starts.count_ones() as usize;
        space_before = space >> 63;
    }
    count
}

/// The whitespace masks ([`space_masks`]) of the response of the sample
/// being evaluated, kept on this thread for the rest of that sample's
/// evaluation: the aspects that split the response into words (length in
/// words, repetition) find the whitespace once between them.
struct ResponseWords {
    /// The evaluation the masks belong to ([`SampleToken`]), and the text's
    /// address and length, checked as well.
    token: Option<SampleToken>,
    text: (usize, usize),
    masks: Vec<u64>,
    words: usize,
}

thread_local! {
    static RESPONSE_WORDS: RefCell<ResponseWords> = const {
        RefCell::new(ResponseWords {
            token: None,
            text: (0, 0),
            masks: Vec::new(),
            words: 0,
        })
    };
}

/// Calls `f` with the whitespace masks of `sample`'s response and its
/// number of words, computed at most once per sample evaluation (see
/// [`SampleToken`]). Without a token in `cx` (a caller other than the
/// engine) the masks are made in `fallback`.
pub(crate) fn with_response_words<R>(
    sample: &Sample,
    cx: &Context,
    fallback: &mut Vec<u64>,
    f: impl FnOnce(&[u64], usize) -> R,
) -> R {
    let text = sample.response.text();
    let Some(token) = cx.sample() else {
        let words = space_masks(text, fallback);
        return f(fallback, words);
    };
    let key = (text.as_ptr() as usize, text.len());
    RESPONSE_WORDS.with(|memo| {
        let Ok(mut memo) = memo.try_borrow_mut() else {
            // Only if `f` itself asked for the words again.
            let words = space_masks(text, fallback);
            return f(fallback, words);
        };
        if memo.token != Some(token) || memo.text != key {
            let memo = &mut *memo;
            memo.words = space_masks(text, &mut memo.masks);
            memo.token = Some(token);
            memo.text = key;
        }
        f(&memo.masks, memo.words)
    })
}

/// How many words `sample`'s response has, as `text.split()` counts them:
/// shared with the other aspects of the sample's evaluation when the
/// engine gave a [`SampleToken`], else counted here.
pub(crate) fn response_word_count(sample: &Sample, cx: &Context) -> usize {
    if cx.sample().is_none() {
        return count_py_words(sample.response.text());
    }
    with_response_words(sample, cx, &mut Vec::new(), |_, words| words)
}

/// The `(start, end)` of each word of a text of `len` bytes, from its
/// whitespace bitmasks ([`SpaceBlocks`], [`space_masks`]): word starts and
/// ends are bits of the masks' edges, visited in order. An iterator, so
/// that a caller's loop body inlines into the walk.
pub(crate) struct WordSpans<I> {
    masks: I,
    len: usize,
    /// Byte offset of the current block.
    base: usize,
    /// Start and end bits of the current block not yet visited.
    edges: u64,
    /// The start bits of the current block.
    starts: u64,
    /// Whether the byte before the next block is a space (the text starts
    /// "after a space").
    space_before: u64,
    /// The start of the word being read.
    start: usize,
    blocks: usize,
    finished: bool,
}

impl<I: Iterator<Item = u64>> WordSpans<I> {
    pub(crate) fn new(masks: impl IntoIterator<IntoIter = I>, len: usize) -> Self {
        Self {
            masks: masks.into_iter(),
            len,
            base: 0,
            edges: 0,
            starts: 0,
            space_before: 1,
            start: 0,
            blocks: 0,
            finished: false,
        }
    }
}

impl<I: Iterator<Item = u64>> Iterator for WordSpans<I> {
    type Item = (usize, usize);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            while self.edges != 0 {
                let bit = self.edges.trailing_zeros();
                self.edges &= self.edges - 1;
                let at = self.base + bit as usize;
                if self.starts >> bit & 1 == 1 {
                    self.start = at;
                } else {
                    // Past the end of a short last block is padding, so an
                    // open word ends at the text's end.
                    return Some((self.start, at.min(self.len)));
                }
            }
            if let Some(space) = self.masks.next() {
                self.base = self.blocks * 64;
                self.blocks += 1;
                let before = (space << 1) | self.space_before;
                self.starts = !space & before;
                self.edges = self.starts | (space & !before);
                self.space_before = space >> 63;
            } else {
                // A word running to the end of a text whose length is a
                // multiple of 64.
                if !self.finished && self.space_before == 0 && self.len > 0 {
                    self.finished = true;
                    return Some((self.start, self.len));
                }
                self.finished = true;
                return None;
            }
        }
    }
}

/// Whether the non-ASCII character starting at byte `i` of `text` is
/// whitespace, and its length in bytes. Out of line: most text is ASCII.
#[cold]
#[inline(never)]
fn non_ascii_space_at(text: &str, i: usize) -> (bool, usize) {
    let c = text[i..].chars().next().expect("i is a char boundary");
    (is_py_whitespace(c), c.len_utf8())
}

/// The iterator of [`py_words`].
#[cfg(test)]
pub(crate) struct PyWords<'a> {
    text: &'a str,
    pos: usize,
}

#[cfg(test)]
impl<'a> Iterator for PyWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = self.pos;
        // Skip whitespace.
        loop {
            let Some(&b) = bytes.get(i) else {
                self.pos = i;
                return None;
            };
            if b < 0x80 {
                if !ASCII_SPACE[usize::from(b)] {
                    break;
                }
                i += 1;
            } else {
                let (space, len) = non_ascii_space_at(text, i);
                if !space {
                    break;
                }
                i += len;
            }
        }
        let start = i;
        // Take the word.
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                if ASCII_SPACE[usize::from(b)] {
                    break;
                }
                i += 1;
            } else {
                let (space, len) = non_ascii_space_at(text, i);
                if space {
                    break;
                }
                i += len;
            }
        }
        self.pos = i;
        Some(&text[start..i])
    }
}

/// The start of the last occurrence of `needle` in `haystack` (`Some(len)`
/// for an empty needle). Candidates are found by `memrchr` on the needle's
/// first byte and checked in place: for the short, fixed markers the
/// extractors look for (`</answer>`, `\boxed{`, `#### `) this beats
/// building a two-way searcher per call, and a response full of the first
/// byte costs at most the needle's length per byte.
pub(crate) fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some(&first) = needle.first() else {
        return Some(haystack.len());
    };
    let last_start = haystack.len().checked_sub(needle.len())?;
    memchr::memrchr_iter(first, &haystack[..=last_start])
        .find(|&p| &haystack[p..p + needle.len()] == needle)
}

/// Lowercases `text` into `out` (cleared first), one character at a time.
pub(crate) fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.reserve(text.len());
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// How much of an extracted text the details repeat.
const PREVIEW_BYTES: usize = 200;

/// `text`, cut to about [`PREVIEW_BYTES`] at a character boundary, with `…`
/// marking the cut.
pub(crate) fn preview(text: &str) -> String {
    plaudit_core::preview(text, PREVIEW_BYTES)
}

/// [`preview`] of a string the caller gives up: kept as it is (no copy)
/// when short enough.
pub(crate) fn preview_owned(text: String) -> String {
    if text.len() <= PREVIEW_BYTES {
        text
    } else {
        preview(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_words_are_shared_within_one_sample_evaluation_only() {
        use std::time::Duration;
        let cx = Context::with_timeout(Duration::from_secs(10));
        let a = Sample::new("a", "one two three");
        let b = Sample::new("b", "four five");
        // Same length as `a`, elsewhere in memory.
        let c = Sample::new("c", "six seven ten");
        let words = |s: &Sample, cx: &Context, fallback: &mut Vec<u64>| {
            with_response_words(s, cx, fallback, |masks, n| (masks.to_vec(), n))
        };
        let mut fallback = Vec::new();
        // No token: the caller's buffer holds the masks.
        assert_eq!(words(&a, &cx, &mut fallback).1, 3);
        assert_eq!(fallback.len(), 1);

        let mut unused = Vec::new();
        let first = cx.for_sample(SampleToken::next());
        let (masks_a, n) = words(&a, &first, &mut unused);
        assert_eq!(n, 3);
        assert_eq!(words(&a, &first, &mut unused), (masks_a.clone(), 3));
        assert_eq!(response_word_count(&a, &first), 3);
        // Another text under the same token is not taken for the first.
        assert_eq!(words(&b, &first, &mut unused).1, 2);
        assert_eq!(words(&c, &first, &mut unused).1, 3);
        assert_ne!(words(&c, &first, &mut unused).0, masks_a);
        // A new token recomputes.
        let second = cx.for_sample(SampleToken::next());
        assert_eq!(response_word_count(&b, &second), 2);
        assert_eq!(words(&a, &second, &mut unused), (masks_a, 3));
        assert!(unused.is_empty(), "with a token the shared masks are used");
        assert_ne!(first.sample(), second.sample());
    }

    #[test]
    fn words_split_like_python() {
        let words: Vec<&str> = py_words(" a\tb\u{1f}c\u{a0}d\n\n").collect();
        assert_eq!(words, ["a", "b", "c", "d"]);
        assert_eq!(py_words("").count(), 0);
        let ascii: Vec<&str> = py_words("  a\x0bb\x1fc  d e\r\n").collect();
        assert_eq!(ascii, ["a", "b", "c", "d", "e"]);
        for text in [
            "",
            " ",
            "a",
            " a b  c ",
            "x\x1cy",
            "é a\u{a0}b",
            "one\ttwo\nthree",
        ] {
            assert_eq!(count_py_words(text), py_words(text).count(), "{text:?}");
        }
        // Every control character, at every offset of a 64-byte block.
        for b in 0u8..0x80 {
            for at in [0, 7, 8, 63, 64, 65, 100] {
                let mut bytes = vec![b'x'; 130];
                bytes[at] = b;
                bytes[at + 2] = b' ';
                let text = String::from_utf8(bytes).unwrap();
                let mut spans = Vec::new();
                word_spans(&text, |a, z| {
                    spans.push(&text[a..z]);
                    true
                });
                assert_eq!(
                    spans,
                    py_words(&text).collect::<Vec<_>>(),
                    "byte {b:#x} at {at}"
                );
                assert_eq!(count_py_words(&text), spans.len(), "byte {b:#x} at {at}");
                assert_eq!(
                    count_py_words(&text[..at + 1]),
                    py_words(&text[..at + 1]).count()
                );
            }
        }
    }

    fn spans_of(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        word_spans(text, |a, z| {
            spans.push(&text[a..z]);
            true
        });
        spans
    }

    #[test]
    fn unicode_whitespace_splits_at_every_offset() {
        // Whitespace with each lead byte that can start one, and
        // non-whitespace with the same lead bytes.
        let spaces = [
            '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{200a}', '\u{2028}', '\u{2029}',
            '\u{202f}', '\u{205f}', '\u{3000}',
        ];
        let others = [
            '\u{a9}', '\u{1681}', '\u{2014}', '\u{200b}', '\u{3001}', 'é', '🙂',
        ];
        for c in spaces.iter().chain(&others) {
            for at in (0..8).chain(56..72).chain(120..130) {
                let text = format!("{}{c}{}", "x".repeat(at), "y".repeat(70));
                assert_eq!(
                    spans_of(&text),
                    py_words(&text).collect::<Vec<_>>(),
                    "{c:?} at {at}"
                );
                assert_eq!(count_py_words(&text), py_words(&text).count());
                let mut masks = Vec::new();
                assert_eq!(space_masks(&text, &mut masks), py_words(&text).count());
                // Two in a row, and at the very end.
                let text = format!("{}{c}{c} z{c}", "é".repeat(at / 2));
                assert_eq!(spans_of(&text), py_words(&text).collect::<Vec<_>>());
                assert_eq!(count_py_words(&text), py_words(&text).count());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn block_splitting_agrees_with_char_splitting(text in "([a-c]|[ \t\n]|\u{a0}|\u{2003}|\u{3000}|é|—){0,200}") {
            proptest::prop_assert_eq!(spans_of(&text), py_words(&text).collect::<Vec<_>>());
            proptest::prop_assert_eq!(count_py_words(&text), py_words(&text).count());
        }

        #[test]
        fn any_text_splits_like_python(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(spans_of(&text), py_words(&text).collect::<Vec<_>>());
        }
    }

    #[test]
    fn rfind_finds_the_last_occurrence() {
        for (hay, needle) in [
            ("", ""),
            ("", "a"),
            ("abc", ""),
            ("<a><a>", "<a>"),
            ("<<a>", "<a>"),
            ("x</answer>y</answer", "</answer>"),
            ("#### 1\n#### 2", "#### "),
            ("ab", "abc"),
            ("aaaa", "aa"),
        ] {
            assert_eq!(
                rfind(hay.as_bytes(), needle.as_bytes()),
                hay.rfind(needle),
                "{hay:?} {needle:?}"
            );
        }
    }

    #[test]
    fn stops_when_asked() {
        let mut seen = 0;
        assert!(!word_spans("a b c d", |_, _| {
            seen += 1;
            seen < 2
        }));
        assert_eq!(seen, 2);
        assert!(word_spans("a b", |_, _| true));
    }

    #[test]
    fn fold_handles_ascii_and_unicode() {
        let mut buf = String::from("stale");
        fold_into("HeLLo", &mut buf);
        assert_eq!(buf, "hello");
        fold_into("ÉCOLE İ", &mut buf);
        assert_eq!(buf, "école i\u{307}");
    }
}
