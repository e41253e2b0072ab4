//! A test kit for the ALLMHUB gateway, driven by the spec: a mock gateway ([`MockServer`]) and a validating
//! proxy ([`proxy`]).
//!
//! The mock routes every operation of the spec by its path template, checks credentials per the
//! operation's security schemes, decodes the request body with the generated type (a body that does not
//! conform gets HTTP 400 in the dialect's error envelope, naming the JSON path), and answers with the spec's
//! examples: JSON, or the stream example event by event. A request with its own JSON Schema or its own tools
//! gets a value of that schema or a call of one of those tools (whole or streamed), and a recorded capture can
//! be replayed ([`MockBuilder::replay`]). Long jobs move on like the real ones (Midjourney tasks, video jobs),
//! and every fault a client must handle can be asked for, per request (`x-allmhub-mock-fault`) or per
//! operation ([`Scenario`]). Nothing in it is written per operation: it
//! works from the operation descriptors of `allmhub-types` and the examples embedded in `allmhub-conform`.
//!
//! ```no_run
//! # async fn run() -> Result<(), allmhub::Error> {
//! use allmhub_mock::{Fault, MockServer};
//!
//! let mock = MockServer::start().await;
//! mock.push_fault("create_chat_completion", "429; retry-after=1".parse().expect("a fault"));
//! let client = allmhub::Client::builder().api_key("any").base_url(mock.url()).build()?;
//! let request = allmhub::types::ChatCompletionRequest::new(
//!     "gpt-4o-mini",
//!     vec![allmhub::types::ChatMessage::user("Hello!")],
//! );
//! let answer = client.chat().create(&request).await?; // retried after the 429
//! assert_eq!(answer.model, "gpt-4o-mini");
//! assert_eq!(mock.requests_for("create_chat_completion").len(), 2);
//! # Ok(()) }
//! ```
//!
//! The `allmhub` command runs both: `allmhub mock` and `allmhub proxy --upstream URL`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answer;
mod dialect;
mod faults;
mod jobs;
mod json;
mod names;
pub mod proxy;
mod replay;
mod server;
mod structured;
mod synthesized;
mod tools;

pub use faults::{AfterAccept, FAULT_NAMES, Fault, FaultError, Scenario, ScenarioError};
pub use server::{
    EXAMPLE_HEADER, FAULT_HEADER, MockBuilder, MockServer, REQUEST_ID_HEADER, ReceivedRequest, UNKNOWN_MEMBERS_HEADER,
    UNKNOWN_VALUES_HEADER,
};
