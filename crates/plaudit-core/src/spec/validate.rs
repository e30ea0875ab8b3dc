//! Checks a parsed spec for what types alone cannot: names, gates, kinds.

use std::collections::HashMap;

use super::locate::Seg;
use super::{CombineMethod, Spec};
use crate::Registry;

type Problems = Vec<(Vec<Seg>, String)>;

fn at(index: usize, field: &str) -> Vec<Seg> {
    vec![
        Seg::Key("aspect".into()),
        Seg::Index(index),
        Seg::Key(field.into()),
    ]
}

fn key(k: &str) -> Vec<Seg> {
    k.split('.').map(|p| Seg::Key(p.into())).collect()
}

pub(crate) fn validate(spec: &Spec, registry: &Registry) -> Problems {
    let mut problems = Problems::new();
    if spec.name.trim().is_empty() {
        problems.push((key("name"), "the spec's name is empty".into()));
    }
    if spec.aspects.is_empty() {
        problems.push((
            key("aspect"),
            "the spec has no aspects; add at least one [[aspect]] table".into(),
        ));
    }

    let mut index_of: HashMap<&str, usize> = HashMap::new();
    for (i, a) in spec.aspects.iter().enumerate() {
        if a.name.is_empty()
            || !a
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            problems.push((
                at(i, "name"),
                format!(
                    "aspect name {:?} must be non-empty and use only ASCII letters, digits, `_` and `-`",
                    a.name
                ),
            ));
        }
        if let Some(&first) = index_of.get(a.name.as_str()) {
            problems.push((
                at(i, "name"),
                format!("aspect name `{}` is already used by aspect {first}", a.name),
            ));
        } else {
            index_of.insert(&a.name, i);
        }
        if registry.get(&a.kind).is_none() {
            problems.push((at(i, "kind"), unknown_kind(&a.kind, registry)));
        }
        if !a.weight.is_finite() {
            problems.push((
                at(i, "weight"),
                format!("weight must be finite, not {}", a.weight),
            ));
        }
        if !a.pass_threshold.is_finite() {
            problems.push((
                at(i, "pass_threshold"),
                format!("pass_threshold must be finite, not {}", a.pass_threshold),
            ));
        }
        if a.timeout_ms == Some(0) {
            problems.push((at(i, "timeout_ms"), "timeout_ms must be at least 1".into()));
        }
    }

    for (i, a) in spec.aspects.iter().enumerate() {
        for r in &a.requires {
            if r == &a.name {
                problems.push((
                    at(i, "requires"),
                    format!("aspect `{}` requires itself", a.name),
                ));
            } else if !index_of.contains_key(r.as_str()) {
                let names: Vec<&str> = spec.aspects.iter().map(|a| a.name.as_str()).collect();
                problems.push((
                    at(i, "requires"),
                    format!(
                        "aspect `{}` requires `{r}`, which is not an aspect of this spec (aspects: {})",
                        a.name,
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(spec, &index_of) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|&i| spec.aspects[i].name.as_str())
            .collect();
        problems.push((
            at(cycle[0], "requires"),
            format!("the gates form a cycle: {}", names.join(" → ")),
        ));
    }

    let c = &spec.combine;
    if !c.scale.is_finite() {
        problems.push((key("combine.scale"), "scale must be finite".into()));
    }
    if !c.offset.is_finite() {
        problems.push((key("combine.offset"), "offset must be finite".into()));
    }
    if !(c.epsilon.is_finite() && c.epsilon >= 0.0) {
        problems.push((
            key("combine.epsilon"),
            "epsilon must be a finite number ≥ 0".into(),
        ));
    }
    if let Some([lo, hi]) = c.clip
        && (lo.is_nan() || hi.is_nan() || lo > hi)
    {
        problems.push((
            key("combine.clip"),
            format!("clip must be [low, high] with low ≤ high, not [{lo}, {hi}]"),
        ));
    }
    if c.method == CombineMethod::Product {
        for (i, a) in spec.aspects.iter().enumerate() {
            if a.weight < 0.0 {
                problems.push((
                    at(i, "weight"),
                    "with method = \"product\" a weight is an exponent and must be ≥ 0".into(),
                ));
            }
        }
    }
    if spec.limits.max_response_bytes == 0 {
        problems.push((
            key("limits.max_response_bytes"),
            "max_response_bytes must be at least 1".into(),
        ));
    }
    problems
}

fn unknown_kind(kind: &str, registry: &Registry) -> String {
    let kinds = registry.kinds();
    let mut message = format!("unknown aspect kind `{kind}`");
    if let Some(best) = kinds
        .iter()
        .map(|k| (edit_distance(kind, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min()
    {
        message.push_str(&format!(" (did you mean `{}`?)", best.1));
    }
    message.push_str(&format!("; valid kinds: {}", kinds.join(", ")));
    message
}

/// Levenshtein distance, for "did you mean" hints on short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A cycle among the gates, as aspect indices with the first repeated last.
fn find_cycle(spec: &Spec, index_of: &HashMap<&str, usize>) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        i: usize,
        spec: &Spec,
        index_of: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[i] = Mark::Active;
        stack.push(i);
        for r in &spec.aspects[i].requires {
            let Some(&j) = index_of.get(r.as_str()) else {
                continue;
            };
            if j == i {
                continue; // reported as "requires itself"
            }
            match marks[j] {
                Mark::Active => {
                    let start = stack.iter().position(|&k| k == j).expect("on the stack");
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(j);
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(j, spec, index_of, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; spec.aspects.len()];
    for i in 0..spec.aspects.len() {
        if marks[i] == Mark::New
            && let Some(c) = visit(i, spec, index_of, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// The aspects in an order where every gate comes before the aspects it
/// gates. The spec must have passed validation (no cycles).
pub fn evaluation_order(spec: &Spec) -> Vec<usize> {
    let index_of: HashMap<&str, usize> = spec
        .aspects
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    let mut order = Vec::with_capacity(spec.aspects.len());
    let mut placed = vec![false; spec.aspects.len()];
    fn place(
        i: usize,
        spec: &Spec,
        index_of: &HashMap<&str, usize>,
        placed: &mut [bool],
        order: &mut Vec<usize>,
    ) {
        if placed[i] {
            return;
        }
        placed[i] = true;
        for r in &spec.aspects[i].requires {
            if let Some(&j) = index_of.get(r.as_str()) {
                place(j, spec, index_of, placed, order);
            }
        }
        order.push(i);
    }
    for i in 0..spec.aspects.len() {
        place(i, spec, &index_of, &mut placed, &mut order);
    }
    order
}
