//! The cost of accumulating a stream: reading SSE bytes into typed events and folding them into the final
//! answer (`EventStream::into_final`), against reading the same events alone — same bytes, same run, ratio
//! printed. Target: accumulating costs at most 1.2× decoding.
//!
//! Run: `cd bench && cargo bench --bench accumulate`.

use std::time::Duration;

use allmhub::EventStream;
use allmhub::accumulate::StreamEvent;
use allmhub::synthesize::{Split, chat_chunks, claude_events, gemini_chunks, responses_events};
use allmhub::types::{
    ChatCompletionChunk, ChatCompletionResponse, ClaudeMessagesResponse, ClaudeStreamEvent,
    GeminiGenerateContentResponse, ResponsesResponse, ResponsesStreamEvent,
};
use allmhub_bench::{Candidate, compare, format_time, keep, largest_json_answer, seed_stream};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;

const ROUNDS: usize = 15;
const BUDGET: Duration = Duration::from_millis(120);
const TARGET: f64 = 1.2;

fn main() {
    println!("accumulating a stream vs decoding it alone (time ratio, lower is better; target ≤ {TARGET}×)\n");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut met = true;

    met &= measure::<ChatCompletionChunk>(&runtime, "chat: the seed's stream", &seed_stream());
    met &= measure::<ChatCompletionChunk>(&runtime, "chat: 20 000 text chunks", &long_chat_stream(20_000));
    let chat: ChatCompletionResponse = decode(&largest_json_answer("create_chat_completion"));
    met &= measure::<ChatCompletionChunk>(
        &runtime,
        "chat: largest answer, 3-char pieces",
        &sse(&chat_chunks(&chat, &Split::Chars(3)), false, true),
    );
    let claude: ClaudeMessagesResponse = decode(&largest_json_answer("create_claude_message"));
    met &= measure::<ClaudeStreamEvent>(
        &runtime,
        "Claude: largest message, 3-char pieces",
        &sse(&claude_events(&claude, &Split::Chars(3)), true, false),
    );
    let responses: ResponsesResponse = decode(&largest_json_answer("create_response"));
    met &= measure::<ResponsesStreamEvent>(
        &runtime,
        "Responses: largest response, 3-char pieces",
        &sse(&responses_events(&responses, &Split::Chars(3)), true, false),
    );
    let gemini: GeminiGenerateContentResponse = decode(&largest_json_answer("gemini_generate_content"));
    met &= measure::<GeminiGenerateContentResponse>(
        &runtime,
        "Gemini: largest response, 3-char pieces",
        &sse(&gemini_chunks(&gemini, &Split::Chars(3)), false, false),
    );
    println!(
        "\n{}",
        if met {
            "every target met"
        } else {
            "some targets NOT met (see above)"
        }
    );
}

fn decode<T: serde::de::DeserializeOwned>(json: &[u8]) -> T {
    serde_json::from_slice(json).expect("an answer example decodes")
}

/// Events as an SSE body: `event:` lines for the dialects that name their events, `[DONE]` for chat.
fn sse<T: Serialize>(events: &[T], named: bool, done: bool) -> String {
    let mut out = String::new();
    for event in events {
        let value = serde_json::to_value(event).expect("serializes");
        if named && let Some(name) = value.get("type").and_then(|name| name.as_str()) {
            out.push_str(&format!("event: {name}\n"));
        }
        out.push_str(&format!("data: {value}\n\n"));
    }
    if done {
        out.push_str("data: [DONE]\n\n");
    }
    out
}

/// A long chat stream of text tokens, as models stream them (null members included), then `[DONE]`.
fn long_chat_stream(events: usize) -> String {
    let mut out = String::new();
    for index in 0..events {
        let chunk = serde_json::json!({
            "id": "chatcmpl-synthetic", "object": "chat.completion.chunk", "created": 1762737988, "model": "gpt-4o-mini",
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": {"content": format!("token {index} ")}, "logprobs": null, "finish_reason": null}],
            "usage": null
        });
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// The events of `pieces` (cheap clones of one body: both candidates pay the same).
fn events_of<T: StreamEvent>(pieces: Vec<Bytes>) -> EventStream<T> {
    let source = futures_util::stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>));
    EventStream::from_bytes(source, 200, None, Duration::from_secs(60))
}

/// Times decoding alone and decoding with accumulation over the same bytes (4 KiB pieces); prints the ratio.
fn measure<T: StreamEvent>(runtime: &tokio::runtime::Runtime, name: &str, body: &str) -> bool {
    let pieces: Vec<Bytes> = body.as_bytes().chunks(4096).map(Bytes::copy_from_slice).collect();
    let count = body.matches("data: ").count();
    let results = compare(
        &mut [
            Candidate::new("accumulate", || {
                runtime.block_on(async { keep(events_of::<T>(pieces.clone()).into_final().await.expect("an answer")) })
            }),
            Candidate::new("decode only", || {
                runtime.block_on(async {
                    let mut events = events_of::<T>(pieces.clone());
                    while let Some(event) = events.next().await {
                        keep(event.expect("decodes"));
                    }
                })
            }),
        ],
        ROUNDS,
        BUDGET,
    );
    let ratio = results[0].1.as_secs_f64() / results[1].1.as_secs_f64();
    let met = ratio <= TARGET;
    println!(
        "{:<44} {:>5} events, {:>4} KiB | decode {:>10} | accumulate {:>10} → {ratio:.3}× ({})",
        name,
        count,
        body.len() / 1024,
        format_time(results[1].1),
        format_time(results[0].1),
        if met { "met" } else { "NOT met" }
    );
    met
}
