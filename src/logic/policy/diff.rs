//! The change to a bucket policy, one line per statement, for a person to approve.
//!
//! Merging only ever appends statements, so the change is exact at statement granularity:
//! the bucket's current statements stay as they are and the merge's are added after them.

use serde_json::Value;

use super::PolicyMerge;

/// One statement of the new policy (compact JSON), marked by whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
}

/// The statements of `current` (the bucket's policy text, if any) unchanged, then the ones
/// `merge` adds. A lone statement object counts as a list of one; a policy that is not JSON
/// contributes no lines (the merge has already refused it).
pub fn statement_lines(current: Option<&str>, merge: &PolicyMerge) -> Vec<DiffLine> {
    let before: Option<Value> = current.and_then(|t| serde_json::from_str(t).ok());
    let kept = match before.as_ref().and_then(|p| p.get("Statement")) {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    kept.into_iter()
        .map(|s| DiffLine::Same(s.to_string()))
        .chain(merge.added.iter().map(|s| DiffLine::Added(s.to_string())))
        .collect()
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

    fn added(lines: &[DiffLine]) -> Vec<&str> {
        lines
            .iter()
            .filter_map(|l| match l {
                DiffLine::Added(t) => Some(t.as_str()),
                DiffLine::Same(_) => None,
            })
            .collect()
    }

    #[test]
    fn new_policy_is_all_added() {
        let m = merge(None, &grant()).unwrap();
        let lines = statement_lines(None, &m);
        assert_eq!(added(&lines).len(), lines.len());
        assert_eq!(lines.len(), m.policy["Statement"].as_array().unwrap().len());
    }

    #[test]
    fn only_our_statements_are_added_after_the_kept_ones() {
        let before = json!({"Version": "2012-10-17", "Id": "x", "Statement": [
            {"Sid": "Theirs", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::dest/public/*"}]});
        let text = before.to_string();
        let m = merge(Some(&text), &grant()).unwrap();
        let lines = statement_lines(Some(&text), &m);
        assert_eq!(lines[0], DiffLine::Same(before["Statement"][0].to_string()));
        assert!(lines[1..].iter().all(|l| matches!(l, DiffLine::Added(_))));
        assert!(added(&lines).iter().any(|t| t.contains(ALLOW_SID)));
    }

    #[test]
    fn unchanged_policy_has_no_added_lines() {
        let m = merge(None, &grant()).unwrap();
        let text = m.policy.to_string();
        let again = merge(Some(&text), &grant()).unwrap();
        let lines = statement_lines(Some(&text), &again);
        assert!(added(&lines).is_empty(), "{lines:?}");
        assert_eq!(lines.len(), m.policy["Statement"].as_array().unwrap().len());
    }

    #[test]
    fn a_lone_statement_is_kept_as_one_line() {
        let only = json!({"Sid": "One", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::dest/x"});
        let text = json!({"Statement": only}).to_string();
        let m = merge(Some(&text), &grant()).unwrap();
        let lines = statement_lines(Some(&text), &m);
        assert_eq!(lines[0], DiffLine::Same(only.to_string()));
        assert_eq!(added(&lines).len(), lines.len() - 1);
    }
}
