//! Faults on demand: what can go wrong with a gateway, one request at a time (the `x-allmhub-mock-fault`
//! header) or as a sequence per operation (a [`Scenario`]).

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What the mock does after recording an accepted submission (the double-charge case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterAccept {
    /// Answer HTTP 502 in the operation's error envelope.
    BadGateway,
    /// Reset the connection before the answer's headers.
    Reset,
}

/// One misbehaviour of the gateway.
///
/// The text form (header value and scenario step) is `name[=value][; param=value]`:
///
/// | text | fault |
/// |---|---|
/// | `429; retry-after=1`, `status=503` | that HTTP status in the operation's error envelope, optionally with `Retry-After` |
/// | `quota` | balance exhausted: HTTP 403, code `insufficient_user_quota` (as new-api sends it) |
/// | `in-band` | an error envelope with HTTP 200 |
/// | `reset` | the connection is reset before the answer's headers |
/// | `reset-after=N` | a stream is reset after N events |
/// | `stall=MS` | nothing for MS milliseconds, then the normal answer |
/// | `truncate` | the body breaks off half-way (the declared length is not reached) |
/// | `stream-error[=N]` | an error event inside the stream after N events (default 1) |
/// | `json-for-stream` | a stream request answered `200 application/json` with the whole answer |
/// | `endless-event` | a `data:` line that never ends |
/// | `endless-json` | a JSON body that never ends |
/// | `accepted-then=502`, `accepted-then=reset` | the submission is recorded (a job exists), then the answer fails |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// An HTTP error status in the operation's error envelope.
    Status {
        /// The status.
        status: u16,
        /// Seconds for `Retry-After`, when set.
        retry_after: Option<u64>,
    },
    /// The key's balance is exhausted.
    Quota,
    /// An error envelope with HTTP 200.
    InBand,
    /// The connection is reset before the answer's headers.
    Reset,
    /// A stream is reset after this many events.
    ResetAfter(usize),
    /// The answer waits this long before it starts.
    Stall(Duration),
    /// The body breaks off before its declared length.
    Truncate,
    /// An error event inside the stream after this many events.
    StreamError(usize),
    /// A stream request answered with the whole answer as JSON.
    JsonForStream,
    /// A `data:` line that never ends.
    EndlessEvent,
    /// A JSON body that never ends.
    EndlessJson,
    /// The submission is recorded (a job exists), then the answer fails.
    AcceptedThen(AfterAccept),
}

/// A fault text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault `{text}`: {reason}")]
pub struct FaultError {
    /// The text.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The fault names, for messages.
pub const FAULT_NAMES: &str = "STATUS[; retry-after=S], status=STATUS, quota, in-band, reset, reset-after=N, stall=MS, \
     truncate, stream-error[=N], json-for-stream, endless-event, endless-json, accepted-then=502|reset";

impl FromStr for Fault {
    type Err = FaultError;

