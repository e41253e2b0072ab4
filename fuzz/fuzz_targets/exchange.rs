//! Whole exchanges on arbitrary bodies, as the validating proxy and `conform --har` see them. Five bytes pick
//! the exchange: an operation of the spec (its path's parameters filled in); the status, strictness and path
//! parameter; the two bodies' media types; where the request body ends (two bytes, little-endian). The rest
//! are the two bodies.
//!
//! Checking must not panic and must give the same report twice; a capture written with `write_har` must read
//! back as the same exchange and check to the same report as the exchange checked directly.

#![no_main]

use allmhub_conform::exchange::check_exchange;
use allmhub_conform::har::{HarExchange, check_har, read_har, write_har};
use allmhub_conform::route::path_of;
use allmhub_types::operations;
use libfuzzer_sys::fuzz_target;

/// Indexed by three bits of the third byte each (the request's low ones).
const MEDIA_TYPES: [&str; 8] = [
    "application/json",
    "application/json; charset=utf-8",
    "text/event-stream",
    "multipart/form-data; boundary=b",
    "audio/mpeg",
    "text/plain",
    "",
    "APPLICATION/JSON",
];

/// Indexed by the low three bits of the second byte.
const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 429, 500, 502];

fuzz_target!(|data: &[u8]| {
    let Some((&[pick, flags, types, low, high], bodies)) = data.split_first_chunk::<5>() else {
        return;
    };
    let operation = operations::ALL[usize::from(pick) % operations::ALL.len()];
    let target = path_of(operation, if flags & 0x10 == 0 { "m1" } else { "1234567890123456789" });
    let status = STATUSES[usize::from(flags & 7)];
    let strict = flags & 8 != 0;
    let request_type = MEDIA_TYPES[usize::from(types & 7)];
    let response_type = MEDIA_TYPES[usize::from((types >> 3) & 7)];
    let at = usize::from(u16::from_le_bytes([low, high])).min(bodies.len());
    let (request_body, response_body) = bodies.split_at(at);
    let method = operation.method.as_str();

    let check = || {
        check_exchange(
            method,
            &target,
            request_type,
            request_body,
            status,
            response_type,
            response_body,
            1.5,
            strict,
        )
    };
    let (report, again) = (check(), check());
    assert_eq!(report, again, "the same exchange checked twice");
    assert_eq!(
        report.operation.as_deref(),
        Some(operation.id),
        "{target} is not routed to its own operation"
    );

    // HAR keeps request bodies as text.
    let Ok(request_text) = std::str::from_utf8(request_body) else {
        return;
    };
    let mut exchange = HarExchange::new(method, format!("http://127.0.0.1:1{target}"), status);
    exchange.time_ms = 1.5;
    exchange.request_type = request_type.to_owned();
    exchange.request_body = request_text.to_owned();
    exchange.response_type = response_type.to_owned();
    exchange.response_body = Some(response_body.to_vec());
    let capture = write_har("fuzz", std::slice::from_ref(&exchange));
    let read = read_har(capture.as_bytes()).expect("a written capture reads back");
    assert_eq!(read.len(), 1, "one entry written, one read");
    assert_eq!(read[0].request_body, exchange.request_body);
    assert_eq!(read[0].response_body, exchange.response_body);
    let from_capture = check_har(capture.as_bytes(), strict).expect("a written capture checks");
    assert_eq!(
        from_capture,
        vec![report],
        "the capture checks otherwise than the exchange"
    );
});
