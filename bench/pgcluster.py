"""A throwaway PostgreSQL cluster: initdb into a temp dir, start on a free 127.0.0.1 port with
trust auth, stop and delete on `stop()` (also on errors: use it as a context manager)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class BenchError(Exception):
    """An error the user can act on; the last line should be `hint: ...`."""


def find_pg_bin() -> Path:
    """PG_BIN if set, else the newest /usr/lib/postgresql/*/bin with initdb and pg_ctl."""
    env = os.environ.get("PG_BIN")
    candidates = [Path(env)] if env else []
    if not env:
        found = glob.glob("/usr/lib/postgresql/*/bin")

        def major(p: str) -> int:
            part = Path(p).parent.name
            return int(part) if part.isdigit() else -1

        candidates = [Path(p) for p in sorted(found, key=major, reverse=True)]
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    where = env or "/usr/lib/postgresql/*/bin"
    raise BenchError(
        f"no initdb/pg_ctl found in {where}\n"
        "hint: apt-get install postgresql (or set PG_BIN=/path/to/postgresql/bin)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, pg_bin: Path, base_dir: Path | None = None):
        self.pg_bin = pg_bin
        self.base_dir = base_dir
        self.dir: Path | None = None
        self.port = 0
        self.running = False
        self.as_root = os.geteuid() == 0
        self.extra_opts = ""

    @property
    def url(self) -> str:
        return self.db_url("postgres")

    def db_url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", "postgres", "--"] if self.as_root else []) + list(args)

    def _run(self, what: str, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, cwd=self.dir)
        if proc.returncode != 0:
            log = ""
            if self.dir and (self.dir / "server.log").exists():
                log = "\n--- server.log (tail)\n" + "\n".join(
                    (self.dir / "server.log").read_text(errors="replace").splitlines()[-15:]
                )
            raise BenchError(
                f"{what} failed (exit {proc.returncode}): {' '.join(args)}\n"
                f"{proc.stderr.strip() or proc.stdout.strip()}{log}\n"
                f"hint: check that {self.pg_bin} works: {self.pg_bin / 'pg_ctl'} --version"
            )

    def start(self) -> "Cluster":
        if self.as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise BenchError(
                    "running as root, but there is no `postgres` user to run initdb as\n"
                    "hint: run as a normal user, or: useradd --system postgres"
                ) from None
        self.dir = Path(tempfile.mkdtemp(prefix="bench-autogen-pg-", dir=self.base_dir))
        if self.as_root:
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        data = self.dir / "data"
        self._run(
            "initdb",
            str(self.pg_bin / "initdb"),
            "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )
        self.port = free_port()
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {self.extra_opts}"
        self._run(
            "pg_ctl start",
            str(self.pg_bin / "pg_ctl"),
            "-D", str(data), "-l", str(self.dir / "server.log"), "-w", "-t", "60",
            "-o", opts, "start",
        )
        self.running = True
        return self

    def stop(self) -> None:
        """Stops the server (fast) and deletes the directory; safe to call twice."""
        try:
            if self.running and self.dir:
                self.running = False
                data = str(self.dir / "data")
                try:
                    self._run("pg_ctl stop", str(self.pg_bin / "pg_ctl"), "-D", data, "-m", "fast", "-w", "-t", "60", "stop")
                except BenchError:
                    # Already gone (Ctrl-C in a terminal also reaches the postmaster): fine.
                    status = subprocess.run(
                        self._cmd(str(self.pg_bin / "pg_ctl"), "-D", data, "status"),
                        capture_output=True, cwd=self.dir,
                    )
                    if status.returncode != 3:  # 3: no server running
                        raise
        finally:
            if self.dir and self.dir.exists():
                shutil.rmtree(self.dir)
            self.dir = None

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
