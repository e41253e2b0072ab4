//! Accumulators: a stream folded into the dialect's final answer, at the end or event by event.
//!
//! The whole answer of a stream, in one line:
//!
//! ```no_run
//! # async fn run(client: allmhub::Client, request: allmhub::types::ChatCompletionRequest) -> Result<(), allmhub::Error> {
//! let answer = client.chat().create_stream(&request).await?.into_final().await?; // a ChatCompletionResponse
//! # Ok(()) }
//! ```
//!
//! Event by event, to show the answer while it grows (partial tool calls included):
//!
//! ```no_run
//! # async fn run(client: allmhub::Client, request: allmhub::types::ChatCompletionRequest) -> Result<(), allmhub::Error> {
//! # use futures_util::StreamExt;
//! # let mut stream = client.chat().create_stream(&request).await?;
//! let mut answer = allmhub::accumulate::ChatAccumulator::new();
//! while let Some(chunk) = stream.next().await { answer.push(&chunk?)?; render(answer.snapshot()); }
//! let answer = answer.finish()?; // the same ChatCompletionResponse as into_final
//! # Ok(()) }
//! # fn render(_: &allmhub::types::ChatCompletionResponse) {}
//! ```
//!
//! Only the text, as it arrives:
//!
//! ```no_run
//! # async fn run(client: allmhub::Client, request: allmhub::types::ChatCompletionRequest) -> Result<(), allmhub::Error> {
//! use futures_util::StreamExt;
//! let mut text = client.chat().create_stream(&request).await?.text_deltas();
//! while let Some(piece) = text.next().await { print!("{}", piece?); }
//! # Ok(()) }
//! ```
//!
//! One accumulator per dialect: [`ChatAccumulator`] (chat chunks → `ChatCompletionResponse`),
//! [`ClaudeAccumulator`] (Claude events → the message), [`ResponsesAccumulator`] (Responses events → the
//! response) and [`GeminiAccumulator`] (Gemini chunks → one response). Each rebuilds, from the events of
//! [`crate::synthesize`] with any split, the answer they were made from (up to what a stream cannot carry,
//! which each synthesizer documents).

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

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

#[cfg(feature = "openai-chat")]
pub use chat::ChatAccumulator;
#[cfg(feature = "claude")]
pub use claude::ClaudeAccumulator;
#[cfg(feature = "gemini")]
pub use gemini::{GeminiAccumulator, merge_part};
#[cfg(feature = "responses")]
pub use responses::ResponsesAccumulator;

use crate::error::{ApiError, ApiErrorBody, DecodeError, StreamError};
use crate::{Error, EventStream};

/// Folds the events of one stream into the dialect's final answer.
pub trait Accumulator: Default {
    /// The stream's event type.
    type Event;
    /// The answer it builds.
    type Output;

    /// Adds one event. An error event of the stream, or a tool input that is not JSON, is an error; the
    /// accumulator stays usable and keeps everything else.
    fn push(&mut self, event: &Self::Event) -> Result<(), Error>;

    /// The answer so far.
    fn snapshot(&self) -> &Self::Output;

    /// The final answer. A stream that carried no event at all is an error ([`Error::Stream`]).
    fn finish(self) -> Result<Self::Output, Error>;
}

/// The event type of a dialect's stream: what it accumulates into, and where its text is.
pub trait StreamEvent: DeserializeOwned + Sized {
    /// The accumulator of this dialect.
    type Accumulator: Accumulator<Event = Self>;

    /// The answer text this event adds (of the first choice or candidate; reasoning and tool arguments are
    /// not answer text), when it adds some.
    fn text_delta(&self) -> Option<Cow<'_, str>>;
}

/// The final answer of a stream of `T` events.
pub type Final<T> = <<T as StreamEvent>::Accumulator as Accumulator>::Output;

impl<T: StreamEvent> EventStream<T> {
    /// Reads the stream to its end and returns the final answer (for chat, a `ChatCompletionResponse` as a
    /// non-streamed call would have answered). The first error of the stream ends it.
    pub async fn into_final(mut self) -> Result<Final<T>, Error> {
        let mut accumulator = T::Accumulator::default();
        while let Some(event) = futures_util::StreamExt::next(&mut self).await {
            accumulator.push(&event?)?;
        }
        accumulator.finish()
    }

    /// The answer text only, as it arrives: events without text are skipped.
    pub fn text_deltas(self) -> TextDeltas<T> {
        TextDeltas { events: self }
    }
}

/// The text pieces of a stream (see [`EventStream::text_deltas`]).
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct TextDeltas<T> {
    events: EventStream<T>,
}

impl<T: StreamEvent> Stream for TextDeltas<T> {
    type Item = Result<String, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.events).poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => match event.text_delta() {
                    Some(text) if !text.is_empty() => return Poll::Ready(Some(Ok(text.into_owned()))),
                    _ => continue,
                },
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The error of a stream that ended before its first event.
fn empty_stream() -> Error {
    Error::Stream(StreamError::new(
        "the stream ended before its first event; there is no answer".to_owned(),
        0,
    ))
}

/// The error for an error event met by an accumulator (the client's streams report these themselves; this
/// covers events fed by hand), from the event's payload: the event is that payload tagged `"type": "error"`.
/// Serializing only the payload keeps the serializers of the whole event types (every answer they carry)
/// out of the build.
fn error_event(payload: &impl serde::Serialize) -> Error {
    let mut event = serde_json::Map::new();
    event.insert("type".to_owned(), "error".into());
    if let Ok(serde_json::Value::Object(members)) = serde_json::to_value(payload) {
        event.extend(members);
    }
    let value = serde_json::Value::Object(event);
    let body = ApiErrorBody::from_stream_event(&value);
    Error::Api(Box::new(ApiError::new(200, body, Some(value.to_string())).in_band()))
}

/// The error for a JSON text of a stream (a tool input) that does not parse: where it belongs in the
/// answer, why, and the text.
fn json_error(path: String, message: String, text: &str, event: usize) -> Error {
    let mut error = DecodeError::new(200, path, message, text.as_bytes());
    error.event = Some(event);
    Error::Decode(Box::new(error))
}

/// Appends a fragment to a text that may not have started.
fn append(text: &mut Option<String>, fragment: &str) {
    match text {
        Some(text) => text.push_str(fragment),
        None => *text = Some(fragment.to_owned()),
    }
}

/// Sets `target` when `value` is present (members that later events repeat or refine).
fn set_some<T: Clone>(target: &mut Option<T>, value: &Option<T>) {
    if value.is_some() {
        target.clone_from(value);
    }
}
