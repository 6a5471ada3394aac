# Shared by the host-side scripts (sourced): `log` and `die` with the script's prefix.
# Set LOG_PREFIX before sourcing.

log() { printf '%s: %s\n' "$LOG_PREFIX" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$LOG_PREFIX" "$1" >&2
    shift
    local line
    for line in "$@"; do printf '%s\n' "$line" >&2; done
    exit 1
}
