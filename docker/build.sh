#!/usr/bin/env bash
# Build the reference stack's images, only when their inputs changed.
#
#   1. cargo build --release --bin migrator --bin admin     (host binaries)
#   2. docker/base-image.sh                                  (Debian bookworm base, no registry needed)
#   3. admin-db:<hash12> and admin-api:<hash12>, where hash12 is the start of the sha256 of
#      everything that goes into the image: the Dockerfile, each context file (path, mode,
#      sha256 -- the migrator binary included) and the base image id. A tag that exists is
#      not rebuilt. Both are also tagged :local, which compose/docker-compose.yml uses by
#      default (override with DB_IMAGE / API_IMAGE).
#
# Usage: docker/build.sh [--no-cargo] [--prune]
#   --no-cargo  don't run cargo; use the existing release binary (or $MIGRATOR_BIN)
#   --prune     remove older <hash12> tags of the two repositories
# Environment (all optional):
#   MIGRATOR_BIN      migrator binary to bundle (default: <target dir>/release/migrator)
#   ADMIN_API_REPO    image repository for the API image   (admin-api)
#   ADMIN_DB_REPO     image repository for the db image    (admin-db)
#   ADMIN_IMAGE_ALIAS extra tag for both images             (local)
#   ADMIN_BASE_IMAGE, ADMIN_DEBIAN_MIRROR, ...  see docker/base-image.sh
# Stdout: `DB_IMAGE=admin-db:<hash12>` and `API_IMAGE=admin-api:<hash12>` (eval-able);
# progress and timings go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
API_REPO="${ADMIN_API_REPO:-admin-api}"
DB_REPO="${ADMIN_DB_REPO:-admin-db}"
ALIAS="${ADMIN_IMAGE_ALIAS:-local}"

LOG_PREFIX=build
# shellcheck source=docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO=1
PRUNE=0
for arg in "$@"; do
    case "$arg" in
        --no-cargo) CARGO=0 ;;
        --prune) PRUNE=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
            exit 0
            ;;
        *) die "unknown argument: $arg" "hint: $0 --help" ;;
    esac
done

for tool in docker sha256sum; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool is not installed" "hint: apt-get install ${tool/sha256sum/coreutils}"
done
docker info >/dev/null 2>&1 ||
    die "cannot reach the Docker daemon (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})" \
        "hint: docker info"

total_start=$SECONDS

# --- 1. host binaries ---------------------------------------------------------------------
if [[ -z ${MIGRATOR_BIN:-} ]]; then
    command -v cargo >/dev/null 2>&1 ||
        die "cargo is not installed (needed to build the migrator)" \
            "hint: install Rust with rustup, or set MIGRATOR_BIN=/path/to/migrator"
    # Where cargo puts binaries (honours CARGO_TARGET_DIR and .cargo/config.toml).
    target_dir="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
        grep -o '"target_directory":"[^"]*"' | head -n 1 | cut -d'"' -f4)" ||
        die "cargo metadata failed in $ROOT" "hint: cd $ROOT && cargo metadata --no-deps >/dev/null"
    [[ -n $target_dir ]] || die "cargo metadata did not report a target directory" \
        "hint: cd $ROOT && cargo metadata --format-version 1 --no-deps"
    MIGRATOR_BIN="$target_dir/release/migrator"
    if [[ $CARGO -eq 1 ]]; then
        step=$SECONDS
        log "cargo build --release --bin migrator --bin admin"
        (cd "$ROOT" && cargo build --release --bin migrator --bin admin) >&2 ||
            die "cargo build --release failed (output above)" \
                "hint: cd $ROOT && cargo build --release --bin migrator --bin admin"
        log "cargo build: $((SECONDS - step))s"
    fi
fi
[[ -x $MIGRATOR_BIN ]] ||
    die "migrator binary not found or not executable: $MIGRATOR_BIN" \
        "hint: cd $ROOT && cargo build --release --bin migrator"

# --- 2. base image ------------------------------------------------------------------------
step=$SECONDS
BASE="$("$HERE/base-image.sh")" || die "could not provide a Debian base image (see above)" \
    "hint: $HERE/base-image.sh --help"
BASE_ID="$(docker image inspect -f '{{.Id}}' "$BASE")"
log "base image $BASE ($BASE_ID): $((SECONDS - step))s"

