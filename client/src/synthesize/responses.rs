//! Responses API response → `ResponsesStreamEvent`s.

use allmhub_types::{
    ResponsesCodeInterpreterCall, ResponsesContentReasoningText, ResponsesCustomToolCall, ResponsesFunctionCall,
    ResponsesItemStatus, ResponsesOutputContent, ResponsesOutputItem, ResponsesOutputMessage, ResponsesOutputText,
    ResponsesReasoningItem, ResponsesReasoningText, ResponsesRefusal, ResponsesResponse, ResponsesStatus,
    ResponsesStreamAnnotationAddedEvent, ResponsesStreamCodeInterpreterCodeDoneEvent, ResponsesStreamContentPartEvent,
    ResponsesStreamCustomToolCallInputDoneEvent, ResponsesStreamEvent, ResponsesStreamFunctionCallArgumentsDeltaEvent,
    ResponsesStreamFunctionCallArgumentsDoneEvent, ResponsesStreamLifecycleEvent, ResponsesStreamOutputItemEvent,
    ResponsesStreamReasoningSummaryPartEvent, ResponsesStreamReasoningSummaryTextDeltaEvent,
    ResponsesStreamReasoningSummaryTextDoneEvent, ResponsesStreamReasoningTextDeltaEvent,
    ResponsesStreamReasoningTextDoneEvent, ResponsesStreamRefusalDeltaEvent, ResponsesStreamRefusalDoneEvent,
    ResponsesStreamTextDeltaEvent, ResponsesStreamTextDoneEvent, ResponsesStreamToolInputDeltaEvent,
    ResponsesSummaryText,
};
use serde_json::Value;

use super::{Cutter, Split, spread};

/// The events a stream of `response` would carry, numbered by `sequence_number`: `response.created` and
/// `response.in_progress` with a snapshot (status `in_progress`, no output, no usage), then per output item
/// `response.output_item.added` (the item with its status `in_progress` and its streamed text emptied),
/// its content parts (`content_part.added`, `output_text.delta`s with their log probabilities,
/// `output_text.annotation.added`s, `output_text.done`, `content_part.done`; refusals and reasoning text
/// alike), reasoning summaries (`reasoning_summary_part.added`, `reasoning_summary_text.delta`s, `.done`s),
/// function-call arguments, custom-tool input and interpreter code as deltas, and
/// `response.output_item.done` with the whole item; last `response.completed` (`response.incomplete` or
/// `response.failed` for those statuses) with the whole response.
///
/// Items that stream nothing but status (web search, file search, image generation, MCP, computer and
/// shell calls, items this version does not know) arrive whole in `output_item.added`.
pub fn responses_events(response: &ResponsesResponse, split: &Split) -> Vec<ResponsesStreamEvent> {
    let mut out = Events {
        cutter: Cutter::new(split),
        events: Vec::new(),
        sequence: 0,
    };
    let snapshot = ResponsesResponse {
        status: response.status.as_ref().map(|_| ResponsesStatus::InProgress),
        completed_at: None,
        error: None,
        incomplete_details: None,
        output: Vec::new(),
        output_text: None,
        usage: None,
        ..response.clone()
    };
    let lifecycle = |sequence_number, response: &ResponsesResponse| ResponsesStreamLifecycleEvent {
        sequence_number: Some(sequence_number),
        response: response.clone(),
    };
    let sequence = out.next();
    out.events
        .push(ResponsesStreamEvent::ResponseCreated(lifecycle(sequence, &snapshot)));
    let sequence = out.next();
    out.events
        .push(ResponsesStreamEvent::ResponseInProgress(lifecycle(sequence, &snapshot)));
    for (index, item) in response.output.iter().enumerate() {
        out.item(index as i64, item);
    }
    let sequence = out.next();
    let end = lifecycle(sequence, response);
    out.events.push(match response.status {
        Some(ResponsesStatus::Incomplete) => ResponsesStreamEvent::ResponseIncomplete(end),
        Some(ResponsesStatus::Failed) => ResponsesStreamEvent::ResponseFailed(end),
        _ => ResponsesStreamEvent::ResponseCompleted(end),
    });
    out.events
}

struct Events<'s> {
    cutter: Cutter<'s>,
    events: Vec<ResponsesStreamEvent>,
    sequence: i64,
}

/// Where an event points: the item's position and id.
#[derive(Clone)]
struct At {
    output_index: i64,
    item_id: Option<String>,
}

fn in_progress(status: &Option<ResponsesItemStatus>) -> Option<ResponsesItemStatus> {
    status.as_ref().map(|_| ResponsesItemStatus::InProgress)
}

