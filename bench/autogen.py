#!/usr/bin/env python3
"""Autogenerate speed: `migrator makemigrations` (with its round-trip proof) against
`alembic revision --autogenerate`, side by side on one throwaway PostgreSQL cluster.

Scenarios, for N tables (bench/schema_gen.py):
  (a) N new tables       ours: no migrations, schema.sql with N tables
                         alembic: empty database, metadata with N tables
  (b) a column per table ours: one migration creating the N tables, schema.sql + `note text`
                         alembic: database with the N tables, metadata + `note`
  (c) no change          ours: migrations == schema.sql; alembic: database == metadata
and, once (not per size), on a real project's schema (the corpus test's export, see
bench/corpus_export.py; --corpus picks the project, default synapse):
  (s) corpus schema from empty   ours: no migrations, the project's final schema as schema.sql
                                 alembic: N/A (no SQLAlchemy models of that schema exist)

Each cell: 1 warm-up, then the median wall time of --runs whole CLI invocations, each on fresh
state (new migrations folder / new database); the kinds of run alternate run by run. Every run
is checked (files written, operation counts, "No changes detected"); a failed check aborts the
benchmark. With --baseline-migrator, every migrator run is also made with that binary (another
revision's engine, see bench/baseline.sh), the two alternating run by run (which one goes first
alternates too); a baseline run that fails its check is reported as failed, not timed.
Run through bench/autogen.sh, which builds the binary and the venv.
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
import corpus_export  # noqa: E402
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
    "s": "(s) corpus schema from empty",
}
# The scenarios run at every size; the others run once.
SIZED = "abc"
INIT_VERSION = "20240101000000"
# The kinds of run per scenario: migrator with its shadow databases on the app's server, on a
# dedicated scratch server (as the reference stack's `shadow` service), and Alembic; each
# "repeat" (same inputs again) and "edited" (schema.sql / models.py just saved).
OURS = ("ours", "ours_edited", "ours_shadow", "ours_shadow_edited")
ALEMBIC = ("alembic", "alembic_edited")
KINDS = OURS + ALEMBIC
# Suffix of a kind run with --baseline-migrator ("ours_edited" + BASE).
BASE = "@baseline"
# The reference stack's `shadow` service settings (compose/docker-compose.yml), data on tmpfs.
SHADOW_OPTS = (
    "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c wal_level=minimal "
    "-c max_wal_senders=0"
)
PHASES = re.compile(
    r"shadow databases built in (\d+) ms, diff in (\d+) ms(?:, proof in (\d+) ms)?"
)
# `-v` also logs each step of the proof ("proof: up script in 12 ms").
PROOF_STEP = re.compile(r"\bproof: (.+?) in (\d+) ms$", flags=re.M)


@dataclass
class Phases:
    """migrator's own `-v` timings of one run, ms."""

    shadow: int
    diff: int
    proof: int
    # Proof step -> ms, in the order logged.
    steps: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        steps = ", ".join(f"{k} {v}" for k, v in self.steps.items())
        return f"shadow {self.shadow} / diff {self.diff} / proof {self.proof} ms" + (f" ({steps})" if steps else "")


@dataclass
class Cell:
    """Timings of one tool on one scenario at one size."""

    times: list[float] = field(default_factory=list)
    timed_out: bool = False
    # Why a baseline run failed its check (the cell is not run again); None: no failure.
    failed: str | None = None
    phases: list[Phases] = field(default_factory=list)

    def median(self) -> float | None:
        if self.timed_out or self.failed or not self.times:
            return None
        return statistics.median(self.times)

    def spread(self) -> str:
        """min–max of the timed runs."""
        return f"{min(self.times):.2f}–{max(self.times):.2f}" if self.times else "–"


@dataclass
class Results:
    # (scenario, N) -> kind -> Cell
    cells: dict = field(default_factory=dict)
    # (label, app server Cell, dedicated shadow server Cell): schema.sql executed by PostgreSQL
    floors: list = field(default_factory=list)
    # The corpus scenario: {"project", "version", "tables", "lines", "migrations"}
    corpus: dict | None = None
    # (scenario, N) -> the 1-minute load average when its runs started and ended (other jobs on
    # the machine show up here: the runs themselves keep it near 1)
    load: dict = field(default_factory=dict)


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


