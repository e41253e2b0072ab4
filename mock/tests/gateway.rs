//! The mock as any HTTP client sees it: routing, credentials per dialect, request checks, example choice,
//! streams, and the requests it records.

mod support;

use std::time::Duration;

use allmhub_mock::{
    EXAMPLE_HEADER, FAULT_HEADER, MockServer, REQUEST_ID_HEADER, UNKNOWN_MEMBERS_HEADER, UNKNOWN_VALUES_HEADER,
};
use serde_json::{Value, json};
use support::{KEY, http, within};

async fn json_of(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"));
    (status, headers, value)
}

fn chat(body: Value) -> Value {
    let mut request = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]});
    if let (Value::Object(request), Value::Object(extra)) = (&mut request, body) {
        request.extend(extra);
    }
    request
}

#[tokio::test]
async fn an_unknown_path_gets_404_in_the_openai_envelope() {
    let mock = MockServer::start().await;
    let response = within(10, http().get(format!("{}/v1/xyz", mock.url())).bearer_auth(KEY).send())
        .await
        .expect("an answer");
    let (status, headers, body) = json_of(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("Invalid URL (GET /v1/xyz)")),
        "{body}"
    );
    assert!(headers.contains_key(REQUEST_ID_HEADER));
    let received = mock.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].operation, None);
    assert_eq!(received[0].path, "/v1/xyz");
}

#[tokio::test]
async fn missing_credentials_get_401_in_each_dialects_envelope() {
    let mock = MockServer::start().await;
    let url = mock.url();
    // OpenAI routes: the OpenAI envelope.
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{url}/v1/chat/completions"))
                .json(&chat(json!({})))
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Authorization: Bearer")),
        "{body}"
    );
    // Claude: its own envelope; `x-api-key` without `anthropic-version` is not enough.
    let claude = json!({"model": "claude-sonnet-4", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]});
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{url}/v1/messages"))
                .header("x-api-key", KEY)
                .json(&claude)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["type"], "error", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("anthropic-version")),
        "{body}"
    );
    // Dashboard: the new-api envelope.
    let (status, _, body) = json_of(
        within(10, http().get(format!("{url}/api/user/self")).bearer_auth(KEY).send())
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(status, 401, "an access token without New-Api-User");
    assert_eq!(body["success"], false, "{body}");
    // Midjourney: token authentication runs first, so the OpenAI envelope.
    let (status, _, body) = json_of(
        within(10, http().get(format!("{url}/mj/task/1320098173412546/fetch")).send())
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(status, 401);
    assert!(body["error"].is_object(), "{body}");
}

#[tokio::test]
async fn every_credential_form_of_the_spec_is_accepted() {
    let mock = MockServer::start().await;
    let url = mock.url();
    let gemini = json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]});
    let calls = [
        http().get(format!("{url}/v1/models")).header("authorization", KEY),
        http().get(format!("{url}/v1/models")).bearer_auth(KEY),
        http()
            .post(format!("{url}/v1/messages"))
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01")
            .json(
                &json!({"model": "claude-sonnet-4", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}),
            ),
        http()
            .post(format!("{url}/v1beta/models/gemini-2.5-flash:generateContent"))
            .header("x-goog-api-key", KEY)
            .json(&gemini),
        http()
            .post(format!(
                "{url}/v1beta/models/gemini-2.5-flash:generateContent?key={KEY}"
            ))
            .json(&gemini),
        http()
            .get(format!("{url}/mj/task/1320098173412546/fetch"))
            .header("mj-api-secret", KEY),
        http()
            .get(format!("{url}/api/user/self"))
            .header("authorization", KEY)
            .header("new-api-user", "42"),
    ];
    for call in calls {
        let response = within(10, call.send()).await.expect("an answer");
        let target = response.url().path().to_owned();
        assert_eq!(
            response.status(),
            200,
            "{target}: {}",
            response.text().await.unwrap_or_default()
        );
    }
}

