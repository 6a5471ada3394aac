//! The host terminal for interactive execs: raw mode behind an RAII guard, the terminal size, and
//! a stdin reader on its own thread (tokio's stdin does an uncancellable blocking read that can
//! hang runtime shutdown; a plain thread blocked in `read` simply dies with the process).

use std::io::Read;

use tokio::sync::mpsc;

/// Puts the host terminal in raw mode; restores it when dropped, so every exit path (`?`, early
/// return, a panic unwinding through the owner) gives the user a working terminal back. Prefer
/// [`RawModeGuard::restore`] on the normal path: it reports a failure instead of logging it.
#[derive(Debug)]
pub struct RawModeGuard {
    active: bool,
}

impl RawModeGuard {
    /// Enables raw mode (crossterm: on stdin when it is a terminal, else `/dev/tty`).
    pub fn enable() -> std::io::Result<Self> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawModeGuard { active: true })
    }

    /// Restores the terminal now and reports whether that worked.
    pub fn restore(mut self) -> std::io::Result<()> {
        self.active = false;
        crossterm::terminal::disable_raw_mode()
    }
}

impl Drop for RawModeGuard {
    fn drop(&mut self) {
        if self.active
            && let Err(err) = crossterm::terminal::disable_raw_mode()
        {
            // Drop cannot return the error; the normal path uses `restore`, which does.
            tracing::warn!("cannot restore the terminal from raw mode: {err} (run `reset`)");
        }
    }
}

/// The host terminal size as `(rows, columns)`.
pub fn terminal_size() -> std::io::Result<(u16, u16)> {
    let (cols, rows) = crossterm::terminal::size()?;
    Ok((rows, cols))
}

/// One read from host stdin: bytes, or the read error. The channel closes at end of input.
pub(super) type StdinChunk = std::io::Result<Vec<u8>>;

/// Starts a thread that reads host stdin and sends what it reads; the receiver sees the channel
/// close at end of input or after an error. When the receiver is dropped the thread stops at its
/// next read; a thread still blocked in `read` ends with the process.
pub(super) fn spawn_stdin_reader() -> std::io::Result<mpsc::Receiver<StdinChunk>> {
    let (tx, rx) = mpsc::channel::<StdinChunk>(16);
    std::thread::Builder::new()
        .name("admin-stdin".to_string())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; 8192];
            loop {
                let chunk = match stdin.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => Ok(buf[..n].to_vec()),
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(err) => Err(err),
                };
                let failed = chunk.is_err();
                if tx.blocking_send(chunk).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(rx)
}
