//! Benchmark support: interleaved timing that reports ratios measured in the same run, fixtures taken from
//! the spec's examples, and a keep-alive HTTP server on 127.0.0.1.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ lives in the repository")
        .to_owned()
}

/// A candidate: a name and one iteration of work.
pub struct Candidate<'a> {
    /// Shown in the report.
    pub name: &'static str,
    /// One iteration.
    pub run: Box<dyn FnMut() + 'a>,
}

impl<'a> Candidate<'a> {
    /// A candidate running `run`.
    pub fn new(name: &'static str, run: impl FnMut() + 'a) -> Self {
        Candidate {
            name,
            run: Box::new(run),
        }
    }
}

/// Median time per iteration of each candidate. Candidates take turns round after round, so a noisy
/// neighbour slows them alike and their ratios stay meaningful.
pub fn compare(
    candidates: &mut [Candidate<'_>],
    rounds: usize,
    budget_per_round: Duration,
) -> Vec<(&'static str, Duration)> {
    // Calibrate: iterations per round so that each candidate's round lasts about `budget_per_round`.
    let iterations: Vec<u32> = candidates
        .iter_mut()
        .map(|candidate| {
            (candidate.run)();
            let started = Instant::now();
            let mut count = 0u32;
            while started.elapsed() < budget_per_round / 4 {
                (candidate.run)();
                count += 1;
            }
            (count * 4).max(1)
        })
        .collect();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); candidates.len()];
    for _ in 0..rounds {
        for (index, candidate) in candidates.iter_mut().enumerate() {
            let started = Instant::now();
            for _ in 0..iterations[index] {
                (candidate.run)();
            }
            samples[index].push(started.elapsed() / iterations[index]);
        }
    }
    candidates
        .iter()
        .zip(samples)
        .map(|(candidate, mut samples)| {
            samples.sort();
            (candidate.name, samples[samples.len() / 2])
        })
        .collect()
}

