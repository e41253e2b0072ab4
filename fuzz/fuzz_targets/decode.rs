//! Every schema's conformance check on arbitrary bytes: the first two bytes (little-endian) pick the schema, the
//! rest is the document. What decodes must decode again from its own serialization, to the same value.

#![no_main]

use allmhub_conform::check_json;
use allmhub_types::SCHEMAS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[low, high], document)) = data.split_first_chunk::<2>() else {
        return;
    };
    let schema = &SCHEMAS[usize::from(u16::from_le_bytes([low, high])) % SCHEMAS.len()];
    if let Ok(conformed) = check_json(schema, document) {
        let again = serde_json::to_vec(&conformed.value).expect("a JSON value serializes");
        match check_json(schema, &again) {
            Ok(second) => assert_eq!(second.value, conformed.value, "{}: not a fixpoint", schema.name),
            Err(error) => panic!("{}: its own output does not decode: {error}", schema.name),
        }
    }
});
