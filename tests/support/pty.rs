//! The wizard in a pseudo-terminal: the built binary runs in a pty (portable-pty), a reader
//! thread drains everything it writes into a terminal model (vt100), and a test types keys
//! and waits for text on the screen. A failed wait prints the whole screen.
//!
//! Screen texts the walks wait for are constants below, in one place: the wizard's labels may
//! change; its keys are what the walks rely on.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

use super::{Emulator, AWS_ENV_VARS};

pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
pub const DOWN: &str = "\x1b[B";
pub const UP: &str = "\x1b[A";
pub const ESC: &str = "\x1b";

/// The longest a walk waits for one thing to appear.
pub const WAIT: Duration = Duration::from_secs(60);

// What the screens say (verified by hand at 80x24 against the emulator).
pub const BOTH_ANSWERED: &str = "Both accounts answered";
/// The profile lists once they arrived: the first profile (alphabetically, `dest`) is
/// highlighted. The key bar says "source" before they arrive, so the word alone is no sign.
pub const PROFILES_LISTED: &str = "> dest";
/// The Road screen's question.
pub const ROAD: &str = "How should";
pub const ROAD_S3_CHOSEN: &str = "(*) Export and import through S3";
pub const ROAD_BACKUP_CHOSEN: &str = "(*) Through a backup";
pub const PITR_DISABLED: &str = "Point-in-time recovery: DISABLED";
pub const PITR_ON: &str = "PITR is on. Enter: continue to the bucket.";
pub const BUCKET_LIST: &str = "Destination buckets";
pub const BUCKET_NEW: &str = "does not exist yet";
pub const EXPORT_FORM: &str = "Format:";
pub const EXPORT_REVIEW: &str = "What happens when you press Enter";
pub const PROGRESS: &str = "Export progress";
pub const RUNNING: &str = "IN_PROGRESS";
pub const EXPORT_COMPLETE: &str = "Export complete";
/// The data folder's pane once its listing arrived (with or without manifests).
pub const FOLDER_LISTED: [&str; 2] = [
    "An export (read from its manifest",
    "An export without manifests",
];
pub const KEYS_MATCH: &str = "The keys match the export.";
pub const IMPORT_COMPLETE: &str = "Import complete";
pub const VERIFY_ITEMS: &str = "Items: export";
/// In the Verify box once the migration is done.
pub const QUIT_HINT: &str = "Enter quits";
/// The key bar while a text field takes the keys.
pub const EDITING: &str = "EDITING";
pub const RESUME: &str = "An unfinished migration was found";
pub const TOO_SMALL: &str = "Enlarge the window";
pub const HELP: &str = "Help:";

struct Term {
    parser: vt100::Parser,
    /// Bytes the child wrote to the terminal.
    bytes: u64,
    /// When the screen first held something other than blanks.
    first_frame: Option<Instant>,
    /// The child closed the terminal (it exited).
    eof: bool,
}

type Shared = Arc<(Mutex<Term>, Condvar)>;

/// A child process in a pseudo-terminal; killed (and reaped) when dropped.
pub struct Pty {
    shared: Shared,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    pub pid: u32,
    /// Just before the spawn.
    pub spawned_at: Instant,
    exit_code: Option<u32>,
}

fn size(rows: u16, cols: u16) -> (NonZeroU16, NonZeroU16) {
    (
        NonZeroU16::new(rows).expect("rows > 0"),
        NonZeroU16::new(cols).expect("cols > 0"),
    )
}

impl Pty {
    /// `ddb-ferry ARGS` against the emulator, in a `rows`x`cols` terminal.
    pub fn ferry(emu: &Emulator, args: &[&str], rows: u16, cols: u16) -> Pty {
        Pty::spawn(
            env!("CARGO_BIN_EXE_ddb-ferry"),
            args,
            &emu.env(),
            rows,
            cols,
        )
    }

    /// The wizard (`ddb-ferry` without arguments) at 80x24.
    pub fn wizard(emu: &Emulator) -> Pty {
        Pty::ferry(emu, &[], 24, 80)
    }

    /// `program ARGS` with this process's environment minus every AWS_* setting, plus `env`
    /// and TERM=xterm-256color.
    pub fn spawn(
        program: &str,
        args: &[&str],
        env: &[(String, String)],
        rows: u16,
        cols: u16,
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        for var in AWS_ENV_VARS {
            cmd.env_remove(var);
        }
        for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "RUST_LOG"] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.cwd(std::env::temp_dir());

        let (r, c) = size(rows, cols);
        let shared: Shared = Arc::new((
            Mutex::new(Term {
                parser: vt100::Parser::new(r, c, 0),
                bytes: 0,
                first_frame: None,
                eof: false,
            }),
            Condvar::new(),
        ));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let spawned_at = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn in the pty");
        // Only the child holds the terminal's other end: its exit ends the reader.
        drop(pair.slave);
        let pid = child.process_id().expect("child pid");

