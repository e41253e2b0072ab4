//! Chat chunks → `ChatCompletionResponse`.

use std::borrow::Cow;

use allmhub_types::{
    ChatCompletionChoice, ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionResponse, ChatCustomToolCall,
    ChatCustomToolInput, ChatFunctionCall, ChatFunctionCallDelta, ChatFunctionToolCall, ChatLogprobs, ChatMessage,
    ChatMessageAudio, ChatMessageContent, ChatRole, ChatToolCall, ChatToolCallChunk,
};
use serde_json::Value;

use super::{Accumulator, StreamEvent, append, empty_stream, set_some};
use crate::Error;

/// Folds `ChatCompletionChunk`s into the `ChatCompletionResponse` a non-streamed call would have answered:
/// content, refusal and reasoning (`reasoning_content` and `reasoning`, each as sent) concatenated; tool
/// calls merged by `index` (a fragment without one joins the call with its `id`, or else the last call),
/// their argument fragments concatenated; log probabilities, annotations and audio appended; the last
/// finish reason, usage (often in a last chunk without choices), moderation, system fingerprint and service
/// tier; one choice per `index` (`n > 1`), in order of appearance.
#[derive(Clone, Debug)]
pub struct ChatAccumulator {
    answer: ChatCompletionResponse,
    /// Per choice of `answer`: its index on the wire and where its tool calls are.
    choices: Vec<ChoiceState>,
    events: usize,
}

#[derive(Clone, Debug, Default)]
struct ChoiceState {
    index: i64,
    /// The wire `index` (when it had one) of each tool call, in `tool_calls` order.
    tools: Vec<Option<i64>>,
}

impl Default for ChatAccumulator {
    fn default() -> Self {
        ChatAccumulator {
            answer: ChatCompletionResponse::new("", 0, "", Vec::new()),
            choices: Vec::new(),
            events: 0,
        }
    }
}

impl ChatAccumulator {
    /// An accumulator that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk. Never fails: chat chunks carry nothing that must parse.
    pub fn push(&mut self, chunk: &ChatCompletionChunk) -> Result<(), Error> {
        if self.events == 0 {
            self.answer.id.clone_from(&chunk.id);
            self.answer.created = chunk.created;
            self.answer.model.clone_from(&chunk.model);
        }
        self.events += 1;
        set_some(&mut self.answer.system_fingerprint, &chunk.system_fingerprint);
        set_some(&mut self.answer.service_tier, &chunk.service_tier);
        // A chunk holds these two boxed (few chunks carry them); the answer holds them inline.
        if let Some(usage) = chunk.usage.as_deref() {
            self.answer.usage = Some(usage.clone());
        }
        if let Some(moderation) = chunk.moderation.as_deref() {
            self.answer.moderation = Some(moderation.clone());
        }
        for (position, choice) in chunk.choices.iter().enumerate() {
            self.push_choice(choice.index.unwrap_or(position as i64), choice);
        }
        Ok(())
    }

    /// The answer so far: what a UI shows while the stream goes on (tool-call arguments as far as they
    /// arrived).
    pub fn snapshot(&self) -> &ChatCompletionResponse {
        &self.answer
    }

    /// The final answer.
    pub fn finish(self) -> Result<ChatCompletionResponse, Error> {
        if self.events == 0 {
            return Err(empty_stream());
        }
        Ok(self.answer)
    }

    fn push_choice(&mut self, index: i64, chunk: &ChatCompletionChunkChoice) {
        let position = match self.choices.iter().position(|state| state.index == index) {
            Some(position) => position,
            None => {
                self.choices.push(ChoiceState {
                    index,
                    tools: Vec::new(),
                });
                self.answer.choices.push(ChatCompletionChoice {
                    index: Some(index),
                    message: ChatMessage::new(ChatRole::Assistant),
                    finish_reason: None,
                    logprobs: None,
                });
                self.answer.choices.len() - 1
            }
        };
        let (choice, state) = (&mut self.answer.choices[position], &mut self.choices[position]);
        let delta = &chunk.delta;
        let message = &mut choice.message;
        if let Some(role) = &delta.role {
            message.role.clone_from(role);
        }
        if let Some(fragment) = &delta.content {
            match &mut message.content {
                Some(ChatMessageContent::Text(text)) => text.push_str(fragment),
                // Parts never come from a stream; a text fragment after them starts the text over.
                content => *content = Some(ChatMessageContent::Text(fragment.clone())),
            }
        }
        if let Some(fragment) = &delta.reasoning_content {
            append(&mut message.reasoning_content, fragment);
        }
        if let Some(fragment) = &delta.reasoning {
            append(&mut message.reasoning, fragment);
        }
        if let Some(fragment) = &delta.refusal {
            append(&mut message.refusal, fragment);
        }
        message.annotations.extend(delta.annotations.iter().cloned());
        if let Some(audio) = &delta.audio {
            merge_audio(&mut message.audio, audio);
        }
        if let Some(fragments) = &delta.tool_calls {
            let calls = message.tool_calls.get_or_insert_with(Vec::new);
            for fragment in fragments {
                merge_tool_call(calls, &mut state.tools, fragment);
            }
        }
        if let Some(fragment) = &delta.function_call {
            merge_function_call(&mut message.function_call, fragment);
        }
        if let Some(logprobs) = &chunk.logprobs {
            let merged = choice.logprobs.get_or_insert_with(ChatLogprobs::default);
            for (list, more) in [
                (&mut merged.content, &logprobs.content),
                (&mut merged.refusal, &logprobs.refusal),
            ] {
                if let Some(more) = more {
                    list.get_or_insert_with(Vec::new).extend(more.iter().cloned());
                }
            }
        }
        set_some(&mut choice.finish_reason, &chunk.finish_reason);
    }
}

