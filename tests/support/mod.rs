//! Test support: a private local AWS emulator per test (moto with two accounts through STS),
//! the built binary run against it, and SDK clients to seed and inspect both accounts.
//!
//! The emulator is required: if it cannot be installed or started the test fails loudly,
//! in CI and locally alike — a skipped integration test would prove nothing.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, PutRequest, ScalarAttributeType, WriteRequest,
};

pub mod backup;
pub mod proxy;
pub mod pty;

/// The caller's AWS settings, never passed to the binary under test.
pub const AWS_ENV_VARS: [&str; 11] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_STS",
];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running emulator, stopped when dropped.
pub struct Emulator {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub config_file: PathBuf,
    pub credentials_file: PathBuf,
    pub state_dir: PathBuf,
    /// The emulator's stats file, when started with `Knobs { stats: true, .. }`.
    pub stats_file: Option<PathBuf>,
}

/// Launcher knobs (see tests/README.md).
#[derive(Default, Clone)]
pub struct Knobs {
    pub export_delay_s: f64,
    pub import_delay_s: f64,
    pub real_layout: bool,
    pub data_files: u32,
    /// Seconds an AWS Backup backup, copy or restore job runs (launcher default: 3).
    pub backup_job_s: Option<f64>,
    pub copy_job_s: Option<f64>,
    pub restore_job_s: Option<f64>,
    /// An index every restore silently leaves out.
    pub restore_drop_index: Option<String>,
    /// At most this many exports (imports) IN_PROGRESS at once per account and Region; one more
    /// start call answers LimitExceededException (launcher default: no limit).
    pub export_limit: Option<u32>,
    pub import_limit: Option<u32>,
    /// The first N export and, separately, the first N import start calls answer
    /// LimitExceededException, whatever runs.
    pub limit_exceeded_first: Option<u32>,
    /// The emulator keeps a stats file (calls, running jobs, refusals) in its temp dir; read
    /// it with `Emulator::stats`.
    pub stats: bool,
    /// Further FERRY_EMU_* settings by name, for emulator features without a field here
    /// (catch-up's incremental exports: FERRY_EMU_MIN_INCREMENTAL_WINDOW_S,
    /// FERRY_EMU_RESTORABLE_LAG_S).
    pub emulator_env: Vec<(&'static str, String)>,
}

impl Emulator {
    pub fn start(knobs: Knobs) -> Emulator {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = repo_root().join("tests/emulator/local-aws");
        let mut command = Command::new(&script);
        let stats_file = knobs.stats.then(|| dir.path().join("stats.json"));
        for (var, value) in [
            (
                "FERRY_EMU_BACKUP_JOB_S",
                knobs.backup_job_s.map(|s| s.to_string()),
            ),
            (
                "FERRY_EMU_COPY_JOB_S",
                knobs.copy_job_s.map(|s| s.to_string()),
            ),
            (
                "FERRY_EMU_RESTORE_JOB_S",
                knobs.restore_job_s.map(|s| s.to_string()),
            ),
            (
                "FERRY_EMU_RESTORE_DROP_INDEX",
                knobs.restore_drop_index.clone(),
            ),
            (
                "FERRY_EMU_EXPORT_LIMIT",
                knobs.export_limit.map(|n| n.to_string()),
            ),
            (
                "FERRY_EMU_IMPORT_LIMIT",
                knobs.import_limit.map(|n| n.to_string()),
            ),
            (
                "FERRY_EMU_LIMIT_EXCEEDED_FIRST",
                knobs.limit_exceeded_first.map(|n| n.to_string()),
            ),
            (
                "FERRY_EMU_STATS_FILE",
                stats_file.as_ref().map(|p| p.display().to_string()),
            ),
        ] {
            match value {
                Some(v) => command.env(var, v),
                None => command.env_remove(var),
            };
        }
        for (var, value) in &knobs.emulator_env {
            command.env(var, value);
        }
        let out = command
            .arg("start")
            .arg("--state-dir")
            .arg(dir.path())
            .env("FERRY_EMU_EXPORT_DELAY_S", knobs.export_delay_s.to_string())
            .env("FERRY_EMU_IMPORT_DELAY_S", knobs.import_delay_s.to_string())
            .env(
                "FERRY_EMU_REAL_LAYOUT",
                if knobs.real_layout { "1" } else { "0" },
            )
            .env("FERRY_EMU_DATA_FILES", knobs.data_files.max(1).to_string())
            .stdin(Stdio::null())
            .output()
            .expect("run tests/emulator/local-aws");
        assert!(
            out.status.success(),
            "the local AWS emulator could not start (tests need it; run tests/emulator/local-aws install):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let var = |name: &str| -> String {
            stdout
                .lines()
                .find_map(|l| {
                    let l = l.trim_start_matches("export ");
                    l.strip_prefix(&format!("{name}="))
                        .map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_owned())
                })
                .unwrap_or_else(|| panic!("local-aws start did not print {name}: {stdout}"))
        };
        let state_dir = dir.path().join("ferry-state");
        Emulator {
            url: var("DDB_FERRY_EMULATOR_URL"),
            config_file: PathBuf::from(var("AWS_CONFIG_FILE")),
            credentials_file: PathBuf::from(var("AWS_SHARED_CREDENTIALS_FILE")),
            state_dir,
            stats_file,
            dir,
        }
    }

