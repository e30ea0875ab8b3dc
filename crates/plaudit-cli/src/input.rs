//! Reading datasets: JSONL streamed in chunks, Parquet row by row, and the
//! mapping of a row's fields to a [`Sample`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::Path;

use anyhow::Context as _;
use clap::Args;
use plaudit_core::{Content, Sample, json_type};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

/// A line longer than this is reported and skipped without being held in
/// memory whole.
pub const MAX_LINE_BYTES: usize = 256 << 20;

/// Where the sample's fields are in an input row. Paths are dotted
/// (`reward_model.ground_truth`).
#[derive(Debug, Clone, Args)]
pub struct FieldArgs {
    /// The field holding the sample id [default: id; absent: the row's position].
    #[arg(long, value_name = "PATH")]
    id_field: Option<String>,
    /// The field holding the prompt (text or chat messages).
    #[arg(long, value_name = "PATH", default_value = "prompt")]
    prompt_field: String,
    /// The field holding the model's response (text or chat messages).
    #[arg(long, value_name = "PATH", default_value = "response")]
    response_field: String,
    /// The field holding the reference [default: `reference`, else verl's
    /// `reward_model.ground_truth`].
    #[arg(long, value_name = "PATH")]
    reference_field: Option<String>,
    /// The field holding the prompt group, for group normalization.
    #[arg(long, value_name = "PATH", default_value = "group")]
    group_field: String,
    /// The field holding free metadata for aspects.
    #[arg(long, value_name = "PATH", default_value = "meta")]
    meta_field: String,
}

/// [`FieldArgs`] split into path segments once.
#[derive(Debug, Clone)]
pub struct FieldMap {
    id: Vec<String>,
    prompt: Vec<String>,
    response: Vec<String>,
    reference: Option<Vec<String>>,
    group: Vec<String>,
    meta: Vec<String>,
    response_name: String,
}

fn split(path: &str) -> Vec<String> {
    path.split('.').map(str::to_owned).collect()
}

impl FieldMap {
    pub fn new(args: &FieldArgs) -> Self {
        Self {
            id: split(args.id_field.as_deref().unwrap_or("id")),
            prompt: split(&args.prompt_field),
            response: split(&args.response_field),
            reference: args.reference_field.as_deref().map(split),
            group: split(&args.group_field),
            meta: split(&args.meta_field),
            response_name: args.response_field.clone(),
        }
    }

    /// Whether every path is the default, so that rows can be read
    /// straight into [`Fields`] without building a JSON tree first.
    fn is_default(&self) -> bool {
        let one = |p: &[String], name: &str| p.len() == 1 && p[0] == name;
        one(&self.id, "id")
            && one(&self.prompt, "prompt")
            && one(&self.response, "response")
            && self.reference.is_none()
            && one(&self.group, "group")
            && one(&self.meta, "meta")
    }

    /// Builds a sample from one row, taking the fields out of it.
    /// `position` is the row's 0-based place in the whole input, the id of
    /// rows without one.
    pub fn sample(&self, row: Value, position: u64) -> Result<Sample, String> {
        let Value::Object(map) = row else {
            return Err(format!(
                "expected a JSON object per row, found {}",
                json_type(&row)
            ));
        };
        if self.is_default() {
            return self.build(Fields::from_object(map), position);
        }
        let mut row = Value::Object(map);
        let reference = match &self.reference {
            Some(path) => take(&mut row, path),
            None => take(&mut row, &split("reference"))
                .or_else(|| take(&mut row, &split("reward_model.ground_truth"))),
        };
        let fields = Fields {
            id: take(&mut row, &self.id),
            prompt: take(&mut row, &self.prompt),
            response: take(&mut row, &self.response),
            reference,
            group: take(&mut row, &self.group),
            meta: take(&mut row, &self.meta),
        };
        self.build(fields, position)
    }

