# shellcheck shell=bash
# scripts/lib/packages.sh: Debian packages (apt, with the libfcgi version floor) and the npm tools
# of tools/.
# Sourced by scripts/lib.sh (source that, not this).

# Debian packages the stack, the build and the tests need.
PERINATAL_APT_PACKAGES=(build-essential cmake pkg-config libfcgi-dev libjson-c-dev
    libjwt-dev libcmocka-dev libpq-dev libssl-dev postgresql nginx-light wrk curl
    openssl python3 python3-yaml clang nodejs npm ca-certificates
    libclang-rt-14-dev # libFuzzer and the sanitizers' runtimes for clang (tests/fuzz)
    systemd docker-compose) # tests/deploy: systemd-analyze verify, docker-compose config
# libfcgi before this has CVE-2025-23016.
PERINATAL_LIBFCGI_MIN=2.4.2-2+deb12u1

perinatal_pkg_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

perinatal_ensure_packages() {
    local missing=() pkg sudo=()
    perinatal_is_root || sudo=(sudo)
    for pkg in "${PERINATAL_APT_PACKAGES[@]}"; do
        case $pkg in
        # Any nginx flavour (light/core/full) will do; installing nginx-light
        # over another would remove it.
        nginx-light) [[ -x /usr/sbin/nginx ]] && continue ;;
        # The cluster scripts need PostgreSQL 15's initdb specifically.
        postgresql) [[ -x $PERINATAL_PG_BINDIR/initdb ]] && continue ;;
        # Some machines carry another build of Node.js that bundles npm and
        # conflicts with Debian's npm package.
        nodejs) command -v node >/dev/null && continue ;;
        npm) command -v npm >/dev/null && continue ;;
        esac
        perinatal_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        perinatal_log "installing missing packages: ${missing[*]}"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    local fcgi
    fcgi=$(dpkg-query -W -f='${Version}' libfcgi0ldbl 2>/dev/null || true)
    if [[ -n $fcgi ]] && ! dpkg --compare-versions "$fcgi" ge "$PERINATAL_LIBFCGI_MIN"; then
        perinatal_log "libfcgi $fcgi is older than $PERINATAL_LIBFCGI_MIN (CVE-2025-23016): upgrading"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --only-upgrade libfcgi-dev libfcgi0ldbl
    fi
}

# npm packages of tools/ (e.g. the OpenAPI linter), if the project has any.
perinatal_npm_tools() {
    local tools=$PERINATAL_REPO/tools
    [[ -f $tools/package.json ]] || return 0
    local stamp=$tools/node_modules/.package-lock.json
    if [[ -f $tools/package-lock.json ]]; then
        # A fresh install in CI; locally only when the lock file changed.
        if [[ ${CI:-} == true || ! -f $stamp || $tools/package-lock.json -nt $stamp ]]; then
            perinatal_log "npm ci in tools/"
            (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
        fi
    else
        perinatal_log "tools/package-lock.json missing: npm install (commit the lock file)"
        (cd "$tools" && npm install --no-audit --no-fund --loglevel=error)
    fi
    export PATH=$tools/node_modules/.bin:$PATH
}
