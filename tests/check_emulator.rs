//! `ddb-ferry exports` and `ddb-ferry check` against the local emulator, on exports written
//! into its bucket in real AWS's layout (`<prefix>/AWSDynamoDB/<id>/` with manifests, md5
//! files, `_started` and `data/`), DynamoDB JSON and Ion — moto writes neither the layout
//! nor Ion, so the tests put the objects there themselves with the SDK. Each test checks the
//! text and the `--json` output of the built binary.

mod support;

use std::io::Write;

use ddb_ferry::aws::attr::item_to_json;
use ddb_ferry::logic::ion::to_ion_line;
use ddb_ferry::logic::manifest::md5_base64;
use serde_json::{json, Value};
use support::*;

const BUCKET: &str = "ferry-check";
const EXPORT_ID: &str = "01700000000000-abcdef12";

fn gz(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

/// Item `i` as an export line: `{"Item":{...}}` with every attribute type.
fn json_line(i: usize) -> String {
    json!({ "Item": item_to_json(&varied_item(i)) }).to_string()
}

fn lines(range: std::ops::Range<usize>) -> String {
    range.map(|i| json_line(i) + "\n").collect()
}

/// One data file of an export: name (without the folder), content as stored, and the item
/// count the manifest gives for it.
struct DataFile {
    name: String,
    stored: Vec<u8>,
    manifest_items: u64,
}

fn data_file(name: &str, text: &str, manifest_items: u64) -> DataFile {
    DataFile {
        name: name.into(),
        stored: gz(text),
        manifest_items,
    }
}

struct Export {
    prefix: String,
    format: &'static str,
    files: Vec<DataFile>,
    /// Extra objects under the export folder (path inside it, content).
    extra: Vec<(String, Vec<u8>)>,
    incremental: bool,
    manifests: bool,
}

impl Export {
    fn new(prefix: &str, files: Vec<DataFile>) -> Self {
        Export {
            prefix: prefix.into(),
            format: "DYNAMODB_JSON",
            files,
            extra: vec![],
            incremental: false,
            manifests: true,
        }
    }

    fn root(&self) -> String {
        format!("{}/AWSDynamoDB/{EXPORT_ID}/", self.prefix)
    }

    /// Writes the export as AWS does: `_started`, the data files, then the manifests.
    async fn put(&self, s3: &aws_sdk_s3::Client) {
        let root = self.root();
        put(s3, &format!("{root}_started"), vec![]).await;
        let mut files_manifest = String::new();
        for f in &self.files {
            let key = format!("{root}data/{}", f.name);
            put(s3, &key, f.stored.clone()).await;
            files_manifest.push_str(
                &json!({
                    "itemCount": f.manifest_items,
                    "md5Checksum": md5_base64(&f.stored),
                    "etag": "0",
                    "dataFileS3Key": key,
                })
                .to_string(),
            );
            files_manifest.push('\n');
        }
        for (path, content) in &self.extra {
            put(s3, &format!("{root}{path}"), content.clone()).await;
        }
        if !self.manifests {
            return;
        }
        let total: u64 = self.files.iter().map(|f| f.manifest_items).sum();
        let mut summary = json!({
            "version": "2020-06-30",
            "exportArn": format!("arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/{EXPORT_ID}"),
            "startTime": "2026-11-23T10:00:00.000Z",
            "endTime": "2026-11-23T10:09:00.000Z",
            "tableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            "tableId": "5c0f7a1e-2b8d-4c5e-9f6a-0d3b2e1c4a7f",
            "exportTime": "2026-11-23T10:00:00.000Z",
            "s3Bucket": BUCKET,
            "s3Prefix": self.prefix,
            "s3SseAlgorithm": "AES256",
            "s3SseKmsKeyId": null,
            "manifestFilesS3Key": format!("{root}manifest-files.json"),
            "billedSizeBytes": 123456,
            "itemCount": total,
            "outputFormat": self.format,
        });
        if self.incremental {
            summary["exportType"] = json!("INCREMENTAL_EXPORT");
            summary["outputView"] = json!("NEW_AND_OLD_IMAGES");
        }
        let summary = summary.to_string();
        put(
            s3,
            &format!("{root}manifest-files.json"),
            files_manifest.clone().into_bytes(),
        )
        .await;
        put(
            s3,
            &format!("{root}manifest-files.md5"),
            md5_base64(files_manifest.as_bytes()).into_bytes(),
        )
        .await;
        put(
            s3,
            &format!("{root}manifest-summary.json"),
            summary.clone().into_bytes(),
        )
        .await;
        put(
            s3,
            &format!("{root}manifest-summary.md5"),
            md5_base64(summary.as_bytes()).into_bytes(),
        )
        .await;
    }
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
    s3.put_object()
        .bucket(BUCKET)
        .key(key)
        .body(body.into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

async fn emulator_with_bucket() -> (Emulator, aws_sdk_s3::Client) {
    let emu = Emulator::start(Knobs::default());
    let s3 = emu.s3("dest", "us-east-1").await;
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    (emu, s3)
}

fn check_args<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "check",
        url,
        "--key",
        "pk:S",
        "--key",
        "sk:N",
        "--gsi",
        "by-status:status:S",
        "--profile",
        "dest",
    ];
    args.extend_from_slice(extra);
    args
}

fn json_out(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", text(out)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_export_with_several_files_one_empty() {
    let (emu, s3) = emulator_with_bucket().await;
    let export = Export::new(
        "exports/orders",
        vec![
            data_file("aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz", &lines(0..400), 400),
            data_file("bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz", &lines(400..1000), 600),
            data_file("cccccccccccccccccccccccccc.json.gz", "", 0),
        ],
    );
    export.put(&s3).await;

    let out = emu.run(&[
        "exports",
        &format!("s3://{BUCKET}/exports/"),
        "--profile",
        "dest",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains(EXPORT_ID) && t.contains("complete"), "{t}");
    assert!(
        t.contains(&format!(
            "import from:  s3://{BUCKET}/{}data/",
            export.root()
        )),
        "{t}"
    );
    assert!(t.contains("DYNAMODB_JSON, full"), "{t}");
    assert!(t.contains("items:        1000"), "{t}");
    assert!(t.contains("data files:   3"), "{t}");
    assert!(!t.contains("CANNOT"), "{t}");

    let out = emu.run(&[
        "exports",
        &format!("s3://{BUCKET}"),
        "--profile",
        "dest",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json_out(&out);
    let e = &j["exports"][0];
    assert_eq!(e["state"], "complete");
    assert_eq!(e["item_count"], 1000);
    assert_eq!(e["export_type"], "FULL_EXPORT");
    assert_eq!(
        e["table_arn"],
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    );
    assert_eq!(e["data_files"], 3);
    assert_eq!(e["not_importable"], Value::Null);
    assert_eq!(e["manifest_problems"], json!([]));

    // The export folder, its data folder and the prefix above it all name the same data.
    for url in [
        format!("s3://{BUCKET}/{}", export.root()),
        format!("s3://{BUCKET}/{}data/", export.root()),
        format!("s3://{BUCKET}/exports/"),
    ] {
        let out = emu.run(&check_args(&url, &[]));
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{url}: {t}");
        assert!(t.contains("Reading 3 data file(s)"), "{t}");
        assert!(t.contains("through the endpoint"), "{t}");
        assert!(t.contains("empty (normal)"), "{t}");
        assert!(t.contains("Result: OK"), "{t}");
        assert!(t.contains("1000 items"), "{t}");
    }

    let url = format!("s3://{BUCKET}/exports/");
    let out = emu.run(&check_args(&url, &["--json", "--threads", "2"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json_out(&out);
    assert_eq!(j["passed"], true);
    assert_eq!(j["items"], 1000);
    assert_eq!(j["problems"], 0);
    assert_eq!(j["files"][0]["items"], 400);
    assert_eq!(j["files"][0]["manifest_items"], 400);
    assert_eq!(j["files"][1]["items"], 600);
    assert_eq!(j["empty_files"].as_array().unwrap().len(), 1);
    assert_eq!(j["export"]["export_id"], EXPORT_ID);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Reading 3 data file(s)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn key_problems_are_found_with_file_line_and_spelling() {
    let (emu, s3) = emulator_with_bucket().await;
    let mut text_lines: Vec<String> = (0..300).map(json_line).collect();
    // Line 11: no sort key. Line 21: "PK" instead of "pk". Line 31: the sort key as a
    // string. Line 41: the index key as a number.
    let mut item = item_to_json(&varied_item(10));
    item.remove("sk");
    text_lines[10] = json!({ "Item": item }).to_string();
    let mut item = item_to_json(&varied_item(20));
    let pk = item.remove("pk").unwrap();
    item.insert("PK".into(), pk);
    text_lines[20] = json!({ "Item": item }).to_string();
    let mut item = item_to_json(&varied_item(30));
    item.insert("sk".into(), json!({"S": "30"}));
    text_lines[30] = json!({ "Item": item }).to_string();
    let mut item = item_to_json(&varied_item(41));
    item.insert("status".into(), json!({"N": "7"}));
    text_lines[40] = json!({ "Item": item }).to_string();
    Export::new(
        "exports/keys",
        vec![
            data_file(
                "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz",
                &lines(1000..1100),
                100,
            ),
            data_file(
                "bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz",
                &(text_lines.join("\n") + "\n"),
                300,
            ),
        ],
    )
    .put(&s3)
    .await;
    let url = format!("s3://{BUCKET}/exports/keys/");

    let out = emu.run(&check_args(&url, &[]));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("Key problems: 3"), "{t}");
    assert!(
        t.contains("The export's items have the key \"PK\", but the new table's partition key is \"pk\". Key names are case-sensitive: use \"PK\"."),
        "{t}"
    );
    assert!(t.contains("1 of 400 items have no attribute \"sk\" (first on line 11 of data/bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz)"), "{t}");
    assert!(t.contains("sort key \"sk\" is a number (N), but line 31 of data/bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz holds it as a string (S)"), "{t}");
    assert!(
        t.contains("data/bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz line 21: {\"Item\""),
        "{t}"
    );
    assert!(t.contains("Index key problems: 1"), "{t}");
    assert!(
        t.contains("attribute \"status\" (key of index \"by-status\") has type N, not S"),
        "{t}"
    );
    assert!(t.contains("line 41"), "{t}");
    assert!(t.contains("Result: 4 problem(s) found"), "{t}");

    let out = emu.run(&check_args(&url, &["--json"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let j = json_out(&out);
    assert_eq!(j["passed"], false);
    assert_eq!(j["items"], 400);
    let problems = j["key_problems"].as_array().unwrap();
    let find = |kind: &str| {
        problems
            .iter()
            .find(|p| p["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {problems:?}"))
    };
    assert_eq!(find("missing")["name"], "sk");
    assert_eq!(find("missing")["examples"][0]["line"], 11);
    assert_eq!(find("wrong-case")["use"], "PK");
    assert_eq!(find("wrong-case")["examples"][0]["line"], 21);
    assert_eq!(find("wrong-type")["found"], "S");
    assert_eq!(find("wrong-type")["examples"][0]["line"], 31);
    assert!(find("wrong-type")["examples"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz"));
    assert_eq!(j["gsi_problems"][0]["problem"]["attr"], "status");
    assert_eq!(j["gsi_problems"][0]["examples"][0]["line"], 41);
}

#[tokio::test(flavor = "multi_thread")]
async fn damaged_data_stray_objects_and_a_manifest_that_disagrees() {
    let (emu, s3) = emulator_with_bucket().await;
    let mut bad: Vec<String> = (0..50).map(json_line).collect();
    bad[4] = "{\"Item\":{\"pk\":{\"S\":\"cut".into();
    bad[9] = "not json at all".into();
    let whole = gz(&lines(100..400));
    let mut export = Export::new(
        "exports/damaged",
        vec![
            data_file(
                "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz",
                &(bad.join("\n") + "\n"),
                50,
            ),
            // The manifest says 10 items; the file holds 12.
            data_file("bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz", &lines(500..512), 10),
            DataFile {
                name: "cccccccccccccccccccccccccc.json.gz".into(),
                stored: whole[..whole.len() / 2].to_vec(),
                manifest_items: 300,
            },
        ],
    );
    export
        .extra
        .push(("data/notes.txt".into(), b"moved here by hand".to_vec()));
    export.put(&s3).await;
    let url = format!("s3://{BUCKET}/exports/damaged/");

    let out = emu.run(&["exports", &url, "--profile", "dest"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("not a data file under data/"), "{t}");
    assert!(t.contains("CANNOT BE IMPORTED"), "{t}");

    let out = emu.run(&check_args(&url, &["--show", "1"]));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("Unreadable lines: 2 (first 1 shown)"), "{t}");
    assert!(
        t.contains("data/aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz line 5: the line is not valid JSON"),
        "{t}"
    );
    assert!(!t.contains("line 10:"), "only the first is shown: {t}");
    assert!(t.contains("UNREADABLE: the gzip data is cut short"), "{t}");
    assert!(t.contains("Manifest: data/bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz holds 12 items but the manifest says 10"), "{t}");
    assert!(t.contains("Objects that are not data files: 1"), "{t}");
    assert!(t.contains("data/notes.txt"), "{t}");

    let out = emu.run(&check_args(&url, &["--json"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let j = json_out(&out);
    assert_eq!(j["unreadable_lines"]["count"], 2);
    let examples = j["unreadable_lines"]["examples"].as_array().unwrap();
    assert_eq!(examples[0]["line"], 5);
    assert_eq!(examples[1]["line"], 10);
    assert_eq!(examples[1]["excerpt"], "not json at all");
    assert!(j["files"][2]["error"]
        .as_str()
        .unwrap()
        .contains("cut short"));
    let disagreements = j["manifest_disagreements"].as_array().unwrap();
    assert!(
        disagreements.contains(&json!({"kind": "file-items", "file": format!("{}data/bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz", export.root()), "manifest": 10, "counted": 12})),
        "{disagreements:?}"
    );
    // The damaged file holds 48 readable items of the 50 the manifest lists.
    assert!(disagreements
        .iter()
        .any(|d| d["counted"] == 48 && d["manifest"] == 50));
    assert!(j["non_data_objects"][0]["key"]
        .as_str()
        .unwrap()
        .ends_with("data/notes.txt"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ion_export() {
    let (emu, s3) = emulator_with_bucket().await;
    let ion = |range: std::ops::Range<usize>| -> String {
        range
            .map(|i| to_ion_line(&item_to_json(&varied_item(i))).unwrap() + "\n")
            .collect()
    };
    let mut wrong = item_to_json(&varied_item(7));
    wrong.insert("sk".into(), json!({"S": "seven"}));
    let mut second = ion(200..300);
    second.push_str(&to_ion_line(&wrong).unwrap());
    second.push('\n');
    let mut export = Export::new(
        "exports/ion",
        vec![
            data_file("aaaaaaaaaaaaaaaaaaaaaaaaaa.ion.gz", &ion(0..200), 200),
            data_file("bbbbbbbbbbbbbbbbbbbbbbbbbb.ion.gz", &second, 101),
            data_file("cccccccccccccccccccccccccc.ion.gz", "", 0),
        ],
    );
    export.format = "ION";
    export.put(&s3).await;
    let url = format!("s3://{BUCKET}/exports/ion/");

    let out = emu.run(&["exports", &url, "--profile", "dest"]);
    let t = text(&out);
    assert!(t.contains("format:       ION, full"), "{t}");

    let out = emu.run(&check_args(&url, &[]));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("sort key \"sk\" is a number (N), but line 101 of data/bbbbbbbbbbbbbbbbbbbbbbbbbb.ion.gz holds it as a string (S)"), "{t}");
    assert!(t.contains("301 items"), "{t}");
    assert!(!t.contains("Unreadable"), "{t}");

    let out = emu.run(&check_args(&url, &["--json"]));
    let j = json_out(&out);
    assert_eq!(j["items"], 301);
    assert_eq!(j["files"][0]["format"], "ION");
    assert_eq!(j["key_problems"][0]["kind"], "wrong-type");
    assert_eq!(j["key_problems"][0]["count"], 1);
    assert_eq!(j["unreadable_lines"]["count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn running_and_incremental_exports_and_a_prefix_with_two() {
    let (emu, s3) = emulator_with_bucket().await;
    let mut running = Export::new(
        "exports/running",
        vec![data_file(
            "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz",
            &lines(0..5),
            5,
        )],
    );
    running.manifests = false;
    running.put(&s3).await;
    let mut incremental = Export::new(
        "exports/incremental",
        vec![data_file(
            "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz",
            &(0..5)
                .map(|i| {
                    json!({"Metadata": {"WriteTimestampMicros": {"N": "1"}}, "Keys": {"pk": {"S": i.to_string()}}, "NewImage": item_to_json(&varied_item(i))})
                        .to_string()
                        + "\n"
                })
                .collect::<String>(),
            5,
        )],
    );
    incremental.incremental = true;
    incremental.put(&s3).await;

    let out = emu.run(&[
        "exports",
        &format!("s3://{BUCKET}/exports/"),
        "--profile",
        "dest",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("2 export(s)"), "{t}");
    assert!(t.contains("no manifest (still running"), "{t}");
    assert!(
        t.contains("CANNOT BE IMPORTED: it is an incremental export"),
        "{t}"
    );
    let j = json_out(&emu.run(&[
        "exports",
        &format!("s3://{BUCKET}/exports/"),
        "--profile",
        "dest",
        "--json",
    ]));
    let states: Vec<&str> = j["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["complete", "no-manifest"]);
    assert_eq!(j["exports"][0]["export_type"], "INCREMENTAL_EXPORT");

    // Two exports under one prefix: the check asks for one.
    let out = emu.run(&check_args(&format!("s3://{BUCKET}/exports/"), &[]));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("several-exports") && t.contains("2 exports"),
        "{t}"
    );

    // The incremental export's lines are change records: every line is refused, and why.
    let out = emu.run(&check_args(
        &format!("s3://{BUCKET}/exports/incremental/"),
        &[],
    ));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("This export cannot be imported: it is an incremental export"),
        "{t}"
    );
    assert!(t.contains("Unreadable lines: 5"), "{t}");
    assert!(
        t.contains("incremental export, which cannot be imported"),
        "{t}"
    );

    // A bad URL and a missing bucket.
    let out = emu.run(&check_args("ferry-check/x", &[]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = emu.run(&check_args("s3://no-such-bucket-here/x", &[]));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}

/// The engine's key check reads Ion exports with the same checker: an Ion export (the
/// emulator's data file, replaced by Ion lines while the export is still "running") with
/// the key spelled "pk" stops a plan that says "PK" before the import, with the right
/// spelling.
#[tokio::test(flavor = "multi_thread")]
async fn the_engine_checks_the_keys_of_an_ion_export() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 8.0,
        ..Knobs::default()
    });
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..50).map(varied_item).collect()).await;
    let plan = emu.plan(
        "plan.json",
        &json!({
            "source": {"profile": "source", "table": "orders"},
            "destination": {"profile": "dest", "bucket": "ferry-ion"},
            "export": {"format": "ION"},
            "table": {
                "name": "orders-copy",
                "partition_key": {"name": "PK", "type": "S"},
                "sort_key": {"name": "sk", "type": "N"}
            }
        }),
    );
    let (mut child, started) = emu.spawn_until(&["run", "--json", plan.to_str().unwrap()], |e| {
        e["event"] == "job_started" && e["job"] == "export"
    });
    assert!(started, "the export did not start");

    // The emulator wrote DynamoDB JSON; put the same items there as Ion, as AWS would.
    let s3 = emu.s3("dest", "us-east-1").await;
    let mut data_key = None;
    for _ in 0..50 {
        let listed = s3
            .list_objects_v2()
            .bucket("ferry-ion")
            .send()
            .await
            .unwrap();
        data_key = listed
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .find(|k| k.contains("/data/") && k.ends_with(".gz"))
            .map(str::to_owned);
        if data_key.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let data_key = data_key.expect("the export's data file");
    // One Ion item lacks its sort key, so the answer shows that the Ion data was read.
    let ion: String = (0..50)
        .map(|i| {
            let mut item = item_to_json(&varied_item(i));
            if i == 7 {
                item.remove("sk");
            }
            to_ion_line(&item).unwrap() + "\n"
        })
        .collect();
    s3.put_object()
        .bucket("ferry-ion")
        .key(&data_key)
        .body(gz(&ion).into())
        .send()
        .await
        .unwrap();

    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let journal_file = std::fs::read_dir(emu.state_dir.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let j: Value = serde_json::from_slice(&std::fs::read(journal_file).unwrap()).unwrap();
    assert_eq!(j["failure"]["code"], "key-mismatch", "{j}");
    assert!(
        j["failure"]["why"].as_str().unwrap().contains("use \"pk\""),
        "{}",
        j["failure"]
    );
    assert!(
        j["failure"]["why"]
            .as_str()
            .unwrap()
            .contains("1 of 50 sampled items have no attribute \"sk\" (first on line 8 of data/"),
        "{}",
        j["failure"]
    );
    assert_eq!(j["key_check"]["items_checked"], 50);
    assert!(j["import"].is_null(), "no import was started");
}

/// A download cut mid-body (a connection reset after 20,000 bytes of the answer) resumes with
/// a ranged GET from the byte reached: the check reads every item once, and says nothing of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_download_cut_mid_body_resumes_where_it_stopped() {
    use support::proxy::{Fault, Proxy};
    let (emu, s3) = emulator_with_bucket().await;
    Export::new(
        "exports/cut",
        vec![data_file(
            "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz",
            &lines(0..3000),
            3000,
        )],
    )
    .put(&s3)
    .await;
    let proxy = Proxy::start(&emu.url);
    proxy.set(Fault::Reset {
        after_bytes: 20_000,
        every: 0,
        once_each: vec!["aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz".into()],
    });
    let url = format!("s3://{BUCKET}/exports/cut/");
    let endpoint = proxy.url();
    let out = emu.run(&check_args(&url, &["--endpoint-url", &endpoint, "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json_out(&out);
    assert_eq!(j["items"], 3000);
    assert_eq!(j["files"][0]["items"], 3000);
    assert_eq!(j["unreadable_lines"]["count"], 0);
    assert_eq!(proxy.resets(), 1, "the download was cut once");
    let log = std::fs::read_to_string(emu.state_dir.join("logs/ddb-ferry.log")).unwrap_or_default();
    assert!(
        log.contains("resuming"),
        "the reader resumed the body itself: {log}"
    );
}

/// The emulator's ListExports, as AWS answers it: without `TableArn` it lists every export of
/// the account, `MaxResults` (at most 25) a page with a `NextToken` (plain moto requires
/// `TableArn` and answers everything at once). Watching many jobs relies on these pages.
#[tokio::test(flavor = "multi_thread")]
async fn list_exports_pages_and_needs_no_table() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    let s3 = emu.s3("source", "us-east-1").await;
    s3.create_bucket()
        .bucket("ferry-pages")
        .send()
        .await
        .unwrap();
    let mut arns = Vec::new();
    for table in ["pages-a", "pages-b"] {
        create_source_table(&src, table).await;
        turn_on_pitr(&src, table).await;
        let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}");
        for i in 0..14 {
            src.export_table_to_point_in_time()
                .table_arn(&arn)
                .s3_bucket("ferry-pages")
                .s3_prefix(format!("{table}/{i}"))
                .send()
                .await
                .expect("an export");
        }
        arns.push(arn);
    }
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = src
            .list_exports()
            .max_results(10)
            .set_next_token(token.take())
            .send()
            .await
            .expect("ListExports without TableArn");
        pages.push(out.export_summaries().len());
        match out.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, [10, 10, 8], "28 exports of two tables, 10 a page");
    assert_eq!(
        export_count(&src, &arns[0]).await,
        14,
        "TableArn still filters"
    );
    let capped = src.list_exports().max_results(100).send().await;
    assert!(
        capped.is_err() || capped.unwrap().export_summaries().len() <= 25,
        "a page holds at most 25"
    );
}
