//! What the tables of one fleet share while they run: the count of jobs in flight, and the
//! turn at the shared bucket policy.

use std::sync::Arc;

use super::limits::Limiter;

#[derive(Debug)]
pub struct FleetLink {
    pub limiter: Arc<Limiter>,
    /// Held by a table while its bucket step reads and writes the bucket policy.
    pub bucket_turn: Arc<tokio::sync::Mutex<()>>,
}

impl FleetLink {
    pub fn new(limiter: Arc<Limiter>) -> Arc<FleetLink> {
        Arc::new(FleetLink {
            limiter,
            bucket_turn: Arc::new(tokio::sync::Mutex::new(())),
        })
    }
}
