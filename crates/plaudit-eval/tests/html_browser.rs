//! The HTML report in a real headless browser: it loads, its inline script
//! measures the plots (SVG `getBBox`) and marks the DOM, and `--dump-dom`
//! shows the marks. Skipped with a message when `chromium` is not on the
//! PATH, unless `PLAUDIT_REQUIRE_CHROMIUM=1` (CI sets it and installs
//! Debian's chromium), where a missing browser fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plaudit_eval::{EvalOptions, Format, LoadOptions, data, evaluate, report, scores};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Runs the browser on a file and returns the DOM it ends with.
fn dump_dom(browser: &Path, html: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(out.path()).unwrap()
}

#[test]
fn html_report_plots_render_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("PLAUDIT_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!(
                "PLAUDIT_REQUIRE_CHROMIUM=1 but no chromium on the PATH (apt-get install chromium)"
            );
        }
        eprintln!(
            "skipping: no chromium on the PATH, so the HTML report is not checked in a browser \
             (apt-get install chromium; PLAUDIT_REQUIRE_CHROMIUM=1 makes this a failure)"
        );
        return;
    };
    let load = LoadOptions {
        by: vec!["language".to_owned()],
        ..LoadOptions::new(Format::Pairwise)
    };
    let (dataset, _) = data::load(&[fixture("pairwise.jsonl")], &load).unwrap();
    let (a, _) = scores::read_file(&fixture("pairwise.scores-a.jsonl"), &dataset).unwrap();
    let (b, _) = scores::read_file(&fixture("pairwise.scores-b.jsonl"), &dataset).unwrap();
    let r = evaluate(&dataset, &a, Some(&b), &EvalOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    std::fs::write(&html, report::html::render(&r)).unwrap();

    let dom = dump_dom(&browser, &html);
    assert!(
        dom.contains("data-plots-rendered=\"2/2\""),
        "the plots did not render; the DOM was:\n{}",
        &dom[..dom.len().min(3000)]
    );
    // Bars: one per subset plus overall, each with a whisker and a
    // baseline tick; the scatter: one mark per response (16).
    for (id, at_least) in [("subset-bars", 6), ("score-length", 16)] {
        let tag = dom
            .split("<svg")
            .find(|s| s.contains(&format!("id=\"{id}\"")))
            .unwrap_or_else(|| panic!("no svg #{id}"));
        let rendered: usize = tag
            .split("data-rendered=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("svg #{id} has no data-rendered"));
        assert!(rendered >= at_least, "svg #{id}: {rendered} marks drawn");
    }
}