#[tokio::test]
async fn a_key_given_to_the_mock_is_the_only_one_accepted() {
    let mock = MockServer::builder().key("sk-right").start().await.expect("a mock");
    let wrong = within(
        10,
        http()
            .get(format!("{}/v1/models", mock.url()))
            .bearer_auth("sk-wrong")
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(wrong.status(), 401);
    let right = within(
        10,
        http()
            .get(format!("{}/v1/models", mock.url()))
            .bearer_auth("sk-right")
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn the_public_price_list_needs_no_key_where_the_keys_own_usage_does() {
    let mock = MockServer::builder().key("sk-right").start().await.expect("a mock");
    let (status, _, body) = json_of(
        within(10, http().get(format!("{}/api/pricing", mock.url())).send())
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"].is_array(), "{body}");
    let (status, _, body) = json_of(
        within(10, http().get(format!("{}/api/usage/token/", mock.url())).send())
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false, "the dashboard's envelope: {body}");
    let usage = within(
        10,
        http()
            .get(format!("{}/api/usage/token/", mock.url()))
            .bearer_auth("sk-right")
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(usage.status(), 200);
}

#[tokio::test]
async fn a_body_that_does_not_conform_gets_400_naming_its_json_path() {
    let mock = MockServer::start().await;
    let bad = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "temperature": "hot"});
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/chat/completions", mock.url()))
                .bearer_auth(KEY)
                .json(&bad)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("$.temperature"), "{message}");
    // Claude answers in its own envelope.
    let bad = json!({"model": "claude-sonnet-4", "max_tokens": "many", "messages": []});
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/messages", mock.url()))
                .header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01")
                .json(&bad)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "error");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("$.max_tokens")),
        "{body}"
    );
}

/// Sends a chat request with `extra` members; the status and the two unknown-findings headers of the answer.
async fn unknown_headers(mock: &MockServer, extra: Value) -> (u16, Option<String>, Option<String>) {
    let response = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", mock.url()))
            .bearer_auth(KEY)
            .json(&chat(extra))
            .send(),
    )
    .await
    .expect("an answer");
    let header = |name: &str| {
        let value = response.headers().get(name)?;
        value.to_str().ok().map(str::to_owned)
    };
    let (members, values) = (header(UNKNOWN_MEMBERS_HEADER), header(UNKNOWN_VALUES_HEADER));
    (response.status().as_u16(), members, values)
}

#[tokio::test]
async fn unknown_members_and_values_are_allowed_and_listed_in_headers() {
    let mock = MockServer::start().await;
    let (status, members, values) = unknown_headers(&mock, json!({"my_flag": true, "metadata_x": {"a": 1}})).await;
    assert_eq!(status, 200);
    let members = members.expect("the members header");
    assert!(
        members.contains("$.my_flag") && members.contains("$.metadata_x"),
        "{members}"
    );
    assert_eq!(values, None);

    let extra = json!({"reasoning_effort": "maximal", "service_tier": "default"});
    let (status, members, values) = unknown_headers(&mock, extra).await;
    assert_eq!(status, 200);
    assert_eq!(members, None);
    assert_eq!(values.as_deref(), Some(r#"$.reasoning_effort = "maximal""#));
}

#[tokio::test]
async fn unknown_members_inside_a_tool_call_are_listed_too() {
    // A tool call's `type` follows its `id`, so the call is read whole before it is decoded; what it holds
    // that the spec does not know is listed all the same.
    let mock = MockServer::start().await;
    let messages = json!({"messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}, "shard": 1}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
    ]});
    let (status, members, values) = unknown_headers(&mock, messages).await;
    assert_eq!(status, 200);
    assert_eq!(members.as_deref(), Some("$.messages[1].tool_calls[0].shard"));
    assert_eq!(values, None);
}

#[tokio::test]
async fn answers_echo_the_model_and_a_header_picks_a_named_example() {
    let mock = MockServer::start().await;
    let request = chat(json!({"model": "my-own-model"}));
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/chat/completions", mock.url()))
                .bearer_auth(KEY)
                .json(&request)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["model"], "my-own-model");
    assert_eq!(body["object"], "chat.completion");

    let (_, _, named) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/chat/completions", mock.url()))
                .bearer_auth(KEY)
                .header(EXAMPLE_HEADER, "official_function_calling")
                .json(&request)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert!(named["choices"][0]["message"]["tool_calls"].is_array(), "{named}");
    assert_eq!(named["model"], "my-own-model");

    let (status, _, error) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/chat/completions", mock.url()))
                .bearer_auth(KEY)
                .header(EXAMPLE_HEADER, "no_such_example")
                .json(&request)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 400);
    let message = error["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("no_such_example") && message.contains("chat_non_stream"),
        "{message}"
    );
}

