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
#[inline]
pub fn seen() -> u64 {
    SEEN.with(Cell::get)
}

/// The last value this thread decoded into a catch-all variant: the enum value or the union's tag, or `None`
/// for an object that had no string tag (or when there was none yet).
pub fn last() -> Option<String> {
    LAST.with(|last| last.borrow().clone())
}

/// Takes back the values counted since the count was `seen`: they belonged to an alternative that failed.
pub(crate) fn forget_since(seen: u64) {
    SEEN.with(|count| count.set(seen));
}

/// Counts one value kept in a catch-all variant.
pub(crate) fn note(value: Option<&str>) {
    SEEN.with(|seen| seen.set(seen.get().wrapping_add(1)));
    LAST.with(|last| *last.borrow_mut() = value.map(str::to_owned));
}

#[cfg(all(test, feature = "openai-chat"))]
mod tests {
    use super::{last, seen};
    use crate::ChatImageUrl;
    use serde_json::json;

    #[test]
    fn a_value_kept_in_a_catch_all_is_counted_once_with_its_value() {
        let before = seen();
        let url: ChatImageUrl = serde_json::from_value(json!({"url": "u", "detail": "low"})).expect("decodes");
        assert_eq!(seen(), before, "a listed value is not counted: {url:?}");
        let url: ChatImageUrl = serde_json::from_value(json!({"url": "u", "detail": "ultra"})).expect("decodes");
        assert_eq!(seen(), before + 1, "{url:?}");
        assert_eq!(last().as_deref(), Some("ultra"));
    }

    #[test]
    fn what_a_rejected_alternative_counted_is_taken_back() {
        // `detail` is decoded (and counted) before the missing `url` rejects the object.
        let before = seen();
        let mut failures = Vec::new();
        let rejected =
            crate::__private::alternative::<ChatImageUrl>(&json!({"detail": "ultra"}).into(), "Url", &mut failures);
        assert!(rejected.is_none());
        assert_eq!(failures.len(), 1);
        assert_eq!(seen(), before);
    }
}
