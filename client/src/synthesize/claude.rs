//! Claude message → `ClaudeStreamEvent`s.

use allmhub_types::{
    ClaudeCitationsDelta, ClaudeContentBlock, ClaudeContentBlockDelta, ClaudeContentBlockDeltaEvent,
    ClaudeContentBlockStartEvent, ClaudeContentBlockStopEvent, ClaudeInputJsonDelta, ClaudeMessageDelta,
    ClaudeMessageDeltaEvent, ClaudeMessageDeltaUsage, ClaudeMessageStartEvent, ClaudeMessageStopEvent,
    ClaudeMessagesResponse, ClaudeServerToolUseBlock, ClaudeSignatureDelta, ClaudeStreamEvent, ClaudeTextBlock,
    ClaudeTextDelta, ClaudeThinkingBlock, ClaudeThinkingDelta, ClaudeToolUseBlock, ClaudeUsage,
};
use serde_json::{Map, Value};

use super::{Cutter, Split};

/// The events a stream of `message` would carry: `message_start` (the message with no content, no stop
/// reason, and its usage with at most one output token), then per content block `content_block_start`
/// (text, thinking and tool blocks empty; other blocks whole), its deltas (`citations_delta` per citation,
/// `text_delta`, `thinking_delta`, `signature_delta`, `input_json_delta` with the tool input as JSON text)
/// and `content_block_stop`; then `message_delta` with the stop reason, stop sequence, container and the
/// final usage, and `message_stop`.
///
/// Everything a message holds survives the trip: the accumulator rebuilds it exactly (a tool input is
/// re-parsed from its JSON text, which keeps its value).
pub fn claude_events(message: &ClaudeMessagesResponse, split: &Split) -> Vec<ClaudeStreamEvent> {
    let mut cutter = Cutter::new(split);
    let start_usage = message.usage.as_ref().map(|usage| ClaudeUsage {
        output_tokens: usage.output_tokens.min(1),
        ..usage.clone()
    });
    let mut events = vec![ClaudeStreamEvent::MessageStart(ClaudeMessageStartEvent {
        message: ClaudeMessagesResponse {
            content: Vec::new(),
            stop_reason: None,
            stop_sequence: None,
            usage: start_usage,
            container: None,
            ..message.clone()
        },
    })];
    for (index, block) in message.content.iter().enumerate() {
        let index = index as i64;
        let (start, deltas) = block_events(block, &mut cutter);
        events.push(ClaudeStreamEvent::ContentBlockStart(ClaudeContentBlockStartEvent {
            index,
            content_block: start,
        }));
        events.extend(
            deltas
                .into_iter()
                .map(|delta| ClaudeStreamEvent::ContentBlockDelta(ClaudeContentBlockDeltaEvent { index, delta })),
        );
        events.push(ClaudeStreamEvent::ContentBlockStop(ClaudeContentBlockStopEvent {
            index,
        }));
    }
    events.push(ClaudeStreamEvent::MessageDelta(ClaudeMessageDeltaEvent {
        delta: ClaudeMessageDelta {
            stop_reason: message.stop_reason.clone(),
            stop_sequence: message.stop_sequence.clone(),
            container: message.container.clone(),
        },
        usage: message.usage.as_ref().map(|usage| ClaudeMessageDeltaUsage {
            output_tokens: usage.output_tokens,
            input_tokens: Some(usage.input_tokens),
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            server_tool_use: usage.server_tool_use.clone(),
            cache_creation: usage.cache_creation.clone(),
            claude_cache_creation_5_m_tokens: usage.claude_cache_creation_5_m_tokens,
            claude_cache_creation_1_h_tokens: usage.claude_cache_creation_1_h_tokens,
        }),
    }));
    events.push(ClaudeStreamEvent::MessageStop(ClaudeMessageStopEvent {}));
    events
}

/// The block as `content_block_start` carries it, and the deltas that complete it.
fn block_events(
    block: &ClaudeContentBlock,
    cutter: &mut Cutter<'_>,
) -> (ClaudeContentBlock, Vec<ClaudeContentBlockDelta>) {
    let mut deltas = Vec::new();
    let start = match block {
        ClaudeContentBlock::Text(text) => {
            for citation in text.citations.iter().flatten() {
                deltas.push(ClaudeContentBlockDelta::CitationsDelta(ClaudeCitationsDelta {
                    citation: citation.clone(),
                }));
            }
            deltas.extend(
                cutter
                    .cut(&text.text)
                    .into_iter()
                    .map(|piece| ClaudeContentBlockDelta::TextDelta(ClaudeTextDelta { text: piece.to_owned() })),
            );
            ClaudeContentBlock::Text(ClaudeTextBlock {
                text: String::new(),
                citations: text.citations.as_ref().map(|_| Vec::new()),
            })
        }
        ClaudeContentBlock::Thinking(thinking) => {
            for piece in thinking
                .thinking
                .as_deref()
                .map(|text| cutter.cut(text))
                .unwrap_or_default()
            {
                deltas.push(ClaudeContentBlockDelta::ThinkingDelta(ClaudeThinkingDelta {
                    thinking: piece.to_owned(),
                }));
            }
            if let Some(signature) = &thinking.signature {
                deltas.push(ClaudeContentBlockDelta::SignatureDelta(ClaudeSignatureDelta {
                    signature: signature.clone(),
                }));
            }
            ClaudeContentBlock::Thinking(ClaudeThinkingBlock {
                thinking: thinking.thinking.as_ref().map(|_| String::new()),
                signature: thinking.signature.as_ref().map(|_| String::new()),
            })
        }
        ClaudeContentBlock::ToolUse(tool) => {
            deltas.extend(input_deltas(&tool.input, cutter));
            ClaudeContentBlock::ToolUse(ClaudeToolUseBlock {
                input: Value::Object(Map::new()),
                ..tool.clone()
            })
        }
        ClaudeContentBlock::ServerToolUse(tool) => {
            deltas.extend(input_deltas(&Value::Object(tool.input.clone()), cutter));
            ClaudeContentBlock::ServerToolUse(ClaudeServerToolUseBlock {
                input: Map::new(),
                ..tool.clone()
            })
        }
        // Tool results, redacted thinking and blocks this version does not know arrive whole.
        other => other.clone(),
    };
    (start, deltas)
}

fn input_deltas(input: &Value, cutter: &mut Cutter<'_>) -> Vec<ClaudeContentBlockDelta> {
    let json = input.to_string();
    cutter
        .cut(&json)
        .into_iter()
        .map(|piece| {
            ClaudeContentBlockDelta::InputJsonDelta(ClaudeInputJsonDelta {
                partial_json: piece.to_owned(),
            })
        })
        .collect()
}
