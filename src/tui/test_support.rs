//! Fixtures for the wizard's tests: an `App` walked from screen to screen with the keys a
//! person presses and the messages the tasks and the engine would send, built by hand. Nothing
//! here runs a command or touches AWS; the commands `update` returns are only inspected.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Screen};
use super::msg::{FolderListing, Msg, Side, TableDetails};
use super::services::Cmd;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::sts::Identity;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::{
    DataFolder, JobRecord, Journal, KeyCheckRecord, NotCarried, Step, VerifyRecord,
};
use crate::engine::plan::{Plan, Via};
use crate::engine::session::actor::{Report, Request};
use crate::engine::session::Decision;
use crate::engine::steps::bucket::PolicyPreview;
use crate::logic::layout::ObjectInfo;
use crate::logic::manifest::ManifestSummary;
use crate::logic::policy::{merge, statement_lines};
use crate::logic::table::{
    Billing, GsiSpec, KeySpec, KeyType, LsiSpec, Projection, SourceTable, TableSse,
};

/// The state folder the tests' `App` is given. Nothing the tests do writes into it.
pub const STATE_DIR: &str = "/tmp/ddb-ferry-test-state";

/// When AWS says the jobs started: fixed and far in the past, so a panel's gauge is full and
/// the same on every run (the elapsed clock beside it still moves; snapshots redact it).
pub const JOB_START: &str = "2020-01-01T00:00:00Z";

pub const PROFILES: [&str; 4] = ["default", "dev-source", "prod-dest", "sandbox"];
pub const SOURCE_ACCOUNT: &str = "111122223333";
pub const DEST_ACCOUNT: &str = "444455556666";
pub const REGION: &str = "eu-west-1";
pub const BUCKET: &str = "ddb-ferry-landing";
pub const EXPORT_ID: &str = "01763900000000-a1b2c3d4";
pub const IMPORT_ID: &str = "01763990000000-e5f6a7b8";

/// A wizard as a person in eu-west-1 runs it: the list prices have no figures there, so
/// they gave their own prices file (`--prices`).
pub fn new_app() -> App {
    let mut app = App::new(PathBuf::from(STATE_DIR), None);
    let mine = crate::logic::cost::Prices::parse(
        r#"{"label": "price from my prices file", "as_of": "2026-11", "regions": {"eu-west-1": {
            "export_per_gb": 0.11, "import_per_gb": 0.165,
            "pitr_per_gb_month": 0.22, "s3_standard_per_gb_month": 0.024,
            "backup_per_gb_month": 0.11, "restore_per_gb": 0.165}}}"#,
    )
    .expect("a valid prices file");
    app.prices = crate::logic::cost::Prices::builtin().overridden_by(mine);
    app
}

pub fn key_event(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    app.update(Msg::Key(key_event(code)))
}

pub fn type_text(app: &mut App, text: &str) -> Vec<Cmd> {
    text.chars()
        .flat_map(|c| press(app, KeyCode::Char(c)))
        .collect()
}

pub fn identity(side: Side) -> Identity {
    match side {
        Side::Source => Identity {
            account: SOURCE_ACCOUNT.into(),
            arn: format!(
                "arn:aws:sts::{SOURCE_ACCOUNT}:assumed-role/AWSReservedSSO_DataEngineer_0f1e2d3c4b5a6978/alice"
            ),
            region: REGION.into(),
        },
        Side::Dest => Identity {
            account: DEST_ACCOUNT.into(),
            arn: format!("arn:aws:iam::{DEST_ACCOUNT}:user/ferry"),
            region: REGION.into(),
        },
    }
}

/// STS refusing an SSO profile whose login ended, as `AwsFailure::from_code` explains it.
pub fn expired_token() -> AwsFailure {
    AwsFailure::from_code(
        "sts:GetCallerIdentity",
        "the destination account",
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )
}

fn key(name: &str, kind: KeyType) -> KeySpec {
    KeySpec {
        name: name.into(),
        kind,
    }
}

