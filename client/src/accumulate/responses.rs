//! Responses events → the response.

use std::borrow::Cow;

use allmhub_types::{
    ResponsesContentReasoningText, ResponsesItemStatus, ResponsesOutputContent, ResponsesOutputItem,
    ResponsesOutputMessage, ResponsesOutputText, ResponsesReasoningText, ResponsesRefusal, ResponsesResponse,
    ResponsesStreamEvent, ResponsesSummaryText,
};
use serde_json::Value;

use super::{Accumulator, StreamEvent, append, empty_stream, error_event};
use crate::Error;
use crate::synthesize::item_id;

/// Folds `ResponsesStreamEvent`s into the final response: the response of `response.completed`
/// (`response.incomplete`, `response.failed`) when the stream has one, with the output assembled from the
/// events if that response lists none; otherwise — a gateway that never sends it — the last snapshot
/// (`response.created`, `response.in_progress`) with the output assembled from `output_item`,
/// `content_part`, text, refusal, reasoning, annotation, function-call-argument, custom-tool-input and
/// interpreter-code events; tool status events update the item's status.
///
/// The assembled response says what the gateway said: without a final event its status stays the
/// snapshot's (`in_progress`), and items without `output_item.done` keep the status they were added with. A
/// failed or incomplete response is still the answer (check its `status`, `error` and
/// `incomplete_details`); only an `error` event is an error.
#[derive(Clone, Debug)]
pub struct ResponsesAccumulator {
    response: ResponsesResponse,
    /// Per item of `response.output`: its `output_index` on the wire, when it had one.
    items: Vec<Option<i64>>,
    /// A final event (`response.completed` and friends) arrived.
    ended: bool,
    events: usize,
}

impl Default for ResponsesAccumulator {
    fn default() -> Self {
        ResponsesAccumulator {
            response: ResponsesResponse::new("", Vec::new()),
            items: Vec::new(),
            ended: false,
            events: 0,
        }
    }
}

/// Where an event points in the output.
struct Target<'e> {
    output_index: Option<i64>,
    item_id: Option<&'e str>,
}

