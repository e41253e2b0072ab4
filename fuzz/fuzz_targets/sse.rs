//! SSE framing and typed decoding of arbitrary bytes in the four dialects. The first byte sets the size of the
//! pieces the bytes arrive in; however the body is split, the stream must yield the same items as when it arrives
//! whole.

#![no_main]

use std::time::Duration;

use allmhub::EventStream;
use allmhub::types::{ChatCompletionChunk, ClaudeStreamEvent, GeminiGenerateContentResponse, ResponsesStreamEvent};
use bytes::Bytes;
use futures_util::StreamExt;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

thread_local! {
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
}

/// What a stream yielded: each event re-serialized, or its error's message.
async fn outcomes<T: DeserializeOwned + Serialize>(body: &[u8], size: usize) -> Vec<Result<serde_json::Value, String>> {
    let pieces: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(size)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let stream: EventStream<T> =
        EventStream::from_bytes(futures_util::stream::iter(pieces), 200, None, Duration::from_secs(60));
    stream
        .map(|item| match item {
            Ok(event) => serde_json::to_value(&event).map_err(|error| format!("re-serializing: {error}")),
            Err(error) => Err(error.to_string()),
        })
        .collect()
        .await
}

async fn check<T: DeserializeOwned + Serialize>(body: &[u8], size: usize) {
    let whole = outcomes::<T>(body, body.len().max(1)).await;
    let split = outcomes::<T>(body, size).await;
    assert_eq!(
        whole,
        split,
        "{} split into {size}-byte pieces",
        std::any::type_name::<T>()
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, body)) = data.split_first() else {
        return;
    };
    let size = usize::from(size % 64) + 1;
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            check::<ChatCompletionChunk>(body, size).await;
            check::<ResponsesStreamEvent>(body, size).await;
            check::<ClaudeStreamEvent>(body, size).await;
            check::<GeminiGenerateContentResponse>(body, size).await;
        })
    });
});
