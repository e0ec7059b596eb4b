//! A plan written out as a commented file, for the wizard to save what a person chose: every
//! field is written with a line saying what it means in plain words, for someone who barely
//! knows AWS, and an optional field that is not set is a comment saying what applies instead.
//! `Plan::parse` reads the file back to the same plan, so it can be run headless as it is.
//! Only the fields of the plan's road are written: a backup plan has no bucket or export.

mod backup;

use super::jsonc::{write, Entry, Node};
use super::{
    AfterImport, DestinationPlan, ExportPlan, NewTablePlan, Options, Plan, SourcePlan, Via,
};
use crate::logic::table::GsiSpec;

/// Said of every key: what the letters mean.
const KEY_TYPES: &str = "type: S = text, N = number, B = binary";

impl Plan {
    /// The plan as a commented JSON file that `Plan::parse` reads back to this same plan.
    /// `notes` (e.g. what the wizard warned about) are written into the header.
    pub fn render_commented(&self, notes: &[String]) -> String {
        let source = Entry::field(
            "source",
            "Where the table comes from.",
            source(&self.source),
        );
        let options = Entry::field(
            "options",
            "How careful the run is, and what it changes besides copying.",
            options(&self.options),
        );
        let root = match self.via {
            Via::S3 => Node::Object(vec![
                source,
                Entry::field(
                    "destination",
                    "Where the copy goes.",
                    destination(&self.destination),
                ),
                Entry::field(
                    "export",
                    "The export: DynamoDB writes a copy of every item into the bucket.",
                    export(&self.export),
                ),
                Entry::field(
                    "table",
                    "The new table, which DynamoDB creates and fills from the export (an import).",
                    table(&self.table),
                ),
                options,
            ]),
            Via::Backup => Node::Object(vec![
                backup::via(),
                source,
                Entry::field(
                    "destination",
                    "Where the copy goes.",
                    backup::destination(&self.destination),
                ),
                backup::section(self.backup.as_ref()),
                Entry::field(
                    "table",
                    "The new table, which the restore creates from the backup.",
                    backup::restored_table(&self.table),
                ),
                options,
            ]),
        };
        write(&self.header(notes), &root)
    }

    fn header(&self, notes: &[String]) -> String {
        let road = match self.via {
            Via::S3 => format!(
                "through the S3 bucket {:?}: DynamoDB exports the table into the bucket, then creates the new table from it (an import)",
                self.destination.bucket
            ),
            Via::Backup => backup::road_in_words(&self.backup_or_default()),
        };
        let mut h = format!(
            "A ddb-ferry plan, saved by the ddb-ferry wizard.\n\
             It copies the DynamoDB table {:?} into a new table {:?} in the destination account, {road}.\n\
             \n\
             How to use it (FILE is the path of this file):\n\
             \u{20} ddb-ferry validate FILE         checks it without calling AWS\n\
             \u{20} ddb-ferry run FILE --dry-run    shows the calls that would change something\n\
             \u{20} ddb-ferry run FILE              runs it; run it again to continue after a stop\n\
             \n\
             Comments like these are allowed. A misspelled field is an error, never ignored. Every field is described in docs/plan-format.md.",
            self.source.table, self.table.name
        );
        if !notes.is_empty() {
            h.push_str("\n\nNotes:");
            for note in notes {
                h.push_str("\n- ");
                h.push_str(&note.replace('\n', "\n  "));
            }
        }
        h
    }
}

/// `key` when set, else a comment saying what applies instead.
fn optional<T: serde::Serialize>(
    key: &str,
    comment: &str,
    value: &Option<T>,
    when_unset: &str,
) -> Entry {
    match value {
        Some(v) => Entry::value(key, comment, v),
        None => Entry::note(format!("{comment}\n\"{key}\" is not set: {when_unset}")),
    }
}

fn source(s: &SourcePlan) -> Node {
    Node::Object(vec![
        optional(
            "profile",
            "AWS profile (a name from ~/.aws/config) of the account that owns the table.",
            &s.profile,
            "the default credentials are used (AWS_PROFILE, the AWS_ACCESS_KEY_ID variables, or the [default] profile).",
        ),
        optional(
            "region",
            "AWS region of the table, e.g. eu-west-1.",
            &s.region,
            "the profile's region is used.",
        ),
        Entry::value(
            "table",
            "The table to copy. Names are case-sensitive.",
            &s.table,
        ),
    ])
}

