//! The synthesizers over every answer example of the spec: each event is what the wire would carry (it
//! survives a JSON round trip as its type), text fragments respect the split and join back to the text.

mod answer_examples;

use allmhub::synthesize::{Split, chat_chunks, claude_events, gemini_chunks, responses_events};
use allmhub::types::{
    ChatMessageContent, ClaudeContentBlock, ClaudeContentBlockDelta, ClaudeStreamEvent, ResponsesOutputContent,
    ResponsesOutputItem, ResponsesStreamEvent,
};
use answer_examples::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn splits() -> Vec<Split> {
    vec![
        Split::Whole,
        Split::Chars(1),
        Split::Chars(7),
        Split::Pattern(vec![3, 0, 1, 5]),
    ]
}

/// Serializes `event` and decodes it again: a synthesized event must be valid on the wire.
fn assert_wire_valid<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(label: &str, event: &T) {
    let json = serde_json::to_string(event).expect("serializes");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|error| panic!("{label}: {error}: {json}"));
    assert_eq!(&back, event, "{label}: {json}");
}

fn assert_fragment_fits(label: &str, split: &Split, fragment: &str) {
    if let Split::Chars(size) = split {
        assert!(
            fragment.chars().count() <= *size,
            "{label}: fragment {fragment:?} longer than {size}"
        );
    }
}

#[test]
fn chat_chunks_are_wire_valid_and_carry_the_text() {
    for (label, answer) in chat_answers() {
        for split in splits() {
            let chunks = chat_chunks(&answer, &split);
            let mut text = String::new();
            for chunk in &chunks {
                assert_wire_valid(&label, chunk);
                assert_eq!(chunk.id, answer.id);
                for choice in chunk.choices.iter().filter(|choice| choice.index == Some(0)) {
                    if let Some(piece) = &choice.delta.content {
                        assert_fragment_fits(&label, &split, piece);
                        text.push_str(piece);
                    }
                }
            }
            let expected = match &answer.choices[0].message.content {
                Some(ChatMessageContent::Text(text)) => text.clone(),
                _ => String::new(),
            };
            assert_eq!(text, expected, "{label} {split:?}");
            assert_eq!(
                chunks.last().and_then(|chunk| chunk.usage.as_deref().cloned()),
                answer.usage,
                "{label}"
            );
        }
    }
}

#[test]
fn claude_events_are_wire_valid_and_carry_the_text() {
    for (label, message) in claude_answers() {
        for split in splits() {
            let events = claude_events(&message, &split);
            assert!(
                matches!(events.first(), Some(ClaudeStreamEvent::MessageStart(_))),
                "{label}"
            );
            assert!(
                matches!(events.last(), Some(ClaudeStreamEvent::MessageStop(_))),
                "{label}"
            );
            let mut text = String::new();
            for event in &events {
                assert_wire_valid(&label, event);
                if let ClaudeStreamEvent::ContentBlockDelta(delta) = event
                    && let ClaudeContentBlockDelta::TextDelta(delta) = &delta.delta
                {
                    assert_fragment_fits(&label, &split, &delta.text);
                    text.push_str(&delta.text);
                }
            }
            let expected: String = message
                .content
                .iter()
                .filter_map(|block| match block {
                    ClaudeContentBlock::Text(block) => Some(block.text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(text, expected, "{label} {split:?}");
        }
    }
}

#[test]
fn responses_events_are_wire_valid_numbered_and_end_with_the_response() {
    for (label, response) in responses_answers() {
        for split in splits() {
            let events = responses_events(&response, &split);
            let mut text = String::new();
            for (number, event) in events.iter().enumerate() {
                assert_wire_valid(&label, event);
                let value = serde_json::to_value(event).expect("serializes");
                assert_eq!(value["sequence_number"], number, "{label}");
                if let ResponsesStreamEvent::ResponseOutputTextDelta(delta) = event {
                    assert_fragment_fits(&label, &split, &delta.delta);
                    text.push_str(&delta.delta);
                }
            }
            match events.last() {
                Some(ResponsesStreamEvent::ResponseCompleted(end)) => assert_eq!(end.response, response, "{label}"),
                other => panic!("{label}: ends with {other:?}"),
            }
            let expected: String = response
                .output
                .iter()
                .filter_map(|item| match item {
                    ResponsesOutputItem::Message(message) => Some(&message.content),
                    _ => None,
                })
                .flatten()
                .filter_map(|part| match part {
                    ResponsesOutputContent::OutputText(part) => Some(part.text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(text, expected, "{label} {split:?}");
        }
    }
}

#[test]
fn gemini_chunks_are_wire_valid_and_carry_the_text() {
    for (label, response) in gemini_answers() {
        for split in splits() {
            let chunks = gemini_chunks(&response, &split);
            let mut text = String::new();
            for chunk in &chunks {
                assert_wire_valid(&label, chunk);
                assert_eq!(chunk.response_id, response.response_id, "{label}");
                for part in chunk
                    .candidates
                    .iter()
                    .filter(|candidate| candidate.index.unwrap_or(0) == 0)
                    .flat_map(|candidate| &candidate.content)
                    .flat_map(|content| &content.parts)
                {
                    if let Some(piece) = &part.text {
                        assert_fragment_fits(&label, &split, piece);
                        text.push_str(piece);
                    }
                }
            }
            let expected: String = response
                .candidates
                .iter()
                .take(1)
                .flat_map(|candidate| &candidate.content)
                .flat_map(|content| &content.parts)
                .filter_map(|part| part.text.as_deref())
                .collect();
            assert_eq!(text, expected, "{label} {split:?}");
            assert_eq!(
                chunks.last().and_then(|chunk| chunk.usage_metadata.clone()),
                response.usage_metadata
            );
        }
    }
}
