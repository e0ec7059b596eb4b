//! Recognising DynamoDB exports in a bucket listing.
//!
//! An export lives at `<prefix>/AWSDynamoDB/<export-id>/`, with manifests beside a `data/`
//! folder. Import must be pointed at that `data/` folder: pointed at the export folder it
//! also reads the manifests and fails, and pointed at a prefix that matches nothing it
//! "succeeds" with an empty table. So the wizard finds exports from the listing itself,
//! whatever prefix they sit under (the emulator even writes `/AWSDynamoDB/...` and
//! `p//AWSDynamoDB/...`), and explains the choice it makes.

use std::collections::BTreeMap;

/// The folder name DynamoDB puts every export under.
pub const EXPORTS_FOLDER: &str = "AWSDynamoDB";

/// One object of a bucket listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// One export found in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFolder {
    /// `…/AWSDynamoDB/<id>/`, with the trailing slash.
    pub root: String,
    pub export_id: String,
    /// `root + "data/"`: the prefix to give ImportTable.
    pub data_prefix: String,
    /// Objects under `data/` that an import can read, sorted by key.
    pub data_files: Vec<ObjectInfo>,
    /// Other objects under `data/`, which would make an import fail, sorted by key.
    pub non_data_under_data: Vec<ObjectInfo>,
    pub has_manifest_summary: bool,
    pub has_manifest_files: bool,
    /// The `_started` marker DynamoDB writes first; present while an export runs.
    pub has_started_marker: bool,
}

impl ExportFolder {
    fn new(root: &str, export_id: &str) -> Self {
        ExportFolder {
            root: root.to_owned(),
            export_id: export_id.to_owned(),
            data_prefix: format!("{root}data/"),
            data_files: Vec::new(),
            non_data_under_data: Vec::new(),
            has_manifest_summary: false,
            has_manifest_files: false,
            has_started_marker: false,
        }
    }

    /// Bytes of data written so far: the honest progress measure while an export runs.
    pub fn data_bytes(&self) -> u64 {
        self.data_files.iter().map(|f| f.size).sum()
    }

    /// Whether DynamoDB has finished writing (it writes the manifests last).
    pub fn is_complete(&self) -> bool {
        self.has_manifest_summary && self.has_manifest_files
    }
}

/// What an export's data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataFormat {
    DynamoDbJson,
    Ion,
}

/// How an export's data file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    Gzip,
    Zstd,
    None,
}

/// What a prefix chosen by a person points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixKind {
    /// `…/AWSDynamoDB/<id>/data/`: the right choice for an import.
    DataFolder { export_root: String },
    /// `…/AWSDynamoDB/<id>/`: the export itself; the import needs `data_prefix` instead.
    ExportFolder { data_prefix: String },
    /// Anything else: the bucket root, a prefix above exports, or an unrelated folder.
    BucketOrOther,
}

/// A key split at its export folder: `(root, export_id, rest)` where `root` is
/// `…/AWSDynamoDB/<id>/` and `rest` is the path inside it.
///
/// The first `AWSDynamoDB/<id>/` segment that starts the key or follows a `/` counts, so a
/// bucket folder named e.g. `myAWSDynamoDB` is not mistaken for one.
pub fn split_export_key(key: &str) -> Option<(&str, &str, &str)> {
    let marker = "AWSDynamoDB/";
    let mut search_from = 0;
    while let Some(found) = key.get(search_from..).and_then(|rest| rest.find(marker)) {
        let start = search_from + found;
        let at_segment_start = start == 0 || key.as_bytes().get(start - 1) == Some(&b'/');
        let id_start = start + marker.len();
        if at_segment_start {
            if let Some(id_len) = key.get(id_start..).and_then(|rest| rest.find('/')) {
                let root_end = id_start + id_len + 1;
                let parts = (
                    key.get(..root_end),
                    key.get(id_start..id_start + id_len),
                    key.get(root_end..),
                );
                if let (true, Some(root), Some(id), Some(rest)) =
                    (id_len > 0, parts.0, parts.1, parts.2)
                {
                    return Some((root, id, rest));
                }
            }
        }
        search_from = id_start;
    }
    None
}

/// Every export in `objects`, sorted by root.
pub fn find_exports(objects: &[ObjectInfo]) -> Vec<ExportFolder> {
    let mut exports: BTreeMap<&str, ExportFolder> = BTreeMap::new();
    for object in objects {
        let Some((root, id, rest)) = split_export_key(&object.key) else {
            continue;
        };
        let export = exports
            .entry(root)
            .or_insert_with(|| ExportFolder::new(root, id));
        match rest {
            "manifest-summary.json" => export.has_manifest_summary = true,
            "manifest-files.json" => export.has_manifest_files = true,
            "_started" => export.has_started_marker = true,
            _ => {
                if let Some(inside) = rest.strip_prefix("data/") {
                    if !inside.is_empty() && format_of_key(inside).is_some() {
                        export.data_files.push(object.clone());
                    } else {
                        export.non_data_under_data.push(object.clone());
                    }
                }
            }
        }
    }
    let mut found: Vec<ExportFolder> = exports.into_values().collect();
    for export in &mut found {
        export.data_files.sort_by(|a, b| a.key.cmp(&b.key));
        export.non_data_under_data.sort_by(|a, b| a.key.cmp(&b.key));
    }
    found
}

