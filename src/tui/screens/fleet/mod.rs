//! The fleet road: two or more tables marked on the Table screen move together as one
//! migration through S3. The Bucket and Export screens are shared with one table (the fleet
//! uses one bucket and one export setting for all); then the new names (a prefix and a
//! suffix), a summary with the estimate, and one dashboard of every table.

pub mod board;
mod detail;
pub mod model;
pub mod names;
pub mod summary;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::engine::fleet::limits::FleetLimits;
use crate::engine::fleet::plan::{FleetSource, RenameRule};
use crate::engine::fleet::FleetPlan;
use crate::engine::plan::{DestinationPlan, Options};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::msg::Side;
use crate::tui::services::Cmd;

#[derive(Debug, Clone, Default)]
pub struct State {
    /// The person took the fleet road (Enter with two or more tables marked).
    pub active: bool,
    pub names: names::State,
    pub summary: summary::State,
    pub board: board::State,
}

impl State {
    /// The fleet's run goes on in a task of this process. Once its last event (the fleet
    /// finished) came, it is over: the task only closes, every table's session already closed.
    pub fn running(&self) -> bool {
        self.board.running && self.board.model.finished.is_none()
    }
}

/// The marked tables, in the list's order.
pub fn tables(app: &App) -> Vec<String> {
    app.table
        .picker
        .items
        .iter()
        .filter(|t| app.table.picker.marked.contains(*t))
        .cloned()
        .collect()
}

/// Enter on the Table screen with two or more tables marked: on to the bucket, the fleet's
/// road. The destination's tables are listed once, so the new names can be checked.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    if let Some(j) = &app.journal {
        app.overlay = Overlay::Notice {
            title: "One migration at a time".into(),
            lines: vec![
                format!(
                    "What: this window already opened the migration {} of one table.",
                    j.id
                ),
                "Why:  a window runs one migration, so its jobs are never mixed up.".into(),
                "Next: quit (q) and open ddb-ferry again to move the marked tables as a fleet; the started migration is offered there to continue.".into(),
            ],
        };
        return Vec::new();
    }
    if !app.fleet.active {
        // The one-table road's screens were never this fleet's.
        app.reached = Screen::Table;
    }
    app.fleet.active = true;
    app.fleet.summary = summary::State::default();
    let mut cmds = Vec::new();
    if app.fleet.names.dest_tables.is_none() {
        cmds.push(Cmd::ListDestTables);
    }
    cmds.extend(super::bucket::enter(app));
    cmds
}

/// Leaves the fleet road (Enter on one table): its later screens are not this migration's.
pub fn leave(app: &mut App) {
    if app.fleet.active {
        app.fleet.active = false;
        app.reached = Screen::Table;
    }
}

/// The fleet plan the screens describe so far: the marked tables, the accounts, the bucket,
/// the export settings and the rename rule; `None` before both accounts answered.
pub fn plan_draft(app: &App) -> Option<FleetPlan> {
    let dest = app.accounts.identity(Side::Dest)?;
    let owner = app.bucket.owner.value().trim().to_owned();
    Some(FleetPlan {
        source: FleetSource {
            profile: app.accounts.source.profile.clone(),
            region: app.accounts.spec(Side::Source, None).region,
        },
        destination: DestinationPlan {
            profile: app.accounts.dest.profile.clone(),
            region: app.accounts.spec(Side::Dest, None).region,
            bucket: app.bucket.bucket().to_owned(),
            create_bucket: true,
            bucket_owner: Some(owner).filter(|o| !o.is_empty() && *o != dest.account),
            bucket_region: None,
            prefix: app.bucket.prefix.value().trim().to_owned(),
        },
        tables: tables(app),
        rename: RenameRule {
            prefix: app.fleet.names.prefix.value().trim().to_owned(),
            suffix: app.fleet.names.suffix.value().trim().to_owned(),
            names: BTreeMap::new(),
        },
        overrides: BTreeMap::new(),
        export: app.export.plan(),
        options: Options::default(),
        limits: FleetLimits::default(),
    })
}

/// `text` in exactly `width` columns: cut with `…` when longer, padded when shorter.
pub fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count > width {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        if width > 0 {
            cut.push('…');
        }
        cut
    } else {
        format!("{text}{}", " ".repeat(width - count))
    }
}

/// `text` right-aligned in `width` columns (cut with `…` when longer).
pub fn fit_right(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count >= width {
        fit(text, width)
    } else {
        format!("{}{text}", " ".repeat(width - count))
    }
}

/// An amount for a narrow column: `$0.27`, `< $0.01`, `?` when unknown.
pub fn money(amount: f64, currency: &str) -> String {
    let about = crate::logic::cost::about(amount, currency);
    if let Some(rest) = about.strip_prefix("less than ") {
        return format!("< {rest}");
    }
    match about.strip_prefix("about ") {
        Some(rest) => rest.to_owned(),
        None => "?".to_owned(),
    }
}

/// A count for a narrow column: exact (with thousands separators) below a million, then
/// in millions or billions.
pub fn count(n: i64) -> String {
    match n.abs() {
        0..1_000_000 => grouped(n),
        1_000_000..1_000_000_000 => format!("{:.1} M", n as f64 / 1e6),
        _ => format!("{:.1} bn", n as f64 / 1e9),
    }
}

/// `n` with thousands separators: 1,234,567.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn a_long_name_is_cut_with_an_ellipsis_and_a_short_one_padded() {
        assert_eq!(fit("orders-archive-2019", 10), "orders-ar…");
        assert_eq!(fit("orders", 8), "orders  ");
        assert_eq!(fit_right("42", 5), "   42");
        assert_eq!(count(12_345_678), "12.3 M");
        assert_eq!(count(324_000), "324,000");
        assert_eq!(grouped(75_000_000), "75,000,000");
        assert_eq!(money(0.001, "USD"), "< $0.01");
        assert_eq!(money(0.27, "USD"), "$0.27");
    }
}
