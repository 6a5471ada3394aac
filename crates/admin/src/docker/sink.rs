//! Where an exec's output goes: the caller's [`OutputSink`]. The Docker layer never writes to the
//! host's stdout/stderr itself; the caller decides (raw passthrough, JSON progress lines, a test
//! buffer).

use std::io;

/// Receives an exec's output as it arrives, stdout and stderr separately (with a TTY everything
/// arrives as stdout). Implementations that write to a terminal must flush in each call, or an
/// interactive prompt without a newline never shows.
pub trait OutputSink {
    /// A chunk of the program's stdout (not necessarily a whole line).
    fn stdout(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// A chunk of the program's stderr (not necessarily a whole line).
    fn stderr(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Called once after the last chunk, when the program has exited.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Splits a byte stream into lines across chunk boundaries. Lines are handed over without the
/// trailing `\n` (or `\r\n`); invalid UTF-8 is replaced (U+FFFD), never an error.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk; calls `each` for every line it completes.
    pub fn push(
        &mut self,
        bytes: &[u8],
        mut each: impl FnMut(&str) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            self.partial.extend_from_slice(&rest[..pos]);
            rest = &rest[pos + 1..];
            let line = std::mem::take(&mut self.partial);
            each(&line_text(&line))?;
        }
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// Hands over a last line that had no trailing newline, if any.
    pub fn finish(&mut self, mut each: impl FnMut(&str) -> io::Result<()>) -> io::Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.partial);
        each(&line_text(&line))
    }
}

fn line_text(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// An [`OutputSink`] that hands stdout over line by line (e.g. the migrator's JSON events, one
/// per line) and stderr as raw chunks.
pub struct LineSink<L, E> {
    on_line: L,
    on_stderr: E,
    lines: LineSplitter,
}

impl<L, E> LineSink<L, E>
where
    L: FnMut(&str) -> io::Result<()>,
    E: FnMut(&[u8]) -> io::Result<()>,
{
    pub fn new(on_line: L, on_stderr: E) -> Self {
        LineSink {
            on_line,
            on_stderr,
            lines: LineSplitter::new(),
        }
    }
}

impl<L, E> OutputSink for LineSink<L, E>
where
    L: FnMut(&str) -> io::Result<()>,
    E: FnMut(&[u8]) -> io::Result<()>,
{
    fn stdout(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.lines.push(bytes, &mut self.on_line)
    }

    fn stderr(&mut self, bytes: &[u8]) -> io::Result<()> {
        (self.on_stderr)(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.lines.finish(&mut self.on_line)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    #[test]
    fn lines_are_joined_across_chunks_and_split_within() {
        let mut got: Vec<String> = Vec::new();
        let mut splitter = LineSplitter::new();
        for chunk in [&b"{\"a\":"[..], b"1}\n{\"b\"", b":2}\r\nlast\nx", b"yz"] {
            splitter
                .push(chunk, |l| {
                    got.push(l.to_string());
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(got, vec!["{\"a\":1}", "{\"b\":2}", "last"]);
        splitter
            .finish(|l| {
                got.push(l.to_string());
                Ok(())
            })
            .unwrap();
        assert_eq!(got.last().map(String::as_str), Some("xyz"));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn empty_lines_are_kept_and_invalid_utf8_is_replaced() {
        let mut got: Vec<String> = Vec::new();
        let mut splitter = LineSplitter::new();
        splitter
            .push(b"\n\xffok\n", |l| {
                got.push(l.to_string());
                Ok(())
            })
            .unwrap();
        assert_eq!(got, vec!["".to_string(), "\u{fffd}ok".to_string()]);
    }

    #[test]
    fn line_sink_routes_streams_and_propagates_errors() {
        let mut lines = Vec::new();
        let mut errs = Vec::new();
        {
            let mut sink = LineSink::new(
                |l: &str| {
                    lines.push(l.to_string());
                    Ok(())
                },
                |b: &[u8]| {
                    errs.extend_from_slice(b);
                    Ok(())
                },
            );
            sink.stdout(b"one\ntw").unwrap();
            sink.stderr(b"warn: x").unwrap();
            sink.stdout(b"o").unwrap();
            sink.finish().unwrap();
        }
        assert_eq!(lines, vec!["one", "two"]);
        assert_eq!(errs, b"warn: x");

        let mut failing = LineSink::new(
            |_: &str| Err(io::Error::from(io::ErrorKind::BrokenPipe)),
            |_: &[u8]| Ok(()),
        );
        let err = failing.stdout(b"a\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