fn destination(d: &DestinationPlan) -> Node {
    Node::Object(vec![
        optional(
            "profile",
            "AWS profile of the account that receives the new table.",
            &d.profile,
            "the default credentials are used.",
        ),
        optional(
            "region",
            "AWS region of the new table (and of the bucket, unless bucket_region says otherwise).",
            &d.region,
            "the profile's region is used.",
        ),
        Entry::value(
            "bucket",
            "S3 bucket of the destination account that holds the export between the two steps. Its name is unique in all of AWS.",
            &d.bucket,
        ),
        Entry::value(
            "create_bucket",
            "true: create the bucket if it does not exist (ddb-ferry never deletes it). false: it must exist.",
            d.create_bucket,
        ),
        optional(
            "bucket_owner",
            "12-digit account that owns the bucket, when it belongs to a third account.",
            &d.bucket_owner,
            "the destination account owns the bucket.",
        ),
        optional(
            "bucket_region",
            "AWS region of the bucket, when it is not the destination region.",
            &d.bucket_region,
            "the bucket is in the destination region.",
        ),
        Entry::value(
            "prefix",
            "Folder (key prefix) in the bucket; each migration writes under <prefix>/<migration id>/. \"\" = the top of the bucket.",
            &d.prefix,
        ),
    ])
}

fn export(e: &ExportPlan) -> Node {
    Node::Object(vec![
        Entry::value(
            "format",
            "File format of the export: DYNAMODB_JSON or ION (Amazon's richer JSON). Both import the same.",
            e.format,
        ),
        optional(
            "export_time",
            "The moment whose data is copied (ISO 8601 with a time zone, e.g. 2026-11-23T10:00:00Z), within the continuous backups kept by PITR.",
            &e.export_time,
            "the table is copied as it is when the export starts.",
        ),
        Entry::value(
            "encryption",
            "How the exported files are encrypted in S3: SSE_S3 (S3's own keys, nothing to set up) or SSE_KMS with the ARN of a KMS key.",
            &e.encryption,
        ),
    ])
}

fn table(t: &NewTablePlan) -> Node {
    let sort_key_unset = if t.partition_key.is_some() {
        "the partition key is set, so the new table has no sort key."
    } else {
        "the source table's sort key (if it has one) is used."
    };
    let gsis = match &t.gsis {
        Some(list) => Entry::field(
            "gsis",
            "Global secondary indexes (GSIs): extra indexes to look items up by other attributes. [] = none.",
            Node::Array(list.iter().map(gsi).collect()),
        ),
        None => Entry::note(
            "Global secondary indexes (GSIs): extra indexes to look items up by other attributes.\n\"gsis\" is not set: the source table's indexes are created. [] would create none.",
        ),
    };
    Node::Object(vec![
        Entry::value(
            "name",
            "Name of the new table in the destination account. No table of that name may exist there yet.",
            &t.name,
        ),
        optional(
            "partition_key",
            &format!("Partition key: the attribute every item must have, by which items are found ({KEY_TYPES})."),
            &t.partition_key,
            "the source table's partition key is used.",
        ),
        optional(
            "sort_key",
            &format!("Sort key: a second key attribute that orders items sharing a partition key ({KEY_TYPES})."),
            &t.sort_key,
            sort_key_unset,
        ),
        gsis,
        optional(
            "billing",
            "How the new table is paid for: PAY_PER_REQUEST (per read and write, nothing to plan) or PROVISIONED with read and write capacity units per second.",
            &t.billing,
            "the source table's billing is used.",
        ),
        optional(
            "encryption",
            "How the new table is encrypted at rest: DYNAMODB_OWNED (free, the usual), AWS_MANAGED (AWS's KMS key in your account) or CUSTOMER_MANAGED with your own KMS key.",
            &t.encryption,
            "the source table's setting is used; a key the source account manages itself becomes AWS_MANAGED, since another account's key cannot be used.",
        ),
    ])
}