pub fn orders_table() -> SourceTable {
    SourceTable {
        name: "orders".into(),
        arn: format!("arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT}:table/orders"),
        status: "ACTIVE".into(),
        partition_key: key("customerId", KeyType::S),
        sort_key: Some(key("orderId", KeyType::S)),
        gsis: vec![GsiSpec {
            name: "byStatus".into(),
            partition_key: key("status", KeyType::S),
            sort_key: Some(key("createdAt", KeyType::N)),
            projection: Projection {
                kind: "ALL".into(),
                non_key_attributes: Vec::new(),
            },
            capacity: None,
        }],
        lsis: vec!["byTotal".into()],
        lsi_specs: vec![LsiSpec {
            name: "byTotal".into(),
            sort_key: key("total", KeyType::N),
            projection: Projection {
                kind: "ALL".into(),
                non_key_attributes: Vec::new(),
            },
        }],
        billing: Billing::PayPerRequest,
        sse: TableSse::AwsManaged,
        item_count: 1_234_567,
        size_bytes: 987_654_321,
        stream: Some("NEW_AND_OLD_IMAGES".into()),
        table_class: Some("STANDARD".into()),
        deletion_protection: true,
        restore: None,
    }
}

pub fn orders_details() -> TableDetails {
    TableDetails {
        table: orders_table(),
        pitr_status: "DISABLED".into(),
        ttl_attribute: Some("expiresAt".into()),
        tag_count: 2,
    }
}

/// Accounts: the profiles arrived; nothing is connected.
pub fn accounts_listed() -> App {
    let mut app = new_app();
    app.update(Msg::Profiles(Ok(PROFILES
        .iter()
        .map(|p| p.to_string())
        .collect())));
    app
}

/// Picks `dev-source` and `prod-dest` with the keys; returns the commands they caused.
pub fn pick_profiles(app: &mut App) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    press(app, KeyCode::Down);
    cmds.extend(press(app, KeyCode::Enter));
    // The destination list has moved on to the profile after the source's.
    assert_eq!(
        app.accounts.dest.picker.current().map(String::as_str),
        Some("prod-dest")
    );
    cmds.extend(press(app, KeyCode::Enter));
    cmds
}

pub fn connected(app: &mut App, side: Side, result: Result<Identity, AwsFailure>) {
    app.update(Msg::Connected {
        side,
        result,
        endpoint: None,
    });
}

/// Accounts: both profiles chosen and confirmed by STS.
pub fn accounts_connected() -> App {
    let mut app = accounts_listed();
    pick_profiles(&mut app);
    connected(&mut app, Side::Source, Ok(identity(Side::Source)));
    connected(&mut app, Side::Dest, Ok(identity(Side::Dest)));
    app
}

/// Table: the list arrived and `orders`, highlighted, has its details.
pub fn table_with_details() -> App {
    let mut app = accounts_connected();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Table);
    app.update(Msg::Tables(Ok(vec![
        "sessions".into(),
        "orders".into(),
        "customers".into(),
        "orders-archive".into(),
    ])));
    press(&mut app, KeyCode::Down);
    app.update(Msg::TableDetails {
        name: "orders".into(),
        result: Ok(orders_details()),
    });
    app
}

/// Road: `orders` chosen; its local secondary index makes the backup road the one
/// recommended, and so highlighted.
pub fn road_offered() -> App {
    let mut app = table_with_details();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Road);
    assert_eq!(app.road.selected, Via::Backup);
    app
}

/// PITR: the S3 road taken for `orders` (↓ then Enter on Road); its PITR is off.
pub fn pitr_disabled() -> App {
    let mut app = road_offered();
    press(&mut app, KeyCode::Down);
    assert_eq!(app.road.selected, Via::S3);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Pitr);
    app
}

/// PITR: `e` pressed; AWS is turning it on.
pub fn pitr_enabling() -> App {
    let mut app = pitr_disabled();
    press(&mut app, KeyCode::Char('e'));
    app.update(Msg::PitrProgress(
        "waiting for PITR to be ENABLED (now ENABLING)".into(),
    ));
    app
}

