//! Every stream example of the spec — OpenAI chat chunks, Responses events, Claude events, Gemini responses —
//! decodes to the same events whatever the chunk boundaries: random splits (seeded), one-byte pieces, CRLF
//! line ends, and over real HTTP. Generated streams — real events mixed with comments, odd fields, bare CRs,
//! damaged JSON and invalid UTF-8 — yield the same items whole and split.

mod support;

use std::time::Duration;

use allmhub::EventStream;
use allmhub::types::{ChatCompletionChunk, ClaudeStreamEvent, GeminiGenerateContentResponse, ResponsesStreamEvent};
use allmhub_tests::examples;
use bytes::Bytes;
use futures_util::StreamExt;
use proptest::prelude::*;
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

#[tokio::test]
async fn a_stream_knows_its_request_id_under_any_gateway_header() {
    for header in ["x-oneapi-request-id", "x-new-api-request-id", "x-request-id"] {
        let reply = Reply::Status {
            status: 200,
            headers: vec![("content-type", "text/event-stream".into()), (header, "req-42".into())],
            body: format!("data: {}\n\ndata: [DONE]\n\n", example_data()[0]).into_bytes(),
        };
        let server = Server::start(vec![reply]).await;
        let request = serde_json::from_value(serde_json::json!({"model": "m", "messages": []})).expect("request");
        let stream = within(30, client(&server.url).chat().create_stream(&request))
            .await
            .expect("opens");
        assert_eq!(stream.request_id(), Some("req-42"), "{header}");
    }
}

/// Data lines of the spec's stream examples, so generated streams carry events that decode.
fn example_data() -> &'static [String] {
    static DATA: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        examples()
            .into_iter()
            .filter(|example| example.stream_event.is_some())
            .flat_map(|example| allmhub_tests::sse_data(example.value.as_str().unwrap_or_default()))
            .collect()
    })
}

/// One line of a generated stream, without its terminator.
fn sse_line() -> impl Strategy<Value = Vec<u8>> {
    let data = any::<prop::sample::Index>().prop_map(|index| {
        let data = example_data();
        format!("data: {}", data[index.index(data.len())]).into_bytes()
    });
    // An event's data cut short, as a buggy upstream might send it.
    let truncated = (any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(|(which, cut)| {
        let data = &example_data()[which.index(example_data().len())];
        let cut = (0..=cut.index(data.len()))
            .rev()
            .find(|&at| data.is_char_boundary(at))
            .unwrap_or(0);
        format!("data:{}", &data[..cut]).into_bytes()
    });
    prop_oneof![
        6 => data,
        2 => truncated,
        2 => Just(Vec::new()),
        1 => Just(b"data: [DONE]".to_vec()),
        1 => "(event|id|retry|: ?[a-z]*|data) ?: ?[a-z0-9_. ]{0,12}".prop_map(String::into_bytes),
        1 => "data: \\{\"type\": ?\"[a-z_.]{0,20}\"\\}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

/// A generated stream body: lines with LF, CRLF or bare-CR terminators, most followed by the blank line that ends
/// an event (without it, data lines join into one event).
fn sse_body() -> impl Strategy<Value = Vec<u8>> {
    let terminator = || prop_oneof![6 => Just(&b"\n"[..]), 2 => Just(&b"\r\n"[..]), 1 => Just(&b"\r"[..])];
    let blank = prop_oneof![4 => terminator().prop_map(Some), 1 => Just(None)];
    proptest::collection::vec((sse_line(), terminator(), blank), 0..24).prop_map(|lines| {
        let mut body = Vec::new();
        for (line, terminator, blank) in lines {
            body.extend(line);
            body.extend(terminator);
            body.extend(blank.unwrap_or_default());
        }
        body
    })
}

/// `body` cut at the given points (taken modulo its length).
fn cut_at(body: &[u8], cuts: &[usize]) -> Vec<Bytes> {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([body.len()]) {
        pieces.push(Bytes::copy_from_slice(&body[start..cut]));
        start = cut;
    }
    pieces
}

#[test]
fn generated_streams_decode_the_same_whole_and_split() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (sse_body(), proptest::collection::vec(any::<usize>(), 0..16));
    // Events and errors seen across all cases: the property means little unless both occur.
    let seen = std::cell::Cell::new((0usize, 0usize));
    let result = runner.run(&strategy, |(body, cuts)| {
        runtime.block_on(async {
            let whole = vec![Bytes::copy_from_slice(&body)];
            let split = cut_at(&body, &cuts);
            let chat = decode::<ChatCompletionChunk>(whole.clone()).await;
            prop_assert_eq!(&decode::<ChatCompletionChunk>(split.clone()).await, &chat);
            let responses = decode::<ResponsesStreamEvent>(whole.clone()).await;
            prop_assert_eq!(&decode::<ResponsesStreamEvent>(split.clone()).await, &responses);
            let claude = decode::<ClaudeStreamEvent>(whole.clone()).await;
            prop_assert_eq!(&decode::<ClaudeStreamEvent>(split.clone()).await, &claude);
            let gemini = decode::<GeminiGenerateContentResponse>(whole).await;
            prop_assert_eq!(&decode::<GeminiGenerateContentResponse>(split).await, &gemini);
            let (events, errors) = seen.get();
            let all = [chat, responses, claude, gemini].concat();
            let failed = all
                .iter()
                .filter(|item| item.as_str().is_some_and(|text| text.starts_with("error: ")))
                .count();
            seen.set((events + all.len() - failed, errors + failed));
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let (events, errors) = seen.get();
    assert!(events > 500 && errors > 100, "events {events}, errors {errors}");
}
