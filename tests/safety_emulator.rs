//! Nothing damaged, nothing leaked, every failure explained — against the local emulator:
//! both accounts are listed before and after a migration; a run with recognisable
//! credentials is searched for them everywhere it wrote; the failures the emulator can
//! produce are provoked and their codes and three lines checked.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Value};
use support::proxy::Proxy;
use support::*;

const TABLE: &str = "orders";

fn events_named<'a>(events: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> {
    events.iter().filter(move |e| e["event"] == name)
}

fn failure(out: &std::process::Output) -> Value {
    json_events(out)
        .into_iter()
        .find(|e| e["event"] == "failed")
        .unwrap_or_else(|| panic!("no failure event in:\n{}", text(out)))
}

/// The three lines and the code of a failure event.
fn assert_explained(failed: &Value, code: &str) {
    assert_eq!(failed["code"], code, "{failed}");
    for line in ["what", "why", "next"] {
        assert!(
            failed[line].as_str().is_some_and(|s| s.len() > 10),
            "{line} of {failed}"
        );
    }
}

fn journal_file(emu: &Emulator) -> std::path::PathBuf {
    files_under(&emu.state_dir.join("migrations"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a journal")
}

fn edit_journal(emu: &Emulator, edit: impl FnOnce(&mut Value)) {
    let path = journal_file(emu);
    let mut j: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut j);
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();
}

/// Everything both accounts hold: every table's items, every object's ETag and size, every
/// bucket policy.
#[derive(Debug, Default)]
struct World {
    tables: BTreeMap<String, Vec<String>>,
    objects: BTreeMap<String, (String, i64)>,
    policies: BTreeMap<String, Value>,
}

async fn world(emu: &Emulator) -> World {
    let mut w = World::default();
    for profile in ["source", "dest"] {
        let ddb = emu.dynamo(profile, None).await;
        let names = ddb.list_tables().send().await.unwrap();
        for t in names.table_names() {
            let mut items: Vec<String> = scan_all(&ddb, t)
                .await
                .iter()
                .map(|i| Value::Object(ddb_ferry::aws::attr::item_to_json(i)).to_string())
                .collect();
            items.sort();
            w.tables.insert(format!("{profile}/{t}"), items);
        }
        let s3 = emu.s3(profile, "us-east-1").await;
        for b in s3.list_buckets().send().await.unwrap().buckets() {
            let bucket = b.name().unwrap().to_owned();
            let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
            for o in listed.contents() {
                w.objects.insert(
                    format!("{bucket}/{}", o.key().unwrap()),
                    (
                        o.e_tag().unwrap_or_default().to_owned(),
                        o.size().unwrap_or(0),
                    ),
                );
            }
            if let Ok(p) = s3.get_bucket_policy().bucket(&bucket).send().await {
                w.policies.insert(
                    bucket.clone(),
                    serde_json::from_str(p.policy().unwrap()).unwrap(),
                );
            }
        }
    }
    w
}

/// A bucket policy with a statement of someone else's and one that uses ddb-ferry's Sid for
/// something else.
fn existing_policy(bucket: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Id": "kept-as-it-is",
        "Statement": [
            {
                "Sid": "AllowAnalyticsRead",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::777788889999:role/analytics"},
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{bucket}/reports/*")
            },
            {
                "Sid": "DdbFerryExportFromSourceAccount",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/shared/*")]
            }
        ]
    })
}

/// A migration next to tables, buckets, objects and a policy that were there before: none of
/// them disappears or changes, every statement of the policy stays (the one with ddb-ferry's
/// Sid but another meaning too), and running the policy step again changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn nothing_that_was_there_is_deleted_or_changed() {
    let emu = Emulator::start(Knobs {
        real_layout: true,
        data_files: 2,
        ..Knobs::default()
    });
    seed(&emu, 40).await;
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "unrelated").await;
    put_items(&src, "unrelated", (0..7).map(varied_item).collect()).await;
    let dst = emu.dynamo("dest", None).await;
    create_source_table(&dst, "keep-me").await;
    put_items(&dst, "keep-me", (0..9).map(varied_item).collect()).await;
    let bucket = "ferry-safe";
    let s3 = emu.s3("dest", "us-east-1").await;
    let src_s3 = emu.s3("source", "us-east-1").await;
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    s3.create_bucket()
        .bucket("other-dest-bucket")
        .send()
        .await
        .unwrap();
    src_s3
        .create_bucket()
        .bucket("source-side-bucket")
        .send()
        .await
        .unwrap();
    for (b, key) in [
        (bucket, "reports/2026/a.csv"),
        (bucket, "README.txt"),
        (bucket, "shared/x.bin"),
        (
            bucket,
            "ddb-ferry/an-earlier-migration/AWSDynamoDB/01/data/old.json.gz",
        ),
        ("other-dest-bucket", "keep.txt"),
        ("source-side-bucket", "keep-too.txt"),
    ] {
        s3.put_object()
            .bucket(b)
            .key(key)
            .body(ByteStream::from(format!("contents of {key}").into_bytes()))
            .send()
            .await
            .unwrap();
    }
    let policy = existing_policy(bucket);
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let before = world(&emu).await;

    let plan_file = emu.plan("plan.json", &plan(bucket, "orders-copy"));
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let after = world(&emu).await;

    for (table, items) in &before.tables {
        assert_eq!(
            after.tables.get(table),
            Some(items),
            "table {table} changed"
        );
    }
    for (object, etag_size) in &before.objects {
        assert_eq!(
            after.objects.get(object),
            Some(etag_size),
            "object {object} changed or disappeared"
        );
    }
    let new_policy = &after.policies[bucket];
    let statements = new_policy["Statement"].as_array().unwrap();
    for kept in policy["Statement"].as_array().unwrap() {
        assert!(
            statements.contains(kept),
            "statement {kept} is not in the new policy {new_policy}"
        );
    }
    assert_eq!(new_policy["Id"], "kept-as-it-is");
    assert_eq!(new_policy["Version"], "2012-10-17");
    let sids: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert!(
        sids.contains(&"DdbFerryExportFromSourceAccount2"),
        "ours took the next free Sid: {sids:?}"
    );
    assert_eq!(after.tables["dest/orders-copy"].len(), 40);

    // The security review's checks, as coded warnings (this bucket has neither).
    let events = json_events(&out);
    let codes: Vec<&str> = events_named(&events, "warning")
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"bucket-public-access-not-blocked"),
        "{codes:?}"
    );
    assert!(codes.contains(&"bucket-no-default-encryption"), "{codes:?}");
    let facts = events_named(&events, "info")
        .filter_map(|e| e["message"].as_str())
        .find(|m| m.contains("point-in-time recovery"))
        .expect("preflight tells the source's encryption and PITR");
    assert!(
        facts.contains("DynamoDB-owned key") && facts.contains("DISABLED"),
        "{facts}"
    );

    // The policy step once more: nothing to add, no call.
    edit_journal(&emu, |j| {
        j["step"] = json!("bucket");
        j["state"] = json!("running");
        j["bucket"]["policy_done"] = json!(false);
    });
    let again = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let again_events = json_events(&again);
    assert!(
        !events_named(&again_events, "call").any(|e| e["operation"] == "s3:PutBucketPolicy"),
        "the second policy step made no call"
    );
    assert_eq!(&world(&emu).await.policies[bucket], new_policy);
    assert_eq!(imports(&dst, "orders-copy").await, 1, "no second import");
}

/// A bucket with Block Public Access and default encryption gets no security warning.
#[tokio::test(flavor = "multi_thread")]
async fn a_hardened_bucket_gets_no_security_warning() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 3).await;
    let s3 = emu.s3("dest", "us-east-1").await;
    let bucket = "ferry-hardened";
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::Aes256)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let plan_file = emu.plan("plan.json", &plan(bucket, "orders-copy"));
    let out = emu.run(&["run", "--dry-run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    assert!(
        !events_named(&events, "warning")
            .any(|e| e["code"].as_str().is_some_and(|c| c.starts_with("bucket-"))),
        "{}",
        text(&out)
    );
}

/// No code path of ddb-ferry can delete: the SDK calls that delete do not appear in it.
#[test]
fn the_source_has_no_delete_call() {
    let calls = [
        ".delete_table(",
        ".delete_item(",
        ".delete_backup(",
        ".delete_bucket(",
        ".delete_bucket_policy(",
        ".delete_object(",
        ".delete_objects(",
        ".delete_public_access_block(",
        ".delete_bucket_encryption(",
        ".delete_resource_policy(",
    ];
    let mut found = Vec::new();
    for file in files_under(&repo_root().join("src")) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let code = std::fs::read_to_string(&file).unwrap();
        for call in calls {
            if code.contains(call) {
                found.push(format!("{}: {call}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "delete calls in the source: {found:?}");
}

async fn imports(dst: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    dst.list_imports()
        .table_arn(format!(
            "arn:aws:dynamodb:us-east-1:222222222222:table/{table}"
        ))
        .send()
        .await
        .unwrap()
        .import_summary_list()
        .len()
}

/// A table with the new table's name that appears after the export (between preflight and
/// the import) is refused, and never written to.
#[tokio::test(flavor = "multi_thread")]
async fn a_destination_table_that_appears_later_is_never_written_to() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 20).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-late", "orders-copy"));
    let pf = plan_file.to_str().unwrap().to_owned();
    let (mut child, seen) = emu.spawn_until(&["run", "--json", &pf], |e| {
        e["event"] == "step_started" && e["step"] == "key_check"
    });
    assert!(seen);
    child.kill().unwrap();
    child.wait().unwrap();
    let dst = emu.dynamo("dest", None).await;
    create_source_table(&dst, "orders-copy").await;
    let theirs: Vec<_> = (500..503).map(varied_item).collect();
    put_items(&dst, "orders-copy", theirs).await;
    let before: Vec<String> = scan_all(&dst, "orders-copy")
        .await
        .iter()
        .map(|i| Value::Object(ddb_ferry::aws::attr::item_to_json(i)).to_string())
        .collect();

    let out = emu.run(&["run", "--json", &pf]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_explained(&failure(&out), "table-exists");
    let after: Vec<String> = scan_all(&dst, "orders-copy")
        .await
        .iter()
        .map(|i| Value::Object(ddb_ferry::aws::attr::item_to_json(i)).to_string())
        .collect();
    assert_eq!(before, after, "the existing table was written to");
    assert_eq!(
        imports(&dst, "orders-copy").await,
        0,
        "no import was started"
    );
}

/// The failures of the catalogue the emulator can produce, each with its code and its three
/// lines, and each before anything it would spoil.
#[tokio::test(flavor = "multi_thread")]
async fn the_failures_the_emulator_can_produce_are_explained() {
    let emu = Emulator::start(Knobs::default());
    let src = seed(&emu, 12).await;
    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

    // A KMS key of another region than the bucket: refused in preflight, nothing changed.
    let mut p = plan("ferry-kms", "copy-kms");
    p["export"] = json!({"encryption": {"type": "SSE_KMS",
        "kms_key": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}});
    let out = emu.run(&["run", "--json", emu.plan("kms.json", &p).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_explained(&failure(&out), "kms-key-other-region");
    assert!(!pitr_enabled(&src, TABLE).await, "PITR untouched");

    // An export time before PITR was turned on: refused before the export.
    let mut p = plan("ferry-time", "copy-time");
    p["export"] = json!({"export_time": "2020-01-01T00:00:00Z"});
    let out = emu.run(&["run", "--json", emu.plan("time.json", &p).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_explained(&failure(&out), "export-time-outside-window");
    assert_eq!(export_count(&src, arn).await, 0, "no export was started");

    // A bucket that belongs to another account, without `destination.bucket_owner`: the
    // export job finds no such bucket in the destination account.
    let src_s3 = emu.s3("source", "us-east-1").await;
    src_s3
        .create_bucket()
        .bucket("ferry-someone-elses")
        .send()
        .await
        .unwrap();
    let out = emu.run(&[
        "run",
        "--json",
        emu.plan("owner.json", &plan("ferry-someone-elses", "copy-owner"))
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let f = failure(&out);
    assert_explained(&f, "export-bucket-not-found");
    assert!(f["next"]
        .as_str()
        .unwrap()
        .contains("destination.bucket_owner"));

    // Nothing listens at the endpoint.
    let out = emu.run(&[
        "run",
        "--json",
        "--endpoint-url",
        "http://127.0.0.1:9",
        emu.plan("refused.json", &plan("ferry-refused", "copy-refused"))
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_explained(&failure(&out), "endpoint-unreachable");

    // A source with a local secondary index: a coded warning with the way around it.
    use aws_sdk_dynamodb::types::*;
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    let def = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    src.create_table()
        .table_name("with-lsi")
        .attribute_definitions(def("pk"))
        .attribute_definitions(def("sk"))
        .attribute_definitions(def("at"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by-at")
                .key_schema(key("pk", KeyType::Hash))
                .key_schema(key("at", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let mut p = plan("ferry-lsi", "copy-lsi");
    p["source"]["table"] = json!("with-lsi");
    let out = emu.run(&[
        "run",
        "--dry-run",
        "--json",
        emu.plan("lsi.json", &p).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    let lsi = events_named(&events, "warning")
        .find(|e| e["code"] == "lsi-not-carried")
        .expect("the LSI warning");
    assert!(
        lsi["next"].as_str().unwrap().contains("table.gsis"),
        "{lsi}"
    );
    assert!(text(&out).contains("warning [lsi-not-carried]") || lsi["why"].is_string());
}

/// The import's data folder emptied (or given stray files) before the import — as when the
/// wizard is pointed at another folder: refused before ImportTable, which would otherwise
/// create an empty table and report success.
#[tokio::test(flavor = "multi_thread")]
async fn an_import_prefix_with_nothing_to_import_is_refused() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 10).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-empty", "copy-empty"));
    let pf = plan_file.to_str().unwrap().to_owned();
    let (mut child, seen) = emu.spawn_until(&["run", "--json", &pf], |e| {
        e["event"] == "step_started" && e["step"] == "key_check"
    });
    assert!(seen);
    child.kill().unwrap();
    child.wait().unwrap();
    edit_journal(&emu, |j| {
        j["step"] = json!("import");
        j["data_folder"]["prefix"] = json!("ddb-ferry/nothing-here/data/");
    });
    let out = emu.run(&["run", "--json", &pf]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_explained(&failure(&out), "import-prefix-empty");

    let s3 = emu.s3("dest", "us-east-1").await;
    s3.put_object()
        .bucket("ferry-empty")
        .key("ddb-ferry/nothing-here/data/notes.txt")
        .body(ByteStream::from_static(b"not an export file"))
        .send()
        .await
        .unwrap();
    let out = emu.run(&["run", "--json", &pf]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_explained(&failure(&out), "non-data-objects");
    let dst = emu.dynamo("dest", None).await;
    assert!(
        !table_exists(&dst, "copy-empty").await,
        "no table was created"
    );
}

/// A migration run with recognisable credentials — static keys with a session token for the
/// source profile, which the destination's role profile uses to assume its role — at the
/// most verbose log level: neither the secret key nor any session token (the static one, or
/// the role's, read off the wire) appears in any file ddb-ferry wrote or in anything it
/// printed: validate, dry run, run (text and --json), status, resume. The files are 0600 in
/// 0700 folders.
#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_a_file_or_the_output() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 8).await;
    let secret = "FerrySecretKey-3c9d-DO-NOT-LEAK-0123456789";
    let token = "FerrySessionToken-7e21-DO-NOT-LEAK-abcdefghijklmnop";
    std::fs::write(
        &emu.credentials_file,
        format!(
            "[source]\naws_access_key_id = AKIAFERRYLEAKCHECK02\naws_secret_access_key = {secret}\naws_session_token = {token}\n"
        ),
    )
    .unwrap();
    let proxy = Proxy::start(&emu.url);
    proxy.record();
    let url = proxy.url();
    let plan_file = emu.plan("plan.json", &plan("ferry-leak", "orders-copy"));
    let pf = plan_file.to_str().unwrap();
    let mut outputs = Vec::new();
    let mut ferry = |args: &[&str]| {
        let out = emu
            .ferry()
            .env("RUST_LOG", "trace")
            .args(args)
            .output()
            .unwrap();
        outputs.push((args.join(" "), text(&out)));
        out
    };
    assert_eq!(ferry(&["validate", pf]).status.code(), Some(0));
    assert_eq!(
        ferry(&["run", "--dry-run", "--endpoint-url", &url, pf])
            .status
            .code(),
        Some(0)
    );
    let run = ferry(&["run", "--json", "--endpoint-url", &url, pf]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let id = json_events(&run)[0]["migration_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        vec!["run", "--endpoint-url", &url, pf],
        vec!["status"],
        vec!["status", "--json"],
        vec!["resume", "--json", &id],
    ] {
        assert_eq!(ferry(&args).status.code(), Some(0));
    }

    // The role's temporary credentials, as STS returned them through the proxy.
    let wire = proxy.recorded();
    let between = |open: &str, close: &str| -> Vec<String> {
        wire.split(open)
            .skip(1)
            .filter_map(|s| s.split(close).next().map(str::to_owned))
            .collect()
    };
    let mut needles: Vec<String> = vec![secret.into(), token.into()];
    let assumed_secrets = between("<SecretAccessKey>", "</SecretAccessKey>");
    let assumed_tokens = between("<SessionToken>", "</SessionToken>");
    assert!(
        !assumed_secrets.is_empty() && !assumed_tokens.is_empty(),
        "the role was assumed through the proxy"
    );
    needles.extend(assumed_secrets);
    needles.extend(assumed_tokens);
    needles.sort();
    needles.dedup();

    let written = files_under(&emu.state_dir);
    for wanted in [".summary.md", "ddb-ferry.log", ".lock"] {
        assert!(
            written
                .iter()
                .any(|p| p.to_string_lossy().ends_with(wanted)),
            "{wanted} was written"
        );
    }
    let log = written
        .iter()
        .find(|p| p.to_string_lossy().ends_with("ddb-ferry.log"))
        .unwrap();
    assert!(
        std::fs::metadata(log).unwrap().len() > 10_000,
        "the trace log has something to search"
    );
    let mut found = Vec::new();
    for file in &written {
        let content = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        for n in &needles {
            if content.contains(n.as_str()) {
                found.push(format!("{} holds {n}", file.display()));
            }
        }
    }
    for (command, printed) in &outputs {
        for n in &needles {
            if printed.contains(n.as_str()) {
                found.push(format!("`ddb-ferry {command}` printed {n}"));
            }
        }
    }
    eprintln!(
        "secrets: {} found ({} secrets searched in {} files and {} outputs)",
        found.len(),
        needles.len(),
        written.len(),
        outputs.len()
    );
    assert!(found.is_empty(), "{found:#?}");

    // Private files in private folders.
    for file in &written {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
        let dir = file.parent().unwrap();
        let dmode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(dmode, 0o700, "{} is {dmode:o}", dir.display());
    }
    let top = std::fs::metadata(&emu.state_dir)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(top, 0o700);
}
