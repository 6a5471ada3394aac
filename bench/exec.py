#!/usr/bin/env python3
"""What admin costs on top of the container (`just bench-exec`), in one interleaved run on the
reference stack (its own Compose project under .tmp/bench-exec, removed at the end):

1. `admin db current` against the floor `docker exec <api container> true`: admin resolves the
   Compose project, finds the container and runs the migrator, which connects to PostgreSQL.
   Target: median ratio <= 1.2.
2. `admin db history` with 100 migration files sent over the exec channel, against the floor.
3. `admin db makemigrations` on the 200-table scenario (schema.sql of bench/schema_gen.py, an
   empty migrations folder) against the migrator run alone in the same container on the same
   files (copied in with `docker cp`, the pair written in the container): what the bundle, the
   protocol and writing the pair on the host add. Target: median ratio <= 1.10.

Runs alternate (floor, admin, floor, admin, ...) so that load drifts hit both sides alike; each
figure is the median of --runs after --warmup. Every run is checked (exit code, the pair
written). Prints a Markdown table and writes bench/results/exec-<date>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import schema_gen  # noqa: E402

PROJECT = "adminbenchexec"


def log(msg: str) -> None:
    print(f"bench-exec: {msg}", file=sys.stderr, flush=True)


def die(msg: str, hint: str, proc: subprocess.CompletedProcess | None = None) -> None:
    if proc is not None:
        sys.stderr.write(proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace"))
    print(f"error: {msg}\nhint: {hint}", file=sys.stderr)
    sys.exit(1)


def run(cmd: list[str], *, cwd: Path, env: dict, ok=(0,)) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - t0
    if p.returncode not in ok:
        die(f"{' '.join(cmd)} exited {p.returncode}", "run it by hand in " + str(cwd), p)
    return took, p


def images(env: dict) -> dict:
    out = subprocess.run([str(ROOT / "docker" / "build.sh")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, check=False)
    if out.returncode != 0:
        die("docker/build.sh failed", "run docker/build.sh and read its output")
    found = dict(line.split("=", 1) for line in out.stdout.decode().split() if "=" in line)
    return {k: found[k] for k in ("DB_IMAGE", "API_IMAGE")}


def setup(work: Path, env: dict) -> None:
    if work.exists():
        teardown(work, env)
        shutil.rmtree(work)
    (work / "compose").mkdir(parents=True)
    (work / "migrations").mkdir()
    shutil.copy(ROOT / "compose" / "docker-compose.yml", work / "compose")
    dotenv = (ROOT / ".env.example").read_text().replace("COMPOSE_PROJECT_NAME=admindemo",
                                                        f"COMPOSE_PROJECT_NAME={PROJECT}")
    (work / ".env").write_text(dotenv)


def teardown(work: Path, env: dict) -> None:
    subprocess.run(["docker-compose", "--env-file", ".env", "-f", "compose/docker-compose.yml",
                    "-p", PROJECT, "down", "-v", "--remove-orphans", "-t", "2"],
                   cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def interleaved(name_a: str, a, name_b: str, b, runs: int, warmup: int) -> dict:
    times = {name_a: [], name_b: []}
    for i in range(warmup + runs):
        ta = a()
        tb = b()
        if i >= warmup:
            times[name_a].append(ta)
            times[name_b].append(tb)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--make-runs", type=int, default=5, help="runs of the makemigrations pair")
    p.add_argument("--tables", type=int, default=200)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--keep", action="store_true", help="leave the stack running")
    args = p.parse_args()

    env = dict(os.environ)
    env.pop("COMPOSE_FILE", None)
    env.pop("COMPOSE_PROJECT_NAME", None)
    env["NO_COLOR"] = "1"
    log("building release binaries and images")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "admin", "--bin", "migrator"],
                   cwd=ROOT, check=True)
    env.update(images(env))
    admin = str(ROOT / "target" / "release" / "admin")
    work = ROOT / ".tmp" / "bench-exec"
    setup(work, env)
    try:
        run([admin, "--up", "db", "current"], cwd=work, env=env)
        _, ps = run(["docker-compose", "--env-file", ".env", "-f", "compose/docker-compose.yml",
                     "-p", PROJECT, "ps", "-q", "api"], cwd=work, env=env)
        container = ps.stdout.decode().strip()
        if not container:
            die("no api container", "docker-compose ps")
        floor = lambda: run(["docker", "exec", container, "true"], cwd=work, env=env)[0]  # noqa: E731
        results = {}

        log(f"admin db current vs docker exec true ({args.runs} runs, interleaved)")
        results["current"] = interleaved(
            "floor", floor, "admin", lambda: run([admin, "db", "current"], cwd=work, env=env)[0],
            args.runs, args.warmup)

        for i in range(100):
            v = 20260101000000 + i
            (work / "migrations" / f"{v}_m{i}.up.sql").write_text(f"CREATE TABLE m{i} (id int);\n")
            (work / "migrations" / f"{v}_m{i}.down.sql").write_text(f"DROP TABLE m{i};\n")
        log("admin db history (100 migrations sent) vs docker exec true")
        results["history"] = interleaved(
            "floor", floor, "admin", lambda: run([admin, "db", "history"], cwd=work, env=env)[0],
            args.runs, args.warmup)
        for f in (work / "migrations").iterdir():
            f.unlink()

        # The 200-table scenario: the same schema.sql on both sides, an empty folder.
        schema = schema_gen.schema_sql(args.tables)
        (work / "schema.sql").write_text(schema)
        run(["docker", "exec", container, "mkdir", "-p", "/tmp/bench/migrations"], cwd=work, env=env)
        run(["docker", "cp", str(work / "schema.sql"), f"{container}:/tmp/bench/schema.sql"], cwd=work, env=env)

        def via_admin() -> float:
            took, out = run([admin, "db", "makemigrations", "-m", "bench"], cwd=work, env=env)
            made = sorted((work / "migrations").iterdir())
            if len(made) != 2 or "CREATE TABLE" not in made[-1].read_text() + made[0].read_text():
                die("admin wrote no pair", "run admin db makemigrations in " + str(work), out)
            for f in made:
                f.unlink()
            return took

        def alone() -> float:
            took, out = run(["docker", "exec", "-e", "MIGRATIONS_DIR=/tmp/bench/migrations",
                             "-e", "SCHEMA_FILE=/tmp/bench/schema.sql", container,
                             "migrator", "makemigrations", "-m", "bench"], cwd=work, env=env)
            listed = out.stdout.decode().split()
            if len(listed) != 2:
                die("the migrator wrote no pair", "docker exec it by hand", out)
            run(["docker", "exec", container, "rm", "-f", *listed], cwd=work, env=env)
            return took

        log(f"admin db makemigrations vs the migrator alone, {args.tables} tables ({args.make_runs} runs)")
        results["make"] = interleaved("floor", alone, "admin", via_admin, args.make_runs, 1)
    finally:
        if not args.keep:
            teardown(work, env)

    rows = [
        ("`admin db current` vs `docker exec <api> true`", results["current"], 1.2),
        ("`admin db history`, 100 migrations sent, vs `docker exec <api> true`", results["history"], None),
        (f"`admin db makemigrations`, {args.tables} new tables, vs `migrator makemigrations` alone in the container",
         results["make"], 1.10),
    ]
    lines = [
        f"# admin over the exec channel — {dt.date.today()}",
        "",
        f"Machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; median of {args.runs} "
        f"(makemigrations: {args.make_runs}) interleaved runs after warm-up; release build.",
        "",
        "| measure | floor / peer (s) | admin (s) | ratio | target |",
        "|---|---:|---:|---:|---:|",
    ]
    failed = False
    for name, r, target in rows:
        ratio = r["admin"] / r["floor"]
        ok = target is None or ratio <= target
        failed |= not ok
        tgt = "-" if target is None else f"≤ {target:.2f}" + ("" if ok else " (missed)")
        lines.append(f"| {name} | {r['floor']:.3f} | {r['admin']:.3f} | {ratio:.2f}× | {tgt} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.out or ROOT / "bench" / "results" / f"exec-{dt.date.today()}.md"
    out.write_text(text)
    log(f"wrote {out.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
