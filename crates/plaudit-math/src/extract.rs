//! Finding the final answer in a model's completion.
//!
//! [`extract_answer`] tries the [`Method`]s of an [`ExtractOptions`] in order
//! and returns the first answer found, as a slice of the completion plus its
//! byte span, so a report can point at exactly what was graded.
//!
//! # Methods
//!
//! Each method recognises one answer convention that a prompt or a data set
//! asks models to follow:
//!
//! - [`Method::Boxed`]: the content of the last `\boxed{…}` or `\fbox{…}`.
//!   The MATH data set (Hendrycks et al., 2021) boxes every reference answer,
//!   so "put your final answer within `\boxed{}`" became the default math
//!   prompt (Qwen2.5-Math, DeepSeek-R1) and the default extractor of
//!   Math-Verify, verl's `math` reward and lm-evaluation-harness. Braces nest;
//!   `\{`, `\}` and `\\` are characters, not groups; `\boxed 5` without braces
//!   takes one command or the run up to the next space, `$`, brace or
//!   backslash. Only the last `\boxed` counts: if its braces never close (a
//!   completion cut off mid-answer), this method finds nothing rather than
//!   fall back to an earlier, superseded box.
//! - [`Method::AnswerTag`]: the content of the last `<answer>…</answer>`.
//!   DeepSeek-R1's template (Guo et al., 2025) has the model write
//!   `<think>…</think> <answer>…</answer>`, and R1-style recipes (TinyZero,
//!   open-r1's format reward, Logic-RL) grade the answer tag. An unclosed
//!   tag gives nothing.
//! - [`Method::FinalAnswer`]: "final answer is …" or "Final answer: …", up to
//!   the end of the sentence or line, with a `$…$` around the answer removed.
//!   This is the Minerva format (Lewkowycz et al., 2022), "Final Answer: The
//!   final answer is $X$. I hope it is correct.", used by lm-evaluation-harness's
//!   `minerva_math` task and by models few-shot prompted with it.
//! - [`Method::AnswerLine`]: the rest of the last line that starts with
//!   `Answer:` (any case, `**Answer:**` markdown allowed). DAPO (Yu et al.,
//!   2025) asks for "the last line of your response … of the form Answer:
//!   $Answer"; verl's `math_dapo` reward grades it.
//! - [`Method::Hashes`]: the text after the last `####`, to the end of its
//!   line. GSM8K (Cobbe et al., 2021) ends every solution with `#### 18`, so
//!   models trained on it do too; verl's `gsm8k` reward reads it. A markdown
//!   heading (`#### Step 2`) looks the same, which is one reason this method
//!   comes last by default.
//! - [`Method::LastNumber`]: the last number in the text, with its sign,
//!   decimals, thousands separators and a `3/4` fraction; the "flexible"
//!   GSM8K extraction of lm-evaluation-harness and verl. Opt-in: it rewards a
//!   number the model never committed to as its answer.
//!
//! # Cleaning
//!
//! Whatever a method finds is trimmed, and `**bold**` markers, a trailing
//! period and one surrounding `$…$`, `$$…$$`, `\(…\)` or `\[…\]` are peeled
//! off its ends. The result is still a slice of the completion: nothing is
//! removed from the middle, so `span` always slices back to `text`.
//!
//! # Cost
//!
//! Rewards run on untrusted, often degenerate model output (40 KB of
//! `\boxed{\boxed{…` that never closes, a megabyte of `{`), so every method
//! is a single forward or backward pass over the text with `memchr`, never a
//! backtracking regex or a rescan from each candidate: time is linear in the
//! length of the completion and memory is constant.

use std::ops::Range;
use std::sync::LazyLock;

use memchr::{memchr, memchr3, memmem, memrchr, memrchr2};
use serde::{Deserialize, Serialize};

