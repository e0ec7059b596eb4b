//! How a job found in a list is recognised as this migration's when its API echoes no token:
//! it was created after this migration first asked for it (less a minute for clocks that
//! disagree).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Clocks of this machine and AWS may differ by this much.
const CLOCK_SLACK_SECS: i64 = 60;

/// True when `created` (RFC 3339, AWS's clock) is not before `requested_at` (this machine's
/// clock) less the slack. Unknown times count as a match only when nothing was requested.
pub(crate) fn created_since(created: Option<&str>, requested_at: Option<&str>) -> bool {
    let Some(requested) = requested_at.and_then(parse) else {
        return false;
    };
    let Some(created) = created.and_then(parse) else {
        return false;
    };
    created.unix_timestamp() >= requested.unix_timestamp() - CLOCK_SLACK_SECS
}

fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_older_than_the_request_is_not_ours() {
        let asked = Some("2026-12-02T10:00:00Z");
        assert!(created_since(Some("2026-12-02T10:00:05Z"), asked));
        assert!(
            created_since(Some("2026-12-02T09:59:30Z"), asked),
            "clock slack"
        );
        assert!(!created_since(Some("2026-12-02T09:50:00Z"), asked));
        assert!(!created_since(None, asked));
        assert!(!created_since(Some("2026-12-02T10:00:05Z"), None));
    }
}