pub fn pitr_enabled() -> App {
    let mut app = pitr_enabling();
    app.update(Msg::PitrEnabled(Ok(())));
    app
}

/// Bucket: the destination's buckets arrived; nothing chosen or typed yet.
pub fn bucket_listed() -> App {
    let mut app = pitr_enabled();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Bucket);
    app.update(Msg::Buckets(Ok(vec![
        "analytics-raw".into(),
        BUCKET.into(),
        "team-logs".into(),
    ])));
    app
}

/// A bucket policy that already has a statement of someone else's.
pub const EXISTING_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowAnalyticsRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/analytics"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::ddb-ferry-landing/reports/*"}]}"#;

/// The preview `Cmd::PreviewPolicy` would send back for `EXISTING_POLICY`: the kept statement
/// unchanged, ours added.
pub fn preview_for(cmds: &[Cmd]) -> PolicyPreview {
    let grant = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::PreviewPolicy { grant, .. } => Some(grant.clone()),
            _ => None,
        })
        .expect("choosing a bucket asks for the policy preview");
    let merged = merge(Some(EXISTING_POLICY), &grant).expect("the fixture policy is valid");
    let diff = statement_lines(Some(EXISTING_POLICY), &merged);
    PolicyPreview {
        bucket_exists: true,
        diff,
        changed: merged.changed,
        security: vec![
            "Block Public Access is not on (4 off): the export holds the whole table; `aws s3api put-public-access-block` turns it on".into(),
        ],
    }
}

/// Bucket: `ddb-ferry-landing` chosen from the list, its policy change previewed.
pub fn policy_previewed() -> App {
    let mut app = bucket_listed();
    press(&mut app, KeyCode::Down);
    let cmds = press(&mut app, KeyCode::Enter);
    let preview = preview_for(&cmds);
    app.update(Msg::Policy(Ok(preview)));
    app
}

/// The journal the bucket step leaves: the wizard's plan, with what preflight and the bucket
/// step record, standing at `step`.
pub fn journal_at(app: &App, step: Step) -> Box<Journal> {
    let plan = app
        .plan_draft()
        .expect("a table and both accounts are chosen");
    let mut journal = preflight_journal(plan, step);
    journal.bucket.owner = Some(DEST_ACCOUNT.into());
    journal.bucket.region = Some(REGION.into());
    journal.bucket.policy_done = true;
    journal.pitr.initially_enabled = Some(false);
    journal.pitr.enabled_by_us = true;
    Box::new(journal)
}

/// A new journal of `plan` with what preflight records on either road (both accounts and
/// the source table), standing at `step`.
pub fn preflight_journal(plan: Plan, step: Step) -> Journal {
    let id = crate::engine::migration_id(&plan, 1);
    let mut journal = crate::engine::new_journal(plan, id, None, None);
    journal.step = step;
    journal.source_identity = Some(identity(Side::Source));
    journal.dest_identity = Some(identity(Side::Dest));
    journal.source_table = Some(orders_table());
    journal
}