fn gsi(g: &GsiSpec) -> Node {
    Node::Object(vec![
        Entry::value("name", "The index's name.", &g.name),
        Entry::value(
            "partition_key",
            format!("The index's partition key ({KEY_TYPES})."),
            &g.partition_key,
        ),
        optional(
            "sort_key",
            "The index's sort key.",
            &g.sort_key,
            "the index has a partition key only.",
        ),
        Entry::value(
            "projection",
            "Which attributes the index keeps: ALL, KEYS_ONLY, or INCLUDE with the non_key_attributes listed.",
            &g.projection,
        ),
        optional(
            "capacity",
            "Read and write capacity units of the index (PROVISIONED tables only).",
            &g.capacity,
            "with PROVISIONED billing the index gets the table's capacity.",
        ),
    ])
}

fn options(o: &Options) -> Node {
    Node::Object(vec![
        Entry::value(
            "enable_pitr",
            "PITR (point-in-time recovery) keeps continuous backups, and an export needs it. true: turn it on for the source table if it is off. false: stop and explain instead.",
            o.enable_pitr,
        ),
        Entry::value(
            "disable_pitr_after",
            "true: turn PITR off again at the end, only if ddb-ferry turned it on.",
            o.disable_pitr_after,
        ),
        Entry::value(
            "key_check_sample",
            "How many exported items are checked for the new table's key attributes before the import (an import rejects items that lack them).",
            o.key_check_sample,
        ),
        Entry::value(
            "verify_sample",
            "How many items are read back from the new table after the import and compared with the export. 0 compares the item counts only.",
            o.verify_sample,
        ),
        Entry::field(
            "after_import",
            "Settings an import does not copy, turned on for the new table at the end.",
            after_import(&o.after_import),
        ),
        Entry::value(
            "catch_up",
            "true: the new table will be caught up with the writes made to the source after the export (`ddb-ferry catch-up ID`) until cutover; PITR then stays on at the source until the cutover is done.",
            o.catch_up,
        ),
        optional(
            "existing_table",
            "The new table already exists and the export is written into it instead of an import: \"overwrite\" (batch writes replace items with the same key), \"skip_existing\" (items the table holds are kept) or \"stop_at_conflict\" (stop at the first item the table holds with other values). The last two write one item a request: slower.",
            &o.existing_table,
            "ddb-ferry never writes into an existing table; the import creates the new one.",
        ),
    ])
}

