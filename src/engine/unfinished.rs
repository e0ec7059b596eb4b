//! The migrations in the state folder that have not finished: what the wizard offers to
//! reattach to when it opens.

use std::path::{Path, PathBuf};

use super::journal::{Journal, MigrationState};

/// An unfinished migration and where its journal is.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub path: PathBuf,
    pub journal: Journal,
}

/// Every readable journal in `state_dir` whose migration has not succeeded. Damaged journals
/// are skipped here; `ddb-ferry status` names them.
pub fn unfinished(state_dir: &Path) -> Vec<Unfinished> {
    Journal::list(state_dir)
        .into_iter()
        .filter_map(|(path, j)| j.ok().map(|journal| Unfinished { path, journal }))
        .filter(|u| u.journal.state != MigrationState::Succeeded)
        .collect()
}
