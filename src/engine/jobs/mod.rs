//! Long AWS jobs, each started once and watched until it ends by the one watcher. A new kind
//! of job (an AWS Backup backup, copy or restore; a DynamoDB backup or restore) is a file here
//! with a struct implementing `LongJob`, and its step calls `find_job`, `job_token`,
//! `start_job` and `watch_job` in that order. In a fleet, `board` lets many watchers of
//! exports or imports share one list poller instead of describing every job every round.

mod backup;
pub mod board;
mod copy;
mod export;
#[cfg(test)]
mod fake_account;
mod import;
mod increment;
mod lookup;
mod restore;
mod watcher;

pub(crate) use backup::{AwsBackupJob, DynamoBackupJob};
pub(crate) use copy::CopyJob;
pub(crate) use export::ExportJob;
pub(crate) use import::ImportJob;
pub(crate) use increment::IncrementJob;
pub(crate) use restore::{AwsRestoreJob, DynamoRestoreFrom, DynamoRestoreJob};
