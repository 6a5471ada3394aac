#!/usr/bin/env python3
"""Autogenerate speed: `migrator makemigrations` (with its round-trip proof) against
`alembic revision --autogenerate`, side by side on one throwaway PostgreSQL cluster.

Scenarios, for N tables (bench/schema_gen.py):
  (a) N new tables       ours: no migrations, schema.sql with N tables
                         alembic: empty database, metadata with N tables
  (b) a column per table ours: one migration creating the N tables, schema.sql + `note text`
                         alembic: database with the N tables, metadata + `note`
  (c) no change          ours: migrations == schema.sql; alembic: database == metadata

Each cell: 1 warm-up, then the median wall time of --runs whole CLI invocations, each on fresh
state (new migrations folder / new database); the two tools alternate run by run. Every run is
checked (files written, operation counts, "No changes detected"); a failed check aborts the
benchmark. Run through bench/autogen.sh, which builds the binary and the venv.
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from pgcluster import BenchError, Cluster, find_pg_bin  # noqa: E402
import schema_gen  # noqa: E402

try:
    import alembic
    import psycopg2
    import sqlalchemy
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"error: {e}\nhint: run the benchmark through bench/autogen.sh (it creates .tmp/bench-venv)\n"
    )
    sys.exit(2)

SCENARIOS = {
    "a": "(a) N new tables",
    "b": "(b) one column added to every table",
    "c": "(c) no change",
}
INIT_VERSION = "20240101000000"
# The kinds of run per scenario: migrator with its shadow databases on the app's server, on a
# dedicated scratch server (as the reference stack's `shadow` service), and Alembic; each
# "repeat" (same inputs again) and "edited" (schema.sql / models.py just saved).
KINDS = ("ours", "ours_edited", "ours_shadow", "ours_shadow_edited", "alembic", "alembic_edited")
# The reference stack's `shadow` service settings (compose/docker-compose.yml), data on tmpfs.
SHADOW_OPTS = (
    "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c wal_level=minimal "
    "-c max_wal_senders=0"
)
PHASES = re.compile(
    r"shadow databases built in (\d+) ms, diff in (\d+) ms(?:, proof in (\d+) ms)?"
)


@dataclass
class Cell:
    """Timings of one tool on one scenario at one size."""

    times: list[float] = field(default_factory=list)
    timed_out: bool = False
    phases: list[tuple[int, int, int]] = field(default_factory=list)

    def median(self) -> float | None:
        return None if self.timed_out or not self.times else statistics.median(self.times)


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Timeout(Exception):
    pass


def timed(cmd: list[str], *, cwd: Path, env: dict, limit: float) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of the whole command; kills its process group after `limit` seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Timeout() from None
    except BaseException:
        # Ctrl-C / SIGTERM: the tool runs in its own session, so stop it before cleaning up.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    elapsed = time.perf_counter() - start
    return elapsed, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def fail(tool: str, scenario: str, n: int, why: str, proc: subprocess.CompletedProcess | None, hint: str):
    detail = ""
    if proc is not None:
        tail = lambda s: "\n".join(s.strip().splitlines()[-25:])  # noqa: E731
        detail = f"\n--- exit {proc.returncode}; stderr (tail)\n{tail(proc.stderr)}\n--- stdout (tail)\n{tail(proc.stdout)}"
    raise BenchError(f"{tool}, scenario {scenario}, N={n}: {why}{detail}\nhint: {hint}")


class Server:
    """psycopg2 helpers on the cluster's maintenance database."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def execute(self, sql: str, db: str = "postgres", fetch: bool = False):
        conn = psycopg2.connect(self.cluster.db_url(db))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if fetch else None
        finally:
            conn.close()

    def recreate(self, name: str, template: str = "template0") -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def shadow_leftovers(self) -> list[str]:
        rows = self.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'migrator\\_shadow\\_%'", fetch=True
        )
        return [r[0] for r in rows]


# ---------------------------------------------------------------------------------------------
# Fixtures