class RunFailed(BenchError):
    """A run's check failed; `short` says why in one line (for the report)."""

    def __init__(self, message: str, short: str):
        super().__init__(message)
        self.short = short


def fail(tool: str, scenario: str, n: int, why: str, proc: subprocess.CompletedProcess | None, hint: str):
    detail, short = "", why
    if proc is not None:
        tail = lambda s: "\n".join(s.strip().splitlines()[-25:])  # noqa: E731
        detail = f"\n--- exit {proc.returncode}; stderr (tail)\n{tail(proc.stderr)}\n--- stdout (tail)\n{tail(proc.stdout)}"
        # The tool's own reason: its innermost "caused by:", else its "error:" line.
        causes = re.findall(r"^\s*caused by: (.+)$", proc.stderr, flags=re.M)
        errors = re.findall(r"^error: (.+)$", proc.stderr, flags=re.M)
        if causes or errors:
            short = f"{why} (exit {proc.returncode}): {(causes or errors)[-1].strip()}"
    raise RunFailed(f"{tool}, scenario {scenario}, N={n}: {why}{detail}\nhint: {hint}", short)


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


# A table in schema.sql or an up script (pg_dump and migrator both start it on its own line).
CREATE_TABLE = r"^CREATE (?:UNLOGGED )?TABLE "


def run_ours(
    args, server: Server, fx: Path, sc: str, n: int, run_dir: Path, edit: str | None = None,
    shadow: "Server | None" = None, migrator: Path | None = None,
) -> tuple[float, Phases | None]:
    """One makemigrations run (with `migrator`, default args.migrator); with `edit`, schema.sql
    gets that comment appended first (as if the user had just saved it: a new text, so no
    cached schema.sql database can be used). Scenario "s": `fx` is the corpus export and `n` the
    number of tables in its schema.sql."""
    migrator = migrator or args.migrator
    tool = "migrator" if migrator == args.migrator else f"baseline migrator ({migrator})"
    mig = run_dir / "migrations"
    if sc in "as":
        mig.mkdir()
    else:
        shutil.copytree(fx / "migrations_init", mig)
    schema = fx / {"b": "schema_extra.sql", "s": "schema.sql"}.get(sc, "schema_base.sql")
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
    cmd = [str(migrator), "-v", "makemigrations", "-m", "x", "--schema", str(schema)]
    elapsed, proc = timed(cmd, cwd=run_dir, env=env, limit=args.limit)
    hint = f"reproduce: DATABASE_URL=... MIGRATIONS_DIR={mig} {' '.join(cmd)}  (rerun with --keep)"
    if proc.returncode != 0:
        fail(tool, sc, n, "makemigrations failed", proc, hint)
    new = sorted(set(os.listdir(mig)) - before)
    if sc == "c":
        if new or "No changes detected" not in proc.stderr:
            fail(tool, sc, n, f"expected 'No changes detected' and no files, got {new}", proc, hint)
    else:
        ups = [f for f in new if f.endswith(".up.sql")]
        downs = [f for f in new if f.endswith(".down.sql")]
        if len(new) != 2 or len(ups) != 1 or len(downs) != 1:
            fail(tool, sc, n, f"expected one new .up.sql/.down.sql pair, got {new}", proc, hint)
        up, down = (mig / ups[0]).read_text(), (mig / downs[0]).read_text()
        if "proven by round trip" not in up:
            fail(tool, sc, n, "the up file does not say it was proven", proc, hint)
        if sc == "a":
            checks = {
                "CREATE TABLE in up": (count(r"^CREATE TABLE ", up), n),
                "CREATE INDEX in up": (count(r"^CREATE (UNIQUE )?INDEX ", up), n),
                "DROP TABLE in down": (count(r"^DROP TABLE ", down), n),
            }
        elif sc == "s":
            checks = {
                "CREATE TABLE in up": (count(CREATE_TABLE, up), n),
                "up is not empty": (count(r";\s*$", up) > 0, True),
                "down is not empty": (count(r";\s*$", down) > 0, True),
            }
        else:
            checks = {
                "ADD COLUMN in up": (count(r"ADD COLUMN ", up), n),
                "DROP COLUMN in down": (count(r"DROP COLUMN ", down), n),
                "statements in up": (count(r";\s*$", up), n),
            }
        bad = {k: v for k, v in checks.items() if v[0] != v[1]}
        if bad:
            fail(tool, sc, n, f"unexpected migration content (got, expected): {bad}", proc, hint)
    leftovers = server.shadow_leftovers() + (shadow.shadow_leftovers() if shadow else [])
    if leftovers:
        fail(tool, sc, n, f"shadow databases left behind: {leftovers[:3]}", proc, hint)
    m = PHASES.search(proc.stderr)
    phases = None
    if m:
        steps = {k: int(v) for k, v in PROOF_STEP.findall(proc.stderr)}
        phases = Phases(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), steps)
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


