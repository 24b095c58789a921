#!/usr/bin/env bash
# Renders the bundled contract, openapi/openapi.yaml, to one static HTML
# page with Redocly CLI's build-docs (pinned in tools/package.json), for
# nginx to serve at /docs/. Nothing on the page comes from another host:
# Redoc's scripts are inlined (--inlineBundle), its telemetry is off, and the
# few addresses of Redocly's CDN and telemetry collector left in the inlined
# bundle (an attribution logo, icon sets, the collector) are pointed at
# /docs/-/ on the same server, which has nothing there; nginx's
# Content-Security-Policy for /docs/ forbids every other origin as well.
#
# Usage: tools/openapi-docs.sh OUTPUT_DIR   (writes OUTPUT_DIR/index.html)
# Installs the pinned tools with `npm ci` first when tools/node_modules is
# missing. Writes atomically; a failed run leaves the previous page.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
spec="$root/openapi/openapi.yaml"
[[ $# -eq 1 ]] || { echo "usage: $0 OUTPUT_DIR" >&2; exit 2; }
outdir=$1
case "$outdir" in /*) ;; *) outdir="$PWD/$outdir" ;; esac
mkdir -p "$outdir"

if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
    echo "openapi-docs.sh: installing the pinned tools (npm ci --prefix tools)" >&2
    timeout "${PERINATAL_NPM_TIMEOUT:-300}" \
        npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
fi

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

tmp="$(mktemp "$outdir/.index.XXXXXX.html")"
trap 'rm -f "$tmp" "$tmp.raw"' EXIT
cd "$tools"
timeout "${PERINATAL_DOCS_TIMEOUT:-180}" \
    npx --no-install redocly build-docs "$spec" --config "$tools/redocly.yaml" \
        --inlineBundle --title "Perinatal mental health record API" \
        --openapi.disableTelemetry=true --output "$tmp.raw" >&2
sed -e 's#https://cdn\.redoc\.ly/#/docs/-/#g' \
    -e 's#https://cdn\.redocly\.com/#/docs/-/#g' \
    -e 's#https://otel\.cloud\.redocly\.com/#/docs/-/#g' \
    "$tmp.raw" >"$tmp"
rm -f "$tmp.raw"
# Nothing may load from elsewhere: no CDN, font or script host left.
if grep -Eo 'https?://[a-z0-9.-]*(cdn|fonts\.googleapis|fonts\.gstatic|unpkg|jsdelivr|otel)[a-z0-9.-]*' "$tmp" | sort -u | grep . >&2; then
    echo "openapi-docs.sh: the page still names the hosts above" >&2
    exit 1
fi
chmod 0644 "$tmp"
mv "$tmp" "$outdir/index.html"
trap - EXIT
echo "openapi-docs.sh: wrote $outdir/index.html" >&2
