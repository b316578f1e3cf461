#!/usr/bin/env bash
# Checks that scripts/install-deps reports success after installing, whether or not the machine
# already had a policy-rc.d: apt, dpkg-query and id are replaced by stand-ins, so nothing is installed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
stubs="$(mktemp -d)"
trap 'rm -rf "$stubs"' EXIT

# dpkg-query says every package is missing, so the script takes its install path.
printf '#!/bin/sh\necho "deinstall ok config-files"\n' > "$stubs/dpkg-query"
printf '#!/bin/sh\nexit 0\n' > "$stubs/apt-get"
printf '#!/bin/sh\necho 0\n' > "$stubs/id"
chmod +x "$stubs"/*

had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1

PATH="$stubs:$PATH" bash "$repo/scripts/install-deps" 2>/dev/null
rc=$?
if [ "$rc" != 0 ]; then
  echo "FAIL: install-deps exited $rc after a successful install (policy-rc.d present before: $had_policy), expected 0"
  exit 1
fi
if [ "$had_policy" = 0 ] && [ -e /usr/sbin/policy-rc.d ]; then
  echo "FAIL: install-deps left the /usr/sbin/policy-rc.d it created"
  exit 1
fi
echo "ok: install-deps exits 0 after installing (policy-rc.d present before: $had_policy)"