    /// Parses one JSONL line into a sample.
    pub fn sample_from_line(&self, line: &[u8], position: u64) -> Result<Sample, String> {
        // The default layout reads straight into its fields; anything the
        // fast path rejects (not an object, an odd `reward_model`, a
        // repeated key) is read again the general way, so both agree.
        let fast = self
            .is_default()
            .then(|| serde_json::from_slice::<DefaultRow>(line).ok())
            .flatten();
        if let Some(row) = fast {
            return self.build(row.into_fields(), position);
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(row) => self.sample(row, position),
            // A line that is not UTF-8 says so, rather than where JSON broke.
            Err(e) => Err(match std::str::from_utf8(line) {
                Err(u) => format!("invalid UTF-8 at byte {} of the line", u.valid_up_to() + 1),
                Ok(_) => format!("malformed JSON: {e}"),
            }),
        }
    }

    fn build(&self, f: Fields, position: u64) -> Result<Sample, String> {
        let response = match f.response {
            Some(Value::Null) | None => {
                return Err(format!(
                    "no `{}` field; name the field holding the model's response with --response-field",
                    self.response_name
                ));
            }
            Some(v) => Content::response_from_json(v)
                .map_err(|e| format!("field `{}`: {e}", self.response_name))?,
        };
        let prompt = match f.prompt {
            Some(Value::Null) | None => Content::default(),
            Some(v) => Content::prompt_from_json(v)
                .map_err(|e| format!("field `{}`: {e}", self.prompt.join(".")))?,
        };
        let id = match f.id {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Null) | None => position.to_string(),
            Some(other) => {
                return Err(format!(
                    "field `{}` must be a string or a number, not {}",
                    self.id.join("."),
                    json_type(&other)
                ));
            }
        };
        let group = match f.group {
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Null) | None => None,
            Some(other) => {
                return Err(format!(
                    "field `{}` must be a string or a number, not {}",
                    self.group.join("."),
                    json_type(&other)
                ));
            }
        };
        Ok(Sample {
            id,
            prompt,
            response,
            reference: f.reference.filter(|v| !v.is_null()),
            group,
            meta: f.meta.unwrap_or(Value::Null),
        })
    }
}

/// The fields of a row that make a sample, found but not yet checked.
#[derive(Debug, Default)]
struct Fields {
    id: Option<Value>,
    prompt: Option<Value>,
    response: Option<Value>,
    reference: Option<Value>,
    group: Option<Value>,
    meta: Option<Value>,
}

impl Fields {
    /// The default layout's fields of a row already parsed as JSON.
    fn from_object(mut map: serde_json::Map<String, Value>) -> Fields {
        let reference = map.remove("reference").or_else(|| {
            map.get_mut("reward_model")
                .and_then(Value::as_object_mut)
                .and_then(|rm| rm.remove("ground_truth"))
        });
        Fields {
            id: map.remove("id"),
            prompt: map.remove("prompt"),
            response: map.remove("response"),
            reference,
            group: map.remove("group"),
            meta: map.remove("meta"),
        }
    }
}

/// A row in the default layout, read directly: other fields are skipped
/// without being built.
#[derive(Deserialize)]
struct DefaultRow {
    id: Option<Value>,
    prompt: Option<Value>,
    response: Option<Value>,
    reference: Option<Value>,
    reward_model: Option<RewardModel>,
    group: Option<Value>,
    meta: Option<Value>,
}

#[derive(Deserialize)]
struct RewardModel {
    ground_truth: Option<Value>,
}

impl DefaultRow {
    fn into_fields(self) -> Fields {
        Fields {
            id: self.id,
            prompt: self.prompt,
            response: self.response,
            reference: self
                .reference
                .or_else(|| self.reward_model.and_then(|rm| rm.ground_truth)),
            group: self.group,
            meta: self.meta,
        }
    }
}

/// Removes the value at a dotted path from a row.
fn take(row: &mut Value, path: &[String]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut cur = row;
    for p in parents {
        cur = cur.get_mut(p.as_str())?;
    }
    cur.as_object_mut()?.remove(last.as_str())
}

/// A row that could not become a sample.
#[derive(Debug, Clone)]
pub struct RowError {
    /// `file:line` (JSONL) or `file:row N` (Parquet).
    pub place: String,
    pub message: String,
}

/// The rows of one chunk, read but not yet parsed.
pub enum Chunk {
    /// JSONL lines: their bytes in one buffer, with each line's number
    /// and range, or why it could not be read whole.
    Lines {
        buf: Vec<u8>,
        lines: Vec<(u64, Result<Range<usize>, String>)>,
    },
    /// Rows already decoded (Parquet), with their row numbers.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    Rows(Vec<(u64, Result<Value, String>)>),
}

