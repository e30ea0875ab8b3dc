//! Small pure helpers the adapters share, kept in Rust so that they have
//! one definition and unit tests: the verl routing file, and the recovery
//! of a response from an OpenRLHF query.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Deserialize;

use crate::errors::ConfigError;

/// Which spec scores which `data_source`, as written in a routing file.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    /// The spec for data sources not listed in `specs`.
    #[serde(default)]
    default: Option<PathBuf>,
    /// The reward of a sample that has none (an aspect whose `on_missing`
    /// is `fail` did not score); the sample is also counted in
    /// `plaudit/reward_missing`.
    #[serde(default)]
    missing_reward: Option<f64>,
    /// Spec files by data source.
    #[serde(default)]
    specs: BTreeMap<String, PathBuf>,
}

/// A routing file read, its spec paths resolved against its folder.
#[derive(Debug, PartialEq)]
pub(crate) struct Routes {
    pub(crate) default: Option<PathBuf>,
    pub(crate) missing_reward: f64,
    pub(crate) specs: BTreeMap<String, PathBuf>,
}

/// Parses a routing file's text (TOML, or JSON when `path` ends in
/// `.json`).
pub(crate) fn parse_routes(path: &Path, text: &str) -> Result<Routes, String> {
    let at = path.display();
    let file: RoutesFile = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        serde_json::from_str(text).map_err(|e| format!("the routing file {at} is invalid: {e}"))?
    } else {
        toml::from_str(text).map_err(|e| format!("the routing file {at} is invalid: {e}"))?
    };
    if file.default.is_none() && file.specs.is_empty() {
        return Err(format!(
            "the routing file {at} names no spec: give `default = \"spec.toml\"` or a `[specs]` table of data_source = \"spec.toml\""
        ));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(Routes {
        default: file.default.map(|p| base.join(p)),
        missing_reward: file.missing_reward.unwrap_or(0.0),
        specs: file
            .specs
            .into_iter()
            .map(|(k, p)| (k, base.join(p)))
            .collect(),
    })
}

/// Reads a routing file: `{"default": path | None, "missing_reward":
/// float, "specs": {data_source: path}}`, paths resolved against the file's
/// folder.
#[pyfunction]
pub(crate) fn read_routes<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let text = std::fs::read_to_string(&path).map_err(|e| {
        ConfigError::new_err(format!(
            "cannot read the routing file {}: {e}",
            path.display()
        ))
    })?;
    let routes = parse_routes(&path, &text).map_err(ConfigError::new_err)?;
    let d = PyDict::new(py);
    d.set_item("default", routes.default)?;
    d.set_item("missing_reward", routes.missing_reward)?;
    d.set_item("specs", routes.specs)?;
    Ok(d)
}

/// `strip_end_of_turn(text, tokens)`: removes trailing end-of-turn and
/// padding tokens (repeatedly, with the whitespace between them) from a
/// response, as plaudit's OpenRLHF endpoint does
/// ([`plaudit_core::turn::strip_end_of_turn`]).
#[pyfunction]
pub(crate) fn strip_end_of_turn(text: &str, tokens: Vec<String>) -> String {
    plaudit_core::turn::strip_end_of_turn(text, &tokens).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_against_the_file() {
        let r = parse_routes(
            Path::new("/cfg/routes.toml"),
            "default = \"math.toml\"\nmissing_reward = -1.0\n[specs]\n\"openai/gsm8k\" = \"specs/gsm8k.toml\"\n",
        )
        .unwrap();
        assert_eq!(r.default, Some(PathBuf::from("/cfg/math.toml")));
        assert_eq!(r.missing_reward, -1.0);
        assert_eq!(
            r.specs["openai/gsm8k"],
            PathBuf::from("/cfg/specs/gsm8k.toml")
        );
    }

    #[test]
    fn routes_in_json() {
        let r = parse_routes(Path::new("r.json"), r#"{"specs": {"a": "/abs/a.toml"}}"#).unwrap();
        assert_eq!(r.default, None);
        assert_eq!(r.missing_reward, 0.0);
        assert_eq!(r.specs["a"], PathBuf::from("/abs/a.toml"));
    }

    #[test]
    fn routes_without_a_spec_say_what_to_write() {
        let e = parse_routes(Path::new("r.toml"), "missing_reward = 0.0\n").unwrap_err();
        assert!(e.contains("names no spec"), "{e}");
        let e = parse_routes(Path::new("r.toml"), "defualt = \"x.toml\"\n").unwrap_err();
        assert!(e.contains("unknown field `defualt`"), "{e}");
    }
}
