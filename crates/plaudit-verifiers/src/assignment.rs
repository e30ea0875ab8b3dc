//! Maximum-weight one-to-one matching, shared by `tool.calls` (expected
//! calls to made calls) and `match.iou` (reference boxes to predicted
//! boxes).
//!
//! The Hungarian method with row and column potentials (Kuhn 1955,
//! Munkres 1957, in the O(n²·m) shortest-augmenting-path form): exact, and
//! bounded by the callers' caps on how many items they read (64 a side,
//! a few hundred thousand steps at most).

/// The matching of rows to columns that maximizes the total weight of
/// `weights` (`rows × cols`, row-major): for each row, its column, or
/// `None` when there are more rows than columns and the row is left out.
/// Every row is matched when `rows ≤ cols`, and every column when
/// `cols ≤ rows`, zero-weight pairs included; weights must be finite.
pub(crate) fn max_weight(weights: &[f64], rows: usize, cols: usize) -> Vec<Option<usize>> {
    debug_assert_eq!(weights.len(), rows * cols);
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    if rows > cols {
        // The method assigns every row of a matrix at most as tall as it
        // is wide: solve the transpose and read it back.
        let transposed: Vec<f64> = (0..cols)
            .flat_map(|c| (0..rows).map(move |r| weights[r * cols + c]))
            .collect();
        let mut by_row = vec![None; rows];
        for (c, r) in max_weight(&transposed, cols, rows).into_iter().enumerate() {
            if let Some(r) = r {
                by_row[r] = Some(c);
            }
        }
        return by_row;
    }
    // Minimum cost with cost = −weight. Indices are 1-based below; row 0 and
    // column 0 are the method's sentinels.
    let cost = |r: usize, c: usize| -weights[(r - 1) * cols + (c - 1)];
    let mut u = vec![0.0; rows + 1];
    let mut v = vec![0.0; cols + 1];
    // owner[c]: the row holding column c (0: none); way[c]: the column
    // before c on the shortest augmenting path.
    let mut owner = vec![0usize; cols + 1];
    let mut way = vec![0usize; cols + 1];
    for row in 1..=rows {
        owner[0] = row;
        let mut col0 = 0;
        let mut min_to = vec![f64::INFINITY; cols + 1];
        let mut done = vec![false; cols + 1];
        loop {
            done[col0] = true;
            let r0 = owner[col0];
            let mut delta = f64::INFINITY;
            let mut col1 = 0;
            for c in 1..=cols {
                if done[c] {
                    continue;
                }
                let reduced = cost(r0, c) - u[r0] - v[c];
                if reduced < min_to[c] {
                    min_to[c] = reduced;
                    way[c] = col0;
                }
                if min_to[c] < delta {
                    delta = min_to[c];
                    col1 = c;
                }
            }
            for c in 0..=cols {
                if done[c] {
                    u[owner[c]] += delta;
                    v[c] -= delta;
                } else {
                    min_to[c] -= delta;
                }
            }
            col0 = col1;
            if owner[col0] == 0 {
                break;
            }
        }
        // Flip the path: each column on it passes to the row before.
        while col0 != 0 {
            let prev = way[col0];
            owner[col0] = owner[prev];
            col0 = prev;
        }
    }
    let mut by_row = vec![None; rows];
    for c in 1..=cols {
        if owner[c] != 0 {
            by_row[owner[c] - 1] = Some(c - 1);
        }
    }
    by_row
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn total(weights: &[f64], cols: usize, m: &[Option<usize>]) -> f64 {
        m.iter()
            .enumerate()
            .filter_map(|(r, c)| c.map(|c| weights[r * cols + c]))
            .sum()
    }

    /// The best total by trying every injection of the smaller side.
    fn brute_force(weights: &[f64], rows: usize, cols: usize) -> f64 {
        fn go(w: &[f64], rows: usize, cols: usize, r: usize, used: &mut Vec<bool>) -> f64 {
            if r == rows {
                return 0.0;
            }
            // Leaving a row out is allowed; it never beats matching when
            // weights are non-negative, but keeps the search simple.
            let mut best = go(w, rows, cols, r + 1, used);
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    best = best.max(w[r * cols + c] + go(w, rows, cols, r + 1, used));
                    used[c] = false;
                }
            }
            best
        }
        go(weights, rows, cols, 0, &mut vec![false; cols])
    }

    #[test]
    fn picks_the_better_assignment_over_the_greedy_one() {
        // Greedy takes (0, 0) for 0.9 and leaves row 1 with 0.
        let w = [0.9, 0.8, 0.7, 0.0];
        assert_eq!(max_weight(&w, 2, 2), [Some(1), Some(0)]);
        assert_eq!(max_weight(&[], 0, 3), []);
        assert_eq!(max_weight(&[], 2, 0), [None, None]);
        assert_eq!(max_weight(&[0.1, 0.5, 0.2], 3, 1), [None, Some(0), None]);
    }

    proptest! {
        #[test]
        fn is_one_to_one_and_optimal(
            (rows, cols, w) in (0usize..5, 0usize..5).prop_flat_map(|(r, c)| {
                (Just(r), Just(c), proptest::collection::vec(0u8..5, r * c))
            })
        ) {
            let w: Vec<f64> = w.into_iter().map(|x| f64::from(x) / 4.0).collect();
            let m = max_weight(&w, rows, cols);
            prop_assert_eq!(m.len(), rows);
            let taken: Vec<usize> = m.iter().flatten().copied().collect();
            let mut unique = taken.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), taken.len());
            prop_assert_eq!(taken.len(), rows.min(cols));
            prop_assert!((total(&w, cols, &m) - brute_force(&w, rows, cols)).abs() < 1e-9);
        }
    }
}
