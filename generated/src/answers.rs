//! Reading answers: their text, their tool calls with typed arguments, and structured output parsed into a
//! Rust type — the same three helpers on the answers of all four dialects.
//!
//! ```
//! # use allmhub_types::*;
//! # #[derive(serde::Deserialize)] struct Weather { city: String }
//! # let answer: ChatCompletionResponse = serde_json::from_value(serde_json::json!({"id": "c", "object": "chat.completion",
//! #     "created": 1, "model": "m", "choices": [{"message": {"role": "assistant", "content": "{\"city\": \"Paris\"}",
//! #     "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]})).unwrap();
//! println!("{}", answer.text().unwrap_or_default());                 // the first choice's text
//! let weather: Weather = answer.tool_calls()[0].arguments()?;          // typed tool arguments
//! let weather: Weather = answer.parse()?;                               // structured output
//! # Ok::<(), AnswerError>(())
//! ```
//!
//! A mismatch is an [`AnswerError`] that names the JSON path where the text stopped matching the type.

// Which helpers are used depends on the API families compiled in.
#![cfg_attr(
    not(all(
        feature = "openai-chat",
        feature = "claude",
        feature = "responses",
        feature = "gemini"
    )),
    allow(dead_code)
)]

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[allow(unused_imports)]
use crate::*;

/// Why an answer could not be read as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerError {
    /// The answer has no text to parse: tool calls only, no choice or candidate, or content blocked.
    NoText,
    /// The model refused; its words.
    Refusal(String),
    /// The JSON does not match the type asked for (or is not JSON).
    Json {
        /// What was parsed: `the text of the answer`, `the arguments of tool call `get_weather``.
        what: String,
        /// Where it stopped matching: `$.days[2].temperature`; `$` for the whole text.
        path: String,
        /// Why.
        message: String,
        /// The text that was parsed, whole.
        text: String,
    },
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerError::NoText => f.write_str("the answer has no text"),
            AnswerError::Refusal(refusal) => write!(f, "the model refused: {refusal}"),
            AnswerError::Json {
                what, path, message, ..
            } => write!(f, "{what} does not match the expected type at {path}: {message}"),
        }
    }
}

impl std::error::Error for AnswerError {}

/// A tool call of an answer, in any dialect: chat `tool_calls`, Claude `tool_use` blocks, Responses
/// `function_call` items, Gemini `functionCall` parts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ToolCall<'a> {
    /// The call's id, to send the result back with (Gemini calls often have none).
    pub id: Option<&'a str>,
    /// The tool's name.
    pub name: &'a str,
    arguments: Arguments<'a>,
}

/// Arguments as the dialect carries them: JSON text (chat, Responses) or JSON (Claude, Gemini).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Arguments<'a> {
    Text(&'a str),
    Value(&'a Value),
    Object(&'a Map<String, Value>),
}

impl<'a> ToolCall<'a> {
    /// The arguments as `T`. A mismatch names the JSON path inside the arguments.
    pub fn arguments<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        let what = || format!("the arguments of tool call `{}`", self.name);
        match self.arguments {
            Arguments::Text(text) => parse_json(what, text),
            // As text: the error's position in it names the path (and `AnswerError::Json` keeps that text).
            Arguments::Value(_) | Arguments::Object(_) => parse_json(what, &self.arguments_json()),
        }
    }

    /// The arguments as JSON text, as chat and Responses carry them.
    pub fn arguments_json(&self) -> Cow<'a, str> {
        match self.arguments {
            Arguments::Text(text) => Cow::Borrowed(text),
            Arguments::Value(value) => Cow::Owned(value.to_string()),
            Arguments::Object(object) => Cow::Owned(Value::Object(object.clone()).to_string()),
        }
    }
}

/// Parses JSON text as `T`; a failure names its JSON path (read from the error's position). A Markdown code
/// fence around the JSON (```` ```json … ``` ````, which models without a strict schema like to add) is taken
/// off first.
fn parse_json<T: DeserializeOwned>(what: impl FnOnce() -> String, text: &str) -> Result<T, AnswerError> {
    let json = without_fence(text);
    serde_json::from_str(json).map_err(|error| AnswerError::Json {
        what: what(),
        path: crate::json_path::of_error(json.as_bytes(), &error),
        message: error.to_string(),
        text: text.to_owned(),
    })
}

/// The text inside a Markdown code fence that is the whole text, or the text.
fn without_fence(text: &str) -> &str {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return text;
    };
    let Some(body) = rest.strip_suffix("```") else {
        return text;
    };
    // The info string (`json`) runs to the end of the first line.
    match body.split_once('\n') {
        Some((_, inner)) => inner,
        None => text,
    }
}