/// The requests to the session among `cmds`, in order.
pub fn requests(cmds: &[Cmd]) -> Vec<&Request> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Session(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Asserts that `cmds` ask the session to run on, and returns the journal the wizard last
/// heard of, for the test to play the session's part.
pub fn continued(app: &App, cmds: &[Cmd]) -> Box<Journal> {
    assert!(
        matches!(requests(cmds).last(), Some(Request::Continue)),
        "the action asks the session to continue: {cmds:?}"
    );
    app.journal.clone().expect("the wizard knows the journal")
}

pub fn engine(app: &mut App, event: Event) -> Vec<Cmd> {
    app.update(Msg::Session(Report::Event(event)))
}

/// The session ran until it waits for `pending` (or ended with `outcome`).
pub fn session_state(
    app: &mut App,
    journal: Box<Journal>,
    pending: Option<Decision>,
    outcome: Outcome,
) -> Vec<Cmd> {
    app.update(Msg::Session(Report::State {
        journal,
        pending,
        outcome: Some(outcome),
        refused: None,
    }))
}

/// Export: the bucket step finished; the choices are shown.
pub fn export_choices() -> App {
    let mut app = policy_previewed();
    let cmds = press(&mut app, KeyCode::Char('a'));
    assert!(
        matches!(&cmds[..], [Cmd::OpenSession(_)]),
        "applying opens the session: {cmds:?}"
    );
    let j = journal_at(&app, Step::Export);
    let prefix = j.export_prefix.clone();
    let cmds = app.update(Msg::Session(Report::Opened(j.clone())));
    continued(&app, &cmds);
    engine(
        &mut app,
        Event::StepDone {
            step: Step::Bucket,
            summary: format!(
                "bucket {BUCKET} is ready: account {SOURCE_ACCOUNT} may write exports under {prefix}/"
            ),
        },
    );
    session_state(&mut app, j, Some(Decision::ExportSettings), Outcome::Paused);
    assert_eq!(app.screen, Screen::Export);
    app
}

pub fn export_review() -> App {
    let mut app = export_choices();
    press(&mut app, KeyCode::Enter);
    assert!(app.export.reviewing);
    app
}

pub fn export_arn() -> String {
    format!("arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT}:table/orders/export/{EXPORT_ID}")
}

/// Export progress: the job runs in AWS and has written some files. The session runs it;
/// the journal is returned for the test to report back.
pub fn export_running() -> (App, Box<Journal>) {
    let mut app = export_review();
    let cmds = press(&mut app, KeyCode::Enter);
    let mut j = continued(&app, &cmds);
    j.plan.export = app.export.plan();
    assert_eq!(app.screen, Screen::ExportProgress);
    engine(
        &mut app,
        Event::JobStarted {
            step: Step::Export,
            job: "export",
            arn: export_arn(),
            reattached: false,
        },
    );
    engine(
        &mut app,
        Event::JobStatus {
            step: Step::Export,
            job: "export",
            status: "IN_PROGRESS".into(),
            started_at: Some(JOB_START.into()),
            elapsed_secs: 0,
            next_check_secs: 30,
            percent_done: None,
            expected_minutes: None,
        },
    );
    app.update(Msg::ExportFiles {
        files: 14,
        bytes: 215_000_000,
    });
    (app, j)
}

fn job(arn: String, status: &str) -> JobRecord {
    JobRecord {
        client_token: "ddb-ferry-token".into(),
        arn: Some(arn),
        status: Some(status.into()),
        started_at: Some(JOB_START.into()),
        ..JobRecord::default()
    }
}

/// Export progress: AWS reported the export FAILED; the engine explained it.
pub fn export_failed() -> App {
    let (mut app, mut j) = export_running();
    let mut record = job(export_arn(), "FAILED");
    record.failure_code = Some("S3AccessDenied".into());
    record.failure_message = Some("Access Denied".into());
    j.export = Some(record);
    let mut failure = AwsFailure::new(
        "export-failed",
        FailureKind::JobFailed,
        "the export failed: S3AccessDenied: Access Denied",
        "the bucket policy (or the source's IAM policy) does not let the source account write to the bucket through DynamoDB",
        format!(
            "check that the bucket policy has the statement ddb-ferry added (its Sid starts with DdbFerryExportFromSourceAccount) and that the source caller may use dynamodb:ExportTableToPointInTime and s3:PutObject (details: aws dynamodb describe-export --profile dev-source --region {REGION} --export-arn {})",
            export_arn()
        ),
    );
    failure.aws_code = Some("S3AccessDenied".into());
    engine(
        &mut app,
        Event::Failed {
            step: Step::Export,
            failure,
        },
    );
    session_state(&mut app, j, None, Outcome::JobFailed);
    app
}

pub fn export_root(j: &Journal) -> String {
    format!("{}/AWSDynamoDB/{EXPORT_ID}/", j.export_prefix)
}

pub fn manifest_summary(j: &Journal) -> ManifestSummary {
    let root = export_root(j);
    ManifestSummary {
        version: "2020-06-30".into(),
        export_arn: export_arn(),
        start_time: Some("2026-11-23T10:00:00.000Z".into()),
        end_time: Some("2026-11-23T10:14:31.000Z".into()),
        table_arn: orders_table().arn,
        table_id: Some("6a1f0c2e-93b4-4d1e-9f7a-2c8b5e4d3f10".into()),
        export_time: Some("2026-11-23T10:00:00.000Z".into()),
        s3_bucket: BUCKET.into(),
        s3_prefix: Some(j.export_prefix.clone()),
        s3_sse_algorithm: Some("AES256".into()),
        s3_sse_kms_key_id: None,
        manifest_files_s3_key: format!("{root}manifest-files.json"),
        billed_size_bytes: Some(1_012_345_678),
        item_count: Some(1_234_567),
        output_format: "DYNAMODB_JSON".into(),
        export_type: Some("FULL_EXPORT".into()),
        export_from_time: None,
        export_to_time: None,
        output_view: None,
    }
}

/// Data folder: the export completed and was located; the browser lists the export's parent
/// folder with the export highlighted and its manifest summary beside it. The session waits
/// for the folder to be confirmed.
pub fn folder_listed() -> App {
    let mut app = export_complete();
    let j = app
        .journal
        .clone()
        .expect("the session reported its journal");
    let root = export_root(&j);
    let summary = manifest_summary(&j);
    let parent = format!("{}/AWSDynamoDB/", j.export_prefix);
    let older = format!("{parent}01763000000000-0a0b0c0d/");
    // Enter on the finished export opens the data folder.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::DataFolder);
    assert_eq!(app.folder.prefix, parent);
    app.update(Msg::Folder(Ok(FolderListing {
        prefix: parent,
        folders: vec![older.clone(), root.clone()],
        objects: Vec::new(),
        summaries: vec![(older, None), (root, Some(summary))],
    })));
    app
}

/// Export progress after the export completed and its folder was found: the panel says so
/// and waits for Enter; the session waits for the folder to be confirmed.
pub fn export_complete() -> App {
    let (mut app, mut j) = export_running();
    let mut record = job(export_arn(), "COMPLETED");
    record.item_count = Some(1_234_567);
    record.billed_bytes = Some(1_012_345_678);
    j.export = Some(record);
    engine(
        &mut app,
        Event::StepDone {
            step: Step::Export,
            summary: "export finished: 1234567 items, 1012345678 bytes billed".into(),
        },
    );
    // The session goes on to find the data folder; the panel stays, marked complete.
    engine(
        &mut app,
        Event::StepStarted {
            step: Step::Locate,
            title: Step::Locate.title(),
        },
    );
    assert_eq!(app.screen, Screen::ExportProgress);
    let root = export_root(&j);
    j.data_folder = Some(DataFolder {
        bucket: BUCKET.into(),
        prefix: format!("{root}data/"),
        data_files: 14,
        total_bytes: 215_000_000,
        manifest_item_count: Some(1_234_567),
        found_by: "manifest".into(),
    });
    j.step = Step::KeyCheck;
    session_state(&mut app, j, Some(Decision::DataFolder), Outcome::Paused);
    assert_eq!(app.screen, Screen::ExportProgress);
    assert!(view_text(&app).contains("Export complete — 1234567 items"));
    app
}

/// Data folder: browsed up to the bucket's root, where a file was chosen and refused.
pub fn folder_file_refused() -> App {
    let mut app = folder_listed();
    // `…/AWSDynamoDB/` → the migration's folder → `ddb-ferry/` → the bucket's root.
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('u'));
    }
    assert_eq!(app.folder.prefix, "");
    app.update(Msg::Folder(Ok(FolderListing {
        prefix: String::new(),
        folders: vec!["ddb-ferry/".into()],
        objects: vec![ObjectInfo {
            key: "orders-backup.json.gz".into(),
            size: 48_213_331,
        }],
        summaries: Vec::new(),
    })));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    app
}

