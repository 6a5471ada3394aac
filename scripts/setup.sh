#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing (idempotent):
# just, the PostgreSQL server binaries (Debian `postgresql`), tmux (interactive shell test),
# git (the end-to-end test switches branches under a running stack),
# debootstrap (offline base image for the Docker images), busybox-static (tiny test image) and
# a Compose CLI (v1 `docker-compose` from bookworm, and the v2 `docker compose` plugin from
# trixie, see install_compose_v2); socat, openssl and openssh-server (the engine tests: a TLS
# proxy and a throwaway sshd on loopback); curl and python3 (the corpus test downloads pinned packages and unpacks wheels);
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
command -v socat >/dev/null 2>&1 || need_apt+=(socat)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need_apt+=(openssh-client)
command -v curl >/dev/null 2>&1 || need_apt+=(curl ca-certificates)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)   # the two-node swarm test (network namespace)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
dpkg-query -W -f='${Status}' libclang-dev 2>/dev/null | grep -q 'install ok installed' || need_apt+=(libclang-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The Debian package starts a cluster on 5432 that tests do not use; leave it alone.

# Compose v2 next to v1: Debian trixie's docker-compose (2.26, one static Go binary needing only
# libc6 >= 2.34) as a CLI plugin for every user (/usr/local/lib/docker/cli-plugins, which the
# docker CLI searches whatever DOCKER_CONFIG says). Fetched with a private apt state (its own
# sources, lists and cache in a temp dir; trixie pinned at 100): no system apt file changes and
# no other package is installed or upgraded. Only the plugin is unpacked (dpkg -x).
install_compose_v2() {
  local plugin_dir=/usr/local/lib/docker/cli-plugins
  if docker compose version >/dev/null 2>&1; then return 0; fi
  if ! command -v docker >/dev/null 2>&1; then
    echo "setup: no docker CLI, skipping the Compose v2 plugin" >&2
    return 0
  fi
  echo "setup: installing the Compose v2 plugin (Debian trixie docker-compose, unpacked into $plugin_dir)" >&2
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  chmod 0755 "$tmp"
  mkdir -p "$tmp/sources" "$tmp/prefs" "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/pkg"
  cat >"$tmp/sources/trixie.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # apt downloads as the _apt user when root: let it write the .deb.
  if [ "$(id -u)" -eq 0 ]; then chown _apt "$tmp/pkg" 2>/dev/null || true; fi
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$tmp/prefs/trixie.pref"
  local apt_opts=(
    -o Dir::Etc::SourceList=/dev/null
    -o "Dir::Etc::SourceParts=$tmp/sources"
    -o "Dir::Etc::PreferencesParts=$tmp/prefs"
    -o "Dir::State::Lists=$tmp/lists"
    -o "Dir::Cache=$tmp/cache"
  )
  apt-get "${apt_opts[@]}" update -qq
  (cd "$tmp/pkg" && apt-get "${apt_opts[@]}" download -qq -t trixie docker-compose)
  dpkg -x "$tmp"/pkg/docker-compose_*.deb "$tmp/root"
  "${sudo[@]}" install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
  docker compose version >&2
}
install_compose_v2

if ! command -v just >/dev/null 2>&1; then
  echo "setup: installing just (cargo install --locked)" >&2
  cargo install just --locked --quiet
fi
echo "setup: ok (just $(just --version | cut -d' ' -f2), $(ls -d /usr/lib/postgresql/*/bin | tail -1))" >&2
