//! A graded win probability from the log-probabilities at the verdict's
//! token.
//!
//! The verdict is the value of `"winner"` in the reply's JSON. Its first
//! token — `A`, `B`, or the start of `tie` (`t`, `tie`, `Tie`), possibly
//! with the opening quote or a space glued on (`"A`, ` "B`) — is found by
//! walking the reply's tokens to the byte where the value starts. Among the
//! alternatives the server lists at that token (`top_logprobs`, plus the
//! sampled token when the list lacks it), the probability mass of each
//! label is summed, and the response's win probability is
//! `(P(response's label) + ½·P(tie)) / (P(A) + P(B) + P(tie))` — the
//! expectation of the 1 / ½ / 0 a verdict would give, under the judge's
//! own distribution. A judge that gives a tie no weight gets
//! `P(A) / (P(A) + P(B))`.
//!
//! Nothing is guessed: the win is `None` (and the caller uses the parsed
//! verdict) when the reply has no log-probabilities, no `"winner"` value
//! can be located in its tokens, the token there does not spell the
//! parsed winner, or no alternative is a label.

use crate::client::{Reply, TokenLogprob};

use super::Label;

/// The response's win probability from the verdict token's alternatives;
/// `winner` is the parsed verdict and `response` the response's label in
/// this order.
pub(super) fn win(reply: &Reply, winner: Label, response: Label) -> Option<f64> {
    let token = verdict_token(&reply.logprobs)?;
    if label(&token.token) != Some(winner) || token.top_logprobs.is_empty() {
        return None;
    }
    let mut mass = [0.0f64; 3];
    let slot = |l: Label| match l {
        Label::A => 0,
        Label::B => 1,
        Label::Tie => 2,
    };
    let mut add = |text: &str, logprob: f64| {
        if let Some(l) = label(text)
            && logprob.is_finite()
        {
            mass[slot(l)] += logprob.exp();
        }
    };
    for alt in &token.top_logprobs {
        add(&alt.token, alt.logprob);
    }
    if !token.top_logprobs.iter().any(|a| a.token == token.token) {
        add(&token.token, token.logprob);
    }
    let total: f64 = mass.iter().sum();
    (total > 0.0).then(|| (mass[slot(response)] + 0.5 * mass[slot(Label::Tie)]) / total)
}

