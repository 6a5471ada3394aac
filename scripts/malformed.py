#!/usr/bin/env python3
"""Malformed input through the real binaries (issue 9's malformed-input suite).

Generates malformed Compose and .env files (alias bombs included), migration file names,
migration contents (NUL, invalid UTF-8, 10 MB, COPY/transaction control), and database URLs in
every form, runs `admin` (Compose resolution: no Docker needed, DOCKER_HOST points nowhere) and
`migrator` (against a throwaway PostgreSQL started here with initdb, or DATABASE_URL_BASE), and
checks for every input:

  - no panic (no "panicked at" / RUST_BACKTRACE text, no signal death);
  - no hang: every run finishes within 30 s;
  - invalid input never exits 0;
  - nothing written on refusal (the project folder is byte-identical, no migration row, no
    table);
  - the message names the file (and line) or the variable.

Prints counts by category with the exit-code histogram; exits 1 on any violation.

Usage: scripts/malformed.py [--bin-dir target/debug] [--seed N]
"""

import argparse
import collections
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

LIMIT = 30.0
SECRET = "Canary-9f3e%21pw"


def pg_bin():
    base = "/usr/lib/postgresql"
    versions = sorted(os.listdir(base)) if os.path.isdir(base) else []
    for v in reversed(versions):
        b = os.path.join(base, v, "bin")
        if os.path.exists(os.path.join(b, "initdb")):
            return b
    return None


class Cluster:
    """A throwaway PostgreSQL (initdb + pg_ctl, trust auth on 127.0.0.1, free port)."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None:
            sys.exit("no /usr/lib/postgresql/*/bin/initdb: run scripts/setup.sh")
        self.root = tempfile.mkdtemp(prefix="malformed-pg-")
        self.data = os.path.join(self.root, "data")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        run_as = []
        if os.geteuid() == 0:
            # initdb refuses root: run the server as nobody-owned files via runuser.
            shutil.chown(self.root, "nobody")
            run_as = ["runuser", "-u", "nobody", "--"]
        self.run_as = run_as
        subprocess.run(
            run_as + [os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(
            run_as + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w", "-l",
                      os.path.join(self.root, "log"), "-o",
                      f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                      "start"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.n = 0

    def create_db(self):
        self.n += 1
        name = f"m_{os.getpid()}_{self.n}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return name, f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def psql(self, db, sql):
        out = subprocess.run(
            ["psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", str(self.port), "-U",
             "postgres", "-d", db, "-c", sql],
            capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def stop(self):
        subprocess.run(
            self.run_as + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                           "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)


def snapshot(folder):
    """Every file under folder with its content hash (to prove nothing was written)."""
    state = {}
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                state[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
        for d in _dirs:
            state[os.path.relpath(os.path.join(root, d), folder) + "/"] = "dir"
    return state


class Suite:
    def __init__(self):
        self.counts = collections.Counter()
        self.codes = collections.defaultdict(collections.Counter)
        self.violations = []
        self.panics = 0
        self.hangs = 0
        self.leaks = 0

    def run(self, category, label, argv, cwd, env, names, folder=None, db_check=None,
            invalid=True):
        """Runs one input; `names` is a regex the output must match. `invalid=False` for
        generated input that may happen to be valid (random YAML) or that the documented
        rules accept (sqlx's file naming): then only panics, hangs and leaks count."""
        before = snapshot(folder or cwd)
        start = time.monotonic()
        try:
            p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=LIMIT)
            code = p.returncode
            out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            self.hangs += 1
            self.counts[category] += 1
            self.codes[category]["hang"] += 1
            self.violations.append(f"[{category}] {label}: still running after {LIMIT:.0f}s")
            return
        elapsed = time.monotonic() - start
        self.counts[category] += 1
        self.codes[category][code] += 1
        problems = []
        if code < 0:
            problems.append(f"killed by signal {-code}")
        if "panicked at" in out or "RUST_BACKTRACE" in out:
            self.panics += 1
            problems.append("panic")
        if invalid and code == 0:
            problems.append("exit 0 on invalid input")
        if invalid and names and not re.search(names, out):
            problems.append(f"message does not name /{names}/")
        if invalid and snapshot(folder or cwd) != before:
            problems.append("files changed on refusal")
        if invalid and db_check is not None:
            changed = db_check()
            if changed:
                problems.append(changed)
        low = out.lower()
        if "9f3e" in low:
            self.leaks += 1
            problems.append("secret printed")
        if elapsed > LIMIT:
            problems.append(f"took {elapsed:.1f}s")
        if problems:
            self.violations.append(
                f"[{category}] {label}: exit {code}: {', '.join(problems)}\n    "
                + "\n    ".join(out.strip().splitlines()[:6]))


