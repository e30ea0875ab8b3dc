//! From a dataset and its scores to a [`Report`].
//!
//! The items evaluated are those with a complete set of scores (from both
//! score sets when comparing); every other item is counted and reported
//! with its reason. Per subset, items are reduced to bootstrap units
//! ([`Units`]): a byte per pair, a float per best-of-N item, or the stats
//! of a Ties prompt. The same reduction with response lengths in place of
//! scores gives the "pick the longer / shorter" baselines, so the
//! baselines follow the benchmark's own rules (a length tie is wrong).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::bias;
use crate::metrics::ties::{self, Kind, Prompt};
use crate::metrics::{Overall, credit, rewardbench};
use crate::report::{
    BootstrapInfo, Breakdown, Comparison, Coverage, Estimate, Group, Missing, Report, Subset,
    SubsetDifference,
};
use crate::stats::bootstrap::{self, Draws, Units};
use crate::stats::mcnemar::mcnemar;
use crate::{Dataset, EvalError, Format, Rule, Scores};

/// How many missing items a report lists one by one.
const SHOWN_MISSING: usize = 20;

/// Evaluation settings.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Bootstrap resamples (0: no intervals). Default 1000.
    pub resamples: usize,
    /// The bootstrap seed. Default 0.
    pub seed: u64,
    /// The intervals' coverage. Default 0.95.
    pub confidence: f64,
    /// Points in the score-vs-length scatter. Default 1500.
    pub scatter_points: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            resamples: 1000,
            seed: 0,
            confidence: 0.95,
            scatter_points: 1500,
        }
    }
}

/// The items evaluated, grouped by subset, with the flat-score layout.
struct Frame<'a> {
    data: &'a Dataset,
    offsets: Vec<usize>,
    /// Per subset: the items evaluated.
    members: Vec<Vec<usize>>,
    /// Per subset: whether it is RewardBench 2's Ties.
    is_ties: Vec<bool>,
}

impl Frame<'_> {
    fn slice<'v>(&self, values: &'v [f64], i: usize) -> &'v [f64] {
        &values[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Bootstrap units per subset for score sets `a` and (optionally) `b`,
    /// and per subset how many items' winners tied under `a`.
    fn units(&self, a: &[f64], b: Option<&[f64]>) -> Result<(Vec<Units>, Vec<usize>), EvalError> {
        let mut all = Vec::with_capacity(self.members.len());
        let mut tie_counts = Vec::with_capacity(self.members.len());
        for (s, members) in self.members.iter().enumerate() {
            let mut ties_n = 0;
            let pair = |i: usize, v: &[f64]| credit(self.data.items[i].rule, self.slice(v, i));
            let units = if self.is_ties[s] {
                for &i in members {
                    ties_n += usize::from(pair(i, a).tie);
                }
                Units::Ties(self.ties_prompts(members, a, b)?)
            } else if members
                .iter()
                .all(|&i| matches!(self.data.items[i].rule, Rule::Pair { .. }))
            {
                let bits = members
                    .iter()
                    .map(|&i| {
                        let ca = pair(i, a);
                        ties_n += usize::from(ca.tie);
                        let cb = b.map_or(0.0, |b| pair(i, b).value);
                        u8::from(ca.value == 1.0) | (u8::from(cb == 1.0) << 1)
                    })
                    .collect();
                Units::Bits(bits)
            } else {
                let credits = members
                    .iter()
                    .map(|&i| {
                        let ca = pair(i, a);
                        ties_n += usize::from(ca.tie);
                        [ca.value, b.map_or(0.0, |b| pair(i, b).value)]
                    })
                    .collect();
                Units::Credits(credits)
            };
            all.push(units);
            tie_counts.push(ties_n);
        }
        Ok((all, tie_counts))
    }

    fn ties_prompts(
        &self,
        members: &[usize],
        a: &[f64],
        b: Option<&[f64]>,
    ) -> Result<Vec<[Prompt; 2]>, EvalError> {
        let mut slot_of: HashMap<i64, usize> = HashMap::new();
        let mut prompts: Vec<[Prompt; 2]> = Vec::new();
        for &i in members {
            let item = &self.data.items[i];
            let (kind, pid) = ties::parse_id(&item.id)
                .map_err(|e| EvalError::Invalid(format!("{}: {e}", self.data.place(i))))?;
            let Rule::BestOfN { num_correct, .. } = item.rule else {
                continue;
            };
            let slot = *slot_of.entry(pid).or_insert_with(|| {
                prompts.push([Prompt::default(); 2]);
                prompts.len() - 1
            });
            let stats_a = ties::row_stats(self.slice(a, i), num_correct);
            let stats_b = b.map(|b| ties::row_stats(self.slice(b, i), num_correct));
            for (m, stats) in [(0, Some(stats_a)), (1, stats_b)] {
                let Some(stats) = stats else { continue };
                let field = match kind {
                    Kind::Ref => &mut prompts[slot][m].reference,
                    Kind::Tied => &mut prompts[slot][m].tied,
                };
                if field.is_some() {
                    return Err(EvalError::Invalid(format!(
                        "{}: Ties id `{}` names prompt {pid}'s {} row a second time",
                        self.data.place(i),
                        item.id,
                        if kind == Kind::Ref { "ref" } else { "tied" },
                    )));
                }
                *field = Some(stats);
            }
        }
        Ok(prompts)
    }
}

