//! Catching tantivy's panics on damaged files at koe's search boundary, without the
//! default hook's message on stderr: a caught panic becomes an error that says what
//! to do, and an uncaught one still prints as usual.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Inside [`quietly`] on this thread: a panic is caught and reported as an error.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent for panics [`quietly`] catches and
/// hands every other panic to the hook that was there before.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; `Err(())` when it panicked (silently).
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    install_hook();
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::quietly;

    #[test]
    fn panics_become_errors() {
        assert_eq!(quietly(|| 7), Ok(7));
        let caught: Result<(), ()> = quietly(|| panic!("mid > len"));
        assert_eq!(caught, Err(()));
        // Nested: the inner catch leaves the outer one catching.
        let nested = quietly(|| {
            let _ = quietly(|| panic!("inner"));
            panic!("outer")
        });
        assert_eq!(nested, Err::<(), ()>(()));
    }
}
