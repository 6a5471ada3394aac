#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing (idempotent):
# just, the PostgreSQL server binaries (Debian `postgresql`), tmux (interactive shell test),
# git (the end-to-end test switches branches under a running stack),
# debootstrap (offline base image for the Docker images), busybox-static (tiny test image) and
# a Compose CLI; curl and python3 (the corpus test downloads pinned packages and unpacks wheels);
# libclang-dev (bindgen needs it to build the `pg_query` crate: PostgreSQL's own parser, used to
# check migrations before they run).
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo (Rust) is not installed" >&2
  echo "hint: install Rust with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v curl >/dev/null 2>&1 || need_apt+=(curl ca-certificates)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need_apt+=(docker-compose)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
dpkg-query -W -f='${Status}' libclang-dev 2>/dev/null | grep -q 'install ok installed' || need_apt+=(libclang-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The Debian package starts a cluster on 5432 that tests do not use; leave it alone.

if ! command -v just >/dev/null 2>&1; then
  echo "setup: installing just (cargo install --locked)" >&2
  cargo install just --locked --quiet
fi
echo "setup: ok (just $(just --version | cut -d' ' -f2), $(ls -d /usr/lib/postgresql/*/bin | tail -1))" >&2
