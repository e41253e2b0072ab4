//! The stream events a whole answer stands for. A channel that ignores the stream flag answers a stream
//! request with the whole JSON answer; the client turns it into the events the dialect would have streamed,
//! so code reading the stream (accumulators, the CLI) works unchanged.

/// A whole answer of an operation that can also stream: its events, in the order the dialect streams them.
pub trait WholeAnswer: serde::de::DeserializeOwned {
    /// The type of one stream event.
    type Event;

    /// The events a stream of this answer carries (text and arguments each in one piece).
    fn into_events(self) -> Vec<Self::Event>;
}

#[cfg(feature = "openai-chat")]
mod chat {
    use allmhub_types::{
        ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionDelta, ChatCompletionResponse, ChatContentPart,
        ChatFunctionCallDelta, ChatMessageContent, ChatToolCall, ChatToolCallChunk,
    };

    impl super::WholeAnswer for ChatCompletionResponse {
        type Event = ChatCompletionChunk;

        /// One chunk per choice carrying its whole message as the delta, with its finish reason; usage rides
        /// on a last chunk without choices, as `stream_options.include_usage` streams send it.
        fn into_events(self) -> Vec<ChatCompletionChunk> {
            let ChatCompletionResponse {
                id,
                created,
                model,
                system_fingerprint,
                choices,
                usage,
                service_tier,
                ..
            } = self;
            let chunk = |choices: Vec<ChatCompletionChunkChoice>| {
                let mut chunk = ChatCompletionChunk::new(id.clone(), created, model.clone(), choices);
                chunk.system_fingerprint.clone_from(&system_fingerprint);
                chunk.service_tier.clone_from(&service_tier);
                chunk
            };
            let mut events: Vec<ChatCompletionChunk> = choices
                .into_iter()
                .enumerate()
                .map(|(position, choice)| {
                    let message = choice.message;
                    let mut delta = ChatCompletionDelta {
                        role: Some(message.role),
                        content: message.content.map(text_of),
                        reasoning_content: message.reasoning_content,
                        reasoning: message.reasoning,
                        refusal: message.refusal,
                        annotations: message.annotations,
                        audio: message.audio,
                        ..ChatCompletionDelta::default()
                    };
                    delta.tool_calls = message.tool_calls.map(|calls| {
                        calls
                            .into_iter()
                            .enumerate()
                            .map(|(index, call)| tool_call_chunk(index, call))
                            .collect()
                    });
                    delta.function_call = message.function_call.map(|call| ChatFunctionCallDelta {
                        name: Some(call.name),
                        arguments: Some(call.arguments),
                    });
                    let mut out = ChatCompletionChunkChoice::new(delta);
                    out.index = Some(choice.index.unwrap_or(position as i64));
                    out.finish_reason = choice.finish_reason;
                    out.logprobs = choice.logprobs;
                    out
                })
                .map(|choice| chunk(vec![choice]))
                .collect();
            if usage.is_some() {
                let mut last = chunk(Vec::new());
                last.usage = usage;
                events.push(last);
            }
            events
        }
    }

    /// Answers carry text; content parts (a gateway echoing the request's shape) are joined to their text.
    fn text_of(content: ChatMessageContent) -> String {
        match content {
            ChatMessageContent::Text(text) => text,
            ChatMessageContent::Parts(parts) => parts
                .iter()
                .filter_map(|part| match part {
                    ChatContentPart::Text(part) => Some(part.text.as_str()),
                    _ => None,
                })
                .collect(),
        }
    }

    fn tool_call_chunk(index: usize, call: ChatToolCall) -> ChatToolCallChunk {
        let mut chunk = ChatToolCallChunk {
            index: Some(index as i64),
            type_: Some(call.tag().to_owned()),
            ..ChatToolCallChunk::default()
        };
        match call {
            ChatToolCall::Function(call) => {
                chunk.id = call.id;
                chunk.function = Some(ChatFunctionCallDelta {
                    name: Some(call.function.name),
                    arguments: Some(call.function.arguments),
                });
            }
            ChatToolCall::Custom(call) => {
                chunk.id = call.id;
                if let Ok(serde_json::Value::Object(custom)) = serde_json::to_value(&call.custom) {
                    chunk.custom = custom;
                }
            }
            // A kind this version does not know: its members as they are, but for the tag already set.
            ChatToolCall::Unknown(serde_json::Value::Object(mut members)) => {
                members.remove("type");
                chunk.id = members.remove("id").and_then(|id| id.as_str().map(str::to_owned));
                chunk.custom = members;
            }
            // Any other shape (a kind of a later version without members): the tag alone.
            _ => {}
        }
        chunk
    }
}

#[cfg(feature = "claude")]
mod claude {
    use allmhub_types::{
        ClaudeCitationsDelta, ClaudeContentBlock, ClaudeContentBlockDelta, ClaudeContentBlockDeltaEvent,
        ClaudeContentBlockStartEvent, ClaudeContentBlockStopEvent, ClaudeInputJsonDelta, ClaudeMessageDelta,
        ClaudeMessageDeltaEvent, ClaudeMessageDeltaUsage, ClaudeMessageStartEvent, ClaudeMessageStopEvent,
        ClaudeMessagesResponse, ClaudeSignatureDelta, ClaudeStreamEvent, ClaudeTextDelta, ClaudeThinkingDelta,
    };

