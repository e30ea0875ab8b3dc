//! `against = "group"`: every response judged against one response of its
//! group, drawn as the group's reference — BRPO's bootstrapped reference
//! (Jia et al., 2025).
//!
//! **The draw.** Within a batch, the samples with the same `group` form
//! the group. Each member gets a key: FNV-1a (64-bit) over
//! `reference_seed` (8 bytes, little-endian), the group id, a 0xFF byte,
//! the sample's `id`, a 0xFF byte and its response text (0xFF never occurs
//! in UTF-8, so the fields cannot run into each other), finished with
//! SplitMix64's mixer. The member with the least key is the reference (the
//! first in batch order on a tie, which needs identical id and response).
//! So the draw is uniform over distinct members, is the same on every run
//! and machine for the same seed, does not depend on the order of the
//! batch, and changes with the seed and with the responses — a fresh
//! reference for every group of rollouts, as BRPO draws one.
//!
//! **What the reference gets.** BRPO rewards each other response +1 or −1
//! for beating or losing to the reference, and the reference itself 0: it
//! is compared with nothing, and a comparison with itself is a tie. On
//! this crate's [0, 1] win-probability scale that is ½, and it is the
//! default (`reference_reward = "tie"`). `reference_reward = "win_rate"`
//! gives it instead its measured win rate in the comparisons made against
//! it — the mean over the others of one minus their win probability — so
//! a strong reference is rewarded as strong, at no extra call; the price
//! is that its reward then comes from many comparisons while every other
//! response's comes from one. Either way the reference is scored only if
//! at least one comparison against it was judged (else it fails, like the
//! others), and its details record `win_rate` and `compared`.
//!
//! **Groups of one.** A response alone in its group within the batch has
//! nothing to be compared with: not applicable, with the reason. A sample
//! without a `group` is a group of its own, as the engine's normalization
//! treats it. Responses the guard scores 0 (content-free) are neither
//! judged nor drawn as a reference.

use std::collections::HashMap;

use plaudit_core::{Evaluation, Sample};

use super::{Pairwise, Plan, ReferenceReward};
use crate::judge::Planned;