fn merge_audio(audio: &mut Option<ChatMessageAudio>, fragment: &ChatMessageAudio) {
    let Some(audio) = audio else {
        *audio = Some(fragment.clone());
        return;
    };
    if audio.id.is_none() {
        audio.id.clone_from(&fragment.id);
    }
    if let Some(data) = &fragment.data {
        append(&mut audio.data, data);
    }
    if let Some(transcript) = &fragment.transcript {
        append(&mut audio.transcript, transcript);
    }
    set_some(&mut audio.expires_at, &fragment.expires_at);
}

fn merge_function_call(call: &mut Option<ChatFunctionCall>, fragment: &ChatFunctionCallDelta) {
    let call = call.get_or_insert_with(|| ChatFunctionCall::new("", ""));
    if let Some(name) = fragment.name.as_ref().filter(|_| call.name.is_empty()) {
        call.name.clone_from(name);
    }
    if let Some(arguments) = &fragment.arguments {
        call.arguments.push_str(arguments);
    }
}

/// Adds a tool-call fragment to the calls of a choice: to the call of its `index`, else to the call of its
/// `id`, else (no index, no id) to the last call; a fragment that matches none starts a call.
fn merge_tool_call(calls: &mut Vec<ChatToolCall>, wire: &mut Vec<Option<i64>>, fragment: &ChatToolCallChunk) {
    let found = match (fragment.index, fragment.id.as_deref()) {
        (Some(index), _) => wire.iter().position(|known| *known == Some(index)),
        (None, Some(id)) => calls.iter().position(|call| call_id(call) == Some(id)),
        (None, None) => calls.len().checked_sub(1),
    };
    let position = match found {
        Some(position) => position,
        None => {
            let custom = fragment.type_.as_deref() == Some("custom")
                || (fragment.function.is_none() && !fragment.custom.is_empty());
            calls.push(if custom {
                ChatToolCall::Custom(ChatCustomToolCall {
                    id: None,
                    custom: ChatCustomToolInput::new("", ""),
                })
            } else {
                ChatToolCall::Function(ChatFunctionToolCall {
                    id: None,
                    function: ChatFunctionCall::new("", ""),
                })
            });
            wire.push(fragment.index);
            calls.len() - 1
        }
    };
    match &mut calls[position] {
        ChatToolCall::Function(call) => {
            if call.id.is_none() {
                call.id.clone_from(&fragment.id);
            }
            if let Some(function) = &fragment.function {
                // Some channels repeat the whole name on every fragment: the first one counts.
                if let Some(name) = function.name.as_ref().filter(|_| call.function.name.is_empty()) {
                    call.function.name.clone_from(name);
                }
                if let Some(arguments) = &function.arguments {
                    call.function.arguments.push_str(arguments);
                }
            }
        }
        ChatToolCall::Custom(call) => {
            if call.id.is_none() {
                call.id.clone_from(&fragment.id);
            }
            if let Some(Value::String(name)) = fragment.custom.get("name").filter(|_| call.custom.name.is_empty()) {
                call.custom.name.clone_from(name);
            }
            if let Some(Value::String(input)) = fragment.custom.get("input") {
                call.custom.input.push_str(input);
            }
        }
        // A kind of a later version: nothing to merge into.
        _ => {}
    }
}

fn call_id(call: &ChatToolCall) -> Option<&str> {
    match call {
        ChatToolCall::Function(call) => call.id.as_deref(),
        ChatToolCall::Custom(call) => call.id.as_deref(),
        ChatToolCall::Unknown(value) => value.get("id").and_then(Value::as_str),
        _ => None,
    }
}

impl Accumulator for ChatAccumulator {
    type Event = ChatCompletionChunk;
    type Output = ChatCompletionResponse;

    fn push(&mut self, event: &ChatCompletionChunk) -> Result<(), Error> {
        ChatAccumulator::push(self, event)
    }

    fn snapshot(&self) -> &ChatCompletionResponse {
        ChatAccumulator::snapshot(self)
    }

    fn finish(self) -> Result<ChatCompletionResponse, Error> {
        ChatAccumulator::finish(self)
    }
}

impl StreamEvent for ChatCompletionChunk {
    type Accumulator = ChatAccumulator;

    fn text_delta(&self) -> Option<Cow<'_, str>> {
        self.choices
            .iter()
            .find(|choice| choice.index.unwrap_or(0) == 0)
            .and_then(|choice| choice.delta.content.as_deref())
            .map(Cow::Borrowed)
    }
}
