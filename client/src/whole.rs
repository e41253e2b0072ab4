//! The stream events a whole answer stands for. A channel that ignores the stream flag answers a stream
//! request with the whole JSON answer; the client turns it into the events the dialect would have streamed,
//! so code reading the stream (accumulators, the CLI) works unchanged. The events are those of
//! [`crate::synthesize`] with [`Split::Whole`]: the synthesizers the accumulators are property-tested
//! against, so such a stream accumulates back to the answer.

#[allow(unused_imports)]
use crate::synthesize::{self, Split};

/// A whole answer of an operation that can also stream: its events, in the order the dialect streams them.
pub trait WholeAnswer: serde::de::DeserializeOwned {
    /// The type of one stream event.
    type Event;

    /// The events a stream of this answer carries (text and arguments each in one piece).
    fn into_events(self) -> Vec<Self::Event>;
}

#[cfg(feature = "openai-chat")]
impl WholeAnswer for allmhub_types::ChatCompletionResponse {
    type Event = allmhub_types::ChatCompletionChunk;

    /// Per choice a role chunk, one chunk per member (reasoning, content, refusal, each tool call…) and
    /// one with the finish reason; usage on a last chunk without choices (see [`synthesize::chat_chunks`]).
    fn into_events(self) -> Vec<Self::Event> {
        synthesize::chat_chunks(&self, &Split::Whole)
    }
}

#[cfg(feature = "claude")]
impl WholeAnswer for allmhub_types::ClaudeMessagesResponse {
    type Event = allmhub_types::ClaudeStreamEvent;

    /// `message_start`, for each block a start, its deltas and a stop, `message_delta` with the stop reason
    /// and usage, and `message_stop` (see [`synthesize::claude_events`]).
    fn into_events(self) -> Vec<Self::Event> {
        synthesize::claude_events(&self, &Split::Whole)
    }
}

#[cfg(feature = "responses")]
impl WholeAnswer for allmhub_types::ResponsesResponse {
    type Event = allmhub_types::ResponsesStreamEvent;

    /// `response.created`, the items with their parts and deltas, and the event that ends the response
    /// with all of it: `response.completed`, `response.incomplete` or `response.failed` after its status
    /// (see [`synthesize::responses_events`]).
    fn into_events(self) -> Vec<Self::Event> {
        synthesize::responses_events(&self, &Split::Whole)
    }
}
