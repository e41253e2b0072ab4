//! Speed of allmhub-rs against its reference points, as ratios measured in the same run:
//! typed decoding (vs async-openai's types and `serde_json::Value`), SSE decoding (vs eventsource-stream +
//! `Value`), and client overhead per request (vs a bare reqwest call doing the same work). The generation
//! step is timed by `cargo run --release -p xtask -- bench-generate`.
//!
//! Run: `cd bench && cargo bench --bench throughput`.

use std::time::Duration;

use allmhub::EventStream;
use allmhub::types::{
    ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse, ChatMessage, ClaudeMessagesResponse,
    GeminiGenerateContentResponse,
};
use allmhub_bench::{
    Candidate, answer_examples, compare, floor, json_answer, keep, keep_alive_server, largest_json_answer, report,
    seed_stream,
};
use allmhub_types::json_path::{decode, decode_text};
use async_openai::types::chat::{CreateChatCompletionResponse, CreateChatCompletionStreamResponse};
use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::Value;

const ROUNDS: usize = 15;
const BUDGET: Duration = Duration::from_millis(60);

fn main() {
    println!("allmhub-rs benchmarks: the speed ratio is the baseline's time over allmhub's (higher is better).\n");
    // `cargo bench --bench throughput -- client` runs the sections whose name contains `client`.
    let filters: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let wanted = |section: &str| filters.is_empty() || filters.iter().any(|filter| section.contains(filter.as_str()));
    let mut met = true;
    if wanted("decoding") {
        met &= decoding();
    }
    if wanted("sse") {
        met &= sse();
    }
    if wanted("client") {
        met &= client_overhead();
    }
    println!(
        "\n{}",
        if met {
            "every target met"
        } else {
            "some targets NOT met (see above)"
        }
    );
}

/// The largest chat completion example that async-openai decodes too, so both decode the same bytes.
fn shared_chat_completion() -> Vec<u8> {
    answer_examples("create_chat_completion", "application/json")
        .into_iter()
        .map(String::into_bytes)
        .filter(|bytes| serde_json::from_slice::<CreateChatCompletionResponse>(bytes).is_ok())
        .max_by_key(Vec::len)
        .expect("an example both libraries decode")
}

