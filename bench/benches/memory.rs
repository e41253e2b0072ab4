//! Resident memory while 100 MB of Server-Sent Events stream through the client (127.0.0.1): decoding a
//! long stream must not accumulate it. Target: growth under 20 MB.
//!
//! Run: `cd bench && cargo bench --bench memory`.

use std::time::{Duration, Instant};

use allmhub::types::{ChatCompletionRequest, ChatMessage};
use allmhub_bench::resident_memory;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOTAL: usize = 100 * 1024 * 1024;

/// One block of chunk events, about 64 KiB, written again and again.
fn block() -> Vec<u8> {
    let mut out = Vec::new();
    let mut index = 0;
    while out.len() < 64 * 1024 {
        let chunk = serde_json::json!({
            "id": "chatcmpl-memory", "object": "chat.completion.chunk", "created": 1762737988, "model": "gpt-4o-mini",
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": {"content": format!("token {index} of a very long answer; ")}, "logprobs": null, "finish_reason": null}],
            "usage": null
        });
        out.extend_from_slice(format!("data: {chunk}\n\n").as_bytes());
        index += 1;
    }
    out
}

async fn serve(listener: TcpListener) {
    let Ok((mut socket, _)) = listener.accept().await else {
        return;
    };
    let mut request = vec![0u8; 64 * 1024];
    let _ = socket.read(&mut request).await;
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let block = block();
    let mut sent = 0;
    while sent < TOTAL {
        if socket.write_all(&block).await.is_err() {
            return;
        }
        sent += block.len();
    }
    let _ = socket.write_all(b"data: [DONE]\n\n").await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(serve(listener));
        let client = allmhub::Client::builder()
            .api_key("sk-memory")
            .base_url(&url)
            .stream_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("A long answer, please.")]);

        let (before, _) = resident_memory();
        let started = Instant::now();
        let mut stream = client.chat().create_stream(&request).await.expect("the stream opens");
        let (mut events, mut text_bytes, mut highest) = (0usize, 0usize, before);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("every event decodes");
            text_bytes += chunk.choices.iter().filter_map(|choice| choice.delta.content.as_ref()).map(String::len).sum::<usize>();
            events += 1;
            if events % 10_000 == 0 {
                highest = highest.max(resident_memory().0);
            }
        }
        let elapsed = started.elapsed();
        let (after, peak) = resident_memory();
        highest = highest.max(after);
        let growth = highest.saturating_sub(before);
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        println!(
            "streamed {:.0} MiB as {events} typed events ({:.1} MiB of text) in {:.2} s ({:.0} MiB/s)",
            mib(TOTAL as u64),
            mib(text_bytes as u64),
            elapsed.as_secs_f64(),
            mib(TOTAL as u64) / elapsed.as_secs_f64()
        );
        println!(
            "resident memory: {:.1} MiB before, {:.1} MiB highest sample, {:.1} MiB peak (VmHWM); growth {:.1} MiB (target < 20 MiB: {})",
            mib(before),
            mib(highest),
            mib(peak),
            mib(growth),
            if growth < 20 * 1024 * 1024 { "met" } else { "NOT met" }
        );
    });
}
