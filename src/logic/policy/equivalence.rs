//! When two policy statements mean the same thing.
//!
//! People (and the S3 console) write the same grant in many spellings; if we compared
//! statements textually we would add a duplicate of a grant the bucket already has every
//! time the tool runs. The canonical form below erases the differences IAM itself ignores.

use serde_json::{Map, Value};

/// A form of `statement` in which equivalent spellings compare equal.
///
/// Erased: the Sid (a label, not meaning); a single string versus a list, and list order and
/// duplicates, in Action/Resource/Principal/Condition values; the case of action names and
/// of condition key names (IAM matches both case-insensitively); an account id versus that
/// account's root ARN in an "AWS" principal; `"*"` versus `{"AWS": "*"}`; JSON booleans and
/// numbers versus their string form in condition values. Anything not understood is kept
/// as it is, so unusual statements only ever compare equal to themselves.
pub(super) fn canonical(statement: &Value) -> Value {
    let Value::Object(fields) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (name, value) in fields {
        let normalised = match name.as_str() {
            "Sid" => continue,
            "Action" | "NotAction" => string_set(value, |s| s.to_ascii_lowercase()),
            "Resource" | "NotResource" => string_set(value, str::to_owned),
            "Principal" | "NotPrincipal" => principal(value),
            "Condition" => condition(value),
            _ => value.clone(),
        };
        out.insert(name.clone(), normalised);
    }
    Value::Object(out)
}

/// A string or list of strings as a sorted list without duplicates; other shapes unchanged.
fn string_set(value: &Value, map: impl Fn(&str) -> String) -> Value {
    let items: Option<Vec<String>> = match value {
        Value::String(s) => Some(vec![map(s)]),
        Value::Array(list) => list.iter().map(|v| v.as_str().map(&map)).collect(),
        _ => None,
    };
    match items {
        Some(mut items) => {
            items.sort();
            items.dedup();
            Value::Array(items.into_iter().map(Value::String).collect())
        }
        None => value.clone(),
    }
}

fn principal(value: &Value) -> Value {
    match value {
        Value::String(s) if s == "*" => {
            let mut map = Map::new();
            map.insert("AWS".into(), Value::Array(vec![Value::String("*".into())]));
            Value::Object(map)
        }
        Value::Object(kinds) => {
            let mut out = Map::new();
            for (kind, ids) in kinds {
                let normalised = if kind == "AWS" {
                    string_set(ids, account_as_root_arn)
                } else {
                    string_set(ids, str::to_owned)
                };
                out.insert(kind.clone(), normalised);
            }
            Value::Object(out)
        }
        _ => value.clone(),
    }
}

/// IAM stores a bare account id in a principal as that account's root ARN.
fn account_as_root_arn(id: &str) -> String {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("arn:aws:iam::{id}:root")
    } else {
        id.to_owned()
    }
}

fn condition(value: &Value) -> Value {
    let Value::Object(operators) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (operator, keys) in operators {
        let normalised = match keys {
            Value::Object(keys) => {
                let mut by_key = Map::new();
                for (key, values) in keys {
                    by_key.insert(key.to_ascii_lowercase(), condition_values(values));
                }
                Value::Object(by_key)
            }
            other => other.clone(),
        };
        out.insert(operator.clone(), normalised);
    }
    Value::Object(out)
}

fn condition_values(values: &Value) -> Value {
    let as_text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let items: Option<Vec<String>> = match values {
        Value::Array(list) => list.iter().map(as_text).collect(),
        scalar => as_text(scalar).map(|s| vec![s]),
    };
    match items {
        Some(mut items) => {
            items.sort();
            items.dedup();
            Value::Array(items.into_iter().map(Value::String).collect())
        }
        None => values.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sid_is_ignored() {
        assert_eq!(
            canonical(&json!({"Sid": "a", "Effect": "Allow"})),
            canonical(&json!({"Sid": "b", "Effect": "Allow"}))
        );
    }

    #[test]
    fn actions_ignore_case_order_and_shape() {
        assert_eq!(
            canonical(&json!({"Action": "s3:PutObject"})),
            canonical(&json!({"Action": ["S3:PUTOBJECT", "s3:putobject"]}))
        );
        assert_eq!(
            canonical(&json!({"Action": ["s3:A", "s3:B"]})),
            canonical(&json!({"Action": ["s3:b", "s3:a"]}))
        );
    }

    #[test]
    fn resources_keep_case() {
        assert_ne!(
            canonical(&json!({"Resource": "arn:aws:s3:::b/P/*"})),
            canonical(&json!({"Resource": "arn:aws:s3:::b/p/*"}))
        );
    }

    #[test]
    fn principal_spellings() {
        assert_eq!(
            canonical(&json!({"Principal": {"AWS": "111122223333"}})),
            canonical(&json!({"Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}}))
        );
        assert_eq!(
            canonical(&json!({"Principal": "*"})),
            canonical(&json!({"Principal": {"AWS": "*"}}))
        );
        assert_ne!(
            canonical(&json!({"Principal": {"AWS": "111122223333"}})),
            canonical(&json!({"Principal": {"AWS": "111122224444"}}))
        );
    }

    #[test]
    fn condition_spellings() {
        assert_eq!(
            canonical(&json!({"Condition": {"Bool": {"aws:SecureTransport": false}}})),
            canonical(&json!({"Condition": {"Bool": {"AWS:securetransport": ["false"]}}}))
        );
        assert_ne!(
            canonical(&json!({"Condition": {"Bool": {"aws:SecureTransport": "true"}}})),
            canonical(&json!({"Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
        );
    }

    #[test]
    fn unusual_shapes_are_kept() {
        let odd = json!({"Action": [1, "s3:x"], "Principal": 5, "Condition": "c", "Extra": [2, 1]});
        assert_eq!(canonical(&odd), {
            let mut expected = odd.clone();
            expected.as_object_mut().unwrap().remove("Sid");
            expected
        });
        assert_eq!(canonical(&json!(3)), json!(3));
    }
}
