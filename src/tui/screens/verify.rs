//! Verify & finish: item counts compared, the sampled item check, the settings the import did
//! not carry offered one by one, PITR back off on the source, and where the summary is.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::journal::{Journal, NotCarried, VerifyRecord};
use crate::engine::session::actor::Request;
use crate::engine::session::NotCarriedFix;
use crate::tui::app::App;
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::pane::{render_scrolled, scroll_key};

#[derive(Debug, Clone, Default)]
pub struct State {
    pub done: bool,
    pub verify: Option<VerifyRecord>,
    pub not_carried: Vec<NotCarried>,
    pub selected: usize,
    pub applied: HashMap<String, Result<(), AwsFailure>>,
    pub summary: Option<String>,
    pub pitr_off: bool,
    pub new_table: String,
    /// The new table was restored from a backup (the words say restore, not import).
    pub restored: bool,
    /// Items the import rejected, and where AWS logged them.
    pub import_errors: Option<(i64, String)>,
    /// First line of the Finish pane shown (PgUp/PgDn).
    pub scroll: u16,
}

impl State {
    pub fn from_journal(&mut self, j: &Journal) {
        self.verify = j.verify.clone();
        self.not_carried = j.not_carried.clone();
        self.pitr_off = j.pitr.disabled_after;
        self.new_table = j.plan.table.name.clone();
        self.restored = j.plan.via == crate::engine::plan::Via::Backup;
        self.import_errors = j.import.as_ref().and_then(|i| {
            let n = i.error_count.filter(|n| *n > 0)?;
            let id = i.arn.as_deref()?.rsplit('/').next()?.to_owned();
            Some((n, format!("/aws-dynamodb/imports, stream {id}/error")))
        });
        self.summary = Some(format!(
            "{}/migrations/{}.summary.md",
            crate::engine::journal::state_dir().display(),
            j.id
        ));
    }

    /// The call that applies a setting from inside the wizard, where one exists.
    fn call_for(&self, item: &NotCarried) -> Option<NotCarriedFix> {
        match item.setting.as_str() {
            "TTL" => item
                .source_value
                .strip_prefix("enabled on attribute ")
                .map(|a| NotCarriedFix::Ttl {
                    table: self.new_table.clone(),
                    attribute: a.to_owned(),
                }),
            "Point-in-time recovery" => Some(NotCarriedFix::Pitr {
                table: self.new_table.clone(),
            }),
            _ => None,
        }
    }
}