/// Each candidate decodes as its client does: allmhub through `json_path::decode` (one UTF-8 check, then
/// serde_json's text reader) for whole answers and `decode_text` for events; async-openai with
/// `from_slice` for answers and `from_str` for events; `Value` as `reqwest::Response::json` does
/// (`from_slice`), or from text for events. "Value (text)" reads the answer as allmhub does, for reference.
fn decoding() -> bool {
    println!("typed decoding (one JSON document)");
    let mut met = true;

    let chat = shared_chat_completion();
    let title = format!("chat completion ({} B)", chat.len());
    let results = compare(
        &mut [
            Candidate::new("allmhub", || {
                keep(decode::<ChatCompletionResponse>(&chat).expect("decodes"))
            }),
            Candidate::new("async-openai", || {
                keep(serde_json::from_slice::<CreateChatCompletionResponse>(&chat).expect("decodes"))
            }),
            Candidate::new("Value", || {
                keep(serde_json::from_slice::<Value>(&chat).expect("decodes"))
            }),
            Candidate::new("Value (text)", || keep(decode::<Value>(&chat).expect("decodes"))),
            Candidate::new("floor", || keep(decode::<floor::Completion>(&chat).expect("decodes"))),
        ],
        ROUNDS,
        BUDGET,
    );
    met &= report(&title, &results, &[Some(1.25), Some(2.0), None, None]);
    floor_line(&results);

    // Tool calls: a tagged union whose tag (`type`) follows the call's `id`.
    let calls = answer_examples("create_chat_completion", "application/json")
        .into_iter()
        .map(String::into_bytes)
        .filter(|bytes| bytes.windows(14).any(|window| window == b"\"tool_calls\":["))
        .filter(|bytes| serde_json::from_slice::<CreateChatCompletionResponse>(bytes).is_ok())
        .max_by_key(Vec::len)
        .expect("a completion with tool calls both libraries decode");
    let title = format!("chat completion, tool calls ({} B)", calls.len());
    let results = compare(
        &mut [
            Candidate::new("allmhub", || {
                keep(decode::<ChatCompletionResponse>(&calls).expect("decodes"))
            }),
            Candidate::new("async-openai", || {
                keep(serde_json::from_slice::<CreateChatCompletionResponse>(&calls).expect("decodes"))
            }),
            Candidate::new("Value", || {
                keep(serde_json::from_slice::<Value>(&calls).expect("decodes"))
            }),
            Candidate::new("floor", || keep(decode::<floor::Completion>(&calls).expect("decodes"))),
        ],
        ROUNDS,
        BUDGET,
    );
    met &= report(&title, &results, &[Some(1.25), Some(2.0), None]);
    floor_line(&results);

    let seed = seed_stream();
    let chunk = seed
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .max_by_key(|data| data.len())
        .expect("a chunk");
    let title = format!("chat completion chunk ({} B)", chunk.len());
    let results = compare(
        &mut [
            Candidate::new("allmhub", || {
                keep(decode_text::<ChatCompletionChunk>(chunk).expect("decodes"))
            }),
            Candidate::new("async-openai", || {
                keep(serde_json::from_str::<CreateChatCompletionStreamResponse>(chunk).expect("decodes"))
            }),
            Candidate::new("Value", || keep(serde_json::from_str::<Value>(chunk).expect("decodes"))),
            Candidate::new("floor", || {
                keep(serde_json::from_str::<floor::Chunk>(chunk).expect("decodes"))
            }),
        ],
        ROUNDS,
        BUDGET,
    );
    met &= report(&title, &results, &[Some(1.25), Some(1.5), None]);
    floor_line(&results);

    // async-openai has no Claude or Gemini types: Value is the reference.
    let claude = largest_json_answer("create_claude_message");
    for (title, bytes) in [
        (format!("Claude message ({} B)", claude.len()), claude.clone()),
        (
            format!("Claude message, members sorted ({} B)", claude.len()),
            allmhub_bench::sorted_members(&claude),
        ),
    ] {
        let results = compare(
            &mut [
                Candidate::new("allmhub", || {
                    keep(decode::<ClaudeMessagesResponse>(&bytes).expect("decodes"))
                }),
                Candidate::new("Value", || {
                    keep(serde_json::from_slice::<Value>(&bytes).expect("decodes"))
                }),
                Candidate::new("Value (text)", || keep(decode::<Value>(&bytes).expect("decodes"))),
            ],
            ROUNDS,
            BUDGET,
        );
        met &= report(&title, &results, &[Some(1.5), None]);
    }

    let gemini = largest_json_answer("gemini_generate_content");
    let title = format!("Gemini response ({} B)", gemini.len());
    let results = compare(
        &mut [
            Candidate::new("allmhub", || {
                keep(decode::<GeminiGenerateContentResponse>(&gemini).expect("decodes"))
            }),
            Candidate::new("Value", || {
                keep(serde_json::from_slice::<Value>(&gemini).expect("decodes"))
            }),
            Candidate::new("Value (text)", || keep(decode::<Value>(&gemini).expect("decodes"))),
        ],
        ROUNDS,
        BUDGET,
    );
    met &= report(&title, &results, &[Some(1.5), None]);
    met
}