/// One entry of a parsed chunk: the row's position in the whole input and
/// its sample, or why it has none.
pub type Parsed = (u64, Result<Sample, RowError>);

impl Chunk {
    /// Parses every row in parallel. `first_position` is the position of the
    /// chunk's first row in the whole input. Gives back the chunk's line
    /// buffer, for the reader to fill again.
    pub fn parse(
        self,
        file: &str,
        map: &FieldMap,
        first_position: u64,
    ) -> (Vec<Parsed>, Option<Vec<u8>>) {
        match self {
            Chunk::Lines { buf, lines } => {
                let parsed = lines
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, (line, range))| {
                        let position = first_position + i as u64;
                        let r = range
                            .and_then(|range| map.sample_from_line(&buf[range], position))
                            .map_err(|message| RowError {
                                place: format!("{file}:{line}"),
                                message,
                            });
                        (position, r)
                    })
                    .collect();
                (parsed, Some(buf))
            }
            Chunk::Rows(rows) => {
                let parsed = rows
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, (row, value))| {
                        let position = first_position + i as u64;
                        let r = value
                            .and_then(|v| map.sample(v, position))
                            .map_err(|message| RowError {
                                place: format!("{file}:row {row}"),
                                message,
                            });
                        (position, r)
                    })
                    .collect();
                (parsed, None)
            }
        }
    }
}

/// A source of chunks.
pub trait ChunkSource {
    /// The next chunk of up to `max_rows` rows, or `None` at the end.
    fn next_chunk(&mut self, max_rows: usize) -> anyhow::Result<Option<Chunk>>;
    /// The total size for a progress bar, and its unit.
    fn size_hint(&self) -> Option<u64>;
    /// Progress so far in the same unit.
    fn progress(&self) -> u64;
    /// Where used line buffers come back, to be filled again instead of
    /// allocating (and page-faulting) a fresh one per chunk.
    fn recycle_from(&mut self, _spare: crossbeam_channel::Receiver<Vec<u8>>) {}
}

/// Opens an input by extension: `.parquet` or JSONL (`-` is stdin).
pub fn open(path: &Path) -> anyhow::Result<Box<dyn ChunkSource + Send>> {
    let is_parquet = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if is_parquet {
        return open_parquet(path);
    }
    if path.as_os_str() == "-" {
        return Ok(Box::new(Jsonl::new(Box::new(io::stdin()), None)));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok(Box::new(Jsonl::new(Box::new(file), len)))
}

#[cfg(feature = "parquet")]
fn open_parquet(path: &Path) -> anyhow::Result<Box<dyn ChunkSource + Send>> {
    let rows = plaudit_io::parquet_rows(path)?;
    Ok(Box::new(Parquet { rows, read: 0 }))
}

#[cfg(not(feature = "parquet"))]
fn open_parquet(path: &Path) -> anyhow::Result<Box<dyn ChunkSource + Send>> {
    anyhow::bail!(
        "{} is a Parquet file, but this plaudit was built without the `parquet` feature",
        path.display()
    )
}

/// JSON Lines, streamed.
struct Jsonl {
    reader: BufReader<Box<dyn Read + Send>>,
    len: Option<u64>,
    read: u64,
    line: u64,
    spare: Option<crossbeam_channel::Receiver<Vec<u8>>>,
}

impl Jsonl {
    fn new(inner: Box<dyn Read + Send>, len: Option<u64>) -> Self {
        Self {
            reader: BufReader::with_capacity(1 << 20, inner),
            len,
            read: 0,
            line: 0,
            spare: None,
        }
    }
}

impl ChunkSource for Jsonl {
    fn next_chunk(&mut self, max_rows: usize) -> anyhow::Result<Option<Chunk>> {
        let mut buf = self
            .spare
            .as_ref()
            .and_then(|r| r.try_recv().ok())
            .unwrap_or_default();
        buf.clear();
        let mut lines = Vec::new();
        // Bound a chunk by bytes too, so that a few huge lines do not pile up.
        while lines.len() < max_rows && buf.len() < (64 << 20) {
            let start = buf.len();
            let (n, complete) = read_line_capped(&mut self.reader, &mut buf, MAX_LINE_BYTES)?;
            if n == 0 {
                break;
            }
            self.read += n as u64;
            self.line += 1;
            if !complete {
                buf.truncate(start);
                lines.push((
                    self.line,
                    Err(format!(
                        "the line is longer than {MAX_LINE_BYTES} bytes; it was skipped"
                    )),
                ));
                continue;
            }
            let mut end = buf.len();
            while end > start && matches!(buf[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            if buf[start..end].iter().all(u8::is_ascii_whitespace) {
                buf.truncate(start); // blank lines are not rows
                continue;
            }
            lines.push((self.line, Ok(start..end)));
        }
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(Chunk::Lines { buf, lines }))
    }

    fn size_hint(&self) -> Option<u64> {
        self.len
    }

    fn recycle_from(&mut self, spare: crossbeam_channel::Receiver<Vec<u8>>) {
        self.spare = Some(spare);
    }

    fn progress(&self) -> u64 {
        self.read
    }
}

/// Appends one line (with its newline) to `buf`, unless it exceeds `cap`
/// bytes, in which case the rest of it is read and dropped. Returns the
/// bytes consumed and whether the line was kept whole.
fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(usize, bool)> {
    let start = buf.len();
    let mut consumed = 0;
    let mut complete = true;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, complete));
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let n = chunk.len();
        if complete && buf.len() - start + n <= cap {
            buf.extend_from_slice(chunk);
        } else {
            complete = false;
            buf.truncate(start);
        }
        reader.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, complete));
        }
    }
}

