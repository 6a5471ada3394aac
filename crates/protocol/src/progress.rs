//! Progress of migrate/downgrade: JSON events on stdout (`--format json`), a progress bar on a
//! terminal, or one line per migration with its duration otherwise.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::argv::{Direction, Event};
use crate::output::{Format, Printer};

pub struct Progress<'p> {
    printer: &'p Printer,
    direction: Direction,
    bar: Option<ProgressBar>,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// `12 ms` / `1.52 s`.
pub fn human(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

impl<'p> Progress<'p> {
    pub fn start(
        printer: &'p Printer,
        direction: Direction,
        total: usize,
    ) -> std::io::Result<Self> {
        let mut bar = None;
        if printer.format() == Format::Json || printer.is_protocol() {
            printer.event(&Event::Start { direction, total })?;
        } else if printer.is_tty() && total > 0 {
            let b = ProgressBar::new(total as u64);
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .map_err(std::io::Error::other)?;
            b.set_style(style);
            bar = Some(b);
        }
        Ok(Progress {
            printer,
            direction,
            bar,
        })
    }

    pub fn running(&self, version: i64, description: &str, index: usize) -> std::io::Result<()> {
        if self.printer.format() == Format::Json || self.printer.is_protocol() {
            return self.printer.event(&Event::Running {
                version,
                description: description.to_string(),
                index,
            });
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{version} {description}"));
        }
        Ok(())
    }

    pub fn finished(&self, version: i64, description: &str, took: Duration) -> std::io::Result<()> {
        let verb = match self.direction {
            Direction::Up => "applied",
            Direction::Down => "reverted",
        };
        if self.printer.format() == Format::Json || self.printer.is_protocol() {
            let description = description.to_string();
            let duration_ms = ms(took);
            return self.printer.event(&match self.direction {
                Direction::Up => Event::Applied {
                    version,
                    description,
                    duration_ms,
                },
                Direction::Down => Event::Reverted {
                    version,
                    description,
                    duration_ms,
                },
            });
        }
        let line = format!("{verb} {version} {description} ({})", human(took));
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
                Ok(())
            }
            None => self.printer.status(&line),
        }
    }

    pub fn failed(&self, version: i64, description: &str, error: &str) -> std::io::Result<()> {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
        if self.printer.format() == Format::Json || self.printer.is_protocol() {
            self.printer.event(&Event::Failed {
                version,
                description: description.to_string(),
                error: error.to_string(),
            })?;
        }
        Ok(())
    }

    pub fn done(self, count: usize, took: Duration) -> std::io::Result<()> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.printer.format() == Format::Json || self.printer.is_protocol() {
            return self.printer.event(&Event::Done {
                direction: self.direction,
                count,
                duration_ms: ms(took),
            });
        }
        let verb = match self.direction {
            Direction::Up => "Applied",
            Direction::Down => "Reverted",
        };
        let plural = if count == 1 { "" } else { "s" };
        self.printer.status(&format!(
            "{verb} {count} migration{plural} in {}",
            human(took)
        ))
    }
}
