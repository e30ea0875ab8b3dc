//! `repetition.ngram`: a penalty for repeated word n-grams.
//!
//! ## What it does
//!
//! Splits the response into lowercase words (Python's
//! `text.lower().split()`), takes every run of `n` consecutive words, and
//! penalizes the share that repeats an earlier one:
//!
//! ```text
//! value = (1 − unique_ngrams / total_ngrams) · max_penalty
//! ```
//!
//! with `n = 3` and `max_penalty = -1.0` by default. A response with fewer
//! than `n` words scores 0. The value is in [max_penalty, 0]. Details:
//! `ngrams` (total) and `unique`.
//!
//! ## Why
//!
//! Policies under RL fall into loops — the same sentence over and over
//! until the length limit — and length penalties alone do not tell a long
//! careful answer from a stuck one. open-r1 adds this penalty to its
//! reasoning recipes for that reason.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "repetition"
//! kind = "repetition.ngram"
//! n = 3
//! max_penalty = -0.5
//! ```
//!
//! ## Edge cases
//!
//! - `n` ≥ 1; `max_penalty` finite and ≤ 0 (a penalty, as open-r1
//!   requires).
//! - Words are split on whitespace only, so `word,` and `word` differ, as
//!   in open-r1.
//! - Words are split on whitespace as `str.split()` does (Unicode
//!   whitespace included), 64 bytes at a time. A word under eight bytes is
//!   its own exact key; a longer one is hashed (lowercased on the fly),
//!   confirmed by comparing the words, and keyed by an id. n-grams of up to
//!   three words are stored as their words' keys; longer ones are hashed
//!   and confirmed by comparing ids. No string is built per ASCII word or
//!   per n-gram, and a hash collision cannot merge two different words or
//!   n-grams.

//! ## References
//!
//! - open-r1 `get_repetition_penalty_reward` (Hugging Face, 2025), after
//!   the repetition penalty of Yeo et al., *Demystifying Long
//!   Chain-of-Thought Reasoning in LLMs* (2025).

use std::cell::RefCell;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::deadline::{Ticker, timed_out};
use crate::text::{WordSpans, fold_into, with_response_words};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "repetition.ngram",
    summary: "open-r1 repetition penalty: share of repeated word n-grams times max_penalty",
    version: 1,
    build,
};

/// The parameters of `repetition.ngram`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The n-gram size (default 3).
    #[serde(default = "three")]
    pub n: usize,
    /// The value of a response made only of repeats (default -1.0; ≤ 0).
    #[serde(default = "minus_one")]
    pub max_penalty: f64,
}

fn three() -> usize {
    3
}

fn minus_one() -> f64 {
    -1.0
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.n == 0 {
        return Err(BuildError::param("n", "n must be at least 1, not 0"));
    }
    if !(c.max_penalty.is_finite() && c.max_penalty <= 0.0) {
        return Err(BuildError::param(
            "max_penalty",
            format!(
                "max_penalty must be a finite number ≤ 0 (a penalty), not {}",
                c.max_penalty
            ),
        ));
    }
    Ok(Box::new(Repetition {
        n: c.n,
        max_penalty: c.max_penalty,
    }))
}

#[derive(Debug)]
struct Repetition {
    n: usize,
    max_penalty: f64,
}

/// Marks a word key that is the word itself: a word of fewer than eight
/// bytes keys as its (ASCII-lowercased) bytes and length, exactly, so equal
/// keys are equal words with nothing to compare. Longer words key as a hash
/// with this bit clear, and equal keys are confirmed by comparing the words.
const EXACT: u64 = 1 << 63;

/// The key of the lowercase word in `bytes[a..b]`: exact for short words
/// (see [`EXACT`]), a hash for long ones. `bytes` is either ASCII text (the
/// word is lowercased here, eight bytes per step) or a word already
/// lowercased as Python's `str.lower()` makes it; both give equal keys for
/// equal lowercase forms.
#[inline(always)]
fn word_key(bytes: &[u8], a: usize, b: usize) -> u64 {
    let len = b - a;
    if len < 8 {
        // Most words are short: one load (zero past the word), one lowercase.
        let x = if a + 8 <= bytes.len() {
            let x = u64::from_le_bytes(bytes[a..a + 8].try_into().expect("8 bytes"));
            x & ((1u64 << (8 * len)) - 1)
        } else {
            load8(bytes, a, b)
        };
        return ascii_lower8(x) | (len as u64) << 56 | EXACT;
    }
    long_word_hash(bytes, a, b) & !EXACT
}