#[cfg(feature = "parquet")]
struct Parquet {
    rows: plaudit_io::ParquetRows,
    read: u64,
}

#[cfg(feature = "parquet")]
impl ChunkSource for Parquet {
    fn next_chunk(&mut self, max_rows: usize) -> anyhow::Result<Option<Chunk>> {
        let mut rows = Vec::new();
        for r in self.rows.by_ref().take(max_rows) {
            self.read += 1;
            rows.push((self.read, r.map(Value::Object).map_err(|e| e.to_string())));
        }
        Ok((!rows.is_empty()).then_some(Chunk::Rows(rows)))
    }

    fn size_hint(&self) -> Option<u64> {
        Some(self.rows.len_hint())
    }

    fn progress(&self) -> u64 {
        self.read
    }
}

/// The display name of an input for messages.
pub fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map() -> FieldMap {
        FieldMap::new(&FieldArgs {
            id_field: None,
            prompt_field: "prompt".into(),
            response_field: "response".into(),
            reference_field: None,
            group_field: "group".into(),
            meta_field: "meta".into(),
        })
    }

    #[test]
    fn verl_layout_reference_is_found() {
        let s = map()
            .sample(
                json!({"prompt": [{"role": "user", "content": "q"}], "response": "r",
                       "reward_model": {"style": "rule", "ground_truth": "18"}}),
                7,
            )
            .unwrap();
        assert_eq!(s.reference, Some(json!("18")));
        assert_eq!(s.id, "7");
        assert_eq!(s.prompt.text(), "q");
    }

    #[test]
    fn row_errors_say_what_is_wrong() {
        let m = map();
        assert!(
            m.sample(json!([1]), 0)
                .unwrap_err()
                .contains("a JSON object per row")
        );
        assert!(
            m.sample(json!({"x": 1}), 0)
                .unwrap_err()
                .contains("--response-field")
        );
        assert!(
            m.sample(json!({"response": "r", "id": [1]}), 0)
                .unwrap_err()
                .contains("`id`")
        );
    }

    #[test]
    fn capped_lines_are_dropped_whole() {
        let data = b"short\nthis line is too long\nok\nlast-no-newline";
        let mut r = BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            let start = buf.len();
            let (n, complete) = read_line_capped(&mut r, &mut buf, 10).unwrap();
            if n == 0 {
                break;
            }
            got.push((
                String::from_utf8_lossy(&buf[start..]).into_owned(),
                complete,
            ));
        }
        assert_eq!(
            got,
            vec![
                ("short\n".into(), true),
                (String::new(), false),
                ("ok\n".into(), true),
                (String::new(), false),
            ]
        );
    }
}
