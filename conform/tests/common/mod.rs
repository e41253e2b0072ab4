//! The spec's examples the conformance tests break or extend: the JSON bodies of an operation's requests or
//! successful answers, and the data of its streamed events.

use allmhub_conform::catalog::{EXAMPLES, Place};

/// The JSON request bodies (`request`) or successful JSON answers of `operation`, as the spec writes them.
pub fn json_bodies(operation: &str, request: bool) -> Vec<&'static str> {
    EXAMPLES
        .iter()
        .filter(|example| example.operation == operation && example.media_type == "application/json")
        .filter(|example| {
            if request {
                example.place == Place::Request
            } else {
                example.is_success_answer()
            }
        })
        .map(|example| example.body)
        .collect()
}

/// The data of every JSON object event of `operation`'s stream examples.
pub fn event_bodies(operation: &str) -> Vec<String> {
    EXAMPLES
        .iter()
        .filter(|example| example.operation == operation && example.is_stream())
        .flat_map(|example| allmhub_conform::sse::events(example.body.as_bytes()))
        .filter(|event| event.data.starts_with('{'))
        .map(|event| event.data)
        .collect()
}
