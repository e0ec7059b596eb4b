//! An S3 object as a blocking `Read`, for the check's worker threads.
//!
//! A task on the async runtime downloads the body and hands it over chunk by chunk through
//! a bounded channel, so a file costs a few chunks of memory however large it is, and the
//! download runs ahead of decompression by that much. A connection dropped mid-body is
//! resumed with a ranged GET from the byte reached (S3 streams do drop on long reads).

use std::io::{self, Read};
use std::time::Duration;

use aws_sdk_s3::Client;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::explain::AwsFailure;

/// Chunks buffered ahead of the reader (each as the HTTP body yields it, usually ≤ 64 KB).
const AHEAD: usize = 16;

/// Times a dropped body is resumed before the read fails.
const RESUMES: u32 = 4;

/// A blocking reader of one object. Dropping it stops the download.
pub struct ObjectReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    task: JoinHandle<()>,
}

impl ObjectReader {
    /// Starts downloading `key` on `runtime`; must be read from outside the runtime's
    /// async context (a plain thread or `spawn_blocking`).
    pub(crate) fn start(
        runtime: &Handle,
        client: Client,
        side: String,
        bucket: &str,
        key: &str,
    ) -> Self {
        let (tx, rx) = mpsc::channel(AHEAD);
        let bucket = bucket.to_owned();
        let key = key.to_owned();
        let task = runtime.spawn(async move {
            download(client, side, bucket, key, tx).await;
        });
        ObjectReader {
            rx,
            current: Vec::new(),
            at: 0,
            task,
        }
    }
}

async fn download(
    client: Client,
    side: String,
    bucket: String,
    key: String,
    tx: mpsc::Sender<io::Result<Vec<u8>>>,
) {
    let mut offset: u64 = 0;
    let mut resumes = 0;
    loop {
        let mut request = client.get_object().bucket(&bucket).key(&key);
        if offset > 0 {
            request = request.range(format!("bytes={offset}-"));
        }
        let mut out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let failure = AwsFailure::from_sdk("s3:GetObject", &side, e);
                let _ = tx
                    .send(Err(io::Error::other(format!(
                        "s3:GetObject of s3://{bucket}/{key} failed: {} ({})",
                        failure.what, failure.next
                    ))))
                    .await;
                return;
            }
        };
        loop {
            match out.body.try_next().await {
                Ok(Some(chunk)) => {
                    offset += chunk.len() as u64;
                    if tx.send(Ok(chunk.to_vec())).await.is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) if resumes < RESUMES => {
                    resumes += 1;
                    tracing::warn!(
                        "s3://{bucket}/{key}: the download broke at byte {offset} ({e}); resuming"
                    );
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(resumes))).await;
                    break;
                }
                Err(e) => {
                    let _ = tx
                        .send(Err(io::Error::other(format!(
                            "the download of s3://{bucket}/{key} broke at byte {offset} {RESUMES} times: {e}"
                        ))))
                        .await;
                    return;
                }
            }
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.at < self.current.len() {
                let n = buf.len().min(self.current.len() - self.at);
                buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}
