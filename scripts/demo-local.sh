#!/usr/bin/env bash
# The migrator on its own, against a throwaway local PostgreSQL (no Docker needed):
# makemigrations -> migrate -> history -> downgrade -> history. Cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
[ -n "$bin" ] || { echo "error: PostgreSQL server binaries not found"; echo "hint: just setup"; exit 1; } >&2
cargo build --quiet --bin migrator
migrator="$PWD/target/debug/migrator"
work=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" stop -m fast >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -l "$work/log" -w start >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" MIGRATIONS_DIR="$work/migrations"
run() { echo; echo "\$ migrator $*"; "$migrator" "$@"; }
run makemigrations -m "create items"
up=$(ls "$MIGRATIONS_DIR"/*_create_items.up.sql); down=${up%.up.sql}.down.sql
echo "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);" >> "$up"
echo "DROP TABLE items;" >> "$down"
run migrate
run history
run downgrade
run history
