//! Stopping index work nobody waits for any more: a [`Cancel`] is handed to a scan,
//! which checks it between blocks of documents and gives up with
//! [`IndexError::Cancelled`](super::IndexError::Cancelled).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

const RUNNING: u8 = 0;
const COMMITTING: u8 = 1;
const CANCELLED: u8 = 2;

/// Asks index work to stop: cancelled by whoever gave up on the answer, or by itself
/// past its deadline. Clones share the state.
///
/// Work that must not be half-done (a commit) first claims its point of no return
/// with [`Cancel::commit_point`]: from then on the work cannot be cancelled, and
/// [`Cancel::cancel`] says so, so that the caller waits for the true outcome instead
/// of reporting a failure that did not happen.
#[derive(Debug, Clone)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AtomicU8,
    deadline: Option<Instant>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::never()
    }
}

impl Cancel {
    /// Cancelled only by [`Cancel::cancel`].
    pub fn never() -> Cancel {
        Cancel {
            inner: Arc::new(Inner {
                state: AtomicU8::new(RUNNING),
                deadline: None,
            }),
        }
    }

    /// Cancelled by [`Cancel::cancel`] or once `deadline` has passed.
    pub fn at(deadline: Instant) -> Cancel {
        Cancel {
            inner: Arc::new(Inner {
                state: AtomicU8::new(RUNNING),
                deadline: Some(deadline),
            }),
        }
    }

    /// Cancels the work. True when it is (now or already) cancelled; false when it has
    /// passed its point of no return ([`Cancel::commit_point`]) and will finish.
    pub fn cancel(&self) -> bool {
        match self.inner.state.compare_exchange(
            RUNNING,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(state) => state == CANCELLED,
        }
    }

    /// Whether the work should stop now (cancelled, or past the deadline and not yet
    /// committing).
    pub fn is_cancelled(&self) -> bool {
        match self.inner.state.load(Ordering::Acquire) {
            CANCELLED => true,
            COMMITTING => false,
            _ => match self.inner.deadline {
                Some(d) if Instant::now() >= d => self.cancel(),
                _ => false,
            },
        }
    }

    /// Claims the point of no return: true when the work may go on to the end (it can
    /// no longer be cancelled), false when it was cancelled first and must be undone.
    pub fn commit_point(&self) -> bool {
        if self.is_cancelled() {
            return false;
        }
        match self.inner.state.compare_exchange(
            RUNNING,
            COMMITTING,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(state) => state == COMMITTING,
        }
    }

    /// `Err(Cancelled)` when the work should stop.
    pub fn check(&self) -> Result<(), super::IndexError> {
        if self.is_cancelled() {
            Err(super::IndexError::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cancel_and_commit_point_exclude_each_other() {
        let c = Cancel::never();
        assert!(!c.is_cancelled());
        assert!(c.cancel());
        assert!(c.is_cancelled());
        assert!(!c.commit_point());

        let c = Cancel::never();
        assert!(c.commit_point());
        assert!(c.commit_point());
        assert!(!c.cancel(), "a committing task cannot be cancelled");
        assert!(!c.is_cancelled());
    }

    #[test]
    fn deadline_cancels_by_itself_unless_committing() {
        let past = Instant::now() - Duration::from_millis(1);
        let c = Cancel::at(past);
        assert!(c.is_cancelled());
        assert!(!c.commit_point());
        assert!(c.check().is_err());

        let c = Cancel::at(Instant::now() + Duration::from_secs(3600));
        assert!(!c.is_cancelled());
        let clone = c.clone();
        assert!(clone.cancel());
        assert!(c.is_cancelled(), "clones share the state");
    }
}
