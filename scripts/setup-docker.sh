#!/usr/bin/env bash
# Gives the test suite a Docker engine and a registry-free base image on a fresh Debian machine (as root).
# Idempotent and fast when everything is already there: no apt, no dockerd start, no import.
set -euo pipefail

log_dir="${QUIRE_DOCKERD_LOG_DIR:-/var/log}"
dockerd_log="$log_dir/quire-dockerd.log"
base_image="quire-base:busybox"

say() { printf 'setup-docker: %s\n' "$*" >&2; }

engine_answers() { timeout 5 docker info >/dev/null 2>&1; }

need_packages=()
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
[ -x /bin/busybox ] || need_packages+=(busybox-static)
if [ "${#need_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing ${need_packages[*]} and not root: install them by hand"
    exit 1
  fi
  say "installing ${need_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

if ! engine_answers; then
  # A machine without systemd (containers, CI sandboxes): run the daemon ourselves.
  # No iptables and no bridge: CI containers run with --network none and need neither.
  mkdir -p "$log_dir"
  say "starting dockerd (log: $dockerd_log)"
  nohup dockerd --iptables=false --ip6tables=false --bridge=none >"$dockerd_log" 2>&1 &
  # Usually up in 2 s. A restart first clears the network sandboxes every removed container
  # left behind (some 0.15 s each), so after many runs it can take much longer.
  for _ in $(seq 1 360); do
    engine_answers && break
    sleep 0.5
  done
  if ! engine_answers; then
    say "dockerd did not answer within 180 s; last lines of $dockerd_log:"
    tail -n 20 "$dockerd_log" >&2 || true
    exit 1
  fi
fi

if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  # No registry is reachable: build the base image from the host's static busybox.
  say "importing $base_image from /bin/busybox"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/work" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s /bin
  chmod 1777 "$rootfs/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - "$base_image" >/dev/null
fi
