//! Text helpers shared by the verifiers: Python's notions of whitespace and
//! word characters (the tools these verifiers follow are Python), case
//! folding into a reusable buffer, and short previews for details.

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

/// The words of `text` as Python's `text.split()` gives them. ASCII bytes
/// are classified by table; only non-ASCII characters are decoded.
pub(crate) fn py_words(text: &str) -> PyWords<'_> {
    PyWords { text, pos: 0 }
}

/// How many words `text.split()` gives, without building them: for ASCII
/// text, the word starts (a non-space after a space) counted from the
/// whitespace bitmask, 64 bytes at a time.
pub(crate) fn count_py_words(text: &str) -> usize {
    if !text.is_ascii() {
        return py_words(text).count();
    }
    let mut count = 0;
    // Bit 63 of the previous block's mask: was its last byte a space?
    let mut space_before = 1u64;
    for block in text.as_bytes().chunks(64) {
        let space = space_mask(block);
        let starts = !space & ((space << 1) | space_before);
        count += starts.count_ones() as usize;
        space_before = space >> 63;
    }
    count
}

/// The whitespace bitmask of up to 64 ASCII bytes (bit i for byte i);
/// bits past the end of a short block are set, as if spaces.
fn space_mask(block: &[u8]) -> u64 {
    let mut space: u64 = 0;
    let mut lanes = block.chunks_exact(8);
    for (k, c) in (&mut lanes).enumerate() {
        let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        space |= space_bits8(word) << (8 * k);
    }
    let rest = lanes.remainder();
    let done = block.len() - rest.len();
    for (k, &b) in rest.iter().enumerate() {
        space |= u64::from(ASCII_SPACE[usize::from(b)]) << (done + k);
    }
    if block.len() < 64 {
        space |= u64::MAX << block.len();
    }
    space
}

const LANES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte lane of `x` (ASCII bytes only), bit 7 set where the byte is ≥ `v`.
/// Exact per lane: the low seven bits plus (0x80 − v) never carry out.
#[inline]
fn lanes_ge(low7: u64, v: u8) -> u64 {
    (low7 + LANES * u64::from(0x80 - v)) & HIGH
}

/// A bit per byte of `chunk` (bit i for byte i): set where the byte is
/// whitespace to `str.split()` — `\t\n\v\f\r`, U+001C–U+001F, space.
/// Eight bytes at a time with no branches; for ASCII input only.
#[inline]
fn space_bits8(chunk: u64) -> u64 {
    let low7 = chunk & !HIGH;
    let space = !lanes_ge(low7, 0x21)
        & (lanes_ge(low7, 0x1c) | (lanes_ge(low7, 0x09) & !lanes_ge(low7, 0x0e)))
        & HIGH;
    // Gather the eight lane flags (bit 7 of each byte) into the low byte.
    ((space >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Calls `f(start, end)` for each word of ASCII `bytes`, as `str.split()`
/// finds them, from a whitespace bitmask built 64 bytes at a time: word
/// starts and ends are bits of the mask's edges, visited in order.
#[inline]
pub(crate) fn ascii_word_spans(bytes: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut start = 0;
    // Whether the byte before the block was a space (the text starts "after
    // a space").
    let mut space_before = 1u64;
    for (block_index, block) in bytes.chunks(64).enumerate() {
        let base = block_index * 64;
        let space = space_mask(block);
        let starts = !space & ((space << 1) | space_before);
        let ends = space & (!((space << 1) | space_before));
        let mut edges = starts | ends;
        while edges != 0 {
            let bit = edges.trailing_zeros();
            let at = base + bit as usize;
            if starts >> bit & 1 == 1 {
                start = at;
            } else {
                // Past the end of a short last block is padding, so an
                // open word ends at the text's end.
                f(start, at.min(bytes.len()));
            }
            edges &= edges - 1;
        }
        space_before = space >> 63;
    }
    // A word running to the end of a text whose length is a multiple of 64.
    if space_before == 0 && !bytes.is_empty() {
        f(start, bytes.len());
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
pub(crate) struct PyWords<'a> {
    text: &'a str,
    pos: usize,
}

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
/// marking the cut: details show what was extracted without copying a whole
/// response into every output row.
pub(crate) fn preview(text: &str) -> String {
    if text.len() <= PREVIEW_BYTES {
        return text.to_owned();
    }
    let mut end = PREVIEW_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = String::with_capacity(end + 3);
    s.push_str(&text[..end]);
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
                ascii_word_spans(text.as_bytes(), |a, z| spans.push(&text[a..z]));
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

    #[test]
    fn fold_handles_ascii_and_unicode() {
        let mut buf = String::from("stale");
        fold_into("HeLLo", &mut buf);
        assert_eq!(buf, "hello");
        fold_into("ÉCOLE İ", &mut buf);
        assert_eq!(buf, "école i\u{307}");
    }

    #[test]
    fn preview_cuts_at_a_char_boundary() {
        let long = "é".repeat(300);
        let p = preview(&long);
        assert!(p.ends_with('…'));
        assert!(p.len() <= PREVIEW_BYTES + '…'.len_utf8());
        assert_eq!(preview("short"), "short");
    }
}
