#!/usr/bin/env bash
# Entrypoint of the admin-db image (PostgreSQL 15 from Debian packages).
#
# First start (empty $PGDATA): initdb with superuser $POSTGRES_USER (default postgres) and
# password $POSTGRES_PASSWORD, create database $POSTGRES_DB (default: the user name),
# listen on all addresses with scram-sha-256 for TCP clients (the local socket stays
# `trust`, as in the official image). Then, and on every later start, exec postgres so it
# receives the container's signals directly (STOPSIGNAL SIGINT = fast shutdown).
# The password is never printed and never appears on a command line.
set -Eeuo pipefail

log() { printf 'db-entrypoint: %s\n' "$*" >&2; }
die() {
    printf 'db-entrypoint: error: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '%s\n' "$line" >&2; done
    exit 1
}

# `docker run admin-db -c shared_buffers=256MB` passes options to postgres.
if [[ $# -eq 0 || ${1:0:1} == - ]]; then
    set -- postgres "$@"
fi
if [[ $1 != postgres ]]; then
    exec "$@"
fi

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA
SOCKET_DIR=/var/run/postgresql

if [[ $(id -u) -eq 0 ]]; then
    # Volumes may arrive root-owned: hand them to postgres, then drop privileges.
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres {} +
    chmod 0700 "$PGDATA"
    chown postgres:postgres "$SOCKET_DIR"
    chmod 3777 "$SOCKET_DIR"
    exec setpriv --reuid=postgres --regid=postgres --init-groups \
        env HOME=/var/lib/postgresql "$0" "$@"
fi

initialise() {
    local user="${POSTGRES_USER:-postgres}"
    local db="${POSTGRES_DB:-$user}"
    if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
        die "POSTGRES_PASSWORD is empty or not set; it is needed to initialise $PGDATA" \
            "hint: set POSTGRES_PASSWORD in .env (see .env.example), then: docker compose up -d db"
    fi
    [[ -w $PGDATA ]] ||
        die "$PGDATA is not writable by uid $(id -u)" \
            "hint: docker compose down -v   # or fix the volume's ownership"

    log "first start: initialising $PGDATA (superuser '$user', database '$db')"
    # On any failure below, empty the half-initialised directory so the next start retries.
    trap 'pg_ctl -D "$PGDATA" -m immediate -w -s stop >/dev/null 2>&1 || true;
          find "$PGDATA" -mindepth 1 -delete;
          log "initialisation failed; $PGDATA was emptied so the next start retries"' ERR

    initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    printf '\n# added by db-entrypoint.sh\nlisten_addresses = '"'*'"'\n' >>"$PGDATA/postgresql.conf"
    printf '\n# added by db-entrypoint.sh\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

    if [[ $db != postgres ]]; then
        # Temporary server on the socket only: TCP health checks stay red until the real start.
        pg_ctl -D "$PGDATA" -w -s \
            -o "-c listen_addresses='' -c unix_socket_directories=$SOCKET_DIR" start >/dev/null
        psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U "$user" -d postgres -v db="$db" \
            <<<'CREATE DATABASE :"db";'
        pg_ctl -D "$PGDATA" -m fast -w -s stop
    fi
    trap - ERR
    log "initialisation done"
}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    initialise
fi

exec "$@"
