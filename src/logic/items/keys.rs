//! Whether one item carries the new table's key attributes, spelled and typed right.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

/// The type of a key attribute: keys can only be strings, numbers or binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    /// The word a person knows the type by.
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::S => "a string (S)",
            ScalarType::N => "a number (N)",
            ScalarType::B => "binary (B)",
        }
    }
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        })
    }
}

/// A key type that is not S, N or B.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key type {found:?} is not one of S (string), N (number) or B (binary)")]
pub struct ParseScalarTypeError {
    pub found: String,
}

impl FromStr for ScalarType {
    type Err = ParseScalarTypeError;

    /// Accepts "S"/"N"/"B" in either case, surrounded by spaces or not, since people type it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "S" | "s" => Ok(ScalarType::S),
            "N" | "n" => Ok(ScalarType::N),
            "B" | "b" => Ok(ScalarType::B),
            other => Err(ParseScalarTypeError {
                found: other.chars().take(20).collect(),
            }),
        }
    }
}

/// One key attribute of the new table. In a list of keys the first is the partition key and
/// the second, if any, the sort key, as in a KeySchema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct KeyAttr {
    pub name: String,
    pub kind: ScalarType,
}

/// Something wrong with an item's key attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyProblem {
    /// No attribute of that name, in any spelling.
    Missing { name: String },
    /// No attribute of that name, but one that differs only in case.
    WrongCase { expected: String, found: String },
    /// The attribute is there with another type (`found` is the type key, e.g. "N" or "SS").
    WrongType {
        name: String,
        expected: ScalarType,
        found: String,
    },
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Missing { name } => write!(f, "no attribute {name:?}"),
            KeyProblem::WrongCase { expected, found } => {
                write!(
                    f,
                    "attribute {found:?} instead of {expected:?} (names are case-sensitive)"
                )
            }
            KeyProblem::WrongType {
                name,
                expected,
                found,
            } => write!(f, "attribute {name:?} has type {found}, not {expected}"),
        }
    }
}

/// The problems `item` (as returned by `parse_item_line`) has with `keys`, in key order.
pub fn check_item_keys(item: &Map<String, Value>, keys: &[KeyAttr]) -> Vec<KeyProblem> {
    let mut problems = Vec::new();
    for key in keys {
        match item.get(&key.name) {
            Some(value) => {
                let found = type_key(value);
                if found != key.kind.to_string() {
                    problems.push(KeyProblem::WrongType {
                        name: key.name.clone(),
                        expected: key.kind,
                        found,
                    });
                }
            }
            None => {
                let wanted = key.name.to_lowercase();
                let other_spelling = item.keys().find(|name| name.to_lowercase() == wanted);
                problems.push(match other_spelling {
                    Some(found) => KeyProblem::WrongCase {
                        expected: key.name.clone(),
                        found: found.clone(),
                    },
                    None => KeyProblem::Missing {
                        name: key.name.clone(),
                    },
                });
            }
        }
    }
    problems
}

/// The type key of a typed value (`{"N":"1"}` → "N"), or "invalid" if it is not one.
fn type_key(value: &Value) -> String {
    match value.as_object() {
        Some(map) if map.len() == 1 => map.keys().next().cloned().unwrap_or_default(),
        _ => "invalid".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn key(name: &str, kind: ScalarType) -> KeyAttr {
        KeyAttr {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn scalar_type_text() {
        for (text, kind) in [
            ("S", ScalarType::S),
            ("n", ScalarType::N),
            (" B ", ScalarType::B),
        ] {
            assert_eq!(text.parse::<ScalarType>().unwrap(), kind);
        }
        for kind in [ScalarType::S, ScalarType::N, ScalarType::B] {
            assert_eq!(kind.to_string().parse::<ScalarType>().unwrap(), kind);
        }
        let err = "SS".parse::<ScalarType>().unwrap_err();
        assert!(err.to_string().contains("\"SS\""));
    }

    #[test]
    fn matching_keys_have_no_problems() {
        let i = item(json!({"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"BOOL": true}}));
        assert!(
            check_item_keys(&i, &[key("pk", ScalarType::S), key("sk", ScalarType::N)]).is_empty()
        );
        assert!(check_item_keys(&i, &[]).is_empty());
    }

    #[test]
    fn wrong_case_missing_and_wrong_type() {
        let i = item(json!({"PK": {"S": "a"}, "sk": {"SS": ["1"]}}));
        let problems = check_item_keys(
            &i,
            &[
                key("pk", ScalarType::S),
                key("sk", ScalarType::N),
                key("gone", ScalarType::B),
            ],
        );
        assert_eq!(
            problems,
            vec![
                KeyProblem::WrongCase {
                    expected: "pk".into(),
                    found: "PK".into()
                },
                KeyProblem::WrongType {
                    name: "sk".into(),
                    expected: ScalarType::N,
                    found: "SS".into()
                },
                KeyProblem::Missing {
                    name: "gone".into()
                },
            ]
        );
        assert!(problems[0].to_string().contains("case-sensitive"));
    }

    #[test]
    fn non_ascii_case_is_recognised() {
        let i = item(json!({"ÉTAT": {"S": "a"}}));
        assert_eq!(
            check_item_keys(&i, &[key("état", ScalarType::S)]),
            vec![KeyProblem::WrongCase {
                expected: "état".into(),
                found: "ÉTAT".into()
            }]
        );
    }

    #[test]
    fn malformed_value_is_wrong_type() {
        let i = item(json!({"pk": "raw"}));
        assert_eq!(
            check_item_keys(&i, &[key("pk", ScalarType::S)]),
            vec![KeyProblem::WrongType {
                name: "pk".into(),
                expected: ScalarType::S,
                found: "invalid".into()
            }]
        );
    }
}
