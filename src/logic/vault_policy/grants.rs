//! Whether one statement of a vault's access policy grants or refuses the source account's
//! copy, read the way that never leaves a copy refused: a grant counts only when it surely
//! applies (no Condition, which only the request could settle), and a Deny is reported when it
//! surely applies. A Deny with a Condition is left to AWS Backup: the copy job says so if it
//! applies, and nothing this tool could add would lift it anyway.

use serde_json::Value;

use super::COPY_ACTION;

/// An Allow that lets `account` (or everyone) copy into the vault, whatever the request.
pub fn allows_copy(statement: &Value, account: &str) -> bool {
    let has = |key: &str| statement.get(key).is_some();
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
        && !has("Condition")
        && !has("NotPrincipal")
        && !has("NotAction")
        && !has("NotResource")
        && principal_covers(statement.get("Principal"), account)
        && actions_cover(statement.get("Action"))
        && resources_cover(statement.get("Resource"))
}

/// A Deny that refuses `account` the copy into the vault, whatever the request.
pub fn denies_copy(statement: &Value, account: &str) -> bool {
    let applies = |positive: &str, negative: &str, covers: &dyn Fn(Option<&Value>) -> bool| match (
        statement.get(positive),
        statement.get(negative),
    ) {
        (Some(p), _) => covers(Some(p)),
        (None, Some(n)) => !covers(Some(n)),
        (None, None) => false,
    };
    statement.get("Effect").and_then(Value::as_str) == Some("Deny")
        && statement.get("Condition").is_none()
        && applies("Principal", "NotPrincipal", &|p| {
            principal_covers(p, account)
        })
        && applies("Action", "NotAction", &actions_cover)
        && applies("Resource", "NotResource", &resources_cover)
}

/// `*`, `{"AWS": "*"}`, the account's id or its root ARN (alone or in a list).
fn principal_covers(principal: Option<&Value>, account: &str) -> bool {
    match principal {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(map)) => strings(map.get("AWS")).any(|p| {
            p == "*"
                || p == account
                || p.strip_prefix("arn:")
                    .and_then(|rest| rest.split_once(':'))
                    .is_some_and(|(_, rest)| rest == format!("iam::{account}:root"))
        }),
        _ => false,
    }
}

/// An action pattern (`backup:CopyIntoBackupVault`, `backup:Copy*`, `backup:*`, `*`) that
/// matches the copy; IAM compares actions without regard to case.
fn actions_cover(actions: Option<&Value>) -> bool {
    strings(actions).any(|a| glob(&a.to_ascii_lowercase(), &COPY_ACTION.to_ascii_lowercase()))
}

/// `*`, or an ARN of AWS Backup: in a vault's own policy a resource can only be that vault,
/// so the vault's name in it is not compared.
fn resources_cover(resources: Option<&Value>) -> bool {
    strings(resources).any(|r| {
        r == "*"
            || r.strip_prefix("arn:")
                .and_then(|rest| rest.split(':').nth(1))
                .is_some_and(|service| glob(service, "backup"))
    })
}

/// The strings of a field that holds one string or a list of them.
fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
}

/// IAM's wildcards: `*` any run of characters, `?` any one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ME: &str = "111122223333";

    #[test]
    fn wildcards_match_as_iam_reads_them() {
        for (p, t, ok) in [
            ("*", "backup:copyintobackupvault", true),
            ("backup:*", "backup:copyintobackupvault", true),
            ("backup:copy*", "backup:copyintobackupvault", true),
            (
                "backup:copy?ntobackupvault",
                "backup:copyintobackupvault",
                true,
            ),
            ("backup:start*", "backup:copyintobackupvault", false),
            ("s3:*", "backup:copyintobackupvault", false),
            ("*vault", "backup:copyintobackupvault", true),
            ("", "x", false),
        ] {
            assert_eq!(glob(p, t), ok, "{p} {t}");
        }
    }

    #[test]
    fn an_allow_counts_only_when_it_surely_applies() {
        let grant = |principal: Value, action: Value| json!({"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"});
        for principal in [
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": ME}),
            json!({"AWS": ["arn:aws:iam::999999999999:root", format!("arn:aws:iam::{ME}:root")]}),
        ] {
            for action in [
                json!("backup:CopyIntoBackupVault"),
                json!(["BACKUP:*"]),
                json!("*"),
            ] {
                assert!(allows_copy(&grant(principal.clone(), action.clone()), ME));
            }
        }
        // Another account, a role, a service, another action: no.
        for principal in [
            json!({"AWS": "999999999999"}),
            json!({"AWS": format!("arn:aws:iam::{ME}:role/r")}),
            json!({"Service": "backup.amazonaws.com"}),
        ] {
            assert!(!allows_copy(&grant(principal, json!("backup:*")), ME));
        }
        assert!(!allows_copy(
            &grant(json!("*"), json!("backup:StartBackupJob")),
            ME
        ));
        // A Condition only the request settles: no.
        let mut conditional = grant(json!("*"), json!("backup:CopyIntoBackupVault"));
        conditional["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}});
        assert!(!allows_copy(&conditional, ME));
        let mut elsewhere = grant(json!({"AWS": ME}), json!("backup:*"));
        elsewhere["Resource"] = json!("arn:aws:s3:::bucket");
        assert!(!allows_copy(&elsewhere, ME));
        elsewhere["Resource"] = json!("arn:aws:backup:eu-west-1:222222222222:backup-vault:Default");
        assert!(allows_copy(&elsewhere, ME));
    }

    #[test]
    fn a_deny_is_seen_through_its_negations() {
        let deny =
            json!({"Effect": "Deny", "Principal": "*", "Action": "backup:Copy*", "Resource": "*"});
        assert!(denies_copy(&deny, ME));
        let except_me = json!({"Effect": "Deny", "NotPrincipal": {"AWS": ME},
            "Action": "backup:*", "Resource": "*"});
        assert!(!denies_copy(&except_me, ME));
        assert!(denies_copy(&except_me, "999999999999"));
        let all_but_reads = json!({"Effect": "Deny", "Principal": {"AWS": ME},
            "NotAction": ["backup:Describe*", "backup:List*"], "Resource": "*"});
        assert!(denies_copy(&all_but_reads, ME));
        let deletes = json!({"Effect": "Deny", "Principal": "*",
            "Action": ["backup:DeleteRecoveryPoint", "backup:PutBackupVaultAccessPolicy"], "Resource": "*"});
        assert!(!denies_copy(&deletes, ME));
        let mut conditional = deny.clone();
        conditional["Condition"] = json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}});
        assert!(!denies_copy(&conditional, ME));
    }
}
