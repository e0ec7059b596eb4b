//! The steps of a migration, one file each, in the order they run.

mod after_import;
pub mod bucket;
mod export;
mod finish;
mod import;
mod key_check;
mod locate;
pub mod pitr;
mod preflight;
mod sample;
mod verify;

pub use after_import::NotCarriedFix;
pub use sample::sample_items;