def measure_floor(args, label: str, sql: str, server: Server, shadow: Server, results: Results) -> None:
    """The floor: PostgreSQL alone executing schema.sql once (one message, one rolled-back
    transaction, like migrator's loads) on an empty database, on the app server and on the
    dedicated shadow server, alternating."""
    cells = {"app": Cell(), "shadow": Cell()}
    results.floors.append((label, cells["app"], cells["shadow"]))
    for srv in (server, shadow):
        srv.recreate("bench_floor")
    for i in range(args.warmup + args.runs):
        for where, srv in (("app", server), ("shadow", shadow)):
            start = time.perf_counter()
            srv.execute(f"BEGIN;\n{sql}\nROLLBACK;", db="bench_floor")
            t = time.perf_counter() - start
            if i >= args.warmup:
                cells[where].times.append(t)
            what = "psycopg2, app" if where == "app" else "psycopg2, shadow"
            log(f"   {'PostgreSQL executes schema.sql':<38} {label:<12} {what:<30} {i:<9} {t:8.3f} s")
    for srv in (server, shadow):
        srv.execute('DROP DATABASE IF EXISTS "bench_floor" WITH (FORCE)')


def bench_size(args, server: Server, shadow: Server, work: Path, n: int, results: Results) -> None:
    log(f"== N={n}: writing fixtures and the Alembic base database")
    fx = write_fixtures(work, n, server)["dir"]
    measure_floor(args, f"N={n}", (fx / "schema_base.sql").read_text(), server, shadow, results)
    for sc in args.scenarios:
        if sc in SIZED:
            run_scenario(args, server, shadow, work, fx, sc, n, n in args.alembic_sizes, results)
    server.execute(f'DROP DATABASE IF EXISTS "bench_base_{n}" WITH (FORCE)')


def bench_corpus(args, server: Server, shadow: Server, work: Path, folder: Path, results: Results) -> None:
    """Scenario (s) on the exported project (`folder`: schema.sql, migrations/)."""
    sql = (folder / "schema.sql").read_text()
    info = corpus_export.describe(folder)
    tables = count(CREATE_TABLE, sql)
    if tables == 0:
        raise BenchError(
            f"{folder / 'schema.sql'} has no CREATE TABLE line\n"
            f"hint: delete {folder} so that the benchmark exports it again"
        )
    results.corpus = dict(
        info, tables=tables, lines=len(sql.splitlines()),
        migrations=len(list((folder / "migrations").glob("*.up.sql"))),
    )
    log(f"== (s) {info['project']} {info['version']}: {tables} tables, {results.corpus['lines']} lines of schema.sql")
    measure_floor(args, info["project"], sql, server, shadow, results)
    run_scenario(args, server, shadow, work, folder, "s", tables, False, results)


def run_order(args, i: int, with_alembic: bool) -> list[str]:
    """The kinds of run in iteration i: each migrator kind, then its baseline twin (or the
    other way round on odd iterations), then Alembic's."""
    order = []
    for kind in OURS:
        pair = [kind, kind + BASE] if args.baseline_migrator else [kind]
        order += pair[::-1] if i % 2 else pair
    return order + (list(ALEMBIC) if with_alembic else [])


