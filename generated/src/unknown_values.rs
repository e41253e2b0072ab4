//! Values the spec does not list, counted as they are decoded.
//!
//! Decoding is forward compatible: an open enum keeps a value it does not know in `Unknown(String)`, and a
//! tagged union keeps an object whose tag it does not know (or that has no string tag) in `Unknown(Value)`.
//! Each such value is counted here, per thread, so that a conformance checker can tell where a payload left
//! the spec: it reads [`seen`] before and after decoding a value, and [`last`] for what was kept. Decoding
//! costs nothing more unless a value is unknown.

use std::cell::{Cell, RefCell};

thread_local! {
    static SEEN: Cell<u64> = const { Cell::new(0) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// How many values this thread has decoded into a catch-all variant so far.
pub fn seen() -> u64 {
    SEEN.with(Cell::get)
}

/// The last value this thread decoded into a catch-all variant: the enum value or the union's tag, or `None`
/// for an object that had no string tag (or when there was none yet).
pub fn last() -> Option<String> {
    LAST.with(|last| last.borrow().clone())
}

/// Counts one value kept in a catch-all variant.
pub(crate) fn note(value: Option<&str>) {
    SEEN.with(|seen| seen.set(seen.get().wrapping_add(1)));
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match (value, last.as_mut()) {
            (Some(value), Some(kept)) => {
                kept.clear();
                kept.push_str(value);
            }
            (value, _) => *last = value.map(str::to_owned),
        }
    });
}