pub fn on_applied(app: &mut App, setting: String, result: Result<(), AwsFailure>) -> Vec<Cmd> {
    app.verify.applied.insert(setting, result);
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let planned = catch_up_planned(app);
    let st = &mut app.verify;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            st.selected = (st.selected + 1).min(st.not_carried.len().saturating_sub(1));
            Some(Vec::new())
        }
        KeyCode::Up | KeyCode::Char('k') => {
            st.selected = st.selected.saturating_sub(1);
            Some(Vec::new())
        }
        KeyCode::Char('a') if st.done => {
            let item = st.not_carried.get(st.selected)?.clone();
            match st.call_for(&item) {
                Some(fix) => Some(vec![Cmd::Session(Request::ApplySetting {
                    setting: item.setting,
                    fix,
                })]),
                None => {
                    st.applied.insert(
                        item.setting.clone(),
                        Err(AwsFailure::new(
                            "apply-by-hand",
                            crate::aws::explain::FailureKind::BadInput,
                            format!("{} is applied with the command shown", item.setting),
                            "this setting needs choices only you can make (names, ARNs, policies)",
                            item.how_to_apply.clone(),
                        )),
                    );
                    Some(Vec::new())
                }
            }
        }
        _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
        KeyCode::Char('u') if st.done && !st.restored => Some(super::catch_up::enter(app)),
        KeyCode::Enter if st.done && planned => Some(super::catch_up::enter(app)),
        KeyCode::Enter if st.done => {
            app.quit = true;
            Some(Vec::new())
        }
        _ => None,
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.verify;
    let [top, bottom] = Layout::vertical([Constraint::Length(9), Constraint::Min(4)]).areas(area);
    let mut lines = Vec::new();
    if app.engine_busy {
        lines.push(Line::from(
            "Counting the new table's items and reading a sample back…",
        ));
    }
    if let Some(v) = &st.verify {
        lines.extend(count_lines(v, st.restored));
    }
    if st.pitr_off {
        lines.push(Line::from(
            "PITR on the source was turned off again, as it was before.",
        ));
    }
    if let Some((n, log)) = &st.import_errors {
        lines.push(Line::from(format!(
            "The import rejected {n} items: see CloudWatch Logs {log}"
        )));
    }
    if st.done && catch_up_planned(app) {
        lines.push(Line::from(
            "Done: the new table is ready. Next, catch up (Enter): the writes the source keeps receiving are copied here until you switch over; PITR stays on at the source until then.",
        ));
    } else if st.done {
        lines.push(Line::from(if st.restored {
            "Done: the new table is ready; Enter quits. Below: what a restore leaves out."
        } else {
            "Done: the new table is ready. Enter quits; below, what the import did not carry."
        }));
        if let Some(s) = &st.summary {
            lines.push(Line::from(
                "A summary with every AWS CLI command was saved to:",
            ));
            lines.push(Line::from(format!("  {s}")));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Verify ")),
        top,
    );
    if let Some(fail) = &app.failure {
        failure::render(f, bottom, fail);
        return;
    }
    let mut items: Vec<Line> = vec![Line::from(format!(
        "Settings {} does not copy (↑↓ choose; a applies the chosen one):",
        if st.restored {
            "a restore"
        } else {
            "an import"
        }
    ))];
    if st.not_carried.is_empty() && st.done {
        items.push(Line::from(if st.restored {
            "Nothing: the source had no TTL, stream or other setting a restore leaves out."
        } else {
            "Nothing: the source had no TTL, stream, tags or other such settings."
        }));
    }
    for (i, n) in st.not_carried.iter().enumerate() {
        let mark = if i == st.selected { "> " } else { "  " };
        let state = match st.applied.get(&n.setting) {
            Some(Ok(())) => " [applied]",
            Some(Err(_)) => " [see below]",
            None => "",
        };
        items.push(Line::from(format!(
            "{mark}{}: {}{state}",
            n.setting, n.source_value
        )));
        if i == st.selected {
            items.push(Line::from(format!("    {}", n.how_to_apply)));
            if let Some(Err(e)) = st.applied.get(&n.setting) {
                items.push(Line::from(format!("    {}", e.what)));
            }
        }
    }
    if st.done {
        if let Some(j) = &app.journal {
            items.extend(leftover_lines(j, &app.prices));
        }
    }
    render_scrolled(f, bottom, "Finish", false, items, st.scroll);
}

/// The counts and the sample, in the words of the road: an import is compared with its
/// export; a restore with the source as it is now (or, for an older backup, by its keys and
/// indexes only, since its items are of the backup's time).
fn count_lines(v: &VerifyRecord, restored: bool) -> Vec<Line<'static>> {
    let show = |x: Option<i64>| x.map_or("-".to_owned(), |n| n.to_string());
    let verdict = if v.passed { "verified" } else { "NOT verified" };
    if !restored {
        return vec![
            Line::from(format!(
                "Items: export {}, imported {}, counted in the new table {}",
                show(v.expected_items),
                show(v.imported_items),
                show(v.counted_items)
            )),
            Line::from(format!(
                "Sample: {} items read back, {} differences — {verdict}",
                v.sampled,
                v.sample_mismatches.len()
            )),
        ];
    }
    let compared = v.sampled > 0 || v.counted_items.is_some();
    if !v.passed && !compared {
        // The schema check failed: the differences are the lost keys or indexes.
        return vec![Line::from(format!(
            "Keys and indexes: NOT as in the source: {}",
            v.sample_mismatches.join("; ")
        ))];
    }
    let mut lines = vec![Line::from("Keys and indexes: as in the source.")];
    if !compared {
        lines.push(Line::from(format!(
            "Items: of the backup's time, so not compared with the source as it is now — {verdict}"
        )));
        return lines;
    }
    lines.push(Line::from(format!(
        "Items: in the source {}, counted in the new table {}",
        show(v.expected_items),
        show(v.counted_items)
    )));
    lines.push(Line::from(format!(
        "Sample: {} items compared with the source, {} differences — {verdict}",
        v.sampled,
        v.sample_mismatches.len()
    )));
    lines
}