def compose_inputs(rng):
    """(label, compose text or bytes, .env text or bytes, extra env) — all invalid."""
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 9)}]\n" for i in range(1, 10)
    ) + "services:\n  api:\n    image: x\n    profiles: *a9\n"
    merge = "m0: &m0 {k0: v, k1: v}\n" + "".join(
        f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i-1}'] * 8)}], l{i}: [{', '.join([f'*m{i-1}'] * 8)}]}}\n"
        for i in range(1, 12)
    ) + "services:\n  api:\n    <<: *m11\n"
    huge_anchor = "big: &big [" + ", ".join(["x" * 50] * 20000) + "]\n" + "".join(
        f"c{i}: *big\n" for i in range(200)) + "services:\n  api: {image: x}\n"
    api = "services:\n  api:\n    image: app\n"
    cases = [
        ("null key", "services:\n  api:\n    null: x\n", ""),
        ("null in list", "services:\n  api:\n    volumes: [null]\n", ""),
        ("null env list item", "services:\n  api:\n    environment: [null]\n", ""),
        ("null bool", "services:\n  api:\n    healthcheck: {disable: null}\n", ""),
        ("list as image", "services:\n  api:\n    image: [a]\n", ""),
        ("map as services", "services: 5\n", ""),
        ("top-level list", "- a\n- b\n", ""),
        ("bad volume", "services:\n  api:\n    volumes: [\"a:b:c:d\"]\n", ""),
        ("bad volume from env", "services:\n  api:\n    volumes: [\"${SECRET}:/a:b:c\"]\n", f"SECRET={SECRET}\n"),
        ("bad interpolation", "services:\n  api:\n    image: ${X:-postgres://a:" + SECRET + "@db/a\n", ""),
        ("bad variable name", "services:\n  api:\n    image: ${1X}\n", ""),
        ("required variable", "services:\n  api:\n    image: ${NEED:?set NEED}\n", ""),
        ("duplicate key", "services:\n  api: {}\n  api: {}\n", ""),
        ("tab indent", "services:\n\tapi: {}\n", ""),
        ("unterminated quote", "services:\n  api: {image: \"x}\n", ""),
        ("unknown alias", "services:\n  api: *nope\n", ""),
        ("recursive alias", "services:\n  api: &a\n    image: *a\n", ""),
        ("merge of scalar", "services:\n  api:\n    <<: 5\n", ""),
        ("x-admin unknown key", "x-admin: {servce: api}\n" + api, ""),
        ("x-admin unknown service", "x-admin: {service: web}\n" + api, ""),
        ("no api service", "services:\n  web: {image: x}\n", ""),
        ("alias bomb", bomb, ""),
        ("merge-key bomb", merge, ""),
        ("huge anchor replayed", huge_anchor, ""),
        ("deep nesting", "services:\n  api:\n    image: " + "[" * 5000 + "]" * 5000 + "\n", ""),
        ("invalid UTF-8 compose", b"services:\n  api:\n    image: a\xff\n", ""),
        ("BOM + type error", "\ufeffservices:\n  api:\n    image: [a]\n", ""),
        ("two documents", "services: {}\n---\nservices: {}\n", ""),
        ("binary tag", "services:\n  api:\n    image: !!binary //79\n", ""),
        (".env unterminated quote", api, f"A=\"{SECRET}\n"),
        (".env text after quote", api, f"A='{SECRET}' x\n"),
        (".env bad interpolation", api, "A=${X:-" + SECRET + "\n"),
        (".env required", api, "A=${NEED:?set it}\n"),
        (".env no name", api, "=x\n"),
        (".env bad name", api, "A B=1\n"),
        (".env invalid UTF-8", api, b"A=\xc3(\n"),
        (".env BOM + error", api, "\ufeffA=1\n=x\n"),
    ]
    # Random garbage: shuffled YAML punctuation (must be refused or accepted, never panic).
    for i in range(20):
        junk = "".join(rng.choice("{}[]:,-?&*!|>'\"%@`#\n \tab") for _ in range(rng.randint(1, 200)))
        cases.append((f"random yaml {i}", "services:\n  api:\n    image: x\n" + junk, ""))
    return cases


