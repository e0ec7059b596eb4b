//! An increment of catch-up as a long job: an incremental export of one window of the
//! source's writes. It is an export like the migration's own (same call, same lookup by token
//! or target, same failure advice), kept in its increment's record of the journal and
//! reported under the catch-up step.

use super::export::ExportJob;
use super::watcher::{JobView, LongJob, NotReady, Phase};
use crate::aws::dynamodb::{ExportInfo, ExportRequest, IncrementalWindow};
use crate::aws::explain::AwsFailure;
use crate::engine::journal::{JobRecord, Journal, Step};
use std::time::Duration;

pub(crate) struct IncrementJob {
    /// The export's target, client and failure advice; its `export_time` is unused.
    pub export: ExportJob,
    /// Which increment of the journal's catch-up record this is.
    pub index: usize,
    pub window: IncrementalWindow,
}

impl LongJob for IncrementJob {
    type Info = ExportInfo;
    const NAME: &'static str = "increment";
    const STEP: Step = Step::CatchUp;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.catch_up.increments[self.index].export
    }

    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<ExportInfo>, AwsFailure> {
        self.export.find_started(saved).await
    }

    async fn start(&self, token: Option<&str>) -> Result<ExportInfo, AwsFailure> {
        let e = &self.export;
        let request = ExportRequest {
            table_arn: &e.table_arn,
            bucket: &e.bucket,
            bucket_owner: &e.bucket_owner,
            prefix: &e.prefix,
            format: e.format,
            encryption: &e.encryption,
            export_time: None,
            incremental: Some(self.window),
            client_token: token.unwrap_or_default(),
        };
        e.dynamo
            .export(&request)
            .await
            .map_err(|f| f.with_resource(&e.table_arn))
    }

    async fn describe(&self, arn: &str) -> Result<ExportInfo, AwsFailure> {
        self.export.describe(arn).await
    }

    fn view<'a>(&self, info: &'a ExportInfo) -> JobView<'a> {
        self.export.view(info)
    }

    fn phase(&self, info: &ExportInfo) -> Phase {
        self.export.phase(info)
    }

    fn store_details(&self, info: &ExportInfo, record: &mut JobRecord) {
        self.export.store_details(info, record)
    }

    fn explain_failure(&self, info: &ExportInfo) -> AwsFailure {
        self.export.explain_failure(info)
    }

    /// A small incremental export takes about ten minutes, like a small full one.
    fn expected_minutes(&self) -> u64 {
        self.export.expected_minutes()
    }

    fn status_command(&self, arn: &str) -> String {
        self.export.status_command(arn)
    }

    fn not_ready(&self, failure: &AwsFailure, since_first_call: Duration) -> Option<NotReady> {
        self.export.not_ready(failure, since_first_call)
    }
}