/// The floor's ratios against the same baselines (the most any serde-derived type could reach here), from a
/// comparison with candidates named `floor`, `async-openai` and `Value`.
fn floor_line(results: &[(&'static str, Duration)]) {
    let time = |name: &str| {
        results
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|(_, time)| time.as_secs_f64())
    };
    if let (Some(floor), Some(openai), Some(value)) = (time("floor"), time("async-openai"), time("Value")) {
        println!(
            "{:<44} floor, the payload's own members only: {:.2}× async-openai, {:.2}× Value",
            "",
            openai / floor,
            value / floor
        );
    }
}

/// A long chat stream: `events` chunks of growing text, then `[DONE]`.
fn synthetic_stream(events: usize) -> String {
    let mut out = String::new();
    for index in 0..events {
        let chunk = serde_json::json!({
            "id": "chatcmpl-synthetic", "object": "chat.completion.chunk", "created": 1762737988, "model": "gpt-4o-mini",
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": {"content": format!("token {index} of a long answer, ")}, "logprobs": null, "finish_reason": null}],
            "usage": null
        });
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
    out
}

fn pieces(text: &str) -> Vec<Bytes> {
    text.as_bytes().chunks(4096).map(Bytes::copy_from_slice).collect()
}

fn sse() -> bool {
    println!("\nSSE decoding (bytes in memory, 4 KiB pieces → typed events)");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut met = true;
    for (name, text) in [
        ("the seed's stream (22 events)", seed_stream()),
        ("synthetic stream (20 000 events)", synthetic_stream(20_000)),
    ] {
        let bytes = pieces(&text);
        let title = format!("{name}, {} KiB", text.len() / 1024);
        let results = compare(
            &mut [
                Candidate::new("allmhub EventStream", || {
                    runtime.block_on(async {
                        let source = futures_util::stream::iter(bytes.clone().into_iter().map(Ok::<_, std::io::Error>));
                        let mut events: EventStream<ChatCompletionChunk> =
                            EventStream::from_bytes(source, 200, None, Duration::from_secs(60));
                        while let Some(event) = events.next().await {
                            keep(event.expect("decodes"));
                        }
                    })
                }),
                Candidate::new("eventsource-stream + Value", || {
                    runtime.block_on(async {
                        let source = futures_util::stream::iter(bytes.clone().into_iter().map(Ok::<_, std::io::Error>));
                        let mut events = source.eventsource();
                        while let Some(event) = events.next().await {
                            let event = event.expect("framed");
                            if event.data != "[DONE]" {
                                keep(serde_json::from_str::<Value>(&event.data).expect("decodes"));
                            }
                        }
                    })
                }),
            ],
            ROUNDS,
            BUDGET * 2,
        );
        met &= report(&title, &results, &[Some(1.5)]);
    }
    met
}

fn client_overhead() -> bool {
    println!("\nclient overhead per request (127.0.0.1, keep-alive, same request and typed answer)");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let answer = largest_json_answer("create_chat_completion");
    let url = runtime.block_on(keep_alive_server(json_answer(&answer)));
    let client = allmhub::Client::builder()
        .api_key("sk-bench")
        .base_url(&url)
        .build()
        .expect("client");
    // allmhub's client sets its TLS provider up per client; the bare one needs a process-wide provider
    // (reqwest is built without one here), though it only talks plain HTTP to 127.0.0.1.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bare = reqwest::Client::new();
    let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hello!")]);
    let endpoint = format!("{url}/v1/chat/completions");
    let results = compare(
        &mut [
            Candidate::new("allmhub", || {
                runtime.block_on(async { keep(client.chat().create(&request).await.expect("answers")) })
            }),
            Candidate::new("bare reqwest", || {
                runtime.block_on(async {
                    let body = serde_json::to_vec(&request).expect("serializes");
                    // The same headers as allmhub sends, so the server does the same work for both.
                    let response = bare
                        .post(&endpoint)
                        .header("authorization", "Bearer sk-bench")
                        .header("accept", "application/json")
                        .header("user-agent", "allmhub-rs/0.1.0")
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("answers");
                    let bytes = response.bytes().await.expect("a body");
                    keep(serde_json::from_slice::<ChatCompletionResponse>(&bytes).expect("decodes"));
                })
            }),
        ],
        ROUNDS,
        Duration::from_millis(200),
    );
    let overhead = results[0].1.as_secs_f64() / results[1].1.as_secs_f64();
    let met = overhead <= 1.05;
    println!(
        "{:<44} {:>10} allmhub | bare reqwest {} → allmhub takes {overhead:.3}× (target ≤ 1.05×: {})",
        "chat completion round trip",
        allmhub_bench::format_time(results[0].1),
        allmhub_bench::format_time(results[1].1),
        if met { "met" } else { "NOT met" }
    );
    met
}