/// The hash of a word of eight bytes or more, its ASCII letters
/// lowercased: an Fx-style multiply-rotate per eight bytes.
#[inline(never)]
fn long_word_hash(bytes: &[u8], a: usize, b: usize) -> u64 {
    let mut h = 0u64;
    let mut mix = |v: u64| h = (h.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    let mut p = a;
    while p + 8 <= b {
        mix(ascii_lower8(load8(bytes, p, b)));
        p += 8;
    }
    let tail = if p < b { load8(bytes, p, b) } else { 0 };
    mix(ascii_lower8(tail) ^ ((b - a) as u64) << 56);
    h
}

/// The hash of an n-gram of up to three word keys, for [`GramSlot`]s:
/// its top bits place the n-gram.
#[inline(always)]
fn gram_hash(a: u64, b: u64, c: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = (a.wrapping_mul(K).rotate_left(26) ^ b).wrapping_mul(K);
    (h.rotate_left(26) ^ c).wrapping_mul(K)
}

/// The hash of a slice of word ids, for n-grams too long to pack into one
/// exact key.
fn ids_hash(ids: &[u32]) -> u64 {
    let mut h = 0u64;
    for &id in ids {
        h = (h.rotate_left(5) ^ u64::from(id)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    h
}

/// Lowercases the ASCII letters of eight packed bytes at once; other bytes
/// (including every byte of a multi-byte character) are left alone.
#[inline(always)]
fn ascii_lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    let above_at = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f); // byte ≥ 'A'
    let above_z = low7.wrapping_add(0x2525_2525_2525_2525); // byte > 'Z'
    let upper = above_at & !above_z & !x & HIGH;
    x | (upper >> 2)
}

/// An open-addressing table (linear probing) from a 64-bit key to the first
/// item that had it, emptied in O(1) by bumping a generation stamp, so that
/// a worker that once saw a huge response does not pay to clear a huge table
/// for every small one after it. Keys are placed by Fibonacci hashing (a
/// multiply, then the top bits), so exact keys need no mixing of their own.
/// Equality beyond the key is the caller's: [`ProbeTable::find_or_insert`]
/// asks it about each candidate. With [`GramSlot`]s it holds n-grams of up
/// to three words whole ([`ProbeTable::insert_gram`]).
#[derive(Default)]
struct ProbeTable<S = Slot> {
    slots: Vec<S>,
    /// The probed part of `slots` is `0..=mask`: sized for the current
    /// text, so that a short text after a long one touches a few cache
    /// lines, not the whole table.
    mask: usize,
    /// 64 − log2(mask + 1): the shift that turns a product into an index.
    shift: u32,
    generation: u32,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    first: u32,
    generation: u32,
}

impl<S: Copy + Default> ProbeTable<S> {
    /// Empties the table and makes room for `items` entries at load ≤ 1/2.
    fn reset(&mut self, items: usize) {
        let want = (items * 2).next_power_of_two().max(16);
        // Grow when needed; shrink only from a very large table, so that
        // alternating long and short responses do not reallocate each time.
        if self.slots.len() < want || (self.slots.len() > 1 << 16 && self.slots.len() > want * 64) {
            self.slots = vec![S::default(); want];
            self.generation = 0;
        }
        self.mask = want - 1;
        self.shift = 64 - want.trailing_zeros();
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Wrapped: stale stamps could look current.
            self.slots.fill(S::default());
            self.generation = 1;
        }
    }
}