/// The structured output of an answer's text, or why there is none.
fn parse_text<T: DeserializeOwned>(text: Option<Cow<'_, str>>, refusal: Option<&str>) -> Result<T, AnswerError> {
    match (text, refusal) {
        (_, Some(refusal)) if !refusal.is_empty() => Err(AnswerError::Refusal(refusal.to_owned())),
        (Some(text), _) => parse_json(|| "the text of the answer".to_owned(), &text),
        (None, _) => Err(AnswerError::NoText),
    }
}

/// Joins text pieces, borrowing when there is only one; `None` when there is none.
fn join<'a>(pieces: impl IntoIterator<Item = &'a str>) -> Option<Cow<'a, str>> {
    let mut pieces = pieces.into_iter();
    let first = pieces.next()?;
    match pieces.next() {
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut text = String::from(first);
            text.push_str(second);
            pieces.for_each(|more| text.push_str(more));
            Some(Cow::Owned(text))
        }
    }
}

// ---- OpenAI chat

#[cfg(feature = "openai-chat")]
impl ChatMessageContent {
    /// The text: the string, or the text parts joined.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            ChatMessageContent::Text(text) => Cow::Borrowed(text),
            ChatMessageContent::Parts(parts) => join(parts.iter().filter_map(|part| match part {
                ChatContentPart::Text(part) => Some(part.text.as_str()),
                _ => None,
            }))
            .unwrap_or_default(),
        }
    }
}

#[cfg(feature = "openai-chat")]
impl ChatMessage {
    /// The message's text (`None` when it has no content, e.g. an answer that only calls tools).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.content.as_ref().map(ChatMessageContent::text)
    }

    /// The reasoning text, under whichever name the channel sent it (`reasoning_content` or `reasoning`).
    pub fn reasoning_text(&self) -> Option<&str> {
        self.reasoning_content
            .as_deref()
            .filter(|text| !text.is_empty())
            .or(self.reasoning.as_deref())
    }
}

#[cfg(feature = "openai-chat")]
impl ChatCompletionChoice {
    /// The text of the choice's message.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.message.text()
    }

    /// The function calls of the choice's message (custom tool calls, whose input is free text, are not
    /// included; the deprecated `function_call` is).
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        let message = &self.message;
        let calls = message.tool_calls.iter().flatten().filter_map(|call| match call {
            ChatToolCall::Function(call) => Some(ToolCall {
                id: call.id.as_deref(),
                name: &call.function.name,
                arguments: Arguments::Text(&call.function.arguments),
            }),
            _ => None,
        });
        let legacy = message.function_call.iter().map(|call| ToolCall {
            id: None,
            name: &call.name,
            arguments: Arguments::Text(&call.arguments),
        });
        calls.chain(legacy).collect()
    }

    /// The message's text parsed as `T` (structured output). A refusal is [`AnswerError::Refusal`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        parse_text(self.text(), self.message.refusal.as_deref())
    }
}

#[cfg(feature = "openai-chat")]
impl ChatCompletionResponse {
    /// The first choice (the one of index 0, or the first listed).
    pub fn first_choice(&self) -> Option<&ChatCompletionChoice> {
        self.choices
            .iter()
            .find(|choice| choice.index == Some(0))
            .or(self.choices.first())
    }

    /// The text of the first choice.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.first_choice()?.text()
    }

    /// The function calls of the first choice.
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.first_choice()
            .map(ChatCompletionChoice::tool_calls)
            .unwrap_or_default()
    }

    /// The first choice's text parsed as `T` (structured output).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        self.first_choice().ok_or(AnswerError::NoText)?.parse()
    }
}

// ---- Claude

#[cfg(feature = "claude")]
impl ClaudeMessagesResponse {
    /// The text blocks joined (`None` when there is none).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        join(self.content.iter().filter_map(|block| match block {
            ClaudeContentBlock::Text(block) => Some(block.text.as_str()),
            _ => None,
        }))
    }

    /// The thinking blocks joined (`None` when there is none; redacted thinking has no text).
    pub fn thinking(&self) -> Option<Cow<'_, str>> {
        join(self.content.iter().filter_map(|block| match block {
            ClaudeContentBlock::Thinking(block) => block.thinking.as_deref(),
            _ => None,
        }))
    }

    /// The `tool_use` blocks: the calls for the client to run (server tools run on Anthropic's side and
    /// are not included).
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.content
            .iter()
            .filter_map(|block| match block {
                // Blocks that gateways of mid-2025 translated from OpenAI-compatible answers may lack `id`,
                // `name` or `input`: no id, an empty name, no arguments (`{}`).
                ClaudeContentBlock::ToolUse(block) => Some(ToolCall {
                    id: block.id.as_deref(),
                    name: block.name.as_deref().unwrap_or_default(),
                    arguments: block.input.as_ref().map_or(Arguments::Text("{}"), Arguments::Value),
                }),
                _ => None,
            })
            .collect()
    }

    /// The text parsed as `T` (structured output). A `refusal` stop reason is [`AnswerError::Refusal`]
    /// with the text given.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        let text = self.text();
        if self.stop_reason == Some(ClaudeStopReason::Refusal) {
            let words = text.as_deref().unwrap_or("the model declined to answer");
            return Err(AnswerError::Refusal(words.to_owned()));
        }
        parse_text(text, None)
    }
}

