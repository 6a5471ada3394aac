#!/usr/bin/env bash
# Ensure a Debian bookworm base image exists locally under one tag (default
# admin-base/debian:bookworm-slim), which the Dockerfiles in docker/ build FROM.
#
#   1. the tag exists already             -> nothing to do
#   2. debian:bookworm-slim is local      -> tag it
#   3. `docker pull debian:bookworm-slim` -> tag it (short timeout)
#   4. no registry (air-gapped)           -> debootstrap a minbase rootfs from a Debian
#                                            mirror and `docker import` it (needs root/sudo)
#
# Usage: docker/base-image.sh [--force] [--no-pull]
#   --force    rebuild/retag even if the tag exists
#   --no-pull  skip steps 2-3 and always debootstrap
# Environment (all optional):
#   ADMIN_BASE_IMAGE        tag to produce            (admin-base/debian:bookworm-slim)
#   ADMIN_BASE_UPSTREAM     image to reuse or pull    (debian:bookworm-slim)
#   ADMIN_PULL_TIMEOUT      seconds for docker pull   (60)
#   ADMIN_DEBIAN_MIRROR     Debian mirror             (http://deb.debian.org/debian)
#   ADMIN_DEBIAN_SECURITY   security mirror           (http://deb.debian.org/debian-security)
# Prints the tag on stdout; progress goes to stderr.
set -euo pipefail

TAG="${ADMIN_BASE_IMAGE:-admin-base/debian:bookworm-slim}"
UPSTREAM="${ADMIN_BASE_UPSTREAM:-debian:bookworm-slim}"
PULL_TIMEOUT="${ADMIN_PULL_TIMEOUT:-60}"
MIRROR="${ADMIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${ADMIN_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
SUITE=bookworm

LOG_PREFIX=base-image
# shellcheck source=docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
PULL=1
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        --no-pull) PULL=0 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
            exit 0
            ;;
        *) die "unknown argument: $arg" "hint: $0 --help" ;;
    esac
done

command -v docker >/dev/null 2>&1 ||
    die "the docker CLI is not installed" "hint: apt-get install docker.io"
docker info >/dev/null 2>&1 ||
    die "cannot reach the Docker daemon (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})" \
        "hint: docker info"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

if [[ $FORCE -eq 0 ]] && image_exists "$TAG"; then
    log "$TAG exists, nothing to do"
    printf '%s\n' "$TAG"
    exit 0
fi

if [[ $PULL -eq 1 ]]; then
    if image_exists "$UPSTREAM"; then
        docker tag "$UPSTREAM" "$TAG"
        log "tagged local $UPSTREAM as $TAG"
        printf '%s\n' "$TAG"
        exit 0
    fi
    log "pulling $UPSTREAM (timeout ${PULL_TIMEOUT}s)"
    pull_err="$(mktemp)"
    if timeout "$PULL_TIMEOUT" docker pull -q "$UPSTREAM" >/dev/null 2>"$pull_err"; then
        rm -f "$pull_err"
        docker tag "$UPSTREAM" "$TAG"
        log "pulled $UPSTREAM and tagged it $TAG"
        printf '%s\n' "$TAG"
        exit 0
    fi
    log "pull failed ($(head -c 200 "$pull_err" | tr '\n' ' ')); building from $MIRROR with debootstrap"
    rm -f "$pull_err"
fi

# --- debootstrap path -------------------------------------------------------------------
SUDO=()
SUDO_HINT=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
        die "building the base image with debootstrap needs root, and sudo is not installed" \
            "hint: sudo $0   (or: docker pull $UPSTREAM on a machine with a registry, then docker save/load)"
    SUDO=(sudo)
    SUDO_HINT="sudo "
fi

