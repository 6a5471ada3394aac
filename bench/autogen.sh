#!/usr/bin/env bash
# Autogenerate benchmark entry point (`just bench-autogen`): builds the release migrator, makes
# the Alembic venv under .tmp/bench-venv (idempotent), runs bench/autogen.py with any arguments
# (see: bench/autogen.sh --help). The PostgreSQL clusters are started and removed by autogen.py,
# which also exports the corpus schema of scenario (s) when needed (bench/corpus_export.py).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
venv="$root/.tmp/bench-venv"
python=${PYTHON:-python3}

die() {
    printf 'error: %s\nhint: %s\n' "$1" "$2" >&2
    exit 2
}

command -v cargo >/dev/null || die "cargo not found on PATH" "install Rust: https://rustup.rs"
command -v "$python" >/dev/null || die "$python not found on PATH" "install Python 3.11+, or set PYTHON=/path/to/python3"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    die "$python is $("$python" --version 2>&1); the benchmark needs Python 3.11+" "set PYTHON=/path/to/python3.11"

echo "building target/release/migrator" >&2
cargo build --release --quiet --bin migrator ||
    die "cargo build --release --bin migrator failed" "fix the build, then rerun: just bench-autogen"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv" >&2
    "$python" -m venv "$venv" || die "cannot create the venv $venv" "apt-get install python3-venv, or set PYTHON="
fi
# Reinstall only when bench/requirements.txt changed since the last successful install.
want=$(sha256sum bench/requirements.txt | cut -d' ' -f1)
have=$(cat "$venv/.bench-requirements" 2>/dev/null || true)
if [[ "$want" != "$have" ]]; then
    echo "installing alembic, SQLAlchemy, psycopg2-binary into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt ||
        die "pip install -r bench/requirements.txt failed" "check network access to PyPI, then rerun: just bench-autogen"
    echo "$want" >"$venv/.bench-requirements"
fi

exec "$venv/bin/python" bench/autogen.py --migrator "$root/target/release/migrator" "$@"