def run_scenario(
    args, server: Server, shadow: Server, work: Path, fx: Path, sc: str, n: int, with_alembic: bool,
    results: Results,
) -> None:
    keys = run_order(args, 0, with_alembic)
    cells = {k: Cell() for k in keys}
    results.cells[(sc, n)] = cells
    # One fresh database per Alembic run, made up front: dropping or recreating one
    # between runs would force a checkpoint just before the next run of either tool.
    alembic_dbs = [f"bench_alembic_{k}_{i}" for k in ("repeat", "edited") for i in range(args.warmup + args.runs)]
    if with_alembic:
        for db in alembic_dbs:
            server.recreate(db, "template0" if sc == "a" else f"bench_base_{n}")
    # Copying them wrote a lot of WAL: checkpoint now rather than during the runs (the
    # warm-up run pays the full-page writes that follow any checkpoint).
    server.execute("CHECKPOINT")
    load_start = loadavg().split()[0]
    for i in range(args.warmup + args.runs):
        label = "warm-up" if i < args.warmup else f"run {i - args.warmup + 1}/{args.runs}"
        for key in run_order(args, i, with_alembic):
            cell = cells[key]
            if cell.timed_out or cell.failed:
                continue
            kind, baseline = key.removesuffix(BASE), key.endswith(BASE)
            edit = f"edit {sc} {n} {i} {time.time_ns()}" if kind.endswith("_edited") else None
            tool = {"ours": "migrator", "ours_shadow": "migrator+shadow", "alembic": "alembic"}[
                kind.removesuffix("_edited")
            ] + (" edited" if edit else "") + (" (base)" if baseline else "")
            run_dir = Path(tempfile.mkdtemp(prefix=f"{kind}-{sc}-", dir=work))
            try:
                phases = None
                if kind.startswith("ours"):
                    dedicated = shadow if kind.startswith("ours_shadow") else None
                    binary = args.baseline_migrator if baseline else args.migrator
                    t, phases = run_ours(args, server, fx, sc, n, run_dir, edit, dedicated, binary)
                else:
                    db = f"bench_alembic_{'edited' if edit else 'repeat'}_{i}"
                    t = run_alembic(args, server, fx, sc, n, db, edit)
                if i >= args.warmup:
                    cell.times.append(t)
                    if phases:
                        cell.phases.append(phases)
                log(f"   {SCENARIOS[sc]:<38} N={n:<5} {tool:<30} {label:<9} {t:8.3f} s")
            except (Timeout, RunFailed) as e:
                if isinstance(e, Timeout):
                    cell.timed_out = True
                    log(f"   {SCENARIOS[sc]:<38} N={n:<5} {tool} {label}: > {args.limit:.0f} s, skipping")
                elif baseline:
                    # The baseline engine may not handle what the current one does: say so.
                    cell.failed = e.short
                    log(f"   {SCENARIOS[sc]:<38} N={n:<5} {tool} {label}: FAILED, not run again:\n{e}")
                else:
                    raise
                for srv in (server, shadow):
                    for name in srv.shadow_leftovers():
                        srv.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                if not args.keep:
                    shutil.rmtree(run_dir)
    results.load[(sc, n)] = (load_start, loadavg().split()[0])
    if with_alembic:
        for db in alembic_dbs:
            server.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def fmt(v: float | None, limit: float) -> str:
    return f"> {limit:.0f}" if v is None else f"{v:.3f}"


