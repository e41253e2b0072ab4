//! Synthesizers: the events a stream of a given whole answer would carry, for each dialect.
//!
//! A gateway sometimes answers a streamed request with one JSON body; a synthesizer turns that body into the
//! events the dialect's stream would have delivered, so callers see one shape either way. Tests use them too:
//! an answer synthesized into events with any [`Split`] accumulates back to the same answer
//! (see [`crate::accumulate`]).
//!
//! ```
//! use allmhub::synthesize::{Split, chat_chunks};
//! # let answer: allmhub::types::ChatCompletionResponse = serde_json::from_value(serde_json::json!({
//! #     "id": "c", "object": "chat.completion", "created": 1, "model": "m",
//! #     "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}]
//! # })).unwrap();
//! let chunks = chat_chunks(&answer, &Split::Chars(2)); // "He", "ll", "o!"
//! assert_eq!(chunks.len(), 5); // role, three pieces of text, finish reason
//! ```
//!
//! What a stream cannot carry is normalized the same way by the accumulators; each dialect's function says
//! what that is.

// Which helpers are used depends on the API families compiled in.
#![cfg_attr(
    not(all(
        feature = "openai-chat",
        feature = "claude",
        feature = "responses",
        feature = "gemini"
    )),
    allow(dead_code, unused_imports)
)]

#[cfg(feature = "openai-chat")]
mod chat;
#[cfg(feature = "claude")]
mod claude;
#[cfg(feature = "gemini")]
mod gemini;
#[cfg(feature = "responses")]
mod responses;

#[cfg(feature = "openai-chat")]
pub use chat::chat_chunks;
#[cfg(feature = "claude")]
pub use claude::claude_events;
#[cfg(feature = "gemini")]
pub use gemini::gemini_chunks;
#[cfg(feature = "gemini")]
pub(crate) use gemini::is_plain_text;
#[cfg(feature = "responses")]
pub(crate) use responses::item_id;
#[cfg(feature = "responses")]
pub use responses::responses_events;

/// How a synthesizer cuts text, reasoning and tool-argument strings into fragments. Lengths count characters
/// (Unicode scalar values), so a fragment never splits a character.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Split {
    /// Every string in one fragment (what a gateway that converts a whole answer would send).
    #[default]
    Whole,
    /// Fragments of this many characters (the last one shorter); `0` counts as `1`.
    Chars(usize),
    /// Fragment lengths taken from the list in turn, cycling, across all strings of the answer: arbitrary
    /// split points for property tests. A `0` is an empty fragment (gateways send those too); a list of
    /// zeros, or an empty one, counts as [`Split::Whole`].
    Pattern(Vec<usize>),
}

/// Cuts strings as a [`Split`] says, keeping its place in a pattern from one string to the next.
pub(crate) struct Cutter<'s> {
    split: &'s Split,
    next: usize,
}

impl<'s> Cutter<'s> {
    pub(crate) fn new(split: &'s Split) -> Self {
        Cutter { split, next: 0 }
    }

    /// The fragments of `text`, at least one (an empty text is one empty fragment, so that "present but
    /// empty" survives the trip).
    pub(crate) fn cut<'t>(&mut self, text: &'t str) -> Vec<&'t str> {
        let pattern: &[usize] = match self.split {
            Split::Whole => return vec![text],
            Split::Chars(size) => &[(*size).max(1)],
            Split::Pattern(lengths) if lengths.iter().all(|length| *length == 0) => return vec![text],
            Split::Pattern(lengths) => lengths,
        };
        if text.is_empty() {
            return vec![text];
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let length = pattern[self.next % pattern.len()];
            self.next = self.next.wrapping_add(1);
            let end = rest.char_indices().nth(length).map_or(rest.len(), |(at, _)| at);
            pieces.push(&rest[..end]);
            rest = &rest[end..];
        }
        pieces
    }
}

/// Spreads `items` over `slots` consecutive groups as evenly as order allows (log probabilities over the
/// fragments of the text they belong to).
pub(crate) fn spread<T: Clone>(items: &[T], slots: usize) -> Vec<Vec<T>> {
    let slots = slots.max(1);
    (0..slots)
        .map(|slot| items[slot * items.len() / slots..(slot + 1) * items.len() / slots].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_by_characters_and_patterns() {
        assert_eq!(Cutter::new(&Split::Whole).cut("héllo"), ["héllo"]);
        assert_eq!(Cutter::new(&Split::Chars(2)).cut("héllo"), ["hé", "ll", "o"]);
        assert_eq!(Cutter::new(&Split::Chars(0)).cut("ab"), ["a", "b"]);
        assert_eq!(Cutter::new(&Split::Chars(3)).cut(""), [""]);
        let split = Split::Pattern(vec![1, 0, 3]);
        let mut cutter = Cutter::new(&split);
        assert_eq!(cutter.cut("abcdef"), ["a", "", "bcd", "e", "", "f"]);
        // The pattern goes on where the last string left it.
        assert_eq!(cutter.cut("xyz"), ["x", "", "yz"]);
        assert_eq!(Cutter::new(&Split::Pattern(vec![0, 0])).cut("ab"), ["ab"]);
        assert_eq!(Cutter::new(&Split::Pattern(vec![])).cut("ab"), ["ab"]);
    }

    #[test]
    fn spreads_in_order() {
        assert_eq!(spread(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2], vec![3, 4, 5]]);
        assert_eq!(spread(&[1], 3), vec![vec![], vec![], vec![1]]);
        assert_eq!(spread::<u8>(&[], 0), vec![Vec::<u8>::new()]);
    }
}