/// Evaluates `scores` (and compares them with `compare`, when given) on
/// `data`.
pub fn evaluate(
    data: &Dataset,
    scores: &Scores,
    compare: Option<&Scores>,
    options: &EvalOptions,
) -> Result<Report, EvalError> {
    let offsets = data.offsets();
    let usable = |s: &Scores, i: usize| s.item(&offsets, i).is_some();
    let mut members = vec![Vec::new(); data.subsets.len()];
    let mut missing_per_subset = vec![0usize; data.subsets.len()];
    let mut missing = Vec::new();
    for (i, item) in data.items.iter().enumerate() {
        let s = item.subset as usize;
        let reason = if usable(scores, i) {
            compare.and_then(|c| {
                (!usable(c, i)).then(|| {
                    let why = c
                        .missing
                        .get(&i)
                        .map_or("a score is missing", String::as_str);
                    format!("in {}: {why}", c.source)
                })
            })
        } else {
            let why = scores
                .missing
                .get(&i)
                .map_or("a score is missing", String::as_str);
            Some(if compare.is_some() {
                format!("in {}: {why}", scores.source)
            } else {
                why.to_owned()
            })
        };
        match reason {
            None => members[s].push(i),
            Some(reason) => {
                missing_per_subset[s] += 1;
                if missing.len() < SHOWN_MISSING {
                    missing.push(Missing {
                        id: item.id.clone(),
                        place: data.place(i),
                        reason,
                    });
                }
            }
        }
    }
    let evaluated: usize = members.iter().map(Vec::len).sum();
    if evaluated == 0 {
        return Err(EvalError::Invalid(format!(
            "no item has a complete set of scores ({} items read){}",
            data.items.len(),
            missing
                .first()
                .map(|m| format!("; the first, `{}` ({}): {}", m.id, m.place, m.reason))
                .unwrap_or_default()
        )));
    }
    let is_ties = data
        .subsets
        .iter()
        .map(|s| data.format == Format::RewardBench2 && ties::is_ties(s))
        .collect();
    let frame = Frame {
        data,
        offsets,
        members,
        is_ties,
    };
    let overall = Overall::new(data.format, &data.subsets);
    let (units, tie_counts) = frame.units(&scores.values, compare.map(|c| c.values.as_slice()))?;
    let counts: Vec<f64> = units.iter().map(|u| u.len() as f64).collect();
    let point: Vec<[f64; 2]> = units.iter().map(Units::point).collect();
    let point_a: Vec<f64> = point.iter().map(|p| p[0]).collect();
    let point_b: Vec<f64> = point.iter().map(|p| p[1]).collect();
    let draws = (options.resamples > 0)
        .then(|| bootstrap::bootstrap(&units, &overall, options.resamples, options.seed));
    let ci = |values: &mut dyn Iterator<Item = f64>| match &draws {
        Some(_) => bootstrap::interval(values, options.confidence),
        None => (f64::NAN, f64::NAN),
    };

    // Length baselines and correlations.
    let lengths = bias::lengths(data);
    let (longer_units, _) = frame.units(&lengths, None)?;
    let shorter_lengths: Vec<f64> = lengths.par_iter().map(|l| -l).collect();
    let (shorter_units, _) = frame.units(&shorter_lengths, None)?;
    let longer: Vec<f64> = longer_units.iter().map(|u| u.point()[0]).collect();
    let shorter: Vec<f64> = shorter_units.iter().map(|u| u.point()[0]).collect();
    let correlations = bias::correlations(&frame.members, &frame.offsets, &scores.values, &lengths);

    let subsets = data
        .subsets
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let (ci_low, ci_high) =
                ci(&mut draws.iter().flat_map(|d| d.subsets[s].iter().map(|x| x[0])));
            let subset = Subset {
                score: point_a[s],
                ci_low,
                ci_high,
                n: frame.members[s].len(),
                ties: tie_counts[s],
                missing: missing_per_subset[s],
                longer: longer[s],
                shorter: shorter[s],
                pearson: correlations.subsets[s].0,
                spearman: correlations.subsets[s].1,
            };
            (name.clone(), subset)
        })
        .collect();
    let (ci_low, ci_high) = ci(&mut draws.iter().flat_map(|d| d.overall.iter().map(|o| o[0])));
    let overall_estimate = Estimate {
        score: overall.apply(&point_a, &counts),
        ci_low,
        ci_high,
        n: evaluated,
    };
    let (sections, prior_sets) =
        rewardbench_sections(&overall, &point_a, draws.as_ref(), options, &frame);
    let ties_detail = frame
        .is_ties
        .iter()
        .position(|t| *t)
        .and_then(|s| match &units[s] {
            Units::Ties(p) => {
                let a: Vec<Prompt> = p.iter().map(|p| p[0]).collect();
                Some(ties::score(&a))
            }
            _ => None,
        });
    let comparison = compare.map(|c| {
        comparison(
            &frame,
            scores,
            c,
            &units,
            &overall,
            &point_a,
            &point_b,
            &counts,
            draws.as_ref(),
            options,
        )
    });
    let by = breakdowns(&frame, &scores.values, options);
    let missing_total: usize = missing_per_subset.iter().sum();
    Ok(Report {
        format: data.format.name().to_owned(),
        inputs: data.files.clone(),
        scores: scores.source.clone(),
        overall: overall_estimate,
        overall_method: overall.describe().to_owned(),
        subsets,
        sections,
        prior_sets,
        ties: ties_detail,
        bias: crate::report::Bias {
            longer: overall.apply(&longer, &counts),
            shorter: overall.apply(&shorter, &counts),
            pearson: correlations.overall.0,
            spearman: correlations.overall.1,
            responses: correlations.responses,
        },
        by,
        compare: comparison,
        bootstrap: BootstrapInfo {
            resamples: options.resamples,
            seed: options.seed,
            confidence: options.confidence,
        },
        coverage: Coverage {
            items: data.items.len(),
            evaluated,
            missing: missing_total,
            missing_examples: missing,
            rejected_rows: 0,
        },
        scatter: bias::scatter(
            &frame.members,
            &frame.offsets,
            data,
            &scores.values,
            &lengths,
            options.scatter_points,
        ),
    })
}

