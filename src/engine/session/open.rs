//! Opening a session for a person at the wizard: a new migration from the screens' plan, or an
//! unfinished one from its journal. The same rules as `run` and `resume`: one process per
//! migration, and a finished or changed migration is never continued by mistake.

use std::path::{Path, PathBuf};

use super::{Answers, Session};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::events::EventSink;
use crate::engine::journal::{Journal, Step};
use crate::engine::lock::LockError;
use crate::engine::plan::Plan;
use crate::engine::{prepare, Prepared};

/// What the session is opened from.
#[derive(Debug, Clone)]
pub enum OpenFrom {
    /// A new migration. `pitr_enabled_by_us`: the person turned PITR on before the migration
    /// existed, so finishing may turn it off again.
    Plan {
        plan: Box<Plan>,
        pitr_enabled_by_us: bool,
    },
    /// An unfinished migration's journal.
    Journal { path: PathBuf },
}

/// Why no session was opened.
#[derive(Debug, Clone)]
pub enum OpenFailure {
    /// Another live process runs this migration; its journal can be watched read-only.
    Held {
        id: String,
        pid: Option<u32>,
        journal: PathBuf,
    },
    Refused(AwsFailure),
}

/// Opens a session whose decisions a person answers.
pub fn open_for_person(
    from: OpenFrom,
    state_dir: &Path,
    endpoint_url: Option<String>,
    events: EventSink,
) -> Result<Session, OpenFailure> {
    let journal = match from {
        OpenFrom::Plan {
            plan,
            pitr_enabled_by_us,
        } => {
            let mut journal = new_from_plan(*plan, state_dir, endpoint_url)?;
            if pitr_enabled_by_us {
                journal.pitr.initially_enabled = Some(false);
                journal.pitr.enabled_by_us = true;
            }
            journal
        }
        OpenFrom::Journal { path } => {
            let mut journal = Journal::load(&path).map_err(|e| {
                OpenFailure::Refused(AwsFailure::new(
                    "journal-unreadable",
                    FailureKind::BadInput,
                    e.to_string(),
                    "the journal file was damaged or written by another version",
                    "start a new migration; the damaged journal is left as it is",
                ))
            })?;
            if endpoint_url.is_some() {
                journal.endpoint_url = endpoint_url;
            }
            journal
        }
    };
    let path = Journal::path_in(state_dir, &journal.id);
    Session::open(journal, state_dir, events, false, Answers::AskPerson).map_err(|e| match e {
        LockError::Held { id, pid } => OpenFailure::Held {
            id,
            pid,
            journal: path,
        },
        LockError::Io(message) => OpenFailure::Refused(AwsFailure::new(
            "lock-unavailable",
            FailureKind::BadInput,
            message,
            "the state folder is not writable, or DDB_FERRY_STATE_DIR points somewhere read-only",
            "fix the folder's permissions, then try again",
        )),
    })
}

fn new_from_plan(
    plan: Plan,
    state_dir: &Path,
    endpoint_url: Option<String>,
) -> Result<Journal, OpenFailure> {
    match prepare(plan, None, endpoint_url, state_dir, false) {
        Ok(Prepared::Ready { mut journal, .. }) => {
            // The same choices applied again (the person went back to the bucket): the bucket
            // step runs again — it changes nothing that is already right — so that the export's
            // settings are asked again, as long as the export has not started.
            if journal.export.is_none() && journal.step > Step::Bucket {
                journal.step = Step::Bucket;
            }
            Ok(*journal)
        }
        Ok(Prepared::AlreadyDone { path, .. }) | Ok(Prepared::PlanChanged { path }) => {
            Err(OpenFailure::Refused(AwsFailure::new(
                "migration-exists",
                FailureKind::BadInput,
                format!(
                    "a migration with these choices already exists ({})",
                    path.display()
                ),
                "the same table, bucket and new table name were migrated before",
                "choose another prefix or bucket, or run `ddb-ferry run --new` with a plan file",
            )))
        }
        Err(e) => Err(OpenFailure::Refused(AwsFailure::new(
            "journal-unreadable",
            FailureKind::BadInput,
            e.to_string(),
            "an earlier journal for these choices is damaged",
            "move it aside and try again",
        ))),
    }
}