#[tokio::test]
async fn a_stream_request_gets_the_stream_example_event_by_event_at_the_pace_asked() {
    let mock = MockServer::builder()
        .pace(Duration::from_millis(30))
        .start()
        .await
        .expect("a mock");
    let request = chat(json!({"stream": true, "model": "echo-me"}));
    let response = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", mock.url()))
            .bearer_auth(KEY)
            .json(&request)
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.bytes_stream();
    let mut pieces = Vec::new();
    use futures_util::StreamExt;
    while let Some(piece) = within(10, body.next()).await {
        pieces.push(String::from_utf8(piece.expect("bytes").to_vec()).expect("text"));
    }
    let text = pieces.concat();
    let data: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("data: ")).collect();
    assert_eq!(data.last(), Some(&"[DONE]"));
    assert!(data.len() >= 3, "{text}");
    for chunk in &data[..data.len() - 1] {
        let chunk: Value = serde_json::from_str(chunk).expect("JSON events");
        assert_eq!(chunk["model"], "echo-me");
    }
    // Paced: the events arrive apart, not in one piece.
    assert!(pieces.len() >= 3, "{} pieces", pieces.len());
}

#[tokio::test]
async fn a_chat_format_video_model_streams_progress_prose() {
    let mock = MockServer::start().await;
    let request = json!({"model": "sora_video2", "stream": true, "messages": [{"role": "user", "content": "a cat"}]});
    let text = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", mock.url()))
            .bearer_auth(KEY)
            .json(&request)
            .send(),
    )
    .await
    .expect("an answer")
    .text()
    .await
    .expect("text");
    assert!(text.contains("进度"), "{text}");
    assert!(text.contains(".mp4"), "{text}");
}

#[tokio::test]
async fn a_bad_fault_header_is_a_clear_400() {
    let mock = MockServer::start().await;
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .get(format!("{}/v1/models", mock.url()))
                .bearer_auth(KEY)
                .header(FAULT_HEADER, "teapot")
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown fault `teapot`")),
        "{body}"
    );
}

#[tokio::test]
async fn quota_faults_are_what_new_api_sends_in_each_dialect() {
    let mock = MockServer::start().await;
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/chat/completions", mock.url()))
                .bearer_auth(KEY)
                .header(FAULT_HEADER, "quota")
                .json(&chat(json!({})))
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "insufficient_user_quota");
    assert_eq!(body["error"]["type"], "new_api_error");
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/videos", mock.url()))
                .bearer_auth(KEY)
                .header(FAULT_HEADER, "quota")
                .json(&json!({"model": "sora-2", "prompt": "a cat"}))
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["code"], "insufficient_user_quota",
        "the task routes' envelope: {body}"
    );
}

#[tokio::test]
async fn forms_are_decoded_with_the_generated_types() {
    let mock = MockServer::start().await;
    let form = reqwest::multipart::Form::new()
        .text("model", "whisper-1")
        .text("temperature", "0.2")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"ID3fake".to_vec()).file_name("a.mp3"),
        );
    let response = within(
        10,
        http()
            .post(format!("{}/v1/audio/transcriptions", mock.url()))
            .bearer_auth(KEY)
            .multipart(form)
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(response.status(), 200);
    let bad = reqwest::multipart::Form::new()
        .text("model", "whisper-1")
        .text("temperature", "warm")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"ID3fake".to_vec()).file_name("a.mp3"),
        );
    let (status, _, body) = json_of(
        within(
            10,
            http()
                .post(format!("{}/v1/audio/transcriptions", mock.url()))
                .bearer_auth(KEY)
                .multipart(bad)
                .send(),
        )
        .await
        .expect("an answer"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("$.temperature")),
        "{body}"
    );
}

/// POSTs `body` to `path` of the mock with `headers`, expects HTTP 200 and returns the JSON answer.
async fn post_ok(url: &str, path: &str, headers: &[(&str, &str)], body: &Value) -> Value {
    let mut request = http().post(format!("{url}{path}")).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, _, answer) = json_of(within(10, request.send()).await.expect("an answer")).await;
    assert_eq!(status, 200, "{path}: {answer}");
    answer
}

