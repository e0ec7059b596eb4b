//! Conversion between the SDK's `AttributeValue` and DynamoDB JSON (`{"S": "x"}`), the form
//! items take in an export, so items read from a table and items read from S3 compare directly.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::logic::items::canonical_number;

/// An item as DynamoDB JSON: attribute name → type descriptor.
pub type JsonItem = Map<String, Value>;

/// Converts one attribute value to DynamoDB JSON.
pub fn to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": BASE64.encode(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => {
            json!({ "BS": v.iter().map(|b| BASE64.encode(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::L(items) => json!({ "L": items.iter().map(to_json).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({ "M": item_to_json(map) }),
        _ => json!({ "NULL": true }),
    }
}

/// Converts a whole item to DynamoDB JSON.
pub fn item_to_json(item: &HashMap<String, AttributeValue>) -> JsonItem {
    item.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()
}

/// Converts DynamoDB JSON to an attribute value; `None` when it is not a valid descriptor.
pub fn from_json(value: &Value) -> Option<AttributeValue> {
    let obj = value.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (tag, inner) = obj.iter().next()?;
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let blob = |v: &Value| -> Option<Blob> { BASE64.decode(v.as_str()?).ok().map(Blob::new) };
    Some(match tag.as_str() {
        "S" => AttributeValue::S(inner.as_str()?.to_owned()),
        "N" => AttributeValue::N(number_text(inner)?),
        "B" => AttributeValue::B(blob(inner)?),
        "BOOL" => AttributeValue::Bool(inner.as_bool()?),
        "NULL" => AttributeValue::Null(inner.as_bool()?),
        "SS" => AttributeValue::Ss(strings(inner)?),
        "NS" => AttributeValue::Ns(
            inner
                .as_array()?
                .iter()
                .map(number_text)
                .collect::<Option<Vec<_>>>()?,
        ),
        "BS" => AttributeValue::Bs(
            inner
                .as_array()?
                .iter()
                .map(blob)
                .collect::<Option<Vec<_>>>()?,
        ),
        "L" => AttributeValue::L(
            inner
                .as_array()?
                .iter()
                .map(from_json)
                .collect::<Option<Vec<_>>>()?,
        ),
        "M" => AttributeValue::M(item_from_json(inner.as_object()?)?),
        _ => return None,
    })
}

/// Converts a DynamoDB JSON item to SDK attribute values.
pub fn item_from_json(item: &JsonItem) -> Option<HashMap<String, AttributeValue>> {
    item.iter()
        .map(|(k, v)| Some((k.clone(), from_json(v)?)))
        .collect()
}

fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Compares two DynamoDB JSON values by meaning: numbers numerically ("10.10" == "10.1"),
/// sets as sets. Returns a path to the first difference, or `None` when equal.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    let (Some(ao), Some(bo)) = (a.as_object(), b.as_object()) else {
        return (a != b).then(|| path.to_owned());
    };
    let (Some((at, av)), Some((bt, bv))) = (ao.iter().next(), bo.iter().next()) else {
        return (ao.len() != bo.len()).then(|| path.to_owned());
    };
    if at != bt || ao.len() != 1 || bo.len() != 1 {
        return Some(format!("{path} (type {at} vs {bt})"));
    }
    match at.as_str() {
        "N" => (!numbers_equal(av, bv)).then(|| path.to_owned()),
        "SS" | "BS" => (!sets_equal(av, bv, |x, y| x == y)).then(|| path.to_owned()),
        "NS" => (!sets_equal(av, bv, numbers_equal)).then(|| path.to_owned()),
        "L" => {
            let (Some(al), Some(bl)) = (av.as_array(), bv.as_array()) else {
                return Some(path.to_owned());
            };
            if al.len() != bl.len() {
                return Some(format!("{path} (list length {} vs {})", al.len(), bl.len()));
            }
            al.iter()
                .zip(bl)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]")))
        }
        "M" => {
            let (Some(am), Some(bm)) = (av.as_object(), bv.as_object()) else {
                return Some(path.to_owned());
            };
            item_difference(am, bm, path)
        }
        _ => (av != bv).then(|| path.to_owned()),
    }
}

/// Like [`first_difference`] for whole items.
pub fn item_difference(a: &JsonItem, b: &JsonItem, path: &str) -> Option<String> {
    for (k, av) in a {
        let sub = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match b.get(k) {
            None => return Some(format!("{sub} (missing on one side)")),
            Some(bv) => {
                if let Some(d) = first_difference(av, bv, &sub) {
                    return Some(d);
                }
            }
        }
    }
    b.keys().find(|k| !a.contains_key(*k)).map(|k| {
        format!(
            "{path}{}{k} (missing on one side)",
            if path.is_empty() { "" } else { "." }
        )
    })
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (number_text(a), number_text(b)) {
        (Some(x), Some(y)) => x == y || canonical_number(&x) == canonical_number(&y),
        _ => false,
    }
}

fn sets_equal(a: &Value, b: &Value, eq: impl Fn(&Value, &Value) -> bool) -> bool {
    match (a.as_array(), b.as_array()) {
        (Some(x), Some(y)) => x.len() == y.len() && x.iter().all(|e| y.iter().any(|f| eq(e, f))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_type() {
        let item: JsonItem = serde_json::from_value(json!({
            "s": {"S": "héllo \"q\" \\"},
            "n": {"N": "10.10"},
            "b": {"B": "AAEC"},
            "t": {"BOOL": true},
            "z": {"NULL": true},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2.5"]},
            "bs": {"BS": ["AA=="]},
            "l": {"L": [{"S": "x"}, {"L": []}, {"M": {}}]},
            "m": {"M": {"inner": {"N": "1"}}}
        }))
        .unwrap();
        let sdk = item_from_json(&item).unwrap();
        assert_eq!(item_to_json(&sdk), item);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(first_difference(&json!({"N": "10.10"}), &json!({"N": "10.1"}), "n").is_none());
        assert!(first_difference(&json!({"N": "1e2"}), &json!({"N": "100"}), "n").is_none());
        assert!(first_difference(&json!({"N": "-0.0"}), &json!({"N": "0"}), "n").is_none());
        assert!(first_difference(&json!({"N": "10"}), &json!({"N": "1"}), "n").is_some());
        assert!(first_difference(&json!({"N": "0.01"}), &json!({"N": "0.1"}), "n").is_some());
    }

    #[test]
    fn sets_ignore_order_and_lists_do_not() {
        assert!(
            first_difference(&json!({"SS": ["a","b"]}), &json!({"SS": ["b","a"]}), "x").is_none()
        );
        assert!(first_difference(
            &json!({"L": [{"S":"a"},{"S":"b"}]}),
            &json!({"L": [{"S":"b"},{"S":"a"}]}),
            "x"
        )
        .is_some());
    }

    #[test]
    fn a_missing_attribute_is_named() {
        let a: JsonItem =
            serde_json::from_value(json!({"pk": {"S": "1"}, "x": {"S": "2"}})).unwrap();
        let b: JsonItem = serde_json::from_value(json!({"pk": {"S": "1"}})).unwrap();
        assert!(item_difference(&a, &b, "").unwrap().starts_with('x'));
        assert!(item_difference(&b, &a, "").unwrap().starts_with('x'));
    }
}