/// What stays behind, what keeping each costs, and the commands that remove it: ddb-ferry
/// itself deletes nothing.
pub(crate) fn leftover_lines(
    journal: &crate::engine::journal::Journal,
    prices: &crate::logic::cost::Prices,
) -> Vec<Line<'static>> {
    let left = crate::engine::leftovers::leftovers(journal, prices);
    if left.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        Line::from(""),
        Line::from(
            "What stays behind: ddb-ferry deletes nothing. Each costs what is said until you remove it, with the commands below, once you no longer need it:",
        ),
    ];
    for l in left {
        lines.push(Line::from(format!(
            "• {} — keeping it costs {}",
            l.what,
            l.cost_words()
        )));
        lines.extend(
            l.remove_commands
                .into_iter()
                .map(|c| Line::from(format!("    {c}"))),
        );
    }
    lines
}

/// The keys of the Verify screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.verify;
    let mut hints = Vec::new();
    if st.done && catch_up_planned(app) {
        hints.push(hint("Enter", "catch up"));
        hints.push(hint("Ctrl-P", "save as a plan"));
        hints.push(hint("PgUp/PgDn", "scroll"));
        if !st.not_carried.is_empty() {
            hints.push(hint("a", "apply the chosen setting"));
            hints.push(hint("↑↓", "choose"));
        }
    } else if st.done {
        hints.push(hint("Enter", "quit"));
        if !st.restored {
            hints.push(hint("u", "catch up"));
        }
        hints.push(hint("Ctrl-P", "save as a plan"));
        hints.push(hint("PgUp/PgDn", "scroll"));
        if !st.not_carried.is_empty() {
            hints.push(hint("a", "apply the chosen setting"));
            hints.push(hint("↑↓", "choose"));
        }
    }
    Bar::commands(hints)
}

/// Catch-up was chosen before the export: it is offered first.
fn catch_up_planned(app: &App) -> bool {
    !app.verify.restored
        && app
            .journal
            .as_ref()
            .is_some_and(|j| j.plan.options.catch_up)
}

/// The help of the screen, in the words of the road the table took.
pub fn help(app: &App) -> &'static [&'static str] {
    if app.verify.restored {
        HELP_RESTORED
    } else {
        HELP
    }
}

pub const HELP_RESTORED: &[&str] = &[
    "ddb-ferry checks that the restored table has the source's keys and every index, then — when the backup is of the table as it is now — counts the items of both tables and reads a sample back from the new one, comparing each attribute with the source (numbers by value).",
    "A restore keeps the keys, indexes and billing, and (through AWS Backup, when asked) the tags. Settings like TTL (items that expire), the stream (change feed), auto scaling and PITR (continuous backups) are not copied: each is listed with the source's value and the AWS CLI command that applies it. `a` applies TTL and PITR for you; the others need choices only you can make.",
    "Nothing is deleted: the backup ddb-ferry made, its copy in the destination's vault and ddb-ferry's statement in that vault's access policy stay until you remove them. The Finish pane lists each with what keeping it costs (an estimate) and the exact commands that remove it; PgDn scrolls to them.",
];

pub const HELP: &[&str] = &[
    "ddb-ferry counts the new table's items and reads a sample back, comparing each attribute with the export (numbers by value).",
    "An import creates the table with its keys, indexes, billing and encryption only. Settings like TTL (items that expire), the stream (change feed), tags, auto scaling and PITR (continuous backups) are not copied: each is listed with the source's value and the AWS CLI command that applies it. `a` applies TTL and PITR for you; the others need choices only you can make.",
    "Nothing is deleted: the export's files, the bucket if ddb-ferry created it, the bucket policy statements it added and PITR left on stay until you remove them. The Finish pane lists each with what keeping it costs (an estimate) and the exact commands that remove it; PgDn scrolls to them.",
    "Catch up (Enter when it was chosen on the Export screen, else u): your application may still write to the source; catch-up copies those writes into the new table until you switch over. It needs the source's PITR on since the export; if it is not, the Catch-up screen says so.",
];