impl ResponsesAccumulator {
    /// An accumulator that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one event. Fails on an `error` event ([`Error::Api`]).
    pub fn push(&mut self, event: &ResponsesStreamEvent) -> Result<(), Error> {
        use ResponsesStreamEvent as E;
        self.events += 1;
        match event {
            // Snapshots before the end; after it they change nothing (the wildcard arm below).
            E::ResponseCreated(event) | E::ResponseInProgress(event) | E::ResponseQueued(event) if !self.ended => {
                self.replace(&event.response, false);
            }
            E::ResponseCompleted(event) | E::ResponseIncomplete(event) | E::ResponseFailed(event) => {
                self.replace(&event.response, true);
                self.ended = true;
            }
            E::ResponseOutputItemAdded(event) | E::ResponseOutputItemDone(event) => {
                let position = self.find(&Target {
                    output_index: event.output_index,
                    item_id: item_id(&event.item),
                });
                match position {
                    Some(position) => self.response.output[position] = event.item.clone(),
                    None => {
                        self.response.output.push(event.item.clone());
                        self.items.push(event.output_index);
                    }
                }
            }
            E::ResponseContentPartAdded(event) | E::ResponseContentPartDone(event) => {
                if let Some(message) = self.message(&target(event.output_index, &event.item_id)) {
                    let content_index = slot(event.content_index, message.content.len());
                    put(&mut message.content, content_index, event.part.clone());
                }
            }
            E::ResponseOutputTextDelta(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(ResponsesOutputContent::OutputText(part)) = self.part(&at, event.content_index, text_part) {
                    part.text.push_str(&event.delta);
                    if let Some(logprobs) = &event.logprobs {
                        part.logprobs
                            .get_or_insert_with(Vec::new)
                            .extend(logprobs.iter().cloned());
                    }
                }
            }
            E::ResponseOutputTextDone(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(ResponsesOutputContent::OutputText(part)) = self.part(&at, event.content_index, text_part) {
                    part.text.clone_from(&event.text);
                    if event.logprobs.is_some() {
                        part.logprobs.clone_from(&event.logprobs);
                    }
                }
            }
            E::ResponseOutputTextAnnotationAdded(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(ResponsesOutputContent::OutputText(part)) = self.part(&at, event.content_index, text_part) {
                    let annotations = part.annotations.get_or_insert_with(Vec::new);
                    let index = slot(event.annotation_index, annotations.len());
                    put(annotations, index, event.annotation.clone());
                }
            }
            E::ResponseRefusalDelta(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(ResponsesOutputContent::Refusal(part)) = self.part(&at, event.content_index, refusal_part) {
                    part.refusal.push_str(&event.delta);
                }
            }
            E::ResponseRefusalDone(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(ResponsesOutputContent::Refusal(part)) = self.part(&at, event.content_index, refusal_part) {
                    part.refusal.clone_from(&event.refusal);
                }
            }
            E::ResponseReasoningTextDelta(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(text) = self.reasoning_text(&at, event.content_index) {
                    text.push_str(&event.delta);
                }
            }
            E::ResponseReasoningTextDone(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(text) = self.reasoning_text(&at, event.content_index) {
                    text.clone_from(&event.text);
                }
            }
            E::ResponseReasoningSummaryPartAdded(event) | E::ResponseReasoningSummaryPartDone(event) => {
                if let Some(ResponsesOutputItem::Reasoning(item)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    let summary = item.summary.get_or_insert_with(Vec::new);
                    let index = slot(event.summary_index, summary.len());
                    put(summary, index, event.part.clone());
                }
            }
            E::ResponseReasoningSummaryTextDelta(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(summary) = self.summary(&at, event.summary_index) {
                    summary.text.push_str(&event.delta);
                }
            }
            E::ResponseReasoningSummaryTextDone(event) => {
                let at = target(event.output_index, &event.item_id);
                if let Some(summary) = self.summary(&at, event.summary_index) {
                    summary.text.clone_from(&event.text);
                }
            }
            E::ResponseFunctionCallArgumentsDelta(event) => {
                if let Some(ResponsesOutputItem::FunctionCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    append(&mut call.arguments, &event.delta);
                }
            }
            E::ResponseFunctionCallArgumentsDone(event) => {
                if let Some(ResponsesOutputItem::FunctionCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    call.arguments = Some(event.arguments.clone());
                    if let Some(name) = event.name.as_ref().filter(|_| call.name.is_empty()) {
                        call.name.clone_from(name);
                    }
                }
            }
            E::ResponseCustomToolCallInputDelta(event) => {
                if let Some(ResponsesOutputItem::CustomToolCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    append(&mut call.input, &event.delta);
                }
            }
            E::ResponseCustomToolCallInputDone(event) => {
                if let Some(ResponsesOutputItem::CustomToolCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    call.input = Some(event.input.clone());
                }
            }
            E::ResponseCodeInterpreterCallCodeDelta(event) => {
                if let Some(ResponsesOutputItem::CodeInterpreterCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    append(&mut call.code, &event.delta);
                }
            }
            E::ResponseCodeInterpreterCallCodeDone(event) => {
                if let Some(ResponsesOutputItem::CodeInterpreterCall(call)) =
                    self.item(&target(event.output_index, &event.item_id))
                {
                    call.code = Some(event.code.clone());
                }
            }
            E::ResponseMcpCallArgumentsDelta(event) => {
                if let Some(ResponsesOutputItem::McpCall(call)) = self.item(&target(event.output_index, &event.item_id))
                {
                    match &mut call.arguments {
                        Some(Value::String(arguments)) => arguments.push_str(&event.delta),
                        arguments => *arguments = Some(Value::String(event.delta.clone())),
                    }
                }
            }
            E::ResponseMcpCallArgumentsDone(event) => {
                if let Some(ResponsesOutputItem::McpCall(call)) = self.item(&target(event.output_index, &event.item_id))
                {
                    call.arguments = Some(Value::String(event.arguments.clone()));
                }
            }
            E::ResponseWebSearchCallInProgress(event)
            | E::ResponseFileSearchCallInProgress(event)
            | E::ResponseImageGenerationCallInProgress(event)
            | E::ResponseCodeInterpreterCallInProgress(event)
            | E::ResponseMcpCallInProgress(event)
            | E::ResponseMcpListToolsInProgress(event) => {
                self.set_status(
                    &target(event.output_index, &event.item_id),
                    ResponsesItemStatus::InProgress,
                );
            }
            E::ResponseWebSearchCallSearching(event) | E::ResponseFileSearchCallSearching(event) => {
                self.set_status(
                    &target(event.output_index, &event.item_id),
                    ResponsesItemStatus::Searching,
                );
            }
            E::ResponseImageGenerationCallGenerating(event) => {
                self.set_status(
                    &target(event.output_index, &event.item_id),
                    ResponsesItemStatus::Generating,
                );
            }
            E::ResponseCodeInterpreterCallInterpreting(event) => {
                self.set_status(
                    &target(event.output_index, &event.item_id),
                    ResponsesItemStatus::Interpreting,
                );
            }
            E::ResponseWebSearchCallCompleted(event)
            | E::ResponseFileSearchCallCompleted(event)
            | E::ResponseImageGenerationCallCompleted(event)
            | E::ResponseCodeInterpreterCallCompleted(event)
            | E::ResponseMcpCallCompleted(event)
            | E::ResponseMcpListToolsCompleted(event) => {
                self.set_status(
                    &target(event.output_index, &event.item_id),
                    ResponsesItemStatus::Completed,
                );
            }
            E::ResponseMcpCallFailed(event) | E::ResponseMcpListToolsFailed(event) => {
                self.set_status(&target(event.output_index, &event.item_id), ResponsesItemStatus::Failed);
            }
            E::Error(error) => return Err(error_event(error)),
            // Partial images are previews; the item's `result` comes whole with `output_item.done`.
            E::ResponseImageGenerationCallPartialImage(_) | E::Unknown(_) => {}
            // Events of a later version.
            _ => {}
        }
        Ok(())
    }