/// An answer convention [`extract_answer`] can look for; see the
/// [module docs](self) for what each one matches and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The content of the last `\boxed{…}` or `\fbox{…}` (MATH, most RL prompts).
    Boxed,
    /// The content of the last `<answer>…</answer>` (DeepSeek-R1's template).
    AnswerTag,
    /// "The final answer is $X$." (Minerva).
    FinalAnswer,
    /// The last line starting with `Answer:` (DAPO).
    AnswerLine,
    /// The text after the last `####` (GSM8K).
    Hashes,
    /// The last number in the text.
    LastNumber,
}

impl Method {
    /// The name used in specs and reports: `"boxed"`, `"answer_tag"`, `"final_answer"`,
    /// `"answer_line"`, `"hashes"` or `"last_number"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Boxed => "boxed",
            Method::AnswerTag => "answer_tag",
            Method::FinalAnswer => "final_answer",
            Method::AnswerLine => "answer_line",
            Method::Hashes => "hashes",
            Method::LastNumber => "last_number",
        }
    }

    /// The raw span this method finds in `s[from..]`, before cleaning.
    fn find(self, s: &[u8], from: usize) -> Option<Range<usize>> {
        match self {
            Method::Boxed => last_boxed(s, from),
            Method::AnswerTag => answer_tag(s, from),
            Method::FinalAnswer => final_answer(s, from),
            Method::AnswerLine => answer_line(s, from),
            Method::Hashes => hashes(s, from),
            Method::LastNumber => last_number(s, from),
        }
    }
}

/// How [`extract_answer`] looks for an answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractOptions {
    /// Methods tried in order; the first that finds something wins.
    /// Default: `[Boxed, AnswerTag, FinalAnswer, AnswerLine, Hashes]` (`LastNumber` is
    /// opt-in: it rewards answers the model never committed to).
    pub order: Vec<Method>,
    /// Ignore everything up to and including the last `</think>` (default
    /// true); if a `<think>` is never closed, there is no answer (`None`).
    pub skip_think: bool,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            order: vec![
                Method::Boxed,
                Method::AnswerTag,
                Method::FinalAnswer,
                Method::AnswerLine,
                Method::Hashes,
            ],
            skip_think: true,
        }
    }
}

/// An answer found in a completion.
///
/// Not `Copy`, although everything in it is small: `Range` isn't `Copy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted<'a> {
    /// The answer, cleaned (see the [module docs](self)); never empty.
    pub text: &'a str,
    /// The method that found it.
    pub method: Method,
    /// The byte range of `text` in the completion.
    pub span: Range<usize>,
}

/// Finds the final answer in `completion`, trying `opts.order` in turn.
///
/// Returns `None` when no method finds a non-empty answer, or when
/// `opts.skip_think` is set and the completion ends inside a `<think>` block.
pub fn extract_answer<'a>(completion: &'a str, opts: &ExtractOptions) -> Option<Extracted<'a>> {
    let bytes = completion.as_bytes();
    let from = if opts.skip_think {
        after_think(bytes)?
    } else {
        0
    };
    opts.order.iter().find_map(|&method| {
        let span = clean(bytes, method.find(bytes, from)?)?;
        // Every span ends at ASCII bytes, so `get` always succeeds; it is
        // here so a mistake costs an answer, not a panic.
        let text = completion.get(span.clone())?;
        Some(Extracted { text, method, span })
    })
}

// Searchers built once: building one costs more than searching a typical
// completion with it.
static THINK_OPEN: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("<think>"));
static THINK_CLOSE: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new("</think>"));
static ANSWER_OPEN: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new("<answer>"));
static ANSWER_CLOSE: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("</answer>"));
static HASHES: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new("####"));

/// Where the answer part starts: after the last `</think>`, or `None` while a
/// `<think>` is still open (the model was cut off before answering).
fn after_think(s: &[u8]) -> Option<usize> {
    let from = THINK_CLOSE.rfind(s).map_or(0, |at| at + b"</think>".len());
    match THINK_OPEN.find(&s[from..]) {
        Some(_) => None,
        None => Some(from),
    }
}