if ! command -v debootstrap >/dev/null 2>&1 || [[ ! -s /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
    command -v apt-get >/dev/null 2>&1 ||
        die "debootstrap is not installed and apt-get is not available to install it" \
            "hint: install debootstrap and debian-archive-keyring with your package manager"
    log "installing debootstrap and debian-archive-keyring with apt-get"
    "${SUDO[@]}" apt-get update -qq >&2 ||
        die "apt-get update failed" "hint: ${SUDO_HINT}apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        debootstrap debian-archive-keyring >&2 ||
        die "apt-get install debootstrap failed" \
            "hint: ${SUDO_HINT}apt-get install debootstrap debian-archive-keyring"
fi

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/admin-base-rootfs.XXXXXX")"
chmod 0755 "$ROOTFS" # apt's _apt sandbox user must be able to enter it
cleanup() {
    # Unmount anything debootstrap or we left mounted before deleting (never recurse into /proc).
    local mnt
    while read -r mnt; do
        "${SUDO[@]}" umount -l "$mnt" 2>/dev/null || log "warning: could not unmount $mnt"
    done < <(awk -v root="$ROOTFS" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r)
    "${SUDO[@]}" rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT

start=$SECONDS
log "debootstrap --variant=minbase $SUITE into $ROOTFS (about a minute)"
"${SUDO[@]}" debootstrap --variant=minbase \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -n 20 "$ROOTFS.log" >&2
    die "debootstrap failed (log above, full log: $ROOTFS.log)" \
        "hint: curl -sI $MIRROR/dists/$SUITE/Release   # is the mirror reachable?"
}
rm -f "$ROOTFS.log"

# Configuration as in the official slim image: apt sources incl. updates and security,
# no docs/man/locales from later installs, apt caches cleaned, no services started by apt.
write() { "${SUDO[@]}" tee "$ROOTFS/$1" >/dev/null; }
"${SUDO[@]}" rm -f "$ROOTFS/etc/apt/sources.list"
write etc/apt/sources.list.d/debian.sources <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
write etc/dpkg/dpkg.cfg.d/docker <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
write etc/apt/apt.conf.d/docker-clean <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
write etc/apt/apt.conf.d/docker-no-languages <<<'Acquire::Languages "none";'
write etc/apt/apt.conf.d/docker-autoremove-suggests <<<'Apt::AutoRemove::SuggestsImportant "false";'
write usr/sbin/policy-rc.d <<<$'#!/bin/sh\nexit 101'
"${SUDO[@]}" chmod 0755 "$ROOTFS/usr/sbin/policy-rc.d"

log "applying $SUITE-updates and $SUITE-security"
"${SUDO[@]}" chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get -y -qq upgrade' \
    >"$ROOTFS.log" 2>&1 || {
    tail -n 20 "$ROOTFS.log" >&2
    die "apt-get upgrade in the new rootfs failed (log above, full log: $ROOTFS.log)" \
        "hint: curl -sI $SECURITY_MIRROR/dists/$SUITE-security/Release   # is the mirror reachable?"
}
rm -f "$ROOTFS.log"

log "trimming the rootfs"
# shellcheck disable=SC2016 # $1 is expanded by the inner sh
"${SUDO[@]}" sh -c '
    cd "$1" &&
    rm -rf var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old var/lib/dpkg/*-old \
        usr/share/man/* usr/share/info/* usr/share/groff/* usr/share/lintian/* usr/share/linda/* \
        etc/resolv.conf etc/hostname etc/hosts tmp/* var/tmp/* &&
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete &&
    find usr/share/doc -mindepth 1 -type d -empty -delete &&
    find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + &&
    find var/log -type f -exec truncate -s 0 {} + &&
    : >etc/machine-id
' trim "$ROOTFS"

log "importing as $TAG"
"${SUDO[@]}" tar --numeric-owner --xattrs -C "$ROOTFS" \
    --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . |
    docker import \
        --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR" \
        - "$TAG" >/dev/null ||
    die "docker import failed" "hint: docker info   # is there disk space for the image?"

size=$(docker image inspect -f '{{.Size}}' "$TAG")
log "built $TAG with debootstrap in $((SECONDS - start))s ($((size / 1024 / 1024)) MiB)"
printf '%s\n' "$TAG"
