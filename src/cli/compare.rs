//! `compare ID`: reads a migration's source table and new table in full and says whether
//! they hold the same items, naming the differences. Progress goes to stderr, the result to
//! stdout (one JSON document with `--json`).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::inspect::fail;
use super::run::{check_endpoint, interrupted};
use crate::engine::compare::{
    compare_migration, CompareEvent, CompareOptions, ComparePhase, CompareReport, Difference,
};
use crate::engine::events::Outcome;
use crate::engine::fleet::FleetJournal;
use crate::engine::journal::{state_dir, Journal};

/// Exit code when the tables differ: "verification found differences".
const DIFFERENT: i32 = 4;
/// Progress lines at most this often, per phase.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What `compare` was asked.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The migration's id (`ddb-ferry status` lists them; a fleet's tables each have one).
    pub id: String,
    /// Parallel Scan segments per table; both tables are read at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub segments: u32,
    /// Read capacity units a second each table may be read at, at most (default: as fast as
    /// the tables serve). A consistent read costs one unit per 4 KB.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rcu: Option<u32>,
    /// Differences named in full (and as many expired items); the rest are counted.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub show: usize,
    /// One JSON document on stdout (progress still goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Send every AWS call to this endpoint (default: the one the migration ran with).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

pub async fn compare(args: &CompareArgs) -> i32 {
    if let Err(code) = check_endpoint(args.endpoint_url.as_deref()) {
        return code;
    }
    let dir = state_dir();
    if FleetJournal::path_in(&dir, &args.id).exists() {
        eprintln!(
            "{} is a fleet; compare compares one migration's tables\n  next: `ddb-ferry status` lists the fleet's tables, each with its own id",
            args.id
        );
        return Outcome::BadInput.exit_code();
    }
    let journal = match Journal::load(&Journal::path_in(&dir, &args.id)) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}\n  next: `ddb-ferry status` lists the migrations and their ids");
            return Outcome::BadInput.exit_code();
        }
    };
    let options = CompareOptions {
        segments: args.segments,
        max_rcu: args.max_rcu,
        show: args.show,
        ..CompareOptions::default()
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut progress = Progress::new();
    let mut started: Option<CompareEvent> = None;
    let mut on_event = |event: CompareEvent| {
        if let CompareEvent::Started { .. } = &event {
            started = Some(event.clone());
        }
        progress.show(&event);
    };
    let outcome = tokio::select! {
        r = compare_migration(&journal, args.endpoint_url.clone(), &options, now, &mut on_event) => Some(r),
        _ = interrupted() => None,
    };
    match outcome {
        None => {
            eprintln!("interrupted: nothing was written to either table");
            Outcome::Interrupted.exit_code()
        }
        Some(Err(f)) => fail(&f, args.json),
        Some(Ok(report)) => {
            if args.json {
                println!("{}", json_document(&journal.id, started.as_ref(), &report));
            } else {
                print!("{}", result_text(&report));
            }
            if report.equal {
                0
            } else {
                DIFFERENT
            }
        }
    }
}

/// The progress lines on stderr: the two tables, then items read per side and their rate
/// about once a second, and each phase's last figures.
struct Progress {
    phase_start: Instant,
    last_line: Option<Instant>,
    last: Option<(ComparePhase, u64, u64)>,
    /// The figures of the last line printed, not to print them twice.
    printed: Option<(ComparePhase, u64, u64)>,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            phase_start: Instant::now(),
            last_line: None,
            last: None,
            printed: None,
        }
    }

    fn show(&mut self, event: &CompareEvent) {
        match event {
            CompareEvent::Started {
                source_table,
                source_account,
                source_region,
                dest_table,
                dest_account,
                dest_region,
                key_names,
                ttl_attribute,
                now_epoch_secs,
                buckets,
                segments,
            } => {
                eprintln!(
                    "comparing {source_table} (account {source_account}, {source_region}) with {dest_table} (account {dest_account}, {dest_region}): key {}, {segments} segments per table, {buckets} buckets",
                    key_names.join(", ")
                );
                if let Some(a) = ttl_attribute {
                    eprintln!(
                        "TTL attribute {a}: items that expired before {} are set apart",
                        epoch_text(*now_epoch_secs)
                    );
                }
                self.phase_start = Instant::now();
            }
            CompareEvent::Progress {
                phase,
                source_items,
                dest_items,
            } => {
                if self.last.is_some_and(|(p, ..)| p != *phase) {
                    self.finish_phase();
                }
                self.last = Some((*phase, *source_items, *dest_items));
                if *phase != ComparePhase::Fetch
                    && self.last_line.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY)
                {
                    self.line();
                }
            }
            CompareEvent::DigestsCompared {
                buckets,
                differing_buckets,
                expired_only_buckets,
                examined_buckets,
            } => {
                self.finish_phase();
                let mut text = format!("{differing_buckets} of {buckets} buckets differ");
                if *expired_only_buckets > 0 {
                    text.push_str(&format!(
                        ", {expired_only_buckets} more by expired items only"
                    ));
                }
                if *examined_buckets > 0 {
                    text.push_str(&format!(
                        "; reading both tables again for the keys of {examined_buckets} of them"
                    ));
                }
                eprintln!("{text}");
            }
            CompareEvent::Fetching { keys } => {
                self.finish_phase();
                eprintln!("reading {keys} differing items back by key on both sides");
            }
        }
    }

    fn line(&mut self) {
        let Some((phase, source, dest)) = self.last else {
            return;
        };
        if self.printed == self.last {
            return;
        }
        self.printed = self.last;
        let secs = self.phase_start.elapsed().as_secs_f64().max(0.001);
        let name = match phase {
            ComparePhase::Digest => "read",
            ComparePhase::Examine => "read again",
            ComparePhase::Fetch => "read back",
        };
        eprintln!(
            "{name}: source {source} items ({:.0}/s), destination {dest} items ({:.0}/s), {secs:.1} s",
            source as f64 / secs,
            dest as f64 / secs,
        );
        self.last_line = Some(Instant::now());
    }

    /// The phase's last figures, once, then a fresh clock for the next.
    fn finish_phase(&mut self) {
        if self.last.is_some() {
            self.line();
        }
        self.last = None;
        self.last_line = None;
        self.phase_start = Instant::now();
    }
}

