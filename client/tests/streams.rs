//! Every stream example of the spec — OpenAI chat chunks, Responses events, Claude events, Gemini responses —
//! decodes to the same events whatever the chunk boundaries: random splits (seeded), one-byte pieces, CRLF
//! line ends, and over real HTTP.

mod support;

use std::time::Duration;

use allmhub::EventStream;
use allmhub::types::{ChatCompletionChunk, ClaudeStreamEvent, GeminiGenerateContentResponse, ResponsesStreamEvent};
use allmhub_tests::examples;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use support::{Reply, Server, client, within};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

/// The pieces of `bytes` cut at random points (1 to `max` bytes each).
fn random_pieces(bytes: &[u8], rng: &mut Rng, max: usize) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + 1 + rng.below(max)).min(bytes.len());
        pieces.push(Bytes::copy_from_slice(&bytes[start..end]));
        start = end;
    }
    pieces
}

async fn decode<T: DeserializeOwned + Serialize>(pieces: Vec<Bytes>) -> Vec<Value> {
    let source = futures_util::stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>));
    let stream: EventStream<T> = EventStream::from_bytes(source, 200, None, Duration::from_secs(5));
    let items: Vec<_> = stream.collect().await;
    items
        .into_iter()
        .map(|item| match item {
            Ok(event) => serde_json::to_value(event).expect("serializes"),
            // An error event of the stream (the spec has one): keep its message for the comparison.
            Err(error) => Value::String(format!("error: {error}")),
        })
        .collect()
}

/// Decodes the stream whole, then split in many ways; all must agree.
async fn check_splits<T: DeserializeOwned + Serialize>(label: &str, text: &str, rng: &mut Rng) -> usize {
    let whole = decode::<T>(vec![Bytes::copy_from_slice(text.as_bytes())]).await;
    assert!(!whole.is_empty(), "{label}: no events");
    let one_byte: Vec<Bytes> = text
        .as_bytes()
        .iter()
        .map(|byte| Bytes::copy_from_slice(&[*byte]))
        .collect();
    assert_eq!(decode::<T>(one_byte).await, whole, "{label}: one-byte pieces");
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    assert_eq!(
        decode::<T>(vec![Bytes::from(crlf)]).await,
        whole,
        "{label}: CRLF line ends"
    );
    for round in 0..20 {
        let max = [2, 7, 64][round % 3];
        let pieces = random_pieces(text.as_bytes(), rng, max);
        assert_eq!(decode::<T>(pieces).await, whole, "{label}: random split, round {round}");
    }
    whole.len()
}

#[tokio::test]
async fn every_stream_example_survives_any_chunking() {
    let mut rng = Rng(0x5eed_2026_1125);
    let mut dialects = std::collections::BTreeSet::new();
    let mut streams = 0;
    for example in examples().into_iter().filter(|example| example.stream_event.is_some()) {
        let label = example.label();
        let text = example.value.as_str().expect("a raw stream").to_owned();
        let event = example.stream_event.clone().unwrap_or_default();
        let events = match event.as_str() {
            "ChatCompletionChunk" => check_splits::<ChatCompletionChunk>(&label, &text, &mut rng).await,
            "ResponsesStreamEvent" => check_splits::<ResponsesStreamEvent>(&label, &text, &mut rng).await,
            "ClaudeStreamEvent" => check_splits::<ClaudeStreamEvent>(&label, &text, &mut rng).await,
            "GeminiResponse" => check_splits::<GeminiGenerateContentResponse>(&label, &text, &mut rng).await,
            other => panic!("{label}: no decoder for stream events `{other}`"),
        };
        assert!(events > 0);
        dialects.insert(event);
        streams += 1;
    }
    assert_eq!(
        dialects.len(),
        4,
        "all four dialects have stream examples: {dialects:?}"
    );
    assert!(streams >= 10, "only {streams} stream examples");
}

#[tokio::test]
async fn the_seed_stream_over_http_in_one_byte_pieces() {
    let seed = examples()
        .into_iter()
        .find(|example| {
            example.doc_page.as_deref() == Some("图像模型(Images)/Nano Banana/Chat格式/Banana图生图")
                && example.stream_event.is_some()
        })
        .expect("the seed's stream");
    let text = seed.value.as_str().expect("raw stream");
    let server = Server::start(vec![Reply::sse_in_pieces(text, 1)]).await;
    let request =
        serde_json::from_value(serde_json::json!({"model": "gemini-2.5-flash-image-preview", "messages": []}))
            .expect("request");
    let stream = within(30, client(&server.url).chat().create_stream(&request))
        .await
        .expect("opens");
    let chunks: Vec<ChatCompletionChunk> = within(30, stream.collect::<Vec<_>>())
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every chunk decodes");
    assert_eq!(chunks.len(), 21, "21 chunks, then [DONE]");
    let progress: Vec<String> = chunks
        .iter()
        .filter_map(|chunk| chunk.choices.first()?.delta.content.clone())
        .filter(|content| content.contains("进度"))
        .collect();
    assert_eq!(progress.len(), 16);
    assert_eq!(progress[0], "> 🏃 进度:9.0%\n\n");
}
