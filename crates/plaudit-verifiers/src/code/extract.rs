//! Finding the program in a model's response.
//!
//! The rules of [`extract_code`]:
//!
//! - A fence is a line of three or more backticks or tildes, indented at
//!   most three spaces (CommonMark). Its *info string* is the rest of the
//!   line; its first word names the language (`python`, `py`, `python3`,
//!   `py3`; `cpp`, `c++`, `cc`, `cxx`; any case, see
//!   [`Language::from_name`]). A backtick fence whose info string holds a
//!   backtick is not a fence (it is inline code). A block closes at a line
//!   of the same character, at least as long as the opening fence, with
//!   nothing else on it; fences inside a block are its content.
//! - The code is the body of the **last** block whose info string names
//!   the wanted language; if none does, of the last block of any language
//!   (untagged included). Earlier blocks are drafts, later text is prose.
//! - A final fence left open takes the rest of the response: a response
//!   cut off at the length limit still has its code run (and most likely
//!   fail) rather than silently falling back to an earlier draft.
//! - No fence at all: the whole response is the code.
//!
//! One pass over the lines; the result borrows from the response.

use super::reference::Language;

/// The code in `response` for a solution in `language` (see the module
/// docs for the rules).
pub fn extract_code(response: &str, language: Language) -> &str {
    let mut last_any: Option<&str> = None;
    let mut last_wanted: Option<&str> = None;
    // (fence char, fence length, body start, names the language).
    let mut open: Option<(u8, usize, usize, bool)> = None;
    let mut offset = 0;
    for line in response.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            continue;
        }
        let rest = &line[indent..];
        let Some(&c) = rest.as_bytes().first().filter(|&&c| c == b'`' || c == b'~') else {
            continue;
        };
        let run = rest.bytes().take_while(|&b| b == c).count();
        if run < 3 {
            continue;
        }
        let info = rest[run..].trim();
        match open {
            None => {
                if c == b'`' && info.contains('`') {
                    continue;
                }
                let lang = info
                    .split(|ch: char| ch.is_whitespace() || ch == '{' || ch == ',')
                    .next()
                    .unwrap_or("");
                let lang = lang.trim_start_matches('.');
                let wanted = Language::from_name(lang) == Some(language);
                open = Some((c, run, offset, wanted));
            }
            Some((fc, flen, body, wanted)) => {
                if c == fc && run >= flen && info.is_empty() {
                    let code = &response[body..start];
                    last_any = Some(code);
                    if wanted {
                        last_wanted = Some(code);
                    }
                    open = None;
                }
            }
        }
    }
    if let Some((_, _, body, wanted)) = open {
        let code = &response[body.min(response.len())..];
        last_any = Some(code);
        if wanted {
            last_wanted = Some(code);
        }
    }
    last_wanted.or(last_any).unwrap_or(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{Cpp, Python};

    #[test]
    fn extraction_table() {
        #[rustfmt::skip]
        let cases: &[(&str, Language, &str)] = &[
            ("def f(): pass", Python, "def f(): pass"),
            ("Here:\n```python\nx = 1\n```\nDone.", Python, "x = 1\n"),
            ("```py\na\n```\n```python3\nb\n```\n", Python, "b\n"),
            ("```python\na\n```\n```text\noutput\n```\n", Python, "a\n"),
            ("```\nuntagged\n```\n", Python, "untagged\n"),
            ("```cpp\nint main(){}\n```\n", Python, "int main(){}\n"),
            ("```python\nfirst\n```\n```\nlast untagged\n```\n", Python, "first\n"),
            ("```c++\na\n```\n```python\nb\n```\n", Cpp, "a\n"),
            ("```CC\na\n```", Cpp, "a\n"),
            ("```Python {.line-numbers}\na\n```", Python, "a\n"),
            ("~~~python\na\n```\nstill inside\n~~~\n", Python, "a\n```\nstill inside\n"),
            ("````python\n```\ninner\n```\n````\n", Python, "```\ninner\n```\n"),
            ("```python\na\n```` \n", Python, "a\n"),
            ("```python\ndone\n```\n```python\ncut off at the length lim", Python, "cut off at the length lim"),
            ("```python\n", Python, ""),
            ("```python", Python, ""),
            ("use ```inline``` code\n", Python, "use ```inline``` code\n"),
            ("    ```python\n    indented four\n    ```\n", Python, "    ```python\n    indented four\n    ```\n"),
            ("   ```python\nthree is fine\n   ```\n", Python, "three is fine\n"),
            ("```python\r\nx = 1\r\n```\r\n", Python, "x = 1\r\n"),
            ("``python\nx\n``\n", Python, "``python\nx\n``\n"),
            ("```python\na\n``` not a close\nb\n```\n", Python, "a\n``` not a close\nb\n"),
        ];
        for (response, lang, want) in cases {
            assert_eq!(extract_code(response, *lang), *want, "{response:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_borrows(text in "(```|~~~|python|\n| |x|`){0,40}") {
            let code = extract_code(&text, Language::Python);
            let base = text.as_ptr() as usize;
            let at = code.as_ptr() as usize;
            proptest::prop_assert!(at >= base && at + code.len() <= base + text.len());
        }
    }
}
