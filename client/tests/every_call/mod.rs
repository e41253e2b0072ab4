//! The call table of every operation: one generated method per operation id, shared by the client's and the
//! mock's operation tests (both include this file), so an operation added to the spec is added here once.

use allmhub::{ApiErrorBody, Client, Error, EventStream};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn body<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|error| panic!("the example does not decode: {error}"))
}

/// The events of a stream as JSON; an error event the server sent ends the list as its envelope.
pub async fn events<T: serde::Serialize + DeserializeOwned>(stream: EventStream<T>) -> Result<Value, Error> {
    let mut out = Vec::new();
    let items: Vec<Result<T, Error>> = stream.collect().await;
    for item in items {
        match item {
            Ok(event) => out.push(serde_json::to_value(event).expect("events serialize")),
            Err(error) => match error.api().filter(|api| api.in_band).and_then(|api| api.body.as_ref()) {
                Some(ApiErrorBody::Claude(body)) => out.push(serde_json::to_value(body).expect("serializes")),
                Some(ApiErrorBody::OpenAi(body)) => out.push(serde_json::to_value(body).expect("serializes")),
                Some(_) => out.push(Value::String(format!("error event: {error}"))),
                None => return Err(error),
            },
        }
    }
    Ok(Value::Array(out))
}

pub fn json<T: serde::Serialize>(answer: Result<T, Error>) -> Result<Value, Error> {
    answer.map(|value| serde_json::to_value(value).expect("answers serialize"))
}

/// How a case is called and answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole JSON answer.
    Json,
    /// A stream, collected into a JSON array of its events.
    Stream,
    /// A binary answer (the client's test tells it apart; the mock's calls it like a JSON case).
    #[allow(dead_code)]
    Bytes,
    /// A `text/plain` answer.
    Text,
}

/// Calls operation `op` through its generated method; the answer as JSON (bytes and text as a string).
pub async fn call(
    client: &Client,
    op: &str,
    kind: Kind,
    content_type: &str,
    request: &Value,
    path: &[String],
) -> Result<Value, Error> {
    let multipart = content_type == "multipart/form-data";
    let arg = |index: usize| path[index].as_str();
    match (op, kind) {
        ("create_chat_completion", Kind::Stream) => events(client.chat().create_stream(&body(request)).await?).await,
        ("create_chat_completion", _) => json(client.chat().create(&body(request)).await),
        ("create_response", Kind::Stream) => events(client.responses().create_stream(&body(request)).await?).await,
        ("create_response", _) => json(client.responses().create(&body(request)).await),
        ("create_speech", _) => client
            .audio()
            .speech(&body(request))
            .await
            .map(|bytes| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        ("create_transcription", Kind::Text) => client.audio().transcribe_text(&body(request)).await.map(Value::String),
        ("create_transcription", _) => json(client.audio().transcribe(&body(request)).await),
        ("create_translation", Kind::Text) => client.audio().translate_text(&body(request)).await.map(Value::String),
        ("create_translation", _) => json(client.audio().translate(&body(request)).await),
        ("create_embedding", _) => json(client.embeddings().create(&body(request)).await),
        ("create_rerank", _) => json(client.embeddings().rerank(&body(request)).await),
        ("create_image", _) => json(client.images().generate(&body(request)).await),
        ("edit_image", _) if multipart => json(client.images().edit_multipart(&body(request)).await),
        ("edit_image", _) => json(client.images().edit(&body(request)).await),
        ("create_video", _) if multipart => json(client.videos().create_multipart(&body(request)).await),
        ("create_video", _) => json(client.videos().create(&body(request)).await),
        ("retrieve_video", _) => json(client.videos().retrieve(arg(0)).await),
        ("download_video_content", _) => client
            .videos()
            .download_content(arg(0), Default::default())
            .await
            .map(|bytes| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        ("create_claude_message", Kind::Stream) => {
            events(client.claude().messages().create_stream(&body(request)).await?).await
        }
        ("create_claude_message", _) => json(client.claude().messages().create(&body(request)).await),
        ("gemini_generate_content", _) => json(client.gemini().generate_content(arg(0), &body(request)).await),
        ("gemini_stream_generate_content", _) => {
            events(client.gemini().generate_content_stream(arg(0), &body(request)).await?).await
        }
        ("mj_submit_change", _) => json(client.midjourney().submit_change(&body(request)).await),
        ("mj_submit_action", _) => json(client.midjourney().submit_action(&body(request)).await),
        ("mj_submit_simple_change", _) => json(client.midjourney().submit_simple_change(&body(request)).await),
        ("mj_submit_blend", _) => json(client.midjourney().submit_blend(&body(request)).await),
        ("mj_submit_describe", _) => json(client.midjourney().submit_describe(&body(request)).await),
        ("mj_submit_imagine", _) => json(client.midjourney().submit_imagine(&body(request)).await),
        ("mj_submit_modal", _) => json(client.midjourney().submit_modal(&body(request)).await),
        ("mj_submit_shorten", _) => json(client.midjourney().submit_shorten(&body(request)).await),
        ("mj_submit_video", _) => json(client.midjourney().submit_video(&body(request)).await),
        ("mj_swap_face", _) => json(client.midjourney().swap_face(&body(request)).await),
        ("mj_list_tasks_by_condition", _) => json(client.midjourney().list_tasks(&body(request)).await),
        ("mj_fetch_task", _) => json(client.midjourney().fetch_task(arg(0)).await),
        ("mj_get_image_seed", _) => json(client.midjourney().image_seed(arg(0)).await),
        ("get_billing_subscription", _) => json(client.account().billing_subscription().await),
        ("get_billing_usage", _) => json(client.account().billing_usage(Default::default()).await),
        ("get_user_self", _) => json(client.account().user_self().await),
        ("get_token_usage", _) => json(client.account().token_usage().await),
        ("get_token_logs", _) => json(client.account().token_logs().await),
        ("get_pricing", _) => json(client.account().pricing().await),
        ("list_models", _) => json(client.account().models().await),
        ("list_gemini_models", _) => json(client.account().gemini_models().await),
        (other, _) => panic!("no call for operation `{other}`: add it to this table"),
    }
}