    fn from_str(text: &str) -> Result<Fault, FaultError> {
        let error = |reason: String| FaultError {
            text: text.to_owned(),
            reason,
        };
        let mut parts = text.split(';').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (name, value) = match head.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (head, None),
        };
        let mut retry_after = None;
        for param in parts.filter(|param| !param.is_empty()) {
            match param.split_once('=').map(|(key, value)| (key.trim(), value.trim())) {
                Some(("retry-after", seconds)) => {
                    retry_after = Some(
                        seconds
                            .parse()
                            .map_err(|_| error(format!("retry-after must be whole seconds, found `{seconds}`")))?,
                    )
                }
                _ => {
                    return Err(error(format!(
                        "unknown parameter `{param}`; the only one is retry-after=S"
                    )));
                }
            }
        }
        let number = |what: &str| -> Result<u64, FaultError> {
            let value = value.ok_or_else(|| error(format!("`{name}` needs {what}: `{name}=N`")))?;
            value
                .parse()
                .map_err(|_| error(format!("`{name}` needs {what}, found `{value}`")))
        };
        let status = |text: &str| -> Result<u16, FaultError> {
            match text.parse::<u16>() {
                Ok(status) if (400..=599).contains(&status) => Ok(status),
                _ => Err(error(format!("`{text}` is not an HTTP error status (400–599)"))),
            }
        };
        let fault = match name {
            digits if digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty() => Fault::Status {
                status: status(digits)?,
                retry_after,
            },
            "status" => Fault::Status {
                status: status(value.unwrap_or_default())?,
                retry_after,
            },
            "quota" => Fault::Quota,
            "in-band" => Fault::InBand,
            "reset" => Fault::Reset,
            "reset-after" => Fault::ResetAfter(number("a number of events")? as usize),
            "stall" => Fault::Stall(Duration::from_millis(number("milliseconds")?)),
            "truncate" => Fault::Truncate,
            "stream-error" => Fault::StreamError(match value {
                Some(_) => number("a number of events")? as usize,
                None => 1,
            }),
            "json-for-stream" => Fault::JsonForStream,
            "endless-event" => Fault::EndlessEvent,
            "endless-json" => Fault::EndlessJson,
            "accepted-then" => Fault::AcceptedThen(match value {
                Some("502") => AfterAccept::BadGateway,
                Some("reset") => AfterAccept::Reset,
                other => {
                    return Err(error(format!(
                        "accepted-then takes 502 or reset, found `{}`",
                        other.unwrap_or_default()
                    )));
                }
            }),
            other => return Err(error(format!("unknown fault `{other}`; known: {FAULT_NAMES}"))),
        };
        if retry_after.is_some() && !matches!(fault, Fault::Status { .. } | Fault::Quota) {
            return Err(error("retry-after goes with an HTTP status".to_owned()));
        }
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { status, retry_after } => {
                write!(f, "{status}")?;
                if let Some(seconds) = retry_after {
                    write!(f, "; retry-after={seconds}")?;
                }
                Ok(())
            }
            Fault::Quota => f.write_str("quota"),
            Fault::InBand => f.write_str("in-band"),
            Fault::Reset => f.write_str("reset"),
            Fault::ResetAfter(events) => write!(f, "reset-after={events}"),
            Fault::Stall(wait) => write!(f, "stall={}", wait.as_millis()),
            Fault::Truncate => f.write_str("truncate"),
            Fault::StreamError(events) => write!(f, "stream-error={events}"),
            Fault::JsonForStream => f.write_str("json-for-stream"),
            Fault::EndlessEvent => f.write_str("endless-event"),
            Fault::EndlessJson => f.write_str("endless-json"),
            Fault::AcceptedThen(AfterAccept::BadGateway) => f.write_str("accepted-then=502"),
            Fault::AcceptedThen(AfterAccept::Reset) => f.write_str("accepted-then=reset"),
        }
    }
}

/// What the mock does with the next calls of each operation: a sequence of steps per operation id, each a
/// fault or a normal answer (`None`); once an operation's steps are used up it answers normally.
///
/// As a file (YAML or JSON), operation ids map to lists of steps, `ok` for a normal answer:
///
/// ```yaml
/// create_chat_completion: ["429; retry-after=1", ok]
/// mj_submit_imagine: [accepted-then=502]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    steps: BTreeMap<String, VecDeque<Option<Fault>>>,
}

/// A scenario file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scenario: {0}")]
pub struct ScenarioError(pub String);

impl Scenario {
    /// An empty scenario: every call answers normally.
    pub fn new() -> Self {
        Scenario::default()
    }

    /// Adds a step for the next call of `operation` (after those already queued); `None` answers
    /// normally.
    pub fn then(mut self, operation: &str, step: Option<Fault>) -> Self {
        self.push(operation, step);
        self
    }

    /// Queues a step for `operation`.
    pub fn push(&mut self, operation: &str, step: Option<Fault>) {
        self.steps.entry(operation.to_owned()).or_default().push_back(step);
    }