impl Events<'_> {
    fn next(&mut self) -> i64 {
        self.sequence += 1;
        self.sequence - 1
    }

    fn item(&mut self, output_index: i64, item: &ResponsesOutputItem) {
        let at = At {
            output_index,
            item_id: item_id(item).map(str::to_owned),
        };
        let added = match item {
            ResponsesOutputItem::Message(message) => ResponsesOutputItem::Message(ResponsesOutputMessage {
                status: in_progress(&message.status),
                content: Vec::new(),
                ..message.clone()
            }),
            ResponsesOutputItem::Reasoning(reasoning) => ResponsesOutputItem::Reasoning(ResponsesReasoningItem {
                status: in_progress(&reasoning.status),
                summary: reasoning.summary.as_ref().map(|_| Vec::new()),
                // Reasoning text has no part event: its entries come empty and fill by index.
                content: reasoning.content.as_ref().map(|content| {
                    content
                        .iter()
                        .map(|entry| ResponsesReasoningText {
                            text: String::new(),
                            ..entry.clone()
                        })
                        .collect()
                }),
                ..reasoning.clone()
            }),
            ResponsesOutputItem::FunctionCall(call) => ResponsesOutputItem::FunctionCall(ResponsesFunctionCall {
                status: in_progress(&call.status),
                arguments: call.arguments.as_ref().map(|_| String::new()),
                ..call.clone()
            }),
            ResponsesOutputItem::CustomToolCall(call) => ResponsesOutputItem::CustomToolCall(ResponsesCustomToolCall {
                input: call.input.as_ref().map(|_| String::new()),
                ..call.clone()
            }),
            ResponsesOutputItem::CodeInterpreterCall(call) => {
                ResponsesOutputItem::CodeInterpreterCall(ResponsesCodeInterpreterCall {
                    status: in_progress(&call.status),
                    code: call.code.as_ref().map(|_| String::new()),
                    ..call.clone()
                })
            }
            other => other.clone(),
        };
        let sequence = self.next();
        self.events.push(ResponsesStreamEvent::ResponseOutputItemAdded(
            ResponsesStreamOutputItemEvent {
                sequence_number: Some(sequence),
                output_index: Some(output_index),
                item: added,
            },
        ));
        match item {
            ResponsesOutputItem::Message(message) => {
                for (content_index, part) in message.content.iter().enumerate() {
                    self.content_part(&at, content_index as i64, part);
                }
            }
            ResponsesOutputItem::Reasoning(reasoning) => {
                for (summary_index, summary) in reasoning.summary.iter().flatten().enumerate() {
                    self.summary(&at, summary_index as i64, summary);
                }
                for (content_index, entry) in reasoning.content.iter().flatten().enumerate() {
                    self.reasoning_text(&at, content_index as i64, &entry.text);
                }
            }
            ResponsesOutputItem::FunctionCall(call) => {
                if let Some(arguments) = &call.arguments {
                    for piece in self.cutter.cut(arguments) {
                        let sequence = self.next();
                        self.events
                            .push(ResponsesStreamEvent::ResponseFunctionCallArgumentsDelta(
                                ResponsesStreamFunctionCallArgumentsDeltaEvent {
                                    sequence_number: Some(sequence),
                                    item_id: at.item_id.clone(),
                                    output_index: Some(at.output_index),
                                    call_id: Some(call.call_id.clone()),
                                    delta: piece.to_owned(),
                                    obfuscation: None,
                                },
                            ));
                    }
                    let sequence = self.next();
                    self.events
                        .push(ResponsesStreamEvent::ResponseFunctionCallArgumentsDone(
                            ResponsesStreamFunctionCallArgumentsDoneEvent {
                                sequence_number: Some(sequence),
                                item_id: at.item_id.clone(),
                                output_index: Some(at.output_index),
                                call_id: Some(call.call_id.clone()),
                                name: Some(call.name.clone()),
                                arguments: arguments.clone(),
                            },
                        ));
                }
            }
            ResponsesOutputItem::CustomToolCall(call) => {
                if let Some(input) = &call.input {
                    self.tool_input(&at, input, |event| {
                        ResponsesStreamEvent::ResponseCustomToolCallInputDelta(event)
                    });
                    let sequence = self.next();
                    self.events.push(ResponsesStreamEvent::ResponseCustomToolCallInputDone(
                        ResponsesStreamCustomToolCallInputDoneEvent {
                            sequence_number: Some(sequence),
                            item_id: at.item_id.clone(),
                            output_index: Some(at.output_index),
                            input: input.clone(),
                        },
                    ));
                }
            }
            ResponsesOutputItem::CodeInterpreterCall(call) => {
                if let Some(code) = &call.code {
                    self.tool_input(&at, code, |event| {
                        ResponsesStreamEvent::ResponseCodeInterpreterCallCodeDelta(event)
                    });
                    let sequence = self.next();
                    self.events
                        .push(ResponsesStreamEvent::ResponseCodeInterpreterCallCodeDone(
                            ResponsesStreamCodeInterpreterCodeDoneEvent {
                                sequence_number: Some(sequence),
                                item_id: at.item_id.clone(),
                                output_index: Some(at.output_index),
                                code: code.clone(),
                            },
                        ));
                }
            }
            _ => {}
        }
        let sequence = self.next();
        self.events.push(ResponsesStreamEvent::ResponseOutputItemDone(
            ResponsesStreamOutputItemEvent {
                sequence_number: Some(sequence),
                output_index: Some(output_index),
                item: item.clone(),
            },
        ));
    }

    fn tool_input(
        &mut self,
        at: &At,
        text: &str,
        event: impl Fn(ResponsesStreamToolInputDeltaEvent) -> ResponsesStreamEvent,
    ) {
        for piece in self.cutter.cut(text) {
            let sequence = self.next();
            self.events.push(event(ResponsesStreamToolInputDeltaEvent {
                sequence_number: Some(sequence),
                item_id: at.item_id.clone(),
                output_index: Some(at.output_index),
                delta: piece.to_owned(),
                obfuscation: None,
            }));
        }
    }

    fn part_event(
        &mut self,
        at: &At,
        content_index: i64,
        part: ResponsesOutputContent,
    ) -> ResponsesStreamContentPartEvent {
        ResponsesStreamContentPartEvent {
            sequence_number: Some(self.next()),
            item_id: at.item_id.clone(),
            output_index: Some(at.output_index),
            content_index: Some(content_index),
            part,
        }
    }

    fn content_part(&mut self, at: &At, content_index: i64, part: &ResponsesOutputContent) {
        let empty = match part {
            ResponsesOutputContent::OutputText(text) => ResponsesOutputContent::OutputText(ResponsesOutputText {
                text: String::new(),
                annotations: text.annotations.as_ref().map(|_| Vec::new()),
                logprobs: text.logprobs.as_ref().map(|_| Vec::new()),
            }),
            ResponsesOutputContent::Refusal(_) => {
                ResponsesOutputContent::Refusal(ResponsesRefusal { refusal: String::new() })
            }
            ResponsesOutputContent::ReasoningText(_) => {
                ResponsesOutputContent::ReasoningText(ResponsesContentReasoningText { text: String::new() })
            }
            other => other.clone(),
        };
        let added = self.part_event(at, content_index, empty);
        self.events.push(ResponsesStreamEvent::ResponseContentPartAdded(added));
        match part {
            ResponsesOutputContent::OutputText(text) => {
                let pieces = self.cutter.cut(&text.text);
                let logprobs = text.logprobs.as_ref().map(|logprobs| spread(logprobs, pieces.len()));
                for (number, piece) in pieces.into_iter().enumerate() {
                    let sequence = self.next();
                    self.events.push(ResponsesStreamEvent::ResponseOutputTextDelta(
                        ResponsesStreamTextDeltaEvent {
                            sequence_number: Some(sequence),
                            item_id: at.item_id.clone(),
                            output_index: Some(at.output_index),
                            content_index: Some(content_index),
                            delta: piece.to_owned(),
                            logprobs: logprobs.as_ref().map(|groups| groups[number].clone()),
                            obfuscation: None,
                        },
                    ));
                }
                for (annotation_index, annotation) in text.annotations.iter().flatten().enumerate() {
                    let sequence = self.next();
                    self.events
                        .push(ResponsesStreamEvent::ResponseOutputTextAnnotationAdded(
                            ResponsesStreamAnnotationAddedEvent {
                                sequence_number: Some(sequence),
                                item_id: at.item_id.clone(),
                                output_index: Some(at.output_index),
                                content_index: Some(content_index),
                                annotation_index: Some(annotation_index as i64),
                                annotation: annotation.clone(),
                            },
                        ));
                }
                let sequence = self.next();
                self.events.push(ResponsesStreamEvent::ResponseOutputTextDone(
                    ResponsesStreamTextDoneEvent {
                        sequence_number: Some(sequence),
                        item_id: at.item_id.clone(),
                        output_index: Some(at.output_index),
                        content_index: Some(content_index),
                        text: text.text.clone(),
                        logprobs: text.logprobs.clone(),
                    },
                ));
            }
            ResponsesOutputContent::Refusal(refusal) => {
                for piece in self.cutter.cut(&refusal.refusal) {
                    let sequence = self.next();
                    self.events.push(ResponsesStreamEvent::ResponseRefusalDelta(
                        ResponsesStreamRefusalDeltaEvent {
                            sequence_number: Some(sequence),
                            item_id: at.item_id.clone(),
                            output_index: Some(at.output_index),
                            content_index: Some(content_index),
                            delta: piece.to_owned(),
                        },
                    ));
                }
                let sequence = self.next();
                self.events.push(ResponsesStreamEvent::ResponseRefusalDone(
                    ResponsesStreamRefusalDoneEvent {
                        sequence_number: Some(sequence),
                        item_id: at.item_id.clone(),
                        output_index: Some(at.output_index),
                        content_index: Some(content_index),
                        refusal: refusal.refusal.clone(),
                    },
                ));
            }
            ResponsesOutputContent::ReasoningText(reasoning) => {
                self.reasoning_text(at, content_index, &reasoning.text);
            }
            _ => {}
        }
        let done = self.part_event(at, content_index, part.clone());
        self.events.push(ResponsesStreamEvent::ResponseContentPartDone(done));
    }

    fn reasoning_text(&mut self, at: &At, content_index: i64, text: &str) {
        for piece in self.cutter.cut(text) {
            let sequence = self.next();
            self.events.push(ResponsesStreamEvent::ResponseReasoningTextDelta(
                ResponsesStreamReasoningTextDeltaEvent {
                    sequence_number: Some(sequence),
                    item_id: at.item_id.clone(),
                    output_index: Some(at.output_index),
                    content_index: Some(content_index),
                    delta: piece.to_owned(),
                },
            ));
        }
        let sequence = self.next();
        self.events.push(ResponsesStreamEvent::ResponseReasoningTextDone(
            ResponsesStreamReasoningTextDoneEvent {
                sequence_number: Some(sequence),
                item_id: at.item_id.clone(),
                output_index: Some(at.output_index),
                content_index: Some(content_index),
                text: text.to_owned(),
            },
        ));
    }

    fn summary(&mut self, at: &At, summary_index: i64, summary: &ResponsesSummaryText) {
        let part = |sequence, part: ResponsesSummaryText| ResponsesStreamReasoningSummaryPartEvent {
            sequence_number: Some(sequence),
            item_id: at.item_id.clone(),
            output_index: Some(at.output_index),
            summary_index: Some(summary_index),
            part,
        };
        let sequence = self.next();
        self.events
            .push(ResponsesStreamEvent::ResponseReasoningSummaryPartAdded(part(
                sequence,
                ResponsesSummaryText {
                    text: String::new(),
                    ..summary.clone()
                },
            )));
        for piece in self.cutter.cut(&summary.text) {
            let sequence = self.next();
            self.events
                .push(ResponsesStreamEvent::ResponseReasoningSummaryTextDelta(
                    ResponsesStreamReasoningSummaryTextDeltaEvent {
                        sequence_number: Some(sequence),
                        item_id: at.item_id.clone(),
                        output_index: Some(at.output_index),
                        summary_index: Some(summary_index),
                        delta: piece.to_owned(),
                    },
                ));
        }
        let sequence = self.next();
        self.events.push(ResponsesStreamEvent::ResponseReasoningSummaryTextDone(
            ResponsesStreamReasoningSummaryTextDoneEvent {
                sequence_number: Some(sequence),
                item_id: at.item_id.clone(),
                output_index: Some(at.output_index),
                summary_index: Some(summary_index),
                text: summary.text.clone(),
            },
        ));
        let sequence = self.next();
        self.events
            .push(ResponsesStreamEvent::ResponseReasoningSummaryPartDone(part(
                sequence,
                summary.clone(),
            )));
    }
}

