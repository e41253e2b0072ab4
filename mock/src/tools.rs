//! Tool calls to the caller's own tools: a whole (not streamed) request that offers function tools and holds
//! no tool result yet is answered with a call of one of them — the one `tool_choice` names, else the first —
//! whose arguments are a value of the tool's parameter schema. Once the conversation carries a tool result,
//! the answer is text again. An agent loop thus runs one round against the mock as against a model.

use allmhub_types::operations::Family;
use serde_json::{Map, Value, json};

use crate::structured;

/// The tool to call: its name and the schema of its arguments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolCall {
    pub(crate) name: String,
    pub(crate) arguments: Value,
}

/// The call the request asks for, if it offers tools, allows calling them and holds no tool result yet.
pub(crate) fn requested_call(family: Family, request: &Map<String, Value>) -> Option<ToolCall> {
    let (tools, named) = match family {
        Family::OpenaiChat => {
            if has_result(request.get("messages"), |message| {
                matches!(message.get("role").and_then(Value::as_str), Some("tool" | "function"))
            }) {
                return None;
            }
            let tools: Vec<(String, Value)> = list(request.get("tools"))
                .filter(|tool| tool.get("type").and_then(Value::as_str).unwrap_or("function") == "function")
                .filter_map(|tool| tool.get("function"))
                .filter_map(|function| declared(function, "parameters"))
                .collect();
            let choice = request.get("tool_choice");
            if choice.and_then(Value::as_str) == Some("none") {
                return None;
            }
            let named = choice
                .and_then(|choice| choice.get("function"))
                .and_then(|function| function.get("name"))
                .and_then(Value::as_str);
            (tools, named)
        }
        Family::Responses => {
            if has_result(request.get("input"), |item| {
                item.get("type").and_then(Value::as_str) == Some("function_call_output")
            }) {
                return None;
            }
            let tools: Vec<(String, Value)> = list(request.get("tools"))
                .filter(|tool| tool.get("type").and_then(Value::as_str) == Some("function"))
                .filter_map(|tool| declared(tool, "parameters"))
                .collect();
            let choice = request.get("tool_choice");
            if choice.and_then(Value::as_str) == Some("none") {
                return None;
            }
            (
                tools,
                choice.and_then(|choice| choice.get("name")).and_then(Value::as_str),
            )
        }
        Family::Claude => {
            if has_result(request.get("messages"), |message| {
                list(message.get("content"))
                    .any(|block| block.get("type").and_then(Value::as_str) == Some("tool_result"))
            }) {
                return None;
            }
            // Client tools carry an `input_schema`; server tools (web search, code execution) do not.
            let tools: Vec<(String, Value)> = list(request.get("tools"))
                .filter(|tool| tool.get("input_schema").is_some())
                .filter_map(|tool| declared(tool, "input_schema"))
                .collect();
            let choice = request.get("tool_choice");
            if choice.and_then(|choice| choice.get("type")).and_then(Value::as_str) == Some("none") {
                return None;
            }
            (
                tools,
                choice.and_then(|choice| choice.get("name")).and_then(Value::as_str),
            )
        }
        Family::Gemini => {
            if has_result(request.get("contents"), |content| {
                list(content.get("parts")).any(|part| part.get("functionResponse").is_some())
            }) {
                return None;
            }
            let tools: Vec<(String, Value)> = list(request.get("tools"))
                .flat_map(|tool| list(tool.get("functionDeclarations")))
                .filter_map(|function| {
                    let schema = if function.get("parametersJsonSchema").is_some() {
                        "parametersJsonSchema"
                    } else {
                        "parameters"
                    };
                    declared(function, schema)
                })
                .collect();
            let config = request
                .get("toolConfig")
                .and_then(|config| config.get("functionCallingConfig"));
            if config.and_then(|config| config.get("mode")).and_then(Value::as_str) == Some("NONE") {
                return None;
            }
            let named = config
                .and_then(|config| config.get("allowedFunctionNames"))
                .and_then(|names| names.get(0))
                .and_then(Value::as_str);
            (tools, named)
        }
        _ => return None,
    };
    let (name, schema) = named
        .and_then(|named| tools.iter().find(|(name, _)| name == named))
        .or_else(|| tools.first())?;
    Some(ToolCall {
        name: name.clone(),
        arguments: structured::instance(schema),
    })
}