fn last_boxed(s: &[u8], from: usize) -> Option<Range<usize>> {
    let mut depth = 0usize;
    // Only the last `\boxed` matters, so one pending box (the depth its brace
    // closes at, and where its content starts) is all the state there is:
    // a later `\boxed` replaces it, which keeps degenerate nesting linear.
    let mut open: Option<(usize, usize)> = None;
    let mut found = None;
    let mut i = from;
    while let Some(off) = memchr3(b'\\', b'{', b'}', &s[i..]) {
        let at = i + off;
        i = at + 1;
        match s[at] {
            b'{' => depth += 1,
            b'}' => {
                // A stray `}` outside any group is text, not a closer.
                depth = depth.saturating_sub(1);
                if let Some((d, start)) = open
                    && d == depth
                {
                    found = Some(start..at);
                    open = None;
                }
            }
            _ => {
                let Some(name) = box_command(&s[at + 1..]) else {
                    if matches!(s.get(at + 1), Some(b'{' | b'}' | b'\\')) {
                        i += 1;
                    }
                    continue;
                };
                let mut j = at + 1 + name;
                while s.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                found = None;
                open = None;
                if s.get(j) == Some(&b'{') {
                    open = Some((depth, j + 1));
                    depth += 1;
                    i = j + 1;
                } else {
                    let end = braceless_argument_end(s, j);
                    found = (end > j).then_some(j..end);
                    i = j;
                }
            }
        }
    }
    found
}

/// The content of the last `<answer>` tag after `from`, if it is closed.
fn answer_tag(s: &[u8], from: usize) -> Option<Range<usize>> {
    let open = from + ANSWER_OPEN.rfind(&s[from..])? + b"<answer>".len();
    let close = open + ANSWER_CLOSE.find(&s[open..])?;
    Some(open..close)
}

