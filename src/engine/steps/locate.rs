//! Finding the export's data folder: from the manifest files when AWS wrote them (the real
//! layout), otherwise by listing. The import must get `.../AWSDynamoDB/<id>/data/`, never
//! the export folder itself, whose manifests would break it.

use super::super::events::Event;
use super::super::inspect::{read_manifests, read_summary_manifest};
use super::super::journal::{DataFolder, Step};
use super::super::migration::{Migration, StepResult};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::discover::{summarize_found_export, ExportState};
use crate::logic::layout::{find_exports, ExportFolder, ObjectInfo};
use crate::logic::manifest::parse_summary;

const STEP: Step = Step::Locate;

impl Migration {
    pub(crate) async fn locate(&mut self) -> StepResult {
        let s3 = self.bucket_s3()?.clone();
        let bucket = self.plan().destination.bucket.clone();
        let list_prefix = format!("{}/", self.journal.export_prefix);
        let objects = s3.list(&bucket, &list_prefix).await?;
        let exports = find_exports(&objects);
        let export_arn = self
            .journal
            .export
            .as_ref()
            .and_then(|e| e.arn.clone())
            .unwrap_or_default();
        let manifest_key = self.journal.export.as_ref().and_then(|e| e.detail.clone());

        let folder = self
            .choose_export_folder(
                &bucket,
                &exports,
                &objects,
                &export_arn,
                manifest_key.as_deref(),
            )
            .await?;
        if !folder.non_data_under_data.is_empty() {
            let names: Vec<&str> = folder
                .non_data_under_data
                .iter()
                .map(|o| o.key.as_str())
                .collect();
            return Err(AwsFailure::new(
                "non-data-objects",
                FailureKind::BadInput,
                format!("the data folder s3://{bucket}/{} holds objects that are not data files: {}", folder.data_prefix, names.join(", ")),
                "ImportTable reads every object under the prefix, and anything that is not an export data file makes it fail",
                "move those objects out of the data folder (ddb-ferry never deletes objects), then run again",
            )
            .into());
        }

        let mut data = DataFolder {
            bucket: bucket.clone(),
            prefix: folder.data_prefix.clone(),
            data_files: folder.data_files.len(),
            total_bytes: folder.data_bytes(),
            manifest_item_count: None,
            found_by: "listing".into(),
        };
        if folder.has_manifest_summary {
            self.read_manifests(&bucket, &folder, &objects, &export_arn, &mut data)
                .await?;
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "data folder s3://{}/{} ({} data files, {} bytes; found by {})",
                data.bucket, data.prefix, data.data_files, data.total_bytes, data.found_by
            ),
        });
        self.journal.data_folder = Some(data);
        self.save()?;
        Ok(())
    }

    async fn choose_export_folder(
        &self,
        bucket: &str,
        exports: &[ExportFolder],
        objects: &[ObjectInfo],
        export_arn: &str,
        manifest_key: Option<&str>,
    ) -> Result<ExportFolder, AwsFailure> {
        if let Some(key) = manifest_key {
            if let Some(f) = exports.iter().find(|f| key.starts_with(&f.root)) {
                return Ok(f.clone());
            }
        }
        match exports {
            [] => Err(AwsFailure::new(
                "export-folder-missing",
                FailureKind::JobFailed,
                format!(
                    "no export folder (AWSDynamoDB/<id>/) was found under s3://{bucket}/{}/",
                    self.journal.export_prefix
                ),
                "the export wrote somewhere else (another bucket owner or prefix), or its files were moved",
                format!("look with `aws s3 ls --recursive s3://{bucket}/{}/`", self.journal.export_prefix),
            )),
            [only] => Ok(only.clone()),
            many => {
                // Several exports under one migration prefix: pick ours by its manifest. Only
                // the choice is made here; the chosen one's manifests are verified after.
                let s3 = self.bucket_s3()?;
                let has = |key: &str| objects.iter().any(|o| o.key == key);
                for f in many.iter().filter(|f| f.has_manifest_summary) {
                    let manifests = read_summary_manifest(s3, bucket, &f.root, &has).await?;
                    let summary = manifests.summary.as_deref().map(parse_summary);
                    if summary.is_some_and(|s| s.is_ok_and(|s| s.export_arn == export_arn)) {
                        return Ok(f.clone());
                    }
                }
                Err(AwsFailure::new(
                    "export-folder-ambiguous",
                    FailureKind::JobFailed,
                    format!(
                        "{} export folders are under s3://{bucket}/{}/ and none names this export",
                        many.len(),
                        self.journal.export_prefix
                    ),
                    "more than one export was written under this migration's prefix",
                    format!("list them with `aws s3 ls --recursive s3://{bucket}/{}/` and move the exports that are not this migration's out of its prefix", self.journal.export_prefix),
                ))
            }
        }
    }

    /// Reads and checks the export's manifests with the shared discovery
    /// (`engine::inspect`, as `ddb-ferry exports` does): a damaged manifest or an
    /// incremental export stops here; smaller disagreements are warnings.
    async fn read_manifests(
        &self,
        bucket: &str,
        folder: &ExportFolder,
        objects: &[ObjectInfo],
        export_arn: &str,
        data: &mut DataFolder,
    ) -> StepResult {
        let s3 = self.bucket_s3()?.clone();
        let manifests = read_manifests(&s3, bucket, folder, objects).await?;
        let info = summarize_found_export(folder, &manifests);
        if info.is_incremental() {
            return Err(AwsFailure::new(
                "incremental-export",
                FailureKind::BadInput,
                format!("the export in s3://{bucket}/{} is an incremental export", folder.root),
                "the lines of an incremental export are change records (old and new images), not items, and ImportTable cannot read them",
                "use a full export",
            )
            .into());
        }
        if info.state == ExportState::ManifestInvalid {
            return Err(AwsFailure::new(
                "manifest-invalid",
                FailureKind::JobFailed,
                info.manifest_problems.join("; "),
                "the manifest files of an export are written last; a damaged or partial one means the export folder was changed after AWS wrote it",
                "check the folder in the S3 console; if files were removed, export again with `ddb-ferry run --new PLAN`",
            )
            .into());
        }
        if let Some(arn) = &info.export_arn {
            if !export_arn.is_empty() && arn != export_arn {
                self.events.warn(
                    STEP,
                    format!("the manifest names the export {arn}, not {export_arn}"),
                );
            }
        }
        for problem in &info.manifest_problems {
            self.events.warn(STEP, problem.clone());
        }
        if folder.data_files.len() != info.manifest_files.len() {
            self.events.warn(
                STEP,
                format!(
                    "the data folder holds {} data files but the manifest lists {}",
                    folder.data_files.len(),
                    info.manifest_files.len()
                ),
            );
        }
        let listed: u64 = info.manifest_files.iter().map(|e| e.item_count).sum();
        data.manifest_item_count = Some(info.item_count.unwrap_or(listed));
        data.found_by = "manifest".into();
        Ok(())
    }
}
