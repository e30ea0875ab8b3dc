//! Writing scores: JSONL (stdout or a file, resumable) or Parquet.
//!
//! A JSONL batch is serialized in full and written with one `write_all`, so
//! an error never leaves half a row behind. A crash (power loss, SIGKILL)
//! can still cut the last line; `--resume` finds such a torn tail, cuts it
//! off and carries on after the last whole row.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use plaudit_core::Score;
use rayon::prelude::*;
use serde::Deserialize;

/// Where scores go.
pub enum Sink {
    Jsonl(Box<dyn Write + Send>),
    #[cfg(feature = "parquet")]
    Parquet(Box<plaudit_io::ScoreTableWriter>),
}

/// Opens the output. With `resume`, an existing JSONL output is kept and the
/// ids it already holds are returned, so that those samples are skipped.
pub fn open(
    path: Option<&Path>,
    aspect_names: &[Arc<str>],
    resume: bool,
) -> anyhow::Result<(Sink, HashSet<String>)> {
    let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
        if resume {
            bail!("--resume needs an output file (-o FILE)");
        }
        return Ok((Sink::Jsonl(Box::new(io::stdout())), HashSet::new()));
    };
    let is_parquet = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if is_parquet {
        if resume {
            bail!(
                "--resume works with JSONL output only; {} is Parquet",
                path.display()
            );
        }
        return open_parquet(path, aspect_names);
    }
    if resume && path.exists() {
        let done = resume_ids(path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot append to {}", path.display()))?;
        return Ok((Sink::Jsonl(Box::new(file)), done));
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok((Sink::Jsonl(Box::new(file)), HashSet::new()))
}

#[cfg(feature = "parquet")]
fn open_parquet(path: &Path, names: &[Arc<str>]) -> anyhow::Result<(Sink, HashSet<String>)> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let writer = plaudit_io::ScoreTableWriter::create(path, &names)?;
    Ok((Sink::Parquet(Box::new(writer)), HashSet::new()))
}

#[cfg(not(feature = "parquet"))]
fn open_parquet(path: &Path, _: &[Arc<str>]) -> anyhow::Result<(Sink, HashSet<String>)> {
    bail!(
        "{} is a Parquet file, but this plaudit was built without the `parquet` feature",
        path.display()
    )
}

/// The ids already in an output file. A torn last line (no newline) is cut
/// off; any other line that is not a score row stops the resume.
fn resume_ids(path: &Path) -> anyhow::Result<HashSet<String>> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {} to resume", path.display()))?;
    let mut reader = BufReader::new(&mut file);
    let mut ids = HashSet::new();
    let mut good_end = 0u64;
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            eprintln!(
                "warning: {}:{number} is a torn last line ({n} bytes, no newline); it is removed and its sample is scored again",
                path.display()
            );
            break;
        }
        match serde_json::from_slice::<IdOnly>(&line) {
            Ok(row) => {
                ids.insert(row.id);
            }
            Err(e) => bail!(
                "{}:{number} is not a score row ({e}); refusing to resume into this file",
                path.display()
            ),
        }
        good_end += n as u64;
    }
    drop(reader);
    if file.metadata()?.len() != good_end {
        file.set_len(good_end)?;
        file.seek(SeekFrom::End(0))?;
    }
    Ok(ids)
}

impl Sink {
    /// Writes a batch of scores.
    pub fn write(&mut self, scores: &[Score]) -> anyhow::Result<()> {
        match self {
            Sink::Jsonl(out) => {
                let parts: Vec<Vec<u8>> = scores
                    .par_chunks(256)
                    .map(|chunk| {
                        let mut buf = Vec::with_capacity(chunk.len() * 256);
                        for s in chunk {
                            serde_json::to_writer(&mut buf, s).expect("scores serialize");
                            buf.push(b'\n');
                        }
                        buf
                    })
                    .collect();
                let batch = parts.concat();
                out.write_all(&batch)?;
                out.flush()?;
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(writer) => {
                let rows: Vec<plaudit_io::ScoreRow> = scores.iter().map(score_row).collect();
                writer.write_batch(&rows)?;
            }
        }
        Ok(())
    }

    /// Finishes the output (Parquet writes its footer here).
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Jsonl(mut out) => out.flush()?,
            #[cfg(feature = "parquet")]
            Sink::Parquet(writer) => writer.finish()?,
        }
        Ok(())
    }
}

#[cfg(feature = "parquet")]
fn score_row(s: &Score) -> plaudit_io::ScoreRow {
    plaudit_io::ScoreRow {
        id: s.id.clone(),
        reward: s.reward,
        raw_reward: s.raw_reward,
        error: s.error.clone(),
        aspects: s
            .aspects
            .iter()
            .map(|a| {
                let outcome = a.outcome();
                // Everything but status and value, as the JSONL row has it.
                let mut detail = serde_json::to_value(a).expect("aspect results serialize");
                if let Some(map) = detail.as_object_mut() {
                    map.remove("status");
                    map.remove("value");
                }
                plaudit_io::AspectCell {
                    status: outcome.status().as_str().into(),
                    value: outcome.value(),
                    detail_json: Some(detail.to_string()),
                }
            })
            .collect(),
    }
}
