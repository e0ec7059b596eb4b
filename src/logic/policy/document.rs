//! A policy document as read before statements are added to it, the bucket's policy
//! ([`super`]) and the backup vault's access policy ([`crate::logic::vault_policy`]) alike:
//! its top-level fields, kept as they are, and its statements as a list. Each policy turns a
//! [`DocumentError`] into its own error, which names the console to fix the policy in.

use serde_json::{Map, Value};

use crate::logic::items::json_kind;

/// The policy language version that understands condition set operators and variables.
const POLICY_VERSION: &str = "2012-10-17";

/// Why a policy's text is not a document statements can be added to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocumentError {
    InvalidJson {
        line: usize,
        column: usize,
        reason: String,
    },
    /// Valid JSON, but not an object.
    NotAnObject { found: &'static str },
    /// `Statement` is neither a statement object nor a list.
    BadStatement { found: &'static str },
    /// Entry `number` (from 1) of the `Statement` list is not an object.
    BadStatementEntry { number: usize, found: &'static str },
}

/// Lets `?` turn a [`DocumentError`] into a policy's own error, whose variants of the same
/// names word the fault for that policy and its console.
macro_rules! from_document_error {
    ($error:ty) => {
        impl From<$crate::logic::policy::document::DocumentError> for $error {
            fn from(e: $crate::logic::policy::document::DocumentError) -> Self {
                use $crate::logic::policy::document::DocumentError as D;
                match e {
                    D::InvalidJson {
                        line,
                        column,
                        reason,
                    } => Self::InvalidJson {
                        line,
                        column,
                        reason,
                    },
                    D::NotAnObject { found } => Self::NotAnObject { found },
                    D::BadStatement { found } => Self::BadStatement { found },
                    D::BadStatementEntry { number, found } => {
                        Self::BadStatementEntry { number, found }
                    }
                }
            }
        }
    };
}
pub(crate) use from_document_error;

/// A policy's top-level fields (without `Statement`) and its statements.
pub(crate) type Document = (Map<String, Value>, Vec<Value>);

/// Reads `existing`, the policy's text; none (or a blank one) is a policy without
/// statements, of the current language version.
pub(crate) fn read(existing: Option<&str>) -> Result<Document, DocumentError> {
    match existing.filter(|text| !text.trim().is_empty()) {
        None => {
            let mut document = Map::new();
            document.insert("Version".into(), Value::String(POLICY_VERSION.into()));
            Ok((document, Vec::new()))
        }
        Some(text) => parse(text),
    }
}

/// Splits a policy document into its top-level fields and its statements as a list.
fn parse(text: &str) -> Result<Document, DocumentError> {
    let value: Value = serde_json::from_str(text).map_err(|e| DocumentError::InvalidJson {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })?;
    let Value::Object(mut document) = value else {
        return Err(DocumentError::NotAnObject {
            found: json_kind(&value),
        });
    };
    let statements = match document.remove("Statement") {
        None => Vec::new(),
        Some(Value::Array(list)) => list,
        // IAM allows a lone statement object; it is kept and written back as a list of one.
        Some(single @ Value::Object(_)) => vec![single],
        Some(other) => {
            return Err(DocumentError::BadStatement {
                found: json_kind(&other),
            })
        }
    };
    if let Some((index, bad)) = statements.iter().enumerate().find(|(_, s)| !s.is_object()) {
        return Err(DocumentError::BadStatementEntry {
            number: index + 1,
            found: json_kind(bad),
        });
    }
    Ok((document, statements))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn no_policy_is_an_empty_one_of_the_current_version() {
        for existing in [None, Some(""), Some(" \n")] {
            let (fields, statements) = read(existing).unwrap();
            assert_eq!(Value::Object(fields), json!({ "Version": POLICY_VERSION }));
            assert!(statements.is_empty());
        }
    }

    #[test]
    fn a_lone_statement_becomes_a_list_and_the_other_fields_stay() {
        let text = r#"{"Id": "p", "Statement": {"Effect": "Allow"}, "Version": "2008-10-17"}"#;
        let (fields, statements) = read(Some(text)).unwrap();
        assert_eq!(
            Value::Object(fields),
            json!({ "Id": "p", "Version": "2008-10-17" })
        );
        assert_eq!(statements, [json!({ "Effect": "Allow" })]);
    }
}
