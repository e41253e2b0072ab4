//! Chat completion → `ChatCompletionChunk`s.

use allmhub_types::{
    ChatCompletionChoice, ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionDelta, ChatCompletionResponse,
    ChatFunctionCallDelta, ChatLogprobs, ChatTokenLogprob, ChatToolCall, ChatToolCallChunk,
};
use serde_json::{Map, Value};

use super::{Cutter, Split, spread};

/// The chunks a stream of `answer` would carry: per choice a role chunk, then reasoning
/// (`reasoning_content`, `reasoning`), content, refusal, annotations, audio, tool calls (the first fragment
/// of each with its id, type and name, the others with an `arguments` piece) and a chunk with the finish
/// reason; choices interleaved chunk by chunk (as `n > 1` streams are); then, when the answer has usage or a
/// moderation verdict, a last chunk with `choices: []`, the usage (as with `stream_options.include_usage`) and
/// the moderation. Log probabilities ride on the content and refusal fragments they belong to.
///
/// What a stream cannot carry, and the accumulator therefore normalizes: `object` becomes
/// `chat.completion`; a choice without `index` gets its position; content given as parts becomes the text
/// of its text parts; the request-side message members `name`, `tool_call_id` and `prefix` are dropped, and
/// so are tool calls of a type this version does not know; the stored `metadata`, which chunks do not have,
/// is dropped.
pub fn chat_chunks(answer: &ChatCompletionResponse, split: &Split) -> Vec<ChatCompletionChunk> {
    let mut cutter = Cutter::new(split);
    let per_choice: Vec<Vec<ChatCompletionChunkChoice>> = answer
        .choices
        .iter()
        .enumerate()
        .map(|(position, choice)| choice_deltas(choice, position, &mut cutter))
        .collect();
    let chunk = |choices: Vec<ChatCompletionChunkChoice>| ChatCompletionChunk {
        id: answer.id.clone(),
        object: "chat.completion.chunk".to_owned(),
        created: answer.created,
        model: answer.model.clone(),
        system_fingerprint: answer.system_fingerprint.clone(),
        choices,
        usage: None,
        service_tier: answer.service_tier.clone(),
        obfuscation: None,
        moderation: None,
    };
    let mut chunks = Vec::new();
    let longest = per_choice.iter().map(Vec::len).max().unwrap_or(0);
    let mut queues: Vec<_> = per_choice.into_iter().map(Vec::into_iter).collect();
    for _ in 0..longest {
        for queue in &mut queues {
            if let Some(choice) = queue.next() {
                chunks.push(chunk(vec![choice]));
            }
        }
    }
    if answer.usage.is_some() || answer.moderation.is_some() || chunks.is_empty() {
        chunks.push(ChatCompletionChunk {
            usage: answer.usage.clone().map(Box::new),
            moderation: answer.moderation.clone().map(Box::new),
            ..chunk(Vec::new())
        });
    }
    chunks
}

