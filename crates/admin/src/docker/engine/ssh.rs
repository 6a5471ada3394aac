//! `ssh://[user@]host[:port][/socket]` as the docker CLI does it: every connection is a new
//! `ssh -o ConnectTimeout=30 -T [-l user] [-p port] -- host docker system dial-stdio` process,
//! and HTTP/1.1 (upgrades included, for attached execs) is spoken over its stdin/stdout; an
//! idle connection is reused by the next request (one ssh handshake per command, not per call).
//! bollard's own `ssh` feature needs the `openssh` crate's control-master session; this needs
//! nothing but the `ssh` client and behaves like the CLI (same argv, same ssh config).

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::BollardRequest;
use bollard::errors::Error as BollardError;
use hyper::body::Incoming;
use hyper::header::{HOST, HeaderValue};
use hyper::{Response, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// ssh's connect timeout, as the docker CLI sets it.
pub const CONNECT_TIMEOUT_SECS: u32 = 30;

/// Where `ssh://…` points. No password: the docker CLI refuses one in the URL too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// A socket path on the remote host (`ssh://host/run/user/1000/docker.sock`).
    pub socket: Option<String>,
}

impl SshTarget {
    /// Parses an `ssh://` URL with the docker CLI's rules.
    pub fn parse(url: &str) -> Result<SshTarget, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if parsed.scheme() != "ssh" {
            return Err(format!("expected ssh://, got {}://", parsed.scheme()));
        }
        if parsed.password().is_some() {
            return Err("plain-text password is not supported".to_string());
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| "no host specified".to_string())?;
        if parsed.query().is_some() {
            return Err("extra query after the host".to_string());
        }
        if parsed.fragment().is_some() {
            return Err("extra fragment after the host".to_string());
        }
        let user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        let socket = Some(parsed.path())
            .filter(|p| !p.is_empty() && *p != "/")
            .map(str::to_string);
        Ok(SshTarget {
            user,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port: parsed.port(),
            socket,
        })
    }

    /// The `ssh` arguments (after the program name), as the docker CLI builds them.
    pub fn argv(&self) -> Vec<String> {
        let mut args = vec![
            "-o".to_string(),
            format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
            "-T".to_string(),
        ];
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(["--".to_string(), self.host.clone(), "docker".to_string()]);
        if let Some(socket) = &self.socket {
            args.extend(["--host".to_string(), format!("unix://{socket}")]);
        }
        args.extend(["system".to_string(), "dial-stdio".to_string()]);
        args
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<Response<Incoming>, BollardError>> + Send>>;

/// The request body type bollard sends (not nameable directly).
pub(super) trait BodyOf {
    type Body;
}
impl<B> BodyOf for hyper::Request<B> {
    type Body = B;
}
/// The body of a bollard request.
pub(super) type Body = <BollardRequest as BodyOf>::Body;
type Sender = hyper::client::conn::http1::SendRequest<Body>;

/// One `ssh://` engine: the command, and the idle connections (live ssh processes whose last
/// response was read) that the next request reuses, as the docker CLI keeps its connection.
struct Ssh {
    program: PathBuf,
    argv: Vec<String>,
    idle: Mutex<Vec<Sender>>,
}

/// A bollard custom transport over `ssh … dial-stdio` processes (reused while idle).
pub fn transport(
    program: PathBuf,
    argv: Vec<String>,
) -> impl Fn(BollardRequest) -> Pending + Send + Sync {
    let ssh = Arc::new(Ssh {
        program,
        argv,
        idle: Mutex::new(Vec::new()),
    });
    move |request| {
        let ssh = Arc::clone(&ssh);
        Box::pin(async move { ssh.send(request).await })
    }
}

impl Ssh {
    async fn send(
        self: Arc<Self>,
        mut request: BollardRequest,
    ) -> Result<Response<Incoming>, BollardError> {
        // bollard addresses custom transports as http://docker/…: send origin-form with a Host.
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse::<Uri>()
            .map_err(|e| io_error(format!("bad request path: {e}")))?;
        *request.uri_mut() = path;
        request
            .headers_mut()
            .entry(HOST)
            .or_insert(HeaderValue::from_static("docker"));

        while let Some(mut sender) = self.take_idle() {
            match sender.try_send_request(request).await {
                Ok(response) => {
                    self.park(sender);
                    return Ok(response);
                }
                Err(mut err) => match err.take_message() {
                    // Not sent (the connection went away meanwhile): next one.
                    Some(back) => request = back,
                    None => {
                        return Err(io_error(format!(
                            "ssh connection failed: {}",
                            err.into_error()
                        )));
                    }
                },
            }
        }
        let (mut sender, said) = self.open().await?;
        match sender.send_request(request).await {
            Ok(response) => {
                self.park(sender);
                Ok(response)
            }
            Err(err) => Err(said.failed(err).await),
        }
    }

    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(sender) = idle.pop() {
            if sender.is_ready() && !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Back to the idle list once the response has been read (never, for an upgraded exec
    /// stream or a closed connection).
    fn park(self: &Arc<Self>, mut sender: Sender) {
        let ssh = Arc::clone(self);
        tokio::spawn(async move {
            if sender.ready().await.is_ok()
                && let Ok(mut idle) = ssh.idle.lock()
            {
                idle.push(sender);
            }
        });
    }

    /// A new ssh process and an HTTP/1.1 connection over its stdio.
    async fn open(&self) -> Result<(Sender, Said), BollardError> {
        let program = &self.program;
        let mut child = Command::new(program)
            .args(&self.argv)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io_error(format!("cannot run {}: {e}", program.display())))?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io_error("ssh started without pipes".to_string()));
        };
        // ssh's own messages, kept (bounded) to explain a failure.
        let text = Arc::new(Mutex::new(Vec::new()));
        let collected = Arc::clone(&text);
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut all) = collected.lock()
                    && all.len() < 8192
                {
                    all.extend_from_slice(&buf[..n]);
                }
            }
        });
        let said = Said { text, reader };
        let io = TokioIo::new(SshIo {
            _child: child,
            stdin: Some(stdin),
            stdout,
        });
        let (sender, connection) = match hyper::client::conn::http1::handshake(io).await {
            Ok(pair) => pair,
            Err(err) => return Err(said.failed(err).await),
        };
        tokio::spawn(async move {
            let _ = connection.with_upgrades().await;
        });
        Ok((sender, said))
    }
}

