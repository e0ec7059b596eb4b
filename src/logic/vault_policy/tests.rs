use super::*;
use proptest::prelude::*;
use serde_json::json;

const ME: &str = "111122223333";
const ID: &str = "orders-to-orders-7c67c69d";

fn statements(policy: &Value) -> &Vec<Value> {
    policy["Statement"].as_array().expect("a Statement list")
}

#[test]
fn the_sid_comes_from_the_migration_id() {
    let sid = copy_sid(ID);
    assert_eq!(sid, "DdbFerryCopyIntoVaultOrdersToOrders7c67c69d");
    assert_eq!(copy_sid(&sid), sid);
    assert_eq!(copy_sid("orders-to-orders-7c67c69d-2"), format!("{sid}2"));
    assert!(copy_sid("a_b.c €")
        .bytes()
        .all(|b| b.is_ascii_alphanumeric()));
}

#[test]
fn the_statement_grants_the_copy_and_nothing_else() {
    let s = copy_into_vault_statement(ME, ID);
    assert_eq!(
        s,
        json!({
            "Sid": "DdbFerryCopyIntoVaultOrdersToOrders7c67c69d",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*"
        })
    );
    assert_eq!(copy_into_vault_statement(ME, &copy_sid(ID)), s);
}

#[test]
fn no_policy_gives_a_fresh_document_of_ours_alone() {
    for existing in [None, Some(""), Some(" \n")] {
        let c = merge_copy_grant(existing, ME, ID).unwrap();
        assert_eq!(c.policy["Version"], "2012-10-17");
        assert_eq!(
            statements(&c.policy),
            &vec![copy_into_vault_statement(ME, ID)]
        );
        assert_eq!(c.added_sids, [copy_sid(ID)]);
        assert!(!c.already_allowed && c.only_ours);
    }
}

#[test]
fn existing_statements_and_fields_stay_in_order() {
    let existing = json!({
        "Version": "2012-10-17",
        "Id": "theirs",
        "Statement": [
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*",
             "Action": "backup:DeleteRecoveryPoint", "Resource": "*"},
            {"Sid": "OrgCopies", "Effect": "Allow", "Principal": "*",
             "Action": "backup:CopyIntoBackupVault", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
        ]
    });
    let c = merge_copy_grant(Some(&existing.to_string()), ME, ID).unwrap();
    let out = statements(&c.policy);
    assert_eq!(&out[..2], &statements(&existing)[..]);
    assert_eq!(out[2]["Sid"], copy_sid(ID));
    assert_eq!(c.policy["Id"], "theirs");
    assert!(!c.already_allowed && !c.only_ours);
}