impl ProbeTable {
    /// The first item equal to `item` (same key and `same(first)`), or
    /// `None` after recording `item` as the first of its kind.
    #[inline(always)]
    fn find_or_insert(&mut self, key: u64, item: u32, same: impl Fn(u32) -> bool) -> Option<u32> {
        let mask = self.mask;
        // A slice of exactly `mask + 1` slots, indexed by `i & mask`: the
        // compiler sees every index is in bounds.
        let slots = &mut self.slots[..=mask];
        let mut i = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
        loop {
            let slot = &mut slots[i & mask];
            if slot.generation != self.generation {
                *slot = Slot {
                    key,
                    first: item,
                    generation: self.generation,
                };
                return None;
            }
            if slot.key == key && same(slot.first) {
                return Some(slot.first);
            }
            i = (i + 1) & mask;
        }
    }
}

/// A slot of a [`ProbeTable`] that holds an n-gram of up to three words
/// whole, as its words' exact keys (see [`Repetition::count`]): a probe
/// compares the keys in the slot itself, with nothing to look up elsewhere.
#[derive(Clone, Copy, Default)]
struct GramSlot {
    keys: [u64; 3],
    generation: u32,
}

impl ProbeTable<GramSlot> {
    /// Records the n-gram `[a, b, c]` (hashed to `hash`); whether it is
    /// new. The keys are compared and stored one by one: as one array they
    /// went through the stack, and the wide reload of narrow stores stalled.
    #[inline(always)]
    fn insert_gram(&mut self, hash: u64, a: u64, b: u64, c: u64) -> bool {
        let mask = self.mask;
        let generation = self.generation;
        let slots = &mut self.slots[..=mask];
        let mut i = (hash >> self.shift) as usize;
        loop {
            let slot = &mut slots[i & mask];
            if slot.generation != generation {
                slot.keys[0] = a;
                slot.keys[1] = b;
                slot.keys[2] = c;
                slot.generation = generation;
                return true;
            }
            if (slot.keys[0] ^ a) | (slot.keys[1] ^ b) | (slot.keys[2] ^ c) == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Buffers reused across evaluations on one worker thread, so that scoring
/// a response allocates nothing once the buffers have grown.
#[derive(Default)]
struct Scratch {
    /// The text's whitespace bitmasks, 64 bytes each, when the engine's
    /// shared ones are not at hand (see [`with_response_words`]).
    masks: Vec<u64>,
    tables: Tables,
}

/// What [`Repetition::count`] fills as it goes.
#[derive(Default)]
struct Tables {
    /// Each word's id: equal lowercase forms, equal ids.
    ids: Vec<u32>,
    /// The span of the first word with each id.
    firsts: Vec<(u32, u32)>,
    /// Word key → word id.
    word_table: ProbeTable,
    /// n-grams of more than three words: hash → the first window.
    ngram_table: ProbeTable,
    /// n-grams of up to three words, stored whole.
    gram_table: ProbeTable<GramSlot>,
    /// A non-ASCII word, lowercased.
    lower: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Aspect for Repetition {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let text = sample.response.text();
        if u32::try_from(text.len()).is_err() {
            return Evaluation::failed(format!(
                "the response is {} bytes; repetition.ngram reads at most 4 GiB",
                text.len()
            ));
        }
        let count = |scratch: &mut Scratch| {
            let Scratch { masks, tables } = scratch;
            with_response_words(sample, cx, masks, |masks, words| {
                self.count(text, masks, words, cx, tables)
            })
        };
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => count(&mut scratch),
            // Only reachable if an aspect re-entered itself on this thread.
            Err(_) => count(&mut Scratch::default()),
        })
    }
}

impl Repetition {
    /// Counts distinct n-grams exactly. Every word has an exact key, the
    /// same for equal lowercase forms: a short word is its own key, a long
    /// one gets an id from the word table (found by a hash of its lowercase
    /// form, confirmed by comparing the words). For n ≤ 3 each n-gram is
    /// stored whole as its words' keys as the words go by; for longer ones
    /// every word gets an id and the n-grams are hashed in a second pass
    /// and confirmed by comparing ids — cheap whatever the words' lengths.
    fn count(
        &self,
        text: &str,
        masks: &[u64],
        words: usize,
        cx: &Context,
        tables: &mut Tables,
    ) -> Evaluation {
        let mut ticker = Ticker::new(cx);
        let Tables {
            ids,
            firsts,
            word_table,
            ngram_table,
            gram_table,
            lower,
        } = tables;
        // The masks came from one pass over the whole text.
        if ticker.expired(text.len()) {
            return timed_out(cx);
        }
        if words < self.n {
            return Evaluation::scored(0.0).with("ngrams", 0);
        }
        let n = self.n;
        let total = words - n + 1;
        let mut unique = 0;
        let mut seen = 0usize;
        ids.clear();
        firsts.clear();
        word_table.reset(words);
        // n-grams of up to three words are stored whole, as their words'
        // exact keys: a short word is its own key, a long one is keyed by
        // its id, so the word table is only probed for long words and a
        // short word costs one probe, of the n-gram table.
        // Longer n-grams keep every word's id and count in a second pass.
        let short = n <= 3;
        if short {
            gram_table.reset(total);
        } else {
            ngram_table.reset(total);
        }
        // Which of the last three keys are part of the n-gram.
        let m0 = if n >= 3 { u64::MAX } else { 0 };
        let m1 = if n >= 2 { u64::MAX } else { 0 };
        let mut ring = [0u64; 3];
        // Offsets fit in u32: the text is under 4 GiB (checked by the caller).
        let ascii = text.is_ascii();
        let bytes = text.as_bytes();
        // Non-ASCII words and long-word comparisons go out of line, so
        // that the common step stays small.
        for (a, b) in WordSpans::new(masks.iter().copied(), text.len()) {
            let key = if ascii {
                word_key(bytes, a, b)
            } else {
                non_ascii_text_key(text, a, b, lower)
            };
            seen += 1;
            if short && key & EXACT != 0 {
                ring = [ring[1], ring[2], key];
            } else {
                let next = firsts.len() as u32;
                let found = if key & EXACT != 0 {
                    word_table.find_or_insert(key, next, |_| true)
                } else {
                    word_table.find_or_insert(key, next, |id| {
                        same_long_word(text, ascii, (a, b), firsts[id as usize])
                    })
                };
                let id = found.unwrap_or_else(|| {
                    firsts.push((a as u32, b as u32));
                    next
                });
                if short {
                    // EXACT clear: never equal to a short word's key.
                    ring = [ring[1], ring[2], u64::from(id)];
                } else {
                    ids.push(id);
                }
            }
            if short && seen >= n {
                let (k0, k1, k2) = (ring[0] & m0, ring[1] & m1, ring[2]);
                unique += usize::from(gram_table.insert_gram(gram_hash(k0, k1, k2), k0, k1, k2));
            }
            if seen.is_multiple_of(4096) && ticker.expired(b) {
                return timed_out(cx);
            }
        }
        if !short {
            for (i, window) in ids.windows(n).enumerate() {
                let same = |first: u32| ids[first as usize..first as usize + n] == *window;
                if ngram_table
                    .find_or_insert(ids_hash(window), i as u32, same)
                    .is_none()
                {
                    unique += 1;
                }
                if i % 4096 == 4095 && ticker.expired(i * 8) {
                    return timed_out(cx);
                }
            }
        }
        let share = 1.0 - unique as f64 / total as f64;
        // `+ 0.0` turns −0.0 (no repeats times a negative penalty) into 0.0.
        Evaluation::scored(share * self.max_penalty + 0.0)
            .with("ngrams", total)
            .with("unique", unique)
    }
}

/// The key of the word `text[a..b]` of a text that is not all ASCII: as
/// [`word_key`] for an ASCII word, else the key of its lowercase form.
#[inline(never)]
fn non_ascii_text_key(text: &str, a: usize, b: usize, lower: &mut String) -> u64 {
    if text.as_bytes()[a..b].is_ascii() {
        return word_key(text.as_bytes(), a, b);
    }
    fold_into(&text[a..b], lower);
    word_key(lower.as_bytes(), 0, lower.len())
}

/// Whether the words at two spans of `text` have equal lowercase forms
/// (for long words, whose keys are hashes).
#[inline(never)]
fn same_long_word(text: &str, ascii: bool, (a, b): (usize, usize), (c, d): (u32, u32)) -> bool {
    let (c, d) = (c as usize, d as usize);
    if ascii {
        same_ascii_lowercase(text.as_bytes(), a, b, c, d)
    } else {
        same_word(&text[a..b], &text[c..d])
    }
}

/// Eight bytes of `bytes` from `at`, little-endian, zero past `end`.
#[inline]
fn load8(bytes: &[u8], at: usize, end: usize) -> u64 {
    let n = (end - at).min(8);
    if at + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        if n == 8 {
            x
        } else {
            x & ((1u64 << (8 * n)) - 1)
        }
    } else {
        let mut x = 0u64;
        for (k, &b) in bytes[at..at + n].iter().enumerate() {
            x |= u64::from(b) << (8 * k);
        }
        x
    }
}

