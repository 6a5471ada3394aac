#!/usr/bin/env bash
# Builds the tiny test image `admin-test/busybox:latest` used by tests/docker_exec.rs, without
# any registry: a rootfs holding the host's static busybox, imported with `docker import`.
# Needs a static busybox on the host (Debian: `apt-get install busybox-static`).
set -euo pipefail

image="${1:-admin-test/busybox:latest}"
busybox="$(command -v busybox || true)"
if [[ -z "$busybox" ]]; then
  echo "error: busybox not found on PATH" >&2
  echo "hint: apt-get install busybox-static" >&2
  exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
  echo "error: $busybox is dynamically linked; the image needs a static one" >&2
  echo "hint: apt-get install busybox-static" >&2
  exit 1
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in sh echo cat sleep id env ls printf true false pwd; do
  ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sleep","3600"]' \
  - "$image" >/dev/null
echo "built $image"