/// The texts of `items` (a JSON array) that `is_text` accepts.
fn texts(items: &Value, is_text: impl Fn(&Value) -> bool) -> Vec<&Value> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| is_text(item))
        .map(|item| &item["text"])
        .collect()
}

#[tokio::test]
async fn a_request_with_a_json_schema_is_answered_with_a_value_of_that_schema_in_each_dialect() {
    let mock = MockServer::start().await;
    let url = mock.url();
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
        "additionalProperties": false
    });
    let expected = json!({"city": "city", "days": 0});
    let parse = |texts: Vec<&Value>, dialect: &str| -> Value {
        assert_eq!(texts.len(), 1, "{dialect}: one text part holds the value: {texts:?}");
        let text = texts[0].as_str().unwrap_or_else(|| panic!("{dialect}: no text"));
        serde_json::from_str(text).unwrap_or_else(|error| panic!("{dialect}: the text is not JSON ({error}): {text}"))
    };
    let bearer = format!("Bearer {KEY}");
    let openai = [("authorization", bearer.as_str())];

    let request = chat(
        json!({"response_format": {"type": "json_schema", "json_schema": {"name": "trip", "schema": schema, "strict": true}}}),
    );
    let body = post_ok(url, "/v1/chat/completions", &openai, &request).await;
    assert_eq!(parse(vec![&body["choices"][0]["message"]["content"]], "chat"), expected);

    let request = json!({"model": "gpt-4o-mini", "input": "Plan a trip", "text": {"format": {"type": "json_schema", "name": "trip", "schema": schema}}});
    let body = post_ok(url, "/v1/responses", &openai, &request).await;
    let messages: Vec<Value> = body["output"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| item["type"] == "message")
        .flat_map(|item| item["content"].as_array().cloned().unwrap_or_default())
        .collect();
    let messages = Value::Array(messages);
    assert_eq!(
        parse(texts(&messages, |part| part["type"] == "output_text"), "responses"),
        expected
    );

    let request = json!({
        "model": "claude-sonnet-4-5", "max_tokens": 512,
        "messages": [{"role": "user", "content": "Plan a trip"}],
        "output_config": {"format": {"type": "json_schema", "schema": schema}}
    });
    let claude = [("x-api-key", KEY), ("anthropic-version", "2023-06-01")];
    let body = post_ok(url, "/v1/messages", &claude, &request).await;
    assert_eq!(
        parse(texts(&body["content"], |block| block["type"] == "text"), "claude"),
        expected
    );

    let request = json!({
        "contents": [{"role": "user", "parts": [{"text": "Plan a trip"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema}
    });
    let path = "/v1beta/models/gemini-2.5-flash:generateContent";
    let body = post_ok(url, path, &[("x-goog-api-key", KEY)], &request).await;
    let parts = &body["candidates"][0]["content"]["parts"];
    assert_eq!(
        parse(
            texts(parts, |part| part.get("text").is_some() && part["thought"] != true),
            "gemini"
        ),
        expected
    );
}

#[tokio::test]
async fn an_agent_loop_gets_a_call_of_its_own_tool_then_text_after_the_result() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Weather {
        city: String,
        days: i64,
    }
    let mock = MockServer::start().await;
    let client = support::client(mock.url());
    let tools = json!([{"type": "function", "function": {
        "name": "get_forecast",
        "description": "The forecast of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}}, "required": ["city", "days"]}
    }}]);
    let mut conversation = vec![json!({"role": "user", "content": "Weather in Paris?"})];
    let request = |messages: &[Value]| -> allmhub::types::ChatCompletionRequest {
        serde_json::from_value(json!({"model": "gpt-4o-mini", "messages": messages, "tools": tools}))
            .expect("a chat request")
    };

    let answer = within(10, client.chat().create(&request(&conversation)))
        .await
        .expect("an answer");
    let calls = answer.tool_calls();
    assert_eq!(calls.len(), 1, "{answer:?}");
    assert_eq!(calls[0].name, "get_forecast");
    let arguments: Weather = calls[0].arguments().expect("arguments of the tool's schema");
    assert_eq!(
        arguments,
        Weather {
            city: "city".to_owned(),
            days: 1
        }
    );

    let id = calls[0].id.expect("a call id").to_owned();
    conversation.push(serde_json::to_value(&answer.choices[0].message).expect("the assistant turn"));
    conversation.push(json!({"role": "tool", "tool_call_id": id, "content": "sunny"}));
    let answer = within(10, client.chat().create(&request(&conversation)))
        .await
        .expect("an answer");
    assert!(answer.tool_calls().is_empty(), "the result came back: text now");
    assert!(answer.text().is_some_and(|text| !text.is_empty()), "{answer:?}");

    // A named example is served as the spec has it, whatever the tools.
    let named = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", mock.url()))
            .bearer_auth(KEY)
            .header(EXAMPLE_HEADER, "official_function_calling")
            .json(&json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "tools": tools}))
            .send(),
    )
    .await
    .expect("an answer");
    let (_, _, named) = json_of(named).await;
    let name = &named["choices"][0]["message"]["tool_calls"][0]["function"]["name"];
    assert!(
        name.is_string() && name != "get_forecast",
        "the example's own call: {named}"
    );
}

