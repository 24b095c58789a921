#!/usr/bin/env bash
# Bundles the OpenAPI source files (openapi/src/openapi.yaml and the files it
# refers to) into the single document clients use, openapi/openapi.yaml, with
# Redocly CLI (pinned in tools/package.json). Run it after every change under
# openapi/src/ and commit both; the openapi_bundle test fails when they differ.
#
# Usage: tools/openapi-bundle.sh [OUTPUT]
#   OUTPUT defaults to openapi/openapi.yaml (tests/openapi/bundle_current.sh
#   bundles to a temporary file instead).
# Installs the pinned tools with `npm ci` first when tools/node_modules is
# missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
src="$root/openapi/src/openapi.yaml"
out="${1:-$root/openapi/openapi.yaml}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
    echo "openapi-bundle.sh: installing the pinned tools (npm ci --prefix tools)" >&2
    timeout "${PERINATAL_NPM_TIMEOUT:-300}" \
        npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
fi

# No telemetry and no update check: bundling must not depend on the network.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

# Bundle into a temporary file next to the output and move it into place, so
# a failed run never leaves a half-written document behind.
tmp="$(mktemp "$(dirname "$out")/.openapi-bundle.XXXXXX.yaml")"
trap 'rm -f "$tmp" "$tmp.head"' EXIT
cd "$tools"
timeout "${PERINATAL_BUNDLE_TIMEOUT:-120}" \
    npx --no-install redocly bundle --config "$tools/redocly.yaml" \
        --component-renaming-conflicts-severity error \
        --output "$tmp" "$src" >&2
# Say at the top that the file is generated, for whoever opens it to edit.
{
    echo "# Generated from openapi/src/ by tools/openapi-bundle.sh: do not edit;"
    echo "# change the files under openapi/src/ and run the script again."
    cat "$tmp"
} > "$tmp.head"
mv "$tmp.head" "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
