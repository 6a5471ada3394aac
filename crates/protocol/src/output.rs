//! The one printer. Data goes to stdout (text or JSON), status, progress, warnings and errors go
//! to stderr. Colour only when stderr is a terminal and `NO_COLOR` is unset; progress bars only
//! on a terminal. Nothing else in the crate writes to stdout/stderr.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::argv::Event;
use crate::diag::Diagnostic;
use crate::message::Message;
use crate::results::{Line, Outcome};
use crate::text::{MigratorNames, Names, Text};

/// `--format` of both binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// Machine-readable JSON on stdout (one object per line for event streams).
    Json,
}

/// Where all output goes through.
#[derive(Clone)]
pub struct Printer {
    format: Format,
    verbosity: u8,
    color: bool,
    stderr_tty: bool,
    /// How this side shows files and commands.
    names: Arc<dyn Names + Send + Sync>,
    /// Protocol mode: everything on stdout as one JSON [`Message`] per line.
    protocol: bool,
    /// Set: output is kept here instead of written (see [`Printer::capturing`]).
    capture: Option<Capture>,
}

/// What a capturing printer kept: stdout and stderr bytes, each in order.
#[derive(Debug, Default)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Shared with the capturing printer's clones.
pub type Capture = Arc<std::sync::Mutex<Captured>>;

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .field("verbosity", &self.verbosity)
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl Printer {
    /// A printer for this process: colour and progress bars depend on the terminal and
    /// `NO_COLOR` (read by the binary's settings).
    pub fn new(format: Format, verbosity: u8, no_color: bool) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        Printer {
            format,
            verbosity,
            color: stderr_tty && !no_color,
            stderr_tty,
            names: Arc::new(MigratorNames),
            protocol: false,
            capture: None,
        }
    }

    /// The same printer keeping its output (and its clones') in memory instead of writing
    /// it: one of several commands run side by side, shown whole afterwards. No colour, no
    /// progress bar (as when stderr is not a terminal).
    pub fn capturing(&self) -> (Printer, Capture) {
        let capture = Capture::default();
        let printer = Printer {
            color: false,
            stderr_tty: false,
            capture: Some(capture.clone()),
            ..self.clone()
        };
        (printer, capture)
    }

    /// Bytes to stdout (or the capture).
    fn out(&self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(c) = &self.capture {
            let mut c = c
                .lock()
                .map_err(|_| std::io::Error::other("output capture"))?;
            c.stdout.extend_from_slice(bytes);
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// Bytes to stderr (or the capture).
    fn err(&self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(c) = &self.capture {
            let mut c = c
                .lock()
                .map_err(|_| std::io::Error::other("output capture"))?;
            c.stderr.extend_from_slice(bytes);
            return Ok(());
        }
        let mut err = std::io::stderr().lock();
        err.write_all(bytes)?;
        err.flush()
    }

    /// The same printer showing files and commands the way `names` does.
    pub fn with_names(mut self, names: Arc<dyn Names + Send + Sync>) -> Self {
        self.names = names;
        self
    }

    /// The same printer in protocol mode (see [`crate::message`]).
    pub fn with_protocol(mut self, protocol: bool) -> Self {
        self.protocol = protocol;
        self
    }

    pub fn is_protocol(&self) -> bool {
        self.protocol
    }

    pub fn names(&self) -> &dyn Names {
        self.names.as_ref()
    }

    /// One protocol message on stdout.
    fn message(&self, m: &Message) -> std::io::Result<()> {
        self.data(&m.line())
    }

    /// A command's outcome: protocol message, JSON document or text lines.
    pub fn report(&self, outcome: &Outcome) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Result {
                outcome: outcome.clone(),
            });
        }
        if self.format == Format::Json {
            return self.json(&outcome.json(self.names()));
        }
        for line in outcome.text(self.names()) {
            match line {
                Line::Data(l) => self.data(&l)?,
                Line::Status(l) => self.status(&l)?,
            }
        }
        Ok(())
    }

    /// A progress event: protocol message, or one JSON line.
    pub fn event(&self, e: &Event) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Event { event: e.clone() });
        }
        self.json(e)
    }

    /// A status line with file and command references.
    pub fn note(&self, text: &Text) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Status { text: text.clone() });
        }
        self.status(&text.render(self.names()))
    }

    /// A warning with file and command references.
    pub fn warn_text(&self, text: &Text) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Warning { text: text.clone() });
        }
        self.warn(&text.render(self.names()))
    }

    /// An error as data (protocol mode), or rendered (`error: …`, `hint: …` last).
    pub fn diagnostic(&self, d: &Diagnostic) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Error {
                diagnostic: d.clone(),
            });
        }
        self.error(&anyhow::anyhow!(d.render(self.names())))
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// Whether stderr is a terminal (progress bars are drawn only then).
    pub fn is_tty(&self) -> bool {
        self.stderr_tty
    }

    /// One line of data on stdout.
    pub fn data(&self, line: &str) -> std::io::Result<()> {
        self.out(format!("{line}\n").as_bytes())
    }

    /// One JSON document (one line) on stdout.
    pub fn json<T: Serialize>(&self, value: &T) -> std::io::Result<()> {
        let line = serde_json::to_string(value).map_err(std::io::Error::other)?;
        self.data(&line)
    }

    /// Bytes passed through to stdout as they arrive (a remote program's output).
    pub fn raw_stdout(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.out(bytes)
    }

    /// Bytes passed through to stderr as they arrive.
    pub fn raw_stderr(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.err(bytes)
    }

    /// A status line on stderr (suppressed in JSON mode only when it is chatter: callers decide).
    pub fn status(&self, line: &str) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Status {
                text: Text::plain(line),
            });
        }
        self.err(format!("{line}\n").as_bytes())
    }

    /// A status line shown only with `-v`.
    pub fn verbose(&self, line: &str) -> std::io::Result<()> {
        if self.verbosity > 0 {
            self.status(line)
        } else {
            Ok(())
        }
    }

    /// `warning: …` on stderr.
    pub fn warn(&self, line: &str) -> std::io::Result<()> {
        if self.protocol {
            return self.message(&Message::Warning {
                text: Text::plain(line),
            });
        }
        let label = self.paint("warning:", "33");
        self.status(&format!("{label} {line}"))
    }

    /// Prints an error chain once: `error: top`, each cause as `  caused by: …`, then every
    /// `hint: …` line found anywhere in the chain, last.
    pub fn error(&self, err: &anyhow::Error) -> std::io::Result<()> {
        let (lines, hints) = render_error(err);
        let label = self.paint("error:", "31");
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("{label} {line}\n"));
            } else {
                out.push_str(&format!("{line}\n"));
            }
        }
        for hint in hints {
            out.push_str(&format!("{} {hint}\n", self.paint("hint:", "36")));
        }
        self.err(out.as_bytes())
    }

    fn paint(&self, text: &str, ansi: &str) -> String {
        if self.color {
            format!("\x1b[1;{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Splits an error chain into message lines and hint lines (`hint: ` prefix stripped).
/// Consecutive duplicate messages (a context repeating its source) are printed once.
pub fn render_error(err: &anyhow::Error) -> (Vec<String>, Vec<String>) {
    let mut lines: Vec<String> = Vec::new();
    let mut hints: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (depth, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        let mut body = Vec::new();
        for line in text.lines() {
            if let Some(h) = line.trim_start().strip_prefix("hint: ") {
                if !hints.iter().any(|x| x == h) {
                    hints.push(h.to_string());
                }
            } else {
                body.push(line.to_string());
            }
        }
        let joined = body.join("\n");
        if joined.trim().is_empty() || seen.iter().any(|s| s.contains(joined.as_str())) {
            continue;
        }
        seen.push(joined.clone());
        for (i, line) in body.into_iter().enumerate() {
            if depth > 0 && i == 0 {
                lines.push(format!("  caused by: {line}"));
            } else if depth > 0 {
                lines.push(format!("    {line}"));
            } else {
                lines.push(line);
            }
        }
    }
    (lines, hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capturing_printer_keeps_stdout_and_stderr_apart_in_order() {
        let (p, capture) = Printer::new(Format::Text, 0, true).capturing();
        let clone = p.clone();
        p.data("row 1").ok();
        clone.status("working").ok();
        p.warn("careful").ok();
        clone.data("row 2").ok();
        p.error(&anyhow::anyhow!("broke\nhint: fix it")).ok();
        let c = capture.lock().map(|c| {
            (
                String::from_utf8_lossy(&c.stdout).into_owned(),
                String::from_utf8_lossy(&c.stderr).into_owned(),
            )
        });
        assert_eq!(
            c.ok(),
            Some((
                "row 1\nrow 2\n".to_string(),
                "working\nwarning: careful\nerror: broke\nhint: fix it\n".to_string()
            ))
        );
        assert!(!p.is_tty());
    }

    #[test]
    fn hints_go_last_and_causes_are_indented() {
        let inner = anyhow::anyhow!("connection refused\nhint: start the database");
        let err = inner.context("cannot connect to postgres://u:***@h/db");
        let (lines, hints) = render_error(&err);
        assert_eq!(
            lines,
            vec![
                "cannot connect to postgres://u:***@h/db".to_string(),
                "  caused by: connection refused".to_string()
            ]
        );
        assert_eq!(hints, vec!["start the database".to_string()]);
    }
}
