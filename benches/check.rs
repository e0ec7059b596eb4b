//! How fast the full-data check runs, against what bounds it: inflating the same files.
//!
//! Generates a synthetic DynamoDB JSON export (BENCH_CHECK_MIB MiB uncompressed, default 256,
//! in BENCH_CHECK_FILES gzip files, default 8, of mixed items), then prints side by side:
//! inflate-only throughput on 1 and 2 threads, the check's on 1 and 2 threads, their ratio
//! (target >= 0.60), a one-file export on 2 threads, `zcat | jq -c .Item.pk.S` on the same
//! files (when jq is installed) and the ratio to it (target >= 20x), and the check's peak
//! memory, measured in a child process (target <= 64 MB).
//!
//! `cargo bench --bench check` (`cargo test` only runs it to see that it starts).
//! BENCH_CHECK_DIR=DIR keeps the generated files; `target/release/deps/check-* --child-check
//! DIR THREADS` then runs the check alone on them (for a profiler).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ddb_ferry::logic::check::{run_check, CheckOptions, InputFile};
use ddb_ferry::logic::items::{KeyAttr, ScalarType};
use ddb_ferry::logic::layout::{Compression, DataFormat};
use ddb_ferry::logic::watch::{CheckSpec, GsiKey};

const MIB: f64 = 1024.0 * 1024.0;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child-check") {
        child_check(&args[at + 1..]);
        return;
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it,
    // only to see that it builds and starts.
    if !args.iter().any(|a| a == "--bench") {
        println!("benches/check.rs measures only under `cargo bench --bench check`");
        return;
    }
    let mib = env_u64("BENCH_CHECK_MIB", 256);
    let files = env_u64("BENCH_CHECK_FILES", 8) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    // BENCH_CHECK_DIR keeps the generated export there (for profiling `--child-check DIR N`).
    let kept = std::env::var_os("BENCH_CHECK_DIR").map(PathBuf::from);
    let data_dir = kept.as_deref().unwrap_or(dir.path());
    std::fs::create_dir_all(data_dir).expect("data dir");
    let started = Instant::now();
    let (paths, uncompressed, items) = generate(data_dir, mib * 1024 * 1024, files);
    let compressed: u64 = paths.iter().map(|p| size(p)).sum();
    println!(
        "ddb-ferry check bench: {} files, {:.0} MiB uncompressed ({:.0} MiB gzip), {} items, generated in {:.1} s; {} cores",
        paths.len(),
        uncompressed as f64 / MIB,
        compressed as f64 / MIB,
        items,
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let mb_s = |d: Duration| uncompressed as f64 / MIB / d.as_secs_f64();

    let inflate1 = measured(3, || inflate_only(&paths, 1));
    let inflate2 = measured(3, || inflate_only(&paths, 2));
    let check1 = measured(3, || check(&paths, 1));
    let check2 = measured(3, || check(&paths, 2));
    println!(
        "  (throughput in MiB/s of uncompressed data, best of 3; the CPU-time ratio counts the \
         CPU seconds this process used, so other processes on the machine do not skew it)"
    );
    println!("  inflate only, 1 thread   {:>8.0}", mb_s(inflate1.wall));
    println!("  inflate only, 2 threads  {:>8.0}", mb_s(inflate2.wall));
    println!(
        "  check, 1 thread          {:>8.0}   ratio to inflate {:.2} (CPU time {:.2})",
        mb_s(check1.wall),
        inflate1.wall.as_secs_f64() / check1.wall.as_secs_f64(),
        inflate1.cpu / check1.cpu
    );
    let ratio2 = inflate2.wall.as_secs_f64() / check2.wall.as_secs_f64();
    println!(
        "  check, 2 threads         {:>8.0}   ratio to inflate {:.2} (CPU time {:.2}) (target >= 0.60: {})",
        mb_s(check2.wall),
        ratio2,
        inflate2.cpu / check2.cpu,
        verdict(ratio2 >= 0.60)
    );

    let (parse_bytes, parse_time) = parse_only(&paths[0]);
    println!(
        "  parse only (1 thread, decompressed data in memory): {:.0}",
        parse_bytes as f64 / MIB / parse_time.as_secs_f64()
    );

    // One file: an inflating thread and a checking thread.
    let one = &paths[..1];
    let one_bytes = raw_size(one);
    let one_inflate = best_of(2, || inflate_only(one, 1));
    let one_check1 = best_of(2, || check(one, 1));
    let one_check2 = best_of(2, || check(one, 2));
    let one_mb = |d: Duration| one_bytes as f64 / MIB / d.as_secs_f64();
    println!(
        "  one file: inflate {:.0}, check 1 thread {:.0}, check 2 threads {:.0} (x{:.2} from the second thread)",
        one_mb(one_inflate),
        one_mb(one_check1),
        one_mb(one_check2),
        one_check1.as_secs_f64() / one_check2.as_secs_f64()
    );

    match jq(&paths) {
        Some(jq_time) => {
            let times = jq_time.as_secs_f64() / check2.wall.as_secs_f64();
            println!(
                "  zcat | jq -c .Item.pk.S  {:>8.1}   check is {:.0}x faster (target >= 20x: {})",
                mb_s(jq_time),
                times,
                verdict(times >= 20.0)
            );
        }
        None => println!("  zcat | jq -c .Item.pk.S: jq is not installed (apt-get install -y jq)"),
    }

    match peak_memory(data_dir, 2) {
        Some(kb) => println!(
            "  peak memory of a 2-thread check (VmHWM of a child process): {:.1} MB (target <= 64 MB: {})",
            kb as f64 / 1024.0,
            verdict(kb as f64 / 1024.0 <= 64.0)
        ),
        None => println!("  peak memory: could not be measured"),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// A measured run: wall-clock time, and CPU seconds of this process (all threads).
struct Measured {
    wall: Duration,
    cpu: f64,
}

/// The best of `n` runs, wall time and CPU time each.
fn measured(n: usize, mut f: impl FnMut() -> Duration) -> Measured {
    let mut best = Measured {
        wall: Duration::MAX,
        cpu: f64::MAX,
    };
    for _ in 0..n {
        let before = cpu_secs();
        let wall = f();
        let cpu = cpu_secs() - before;
        best.wall = best.wall.min(wall);
        best.cpu = best.cpu.min(cpu);
    }
    best
}

/// User + system CPU seconds of this process, from /proc/self/stat (in 1/100 s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based).
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(14) + ticks(15)) / 100.0
}

