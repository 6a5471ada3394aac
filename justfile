# admin: Django/Alembic-style database workflow for Docker Compose projects.
# `just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

default:
    @just --list

# Install what a fresh machine lacks (just, PostgreSQL server binaries, tmux, debootstrap).
[group('setup')]
setup:
    scripts/setup.sh

# Every test: format and lint checks, unit tests, integration tests (real PostgreSQL, real Docker),
# then the malformed-input suite on the binaries those tests built (about 15 s).
[group('check')]
test: lint
    cargo test --workspace --all-targets --locked
    scripts/malformed.py --bin-dir target/debug

# The real-world corpus test alone, its table printed (CORPUS_REPORT_ONLY=1 reports without failing).
[group('check')]
corpus:
    cargo test -p migrator --locked --test integration corpus::real_world -- --nocapture

# Malformed input through both binaries (Compose/.env incl. alias bombs, file names, NUL /
# invalid UTF-8 / 10 MB migrations, database URLs, bundles): no panic, no hang, no exit 0,
# nothing written on refusal, a message naming the file/line/variable; counts + exit codes.
[group('check')]
malformed:
    cargo build --locked -p admin -p migrator
    scripts/malformed.py --bin-dir target/debug

# Coverage-guided fuzzing (cargo-fuzz on nightly: `cargo install cargo-fuzz`) of the Compose,
# .env and interpolation parsers, of URL/DSN masking and of the migrations-folder scanner, SECS
# seconds per target.
[group('check')]
fuzz SECS="60":
    cd fuzz && for t in compose_yaml dotenv interpolate mask_url migration_files; do cargo +nightly fuzz run "$t" -- -max_total_time={{SECS}} -rss_limit_mb=2048 -timeout=10; done

# Formatting and clippy, warnings are errors.
[group('check')]
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Build both binaries (release).
[group('build')]
build:
    cargo build --release --locked --workspace --bins

# The whole workflow on the reference Compose stack (builds binaries and images if needed).
[group('demo')]
demo:
    scripts/demo.sh

# Stop and remove the demo stack.
[group('demo')]
demo-down:
    cd .tmp/demo && docker-compose --env-file .env -f compose/docker-compose.yml down -v --remove-orphans

# Build the reference images (content-hash tags; nothing is rebuilt when inputs are unchanged).
[group('build')]
images:
    docker/build.sh

# The migrator alone against a throwaway local PostgreSQL (no Docker).
[group('demo')]
demo-local:
    scripts/demo-local.sh

# Autogenerate speed vs Alembic on a throwaway PostgreSQL (args go to bench/autogen.py, e.g. --sizes 200 --scenarios abs)
[group('bench')]
bench-autogen *ARGS:
    bench/autogen.sh {{ARGS}}

# The same, every migrator run also made with REV's migrator, interleaved (e.g. just bench-baseline 3172f2f --sizes 200)
[group('bench')]
bench-baseline REV *ARGS:
    bin=$(bench/baseline.sh {{REV}}) && bench/autogen.sh --baseline-migrator "$bin" {{ARGS}}

# admin's cost over the exec channel: `admin db current` vs `docker exec <api> true`, and
# makemigrations through admin vs the migrator alone (200 tables), interleaved (bench/exec.py).
[group('bench')]
bench-exec *ARGS:
    python3 bench/exec.py {{ARGS}}

# Every benchmark.
[group('bench')]
bench: bench-autogen bench-exec