    /// The emulator's stats file, read as JSON: DynamoDB calls per account and operation,
    /// running and peak running exports and imports, refusals (see tests/README.md).
    pub fn stats(&self) -> serde_json::Value {
        let path = self
            .stats_file
            .as_ref()
            .expect("Emulator::stats: start the emulator with Knobs { stats: true, .. }");
        let bytes = std::fs::read(path)
            .unwrap_or_else(|e| panic!("read the emulator's stats file {}: {e}", path.display()));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "the emulator's stats file {} is not JSON: {e}",
                path.display()
            )
        })
    }

    /// The environment the binary and the SDK clients see: only the emulator's files.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "AWS_CONFIG_FILE".into(),
                self.config_file.display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials_file.display().to_string(),
            ),
            (
                "DDB_FERRY_STATE_DIR".into(),
                self.state_dir.display().to_string(),
            ),
            ("DDB_FERRY_CALL_TIMEOUT_SECS".into(), "20".into()),
        ]
    }

    /// A `Command` for the built binary with a clean AWS environment.
    pub fn ferry(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ddb-ferry"));
        for var in AWS_ENV_VARS {
            cmd.env_remove(var);
        }
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs `ddb-ferry ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.ferry().args(args).output().expect("run ddb-ferry")
    }

    /// Starts `ddb-ferry ARGS --json`-style and reads its events until `until` matches one;
    /// returns the still-running child (for the test to kill) and whether it matched.
    pub fn spawn_until(
        &self,
        args: &[&str],
        until: impl Fn(&serde_json::Value) -> bool,
    ) -> (std::process::Child, bool) {
        use std::io::{BufRead, BufReader};
        let mut child = self
            .ferry()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ddb-ferry");
        let stdout = child.stdout.take().expect("piped stdout");
        let matched = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| until(&serde_json::from_str(&line).unwrap_or_default()));
        (child, matched)
    }

    /// The journal of the (one) migration in the state folder, once it exists.
    pub fn journal_path(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.state_dir.join("migrations"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
    }

    /// That journal, read as JSON.
    pub fn journal(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&std::fs::read(self.journal_path()?).ok()?).ok()
    }

    /// `ddb-ferry status --json`: one JSON object per migration.
    pub fn status(&self) -> Vec<serde_json::Value> {
        json_events(&self.run(&["status", "--json"]))
    }

    /// Writes a plan file into the test's folder.
    pub fn plan(&self, name: &str, json: &serde_json::Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
        path
    }

    /// SDK configuration for a profile of the emulator's config files. The files are passed
    /// explicitly (not through the process environment, which parallel tests share); the
    /// profiles' own `endpoint_url` reaches STS AssumeRole for the role profile.
    pub async fn sdk_config(&self, profile: &str, region: Option<&str>) -> aws_config::SdkConfig {
        use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
        let files = EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, &self.config_file)
            .with_file(EnvConfigFileKind::Credentials, &self.credentials_file)
            .build();
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .profile_files(files)
            .profile_name(profile);
        if let Some(r) = region {
            loader = loader.region(aws_config::Region::new(r.to_owned()));
        }
        loader.load().await
    }

    pub async fn dynamo(&self, profile: &str, region: Option<&str>) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config(profile, region).await)
    }

    pub async fn s3(&self, profile: &str, region: &str) -> aws_sdk_s3::Client {
        let conf = self.sdk_config(profile, Some(region)).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("tests/emulator/local-aws"))
            .arg("stop")
            .arg("--state-dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// An attribute definition of a test table.
pub fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

/// A key schema element of a test table or index.
pub fn key_element(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

pub fn project_all() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

/// The request that creates the tests' table: partition key `pk` (S), sort key `sk` (N), a
/// GSI `by-status` on `status` (S), PAY_PER_REQUEST; callers may add to it before sending.
pub fn source_table_request(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attribute("pk", ScalarAttributeType::S))
        .attribute_definitions(attribute("sk", ScalarAttributeType::N))
        .attribute_definitions(attribute("status", ScalarAttributeType::S))
        .key_schema(key_element("pk", KeyType::Hash))
        .key_schema(key_element("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by-status")
                .key_schema(key_element("status", KeyType::Hash))
                .projection(project_all())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
}

/// Creates the tests' table (see `source_table_request`), PITR off.
pub async fn create_source_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    source_table_request(client, name)
        .send()
        .await
        .expect("create table");
}

/// Turns point-in-time recovery on for `table`.
pub async fn turn_on_pitr(client: &aws_sdk_dynamodb::Client, table: &str) {
    client
        .update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(
            aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("turn PITR on");
}

/// Item `i` of the test data set: every attribute type, non-ASCII text, quotes and
/// backslashes, empty lists and maps, nesting.
pub fn varied_item(i: usize) -> HashMap<String, AttributeValue> {
    use aws_sdk_dynamodb::primitives::Blob;
    let mut m = HashMap::new();
    m.insert(
        "pk".into(),
        AttributeValue::S(format!("customer#{:04}", i % 700)),
    );
    m.insert("sk".into(), AttributeValue::N(format!("{}", i)));
    m.insert(
        "status".into(),
        AttributeValue::S(["open", "paid", "shipped"][i % 3].into()),
    );
    m.insert(
        "text".into(),
        AttributeValue::S(format!(
            "héllo wörld ✓ 日本 \"quoted\" back\\slash tab\t #{i}"
        )),
    );
    m.insert(
        "price".into(),
        AttributeValue::N(format!("{}.{:02}", i * 3, i % 100)),
    );
    m.insert(
        "big".into(),
        AttributeValue::N("12345678901234567890123456789012345678".into()),
    );
    m.insert("negative".into(), AttributeValue::N(format!("-{}.5e3", i)));
    m.insert(
        "blob".into(),
        AttributeValue::B(Blob::new(vec![0, 1, 2, (i % 256) as u8, 255])),
    );
    m.insert("flag".into(), AttributeValue::Bool(i.is_multiple_of(2)));
    m.insert("nothing".into(), AttributeValue::Null(true));
    m.insert(
        "tags".into(),
        AttributeValue::Ss(vec![format!("t{i}"), "ünïcode".into(), "q\"uote".into()]),
    );
    m.insert(
        "scores".into(),
        AttributeValue::Ns(vec!["1".into(), format!("{}.25", i), "-3".into()]),
    );
    m.insert(
        "blobs".into(),
        AttributeValue::Bs(vec![Blob::new(vec![9, 8]), Blob::new(vec![i as u8])]),
    );
    m.insert("empty_list".into(), AttributeValue::L(vec![]));
    m.insert("empty_map".into(), AttributeValue::M(HashMap::new()));
    let mut inner = HashMap::new();
    inner.insert(
        "deep".into(),
        AttributeValue::L(vec![
            AttributeValue::S("x\\y\"z".into()),
            AttributeValue::M(HashMap::from([(
                "n".to_owned(),
                AttributeValue::N("0.001".into()),
            )])),
            AttributeValue::L(vec![]),
        ]),
    );
    inner.insert("Case".into(), AttributeValue::S("upper".into()));
    inner.insert("case".into(), AttributeValue::S("lower".into()));
    m.insert("nested".into(), AttributeValue::M(inner));
    if i.is_multiple_of(10) {
        // Some items lack the GSI key: they are simply not indexed.
        m.remove("status");
    }
    m
}

/// Writes `items` with BatchWriteItem, 25 at a time.
pub async fn put_items(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    items: Vec<HashMap<String, AttributeValue>>,
) {
    for chunk in items.chunks(25) {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .unwrap(),
                    )
                    .build()
            })
            .collect();
        client
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await
            .expect("batch write");
    }
}

/// Every item of a table, by a full scan.
pub async fn scan_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Vec<HashMap<String, AttributeValue>> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        out.extend(page.items().iter().cloned());
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    out
}

/// Number of exports of a table (ListExports; moto needs the table ARN).
pub async fn export_count(client: &aws_sdk_dynamodb::Client, table_arn: &str) -> usize {
    client
        .list_exports()
        .table_arn(table_arn)
        .send()
        .await
        .expect("list exports")
        .export_summaries()
        .len()
}

pub async fn table_exists(client: &aws_sdk_dynamodb::Client, table: &str) -> bool {
    client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .is_ok()
}

pub async fn pitr_enabled(client: &aws_sdk_dynamodb::Client, table: &str) -> bool {
    let out = client
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await
        .expect("describe continuous backups");
    out.continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .map(|s| s.as_str() == "ENABLED")
        .unwrap_or(false)
}

/// The events a `--json` run printed.
pub fn json_events(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// An item's `pk|sk`, to pair items of two tables.
pub fn key_of(item: &HashMap<String, AttributeValue>) -> String {
    let j = ddb_ferry::aws::attr::item_to_json(item);
    format!("{}|{}", j["pk"], j["sk"])
}

/// Table `table` holds the same `n` items on both sides, attribute for attribute (numbers by
/// value, sets in any order).
pub async fn assert_same_items(
    src: &aws_sdk_dynamodb::Client,
    dst: &aws_sdk_dynamodb::Client,
    table: &str,
    n: usize,
) {
    assert_copied(src, table, dst, table, n).await;
}

/// `n` items in the source table `table`, each equal in the destination table `new_table`.
pub async fn assert_copied(
    src: &aws_sdk_dynamodb::Client,
    table: &str,
    dst: &aws_sdk_dynamodb::Client,
    new_table: &str,
    n: usize,
) {
    use ddb_ferry::aws::attr::{item_difference, item_to_json};
    let source_items = scan_all(src, table).await;
    let dest_items = scan_all(dst, new_table).await;
    assert_eq!(source_items.len(), n, "items in the source table");
    assert_eq!(dest_items.len(), n, "items in the destination table");
    let by_key: HashMap<String, _> = dest_items.iter().map(|i| (key_of(i), i)).collect();
    for item in &source_items {
        let back = by_key
            .get(&key_of(item))
            .unwrap_or_else(|| panic!("missing {}", key_of(item)));
        assert_eq!(
            item_difference(&item_to_json(item), &item_to_json(back), ""),
            None,
            "item {} differs",
            key_of(item)
        );
    }
}

/// The plan most tests run: `orders` from profile `source` to `new_table` through `bucket` in
/// profile `dest`, everything else at its default.
pub fn plan(bucket: &str, new_table: &str) -> serde_json::Value {
    serde_json::json!({
        "source": {"profile": "source", "table": "orders"},
        "destination": {"profile": "dest", "bucket": bucket},
        "table": {"name": new_table},
    })
}

/// A source table `orders` with `n` items of every attribute type.
pub async fn seed(emu: &Emulator, n: usize) -> aws_sdk_dynamodb::Client {
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..n).map(varied_item).collect()).await;
    src
}

/// Turns TTL on for `table` with `attribute`, as a source table that has one.
pub async fn turn_on_ttl(client: &aws_sdk_dynamodb::Client, table: &str, attribute: &str) {
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(attribute)
                .build()
                .expect("a TTL specification"),
        )
        .send()
        .await
        .expect("turn TTL on");
}
