#!/usr/bin/env bash
# Lints openapi/openapi.yaml with Redocly CLI (pinned in tools/package.json),
# using tools/redocly.yaml. Exits non-zero when the linter reports an error.
# Installs the pinned tools with `npm ci` first when tools/node_modules is
# missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="$root/tools"
spec="$root/openapi/openapi.yaml"
config="$tools/redocly.yaml"

if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
    echo "lint.sh: installing the pinned tools (npm ci --prefix tools)" >&2
    timeout "${PERINATAL_NPM_TIMEOUT:-300}" \
        npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
fi

# No telemetry and no update check: the lint must not depend on the network.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

cd "$tools"
timeout "${PERINATAL_LINT_TIMEOUT:-120}" \
    npx --no-install redocly lint --config "$config" --format stylish "$spec"
