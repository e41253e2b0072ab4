//! Framing of a complete Server-Sent Events stream held in memory, with the same parser the client uses
//! (`sse-stream`): `data:`/`event:`/`id:` fields, multi-line data, CRLF, comments.

use futures::StreamExt;

/// The data of the event that ends an OpenAI chat stream.
pub const DONE: &str = "[DONE]";

/// One event of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` name (`message` when the stream does not name it).
    pub event: String,
    /// The data lines, joined with `\n`.
    pub data: String,
}

/// Splits a raw stream into its events. Malformed bytes (invalid UTF-8) end the stream where they occur. A
/// last event without its closing blank line is still delivered: captured files often lack it.
pub fn events(input: &[u8]) -> Vec<Event> {
    let mut owned = input.to_vec();
    if !(owned.ends_with(b"\n\n") || owned.ends_with(b"\r\n\r\n") || owned.is_empty()) {
        owned.extend_from_slice(b"\n\n");
    }
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(owned))]);
    futures::executor::block_on(
        sse_stream::SseByteStream::new(chunks)
            .take_while(|event| futures::future::ready(event.is_ok()))
            .filter_map(|event| futures::future::ready(event.ok()))
            .map(|event| Event {
                event: event.event.unwrap_or_else(|| "message".to_owned()),
                data: event.data.unwrap_or_default(),
            })
            .collect(),
    )
}
