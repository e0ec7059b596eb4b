//! What an export folder holds and whether it can be imported, from its listing and its
//! (checksum-verified) manifests: the one account of an export that `ddb-ferry exports`,
//! `ddb-ferry check`, the engine and the wizard share.

use serde::Serialize;

use super::layout::{ExportFolder, ObjectInfo};
use super::manifest::{parse_files, parse_summary, verify_md5, ManifestFileEntry, ManifestSummary};

/// The manifest files of one export, as read from the bucket (`None`: not there).
#[derive(Debug, Clone, Default)]
pub struct ManifestBytes {
    pub summary: Option<Vec<u8>>,
    pub summary_md5: Option<Vec<u8>>,
    pub files: Option<Vec<u8>>,
    pub files_md5: Option<Vec<u8>>,
}

/// Where an export stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportState {
    /// Manifests written and readable.
    Complete,
    /// No manifest yet: an export still running (AWS writes the manifests last), or one
    /// written by a tool that does not write them (an emulator).
    NoManifest,
    /// Manifests there but unreadable or failing their checksum.
    ManifestInvalid,
}

/// One export found under a prefix, with what its manifests say.
#[derive(Debug, Clone, Serialize)]
pub struct FoundExport {
    pub export_id: String,
    /// `…/AWSDynamoDB/<id>/`.
    pub root: String,
    /// The folder to import from.
    pub data_prefix: String,
    pub state: ExportState,
    pub export_time: Option<String>,
    pub table_arn: Option<String>,
    pub export_arn: Option<String>,
    /// `DYNAMODB_JSON` or `ION`, from the manifest or the data files' names.
    pub format: Option<String>,
    /// `FULL_EXPORT` or `INCREMENTAL_EXPORT`.
    pub export_type: Option<String>,
    pub item_count: Option<u64>,
    pub billed_size_bytes: Option<u64>,
    pub data_files: usize,
    pub data_bytes: u64,
    /// Objects under `data/` that are not data files (an import would fail on them).
    pub non_data_objects: Vec<ObjectInfo>,
    /// Per data file, the item count the manifest gives.
    #[serde(skip)]
    pub manifest_files: Vec<ManifestFileEntry>,
    /// What is wrong with the manifests (checksums, missing files).
    pub manifest_problems: Vec<String>,
    /// `None` when an import can read it; otherwise why not.
    pub not_importable: Option<String>,
}

impl FoundExport {
    pub fn is_incremental(&self) -> bool {
        self.export_type.as_deref() == Some("INCREMENTAL_EXPORT")
    }
}

/// The export `folder` (from a listing) with its manifests' account of it.
pub fn summarize_found_export(folder: &ExportFolder, manifests: &ManifestBytes) -> FoundExport {
    let mut info = FoundExport {
        export_id: folder.export_id.clone(),
        root: folder.root.clone(),
        data_prefix: folder.data_prefix.clone(),
        state: ExportState::NoManifest,
        export_time: None,
        table_arn: None,
        export_arn: None,
        format: format_from_names(folder),
        export_type: None,
        item_count: None,
        billed_size_bytes: None,
        data_files: folder.data_files.len(),
        data_bytes: folder.data_bytes(),
        non_data_objects: folder.non_data_under_data.clone(),
        manifest_files: Vec::new(),
        manifest_problems: Vec::new(),
        not_importable: None,
    };
    if let Some(summary) = verified_summary(manifests) {
        match summary {
            Ok(summary) => {
                info.state = ExportState::Complete;
                info.export_time = summary
                    .export_time
                    .clone()
                    .or(summary.export_to_time.clone());
                info.table_arn = Some(summary.table_arn.clone());
                info.export_arn = Some(summary.export_arn.clone());
                info.format = Some(summary.output_format.clone());
                info.export_type = Some(if summary.is_incremental() {
                    "INCREMENTAL_EXPORT".to_owned()
                } else {
                    summary
                        .export_type
                        .clone()
                        .unwrap_or_else(|| "FULL_EXPORT".to_owned())
                });
                info.item_count = summary.item_count;
                info.billed_size_bytes = summary.billed_size_bytes;
            }
            Err(problem) => {
                info.state = ExportState::ManifestInvalid;
                info.manifest_problems.push(problem);
            }
        }
        match &manifests.files {
            Some(bytes) => match read_files(bytes, manifests.files_md5.as_deref()) {
                Ok(entries) => {
                    check_files_against_listing(folder, &entries, &mut info);
                    info.manifest_files = entries;
                }
                Err(problem) => {
                    info.state = ExportState::ManifestInvalid;
                    info.manifest_problems.push(problem);
                }
            },
            None => {
                info.state = ExportState::ManifestInvalid;
                info.manifest_problems.push(
                    "manifest-summary.json is there but manifest-files.json is not".to_owned(),
                );
            }
        }
    }
    info.not_importable = if info.is_incremental() {
        Some("it is an incremental export: its lines are change records (new and old images), not items, and ImportTable cannot read them; use a full export".to_owned())
    } else if !info.non_data_objects.is_empty() {
        Some(format!(
            "its data folder holds {} object(s) that are not data files, and ImportTable fails on them; move them out",
            info.non_data_objects.len()
        ))
    } else if info.state == ExportState::ManifestInvalid {
        Some("its manifests are damaged or disagree with the folder; export again".to_owned())
    } else {
        None
    };
    info
}

