//! The manifests a real DynamoDB export writes, and their checksums.
//!
//! `manifest-summary.json` tells what was exported (table, time, item count, format);
//! `manifest-files.json` lists the data files with their item counts and MD5s. They give the
//! import a real total to show progress against and let us check that the data folder we
//! are about to import is complete. Both come from a bucket, so they are untrusted input:
//! parsing never panics, refuses oversized files, and errors say which file and line.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::layout::split_export_key;

/// Manifests are small (one line per data file); anything bigger is not one.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// Longest excerpt of a bad line quoted in an error.
const EXCERPT_CHARS: usize = 80;

/// `manifest-summary.json`. Fields AWS writes for every export are required; the rest are
/// optional because incremental exports, older exports and exports without a prefix or KMS
/// key leave them out or write `null`. Unknown fields are ignored so that a field AWS adds
/// later does not make the export unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSummary {
    pub version: String,
    pub export_arn: String,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    pub table_arn: String,
    #[serde(default)]
    pub table_id: Option<String>,
    #[serde(default)]
    pub export_time: Option<String>,
    pub s3_bucket: String,
    #[serde(default)]
    pub s3_prefix: Option<String>,
    #[serde(default)]
    pub s3_sse_algorithm: Option<String>,
    #[serde(default)]
    pub s3_sse_kms_key_id: Option<String>,
    pub manifest_files_s3_key: String,
    #[serde(default)]
    pub billed_size_bytes: Option<u64>,
    #[serde(default)]
    pub item_count: Option<u64>,
    pub output_format: String,
    #[serde(default)]
    pub export_type: Option<String>,
    #[serde(default)]
    pub export_from_time: Option<String>,
    #[serde(default)]
    pub export_to_time: Option<String>,
    #[serde(default)]
    pub output_view: Option<String>,
}

impl ManifestSummary {
    /// Whether this is an incremental export, whose lines hold changes (NewImage/OldImage)
    /// rather than items, and which ImportTable cannot load.
    pub fn is_incremental(&self) -> bool {
        self.export_type.as_deref() == Some("INCREMENTAL_EXPORT") || self.output_view.is_some()
    }

    /// The export folder's id, taken from `manifestFilesS3Key` (the ARN's id can differ from
    /// the folder's, so the key is the reliable source).
    pub fn export_id(&self) -> Option<&str> {
        split_export_key(&self.manifest_files_s3_key).map(|(_, id, _)| id)
    }
}

/// One line of `manifest-files.json`: a data file and what it should contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestFileEntry {
    pub item_count: u64,
    /// Base64 MD5 of the data file as stored (compressed).
    pub md5_checksum: String,
    pub etag: String,
    /// Full key of the data file, prefix included.
    pub data_file_s3_key: String,
}

/// Why a manifest or checksum could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "{file} is {size} bytes, more than the {limit} bytes a manifest can be; \
         check that you chose a DynamoDB export folder (…/AWSDynamoDB/<export-id>/)"
    )]
    TooLarge {
        file: &'static str,
        size: usize,
        limit: usize,
    },
    #[error(
        "manifest-summary.json is not a DynamoDB export summary ({reason}); the export may be \
         incomplete or the file damaged: run the export again or pick another export folder"
    )]
    Summary { reason: String },
    #[error(
        "manifest-files.json line {line} is not a data-file entry ({reason}): `{excerpt}`; \
         the export may be incomplete or damaged: run the export again"
    )]
    FilesLine {
        line: usize,
        reason: String,
        excerpt: String,
    },
    #[error(
        "the checksum file does not hold an MD5 (expected 24 characters of base64 or 32 hex \
         digits, found `{found}`); download it again or skip the checksum check"
    )]
    ChecksumUnreadable { found: String },
    #[error(
        "the content does not match its checksum file (expected MD5 {expected}, content has \
         {actual}); the file was changed or only partly copied: run the export again"
    )]
    ChecksumMismatch { expected: String, actual: String },
}