    impl super::WholeAnswer for ClaudeMessagesResponse {
        type Event = ClaudeStreamEvent;

        /// `message_start` (the message without content), for each block a start, its deltas and a stop,
        /// `message_delta` with the stop reason and usage, and `message_stop`.
        fn into_events(self) -> Vec<ClaudeStreamEvent> {
            let mut start = self.clone();
            start.content = Vec::new();
            start.stop_reason = None;
            start.stop_sequence = None;
            let mut events = vec![ClaudeStreamEvent::MessageStart(ClaudeMessageStartEvent::new(start))];
            for (index, block) in self.content.into_iter().enumerate() {
                let index = index as i64;
                let (opening, deltas) = split_block(block);
                events.push(ClaudeStreamEvent::ContentBlockStart(ClaudeContentBlockStartEvent::new(
                    index, opening,
                )));
                events.extend(deltas.into_iter().map(|delta| {
                    ClaudeStreamEvent::ContentBlockDelta(ClaudeContentBlockDeltaEvent::new(index, delta))
                }));
                events.push(ClaudeStreamEvent::ContentBlockStop(ClaudeContentBlockStopEvent::new(
                    index,
                )));
            }
            let mut delta = ClaudeMessageDeltaEvent::new(ClaudeMessageDelta {
                stop_reason: self.stop_reason,
                stop_sequence: self.stop_sequence,
                container: self.container,
            });
            delta.usage = self.usage.map(|usage| {
                let value = serde_json::to_value(&usage).unwrap_or_default();
                serde_json::from_value(value).unwrap_or_else(|_| ClaudeMessageDeltaUsage::new(usage.output_tokens))
            });
            events.push(ClaudeStreamEvent::MessageDelta(delta));
            events.push(ClaudeStreamEvent::MessageStop(ClaudeMessageStopEvent {}));
            events
        }
    }

    /// A block as it opens in a stream, and the deltas that complete it.
    fn split_block(block: ClaudeContentBlock) -> (ClaudeContentBlock, Vec<ClaudeContentBlockDelta>) {
        match block {
            ClaudeContentBlock::Text(mut text) => {
                let mut deltas = vec![ClaudeContentBlockDelta::TextDelta(ClaudeTextDelta::new(
                    std::mem::take(&mut text.text),
                ))];
                if let Some(citations) = text.citations.take() {
                    deltas.extend(
                        citations.into_iter().map(|citation| {
                            ClaudeContentBlockDelta::CitationsDelta(ClaudeCitationsDelta::new(citation))
                        }),
                    );
                }
                (ClaudeContentBlock::Text(text), deltas)
            }
            ClaudeContentBlock::Thinking(mut thinking) => {
                let mut deltas = Vec::new();
                if let Some(text) = thinking.thinking.replace(String::new()) {
                    deltas.push(ClaudeContentBlockDelta::ThinkingDelta(ClaudeThinkingDelta::new(text)));
                }
                if let Some(signature) = thinking.signature.replace(String::new()) {
                    deltas.push(ClaudeContentBlockDelta::SignatureDelta(ClaudeSignatureDelta::new(
                        signature,
                    )));
                }
                (ClaudeContentBlock::Thinking(thinking), deltas)
            }
            ClaudeContentBlock::ToolUse(mut tool) => {
                let input = std::mem::replace(&mut tool.input, serde_json::Value::Object(Default::default()));
                let delta = ClaudeContentBlockDelta::InputJsonDelta(ClaudeInputJsonDelta::new(input.to_string()));
                (ClaudeContentBlock::ToolUse(tool), vec![delta])
            }
            ClaudeContentBlock::ServerToolUse(mut tool) => {
                let input = std::mem::take(&mut tool.input);
                let delta = ClaudeContentBlockDelta::InputJsonDelta(ClaudeInputJsonDelta::new(
                    serde_json::Value::Object(input).to_string(),
                ));
                (ClaudeContentBlock::ServerToolUse(tool), vec![delta])
            }
            // Result blocks and kinds this version does not know open whole, as the API streams them.
            other => (other, Vec::new()),
        }
    }
}

#[cfg(feature = "responses")]
mod responses {
    use allmhub_types::{ResponsesResponse, ResponsesStatus, ResponsesStreamEvent, ResponsesStreamLifecycleEvent};

    impl super::WholeAnswer for ResponsesResponse {
        type Event = ResponsesStreamEvent;

        /// `response.created` (no output yet), then the event that ends the response with all of it:
        /// `response.completed`, `response.incomplete` or `response.failed` after its status.
        fn into_events(self) -> Vec<ResponsesStreamEvent> {
            let mut created = self.clone();
            created.output = Vec::new();
            created.output_text = None;
            created.status = Some(ResponsesStatus::InProgress);
            let end = match self.status {
                Some(ResponsesStatus::Failed) => ResponsesStreamEvent::ResponseFailed,
                Some(ResponsesStatus::Incomplete) => ResponsesStreamEvent::ResponseIncomplete,
                _ => ResponsesStreamEvent::ResponseCompleted,
            };
            let mut first = ResponsesStreamLifecycleEvent::new(created);
            first.sequence_number = Some(0);
            let mut last = ResponsesStreamLifecycleEvent::new(self);
            last.sequence_number = Some(1);
            vec![ResponsesStreamEvent::ResponseCreated(first), end(last)]
        }
    }
}
