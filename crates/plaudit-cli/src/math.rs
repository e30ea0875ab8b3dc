//! `plaudit math check GOLD PRED`: one verdict, with its explanation.

use std::io::{self, Write};

use clap::{Args, Subcommand};
use plaudit_math::extract::ExtractOptions;
use plaudit_math::verify::{Options, reference_answer};
use plaudit_math::{Equivalence, Policy, check};

use crate::Exit;

#[derive(Debug, Subcommand)]
pub(crate) enum MathCommand {
    /// Compare a completion's final answer with a reference answer.
    ///
    /// Exit status: 0 equivalent, 1 not equivalent, 2 undecidable.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The reference: an answer (`\frac{9}{7}`) or a whole solution ending
    /// in `\boxed{…}` or `#### …`.
    gold: String,
    /// The prediction: a completion (its final answer is extracted) or a
    /// bare answer (used whole when nothing is extracted).
    pred: String,
    /// Print the verdict as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The comparison policy as JSON, e.g. `{"percent": false}`.
    #[arg(long, value_name = "JSON")]
    policy: Option<String>,
}

pub(crate) fn run(command: MathCommand) -> anyhow::Result<()> {
    match command {
        MathCommand::Check(args) => check_one(&args),
    }
}

fn check_one(args: &CheckArgs) -> anyhow::Result<()> {
    let policy: Policy = match &args.policy {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| anyhow::anyhow!("--policy is not a valid policy: {e}"))?,
        None => Policy::default(),
    };
    let options = Options {
        extract: ExtractOptions::default(),
        policy,
    };
    let gold = reference_answer(&args.gold);
    let extracted = plaudit_math::extract::extract_answer(&args.pred, &options.extract);
    let (answer, how) = match &extracted {
        Some(found) => (found.text, found.method.as_str()),
        None => (args.pred.trim(), "whole input"),
    };
    let verdict = check(gold, answer, &options.policy);
    let word = match verdict.equivalence {
        Equivalence::Equal => "equivalent",
        Equivalence::NotEqual => "not equivalent",
        Equivalence::Unknown => "undecidable",
    };
    let mut out = io::stdout().lock();
    if args.json {
        let value = serde_json::json!({
            "verdict": word,
            "reason": verdict.reason,
            "gold": {"text": gold, "parsed": verdict.gold},
            "answer": {"text": answer, "found_by": how, "parsed": verdict.answer},
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "{word}: {}", verdict.reason)?;
        writeln!(out, "  gold:   {gold}{}", parsed(verdict.gold.as_deref()))?;
        writeln!(
            out,
            "  answer: {answer}{}  ({how})",
            parsed(verdict.answer.as_deref())
        )?;
    }
    out.flush()?;
    match verdict.equivalence {
        Equivalence::Equal => Ok(()),
        Equivalence::NotEqual => Err(Exit(1).into()),
        Equivalence::Unknown => Err(Exit(2).into()),
    }
}

fn parsed(rendering: Option<&str>) -> String {
    match rendering {
        Some(r) => format!("  →  {r}"),
        None => "  (not parsed)".to_owned(),
    }
}
