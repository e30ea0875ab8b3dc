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

/// The words of `text` as Python's `text.split()` gives them.
pub(crate) fn py_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_py_whitespace).filter(|w| !w.is_empty())
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
