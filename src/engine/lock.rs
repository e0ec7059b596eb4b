//! One process per migration. The lock is an OS file lock (`flock`) on
//! `migrations/<id>.lock`: the kernel releases it when the process ends, however it ends
//! (Ctrl-C, SIGKILL, a dropped SSH session), so a lock is never left behind. The holder writes
//! its pid into the file so that the others can say who holds it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::journal::{private_dir, Journal, MigrationState};

/// The held lock of one migration; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct MigrationLock {
    _file: File,
}

/// Why a migration could not be locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockError {
    /// Another live process holds it.
    Held { id: String, pid: Option<u32> },
    /// The lock file could not be created or locked.
    Io(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { id, pid } => {
                let who = match pid {
                    Some(pid) => format!("another ddb-ferry process (pid {pid})"),
                    None => "another ddb-ferry process".to_owned(),
                };
                write!(
                    f,
                    "{who} is already running the migration {id}\n  why: two processes on one migration could start its jobs twice\n  next: watch that process (e.g. in its tmux window), or stop it and run this command again"
                )
            }
            LockError::Io(message) => f.write_str(message),
        }
    }
}

/// What a look at a migration's lock found, without keeping it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// No live process runs the migration.
    Nobody,
    /// A live process runs it (its pid, when it wrote one).
    Process(Option<u32>),
}

fn lock_path(state_dir: &Path, id: &str) -> PathBuf {
    state_dir.join("migrations").join(format!("{id}.lock"))
}

fn open(state_dir: &Path, id: &str) -> Result<File, LockError> {
    use std::os::unix::fs::OpenOptionsExt;
    let folder = state_dir.join("migrations");
    private_dir(&folder)
        .map_err(|e| LockError::Io(format!("cannot create {}: {e}", folder.display())))?;
    let path = lock_path(state_dir, id);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| LockError::Io(format!("cannot open the lock file {}: {e}", path.display())))
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

impl MigrationLock {
    /// Takes the lock of migration `id`, or says who holds it.
    pub fn acquire(state_dir: &Path, id: &str) -> Result<MigrationLock, LockError> {
        let mut file = open(state_dir, id)?;
        match file.try_lock() {
            Ok(()) => {
                // The pid is a courtesy for the message of the others; the lock itself is
                // what counts, so a failed write changes nothing.
                let _ = file.set_len(0);
                let _ = file.seek(SeekFrom::Start(0));
                let _ = write!(file, "{}", std::process::id());
                let _ = file.flush();
                Ok(MigrationLock { _file: file })
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held {
                id: id.to_owned(),
                pid: read_pid(&mut file),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(LockError::Io(format!(
                "cannot lock {}: {e}",
                lock_path(state_dir, id).display()
            ))),
        }
    }

    /// Whether a live process holds migration `id`'s lock. Takes the lock for an instant when
    /// it is free, which is harmless: it is released before this returns.
    pub fn holder(state_dir: &Path, id: &str) -> Holder {
        if !lock_path(state_dir, id).exists() {
            return Holder::Nobody;
        }
        match MigrationLock::probe(state_dir, id) {
            Ok(()) => Holder::Nobody,
            Err(LockError::Held { pid, .. }) => Holder::Process(pid),
            // Unreadable: do not claim that a process runs it.
            Err(LockError::Io(_)) => Holder::Nobody,
        }
    }

    fn probe(state_dir: &Path, id: &str) -> Result<(), LockError> {
        let mut file = open(state_dir, id)?;
        match file.try_lock() {
            Ok(()) => Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held {
                id: id.to_owned(),
                pid: read_pid(&mut file),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(LockError::Io(e.to_string())),
        }
    }
}

/// The state a migration is really in: a journal that says `Running` while no process holds
/// its lock was left by a process that died (SIGKILL, a dropped SSH session), so it is
/// interrupted, and `ddb-ferry resume` continues it.
pub fn live_state(state_dir: &Path, journal: &Journal) -> (MigrationState, Holder) {
    let holder = MigrationLock::holder(state_dir, &journal.id);
    let state = match (journal.state, holder) {
        (MigrationState::Running, Holder::Nobody) => MigrationState::Interrupted,
        (state, _) => state,
    };
    (state, holder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(MigrationLock::holder(dir.path(), "m-1"), Holder::Nobody);
        let held = MigrationLock::acquire(dir.path(), "m-1").unwrap();
        let me = Some(std::process::id());
        match MigrationLock::acquire(dir.path(), "m-1") {
            Err(LockError::Held { id, pid }) => {
                assert_eq!(id, "m-1");
                assert_eq!(pid, me);
            }
            other => panic!("expected the lock to be held, got {other:?}"),
        }
        assert_eq!(
            MigrationLock::holder(dir.path(), "m-1"),
            Holder::Process(me)
        );
        assert_eq!(MigrationLock::holder(dir.path(), "m-2"), Holder::Nobody);
        drop(held);
        assert_eq!(MigrationLock::holder(dir.path(), "m-1"), Holder::Nobody);
        assert!(MigrationLock::acquire(dir.path(), "m-1").is_ok());
    }

    #[test]
    fn a_running_journal_without_a_live_holder_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let plan = crate::engine::plan::Plan::parse(
            r#"{"source":{"profile":"a","table":"tbl"},"destination":{"profile":"b","bucket":"bkt-one"},"table":{"name":"tbl"}}"#,
            "t",
        )
        .unwrap();
        let journal = crate::engine::new_journal(plan, "m-1".into(), None, None);
        assert_eq!(journal.state, MigrationState::Running);
        // Never locked, or locked by a process that died: nobody runs it.
        assert_eq!(
            live_state(dir.path(), &journal),
            (MigrationState::Interrupted, Holder::Nobody)
        );
        let _held = MigrationLock::acquire(dir.path(), "m-1").unwrap();
        assert_eq!(
            live_state(dir.path(), &journal),
            (
                MigrationState::Running,
                Holder::Process(Some(std::process::id()))
            )
        );
    }

    #[test]
    fn the_refusal_keeps_its_three_lines() {
        let text = LockError::Held {
            id: "m-1".into(),
            pid: Some(42),
        }
        .to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].contains("pid 42") && lines[0].contains("already running"));
        assert!(lines[1].starts_with("  why: ") && lines[2].starts_with("  next: "));
    }
}
