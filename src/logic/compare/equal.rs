//! Whether two DynamoDB JSON values are equal by meaning (numbers by value, sets as sets),
//! and where they differ. The sample check of `verify` names the first difference; a full
//! compare names every attribute that differs.

use serde_json::{Map, Value};

use super::canonical::{normalise_number, number_text};

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
pub fn item_difference(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    path: &str,
) -> Option<String> {
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

/// Every top-level attribute that differs between two items by meaning, or is on one side
/// only, in name order: what a full compare reports for two items with the same key.
pub fn attributes_differing(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = a
        .iter()
        .filter(|(k, av)| {
            b.get(*k)
                .is_none_or(|bv| first_difference(av, bv, k).is_some())
        })
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    names.sort_unstable();
    names
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (number_text(a), number_text(b)) {
        (Some(x), Some(y)) => x == y || normalise_number(&x) == normalise_number(&y),
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
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
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
        let a = item(json!({"pk": {"S": "1"}, "x": {"S": "2"}}));
        let b = item(json!({"pk": {"S": "1"}}));
        assert!(item_difference(&a, &b, "").unwrap().starts_with('x'));
        assert!(item_difference(&b, &a, "").unwrap().starts_with('x'));
    }

    #[test]
    fn every_differing_attribute_is_named_once_in_order() {
        let a = item(json!({
            "pk": {"S": "1"}, "same": {"N": "1.0"}, "changed": {"S": "a"},
            "only_a": {"BOOL": true}, "typed": {"N": "1"}
        }));
        let b = item(json!({
            "pk": {"S": "1"}, "same": {"N": "1"}, "changed": {"S": "b"},
            "only_b": {"NULL": true}, "typed": {"S": "1"}
        }));
        assert_eq!(
            attributes_differing(&a, &b),
            ["changed", "only_a", "only_b", "typed"]
        );
        assert!(attributes_differing(&a, &a).is_empty());
    }
}