#[test]
fn a_grant_already_there_adds_nothing() {
    for grant in [
        json!({"Effect": "Allow", "Principal": {"AWS": ME}, "Action": "backup:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
    ] {
        let existing = json!({"Version": "2012-10-17", "Statement": grant});
        let c = merge_copy_grant(Some(&existing.to_string()), ME, ID).unwrap();
        assert!(c.already_allowed);
        assert!(c.added_sids.is_empty());
        assert_eq!(statements(&c.policy), &vec![grant]);
        assert!(!c.only_ours);
    }
}

#[test]
fn our_sid_taken_by_another_statement_gets_a_number() {
    let theirs = json!({"Sid": copy_sid(ID), "Effect": "Allow", "Principal": {"AWS": "999999999999"},
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"});
    let existing = json!({"Statement": [theirs]});
    let c = merge_copy_grant(Some(&existing.to_string()), ME, ID).unwrap();
    assert_eq!(c.added_sids, [format!("{}2", copy_sid(ID))]);
    assert_eq!(statements(&c.policy)[0], theirs);
    // Both carry this migration's Sid, so the policy is this migration's alone.
    assert!(c.only_ours);
    let again = merge_copy_grant(Some(&c.policy.to_string()), ME, ID).unwrap();
    assert!(again.already_allowed && again.added_sids.is_empty());
    assert_eq!(again.policy, c.policy);
}

#[test]
fn a_deny_is_reported_not_fixed() {
    let existing = json!({"Statement": [
        {"Sid": "Fine", "Effect": "Allow", "Principal": "*", "Action": "backup:Describe*", "Resource": "*"},
        {"Sid": "NoCopies", "Effect": "Deny", "Principal": {"AWS": ME},
         "Action": "backup:CopyIntoBackupVault", "Resource": "*"}
    ]});
    let err = merge_copy_grant(Some(&existing.to_string()), ME, ID).unwrap_err();
    assert_eq!(
        err,
        VaultPolicyError::DeniedByStatement {
            sid: "NoCopies".into()
        }
    );
    assert!(
        err.to_string()
            .starts_with("statement NoCopies of the vault's access policy denies"),
        "{err}"
    );
    let unnamed =
        json!({"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}});
    let err = merge_copy_grant(Some(&unnamed.to_string()), ME, ID).unwrap_err();
    assert_eq!(
        err,
        VaultPolicyError::DeniedByStatement {
            sid: "number 1 (it has no Sid)".into()
        }
    );
}

#[test]
fn invalid_policies_are_refused_with_a_reason() {
    let err = merge_copy_grant(Some("{\"Statement\": ["), ME, ID).unwrap_err();
    assert!(
        matches!(err, VaultPolicyError::InvalidJson { line: 1, .. }),
        "{err}"
    );
    assert_eq!(
        merge_copy_grant(Some("[1]"), ME, ID).unwrap_err(),
        VaultPolicyError::NotAnObject { found: "array" }
    );
    assert_eq!(
        merge_copy_grant(Some(r#"{"Statement": 3}"#), ME, ID).unwrap_err(),
        VaultPolicyError::BadStatement { found: "number" }
    );
    assert_eq!(
        merge_copy_grant(Some(r#"{"Statement": [{}, "x"]}"#), ME, ID).unwrap_err(),
        VaultPolicyError::BadStatementEntry {
            number: 2,
            found: "string"
        }
    );
}

fn string_or_list(options: Vec<&'static str>) -> impl Strategy<Value = Value> {
    let single = prop::sample::select(options.clone()).prop_map(|s| json!(s));
    let list = prop::sample::subsequence(options.clone(), 0..=options.len()).prop_map(|v| json!(v));
    prop_oneof![single, list]
}

fn any_statement() -> impl Strategy<Value = Value> {
    let sid = prop::option::of(prop::sample::select(vec![
        "DdbFerryCopyIntoVaultOrdersToOrders7c67c69d",
        "DdbFerryCopyIntoVaultOrdersToOrders7c67c69d2",
        "Other",
        "",
    ]));
    let effect = prop::sample::select(vec!["Allow", "Deny", "allow"]);
    let principal_key = prop::sample::select(vec!["Principal", "NotPrincipal"]);
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"AWS": ME})),
        Just(json!({"AWS": "arn:aws:iam::111122223333:root"})),
        Just(
            json!({"AWS": ["arn:aws:iam::999999999999:root", "arn:aws:iam::111122223333:role/r"]})
        ),
        Just(json!({"Service": "backup.amazonaws.com"})),
    ];
    let action_key = prop::sample::select(vec!["Action", "NotAction"]);
    let action = string_or_list(vec![
        "backup:CopyIntoBackupVault",
        "backup:*",
        "*",
        "backup:DeleteRecoveryPoint",
        "backup:Describe*",
    ]);
    let resource = string_or_list(vec![
        "*",
        "arn:aws:backup:eu-west-1:222222222222:backup-vault:Default",
        "arn:aws:s3:::x",
    ]);
    let condition = prop::option::of(Just(json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}})));
    (
        sid,
        effect,
        principal_key,
        principal,
        action_key,
        action,
        resource,
        condition,
    )
        .prop_map(
            |(sid, effect, pk, principal, ak, action, resource, condition)| {
                let mut s = json!({"Effect": effect, "Resource": resource});
                let map = s.as_object_mut().expect("an object");
                map.insert(pk.into(), principal);
                map.insert(ak.into(), action);
                if let Some(sid) = sid {
                    map.insert("Sid".into(), json!(sid));
                }
                if let Some(c) = condition {
                    map.insert("Condition".into(), c);
                }
                s
            },
        )
}

proptest! {
    /// Whatever the vault's policy holds: no statement is dropped, changed or moved, ours is
    /// only ever appended, its Sid is unique, and merging again adds nothing.
    #[test]
    fn no_existing_statement_is_ever_dropped_or_changed(
        existing in prop::collection::vec(any_statement(), 0..6),
        single in any::<bool>(),
    ) {
        let statement = if single && existing.len() == 1 {
            existing[0].clone()
        } else {
            Value::Array(existing.clone())
        };
        let doc = json!({"Version": "2012-10-17", "Id": "keep-me", "Statement": statement});
        let first = match merge_copy_grant(Some(&doc.to_string()), ME, ID) {
            Ok(c) => c,
            Err(VaultPolicyError::DeniedByStatement { .. }) => {
                prop_assert!(existing.iter().any(|s| s["Effect"] == "Deny"));
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let out = statements(&first.policy);
        prop_assert_eq!(&out[..existing.len()], &existing[..]);
        prop_assert_eq!(out.len(), existing.len() + first.added_sids.len());
        prop_assert!(first.added_sids.len() <= 1);
        prop_assert_eq!(first.already_allowed, first.added_sids.is_empty());
        prop_assert_eq!(&first.policy["Id"], "keep-me");
        for sid in &first.added_sids {
            prop_assert_eq!(out.iter().filter(|s| s["Sid"] == json!(sid)).count(), 1);
        }
        let second = merge_copy_grant(Some(&first.policy.to_string()), ME, ID).unwrap();
        prop_assert!(second.already_allowed);
        prop_assert!(second.added_sids.is_empty());
        prop_assert_eq!(&second.policy, &first.policy);
        prop_assert_eq!(second.only_ours, first.only_ours);
    }

    #[test]
    fn any_text_never_panics(text in ".{0,200}") {
        let _ = merge_copy_grant(Some(&text), ME, ID);
    }
}
