//! How `history` and the plans of `migrate`/`downgrade` (`--plan`, `--dry-run`) render, beside
//! [`super::Outcome`].

use serde_json::json;

use super::{CURRENT_MARK, HistoryRow, Line, Planned};
use crate::text::{FileRef, Names, Text};

fn human_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round() as i64)
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

pub(super) fn history_text(rows: &[HistoryRow], dir: &FileRef, names: &dyn Names) -> Vec<Line> {
    if rows.is_empty() {
        let hint =
            Text::plain("hint: create one with: ").cmd(&["makemigrations", "-m", "create users"]);
        return vec![Line::Status(format!(
            "No migrations in {} and none applied.\n{}",
            names.file(dir),
            hint.render(names)
        ))];
    }
    let width = rows
        .iter()
        .map(|l| l.description.chars().count())
        .max()
        .unwrap_or(11)
        .clamp(11, 50);
    let mut out = vec![Line::Data(format!(
        "{:<14}  {:<width$}  {:<12}  {:<23}  DURATION",
        "VERSION", "DESCRIPTION", "STATE", "APPLIED AT"
    ))];
    for l in rows {
        let duration = l.duration_ms.map(human_ms).unwrap_or_else(|| "-".into());
        let duration = match l.current {
            true => format!("{duration}  {CURRENT_MARK}"),
            false => duration,
        };
        out.push(Line::Data(format!(
            "{:<14}  {:<width$}  {:<12}  {:<23}  {}",
            l.version,
            l.description,
            format!(
                "{}{}",
                l.state.label(),
                if l.leftover.is_some() { "!" } else { "" }
            ),
            l.applied_at.as_deref().unwrap_or("-"),
            duration
        )));
    }
    out
}

fn direction(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

pub(super) fn plan_json(
    up: bool,
    steps: &[Planned],
    listing: bool,
    names: &dyn Names,
) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v = json!({
                "version": s.version,
                "description": s.description,
                "direction": direction(up),
                "transactional": !s.no_transaction,
                "file": s.file.as_ref().map(|f| names.file(f)),
            });
            if listing {
                v["step"] = json!(i + 1);
            } else {
                v["no_transaction"] = json!(s.no_transaction);
            }
            v
        })
        .collect();
    if listing {
        return json!({"plan": true, "direction": direction(up), "steps": steps});
    }
    let key = if up { "pending" } else { "revert" };
    json!({"dry_run": true, "direction": direction(up), key: steps})
}

/// `--plan`: a table of the steps, in the order they would run.
pub(super) fn plan_listing(up: bool, steps: &[Planned], names: &dyn Names) -> Vec<Line> {
    let verb = if up { "applied" } else { "reverted" };
    if steps.is_empty() {
        let what = if up { "apply" } else { "revert" };
        return vec![Line::Status(format!("Plan: no migrations to {what}."))];
    }
    let vw = steps
        .iter()
        .map(|s| s.version.to_string().len())
        .max()
        .unwrap_or(7)
        .max(7);
    let dw = steps
        .iter()
        .map(|s| s.description.chars().count())
        .max()
        .unwrap_or(11)
        .clamp(11, 50);
    let mut out = vec![
        Line::Status(format!(
            "Plan: {} migration(s) would be {verb}, in this order; nothing was run (--dry-run also runs every check of a real run).",
            steps.len()
        )),
        Line::Data(format!(
            "{:<4}  {:<9}  {:<vw$}  {:<dw$}  {:<11}  FILE",
            "STEP", "DIRECTION", "VERSION", "DESCRIPTION", "TRANSACTION"
        )),
    ];
    for (i, s) in steps.iter().enumerate() {
        let file = s
            .file
            .as_ref()
            .map(|f| names.file(f))
            .unwrap_or_else(|| "-".into());
        let tx = if s.no_transaction { "no" } else { "yes" };
        out.push(Line::Data(format!(
            "{:<4}  {:<9}  {:<vw$}  {:<dw$}  {tx:<11}  {file}",
            i + 1,
            direction(up),
            s.version,
            s.description
        )));
    }
    out
}

pub(super) fn plan_text(up: bool, steps: &[Planned], names: &dyn Names) -> Vec<Line> {
    let (verb, none) = if up {
        ("applied", "Dry run: no migrations to apply.")
    } else {
        ("reverted", "Dry run: no migrations to revert.")
    };
    if steps.is_empty() {
        return vec![Line::Status(none.into())];
    }
    let mut out = vec![Line::Status(format!(
        "Dry run: {} migration(s) would be {verb}, nothing was run:",
        steps.len()
    ))];
    for s in steps {
        let tx = if s.no_transaction {
            "  (no transaction)"
        } else {
            ""
        };
        let file = s
            .file
            .as_ref()
            .map(|f| names.file(f))
            .unwrap_or_else(|| "-".into());
        out.push(Line::Data(format!(
            "{} {}  {file}{tx}",
            s.version, s.description
        )));
    }
    out
}
