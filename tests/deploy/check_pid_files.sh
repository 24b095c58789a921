#!/usr/bin/env bash
# The scripts trust a pid file only for the process that wrote it: one left
# by a reboot or a crash, naming a pid another process has since, is stale
# (scripts/lib/process.sh, perinatal_pid_alive), so scripts/up and down
# never signal that process.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
sleep 30 &
other=$!
trap 'kill "$other" 2>/dev/null || true; rm -rf "$tmp"' EXIT
# shellcheck source=/dev/null
source "$repo/scripts/lib.sh"
fail=0

echo "$other" >"$tmp/fresh.pid"
perinatal_pid_alive "$tmp/fresh.pid" || { echo "a live process's own pid file: not alive" >&2; fail=1; }

echo "$other" >"$tmp/stale.pid"
touch -d '-1 hour' "$tmp/stale.pid"
if perinatal_pid_alive "$tmp/stale.pid"; then
    echo "a pid file older than the process it names: taken as alive" >&2
    fail=1
fi
perinatal_stop_pid "$tmp/stale.pid" TERM "the stale pid's process" 1 || true
kill -0 "$other" 2>/dev/null || { echo "perinatal_stop_pid signalled a process not ours" >&2; fail=1; }
[[ ! -e $tmp/stale.pid ]] || { echo "the stale pid file was kept" >&2; fail=1; }
exit "$fail"
