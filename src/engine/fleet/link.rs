//! What the tables of one fleet share while they run: the count of jobs in flight, the turn at
//! the shared bucket policy, and the boards that watch every table's exports and imports with
//! list calls.

use std::sync::Arc;

use super::limits::Limiter;
use crate::engine::jobs::board::JobBoards;

#[derive(Debug)]
pub struct FleetLink {
    pub limiter: Arc<Limiter>,
    /// Held by a table while its bucket step reads and writes the bucket policy.
    pub bucket_turn: Arc<tokio::sync::Mutex<()>>,
    /// One poller per kind of job for the whole fleet (see `jobs/board.rs`).
    pub boards: Arc<JobBoards>,
}

impl FleetLink {
    pub fn new(limiter: Arc<Limiter>, boards: JobBoards) -> Arc<FleetLink> {
        Arc::new(FleetLink {
            limiter,
            bucket_turn: Arc::new(tokio::sync::Mutex::new(())),
            boards: Arc::new(boards),
        })
    }
}
