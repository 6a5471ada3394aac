#!/usr/bin/env bash
# Builds the release `migrator` of another revision, for `bench/autogen.py --baseline-migrator`
# (`just bench-baseline REV` runs both): bench/baseline.sh REV prints the binary's path.
#
# The revision's tracked files are exported with `git archive` into .tmp/baseline/<commit>/src
# (no worktree to register or clean up; the checkout here is not touched) and built with
# CARGO_TARGET_DIR=.tmp/baseline/target, seeded from this checkout's target/release the first
# time so that only the crate itself compiles when Cargo.lock is the same. The binary is copied
# to .tmp/baseline/<commit>/migrator and reused while it exists (idempotent).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

die() {
    printf 'error: %s\nhint: %s\n' "$1" "$2" >&2
    exit 2
}

[[ $# -eq 1 && -n "$1" && "$1" != -* ]] ||
    die "usage: bench/baseline.sh REV (a commit, tag or branch)" "e.g. bench/baseline.sh 3172f2f"
rev=$1
command -v cargo >/dev/null || die "cargo not found on PATH" "install Rust: https://rustup.rs"
sha=$(git rev-parse --verify --quiet "$rev^{commit}") ||
    die "unknown revision: $rev" "git log --oneline shows the commits; fetch it first if it is remote"

dir="$root/.tmp/baseline/${sha:0:12}"
bin="$dir/migrator"
if [[ -x "$bin" && "$(cat "$dir/.built" 2>/dev/null || true)" == "$sha" ]]; then
    echo "reusing $bin (built from $sha)" >&2
    echo "$bin"
    exit 0
fi

echo "exporting $sha into $dir/src" >&2
rm -rf "$dir"
mkdir -p "$dir/src"
git archive --format=tar "$sha" | tar -x -C "$dir/src" ||
    die "git archive $sha failed" "check the repository: git cat-file -t $sha"
# The export lies under this checkout, whose Cargo.toml is a workspace: a revision from before
# the workspace (one package) must be its own workspace root, or Cargo refuses to build it.
if ! grep -q '^\[workspace\]' "$dir/src/Cargo.toml"; then
    printf '\n[workspace]\n' >>"$dir/src/Cargo.toml"
fi

target="$root/.tmp/baseline/target"
if [[ ! -d "$target/release" && -d "$root/target/release" ]]; then
    echo "seeding $target from target/release (dependencies compile once)" >&2
    mkdir -p "$target"
    cp -a "$root/target/release" "$target/release"
fi

echo "building migrator at ${sha:0:12} (release; ~5 min when the crate compiles from scratch)" >&2
CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet --bin migrator \
    --manifest-path "$dir/src/Cargo.toml" ||
    die "cargo build --release --bin migrator failed at $sha" \
        "build it by hand: cd $dir/src && CARGO_TARGET_DIR=$target cargo build --release --bin migrator"
cp "$target/release/migrator" "$bin"
echo "$sha" >"$dir/.built"
echo "built $bin" >&2
echo "$bin"
