//! The result cache: evaluations of expensive aspects in an embedded SQLite
//! file, keyed by content hash, so that a re-run or a second epoch pays for
//! nothing twice.
//!
//! The file uses WAL journaling and a busy timeout, so several processes (a
//! `plaudit score` beside a `plaudit serve`) can read and write it at once.
//! Lookups and writes are batched: one transaction per batch of samples.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use plaudit_core::{Evaluation, Outcome};
use rusqlite::{Connection, OptionalExtension, params};

/// A cache key: BLAKE3 of (aspect kind, kind version, aspect parameters,
/// sample content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(pub [u8; 32]);

/// A cache failure. Reading or writing the cache never fails a score: the
/// engine evaluates without it and reports the error once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The SQLite file could not be opened or used.
    #[error("the cache {path} failed: {source}")]
    Sqlite {
        /// The cache file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// An embedded SQLite cache of evaluations.
#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS evaluations (
    key BLOB PRIMARY KEY,
    evaluation TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch())
) WITHOUT ROWID;
";

impl Cache {
    /// Opens (or creates) the cache file.
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let err = |source| CacheError::Sqlite {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // A missing folder is created; failing that, SQLite says why.
            let _ = std::fs::create_dir_all(parent);
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> CacheError {
        CacheError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Looks up many keys in one transaction. An entry that no longer
    /// deserializes (written by another version) is a miss.
    pub fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<Evaluation>>, CacheError> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(keys.len());
        {
            let mut stmt = tx
                .prepare_cached("SELECT evaluation FROM evaluations WHERE key = ?1")
                .map_err(|e| self.err(e))?;
            for key in keys {
                let text: Option<String> = stmt
                    .query_row(params![&key.0[..]], |row| row.get(0))
                    .optional()
                    .map_err(|e| self.err(e))?;
                out.push(text.and_then(|t| serde_json::from_str(&t).ok()));
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// Stores many evaluations in one transaction. Only outcomes that are a
    /// property of the input are stored (scored, not applicable): a failure
    /// or a timeout may be transient and is retried next time.
    pub fn put_many<'a>(
        &self,
        entries: impl IntoIterator<Item = (CacheKey, &'a Evaluation)>,
    ) -> Result<usize, CacheError> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let mut stored = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO evaluations (key, evaluation) VALUES (?1, ?2)",
                )
                .map_err(|e| self.err(e))?;
            for (key, evaluation) in entries {
                if !cacheable(&evaluation.outcome) {
                    continue;
                }
                let text = serde_json::to_string(evaluation).expect("evaluations serialize");
                stmt.execute(params![&key.0[..], text])
                    .map_err(|e| self.err(e))?;
                stored += 1;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(stored)
    }

    /// How many evaluations the cache holds.
    pub fn len(&self) -> Result<u64, CacheError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM evaluations", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> Result<bool, CacheError> {
        Ok(self.len()? == 0)
    }
}

fn cacheable(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Scored { .. } | Outcome::NotApplicable { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey([n; 32])
    }

    #[test]
    fn round_trips_and_skips_transient_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("sub/cache.sqlite")).unwrap();
        let scored = Evaluation::scored(0.75).with("extracted", "3");
        let failed = Evaluation::failed("judge returned 503");
        assert_eq!(
            cache
                .put_many([(key(1), &scored), (key(2), &failed)])
                .unwrap(),
            1
        );
        let got = cache.get_many(&[key(1), key(2), key(3)]).unwrap();
        assert_eq!(got, vec![Some(scored), None, None]);
    }

    #[test]
    fn survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let e = Evaluation::not_applicable("no reference");
        Cache::open(&path)
            .unwrap()
            .put_many([(key(9), &e)])
            .unwrap();
        let again = Cache::open(&path).unwrap();
        assert_eq!(again.get_many(&[key(9)]).unwrap(), vec![Some(e)]);
        assert_eq!(again.len().unwrap(), 1);
    }

    #[test]
    fn concurrent_writers_on_separate_connections_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        Cache::open(&path).unwrap();
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let path = &path;
                s.spawn(move || {
                    let cache = Cache::open(path).unwrap();
                    for batch in 0..10u8 {
                        let evals: Vec<(CacheKey, Evaluation)> = (0..25u8)
                            .map(|i| {
                                let mut k = [0u8; 32];
                                k[0] = t;
                                k[1] = batch;
                                k[2] = i;
                                (CacheKey(k), Evaluation::scored(f64::from(i)))
                            })
                            .collect();
                        cache.put_many(evals.iter().map(|(k, e)| (*k, e))).unwrap();
                    }
                });
            }
        });
        assert_eq!(Cache::open(&path).unwrap().len().unwrap(), 4 * 10 * 25);
    }

    #[test]
    fn an_unopenable_path_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = Cache::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
    }
}