def compose_suite(suite, admin, rng):
    for label, compose, dotenv in compose_inputs(rng):
        with tempfile.TemporaryDirectory() as d:
            for name, text in (("compose.yaml", compose), (".env", dotenv)):
                mode = "wb" if isinstance(text, bytes) else "w"
                with open(os.path.join(d, name), mode) as fh:
                    fh.write(text)
            env = clean_env()
            env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
            random_case = label.startswith("random")
            # A random file may happen to be valid: then Docker is what fails (exit 11).
            names = r"(compose\.yaml|\.env)(:\d+(:\d+)?)?|service|DOCKER_HOST" if random_case \
                else r"compose\.yaml:\d+:\d+|\.env:\d+|service|x-admin"
            suite.run("compose/.env" if not random_case else "random YAML", label,
                      [admin, "db", "env_check"], d, env, names, invalid=not random_case)


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COMPOSE_", "ADMIN_", "DATABASE_URL", "SHADOW_", "PG", "MIGRATIONS_",
                                "SCHEMA_", "RUST_LOG"))}
    env["NO_COLOR"] = "1"
    return env


def migration_suite(suite, migrator, cluster, rng):
    ok_up = ("1_base.up.sql", b"CREATE TABLE base (x int);\n")
    # (label, name, invalid): sqlx's naming rules accept an empty description, a negative
    # version, any bytes in the description and ignore other suffixes (the migrator keeps
    # sqlx's rules so both agree on the same folder): those are run for panics/hangs only.
    name_cases = [
        ("no version", "abc_x.up.sql", True),
        ("version overflow", "99999999999999999999_x.up.sql", True),
        ("down without up", "2_x.down.sql", True),
        ("duplicate version", "1_other.up.sql", True),
        ("space in version", "2 _x.up.sql", True),
        ("empty description (sqlx accepts)", "2_.up.sql", False),
        ("negative version (sqlx accepts)", "-2_x.up.sql", False),
        ("newline in name (sqlx accepts)", "2_a\nb.up.sql", False),
        ("not UTF-8 name (sqlx accepts)", b"2_\xff.up.sql", False),
        ("unknown suffix (sqlx ignores)", "2_x.up.sqlx", False),
    ]
    for label, name, invalid in name_cases:
        migration_case(suite, migrator, cluster, "file names", label,
                       [ok_up, (name, b"SELECT 1;\n")], r"\.sql|migrations", invalid=invalid)
    content_cases = [
        ("NUL byte", b"SELECT 1;\nSELECT 'a\x00b';\n", r"2_bad\.up\.sql:2:\d+"),
        ("NUL first", b"\x00", r"2_bad\.up\.sql:1:1"),
        ("invalid UTF-8", b"SELECT 1;\nSELECT '\xff';\n", r"2_bad\.up\.sql"),
        ("UTF-16", "SELECT 1;".encode("utf-16"), r"2_bad\.up\.sql"),
        ("COPY FROM STDIN", b"CREATE TABLE t (x int);\nCOPY t FROM STDIN;\n", r"2_bad\.up\.sql:2:1"),
        ("COPY TO STDOUT", b"COPY (SELECT 1) TO STDOUT;\n", r"2_bad\.up\.sql:1:1"),
        ("COMMIT", b"CREATE TABLE c1 ();\nCOMMIT;\n", r"2_bad\.up\.sql:2:1"),
        ("ROLLBACK", b"CREATE TABLE r1 ();\nROLLBACK;\n", r"2_bad\.up\.sql:2:1"),
        ("two statements no-transaction", b"-- no-transaction\nSELECT 1;\nSELECT 2;\n",
         r"2_bad\.up\.sql:3:1"),
        ("syntax error", b"CREATE TABLE (;\n", r"2_bad\.up\.sql"),
        ("10 MB with NUL at the end", b"SELECT 1;\n" * (1024 * 1024) + b"\x00", r"2_bad\.up\.sql:\d+:\d+"),
        ("10 MB syntax error at the end", b"SELECT 1;\n" * (1024 * 1024) + b"SELEC 2;\n",
         r"2_bad\.up\.sql"),
        ("10 MB one line", b"SELECT '" + b"x" * (10 * 1024 * 1024) + b"\x00';", r"2_bad\.up\.sql:1:\d+"),
    ]
    for label, body, names in content_cases:
        migration_case(suite, migrator, cluster, "contents", label,
                       [("2_bad.up.sql", body)], names)
    for i in range(10):
        body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000))) + b"\x00"
        migration_case(suite, migrator, cluster, "contents", f"random bytes {i}",
                       [("2_bad.up.sql", body)], r"2_bad\.up\.sql")


