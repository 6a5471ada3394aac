#!/usr/bin/env python3
"""Where does `migrator makemigrations` spend its time? Runs it once per scenario (after a
warm-up) on a throwaway cluster that logs every statement's duration and every checkpoint, then
prints the server-side time by statement kind next to the wall time.

    .tmp/bench-venv/bin/python bench/profile_ours.py [--n 200] [--scenarios abc] [--max-locks 1024]
"""

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import autogen  # noqa: E402
from pgcluster import BenchError, Cluster, find_pg_bin  # noqa: E402

LINE = re.compile(r"duration: ([\d.]+) ms\s+(?:statement|execute [^:]*):\s*(.*)", re.S)


def kind(stmt: str) -> str:
    s = " ".join(stmt.split())
    if s.startswith(("CREATE DATABASE", "DROP DATABASE")):
        return " ".join(s.split()[:2]) + (" (from template)" if "TEMPLATE \"migrator" in s or (
            "TEMPLATE" in s and "template0" not in s) else "")
    if s.startswith(("SELECT", "WITH")):
        return "introspection / bookkeeping queries"
    if s.count(";") > 3 or len(s) > 2000:
        return "DDL script (replay / schema.sql / proof up+down)"
    return s[:40]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--scenarios", default="abc")
    p.add_argument("--max-locks", type=int, default=1024)
    p.add_argument("--dump", action="store_true", help="print the raw server log lines")
    p.add_argument("--migrator", type=Path, default=HERE.parent / "target" / "release" / "migrator")
    a = p.parse_args()
    args = argparse.Namespace(migrator=a.migrator.absolute(), limit=600.0)
    cluster = Cluster(find_pg_bin())
    cluster.extra_opts = (
        f"-c max_locks_per_transaction={a.max_locks} -c log_min_duration_statement=0 "
        "-c log_checkpoints=on -c log_line_prefix=%m_[%p]_"
    )
    work = Path(tempfile.mkdtemp(prefix="bench-profile-", dir=HERE.parent / ".tmp"))
    try:
        cluster.start()
        server = autogen.Server(cluster)
        fx = autogen.write_fixtures(work, a.n, server)["dir"]
        log = cluster.dir / "server.log"
        for sc in a.scenarios:
            autogen.run_ours(args, server, fx, sc, a.n, Path(tempfile.mkdtemp(dir=work)))  # warm-up
            offset = log.stat().st_size
            wall, phases = autogen.run_ours(args, server, fx, sc, a.n, Path(tempfile.mkdtemp(dir=work)))
            time.sleep(0.3)  # let the server flush its log
            text = log.read_text(errors="replace")[offset:]
            entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", text)
            by = defaultdict(lambda: [0.0, 0])
            checkpoints = []
            for e in entries:
                m = LINE.search(e)
                if m:
                    k = kind(m.group(2))
                    by[k][0] += float(m.group(1))
                    by[k][1] += 1
                elif "checkpoint complete" in e:
                    c = re.search(r"total=([\d.]+) s", e)
                    checkpoints.append(float(c.group(1)) if c else 0.0)
            print(f"\n## scenario {sc}, N={a.n}: wall {wall:.3f} s; -v phases: {phases}")
            total = 0.0
            for k, (ms, cnt) in sorted(by.items(), key=lambda kv: -kv[1][0]):
                total += ms
                print(f"  {ms:9.1f} ms  x{cnt:<4} {k}")
            print(f"  {total:9.1f} ms  server-side total; checkpoints completed: {len(checkpoints)} "
                  f"(sum {sum(checkpoints):.2f} s)")
            if a.dump:
                for e in entries:
                    print("    | " + " ".join(e.split())[:160])
    finally:
        cluster.stop()
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(1)