        let feed = shared.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let (lock, cv) = &*feed;
                        let mut t = lock.lock().unwrap_or_else(|e| e.into_inner());
                        t.parser.process(&buf[..n]);
                        t.bytes += n as u64;
                        if t.first_frame.is_none()
                            && !t.parser.screen().contents().trim().is_empty()
                        {
                            t.first_frame = Some(Instant::now());
                        }
                        cv.notify_all();
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    // EIO: the child closed the terminal.
                    Err(_) => break,
                }
            }
            let (lock, cv) = &*feed;
            lock.lock().unwrap_or_else(|e| e.into_inner()).eof = true;
            cv.notify_all();
        });

        Pty {
            shared,
            master: pair.master,
            writer,
            child,
            pid,
            spawned_at,
            exit_code: None,
        }
    }

    fn term(&self) -> MutexGuard<'_, Term> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The screen's text, rows joined by newlines.
    pub fn screen(&self) -> String {
        self.term().parser.screen().contents()
    }

    /// Bytes the child has written to the terminal so far.
    pub fn bytes(&self) -> u64 {
        self.term().bytes
    }

    /// When the screen first showed anything.
    pub fn first_frame(&self) -> Option<Instant> {
        self.term().first_frame
    }

    /// Waits until `pred(screen)` holds; the screen it held for, or `None` after `timeout`
    /// (or when the child closed the terminal first).
    pub fn wait_until(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut t = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let screen = t.parser.screen().contents();
            if pred(&screen) {
                return Some(screen);
            }
            let now = Instant::now();
            if t.eof || now >= deadline {
                return None;
            }
            t = cv
                .wait_timeout(t, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Fails the test, showing the whole current screen.
    #[track_caller]
    pub fn fail(&self, what: &str) -> ! {
        let t = self.term();
        let screen = t.parser.screen().contents();
        let (rows, cols) = t.parser.screen().size();
        let eof = t.eof;
        drop(t);
        let framed: String = screen
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{:2}|{l}\n", i + 1))
            .collect();
        panic!(
            "{what}\n--- the screen ({cols}x{rows}{}) ---\n{framed}--- end of screen ---",
            if eof {
                ", the program has closed the terminal"
            } else {
                ""
            }
        );
    }

    /// Waits until `text` is on the screen; fails the test with the screen after `timeout`.
    #[track_caller]
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        match self.wait_until(timeout, |s| s.contains(text)) {
            Some(s) => s,
            None => self.fail(&format!("waited {timeout:?} for {text:?} in vain")),
        }
    }

    /// Waits until one of `texts` is on the screen; its index.
    #[track_caller]
    pub fn wait_for_any(&self, texts: &[&str], timeout: Duration) -> usize {
        match self.wait_until(timeout, |s| texts.iter().any(|t| s.contains(t))) {
            Some(s) => texts.iter().position(|t| s.contains(t)).unwrap_or(0),
            None => self.fail(&format!("waited {timeout:?} for any of {texts:?} in vain")),
        }
    }

    /// Waits until `word` stands on the screen as a whole word (not inside another word).
    #[track_caller]
    pub fn wait_for_word(&self, word: &str, timeout: Duration) -> String {
        match self.wait_until(timeout, |s| has_word(s, word)) {
            Some(s) => s,
            None => self.fail(&format!("waited {timeout:?} for the word {word:?} in vain")),
        }
    }

    /// Waits until `text` is no longer on the screen.
    #[track_caller]
    pub fn wait_gone(&self, text: &str, timeout: Duration) -> String {
        match self.wait_until(timeout, |s| !s.contains(text)) {
            Some(s) => s,
            None => self.fail(&format!("waited {timeout:?} for {text:?} to go, in vain")),
        }
    }

    /// Types `keys` (bytes as a terminal sends them: ENTER, TAB, DOWN, ESC, letters).
    pub fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .and_then(|_| self.writer.flush())
            .unwrap_or_else(|e| self.fail(&format!("could not type {keys:?}: {e}")));
    }

    /// Types each key on its own, a moment apart (so a lone Esc stays an Esc).
    pub fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            self.send(k);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Resizes the terminal (the child gets SIGWINCH) and the screen model with it.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (r, c) = size(rows, cols);
        self.term().parser.set_size(r, c);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// The exit code once the child has ended within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<u32> {
        if self.exit_code.is_some() {
            return self.exit_code;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exit_code = Some(status.exit_code());
                return self.exit_code;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no handler runs, nothing is cleaned up (a crash, or `kill -9`).
    pub fn kill_hard(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status();
        if self.wait_exit(Duration::from_secs(10)).is_none() {
            self.fail("the process outlived SIGKILL");
        }
    }

    /// CPU time the child has used so far (user + system, all threads), from /proc.
    pub fn cpu_time(&self) -> Duration {
        cpu_time_of(self.pid)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.exit_code.is_none() && !matches!(self.child.try_wait(), Ok(Some(_))) {
            // SIGHUP, then SIGKILL after a grace period.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The screen without its last row (the key hints).
pub fn body(screen: &str) -> &str {
    screen.trim_end().rsplit_once('\n').map_or("", |(b, _)| b)
}

/// `word` stands in `text` with no letter, digit, `-` or `_` right before or after it.
pub fn has_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// utime + stime of a process (all its threads), from /proc/PID/stat.
pub fn cpu_time_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15.
    let ticks = |i: usize| fields.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    let total = ticks(14).unwrap_or(0) + ticks(15).unwrap_or(0);
    Duration::from_secs_f64(total as f64 / clock_ticks_per_second() as f64)
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

// ---------------------------------------------------------------------------------------
// Walks through the wizard, by keys, as a user does.

/// Accounts: `source` for the source, `dest` for the destination, then on to the tables.
pub fn choose_accounts(pty: &mut Pty) {
    // The profiles are listed alphabetically: dest, source. A ↓ sent before they arrive
    // would be lost and `dest` taken for the source.
    pty.wait_for(PROFILES_LISTED, WAIT);
    pty.send(DOWN);
    pty.send(ENTER);
    pty.send(ENTER);
    pty.wait_for(BOTH_ANSWERED, WAIT);
    pty.send(ENTER);
}

/// Table: the highlighted (first) table, `table`; the S3 road (recommended across accounts
/// for a table without local secondary indexes); PITR turned on; on to the bucket: Enter
/// each time, as the key bar says.
pub fn choose_table_and_pitr(pty: &mut Pty, table: &str) {
    pty.wait_for_word(table, WAIT);
    pty.send(ENTER);
    let road = pty.wait_for(ROAD, WAIT);
    if !road.contains(ROAD_S3_CHOSEN) {
        pty.fail("the S3 road is not the one chosen already");
    }
    pty.send(ENTER);
    pty.wait_for(PITR_DISABLED, WAIT);
    pty.send(ENTER);
    pty.wait_for(PITR_ON, WAIT);
    pty.send(ENTER);
}

/// Bucket: a new bucket typed in; Enter previews the change, Enter applies it; on to the
/// export form.
pub fn choose_new_bucket(pty: &mut Pty, bucket: &str) {
    pty.wait_for(BUCKET_LIST, WAIT);
    pty.send(TAB);
    pty.send(bucket);
    pty.send(ENTER);
    pty.wait_for(BUCKET_NEW, WAIT);
    pty.send(ENTER);
    pty.wait_for(EXPORT_FORM, WAIT);
}

/// Export: the defaults reviewed, the export started; the progress panel is open.
pub fn start_export(pty: &mut Pty) {
    pty.send(ENTER);
    pty.wait_for(EXPORT_REVIEW, WAIT);
    pty.send(ENTER);
    pty.wait_for(PROGRESS, WAIT);
}

/// From the start to the open export progress panel.
pub fn walk_to_export(pty: &mut Pty, table: &str, bucket: &str) {
    choose_accounts(pty);
    choose_table_and_pitr(pty, table);
    choose_new_bucket(pty, bucket);
    start_export(pty);
}

/// From the export progress panel (or a reattached one) to the end, Enter at each step: the
/// export complete, the data folder (chosen for us), the keys checked, the import run, and
/// verified. Returns the final screen; the wizard waits for Enter to quit.
pub fn finish_after_export(pty: &mut Pty, new_table: &str) -> String {
    open_keys_after_export(pty, new_table);
    import_and_verify(pty)
}

/// From the export progress panel to the Keys screen: the export complete, the data folder
/// (chosen for us).
pub fn open_keys_after_export(pty: &mut Pty, new_table: &str) {
    pty.wait_for(EXPORT_COMPLETE, WAIT);
    pty.send(ENTER);
    pty.wait_for_any(&FOLDER_LISTED, WAIT);
    pty.send(ENTER);
    pty.wait_for(&format!("Name: {new_table}"), WAIT);
}

/// From the Keys screen to the end: the keys checked, the import run and verified. Returns
/// the final screen.
pub fn import_and_verify(pty: &mut Pty) -> String {
    pty.send(ENTER);
    pty.wait_for(KEYS_MATCH, WAIT);
    pty.send(ENTER);
    pty.wait_for(IMPORT_COMPLETE, WAIT);
    pty.send(ENTER);
    match pty.wait_until(WAIT, |s| {
        s.contains(VERIFY_ITEMS) && body(s).contains(QUIT_HINT)
    }) {
        Some(s) => s,
        None => pty.fail("the migration did not reach Verify & finish"),
    }
}