#[tokio::test]
async fn streamed_structured_outputs_and_tool_calls_are_synthesized_events_that_accumulate() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Trip {
        city: String,
        days: i64,
    }
    /// The one call the mock makes of the caller's `plan_trip` tool, with arguments of its schema.
    fn one_trip_call(calls: &[allmhub::types::ToolCall<'_>]) {
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].name, "plan_trip");
        assert_eq!(
            calls[0].arguments::<Trip>().expect("arguments of the tool's schema"),
            Trip {
                city: "city".to_owned(),
                days: 0
            }
        );
    }
    let mock = MockServer::start().await;
    let client = support::client(mock.url());
    let schema = json!({"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]});

    let chat: allmhub::types::ChatCompletionRequest = serde_json::from_value(json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Plan a trip"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "trip", "schema": schema}}
    }))
    .expect("a chat request");
    let stream = within(10, client.chat().create_stream(&chat)).await.expect("a stream");
    assert!(
        !stream.is_synthesized(),
        "the mock streams real SSE, not a whole answer"
    );
    let answer = within(10, stream.into_final()).await.expect("the streamed answer");
    let trip: Trip = answer.parse().expect("a value of the schema");
    assert_eq!(
        trip,
        Trip {
            city: "city".to_owned(),
            days: 0
        }
    );

    let claude: allmhub::types::ClaudeMessagesRequest = serde_json::from_value(json!({
        "model": "claude-sonnet-4-5", "max_tokens": 256,
        "messages": [{"role": "user", "content": "Plan a trip"}],
        "tools": [{"name": "plan_trip", "description": "Plans a trip", "input_schema": schema}]
    }))
    .expect("a Claude request");
    let stream = within(10, client.claude().messages().create_stream(&claude))
        .await
        .expect("a stream");
    let message = within(10, stream.into_final()).await.expect("the streamed message");
    one_trip_call(&message.tool_calls());

    let responses: allmhub::types::ResponsesRequest = serde_json::from_value(json!({
        "model": "gpt-4o-mini", "input": "Plan a trip",
        "tools": [{"type": "function", "name": "plan_trip", "parameters": schema}]
    }))
    .expect("a Responses request");
    let stream = within(10, client.responses().create_stream(&responses))
        .await
        .expect("a stream");
    let response = within(10, stream.into_final()).await.expect("the streamed response");
    one_trip_call(&response.tool_calls());

    let gemini: allmhub::types::GeminiGenerateContentRequest = serde_json::from_value(json!({
        "contents": [{"role": "user", "parts": [{"text": "Plan a trip"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema}
    }))
    .expect("a Gemini request");
    let stream = within(10, client.gemini().generate_content_stream("gemini-2.5-flash", &gemini))
        .await
        .expect("a stream");
    let response = within(10, stream.into_final()).await.expect("the streamed response");
    assert_eq!(
        response.parse::<Trip>().expect("a value of the schema"),
        Trip {
            city: "city".to_owned(),
            days: 0
        }
    );
}
