#!/usr/bin/env bash
# A second Docker engine on this machine, in its own network namespace, for the two-node Swarm
# test: `swarm-node2.sh up` starts it (prints DOCKER2=unix:///…), `swarm-node2.sh down` removes
# it and everything it made. Root only (network namespaces, a second dockerd). Idempotent.
#
# Node 1 (this machine's engine) is 10.99.0.1 on a veth pair, node 2 is 10.99.0.2. `ip netns
# exec` remounts /sys for the namespace, hiding the cgroup mounts: they are mounted again
# there before dockerd starts.
set -euo pipefail
ns=admin-n2
host_if=admin-n2h
ns_if=admin-n2n
root=/var/lib/admin-docker2
exec_root=/run/admin-docker2
sock=/run/admin-docker2.sock
pidfile=/run/admin-docker2.pid

die() { echo "swarm-node2: $*" >&2; exit 1; }

down() {
  if [ -S "$sock" ]; then
    docker -H "unix://$sock" swarm leave --force >/dev/null 2>&1 || true
  fi
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || break
      sleep 0.2
    done
    rm -f "$pidfile"
  fi
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$host_if" 2>/dev/null || true
  rm -rf "$exec_root" "$sock" "$exec_root.log"
  rm -rf "$root" 2>/dev/null || true
}

up() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces and a second dockerd)"
  command -v dockerd >/dev/null || die "dockerd is not installed"
  down
  ip netns add "$ns"
  ip link add "$host_if" type veth peer name "$ns_if"
  ip link set "$ns_if" netns "$ns"
  ip addr add 10.99.0.1/24 dev "$host_if"
  ip link set "$host_if" up
  ip netns exec "$ns" ip addr add 10.99.0.2/24 dev "$ns_if"
  ip netns exec "$ns" ip link set "$ns_if" up
  ip netns exec "$ns" ip link set lo up
  mkdir -p "$root" "$exec_root"
  # The first engine's settings (storage driver, MTU, logging) without its paths.
  python3 - "$exec_root/daemon.json" <<'PY'
import json, os, sys
src = "/etc/docker/daemon.json"
conf = json.load(open(src)) if os.path.exists(src) else {}
for key in ("data-root", "exec-root", "hosts", "pidfile", "bridge", "iptables"):
    conf.pop(key, None)
json.dump(conf, open(sys.argv[1], "w"))
PY
  # cgroup v1: the controllers mounted again under a tmpfs, as on the host; v2: cgroup2.
  local mounts
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    mounts="mount -t cgroup2 none /sys/fs/cgroup"
  else
    mounts="mount -t tmpfs none /sys/fs/cgroup"
    for c in $(awk '$4 == 1 {print $1}' /proc/cgroups); do
      mounts="$mounts; mkdir -p /sys/fs/cgroup/$c; mount -t cgroup -o $c none /sys/fs/cgroup/$c 2>/dev/null || true"
    done
  fi
  nohup ip netns exec "$ns" sh -c "mount --make-rprivate /; $mounts; exec dockerd \
      --config-file $exec_root/daemon.json --data-root $root --exec-root $exec_root \
      --pidfile $pidfile -H unix://$sock --iptables=false --ip6tables=false --bridge=none" \
      >"$exec_root.log" 2>&1 &
  for _ in $(seq 1 150); do
    if docker -H "unix://$sock" info >/dev/null 2>&1; then
      echo "DOCKER2=unix://$sock"
      return 0
    fi
    sleep 0.2
  done
  tail -5 "$exec_root.log" >&2 || true
  die "the second engine did not start (log: $exec_root.log)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: swarm-node2.sh up|down" ;;
esac