/// The summary manifest, checked against its checksum when there is one; `None` when the
/// export has none. The one reading of a summary, so every view of an export agrees.
pub fn verified_summary(manifests: &ManifestBytes) -> Option<Result<ManifestSummary, String>> {
    let bytes = manifests.summary.as_deref()?;
    Some(read_summary(bytes, manifests.summary_md5.as_deref()))
}

fn read_summary(bytes: &[u8], md5: Option<&[u8]>) -> Result<ManifestSummary, String> {
    if let Some(md5) = md5 {
        verify_md5(bytes, md5).map_err(|e| format!("manifest-summary.json: {e}"))?;
    }
    parse_summary(bytes).map_err(|e| e.to_string())
}

fn read_files(bytes: &[u8], md5: Option<&[u8]>) -> Result<Vec<ManifestFileEntry>, String> {
    if let Some(md5) = md5 {
        verify_md5(bytes, md5).map_err(|e| format!("manifest-files.json: {e}"))?;
    }
    parse_files(bytes).map_err(|e| e.to_string())
}

fn check_files_against_listing(
    folder: &ExportFolder,
    entries: &[ManifestFileEntry],
    info: &mut FoundExport,
) {
    let listed = |key: &str| folder.data_files.iter().any(|f| f.key == key);
    let missing: Vec<&str> = entries
        .iter()
        .filter(|e| !listed(&e.data_file_s3_key))
        .map(|e| e.data_file_s3_key.as_str())
        .collect();
    if !missing.is_empty() {
        info.state = ExportState::ManifestInvalid;
        info.manifest_problems.push(format!(
            "the manifest lists {} data file(s) that are not in the bucket: {}",
            missing.len(),
            shorten_list(&missing)
        ));
    }
    let unlisted: Vec<&str> = folder
        .data_files
        .iter()
        .filter(|f| !entries.iter().any(|e| e.data_file_s3_key == f.key))
        .map(|f| f.key.as_str())
        .collect();
    if !unlisted.is_empty() {
        info.manifest_problems.push(format!(
            "{} data file(s) are not in the manifest (added after the export?): {}",
            unlisted.len(),
            shorten_list(&unlisted)
        ));
    }
    if let Some(total) = info.item_count {
        let sum: u64 = entries.iter().map(|e| e.item_count).sum();
        if sum != total {
            info.manifest_problems.push(format!(
                "manifest-summary.json counts {total} items but manifest-files.json lists {sum}"
            ));
        }
    }
}

fn shorten_list(keys: &[&str]) -> String {
    let mut shown: Vec<&str> = keys.iter().take(5).copied().collect();
    if keys.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}