/// Prints one comparison: the first candidate is ours, each other one a baseline with its speed ratio
/// (baseline time / our time) and its target.
pub fn report(title: &str, results: &[(&'static str, Duration)], targets: &[Option<f64>]) -> bool {
    let ours = results[0].1.as_secs_f64();
    let mut line = format!("{title:<44} {:>10} {}", format_time(results[0].1), results[0].0);
    let mut met = true;
    for ((name, time), target) in results.iter().skip(1).zip(targets) {
        let ratio = time.as_secs_f64() / ours;
        let verdict = match target {
            Some(target) if ratio >= *target => format!(" (target ≥ {target}×: met)"),
            Some(target) => {
                met = false;
                format!(" (target ≥ {target}×: NOT met)")
            }
            None => String::new(),
        };
        line.push_str(&format!(" | {name} {} → {ratio:.2}×{verdict}", format_time(*time)));
    }
    println!("{line}");
    met
}

/// A duration with a fitting unit.
pub fn format_time(time: Duration) -> String {
    let nanos = time.as_nanos() as f64;
    if nanos < 1_000.0 {
        format!("{nanos:.0} ns")
    } else if nanos < 1_000_000.0 {
        format!("{:.2} µs", nanos / 1_000.0)
    } else {
        format!("{:.2} ms", nanos / 1_000_000.0)
    }
}

/// Keeps a value from being optimized away.
pub fn keep<T>(value: T) {
    black_box(value);
}

/// The examples of an operation's answers as written in the spec's family files (examples are inline there):
/// JSON bodies as JSON text in the spec's member order, streams as their raw text.
pub fn answer_examples(operation: &str, media_type: &str) -> Vec<String> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(root().join("spec")).expect("the spec directory");
    for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
        if path.extension().is_none_or(|ext| ext != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let doc: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
        let Some(paths) = doc.get("paths").and_then(serde_norway::Value::as_mapping) else {
            continue;
        };
        for op in paths
            .values()
            .filter_map(serde_norway::Value::as_mapping)
            .flat_map(|item| item.values())
        {
            if op.get("operationId").and_then(serde_norway::Value::as_str) != Some(operation) {
                continue;
            }
            let examples = op
                .get("responses")
                .and_then(|responses| responses.get("200"))
                .and_then(|response| response.get("content"))
                .and_then(|content| content.get(media_type))
                .and_then(|media| media.get("examples"))
                .and_then(serde_norway::Value::as_mapping);
            for example in examples.into_iter().flat_map(|examples| examples.values()) {
                let value = &example["value"];
                // Serialized straight from the YAML mapping, so members keep the spec's order.
                out.push(match value.as_str() {
                    Some(text) => text.to_owned(),
                    None => serde_json::to_string(value).expect("JSON-compatible"),
                });
            }
        }
    }
    out
}

/// The largest JSON answer example of an operation, as bytes in the spec's member order.
pub fn largest_json_answer(operation: &str) -> Vec<u8> {
    answer_examples(operation, "application/json")
        .into_iter()
        .map(String::into_bytes)
        .max_by_key(Vec::len)
        .expect("the operation has JSON answer examples")
}

/// The same JSON with every object's members sorted by name, as Go's `map[string]any` and Python's
/// `sort_keys` write it (a union's tag then often comes last).
pub fn sorted_members(json: &[u8]) -> Vec<u8> {
    let value: Value = serde_json::from_slice(json).expect("JSON");
    serde_json::to_vec(&value).expect("serializes")
}

/// The seed page's streamed answer (the Banana图生图 page of the doc).
pub fn seed_stream() -> String {
    answer_examples("create_chat_completion", "text/event-stream")
        .into_iter()
        .find(|stream| stream.contains("foaicmpl-389b996c"))
        .expect("the seed's stream example")
}

/// Resident memory of this process, and its peak, in bytes (Linux).
pub fn resident_memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// An HTTP/1.1 server on 127.0.0.1 that answers every request on a kept-alive connection with `answer`
/// (a complete response: status line, headers and body).
pub async fn keep_alive_server(answer: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::with_capacity(8192);
                let mut chunk = [0u8; 8192];
                loop {
                    // One request: headers, then `content-length` bytes of body.
                    let header_end = loop {
                        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                            break end + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..header_end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|value| value.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < header_end + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                        }
                    }
                    buffer.drain(..header_end + length);
                    if socket.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// A JSON answer with keep-alive headers.
pub fn json_answer(body: &[u8]) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    answer
}

/// The floor of typed decoding with serde derive and serde_json: types that hold exactly the members of the
/// payloads the decoding benchmark measures (the seed's largest chat chunk, the largest chat completion both
/// libraries decode, the largest with tool calls) and nothing else, with owned text as any answer type must
/// have, and no union told apart. No type can decode those payloads with less work while keeping their data,
/// so their ratios against async-openai and `Value` bound what any serde-derived type can reach.
pub mod floor {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    /// The chunk, only as far as the seed's largest one goes.
    #[derive(Deserialize)]
    pub struct Chunk {
        pub id: String,
        pub object: String,
        pub created: i64,
        pub model: String,
        pub system_fingerprint: Option<String>,
        pub choices: Vec<Choice>,
        pub usage: Option<Usage>,
    }

    /// One choice of the chunk.
    #[derive(Deserialize)]
    pub struct Choice {
        pub delta: Delta,
        pub logprobs: Option<()>,
        pub finish_reason: Option<String>,
        pub index: i64,
    }

    /// The choice's increment (empty in the last chunk).
    #[derive(Deserialize)]
    pub struct Delta {
        pub role: Option<String>,
        pub content: Option<String>,
    }

    /// A chat completion, as far as the two measured ones go.
    #[derive(Deserialize)]
    pub struct Completion {
        pub id: String,
        pub object: String,
        pub created: i64,
        pub model: String,
        pub choices: Vec<CompletionChoice>,
        pub usage: Option<Usage>,
        pub metadata: Option<BTreeMap<String, String>>,
        pub service_tier: Option<String>,
        pub moderation: Option<Moderation>,
    }

    /// One choice of a completion.
    #[derive(Deserialize)]
    pub struct CompletionChoice {
        pub index: i64,
        pub message: Message,
        pub logprobs: Option<()>,
        pub finish_reason: Option<String>,
    }

    /// The answer's message.
    #[derive(Deserialize)]
    pub struct Message {
        pub role: String,
        pub content: Option<String>,
        pub reasoning_content: Option<String>,
        pub refusal: Option<String>,
        pub annotations: Option<Vec<Annotation>>,
        pub tool_calls: Option<Vec<ToolCall>>,
    }

    /// A web search citation.
    #[derive(Deserialize)]
    pub struct Annotation {
        #[serde(rename = "type")]
        pub kind: String,
        pub url_citation: Citation,
    }

    /// Where a citation points.
    #[derive(Deserialize)]
    pub struct Citation {
        pub start_index: i64,
        pub end_index: i64,
        pub title: String,
        pub url: String,
    }

    /// A tool call, its `type` read as text.
    #[derive(Deserialize)]
    pub struct ToolCall {
        pub id: String,
        #[serde(rename = "type")]
        pub kind: String,
        pub function: Function,
    }

    /// The called function.
    #[derive(Deserialize)]
    pub struct Function {
        pub name: String,
        pub arguments: String,
    }

    /// The gateway's moderation of the input and the output.
    #[derive(Deserialize)]
    pub struct Moderation {
        pub input: ModerationPart,
        pub output: ModerationPart,
    }

    /// One side's moderation: results, or an error.
    #[derive(Deserialize)]
    pub struct ModerationPart {
        #[serde(rename = "type")]
        pub kind: String,
        pub model: Option<String>,
        pub results: Option<Vec<ModerationResult>>,
        pub code: Option<String>,
        pub message: Option<String>,
    }

    /// One moderation result.
    #[derive(Deserialize)]
    pub struct ModerationResult {
        #[serde(rename = "type")]
        pub kind: String,
        pub model: String,
        pub flagged: bool,
        pub categories: BTreeMap<String, bool>,
        pub category_scores: BTreeMap<String, f64>,
        pub category_applied_input_types: BTreeMap<String, Vec<String>>,
    }

    /// The gateway's usage, only the members the three payloads carry.
    #[derive(Deserialize)]
    pub struct Usage {
        pub prompt_tokens: i64,
        pub completion_tokens: i64,
        pub total_tokens: i64,
        pub prompt_tokens_details: Option<Details>,
        pub completion_tokens_details: Option<Details>,
        pub input_tokens: Option<i64>,
        pub output_tokens: Option<i64>,
        pub input_tokens_details: Option<Details>,
        pub usage_semantic: Option<String>,
        pub usage_source: Option<String>,
        pub claude_cache_creation_5_m_tokens: Option<i64>,
        pub claude_cache_creation_1_h_tokens: Option<i64>,
    }

    /// Token counts by kind, the members of every details object there.
    #[derive(Deserialize)]
    pub struct Details {
        pub cached_tokens: Option<i64>,
        pub text_tokens: Option<i64>,
        pub audio_tokens: Option<i64>,
        pub image_tokens: Option<i64>,
        pub reasoning_tokens: Option<i64>,
        pub accepted_prediction_tokens: Option<i64>,
        pub rejected_prediction_tokens: Option<i64>,
    }
}
