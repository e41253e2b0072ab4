//! One answer per dialect with every member a stream carries, where the spec's examples have few: several
//! choices and candidates, parallel and custom tool calls, reasoning with signatures, citations, refusals,
//! log probabilities, audio, server tools, text in several scripts.

use serde_json::{Value, json};

pub fn chat() -> Value {
    json!({
        "id": "chatcmpl-fixture", "object": "chat.completion", "created": 1767225600, "model": "gpt-5",
        "system_fingerprint": "fp_1", "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Il fait 21 °C à Paris ☀️ et 天气很好.",
                    "reasoning_content": "The user asks about weather; call the tool twice.",
                    "reasoning": "Weather in two cities.",
                    "annotations": [{"type": "url_citation", "url_citation": {
                        "start_index": 0, "end_index": 10, "url": "https://example.com/meteo", "title": "Météo"}}],
                    "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {
                            "name": "get_weather", "arguments": "{\"city\":\"Paris\",\"units\":[\"c\",\"f\"]}"}},
                        {"id": "call_2", "type": "function", "function": {
                            "name": "get_weather", "arguments": "{\"city\":\"北京\"}"}},
                        {"id": "call_3", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1;"}}
                    ]
                },
                "logprobs": {"content": [
                    {"token": "Il", "logprob": -0.1, "bytes": [73, 108], "top_logprobs": [{"token": "Il", "logprob": -0.1}]},
                    {"token": " fait", "logprob": -0.2},
                    {"token": " 21", "logprob": -1.5}
                ]},
                "finish_reason": "tool_calls"
            },
            {
                "index": 1,
                "message": {
                    "role": "assistant",
                    "content": "",
                    "refusal": "I can't help with that.",
                    "audio": {"id": "audio_1", "data": "UklGRg==", "transcript": "I can't.", "expires_at": 1767229200},
                    "function_call": {"name": "legacy", "arguments": "{}"}
                },
                "logprobs": {"content": null, "refusal": [{"token": "I", "logprob": -0.01}]},
                "finish_reason": "content_filter"
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 64, "total_tokens": 106,
            "completion_tokens_details": {"reasoning_tokens": 12}}
    })
}

pub fn claude() -> Value {
    json!({
        "id": "msg_fixture", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Search first, then answer. 先搜索。", "signature": "EqQBCkYIARgCIkA="},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "météo Paris"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                {"type": "web_search_result", "url": "https://example.com/meteo", "title": "Météo",
                 "encrypted_content": "Eqg...", "page_age": "1 day"}]},
            {"type": "text", "text": "It is sunny in Paris ☀️.", "citations": [
                {"type": "web_search_result_location", "url": "https://example.com/meteo", "title": "Météo",
                 "cited_text": "Soleil", "encrypted_index": "Eo8="},
                {"type": "char_location", "cited_text": "sunny", "document_index": 0, "document_title": "Doc",
                 "start_char_index": 3, "end_char_index": 8}]},
            {"type": "text", "text": ""},
            {"type": "tool_use", "id": "toolu_1", "name": "book", "input": {
                "city": "Paris", "nights": 2, "price": 129.5, "tags": ["vue", "calme"], "extra": null,
                "nested": {"deep": [1, {"x": "y"}]}}},
            {"type": "tool_use", "id": "toolu_2", "name": "noop", "input": {}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 512, "output_tokens": 256, "cache_creation_input_tokens": 10,
            "cache_read_input_tokens": 100, "server_tool_use": {"web_search_requests": 1}, "service_tier": "standard"},
        "container": {"id": "container_1", "expires_at": "2026-01-01T00:00:00Z"}
    })
}

pub fn responses() -> Value {
    json!({
        "id": "resp_fixture", "object": "response", "created_at": 1767225600, "completed_at": 1767225610,
        "status": "completed", "model": "gpt-5",
        "output": [
            {"type": "reasoning", "id": "rs_1", "status": "completed",
             "summary": [{"type": "summary_text", "text": "First summary."}, {"type": "summary_text", "text": "Second, 第二."}],
             "content": [{"type": "reasoning_text", "text": "Raw reasoning."}],
             "encrypted_content": "gAAAA"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed",
             "action": {"type": "search", "query": "weather paris"}},
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [
                {"type": "output_text", "text": "Sunny ☀️, 21 °C.",
                 "annotations": [{"type": "url_citation", "url": "https://example.com", "title": "Ex",
                                  "start_index": 0, "end_index": 5}],
                 "logprobs": [{"token": "Sunny", "logprob": -0.1}, {"token": " ☀️", "logprob": -0.3}]},
                {"type": "refusal", "refusal": "No more."},
                {"type": "output_text", "text": "", "annotations": []}
            ]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
             "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
            {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_2", "name": "sql", "input": "SELECT 1;"},
            {"type": "code_interpreter_call", "id": "ci_1", "status": "completed", "container_id": "cntr_1",
             "code": "print(1 + 1)", "outputs": [{"type": "logs", "logs": "2"}]},
            {"type": "shiny_new_tool_call", "id": "new_1", "payload": {"a": 1}}
        ],
        "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30,
            "output_tokens_details": {"reasoning_tokens": 5}}
    })
}

pub fn gemini() -> Value {
    json!({
        "candidates": [
            {
                "content": {"role": "model", "parts": [
                    {"text": "Thinking about it. ", "thought": true},
                    {"text": "Still thinking.", "thought": true},
                    {"text": "Voici la réponse: ", "thoughtSignature": "c2lnLTE="},
                    {"text": "il fait beau ☀️."},
                    {"functionCall": {"id": "fc_1", "name": "get_weather", "args": {"city": "Paris"}},
                     "thoughtSignature": "c2lnLTI="},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                    {"text": "Fin."}
                ]},
                "finishReason": "STOP",
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
                "citationMetadata": {"citationSources": [{"startIndex": 0, "endIndex": 5, "uri": "https://example.com"}]},
                "groundingMetadata": {"webSearchQueries": ["weather paris"]},
                "avgLogprobs": -0.25
            },
            {
                "content": {"role": "model", "parts": [{"text": "Second candidate, 第二."}]},
                "finishReason": "MAX_TOKENS"
            }
        ],
        "promptFeedback": {"safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 20, "totalTokenCount": 40,
            "thoughtsTokenCount": 10},
        "modelVersion": "gemini-2.5-pro", "responseId": "resp-fixture", "createTime": "2026-01-01T00:00:00Z"
    })
}
