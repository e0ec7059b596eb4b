//! A small TCP proxy on 127.0.0.1 between ddb-ferry and the emulator, whose behaviour a test
//! switches while it runs: pass, delay every request, reset connections after some bytes of
//! the answer, or black-hole everything.
//!
//! The emulator (moto's HTTP server) closes every connection after one answer, so here one
//! connection is one AWS call; with keep-alive, "a request" is the first chunk sent after an
//! answer, which the delay and the reset rules also follow.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to the traffic; switched at run time with [`Proxy::set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Bytes go through as they come.
    Pass,
    /// Each request waits this long before it is passed on (the answer is not delayed).
    Delay(Duration),
    /// The answer to some requests is cut after `after_bytes` bytes and the connection reset
    /// (RST), as a connection dropped mid-call looks to the caller: every `every`-th request
    /// (0: none), and the first request containing each text of `once_each`
    /// (case-insensitive, e.g. an `X-Amz-Target` such as "ExportTableToPointInTime").
    Reset {
        after_bytes: usize,
        every: u64,
        once_each: Vec<String>,
    },
    /// Connections are accepted and nothing ever comes back, not even on the connections
    /// that were open when the fault was switched on.
    BlackHole,
}

impl Fault {
    /// Resets the answer of every `every`-th request after `after_bytes`.
    pub fn reset_every(every: u64, after_bytes: usize) -> Fault {
        Fault::Reset {
            after_bytes,
            every,
            once_each: Vec::new(),
        }
    }
}

struct State {
    fault: Mutex<Fault>,
    connections: AtomicU64,
    requests: AtomicU64,
    resets: AtomicU64,
    /// The `once_each` texts already reset.
    done: Mutex<Vec<String>>,
    /// Every byte of every answer, once `record` was called (for the leak test).
    recording: AtomicBool,
    answers: Mutex<Vec<u8>>,
}

/// A running proxy; it stops accepting when the test process ends.
pub struct Proxy {
    pub addr: String,
    state: Arc<State>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT` or `127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let state = Arc::new(State {
            fault: Mutex::new(Fault::Pass),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            done: Mutex::new(Vec::new()),
            recording: AtomicBool::new(false),
            answers: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let state = shared.clone();
                let upstream = upstream.clone();
                std::thread::spawn(move || serve(client, &upstream, state));
            }
        });
        Proxy { addr, state }
    }

    /// The URL to give ddb-ferry (`--endpoint-url`, or `endpoint_url` in a config copy).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().expect("fault lock") = fault;
    }

    pub fn fault(&self) -> Fault {
        self.state.fault.lock().expect("fault lock").clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Requests seen so far (first chunks after an answer).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Keeps a copy of every answer from now on; see [`Proxy::recorded`].
    pub fn record(&self) {
        self.state.recording.store(true, Ordering::SeqCst);
    }

    /// The answers recorded so far, as text.
    pub fn recorded(&self) -> String {
        String::from_utf8_lossy(&self.state.answers.lock().expect("answers lock")).into_owned()
    }

    /// Connections reset by a `Reset` fault so far.
    pub fn resets(&self) -> u64 {
        self.state.resets.load(Ordering::SeqCst)
    }
}

/// One connection: two pumps, one each way, sharing what they know about the request.
struct Conn {
    /// The next chunk from the client starts a new request.
    request_starts: AtomicBool,
    /// The answer to the current request is to be cut after this many bytes.
    cut_after: Mutex<Option<usize>>,
    /// Bytes of the current answer passed so far.
    answered: AtomicU64,
    /// The connection was black-holed: nothing goes through any more.
    dead: AtomicBool,
}

fn serve(client: TcpStream, upstream: &str, state: Arc<State>) {
    state.connections.fetch_add(1, Ordering::SeqCst);
    let conn = Arc::new(Conn {
        request_starts: AtomicBool::new(true),
        cut_after: Mutex::new(None),
        answered: AtomicU64::new(0),
        dead: AtomicBool::new(false),
    });
    if *state.fault.lock().expect("fault lock") == Fault::BlackHole {
        // Accept and swallow: the caller's call hangs until its own timeout.
        swallow(client);
        return;
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(client_reader), Ok(server_writer)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (up_state, up_conn) = (state.clone(), conn.clone());
    std::thread::spawn(move || requests(client_reader, server_writer, &up_state, &up_conn));
    answers(server, client, &state, &conn);
}

/// Reads and drops everything until the peer gives up.
fn swallow(mut stream: TcpStream) {
    let mut buf = [0u8; 16384];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Client → server: counts requests, applies the delay, decides which answers to cut.
fn requests(mut from: TcpStream, mut to: TcpStream, state: &State, conn: &Conn) {
    let mut buf = [0u8; 16384];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let fault = state.fault.lock().expect("fault lock").clone();
        if fault == Fault::BlackHole || conn.dead.load(Ordering::SeqCst) {
            conn.dead.store(true, Ordering::SeqCst);
            continue;
        }
        if conn.request_starts.swap(false, Ordering::SeqCst) {
            let nth = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
            conn.answered.store(0, Ordering::SeqCst);
            *conn.cut_after.lock().expect("cut lock") = None;
            match &fault {
                Fault::Delay(d) => std::thread::sleep(*d),
                Fault::Reset {
                    after_bytes,
                    every,
                    once_each,
                } => {
                    let text = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                    let mut done = state.done.lock().expect("done lock");
                    let target = once_each
                        .iter()
                        .find(|t| text.contains(&t.to_ascii_lowercase()) && !done.contains(t))
                        .cloned();
                    let cut = match target {
                        Some(t) => {
                            done.push(t);
                            true
                        }
                        None => *every > 0 && nth.is_multiple_of(*every),
                    };
                    if cut {
                        *conn.cut_after.lock().expect("cut lock") = Some(*after_bytes);
                    }
                }
                _ => {}
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Server → client: passes the answer, or cuts it and resets the connection.
fn answers(mut from: TcpStream, to: TcpStream, state: &State, conn: &Conn) {
    let mut to = to;
    let mut buf = [0u8; 16384];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if conn.dead.load(Ordering::SeqCst)
            || *state.fault.lock().expect("fault lock") == Fault::BlackHole
        {
            conn.dead.store(true, Ordering::SeqCst);
            continue;
        }
        let cut = *conn.cut_after.lock().expect("cut lock");
        let sent = conn.answered.load(Ordering::SeqCst) as usize;
        if let Some(limit) = cut {
            if sent + n > limit {
                let _ = to.write_all(&buf[..limit.saturating_sub(sent)]);
                state.resets.fetch_add(1, Ordering::SeqCst);
                reset(to);
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
        }
        if state.recording.load(Ordering::SeqCst) {
            state
                .answers
                .lock()
                .expect("answers lock")
                .extend_from_slice(&buf[..n]);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        conn.answered.fetch_add(n as u64, Ordering::SeqCst);
        conn.request_starts.store(true, Ordering::SeqCst);
    }
    if !conn.dead.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Closes with a TCP reset, as a dropped connection looks to the caller: with SO_LINGER 0
/// the last close of the socket sends RST. The other pump holds a clone of it; shutting its
/// reading side wakes that pump, which then drops its clone.
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    let _ = stream.shutdown(Shutdown::Read);
    drop(stream);
}
