//! Deadline checks inside loops over large inputs.

use plaudit_core::{Context, Evaluation, Outcome};

/// How many bytes (or items) of progress pass between two deadline checks:
/// reading the clock every 64 KiB costs nothing measurable, and a scan of
/// 64 KiB takes microseconds, so a late aspect stops promptly.
pub(crate) const CHECK_EVERY: usize = 64 * 1024;

/// The evaluation of an aspect that stopped at its deadline.
pub(crate) fn timed_out(cx: &Context) -> Evaluation {
    Evaluation::new(Outcome::timed_out(cx.timeout()))
}

/// Reads the clock only once every [`CHECK_EVERY`] units of progress.
#[derive(Debug)]
pub(crate) struct Ticker<'a> {
    cx: &'a Context,
    next: usize,
}

impl<'a> Ticker<'a> {
    /// A ticker whose first check comes after [`CHECK_EVERY`] units.
    pub(crate) fn new(cx: &'a Context) -> Self {
        Self {
            cx,
            next: CHECK_EVERY,
        }
    }

    /// Whether the deadline has passed, checked only when `progress` has
    /// moved [`CHECK_EVERY`] past the last check.
    pub(crate) fn expired(&mut self, progress: usize) -> bool {
        if progress < self.next {
            return false;
        }
        self.next = progress.saturating_add(CHECK_EVERY);
        self.cx.expired()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn checks_only_every_so_often() {
        let cx = Context::with_timeout(Duration::ZERO);
        let mut t = Ticker::new(&cx);
        assert!(!t.expired(10), "no check before CHECK_EVERY");
        assert!(t.expired(CHECK_EVERY));
        assert!(!t.expired(CHECK_EVERY + 1));
        assert_eq!(timed_out(&cx).outcome, Outcome::TimedOut { after_ms: 0 });
    }
}
