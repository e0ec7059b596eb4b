//! Faults between ddb-ferry and AWS, against the local emulator: a proxy of the tests' own
//! (tests/support/proxy.rs) delays, resets or black-holes the calls; processes are killed
//! with SIGKILL at every step boundary; the emulator forgets its jobs. After each, the
//! migration either finishes with exactly one export and one import and every item, or
//! stops with an explained failure and a journal that a later run continues from.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::proxy::{Fault, Proxy};
use support::pty::*;
use support::*;

const SOURCE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

/// Exports of the source table written to `bucket`.
async fn exports_to(src: &aws_sdk_dynamodb::Client, bucket: &str) -> usize {
    let list = src
        .list_exports()
        .table_arn(SOURCE_ARN)
        .send()
        .await
        .expect("list exports");
    let mut n = 0;
    for s in list.export_summaries() {
        let d = src
            .describe_export()
            .export_arn(s.export_arn().unwrap_or_default())
            .send()
            .await
            .expect("describe export");
        if d.export_description().and_then(|e| e.s3_bucket()) == Some(bucket) {
            n += 1;
        }
    }
    n
}

/// Imports into the destination table `table`.
async fn imports_into(dst: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    dst.list_imports()
        .table_arn(format!(
            "arn:aws:dynamodb:us-east-1:222222222222:table/{table}"
        ))
        .send()
        .await
        .expect("list imports")
        .import_summary_list()
        .len()
}

/// Exactly one export and one import, and the new table holds every source item.
async fn assert_one_of_each_and_complete(emu: &Emulator, bucket: &str, table: &str, n: usize) {
    let src = emu.dynamo("source", None).await;
    let dst = emu.dynamo("dest", None).await;
    assert_eq!(exports_to(&src, bucket).await, 1, "exports to {bucket}");
    assert_eq!(imports_into(&dst, table).await, 1, "imports into {table}");
    assert_eq!(scan_all(&dst, table).await.len(), n, "items in {table}");
}

/// A `ddb-ferry run --json` whose events arrive on a channel while the test acts.
struct Running {
    child: Child,
    events: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Running {
    fn start(mut cmd: std::process::Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ddb-ferry");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        Running {
            child,
            events,
            seen: Vec::new(),
        }
    }

    /// Waits for the first event that matches (or the end of the output).
    fn wait_for(&mut self, within: Duration, what: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if what(&e) {
                        return Some(e);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    fn exit_code(mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        None
    }
}

fn run_args<'a>(plan_file: &'a str, endpoint: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["run", "--json"];
    if let Some(e) = endpoint {
        args.extend(["--endpoint-url", e]);
    }
    args.push(plan_file);
    args
}

fn event_is(e: &Value, name: &str) -> bool {
    e["event"] == name
}

/// 2 s of latency on every call: the run is slow and still finishes, whole. The proxy is
/// chosen with AWS_ENDPOINT_URL here (the other tests use --endpoint-url).
#[tokio::test(flavor = "multi_thread")]
async fn two_seconds_of_latency_on_every_call_the_run_finishes() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 40).await;
    let proxy = Proxy::start(&emu.url);
    proxy.set(Fault::Delay(Duration::from_secs(2)));
    let plan_file = emu.plan("plan.json", &plan("ferry-slow", "orders-slow"));
    let started = Instant::now();
    let out = emu
        .ferry()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .args(run_args(plan_file.to_str().unwrap(), None))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let calls = proxy.requests();
    eprintln!(
        "latency: {calls} calls through the proxy at 2 s each, run took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        calls >= 20,
        "the calls went through the proxy ({calls} seen)"
    );
    assert_one_of_each_and_complete(&emu, "ferry-slow", "orders-slow", 40).await;
}