def migration_case(suite, migrator, cluster, category, label, files, names, invalid=True):
    db, url = cluster.create_db()
    with tempfile.TemporaryDirectory() as d:
        mig = os.path.join(d, "migrations")
        os.mkdir(mig)
        for name, body in files:
            path = os.path.join(os.fsencode(mig), name if isinstance(name, bytes) else name.encode())
            with open(path, "wb") as fh:
                fh.write(body)
        env = clean_env()
        env["DATABASE_URL"] = url
        env["MIGRATIONS_DIR"] = mig

        def db_unchanged():
            # The bookkeeping table may be created (empty) before the check; nothing else.
            tables = cluster.psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                      "AND tablename <> '_sqlx_migrations'")
            rows = "0"
            if cluster.psql(db, "SELECT to_regclass('_sqlx_migrations') IS NOT NULL") == "t":
                rows = cluster.psql(db, "SELECT count(*) FROM _sqlx_migrations")
            if tables != "0" or rows != "0":
                return f"{tables} table(s), {rows} migration row(s) left on refusal"
            return None

        suite.run(category, label, [migrator, "migrate"], d, env, names, folder=d,
                  db_check=db_unchanged, invalid=invalid)


def url_suite(suite, migrator, cluster):
    port = cluster.port
    urls = [
        ("empty", ""),
        ("spaces", "   "),
        ("scheme only", "postgres://"),
        ("bad port", f"postgres://u:{SECRET}@127.0.0.1:notaport/db"),
        ("port out of range", f"postgres://u:{SECRET}@127.0.0.1:99999/db"),
        ("unreachable", f"postgres://u:{SECRET}@127.0.0.1:1/db"),
        ("unknown host", f"postgres://u:{SECRET}@no-such-host.invalid/db"),
        ("unknown database", f"postgres://postgres:{SECRET}@127.0.0.1:{port}/no_such_db"),
        ("unknown role, query password", f"postgres://nobody@127.0.0.1:{port}/postgres?password={SECRET}"),
        ("sslpassword + sslmode=require", f"postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require&sslpassword={SECRET}"),
        ("key/value DSN", f"host=127.0.0.1 port={port} user=postgres password={SECRET}"),
        ("key/value DSN quoted", f"host=127.0.0.1 password='{SECRET} x' user=postgres"),
        ("other scheme", f"mysql://u:{SECRET}@127.0.0.1/db"),
        ("raw @ and / in password", f"postgres://u:{SECRET}@/x@127.0.0.1:1/db"),
        ("unicode host", f"postgres://u:{SECRET}@hôst.invalid/db"),
        ("100 KB URL", f"postgres://u:{SECRET}@127.0.0.1:1/" + "d" * (100 * 1024)),
        ("NUL in URL", None),
        ("bad sslmode", f"postgres://u:{SECRET}@127.0.0.1:{port}/db?sslmode=sometimes"),
    ]
    for label, url in urls:
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "migrations"))
            env = clean_env()
            env["MIGRATIONS_DIR"] = os.path.join(d, "migrations")
            if url is None:
                # An environment value cannot hold NUL: pass it on the command line instead.
                argv = [migrator, "--database-url", "postgres://a\x01b@h/db", "history"]
            else:
                env["DATABASE_URL"] = url
                argv = [migrator, "history", "-v"]
            suite.run("database URLs", label, argv, d, env,
                      r"DATABASE_URL|database|connect|URL|postgres|host")


