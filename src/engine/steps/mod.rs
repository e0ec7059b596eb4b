//! The steps of a migration, one file each, in the order they run.

pub mod bucket;
mod export;
mod finish;
mod import;
mod jobs;
mod key_check;
mod locate;
pub mod pitr;
mod preflight;
mod verify;

pub use jobs::sample_items;