/// Whether `bytes[a..b]` and `bytes[c..d]` are equal after ASCII lowercasing.
#[inline]
fn same_ascii_lowercase(bytes: &[u8], a: usize, b: usize, c: usize, d: usize) -> bool {
    if b - a != d - c {
        return false;
    }
    let (mut p, mut q) = (a, c);
    while p < b {
        if ascii_lower8(load8(bytes, p, b)) != ascii_lower8(load8(bytes, q, d)) {
            return false;
        }
        p += 8;
        q += 8;
    }
    true
}

/// Whether two words are equal after lowercasing, as Python's `str.lower()`.
fn same_word(a: &str, b: &str) -> bool {
    a == b
        || (a.is_ascii() && b.is_ascii() && a.eq_ignore_ascii_case(b))
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::py_words;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str) -> f64 {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let cx = Context::with_timeout(Duration::from_secs(10));
        a.evaluate(&Sample::new("s", response), &cx)
            .outcome
            .value()
            .unwrap()
    }

    #[test]
    fn short_keys_are_exact_and_long_keys_agree_with_case() {
        let text = b"a Bc DEF ghij KLMno pqrstU vwxyzAB cdefghIJ klmnopqrs tail";
        let lower = text.to_ascii_lowercase();
        let mut start = 0;
        for (i, &c) in text.iter().chain(b" ").enumerate() {
            if c == b' ' {
                // In place (eight-byte load), alone (short load), lowercase.
                let fast = word_key(text, start, i);
                let alone = word_key(&text[start..i], 0, i - start);
                let low = word_key(&lower, start, i);
                assert_eq!(fast, alone, "{:?}", std::str::from_utf8(&text[start..i]));
                assert_eq!(fast, low);
                assert_eq!(fast & EXACT != 0, i - start < 8);
                start = i + 1;
            }
        }
        // Short words of different lengths or bytes never share a key.
        assert_ne!(word_key(b"a", 0, 1), word_key(b"a\0", 0, 2));
        assert_ne!(word_key(b"ab", 0, 2), word_key(b"ba", 0, 2));
    }

    #[test]
    fn gram_table_tells_grams_apart_when_hashes_collide() {
        let mut t = ProbeTable::<GramSlot>::default();
        for round in 0..3 {
            // Reused: a new generation forgets the last round's grams.
            t.reset(40);
            let mut distinct = std::collections::HashSet::new();
            for i in 0..60u64 {
                // 12 distinct grams, each seen five times.
                let gram = (i % 4, i % 6 + round, round);
                // One hash for all: every probe runs through the others.
                let new = t.insert_gram(7 << 58, gram.0, gram.1, gram.2);
                assert_eq!(new, distinct.insert(gram), "{gram:?}");
            }
            assert_eq!(distinct.len(), 12);
        }
    }

    #[test]
    fn ascii_lower8_lowercases_letters_only() {
        for b in 0u8..=255 {
            let bytes = [b, b'@', b'[', b'Z', b'a', 0x80, 0xc3, b];
            let got = ascii_lower8(u64::from_le_bytes(bytes)).to_le_bytes();
            assert_eq!(got, bytes.map(|c| c.to_ascii_lowercase()), "byte {b:#x}");
        }
    }

    #[test]
    fn a_word_whose_lowercase_is_ascii_repeats_its_ascii_twin() {
        // Python: "\u212aey door x key door x".lower().split() repeats "key door x".
        let v = run(json!({"n": 3}), "\u{212a}ey door x key door x");
        assert_eq!(v, reference("\u{212a}ey door x key door x", 3, -1.0));
        assert!(v < 0.0);
    }

    /// open-r1's reward, for comparison in tests.
    fn reference(text: &str, n: usize, max_penalty: f64) -> f64 {
        let words: Vec<String> = py_words(text).map(str::to_lowercase).collect();
        if words.len() < n {
            return 0.0;
        }
        let grams: Vec<&[String]> = words.windows(n).collect();
        let unique: std::collections::HashSet<&[String]> = grams.iter().copied().collect();
        (1.0 - unique.len() as f64 / grams.len() as f64) * max_penalty + 0.0
    }

    #[test_case("", 0.0)]
    #[test_case("one two", 0.0; "fewer words than n")]
    #[test_case("a b c d e", 0.0; "no repeats")]
    #[test_case("a b c a b c", -0.25; "one of four trigrams repeats")]
    #[test_case("A b C a B c", -0.25; "case is ignored")]
    #[test_case("x x x x x", -2.0 / 3.0)]
    #[test_case("Ünï x y ünï X Y", -0.25; "unicode case is ignored")]
    fn trigrams(text: &str, expected: f64) {
        let v = run(json!({}), text);
        assert!((v - expected).abs() < 1e-12, "{text:?}: {v} != {expected}");
        assert!((v - reference(text, 3, -1.0)).abs() < 1e-12);
    }

    #[test]
    fn parameters() {
        assert_eq!(run(json!({"n": 1, "max_penalty": -0.5}), "a a b b"), -0.25);
        assert!(run(json!({}), "a b c d").is_sign_positive());
        let cases = [
            (json!({"n": 0}), "n", "at least 1"),
            (
                json!({"max_penalty": 0.5}),
                "max_penalty",
                "≤ 0 (a penalty), not 0.5",
            ),
            (json!({"size": 3}), "size", "unknown field `size`"),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    #[test]
    fn stops_at_the_deadline() {
        let a = build(&Map::new(), &BuildContext::default()).unwrap();
        let e = a.evaluate(
            &Sample::new("s", "word ".repeat(200_000)),
            &Context::with_timeout(Duration::ZERO),
        );
        assert_eq!(e.outcome.status(), plaudit_core::Status::TimedOut);
    }

    proptest! {
        #[test]
        fn agrees_with_open_r1(text in "([a-cA-CÄä]{1,2}[ \n]){0,40}", n in 1usize..5, max_penalty in -2.0f64..=0.0) {
            let v = run(json!({"n": n, "max_penalty": max_penalty}), &text);
            prop_assert!((v - reference(&text, n, max_penalty)).abs() < 1e-12);
            prop_assert!(v <= 0.0 && v >= max_penalty);
        }

        /// Words on both sides of the eight-byte short-word path.
        #[test]
        fn agrees_with_open_r1_on_long_words(text in "((ab|AB|abcdefg|abcdefgh|ABCDEFGHIJ|abcdefghij)[ \n]){0,40}", n in 1usize..4) {
            let v = run(json!({"n": n}), &text);
            prop_assert!((v - reference(&text, n, -1.0)).abs() < 1e-12);
        }

        /// Unicode whitespace, long words, and a non-ASCII letter whose
        /// lowercase is ASCII (the Kelvin sign), mixed with ASCII words.
        #[test]
        fn agrees_with_open_r1_on_unicode(text in "([aAkK\u{212a}Ää]{1,10}[ \n\u{a0}\u{3000}]){0,40}", n in 1usize..5) {
            let v = run(json!({"n": n}), &text);
            prop_assert!((v - reference(&text, n, -1.0)).abs() < 1e-12);
        }

        #[test]
        fn never_panics(text in any::<String>()) {
            let v = run(json!({}), &text);
            prop_assert!((-1.0..=0.0).contains(&v));
        }
    }
}
