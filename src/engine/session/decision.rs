//! The decisions a person makes during a migration, and where the step order waits for them.
//! `run` answers every one from the plan; the wizard asks them on its screens.

use serde::Serialize;

use super::super::journal::Step;

/// A choice the session waits for before it runs the step that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Format, encryption and point in time of the export.
    ExportSettings,
    /// Which export's `data/` folder the import reads (the session proposes the one it found).
    DataFolder,
    /// The new table's name, keys, indexes, billing and encryption.
    NewTable,
    /// The key check passed; the person starts the import.
    StartImport,
}

impl Decision {
    /// Every decision, in the order they are asked.
    pub const ALL: [Decision; 4] = [
        Decision::ExportSettings,
        Decision::DataFolder,
        Decision::NewTable,
        Decision::StartImport,
    ];

    /// The step whose result the question is about: it is asked only when that step ran in
    /// this session, so a reattached migration continues where its decisions were made.
    pub fn asked_after(self) -> Step {
        match self {
            Decision::ExportSettings => Step::Bucket,
            Decision::DataFolder | Decision::NewTable => Step::Locate,
            Decision::StartImport => Step::KeyCheck,
        }
    }

    /// The step that waits for the answer.
    pub fn needed_by(self) -> Step {
        match self {
            Decision::ExportSettings => Step::Export,
            Decision::DataFolder | Decision::NewTable => Step::KeyCheck,
            Decision::StartImport => Step::Import,
        }
    }
}

/// Who answers the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// The plan file holds every answer: the session runs to the end without waiting.
    FromPlan,
    /// A person answers on screen: the session stops at each decision.
    AskPerson,
}