/// What an ssh process wrote on stderr.
struct Said {
    text: Arc<Mutex<Vec<u8>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Said {
    /// The error for a failed connection: ssh's own words when it said something.
    async fn failed(self, err: hyper::Error) -> BollardError {
        // ssh has exited or is exiting: wait (briefly) for all it said.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.reader).await;
        let text = self
            .text
            .lock()
            .map(|b| String::from_utf8_lossy(&b).trim().replace('\n', "; "))
            .unwrap_or_default();
        if text.is_empty() {
            io_error(format!("ssh connection failed: {err}"))
        } else if text.starts_with("ssh:") {
            io_error(text)
        } else {
            io_error(format!("ssh: {text}"))
        }
    }
}

fn io_error(text: String) -> BollardError {
    BollardError::IOError {
        err: io::Error::other(text),
    }
}

/// The ssh process's stdout (read) and stdin (write) as one stream; the process is killed when
/// the stream is dropped (response read, upgraded exec stream closed).
struct SshIo {
    _child: Child,
    /// `None` once shut down: tokio's `ChildStdin::poll_shutdown` does not close the pipe, so
    /// EOF (an exec's end of stdin) is sent by dropping it.
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
}

impl SshIo {
    fn stdin(&mut self) -> io::Result<Pin<&mut ChildStdin>> {
        self.stdin
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::ErrorKind::BrokenPipe.into())
    }
}

impl AsyncRead for SshIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().stdin()?.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(stdin) = this.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    #[test]
    fn argv_is_the_docker_clis() {
        let t = SshTarget::parse("ssh://me@10.0.0.2:2222").unwrap();
        assert_eq!(
            t.argv().join(" "),
            "-o ConnectTimeout=30 -T -l me -p 2222 -- 10.0.0.2 docker system dial-stdio"
        );
        let t = SshTarget::parse("ssh://box").unwrap();
        assert_eq!(
            t.argv().join(" "),
            "-o ConnectTimeout=30 -T -- box docker system dial-stdio"
        );
        let t = SshTarget::parse("ssh://me@box/run/user/1000/docker.sock").unwrap();
        assert_eq!(
            t.argv().join(" "),
            "-o ConnectTimeout=30 -T -l me -- box docker --host unix:///run/user/1000/docker.sock system dial-stdio"
        );
        let t = SshTarget::parse("ssh://[::1]:22").unwrap();
        assert_eq!(t.host, "::1");
    }

    #[test]
    fn refuses_what_the_docker_cli_refuses() {
        assert_eq!(
            SshTarget::parse("ssh://me:pw@box").unwrap_err(),
            "plain-text password is not supported"
        );
        assert_eq!(
            SshTarget::parse("ssh://box?x=1").unwrap_err(),
            "extra query after the host"
        );
        assert!(SshTarget::parse("ssh://").is_err());
    }
}