/// Keys: `c` on the data folder; the new table's form is prefilled from the source and its
/// name found free.
pub fn keys_prefilled() -> App {
    let mut app = folder_listed();
    let cmds = press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.screen, Screen::Keys);
    assert!(matches!(
        requests(&cmds)[..],
        [Request::ChooseDataFolder { .. }]
    ));
    assert!(matches!(cmds.last(), Some(Cmd::CheckName(n)) if n == "orders"));
    let j = app.journal.clone().expect("the wizard knows the journal");
    app.update(Msg::Session(Report::State {
        journal: j,
        pending: Some(Decision::NewTable),
        outcome: None,
        refused: None,
    }));
    assert_eq!(app.screen, Screen::Keys);
    app.update(Msg::NameChecked {
        name: "orders".into(),
        result: Ok(true),
    });
    app
}

/// Keys: the name is taken in the destination and Enter was pressed.
pub fn keys_name_taken() -> App {
    let mut app = keys_prefilled();
    app.update(Msg::NameChecked {
        name: "orders".into(),
        result: Ok(false),
    });
    press(&mut app, KeyCode::Enter);
    app
}

/// Keys: the partition key retyped as `CustomerId`; the key check found the items spell it
/// `customerId` and the engine sent that failure.
pub fn keys_check_failed() -> App {
    let mut app = keys_prefilled();
    press(&mut app, KeyCode::Tab);
    for _ in 0.."customerId".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "CustomerId");
    let cmds = press(&mut app, KeyCode::Enter);
    let j = continued(&app, &cmds);
    engine(
        &mut app,
        Event::Failed {
            step: Step::KeyCheck,
            failure: AwsFailure::new(
                "key-mismatch",
                FailureKind::BadInput,
                "the exported items do not match the new table's keys (200 problems in 200 items checked)",
                "The export's items have the key \"customerId\", but the new table's partition key is \"CustomerId\". Key names are case-sensitive: use \"customerId\".",
                "fix `table.partition_key` / `table.sort_key` in the plan (or remove them to copy the source's keys) and run again; the export is kept and will not be repeated",
            ),
        },
    );
    session_state(&mut app, j, None, Outcome::BadInput);
    app
}

