//! Pure logic of the export → import path and of the backup → restore path, kept free of I/O
//! and AWS SDK types so that every rule that decides whether a migration will work (the
//! bucket and vault policies we merge, how an export looks in S3, what its manifests say,
//! whether the data's key names match the new table, whether a name is acceptable to AWS,
//! what a recovery point allows) can be unit-tested and fuzzed directly, and so that the
//! wizard and the headless runner share one implementation.

pub mod backup_names;
pub mod catch_up;
pub mod changes;
pub mod check;
pub mod compare;
pub mod cost;
pub mod discover;
pub mod ion;
pub mod items;
pub mod layout;
pub mod manifest;
pub mod names;
pub mod options;
pub mod policy;
pub mod restore;
pub mod restore_choice;
pub mod road;
pub mod table;
pub mod units;
pub mod vault_policy;
pub mod watch;
pub mod write_batch;
