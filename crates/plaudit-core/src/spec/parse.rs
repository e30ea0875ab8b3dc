//! Reading a spec from TOML or JSON text.

use std::path::{Path, PathBuf};

use super::locate::{self, Seg};
use super::{Problem, Spec, SpecError};
use crate::Registry;

/// The syntax a spec is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML, the usual form.
    Toml,
    /// JSON, for specs built by programs.
    Json,
}

/// A spec's text with where it came from, kept so that errors found at any
/// stage (parsing, validation, building aspects) can point at a line.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The file name or a label such as `<inline>`.
    pub origin: String,
    /// The text.
    pub text: String,
    /// Its syntax.
    pub format: Format,
    /// The folder relative paths in the spec resolve against.
    pub base_dir: PathBuf,
}

impl SpecSource {
    /// Reads a spec file; the syntax follows the extension (`.json` is JSON,
    /// anything else TOML).
    pub fn from_path(path: &Path) -> Result<Self, SpecError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| SpecError::single(&origin, format!("cannot read the file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                locate::line_col(std::str::from_utf8(valid).unwrap_or(""), valid.len())
            };
            SpecError {
                origin: origin.clone(),
                problems: vec![Problem {
                    path: String::new(),
                    line: Some(line),
                    column: Some(column),
                    message: "the file is not valid UTF-8".into(),
                }],
            }
        })?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        };
        let base_dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Ok(Self {
            origin,
            text,
            format,
            base_dir,
        })
    }

    /// A spec given as text.
    pub fn from_text(origin: impl Into<String>, text: impl Into<String>, format: Format) -> Self {
        Self {
            origin: origin.into(),
            text: text.into(),
            format,
            base_dir: PathBuf::new(),
        }
    }

    /// Parses and validates the spec: syntax, field types, unknown fields,
    /// names, gates and kinds (against `registry`). Every problem found is
    /// reported, not just the first.
    pub fn parse(&self, registry: &Registry) -> Result<Spec, SpecError> {
        let (spec, problems) = self.parse_with_problems(registry)?;
        if problems.is_empty() {
            Ok(spec)
        } else {
            Err(SpecError::new(self.origin.clone(), problems))
        }
    }

    /// Like [`SpecSource::parse`], but a spec that parsed is returned with
    /// its validation problems, so that a caller can add the problems it
    /// finds itself (parameters a kind rejects) and report all at once.
    /// Syntax and type errors are still an `Err`: there is no spec to check.
    pub fn parse_with_problems(
        &self,
        registry: &Registry,
    ) -> Result<(Spec, Vec<Problem>), SpecError> {
        let spec = match self.format {
            Format::Toml => self.parse_toml()?,
            Format::Json => self.parse_json()?,
        };
        let problems = super::validate::validate(&spec, registry);
        Ok((spec, self.error(problems).problems))
    }

    fn parse_toml(&self) -> Result<Spec, SpecError> {
        // Syntax first: toml's own error carries the exact span.
        if let Err(e) = toml::de::DeTable::parse(&self.text) {
            return Err(self.error_at_span(String::new(), e.span(), e.message().to_owned()));
        }
        let de = toml::de::Deserializer::parse(&self.text)
            .map_err(|e| self.error_at_span(String::new(), e.span(), e.message().to_owned()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = segments(e.path());
            let inner = e.into_inner();
            self.error(vec![(path, inner.message().to_owned())])
        })
    }

    fn parse_json(&self) -> Result<Spec, SpecError> {
        let mut de = serde_json::Deserializer::from_str(&self.text);
        let spec: Spec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = locate::display(&segments(e.path()));
            let inner = e.into_inner();
            SpecError {
                origin: self.origin.clone(),
                problems: vec![Problem {
                    path,
                    line: Some(inner.line()).filter(|&l| l > 0),
                    column: Some(inner.column()).filter(|&c| c > 0),
                    message: strip_position(&inner.to_string()),
                }],
            }
        })?;
        de.end().map_err(|e| {
            SpecError::single(
                &self.origin,
                format!("trailing characters after the spec: {e}"),
            )
        })?;
        Ok(spec)
    }

    fn error_at_span(
        &self,
        path: String,
        span: Option<std::ops::Range<usize>>,
        message: String,
    ) -> SpecError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = locate::line_col(&self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        SpecError {
            origin: self.origin.clone(),
            problems: vec![Problem {
                path,
                line,
                column,
                message,
            }],
        }
    }

    /// Builds an error from problems given as (path, message), locating each
    /// path in the source where the syntax allows.
    pub(crate) fn error(&self, problems: Vec<(Vec<Seg>, String)>) -> SpecError {
        let problems = problems
            .into_iter()
            .map(|(path, message)| {
                let (line, column) = match self.format {
                    Format::Toml => match locate::span_of(&self.text, &path) {
                        Some(s) => {
                            let (l, c) = locate::line_col(&self.text, s.start);
                            (Some(l), Some(c))
                        }
                        None => (None, None),
                    },
                    Format::Json => (None, None),
                };
                Problem {
                    path: locate::display(&path),
                    line,
                    column,
                    message,
                }
            })
            .collect();
        SpecError {
            origin: self.origin.clone(),
            problems,
        }
    }

    /// An error about one parameter of one aspect, located in the source:
    /// used by the engine when an aspect's kind rejects its parameters.
    pub fn aspect_error(&self, index: usize, field: Option<&str>, message: String) -> Problem {
        let mut path = vec![Seg::Key("aspect".into()), Seg::Index(index)];
        if let Some(field) = field {
            for part in field.split('.') {
                path.push(Seg::Key(part.to_owned()));
            }
        }
        let mut err = self.error(vec![(path, message)]);
        err.problems.remove(0)
    }
}

fn segments(path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

/// serde_json appends " at line L column C", which the problem already shows.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