def report(args, results: Results, meta: dict) -> str:
    # Sized scenarios by size, then the corpus scenario.
    keys = sorted(results.cells, key=lambda k: (k[0] == "s", k[1], k[0]))
    corpus = results.corpus

    def med(c: Cell | None) -> str:
        if c is None:
            return "not run"
        return f"failed: {c.failed}" if c.failed else fmt(c.median(), args.limit)

    def pair(k: tuple, kind: str) -> str:
        r = results.cells[k]
        return f"{med(r.get(kind))} / {med(r.get(kind + '_edited'))}"

    def ratio(a: Cell | None, o: Cell | None, digits: int = 1) -> str:
        if a is None or o is None or o.median() is None:
            return "–"
        if a.failed:
            return "–"
        if a.median() is None:
            return f"> {args.limit / o.median():.0f}×"
        return f"{a.median() / o.median():.{digits}f}×"

    def scenario(k: tuple) -> str:
        sc, n = k
        if sc == "s" and corpus:
            return (f"{SCENARIOS[sc]}: {corpus['project']} {corpus['version']} ({n} tables, "
                    f"{corpus['lines']:,}-line schema.sql)")
        return SCENARIOS[sc].replace("N ", f"{n} ")

    lines = [
        "# Autogenerate benchmark: `migrator makemigrations` vs `alembic revision --autogenerate`",
        "",
        f"- Started: {meta['date']}; total benchmark runtime {meta['runtime']:.0f} s",
        f"- Machine: {meta['machine']}; load average before/after: {meta['load_before']} / {meta['load_after']}",
        f"- PostgreSQL {meta['pg']}. App server: a throwaway cluster, initdb defaults (fsync on), "
        f"{meta['pg_settings']}. Dedicated shadow server (as the reference stack's `shadow` "
        f"service): a second cluster, {meta['shadow_settings']}.",
        f"- migrator: `{meta['migrator']}` built at commit {meta['commit']} (release build, proof on)",
    ]
    if args.baseline_migrator:
        lines.append(
            f"- Baseline migrator (`--baseline-migrator`): `{meta['baseline']}` built at commit "
            f"{meta['baseline_commit']} ({meta['baseline_subject']}); "
            "every migrator run is also made with it, the two alternating run by run (which one "
            "goes first alternates too), on the same servers."
        )
    lines += [
        f"- Alembic {alembic.__version__}, SQLAlchemy {sqlalchemy.__version__}, psycopg2 "
        f"{psycopg2.__version__.split()[0]}, Python {platform.python_version()}; "
        "`compare_type=True, compare_server_default=True`; it runs against the app server.",
        f"- Each cell: median wall time of {args.runs} whole CLI invocations after {args.warmup} warm-up, "
        "fresh migrations folder / database per run (Alembic's databases are all copied from "
        "the template before a scenario's runs: DROP DATABASE forces a checkpoint, which would "
        "slow down whatever runs next), the kinds of run alternating; every run's output "
        "verified. The spread (min–max of the runs) is in the tables below. The load average "
        "column is the machine's 1-minute load when the scenario's runs started and ended: the "
        "benchmark alone keeps it near 1; well above the number of CPUs, other jobs competed and the "
        "times are inflated (the interleaved ratios suffer less).",
        "- **repeat**: the same schema.sql / models.py as the run before (migrator's schema.sql "
        "and replay caches are warm). **edited**: schema.sql / models.py was just saved with a new "
        "comment line, so migrator must load schema.sql into PostgreSQL again (the replay cache of "
        "the unchanged migrations still counts) and Python recompiles models.py. An edit is how "
        "makemigrations is usually run.",
    ]
    if corpus:
        lines.append(
            f"- (s): the final schema of the corpus project {corpus['project']} {corpus['version']} "
            f"(crates/migrator/tests/corpus.rs, exported by `CORPUS_EXPORT`: the pg_dump of its {corpus['migrations']} "
            "migrations replayed) as schema.sql, no migrations. Alembic: N/A, no SQLAlchemy models "
            "of this schema exist (writing them by hand would measure the translation, not the tool)."
        )
    lines += [
        "",
        "| Scenario | N tables | migrator, shadow on the app server: repeat / edited (s) "
        "| migrator, dedicated shadow server: repeat / edited (s) | Alembic: repeat / edited (s) "
        "| Alembic ÷ migrator with the dedicated shadow: repeat, edited | load average (1 min) at start / end |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for k in keys:
        sc, n = k
        r = results.cells[k]
        if sc == "s":
            theirs, vs = "N/A (no SQLAlchemy models)", "N/A"
        else:
            theirs = pair(k, "alembic")
            vs = (f"{ratio(r.get('alembic'), r.get('ours_shadow'))}, "
                  f"{ratio(r.get('alembic_edited'), r.get('ours_shadow_edited'))}")
        load = " / ".join(results.load.get(k, ("?", "?")))
        lines.append(
            f"| {scenario(k)} | {n} | {pair(k, 'ours')} | {pair(k, 'ours_shadow')} | {theirs} | {vs} | {load} |"
        )
    if results.floors:
        lines += [
            "",
            "The floor: PostgreSQL alone executing schema.sql once in one rolled-back transaction on "
            "an empty database (psycopg2, one message), median [min–max] of the same number of runs, s. "
            "In scenarios (a) and (s) migrator executes about that much DDL twice after an edit "
            "(schema.sql into the blank database, then the generated up script in the proof, whose "
            "down drops it all again) and once on a repeat (the proof); Alembic executes none.",
            "",
            "| schema.sql | app server | dedicated shadow server |",
            "|---|---:|---:|",
        ]
        for label, app, sh in results.floors:
            lines.append(
                f"| {label} | {fmt(app.median(), args.limit)} [{app.spread()}] "
                f"| {fmt(sh.median(), args.limit)} [{sh.spread()}] |"
            )
    names = {"ours": "shadow on the app server", "ours_shadow": "dedicated shadow server"}
    if args.baseline_migrator:
        lines += [
            "",
            f"Current engine ({meta['commit']}) vs the baseline ({meta['baseline_commit']}), "
            "interleaved in this run: median [min–max], s; ratio of the medians.",
            "",
            "| Scenario | N | migrator's shadow databases | run | current | baseline | current ÷ baseline |",
            "|---|---:|---|---|---:|---:|---:|",
        ]
        for k in keys:
            sc, n = k
            r = results.cells[k]
            for kind in OURS:
                cur, base = r.get(kind), r.get(kind + BASE)
                which = "edited" if kind.endswith("_edited") else "repeat"

                def cell(c: Cell | None) -> str:
                    if c is None or c.failed or c.median() is None:
                        return med(c)
                    return f"{fmt(c.median(), args.limit)} [{c.spread()}]"

                lines.append(
                    f"| {sc} | {n} | {names[kind.removesuffix('_edited')]} | {which} | {cell(cur)} "
                    f"| {cell(base)} | {ratio(cur, base, 2)} |"
                )
    lines += [
        "",
        "Runs (s) and where migrator's time goes (median of its `-v` phase timings: shadow databases "
        "built = replay migrations (or a cache hit) + load schema.sql (or a cache hit) + introspect "
        "both, the two sides concurrently; diff = computing the plan in memory; proof = up + "
        "introspect + re-diff + down + introspect + re-diff in one rolled-back transaction, steps in "
        "the next table; the rest is process start, file scan, connect and drops):",
        "",
        "| Scenario | N | run | tool | runs | median [min–max] | shadow / diff / proof (ms) |",
        "|---|---:|---|---|---|---|---|",
    ]

    def runs(c: Cell) -> str:
        out = ", ".join(f"{t:.3f}" for t in c.times) or "none"
        if c.timed_out:
            out += " (then one timed out)" if c.times else " (timed out)"
        if c.failed:
            out += f" (failed: {c.failed})"
        return out

    tools = {"ours": "migrator, " + names["ours"], "ours_shadow": "migrator, " + names["ours_shadow"],
             "alembic": "Alembic"}
    for k in keys:
        sc, n = k
        for key, c in results.cells[k].items():
            kind = key.removesuffix(BASE)
            ph = "–"
            if c.phases:
                ph = " / ".join(
                    str(int(statistics.median(getattr(p, j) for p in c.phases))) for j in ("shadow", "diff", "proof")
                )
            which = "edited" if kind.endswith("_edited") else "repeat"
            tool = tools[kind.removesuffix("_edited")] + (" (baseline)" if key.endswith(BASE) else "")
            spread = f"{fmt(c.median(), args.limit)} [{c.spread()}]" if c.median() is not None else "–"
            lines.append(f"| {sc} | {n} | {which} | {tool} | {runs(c)} | {spread} | {ph} |")
    # The proof's steps (`-v` logs them), median ms over the runs that logged them.
    steps = list(dict.fromkeys(
        step for r in results.cells.values() for c in r.values() for p in c.phases for step in p.steps
    ))
    if steps:
        lines += [
            "",
            "The proof's steps (migrator's `-v` log), median ms:",
            "",
            "| Scenario | N | run | tool | " + " | ".join(steps) + " |",
            "|---|---:|---|---|" + "---:|" * len(steps),
        ]
        for k in keys:
            sc, n = k
            for key, c in results.cells[k].items():
                logged = [p for p in c.phases if p.steps]
                if not logged:
                    continue
                kind = key.removesuffix(BASE)
                which = "edited" if kind.endswith("_edited") else "repeat"
                tool = tools[kind.removesuffix("_edited")] + (" (baseline)" if key.endswith(BASE) else "")
                ms = [
                    str(int(statistics.median(vals))) if (vals := [p.steps[st] for p in logged if st in p.steps]) else "–"
                    for st in steps
                ]
                lines.append(f"| {sc} | {n} | {which} | {tool} | " + " | ".join(ms) + " |")
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


def baseline_commit(binary: Path) -> tuple[str, str]:
    """The commit bench/baseline.sh recorded next to the binary, and its subject."""
    built = binary.parent / ".built"
    if not built.is_file():
        return "unknown", "not built by bench/baseline.sh"
    sha = built.read_text().strip()
    subject = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%s", sha], capture_output=True, text=True
    ).stdout.strip()
    return sha[:7], subject[:100] + ("…" if len(subject) > 100 else "")