    /// The response so far, its output as far as it arrived.
    pub fn snapshot(&self) -> &ResponsesResponse {
        &self.response
    }

    /// The final response.
    pub fn finish(self) -> Result<ResponsesResponse, Error> {
        if self.events == 0 {
            return Err(empty_stream());
        }
        Ok(self.response)
    }

    /// Takes a snapshot's top-level members. Its output replaces the assembled one when it has items and is
    /// final or longer (snapshots before the end usually list none).
    fn replace(&mut self, snapshot: &ResponsesResponse, last: bool) {
        let assembled = std::mem::take(&mut self.response.output);
        let take_theirs = !snapshot.output.is_empty() && (last || snapshot.output.len() >= assembled.len());
        self.response = ResponsesResponse {
            output: Vec::new(),
            ..snapshot.clone()
        };
        if take_theirs {
            self.response.output = snapshot.output.clone();
            self.items = (0..snapshot.output.len() as i64).map(Some).collect();
        } else {
            self.response.output = assembled;
        }
    }

    /// The item an event points at: by `output_index`, else by `item_id`, else the last one.
    fn find(&self, at: &Target<'_>) -> Option<usize> {
        if let Some(index) = at.output_index {
            return self.items.iter().position(|known| *known == Some(index));
        }
        if let Some(id) = at.item_id {
            return self.response.output.iter().position(|item| item_id(item) == Some(id));
        }
        None
    }

    fn item(&mut self, at: &Target<'_>) -> Option<&mut ResponsesOutputItem> {
        let position = match self.find(at) {
            Some(position) => position,
            None if at.output_index.is_none() && at.item_id.is_none() => self.response.output.len().checked_sub(1)?,
            None => return None,
        };
        self.response.output.get_mut(position)
    }

    /// The message an event of its content points at; a missing `output_item.added` implies one.
    fn message(&mut self, at: &Target<'_>) -> Option<&mut ResponsesOutputMessage> {
        let exists = self.find(at).is_some() || (at.output_index.is_none() && at.item_id.is_none());
        if !exists || self.response.output.is_empty() {
            self.response
                .output
                .push(ResponsesOutputItem::Message(ResponsesOutputMessage {
                    id: at.item_id.map(str::to_owned),
                    role: Some("assistant".to_owned()),
                    status: None,
                    content: Vec::new(),
                    phase: None,
                }));
            self.items.push(at.output_index);
        }
        match self.item(at)? {
            ResponsesOutputItem::Message(message) => Some(message),
            _ => None,
        }
    }

    /// The content part an event points at, created by `empty` when the part event is missing.
    fn part(
        &mut self,
        at: &Target<'_>,
        content_index: Option<i64>,
        empty: fn() -> ResponsesOutputContent,
    ) -> Option<&mut ResponsesOutputContent> {
        let message = self.message(at)?;
        let index = match content_index {
            Some(index) => usize::try_from(index).ok()?,
            None => message.content.len().saturating_sub(1),
        };
        while message.content.len() <= index {
            message.content.push(empty());
        }
        message.content.get_mut(index)
    }