/// Parses `manifest-summary.json`.
pub fn parse_summary(bytes: &[u8]) -> Result<ManifestSummary, ManifestError> {
    check_size("manifest-summary.json", bytes)?;
    serde_json::from_slice(bytes).map_err(|e| ManifestError::Summary {
        reason: e.to_string(),
    })
}

/// Parses `manifest-files.json` (JSON Lines; blank lines are skipped).
pub fn parse_files(bytes: &[u8]) -> Result<Vec<ManifestFileEntry>, ManifestError> {
    check_size("manifest-files.json", bytes)?;
    let mut entries = Vec::new();
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entry = serde_json::from_slice(line).map_err(|e| ManifestError::FilesLine {
            line: index + 1,
            reason: e.to_string(),
            excerpt: excerpt(line),
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

/// Checks `content` against the MD5 written in `md5_file` (the `.md5`/`.checksum` file
/// beside a manifest).
///
/// AWS writes the digest as base64 (24 characters, like S3's Content-MD5); hex (32 digits,
/// what `md5sum` prints, optionally followed by a file name) is accepted too, since people
/// recreate these files by hand. Surrounding whitespace is ignored.
pub fn verify_md5(content: &[u8], md5_file: &[u8]) -> Result<(), ManifestError> {
    let expected = expected_digest(md5_file)?;
    let actual: [u8; 16] = Md5::digest(content).into();
    if actual == expected {
        Ok(())
    } else {
        Err(ManifestError::ChecksumMismatch {
            expected: STANDARD.encode(expected),
            actual: STANDARD.encode(actual),
        })
    }
}

/// Base64 MD5 of `content`, the form `md5Checksum` and the `.md5` files use.
pub fn md5_base64(content: &[u8]) -> String {
    STANDARD.encode(Md5::digest(content))
}

fn expected_digest(md5_file: &[u8]) -> Result<[u8; 16], ManifestError> {
    let unreadable = || ManifestError::ChecksumUnreadable {
        found: excerpt(md5_file),
    };
    let text = std::str::from_utf8(md5_file).map_err(|_| unreadable())?;
    let token = text.split_whitespace().next().ok_or_else(unreadable)?;
    if token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut digest = [0u8; 16];
        for (i, byte) in digest.iter_mut().enumerate() {
            let pair = token.get(2 * i..2 * i + 2).ok_or_else(unreadable)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| unreadable())?;
        }
        return Ok(digest);
    }
    let decoded = STANDARD
        .decode(token)
        .or_else(|_| STANDARD_NO_PAD.decode(token))
        .map_err(|_| unreadable())?;
    decoded.try_into().map_err(|_| unreadable())
}

fn check_size(file: &'static str, bytes: &[u8]) -> Result<(), ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            file,
            size: bytes.len(),
            limit: MAX_MANIFEST_BYTES,
        });
    }
    Ok(())
}

