//! `StringOrNumber`: the same id whichever way it arrived, and an order that sorts integers as numbers.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use allmhub_types::StringOrNumber;
use proptest::prelude::*;

fn hash_of(value: &StringOrNumber) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn decode(json: &str) -> StringOrNumber {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("{json}: {error}"))
}

/// Ids as servers send them: integers (as numbers or strings, some with leading zeros or a sign) and text.
fn any_id() -> impl Strategy<Value = StringOrNumber> {
    prop_oneof![
        any::<i64>().prop_map(StringOrNumber::from),
        any::<i64>().prop_map(|n| StringOrNumber::from(n.to_string())),
        "[+-]?0{0,2}[0-9]{1,3}".prop_map(StringOrNumber::from),
        "[0-9a-z_-]{0,6}".prop_map(StringOrNumber::from),
    ]
}

#[test]
fn a_number_and_a_string_of_the_same_digits_are_one_id() {
    let number = decode("14001934816969359");
    let text = decode("\"14001934816969359\"");
    assert!(number.is_number() && !text.is_number());
    assert_eq!(number, text);
    assert_eq!(hash_of(&number), hash_of(&text));
    assert_eq!(number.cmp(&text), Ordering::Equal);
    // Each is still written back the way it came.
    assert_eq!(serde_json::to_string(&number).expect("json"), "14001934816969359");
    assert_eq!(serde_json::to_string(&text).expect("json"), "\"14001934816969359\"");
}

#[test]
fn integers_sort_as_numbers_and_before_text() {
    let mut ids: Vec<StringOrNumber> = ["10", "9", "abc", "-3", "042", "42", "1a"]
        .into_iter()
        .map(StringOrNumber::from)
        .collect();
    ids.sort();
    let sorted: Vec<&str> = ids.iter().map(StringOrNumber::as_str).collect();
    assert_eq!(sorted, ["-3", "9", "10", "042", "42", "1a", "abc"]);
}

proptest! {
    #[test]
    fn equal_digits_are_equal_and_hash_alike(n in any::<i64>()) {
        let number = StringOrNumber::from(n);
        let text = StringOrNumber::from(n.to_string());
        prop_assert_eq!(&number, &text);
        prop_assert_eq!(hash_of(&number), hash_of(&text));
    }

    #[test]
    fn integers_compare_numerically(a in any::<i64>(), b in any::<i64>()) {
        let (x, y) = (StringOrNumber::from(a), StringOrNumber::from(b.to_string()));
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
    }

    #[test]
    fn the_order_is_total_and_agrees_with_equality(a in any_id(), b in any_id(), c in any_id()) {
        prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        if a <= b && b <= c {
            prop_assert!(a <= c, "{a} <= {b} <= {c}");
        }
    }
}
