# shellcheck shell=bash
# scripts/lib/packages.sh: Debian packages (apt, with the libfcgi version floor) and the npm tools
# of tools/.
# Sourced by scripts/lib.sh (source that, not this).

# Debian packages the stack, the build and the tests need.
PERINATAL_APT_PACKAGES=(build-essential cmake pkg-config libfcgi-dev libjson-c-dev
    libjwt-dev libcmocka-dev libpq-dev libssl-dev postgresql nginx-light wrk curl
    openssl python3 python3-yaml clang nodejs npm ca-certificates
    tzdata # the server refuses to start without Europe/London
    libclang-rt-14-dev # libFuzzer and the sanitizers' runtimes for clang (tests/fuzz)
    systemd docker-compose # tests/deploy: systemd-analyze verify, docker-compose config
    clang-format cppcheck) # tests/lint
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
        clang-format | cppcheck) command -v "$pkg" >/dev/null && continue ;;
        esac
        perinatal_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        local hint="as root, run
  apt-get update && apt-get install --no-install-recommends ${missing[*]}
then run this again"
        if ((${#sudo[@]})) && ! command -v sudo >/dev/null; then
            perinatal_die "Debian packages are missing and there is no sudo here: $hint"
        fi
        perinatal_log "installing missing packages: ${missing[*]}"
        if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "${missing[@]}"; }; then
            perinatal_die "could not install the missing Debian packages: $hint"
        fi
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

# npm packages of tools/ (the OpenAPI linter and bundler, on PATH) and of
# clients/typescript/ (the generated client the tests run), each from its
# lock file: a fresh install in CI, locally only when the lock file changed.
# Bounded by PERINATAL_NPM_TIMEOUT (300 s) each.
perinatal_npm_install() {
    local dir=$1
    [[ -f $dir/package.json ]] || return 0
    local stamp=$dir/node_modules/.package-lock.json
    if [[ -f $dir/package-lock.json ]]; then
        if [[ ${CI:-} == true || ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
            perinatal_log "npm ci in ${dir#"$PERINATAL_REPO"/}/"
            (cd "$dir" && timeout "${PERINATAL_NPM_TIMEOUT:-300}" \
                npm ci --no-audit --no-fund --loglevel=error)
        fi
    else
        perinatal_log "${dir#"$PERINATAL_REPO"/}/package-lock.json missing: npm install (commit the lock file)"
        (cd "$dir" && timeout "${PERINATAL_NPM_TIMEOUT:-300}" \
            npm install --no-audit --no-fund --loglevel=error)
    fi
}

perinatal_npm_tools() {
    perinatal_npm_install "$PERINATAL_REPO/tools"
    perinatal_npm_install "$PERINATAL_REPO/clients/typescript"
    export PATH=$PERINATAL_REPO/tools/node_modules/.bin:$PATH
}
