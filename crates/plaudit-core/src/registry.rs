//! The registry maps a spec's `kind` to the code that builds the aspect.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Aspect;

/// Where an aspect is being built: relative paths in its parameters (a
/// tokenizer file, a schema) resolve against the spec's folder.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The folder of the spec file; empty for specs given as text.
    pub base_dir: PathBuf,
}

impl BuildContext {
    /// Resolves a path from the spec against the spec's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.base_dir.join(path)
        }
    }
}

/// Why an aspect could not be built from its parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A parameter is missing, unknown or of the wrong type.
    #[error("{message}")]
    Param {
        /// The parameter, when known (`max_tokens`, `schema.type`…).
        field: Option<String>,
        /// What was wrong.
        message: String,
    },
}

impl BuildError {
    /// An error about one parameter.
    pub fn param(field: impl Into<String>, message: impl Into<String>) -> Self {
        BuildError::Param {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The parameter the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            BuildError::Param { field, .. } => field.as_deref(),
        }
    }

    /// Deserializes an aspect's parameters into its config struct, naming
    /// the offending parameter on error.
    pub fn parse_params<T: DeserializeOwned>(params: &Map<String, Value>) -> Result<T, BuildError> {
        // Deserializing from the borrowed map avoids cloning large parameters.
        serde_path_to_error::deserialize(params).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let field = if path != "." && !path.is_empty() {
                Some(path)
            } else {
                // serde names an unknown field only in its message.
                message
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_owned)
            };
            BuildError::Param { field, message }
        })
    }
}

/// Builds an aspect from its parameters.
pub type BuildFn = fn(&Map<String, Value>, &BuildContext) -> Result<Box<dyn Aspect>, BuildError>;

/// One aspect kind.
#[derive(Clone, Copy)]
pub struct KindEntry {
    /// The name a spec uses in `kind = "…"`.
    pub kind: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Bumped whenever the kind's results change for the same inputs, so that
    /// cached evaluations of an older version are not reused.
    pub version: u32,
    /// Builds the aspect from its parameters (the spec's aspect table without
    /// the fields every aspect shares).
    pub build: BuildFn,
}

impl fmt::Debug for KindEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindEntry")
            .field("kind", &self.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The aspect kinds a spec may name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    entries: Vec<KindEntry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a kind, replacing one of the same name.
    pub fn register(&mut self, entry: KindEntry) -> &mut Self {
        self.entries.retain(|e| e.kind != entry.kind);
        self.entries.push(entry);
        self.entries.sort_by_key(|e| e.kind);
        self
    }

    /// Looks a kind up.
    pub fn get(&self, kind: &str) -> Option<&KindEntry> {
        self.entries.iter().find(|e| e.kind == kind)
    }

    /// Every kind, sorted by name.
    pub fn entries(&self) -> &[KindEntry] {
        &self.entries
    }

    /// The kind names, sorted, for "valid kinds are …" messages.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.kind).collect()
    }
}
