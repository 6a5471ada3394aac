"""The corpus scenario's input: one real project's final schema (and history), exported by the
real-world corpus test (`crates/migrator/tests/corpus.rs`, `CORPUS_EXPORT`) into .tmp/bench-corpus/<project>/.

The export is made once and reused while it is complete: `<dir>/<project>/.complete` records
the sha256 of crates/migrator/tests/corpus_support/projects.rs (the pinned packages and their conversion) it was
made with, and a different one makes it again. Nothing of it is ever committed (.tmp/ is
ignored). The test downloads the package the first time (cached in ~/.cache/admin-corpus/), so
the first export needs network access, a debug build of the integration tests and a few
minutes.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pgcluster import BenchError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECTS_RS = ROOT / "crates" / "migrator" / "tests" / "corpus_support" / "projects.rs"
MARKER = ".complete"


def _key() -> str:
    try:
        return hashlib.sha256(PROJECTS_RS.read_bytes()).hexdigest()
    except OSError as e:
        raise BenchError(
            f"cannot read {PROJECTS_RS}: {e}\nhint: run the benchmark from a full checkout of the repository"
        ) from None


def _complete(folder: Path, key: str) -> str | None:
    """None when `folder` is a complete export made with `key`, else why it is not."""
    marker = folder / MARKER
    if not marker.is_file():
        return "no export yet" if not folder.exists() else f"incomplete (no {MARKER})"
    if marker.read_text().split("\n", 1)[0].strip() != key:
        return f"made with another {PROJECTS_RS.relative_to(ROOT)}"
    return _complete_files(folder)


def ensure(project: str, base: Path, log) -> Path:
    """`base/<project>`, exported now unless a complete export is there; its schema.sql and
    migrations/ are the scenario's input."""
    key = _key()
    folder = base / project
    why = _complete(folder, key)
    if why is None:
        log(f"corpus: reusing the export {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}")
        return folder
    base.mkdir(parents=True, exist_ok=True)
    staging = base / f".export-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    logfile = base / f"export-{project}.log"
    cmd = ["cargo", "test", "--locked", "-p", "migrator", "--test", "integration", "corpus::real", "--", "--nocapture"]
    env = dict(os.environ, CORPUS_ONLY=project, CORPUS_REPORT_ONLY="1", CORPUS_EXPORT=str(staging))
    env.pop("CORPUS_OUT", None)
    shown = f"CORPUS_ONLY={project} CORPUS_REPORT_ONLY=1 CORPUS_EXPORT={staging} {' '.join(cmd)}"
    log(f"corpus: exporting {project} ({why}): {shown}")
    log(f"corpus: the first time this builds the integration tests and runs the corpus checks "
        f"of {project} (minutes); output in {logfile}")
    start = time.perf_counter()
    try:
        with open(logfile, "w") as out:
            try:
                proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            except FileNotFoundError:
                raise BenchError(
                    f"cargo not found on PATH (needed to export the corpus project {project})\n"
                    "hint: install Rust (https://rustup.rs), or leave out scenario s: --scenarios abc"
                ) from None
        tail = "\n".join(logfile.read_text(errors="replace").strip().splitlines()[-20:])
        if proc.returncode != 0:
            raise BenchError(
                f"the corpus export of {project} failed (exit {proc.returncode}): {shown}\n"
                f"--- {logfile} (tail)\n{tail}\n"
                f"hint: fix the test build or the error above, then rerun; `CORPUS_ONLY={project} just corpus` "
                "shows the corpus table"
            )
        exported = staging / project
        why = _complete_files(exported)
        if why is not None:
            skipped = "skipped" in tail and "package unavailable" in tail
            raise BenchError(
                f"the corpus test did not export {project} ({why}) into {staging}\n"
                f"--- {logfile} (tail)\n{tail}\n"
                + (
                    f"hint: the package could not be downloaded; the test needs network access once "
                    f"(then it is cached in ~/.cache/admin-corpus/): check the download row above"
                    if skipped
                    else f"hint: the corpus projects are {', '.join(_projects())}; is `{project}` one, and "
                    f"does its replay pass? `CORPUS_ONLY={project} just corpus` shows its rows"
                )
            )
        # The corpus table's rows start with "<project> <version>".
        m = re.search(rf"^{re.escape(project)} (\S+) ", logfile.read_text(errors="replace"), flags=re.M)
        (exported / MARKER).write_text(
            f"{key}\nversion: {m.group(1) if m else 'unknown'}\nexported by: {shown}\n"
            f"(the first line: sha256 of {PROJECTS_RS.relative_to(ROOT)})\n"
        )
        shutil.rmtree(folder, ignore_errors=True)
        exported.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"corpus: exported {project} in {time.perf_counter() - start:.0f} s into {folder}")
    return folder


def _projects() -> list[str]:
    """The project names in crates/migrator/tests/corpus_support/projects.rs, in order, once each."""
    names = re.findall(r'^\s*name: "([^"]+)",', PROJECTS_RS.read_text(), flags=re.M)
    return list(dict.fromkeys(names))


def describe(folder: Path) -> dict:
    """The project's name and version, as recorded by `ensure`."""
    m = re.search(r"^version: (\S+)$", (folder / MARKER).read_text(), flags=re.M)
    return {"project": folder.name, "version": m.group(1) if m else "unknown"}


def _complete_files(folder: Path) -> str | None:
    if not folder.is_dir():
        return "nothing written"
    schema = folder / "schema.sql"
    if not schema.is_file() or schema.stat().st_size == 0:
        return "schema.sql missing or empty"
    if not any((folder / "migrations").glob("*.up.sql")):
        return "no migrations/*.up.sql"
    return None


if __name__ == "__main__":  # manual use: python3 bench/corpus_export.py synapse
    try:
        print(ensure(sys.argv[1] if len(sys.argv) > 1 else "synapse", ROOT / ".tmp" / "bench-corpus",
                     lambda m: sys.stderr.write(m + "\n")))
    except BenchError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(1)
