//! Objects the decoders read whole before decoding them, and a way for a checking layer to keep watching
//! inside them.
//!
//! Two kinds of union cannot decode a value as it streams past: a union whose alternatives are tried in
//! order (an object is read into a `Value`, then each alternative decodes it) and a tagged object whose tag
//! is not its first member (its members are written out as text until the tag is known). Either way the
//! variant is decoded by a fresh decoder, out of sight of a layer wrapped around the first one — which is how
//! `allmhub-conform` notes members the spec does not know. A layer that watches decoding installs a
//! [`Redecode`] for the thread ([`watch`]); the unions hand it each buffered object to decode as the variant's
//! type, so that it can note what is inside, with paths relative to the object. What it notes waits here
//! ([`take_found`]) until the layer reaches the end of the union's object and places it under that path.
//!
//! Without a watcher (the client), nothing changes: one thread-local read per buffered object.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};

/// Something a watching layer noted inside a buffered object, at a JSON path relative to that object (`$`
/// is the object itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A member the type does not know.
    Member(String),
    /// A value the spec does not list (an open enum's value, a union's tag; `None` for an object without a
    /// string tag), kept in a catch-all variant.
    Value {
        /// Where the value is.
        path: String,
        /// The value.
        value: Option<String>,
    },
}

/// Decodes a buffered object (JSON text) as the type `type_id` names, noting what it finds in `found`:
/// `None` when it cannot (a type it has no decoder for, or text that does not decode), and the union then
/// decodes the object itself, as it would unwatched, for its usual result or error.
pub type Redecode = fn(type_id: TypeId, text: &str, found: &mut Vec<Found>) -> Option<Box<dyn Any>>;

thread_local! {
    static WATCHER: Cell<Option<Redecode>> = const { Cell::new(None) };
    static FOUND: RefCell<Vec<Found>> = const { RefCell::new(Vec::new()) };
    // Whether `FOUND` holds anything: a layer asks after every string and object it decodes, and a plain
    // `Cell` (no destructor to register, no borrow flag) answers that in a couple of instructions.
    static PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Installs `redecode` for this thread until the guard is dropped (the previous watcher, if any, comes back
/// then, so watches nest).
pub fn watch(redecode: Redecode) -> Watching {
    Watching {
        previous: WATCHER.with(|watcher| watcher.replace(Some(redecode))),
    }
}

/// The watch [`watch`] installed; dropping it ends the watch.
#[must_use = "the watch ends when this is dropped"]
pub struct Watching {
    previous: Option<Redecode>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        WATCHER.with(|watcher| watcher.set(self.previous));
    }
}

/// What was noted inside buffered objects since the last call, in the order it was noted; empty when
/// nothing was (the common case, and cheap).
#[inline]
pub fn take_found() -> Vec<Found> {
    if PENDING.with(Cell::get) {
        take_pending()
    } else {
        Vec::new()
    }
}

#[cold]
fn take_pending() -> Vec<Found> {
    PENDING.with(|pending| pending.set(false));
    FOUND.with(|found| std::mem::take(&mut *found.borrow_mut()))
}

/// How many notes wait: a mark to go back to with [`forget_found_since`].
pub(crate) fn found_mark() -> usize {
    FOUND.with(|found| found.borrow().len())
}

/// Drops the notes made since `mark`: an alternative that was rejected after all was never decoded.
pub(crate) fn forget_found_since(mark: usize) {
    FOUND.with(|found| {
        let mut found = found.borrow_mut();
        found.truncate(mark);
        PENDING.with(|pending| pending.set(!found.is_empty()));
    });
}

/// Whether a watcher is installed on this thread.
pub(crate) fn watched() -> bool {
    WATCHER.with(Cell::get).is_some()
}

/// `text` decoded as `T` by the watcher, if one is installed and can; what it noted waits for the layer.
pub(crate) fn redecode<T: 'static>(text: &str) -> Option<T> {
    // Only the downcast is compiled per variant type; the rest, once.
    redecode_any(TypeId::of::<T>(), text)?
        .downcast::<T>()
        .ok()
        .map(|value| *value)
}

fn redecode_any(type_id: TypeId, text: &str) -> Option<Box<dyn Any>> {
    let redecode = WATCHER.with(Cell::get)?;
    let seen = crate::unknown_values::seen();
    let mut found = Vec::new();
    // A value of another type is no decoding (and its notes are not kept).
    match redecode(type_id, text, &mut found).filter(|value| (**value).type_id() == type_id) {
        Some(value) => {
            if !found.is_empty() {
                FOUND.with(|pending| pending.borrow_mut().append(&mut found));
                PENDING.with(|pending| pending.set(true));
            }
            Some(value)
        }
        None => {
            // The union decodes the object again; what the failed attempt counted was never kept.
            crate::unknown_values::forget_since(seen);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(type_id: TypeId, text: &str, found: &mut Vec<Found>) -> Option<Box<dyn Any>> {
        found.push(Found::Member(format!("$.{}", text.len())));
        (type_id == TypeId::of::<u8>()).then(|| Box::new(7u8) as Box<dyn Any>)
    }

    #[test]
    fn a_watcher_decodes_and_its_notes_wait_until_taken() {
        assert_eq!(redecode::<u8>("{}"), None, "no watcher, no decoding");
        let watching = watch(answer);
        assert_eq!(redecode::<u8>("{}"), Some(7));
        assert_eq!(redecode::<u16>("{ }"), None, "a type it cannot decode");
        assert_eq!(
            take_found(),
            vec![Found::Member("$.2".to_owned())],
            "only the decoded object's notes"
        );
        assert!(take_found().is_empty());
        drop(watching);
        assert_eq!(redecode::<u8>("{}"), None, "the watch ended");
    }

    #[test]
    fn notes_since_a_mark_can_be_forgotten() {
        let _watching = watch(answer);
        let mark = found_mark();
        assert_eq!(redecode::<u8>("[]"), Some(7));
        forget_found_since(mark);
        assert!(take_found().is_empty());
    }

    #[test]
    fn a_value_of_another_type_is_no_decoding() {
        fn always_u8(_: TypeId, text: &str, found: &mut Vec<Found>) -> Option<Box<dyn Any>> {
            found.push(Found::Member(format!("$.{}", text.len())));
            Some(Box::new(7u8))
        }
        let _watching = watch(always_u8);
        assert_eq!(redecode::<u16>("{}"), None);
        assert!(take_found().is_empty(), "its notes are not kept");
        assert_eq!(redecode::<u8>("{}"), Some(7));
    }

    #[test]
    fn notes_before_a_mark_outlive_forgetting_what_followed_it() {
        let _watching = watch(answer);
        assert_eq!(redecode::<u8>("{}"), Some(7));
        let mark = found_mark();
        assert_eq!(redecode::<u8>("[1]"), Some(7));
        forget_found_since(mark);
        assert_eq!(take_found(), vec![Found::Member("$.2".to_owned())]);
        assert!(take_found().is_empty(), "taken once");
    }
}