/// The end of `\boxed`'s argument when it has no braces, starting at `j`:
/// a command (`\boxed\pi`) or a run up to a space, `$`, brace or backslash
/// (`\boxed 5$`). Stopping at the next backslash or brace, where the main
/// scan resumes anyway, keeps `\boxed\boxed\boxed…` linear.
fn braceless_argument_end(s: &[u8], j: usize) -> usize {
    let stop = |c: &u8| c.is_ascii_whitespace() || matches!(c, b'$' | b'{' | b'}' | b'\\');
    if s.get(j) == Some(&b'\\') {
        let name = s[j + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        return j + 1 + name;
    }
    j + s[j..].iter().position(stop).unwrap_or(s.len() - j)
}

/// The length of `boxed` or `fbox` at the start of `s` (just after a `\`),
/// if that is the whole command name: `\fboxsep` is another command.
fn box_command(s: &[u8]) -> Option<usize> {
    let len = if s.starts_with(b"boxed") {
        5
    } else if s.starts_with(b"fbox") {
        4
    } else {
        return None;
    };
    (!s.get(len).is_some_and(u8::is_ascii_alphabetic)).then_some(len)
}

fn final_answer(s: &[u8], from: usize) -> Option<Range<usize>> {
    // Walking back over every `f` costs O(1) per candidate, so the whole
    // search stays linear without lowercasing a copy of the text.
    let mut end = s.len();
    while let Some(off) = memrchr2(b'f', b'F', &s[from..end]) {
        let at = from + off;
        end = at;
        if let Some(p) = final_answer_lead(s, at) {
            let line = line_or_next(s, p);
            return Some(line.start..sentence_end(s, line));
        }
    }
    None
}

/// Where the answer starts if a "final answer is" / "final answer:" phrase
/// starts at `at`.
fn final_answer_lead(s: &[u8], at: usize) -> Option<usize> {
    if at > 0 && s[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let mut p = at + starts_with_ci(s, at, b"final answer")?;
    p = skip_stars(s, skip_blanks(s, p));
    p = skip_blanks(s, p);
    if let Some(n) = starts_with_ci(s, p, b"is")
        && !s.get(p + n).is_some_and(u8::is_ascii_alphanumeric)
    {
        p = skip_blanks(s, p + n);
        if s.get(p) == Some(&b':') {
            p += 1;
        }
    } else if s.get(p) == Some(&b':') {
        p += 1;
    } else {
        return None;
    }
    Some(skip_stars(s, p))
}

/// Cuts a final-answer line at the end of its first sentence: after the
/// closing delimiter when the answer is in `$…$`, `$$…$$`, `\(…\)` or `\[…\]`
/// (so `$3.5$` keeps its period), else at the first `.` followed by a space.
fn sentence_end(s: &[u8], line: Range<usize>) -> usize {
    let t = skip_blanks(s, line.start).min(line.end);
    let text = &s[t..line.end];
    let (open, close): (&[u8], &[u8]) = if text.starts_with(b"$$") {
        (b"$$", b"$$")
    } else if text.starts_with(b"$") {
        (b"$", b"$")
    } else if text.starts_with(b"\\(") {
        (b"\\(", b"\\)")
    } else if text.starts_with(b"\\[") {
        (b"\\[", b"\\]")
    } else {
        let mut i = 0;
        while let Some(off) = memchr(b'.', &text[i..]) {
            let dot = i + off;
            if text.get(dot + 1).is_none_or(u8::is_ascii_whitespace) {
                return t + dot;
            }
            i = dot + 1;
        }
        return line.end;
    };
    match memmem::find(&text[open.len()..], close) {
        Some(off) => t + open.len() + off + close.len(),
        None => line.end,
    }
}

fn answer_line(s: &[u8], from: usize) -> Option<Range<usize>> {
    let mut end = s.len();
    loop {
        let start = memrchr(b'\n', &s[from..end]).map_or(from, |off| from + off + 1);
        if let Some(p) = answer_lead(s, start) {
            return Some(line_or_next(s, p));
        }
        if start == from {
            return None;
        }
        end = start - 1;
    }
}

/// Where the answer starts if the line at `start` begins with `Answer:`,
/// allowing a markdown heading and bold: `### **Answer**: 42`.
fn answer_lead(s: &[u8], start: usize) -> Option<usize> {
    let mut p = skip_blanks(s, start);
    while s.get(p) == Some(&b'#') {
        p += 1;
    }
    p = skip_stars(s, skip_blanks(s, p));
    p += starts_with_ci(s, p, b"answer")?;
    p = skip_blanks(s, skip_stars(s, p));
    (s.get(p) == Some(&b':')).then(|| skip_stars(s, p + 1))
}

fn hashes(s: &[u8], from: usize) -> Option<Range<usize>> {
    let mut p = from + HASHES.rfind(&s[from..])? + 4;
    while s.get(p) == Some(&b'#') {
        p += 1;
    }
    Some(p..line_end(s, p))
}

fn last_number(s: &[u8], from: usize) -> Option<Range<usize>> {
    let last_digit = from + s[from..].iter().rposition(u8::is_ascii_digit)?;
    let mut token = last_digit;
    while token > from && matches!(s[token - 1], b'0'..=b'9' | b'.' | b',' | b'/') {
        token -= 1;
    }
    // Parsing the token forward, each number starting where the previous one
    // ended, finds the number that ends at the last digit without
    // backtracking: `3,14159` is 3 then 14159, `1,234.5/2` is one number.
    let limit = last_digit + 1;
    let mut number = None;
    let mut i = token;
    while i < limit {
        match number_at(s, i, limit) {
            Some(end) => {
                number = Some(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    let Range { mut start, end } = number?;
    if start > from && matches!(s[start - 1], b'-' | b'+') {
        // `x = -3` has a sign; `5-3` and `f(x)-3` have a minus.
        let before = start - 1;
        let operand = before > from
            && (s[before - 1].is_ascii_alphanumeric()
                || matches!(s[before - 1], b')' | b']' | b'}'));
        if !operand {
            start = before;
        }
    }
    Some(start..end)
}

/// The end of the number starting at `i` (before `limit`): digits with
/// optional `,ddd` groups, then optional `.digits`, then optional `/digits`.
fn number_at(s: &[u8], i: usize, limit: usize) -> Option<usize> {
    let digits = |j: usize, cap: usize| {
        s[j.min(limit)..limit]
            .iter()
            .take(cap)
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut j = i;
    let lead = digits(j, usize::MAX);
    if lead == 0 {
        // `.5` is a number; a lone `.` or `,` is not.
        let frac = digits(j + 1, usize::MAX);
        return (s[j] == b'.' && frac > 0).then_some(j + 1 + frac);
    }
    j += lead;
    if lead <= 3 {
        while j < limit && s[j] == b',' && digits(j + 1, 4) == 3 {
            j += 4;
        }
    }
    for sep in [b'.', b'/'] {
        if j < limit && s[j] == sep {
            let n = digits(j + 1, usize::MAX);
            if n > 0 {
                j += 1 + n;
            }
        }
    }
    Some(j)
}

/// The rest of the line from `p`, or, when that is blank ("**Answer:**" on
/// a line of its own), the next non-blank line.
fn line_or_next(s: &[u8], p: usize) -> Range<usize> {
    let mut start = p;
    loop {
        let end = line_end(s, start);
        if end == s.len() || !s[start..end].iter().all(u8::is_ascii_whitespace) {
            return start..end;
        }
        start = end + 1;
    }
}

fn line_end(s: &[u8], p: usize) -> usize {
    memchr(b'\n', &s[p..]).map_or(s.len(), |off| p + off)
}

/// The length of `word` if `s[at..]` starts with it, ignoring ASCII case.
fn starts_with_ci(s: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let head = s.get(at..at + word.len())?;
    head.eq_ignore_ascii_case(word).then_some(word.len())
}

fn skip_blanks(s: &[u8], mut p: usize) -> usize {
    while matches!(s.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    p
}

fn skip_stars(s: &[u8], mut p: usize) -> usize {
    while s.get(p) == Some(&b'*') {
        p += 1;
    }
    p
}

/// Trims a raw span and peels markup off its ends (see the module docs).
/// `None` if nothing is left.
fn clean(s: &[u8], mut r: Range<usize>) -> Option<Range<usize>> {
    // A few rounds peel layered wrappers like `**$\frac12$.**`; a fixed
    // number, because each round's `$` check reads the whole span and
    // unbounded rounds over `$$$$…` would be quadratic.
    for _ in 0..4 {
        let before = r.clone();
        r = trim(s, r);
        let t = &s[r.clone()];
        if t.starts_with(b"**") {
            r.start += 2;
        }
        if r.len() >= 2 && s[r.clone()].ends_with(b"**") {
            r.end -= 2;
        }
        r = trim(s, r);
        let t = &s[r.clone()];
        if t.ends_with(b".") && !t.ends_with(b"..") {
            r.end -= 1;
            r = trim(s, r);
        }
        r = strip_delimiters(s, r);
        if r == before {
            break;
        }
    }
    let r = trim(s, r);
    (!r.is_empty()).then_some(r)
}

fn strip_delimiters(s: &[u8], r: Range<usize>) -> Range<usize> {
    let t = &s[r.clone()];
    let pairs: [(&[u8], &[u8]); 4] = [
        (b"$$", b"$$"),
        (b"$", b"$"),
        (b"\\(", b"\\)"),
        (b"\\[", b"\\]"),
    ];
    for (open, close) in pairs {
        if t.len() >= open.len() + close.len() && t.starts_with(open) && t.ends_with(close) {
            let inner = &t[open.len()..t.len() - close.len()];
            // `$a$ or $b$` starts and ends with `$` but is two formulas.
            if memmem::find(inner, close).is_none() && memchr(b'$', inner).is_none() {
                return r.start + open.len()..r.end - close.len();
            }
            // `$$…$$` that failed is not `$…$` either.
            return r;
        }
    }
    r
}

fn trim(s: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && s[r.start].is_ascii_whitespace() {
        r.start += 1;
    }
    while r.end > r.start && s[r.end - 1].is_ascii_whitespace() {
        r.end -= 1;
    }
    r
}
