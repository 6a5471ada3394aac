//! The one printer. Data goes to stdout (text or JSON), status, progress, warnings and errors go
//! to stderr. Colour only when stderr is a terminal and `NO_COLOR` is unset; progress bars only
//! on a terminal. Nothing else in the crate writes to stdout/stderr.

use std::io::{IsTerminal, Write};

use serde::Serialize;

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
#[derive(Debug, Clone)]
pub struct Printer {
    format: Format,
    verbosity: u8,
    color: bool,
    stderr_tty: bool,
    /// How users invoke the migrator here (`admin db` when run by admin): hints name it.
    invoked_as: Option<String>,
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
            invoked_as: None,
        }
    }

    /// Hints that say `migrator …` will say `<name> …` instead (e.g. `admin db migrate`).
    pub fn with_invoked_as(mut self, name: Option<String>) -> Self {
        self.invoked_as = name.filter(|n| !n.trim().is_empty());
        self
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
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()
    }

    /// One JSON document (one line) on stdout.
    pub fn json<T: Serialize>(&self, value: &T) -> std::io::Result<()> {
        let line = serde_json::to_string(value).map_err(std::io::Error::other)?;
        self.data(&line)
    }

    /// Bytes passed through to stdout as they arrive (a remote program's output).
    pub fn raw_stdout(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// Bytes passed through to stderr as they arrive.
    pub fn raw_stderr(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut err = std::io::stderr().lock();
        err.write_all(bytes)?;
        err.flush()
    }

    /// A status line on stderr (suppressed in JSON mode only when it is chatter: callers decide).
    pub fn status(&self, line: &str) -> std::io::Result<()> {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{line}")
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
        let label = self.paint("warning:", "33");
        self.status(&format!("{label} {line}"))
    }

    /// Prints an error chain once: `error: top`, each cause as `  caused by: …`, then every
    /// `hint: …` line found anywhere in the chain, last.
    pub fn error(&self, err: &anyhow::Error) -> std::io::Result<()> {
        let (lines, hints) = render_error(err);
        let label = self.paint("error:", "31");
        let mut out = std::io::stderr().lock();
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                writeln!(out, "{label} {line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
        for hint in hints {
            let hint = match &self.invoked_as {
                Some(name) => hint.replace("migrator ", &format!("{name} ")),
                None => hint,
            };
            writeln!(out, "{} {hint}", self.paint("hint:", "36"))?;
        }
        Ok(())
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
