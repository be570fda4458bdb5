#!/bin/sh
# Run by `npm install`: quire runs no pipeline without bubblewrap (and setpriv, from util-linux).
# Installs them where it can (root with apt-get); otherwise prints the one command to run.
# Never fails the install: `quire serve` says the same thing again if they are still missing.
if command -v bwrap >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "quire: installing bubblewrap (the sandbox pipelines run in)" >&2
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux) >/dev/null 2>&1; then exit 0; fi
fi
echo "quire: bubblewrap is missing and pipelines will not run without it; install it with: sudo apt-get install bubblewrap" >&2
exit 0
