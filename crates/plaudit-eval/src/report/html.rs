//! The report as one self-contained HTML file: inline CSS, plots as inline
//! SVG, no external script, font or stylesheet.
//!
//! A few lines of inline script run on load: they measure every plot's
//! marks with `getBBox` and record how many were drawn in `data-rendered`
//! on each `<svg class="plot">`, and `data-plots-rendered="k/n"` on
//! `<body>` — so a headless browser's `--dump-dom` shows whether the plots
//! rendered, which is how the report is tested.

use std::fmt::Write as _;

use super::{Estimate, Point, Report, num, p_text, pct};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 980px; color: #1d232a; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.meta { color: #5b6670; margin: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .2rem .6rem; text-align: right; border-bottom: 1px solid #e3e7eb; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: 600; border-top: 2px solid #9aa5b1; }
.verdict { padding: .6rem .8rem; background: #f3f6f9; border-left: 4px solid #3d7bd9; }
svg text { font: 11px system-ui, sans-serif; fill: #33404d; }
.axis { stroke: #9aa5b1; stroke-width: 1; } .grid { stroke: #e3e7eb; stroke-width: 1; }
";

const SCRIPT: &str = "
window.addEventListener('load', function () {
  var plots = document.querySelectorAll('svg.plot');
  var ok = 0;
  plots.forEach(function (svg) {
    var drawn = 0;
    svg.querySelectorAll('.mark').forEach(function (m) {
      var b = m.getBBox();
      if (b.width > 0 || b.height > 0) { drawn++; }
    });
    var box = svg.getBBox();
    svg.setAttribute('data-rendered', String(drawn));
    if (drawn > 0 && box.width > 0 && box.height > 0) { ok++; }
  });
  document.body.setAttribute('data-plots-rendered', ok + '/' + plots.length);
});
";

/// Renders the report.
pub fn render(report: &Report) -> String {
    let mut h = String::new();
    let title = format!("plaudit eval · {}", report.format);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · {} of {} items evaluated · data: {}</p>",
        escape(&report.scores),
        report.coverage.evaluated,
        report.coverage.items,
        escape(&report.inputs.join(", "))
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">overall <b>{}</b> [{}, {}] — {}; {:.0}% percentile bootstrap, {} resamples, seed {}</p>",
        pct(report.overall.score),
        pct(report.overall.ci_low),
        pct(report.overall.ci_high),
        escape(&report.overall_method),
        100.0 * report.bootstrap.confidence,
        report.bootstrap.resamples,
        report.bootstrap.seed
    );
    h.push_str("<h2>Scores by subset</h2>\n");
    h.push_str(&bars(report));
    subset_table(&mut h, report);
    if !report.sections.is_empty() {
        h.push_str("<h2>Sections</h2>\n<table><tr><th>section</th><th>n</th><th>score</th><th>interval</th></tr>\n");
        for (name, e) in &report.sections {
            estimate_row(&mut h, name, e);
        }
        if let Some(p) = &report.prior_sets {
            estimate_row(&mut h, "Prior Sets", p);
        }
        h.push_str("</table>\n");
    }
    if let Some(t) = &report.ties {
        let _ = writeln!(
            h,
            "<h2>Ties</h2>\n<table><tr><th>part</th><th>value</th></tr><tr><td>tied accuracy (×0.30)</td><td>{}</td></tr><tr><td>ref accuracy (×0.30)</td><td>{}</td></tr><tr><td>margin preferred (×0.20)</td><td>{}</td></tr><tr><td>margin preferred, hard (×0.20)</td><td>{}</td></tr><tr><td>tanh margin (×0.01)</td><td>{}</td></tr><tr class=\"total\"><td>Ties score</td><td>{}</td></tr></table>",
            pct(t.tied_accuracy),
            pct(t.ref_accuracy),
            pct(t.correctness_preferred),
            pct(t.correctness_preferred_hard),
            num(t.margin_score),
            pct(t.score)
        );
    }
    h.push_str("<h2>Score and length</h2>\n");
    let _ = writeln!(
        h,
        "<p>Over {} responses: Pearson r = {}, Spearman ρ = {}. Picking the longer response scores {}, the shorter {}.</p>",
        report.bias.responses,
        num(report.bias.pearson),
        num(report.bias.spearman),
        pct(report.bias.longer),
        pct(report.bias.shorter)
    );
    h.push_str(&scatter(&report.scatter));
    for (field, b) in &report.by {
        let _ = writeln!(
            h,
            "<h2>By {}</h2>\n<table><tr><th>{}</th><th>n</th><th>score</th><th>interval</th><th>ties</th></tr>",
            escape(field),
            escape(field)
        );
        for (value, g) in &b.groups {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td></tr>",
                escape(value),
                g.n,
                pct(g.score),
                pct(g.ci_low),
                pct(g.ci_high),
                g.ties
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(c) = &report.compare {
        let _ = writeln!(
            h,
            "<h2>Comparison</h2>\n<p>A: {} — {}<br>B: {} — {}<br>{} items scored by both. McNemar: {} only A right, {} only B right; exact p = {}, corrected χ² = {} (p = {}).</p>\n<p class=\"verdict\">{}</p>",
            escape(&c.a),
            pct(c.overall_a),
            escape(&c.b),
            pct(c.overall_b),
            c.items,
            c.mcnemar.a_only,
            c.mcnemar.b_only,
            p_text(c.mcnemar.exact_p),
            num(c.mcnemar.chi2),
            p_text(c.mcnemar.chi2_p),
            escape(&c.verdict)
        );
        h.push_str(
            "<table><tr><th>subset</th><th>A</th><th>B</th><th>A − B</th><th>interval</th></tr>\n",
        );
        for (name, d) in &c.subsets {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td></tr>",
                escape(name),
                pct(d.a),
                pct(d.b),
                pct(d.difference),
                pct(d.ci_low),
                pct(d.ci_high)
            );
        }
        h.push_str("</table>\n");
    }
    let cov = &report.coverage;
    if cov.missing > 0 || cov.rejected_rows > 0 {
        let _ = writeln!(
            h,
            "<h2>Not evaluated</h2>\n<p>{} items without scores, {} rejected rows.</p>\n<table><tr><th>id</th><th>where</th><th>why</th></tr>",
            cov.missing, cov.rejected_rows
        );
        for m in &cov.missing_examples {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                escape(&m.id),
                escape(&m.place),
                escape(&m.reason)
            );
        }
        h.push_str("</table>\n");
    }
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

fn estimate_row(h: &mut String, name: &str, e: &Estimate) {
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td></tr>",
        escape(name),
        e.n,
        pct(e.score),
        pct(e.ci_low),
        pct(e.ci_high)
    );
}

fn subset_table(h: &mut String, report: &Report) {
    h.push_str("<table><tr><th>subset</th><th>n</th><th>score</th><th>interval</th><th>ties</th><th>missing</th><th>longer</th><th>shorter</th><th>r(len)</th><th>ρ(len)</th></tr>\n");
    for (name, s) in &report.subsets {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            s.n,
            pct(s.score),
            pct(s.ci_low),
            pct(s.ci_high),
            s.ties,
            s.missing,
            pct(s.longer),
            pct(s.shorter),
            num(s.pearson),
            num(s.spearman)
        );
    }
    let o = &report.overall;
    let _ = writeln!(
        h,
        "<tr class=\"total\"><td>overall</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n</table>",
        o.n,
        pct(o.score),
        pct(o.ci_low),
        pct(o.ci_high),
        report.coverage.missing,
        pct(report.bias.longer),
        pct(report.bias.shorter),
        num(report.bias.pearson),
        num(report.bias.spearman)
    );
}

/// Horizontal bars per subset (and overall) with interval whiskers and a
/// tick at the "pick the longer" baseline.
fn bars(report: &Report) -> String {
    const LEFT: f64 = 190.0;
    const PLOT: f64 = 520.0;
    const ROW: f64 = 22.0;
    let mut rows: Vec<(&str, f64, f64, f64, f64, bool)> = report
        .subsets
        .iter()
        .map(|(n, s)| (n.as_str(), s.score, s.ci_low, s.ci_high, s.longer, false))
        .collect();
    let o = &report.overall;
    rows.push((
        "overall",
        o.score,
        o.ci_low,
        o.ci_high,
        report.bias.longer,
        true,
    ));
    let top = 24.0;
    let height = top + ROW * rows.len() as f64 + 30.0;
    let width = LEFT + PLOT + 30.0;
    let x = |v: f64| LEFT + PLOT * v.clamp(0.0, 1.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg class=\"plot\" id=\"subset-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"score per subset with intervals\">"
    );
    for t in 0..=10 {
        let v = t as f64 / 10.0;
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2:.1}\"/><text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\">{4}</text>",
            x(v),
            top - 4.0,
            height - 26.0,
            height - 12.0,
            (v * 100.0).round()
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"12\">score (%) · bar: model · whisker: {:.0}% interval · ▏ pick-the-longer baseline</text>",
        100.0 * report.bootstrap.confidence
    );
    for (k, (name, score, lo, hi, longer, total)) in rows.into_iter().enumerate() {
        let y = top + ROW * k as f64;
        let fill = if total { "#1f5fbf" } else { "#6c9be0" };
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"{}>{}</text>",
            LEFT - 8.0,
            y + 15.0,
            if total { " font-weight=\"bold\"" } else { "" },
            escape(name)
        );
        if score.is_finite() {
            let _ = writeln!(
                s,
                "<rect class=\"mark\" x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{}: {}</title></rect>",
                y + 4.0,
                x(score) - LEFT,
                ROW - 8.0,
                escape(name),
                pct(score)
            );
        }
        if lo.is_finite() && hi.is_finite() {
            let mid = y + ROW / 2.0;
            let _ = writeln!(
                s,
                "<g class=\"mark whisker\" stroke=\"#1d232a\" stroke-width=\"1.5\"><line x1=\"{0:.1}\" x2=\"{1:.1}\" y1=\"{2:.1}\" y2=\"{2:.1}\"/><line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{3:.1}\" y2=\"{4:.1}\"/><line x1=\"{1:.1}\" x2=\"{1:.1}\" y1=\"{3:.1}\" y2=\"{4:.1}\"/></g>",
                x(lo),
                x(hi),
                mid,
                mid - 5.0,
                mid + 5.0
            );
        }
        if longer.is_finite() {
            let _ = writeln!(
                s,
                "<line class=\"mark baseline\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#d9822b\" stroke-width=\"2\"/>",
                x(longer),
                y + 2.0,
                y + ROW - 2.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Score against length (log scale), the preferred responses highlighted.
fn scatter(points: &[Point]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 360.0;
    const L: f64 = 60.0;
    const B: f64 = 40.0;
    let finite: Vec<&Point> = points.iter().filter(|p| p.score.is_finite()).collect();
    let lx = |len: f64| (1.0 + len.max(0.0)).log10();
    let (mut xmin, mut xmax) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in &finite {
        xmin = xmin.min(lx(p.length));
        xmax = xmax.max(lx(p.length));
        ymin = ymin.min(p.score);
        ymax = ymax.max(p.score);
    }
    if finite.is_empty() {
        (xmin, xmax, ymin, ymax) = (0.0, 1.0, 0.0, 1.0);
    }
    if xmax - xmin < 1e-9 {
        xmax = xmin + 1.0;
    }
    if ymax - ymin < 1e-12 {
        (ymin, ymax) = (ymin - 0.5, ymax + 0.5);
    }
    let px = |len: f64| L + (W - L - 20.0) * (lx(len) - xmin) / (xmax - xmin);
    let py = |score: f64| 10.0 + (H - B - 10.0) * (1.0 - (score - ymin) / (ymax - ymin));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg class=\"plot\" id=\"score-length\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"score against response length\">"
    );
    let _ = writeln!(
        s,
        "<line class=\"axis\" x1=\"{L}\" x2=\"{L}\" y1=\"10\" y2=\"{0}\"/><line class=\"axis\" x1=\"{L}\" x2=\"{1}\" y1=\"{0}\" y2=\"{0}\"/>",
        H - B,
        W - 20.0
    );
    for t in 0..=4 {
        let f = t as f64 / 4.0;
        let len = 10f64.powf(xmin + f * (xmax - xmin)) - 1.0;
        let score = ymin + f * (ymax - ymin);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            px(len),
            H - B + 16.0,
            len.round(),
            L - 6.0,
            py(score) + 4.0,
            num(score)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">response length (characters, log scale) · ● should win · ○ should lose</text>",
        L + (W - L) / 2.0,
        H - 6.0
    );
    for p in finite {
        let (fill, stroke) = if p.preferred {
            ("#1f5fbf", "none")
        } else {
            ("none", "#d9822b")
        };
        let _ = writeln!(
            s,
            "<circle class=\"mark\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{fill}\" stroke=\"{stroke}\" fill-opacity=\"0.6\"/>",
            px(p.length),
            py(p.score)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