fn best_of(n: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

/// A small deterministic random generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A pseudo-word: letters drawn at random, so the data compresses like real text (3-5x),
/// not like a few words repeated.
fn word(rng: &mut Rng, out: &mut String) {
    const LETTERS: &[u8] = b"etaoinshrdlucmfwypvbgkjqxz";
    const SPECIAL: [&str; 6] = ["é", "ö", "日本", "✓", "\\\"", "\\t"];
    let len = 2 + rng.below(9);
    for _ in 0..len {
        // Mildly skewed towards common letters, as in text.
        let r = rng.below(26 * 26) as usize;
        let letter = if r.is_multiple_of(3) {
            (r / 26).min(r % 26)
        } else {
            r % 26
        };
        out.push(LETTERS[letter] as char);
    }
    if rng.below(20) == 0 {
        out.push_str(SPECIAL[rng.below(SPECIAL.len() as u64) as usize]);
    }
}

fn words(rng: &mut Rng, n: u64, out: &mut String) {
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        word(rng, out);
    }
}

fn hex(rng: &mut Rng, n: usize, out: &mut String) {
    use std::fmt::Write as _;
    for _ in 0..n.div_ceil(16) {
        let _ = write!(out, "{:016x}", rng.next());
    }
}

fn base64(rng: &mut Rng, bytes: usize, out: &mut String) {
    use base64::Engine as _;
    let raw: Vec<u8> = (0..bytes).map(|_| rng.next() as u8).collect();
    out.push_str(&base64::engine::general_purpose::STANDARD.encode(raw));
}

