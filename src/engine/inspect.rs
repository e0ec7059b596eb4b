//! Looking at exports in S3 before importing them: which exports are under a prefix (with
//! their verified manifests), one level of a bucket for the wizard's browser, which data
//! files a check reads, and the check itself, run on worker threads that download through
//! the S3 client. The one reader of export folders and manifests, shared by
//! `ddb-ferry exports`, `ddb-ferry check`, the engine (locate, key check) and the wizard.

use std::io::Read;
use std::sync::Arc;

use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::S3;
use crate::aws::s3_stream::ObjectReader;
use crate::logic::check::{
    run_check, CheckOptions, CheckProgress, DataCheck, ExportContext, InputFile,
};
use crate::logic::discover::{
    summarize_found_export, verified_summary, FoundExport, ManifestBytes,
};
use crate::logic::items::{KeyAttr, ScalarType};
use crate::logic::layout::{
    classify_prefix, find_exports, format_of_key, DataFormat, ExportFolder, ObjectInfo, PrefixKind,
};
use crate::logic::manifest::{ManifestSummary, MAX_MANIFEST_BYTES};
use crate::logic::table::{GsiSpec, KeySpec, KeyType};
use crate::logic::watch::{CheckSpec, GsiKey};

/// What a check looks for, from the new table's keys and its indexes' keys.
pub fn check_spec(
    partition_key: &KeySpec,
    sort_key: Option<&KeySpec>,
    gsis: &[GsiSpec],
) -> CheckSpec {
    let attr = |k: &KeySpec| KeyAttr {
        name: k.name.clone(),
        kind: match k.kind {
            KeyType::S => ScalarType::S,
            KeyType::N => ScalarType::N,
            KeyType::B => ScalarType::B,
        },
    };
    CheckSpec {
        keys: std::iter::once(partition_key)
            .chain(sort_key)
            .map(attr)
            .collect(),
        gsi: gsis
            .iter()
            .flat_map(|g| {
                std::iter::once(&g.partition_key)
                    .chain(g.sort_key.iter())
                    .map(move |k| GsiKey {
                        index: g.name.clone(),
                        attr: attr(k),
                    })
            })
            .collect(),
    }
}