/// The `id` of an output item, when it has one.
pub(crate) fn item_id(item: &ResponsesOutputItem) -> Option<&str> {
    match item {
        ResponsesOutputItem::Message(item) => item.id.as_deref(),
        ResponsesOutputItem::Reasoning(item) => item.id.as_deref(),
        ResponsesOutputItem::FunctionCall(item) => item.id.as_deref(),
        ResponsesOutputItem::WebSearchCall(item) => item.id.as_deref(),
        ResponsesOutputItem::FileSearchCall(item) => item.id.as_deref(),
        ResponsesOutputItem::ImageGenerationCall(item) => item.id.as_deref(),
        ResponsesOutputItem::CodeInterpreterCall(item) => item.id.as_deref(),
        ResponsesOutputItem::McpCall(item) => item.id.as_deref(),
        ResponsesOutputItem::McpListTools(item) => item.id.as_deref(),
        ResponsesOutputItem::McpApprovalRequest(item) => item.id.as_deref(),
        ResponsesOutputItem::CustomToolCall(item) => item.id.as_deref(),
        ResponsesOutputItem::LocalShellCall(item) => item.id.as_deref(),
        ResponsesOutputItem::ComputerCall(item) => item.id.as_deref(),
        ResponsesOutputItem::Unknown(value) => value.get("id").and_then(Value::as_str),
        _ => None,
    }
}
