#!/usr/bin/env bash
# Every test on this machine, installing first what it lacks (idempotent; see scripts/setup.sh):
# format and lint checks, unit tests, PostgreSQL integration tests, end-to-end tests on the
# Docker engine. Arguments go to `just test` (none needed). `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
exec just test "$@"