/// Every export under `prefix` of `bucket`, manifests read and checked.
pub async fn exports_under(
    s3: &S3,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<FoundExport>, AwsFailure> {
    let objects = s3.list(bucket, prefix).await?;
    let mut out = Vec::new();
    for folder in find_exports(&objects) {
        let manifests = read_manifests(s3, bucket, &folder, &objects).await?;
        out.push(summarize_found_export(&folder, &manifests));
    }
    Ok(out)
}

/// The manifest files of an export folder that the listing shows.
pub async fn read_manifests(
    s3: &S3,
    bucket: &str,
    folder: &ExportFolder,
    objects: &[ObjectInfo],
) -> Result<ManifestBytes, AwsFailure> {
    let has = |key: &str| objects.iter().any(|o| o.key == key);
    let limit = MAX_MANIFEST_BYTES as u64;
    let mut m = read_summary_manifest(s3, bucket, &folder.root, &has).await?;
    if m.summary.is_none() {
        return Ok(m);
    }
    // The summary names the files manifest; fall back to the usual name.
    let files_key = m
        .summary
        .as_deref()
        .and_then(|b| crate::logic::manifest::parse_summary(b).ok())
        .map(|s| s.manifest_files_s3_key)
        .filter(|k| has(k))
        .unwrap_or_else(|| format!("{}manifest-files.json", folder.root));
    if has(&files_key) {
        m.files = Some(s3.read_small(bucket, &files_key, limit).await?);
        let base = files_key.trim_end_matches(".json");
        if let Some(root) = base.strip_suffix("manifest-files") {
            m.files_md5 = read_checksum(s3, bucket, root, "manifest-files", &has).await?;
        }
    }
    Ok(m)
}

/// The summary manifest of the export at `root` and its checksum, as far as the listing
/// (`has`) shows them; the files manifest is left unread.
pub async fn read_summary_manifest(
    s3: &S3,
    bucket: &str,
    root: &str,
    has: &impl Fn(&str) -> bool,
) -> Result<ManifestBytes, AwsFailure> {
    let mut m = ManifestBytes::default();
    let summary_key = format!("{root}manifest-summary.json");
    if !has(&summary_key) {
        return Ok(m);
    }
    m.summary = Some(
        s3.read_small(bucket, &summary_key, MAX_MANIFEST_BYTES as u64)
            .await?,
    );
    m.summary_md5 = read_checksum(s3, bucket, root, "manifest-summary", has).await?;
    Ok(m)
}

/// One level of a bucket, as the data-folder browser shows it.
#[derive(Debug, Clone)]
pub struct BucketLevel {
    pub folders: Vec<String>,
    pub objects: Vec<ObjectInfo>,
    /// For each export folder among `folders`, its summary manifest when it is there,
    /// readable and matches its checksum.
    pub summaries: Vec<(String, Option<ManifestSummary>)>,
}

/// The folders and objects right under `prefix`, with the verified summary manifest of
/// every export folder among them. A summary that cannot be read counts as absent: the
/// browser shows the folder without one rather than failing the whole level.
pub async fn browse_level(s3: &S3, bucket: &str, prefix: &str) -> Result<BucketLevel, AwsFailure> {
    let (folders, objects) = s3.list_level(bucket, prefix).await?;
    let mut summaries = Vec::new();
    for f in &folders {
        if let PrefixKind::ExportFolder { .. } = classify_prefix(f) {
            summaries.push((f.clone(), verified_summary_at(s3, bucket, f).await));
        }
    }
    Ok(BucketLevel {
        folders,
        objects,
        summaries,
    })
}

async fn verified_summary_at(s3: &S3, bucket: &str, root: &str) -> Option<ManifestSummary> {
    let (_, objects) = s3.list_level(bucket, root).await.ok()?;
    let has = |key: &str| objects.iter().any(|o| o.key == key);
    let manifests = read_summary_manifest(s3, bucket, root, &has).await.ok()?;
    verified_summary(&manifests)?.ok()
}

/// `NAME.md5`, or `NAME.checksum` as current AWS documentation calls it.
async fn read_checksum(
    s3: &S3,
    bucket: &str,
    root: &str,
    name: &str,
    has: &impl Fn(&str) -> bool,
) -> Result<Option<Vec<u8>>, AwsFailure> {
    for ext in ["md5", "checksum"] {
        let key = format!("{root}{name}.{ext}");
        if has(&key) {
            return Ok(Some(s3.read_small(bucket, &key, 1024).await?));
        }
    }
    Ok(None)
}

/// What a check reads, and what is known about it beforehand.
#[derive(Debug, Clone)]
pub struct CheckTarget {
    pub context: ExportContext,
    pub files: Vec<InputFile>,
}

impl CheckTarget {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// The data files to check under `prefix`: an export's (given its folder, its data folder
/// or a prefix holding exactly one export), or any folder's data files.
pub async fn check_target(s3: &S3, bucket: &str, prefix: &str) -> Result<CheckTarget, AwsFailure> {
    let root = match classify_prefix(prefix) {
        PrefixKind::DataFolder { export_root } => Some(export_root),
        PrefixKind::ExportFolder { data_prefix } => {
            data_prefix.strip_suffix("data/").map(str::to_owned)
        }
        PrefixKind::BucketOrOther => None,
    };
    let list_prefix = root.clone().unwrap_or_else(|| prefix.to_owned());
    let objects = s3.list(bucket, &list_prefix).await?;
    let exports = find_exports(&objects);
    let folder = match (root, exports.as_slice()) {
        (Some(root), _) => exports.iter().find(|e| e.root == root).cloned(),
        (None, [one]) => Some(one.clone()),
        (None, []) => None,
        (None, many) => {
            let roots: Vec<String> = many
                .iter()
                .take(10)
                .map(|e| format!("s3://{bucket}/{}", e.root))
                .collect();
            return Err(AwsFailure::new(
                "several-exports",
                FailureKind::BadInput,
                format!("{} exports are under s3://{bucket}/{prefix}", many.len()),
                format!(
                    "a check reads one export; these are there: {}",
                    roots.join(", ")
                ),
                "run `ddb-ferry check` on one of them (`ddb-ferry exports` lists them)",
            ));
        }
    };
    match folder {
        Some(folder) => {
            let manifests = read_manifests(s3, bucket, &folder, &objects).await?;
            let info = summarize_found_export(&folder, &manifests);
            let files = folder
                .data_files
                .iter()
                .map(|o| {
                    let mut input = input_file(o);
                    input.manifest_items = info
                        .manifest_files
                        .iter()
                        .find(|e| e.data_file_s3_key == o.key)
                        .map(|e| e.item_count);
                    input
                })
                .collect();
            Ok(CheckTarget {
                context: ExportContext {
                    source: format!("s3://{bucket}/{}", folder.data_prefix),
                    non_data_objects: folder.non_data_under_data.clone(),
                    export: Some(info),
                },
                files,
            })
        }
        None => {
            let (data, other): (Vec<&ObjectInfo>, Vec<&ObjectInfo>) = objects
                .iter()
                .partition(|o| format_of_key(&o.key).is_some());
            Ok(CheckTarget {
                context: ExportContext {
                    source: format!("s3://{bucket}/{prefix}"),
                    export: None,
                    non_data_objects: other.into_iter().cloned().collect(),
                },
                files: data.into_iter().map(input_file).collect(),
            })
        }
    }
}

/// A data file to read: its format from its name when the name says (`.json.gz`,
/// `.ion.gz`), else from its first bytes (an emulator writes bare `.gz` names, and its
/// content may not match the format asked for).
pub fn input_file(object: &ObjectInfo) -> InputFile {
    let (named, compression) = format_of_key(&object.key).unwrap_or((
        DataFormat::DynamoDbJson,
        crate::logic::layout::Compression::None,
    ));
    let name = object
        .key
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let explicit = name.contains(".json") || name.contains(".ion");
    InputFile {
        key: object.key.clone(),
        size: object.size,
        format: explicit.then_some(named),
        compression,
        manifest_items: None,
    }
}

/// Downloads started ahead of the workers: while a worker reads file k, files k+1..k+N are
/// already coming (a few chunks each), so the network is not idle between files.
const PREFETCH: usize = 4;

/// Checks `files` of `bucket`, downloading them on the current runtime while worker
/// threads inflate and check. `progress` is called from those threads.
pub async fn check_files(
    s3: &S3,
    bucket: &str,
    files: Vec<InputFile>,
    spec: CheckSpec,
    options: CheckOptions,
    progress: Arc<dyn Fn(&CheckProgress) + Send + Sync>,
) -> Result<DataCheck, AwsFailure> {
    let runtime = tokio::runtime::Handle::current();
    let s3 = s3.clone();
    let bucket = bucket.to_owned();
    tokio::task::spawn_blocking(move || {
        // Readers started ahead, by file index; the workers take files in order.
        let ahead: std::sync::Mutex<std::collections::BTreeMap<usize, ObjectReader>> =
            std::sync::Mutex::new(std::collections::BTreeMap::new());
        let prefetch = if options.max_items.is_some() {
            0
        } else {
            PREFETCH
        };
        let index_of: std::collections::HashMap<&str, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.key.as_str(), i))
            .collect();
        let open = |f: &InputFile| -> std::io::Result<Box<dyn Read + Send>> {
            let index = index_of.get(f.key.as_str()).copied().unwrap_or(0);
            let mut started = ahead.lock().unwrap_or_else(|p| p.into_inner());
            let reader = started
                .remove(&index)
                .unwrap_or_else(|| s3.object_reader(&runtime, &bucket, &f.key));
            for (next, file) in files.iter().enumerate().skip(index + 1).take(prefetch) {
                started
                    .entry(next)
                    .or_insert_with(|| s3.object_reader(&runtime, &bucket, &file.key));
            }
            Ok(Box::new(reader))
        };
        run_check(&files, &spec, &options, &open, &|p| progress(p))
    })
    .await
    .map_err(|e| {
        AwsFailure::new(
            "check-crashed",
            FailureKind::JobFailed,
            format!("the check stopped unexpectedly: {e}"),
            "this is a bug in ddb-ferry",
            "run the check again; if it happens again, report it with the log file",
        )
    })
}
