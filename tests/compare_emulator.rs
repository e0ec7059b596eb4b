//! `ddb-ferry compare` against the local emulator with two accounts: a real migration moves
//! a table of every attribute type, the compare finds the two tables equal; then one
//! attribute is changed, one item deleted on one side and one added on the other, and an
//! expired item is left on one side only: the compare names exactly those, the expired one
//! apart.

mod support;

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use support::*;

const ITEMS: usize = 300;

fn key(i: usize) -> HashMap<String, AttributeValue> {
    let item = varied_item(i);
    HashMap::from([
        ("pk".to_owned(), item["pk"].clone()),
        ("sk".to_owned(), item["sk"].clone()),
    ])
}

fn key_json(i: usize) -> Value {
    Value::Object(ddb_ferry::aws::attr::item_to_json(&key(i)))
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_finds_equal_tables_then_names_each_difference() {
    let emu = Emulator::start(Knobs::default());
    let src = seed(&emu, ITEMS).await;
    turn_on_ttl(&src, "orders", "expires_at").await;
    let plan_file = emu.plan("plan.json", &plan("ferry-compare", "orders"));
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = emu.status()[0]["id"]
        .as_str()
        .expect("a migration id")
        .to_owned();

    // Equal after the migration.
    let out = emu.run(&["compare", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("equal: {ITEMS} items on both sides\n")),
        "{}",
        text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TTL attribute expires_at"), "{stderr}");
    assert!(
        stderr.contains(&format!("read: source {ITEMS} items")),
        "{stderr}"
    );

    // One attribute changed in the new table, one item deleted from it, one added to the
    // source, and an item whose TTL expired an hour ago on the source only.
    let dst = emu.dynamo("dest", None).await;
    dst.update_item()
        .table_name("orders")
        .set_key(Some(key(5)))
        .update_expression("SET price = :p")
        .expression_attribute_values(":p", AttributeValue::N("0.5".into()))
        .send()
        .await
        .expect("change an attribute");
    dst.delete_item()
        .table_name("orders")
        .set_key(Some(key(7)))
        .send()
        .await
        .expect("delete an item");
    let expired_at = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    let mut expired = varied_item(601);
    expired.insert(
        "expires_at".into(),
        AttributeValue::N(expired_at.to_string()),
    );
    put_items(&src, "orders", vec![varied_item(600), expired]).await;

    let out = emu.run(&["compare", &id, "--json", "--segments", "3"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["equal"], false);
    assert_eq!(report["migration"], id.as_str());
    assert_eq!(report["source_items"], ITEMS + 2);
    assert_eq!(report["dest_items"], ITEMS - 1);
    assert_eq!(report["more_differences"], 0);
    assert_eq!(report["differences_counted_exactly"], true);
    let found: BTreeSet<String> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} {}", d["key"], d["kind"], d["attributes"]))
        .collect();
    let expected: BTreeSet<String> = [
        format!("{} \"attributes_differ\" [\"price\"]", key_json(5)),
        format!("{} \"only_in_source\" null", key_json(7)),
        format!("{} \"only_in_source\" null", key_json(600)),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
    assert_eq!(
        report["expired_ttl"],
        json!([{"key": key_json(601), "kind": "only_in_source"}])
    );
    assert_eq!(report["more_expired_ttl"], 0);

    // The same as a person reads it.
    let out = emu.run(&["compare", &id, "--show", "1"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("different: "), "{stdout}");
    // One differing bucket is examined for one difference; the two others are counted.
    assert!(
        stdout.contains("  and at least 2 more differences\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  only in the source: {}\n", key_json(601))),
        "the expired item is named apart: {stdout}"
    );
    assert!(
        stdout.contains("expired TTL, set apart (DynamoDB deletes expired items at its own pace on each side): 1\n"),
        "{stdout}"
    );
}
