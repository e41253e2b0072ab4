//! The normalizations under which a decoded example must equal its original JSON. Each rule is a way the
//! typed model legitimately re-serializes the same data differently; nothing else may differ.
//!
//! 1. **Null members are dropped.** An optional member that is `null` and an absent one both decode to
//!    `None`, which re-serializes as absent (members the spec marks required and nullable stay `null`).
//! 2. **Empty arrays and objects of optional members are dropped.** typify represents an absent optional
//!    array or map and an empty one by the same empty value, which re-serializes as absent.
//! 3. **Integral floats are integers.** `1.0` and `1` are the same JSON number; the Rust field type decides
//!    whether `temperature: 1` comes back as `1.0` (`f64`). Large integers are compared exactly.
//! 4. **Alternate spellings take the canonical name.** Members the spec declares with `x-alias-of` (Gemini's
//!    snake_case `inline_data` for `inlineData`) decode into the canonical field and re-serialize under its
//!    name.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

/// Applies every rule to `value`, given the spec's alias table (alias → canonical member name).
pub fn normalize(value: &Value, aliases: &BTreeMap<String, String>) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, item) in object {
                let item = normalize(item, aliases);
                let empty = match &item {
                    Value::Null => true,
                    Value::Array(items) => items.is_empty(),
                    Value::Object(members) => members.is_empty(),
                    _ => false,
                };
                if !empty {
                    let key = aliases.get(key).cloned().unwrap_or_else(|| key.clone());
                    out.insert(key, item);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| normalize(item, aliases)).collect()),
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() && float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0 => {
                Value::Number(Number::from(float as i64))
            }
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

/// Every `x-alias-of` of the spec: alias member name → canonical member name.
pub fn alias_table() -> BTreeMap<String, String> {
    fn walk(value: &Value, out: &mut BTreeMap<String, String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::Object(properties)) = object.get("properties") {
                    for (name, property) in properties {
                        if let Some(canonical) = property.get("x-alias-of").and_then(Value::as_str) {
                            out.insert(name.clone(), canonical.to_owned());
                        }
                    }
                }
                object.values().for_each(|item| walk(item, out));
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(&crate::spec().doc["components"], &mut out);
    out
}
