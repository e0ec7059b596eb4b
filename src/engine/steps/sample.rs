//! Reading the first items of an export straight from S3, decompressing as the bytes arrive,
//! so a sample of a multi-gigabyte export costs a few kilobytes of download.

use std::io::Write;

use flate2::write::MultiGzDecoder;

use crate::aws::explain::AwsFailure;
use crate::aws::s3::S3;
use crate::logic::layout::ObjectInfo;

/// One line of an export data file, with where it came from.
#[derive(Debug, Clone)]
pub struct SampledLine {
    pub file: String,
    pub line: u64,
    pub text: String,
}

/// Longest line kept; DynamoDB items are at most 400 KB, so a longer line is not an item.
const MAX_LINE: usize = 1024 * 1024;

/// Reads up to `max_items` non-empty lines from the data files under `prefix`, in key order.
pub async fn sample_items(
    s3: &S3,
    bucket: &str,
    prefix: &str,
    max_items: u64,
) -> Result<Vec<SampledLine>, AwsFailure> {
    let mut files: Vec<ObjectInfo> = s3
        .list(bucket, prefix)
        .await?
        .into_iter()
        .filter(|o| o.size > 0 && !o.key.ends_with('/'))
        .collect();
    files.sort_by(|a, b| a.key.cmp(&b.key));
    let mut out: Vec<SampledLine> = Vec::new();
    for file in files {
        if out.len() as u64 >= max_items {
            break;
        }
        let gz = file.key.ends_with(".gz");
        let mut decoder = MultiGzDecoder::new(Vec::new());
        let mut plain: Vec<u8> = Vec::new();
        let mut line_no = 0u64;
        let mut failed: Option<String> = None;
        let key = file.key.clone();
        s3.read_streaming(bucket, &file.key, |chunk| {
            if gz {
                if let Err(e) = decoder.write_all(chunk) {
                    failed = Some(format!("{key} is not a valid gzip file: {e}"));
                    return false;
                }
                plain.append(decoder.get_mut());
            } else {
                plain.extend_from_slice(chunk);
            }
            take_lines(&mut plain, &key, &mut line_no, &mut out, max_items);
            if plain.len() > MAX_LINE {
                failed = Some(format!(
                    "{key} has a line longer than {MAX_LINE} bytes near line {}",
                    line_no + 1
                ));
                return false;
            }
            (out.len() as u64) < max_items
        })
        .await?;
        if let Some(message) = failed {
            return Err(AwsFailure::from_code(
                "s3:GetObject",
                s3_side(),
                "DataFileUnreadable",
                &message,
            ));
        }
        if gz && (out.len() as u64) < max_items {
            let _ = decoder.try_finish();
            plain.append(decoder.get_mut());
        }
        if !plain.is_empty() && (out.len() as u64) < max_items {
            plain.push(b'\n');
            take_lines(&mut plain, &key, &mut line_no, &mut out, max_items);
        }
    }
    Ok(out)
}

fn s3_side() -> &'static str {
    "the destination account"
}

fn take_lines(
    plain: &mut Vec<u8>,
    file: &str,
    line_no: &mut u64,
    out: &mut Vec<SampledLine>,
    max_items: u64,
) {
    let mut start = 0;
    while let Some(pos) = plain[start..].iter().position(|b| *b == b'\n') {
        let end = start + pos;
        *line_no += 1;
        let text = String::from_utf8_lossy(&plain[start..end])
            .trim()
            .to_owned();
        start = end + 1;
        if !text.is_empty() && (out.len() as u64) < max_items {
            out.push(SampledLine {
                file: file.to_owned(),
                line: *line_no,
                text,
            });
        }
    }
    plain.drain(..start);
}