pub fn import_arn() -> String {
    format!("arn:aws:dynamodb:{REGION}:{DEST_ACCOUNT}:table/orders/import/{IMPORT_ID}")
}

/// Import progress: the key check passed, Enter started the import, AWS says IN_PROGRESS.
pub fn import_running() -> (App, Box<Journal>) {
    let mut app = keys_prefilled();
    let cmds = press(&mut app, KeyCode::Enter);
    let mut j = continued(&app, &cmds);
    j.key_check = Some(KeyCheckRecord {
        items_checked: 200,
        problems: 0,
        passed: true,
    });
    j.step = Step::Import;
    session_state(&mut app, j, Some(Decision::StartImport), Outcome::Paused);
    assert!(app.keys.check_passed);
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(requests(&cmds).contains(&&Request::ConfirmImport));
    let j = continued(&app, &cmds);
    assert_eq!(app.screen, Screen::ImportProgress);
    engine(
        &mut app,
        Event::JobStarted {
            step: Step::Import,
            job: "import",
            arn: import_arn(),
            reattached: false,
        },
    );
    engine(
        &mut app,
        Event::JobStatus {
            step: Step::Import,
            job: "import",
            status: "IN_PROGRESS".into(),
            started_at: Some(JOB_START.into()),
            elapsed_secs: 0,
            next_check_secs: 30,
            percent_done: None,
            expected_minutes: None,
        },
    );
    (app, j)
}

