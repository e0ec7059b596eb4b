//! The canonical form of a DynamoDB JSON item: one byte string for every way of writing the
//! same value, so that two tables' items can be hashed on each side and the hashes compared.
//!
//! - attribute names (and map keys) in byte order;
//! - set elements (SS, NS, BS) in the order of their encodings, since DynamoDB keeps no order
//!   in a set;
//! - numbers by value (`1`, `1.0`, `1e0` and `+1` agree): DynamoDB numbers are decimals of up
//!   to 38 digits, more than an f64 holds, so they are normalised as text;
//! - binaries as their bytes, not their base64 text;
//! - lists in their order (a list's order is part of its value).
//!
//! Every part is a one-byte tag followed by length-prefixed bytes, so no two different
//! values share an encoding (a string "1" and a number 1 differ by their tag).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};

/// The canonical bytes of a whole item.
pub fn canonical_item(item: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_map(item, &mut out);
    out
}

/// Appends the canonical bytes of one attribute value (a type descriptor such as
/// `{"N": "1"}`) to `out`.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    let Some((tag, inner)) = descriptor(value) else {
        return unknown(value, out);
    };
    match tag {
        "S" => match inner.as_str() {
            Some(s) => bytes(b'S', s.as_bytes(), out),
            None => unknown(value, out),
        },
        "N" => match number_text(inner) {
            Some(n) => bytes(b'N', normalise_number(&n).as_bytes(), out),
            None => unknown(value, out),
        },
        "B" => binary(b'B', inner, out),
        "BOOL" => match inner.as_bool() {
            Some(b) => out.extend_from_slice(if b { b"T" } else { b"F" }),
            None => unknown(value, out),
        },
        "NULL" => out.push(b'Z'),
        "SS" | "NS" | "BS" => match inner.as_array() {
            Some(elements) => set(tag, elements, out),
            None => unknown(value, out),
        },
        "L" => match inner.as_array() {
            Some(elements) => {
                out.push(b'L');
                length(elements.len(), out);
                for e in elements {
                    encode_value(e, out);
                }
            }
            None => unknown(value, out),
        },
        "M" => match inner.as_object() {
            Some(map) => encode_map(map, out),
            None => unknown(value, out),
        },
        _ => unknown(value, out),
    }
}

/// A map or an item: its entries in the byte order of their names.
fn encode_map(map: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut names: Vec<&String> = map.keys().collect();
    names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    out.push(b'M');
    length(names.len(), out);
    for name in names {
        bytes(b'k', name.as_bytes(), out);
        encode_value(&map[name], out);
    }
}

/// A set: each element encoded on its own, the encodings sorted, then written in turn.
fn set(tag: &str, elements: &[Value], out: &mut Vec<u8>) {
    let mut encoded: Vec<Vec<u8>> = elements
        .iter()
        .map(|e| {
            let mut one = Vec::new();
            match tag {
                "SS" => match e.as_str() {
                    Some(s) => bytes(b'S', s.as_bytes(), &mut one),
                    None => unknown(e, &mut one),
                },
                "NS" => match number_text(e) {
                    Some(n) => bytes(b'N', normalise_number(&n).as_bytes(), &mut one),
                    None => unknown(e, &mut one),
                },
                _ => binary(b'B', e, &mut one),
            };
            one
        })
        .collect();
    encoded.sort_unstable();
    out.push(match tag {
        "SS" => b's',
        "NS" => b'n',
        _ => b'b',
    });
    length(encoded.len(), out);
    for e in encoded {
        out.extend_from_slice(&e);
    }
}

/// A binary as its bytes; base64 that does not decode keeps its text under another tag.
fn binary(tag: u8, text: &Value, out: &mut Vec<u8>) {
    match text.as_str().map(|t| BASE64.decode(t)) {
        Some(Ok(decoded)) => bytes(tag, &decoded, out),
        _ => unknown(text, out),
    }
}

/// A value that is no valid descriptor: its JSON text, under a tag of its own, so that it
/// still hashes the same on both sides and never like a valid value.
fn unknown(value: &Value, out: &mut Vec<u8>) {
    bytes(b'X', value.to_string().as_bytes(), out);
}

fn bytes(tag: u8, data: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    length(data.len(), out);
    out.extend_from_slice(data);
}