/// Plans a batch: per group, one reference and a comparison for every
/// other member.
pub(super) fn plan(p: &Pairwise, samples: &[&Sample]) -> Vec<Planned<Plan>> {
    let mut out: Vec<Option<Planned<Plan>>> = samples.iter().map(|_| None).collect();
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in samples.iter().enumerate() {
        let Some(g) = s.group.as_deref() else {
            out[i] = Some(Planned::Done(Evaluation::not_applicable(
                "the sample has no `group`: against = \"group\" compares a response with another \
                 response to the same prompt",
            )));
            continue;
        };
        let at = *index.entry(g).or_insert_with(|| {
            groups.push((g, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(i);
    }
    for (g, members) in groups {
        if let [alone] = members[..] {
            out[alone] = Some(Planned::Done(Evaluation::not_applicable(format!(
                "no other response of group {g:?} in this batch to compare with"
            ))));
            continue;
        }
        let in_group: Vec<&Sample> = members.iter().map(|&i| samples[i]).collect();
        let r = members[choose(p.seed, g, &in_group)];
        let reference = samples[r];
        let others: Vec<usize> = members.iter().copied().filter(|&i| i != r).collect();
        for &i in &others {
            let plan = Plan {
                reference_id: Some(reference.id.clone()),
            };
            let calls = p.comparison(samples[i], reference.response.text());
            out[i] = Some(Planned::Calls(plan, calls));
        }
        out[r] = Some(Planned::Derived(others));
    }
    out.into_iter()
        .map(|p| {
            p.unwrap_or_else(|| Planned::Done(Evaluation::failed("the sample was not planned")))
        })
        .collect()
}

/// The index in `members` of the group's reference: the least key.
pub(super) fn choose(seed: u64, group: &str, members: &[&Sample]) -> usize {
    let mut best = (u64::MAX, 0);
    for (i, s) in members.iter().enumerate() {
        let k = key(seed, group, s);
        if i == 0 || k < best.0 {
            best = (k, i);
        }
    }
    best.1
}

/// A member's draw key (see the module docs); stable across versions,
/// platforms and runs.
fn key(seed: u64, group: &str, sample: &Sample) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
    };
    feed(&seed.to_le_bytes());
    feed(group.as_bytes());
    feed(&[0xFF]);
    feed(sample.id.as_bytes());
    feed(&[0xFF]);
    feed(sample.response.text().as_bytes());
    // SplitMix64's finalizer: FNV's low bits mix poorly on their own.
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The reference response's evaluation from the evaluations of the
/// responses compared with it.
pub(super) fn reference_evaluation(reward: ReferenceReward, from: &[&Evaluation]) -> Evaluation {
    let wins: Vec<f64> = from.iter().filter_map(|e| e.outcome.value()).collect();
    if wins.is_empty() {
        return Evaluation::failed(format!(
            "this response is its group's reference, and none of the {} comparison(s) with it was judged",
            from.len()
        ))
        .with("against", "group")
        .with("group_reference", true);
    }
    let win_rate = wins.iter().map(|w| 1.0 - w).sum::<f64>() / wins.len() as f64;
    let (value, rule) = match reward {
        ReferenceReward::Tie => (0.5, "tie"),
        ReferenceReward::WinRate => (win_rate, "win_rate"),
    };
    Evaluation::scored(value)
        .with("against", "group")
        .with("group_reference", true)
        .with("reference_reward", rule)
        .with("win_rate", win_rate)
        .with("compared", wins.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn members(n: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| Sample::new(format!("s{i}"), format!("response {i}")).with_group("g"))
            .collect()
    }

    /// The draw is pinned: changing the key changes which response past
    /// runs used as the reference.
    #[test]
    fn the_key_is_stable() {
        let s = Sample::new("s0", "response 0");
        assert_eq!(key(0, "g", &s), key(0, "g", &s.clone()));
        assert_eq!(key(0, "g", &s), 0x5ad3_f89f_5b93_b39f);
        assert_ne!(key(1, "g", &s), key(0, "g", &s));
        assert_ne!(key(0, "h", &s), key(0, "g", &s));
        // Fields cannot run into each other.
        let (a, b) = (Sample::new("ab", "c"), Sample::new("a", "bc"));
        assert_ne!(key(0, "g", &a), key(0, "g", &b));
    }

    #[test]
    fn every_member_is_drawn_for_some_seed() {
        let group = members(4);
        let refs: Vec<&Sample> = group.iter().collect();
        let mut drawn = [0usize; 4];
        for seed in 0..400 {
            drawn[choose(seed, "g", &refs)] += 1;
        }
        // Uniform: 100 each; far from it would mean a biased key.
        assert!(drawn.iter().all(|&n| (60..=140).contains(&n)), "{drawn:?}");
    }

    #[test]
    fn the_reference_gets_a_tie_or_its_win_rate() {
        let (w1, w2) = (Evaluation::scored(1.0), Evaluation::scored(0.25));
        let failed = Evaluation::failed("x");
        let e = reference_evaluation(ReferenceReward::Tie, &[&w1, &w2, &failed]);
        assert_eq!(e.outcome.value(), Some(0.5));
        assert_eq!(e.details["win_rate"], 0.375);
        assert_eq!(e.details["compared"], 2);
        let e = reference_evaluation(ReferenceReward::WinRate, &[&w1, &w2]);
        assert_eq!(e.outcome.value(), Some(0.375));
        let e = reference_evaluation(ReferenceReward::Tie, &[&failed]);
        assert!(
            e.outcome.to_string().contains("none of the 1 comparison"),
            "{e:?}"
        );
    }

    proptest! {
        /// The reference does not depend on where the group sits in the
        /// batch.
        #[test]
        fn the_draw_ignores_batch_order(n in 2usize..9, seed in any::<u64>(), rotate in 0usize..9) {
            let group = members(n);
            let refs: Vec<&Sample> = group.iter().collect();
            let mut rotated = refs.clone();
            rotated.rotate_left(rotate % n);
            let a = refs[choose(seed, "g", &refs)];
            let b = rotated[choose(seed, "g", &rotated)];
            prop_assert_eq!(&a.id, &b.id);
        }
    }
}
