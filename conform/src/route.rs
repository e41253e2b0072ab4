//! Matching a request (method and path) to its operation by the operations' path templates
//! (`/v1/videos/{video_id}`, `/v1beta/models/{model}:generateContent`).

use allmhub_types::{Method, Operation, operations};
use percent_encoding::percent_decode_str;

/// A request matched to its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation.
    pub operation: &'static Operation,
    /// The path parameters, percent-decoded, in template order.
    pub params: Vec<(&'static str, String)>,
}

impl Route {
    /// The value of a path parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The method named by `text` (`GET`, `post`).
pub fn method(text: &str) -> Option<Method> {
    Some(match text.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => return None,
    })
}

/// The operation answering `method` on `path` (a path, or a path with a query, which is ignored). When
/// several templates match, the one with the most literal characters wins.
pub fn find(method: &str, path: &str) -> Option<Route> {
    let method = self::method(method)?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut best: Option<(usize, Route)> = None;
    for operation in operations::ALL.iter().copied().filter(|op| op.method == method) {
        if let Some(params) = match_template(operation.path, path) {
            let literal = operation.path.len() - params.iter().map(|(name, _)| name.len() + 2).sum::<usize>();
            if best.as_ref().is_none_or(|(score, _)| literal > *score) {
                best = Some((literal, Route { operation, params }));
            }
        }
    }
    best.map(|(_, route)| route)
}

/// `operation`'s path with every parameter set to `value`, as given (escape it first where it must be):
/// a path [`find`] routes back to `operation` for a value without `/`, `?` or `#`. For tests and tools that
/// call every operation (the mock's tests, the fuzz targets).
pub fn path_of(operation: &Operation, value: &str) -> String {
    operation
        .path
        .split(['{', '}'])
        .enumerate()
        // The odd pieces are the parameters' names.
        .map(|(index, piece)| if index % 2 == 1 { value } else { piece })
        .collect()
}

/// The parameters of `path` under `template`, or `None` when it does not match. A template segment is a
/// literal or `prefix{name}suffix`; the parameter takes at least one character.
fn match_template(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    let mut segments = path.split('/');
    for pattern in template.split('/') {
        let segment = segments.next()?;
        match (pattern.find('{'), pattern.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, name, suffix) = (&pattern[..open], &pattern[open + 1..close], &pattern[close + 1..]);
                let decoded = percent_decode_str(segment).decode_utf8().ok()?;
                let value = decoded.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                params.push((name, value.to_owned()));
            }
            _ if pattern == segment => {}
            _ => return None,
        }
    }
    segments.next().is_none().then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_found_again_at_its_own_path_whatever_the_parameter() {
        for operation in operations::ALL {
            for value in ["m1", "1234567890123456789", "gemini-2.5-flash", "a b", "é"] {
                let path = path_of(operation, value);
                assert!(!path.contains(['{', '}']), "{path}: a parameter left");
                let route = find(operation.method.as_str(), &path).unwrap_or_else(|| panic!("{path}: no route"));
                assert_eq!(route.operation.id, operation.id, "{path}");
                assert!(
                    route.params.iter().all(|(_, found)| found == value),
                    "{path}: {:?}",
                    route.params
                );
            }
        }
    }
}
