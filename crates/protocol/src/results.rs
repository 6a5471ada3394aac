//! What migrator commands produce, as data: each outcome renders itself as text lines or as
//! the JSON document users see, with files and commands shown by the side that prints it
//! ([`Names`]). The migrator prints its own outcomes; in protocol mode it sends them to admin,
//! which prints them the same way with host paths.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::er::ErModel;
use crate::text::{FileRef, Names, Text};

mod history;
mod squash;

use history::{history_text, plan_json, plan_listing, plan_text};

/// The state of one migration version (as `history` shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Applied and the file still matches its checksum.
    Applied,
    /// Not applied; newer than every applied migration.
    Pending,
    /// Applied, but the file changed since.
    Modified,
    /// Applied, but there is no file.
    Missing,
    /// Not applied, yet older than the newest applied migration.
    OutOfOrder,
    /// A row with success = false (never written by sqlx on Postgres; made by hand).
    Failed,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::OutOfOrder => "out-of-order",
            State::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub version: i64,
    pub description: String,
    pub state: State,
    pub applied_at: Option<String>,
    pub duration_ms: Option<f64>,
    pub file: Option<FileRef>,
    /// What an interrupted no-transaction run left for this migration, and its repair.
    pub leftover: Option<Text>,
    /// The current migration: the newest applied one (what `current` prints).
    #[serde(default)]
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    pub version: i64,
    pub description: String,
    pub file: Option<FileRef>,
    pub no_transaction: bool,
}

/// A generated or hand-written pair of files, as the migrator made it: in protocol mode its
/// bytes travel to admin, which writes them on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    History {
        rows: Vec<HistoryRow>,
        /// The migrations folder (for the "no migrations" line).
        dir: FileRef,
    },
    Current {
        version: Option<i64>,
        description: Option<String>,
    },
    /// `migrate`/`downgrade --dry-run` (every check done) or `--plan` (`listing`: the list
    /// only): what would run, in order.
    Plan {
        up: bool,
        steps: Vec<Planned>,
        #[serde(default)]
        listing: bool,
    },
    Stamped {
        /// The version stamped to; None for `stamp base` (nothing applied).
        target: Option<i64>,
        stamped: Vec<i64>,
        unstamped: Vec<i64>,
    },
    Sql {
        version: i64,
        down: bool,
        file: FileRef,
        no_transaction: bool,
        sql: String,
    },
    /// makemigrations wrote (or, in protocol mode, made for admin to write) a pair.
    Created {
        version: i64,
        description: String,
        up: FileRef,
        down: FileRef,
    },
    /// makemigrations in protocol mode: the pair for admin to write.
    Generated {
        version: i64,
        description: String,
        up: NewFile,
        down: NewFile,
    },
    /// `makemigrations --check` found changes (the exit code is 1).
    Changes { schema: FileRef, ops: Vec<String> },
    /// `pull`: schema.sql from the live database. `text` is set when the receiving side writes
    /// the file (protocol mode: admin writes it on the host), `None` once it is written.
    Pulled {
        file: FileRef,
        objects: usize,
        text: Option<String>,
    },
    /// `drift`: what the live database has that its `applied` migrations do not build (each
    /// op turns the migrations' state into the database's); empty = no drift.
    Drift {
        applied: usize,
        ops: Vec<String>,
        /// Applied migrations whose file changed since (their replay may differ from what ran).
        modified: Vec<i64>,
    },
    /// `squash` in protocol mode: the pair for admin to write at version TO, replacing the
    /// files named in `remove` (the replaced migrations' up and down files).
    Squashed {
        version: i64,
        description: String,
        replaces: Vec<i64>,
        up: NewFile,
        down: NewFile,
        remove: Vec<String>,
    },
    /// `squash` wrote its pair and removed the replaced files.
    SquashWritten {
        version: i64,
        description: String,
        replaces: Vec<i64>,
        up: FileRef,
        down: FileRef,
        removed: Vec<FileRef>,
    },
    /// `graph`: the ER diagram (`text`, in `format`) of schema.sql (`source`) or of the live
    /// database (`source: None`). `file` is where it was written (`-o`); None: `text` is the
    /// data to print (in protocol mode admin prints it, or writes it on the host).
    Graph {
        source: Option<FileRef>,
        format: String,
        model: ErModel,
        text: String,
        file: Option<FileRef>,
    },
}

/// One line of text output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// stdout.
    Data(String),
    /// stderr.
    Status(String),
}

