//! Preference data: the layouts people have, read into one shape.
//!
//! | `--format`     | a row                                                              | responses, in score order | subset                     |
//! |----------------|--------------------------------------------------------------------|---------------------------|----------------------------|
//! | `rewardbench`  | `id, prompt, chosen, rejected, subset`                             | chosen, rejected          | `subset`                   |
//! | `rewardbench2` | `id, prompt, chosen: [..], rejected: [..], num_correct, subset`    | chosen…, rejected…        | `subset`                   |
//! | `llmbar`       | `input, output_1, output_2, label` (1 or 2)                        | output_1, output_2        | the file name              |
//! | `judgebench`   | `pair_id, question, response_A, response_B, label` (`A>B`, `B>A`)  | A, B                      | category of `source`       |
//! | `hh-rlhf`      | `chosen, rejected`: whole dialogues; the shared prefix is the prompt | chosen, rejected        | the file name              |
//! | `pairwise`     | `id, prompt, chosen, rejected, [subset]`                           | chosen, rejected          | `subset`, else file name   |
//! | `bon`          | `id, prompt, responses: [..], best` (index, default 0), `[subset]` | responses                 | `subset`, else file name   |
//!
//! Files are JSONL or one JSON array (chosen by the first byte), gzipped
//! when the name ends in `.gz`. A row without an id gets its 0-based
//! position among all rows of all inputs, as `plaudit score` does. Prompts
//! and responses are text or chat messages.

mod fields;
mod formats;
pub(crate) mod read;

pub(crate) use fields::id_text;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use plaudit_core::Content;
use rayon::prelude::*;
use serde_json::Value;

use crate::EvalError;

/// A data layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RewardBench 1 rows.
    RewardBench,
    /// RewardBench 2 rows.
    RewardBench2,
    /// LLMBar rows.
    LlmBar,
    /// JudgeBench rows.
    JudgeBench,
    /// Anthropic HH-RLHF transcripts.
    HhRlhf,
    /// Generic pairwise rows.
    Pairwise,
    /// Generic best-of-N rows.
    Bon,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 7] = [
        Format::RewardBench,
        Format::RewardBench2,
        Format::LlmBar,
        Format::JudgeBench,
        Format::HhRlhf,
        Format::Pairwise,
        Format::Bon,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::RewardBench => "rewardbench",
            Format::RewardBench2 => "rewardbench2",
            Format::LlmBar => "llmbar",
            Format::JudgeBench => "judgebench",
            Format::HhRlhf => "hh-rlhf",
            Format::Pairwise => "pairwise",
            Format::Bon => "bon",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Which response should win, and how an item earns credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Two responses: credit 1 when the preferred one scores strictly
    /// higher; a tie is wrong (and counted as a tie).
    Pair {
        /// The index of the preferred response (0 or 1).
        preferred: usize,
    },
    /// Several responses: credit 1/k when `best` ties k-way at the top
    /// score (k = 1: it alone is highest), 0 otherwise.
    BestOfN {
        /// The index of the response that should win.
        best: usize,
        /// How many leading responses are correct (RewardBench 2 Ties).
        num_correct: usize,
    },
}

/// One preference item: a prompt, its responses and the rule.
#[derive(Debug, Clone)]
pub struct Item {
    /// The id a scores file names it by.
    pub id: String,
    /// Index into [`Dataset::subsets`].
    pub subset: u32,
    /// The prompt.
    pub prompt: Content,
    /// The responses, in the order their scores are listed.
    pub responses: Vec<Content>,
    /// Which response should win.
    pub rule: Rule,
    /// For each `--by` field, an index into [`Dataset::by_values`].
    pub by: Box<[u32]>,
    /// The row's other fields (only when [`LoadOptions::keep_meta`]).
    pub meta: Value,
    /// Index into [`Dataset::files`].
    pub file: u32,
    /// The 1-based line where the row starts.
    pub line: u32,
}

/// The items of one or more files in one layout.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The layout.
    pub format: Format,
    /// The items, in input order.
    pub items: Vec<Item>,
    /// Subset names, in order of first appearance.
    pub subsets: Vec<String>,
    /// The `--by` fields.
    pub by_fields: Vec<String>,
    /// For each `--by` field, its values in order of first appearance.
    pub by_values: Vec<Vec<String>>,
    /// The input files, as given.
    pub files: Vec<String>,
}

impl Dataset {
    /// Where item `i` comes from: `file:line`.
    pub fn place(&self, i: usize) -> String {
        let item = &self.items[i];
        format!("{}:{}", self.files[item.file as usize], item.line)
    }

    /// The subset name of item `i`.
    pub fn subset_of(&self, i: usize) -> &str {
        &self.subsets[self.items[i].subset as usize]
    }

    /// Where each item's scores start in the flat list of all responses
    /// (one more entry than items: the total at the end).
    pub fn offsets(&self) -> Vec<usize> {
        let mut offsets = Vec::with_capacity(self.items.len() + 1);
        let mut total = 0;
        offsets.push(0);
        for item in &self.items {
            total += item.responses.len();
            offsets.push(total);
        }
        offsets
    }
}

/// A row that was not read, and why. The other rows are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// `file:line` (with the element's index for a JSON array).
    pub place: String,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// How to read the data.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The layout.
    pub format: Format,
    /// Metadata fields (dotted paths) to break results down by.
    pub by: Vec<String>,
    /// Keep each row's other fields as the item's metadata (a reward spec
    /// may read them); off, they are dropped to save memory.
    pub keep_meta: bool,
}

