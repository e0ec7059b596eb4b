//! A fleet: many tables of one source moved to one destination as one migration. Each table
//! runs as an ordinary one-table session (its own steps, jobs, journal and S3 folder); the
//! fleet resolves which tables, fixes one export time for all, holds the jobs in flight below
//! AWS's quotas, and tells a table's own failure (that table stops) from a failure of a whole
//! side (the fleet stops).

pub mod checks;
pub mod journal;
pub mod limits;
pub mod link;
pub mod members;
pub mod outcome;
pub mod plan;
pub mod runner;
pub mod survey;

pub use journal::{prepare_fleet, FleetJournal, FleetPrepared};
pub use plan::{is_fleet_text, FleetPlan};
pub use runner::{FleetEvent, FleetNote, FleetRun};
