//! Typed event streams ([`EventStream`]) and raw byte streams ([`ByteStream`]). Events are framed by
//! `sse-stream` (CRLF, multi-line data, comments, a byte-order mark, lines of any length), each bounded by the
//! client's event size limit.

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sse_stream::{Sse, SseByteStream};
use tokio::time::{Instant, Sleep};
use tracing::Span;

use crate::Error;
use crate::error::{
    ApiError, ApiErrorBody, DecodeError, LimitError, LimitKind, StreamError, Timeout, TimeoutKind, decode_text_path,
};
use crate::telemetry::Seen;

type SseEvents = Pin<Box<dyn Stream<Item = Result<Sse, sse_stream::Error>> + Send>>;

/// The data of the event that ends an OpenAI chat stream.
const DONE: &str = "[DONE]";

/// The default limit of one stream event: large enough for base64 images in Gemini and image-model streams.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

/// Where the events come from.
enum Source<T> {
    /// A Server-Sent-Events body.
    Sse(SseEvents),
    /// Events already decoded: a whole answer turned into the events it stands for.
    Ready(VecDeque<T>),
}

/// A stream of typed events from a Server-Sent Events answer.
///
/// Each item is one event's data decoded as `T`. The stream ends at `data: [DONE]` or when the server
/// closes it. An error event from the server (`event: error`, or an error envelope as data) is yielded
/// as [`Error::Api`] and ends the stream; so does a broken connection ([`Error::Stream`]), a gap between
/// events longer than the idle timeout ([`Error::Timeout`]), or an event larger than the client's limit
/// ([`Error::TooLarge`], raised before the rest of the event is read). An event that does not decode is
/// yielded as [`Error::Decode`] and the stream goes on.
///
/// A gateway that ignores the stream flag and answers with the whole JSON answer still yields the events
/// of that answer; [`is_synthesized`](Self::is_synthesized) tells.
#[must_use = "streams do nothing unless polled"]
pub struct EventStream<T> {
    source: Source<T>,
    idle: Option<IdleTimer>,
    status: u16,
    headers: HeaderMap,
    request_id: Option<String>,
    delivered: usize,
    done: bool,
    synthesized: bool,
    telemetry: Option<StreamTelemetry>,
    marker: PhantomData<fn() -> T>,
}

/// The request span and what the stream said so far; present only when a subscriber records the span.
struct StreamTelemetry {
    span: Span,
    started: Instant,
    seen: Seen,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("delivered", &self.delivered)
            .field("done", &self.done)
            .field("synthesized", &self.synthesized)
            .finish_non_exhaustive()
    }
}

/// What the answer's head said, for the stream to keep.
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
}

impl<T> EventStream<T> {
    pub(crate) fn from_sse<S>(bytes: S, head: Head, idle_timeout: Duration, max_event_bytes: usize, span: Span) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        // A body that ends cleanly right after a `data:` line still delivers that last event (the SSE
        // spec would drop it); a cut-off one then fails to decode instead of vanishing.
        let ending = futures_util::stream::once(std::future::ready(Ok(Bytes::from_static(b"\n\n"))));
        let bytes = futures_util::StreamExt::chain(EventLimit::new(Box::pin(bytes), max_event_bytes), ending);
        EventStream {
            source: Source::Sse(Box::pin(SseByteStream::new(bytes))),
            idle: Some(IdleTimer::new(idle_timeout)),
            status: head.status,
            headers: head.headers,
            request_id: head.request_id,
            delivered: 0,
            done: false,
            synthesized: false,
            telemetry: StreamTelemetry::new(span),
            marker: PhantomData,
        }
    }

    pub(crate) fn from_events(events: Vec<T>, head: Head, span: Span) -> Self {
        EventStream {
            source: Source::Ready(events.into()),
            idle: None,
            status: head.status,
            headers: head.headers,
            request_id: head.request_id,
            delivered: 0,
            done: false,
            synthesized: true,
            telemetry: StreamTelemetry::new(span),
            marker: PhantomData,
        }
    }

    /// A stream over raw SSE bytes, such as a captured stream replayed from memory or disk.
    pub fn from_bytes<S>(bytes: S, status: u16, request_id: Option<String>, idle_timeout: Duration) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let head = Head {
            status,
            headers: HeaderMap::new(),
            request_id,
        };
        Self::from_sse(bytes, head, idle_timeout, DEFAULT_MAX_EVENT_BYTES, Span::none())
    }

    /// The request id the gateway sent with the answer, when it did.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers (rate-limit headers, the request id, the gateway's own).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether the server answered the stream request with the whole answer instead of a stream, and these
    /// events were made from it (the content is the same; the pieces are not what a real stream would send).
    pub fn is_synthesized(&self) -> bool {
        self.synthesized
    }

    /// How many events have been delivered.
    pub fn events_received(&self) -> usize {
        self.delivered
    }
}

