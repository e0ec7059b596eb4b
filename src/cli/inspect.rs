//! `exports URL` and `check URL --key ...`: what is in an export, and whether every item of
//! it will import into the new table.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::InspectOptions;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::S3;
use crate::aws::session::{custom_endpoint, load_side, NetworkLimits, SideSpec};
use crate::engine::inspect::{check_files, check_target, exports_under};
use crate::logic::check::{CheckOptions, CheckProgress, CheckReport};
use crate::logic::discover::{ExportState, FoundExport};
use crate::logic::items::{KeyAttr, ScalarType};
use crate::logic::units::human_bytes;
use crate::logic::watch::{CheckSpec, GsiKey};

/// Exit code when the data has problems, or the command line is wrong.
const PROBLEMS: i32 = 2;

/// `s3://bucket/prefix` → (bucket, prefix).
pub fn parse_s3_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("{url:?} is not an S3 URL; write s3://BUCKET/PREFIX"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    crate::logic::names::bucket_name("bucket", bucket).map_err(|e| e.to_string())?;
    Ok((bucket.to_owned(), prefix.to_owned()))
}

/// `NAME:TYPE` (the type is S, N or B).
pub fn parse_key(text: &str) -> Result<KeyAttr, String> {
    let (name, kind) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("--key {text:?}: write NAME:TYPE, e.g. pk:S"))?;
    if name.is_empty() {
        return Err(format!("--key {text:?}: the attribute name is empty"));
    }
    let kind: ScalarType = kind.parse().map_err(|e| format!("--key {text:?}: {e}"))?;
    Ok(KeyAttr {
        name: name.to_owned(),
        kind,
    })
}

/// `INDEX:NAME:TYPE`.
pub fn parse_gsi(text: &str) -> Result<GsiKey, String> {
    let (index, key) = text
        .split_once(':')
        .ok_or_else(|| format!("--gsi {text:?}: write INDEX:NAME:TYPE, e.g. by-status:status:S"))?;
    if index.is_empty() {
        return Err(format!("--gsi {text:?}: the index name is empty"));
    }
    let attr = parse_key(key).map_err(|e| e.replace("--key", "--gsi"))?;
    Ok(GsiKey {
        index: index.to_owned(),
        attr,
    })
}

pub(super) fn exit_code(f: &AwsFailure) -> i32 {
    match f.kind {
        FailureKind::BadInput => 2,
        FailureKind::AwsRefused | FailureKind::Unreachable => 3,
        FailureKind::JobFailed => 4,
    }
}

pub(super) fn fail(f: &AwsFailure, json: bool) -> i32 {
    if json {
        println!(
            "{}",
            serde_json::json!({"error": {"code": f.code, "what": f.what, "why": f.why, "next": f.next}})
        );
    } else {
        eprintln!("FAILED [{}]: {f}", f.code);
    }
    exit_code(f)
}

/// An S3 client for the account the options name, in the bucket's own region.
async fn connect(opts: &InspectOptions, bucket: &str) -> Result<(S3, bool), AwsFailure> {
    let spec = SideSpec {
        profile: opts.profile.clone(),
        region: opts.region.clone(),
        endpoint_url: opts.endpoint_url.clone(),
    };
    let config = load_side(&spec, NetworkLimits::from_env()).await?;
    let custom = custom_endpoint(&spec).await.is_some();
    let side = match &opts.profile {
        Some(p) => format!("the account of profile {p}"),
        None => "the default AWS account".to_owned(),
    };
    let region = crate::aws::session::region_of(&config);
    let s3 = S3::new(&config, &region, custom, side.clone());
    // A bucket in another region answers only there.
    match s3.bucket_region(bucket).await {
        Ok(actual) if actual != region => Ok((S3::new(&config, &actual, custom, side), custom)),
        _ => Ok((s3, custom)),
    }
}

/// `ddb-ferry exports s3://BUCKET[/PREFIX]`.
pub async fn exports(url: &str, opts: &InspectOptions, json: bool) -> i32 {
    let (bucket, prefix) = match parse_s3_url(url) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return PROBLEMS;
        }
    };
    let found = async {
        let (s3, _) = connect(opts, &bucket).await?;
        exports_under(&s3, &bucket, &prefix).await
    }
    .await;
    let found = match found {
        Ok(f) => f,
        Err(f) => return fail(&f, json),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({"source": format!("s3://{bucket}/{prefix}"), "exports": found})
        );
        return 0;
    }
    if found.is_empty() {
        println!(
            "No DynamoDB exports (AWSDynamoDB/<export id>/ folders) under s3://{bucket}/{prefix}."
        );
        return 0;
    }
    println!("{} export(s) under s3://{bucket}/{prefix}:", found.len());
    for e in &found {
        print!("{}", describe_text(&bucket, e));
    }
    0
}