/// What `prefix` points at, so the UI can say "you chose the export folder; its data
/// folder is …". A missing trailing slash is tolerated; the prefixes returned have one.
pub fn classify_prefix(prefix: &str) -> PrefixKind {
    let folder = if prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    };
    match split_export_key(&folder) {
        Some((root, _, "")) => PrefixKind::ExportFolder {
            data_prefix: format!("{root}data/"),
        },
        Some((root, _, "data/")) => PrefixKind::DataFolder {
            export_root: root.to_owned(),
        },
        _ => PrefixKind::BucketOrOther,
    }
}

/// Format and compression of a data file, from its name; `None` when it is not one.
///
/// A bare `.gz`/`.zst` (what the emulator writes) is taken as DynamoDB JSON, the default
/// export format.
pub fn format_of_key(key: &str) -> Option<(DataFormat, Compression)> {
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    const SUFFIXES: [(&str, DataFormat, Compression); 8] = [
        (".json.gz", DataFormat::DynamoDbJson, Compression::Gzip),
        (".ion.gz", DataFormat::Ion, Compression::Gzip),
        (".json.zst", DataFormat::DynamoDbJson, Compression::Zstd),
        (".ion.zst", DataFormat::Ion, Compression::Zstd),
        (".json", DataFormat::DynamoDbJson, Compression::None),
        (".ion", DataFormat::Ion, Compression::None),
        (".gz", DataFormat::DynamoDbJson, Compression::Gzip),
        (".zst", DataFormat::DynamoDbJson, Compression::Zstd),
    ];
    SUFFIXES
        .iter()
        .find(|(suffix, _, _)| name.len() > suffix.len() && name.ends_with(suffix))
        .map(|(_, format, compression)| (*format, *compression))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(key: &str, size: u64) -> ObjectInfo {
        ObjectInfo {
            key: key.into(),
            size,
        }
    }

    /// The listing of a real export (sizes from an actual one).
    fn real_listing(prefix: &str) -> Vec<ObjectInfo> {
        let root = format!("{prefix}AWSDynamoDB/01645072900758-ee1232a3/");
        vec![
            obj(&format!("{root}_started"), 0),
            obj(
                &format!("{root}data/xygt7i2gje4w7jtdw5652s43pa.json.gz"),
                500441,
            ),
            obj(
                &format!("{root}data/abcdefgh2je4w7jtdw5652s43p.json.gz"),
                20,
            ),
            obj(&format!("{root}manifest-files.json"), 199),
            obj(&format!("{root}manifest-files.md5"), 24),
            obj(&format!("{root}manifest-summary.json"), 639),
            obj(&format!("{root}manifest-summary.md5"), 24),
        ]
    }

    #[test]
    fn recognises_a_real_export() {
        let found = find_exports(&real_listing("migrations/orders/"));
        assert_eq!(found.len(), 1);
        let e = &found[0];
        assert_eq!(
            e.root,
            "migrations/orders/AWSDynamoDB/01645072900758-ee1232a3/"
        );
        assert_eq!(e.export_id, "01645072900758-ee1232a3");
        assert_eq!(e.data_prefix, format!("{}data/", e.root));
        assert_eq!(e.data_files.len(), 2);
        assert!(e.data_files[0].key < e.data_files[1].key);
        assert!(e.non_data_under_data.is_empty());
        assert!(e.has_manifest_summary && e.has_manifest_files && e.has_started_marker);
        assert!(e.is_complete());
        assert_eq!(e.data_bytes(), 500461);
    }

    #[test]
    fn handles_emulator_slashes_and_no_prefix() {
        let listing = vec![
            obj("/AWSDynamoDB/u1/data/f.gz", 10),
            obj("p//AWSDynamoDB/u2/data/g.gz", 20),
            obj("AWSDynamoDB/u3/data/h.json.gz", 30),
        ];
        let found = find_exports(&listing);
        let roots: Vec<_> = found.iter().map(|e| e.root.as_str()).collect();
        assert_eq!(
            roots,
            vec!["/AWSDynamoDB/u1/", "AWSDynamoDB/u3/", "p//AWSDynamoDB/u2/"]
        );
        assert!(found.iter().all(|e| e.data_files.len() == 1));
        assert!(found.iter().all(|e| !e.is_complete()));
    }

    #[test]
    fn groups_several_exports_and_keeps_same_id_under_other_prefixes_apart() {
        let mut listing = real_listing("a/");
        listing.extend(real_listing("b/"));
        listing.push(obj("a/AWSDynamoDB/01700000000000-12345678/_started", 0));
        listing.push(obj("unrelated/file.txt", 5));
        let found = find_exports(&listing);
        assert_eq!(found.len(), 3);
        assert_eq!(found[2].root, "b/AWSDynamoDB/01645072900758-ee1232a3/");
        assert!(found[1].has_started_marker && found[1].data_files.is_empty());
    }

    #[test]
    fn non_data_objects_under_data_are_reported() {
        let listing = vec![
            obj("x/AWSDynamoDB/id/data/", 0),
            obj("x/AWSDynamoDB/id/data/notes.txt", 3),
            obj("x/AWSDynamoDB/id/data/manifest-files.json.md5", 3),
            obj("x/AWSDynamoDB/id/data/ok.ion.gz", 3),
            obj("x/AWSDynamoDB/id/other.txt", 3),
        ];
        let found = find_exports(&listing);
        assert_eq!(found.len(), 1);
        let bad: Vec<_> = found[0]
            .non_data_under_data
            .iter()
            .map(|o| o.key.as_str())
            .collect();
        assert_eq!(
            bad,
            vec![
                "x/AWSDynamoDB/id/data/",
                "x/AWSDynamoDB/id/data/manifest-files.json.md5",
                "x/AWSDynamoDB/id/data/notes.txt"
            ]
        );
        assert_eq!(found[0].data_files.len(), 1);
    }

    #[test]
    fn look_alike_folders_are_not_exports() {
        let listing = vec![
            obj("myAWSDynamoDB/id/data/x.json.gz", 1),
            obj("AWSDynamoDB/_started", 0),
            obj("AWSDynamoDB//data/x.json.gz", 1),
        ];
        assert!(find_exports(&listing).is_empty());
        // A look-alike before the real folder does not hide it.
        let found = find_exports(&[obj("myAWSDynamoDB/AWSDynamoDB/id/data/x.gz", 1)]);
        assert_eq!(found[0].root, "myAWSDynamoDB/AWSDynamoDB/id/");
    }

    #[test]
    fn classify_prefixes() {
        assert_eq!(
            classify_prefix("p/AWSDynamoDB/01645072900758-ee1232a3/data/"),
            PrefixKind::DataFolder {
                export_root: "p/AWSDynamoDB/01645072900758-ee1232a3/".into()
            }
        );
        assert_eq!(
            classify_prefix("p/AWSDynamoDB/01645072900758-ee1232a3/data"),
            PrefixKind::DataFolder {
                export_root: "p/AWSDynamoDB/01645072900758-ee1232a3/".into()
            }
        );
        assert_eq!(
            classify_prefix("p/AWSDynamoDB/01645072900758-ee1232a3"),
            PrefixKind::ExportFolder {
                data_prefix: "p/AWSDynamoDB/01645072900758-ee1232a3/data/".into()
            }
        );
        assert_eq!(
            classify_prefix("/AWSDynamoDB/u/"),
            PrefixKind::ExportFolder {
                data_prefix: "/AWSDynamoDB/u/data/".into()
            }
        );
        for other in [
            "",
            "/",
            "p/",
            "p/AWSDynamoDB/",
            "p/AWSDynamoDB/id/data/x.json.gz",
        ] {
            assert_eq!(classify_prefix(other), PrefixKind::BucketOrOther, "{other}");
        }
    }

    #[test]
    fn formats_from_names() {
        use Compression as C;
        use DataFormat as F;
        let cases = [
            ("d/abc.json.gz", Some((F::DynamoDbJson, C::Gzip))),
            ("d/abc.ion.gz", Some((F::Ion, C::Gzip))),
            ("d/abc.JSON.GZ", Some((F::DynamoDbJson, C::Gzip))),
            ("d/abc.json.zst", Some((F::DynamoDbJson, C::Zstd))),
            ("d/abc.ion.zst", Some((F::Ion, C::Zstd))),
            ("d/abc.json", Some((F::DynamoDbJson, C::None))),
            ("d/abc.ion", Some((F::Ion, C::None))),
            ("d/9f1c.gz", Some((F::DynamoDbJson, C::Gzip))),
            ("d/abc.zst", Some((F::DynamoDbJson, C::Zstd))),
            ("d/abc.txt", None),
            ("d/abc.md5", None),
            ("d/.gz", None),
            ("d.json/abc", None),
            ("", None),
        ];
        for (key, expected) in cases {
            assert_eq!(format_of_key(key), expected, "{key}");
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_roots_are_prefixes(keys in proptest::collection::vec(
            "(p/|/|AWSDynamoDB/|x|data/|é|_started|\\.gz|manifest-files.json){0,8}", 0..20)) {
            let objects: Vec<_> = keys.iter().map(|k| obj(k, 1)).collect();
            for export in find_exports(&objects) {
                let tail = format!("AWSDynamoDB/{}/", export.export_id);
                prop_assert!(export.root.ends_with(&tail));
                for f in export.data_files.iter().chain(&export.non_data_under_data) {
                    prop_assert!(f.key.starts_with(&export.data_prefix));
                }
            }
            for k in &keys {
                let _ = classify_prefix(k);
                let _ = format_of_key(k);
            }
        }

        #[test]
        fn arbitrary_keys_never_panic(key in "\\PC{0,60}") {
            let _ = split_export_key(&key);
            let _ = classify_prefix(&key);
            let _ = format_of_key(&key);
            let _ = find_exports(&[obj(&key, 0)]);
        }
    }
}
