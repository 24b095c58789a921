#!/usr/bin/env bash
# Checks that the committed openapi/openapi.yaml is exactly the bundle of
# openapi/src/: bundles the sources to a temporary file with
# tools/openapi-bundle.sh and compares the two byte for byte. Exits 0 when
# they are the same, 1 (with the start of the diff) when openapi.yaml is
# stale or was edited by hand, and the bundler's status when it fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
committed="$root/openapi/openapi.yaml"

tmpdir="$(mktemp -d)"
trap 'rm -rf "$tmpdir"' EXIT
fresh="$tmpdir/openapi.yaml"

"$root/tools/openapi-bundle.sh" "$fresh" >/dev/null 2>"$tmpdir/bundle.log" || {
    status=$?
    cat "$tmpdir/bundle.log" >&2
    echo "bundle_current.sh: bundling openapi/src/ failed" >&2
    exit "$status"
}

if cmp -s "$committed" "$fresh"; then
    echo "bundle_current.sh: openapi/openapi.yaml is the bundle of openapi/src/"
    exit 0
fi
echo "bundle_current.sh: openapi/openapi.yaml is not the bundle of openapi/src/." >&2
echo "Edit openapi/src/, then run tools/openapi-bundle.sh and commit both." >&2
echo "Difference (committed, then fresh bundle):" >&2
diff -u --label committed --label bundle "$committed" "$fresh" | head -n 60 >&2 || true
exit 1