/// One export, for a terminal.
pub fn describe_text(bucket: &str, e: &FoundExport) -> String {
    let mut out = String::new();
    let state = match e.state {
        ExportState::Complete => "complete",
        ExportState::NoManifest => {
            "no manifest (still running, or written by a tool that writes none)"
        }
        ExportState::ManifestInvalid => "MANIFEST INVALID",
    };
    out.push_str(&format!("\n{}  {state}\n", e.export_id));
    out.push_str(&format!("  folder:       s3://{bucket}/{}\n", e.root));
    out.push_str(&format!(
        "  import from:  s3://{bucket}/{}\n",
        e.data_prefix
    ));
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    out.push_str(&format!("  table:        {}\n", opt(&e.table_arn)));
    out.push_str(&format!("  export time:  {}\n", opt(&e.export_time)));
    out.push_str(&format!(
        "  format:       {}, {}\n",
        opt(&e.format),
        match e.export_type.as_deref() {
            Some("INCREMENTAL_EXPORT") => "incremental",
            Some(_) => "full",
            None => "type unknown",
        }
    ));
    out.push_str(&format!(
        "  items:        {}   billed size: {}\n",
        e.item_count.map_or("-".to_owned(), |n| n.to_string()),
        e.billed_size_bytes.map_or("-".to_owned(), human_bytes)
    ));
    out.push_str(&format!(
        "  data files:   {} ({})\n",
        e.data_files,
        human_bytes(e.data_bytes)
    ));
    for p in &e.manifest_problems {
        out.push_str(&format!("  manifest:     {p}\n"));
    }
    for o in &e.non_data_objects {
        out.push_str(&format!(
            "  not a data file under data/: {} ({})\n",
            o.key,
            human_bytes(o.size)
        ));
    }
    if let Some(why) = &e.not_importable {
        out.push_str(&format!("  CANNOT BE IMPORTED: {why}\n"));
    }
    out
}

/// `ddb-ferry check s3://BUCKET/PREFIX --key pk:S ...`.
#[allow(clippy::too_many_arguments)]
pub async fn check(
    url: &str,
    keys: &[String],
    gsi: &[String],
    opts: &InspectOptions,
    json: bool,
    show: usize,
    threads: Option<usize>,
) -> i32 {
    let parsed = (|| -> Result<(String, String, CheckSpec), String> {
        let (bucket, prefix) = parse_s3_url(url)?;
        let keys = keys
            .iter()
            .map(|k| parse_key(k))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() || keys.len() > 2 {
            return Err("give the new table's partition key with --key NAME:TYPE, and its sort key, if any, with a second --key".into());
        }
        let gsi = gsi
            .iter()
            .map(|g| parse_gsi(g))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((bucket, prefix, CheckSpec { keys, gsi }))
    })();
    let (bucket, prefix, spec) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return PROBLEMS;
        }
    };
    let (s3, custom) = match connect(opts, &bucket).await {
        Ok(c) => c,
        Err(f) => return fail(&f, json),
    };
    let target = match check_target(&s3, &bucket, &prefix).await {
        Ok(t) => t,
        Err(f) => return fail(&f, json),
    };
    // Say what will be downloaded before downloading it: data transfer out of AWS is billed.
    let mut notice = format!(
        "Reading {} data file(s), {} ({} bytes) as stored, from {}",
        target.files.len(),
        human_bytes(target.bytes()),
        target.bytes(),
        target.context.source
    );
    if custom {
        notice.push_str(&format!(
            " through the endpoint {}.",
            opts.endpoint_url
                .clone()
                .unwrap_or_else(|| "of the profile".into())
        ));
    } else {
        notice.push_str(&format!(
            " in {}. Unless this machine runs in AWS in that region, AWS bills the download as data transfer out (about {:.2} GB).",
            s3.region(),
            target.bytes() as f64 / 1e9
        ));
    }
    if json {
        eprintln!("{notice}");
    } else {
        println!("{notice}");
    }
    let show_progress = !json && std::io::stderr().is_terminal();
    let last_line = Arc::new(Mutex::new(Instant::now() - Duration::from_secs(1)));
    let progress = Arc::new(move |p: &CheckProgress| {
        if !show_progress {
            return;
        }
        if let Ok(mut last) = last_line.lock() {
            if last.elapsed() < Duration::from_millis(500) {
                return;
            }
            *last = Instant::now();
        }
        eprint!("\r  {}\x1b[K", p.describe());
        let _ = std::io::stderr().flush();
    });
    let options = CheckOptions {
        show,
        threads: threads.unwrap_or(CheckOptions::default().threads),
        ..CheckOptions::default()
    };
    let data = match check_files(
        &s3,
        &bucket,
        target.files.clone(),
        spec.clone(),
        options,
        progress,
    )
    .await
    {
        Ok(d) => d,
        Err(f) => return fail(&f, json),
    };
    if show_progress {
        eprint!("\r\x1b[K");
    }
    let report = CheckReport::new(target.context, spec, data);
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.render_text());
    }
    if report.passed() {
        0
    } else {
        PROBLEMS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_s3_url("s3://my-bucket/a/b/").unwrap(),
            ("my-bucket".to_owned(), "a/b/".to_owned())
        );
        assert_eq!(
            parse_s3_url("s3://my-bucket").unwrap(),
            ("my-bucket".to_owned(), String::new())
        );
        assert!(parse_s3_url("my-bucket/a").is_err());
        assert!(parse_s3_url("s3://Bad_Bucket/a").is_err());
    }

    #[test]
    fn keys_and_indexes() {
        let k = parse_key("pk:S").unwrap();
        assert_eq!((k.name.as_str(), k.kind), ("pk", ScalarType::S));
        let k = parse_key("a:b:n").unwrap();
        assert_eq!((k.name.as_str(), k.kind), ("a:b", ScalarType::N));
        assert!(parse_key("pk").is_err());
        assert!(parse_key(":S").is_err());
        assert!(parse_key("pk:SS").unwrap_err().contains("SS"));
        let g = parse_gsi("by-status:status:S").unwrap();
        assert_eq!(g.index, "by-status");
        assert_eq!(g.attr.name, "status");
        assert!(parse_gsi("status:S").is_err());
        assert!(parse_gsi(":a:S").is_err());
    }

    #[test]
    fn progress_line() {
        let p = CheckProgress {
            bytes_read: 50,
            bytes_total: 100,
            items: 7,
            files_done: 1,
            files_total: 2,
            elapsed: Duration::from_secs(5),
        };
        assert_eq!(
            p.describe(),
            "50 B of 100 B (50%), 10 B/s, 7 items, 5 s left"
        );
    }
}