/// The token where the last `"winner"` key's string value starts.
fn verdict_token(tokens: &[TokenLogprob]) -> Option<&TokenLogprob> {
    let text: String = tokens.iter().map(|t| t.token.as_str()).collect();
    const KEY: &str = "\"winner\"";
    let at = text
        .match_indices(KEY)
        .filter_map(|(k, _)| {
            let value = text[k + KEY.len()..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start()
                .strip_prefix('"')?;
            Some(text.len() - value.len())
        })
        .last()?;
    let mut end = 0;
    tokens.iter().find(|t| {
        end += t.token.len();
        end > at
    })
}

/// The label a token spells, with quotes, spaces and a colon around it
/// ignored.
fn label(token: &str) -> Option<Label> {
    let t = token
        .trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == ':')
        .trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '}');
    if t.eq_ignore_ascii_case("A") {
        Some(Label::A)
    } else if t.eq_ignore_ascii_case("B") {
        Some(Label::B)
    } else if !t.is_empty() && t.len() <= 3 && "tie"[..t.len()].eq_ignore_ascii_case(t) {
        Some(Label::Tie)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{StructuredOutput, TopLogprob, Usage};
    use proptest::prelude::*;
    use std::time::Duration;

    fn reply(tokens: &[(&str, &[(&str, f64)])]) -> Reply {
        Reply {
            content: tokens.iter().map(|t| t.0).collect(),
            model: None,
            logprobs: tokens
                .iter()
                .map(|(tok, top)| TokenLogprob {
                    token: (*tok).into(),
                    logprob: top
                        .iter()
                        .find(|(t, _)| t == tok)
                        .map_or(-0.1, |(_, lp)| *lp),
                    top_logprobs: top
                        .iter()
                        .map(|(t, lp)| TopLogprob {
                            token: (*t).into(),
                            logprob: *lp,
                        })
                        .collect(),
                })
                .collect(),
            usage: Usage::default(),
            attempts: 1,
            latency: Duration::ZERO,
            structured_output: StructuredOutput::JsonSchema,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn the_alternatives_give_the_win() {
        let (p8, p2) = (0.8f64.ln(), 0.2f64.ln());
        let r = reply(&[
            ("{\"reason\": \"a is right\", ", &[]),
            ("\"winner\"", &[]),
            (": \"", &[]),
            ("A", &[("A", p8), ("B", p2), ("C", -5.0)]),
            ("\"}", &[]),
        ]);
        assert!(close(win(&r, Label::A, Label::A), 0.8));
        assert!(close(win(&r, Label::A, Label::B), 0.2));
        // The parsed winner must be the sampled token.
        assert_eq!(win(&r, Label::B, Label::A), None);
    }

    #[test]
    fn a_tie_counts_half_and_glued_quotes_are_read() {
        let (p5, p3, p2) = (0.5f64.ln(), 0.3f64.ln(), 0.2f64.ln());
        let r = reply(&[
            ("{\"reason\":\"close\",\"winner\":", &[]),
            (" \"t", &[(" \"t", p5), (" \"A", p3), (" \"B", p2)]),
            ("ie\"}", &[]),
        ]);
        // (0.3 + 0.25) / 1 for A, (0.2 + 0.25) / 1 for B.
        assert!(close(win(&r, Label::Tie, Label::A), 0.55));
        assert!(close(win(&r, Label::Tie, Label::B), 0.45));
    }

    #[test]
    fn the_sampled_token_counts_when_the_list_lacks_it() {
        let r = reply(&[
            ("{\"winner\": \"", &[]),
            ("B", &[("A", 0.25f64.ln())]),
            ("\"}", &[]),
        ]);
        // B's own log-probability is the default -0.1 of the helper.
        let pb = (-0.1f64).exp();
        assert!(close(win(&r, Label::B, Label::B), pb / (pb + 0.25)));
    }

    #[test]
    fn missing_tokens_give_nothing() {
        // No log-probabilities at all.
        assert_eq!(win(&reply(&[]), Label::A, Label::A), None);
        // No winner key among the tokens.
        let r = reply(&[("{\"choice\": \"A\"}", &[("A", -0.1)])]);
        assert_eq!(win(&r, Label::A, Label::A), None);
        // The token is there but the server listed no alternatives.
        let r = reply(&[("{\"winner\": \"", &[]), ("A", &[]), ("\"}", &[])]);
        assert_eq!(win(&r, Label::A, Label::A), None);
        // Alternatives that are no label.
        let r = reply(&[
            ("{\"winner\": \"", &[]),
            ("A", &[("x", -0.1), ("y", -2.0)]),
            ("\"}", &[]),
        ]);
        assert!(close(win(&r, Label::A, Label::A), 1.0));
    }

    #[test]
    fn a_winner_inside_the_reason_is_not_the_verdict() {
        let p = 0.9f64.ln();
        let r = reply(&[
            (
                "{\"reason\": \"the \\\"winner\\\": \\\"B\\\" is wrong\", ",
                &[],
            ),
            ("\"winner\": \"", &[]),
            ("A", &[("A", p), ("B", 0.1f64.ln())]),
            ("\"}", &[]),
        ]);
        assert!(close(win(&r, Label::A, Label::A), 0.9));
    }

    #[test]
    fn labels() {
        for (token, l) in [
            ("A", Some(Label::A)),
            (" \"b", Some(Label::B)),
            ("t", Some(Label::Tie)),
            ("Tie", Some(Label::Tie)),
            ("\"tie\"}", Some(Label::Tie)),
            ("tier", None),
            ("th", None),
            ("", None),
            ("AB", None),
        ] {
            assert_eq!(label(token), l, "{token:?}");
        }
    }

    proptest! {
        #[test]
        fn the_win_is_a_probability_or_nothing(
            tokens in proptest::collection::vec((".{0,6}", proptest::collection::vec((".{0,3}", -20.0f64..0.0), 0..4)), 0..8)
        ) {
            let owned: Vec<(String, Vec<(String, f64)>)> = tokens;
            let parts: Vec<(&str, Vec<(&str, f64)>)> = owned
                .iter()
                .map(|(t, alts)| (t.as_str(), alts.iter().map(|(a, lp)| (a.as_str(), *lp)).collect()))
                .collect();
            let refs: Vec<(&str, &[(&str, f64)])> = parts.iter().map(|(t, a)| (*t, a.as_slice())).collect();
            let r = reply(&refs);
            for winner in [Label::A, Label::B, Label::Tie] {
                if let Some(w) = win(&r, winner, Label::A) {
                    prop_assert!((0.0..=1.0).contains(&w));
                }
            }
        }
    }
}
