//! Claude events → the message.

use std::borrow::Cow;

use allmhub_types::{
    ClaudeContentBlock, ClaudeContentBlockDelta, ClaudeMessageDeltaUsage, ClaudeMessagesResponse, ClaudeStreamEvent,
    ClaudeTextBlock, ClaudeThinkingBlock, ClaudeToolUseBlock, ClaudeUsage,
};
use serde_json::{Map, Value};

use super::{Accumulator, StreamEvent, append, empty_stream, error_event, json_error, set_some};
use crate::Error;

/// Folds `ClaudeStreamEvent`s into the message a non-streamed call would have answered: the message of
/// `message_start`; each content block from its `content_block_start`, completed by its deltas (text,
/// citations, thinking and signature, and `input_json_delta` fragments parsed into the tool's `input` when
/// the block stops); stop reason, stop sequence and container from `message_delta`, whose usage updates
/// the usage of `message_start`.
///
/// A tool input that is not valid JSON is an [`Error::Decode`] naming the block (`$.content[1].input`) and
/// keeping the text; the block keeps the input it started with and the rest of the message goes on.
#[derive(Clone, Debug)]
pub struct ClaudeAccumulator {
    message: ClaudeMessagesResponse,
    /// Per block of `message.content`: its index on the wire and its tool input's JSON so far.
    blocks: Vec<BlockState>,
    events: usize,
}

#[derive(Clone, Debug)]
struct BlockState {
    index: i64,
    json: String,
    /// The JSON is parsed into the block (or failed to): later deltas start it over.
    parsed: bool,
}

impl Default for ClaudeAccumulator {
    fn default() -> Self {
        ClaudeAccumulator {
            message: ClaudeMessagesResponse::new(),
            blocks: Vec::new(),
            events: 0,
        }
    }
}

impl ClaudeAccumulator {
    /// An accumulator that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one event. Fails on an `error` event ([`Error::Api`]) and when a tool block stops with input
    /// that is not JSON ([`Error::Decode`]).
    pub fn push(&mut self, event: &ClaudeStreamEvent) -> Result<(), Error> {
        let number = self.events;
        self.events += 1;
        match event {
            ClaudeStreamEvent::MessageStart(start) => {
                let content = std::mem::take(&mut self.message.content);
                self.message = start.message.clone();
                // Blocks that arrived before `message_start` (out of order) stay.
                if !content.is_empty() {
                    self.message.content = content;
                } else {
                    self.blocks = (0..self.message.content.len() as i64)
                        .map(|index| BlockState {
                            index,
                            json: String::new(),
                            parsed: true,
                        })
                        .collect();
                }
            }
            ClaudeStreamEvent::ContentBlockStart(start) => {
                let state = BlockState {
                    index: start.index,
                    json: String::new(),
                    parsed: false,
                };
                match self.position(start.index) {
                    Some(position) => {
                        self.message.content[position] = start.content_block.clone();
                        self.blocks[position] = state;
                    }
                    None => {
                        self.message.content.push(start.content_block.clone());
                        self.blocks.push(state);
                    }
                }
            }
            ClaudeStreamEvent::ContentBlockDelta(delta) => {
                let position = match self.position(delta.index) {
                    Some(position) => position,
                    // A delta without its block start: the block it implies.
                    None => {
                        self.message.content.push(implied_block(&delta.delta));
                        self.blocks.push(BlockState {
                            index: delta.index,
                            json: String::new(),
                            parsed: false,
                        });
                        self.message.content.len() - 1
                    }
                };
                let block = &mut self.message.content[position];
                match (&delta.delta, block) {
                    (ClaudeContentBlockDelta::TextDelta(delta), ClaudeContentBlock::Text(block)) => {
                        block.text.push_str(&delta.text);
                    }
                    (ClaudeContentBlockDelta::CitationsDelta(delta), ClaudeContentBlock::Text(block)) => {
                        block
                            .citations
                            .get_or_insert_with(Vec::new)
                            .push(delta.citation.clone());
                    }
                    (ClaudeContentBlockDelta::ThinkingDelta(delta), ClaudeContentBlock::Thinking(block)) => {
                        append(&mut block.thinking, &delta.thinking);
                    }
                    (ClaudeContentBlockDelta::SignatureDelta(delta), ClaudeContentBlock::Thinking(block)) => {
                        append(&mut block.signature, &delta.signature);
                    }
                    (ClaudeContentBlockDelta::InputJsonDelta(delta), _) => {
                        let state = &mut self.blocks[position];
                        if state.parsed {
                            state.json.clear();
                            state.parsed = false;
                        }
                        state.json.push_str(&delta.partial_json);
                    }
                    // A delta of another kind than its block, or of a kind this version does not know.
                    _ => {}
                }
            }
            ClaudeStreamEvent::ContentBlockStop(stop) => {
                if let Some(position) = self.position(stop.index) {
                    self.parse_input(position, number)?;
                }
            }
            ClaudeStreamEvent::MessageDelta(delta) => {
                set_some(&mut self.message.stop_reason, &delta.delta.stop_reason);
                set_some(&mut self.message.stop_sequence, &delta.delta.stop_sequence);
                set_some(&mut self.message.container, &delta.delta.container);
                if let Some(usage) = &delta.usage {
                    merge_usage(&mut self.message.usage, usage);
                }
            }
            ClaudeStreamEvent::Error(error) => return Err(error_event(error)),
            ClaudeStreamEvent::MessageStop(_) | ClaudeStreamEvent::Ping(_) | ClaudeStreamEvent::Unknown(_) => {}
            // Events of a later version.
            _ => {}
        }
        Ok(())
    }

