//! Point-in-time recovery on the source: an export reads from it, so it must be ENABLED.

use std::fmt;
use std::time::{Duration, Instant};

use super::super::cli_equivalent::update_pitr;
use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{Migration, StepResult};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::aws::dynamodb::{Dynamo, PitrStatus};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::names;

const STEP: Step = Step::Pitr;
/// AWS may refuse to enable PITR for minutes after a table is created.
const UNAVAILABLE_RETRY_FOR: Duration = Duration::from_secs(600);
const ENABLE_WAIT_FOR: Duration = Duration::from_secs(900);

impl Migration {
    pub(crate) async fn pitr(&mut self) -> StepResult {
        let table = self.plan().source.table.clone();
        let source = self.source()?.clone();
        let status = source.dynamo.pitr_status(&table).await?;
        if self.journal.pitr.initially_enabled.is_none() {
            self.journal.pitr.initially_enabled = Some(status.is_enabled());
            self.save()?;
        }
        if status.is_enabled() {
            check_export_time(self.plan().export.export_time.as_deref(), &status)?;
            self.events.send(Event::StepDone {
                step: STEP,
                summary: format!(
                    "PITR is on for {table} (restorable from {})",
                    status.earliest_restorable.as_deref().unwrap_or("now")
                ),
            });
            return Ok(());
        }
        if !self.plan().options.enable_pitr {
            return Err(AwsFailure::from_code(
                "ExportTableToPointInTime",
                source.dynamo.side(),
                "PointInTimeRecoveryUnavailableException",
                &format!("PITR is {} for {table}", status.status),
            )
            .into());
        }
        let cli = update_pitr(&source.cli_args, &table, true);
        if !self.announce_call(STEP, "dynamodb:UpdateContinuousBackups", cli, None) {
            return Ok(());
        }
        // Remembered before the call: if the process dies right after AWS turned it on, the
        // next run still knows this tool did it and may turn it off at the end.
        self.journal.pitr.enabled_by_us = true;
        self.save()?;
        let events = &self.events;
        let status = enable_pitr_and_wait(&source.dynamo, &table, |wait| match wait {
            PitrWait::NotYetAllowed { .. } => events.warn(STEP, wait.to_string()),
            PitrWait::Status(_) => events.info(STEP, wait.to_string()),
        })
        .await?;
        check_export_time(self.plan().export.export_time.as_deref(), &status)?;
        self.save()?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!("PITR turned on for {table} by ddb-ferry"),
        });
        Ok(())
    }
}

/// What happens while PITR is being turned on, for whoever shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PitrWait {
    /// AWS refused for now (it does for minutes after a table is created); the call is made
    /// again after `retry_in`.
    NotYetAllowed { retry_in: Duration },
    /// Turned on, not ENABLED yet: the status AWS reports meanwhile.
    Status(String),
}

impl fmt::Display for PitrWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PitrWait::NotYetAllowed { retry_in } => write!(
                f,
                "AWS does not allow PITR yet (this happens for a few minutes after a table is created); trying again in {} s",
                retry_in.as_secs()
            ),
            PitrWait::Status(status) => {
                write!(f, "waiting for PITR to be ENABLED (now {status})")
            }
        }
    }
}

/// Turns PITR on for `table` and waits until AWS reports it ENABLED, telling `progress` what
/// it waits for. A refusal right after the table was created is retried with backoff for
/// up to 10 minutes; the wait for ENABLED gives up after 15. The step and the wizard both
/// call this, so both wait the same way.
pub async fn enable_pitr_and_wait(
    dynamo: &Dynamo,
    table: &str,
    progress: impl Fn(PitrWait),
) -> Result<PitrStatus, AwsFailure> {
    let started = Instant::now();
    let mut backoff = Duration::from_secs(5);
    loop {
        match dynamo.set_pitr(table, true).await {
            Ok(()) => break,
            Err(f)
                if f.code == "pitr-not-yet-available"
                    && started.elapsed() < UNAVAILABLE_RETRY_FOR =>
            {
                progress(PitrWait::NotYetAllowed { retry_in: backoff });
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
            Err(f) => return Err(f),
        }
    }
    let waited = Instant::now();
    loop {
        let s = dynamo.pitr_status(table).await?;
        if s.is_enabled() {
            return Ok(s);
        }
        if waited.elapsed() > ENABLE_WAIT_FOR {
            return Err(AwsFailure::new(
                "pitr-enable-slow",
                FailureKind::AwsRefused,
                format!("PITR on {table} is still {} after {} minutes", s.status, ENABLE_WAIT_FOR.as_secs() / 60),
                "enabling PITR usually takes seconds, but AWS can be slow on busy or very large tables",
                "run the same command again later; it continues from here",
            ));
        }
        progress(PitrWait::Status(s.status));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// An export time must fall inside the PITR window, which starts when PITR was turned on:
/// refused here rather than by ExportTableToPointInTime, before the export is started.
fn check_export_time(export_time: Option<&str>, status: &PitrStatus) -> Result<(), AwsFailure> {
    let Some(text) = export_time else {
        return Ok(());
    };
    let Ok(at) = names::iso8601("export.export_time", text) else {
        return Ok(()); // the plan check reports it with the field
    };
    let parse = |t: Option<&str>| t.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let earliest = parse(status.earliest_restorable.as_deref());
    let latest = parse(status.latest_restorable.as_deref())
        .unwrap_or_else(OffsetDateTime::now_utc)
        .max(OffsetDateTime::now_utc());
    let before = earliest.is_some_and(|e| at < e);
    if before || at > latest {
        let show = |t: Option<OffsetDateTime>| {
            t.and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| "unknown".to_owned())
        };
        return Err(AwsFailure::export_time_outside_window(
            text,
            &show(earliest),
            &show(Some(latest)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(earliest: &str) -> PitrStatus {
        PitrStatus {
            status: "ENABLED".into(),
            earliest_restorable: Some(earliest.into()),
            latest_restorable: None,
        }
    }

    #[test]
    fn an_export_time_before_pitr_was_enabled_is_refused() {
        let s = status("2026-01-10T00:00:00Z");
        let f = check_export_time(Some("2026-01-09T23:00:00Z"), &s).unwrap_err();
        assert_eq!(f.code, "export-time-outside-window");
        assert!(f.what.contains("2026-01-10T00:00:00Z"), "{}", f.what);
        assert!(check_export_time(Some("2026-01-10T01:00:00+01:00"), &s).is_ok());
        assert!(check_export_time(Some("2026-01-11T00:00:00Z"), &s).is_ok());
        assert!(check_export_time(None, &s).is_ok());
        let future = (OffsetDateTime::now_utc() + time::Duration::hours(2))
            .format(&Rfc3339)
            .unwrap();
        assert!(check_export_time(Some(&future), &s).is_err());
    }
}