# --- 3. images ----------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/admin-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# content_hash DIR: sha256 over the base image id and every file's path, mode and sha256.
content_hash() {
    local dir="$1"
    {
        printf 'base %s\n' "$BASE_ID"
        (cd "$dir" && find . -type f -printf '%P %m\n' | LC_ALL=C sort)
        (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    } | sha256sum | cut -c1-12
}

# build_image NAME REPO: context already assembled in $WORK/NAME (with its Dockerfile).
# Prints the content-hash tag.
build_image() {
    local name="$1" repo="$2" ctx="$WORK/$1" hash tag start
    hash="$(content_hash "$ctx")"
    tag="$repo:$hash"
    if docker image inspect "$tag" >/dev/null 2>&1; then
        log "$tag is up to date (inputs unchanged), not rebuilding"
    else
        start=$SECONDS
        log "building $tag from docker/$name.Dockerfile"
        docker build --quiet --force-rm \
            --build-arg "BASE=$BASE" \
            --label "org.opencontainers.image.title=$repo" \
            --label "admin.content-hash=$hash" \
            -f "$ctx/Dockerfile" -t "$tag" "$ctx" >"$WORK/$name.log" 2>&1 || {
            tail -n 30 "$WORK/$name.log" >&2
            die "docker build of $tag failed (last lines above)" \
                "hint: docker build --build-arg BASE=$BASE -f $HERE/$name.Dockerfile $HERE"
        }
        log "built $tag in $((SECONDS - start))s"
        if [[ $name == api ]]; then check_api_image "$tag"; fi
    fi
    docker tag "$tag" "$repo:$ALIAS"
    printf '%s\n' "$tag"
}

# The host-built binary must load in the image (a host glibc newer than bookworm's 2.36
# would break it) and the image must work as an arbitrary uid:gid.
check_api_image() {
    local tag="$1" out
    out="$(docker run --rm --name "admin-build-check-$$" --user 54321:54321 "$tag" \
        sh -c 'ldd /usr/local/bin/migrator 2>&1; test -r /app/app.py && python3 -c "import http.server"' 2>&1)" ||
        { docker image rm "$tag" >/dev/null; die "smoke test of $tag failed: $out" \
            "hint: docker run --rm --user 54321:54321 $tag ldd /usr/local/bin/migrator"; }
    if grep -q 'not found' <<<"$out"; then
        docker image rm "$tag" >/dev/null
        die "the migrator binary cannot run in $tag (host glibc newer than Debian bookworm's?):" \
            "$out" \
            "hint: build the migrator in a bookworm environment, then: MIGRATOR_BIN=/path/to/migrator $0"
    fi
}

mkdir -p "$WORK/db/db" "$WORK/api/api"
cp "$HERE/db.Dockerfile" "$WORK/db/Dockerfile"
cp "$HERE/db/entrypoint.sh" "$WORK/db/db/entrypoint.sh"
chmod 0755 "$WORK/db/db/entrypoint.sh"
cp "$HERE/api.Dockerfile" "$WORK/api/Dockerfile"
cp "$HERE/api/app.py" "$WORK/api/api/app.py"
chmod 0644 "$WORK/db/Dockerfile" "$WORK/api/Dockerfile" "$WORK/api/api/app.py"
install -m 0755 "$MIGRATOR_BIN" "$WORK/api/migrator"

step=$SECONDS
DB_IMAGE="$(build_image db "$DB_REPO")"
API_IMAGE="$(build_image api "$API_REPO")"
log "images: $((SECONDS - step))s"

if [[ $PRUNE -eq 1 ]]; then
    for repo_tag in "$DB_REPO:${DB_IMAGE##*:}" "$API_REPO:${API_IMAGE##*:}"; do
        repo="${repo_tag%:*}"
        docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo" |
            { grep -E ":[0-9a-f]{12}$" || true; } | { grep -vFx "$repo_tag" || true; } |
            while read -r old; do
                if docker image rm "$old" >/dev/null; then
                    log "pruned $old"
                else
                    log "warning: could not remove $old (used by a container?)"
                fi
            done
    done
fi

log "done in $((SECONDS - total_start))s: $DB_IMAGE, $API_IMAGE (also :$ALIAS)"
printf 'DB_IMAGE=%s\nAPI_IMAGE=%s\n' "$DB_IMAGE" "$API_IMAGE"
