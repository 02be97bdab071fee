//! A bound on how much work one run of a program may do, for programs one does not trust (the fuzzer runs
//! whatever bytes it makes up): every loop iteration and every function call is a step, and a run that takes
//! more steps than the bound stops with an error, as Ctrl-C stops it. Without a bound (the default) nothing
//! is counted.

use std::cell::Cell;

use super::error::{ErrorKind, LangError};

/// The steps each run may take and those the current run has left.
#[derive(Default)]
pub(crate) struct StepBudget {
    limit: Option<u64>,
    left: Cell<u64>,
}

impl StepBudget {
    /// Bounds each later run to `limit` steps; `None` lifts the bound.
    pub(crate) fn set_limit(&mut self, limit: Option<u64>) {
        self.limit = limit;
        self.left.set(limit.unwrap_or(0));
    }

    /// Gives a new run the whole budget.
    pub(crate) fn refill(&self) {
        self.left.set(self.limit.unwrap_or(0));
    }

    /// Takes one step; once the budget is spent, every further step fails, so a program that catches the
    /// error still ends at its next loop iteration or call.
    pub(crate) fn take(&self) -> Result<(), LangError> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        match self.left.get() {
            0 => Err(LangError::new(
                ErrorKind::Interrupted,
                format!("stopped after {limit} steps, the most a run may take in this session"),
            )),
            n => {
                self.left.set(n - 1);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_budget_runs_out_and_stays_spent_until_refilled() {
        let mut b = StepBudget::default();
        assert!((0..1000).all(|_| b.take().is_ok()), "no bound by default");
        b.set_limit(Some(2));
        assert!(b.take().is_ok() && b.take().is_ok());
        let e = b.take().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Interrupted);
        assert!(e.to_string().contains("stopped after 2 steps"), "{e}");
        assert!(b.take().is_err(), "a caught error does not refill the budget");
        b.refill();
        assert!(b.take().is_ok());
    }
}
