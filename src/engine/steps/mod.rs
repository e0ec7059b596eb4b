//! The steps of a migration, one file each, in the order they run.

mod after_import;
mod backup;
mod backup_preflight;
mod backup_prereqs;
/// Which calls the backup road makes; the wizard asks it too, so its choices match the run.
pub(crate) mod backup_route;
pub mod bucket;
mod compare;
mod copy;
mod export;
mod finish;
mod import;
mod key_check;
mod load;
mod locate;
pub mod pitr;
mod preflight;
mod restore;
mod sample;
mod vault;
mod verify;
mod verify_restore;

pub use after_import::NotCarriedFix;
pub use sample::sample_items;
