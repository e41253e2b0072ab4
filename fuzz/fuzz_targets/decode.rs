//! Every schema's decoder on arbitrary bytes: the first two bytes (little-endian) pick the schema, the rest is the
//! document.
//! A document that decodes must serialize, and the result must decode again.

#![no_main]

use allmhub_types::{SCHEMAS, SchemaInfo, SchemaVisitor, visit_schema};
use libfuzzer_sys::fuzz_target;

struct Decode<'a>(&'a [u8]);

impl SchemaVisitor for Decode<'_> {
    type Output = ();

    fn visit<T>(self, schema: &'static SchemaInfo)
    where
        T: serde::de::DeserializeOwned + serde::Serialize + 'static,
    {
        if let Ok(value) = serde_json::from_slice::<T>(self.0) {
            let again = serde_json::to_vec(&value).expect("a decoded value serializes");
            if let Err(error) = serde_json::from_slice::<T>(&again) {
                panic!("{}: its own output does not decode: {error}", schema.name);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[low, high], document)) = data.split_first_chunk::<2>() else {
        return;
    };
    let schema = &SCHEMAS[usize::from(u16::from_le_bytes([low, high])) % SCHEMAS.len()];
    visit_schema(schema.rust_name, Decode(document)).expect("every registered schema has a decoder");
});