/// One item line of a mixed export (about 1.3 KB on average, like the 1 GiB of 786k items
/// the issue measured `zcat | jq` on): many small scalars, sets, lists of maps, nested maps,
/// binary, some text.
fn item_line(i: u64, rng: &mut Rng, out: &mut String) {
    use std::fmt::Write as _;
    out.push_str(r#"{"Item":{"pk":{"S":"customer#"#);
    hex(rng, 12, out);
    out.push_str(r#""},"etag":{"S":""#);
    hex(rng, 32, out);
    out.push_str(r#""},"token":{"B":""#);
    base64(rng, 24, out);
    let _ = write!(
        out,
        r#""}},"sk":{{"N":"{}"}},"status":{{"S":"{}"}},"price":{{"N":"{}.{:02}"}},"flag":{{"BOOL":{}}},"created":{{"S":"2026-{:02}-{:02}T{:02}:{:02}:{:02}Z"}},"note":{{"S":""#,
        i,
        ["open", "paid", "shipped", "returned"][rng.below(4) as usize],
        rng.below(100_000),
        rng.below(100),
        rng.below(2) == 0,
        rng.below(12) + 1,
        rng.below(28) + 1,
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
    let n = rng.below(12) + 3;
    words(rng, n, out);
    let _ = write!(
        out,
        r#""}},"counters":{{"M":{{"views":{{"N":"{}"}},"clicks":{{"N":"{}"}},"carts":{{"N":"{}"}},"returns":{{"N":"{}"}},"rating":{{"N":"{}.{}"}},"rank":{{"N":"{}"}}}}}},"channel":{{"S":"{}"}},"vip":{{"BOOL":{}}},"region":{{"S":"{}"}}"#,
        rng.below(100_000),
        rng.below(10_000),
        rng.below(100),
        rng.below(10),
        rng.below(5),
        rng.below(10),
        rng.below(1_000_000),
        ["web", "app", "store", "phone"][rng.below(4) as usize],
        rng.below(5) == 0,
        ["eu-west-1", "us-east-1", "ap-south-1"][rng.below(3) as usize]
    );
    if rng.below(2) == 0 {
        out.push_str(r#","tags":{"SS":[""#);
        word(rng, out);
        out.push_str(r#"",""#);
        word(rng, out);
        let _ = write!(
            out,
            r#""]}},"scores":{{"NS":["{}","{}.25","-{}"]}},"blob":{{"B":""#,
            rng.below(1000),
            rng.below(1000),
            rng.below(1000)
        );
        let blob = 32 + rng.below(200) as usize;
        base64(rng, blob, out);
        out.push_str(r#""}"#);
    }
    let lines = 1 + rng.below(7);
    out.push_str(r#","lines":{"L":["#);
    for j in 0..lines {
        if j > 0 {
            out.push(',');
        }
        out.push_str(r#"{"M":{"sku":{"S":"sku-"#);
        hex(rng, 8, out);
        let _ = write!(
            out,
            r#""}},"qty":{{"N":"{}"}},"price":{{"N":"{}.{:02}"}},"discount":{{"N":"0.{}"}},"taxable":{{"BOOL":{}}},"warehouse":{{"S":"w{}"}},"name":{{"S":""#,
            rng.below(10) + 1,
            rng.below(500),
            rng.below(100),
            rng.below(50),
            rng.below(2) == 0,
            rng.below(40)
        );
        let n = rng.below(3) + 1;
        words(rng, n, out);
        out.push_str(r#""}}}"#);
    }
    out.push_str("]}");
    out.push_str(r#","address":{"M":{"street":{"S":""#);
    words(rng, 3, out);
    let _ = write!(
        out,
        r#""}},"zip":{{"S":"{:05}"}},"geo":{{"M":{{"lat":{{"N":"{}.{:06}"}},"lon":{{"N":"-{}.{:06}"}}}}}},"nothing":{{"NULL":true}}}}}}"#,
        rng.below(99_999),
        rng.below(90),
        rng.below(1_000_000),
        rng.below(180),
        rng.below(1_000_000)
    );
    out.push_str("}}\n");
}

/// Writes `files` gzip files holding `bytes` of item lines in all.
fn generate(dir: &Path, bytes: u64, files: usize) -> (Vec<PathBuf>, u64, u64) {
    let per_file = bytes / files as u64;
    let results: Vec<(PathBuf, u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..files)
            .map(|f| {
                scope.spawn(move || {
                    let path = dir.join(format!("{f:026}.json.gz"));
                    let file = BufWriter::new(File::create(&path).expect("create"));
                    let mut gz =
                        flate2::write::GzEncoder::new(file, flate2::Compression::default());
                    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (f as u64 + 1));
                    let (mut written, mut items, mut line) = (0u64, 0u64, String::new());
                    while written < per_file {
                        line.clear();
                        item_line(items, &mut rng, &mut line);
                        gz.write_all(line.as_bytes()).expect("write");
                        written += line.len() as u64;
                        items += 1;
                    }
                    gz.finish().expect("finish").flush().expect("flush");
                    (path, written, items)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("generator"))
            .collect()
    });
    let uncompressed = results.iter().map(|r| r.1).sum();
    let items = results.iter().map(|r| r.2).sum();
    (
        results.into_iter().map(|r| r.0).collect(),
        uncompressed,
        items,
    )
}

fn raw_size(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .map(|p| {
            let mut d =
                flate2::read::MultiGzDecoder::new(io::BufReader::new(File::open(p).unwrap()));
            io::copy(&mut d, &mut io::sink()).unwrap()
        })
        .sum()
}

/// Streaming inflate of every file into a reused buffer, files shared by `threads` threads.
fn inflate_only(paths: &[PathBuf], threads: usize) -> Duration {
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { break };
                    let mut d = flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
                        64 * 1024,
                        File::open(p).unwrap(),
                    ));
                    while d.read(&mut buf).unwrap() > 0 {}
                }
            });
        }
    });
    started.elapsed()
}

fn spec() -> CheckSpec {
    CheckSpec {
        keys: vec![
            KeyAttr {
                name: "pk".into(),
                kind: ScalarType::S,
            },
            KeyAttr {
                name: "sk".into(),
                kind: ScalarType::N,
            },
        ],
        gsi: vec![GsiKey {
            index: "by-status".into(),
            attr: KeyAttr {
                name: "status".into(),
                kind: ScalarType::S,
            },
        }],
    }
}

fn check(paths: &[PathBuf], threads: usize) -> Duration {
    let inputs: Vec<InputFile> = paths
        .iter()
        .map(|p| InputFile {
            key: p.display().to_string(),
            size: size(p),
            format: Some(DataFormat::DynamoDbJson),
            compression: Compression::Gzip,
            manifest_items: None,
        })
        .collect();
    let open =
        |f: &InputFile| -> io::Result<Box<dyn Read + Send>> { Ok(Box::new(File::open(&f.key)?)) };
    let options = CheckOptions {
        threads,
        ..CheckOptions::default()
    };
    let started = Instant::now();
    let result = run_check(&inputs, &spec(), &options, &open, &|_| {});
    let took = started.elapsed();
    assert_eq!(
        result.unreadable_lines.count, 0,
        "{:?}",
        result.unreadable_lines
    );
    assert_eq!(result.key_problem_count(), 0);
    took
}

/// The line scanner alone over one decompressed file in memory (best of 3).
fn parse_only(path: &Path) -> (u64, Duration) {
    let mut data = Vec::new();
    flate2::read::MultiGzDecoder::new(io::BufReader::new(File::open(path).unwrap()))
        .read_to_end(&mut data)
        .unwrap();
    let watch = ddb_ferry::logic::watch::Watch::new(&spec());
    let mut facts = watch.facts();
    let took = best_of(3, || {
        let started = Instant::now();
        for line in data.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            ddb_ferry::logic::check::scan_line(DataFormat::DynamoDbJson, line, &watch, &mut facts)
                .expect("a valid line");
        }
        started.elapsed()
    });
    (data.len() as u64, took)
}

/// `zcat FILES | jq -c .Item.pk.S > /dev/null`, timed.
fn jq(paths: &[PathBuf]) -> Option<Duration> {
    Command::new("jq").arg("--version").output().ok()?;
    let files: Vec<String> = paths.iter().map(|p| format!("'{}'", p.display())).collect();
    let started = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "zcat {} | jq -c .Item.pk.S > /dev/null",
            files.join(" ")
        ))
        .status()
        .ok()?;
    status.success().then(|| started.elapsed())
}

/// Runs the check in a child process and returns its peak resident memory (kB).
fn peak_memory(dir: &Path, threads: usize) -> Option<u64> {
    let out = Command::new(std::env::current_exe().ok()?)
        .arg("--child-check")
        .arg(dir)
        .arg(threads.to_string())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM_kB=")?.trim().parse().ok())
}

fn child_check(args: &[String]) {
    let dir = PathBuf::from(&args[0]);
    let threads: usize = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(2);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("bench dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    paths.sort();
    check(&paths, threads);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().to_owned())
        .unwrap_or_default();
    println!("VmHWM_kB={hwm}");
}