/// The wizard behind the same 2 s of latency: while STS has not answered, a key still draws
/// at once (the screens never wait on AWS).
#[tokio::test(flavor = "multi_thread")]
async fn wizard_answers_keys_while_every_call_takes_two_seconds() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 5).await;
    let proxy = Proxy::start(&emu.url);
    proxy.set(Fault::Delay(Duration::from_secs(2)));
    let url = proxy.url();
    let mut pty = Pty::ferry(&emu, &["--endpoint-url", &url], 24, 80);
    pty.wait_for_word("source", WAIT);
    pty.send(DOWN);
    pty.send(ENTER);
    pty.wait_for("Asking AWS who this is", WAIT);
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        let t = Instant::now();
        pty.send("?");
        pty.wait_for(HELP, Duration::from_secs(5));
        slowest = slowest.max(t.elapsed());
        let t = Instant::now();
        pty.send(ESC);
        pty.wait_gone(HELP, Duration::from_secs(5));
        slowest = slowest.max(t.elapsed());
    }
    eprintln!("wizard: slowest key-to-frame behind 2 s latency {slowest:?}");
    assert!(
        slowest < Duration::from_millis(500),
        "a key took {slowest:?} to draw while AWS was slow"
    );
    // And STS answers in the end: the wizard goes on by itself.
    pty.wait_for_word("123456789012", WAIT);
    pty.send("q");
    pty.wait_exit(Duration::from_secs(10));
}

/// Connections reset mid-answer: every third call, and the answers of the calls that start
/// the export and the import (which AWS — here the emulator — did act on). The run retries,
/// finds the jobs it started, and finishes with exactly one export and one import.
#[tokio::test(flavor = "multi_thread")]
async fn connections_reset_mid_call_are_retried_without_duplicates() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 60).await;
    let proxy = Proxy::start(&emu.url);
    proxy.set(Fault::Reset {
        after_bytes: 40,
        every: 3,
        once_each: vec![
            "ExportTableToPointInTime".into(),
            "DynamoDB_20120810.ImportTable".into(),
        ],
    });
    let plan_file = emu.plan("plan.json", &plan("ferry-reset", "orders-reset"));
    let out = emu
        .ferry()
        .args(run_args(plan_file.to_str().unwrap(), Some(&proxy.url())))
        .output()
        .unwrap();
    let resets = proxy.resets();
    eprintln!(
        "resets: {resets} of {} calls reset mid-answer",
        proxy.requests()
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(resets >= 5, "only {resets} resets happened");
    let events = json_events(&out);
    for job in ["export", "import"] {
        assert!(
            events
                .iter()
                .any(|e| event_is(e, "job_started") && e["job"] == job && e["reattached"] == true),
            "the {job} whose answer was lost was found again, not started twice"
        );
    }
    assert_one_of_each_and_complete(&emu, "ferry-reset", "orders-reset", 60).await;
}

/// The endpoint black-holed while the export runs: a clear cannot-reach-aws failure within
/// the configured timeout; when the network comes back, the same command finishes the
/// migration with the export it already had.
#[tokio::test(flavor = "multi_thread")]
async fn a_black_hole_fails_within_the_timeout_and_the_run_continues_later() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 10.0,
        ..Knobs::default()
    });
    seed(&emu, 30).await;
    let proxy = Proxy::start(&emu.url);
    let plan_file = emu.plan("plan.json", &plan("ferry-hole", "orders-hole"));
    let timeout_secs = 2u64;
    let mut cmd = emu.ferry();
    cmd.env("DDB_FERRY_CALL_TIMEOUT_SECS", timeout_secs.to_string())
        .args(run_args(plan_file.to_str().unwrap(), Some(&proxy.url())));
    let mut run = Running::start(cmd);
    assert!(
        run.wait_for(Duration::from_secs(60), |e| event_is(e, "job_status")
            && e["job"] == "export")
            .is_some(),
        "the export was running"
    );
    proxy.set(Fault::BlackHole);
    let cut = Instant::now();
    let failed = run
        .wait_for(Duration::from_secs(60), |e| event_is(e, "failed"))
        .expect("a failure event");
    let took = cut.elapsed();
    assert_eq!(failed["code"], "cannot-reach-aws", "{failed}");
    for line in ["what", "why", "next"] {
        assert!(
            failed[line].as_str().is_some_and(|s| !s.is_empty()),
            "{failed}"
        );
    }
    // The poll interval (at most 3 s this early) plus one operation timeout (4 attempts' worth).
    let bound = Duration::from_secs(3 + 4 * timeout_secs + 3);
    eprintln!("black hole: failed {took:?} after the cut (bound {bound:?})");
    assert!(took <= bound, "the failure took {took:?}");
    assert_eq!(run.exit_code(Duration::from_secs(10)), Some(3));

    proxy.set(Fault::Pass);
    let out = emu
        .ferry()
        .args(run_args(plan_file.to_str().unwrap(), Some(&proxy.url())))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    assert!(events
        .iter()
        .any(|e| event_is(e, "job_started") && e["job"] == "export" && e["reattached"] == true));
    assert_one_of_each_and_complete(&emu, "ferry-hole", "orders-hole", 30).await;
}