fn after_import(a: &AfterImport) -> Node {
    Node::Object(vec![
        Entry::value(
            "ttl",
            "true: turn on TTL (items expire at the time in one of their attributes) with the source table's attribute, if the source uses TTL.",
            a.ttl,
        ),
        Entry::value(
            "pitr",
            "true: turn on PITR (continuous backups) for the new table.",
            a.pitr,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::{BackupFrom, BackupMaker, BackupPlan};
    use crate::logic::options::{ExportFormat, ExportSse};
    use crate::logic::restore::RestoreEncryption;
    use crate::logic::table::{Billing, Capacity, KeySpec, KeyType, Projection, TableSse};
    use proptest::prelude::*;

    fn minimal() -> Plan {
        Plan::parse(
            r#"{"source": {"table": "orders"},
                "destination": {"bucket": "ferry-orders"},
                "table": {"name": "orders-copy"}}"#,
            "t",
        )
        .unwrap()
    }

    fn stripped(text: &str) -> serde_json::Value {
        serde_json::from_reader(json_comments::StripComments::new(text.as_bytes())).unwrap()
    }

    #[test]
    fn a_plan_with_defaults_says_what_applies_for_each_unset_field() {
        let p = minimal();
        let text = p.render_commented(&["the source has a local secondary index".into()]);
        assert_eq!(Plan::parse(&text, "saved").unwrap(), p);
        assert!(text.starts_with("// A ddb-ferry plan, saved by the ddb-ferry wizard."));
        // Comments as one text, wrapping undone.
        let words: Vec<&str> = text
            .lines()
            .map(|l| l.trim_start().trim_start_matches("//").trim())
            .collect();
        let words = words.join(" ");
        for line in [
            "ddb-ferry validate FILE",
            "ddb-ferry run FILE --dry-run",
            "ddb-ferry run FILE ",
            "- the source has a local secondary index",
            "\"profile\" is not set: the default credentials are used",
            "\"gsis\" is not set: the source table's indexes are created",
            "\"export_time\" is not set",
            "S = text, N = number, B = binary",
            "PITR (point-in-time recovery) keeps continuous backups",
        ] {
            assert!(words.contains(line), "{line:?} missing from:\n{text}");
        }
        // Fields with a value are written out, defaults included.
        let written = stripped(&text);
        assert_eq!(written["destination"]["prefix"], "ddb-ferry");
        assert_eq!(written["options"]["key_check_sample"], 1000);
        assert_eq!(
            written["options"]["after_import"],
            serde_json::json!({"ttl": false, "pitr": false})
        );
    }

    #[test]
    fn a_backup_plan_says_its_road_and_writes_no_bucket() {
        let mut p = minimal();
        p.via = Via::Backup;
        p.destination.bucket = String::new();
        let text = p.render_commented(&[]);
        assert_eq!(Plan::parse(&text, "saved").unwrap(), p);
        let words: Vec<&str> = text
            .lines()
            .map(|l| l.trim_start().trim_start_matches("//").trim())
            .collect();
        let words = words.join(" ");
        for line in [
            "through a backup: AWS Backup backs the table up",
            "\"backup\" is not set: AWS Backup makes a new backup in the vault named Default",
            "No bucket: the backup road goes through backup vaults",
            "A restore keeps the source table's keys",
        ] {
            assert!(words.contains(line), "{line:?} missing from:\n{text}");
        }
        assert!(text.contains("\"via\": \"backup\","), "{text}");
        assert!(!text.contains("\"export\""), "{text}");
        p.backup = Some(BackupPlan {
            from: BackupFrom::PointInTime,
            ..BackupPlan::default()
        });
        let text = p.render_commented(&[]);
        assert_eq!(Plan::parse(&text, "saved").unwrap(), p);
        assert!(
            text.contains("as it was at the latest restorable time"),
            "{text}"
        );
        assert!(
            text.contains("\"encryption\": { \"type\": \"default\" },"),
            "{text}"
        );
        // An S3 plan writes no `via`.
        assert!(!minimal().render_commented(&[]).contains("\"via\""));
    }

    #[test]
    fn every_field_that_is_set_is_written_and_commented() {
        let mut p = minimal();
        p.source.profile = Some("prod".into());
        p.table.gsis = Some(vec![]);
        p.table.billing = Some(Billing::Provisioned { read: 5, write: 5 });
        p.options.after_import.pitr = true;
        let text = p.render_commented(&[]);
        assert_eq!(Plan::parse(&text, "saved").unwrap(), p);
        assert!(text.contains("\"gsis\": [],"), "{text}");
        // Every field line follows a comment line.
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            if t.starts_with('"') {
                assert!(
                    lines[i - 1].trim_start().starts_with("//"),
                    "no comment above {t}"
                );
            }
        }
    }

    /// Key attributes with one type each, so generated plans need no type agreement filter;
    /// one has quotes and non-ASCII letters for the escaping.
    const KEYS: [(&str, KeyType); 5] = [
        ("pk", KeyType::S),
        ("sk", KeyType::N),
        ("status", KeyType::S),
        ("blob", KeyType::B),
        ("prix \"€\" ü", KeyType::N),
    ];

    fn key() -> impl Strategy<Value = KeySpec> {
        prop::sample::select(&KEYS[..]).prop_map(|(name, kind)| KeySpec {
            name: name.into(),
            kind,
        })
    }

    fn region() -> impl Strategy<Value = String> {
        "(us|eu|ap)-(east|west|central)-[1-3]"
    }

    fn gsi() -> impl Strategy<Value = GsiSpec> {
        let projection = prop_oneof![
            Just(("ALL", vec![])),
            Just(("KEYS_ONLY", vec![])),
            prop::collection::vec("[a-z]{1,8}", 1..3).prop_map(|a| ("INCLUDE", a)),
        ];
        let capacity = prop::option::of((1i64..100, 1i64..100));
        (
            "[a-zA-Z0-9_.-]{3,12}",
            key(),
            prop::option::of(key()),
            projection,
            capacity,
        )
            .prop_map(
                |(name, partition_key, sort_key, (kind, attrs), capacity)| GsiSpec {
                    name,
                    sort_key: sort_key.filter(|k| k.name != partition_key.name),
                    partition_key,
                    projection: Projection {
                        kind: kind.into(),
                        non_key_attributes: attrs,
                    },
                    capacity: capacity.map(|(read, write)| Capacity { read, write }),
                },
            )
    }

    prop_compose! {
        fn any_plan()(
            (src_profile, src_region, src_table) in (
                prop::option::of("[a-zA-Z0-9_.@\"-]{1,12}"),
                prop::option::of(region()),
                "[a-zA-Z0-9_.-]{3,20}",
            ),
            (dst_profile, dst_region, bucket, create_bucket, owner, bucket_region, prefix) in (
                prop::option::of("[a-z0-9-]{1,12}"),
                prop::option::of(region()),
                "[a-z][a-z0-9-]{1,20}[a-z0-9]",
                any::<bool>(),
                prop::option::of("[0-9]{12}"),
                prop::option::of(region()),
                "([a-z0-9_-]{1,8}(/[a-z0-9]{1,8}){0,2}/?)?",
            ),
            (ion, export_time, kms) in (
                any::<bool>(),
                prop::option::of("20(19|2[0-5])-0[1-9]-1[0-9]T1[0-9]:00:00(Z|\\+02:00)"),
                prop::option::of(Just("alias/ferry-key".to_owned())),
            ),
            (name, partition_key, sort_key, provisioned) in (
                "[a-zA-Z0-9_.-]{3,20}",
                prop::option::of(key()),
                prop::option::of(key()),
                prop::option::of(prop::option::of((1i64..1000, 1i64..1000))),
            ),
            gsis in prop::option::of(prop::collection::vec(gsi(), 0..3)),
            encryption in prop::option::of(prop_oneof![
                Just(TableSse::DynamodbOwned),
                Just(TableSse::AwsManaged),
                Just(TableSse::CustomerManaged { kms_key: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into() }),
            ]),
            (enable_pitr, disable_pitr_after, key_check_sample, verify_sample, ttl, pitr, catch_up) in (
                any::<bool>(), any::<bool>(), 1u64..=1_000_000, 0u64..=10_000,
                any::<bool>(), any::<bool>(), any::<bool>(),
            ),
            existing_table in prop::option::of(prop_oneof![
                Just(crate::engine::writer::OnConflict::Overwrite),
                Just(crate::engine::writer::OnConflict::SkipExisting),
                Just(crate::engine::writer::OnConflict::StopAtConflict),
            ]),
        ) -> Plan {
            let billing = provisioned.map(|p| match p {
                Some((read, write)) => Billing::Provisioned { read, write },
                None => Billing::PayPerRequest,
            });
            let mut gsis = gsis;
            if billing == Some(Billing::PayPerRequest) {
                for g in gsis.iter_mut().flatten() {
                    g.capacity = None;
                }
            }
            Plan {
                via: Via::S3,
                backup: None,
                source: SourcePlan { profile: src_profile, region: src_region, table: src_table },
                destination: DestinationPlan {
                    profile: dst_profile,
                    region: dst_region,
                    bucket,
                    create_bucket,
                    bucket_owner: owner,
                    bucket_region,
                    prefix,
                },
                export: ExportPlan {
                    format: if ion { ExportFormat::Ion } else { ExportFormat::DynamodbJson },
                    export_time,
                    encryption: match kms {
                        Some(kms_key) => ExportSse::SseKms { kms_key },
                        None => ExportSse::SseS3,
                    },
                },
                table: NewTablePlan { name, partition_key, sort_key, gsis, billing, encryption },
                options: Options {
                    enable_pitr,
                    disable_pitr_after,
                    key_check_sample,
                    verify_sample,
                    after_import: AfterImport { ttl, pitr },
                    catch_up,
                    existing_table,
                },
            }
        }
    }

    prop_compose! {
        /// A backup plan: an S3 plan's sides and options, the backup road's fields, a new
        /// table of which only the name is chosen.
        fn any_backup_plan()(
            base in any_plan(),
            section in prop::option::of(any_backup()),
        ) -> Plan {
            Plan {
                via: Via::Backup,
                backup: section,
                destination: DestinationPlan {
                    bucket: String::new(),
                    create_bucket: true,
                    bucket_owner: None,
                    bucket_region: None,
                    prefix: "ddb-ferry".into(),
                    ..base.destination
                },
                export: ExportPlan::default(),
                table: NewTablePlan {
                    name: base.table.name,
                    partition_key: None,
                    sort_key: None,
                    gsis: None,
                    billing: None,
                    encryption: None,
                },
                ..base
            }
        }
    }

    fn any_backup() -> impl Strategy<Value = BackupPlan> {
        let from = prop_oneof![
            any::<bool>().prop_map(|dynamodb| (
                BackupFrom::New,
                None,
                None,
                if dynamodb { BackupMaker::Dynamodb } else { BackupMaker::AwsBackup },
            )),
            Just((
                BackupFrom::RecoveryPoint,
                Some("arn:aws:dynamodb:us-east-1:111122223333:table/orders/backup/01489602797149-73d8d5bc".to_owned()),
                None,
                BackupMaker::AwsBackup,
            )),
            prop::option::of(0i64..30 * 24).prop_map(|hours_ago| (
                BackupFrom::PointInTime,
                None,
                hours_ago.map(|h| {
                    (time::OffsetDateTime::now_utc() - time::Duration::hours(h))
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap()
                }),
                BackupMaker::AwsBackup,
            )),
        ];
        let encryption = prop_oneof![
            Just(RestoreEncryption::Default),
            Just(RestoreEncryption::AwsManaged),
            Just(RestoreEncryption::CustomerManaged {
                kms_key_arn: "arn:aws:kms:us-east-1:222222222222:alias/ferry".into()
            }),
        ];
        (
            from,
            "[A-Za-z0-9_.-]{2,50}",
            "[A-Za-z0-9_.-]{2,50}",
            prop::option::of(
                "arn:aws:iam::[0-9]{12}:role/(service-role/)?[A-Za-z0-9+=,.@_-]{1,20}",
            ),
            prop::option::of("arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9_-]{1,20}"),
            encryption,
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(
                    (from, recovery_point_arn, restore_time, made_by),
                    source_vault,
                    dest_vault,
                    source_role_arn,
                    dest_role_arn,
                    encryption,
                    copy_tags,
                    add_vault_policy,
                )| BackupPlan {
                    from,
                    recovery_point_arn,
                    restore_time,
                    made_by,
                    source_vault,
                    dest_vault,
                    source_role_arn,
                    dest_role_arn,
                    encryption,
                    copy_tags,
                    add_vault_policy,
                },
            )
    }

    proptest! {
        /// Whatever a valid backup plan holds, the saved file reads back to the same plan, and
        /// it writes neither a bucket nor an export.
        #[test]
        fn a_saved_backup_plan_reads_back_the_same(plan in any_backup_plan()) {
            prop_assume!(plan.validate().is_ok(), "{:?}", plan.validate());
            let text = plan.render_commented(&[]);
            let back = Plan::parse(&text, "saved");
            prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
            prop_assert_eq!(back.unwrap(), plan);
            let written = stripped(&text);
            prop_assert_eq!(&written["via"], "backup");
            prop_assert!(written.get("export").is_none(), "{}", text);
            prop_assert!(written["destination"].get("bucket").is_none(), "{}", text);
        }

        /// Whatever a valid plan holds, and whatever the notes say, the saved file reads back
        /// to the same plan.
        #[test]
        fn a_saved_plan_reads_back_the_same(
            plan in any_plan(),
            notes in prop::collection::vec("[\\PC\n\r\t]{0,60}", 0..3),
        ) {
            prop_assume!(plan.validate().is_ok(), "{:?}", plan.validate());
            let text = plan.render_commented(&notes);
            let back = Plan::parse(&text, "saved");
            prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
            prop_assert_eq!(back.unwrap(), plan);
        }
    }
}