/// At most [`EXCERPT_CHARS`] characters of `bytes`, lossily decoded, for an error message.
fn excerpt(bytes: &[u8]) -> String {
    let head = bytes.get(..EXCERPT_CHARS * 4).unwrap_or(bytes);
    let text = String::from_utf8_lossy(head);
    let text = text.trim();
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() || head.len() < bytes.len() {
        out.pop();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A full export's summary as AWS writes it (one line, no trailing newline).
    const FULL_SUMMARY: &str = r#"{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/export/01645072900758-ee1232a3","startTime":"2022-02-17T04:41:40.758Z","endTime":"2022-02-17T04:46:17.303Z","tableArn":"arn:aws:dynamodb:eu-west-1:111122223333:table/Orders","tableId":"5c0f7a1e-2b8d-4c5e-9f6a-0d3b2e1c4a7f","exportTime":"2022-02-17T04:41:40.758Z","s3Bucket":"ferry-dest-444455556666","s3Prefix":"migrations/orders","s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"migrations/orders/AWSDynamoDB/01645072900758-ee1232a3/manifest-files.json","billedSizeBytes":1043572,"itemCount":5120,"outputFormat":"DYNAMODB_JSON"}"#;

    /// An incremental export's summary (no exportTime; from/to times and a view instead).
    const INCREMENTAL_SUMMARY: &str = r#"{"version":"2023-08-01","exportArn":"arn:aws:dynamodb:us-east-1:111122223333:table/Orders/export/01695353076000-06e2188f","startTime":"2023-09-22T03:24:36.000Z","endTime":"2023-09-22T03:44:36.000Z","tableArn":"arn:aws:dynamodb:us-east-1:111122223333:table/Orders","tableId":"5c0f7a1e-2b8d-4c5e-9f6a-0d3b2e1c4a7f","exportFromTime":"2023-09-21T03:24:36.000Z","exportToTime":"2023-09-22T03:24:36.000Z","s3Bucket":"ferry-dest-444455556666","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01695353076000-06e2188f/manifest-files.json","billedSizeBytes":20900,"itemCount":300,"outputFormat":"DYNAMODB_JSON","outputView":"NEW_AND_OLD_IMAGES","exportType":"INCREMENTAL_EXPORT","someFutureField":{"x":1}}"#;

    /// `manifest-files.json` of a two-partition export, with the trailing newline AWS writes.
    const FILES: &str = concat!(
        r#"{"itemCount":5000,"md5Checksum":"sQMSpEILNgoQmarvDFonGQ==","etag":"af83d6f217c19b8b0fff8023d8ca4716-1","dataFileS3Key":"migrations/orders/AWSDynamoDB/01645072900758-ee1232a3/data/xygt7i2gje4w7jtdw5652s43pa.json.gz"}"#,
        "\n",
        r#"{"itemCount":120,"md5Checksum":"1B2M2Y8AsgTpgAmY7PhCfg==","etag":"d41d8cd98f00b204e9800998ecf8427e","dataFileS3Key":"migrations/orders/AWSDynamoDB/01645072900758-ee1232a3/data/abcdefgh2je4w7jtdw5652s43p.json.gz"}"#,
        "\n"
    );

    #[test]
    fn parses_a_full_summary() {
        let s = parse_summary(FULL_SUMMARY.as_bytes()).unwrap();
        assert_eq!(s.version, "2020-06-30");
        assert_eq!(s.item_count, Some(5120));
        assert_eq!(s.billed_size_bytes, Some(1043572));
        assert_eq!(s.s3_prefix.as_deref(), Some("migrations/orders"));
        assert_eq!(s.s3_sse_kms_key_id, None);
        assert_eq!(s.output_format, "DYNAMODB_JSON");
        assert_eq!(s.export_time.as_deref(), Some("2022-02-17T04:41:40.758Z"));
        assert_eq!(s.export_id(), Some("01645072900758-ee1232a3"));
        assert!(!s.is_incremental());
    }

    #[test]
    fn parses_an_incremental_summary_with_unknown_fields() {
        let s = parse_summary(INCREMENTAL_SUMMARY.as_bytes()).unwrap();
        assert!(s.is_incremental());
        assert_eq!(s.export_time, None);
        assert_eq!(s.s3_prefix, None);
        assert_eq!(s.output_view.as_deref(), Some("NEW_AND_OLD_IMAGES"));
        assert_eq!(s.export_id(), Some("01695353076000-06e2188f"));
    }

    #[test]
    fn output_view_alone_means_incremental() {
        let text = FULL_SUMMARY.replace(
            r#""outputFormat""#,
            r#""outputView":"NEW_IMAGE","outputFormat""#,
        );
        assert!(parse_summary(text.as_bytes()).unwrap().is_incremental());
    }

    #[test]
    fn summary_errors_say_what_is_wrong() {
        let err = parse_summary(b"{\"version\":\"2020-06-30\"}").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("manifest-summary.json"), "{message}");
        assert!(message.contains("exportArn"), "{message}");
        assert!(parse_summary(b"").is_err());
        assert!(parse_summary(b"[]").is_err());
    }

    #[test]
    fn parses_files_and_skips_blank_lines() {
        let entries = parse_files(FILES.as_bytes()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].item_count, 5000);
        assert_eq!(entries[0].etag, "af83d6f217c19b8b0fff8023d8ca4716-1");
        assert!(entries[1].data_file_s3_key.ends_with(".json.gz"));
        let spaced = format!("\n\r\n{FILES}\n   \n");
        assert_eq!(parse_files(spaced.as_bytes()).unwrap(), entries);
        let crlf = FILES.replace('\n', "\r\n");
        assert_eq!(parse_files(crlf.as_bytes()).unwrap(), entries);
        assert!(parse_files(b"").unwrap().is_empty());
    }

    #[test]
    fn files_error_names_line_and_quotes_short_excerpt() {
        let long_bad = format!(
            "{{\"itemCount\": \"many\", \"pad\": \"{}\"}}",
            "x".repeat(300)
        );
        let text = format!("{FILES}\n{long_bad}\n");
        let err = parse_files(text.as_bytes()).unwrap_err();
        let ManifestError::FilesLine { line, excerpt, .. } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(*line, 4);
        assert!(excerpt.chars().count() <= EXCERPT_CHARS, "{excerpt}");
        assert!(excerpt.starts_with("{\"itemCount\""));
        assert!(err.to_string().contains("line 4"));
    }

    #[test]
    fn refuses_oversized_manifests() {
        let big = vec![b' '; MAX_MANIFEST_BYTES + 1];
        assert!(matches!(
            parse_summary(&big),
            Err(ManifestError::TooLarge {
                file: "manifest-summary.json",
                ..
            })
        ));
        assert!(matches!(
            parse_files(&big),
            Err(ManifestError::TooLarge { .. })
        ));
    }

    #[test]
    fn md5_in_base64_and_hex() {
        // MD5 of nothing, in both spellings.
        assert!(verify_md5(b"", b"1B2M2Y8AsgTpgAmY7PhCfg==").is_ok());
        assert!(verify_md5(b"", b"  d41d8cd98f00b204e9800998ecf8427e\n").is_ok());
        assert!(verify_md5(b"", b"D41D8CD98F00B204E9800998ECF8427E  manifest.json\n").is_ok());
        assert!(verify_md5(b"", b"1B2M2Y8AsgTpgAmY7PhCfg").is_ok());

        let content = FULL_SUMMARY.as_bytes();
        let written = md5_base64(content);
        assert_eq!(written.len(), 24);
        assert!(verify_md5(content, format!("{written}\n").as_bytes()).is_ok());
        let err = verify_md5(b"changed", written.as_bytes()).unwrap_err();
        assert!(matches!(err, ManifestError::ChecksumMismatch { .. }));
        assert!(err.to_string().contains(&written));
    }

    #[test]
    fn unreadable_checksum_files() {
        for bad in [
            &b""[..],
            b"   ",
            b"not-a-checksum",
            b"AAAA",
            b"\xff\xfe",
            b"zz41d8cd98f00b204e9800998ecf8427e",
        ] {
            assert!(
                matches!(
                    verify_md5(b"", bad),
                    Err(ManifestError::ChecksumUnreadable { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn excerpt_is_bounded() {
        assert_eq!(excerpt(b"  short  "), "short");
        let long = "é".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_summary(&bytes);
            let _ = parse_files(&bytes);
            let _ = verify_md5(&bytes, &bytes);
            let _ = verify_md5(b"", &bytes);
        }

        #[test]
        fn json_like_text_never_panics(text in "[\\[\\]{}\":,0-9a-zA-Z \n]{0,300}") {
            let _ = parse_summary(text.as_bytes());
            if let Err(ManifestError::FilesLine { excerpt, line, .. }) = parse_files(text.as_bytes()) {
                prop_assert!(excerpt.chars().count() <= EXCERPT_CHARS);
                prop_assert!(line >= 1);
            }
        }

        #[test]
        fn md5_round_trips(content in proptest::collection::vec(any::<u8>(), 0..256)) {
            prop_assert!(verify_md5(&content, md5_base64(&content).as_bytes()).is_ok());
        }
    }
}