/// Import progress: the import failed with rejected items; counts and the CloudWatch stream
/// are shown.
pub fn import_failed() -> App {
    let (mut app, mut j) = import_running();
    let mut record = job(import_arn(), "FAILED");
    record.item_count = Some(1_230_211);
    record.error_count = Some(4_356);
    record.failure_code = Some("ItemValidationError".into());
    record.failure_message = Some("Too many items failed validation".into());
    j.import = Some(record);
    engine(
        &mut app,
        Event::Failed {
            step: Step::Import,
            failure: AwsFailure::new(
                "import-failed",
                FailureKind::JobFailed,
                "the import failed (FAILED): ItemValidationError: Too many items failed validation",
                "the import job failed inside AWS; its error log says which items or files were refused",
                format!(
                    "read CloudWatch Logs group /aws-dynamodb/imports, stream {IMPORT_ID}/error, and `aws dynamodb describe-import --profile prod-dest --region {REGION} --import-arn {}`; the export is kept, so after a fix `ddb-ferry run --new PLAN` with another table name imports again",
                    import_arn()
                ),
            ),
        },
    );
    session_state(&mut app, j, None, Outcome::JobFailed);
    app
}

/// Verify & finish: counts compared, the sample read back, settings not carried listed.
pub fn verify_done() -> App {
    enter_verify(import_complete())
}

/// Enter on a road's finished last panel shows the check and what was not carried.
pub fn enter_verify(mut app: App) -> App {
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Verify);
    app
}

/// Import progress after the migration ended: the panel says the import is complete and
/// waits for Enter.
pub fn import_complete() -> App {
    let (mut app, mut j) = import_running();
    let mut record = job(import_arn(), "COMPLETED");
    record.item_count = Some(1_234_567);
    record.error_count = Some(0);
    j.import = Some(record);
    // After the import the session verifies and finishes; the import's panel stays.
    engine(
        &mut app,
        Event::StepStarted {
            step: Step::Verify,
            title: Step::Verify.title(),
        },
    );
    assert_eq!(app.screen, Screen::ImportProgress);
    j.step = Step::Finish;
    j.verify = Some(VerifyRecord {
        expected_items: Some(1_234_567),
        imported_items: Some(1_234_567),
        counted_items: Some(1_234_567),
        sampled: 200,
        sample_mismatches: Vec::new(),
        passed: true,
    });
    j.pitr.disabled_after = true;
    j.not_carried = ttl_and_stream_not_carried();
    j.not_carried.push(NotCarried {
        setting: "Local secondary index".into(),
        source_value: "byTotal".into(),
        how_to_apply: "an LSI can only be created with a table: create the table yourself with the LSI and copy the items, or use a GSI instead".into(),
    });
    session_state(&mut app, j, None, Outcome::Succeeded);
    assert!(app.verify.done);
    assert_eq!(app.screen, Screen::ImportProgress);
    pin_summary(&mut app);
    app
}

/// The settings the source table has that neither road carries: its TTL and its stream.
pub fn ttl_and_stream_not_carried() -> Vec<NotCarried> {
    vec![
        NotCarried {
            setting: "TTL".into(),
            source_value: "enabled on attribute expiresAt".into(),
            how_to_apply: format!("aws dynamodb update-time-to-live --profile prod-dest --region {REGION} --table-name orders --time-to-live-specification Enabled=true,AttributeName=expiresAt"),
        },
        NotCarried {
            setting: "DynamoDB stream".into(),
            source_value: "enabled (NEW_AND_OLD_IMAGES)".into(),
            how_to_apply: format!("aws dynamodb update-table --profile prod-dest --region {REGION} --table-name orders --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"),
        },
    ]
}

/// The summary's folder comes from the environment (`state_dir()`), not from the app:
/// pinned here so the screen is the same on every machine.
pub fn pin_summary(app: &mut App) {
    app.verify.summary = Some(format!(
        "{STATE_DIR}/migrations/{}.summary.md",
        app.journal.as_ref().map_or(String::new(), |j| j.id.clone())
    ));
}

/// The wizard drawn at 80x24, as text, for asserting what a person would read.
pub fn view_text(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24))
        .expect("a test terminal never fails");
    terminal
        .draw(|f| crate::tui::view::render(app, f))
        .expect("drawing into a test terminal never fails");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}