def rel(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


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
    p.add_argument("--scenarios", default="abcs",
                   help="letters: a, b, c (at every size), s (the corpus schema, once); default abcs")
    p.add_argument("--corpus", metavar="PROJECT", nargs="?", const="synapse", default=None,
                   help="the corpus project of scenario (s) (default synapse, the biggest schema); "
                   "giving it (with or without PROJECT) adds s to --scenarios")
    p.add_argument("--corpus-dir", type=Path, default=ROOT / ".tmp" / "bench-corpus",
                   help="where the corpus export is made and reused (default .tmp/bench-corpus)")
    p.add_argument("--baseline-migrator", type=Path, default=None, metavar="PATH",
                   help="also run every migrator kind with this binary (e.g. from bench/baseline.sh REV), "
                   "alternating run by run, and report current ÷ baseline")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--limit", type=float, default=300.0, help="seconds per run before '> limit'")
    p.add_argument("--max-locks", type=int, default=1024,
                   help="max_locks_per_transaction of the cluster (64 cannot hold 2,000 tables in one transaction)")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/autogen-<date>.md)")
    p.add_argument("--keep", action="store_true", help="keep the per-run folders (the cluster is always removed)")
    args = p.parse_args()
    args.migrator, args.alembic = args.migrator.absolute(), args.alembic.absolute()
    if args.baseline_migrator is not None:
        args.baseline_migrator = args.baseline_migrator.absolute()
    if args.corpus is not None and "s" not in args.scenarios:
        args.scenarios += "s"
    args.corpus = args.corpus or "synapse"
    args.corpus_dir = args.corpus_dir.absolute()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.alembic_sizes = args.sizes if args.alembic_sizes is None else [int(s) for s in args.alembic_sizes.split(",") if s.strip()]
    bad = set(args.scenarios) - set(SCENARIOS)
    if bad or args.runs < 1 or any(n < 1 for n in args.sizes):
        p.error(f"--scenarios takes letters from '{''.join(SCENARIOS)}'; --runs and sizes must be >= 1")
    return args