fn drift_text(applied: usize, ops: &[String], modified: &[i64], names: &dyn Names) -> Vec<Line> {
    let mut out = Vec::new();
    for v in modified {
        out.push(Line::Status(format!(
            "warning: migration {v} changed after it was applied: its replay may differ from what ran"
        )));
    }
    if ops.is_empty() {
        out.push(Line::Status(format!(
            "No drift: the database matches what its {applied} applied migration(s) build."
        )));
        return out;
    }
    out.push(Line::Status(format!(
        "The database has drifted from its {applied} applied migration(s) ({} difference(s), each what turns the migrations' state into the database's):",
        ops.len()
    )));
    out.extend(ops.iter().map(|o| Line::Data(format!("  {o}"))));
    let hint = Text::plain(
        "hint: undo the changes by hand, or record them as a migration: put them in schema.sql, then ",
    )
    .cmd(&["makemigrations", "-m", "\"…\""]);
    out.push(Line::Status(hint.render(names)));
    out
}

impl Outcome {
    /// The JSON document `--format json` prints (files as paths of the printing side).
    pub fn json(&self, names: &dyn Names) -> serde_json::Value {
        let file = |f: &FileRef| names.file(f);
        match self {
            Outcome::History { rows, .. } => json!(
                rows.iter()
                    .map(|r| json!({
                        "version": r.version,
                        "description": r.description,
                        "state": r.state,
                        "applied_at": r.applied_at,
                        "duration_ms": r.duration_ms,
                        "file": r.file.as_ref().map(file),
                        "leftover": r.leftover.as_ref().map(|t| t.render(names)),
                        "current": r.current,
                    }))
                    .collect::<Vec<_>>()
            ),
            Outcome::Current {
                version,
                description,
            } => json!({"version": version, "description": description}),
            Outcome::Plan { up, steps, listing } => plan_json(*up, steps, *listing, names),
            Outcome::Stamped {
                target,
                stamped,
                unstamped,
            } => json!({"target": target, "stamped": stamped, "unstamped": unstamped}),
            Outcome::Sql {
                version,
                down,
                file: f,
                no_transaction,
                sql,
            } => json!({
                "version": version,
                "direction": if *down { "down" } else { "up" },
                "file": file(f),
                "no_transaction": no_transaction,
                "sql": sql,
            }),
            Outcome::Created {
                version,
                description,
                up,
                down,
            } => {
                json!({"version": version, "description": description, "up": file(up), "down": file(down)})
            }
            Outcome::Generated {
                version,
                description,
                up,
                down,
            } => {
                json!({"version": version, "description": description, "up": up.name, "down": down.name})
            }
            Outcome::Changes { schema, ops } => {
                json!({"schema": file(schema), "changes": ops})
            }
            Outcome::Pulled {
                file: f,
                objects,
                text,
            } => json!({"file": file(f), "objects": objects, "written": text.is_none()}),
            Outcome::Drift {
                applied,
                ops,
                modified,
            } => json!({
                "drifted": !ops.is_empty(),
                "applied": applied,
                "differences": ops,
                "modified_files": modified,
            }),
            Outcome::Squashed { .. } | Outcome::SquashWritten { .. } => squash::json(self, names),
            Outcome::Graph {
                source,
                format,
                model,
                text,
                file,
            } => model.outcome_json(source.as_ref(), format, text, file.as_ref(), names),
        }
    }

    /// The lines text output prints.
    pub fn text(&self, names: &dyn Names) -> Vec<Line> {
        match self {
            Outcome::History { rows, dir } => history_text(rows, dir, names),
            Outcome::Current {
                version: Some(v),
                description,
            } => vec![Line::Data(format!(
                "{v} {}",
                description.as_deref().unwrap_or("")
            ))],
            Outcome::Current { .. } => vec![Line::Data("none".into())],
            Outcome::Plan {
                up,
                steps,
                listing: false,
            } => plan_text(*up, steps, names),
            Outcome::Plan { up, steps, .. } => plan_listing(*up, steps, names),
            Outcome::Stamped {
                target,
                stamped,
                unstamped,
            } => vec![Line::Status(format!(
                "Stamped {}: {} migration(s) recorded as applied without running, {} unrecorded.",
                target.map_or_else(|| "base".to_string(), |t| t.to_string()),
                stamped.len(),
                unstamped.len()
            ))],
            Outcome::Sql { sql, .. } => vec![Line::Data(sql.trim_end_matches('\n').to_string())],
            Outcome::Created {
                version, up, down, ..
            } => vec![
                Line::Status(format!("Created migration {version}:")),
                Line::Data(names.file(up)),
                Line::Data(names.file(down)),
            ],
            Outcome::Generated {
                version, up, down, ..
            } => vec![
                Line::Status(format!("Generated migration {version}:")),
                Line::Data(up.name.clone()),
                Line::Data(down.name.clone()),
            ],
            Outcome::Drift {
                applied,
                ops,
                modified,
            } => drift_text(*applied, ops, modified, names),
            Outcome::Squashed { .. } | Outcome::SquashWritten { .. } => squash::text(self, names),
            Outcome::Pulled { file, objects, .. } => vec![
                Line::Status(format!(
                    "Wrote the database's schema ({objects} statement(s)), proven: loaded into an empty database it gives the same schema:"
                )),
                Line::Data(names.file(file)),
            ],
            Outcome::Graph {
                source,
                format,
                model,
                text,
                file,
            } => model.outcome_text(source.as_ref(), format, text, file.as_ref(), names),
            Outcome::Changes { schema, ops } => {
                let mut out = vec![Line::Status(format!(
                    "{} has changes that no migration captures ({} operation(s)):",
                    names.file(schema),
                    ops.len()
                ))];
                out.extend(ops.iter().map(|o| Line::Status(format!("  {o}"))));
                let hint = Text::plain("hint: generate the migration with: ").cmd(&[
                    "makemigrations",
                    "-m",
                    "\"…\"",
                ]);
                out.push(Line::Status(hint.render(names)));
                out
            }
        }
    }
}

