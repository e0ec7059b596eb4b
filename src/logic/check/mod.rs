//! The full-data check: every line of every data file of an export, read as a stream,
//! checked for the keys the new table needs, at close to the speed of decompression.
//!
//! - [`json`] and [`crate::logic::ion`] validate one line each and report the watched
//!   attributes' types without building a document tree;
//! - [`crate::logic::watch`] turns those facts into key problems (missing, wrong type, only
//!   under another case) and index-key type problems;
//! - [`run`] decompresses and checks files on a bounded pool of threads with bounded
//!   memory, a single file split between an inflating and a parsing thread;
//! - [`report`] tells the result to a person or a script.
//!
//! Nothing here does network I/O: files come in as `Read`ers from whoever opens them (the
//! S3 reader, local files in the bench and tests).

mod fast;
pub mod json;
pub mod report;
pub mod run;

use super::layout::DataFormat;
use crate::logic::items::LineError;
use crate::logic::watch::{LineFacts, Watch};

pub use report::{CheckReport, ExportContext, ManifestDisagreement};
pub use run::{
    run_check, CheckOptions, CheckProgress, DataCheck, Example, FileResult, InputFile, Tally,
};

/// Scans one line of a data file in `format`.
pub fn scan_line(
    format: DataFormat,
    line: &[u8],
    watch: &Watch,
    facts: &mut LineFacts,
) -> Result<(), LineError> {
    match format {
        DataFormat::DynamoDbJson => json::scan_line(line, watch, facts),
        DataFormat::Ion => super::ion::scan_line(line, watch, facts),
    }
}

/// Longest excerpt of a line quoted in a report.
pub const EXCERPT_CHARS: usize = 80;

/// At most [`EXCERPT_CHARS`] characters of `bytes`, lossily decoded, for a report.
pub fn excerpt(bytes: &[u8]) -> String {
    let head = bytes.get(..EXCERPT_CHARS * 4).unwrap_or(bytes);
    let text = String::from_utf8_lossy(head);
    let text = text.trim();
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() || head.len() < bytes.len() {
        out.pop();
        out.push('…');
    }
    out
}

/// The format of a file's content when its name does not say: Ion lines start with the
/// version marker or an unquoted field name.
pub fn sniff_format(head: &[u8]) -> DataFormat {
    let mut rest = head;
    while let [first, tail @ ..] = rest {
        if first.is_ascii_whitespace() {
            rest = tail;
        } else {
            break;
        }
    }
    if rest.starts_with(b"$ion_1_0") {
        return DataFormat::Ion;
    }
    if let [b'{', tail @ ..] = rest {
        let next = tail.iter().find(|c| !c.is_ascii_whitespace());
        if next.is_some_and(|c| *c != b'"' && *c != b'}') {
            return DataFormat::Ion;
        }
    }
    DataFormat::DynamoDbJson
}
