#!/usr/bin/env bash
# Prepares this machine for the test suite: everything the tests need that npm does not install.
# Idempotent; safe to run on every `npm test`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/setup-docker.sh" ]; then
  bash "$here/setup-docker.sh"
fi
# Pipelines and host jobs run inside bubblewrap; setpriv (util-linux) ties the sandbox to the server.
if ! command -v bwrap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux >/dev/null
fi
# The systemd units in contrib/ are checked with systemd-analyze.
if ! command -v systemd-analyze >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
# The postgres store's tests start throwaway servers from Debian's binaries (scripts/dev-postgres.sh).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
# The web view's tests drive Debian's chromium (no browser download) and put nginx in front of the server.
if ! command -v chromium >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx >/dev/null
fi