type Sections = (Vec<(String, Estimate)>, Option<Estimate>);

/// RewardBench 1's sections and prior sets, with intervals from the same
/// resamples as the subsets.
fn rewardbench_sections(
    overall: &Overall,
    point: &[f64],
    draws: Option<&Draws>,
    options: &EvalOptions,
    frame: &Frame<'_>,
) -> Sections {
    let Overall::RewardBench(plan) = overall else {
        return (Vec::new(), None);
    };
    let summary = plan.apply(point);
    let resampled: Vec<rewardbench::Summary> = draws
        .map(|d| {
            (0..d.overall.len())
                .map(|r| {
                    let scores: Vec<f64> = d.subsets.iter().map(|s| s[r][0]).collect();
                    plan.apply(&scores)
                })
                .collect()
        })
        .unwrap_or_default();
    let interval = |f: &dyn Fn(&rewardbench::Summary) -> f64| {
        if resampled.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            bootstrap::interval(resampled.iter().map(f), options.confidence)
        }
    };
    let items_in = |pred: &dyn Fn(&str) -> bool| -> usize {
        frame
            .data
            .subsets
            .iter()
            .zip(&frame.members)
            .filter(|(name, _)| pred(name))
            .map(|(_, m)| m.len())
            .sum()
    };
    let sections = rewardbench::SECTIONS
        .iter()
        .enumerate()
        .filter(|(k, _)| !summary.sections[*k].is_nan())
        .map(|(k, (name, _))| {
            let (ci_low, ci_high) = interval(&|s| s.sections[k]);
            let n = items_in(&|s| rewardbench::section_of(s) == Some(k));
            let estimate = Estimate {
                score: summary.sections[k],
                ci_low,
                ci_high,
                n,
            };
            ((*name).to_owned(), estimate)
        })
        .collect();
    let prior = (!summary.prior_sets.is_nan()).then(|| {
        let (ci_low, ci_high) = interval(&|s| s.prior_sets);
        Estimate {
            score: summary.prior_sets,
            ci_low,
            ci_high,
            n: items_in(&|s| rewardbench::PRIOR_SETS.contains(&s)),
        }
    });
    (sections, prior)
}