def bundle_suite(suite, migrator, cluster):
    """Malformed file bundles (admin's side of the exchange) on the migrator's stdin."""
    import base64
    import json

    def b64(data):
        return base64.b64encode(data).decode()

    def bundle(files, version=1, extra=None):
        doc = {"version": version, "migrations_dir": "migrations",
               "migrations": [{"name": n, "bytes": b} for n, b in files]}
        doc.update(extra or {})
        return json.dumps(doc).encode()

    cases = [
        ("empty stdin", b""),
        ("not JSON", b"{not json"),
        ("JSON array", b"[]"),
        ("other version", bundle([], version=99)),
        ("bad base64", bundle([("1_a.up.sql", "!!!")])),
        ("NUL in a file", bundle([("1_a.up.sql", b64(b"SELECT '\x00';"))])),
        ("invalid UTF-8 file", bundle([("1_a.up.sql", b64(b"SELECT '\xff';"))])),
        ("path in a name", bundle([("../1_a.up.sql", b64(b"SELECT 1;"))])),
        ("bad file name", bundle([("x_a.up.sql", b64(b"SELECT 1;"))])),
        ("duplicate names", bundle([("1_a.up.sql", b64(b"SELECT 1;"))] * 2)),
        ("missing fields", b'{"version": 1}'),
        ("NUL in a file name", bundle([("1_a\x00.up.sql", b64(b"SELECT 1;"))])),
    ]
    for label, data in cases:
        db, url = cluster.create_db()
        with tempfile.TemporaryDirectory() as d:
            env = clean_env()
            env["DATABASE_URL"] = url
            before = snapshot(d)
            start = time.monotonic()
            try:
                p = subprocess.run([migrator, "--bundle", "--protocol", "migrate"], cwd=d, env=env,
                                   input=data, capture_output=True, timeout=LIMIT)
            except subprocess.TimeoutExpired:
                suite.hangs += 1
                suite.violations.append(f"[bundles] {label}: hang")
                continue
            out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
            suite.counts["bundles"] += 1
            suite.codes["bundles"][p.returncode] += 1
            problems = []
            if "panicked at" in out:
                suite.panics += 1
                problems.append("panic")
            if p.returncode <= 0:
                problems.append(f"exit {p.returncode} on invalid input")
            if not re.search(r"bundle|1_a\.up\.sql|x_a|\.\./|version|file", out):
                problems.append("message names no file")
            if snapshot(d) != before:
                problems.append("files changed on refusal")
            if cluster.psql(db, "SELECT to_regclass('_sqlx_migrations') IS NOT NULL") == "t" and \
                    cluster.psql(db, "SELECT count(*) FROM _sqlx_migrations") != "0":
                problems.append("migration row written")
            if time.monotonic() - start > LIMIT:
                problems.append("slow")
            if problems:
                suite.violations.append(f"[bundles] {label}: exit {p.returncode}: "
                                        f"{', '.join(problems)}\n    {out.strip()[:300]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(__file__), "..", "target", "debug"))
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    admin = os.path.abspath(os.path.join(args.bin_dir, "admin"))
    migrator = os.path.abspath(os.path.join(args.bin_dir, "migrator"))
    for b in (admin, migrator):
        if not os.path.exists(b):
            sys.exit(f"{b} is not built\nhint: cargo build -p admin -p migrator")
    rng = random.Random(args.seed)
    suite = Suite()
    started = time.monotonic()
    compose_suite(suite, admin, rng)
    cluster = Cluster()
    try:
        migration_suite(suite, migrator, cluster, rng)
        url_suite(suite, migrator, cluster)
        bundle_suite(suite, migrator, cluster)
    finally:
        cluster.stop()
    total = sum(suite.counts.values())
    print(f"malformed inputs: {total} in {time.monotonic() - started:.0f}s (seed {args.seed})")
    for cat in suite.counts:
        hist = ", ".join(f"{code}: {n}" for code, n in sorted(suite.codes[cat].items(), key=str))
        print(f"  {cat:14} {suite.counts[cat]:4}  exit codes {{{hist}}}")
    print(f"panics: {suite.panics}, hangs: {suite.hangs}, leaks: {suite.leaks}, "
          f"violations: {len(suite.violations)}")
    for v in suite.violations:
        print(v)
    return 1 if suite.violations else 0


if __name__ == "__main__":
    sys.exit(main())