/// The emulator restarted between the export and the import (all its state gone, the source
/// table put back): the next run stops with an explained failure, the journal is intact and
/// nothing is half-written; a new attempt then migrates the table.
#[tokio::test(flavor = "multi_thread")]
async fn an_emulator_restart_between_export_and_import_is_explained() {
    let emu = Emulator::start(Knobs::default());
    seed(&emu, 25).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-restart", "orders-restart"));
    let pf = plan_file.to_str().unwrap().to_owned();
    let mut run = Running::start({
        let mut c = emu.ferry();
        c.args(run_args(&pf, None));
        c
    });
    assert!(run
        .wait_for(Duration::from_secs(60), |e| event_is(e, "step_started")
            && e["step"] == "locate")
        .is_some());
    run.kill();
    let journal_path = only_journal(&emu);
    let before: Value = serde_json::from_slice(&std::fs::read(&journal_path).unwrap()).unwrap();
    assert_eq!(before["export"]["status"], "COMPLETED");

    reset_emulator(&emu);
    seed(&emu, 25).await;
    let out = emu.run(&run_args(&pf, None));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let events = json_events(&out);
    let failed = events.iter().find(|e| event_is(e, "failed")).unwrap();
    assert_eq!(failed["code"], "export-files-gone", "{failed}");
    assert!(failed["next"].as_str().unwrap().contains("--new"));

    // The journal: still a whole JSON document, with the export and the step it reached.
    let after: Value = serde_json::from_slice(&std::fs::read(&journal_path).unwrap()).unwrap();
    assert_eq!(after["export"], before["export"]);
    assert_eq!(after["step"], "locate");
    assert_eq!(after["state"], "failed");
    assert_eq!(after["failure"]["code"], "export-files-gone");
    assert!(after["import"].is_null());
    let leftovers: Vec<_> = files_under(&emu.state_dir.join("migrations"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // Nothing half-written in AWS: no bucket re-created, no table, no import.
    let dst = emu.dynamo("dest", None).await;
    assert!(!table_exists(&dst, "orders-restart").await);
    assert_eq!(imports_into(&dst, "orders-restart").await, 0);
    let s3 = emu.s3("dest", "us-east-1").await;
    assert!(s3
        .head_bucket()
        .bucket("ferry-restart")
        .send()
        .await
        .is_err());

    let again = emu.run(&["run", "--json", "--new", &pf]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_one_of_each_and_complete(&emu, "ferry-restart", "orders-restart", 25).await;
}

/// SIGKILL at every step boundary (when the step's `step_started` event appears) and as each
/// job starts; the next run continues, and each migration ends with exactly one export, one
/// import and every item.
#[tokio::test(flavor = "multi_thread")]
async fn killed_at_every_step_boundary_the_next_run_finishes_without_duplicates() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 1.0,
        import_delay_s: 1.0,
        ..Knobs::default()
    });
    let n = 30;
    seed(&emu, n).await;
    // Where to kill: (event, field, value) of the event that triggers the kill.
    let mut points: Vec<(&str, &str, &str)> = [
        "preflight",
        "pitr",
        "bucket",
        "export",
        "locate",
        "key_check",
        "import",
        "verify",
        "finish",
    ]
    .into_iter()
    .map(|step| ("step_started", "step", step))
    .collect();
    points.push(("job_started", "job", "export"));
    points.push(("job_started", "job", "import"));
    let mut survived = 0;
    let started = Instant::now();
    for (i, &(event, field, value)) in points.iter().enumerate() {
        let name = format!("{event} {value}");
        let bucket = format!("ferry-kill-{i}");
        let table = format!("copy-{i}");
        let plan_file = emu.plan(&format!("plan-{i}.json"), &plan(&bucket, &table));
        let pf = plan_file.to_str().unwrap().to_owned();
        let mut run = Running::start({
            let mut c = emu.ferry();
            c.args(run_args(&pf, None));
            c
        });
        assert!(
            run.wait_for(Duration::from_secs(60), |e| event_is(e, event)
                && e[field] == value)
                .is_some(),
            "{name} was never reached"
        );
        run.kill();
        let out = emu.run(&run_args(&pf, None));
        assert_eq!(
            out.status.code(),
            Some(0),
            "after a kill at {name}: {}",
            text(&out)
        );
        assert_one_of_each_and_complete(&emu, &bucket, &table, n).await;
        survived += 1;
    }
    eprintln!(
        "kills: {survived} survived of {} tried, in {:.0} s",
        points.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Every kind of bad input is refused before any AWS call: the endpoint is a black hole, so
/// a call would hang, yet each refusal comes at once and names the field.
#[test]
fn bad_input_is_refused_before_any_aws_call() {
    let emu = Emulator::start(Knobs::default());
    let proxy = Proxy::start(&emu.url);
    proxy.set(Fault::BlackHole);
    let url = proxy.url();
    let good = plan("ferry-bad", "orders-copy");
    let with = |path: &[&str], value: Value| {
        let mut p = good.clone();
        let mut at = &mut p;
        for key in &path[..path.len() - 1] {
            if at.get(*key).is_none() {
                at[*key] = json!({});
            }
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        p
    };
    let cases: Vec<(&str, Value)> = vec![
        ("source.table", with(&["source", "table"], json!("ab"))),
        (
            "source.table",
            with(&["source", "table"], json!("my table")),
        ),
        (
            "table.name",
            with(&["table", "name"], json!("x".repeat(256))),
        ),
        (
            "destination.bucket",
            with(&["destination", "bucket"], json!("Upper_Case")),
        ),
        (
            "destination.bucket",
            with(&["destination", "bucket"], json!("192.168.1.1")),
        ),
        (
            "destination.bucket",
            with(&["destination", "bucket"], json!("xn--bucket")),
        ),
        (
            "destination.bucket_owner",
            with(&["destination", "bucket_owner"], json!("1234-5678-9012")),
        ),
        (
            "destination.prefix",
            with(&["destination", "prefix"], json!("/leading")),
        ),
        (
            "destination.prefix",
            with(&["destination", "prefix"], json!("a//b")),
        ),
        (
            "destination.prefix",
            with(&["destination", "prefix"], json!("wild*card")),
        ),
        (
            "destination.region",
            with(&["destination", "region"], json!("US-EAST-1")),
        ),
        (
            "source.profile",
            with(&["source", "profile"], json!("has space")),
        ),
        (
            "export.export_time",
            with(&["export", "export_time"], json!("yesterday")),
        ),
        (
            "export.export_time",
            with(&["export", "export_time"], json!("2099-01-01T00:00:00Z")),
        ),
        (
            "export.encryption.kms_key",
            with(
                &["export", "encryption"],
                json!({"type": "SSE_KMS", "kms_key": "not-a-key"}),
            ),
        ),
        ("export.encryption.kms_key", {
            let mut p = with(
                &["export", "encryption"],
                json!({"type": "SSE_KMS", "kms_key": "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
            );
            p["destination"]["region"] = json!("us-east-1");
            p
        }),
        (
            "table.encryption.kms_key",
            with(
                &["table", "encryption"],
                json!({"type": "CUSTOMER_MANAGED", "kms_key": "alias/"}),
            ),
        ),
        (
            "table.partition_key.name",
            with(
                &["table", "partition_key"],
                json!({"name": "", "type": "S"}),
            ),
        ),
        (
            "table.partition_key.type",
            with(
                &["table", "partition_key"],
                json!({"name": "pk", "type": "X"}),
            ),
        ),
        ("source.tabel", with(&["source", "tabel"], json!("orders"))),
        (
            "options.enable_pitr",
            with(&["options", "enable_pitr"], json!("yes")),
        ),
        (
            "options.verify_sample",
            with(&["options", "verify_sample"], json!(-1)),
        ),
    ];
    let started = Instant::now();
    let mut tried = 0;
    for (i, (field, p)) in cases.iter().enumerate() {
        let plan_file = emu.plan(&format!("bad-{i}.json"), p);
        let pf = plan_file.to_str().unwrap();
        for args in [
            vec!["validate", pf],
            vec!["run", "--endpoint-url", &url, pf],
            vec!["run", "--dry-run", "--endpoint-url", &url, pf],
        ] {
            let t = Instant::now();
            let out = emu.run(&args);
            tried += 1;
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?} {field}: {}",
                text(&out)
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(field), "{field} is not named in: {err}");
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{field} took {:?}",
                t.elapsed()
            );
        }
    }
    // An endpoint URL that is not one, and a profile that does not exist.
    let ok_plan = emu.plan("good.json", &good);
    let pf = ok_plan.to_str().unwrap();
    let out = emu.run(&["run", "--endpoint-url", "not a url", pf]);
    tried += 1;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--endpoint-url"), "{}", text(&out));
    // A prices file that cannot be used, given to `run`, through DDB_FERRY_PRICES, or to the
    // wizard: refused naming the file and the field, before anything else.
    let bad_prices = emu.dir.path().join("prices.json");
    std::fs::write(
        &bad_prices,
        r#"{"regions": {"eu-west-1": {"import_per_gb": "cheap"}}}"#,
    )
    .unwrap();
    let bp = bad_prices.to_str().unwrap();
    for out in [
        emu.run(&["run", "--prices", bp, "--endpoint-url", &url, pf]),
        emu.ferry()
            .env("DDB_FERRY_PRICES", bp)
            .args(["run", "--dry-run", "--endpoint-url", &url, pf])
            .output()
            .unwrap(),
        emu.run(&["--prices", bp, "--endpoint-url", &url]),
    ] {
        tried += 1;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("prices.json"), "{err}");
        assert!(err.contains("`regions.eu-west-1.import_per_gb`"), "{err}");
    }
    let mut unknown = good.clone();
    unknown["source"]["profile"] = json!("no-such-profile");
    let unknown_file = emu.plan("unknown-profile.json", &unknown);
    let out = emu.run(&[
        "run",
        "--json",
        "--endpoint-url",
        &url,
        unknown_file.to_str().unwrap(),
    ]);
    tried += 1;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let failed = json_events(&out)
        .into_iter()
        .find(|e| event_is(e, "failed"))
        .expect("a failure event");
    assert_eq!(failed["code"], "unknown-profile");
    assert_eq!(
        proxy.connections(),
        0,
        "no bad input reached the (black-holed) endpoint"
    );
    eprintln!(
        "bad input: {tried} refused before any AWS call in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn only_journal(emu: &Emulator) -> std::path::PathBuf {
    files_under(&emu.state_dir.join("migrations"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a journal")
}

/// POST /moto-api/reset: the emulator forgets every table, bucket and job.
fn reset_emulator(emu: &Emulator) {
    let addr = emu.url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the emulator");
    use std::io::{Read, Write};
    write!(
        s,
        "POST /moto-api/reset HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "reset: {answer}");
}