impl StreamTelemetry {
    fn new(span: Span) -> Option<StreamTelemetry> {
        (!span.is_disabled()).then(|| StreamTelemetry {
            span,
            started: Instant::now(),
            seen: Seen::default(),
        })
    }

    fn event(&mut self, delivered: usize, data: &[u8]) {
        if delivered == 0 {
            let millis = self.started.elapsed().as_secs_f64() * 1000.0;
            self.span.record("allmhub.time_to_first_event_ms", millis);
        }
        self.seen.observe(data);
    }

    fn end(&mut self, error: Option<&Error>) {
        self.seen.record(&self.span);
        if let Some(error) = error {
            self.span
                .record("error.type", crate::telemetry::error_type(error).as_str());
        }
    }
}

// Events are moved out, never pinned in place.
impl<T> Unpin for EventStream<T> {}

impl<T: DeserializeOwned> EventStream<T> {
    fn finish(&mut self, item: Option<Result<T, Error>>) -> Poll<Option<Result<T, Error>>> {
        self.done = true;
        if let Some(telemetry) = &mut self.telemetry {
            telemetry.end(item.as_ref().and_then(|item| item.as_ref().err()));
        }
        Poll::Ready(item)
    }
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let events = match &mut this.source {
            Source::Ready(events) => {
                return match events.pop_front() {
                    Some(event) => {
                        this.delivered += 1;
                        Poll::Ready(Some(Ok(event)))
                    }
                    None => this.finish(None),
                };
            }
            Source::Sse(events) => events,
        };
        loop {
            match events.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => {
                    if let Some(idle) = &mut this.idle {
                        idle.touch();
                    }
                    let data = match event.data.as_deref() {
                        None | Some("") => continue,
                        Some(DONE) => return this.finish(None),
                        Some(data) => data,
                    };
                    if let Some(body) = error_event(event.event.as_deref(), data) {
                        let error = ApiError::new(this.status, Some(body), None)
                            .with_request_id(this.request_id.clone())
                            .in_band();
                        return this.finish(Some(Err(Error::Api(Box::new(error)))));
                    }
                    let index = this.delivered;
                    this.delivered += 1;
                    if let Some(telemetry) = &mut this.telemetry {
                        telemetry.event(index, data.as_bytes());
                    }
                    return Poll::Ready(Some(decode_event(data, index, this.status)));
                }
                Poll::Ready(Some(Err(error))) => {
                    let error = match error {
                        sse_stream::Error::Body(error) => match too_large(&*error) {
                            Some(limit) => Error::TooLarge(LimitError {
                                kind: LimitKind::Event,
                                limit,
                                status: this.status,
                                events_received: this.delivered,
                            }),
                            None => Error::Stream(StreamError::new(
                                format!("the connection broke: {error}"),
                                this.delivered,
                            )),
                        },
                        sse_stream::Error::Utf8Parse(error) => Error::Stream(StreamError::new(
                            format!("the stream is not UTF-8: {error}"),
                            this.delivered,
                        )),
                        other => Error::Stream(StreamError::new(
                            format!("malformed event stream: {other}"),
                            this.delivered,
                        )),
                    };
                    return this.finish(Some(Err(error)));
                }
                Poll::Ready(None) => return this.finish(None),
                Poll::Pending => {
                    if let Some(Poll::Ready(timeout)) = this.idle.as_mut().map(|idle| idle.poll_expired(cx)) {
                        return this.finish(Some(Err(Error::Timeout(timeout))));
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

/// The limit an [`EventLimit`] reported, when `error` is its.
fn too_large(error: &(dyn std::error::Error + 'static)) -> Option<usize> {
    let io = error.downcast_ref::<std::io::Error>()?;
    io.get_ref()?
        .downcast_ref::<EventTooLarge>()
        .map(|too_large| too_large.limit)
}

/// The marker error of an event past the limit.
#[derive(Debug)]
struct EventTooLarge {
    limit: usize,
}

impl std::fmt::Display for EventTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an event is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for EventTooLarge {}

/// Passes the bytes of an SSE body through, failing as soon as one event (the bytes between two blank
/// lines) grows past `limit`, so a server that never ends an event cannot make the client buffer without end.
struct EventLimit<S> {
    inner: S,
    limit: usize,
    /// Bytes since the last event boundary.
    since_boundary: usize,
    /// Whether the current line has no content yet (a terminator now ends an empty line: a boundary).
    line_empty: bool,
    /// Whether the last byte was a CR (a following LF belongs to it).
    after_cr: bool,
    failed: bool,
}

impl<S> EventLimit<S> {
    fn new(inner: S, limit: usize) -> Self {
        EventLimit {
            inner,
            limit,
            since_boundary: 0,
            line_empty: true,
            after_cr: false,
            failed: false,
        }
    }

    /// Scans a chunk; false when an event in it passes the limit.
    fn scan(&mut self, chunk: &[u8]) -> bool {
        let mut segment_start = 0;
        let mut line_start = 0;
        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            let content = at > line_start;
            if content {
                self.line_empty = false;
                self.after_cr = false;
            }
            let byte = chunk[at];
            if byte == b'\n' && self.after_cr {
                // The LF of a CRLF: the line already ended at the CR.
                self.after_cr = false;
                line_start = at + 1;
                continue;
            }
            self.after_cr = byte == b'\r';
            if self.line_empty {
                // An empty line: the event ends here.
                self.since_boundary += at + 1 - segment_start;
                if self.since_boundary > self.limit {
                    return false;
                }
                self.since_boundary = 0;
                segment_start = at + 1;
            }
            self.line_empty = true;
            line_start = at + 1;
        }
        if chunk.len() > line_start {
            self.line_empty = false;
            self.after_cr = false;
        }
        self.since_boundary += chunk.len() - segment_start;
        self.since_boundary <= self.limit
    }
}

impl<S> Stream for EventLimit<S>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if self.scan(&chunk) {
                    Poll::Ready(Some(Ok(chunk)))
                } else {
                    self.failed = true;
                    let limit = self.limit;
                    Poll::Ready(Some(Err(std::io::Error::other(EventTooLarge { limit }))))
                }
            }
            other => other,
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
                return Poll::Ready(Timeout::new(TimeoutKind::StreamIdle, self.timeout));
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
    decode_text_path(data).map_err(|(path, message)| {
        let mut error = DecodeError::new(status, path, message, data.as_bytes());
        error.event = Some(index);
        Error::Decode(Box::new(error))
    })
}

/// The body of a binary answer (audio, video) as a stream of chunks, with the idle timeout between chunks.
#[must_use = "streams do nothing unless polled"]
pub struct ByteStream {
    chunks: Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>,
    idle: IdleTimer,
    status: u16,
    headers: HeaderMap,
    received: usize,
    done: bool,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("status", &self.status)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn new(mut response: reqwest::Response, idle_timeout: Duration) -> Self {
        let headers = std::mem::take(response.headers_mut());
        ByteStream {
            status: response.status().as_u16(),
            chunks: Box::pin(response.bytes_stream()),
            idle: IdleTimer::new(idle_timeout),
            headers,
            received: 0,
            done: false,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers (`Content-Type`, `Content-Length` when the server sent one).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The length the server announced, when it did.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
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
                Poll::Ready(Some(Err(Error::Stream(StreamError::new(
                    format!("the connection broke: {error}"),
                    this.received,
                )))))
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

/// A body's first bytes look like an event stream (`data:`, `event:`, `id:`, `retry:` or a `:` comment).
pub(crate) fn looks_like_sse(start: &[u8]) -> bool {
    let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    let start = trim_ascii_start(start);
    [b"data:".as_slice(), b"event:", b"id:", b"retry:", b":"]
        .iter()
        .any(|field| start.starts_with(field))
}

/// A body's first bytes look like JSON (an object or an array).
pub(crate) fn looks_like_json(start: &[u8]) -> bool {
    matches!(trim_ascii_start(start).first(), Some(b'{' | b'['))
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|byte| byte.is_ascii_whitespace()).count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::EventLimit;

    fn fits(limit: usize, chunks: &[&str]) -> bool {
        let mut scanner = EventLimit::new((), limit);
        chunks.iter().all(|chunk| scanner.scan(chunk.as_bytes()))
    }

    #[test]
    fn events_under_the_limit_pass_whatever_the_line_endings() {
        let event = "data: 0123456789\n\n";
        assert!(fits(event.len(), &[event, event, event]));
        assert!(fits(20, &["data: 0123456789\r\n\r\n", "data: 0123456789\r\r"]));
        // Split inside the CRLF CRLF boundary.
        assert!(fits(
            20,
            &["data: 0123456789\r", "\n\r", "\n", "data: 0123456789\r\n\r\n"]
        ));
    }

    #[test]
    fn an_event_that_never_ends_fails_as_soon_as_it_passes_the_limit() {
        assert!(!fits(10, &["data: 0123", "456789abcdef"]));
        // Many lines without a blank line are one event.
        assert!(!fits(
            30,
            &["data: 0123456789\n", "data: 0123456789\n", "data: 0123456789\n"]
        ));
        // A CRLF pair is not a blank line.
        assert!(!fits(30, &["data: 0123456789\r\n", "data: 0123456789\r\n"]));
    }
}