def write_fixtures(work: Path, n: int, server: Server) -> dict[str, Path]:
    """Files shared by every run at size n; also the Alembic base database `bench_base_<n>`."""
    fx = work / f"n{n}"
    fx.mkdir(parents=True)
    base, extra = schema_gen.schema_sql(n), schema_gen.schema_sql(n, extra_column=True)
    (fx / "schema_base.sql").write_text(base)
    (fx / "schema_extra.sql").write_text(extra)
    init = fx / "migrations_init"
    init.mkdir()
    (init / f"{INIT_VERSION}_init.up.sql").write_text(base)
    (init / f"{INIT_VERSION}_init.down.sql").write_text(schema_gen.drop_sql(n))
    (fx / "migrations_empty").mkdir()
    # Alembic: one project per scenario, so each keeps its compiled models.py cache.
    mako = Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako"
    for sc in "abc":
        proj = fx / f"alembic_{sc}"
        (proj / "versions").mkdir(parents=True)
        shutil.copy(mako, proj / "script.py.mako")
        (proj / "alembic.ini").write_text(ALEMBIC_INI)
        (proj / "env.py").write_text(ENV_PY)
        (proj / "models.py").write_text(schema_gen.models_py(n, extra_column=(sc == "b")))
        if sc != "a":
            (proj / "versions" / "0001_init.py").write_text(INIT_REVISION.format(n=n))
    server.recreate(f"bench_base_{n}")
    server.execute(base, db=f"bench_base_{n}")
    server.execute(
        "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY); INSERT INTO alembic_version VALUES ('0001')",
        db=f"bench_base_{n}",
    )
    return {"dir": fx}


ALEMBIC_INI = """\
[alembic]
script_location = %(here)s
prepend_sys_path = .
path_separator = os

# Logging as `alembic init` sets it up.
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ENV_PY = '''\
"""Alembic env for the benchmark: online mode, URL from BENCH_ALEMBIC_URL."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from models import metadata as target_metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