fn length(n: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

/// The one tag and its inner value of a type descriptor.
fn descriptor(value: &Value) -> Option<(&str, &Value)> {
    let obj = value.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    obj.iter().next().map(|(t, v)| (t.as_str(), v))
}

/// A number's text, whether DynamoDB JSON wrote it as a string (always, from AWS) or as a
/// JSON number.
pub fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Canonical text of a decimal number (one spelling per number; the writer's key identity
/// uses the same).
pub use crate::logic::items::canonical_number as normalise_number;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn numbers_written_differently_agree() {
        for same in ["1", "1.0", "1e0", "+1", "10e-1", "0.1E1", "001.000"] {
            assert_eq!(normalise_number(same), normalise_number("1"), "{same}");
        }
        assert_eq!(normalise_number("-0.0"), "0");
        assert_ne!(normalise_number("10"), normalise_number("1"));
        assert_ne!(normalise_number("-1"), normalise_number("1"));
        // 38 digits, beyond an f64, still tell apart.
        assert_ne!(
            normalise_number("12345678901234567890123456789012345678"),
            normalise_number("12345678901234567890123456789012345679")
        );
    }

    #[test]
    fn equal_values_written_differently_have_one_form() {
        let a = item(json!({
            "n": {"N": "1.50"}, "ns": {"NS": ["2", "1e0"]}, "ss": {"SS": ["b", "a"]},
            "bs": {"BS": ["AAE=", "AA=="]}, "m": {"M": {"y": {"N": "2"}, "x": {"BOOL": true}}}
        }));
        let b = item(json!({
            "m": {"M": {"x": {"BOOL": true}, "y": {"N": "2.0"}}}, "bs": {"BS": ["AA==", "AAE="]},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2e0"]}, "n": {"N": "15e-1"}
        }));
        assert_eq!(canonical_item(&a), canonical_item(&b));
    }

    #[test]
    fn types_and_list_order_are_part_of_the_value() {
        let forms = [
            json!({"v": {"S": "1"}}),
            json!({"v": {"N": "1"}}),
            json!({"v": {"SS": ["1"]}}),
            json!({"v": {"NS": ["1"]}}),
            json!({"v": {"L": [{"S": "1"}]}}),
            json!({"v": {"L": [{"S": "a"}, {"S": "b"}]}}),
            json!({"v": {"L": [{"S": "b"}, {"S": "a"}]}}),
            json!({"v": {"B": "AA=="}}),
            json!({"v": {"BOOL": true}}),
            json!({"v": {"BOOL": false}}),
            json!({"v": {"NULL": true}}),
            json!({"v": {"M": {}}}),
            json!({"v": {"L": []}}),
            json!({"w": {"S": "1"}}),
        ];
        let encodings: Vec<Vec<u8>> = forms
            .iter()
            .map(|f| canonical_item(&item(f.clone())))
            .collect();
        for (i, a) in encodings.iter().enumerate() {
            for b in &encodings[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn a_binary_is_its_bytes() {
        // The same bytes in base64 with and without padding are not both valid; the decoded
        // bytes are what is compared, and undecodable text never equals a real binary.
        let good = canonical_item(&item(json!({"b": {"B": "AAEC"}})));
        let bad = canonical_item(&item(json!({"b": {"B": "AAEC!"}})));
        assert_ne!(good, bad);
    }

    /// A number's text written another way with the same value: leading zeros, trailing
    /// zeros after a point, or the point moved into an exponent.
    fn rewritten(n: i64, how: u8) -> String {
        match how % 3 {
            0 => format!("{n}.000"),
            1 => format!("{n}0e-1"),
            _ => {
                let sign = if n < 0 { "-" } else { "" };
                format!("{sign}00{}", n.unsigned_abs())
            }
        }
    }

    proptest! {
        #[test]
        fn equal_values_written_differently_encode_alike(
            words in prop::collection::btree_set("[a-z]{0,4}", 1..6),
            numbers in prop::collection::btree_set(any::<i64>(), 1..6),
            how in any::<u8>(),
            rotate in any::<usize>(),
        ) {
            let words: Vec<String> = words.into_iter().collect();
            let numbers: Vec<i64> = numbers.into_iter().collect();
            let mut turned = words.clone();
            turned.rotate_left(rotate % words.len());
            let mut numbers_turned = numbers.clone();
            numbers_turned.rotate_left(rotate % numbers.len());
            let plain = item(json!({
                "ss": {"SS": words},
                "ns": {"NS": numbers.iter().map(|n| n.to_string()).collect::<Vec<_>>()},
                "n": {"N": numbers[0].to_string()},
                "m": {"M": {"a": {"S": "x"}, "b": {"N": numbers[0].to_string()}}},
            }));
            let other = item(json!({
                "m": {"M": {"b": {"N": rewritten(numbers[0], how)}, "a": {"S": "x"}}},
                "n": {"N": rewritten(numbers[0], how.wrapping_add(1))},
                "ns": {"NS": numbers_turned.iter().map(|n| rewritten(*n, how)).collect::<Vec<_>>()},
                "ss": {"SS": turned},
            }));
            prop_assert_eq!(canonical_item(&plain), canonical_item(&other));
        }
    }
}