/// What `history` writes after the current migration's row.
pub const CURRENT_MARK: &str = "<- current";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Base, MigratorNames};

    #[test]
    fn outcomes_round_trip_and_render_with_the_printing_side_names() {
        let f = FileRef::new(Base::Migration, "1_a.up.sql", "/app/migrations/1_a.up.sql");
        let o = Outcome::Plan {
            up: true,
            steps: vec![Planned {
                version: 1,
                description: "a".into(),
                file: Some(f),
                no_transaction: true,
            }],
            listing: false,
        };
        let json = serde_json::to_string(&o).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Outcome>(&json).ok(), Some(o.clone()));
        assert_eq!(
            o.text(&MigratorNames)[1],
            Line::Data("1 a  /app/migrations/1_a.up.sql  (no transaction)".into())
        );
        assert_eq!(
            o.json(&MigratorNames)["pending"][0]["file"],
            "/app/migrations/1_a.up.sql"
        );
    }

    fn planned(version: i64, description: &str, no_transaction: bool) -> Planned {
        Planned {
            version,
            description: description.into(),
            file: Some(FileRef::new(
                Base::Migration,
                format!("{version}_x.down.sql"),
                format!("/m/{version}_x.down.sql"),
            )),
            no_transaction,
        }
    }

    #[test]
    fn a_plan_lists_direction_and_transaction_in_order() {
        let o = Outcome::Plan {
            up: false,
            steps: vec![planned(3, "c", false), planned(2, "b", true)],
            listing: true,
        };
        let json = serde_json::to_string(&o).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Outcome>(&json).ok(), Some(o.clone()));
        let text = o.text(&MigratorNames);
        assert!(
            matches!(&text[0], Line::Status(s) if s.starts_with("Plan: 2 migration(s) would be reverted, in this order"))
        );
        assert_eq!(
            text[1..],
            [
                Line::Data("STEP  DIRECTION  VERSION  DESCRIPTION  TRANSACTION  FILE".into()),
                Line::Data(
                    "1     down       3        c            yes          /m/3_x.down.sql".into()
                ),
                Line::Data(
                    "2     down       2        b            no           /m/2_x.down.sql".into()
                ),
            ]
        );
        let v = o.json(&MigratorNames);
        assert_eq!(v["plan"], true);
        assert_eq!(v["direction"], "down");
        assert_eq!(v["steps"][1]["step"], 2);
        assert_eq!(v["steps"][1]["version"], 2);
        assert_eq!(v["steps"][1]["direction"], "down");
        assert_eq!(v["steps"][1]["transactional"], false);
        // An older migrator's dry-run plan (no `listing`) still reads.
        let old = r#"{"outcome":"plan","up":true,"steps":[]}"#;
        assert!(matches!(
            serde_json::from_str::<Outcome>(old),
            Ok(Outcome::Plan { listing: false, .. })
        ));
    }

    #[test]
    fn history_marks_the_current_migration() {
        let row = |version, current| HistoryRow {
            version,
            description: "d".into(),
            state: State::Applied,
            applied_at: Some("2026-01-01 00:00:00 UTC".into()),
            duration_ms: Some(1.0),
            file: None,
            leftover: None,
            current,
        };
        let o = Outcome::History {
            rows: vec![row(1, false), row(2, true)],
            dir: FileRef::new(Base::MigrationsDir, "", "/m"),
        };
        let text = o.text(&MigratorNames);
        assert!(matches!(&text[1], Line::Data(l) if !l.contains(CURRENT_MARK)));
        assert!(matches!(&text[2], Line::Data(l) if l.ends_with("1 ms  <- current")));
        let v = o.json(&MigratorNames);
        assert_eq!(
            (v[0]["current"].clone(), v[1]["current"].clone()),
            (json!(false), json!(true))
        );
    }
}