def main() -> int:
    args = parse_args()
    for what, path, hint in [
        ("migrator binary", args.migrator, "cargo build --release --bin migrator (or run bench/autogen.sh)"),
        ("alembic CLI", args.alembic, "run bench/autogen.sh (it installs alembic into .tmp/bench-venv)"),
    ] + ([(
        "--baseline-migrator", args.baseline_migrator,
        "build one with bench/baseline.sh REV (it prints the path), e.g. just bench-baseline 3172f2f",
    )] if args.baseline_migrator else []):
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BenchError(f"{what} not found at {path}\nhint: {hint}")
    # Before any cluster starts: the export runs the corpus test, which starts its own.
    corpus = corpus_export.ensure(args.corpus, args.corpus_dir, log) if "s" in args.scenarios else None
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
    results = Results()
    try:
        log(f"starting a throwaway PostgreSQL cluster ({cluster.pg_bin})")
        cluster.start()
        server = Server(cluster)
        log(f"starting the dedicated shadow cluster in {tmpfs or 'a temporary directory'}")
        shadow_cluster.start()
        shadow = Server(shadow_cluster)
        pg = server.execute("SHOW server_version", fetch=True)[0][0]
        if any(sc in SIZED for sc in args.scenarios):
            for n in args.sizes:
                bench_size(args, server, shadow, work, n, results)
        if corpus is not None:
            bench_corpus(args, server, shadow, work, corpus, results)
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
        "migrator": rel(args.migrator),
        "commit": commit,
        "baseline": rel(args.baseline_migrator) if args.baseline_migrator else None,
    }
    if args.baseline_migrator:
        meta["baseline_commit"], meta["baseline_subject"] = baseline_commit(args.baseline_migrator)
    md = report(args, results, meta)
    sys.stdout.write(md)
    out = args.out or HERE / "results" / f"autogen-{date.strftime('%Y-%m-%d')}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    log(f"wrote {rel(out)}")
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
