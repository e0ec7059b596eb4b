//! Time to live: DynamoDB deletes an item once the Number in the table's TTL attribute, in
//! epoch seconds, is in the past — but at its own pace (typically within a few days), on
//! each side separately. A compare fixes one "now" and sets expired items apart, so that a
//! deletion done on one side and not yet on the other is not a difference.

use serde_json::{Map, Value};

use super::canonical::number_text;

/// Whether `item`'s TTL has expired at `now_epoch_secs`: its `ttl_attribute` is a Number
/// (DynamoDB ignores any other type) lower than now. An item without the attribute, or
/// with another type, never expires.
pub fn is_expired(item: &Map<String, Value>, ttl_attribute: &str, now_epoch_secs: i64) -> bool {
    let Some(text) = item
        .get(ttl_attribute)
        .and_then(Value::as_object)
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("N"))
        .and_then(number_text)
    else {
        return false;
    };
    // Epoch seconds fit an f64 exactly; a 38-digit number is only ever far in the future.
    text.trim()
        .parse::<f64>()
        .is_ok_and(|at| at.is_finite() && at < now_epoch_secs as f64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn only_a_number_in_the_past_has_expired() {
        let now = 1_700_000_000;
        assert!(is_expired(
            &item(json!({"exp": {"N": "1699999999"}})),
            "exp",
            now
        ));
        assert!(is_expired(
            &item(json!({"exp": {"N": "1.6e9"}})),
            "exp",
            now
        ));
        assert!(!is_expired(
            &item(json!({"exp": {"N": "1700000000"}})),
            "exp",
            now
        ));
        assert!(!is_expired(
            &item(json!({"exp": {"N": "1800000000"}})),
            "exp",
            now
        ));
        // DynamoDB ignores a TTL attribute of another type.
        assert!(!is_expired(&item(json!({"exp": {"S": "1"}})), "exp", now));
        assert!(!is_expired(
            &item(json!({"exp": {"NS": ["1"]}})),
            "exp",
            now
        ));
        assert!(!is_expired(&item(json!({"other": {"N": "1"}})), "exp", now));
        assert!(!is_expired(
            &item(json!({"exp": {"N": "soon"}})),
            "exp",
            now
        ));
    }
}
