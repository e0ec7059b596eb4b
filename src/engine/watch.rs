//! Watching a migration that another process runs: its journal is re-read once a second, and
//! only when it changed, until that process ends. No AWS call and no write, so any number of
//! watchers may look at one migration.

use std::path::PathBuf;
use std::time::Duration;

use super::journal::Journal;
use super::lock::{Holder, MigrationLock};

/// What a watcher sees.
#[derive(Debug)]
pub enum Seen {
    /// The journal as it now stands.
    Journal(Box<Journal>),
    /// The process that held the migration has ended; the watch stops.
    HolderEnded,
}

/// Follows the journal at `path` and tells `seen` about each change; returns once the holder
/// has ended, or when `seen` returns false (nobody listens any more).
pub async fn watch_journal(path: PathBuf, state_dir: PathBuf, seen: impl Fn(Seen) -> bool) {
    let mut last_modified = None;
    loop {
        let modified = tokio::fs::metadata(&path)
            .await
            .and_then(|m| m.modified())
            .ok();
        if modified != last_modified {
            last_modified = modified;
            let read = path.clone();
            if let Ok(Ok(journal)) = tokio::task::spawn_blocking(move || Journal::load(&read)).await
            {
                let ended = MigrationLock::holder(&state_dir, &journal.id) == Holder::Nobody;
                if !seen(Seen::Journal(Box::new(journal))) {
                    return;
                }
                if ended {
                    seen(Seen::HolderEnded);
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