engine = create_engine(os.environ["BENCH_ALEMBIC_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    # compare_server_default: ours compares defaults too, so Alembic is asked for the same.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
'''

INIT_REVISION = '''\
"""init: the {n} benchmark tables (already applied to the database by the benchmark).

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(open(__file__.replace("0001_init.py", "../schema_base.sql")).read())


def downgrade() -> None:
    raise NotImplementedError
'''


# ---------------------------------------------------------------------------------------------
# One run of each tool


def count(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text, flags=re.MULTILINE))


def run_ours(
    args, server: Server, fx: Path, sc: str, n: int, run_dir: Path, edit: str | None = None,
    shadow: "Server | None" = None,
) -> tuple[float, tuple | None]:
    """One makemigrations run; with `edit`, schema.sql gets that comment appended first (as if
    the user had just saved it: a new text, so no cached schema.sql database can be used)."""
    mig = run_dir / "migrations"
    shutil.copytree(fx / ("migrations_empty" if sc == "a" else "migrations_init"), mig)
    schema = fx / ("schema_extra.sql" if sc == "b" else "schema_base.sql")
    if edit is not None:
        edited = run_dir / "schema.sql"
        edited.write_text(schema.read_text() + f"\n-- {edit}\n")
        schema = edited
    before = set(os.listdir(mig))
    env = dict(os.environ, DATABASE_URL=server.cluster.url, MIGRATIONS_DIR=str(mig), NO_COLOR="1")
    env.pop("SHADOW_DATABASE_URL", None)
    if shadow is not None:
        env["SHADOW_DATABASE_URL"] = shadow.cluster.url
    env.pop("SCHEMA_FILE", None)
    cmd = [str(args.migrator), "-v", "makemigrations", "-m", "x", "--schema", str(schema)]
    elapsed, proc = timed(cmd, cwd=run_dir, env=env, limit=args.limit)
    hint = f"reproduce: DATABASE_URL=... MIGRATIONS_DIR={mig} {' '.join(cmd)}  (rerun with --keep)"
    if proc.returncode != 0:
        fail("migrator", sc, n, "makemigrations failed", proc, hint)
    new = sorted(set(os.listdir(mig)) - before)
    if sc == "c":
        if new or "No changes detected" not in proc.stderr:
            fail("migrator", sc, n, f"expected 'No changes detected' and no files, got {new}", proc, hint)
    else:
        ups = [f for f in new if f.endswith(".up.sql")]
        downs = [f for f in new if f.endswith(".down.sql")]
        if len(new) != 2 or len(ups) != 1 or len(downs) != 1:
            fail("migrator", sc, n, f"expected one new .up.sql/.down.sql pair, got {new}", proc, hint)
        up, down = (mig / ups[0]).read_text(), (mig / downs[0]).read_text()
        if "proven by round trip" not in up:
            fail("migrator", sc, n, "the up file does not say it was proven", proc, hint)
        if sc == "a":
            checks = {
                "CREATE TABLE in up": (count(r"^CREATE TABLE ", up), n),
                "CREATE INDEX in up": (count(r"^CREATE (UNIQUE )?INDEX ", up), n),
                "DROP TABLE in down": (count(r"^DROP TABLE ", down), n),
            }
        else:
            checks = {
                "ADD COLUMN in up": (count(r"ADD COLUMN ", up), n),
                "DROP COLUMN in down": (count(r"DROP COLUMN ", down), n),
                "statements in up": (count(r";\s*$", up), n),
            }
        bad = {k: v for k, v in checks.items() if v[0] != v[1]}
        if bad:
            fail("migrator", sc, n, f"unexpected migration content (got, expected): {bad}", proc, hint)
    leftovers = server.shadow_leftovers() + (shadow.shadow_leftovers() if shadow else [])
    if leftovers:
        fail("migrator", sc, n, f"shadow databases left behind: {leftovers[:3]}", proc, hint)
    m = PHASES.search(proc.stderr)
    phases = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None
    return elapsed, phases


def run_alembic(args, server: Server, fx: Path, sc: str, n: int, db: str, edit: str | None = None) -> float:
    """One `revision --autogenerate` run; with `edit`, models.py gets that comment appended first
    (so Python recompiles it, as after the user saved it)."""
    proj = fx / f"alembic_{sc}"
    versions = proj / "versions"
    if edit is not None:
        models = proj / "models.py"
        models.write_text(models.read_text() + f"# {edit}\n")
    for f in versions.glob("*.py"):
        if f.name != "0001_init.py":
            f.unlink()
    # `db` is a fresh copy made before the scenario's runs (see bench_size).
    env = dict(os.environ, BENCH_ALEMBIC_URL=server.cluster.db_url(db).replace("postgresql://", "postgresql+psycopg2://", 1))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [str(args.alembic), "-c", str(proj / "alembic.ini"), "revision", "--autogenerate", "-m", "x"]
    elapsed, proc = timed(cmd, cwd=proj, env=env, limit=args.limit)
    hint = f"reproduce: cd {proj} && BENCH_ALEMBIC_URL=... {' '.join(cmd)}  (rerun with --keep)"
    if proc.returncode != 0:
        fail("alembic", sc, n, "revision --autogenerate failed", proc, hint)
    new = [f for f in versions.glob("*.py") if f.name != "0001_init.py"]
    if len(new) != 1:
        fail("alembic", sc, n, f"expected one new revision file, got {[f.name for f in new]}", proc, hint)
    text = new[0].read_text()
    m = re.search(r"def upgrade\(\).*?:\n(.*?)\ndef downgrade\(\)", text, flags=re.S)
    if not m:
        fail("alembic", sc, n, f"cannot find upgrade() in {new[0]}", proc, hint)
    upgrade = m.group(1)
    ops = count(r"^\s+op\.\w+\(", upgrade)
    expected = {
        "a": {"op.create_table": n, "op.create_index": n, "all ops": 2 * n},
        "b": {"op.add_column": n, "all ops": n},
        "c": {"all ops": 0},
    }[sc]
    got = {k: (ops if k == "all ops" else count(r"^\s+" + re.escape(k) + r"\(", upgrade)) for k in expected}
    if got != expected:
        fail("alembic", sc, n, f"unexpected revision content: got {got}, expected {expected} ({new[0]})", proc, hint)
    new[0].unlink()
    return elapsed


# ---------------------------------------------------------------------------------------------
# Driver


def bench_size(args, server: Server, shadow: Server, work: Path, n: int, results: dict) -> None:
    log(f"== N={n}: writing fixtures and the Alembic base database")
    fx = write_fixtures(work, n, server)["dir"]
    with_alembic = n in args.alembic_sizes
    # The floor: PostgreSQL alone executing schema.sql once (one message, one rolled-back
    # transaction, like migrator's loads), on an empty database.
    floor = Cell()
    results[("floor", n)] = {"floor": floor}
    server.recreate("bench_floor")
    base = (fx / "schema_base.sql").read_text()
    for i in range(args.warmup + args.runs):
        start = time.perf_counter()
        server.execute(f"BEGIN;\n{base}\nROLLBACK;", db="bench_floor")
        t = time.perf_counter() - start
        if i >= args.warmup:
            floor.times.append(t)
        log(f"   {'PostgreSQL executes schema.sql':<38} N={n:<5} {'psycopg2':<16} {i:<9} {t:8.3f} s")
    server.execute('DROP DATABASE IF EXISTS "bench_floor" WITH (FORCE)')
    for sc in args.scenarios:
        cells = {k: Cell() for k in KINDS}
        results[(sc, n)] = cells if with_alembic else {k: v for k, v in cells.items() if k.startswith("ours")}
        # One fresh database per Alembic run, made up front: dropping or recreating one
        # between runs would force a checkpoint just before the next run of either tool.
        alembic_dbs = [f"bench_alembic_{k}_{i}" for k in ("repeat", "edited") for i in range(args.warmup + args.runs)]
        if with_alembic:
            for db in alembic_dbs:
                server.recreate(db, "template0" if sc == "a" else f"bench_base_{n}")
        # Copying them wrote a lot of WAL: checkpoint now rather than during the runs (the
        # warm-up run pays the full-page writes that follow any checkpoint).
        server.execute("CHECKPOINT")
        for i in range(args.warmup + args.runs):
            label = "warm-up" if i < args.warmup else f"run {i - args.warmup + 1}/{args.runs}"
            for key in results[(sc, n)]:
                cell = cells[key]
                if cell.timed_out:
                    continue
                edit = f"edit {sc} {n} {i} {time.time_ns()}" if key.endswith("_edited") else None
                tool = {"ours": "migrator", "ours_shadow": "migrator+shadow", "alembic": "alembic"}[
                    key.removesuffix("_edited")
                ] + (" edited" if edit else "")
                run_dir = Path(tempfile.mkdtemp(prefix=f"{key}-{sc}-", dir=work))
                try:
                    phases = None
                    if key.startswith("ours"):
                        dedicated = shadow if key.startswith("ours_shadow") else None
                        t, phases = run_ours(args, server, fx, sc, n, run_dir, edit, dedicated)
                    else:
                        db = f"bench_alembic_{'edited' if edit else 'repeat'}_{i}"
                        t = run_alembic(args, server, fx, sc, n, db, edit)
                    if i >= args.warmup:
                        cell.times.append(t)
                        if phases:
                            cell.phases.append(phases)
                    log(f"   {SCENARIOS[sc]:<38} N={n:<5} {tool:<16} {label:<9} {t:8.3f} s")
                except Timeout:
                    cell.timed_out = True
                    log(f"   {SCENARIOS[sc]:<38} N={n:<5} {tool} {label}: > {args.limit:.0f} s, skipping")
                    for srv in (server, shadow):
                        for name in srv.shadow_leftovers():
                            srv.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    if not args.keep:
                        shutil.rmtree(run_dir)
        for db in alembic_dbs:
            server.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    server.execute(f'DROP DATABASE IF EXISTS "bench_base_{n}" WITH (FORCE)')


def fmt(v: float | None, limit: float) -> str:
    return f"> {limit:.0f}" if v is None else f"{v:.3f}"


def report(args, results: dict, meta: dict) -> str:
    keys = sorted((k for k in results if k[0] != "floor"), key=lambda k: (k[1], k[0]))

    def med(c: Cell | None) -> str:
        return "not run" if c is None else fmt(c.median(), args.limit)

    def pair(k: tuple, kind: str) -> str:
        r = results[k]
        return f"{med(r.get(kind))} / {med(r.get(kind + '_edited'))}"

    def ratio(a: Cell | None, o: Cell | None) -> str:
        if a is None or o is None or o.median() is None:
            return "–"
        if a.median() is None:
            return f"> {args.limit / o.median():.0f}×"
        return f"{a.median() / o.median():.1f}×"

    lines = [
        "# Autogenerate benchmark: `migrator makemigrations` vs `alembic revision --autogenerate`",
        "",
        f"- Started: {meta['date']}; total benchmark runtime {meta['runtime']:.0f} s",
        f"- Machine: {meta['machine']}; load average before/after: {meta['load_before']} / {meta['load_after']}",
        f"- PostgreSQL {meta['pg']}. App server: a throwaway cluster, initdb defaults (fsync on), "
        f"{meta['pg_settings']}. Dedicated shadow server (as the reference stack's `shadow` "
        f"service): a second cluster, {meta['shadow_settings']}.",
        f"- migrator: `{meta['migrator']}` built at commit {meta['commit']} (release build, proof on)",
        f"- Alembic {alembic.__version__}, SQLAlchemy {sqlalchemy.__version__}, psycopg2 "
        f"{psycopg2.__version__.split()[0]}, Python {platform.python_version()}; "
        "`compare_type=True, compare_server_default=True`; it runs against the app server.",
        f"- Each cell: median wall time of {args.runs} whole CLI invocations after {args.warmup} warm-up, "
        "fresh migrations folder / database per run (Alembic's databases are all copied from "
        "the template before a scenario's runs: DROP DATABASE forces a checkpoint, which would "
        "slow down whatever runs next), the kinds of run alternating; every run's output "
        "verified.",
        "- **repeat**: the same schema.sql / models.py as the run before (migrator's schema.sql "
        "and replay caches are warm). **edited**: schema.sql / models.py was just saved with a new "
        "comment line, so migrator must load schema.sql into PostgreSQL again (the replay cache of "
        "the unchanged migrations still counts) and Python recompiles models.py. An edit is how "
        "makemigrations is usually run.",
        "",
        "| Scenario | N tables | migrator, shadow on the app server: repeat / edited (s) "
        "| migrator, dedicated shadow server: repeat / edited (s) | Alembic: repeat / edited (s) "
        "| Alembic ÷ migrator with the dedicated shadow: repeat, edited |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for k in keys:
        sc, n = k
        r = results[k]
        lines.append(
            f"| {SCENARIOS[sc].replace('N ', f'{n} ')} | {n} | {pair(k, 'ours')} | {pair(k, 'ours_shadow')} "
            f"| {pair(k, 'alembic')} | {ratio(r.get('alembic'), r.get('ours_shadow'))}, "
            f"{ratio(r.get('alembic_edited'), r.get('ours_shadow_edited'))} |"
        )
    floors = [(n, results[("floor", n)]["floor"]) for (f, n) in sorted(results) if f == "floor"]
    if floors:
        lines += [
            "",
            "The floor: PostgreSQL alone executing the N-table schema.sql once in one rolled-back "
            "transaction on the app server (psycopg2, one message), median of the same runs: "
            + "; ".join(f"N={n}: {fmt(c.median(), args.limit)} s" for n, c in floors)
            + ". In scenario (a) migrator executes about that much DDL twice after an edit "
            "(schema.sql into the blank database, then the generated up script in the proof) and "
            "once on a repeat (the proof); Alembic executes none.",
        ]
    lines += [
        "",
        "Runs (s) and where migrator's time goes (median of its `-v` phase timings: shadow databases "
        "built = replay migrations (or a cache hit) + load schema.sql (or a cache hit); diff = "
        "introspect both + diff; proof = up + re-diff + down + re-diff in one rolled-back "
        "transaction; the rest is process start, file scan, connect and drops):",
        "",
        "| Scenario | N | run | tool | runs | shadow / diff / proof (ms) |",
        "|---|---:|---|---|---|---|",
    ]

    def runs(c: Cell) -> str:
        return ", ".join(f"{t:.3f}" for t in c.times) + (" (timed out)" if c.timed_out else "")

    names = {"ours": "migrator, shadow on the app server", "ours_shadow": "migrator, dedicated shadow", "alembic": "Alembic"}
    for k in keys:
        sc, n = k
        for kind in KINDS:
            c = results[k].get(kind)
            if c is None:
                continue
            ph = "–"
            if c.phases:
                ph = " / ".join(str(int(statistics.median(p[j] for p in c.phases))) for j in range(3))
            which = "edited" if kind.endswith("_edited") else "repeat"
            lines.append(f"| {sc} | {n} | {which} | {names[kind.removesuffix('_edited')]} | {runs(c)} | {ph} |")
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    """HEAD when the benchmark starts (the binary was just built from it), flagged when src/ or
    Cargo.* have uncommitted changes."""
    proc = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"],
        capture_output=True, text=True,
    ).stdout.strip()
    return (proc.stdout.strip() or "unknown") + (" + uncommitted changes" if dirty else "")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError as e:
        return f"unknown ({e})"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--migrator", type=Path, default=ROOT / "target" / "release" / "migrator")
    p.add_argument("--alembic", type=Path, default=Path(sys.executable).parent / "alembic")
    p.add_argument("--sizes", default="200,2000", help="table counts (default 200,2000)")
    p.add_argument("--alembic-sizes", default=None, help="sizes Alembic runs at (default: all)")
    p.add_argument("--scenarios", default="abc")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--limit", type=float, default=300.0, help="seconds per run before '> limit'")
    p.add_argument("--max-locks", type=int, default=1024,
                   help="max_locks_per_transaction of the cluster (64 cannot hold 2,000 tables in one transaction)")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/autogen-<date>.md)")
    p.add_argument("--keep", action="store_true", help="keep the per-run folders (the cluster is always removed)")
    args = p.parse_args()
    args.migrator, args.alembic = args.migrator.absolute(), args.alembic.absolute()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.alembic_sizes = args.sizes if args.alembic_sizes is None else [int(s) for s in args.alembic_sizes.split(",") if s.strip()]
    bad = set(args.scenarios) - set(SCENARIOS)
    if bad or args.runs < 1 or any(n < 1 for n in args.sizes):
        p.error("--scenarios takes letters from 'abc'; --runs and sizes must be >= 1")
    return args


def main() -> int:
    args = parse_args()
    for what, path, hint in [
        ("migrator binary", args.migrator, "cargo build --release --bin migrator (or run bench/autogen.sh)"),
        ("alembic CLI", args.alembic, "run bench/autogen.sh (it installs alembic into .tmp/bench-venv)"),
    ]:
        if not os.access(path, os.X_OK):
            raise BenchError(f"{what} not found at {path}\nhint: {hint}")
    started = time.perf_counter()
    load_before = loadavg()
    commit = git_commit()
    date = datetime.datetime.now(datetime.timezone.utc)
    cluster = Cluster(find_pg_bin())
    cluster.extra_opts = f"-c max_locks_per_transaction={args.max_locks}"
    # The dedicated shadow server: like the reference stack's `shadow` service (tmpfs,
    # durability off); /dev/shm is a tmpfs on Linux.
    tmpfs = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    shadow_cluster = Cluster(cluster.pg_bin, base_dir=tmpfs)
    shadow_cluster.extra_opts = f"-c max_locks_per_transaction={args.max_locks} {SHADOW_OPTS}"
    signal.signal(signal.SIGTERM, lambda *_: (log("terminated; stopping the PostgreSQL clusters"), sys.exit(143)))
    (ROOT / ".tmp").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-autogen-", dir=ROOT / ".tmp"))
    results: dict = {}
    try:
        log(f"starting a throwaway PostgreSQL cluster ({cluster.pg_bin})")
        cluster.start()
        server = Server(cluster)
        log(f"starting the dedicated shadow cluster in {tmpfs or 'a temporary directory'}")
        shadow_cluster.start()
        shadow = Server(shadow_cluster)
        pg = server.execute("SHOW server_version", fetch=True)[0][0]
        for n in args.sizes:
            bench_size(args, server, shadow, work, n, results)
    finally:
        try:
            shadow_cluster.stop()
        finally:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=False)
        else:
            log(f"kept {work}")
    meta = {
        "date": date.strftime("%Y-%m-%d %H:%M UTC"),
        "runtime": time.perf_counter() - started,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs)",
        "load_before": load_before,
        "load_after": loadavg(),
        "pg": pg,
        "pg_settings": f"max_locks_per_transaction={args.max_locks}",
        "shadow_settings": f"{'tmpfs /dev/shm' if tmpfs else 'no tmpfs found: a temporary directory'}, {SHADOW_OPTS}",
        "migrator": args.migrator.relative_to(ROOT) if args.migrator.is_relative_to(ROOT) else args.migrator,
        "commit": commit,
    }
    md = report(args, results, meta)
    sys.stdout.write(md)
    out = args.out or HERE / "results" / f"autogen-{date.strftime('%Y-%m-%d')}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    log(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; the PostgreSQL cluster was stopped and removed\n")
        sys.exit(130)