fn format_from_names(folder: &ExportFolder) -> Option<String> {
    use super::layout::{format_of_key, DataFormat};
    let lower = |k: &str| k.to_ascii_lowercase();
    let explicit = folder.data_files.iter().find_map(|f| {
        let name = lower(&f.key);
        if name.contains(".ion") || name.contains(".json") {
            format_of_key(&f.key).map(|(format, _)| format)
        } else {
            None
        }
    });
    explicit.map(|f| match f {
        DataFormat::DynamoDbJson => "DYNAMODB_JSON".to_owned(),
        DataFormat::Ion => "ION".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::layout::find_exports;
    use crate::logic::manifest::md5_base64;

    fn obj(key: &str, size: u64) -> ObjectInfo {
        ObjectInfo {
            key: key.into(),
            size,
        }
    }

    const ROOT: &str = "p/AWSDynamoDB/01645072900758-ee1232a3/";

    fn folder(extra: &[&str]) -> ExportFolder {
        let mut listing = vec![
            obj(&format!("{ROOT}_started"), 0),
            obj(&format!("{ROOT}data/aaaa.json.gz"), 100),
            obj(&format!("{ROOT}data/bbbb.json.gz"), 20),
            obj(&format!("{ROOT}manifest-summary.json"), 600),
            obj(&format!("{ROOT}manifest-files.json"), 300),
        ];
        listing.extend(extra.iter().map(|k| obj(&format!("{ROOT}{k}"), 3)));
        find_exports(&listing).remove(0)
    }

    fn summary(extra: &str) -> String {
        format!(
            r#"{{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:us-east-1:1:table/t/export/x","tableArn":"arn:aws:dynamodb:us-east-1:1:table/t","exportTime":"2026-01-01T00:00:00Z","s3Bucket":"b","manifestFilesS3Key":"{ROOT}manifest-files.json","billedSizeBytes":500,"itemCount":7,"outputFormat":"DYNAMODB_JSON"{extra}}}"#
        )
    }

    fn files(counts: &[(&str, u64)]) -> String {
        counts
            .iter()
            .map(|(name, n)| {
                format!(
                    r#"{{"itemCount":{n},"md5Checksum":"x","etag":"y","dataFileS3Key":"{ROOT}data/{name}"}}"#
                ) + "\n"
            })
            .collect()
    }

    fn manifests(summary: &str, files: &str) -> ManifestBytes {
        ManifestBytes {
            summary: Some(summary.as_bytes().to_vec()),
            summary_md5: Some(md5_base64(summary.as_bytes()).into_bytes()),
            files: Some(files.as_bytes().to_vec()),
            files_md5: Some(md5_base64(files.as_bytes()).into_bytes()),
        }
    }

    #[test]
    fn a_complete_export() {
        let info = summarize_found_export(
            &folder(&[]),
            &manifests(
                &summary(""),
                &files(&[("aaaa.json.gz", 7), ("bbbb.json.gz", 0)]),
            ),
        );
        assert_eq!(info.state, ExportState::Complete);
        assert_eq!(info.item_count, Some(7));
        assert_eq!(info.export_type.as_deref(), Some("FULL_EXPORT"));
        assert_eq!(info.format.as_deref(), Some("DYNAMODB_JSON"));
        assert_eq!(info.data_files, 2);
        assert_eq!(info.data_bytes, 120);
        assert!(
            info.manifest_problems.is_empty(),
            "{:?}",
            info.manifest_problems
        );
        assert_eq!(info.not_importable, None);
        assert_eq!(info.manifest_files.len(), 2);
    }

    #[test]
    fn no_manifest_is_marked_not_refused() {
        let info = summarize_found_export(&folder(&[]), &ManifestBytes::default());
        assert_eq!(info.state, ExportState::NoManifest);
        assert_eq!(info.not_importable, None);
        assert_eq!(info.format.as_deref(), Some("DYNAMODB_JSON"));
    }

    #[test]
    fn checksum_mismatch_and_missing_files() {
        let mut m = manifests(
            &summary(""),
            &files(&[("aaaa.json.gz", 7), ("gone.json.gz", 1)]),
        );
        m.summary_md5 = Some(b"1B2M2Y8AsgTpgAmY7PhCfg==".to_vec());
        let info = summarize_found_export(&folder(&[]), &m);
        assert_eq!(info.state, ExportState::ManifestInvalid);
        let all = info.manifest_problems.join("\n");
        assert!(all.contains("does not match its checksum"), "{all}");
        assert!(all.contains("gone.json.gz"), "{all}");
        assert!(all.contains("bbbb.json.gz"), "{all}");
        assert!(info.not_importable.is_some());
    }

    #[test]
    fn the_summary_is_read_only_when_its_checksum_matches() {
        let mut m = manifests(&summary(""), &files(&[]));
        assert!(verified_summary(&ManifestBytes::default()).is_none());
        assert_eq!(verified_summary(&m).unwrap().unwrap().item_count, Some(7));
        m.summary_md5 = None;
        assert!(verified_summary(&m).unwrap().is_ok());
        m.summary_md5 = Some(b"1B2M2Y8AsgTpgAmY7PhCfg==".to_vec());
        let problem = verified_summary(&m).unwrap().unwrap_err();
        assert!(problem.contains("does not match its checksum"), "{problem}");
    }

    #[test]
    fn incremental_exports_are_refused_with_the_reason() {
        let s = summary(r#","exportType":"INCREMENTAL_EXPORT","outputView":"NEW_AND_OLD_IMAGES""#);
        let info = summarize_found_export(
            &folder(&[]),
            &manifests(&s, &files(&[("aaaa.json.gz", 7), ("bbbb.json.gz", 0)])),
        );
        assert!(info.is_incremental());
        assert!(info.not_importable.unwrap().contains("change records"));
    }

    #[test]
    fn stray_objects_make_it_not_importable() {
        let info = summarize_found_export(
            &folder(&["data/notes.txt"]),
            &manifests(
                &summary(""),
                &files(&[("aaaa.json.gz", 7), ("bbbb.json.gz", 0)]),
            ),
        );
        assert_eq!(info.non_data_objects.len(), 1);
        assert!(info.not_importable.unwrap().contains("not data files"));
    }
}