// ---- Responses

#[cfg(feature = "responses")]
impl ResponsesResponse {
    /// The text of every `output_text` part of the output's messages, joined, as the official SDK's
    /// `output_text` (which most servers do not send): `""` when there is none. The `output_text` member
    /// is used only when the output has no message text.
    pub fn output_text(&self) -> String {
        self.text().map(Cow::into_owned).unwrap_or_default()
    }

    /// The output text (see [`output_text`](Self::output_text)); `None` when there is none.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        join(self.message_parts().filter_map(|part| match part {
            ResponsesOutputContent::OutputText(part) => Some(part.text.as_str()),
            _ => None,
        }))
        .or(self.output_text.as_deref().map(Cow::Borrowed))
    }

    /// The refusals of the output's messages joined (`None` when the model did not refuse).
    pub fn refusal(&self) -> Option<Cow<'_, str>> {
        join(self.message_parts().filter_map(|part| match part {
            ResponsesOutputContent::Refusal(part) => Some(part.refusal.as_str()),
            _ => None,
        }))
    }

    /// The `function_call` items of the output.
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.output
            .iter()
            .filter_map(|item| match item {
                ResponsesOutputItem::FunctionCall(call) => Some(ToolCall {
                    id: Some(&call.call_id),
                    name: &call.name,
                    arguments: Arguments::Text(call.arguments.as_deref().unwrap_or("{}")),
                }),
                _ => None,
            })
            .collect()
    }

    /// The output text parsed as `T` (structured output). A refusal is [`AnswerError::Refusal`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        let refusal = self.refusal();
        parse_text(self.text(), refusal.as_deref())
    }

    fn message_parts(&self) -> impl Iterator<Item = &ResponsesOutputContent> {
        self.output
            .iter()
            .filter_map(|item| match item {
                ResponsesOutputItem::Message(message) => Some(&message.content),
                _ => None,
            })
            .flatten()
    }
}

// ---- Gemini

#[cfg(feature = "gemini")]
impl GeminiCandidate {
    /// The text of the parts that are not thoughts, joined.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.texts(false)
    }

    /// The thought summaries, joined (with `thinkingConfig.includeThoughts`).
    pub fn thoughts(&self) -> Option<Cow<'_, str>> {
        self.texts(true)
    }

    /// The `functionCall` parts.
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.parts()
            .filter_map(|part| part.function_call.as_ref())
            .map(|call| ToolCall {
                id: call.id.as_deref(),
                name: &call.name,
                arguments: Arguments::Object(&call.args),
            })
            .collect()
    }

    /// The text parsed as `T` (structured output).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        parse_text(self.text(), None)
    }

    fn parts(&self) -> impl Iterator<Item = &GeminiPart> {
        self.content.iter().flat_map(|content| &content.parts)
    }

    fn texts(&self, thought: bool) -> Option<Cow<'_, str>> {
        join(
            self.parts()
                .filter(|part| part.thought.unwrap_or(false) == thought)
                .filter_map(|part| part.text.as_deref()),
        )
    }
}

#[cfg(feature = "gemini")]
impl GeminiGenerateContentResponse {
    /// The first candidate (the one of index 0, or the first listed).
    pub fn first_candidate(&self) -> Option<&GeminiCandidate> {
        self.candidates
            .iter()
            .find(|candidate| candidate.index == Some(0))
            .or(self.candidates.first())
    }

    /// The text of the first candidate (thoughts left out).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.first_candidate()?.text()
    }

    /// The function calls of the first candidate.
    pub fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.first_candidate()
            .map(GeminiCandidate::tool_calls)
            .unwrap_or_default()
    }

    /// The first candidate's text parsed as `T` (structured output). A prompt blocked before any candidate
    /// is [`AnswerError::Refusal`] with the block reason.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AnswerError> {
        match self.first_candidate() {
            Some(candidate) => candidate.parse(),
            None => match self
                .prompt_feedback
                .as_ref()
                .and_then(|feedback| feedback.block_reason.as_ref())
            {
                Some(reason) => Err(AnswerError::Refusal(format!("the prompt was blocked ({reason})"))),
                None => Err(AnswerError::NoText),
            },
        }
    }
}
