//! Typed event streams ([`EventStream`]) and raw byte streams ([`ByteStream`]). Events are framed by
//! `sse-stream` (CRLF, multi-line data, comments, a byte-order mark, lines of any length).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sse_stream::{Sse, SseByteStream};
use tokio::time::{Instant, Sleep};

use crate::Error;
use crate::error::{ApiError, ApiErrorBody, DecodeError, StreamError, Timeout, TimeoutKind, decode_json_path, snippet};

type SseEvents = Pin<Box<dyn Stream<Item = Result<Sse, sse_stream::Error>> + Send>>;

/// The data of the event that ends an OpenAI chat stream.
const DONE: &str = "[DONE]";

/// A stream of typed events from a Server-Sent Events answer.
///
/// Each item is one event's data decoded as `T`. The stream ends at `data: [DONE]` or when the server
/// closes it. An error event from the server (`event: error`, or an error envelope as data) is yielded
/// as [`Error::Api`] and ends the stream; so does a broken connection ([`Error::Stream`]) or a gap
/// between events longer than the idle timeout ([`Error::Timeout`]). An event that does not decode is
/// yielded as [`Error::Decode`] and the stream goes on.
#[must_use = "streams do nothing unless polled"]
pub struct EventStream<T> {
    events: SseEvents,
    idle: IdleTimer,
    status: u16,
    request_id: Option<String>,
    delivered: usize,
    done: bool,
    marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("delivered", &self.delivered)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> EventStream<T> {
    pub(crate) fn new(response: reqwest::Response, idle_timeout: Duration) -> Self {
        let status = response.status().as_u16();
        let request_id = crate::transport::request_id(response.headers());
        let bytes = futures_util::TryStreamExt::map_err(response.bytes_stream(), std::io::Error::other);
        Self::from_bytes(bytes, status, request_id, idle_timeout)
    }

    /// A stream over raw SSE bytes, such as a captured stream replayed from memory or disk.
    pub fn from_bytes<S>(bytes: S, status: u16, request_id: Option<String>, idle_timeout: Duration) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        // A body that ends cleanly right after a `data:` line still delivers that last event (the SSE
        // spec would drop it); a cut-off one then fails to decode instead of vanishing.
        let ending = futures_util::stream::once(std::future::ready(Ok(Bytes::from_static(b"\n\n"))));
        let bytes = futures_util::StreamExt::chain(bytes, ending);
        EventStream {
            events: Box::pin(SseByteStream::new(bytes)),
            idle: IdleTimer::new(idle_timeout),
            status,
            request_id,
            delivered: 0,
            done: false,
            marker: PhantomData,
        }
    }

    /// The request id the gateway sent with the answer, when it did.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match this.events.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => {
                    this.idle.touch();
                    let data = match event.data.as_deref() {
                        None | Some("") => continue,
                        Some(DONE) => {
                            this.done = true;
                            return Poll::Ready(None);
                        }
                        Some(data) => data,
                    };
                    if let Some(body) = error_event(event.event.as_deref(), data) {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::Api(Box::new(ApiError {
                            status: this.status,
                            body: Some(body),
                            request_id: this.request_id.clone(),
                            raw: None,
                            in_band: true,
                            retry_after: None,
                        })))));
                    }
                    let index = this.delivered;
                    this.delivered += 1;
                    return Poll::Ready(Some(decode_event(data, index, this.status)));
                }
                Poll::Ready(Some(Err(error))) => {
                    this.done = true;
                    let message = match error {
                        sse_stream::Error::Body(error) => format!("the connection broke: {error}"),
                        sse_stream::Error::Utf8Parse(error) => format!("the stream is not UTF-8: {error}"),
                        other => format!("malformed event stream: {other}"),
                    };
                    return Poll::Ready(Some(Err(Error::Stream(StreamError {
                        message,
                        events_received: this.delivered,
                    }))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    if let Poll::Ready(timeout) = this.idle.poll_expired(cx) {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::Timeout(timeout))));
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

/// The idle timeout of a stream: expires when nothing arrived for `timeout`. An arrival only records the
/// time; the timer is re-armed when it fires, not per arrival, which keeps the timer wheel out of the hot path.
struct IdleTimer {
    sleep: Pin<Box<Sleep>>,
    timeout: Duration,
    last_arrival: Instant,
}

impl IdleTimer {
    fn new(timeout: Duration) -> Self {
        IdleTimer {
            sleep: Box::pin(tokio::time::sleep(timeout)),
            timeout,
            last_arrival: Instant::now(),
        }
    }

    fn touch(&mut self) {
        self.last_arrival = Instant::now();
    }

    /// Ready with the timeout error once the stream has been idle too long; otherwise pending, with a
    /// wake-up registered for the moment it could be.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<Timeout> {
        while self.sleep.as_mut().poll(cx).is_ready() {
            let deadline = self.last_arrival + self.timeout;
            if Instant::now() >= deadline {
                return Poll::Ready(Timeout {
                    kind: TimeoutKind::StreamIdle,
                    after: self.timeout,
                });
            }
            self.sleep.as_mut().reset(deadline);
        }
        Poll::Pending
    }
}

/// An error reported inside the stream: `event: error`, or data that is an error envelope.
fn error_event(name: Option<&str>, data: &str) -> Option<ApiErrorBody> {
    // Cheap test first: regular events of every dialect lack an `"error"` token.
    let named = name == Some("error");
    if !named && !data.contains("\"error\"") {
        return None;
    }
    let plain = || ApiErrorBody::from_stream_event(&serde_json::json!({ "type": "error", "message": data }));
    match serde_json::from_str::<Value>(data) {
        Ok(value) => ApiErrorBody::from_stream_event(&value).or_else(|| if named { plain() } else { None }),
        Err(_) if named => plain(),
        Err(_) => None,
    }
}

fn decode_event<T: DeserializeOwned>(data: &str, index: usize, status: u16) -> Result<T, Error> {
    decode_json_path(data.as_bytes()).map_err(|(path, message)| {
        Error::Decode(Box::new(DecodeError {
            status,
            path,
            message,
            body: snippet(data.as_bytes()),
            event: Some(index),
        }))
    })
}

/// The body of a binary answer (audio, video) as a stream of chunks, with the idle timeout between chunks.
#[must_use = "streams do nothing unless polled"]
pub struct ByteStream {
    chunks: Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>,
    idle: IdleTimer,
    received: usize,
    done: bool,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn new(response: reqwest::Response, idle_timeout: Duration) -> Self {
        ByteStream {
            chunks: Box::pin(response.bytes_stream()),
            idle: IdleTimer::new(idle_timeout),
            received: 0,
            done: false,
        }
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.chunks.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.idle.touch();
                this.received += 1;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.done = true;
                Poll::Ready(Some(Err(Error::Stream(StreamError {
                    message: format!("the connection broke: {error}"),
                    events_received: this.received,
                }))))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => match this.idle.poll_expired(cx) {
                Poll::Ready(timeout) => {
                    this.done = true;
                    Poll::Ready(Some(Err(Error::Timeout(timeout))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
