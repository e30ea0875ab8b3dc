//! The audit report as a terminal table.

use std::fmt::Write;

use super::{AuditReport, Criterion};

/// One line per exploit: how often it is paid and how, then examples of the
/// exploits that were.
pub(super) fn table(r: &AuditReport) -> String {
    let mut out = String::new();
    let t = r.options.threshold;
    let h = &r.honest;
    let _ = writeln!(
        out,
        "audit of spec `{}` ({}) over {} probes, threshold {t}",
        r.spec.name,
        short_hash(&r.spec.hash),
        h.n
    );
    let _ = writeln!(
        out,
        "honest responses: {} of {} at or above the threshold, mean reward {}{}",
        h.at_or_above_threshold,
        h.n,
        mean(h.mean_reward),
        if h.no_reward > 0 {
            format!(", {} without a reward", h.no_reward)
        } else {
            String::new()
        }
    );
    if h.n > 0 && (h.at_or_above_threshold as f64) < 0.5 * h.n as f64 {
        let _ = writeln!(
            out,
            "warning: fewer than half the honest responses reach the threshold; \
             check the threshold and the honest responses' format, or the rates below mean little"
        );
    }
    let width = r
        .exploits
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "\n{:width$}  {:>7}  {:>6}  {:>9}  {:>8}  {:>9}  judged by",
        "exploit", "rate", "paid", "≥ thresh", "> honest", "mean"
    );
    for e in &r.exploits {
        let flag = if e.exploited > 0 { "  ←" } else { "" };
        let _ = writeln!(
            out,
            "{:width$}  {:>6.1}%  {:>6}  {:>9}  {:>8}  {:>9}  {}{flag}",
            e.name,
            100.0 * e.rate,
            e.exploited,
            e.tally.at_or_above_threshold,
            e.above_honest,
            mean(e.tally.mean_reward),
            match e.criterion {
                Criterion::Threshold => "threshold",
                Criterion::AboveHonest => "above honest",
            },
        );
    }
    let paid: Vec<_> = r
        .exploits
        .iter()
        .filter(|e| !e.examples.is_empty())
        .collect();
    if !paid.is_empty() {
        let _ = writeln!(out, "\nexamples of paid exploits:");
        for e in paid {
            for x in &e.examples {
                let _ = writeln!(
                    out,
                    "  {} on {}: reward {:.4} (honest {}): {:?}",
                    e.name,
                    x.id,
                    x.reward,
                    mean(x.honest_reward),
                    x.response
                );
            }
        }
    }
    out
}

fn mean(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |m| format!("{m:.4}"))
}

fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