fn choice_deltas(
    choice: &ChatCompletionChoice,
    position: usize,
    cutter: &mut Cutter<'_>,
) -> Vec<ChatCompletionChunkChoice> {
    let index = choice.index.unwrap_or(position as i64);
    let message = &choice.message;
    let delta = |delta: ChatCompletionDelta| ChatCompletionChunkChoice {
        index: Some(index),
        delta,
        logprobs: None,
        finish_reason: None,
    };
    let mut out = vec![delta(ChatCompletionDelta {
        role: Some(message.role.clone()),
        ..ChatCompletionDelta::default()
    })];
    // Log probabilities not yet placed on a fragment; they go on the last chunk.
    let mut logprobs = choice.logprobs.clone();
    let mut placed_logprobs = false;

    for piece in cut_optional(cutter, message.reasoning_content.as_deref()) {
        out.push(delta(ChatCompletionDelta {
            reasoning_content: Some(piece.to_owned()),
            ..ChatCompletionDelta::default()
        }));
    }
    for piece in cut_optional(cutter, message.reasoning.as_deref()) {
        out.push(delta(ChatCompletionDelta {
            reasoning: Some(piece.to_owned()),
            ..ChatCompletionDelta::default()
        }));
    }

    let content = message.text();
    let pieces = cut_optional(cutter, content.as_deref());
    let token_logprobs = take_logprobs(&mut logprobs, |logprobs| &mut logprobs.content, pieces.len());
    for (piece, tokens) in pieces.into_iter().zip(token_logprobs) {
        placed_logprobs |= tokens.is_some();
        out.push(ChatCompletionChunkChoice {
            logprobs: tokens.map(|tokens| ChatLogprobs {
                content: Some(tokens),
                refusal: None,
            }),
            ..delta(ChatCompletionDelta {
                content: Some(piece.to_owned()),
                ..ChatCompletionDelta::default()
            })
        });
    }

    let pieces = cut_optional(cutter, message.refusal.as_deref());
    let token_logprobs = take_logprobs(&mut logprobs, |logprobs| &mut logprobs.refusal, pieces.len());
    for (piece, tokens) in pieces.into_iter().zip(token_logprobs) {
        placed_logprobs |= tokens.is_some();
        out.push(ChatCompletionChunkChoice {
            logprobs: tokens.map(|tokens| ChatLogprobs {
                content: None,
                refusal: Some(tokens),
            }),
            ..delta(ChatCompletionDelta {
                refusal: Some(piece.to_owned()),
                ..ChatCompletionDelta::default()
            })
        });
    }

    if !message.annotations.is_empty() {
        out.push(delta(ChatCompletionDelta {
            annotations: message.annotations.clone(),
            ..ChatCompletionDelta::default()
        }));
    }
    if let Some(audio) = &message.audio {
        out.push(delta(ChatCompletionDelta {
            audio: Some(audio.clone()),
            ..ChatCompletionDelta::default()
        }));
    }

    if let Some(calls) = &message.tool_calls {
        let known: Vec<&ChatToolCall> = calls
            .iter()
            .filter(|call| !matches!(call, ChatToolCall::Unknown(_)))
            .collect();
        if known.is_empty() {
            // `tool_calls: []` is still "present".
            out.push(delta(ChatCompletionDelta {
                tool_calls: Some(Vec::new()),
                ..ChatCompletionDelta::default()
            }));
        }
        for (number, call) in known.into_iter().enumerate() {
            for fragment in tool_call_fragments(call, number as i64, cutter) {
                out.push(delta(ChatCompletionDelta {
                    tool_calls: Some(vec![fragment]),
                    ..ChatCompletionDelta::default()
                }));
            }
        }
    }

    if let Some(call) = &message.function_call {
        for (number, piece) in cutter.cut(&call.arguments).into_iter().enumerate() {
            out.push(delta(ChatCompletionDelta {
                function_call: Some(ChatFunctionCallDelta {
                    name: (number == 0).then(|| call.name.clone()),
                    arguments: Some(piece.to_owned()),
                }),
                ..ChatCompletionDelta::default()
            }));
        }
    }

    out.push(ChatCompletionChunkChoice {
        finish_reason: choice.finish_reason.clone(),
        // Whatever no fragment carried; `Some` when the answer had log probabilities and none was placed.
        logprobs: logprobs.filter(|rest| !placed_logprobs || rest.content.is_some() || rest.refusal.is_some()),
        ..delta(ChatCompletionDelta::default())
    });
    out
}

/// The fragments of a text that may be absent (none then).
fn cut_optional<'t>(cutter: &mut Cutter<'_>, text: Option<&'t str>) -> Vec<&'t str> {
    text.map(|text| cutter.cut(text)).unwrap_or_default()
}

/// Takes one list of token log probabilities out of `logprobs` and spreads it over `slots` fragments (each
/// fragment gets `Some`, possibly empty). With no fragment the list stays for the last chunk.
fn take_logprobs(
    logprobs: &mut Option<ChatLogprobs>,
    list: impl Fn(&mut ChatLogprobs) -> &mut Option<Vec<ChatTokenLogprob>>,
    slots: usize,
) -> impl Iterator<Item = Option<Vec<ChatTokenLogprob>>> {
    let tokens = match logprobs.as_mut() {
        Some(logprobs) if slots > 0 => list(logprobs).take(),
        _ => None,
    };
    let groups = tokens.map(|tokens| spread(&tokens, slots));
    (0..slots).map(move |slot| groups.as_ref().map(|groups| groups[slot].clone()))
}

fn tool_call_fragments(call: &ChatToolCall, index: i64, cutter: &mut Cutter<'_>) -> Vec<ChatToolCallChunk> {
    match call {
        ChatToolCall::Function(call) => cutter
            .cut(&call.function.arguments)
            .into_iter()
            .enumerate()
            .map(|(number, piece)| ChatToolCallChunk {
                index: Some(index),
                id: if number == 0 { call.id.clone() } else { None },
                type_: (number == 0).then(|| "function".to_owned()),
                function: Some(ChatFunctionCallDelta {
                    name: (number == 0).then(|| call.function.name.clone()),
                    arguments: Some(piece.to_owned()),
                }),
                custom: Map::new(),
            })
            .collect(),
        ChatToolCall::Custom(call) => cutter
            .cut(&call.custom.input)
            .into_iter()
            .enumerate()
            .map(|(number, piece)| {
                let mut custom = Map::new();
                if number == 0 {
                    custom.insert("name".to_owned(), Value::String(call.custom.name.clone()));
                }
                custom.insert("input".to_owned(), Value::String(piece.to_owned()));
                ChatToolCallChunk {
                    index: Some(index),
                    id: if number == 0 { call.id.clone() } else { None },
                    type_: (number == 0).then(|| "custom".to_owned()),
                    function: None,
                    custom,
                }
            })
            .collect(),
        // A kind of a later version: no fragments to cut.
        _ => Vec::new(),
    }
}