    /// The message so far. A tool block's `input` is filled when the block stops; until then
    /// [`partial_json`](Self::partial_json) has what arrived of it.
    pub fn snapshot(&self) -> &ClaudeMessagesResponse {
        &self.message
    }

    /// The JSON text received so far for the tool input of the block with this wire `index`, while the block
    /// is open (or when it failed to parse).
    pub fn partial_json(&self, index: i64) -> Option<&str> {
        self.blocks
            .iter()
            .find(|state| state.index == index && (!state.parsed || !state.json.is_empty()))
            .map(|state| state.json.as_str())
    }

    /// The final message; tool inputs of blocks that never stopped are parsed now.
    pub fn finish(mut self) -> Result<ClaudeMessagesResponse, Error> {
        if self.events == 0 {
            return Err(empty_stream());
        }
        for position in 0..self.blocks.len() {
            if !self.blocks[position].parsed {
                self.parse_input(position, self.events)?;
            }
        }
        Ok(self.message)
    }

    fn position(&self, index: i64) -> Option<usize> {
        self.blocks.iter().position(|state| state.index == index)
    }

    /// Parses the JSON gathered for a tool block into its input; the text stays when it fails.
    fn parse_input(&mut self, position: usize, event: usize) -> Result<(), Error> {
        let state = &mut self.blocks[position];
        if state.parsed {
            return Ok(());
        }
        state.parsed = true;
        if state.json.trim().is_empty() {
            // No delta: the input is what the block started with.
            state.json.clear();
            return Ok(());
        }
        let path = format!("$.content[{position}].input");
        let parsed = serde_json::from_str::<Value>(&state.json);
        let (name, result) = match &mut self.message.content[position] {
            ClaudeContentBlock::ToolUse(block) => (
                block.name.clone().unwrap_or_default(),
                parsed
                    .map(|input| block.input = Some(input))
                    .map_err(|error| error.to_string()),
            ),
            ClaudeContentBlock::ServerToolUse(block) => (
                block.name.clone(),
                match parsed {
                    Ok(Value::Object(input)) => {
                        block.input = input;
                        Ok(())
                    }
                    Ok(other) => Err(format!("expected a JSON object, found {other}")),
                    Err(error) => Err(error.to_string()),
                },
            ),
            // Input for a block that takes none: nowhere to put it, nothing to check.
            _ => return Ok(()),
        };
        match result {
            Ok(()) => {
                state.json.clear();
                Ok(())
            }
            Err(message) => Err(json_error(
                path,
                format!(
                    "the input of tool `{name}` (block {}) is not valid JSON: {message}",
                    state.index
                ),
                &state.json,
                event,
            )),
        }
    }
}

/// The block a delta implies when its `content_block_start` is missing.
fn implied_block(delta: &ClaudeContentBlockDelta) -> ClaudeContentBlock {
    match delta {
        ClaudeContentBlockDelta::ThinkingDelta(_) | ClaudeContentBlockDelta::SignatureDelta(_) => {
            ClaudeContentBlock::Thinking(ClaudeThinkingBlock {
                thinking: None,
                signature: None,
            })
        }
        ClaudeContentBlockDelta::InputJsonDelta(_) => ClaudeContentBlock::ToolUse(ClaudeToolUseBlock {
            input: Some(Value::Object(Map::new())),
            ..ClaudeToolUseBlock::default()
        }),
        _ => ClaudeContentBlock::Text(ClaudeTextBlock {
            text: String::new(),
            citations: None,
        }),
    }
}

/// `message_delta` usage is cumulative: its counts replace those of `message_start`.
fn merge_usage(usage: &mut Option<ClaudeUsage>, delta: &ClaudeMessageDeltaUsage) {
    let usage = usage.get_or_insert_with(|| ClaudeUsage::new(0, 0));
    usage.output_tokens = delta.output_tokens;
    if let Some(input) = delta.input_tokens {
        usage.input_tokens = input;
    }
    set_some(
        &mut usage.cache_creation_input_tokens,
        &delta.cache_creation_input_tokens,
    );
    set_some(&mut usage.cache_read_input_tokens, &delta.cache_read_input_tokens);
    set_some(&mut usage.server_tool_use, &delta.server_tool_use);
    set_some(&mut usage.cache_creation, &delta.cache_creation);
    set_some(
        &mut usage.claude_cache_creation_5_m_tokens,
        &delta.claude_cache_creation_5_m_tokens,
    );
    set_some(
        &mut usage.claude_cache_creation_1_h_tokens,
        &delta.claude_cache_creation_1_h_tokens,
    );
}

impl Accumulator for ClaudeAccumulator {
    type Event = ClaudeStreamEvent;
    type Output = ClaudeMessagesResponse;

    fn push(&mut self, event: &ClaudeStreamEvent) -> Result<(), Error> {
        ClaudeAccumulator::push(self, event)
    }

    fn snapshot(&self) -> &ClaudeMessagesResponse {
        ClaudeAccumulator::snapshot(self)
    }

    fn finish(self) -> Result<ClaudeMessagesResponse, Error> {
        ClaudeAccumulator::finish(self)
    }
}

impl StreamEvent for ClaudeStreamEvent {
    type Accumulator = ClaudeAccumulator;

    fn text_delta(&self) -> Option<Cow<'_, str>> {
        match self {
            ClaudeStreamEvent::ContentBlockDelta(delta) => match &delta.delta {
                ClaudeContentBlockDelta::TextDelta(delta) => Some(Cow::Borrowed(&delta.text)),
                _ => None,
            },
            _ => None,
        }
    }
}
