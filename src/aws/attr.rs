//! Conversion between the SDK's `AttributeValue` and DynamoDB JSON (`{"S": "x"}`), the form
//! items take in an export, so items read from a table and items read from S3 compare directly.
//! How two items compare (numbers by value, sets as sets) is pure logic, in `logic::compare`;
//! it is re-exported here for the callers that read items through this module.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::logic::compare::canonical::number_text;
pub use crate::logic::compare::{first_difference, item_difference};

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
}
