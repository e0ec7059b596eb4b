//! The change to a bucket policy, line by line, for a person to approve.
//!
//! Merging only ever adds statements (and, for a bucket without a policy, the document
//! around them), so a statement-granular view is exact: every line is either unchanged or
//! added, and the lines joined with newlines are the new policy as valid, pretty JSON.

use serde_json::{Map, Value};

/// One line of the new policy, marked by whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
}

impl DiffLine {
    /// The line's text, without a marker.
    pub fn text(&self) -> &str {
        match self {
            DiffLine::Same(text) | DiffLine::Added(text) => text,
        }
    }

    /// Whether the line is new.
    pub fn is_added(&self) -> bool {
        matches!(self, DiffLine::Added(_))
    }

    fn new(text: String, added: bool) -> Self {
        if added {
            DiffLine::Added(text)
        } else {
            DiffLine::Same(text)
        }
    }

    fn push_str(&mut self, suffix: &str) {
        match self {
            DiffLine::Same(text) | DiffLine::Added(text) => text.push_str(suffix),
        }
    }
}

/// `after` pretty-printed, each line marked as unchanged from `before` or added.
///
/// Top-level fields are compared whole; statements are matched one to one (a statement
/// already in `before`, in any position, is unchanged). With no `before`, every line is added.
pub fn diff_lines(before: Option<&Value>, after: &Value) -> Vec<DiffLine> {
    let Some(after_fields) = after.as_object() else {
        let added = before != Some(after);
        return pretty_lines(after, "")
            .into_iter()
            .map(|line| DiffLine::new(line, added))
            .collect();
    };
    let all_new = before.is_none();
    let before_fields = before.and_then(Value::as_object);
    let mut unmatched_before = before_fields.map(statements).unwrap_or_default();

    let mut entries: Vec<Vec<DiffLine>> = Vec::new();
    for (name, value) in after_fields {
        let key = serde_json::to_string(name).unwrap_or_else(|_| format!("\"{name}\""));
        match (name.as_str(), value) {
            ("Statement", Value::Array(list)) => {
                let header_added = all_new || before_fields.is_none_or(|b| !b.contains_key(name));
                let mut lines = vec![DiffLine::new(format!("  {key}: ["), header_added)];
                for (index, statement) in list.iter().enumerate() {
                    let added = all_new || !take_match(&mut unmatched_before, statement);
                    let mut block: Vec<DiffLine> = pretty_lines(statement, "    ")
                        .into_iter()
                        .map(|line| DiffLine::new(line, added))
                        .collect();
                    if index + 1 < list.len() {
                        if let Some(last) = block.last_mut() {
                            last.push_str(",");
                        }
                    }
                    lines.extend(block);
                }
                lines.push(DiffLine::new("  ]".into(), header_added));
                entries.push(lines);
            }
            _ => {
                let added = all_new || before_fields.and_then(|b| b.get(name)) != Some(value);
                let mut lines = pretty_lines(value, "  ");
                if let Some(first) = lines.first_mut() {
                    *first = format!("  {key}: {}", first.trim_start());
                }
                entries.push(
                    lines
                        .into_iter()
                        .map(|line| DiffLine::new(line, added))
                        .collect(),
                );
            }
        }
    }

    let mut out = vec![DiffLine::new("{".into(), all_new)];
    let count = entries.len();
    for (index, mut entry) in entries.into_iter().enumerate() {
        if index + 1 < count {
            if let Some(last) = entry.last_mut() {
                last.push_str(",");
            }
        }
        out.extend(entry);
    }
    out.push(DiffLine::new("}".into(), all_new));
    out
}

/// The statements of a policy, a lone statement object counting as a list of one.
fn statements(fields: &Map<String, Value>) -> Vec<&Value> {
    match fields.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// Removes one statement equal to `statement` from `pool`; true if there was one.
fn take_match(pool: &mut Vec<&Value>, statement: &Value) -> bool {
    match pool.iter().position(|candidate| *candidate == statement) {
        Some(index) => {
            pool.remove(index);
            true
        }
        None => false,
    }
}

fn pretty_lines(value: &Value, indent: &str) -> Vec<String> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.lines().map(|line| format!("{indent}{line}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{merge, ExportGrant, ALLOW_SID};
    use super::*;
    use serde_json::json;

    fn grant() -> ExportGrant {
        ExportGrant {
            bucket: "dest".into(),
            prefix: "p".into(),
            source_account: "111122223333".into(),
            deny_insecure_transport: true,
        }
    }

    fn joined(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(DiffLine::text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn new_policy_is_all_added_and_valid_json() {
        let m = merge(None, &grant()).unwrap();
        let lines = diff_lines(None, &m.policy);
        assert!(lines.iter().all(DiffLine::is_added));
        let parsed: Value = serde_json::from_str(&joined(&lines)).unwrap();
        assert_eq!(parsed, m.policy);
    }

    #[test]
    fn only_our_statements_are_added() {
        let before = json!({"Version": "2012-10-17", "Id": "x", "Statement": [
            {"Sid": "Theirs", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::dest/public/*"}]});
        let m = merge(Some(&before.to_string()), &grant()).unwrap();
        let lines = diff_lines(Some(&before), &m.policy);
        let parsed: Value = serde_json::from_str(&joined(&lines)).unwrap();
        assert_eq!(parsed, m.policy);
        for line in &lines {
            if line.text().contains("Theirs") || line.text().contains("\"Id\"") {
                assert!(!line.is_added(), "{line:?}");
            }
            if line.text().contains(ALLOW_SID) {
                assert!(line.is_added(), "{line:?}");
            }
        }
        assert!(lines.first().is_some_and(|l| !l.is_added()));
        let added = lines.iter().filter(|l| l.is_added()).count();
        let same = lines.len() - added;
        assert!(added > 10 && same > 5, "added {added}, same {same}");
    }

    #[test]
    fn unchanged_policy_has_no_added_lines() {
        let m = merge(None, &grant()).unwrap();
        let lines = diff_lines(Some(&m.policy), &m.policy);
        assert!(lines.iter().all(|l| !l.is_added()));
    }

    #[test]
    fn single_statement_before_matches_list_after() {
        let only = json!({"Sid": "One", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::dest/x"});
        let before = json!({"Statement": only});
        let after = json!({"Statement": [only]});
        let lines = diff_lines(Some(&before), &after);
        assert!(lines.iter().all(|l| !l.is_added()), "{lines:?}");
    }

    #[test]
    fn non_object_after_is_handled() {
        let lines = diff_lines(None, &json!([1, 2]));
        assert!(lines.iter().all(DiffLine::is_added));
        let lines = diff_lines(Some(&json!(5)), &json!(5));
        assert_eq!(lines, vec![DiffLine::Same("5".into())]);
    }
}
