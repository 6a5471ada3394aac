//! How `squash`'s outcomes render (text and JSON), beside [`super::Outcome`].

use serde_json::json;

use super::{Line, Outcome};
use crate::text::Names;

fn versions(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// The JSON document of `Squashed` / `SquashWritten` (None for any other outcome).
pub(super) fn json(outcome: &Outcome, names: &dyn Names) -> serde_json::Value {
    match outcome {
        Outcome::Squashed {
            version,
            description,
            replaces,
            up,
            down,
            remove,
        } => json!({
            "version": version,
            "description": description,
            "replaces": replaces,
            "up": up.name,
            "down": down.name,
            "remove": remove,
            "written": false,
        }),
        Outcome::SquashWritten {
            version,
            description,
            replaces,
            up,
            down,
            removed,
        } => json!({
            "version": version,
            "description": description,
            "replaces": replaces,
            "up": names.file(up),
            "down": names.file(down),
            "removed": removed.iter().map(|f| names.file(f)).collect::<Vec<_>>(),
            "written": true,
        }),
        _ => serde_json::Value::Null,
    }
}

/// The text lines of `Squashed` / `SquashWritten` (none for any other outcome).
pub(super) fn text(outcome: &Outcome, names: &dyn Names) -> Vec<Line> {
    match outcome {
        Outcome::Squashed {
            version,
            replaces,
            up,
            down,
            remove,
            ..
        } => vec![
            Line::Status(format!(
                "Squashed migration {version} (replaces {}), to write in place of {} file(s):",
                versions(replaces),
                remove.len()
            )),
            Line::Data(up.name.clone()),
            Line::Data(down.name.clone()),
        ],
        Outcome::SquashWritten {
            version,
            replaces,
            up,
            down,
            removed,
            ..
        } => {
            let mut out = vec![
                Line::Status(format!(
                    "Squashed {} migration(s) into migration {version} (replaces {}):",
                    replaces.len(),
                    versions(replaces)
                )),
                Line::Data(names.file(up)),
                Line::Data(names.file(down)),
                Line::Status(format!("Removed {} replaced file(s):", removed.len())),
            ];
            out.extend(
                removed
                    .iter()
                    .map(|f| Line::Status(format!("  {}", names.file(f)))),
            );
            out.push(Line::Status(
                "Databases that applied the replaced migrations record the squash on their next migrate."
                    .into(),
            ));
            out
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::NewFile;
    use super::*;
    use crate::text::{Base, FileRef, MigratorNames};

    fn file(name: &str) -> FileRef {
        FileRef::new(Base::Migration, name, format!("/m/{name}"))
    }

    #[test]
    fn squash_outcomes_round_trip_and_render() {
        let squashed = Outcome::Squashed {
            version: 3,
            description: "squash".into(),
            replaces: vec![1, 2, 3],
            up: NewFile {
                name: "3_squash.up.sql".into(),
                text: "-- admin:replaces 1 00\n".into(),
            },
            down: NewFile {
                name: "3_squash.down.sql".into(),
                text: String::new(),
            },
            remove: vec!["1_a.up.sql".into(), "1_a.down.sql".into()],
        };
        let written = Outcome::SquashWritten {
            version: 3,
            description: "squash".into(),
            replaces: vec![1, 2, 3],
            up: file("3_squash.up.sql"),
            down: file("3_squash.down.sql"),
            removed: vec![file("1_a.up.sql"), file("1_a.down.sql")],
        };
        for o in [&squashed, &written] {
            let wire = serde_json::to_string(o).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<Outcome>(&wire).ok().as_ref(),
                Some(o)
            );
        }
        assert_eq!(
            squashed.text(&MigratorNames)[1],
            Line::Data("3_squash.up.sql".into())
        );
        let v = squashed.json(&MigratorNames);
        assert_eq!(
            (v["written"].clone(), v["replaces"][2].clone()),
            (json!(false), json!(3))
        );
        let text = written.text(&MigratorNames);
        assert_eq!(
            text[0],
            Line::Status("Squashed 3 migration(s) into migration 3 (replaces 1, 2, 3):".into())
        );
        assert_eq!(text[1], Line::Data("/m/3_squash.up.sql".into()));
        assert_eq!(text[4], Line::Status("  /m/1_a.up.sql".into()));
        let v = written.json(&MigratorNames);
        assert_eq!(v["removed"][1], "/m/1_a.down.sql");
        assert_eq!(v["up"], "/m/3_squash.up.sql");
    }
}
