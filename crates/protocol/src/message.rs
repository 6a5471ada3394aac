//! Protocol mode (`migrator --protocol`, what admin uses): the migrator's stdout is one JSON
//! [`Message`] per line — progress events, status and warning lines, the command's outcome, and
//! at the end an error as a [`Diagnostic`] — so that admin renders everything itself (host
//! paths, `admin db …` commands), never parsing printed text. stderr carries only `-v` logs.

use serde::{Deserialize, Serialize};

use crate::argv::Event;
use crate::diag::Diagnostic;
use crate::results::Outcome;
use crate::text::Text;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    Event { event: Event },
    Status { text: Text },
    Warning { text: Text },
    Result { outcome: Outcome },
    Error { diagnostic: Diagnostic },
}

impl Message {
    /// The message as one line (no newline inside: JSON escapes them).
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"kind":"status","text":[{{"plain":"cannot encode a message: {e}"}}]}}"#)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_message_and_back() {
        let m = Message::Warning {
            text: Text::plain("two\nlines"),
        };
        let line = m.line();
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<Message>(&line).ok(), Some(m));
    }
}