fn epoch_text(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// The result as a person reads it.
fn result_text(r: &CompareReport) -> String {
    let mut out = String::new();
    if r.equal {
        let live = r.source_items - r.source_expired_items;
        out.push_str(&format!("equal: {live} items on both sides\n"));
    } else {
        out.push_str(&format!(
            "different: source {} items, destination {} items; {} of {} buckets differ\n",
            r.source_items, r.dest_items, r.differing_buckets, r.buckets
        ));
        for d in &r.differences {
            out.push_str(&format!("  {}\n", difference_line(d)));
        }
        if r.more_differences > 0 {
            out.push_str(&format!(
                "  and {}{} more differences\n",
                if r.differences_counted_exactly {
                    ""
                } else {
                    "at least "
                },
                r.more_differences
            ));
        }
    }
    if !r.expired_ttl.is_empty() || r.more_expired_ttl > 0 {
        out.push_str(&format!(
            "expired TTL, set apart (DynamoDB deletes expired items at its own pace on each side): {}{}\n",
            if r.expired_counted_exactly { "" } else { "at least " },
            r.expired_ttl.len() as u64 + r.more_expired_ttl
        ));
        for d in &r.expired_ttl {
            out.push_str(&format!("  {}\n", difference_line(d)));
        }
    }
    if r.changed_while_compared > 0 {
        out.push_str(&format!(
            "{} differences seen while reading were gone when read back: the tables are being written to\n",
            r.changed_while_compared
        ));
    }
    out.push_str(&format!(
        "read {:.0} RCU from the source and {:.0} from the destination in {:.1} s\n",
        r.source_rcu, r.dest_rcu, r.seconds
    ));
    out
}

fn difference_line(d: &Difference) -> String {
    d.line()
}

/// The `--json` document: the migration, the two tables, then the report's fields.
fn json_document(id: &str, started: Option<&CompareEvent>, report: &CompareReport) -> Value {
    let mut doc = json!({ "migration": id });
    if let (Some(map), Some(Value::Object(s))) = (
        doc.as_object_mut(),
        started.map(|s| serde_json::to_value(s).unwrap_or_default()),
    ) {
        for (k, v) in s.into_iter().filter(|(k, _)| k != "event") {
            map.insert(k, v);
        }
    }
    if let (Some(map), Ok(Value::Object(r))) = (doc.as_object_mut(), serde_json::to_value(report)) {
        map.extend(r);
    }
    doc
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::compare::DifferenceKind;

    fn key(pk: &str) -> serde_json::Map<String, Value> {
        json!({"pk": {"S": pk}}).as_object().unwrap().clone()
    }

    fn report() -> CompareReport {
        CompareReport {
            equal: false,
            source_items: 10,
            dest_items: 10,
            source_expired_items: 1,
            dest_expired_items: 0,
            buckets: 4096,
            differing_buckets: 2,
            differences: vec![
                Difference {
                    key: key("a"),
                    kind: DifferenceKind::OnlyInSource,
                },
                Difference {
                    key: key("b"),
                    kind: DifferenceKind::AttributesDiffer {
                        attributes: vec!["price".into(), "tags".into()],
                    },
                },
            ],
            more_differences: 3,
            differences_counted_exactly: true,
            expired_ttl: vec![Difference {
                key: key("old"),
                kind: DifferenceKind::OnlyInSource,
            }],
            more_expired_ttl: 0,
            expired_counted_exactly: true,
            changed_while_compared: 0,
            source_rcu: 4.0,
            dest_rcu: 4.0,
            seconds: 0.5,
        }
    }

    #[test]
    fn differences_are_named_by_key_and_attribute() {
        let text = result_text(&report());
        assert!(
            text.starts_with(
                "different: source 10 items, destination 10 items; 2 of 4096 buckets differ\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"  only in the source: {"pk":{"S":"a"}}"#),
            "{text}"
        );
        assert!(
            text.contains(r#"  {"pk":{"S":"b"}}: price, tags differs"#),
            "{text}"
        );
        assert!(text.contains("  and 3 more differences\n"), "{text}");
        assert!(
            text.contains(
                "set apart (DynamoDB deletes expired items at its own pace on each side): 1\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn equal_tables_say_so_with_their_live_items() {
        let r = CompareReport {
            equal: true,
            differences: vec![],
            more_differences: 0,
            differing_buckets: 0,
            ..report()
        };
        assert!(result_text(&r).starts_with("equal: 9 items on both sides\n"));
    }

    #[test]
    fn the_json_document_holds_the_report() {
        let doc = json_document("m-1", None, &report());
        assert_eq!(doc["migration"], "m-1");
        assert_eq!(doc["equal"], false);
        assert_eq!(doc["differences"][1]["kind"], "attributes_differ");
        assert_eq!(
            doc["differences"][1]["attributes"],
            json!(["price", "tags"])
        );
        assert_eq!(doc["expired_ttl"][0]["key"], json!({"pk": {"S": "old"}}));
    }
}
