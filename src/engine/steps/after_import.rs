//! Settings an import does not carry, turned on for the new table: by the wizard's Verify
//! screen when the person asks for one, and by the finish step when the plan's
//! `options.after_import` asks. One implementation, so both announce the same call, skip
//! what is already on, and record the same line in the journal's history.

use super::super::cli_equivalent::{update_pitr, update_ttl};
use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{journal_write_failed, Migration};
use crate::aws::explain::AwsFailure;

const STEP: Step = Step::Finish;

/// A setting the import did not carry, applied to the new table on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCarriedFix {
    Ttl { table: String, attribute: String },
    Pitr { table: String },
}

impl NotCarriedFix {
    /// The `setting` of the finish step's not-carried report that this fix settles.
    pub fn setting(&self) -> &'static str {
        match self {
            NotCarriedFix::Ttl { .. } => "TTL",
            NotCarriedFix::Pitr { .. } => "Point-in-time recovery",
        }
    }
}

impl Migration {
    /// Applies `fix` to the new table and records it in the journal's history with the
    /// equivalent AWS CLI command (the summary lists it). Returns what was done, in words.
    pub(crate) async fn apply_not_carried(
        &mut self,
        fix: &NotCarriedFix,
    ) -> Result<String, AwsFailure> {
        let dest = self.dest()?.clone();
        let side = &dest.cli_args;
        let (operation, cli, done) = match fix {
            NotCarriedFix::Ttl { table, attribute } => {
                // AWS refuses to turn TTL on when it is already on: the finish step run again
                // after a stop, or a second request from the wizard, must not fail on that.
                // A TTL setting that cannot be read is tried anyway.
                let now = dest.dynamo.ttl_attribute(table).await.ok().flatten();
                if now.as_deref() == Some(attribute.as_str()) {
                    return Ok(format!(
                        "TTL is already on for {table} (attribute {attribute})"
                    ));
                }
                (
                    "dynamodb:UpdateTimeToLive",
                    update_ttl(side, table, attribute),
                    format!("TTL turned on for {table} (attribute {attribute})"),
                )
            }
            NotCarriedFix::Pitr { table } => (
                "dynamodb:UpdateContinuousBackups",
                update_pitr(side, table, true),
                format!("point-in-time recovery turned on for {table}"),
            ),
        };
        self.events.send(Event::Call {
            step: STEP,
            operation: operation.to_owned(),
            cli: cli.clone(),
            body: None,
            dry_run: self.dry_run,
        });
        if self.dry_run {
            return Ok(format!("dry run: {operation} not called"));
        }
        match fix {
            NotCarriedFix::Ttl { table, attribute } => {
                dest.dynamo.set_ttl(table, attribute).await?;
            }
            NotCarriedFix::Pitr { table } => {
                dest.dynamo.set_pitr(table, true).await?;
                // It costs while on: the leftovers list it.
                self.journal.pitr.enabled_on_new_table = true;
            }
        }
        self.journal.record(STEP, done.clone(), Some(cli));
        self.save().map_err(journal_write_failed)?;
        Ok(done)
    }
}