/// The items of an array member (none when it is missing or no array).
fn list(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

/// Whether a conversation (an array; a plain string holds none) holds an item `is_result` accepts.
fn has_result(items: Option<&Value>, is_result: impl Fn(&Value) -> bool) -> bool {
    list(items).any(is_result)
}

/// A declared tool's name and argument schema (`{}` when it declares none).
fn declared(tool: &Value, schema: &str) -> Option<(String, Value)> {
    let name = tool.get("name")?.as_str()?.to_owned();
    let schema = tool.get(schema).cloned().unwrap_or_else(|| json!({"type": "object"}));
    Some((name, schema))
}

/// `answer` (the example's JSON) made the dialect's answer calling `call`: the tool call replaces the
/// answer's content, and the stop reason says a tool was called. Ids and usage stay.
pub(crate) fn with_call(family: Family, answer: &mut Value, call: &ToolCall) {
    let Some(answer) = answer.as_object_mut() else {
        return;
    };
    let arguments_text = call.arguments.to_string();
    match family {
        Family::OpenaiChat => {
            answer.insert(
                "choices".to_owned(),
                json!([{
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": null,
                        "tool_calls": [{
                            "id": "call_mock_1",
                            "type": "function",
                            "function": {"name": call.name, "arguments": arguments_text}
                        }]
                    },
                    "finish_reason": "tool_calls"
                }]),
            );
        }
        Family::Responses => {
            answer.insert(
                "output".to_owned(),
                json!([{
                    "type": "function_call",
                    "id": "fc_mock_1",
                    "call_id": "call_mock_1",
                    "name": call.name,
                    "arguments": arguments_text,
                    "status": "completed"
                }]),
            );
            answer.insert("status".to_owned(), json!("completed"));
        }
        Family::Claude => {
            answer.insert(
                "content".to_owned(),
                json!([{"type": "tool_use", "id": "toolu_mock_1", "name": call.name, "input": call.arguments}]),
            );
            answer.insert("stop_reason".to_owned(), json!("tool_use"));
        }
        Family::Gemini => {
            answer.insert(
                "candidates".to_owned(),
                json!([{
                    "content": {"role": "model", "parts": [{"functionCall": {"name": call.name, "args": call.arguments}}]},
                    "finishReason": "STOP",
                    "index": 0
                }]),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(members) => members,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn the_named_tool_is_called_else_the_first_until_a_result_comes_back() {
        let weather = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        let tools = json!([
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
            {"type": "function", "function": {"name": "get_weather", "parameters": weather}}
        ]);
        let first = object(json!({"messages": [{"role": "user", "content": "Weather?"}], "tools": tools}));
        assert_eq!(
            requested_call(Family::OpenaiChat, &first).map(|call| call.name),
            Some("get_time".to_owned())
        );
        let named = object(json!({
            "messages": [{"role": "user", "content": "Weather?"}], "tools": tools,
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}}
        }));
        assert_eq!(
            requested_call(Family::OpenaiChat, &named),
            Some(ToolCall {
                name: "get_weather".to_owned(),
                arguments: json!({"city": "city"})
            })
        );
        let answered = object(json!({
            "messages": [{"role": "user", "content": "Weather?"}, {"role": "tool", "tool_call_id": "c", "content": "sunny"}],
            "tools": tools
        }));
        assert_eq!(
            requested_call(Family::OpenaiChat, &answered),
            None,
            "a tool result came back"
        );
        let none = object(json!({"messages": [], "tools": tools, "tool_choice": "none"}));
        assert_eq!(requested_call(Family::OpenaiChat, &none), None);
        assert_eq!(
            requested_call(Family::OpenaiChat, &object(json!({"messages": []}))),
            None,
            "no tools"
        );
    }

    #[test]
    fn each_dialect_reads_its_own_tool_shapes() {
        let schema = json!({"type": "object", "properties": {"q": {"type": "string"}}});
        let responses = object(
            json!({"input": "Find", "tools": [{"type": "web_search"}, {"type": "function", "name": "search", "parameters": schema}]}),
        );
        assert_eq!(
            requested_call(Family::Responses, &responses).map(|call| call.name),
            Some("search".to_owned())
        );
        let claude = object(json!({
            "messages": [{"role": "user", "content": "Find"}],
            "tools": [{"type": "web_search_20250305", "name": "web_search"}, {"name": "search", "input_schema": schema}]
        }));
        assert_eq!(
            requested_call(Family::Claude, &claude).map(|call| call.name),
            Some("search".to_owned()),
            "a server tool has no input schema"
        );
        let gemini = object(json!({
            "contents": [{"role": "user", "parts": [{"text": "Find"}]}],
            "tools": [{"functionDeclarations": [{"name": "search", "parameters": {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}}}]}]
        }));
        assert_eq!(
            requested_call(Family::Gemini, &gemini),
            Some(ToolCall {
                name: "search".to_owned(),
                arguments: json!({"q": "q"})
            })
        );
        let answered = object(json!({
            "contents": [{"role": "user", "parts": [{"text": "Find"}]}, {"role": "user", "parts": [{"functionResponse": {"name": "search", "response": {}}}]}],
            "tools": [{"functionDeclarations": [{"name": "search"}]}]
        }));
        assert_eq!(requested_call(Family::Gemini, &answered), None);
    }

    #[test]
    fn answers_carry_the_call_in_each_dialects_shape() {
        let call = ToolCall {
            name: "search".to_owned(),
            arguments: json!({"q": "q"}),
        };
        let mut chat = json!({"id": "c", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}]});
        with_call(Family::OpenaiChat, &mut chat, &call);
        assert_eq!(
            chat["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            r#"{"q":"q"}"#
        );
        assert_eq!(chat["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(chat["id"], "c", "the rest of the answer stays");
        let mut claude = json!({"content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn"});
        with_call(Family::Claude, &mut claude, &call);
        assert_eq!(claude["content"][0]["input"], json!({"q": "q"}));
        assert_eq!(claude["stop_reason"], "tool_use");
    }
}