    /// Takes the step of the next call of `operation`.
    pub(crate) fn next_step(&mut self, operation: &str) -> Option<Fault> {
        self.steps.get_mut(operation)?.pop_front().flatten()
    }

    /// Whether no step is left.
    pub fn is_empty(&self) -> bool {
        self.steps.values().all(VecDeque::is_empty)
    }

    /// Reads a scenario file (YAML or JSON). Operation ids are checked against the spec.
    pub fn from_text(text: &str) -> Result<Scenario, ScenarioError> {
        let raw: BTreeMap<String, Vec<String>> = serde_norway::from_str(text)
            .map_err(|error| ScenarioError(format!("expected a map of operation ids to lists of steps: {error}")))?;
        let mut scenario = Scenario::new();
        for (operation, steps) in raw {
            if !allmhub_types::operations::ALL.iter().any(|op| op.id == operation) {
                return Err(ScenarioError(format!(
                    "`{operation}` is not an operation id of the spec"
                )));
            }
            for (index, step) in steps.iter().enumerate() {
                let step = step.trim();
                let parsed = if step.eq_ignore_ascii_case("ok") {
                    None
                } else {
                    Some(
                        step.parse()
                            .map_err(|error: FaultError| ScenarioError(format!("{operation}[{index}]: {error}")))?,
                    )
                };
                scenario.push(&operation, parsed);
            }
        }
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_reads_back_from_its_text() {
        let faults = [
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            Fault::Status {
                status: 503,
                retry_after: None,
            },
            Fault::Quota,
            Fault::InBand,
            Fault::Reset,
            Fault::ResetAfter(3),
            Fault::Stall(Duration::from_millis(250)),
            Fault::Truncate,
            Fault::StreamError(2),
            Fault::JsonForStream,
            Fault::EndlessEvent,
            Fault::EndlessJson,
            Fault::AcceptedThen(AfterAccept::BadGateway),
            Fault::AcceptedThen(AfterAccept::Reset),
        ];
        for fault in faults {
            assert_eq!(fault.to_string().parse::<Fault>(), Ok(fault.clone()), "{fault}");
        }
        assert_eq!(
            "status=429; retry-after=2".parse::<Fault>(),
            Ok(Fault::Status {
                status: 429,
                retry_after: Some(2)
            })
        );
        assert_eq!("stream-error".parse::<Fault>(), Ok(Fault::StreamError(1)));
    }

    #[test]
    fn bad_faults_say_what_is_wrong() {
        for (text, needle) in [
            ("teapot", "unknown fault `teapot`"),
            ("200", "not an HTTP error status"),
            ("stall", "needs milliseconds"),
            ("stall=soon", "found `soon`"),
            ("reset; retry-after=1", "goes with an HTTP status"),
            ("429; wait=1", "unknown parameter"),
            ("accepted-then=500", "502 or reset"),
        ] {
            let error = text.parse::<Fault>().expect_err(text);
            assert!(error.to_string().contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn scenarios_read_from_yaml_and_run_in_order() {
        let mut scenario =
            Scenario::from_text("create_chat_completion: [\"429; retry-after=1\", ok, reset]\n").expect("a scenario");
        assert!(matches!(
            scenario.next_step("create_chat_completion"),
            Some(Fault::Status { status: 429, .. })
        ));
        assert_eq!(scenario.next_step("create_chat_completion"), None);
        assert_eq!(scenario.next_step("create_chat_completion"), Some(Fault::Reset));
        assert_eq!(scenario.next_step("create_chat_completion"), None);
        assert!(scenario.is_empty());
        let error = Scenario::from_text("no_such_op: [reset]").expect_err("unknown operation");
        assert!(error.to_string().contains("no_such_op"), "{error}");
        let error = Scenario::from_text("create_chat_completion: [teapot]").expect_err("bad step");
        assert!(error.to_string().contains("create_chat_completion[0]"), "{error}");
    }
}