#[allow(clippy::too_many_arguments)]
fn comparison(
    frame: &Frame<'_>,
    a: &Scores,
    b: &Scores,
    units: &[Units],
    overall: &Overall,
    point_a: &[f64],
    point_b: &[f64],
    counts: &[f64],
    draws: Option<&Draws>,
    options: &EvalOptions,
) -> Comparison {
    let overall_a = overall.apply(point_a, counts);
    let overall_b = overall.apply(point_b, counts);
    let difference = overall_a - overall_b;
    let diffs: Vec<f64> = draws
        .map(|d| d.overall.iter().map(|o| o[0] - o[1]).collect())
        .unwrap_or_default();
    let (ci_low, ci_high) = if diffs.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        bootstrap::interval(diffs.iter().copied(), options.confidence)
    };
    let p_value = bootstrap::p_value(&diffs);
    // McNemar on full credit per item.
    let (mut a_only, mut b_only) = (0u64, 0u64);
    for members in &frame.members {
        for &i in members {
            let rule = frame.data.items[i].rule;
            let ra = credit(rule, frame.slice(&a.values, i)).value == 1.0;
            let rb = credit(rule, frame.slice(&b.values, i)).value == 1.0;
            a_only += u64::from(ra && !rb);
            b_only += u64::from(rb && !ra);
        }
    }
    let mc = mcnemar(a_only, b_only);
    let alpha = 1.0 - options.confidence;
    let bootstrap_says = ci_low > 0.0 || ci_high < 0.0;
    let mcnemar_says = mc.exact_p < alpha;
    // Both tests must agree: a percentile bootstrap over few discordant
    // items is optimistic, and McNemar alone ignores the benchmark's weights.
    let significant = bootstrap_says && mcnemar_says;
    let pct = crate::report::pct;
    let p = crate::report::p_text;
    let level = format!("{:.0}%", 100.0 * options.confidence);
    let evidence = format!(
        "{level} CI [{}, {}], paired bootstrap p = {}; McNemar exact p = {}",
        pct(ci_low),
        pct(ci_high),
        p(p_value),
        p(mc.exact_p),
    );
    let verdict = if diffs.is_empty() {
        format!(
            "A − B = {} points; no bootstrap was run (--bootstrap 0), so only McNemar speaks: exact p = {}",
            pct(difference),
            p(mc.exact_p)
        )
    } else if significant {
        format!(
            "the difference is real: {} is better by {} points ({evidence})",
            if difference > 0.0 { "A" } else { "B" },
            pct(difference.abs()),
        )
    } else if bootstrap_says || mcnemar_says {
        format!(
            "inconclusive: A − B = {} points, but the tests disagree ({evidence}); more items would settle it",
            pct(difference),
        )
    } else {
        format!(
            "no significant difference: A − B = {} points ({evidence})",
            pct(difference),
        )
    };
    let subsets = frame
        .data
        .subsets
        .iter()
        .enumerate()
        .filter(|(s, _)| !units[*s].is_empty())
        .map(|(s, name)| {
            let (lo, hi) = match draws {
                Some(d) => bootstrap::interval(
                    d.subsets[s].iter().map(|x| x[0] - x[1]),
                    options.confidence,
                ),
                None => (f64::NAN, f64::NAN),
            };
            let d = SubsetDifference {
                a: point_a[s],
                b: point_b[s],
                difference: point_a[s] - point_b[s],
                ci_low: lo,
                ci_high: hi,
            };
            (name.clone(), d)
        })
        .collect();
    Comparison {
        a: a.source.clone(),
        b: b.source.clone(),
        items: frame.members.iter().map(Vec::len).sum(),
        overall_a,
        overall_b,
        difference,
        ci_low,
        ci_high,
        p_value,
        mcnemar: mc,
        significant,
        verdict,
        subsets,
    }
}