impl LoadOptions {
    /// Reads `format`, keeping no metadata and breaking down by nothing.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            by: Vec::new(),
            keep_meta: false,
        }
    }
}

struct Row {
    parsed: formats::Parsed,
    by: Vec<Option<String>>,
    meta: Value,
    line: u32,
    position: u64,
}

/// Reads every file. A file that cannot be read stops the load; a bad row
/// is returned among the errors and the other rows are kept.
pub fn load(
    paths: &[impl AsRef<Path>],
    options: &LoadOptions,
) -> Result<(Dataset, Vec<RowError>), EvalError> {
    let mut dataset = Dataset {
        format: options.format,
        items: Vec::new(),
        subsets: Vec::new(),
        by_fields: options.by.clone(),
        by_values: vec![Vec::new(); options.by.len()],
        files: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut subset_index: HashMap<String, u32> = HashMap::new();
    let mut by_index: Vec<HashMap<String, u32>> = vec![HashMap::new(); options.by.len()];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut position = 0u64;
    for path in paths {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = read::read_bytes(path)?;
        let raw = read::split_rows(path, &bytes)?;
        let stem = read::stem(path);
        let file = u32::try_from(dataset.files.len()).unwrap_or(u32::MAX);
        dataset.files.push(name.clone());
        let first = position;
        position += raw.len() as u64;
        let parsed: Vec<Result<Row, RowError>> = raw
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                parse_row(r.text, options)
                    .map(|(parsed, by, meta)| Row {
                        parsed,
                        by,
                        meta,
                        line: r.line,
                        position: first + i as u64,
                    })
                    .map_err(|message| RowError {
                        place: match r.element {
                            Some(e) => format!("{name}:{} (element {e})", r.line),
                            None => format!("{name}:{}", r.line),
                        },
                        message,
                    })
            })
            .collect();
        for row in parsed {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let id = row.parsed.id.unwrap_or_else(|| row.position.to_string());
            if let Some(&first) = seen.get(&id) {
                errors.push(RowError {
                    place: format!("{name}:{}", row.line),
                    message: format!("id `{id}` repeats (first at {})", dataset.place(first)),
                });
                continue;
            }
            let subset_name = row.parsed.subset.unwrap_or_else(|| stem.clone());
            let subset = intern(&mut subset_index, &mut dataset.subsets, &subset_name);
            let by = row
                .by
                .into_iter()
                .enumerate()
                .map(|(f, v)| {
                    let v = v.unwrap_or_else(|| {
                        if options.by[f] == "subset" {
                            subset_name.clone()
                        } else {
                            "(none)".to_owned()
                        }
                    });
                    intern(&mut by_index[f], &mut dataset.by_values[f], &v)
                })
                .collect();
            seen.insert(id.clone(), dataset.items.len());
            dataset.items.push(Item {
                id,
                subset,
                prompt: row.parsed.prompt,
                responses: row.parsed.responses,
                rule: row.parsed.rule,
                by,
                meta: row.meta,
                file,
                line: row.line,
            });
        }
    }
    Ok((dataset, errors))
}

type ParsedRow = (formats::Parsed, Vec<Option<String>>, Value);

fn parse_row(text: &[u8], options: &LoadOptions) -> Result<ParsedRow, String> {
    let value: Value =
        serde_json::from_slice(text).map_err(|e| match std::str::from_utf8(text) {
            Err(u) => format!("invalid UTF-8 at byte {} of the row", u.valid_up_to() + 1),
            Ok(_) => format!("malformed JSON: {e}"),
        })?;
    let Value::Object(mut row) = value else {
        return Err(format!(
            "expected a JSON object per row, found {}",
            plaudit_core::json_type(&value)
        ));
    };
    let by = options.by.iter().map(|f| fields::lookup(&row, f)).collect();
    let parsed = formats::parse(options.format, &mut row)?;
    let meta = if options.keep_meta && !row.is_empty() {
        Value::Object(row)
    } else {
        Value::Null
    };
    Ok((parsed, by, meta))
}

fn intern(index: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    if let Some(&i) = index.get(name) {
        return i;
    }
    let i = u32::try_from(names.len()).unwrap_or(u32::MAX);
    names.push(name.to_owned());
    index.insert(name.to_owned(), i);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        let err = "rb3".parse::<Format>().unwrap_err();
        assert!(
            err.starts_with("unknown format `rb3` (expected one of: rewardbench,"),
            "{err}"
        );
    }

    #[test]
    fn bad_rows_are_reported_and_good_rows_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            concat!(
                "{\"id\": 1, \"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"subset\": \"s\"}\n",
                "{\"id\": 2, \"prompt\": \"p\", \"chosen\": \"a\", \"subset\": \"s\"}\n",
                "not json\n",
                "{\"id\": 1, \"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"subset\": \"s\"}\n",
                "{\"id\": 4, \"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"subset\": \"t\"}\n",
            ),
        )
        .unwrap();
        let (data, errors) = load(&[&path], &LoadOptions::new(Format::RewardBench)).unwrap();
        let ids: Vec<&str> = data.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["1", "4"]);
        assert_eq!(data.subsets, ["s", "t"]);
        let p = path.display();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown[0], format!("{p}:2: missing field `rejected`"));
        assert!(
            shown[1].starts_with(&format!("{p}:3: malformed JSON: expected ident")),
            "{}",
            shown[1]
        );
        assert_eq!(shown[2], format!("{p}:4: id `1` repeats (first at {p}:1)"));
    }
}
