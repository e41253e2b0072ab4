//! Replaying a recorded capture: a request the capture holds gets the answer recorded for it (status, media
//! type, bytes; a stream event by event), instead of a spec example. A request is matched to a recorded one of
//! the same method and path, preferring one with an equal JSON body and one not served yet, so a recorded
//! conversation replays in order and a repeated request gets its own answer again.

use allmhub_conform::exchange::path_only;
use allmhub_conform::har::HarExchange;
use serde_json::{Map, Value};

/// The recorded exchanges and which of them have been served.
#[derive(Debug, Clone, Default)]
pub(crate) struct Replay {
    exchanges: Vec<HarExchange>,
    /// Each exchange's request body as a JSON object (`None` when it is none), parsed once.
    bodies: Vec<Option<Map<String, Value>>>,
    served: Vec<bool>,
}

impl Replay {
    /// A replay of `exchanges`; those without a recorded answer (a failed request, an answer over the
    /// recording limit) are left out.
    pub(crate) fn new(exchanges: Vec<HarExchange>) -> Replay {
        let exchanges: Vec<HarExchange> = exchanges
            .into_iter()
            .filter(|exchange| exchange.status != 0 && exchange.response_body.is_some())
            .collect();
        Replay {
            bodies: exchanges
                .iter()
                .map(|exchange| serde_json::from_str(&exchange.request_body).ok())
                .collect(),
            served: vec![false; exchanges.len()],
            exchanges,
        }
    }

    /// Whether there is nothing to replay.
    pub(crate) fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// The recorded exchange for a request of `method` on `path` with this JSON object body (`None` when it
    /// has none), marked as served.
    pub(crate) fn take(&mut self, method: &str, path: &str, body: Option<&Map<String, Value>>) -> Option<&HarExchange> {
        let same_body = |index: usize| self.bodies[index].as_ref() == body;
        let candidates: Vec<usize> = (0..self.exchanges.len())
            .filter(|&index| {
                let exchange = &self.exchanges[index];
                exchange.method.eq_ignore_ascii_case(method) && path_only(&exchange.url) == path
            })
            .collect();
        // Most alike first: an equal body not served yet, an equal body, any not served yet, the first.
        let chosen = candidates
            .iter()
            .copied()
            .find(|&index| !self.served[index] && same_body(index))
            .or_else(|| candidates.iter().copied().find(|&index| same_body(index)))
            .or_else(|| candidates.iter().copied().find(|&index| !self.served[index]))
            .or_else(|| candidates.first().copied())?;
        self.served[chosen] = true;
        self.exchanges.get(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn recorded(path: &str, request: Value, answer: &str) -> HarExchange {
        let mut exchange = HarExchange::new("POST", format!("https://gateway.example{path}"), 200);
        exchange.request_body = request.to_string();
        exchange.response_body = Some(answer.as_bytes().to_vec());
        exchange
    }

    #[test]
    fn equal_bodies_first_then_in_recorded_order_then_again() {
        let hello = json!({"model": "m", "messages": [{"role": "user", "content": "Hello"}]});
        let bye = json!({"model": "m", "messages": [{"role": "user", "content": "Bye"}]});
        let mut failed = HarExchange::new("POST", "https://gateway.example/v1/chat/completions", 0);
        failed.request_body = hello.to_string();
        let mut replay = Replay::new(vec![
            failed,
            recorded("/v1/chat/completions", hello.clone(), "first hello"),
            recorded("/v1/chat/completions", bye.clone(), "bye"),
            recorded("/v1/chat/completions", hello.clone(), "second hello"),
        ]);
        let answer = |replay: &mut Replay, body: &Value| {
            let exchange = replay
                .take("POST", "/v1/chat/completions", body.as_object())
                .expect("a recorded answer");
            String::from_utf8(exchange.response_body.clone().unwrap_or_default()).unwrap_or_default()
        };
        assert_eq!(answer(&mut replay, &bye), "bye");
        assert_eq!(
            answer(&mut replay, &hello),
            "first hello",
            "the failed request has no answer to replay"
        );
        assert_eq!(answer(&mut replay, &hello), "second hello");
        assert_eq!(
            answer(&mut replay, &hello),
            "first hello",
            "once all are served, they serve again"
        );
        let other = json!({"model": "m", "messages": []});
        assert_eq!(
            answer(&mut replay, &other),
            "first hello",
            "another body gets the route's answer"
        );
        assert!(
            replay.take("GET", "/v1/chat/completions", None).is_none(),
            "another method gets none"
        );
        assert!(
            replay.take("POST", "/v1/embeddings", other.as_object()).is_none(),
            "another path gets none"
        );
    }
}
