//! `admin db shell` on a real terminal: tmux runs it, send-keys types, capture-pane reads.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{Stack, images};

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => panic!("tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("tmux not installed? {e}\nhint: just setup"),
    }
}

fn wait_for(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<String>) -> String {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Server(String);

impl Drop for Server {
    fn drop(&mut self) {
        let killed = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .status();
        assert!(
            std::thread::panicking() || killed.is_ok(),
            "cannot stop tmux server {}",
            self.0
        );
    }
}

#[test]
fn interactive_shell_through_a_real_terminal() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "tty");
    s.admin().args(["--up", "db", "current"]).run().ok();

    let socket = format!("admintest-{}", std::process::id());
    let _server = Server(socket.clone());
    let exit_file = s.path("exit-status");
    let script = format!(
        "cd {dir} && env -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME NO_COLOR=1 {admin} db shell; echo \"EXIT=$?\" > {exit}; stty -a > {stty}; sleep 60",
        dir = s.dir.path().display(),
        admin = env!("CARGO_BIN_EXE_admin"),
        exit = exit_file.display(),
        stty = s.path("stty-after").display(),
    );
    tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "120",
            "-y",
            "40",
            &script,
        ],
    );
    let pane = || tmux(&socket, &["capture-pane", "-p", "-t", "t"]);
    // bash in the container prints a prompt ending in "$" (capture-pane trims the space).
    wait_for("the container's prompt", Duration::from_secs(30), || {
        let p = pane();
        p.lines().any(|l| l.trim_end().ends_with('$')).then_some(p)
    });
    tmux(
        &socket,
        &[
            "send-keys",
            "-t",
            "t",
            "echo tty-$((6*7)) $(tput cols)x$(tput lines); tty",
            "Enter",
        ],
    );
    let screen = wait_for("the command's output", Duration::from_secs(15), || {
        let p = pane();
        (p.contains("tty-42") && (p.contains("/dev/pts/") || p.contains("not a tty"))).then_some(p)
    });
    assert!(
        screen.contains("/dev/pts/"),
        "a real TTY in the container:\n{screen}"
    );
    assert!(
        screen.contains("tty-42 120x40"),
        "terminal size was sent:\n{screen}"
    );
    tmux(&socket, &["send-keys", "-t", "t", "exit 3", "Enter"]);
    let status = wait_for("admin to exit", Duration::from_secs(15), || {
        std::fs::read_to_string(&exit_file)
            .ok()
            .filter(|s| !s.is_empty())
    });
    assert_eq!(status.trim(), "EXIT=3");
    // The host terminal was restored: canonical mode and echo are back on.
    let stty = wait_for("stty", Duration::from_secs(5), || {
        std::fs::read_to_string(s.path("stty-after"))
            .ok()
            .filter(|s| !s.is_empty())
    });
    assert!(
        stty.contains(" icanon") && stty.contains(" echo "),
        "{stty}"
    );

    // migrate on a terminal: a progress bar from the migrator's JSON events, never raw JSON.
    for v in 1..=3 {
        s.add_migration(
            &format!("2026010100000{v}_t{v}"),
            &format!("CREATE TABLE t{v} (); SELECT pg_sleep(0.3);"),
            &format!("DROP TABLE t{v};"),
        );
    }
    let migrate = format!(
        "cd {dir} && env -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME {admin} db migrate; echo \"EXIT=$?\" > {exit}; sleep 60",
        dir = s.dir.path().display(),
        admin = env!("CARGO_BIN_EXE_admin"),
        exit = s.path("migrate-status").display(),
    );
    tmux(&socket, &["new-window", "-t", "t", "-n", "m", &migrate]);
    let status = wait_for("migrate to exit", Duration::from_secs(30), || {
        std::fs::read_to_string(s.path("migrate-status"))
            .ok()
            .filter(|s| !s.is_empty())
    });
    assert_eq!(status.trim(), "EXIT=0");
    let screen = tmux(&socket, &["capture-pane", "-p", "-t", "t:m"]);
    assert!(screen.contains("applied 20260101000002 t2"), "{screen}");
    assert!(screen.contains("Applied 3 migrations"), "{screen}");
    assert!(
        !screen.contains("{\"event\""),
        "raw JSON on the terminal:\n{screen}"
    );

    // dbshell on a terminal: psql's interactive prompt in the db container, the database
    // named by DATABASE_URL; \q ends it with status 0.
    let dbshell = format!(
        "cd {dir} && env -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME {admin} db dbshell; echo \"EXIT=$?\" > {exit}; sleep 60",
        dir = s.dir.path().display(),
        admin = env!("CARGO_BIN_EXE_admin"),
        exit = s.path("dbshell-status").display(),
    );
    tmux(&socket, &["new-window", "-t", "t", "-n", "p", &dbshell]);
    wait_for("psql's prompt", Duration::from_secs(30), || {
        let p = tmux(&socket, &["capture-pane", "-p", "-t", "t:p"]);
        p.lines()
            .any(|l| l.trim_end().ends_with("app=#") || l.trim_end().ends_with("app=>"))
            .then_some(p)
    });
    tmux(
        &socket,
        &[
            "send-keys",
            "-t",
            "t:p",
            "select 6*7 as answer \\g",
            "Enter",
        ],
    );
    let screen = wait_for("psql's answer", Duration::from_secs(15), || {
        let p = tmux(&socket, &["capture-pane", "-p", "-t", "t:p"]);
        p.contains("42").then_some(p)
    });
    assert!(screen.contains("answer"), "{screen}");
    assert!(!screen.contains(super::CANARY), "{screen}");
    tmux(&socket, &["send-keys", "-t", "t:p", "\\q", "Enter"]);
    let status = wait_for("dbshell to exit", Duration::from_secs(15), || {
        std::fs::read_to_string(s.path("dbshell-status"))
            .ok()
            .filter(|s| !s.is_empty())
    });
    assert_eq!(status.trim(), "EXIT=0");
}
