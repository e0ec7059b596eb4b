//! "Has something else written to the new table?" Before an increment writes into the new
//! table, a sample of its items — read right after ddb-ferry last wrote (the import, then each
//! increment) — is read again: an item changed or gone since means another writer, whose
//! writes catch-up may overwrite and the cutover's compare will report. A sample cannot see
//! every write; the full compare at the cutover does.

use serde_json::{Map, Value};

use super::record::GuardItem;
use crate::aws::attr::JsonItem;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::journal::Step;
use crate::engine::migration::{journal_incomplete, Migration, Stop};
use crate::logic::manifest::md5_base64;

/// Items in the sample: one consistent Scan page and one BatchGetItem.
const GUARD_ITEMS: usize = 100;

/// The digest of an item as DynamoDB returns it (attribute names sorted by the map).
fn digest(item: &JsonItem) -> String {
    md5_base64(&serde_json::to_vec(item).unwrap_or_default())
}

fn key_of(item: &JsonItem, names: &[String]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
        .collect()
}

impl Migration {
    fn destination_keys(&self) -> Result<(String, Vec<String>), Stop> {
        let spec = self
            .journal
            .table_spec
            .as_ref()
            .ok_or_else(journal_incomplete)?;
        Ok((spec.name.clone(), spec.key_names()))
    }

    /// Reads the sample the next check compares with (and saves it).
    pub(crate) async fn take_destination_guard(&mut self) -> Result<(), Stop> {
        let (table, names) = self.destination_keys()?;
        let items = self.dest()?.dynamo.first_items(&table, GUARD_ITEMS).await?;
        self.journal.catch_up.guard = items
            .iter()
            .map(|i| GuardItem {
                key: key_of(i, &names),
                digest: digest(i),
            })
            .collect();
        self.save()?;
        Ok(())
    }

    /// Warns when an item of the sample changed or disappeared since ddb-ferry last wrote.
    pub(crate) async fn check_destination_guard(&mut self, step: Step) -> Result<(), Stop> {
        let guard = self.journal.catch_up.guard.clone();
        if guard.is_empty() {
            return Ok(());
        }
        let (table, names) = self.destination_keys()?;
        let keys: Vec<JsonItem> = guard.iter().map(|g| g.key.clone()).collect();
        let now = self.dest()?.dynamo.get_items(&table, &keys).await?;
        let changed: Vec<String> = guard
            .iter()
            .filter(|g| {
                !now.iter()
                    .any(|i| key_of(i, &names) == g.key && digest(i) == g.digest)
            })
            .map(|g| Value::Object(g.key.clone()).to_string())
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.events.warn_explained(
            step,
            AwsFailure::new(
                "destination-written",
                FailureKind::BadInput,
                format!(
                    "something else wrote to the new table {table} since ddb-ferry last did: {} of {} items looked at changed or disappeared (e.g. {})",
                    changed.len(),
                    guard.len(),
                    changed.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                ),
                "an application (or a person) writes to the new table already; catch-up's writes may overwrite those changes, and the source's later writes overwrite theirs",
                "find and stop that writer until the cutover; the cutover's full compare names every item that differs",
            ),
        );
        Ok(())
    }
}