/// `--by` breakdowns: mean credit per value, with its own bootstrap.
fn breakdowns(
    frame: &Frame<'_>,
    values: &[f64],
    options: &EvalOptions,
) -> Vec<(String, Breakdown)> {
    let data = frame.data;
    let mut out = Vec::new();
    for (f, field) in data.by_fields.iter().enumerate() {
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); data.by_values[f].len()];
        for members in &frame.members {
            for &i in members {
                groups[data.items[i].by[f] as usize].push(i);
            }
        }
        let mut tie_counts = Vec::new();
        let units: Vec<Units> = groups
            .iter()
            .map(|g| {
                let credits: Vec<_> = g
                    .iter()
                    .map(|&i| credit(data.items[i].rule, frame.slice(values, i)))
                    .collect();
                tie_counts.push(credits.iter().filter(|c| c.tie).count());
                if credits.iter().all(|c| c.value == 0.0 || c.value == 1.0) {
                    Units::Bits(credits.iter().map(|c| u8::from(c.value == 1.0)).collect())
                } else {
                    Units::Credits(credits.iter().map(|c| [c.value, 0.0]).collect())
                }
            })
            .collect();
        let draws = (options.resamples > 0).then(|| {
            let seed = options.seed.wrapping_add(1 + f as u64);
            bootstrap::bootstrap(&units, &Overall::Micro, options.resamples, seed)
        });
        let groups = data.by_values[f]
            .iter()
            .enumerate()
            .filter(|(g, _)| !units[*g].is_empty())
            .map(|(g, value)| {
                let (ci_low, ci_high) = match &draws {
                    Some(d) => {
                        bootstrap::interval(d.subsets[g].iter().map(|x| x[0]), options.confidence)
                    }
                    None => (f64::NAN, f64::NAN),
                };
                let group = Group {
                    score: units[g].point()[0],
                    ci_low,
                    ci_high,
                    n: units[g].len(),
                    ties: tie_counts[g],
                };
                (value.clone(), group)
            })
            .collect();
        out.push((field.clone(), Breakdown { groups }));
    }
    out
}