    /// The reasoning text an event points at: an entry of a reasoning item's `content`, or a reasoning part
    /// of a message.
    fn reasoning_text(&mut self, at: &Target<'_>, content_index: Option<i64>) -> Option<&mut String> {
        if let ResponsesOutputItem::Message(_) = self.item(at)? {
            return match self.part(at, content_index, reasoning_part)? {
                ResponsesOutputContent::ReasoningText(part) => Some(&mut part.text),
                _ => None,
            };
        }
        match self.item(at)? {
            ResponsesOutputItem::Reasoning(item) => {
                let content = item.content.get_or_insert_with(Vec::new);
                let index = slot(content_index, content.len().saturating_sub(1));
                while content.len() <= index {
                    content.push(ResponsesReasoningText {
                        type_: Some("reasoning_text".to_owned()),
                        text: String::new(),
                    });
                }
                Some(&mut content[index].text)
            }
            _ => None,
        }
    }

    fn summary(&mut self, at: &Target<'_>, summary_index: Option<i64>) -> Option<&mut ResponsesSummaryText> {
        let ResponsesOutputItem::Reasoning(item) = self.item(at)? else {
            return None;
        };
        let summary = item.summary.get_or_insert_with(Vec::new);
        let index = slot(summary_index, summary.len().saturating_sub(1));
        while summary.len() <= index {
            summary.push(ResponsesSummaryText {
                type_: Some("summary_text".to_owned()),
                text: String::new(),
            });
        }
        summary.get_mut(index)
    }

    fn set_status(&mut self, at: &Target<'_>, status: ResponsesItemStatus) {
        let status = Some(status);
        match self.item(at) {
            Some(ResponsesOutputItem::WebSearchCall(item)) => item.status = status,
            Some(ResponsesOutputItem::FileSearchCall(item)) => item.status = status,
            Some(ResponsesOutputItem::ImageGenerationCall(item)) => item.status = status,
            Some(ResponsesOutputItem::CodeInterpreterCall(item)) => item.status = status,
            Some(ResponsesOutputItem::McpCall(item)) => item.status = status,
            _ => {}
        }
    }
}

fn target(output_index: Option<i64>, item_id: &Option<String>) -> Target<'_> {
    Target {
        output_index,
        item_id: item_id.as_deref(),
    }
}

/// The position an event names, or `default` when it names none (or a negative one).
fn slot(index: Option<i64>, default: usize) -> usize {
    index.and_then(|index| usize::try_from(index).ok()).unwrap_or(default)
}

/// Puts `value` at `index`: replacing what is there, or appending (after gaps would be, at the end).
fn put<T>(list: &mut Vec<T>, index: usize, value: T) {
    match list.get_mut(index) {
        Some(slot) => *slot = value,
        None => list.push(value),
    }
}

fn text_part() -> ResponsesOutputContent {
    ResponsesOutputContent::OutputText(ResponsesOutputText {
        text: String::new(),
        annotations: None,
        logprobs: None,
    })
}

fn refusal_part() -> ResponsesOutputContent {
    ResponsesOutputContent::Refusal(ResponsesRefusal { refusal: String::new() })
}

fn reasoning_part() -> ResponsesOutputContent {
    ResponsesOutputContent::ReasoningText(ResponsesContentReasoningText { text: String::new() })
}

impl Accumulator for ResponsesAccumulator {
    type Event = ResponsesStreamEvent;
    type Output = ResponsesResponse;

    fn push(&mut self, event: &ResponsesStreamEvent) -> Result<(), Error> {
        ResponsesAccumulator::push(self, event)
    }

    fn snapshot(&self) -> &ResponsesResponse {
        ResponsesAccumulator::snapshot(self)
    }

    fn finish(self) -> Result<ResponsesResponse, Error> {
        ResponsesAccumulator::finish(self)
    }
}

impl StreamEvent for ResponsesStreamEvent {
    type Accumulator = ResponsesAccumulator;

    fn text_delta(&self) -> Option<Cow<'_, str>> {
        match self {
            ResponsesStreamEvent::ResponseOutputTextDelta(event) => Some(Cow::Borrowed(&event.delta)),
            _ => None,
        }
    }
}
