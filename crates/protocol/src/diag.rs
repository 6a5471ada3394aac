//! An error as data: its exit code, a stable kind, the message and the hint as [`Text`] (files
//! and commands as references). The migrator renders its own errors from it; in protocol mode it
//! sends it to admin, which renders it with host paths and `admin db …` commands.

use serde::{Deserialize, Serialize};

use crate::text::{Names, Text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The process exit code it stands for.
    pub code: u8,
    /// A stable name of the failure (`modified`, `lock_timeout`, …) that the other side may
    /// use to say things its own way.
    pub kind: String,
    /// What went wrong (may span lines; the first is the headline).
    pub message: Text,
    /// The next step (shown last, as `hint: …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
}

impl Diagnostic {
    pub fn new(code: u8, kind: &str, message: Text) -> Diagnostic {
        Diagnostic {
            code,
            kind: kind.to_string(),
            message,
            hint: None,
        }
    }

    pub fn hint(mut self, hint: Text) -> Diagnostic {
        self.hint = Some(hint);
        self
    }

    /// `message` then `hint: …` on its own line, as the side `names` shows things (what
    /// `Printer::error` expects: it puts hints last).
    pub fn render(&self, names: &dyn Names) -> String {
        let mut s = self.message.render(names);
        if let Some(h) = &self.hint {
            s.push_str("\nhint: ");
            s.push_str(&h.render(names));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Base, FileRef, MigratorNames};

    #[test]
    fn renders_with_the_hint_last_and_round_trips_as_json() {
        let f = FileRef::new(Base::Migration, "1_a.up.sql", "m/1_a.up.sql");
        let d = Diagnostic::new(
            6,
            "modified",
            Text::plain("applied migration 1 was modified: ").file(f),
        )
        .hint(Text::plain("add a new migration: ").cmd(&["makemigrations", "-m", "\"…\""]));
        assert_eq!(
            d.render(&MigratorNames),
            "applied migration 1 was modified: m/1_a.up.sql\nhint: add a new migration: migrator makemigrations -m \"…\""
        );
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Diagnostic>(&json).ok(), Some(d));
    }
}
