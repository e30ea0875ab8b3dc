//! The report as a plain-text table for the terminal.

use std::fmt::Write as _;

use super::{Estimate, Report, num, p_text, pct};

fn interval(e_low: f64, e_high: f64) -> String {
    if e_low.is_finite() && e_high.is_finite() {
        format!("[{}, {}]", pct(e_low), pct(e_high))
    } else {
        "–".to_owned()
    }
}

/// Renders the report: one row per subset with the model's score, its
/// interval and the length baselines beside it; then sections, the
/// overall score, breakdowns and the comparison.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .subsets
        .iter()
        .map(|(n, _)| n.chars().count())
        .chain(report.sections.iter().map(|(n, _)| n.chars().count() + 2))
        .chain([7, 10])
        .max()
        .unwrap_or(10);
    let _ = writeln!(
        out,
        "{} · {} items evaluated · {}",
        report.format, report.coverage.evaluated, report.scores
    );
    let level = format!("{:.0}% CI", 100.0 * report.bootstrap.confidence);
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>6}  {:<15}  {:>5}  {:>6}  {:>7}  {:>6}  {:>6}",
        "subset", "n", "score", level, "ties", "longer", "shorter", "r(len)", "ρ(len)"
    );
    for (name, s) in &report.subsets {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>6}  {:<15}  {:>5}  {:>6}  {:>7}  {:>6}  {:>6}",
            name,
            s.n,
            pct(s.score),
            interval(s.ci_low, s.ci_high),
            s.ties,
            pct(s.longer),
            pct(s.shorter),
            num(s.pearson),
            num(s.spearman),
        );
    }
    let row = |out: &mut String, name: &str, e: &Estimate| {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>6}  {:<15}",
            name,
            e.n,
            pct(e.score),
            interval(e.ci_low, e.ci_high),
        );
    };
    if !report.sections.is_empty() {
        out.push('\n');
        for (name, e) in &report.sections {
            row(&mut out, name, e);
        }
        if let Some(p) = &report.prior_sets {
            row(&mut out, "Prior Sets", p);
        }
    }
    if let Some(t) = &report.ties {
        let _ = writeln!(
            out,
            "\nTies: tied acc {} · ref acc {} · margin preferred {} · hard {} · tanh margin {}",
            pct(t.tied_accuracy),
            pct(t.ref_accuracy),
            pct(t.correctness_preferred),
            pct(t.correctness_preferred_hard),
            num(t.margin_score),
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>6}  {:<15}  {:>5}  {:>6}  {:>7}  {:>6}  {:>6}",
        "overall",
        report.overall.n,
        pct(report.overall.score),
        interval(report.overall.ci_low, report.overall.ci_high),
        report.subsets.iter().map(|(_, s)| s.ties).sum::<usize>(),
        pct(report.bias.longer),
        pct(report.bias.shorter),
        num(report.bias.pearson),
        num(report.bias.spearman),
    );
    let _ = writeln!(out, "  ({})", report.overall_method);
    for (field, breakdown) in &report.by {
        let w = breakdown
            .groups
            .iter()
            .map(|(v, _)| v.chars().count())
            .max()
            .unwrap_or(0)
            .max(field.chars().count());
        let _ = writeln!(out, "\nby {field}");
        for (value, g) in &breakdown.groups {
            let _ = writeln!(
                out,
                "  {value:<w$}  {:>7}  {:>6}  {:<15}  {:>5}",
                g.n,
                pct(g.score),
                interval(g.ci_low, g.ci_high),
                g.ties
            );
        }
    }
    if let Some(c) = &report.compare {
        let _ = writeln!(out, "\ncompare over {} items both scored", c.items);
        let _ = writeln!(out, "  A: {}  {}", pct(c.overall_a), c.a);
        let _ = writeln!(out, "  B: {}  {}", pct(c.overall_b), c.b);
        let _ = writeln!(
            out,
            "  McNemar: A-only {}, B-only {}, exact p = {}, χ² (corrected) = {} p = {}",
            c.mcnemar.a_only,
            c.mcnemar.b_only,
            p_text(c.mcnemar.exact_p),
            num(c.mcnemar.chi2),
            p_text(c.mcnemar.chi2_p)
        );
        let _ = writeln!(out, "  {}", c.verdict);
    }
    let cov = &report.coverage;
    if cov.missing > 0 || cov.rejected_rows > 0 {
        let _ = writeln!(
            out,
            "\nnot evaluated: {} items without scores, {} rejected rows (see stderr and the JSON report)",
            cov.missing, cov.rejected_rows
        );
    }
    let mut trimmed = String::with_capacity(out.len());
    for line in out.lines() {
        trimmed.push_str(line.trim_end());
        trimmed.push('\n');
    }
    trimmed
}
