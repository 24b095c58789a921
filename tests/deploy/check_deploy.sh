#!/usr/bin/env bash
# The deployment files are valid: the systemd unit under `systemd-analyze
# verify` (with ExecStart pointed at the built binary, since the unit names
# the installed path) and carrying the settings the README promises; the
# Compose file under `docker-compose config` (no daemon needed), with a
# restart policy and a health check for every long-running service.
# Usage: check_deploy.sh <perinatal-api binary>. A missing tool fails the
# check (scripts/lib/packages.sh installs both), so it cannot pass unchecked.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
bin=${1:?usage: check_deploy.sh <perinatal-api binary>}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

unit=$repo/deploy/perinatal-api.service
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed" >&2; exit 1; }
sed "s|/usr/local/bin/perinatal-api|$bin|g" "$unit" >"$tmp/perinatal-api.service"
if ! out=$(systemd-analyze verify "$tmp/perinatal-api.service" 2>&1) || [[ -n $out ]]; then
    echo "systemd-analyze verify: $out" >&2
    fail=1
fi
for key in '^Restart=on-failure' '^ExecReload=' '^ProtectSystem=strict' '^NoNewPrivileges=yes' \
    '^User=perinatal' '^UMask=0027' '^ExecStart=/usr/bin/env -u PERINATAL_MIGRATE_DATABASE_URL '; do
    grep -q "$key" "$unit" || { echo "$unit: no $key" >&2; fail=1; }
done

# The server runs without the schema owner's conninfo (only migrate needs it).
grep -q 'exec env -u PERINATAL_MIGRATE_DATABASE_URL perinatal-api' "$repo/Dockerfile" ||
    { echo "Dockerfile: the server keeps the owner's conninfo" >&2; fail=1; }

command -v docker-compose >/dev/null || { echo "docker-compose not installed" >&2; exit 1; }
(cd "$repo" && docker-compose config -q) || { echo "docker-compose config: invalid" >&2; fail=1; }
(cd "$repo" && docker-compose config) >"$tmp/compose.yml"
python3 - "$tmp/compose.yml" <<'PY' || fail=1
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
bad = []
for name in ("db", "app", "nginx"):
    s = c["services"][name]
    if s.get("restart") not in ("always", "unless-stopped", "on-failure"):
        bad.append("%s: no restart policy" % name)
    if "healthcheck" not in s:
        bad.append("%s: no healthcheck" % name)
app_env = c["services"]["app"]["environment"]
nginx_addr = c["services"]["nginx"]["networks"]["backend"]["ipv4_address"]
if nginx_addr not in app_env.get("FCGI_WEB_SERVER_ADDRS", "").split(","):
    bad.append("app: FCGI_WEB_SERVER_ADDRS does not name nginx's backend address")
for b in bad:
    print("docker-compose.yml: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# The nginx image carries the docs page where the template serves /docs/ from
# (alias ${PERINATAL_NGINX_DIR}/docs/, the image's nginx dir), rendered in
# the docs stage by the same script as the local stack.
dockerfile=$repo/Dockerfile
nginx_dir=$(sed -n 's/^dir=//p' "$dockerfile")
grep -q 'alias ${PERINATAL_NGINX_DIR}/docs/;' "$repo/nginx/nginx.conf.template" ||
    { echo "nginx.conf.template: /docs/ is not served from \$PERINATAL_NGINX_DIR/docs/" >&2; fail=1; }
grep -q '^RUN tools/openapi-docs.sh /docs$' "$dockerfile" ||
    { echo "Dockerfile: no docs stage running tools/openapi-docs.sh" >&2; fail=1; }
grep -qx "COPY --from=docs /docs/index.html $nginx_dir/docs/index.html" "$dockerfile" ||
    { echo "Dockerfile: the nginx image does not carry the docs page in $nginx_dir/docs/" >&2; fail=1; }

((fail == 0)) && echo "deploy: systemd unit and Compose file valid"
exit "$fail"
