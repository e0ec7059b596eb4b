//! The bucket-policy change in plain words, for a person to approve before the JSON: which
//! account gets which rights, on what, under which condition, and what stays as it was.
//! The words are derived from the statements themselves (by their Sid), so they cannot
//! describe a grant other than the one that would be applied.

use serde_json::Value;

use super::{DiffLine, ExportGrant, ALLOW_SID, DENY_INSECURE_SID};

/// One sentence per added statement, then what stays unchanged.
pub fn describe_change(grant: &ExportGrant, diff: &[DiffLine], bucket_exists: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let folder = format!("the folder {}/", grant.prefix.trim_end_matches('/'));
    if !bucket_exists {
        lines.push(
            "The bucket does not exist yet: it will be created in the destination account, private (Block Public Access on) and encrypted with S3's own key."
                .to_owned(),
        );
    }
    let added: Vec<Value> = diff
        .iter()
        .filter_map(|d| match d {
            DiffLine::Added(text) => serde_json::from_str(text).ok(),
            DiffLine::Same(_) => None,
        })
        .collect();
    let kept = diff
        .iter()
        .filter(|d| matches!(d, DiffLine::Same(_)))
        .count();
    if added.is_empty() {
        lines.push(
            "The bucket policy already lets the source account export here: nothing changes."
                .to_owned(),
        );
        return lines;
    }
    lines.push(format!(
        "The bucket policy gets {} statement{}:",
        added.len(),
        if added.len() == 1 { "" } else { "s" }
    ));
    let list_sid = format!("{ALLOW_SID}List");
    for statement in &added {
        let sid = statement.get("Sid").and_then(Value::as_str).unwrap_or("");
        let sentence = if sid == ALLOW_SID {
            format!(
                "• The source account {} (the whole account: any user or role in it that may export the table) may write files in {folder} of this bucket and abort unfinished uploads there, only when the request comes through a DynamoDB export. It may not read or delete anything.",
                grant.source_account
            )
        } else if sid == list_sid {
            "• The same account may list the bucket's file names, again only through a DynamoDB export (an export checks the bucket before writing).".to_owned()
        } else if sid == DENY_INSECURE_SID {
            format!("• Anyone reaching the files of {folder} without TLS (plain HTTP) is refused.")
        } else {
            format!("• A statement {sid} (shown in the JSON view).")
        };
        lines.push(sentence);
    }
    lines.push(if kept == 0 {
        "Nothing else changes: the bucket has no other statement.".to_owned()
    } else {
        format!(
            "Nothing else changes: the {kept} statement{} already in the policy stay{} exactly as {}.",
            if kept == 1 { "" } else { "s" },
            if kept == 1 { "s" } else { "" },
            if kept == 1 { "it is" } else { "they are" }
        )
    });
    lines
}

/// The new policy's statements as indented JSON, added ones marked `+`, for the JSON view.
pub fn pretty_lines(diff: &[DiffLine]) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for d in diff {
        let (added, text) = match d {
            DiffLine::Added(t) => (true, t),
            DiffLine::Same(t) => (false, t),
        };
        let pretty = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.clone());
        let mark = if added { "+ " } else { "  " };
        out.extend(pretty.lines().map(|l| (added, format!("{mark}{l}"))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::merge;
    use super::super::statement_lines;
    use super::*;
    use serde_json::json;

    fn grant(deny: bool) -> ExportGrant {
        ExportGrant {
            bucket: "landing".into(),
            prefix: "ddb-ferry/orders-1/".into(),
            source_account: "111122223333".into(),
            deny_insecure_transport: deny,
        }
    }

    #[test]
    fn a_new_bucket_is_described_in_full() {
        let g = grant(true);
        let m = merge(None, &g).unwrap();
        let words = describe_change(&g, &statement_lines(None, &m), false).join("\n");
        for expected in [
            "does not exist yet: it will be created",
            "gets 3 statements",
            "The source account 111122223333 (the whole account",
            "write files in the folder ddb-ferry/orders-1/ of this bucket",
            "only when the request comes through a DynamoDB export",
            "list the bucket's file names",
            "without TLS (plain HTTP) is refused",
            "no other statement",
        ] {
            assert!(
                words.contains(expected),
                "missing {expected:?} in:\n{words}"
            );
        }
    }

    #[test]
    fn existing_statements_are_said_to_stay() {
        let g = grant(false);
        let current = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::landing/reports/*"}
        ]})
        .to_string();
        let m = merge(Some(&current), &g).unwrap();
        let words = describe_change(&g, &statement_lines(Some(&current), &m), true).join("\n");
        assert!(words.contains("gets 2 statements"), "{words}");
        assert!(!words.contains("TLS"), "{words}");
        assert!(
            words.contains("the 1 statement already in the policy stays exactly as it is"),
            "{words}"
        );
        let pretty = pretty_lines(&statement_lines(Some(&current), &m));
        assert!(pretty
            .iter()
            .any(|(added, l)| !added && l.contains("\"Sid\": \"Other\"")));
        assert!(pretty
            .iter()
            .any(|(added, l)| *added && l.starts_with("+ ")));
    }

    #[test]
    fn an_unchanged_policy_says_nothing_changes() {
        let g = grant(true);
        let m = merge(None, &g).unwrap();
        let current = m.policy.to_string();
        let again = merge(Some(&current), &g).unwrap();
        let words = describe_change(&g, &statement_lines(Some(&current), &again), true);
        assert_eq!(
            words,
            ["The bucket policy already lets the source account export here: nothing changes."]
        );
    }
}
