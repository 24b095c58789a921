#!/usr/bin/env bash
# The generated TypeScript client against the test stack (ctest
# client_typescript, label e2e): clients/typescript/ with its pinned
# openapi-typescript, openapi-fetch and typescript (package-lock.json).
#   1. npm ci when node_modules is missing or older than the lock file
#      (bounded by PERINATAL_NPM_TIMEOUT; the only network use, the npm
#      registry, at install);
#   2. generates src/generated/api.ts from openapi/openapi.yaml;
#   3. type-checks the scenario with `tsc --strict --noEmit`;
#   4. compiles it and runs it with node against PERINATAL_BASE_URL, trusting
#      PERINATAL_CA_FILE, with tokens minted by PERINATAL_TOKEN_BIN.
# Fails when any step fails. Environment: what `scripts/stack env` prints.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
client="$root/clients/typescript"
for v in PERINATAL_BASE_URL PERINATAL_CA_FILE PERINATAL_TOKEN_BIN PERINATAL_TOKEN_KEY \
    PERINATAL_DEMO_ORG PERINATAL_DEMO_TEAM; do
    [[ -n ${!v:-} ]] || { echo "typescript.sh: $v is not set (run through scripts/test)" >&2; exit 2; }
done

cd "$client"
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
    echo "typescript.sh: installing the pinned client tools (npm ci)" >&2
    timeout "${PERINATAL_NPM_TIMEOUT:-300}" npm ci --no-audit --no-fund --loglevel=error
fi

echo "typescript.sh: generating types from openapi/openapi.yaml" >&2
mkdir -p src/generated
timeout 120 npx --no-install openapi-typescript "$root/openapi/openapi.yaml" \
    --output src/generated/api.ts >&2

echo "typescript.sh: tsc --strict --noEmit" >&2
timeout 300 npx --no-install tsc --strict --noEmit -p .

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
timeout 300 npx --no-install tsc -p . --outDir "$out"
# The compiled files are ES modules; their package.json says so.
echo '{"type": "module"}' >"$out/package.json"
# openapi-fetch is resolved from the client's node_modules.
ln -s "$client/node_modules" "$out/node_modules"

mint() { # role sub [team]
    local args=(--role "$1" --org "$PERINATAL_DEMO_ORG" --sub "$2" --ttl 900)
    [[ -n ${3:-} ]] && args+=(--team "$3")
    "$PERINATAL_TOKEN_BIN" "${args[@]}"
}
other_team=${PERINATAL_DEMO_TEAMS:-}
other_team=${other_team##*,}
[[ -n $other_team && $other_team != "$PERINATAL_DEMO_TEAM" ]] ||
    other_team=00000000-0000-4000-8000-0000000000a4
id=$$
PERINATAL_TOKEN_CLINICIAN=$(mint clinician "ts-clinician-$id" "$PERINATAL_DEMO_TEAM") \
    PERINATAL_TOKEN_ADMIN=$(mint admin "ts-admin-$id") \
    PERINATAL_TOKEN_REFERRER=$(mint referrer "ts-referrer-$id") \
    PERINATAL_TOKEN_OTHER_CLINICIAN=$(mint clinician "ts-other-$id" "$other_team") \
    PERINATAL_TEAM_ID=$PERINATAL_DEMO_TEAM \
    NODE_EXTRA_CA_CERTS=$PERINATAL_CA_FILE \
    timeout 120 node "$out/scenario.js"
