//! AWS's clock, read from the `Date` header of its answers.
//!
//! Catch-up's lag is "how far the new table is behind the source", measured from the end of
//! the last applied window, which AWS placed on its own clock. This machine's clock may be
//! minutes off (a jump host without NTP), which would make the lag lie exactly when a person
//! decides to cut over; so every DynamoDB answer's `Date` header is kept with the instant it
//! arrived, and [`AwsClock::now`] is that reading moved on by the time elapsed since.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// The last `Date` AWS sent, shared by every clone of one side's client.
#[derive(Clone, Debug, Default)]
pub struct AwsClock {
    last: Arc<Mutex<Option<Reading>>>,
}

#[derive(Clone, Copy, Debug)]
struct Reading {
    /// Seconds since the epoch, as AWS said (the header has whole seconds).
    aws_secs: i64,
    at: Instant,
}

impl AwsClock {
    /// Now on AWS's clock (whole seconds), or `None` before any answer carried a `Date`.
    pub fn now(&self) -> Option<time::OffsetDateTime> {
        let reading = (*self.last.lock().ok()?)?;
        let secs = reading.aws_secs + reading.at.elapsed().as_secs() as i64;
        time::OffsetDateTime::from_unix_timestamp(secs).ok()
    }

    /// Takes a `Date` header's value (`Wed, 02 Dec 2026 07:01:18 GMT`); others are ignored.
    pub fn observe(&self, header: &str) {
        let Ok(date) = DateTime::from_str(header.trim(), Format::HttpDate) else {
            return;
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Reading {
                aws_secs: date.secs(),
                at: Instant::now(),
            });
        }
    }
}

/// Hands every answer's `Date` header to the side's [`AwsClock`].
#[derive(Debug)]
pub(super) struct DateHeaderReader(pub AwsClock);

impl Intercept for DateHeaderReader {
    fn name(&self) -> &'static str {
        "DateHeaderReader"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            self.0.observe(date);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_header_sets_the_clock() {
        let clock = AwsClock::default();
        assert!(clock.now().is_none());
        clock.observe("Wed, 02 Dec 2026 07:01:18 GMT");
        let now = clock.now().unwrap();
        assert_eq!(now.unix_timestamp(), 1_796_194_878);
    }

    #[test]
    fn a_header_that_is_not_a_date_is_ignored() {
        let clock = AwsClock::default();
        clock.observe("yesterday");
        assert!(clock.now().is_none());
    }
}
