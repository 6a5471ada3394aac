#!/usr/bin/env bash
# `just demo`: builds what is missing (binaries, images), brings the reference stack up in a
# scratch copy (.tmp/demo, its own Compose project), and runs the admin workflow:
# env_check -> makemigrations -m "create items" (generated from schema.sql) -> migrate ->
# a change to schema.sql -> makemigrations -m "add tags" -> migrate -> history -> --check.
# The stack keeps running afterwards; `just demo-down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh   # what a fresh machine lacks (idempotent)
root=$PWD
demo="$root/.tmp/demo"

cargo build --release --locked --workspace --bins
eval "$(docker/build.sh --no-cargo)"   # sets DB_IMAGE / API_IMAGE (content-hash tags)
export DB_IMAGE API_IMAGE

if [ -f "$demo/.env" ]; then
  (cd "$demo" && "$root/target/release/admin" db env_check >/dev/null 2>&1 || true)
  (cd "$demo" && docker-compose -f compose/docker-compose.yml -p admindemo down -v --remove-orphans >/dev/null 2>&1 || true)
fi
rm -rf "$demo"
# No bind mounts: admin sends migrations/ and schema.sql to the migrator and writes new
# migrations here itself, as you.
mkdir -p "$demo/compose" "$demo/migrations"
cp compose/docker-compose.yml "$demo/compose/"
cp .env.example "$demo/.env.example"
cp schema.sql "$demo/schema.sql"
cp .env.example "$demo/.env"
cd "$demo"

admin="$root/target/release/admin"
step() { printf '\n$ admin %s\n' "$*"; "$admin" "$@"; }
step --up db env_check
# schema.sql holds the models; makemigrations writes (and proves) the migration to reach them.
step db makemigrations -m "create items"
step db migrate
# Change the models: a new table. The next migration is generated from the difference.
cat >>schema.sql <<'SQL'

CREATE TABLE tags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    label text NOT NULL,
    UNIQUE (item_id, label)
);
SQL
step db makemigrations -m "add tags"
printf '\n--- %s\n' migrations/*_add_tags.up.sql
cat migrations/*_add_tags.up.sql
step db migrate
step db history
step db makemigrations --check
printf '\nThe stack is still running (project admindemo in %s).\n' "$demo"
printf 'Try: cd %s && %s db shell     Stop it: just demo-down\n' "$demo" "$admin"
