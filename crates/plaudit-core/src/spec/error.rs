//! Spec errors that point at the file, line and field.

use std::fmt;

/// One thing wrong with a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, as a path (`aspect[1].weight`); empty for the document.
    pub path: String,
    /// 1-based line in the spec file, when it can be located.
    pub line: Option<usize>,
    /// 1-based column, when it can be located.
    pub column: Option<usize>,
    /// What is wrong, and what would be right.
    pub message: String,
}

/// Everything wrong with a spec, with where it was read from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct SpecError {
    /// The file the spec came from, or a label such as `<inline>`.
    pub origin: String,
    /// The problems, in document order where known.
    pub problems: Vec<Problem>,
}

impl SpecError {
    /// An error with these problems.
    pub fn new(origin: impl Into<String>, problems: Vec<Problem>) -> Self {
        Self {
            origin: origin.into(),
            problems,
        }
    }

    /// An error with a single problem at no particular place.
    pub fn single(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            problems: vec![Problem {
                path: String::new(),
                line: None,
                column: None,
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: ")?,
            (Some(l), None) => write!(f, "{l}: ")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "the spec {} has {n} problem{}",
            self.origin,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            // `file:line:col: …` where located, `file: …` where not.
            let sep = if p.line.is_some() { ":" } else { ": " };
            write!(f, "\n  {}{sep}{p}", self.origin)?;
        }
        Ok(())
    }
}
