# shellcheck shell=bash
# scripts/lib.sh: the local stack (PostgreSQL 15, perinatal-api, nginx) as
# functions, sourced by scripts/up, down, test, stack and bench/read.sh.
#
# All state lives in one directory, PERINATAL_STATE_DIR (default
# <repo>/.run): the cluster, keys, certificate, logs, sockets, pid files and
# nginx's rendered config and temp files. Nothing is written elsewhere except
# a short socket directory under /tmp when the state dir's path is too long
# for a unix socket, and (as root) the system user that runs the services.
#
# As root, PostgreSQL, the application and nginx run as the unprivileged user
# PERINATAL_RUN_USER (default "perinatal", created if missing): initdb and
# postgres refuse root, and nginx's workers must reach the same sockets.
# As a normal user everything runs as that user; sudo is used for apt only.
#
# Callers run under `set -euo pipefail`, call perinatal_config first, then
# the steps they need. Every wait is bounded.

PERINATAL_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# nginx, useradd and friends live in sbin, which a normal user's PATH lacks.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac
PERINATAL_DEMO_ORG=00000000-0000-4000-8000-000000000001
PERINATAL_DEMO_TEAM=00000000-0000-4000-8000-0000000000a1

# Debian packages the stack, the build and the tests need.
PERINATAL_APT_PACKAGES=(build-essential cmake pkg-config libfcgi-dev libjson-c-dev
    libjwt-dev libcmocka-dev libpq-dev libssl-dev postgresql nginx-light wrk curl
    openssl python3 python3-yaml clang nodejs npm ca-certificates
    libclang-rt-14-dev) # libFuzzer and the sanitizers' runtimes for clang (tests/fuzz)
# libfcgi before this has CVE-2025-23016.
PERINATAL_LIBFCGI_MIN=2.4.2-2+deb12u1

perinatal_log() { printf '[perinatal] %s\n' "$*" >&2; }
perinatal_die() {
    printf '[perinatal] error: %s\n' "$*" >&2
    exit 1
}
perinatal_is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------------------
# Configuration: every knob is an environment variable with a default.
# ---------------------------------------------------------------------------

perinatal_config() {
    local state=${PERINATAL_STATE_DIR:-$PERINATAL_REPO/.run}
    mkdir -p "$state"
    PERINATAL_STATE_DIR=$(cd "$state" && pwd -P)
    PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-8443}
    PERINATAL_BUILD_DIR=${PERINATAL_BUILD_DIR:-$PERINATAL_REPO/build}
    PERINATAL_API_BIN=${PERINATAL_API_BIN:-$PERINATAL_BUILD_DIR/perinatal-api}
    PERINATAL_TOKEN_BIN=${PERINATAL_TOKEN_BIN:-$PERINATAL_BUILD_DIR/perinatal-token}
    PERINATAL_RATE_LIMIT=${PERINATAL_RATE_LIMIT:-200r/s}
    PERINATAL_RATE_BURST=${PERINATAL_RATE_BURST:-400}
    PERINATAL_JWT_ISSUER=${PERINATAL_JWT_ISSUER:-perinatal-local}
    PERINATAL_JWT_AUDIENCE=${PERINATAL_JWT_AUDIENCE:-perinatal-api}
    PERINATAL_PG_BINDIR=${PERINATAL_PG_BINDIR:-/usr/lib/postgresql/15/bin}
    PERINATAL_PG_PORT=${PERINATAL_PG_PORT:-5432}
    # 1: fsync off etc. for throwaway clusters (tests, benchmarks).
    PERINATAL_PG_FAST=${PERINATAL_PG_FAST:-0}
    PERINATAL_APP_LOG=${PERINATAL_APP_LOG:-$PERINATAL_STATE_DIR/log/api.log}
    if perinatal_is_root; then
        PERINATAL_RUN_USER=${PERINATAL_RUN_USER:-perinatal}
    else
        PERINATAL_RUN_USER=$(id -un)
    fi

    PERINATAL_PGDATA=$PERINATAL_STATE_DIR/pgdata
    PERINATAL_KEYS_DIR=$PERINATAL_STATE_DIR/keys
    PERINATAL_TLS_DIR=$PERINATAL_STATE_DIR/tls
    PERINATAL_LOG_DIR=$PERINATAL_STATE_DIR/log
    PERINATAL_PID_DIR=$PERINATAL_STATE_DIR/run
    PERINATAL_NGINX_DIR=$PERINATAL_STATE_DIR/nginx
    PERINATAL_TLS_CERT=$PERINATAL_TLS_DIR/cert.pem
    PERINATAL_TLS_KEY=$PERINATAL_TLS_DIR/key.pem
    PERINATAL_TOKEN_KEY=$PERINATAL_KEYS_DIR/jwt-private.pem
    PERINATAL_JWT_PUBLIC_KEY=$PERINATAL_KEYS_DIR/jwt-public.pem
    PERINATAL_TOKEN_KID=""
    if [[ -s $PERINATAL_KEYS_DIR/jwt.kid ]]; then
        PERINATAL_TOKEN_KID=$(<"$PERINATAL_KEYS_DIR/jwt.kid")
    fi

    # A unix socket path is at most 107 bytes; PostgreSQL's longest name in
    # the directory is ".s.PGSQL.<port>.lock". Fall back to a short private
    # directory under /tmp, named after the state dir so stacks do not clash.
    local sock=$PERINATAL_STATE_DIR/sock
    if ((${#sock} + 24 > 100)); then
        sock=/tmp/perinatal-$(printf '%s' "$PERINATAL_STATE_DIR" | sha256sum | cut -c1-12)
    fi
    PERINATAL_SOCK_DIR=$sock
    PERINATAL_LISTEN=$PERINATAL_SOCK_DIR/api.sock

    PERINATAL_DATABASE_URL="host=$PERINATAL_SOCK_DIR port=$PERINATAL_PG_PORT dbname=perinatal user=perinatal_app"
    PERINATAL_MIGRATE_DATABASE_URL="host=$PERINATAL_SOCK_DIR port=$PERINATAL_PG_PORT dbname=perinatal user=perinatal_owner"
    PERINATAL_ADMIN_DB_URL="host=$PERINATAL_SOCK_DIR port=$PERINATAL_PG_PORT dbname=postgres user=postgres"
    PERINATAL_BASE_URL=https://localhost:$PERINATAL_HTTPS_PORT
}

# The settings a later `scripts/stack` or `scripts/down` needs to act on the
# same stack; the caller's environment still wins when it sets one.
perinatal_save_settings() {
    local f=$PERINATAL_STATE_DIR/stack.env name
    {
        echo "# Written by scripts/lib.sh; read by scripts/stack and scripts/down."
        for name in PERINATAL_HTTPS_PORT PERINATAL_BUILD_DIR PERINATAL_API_BIN \
            PERINATAL_TOKEN_BIN PERINATAL_RATE_LIMIT PERINATAL_RATE_BURST \
            PERINATAL_JWT_ISSUER PERINATAL_JWT_AUDIENCE PERINATAL_PG_PORT \
            PERINATAL_PG_FAST PERINATAL_APP_LOG PERINATAL_RUN_USER PERINATAL_WORKERS; do
            [[ -n ${!name:-} ]] || continue
            # shellcheck disable=SC2016  # a literal ${NAME:=value} for the file
            printf ': "${%s:=%s}"\n' "$name" "$(printf '%q' "${!name}")"
        done
    } >"$f.tmp"
    mv "$f.tmp" "$f"
}

perinatal_load_settings() {
    local f=${PERINATAL_STATE_DIR:-$PERINATAL_REPO/.run}/stack.env
    # shellcheck disable=SC1090
    [[ -f $f ]] && source "$f"
    return 0
}

# Everything a test (ctest) or a developer's shell needs to talk to the stack.
perinatal_export_env() {
    export PERINATAL_REPO PERINATAL_STATE_DIR PERINATAL_HTTPS_PORT PERINATAL_BASE_URL
    export PERINATAL_CA_FILE=$PERINATAL_TLS_CERT
    export PERINATAL_TOKEN_BIN PERINATAL_TOKEN_KEY PERINATAL_TOKEN_KID
    export PERINATAL_JWT_ISSUER PERINATAL_JWT_AUDIENCE PERINATAL_JWT_PUBLIC_KEY
    export PERINATAL_JWT_KEYS="$PERINATAL_TOKEN_KID=ES256:$PERINATAL_JWT_PUBLIC_KEY"
    export PERINATAL_DATABASE_URL PERINATAL_MIGRATE_DATABASE_URL
    export PERINATAL_TEST_ADMIN_DB_URL=$PERINATAL_ADMIN_DB_URL
    export PERINATAL_PG_SOCKET_DIR=$PERINATAL_SOCK_DIR PERINATAL_PG_PORT
    export PERINATAL_API_BIN PERINATAL_BUILD_DIR PERINATAL_LISTEN PERINATAL_APP_LOG
    export PERINATAL_STACK_BIN=$PERINATAL_REPO/scripts/stack
    export PERINATAL_RATE_LIMIT PERINATAL_RATE_BURST
    export PERINATAL_DEMO_ORG PERINATAL_DEMO_TEAM
    export PERINATAL_DEMO_TEAMS="$PERINATAL_DEMO_TEAM,00000000-0000-4000-8000-0000000000a2,00000000-0000-4000-8000-0000000000a3,00000000-0000-4000-8000-0000000000a4"
}

# ---------------------------------------------------------------------------
# Packages and build
# ---------------------------------------------------------------------------

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

# perinatal_build <build-dir> [asan]
perinatal_build() {
    local dir=$1 kind=${2:-normal} args=()
    if [[ $kind == asan ]]; then
        # Same optimisation as the normal build by default (as the lead's
        # manual build-asan); PERINATAL_ASAN_BUILD_TYPE=Debug for -O0 reports.
        args=(-DCMAKE_BUILD_TYPE="${PERINATAL_ASAN_BUILD_TYPE:-RelWithDebInfo}" -DPERINATAL_SANITIZE=ON)
    else
        args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    fi
    perinatal_log "building $kind into ${dir#"$PERINATAL_REPO"/}"
    cmake -S "$PERINATAL_REPO" -B "$dir" "${args[@]}" >/dev/null
    cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)"
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

# ---------------------------------------------------------------------------
# Fuzzing: the libFuzzer targets of tests/fuzz, under ASan + UBSan
# ---------------------------------------------------------------------------

PERINATAL_FUZZ_TARGETS=(fuzz_body fuzz_token)

# perinatal_fuzz_build <build-dir>: clang, ASan + UBSan, the fuzz targets only
# (not the server or the other tests, to keep the step short).
perinatal_fuzz_build() {
    local dir=$1
    perinatal_log "building the fuzz targets into ${dir#"$PERINATAL_REPO"/}"
    CC=clang cmake -S "$PERINATAL_REPO" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPERINATAL_FUZZ=ON -DPERINATAL_SANITIZE=ON >/dev/null
    cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target "${PERINATAL_FUZZ_TARGETS[@]}"
}

# perinatal_fuzz_run <build-dir> <seconds>: runs every target at once for
# <seconds>, each from a scratch copy of its seeds (tests/fuzz/corpus/<name>)
# under $PERINATAL_STATE_DIR/fuzz, so the committed corpus never changes.
# Non-zero when a target crashed, hung (-timeout), ran out of memory, leaked
# or had a sanitizer report; the input that did it is named in the log line.
perinatal_fuzz_run() {
    local dir=$1 secs=$2 work=$PERINATAL_STATE_DIR/fuzz t rc failed=0
    local -A pids=()
    rm -rf "$work"
    for t in "${PERINATAL_FUZZ_TARGETS[@]}"; do
        local name=${t#fuzz_} bin=$dir/tests/fuzz/$t
        [[ -x $bin ]] || perinatal_die "$bin not built"
        mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
        cp "$PERINATAL_REPO/tests/fuzz/corpus/$name/"* "$work/$t/corpus/"
        local args=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
            -artifact_prefix="$work/$t/artifacts/")
        [[ -f $PERINATAL_REPO/tests/fuzz/$name.dict ]] && args+=(-dict="$PERINATAL_REPO/tests/fuzz/$name.dict")
        perinatal_log "fuzzing $t for ${secs}s"
        # Every report is fatal, so libFuzzer saves the input; timeout(1) is
        # only a backstop for a target that stops answering altogether.
        ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
            timeout -k 10 $((secs + 60)) "$bin" "${args[@]}" "$work/$t/corpus" >"$work/$t.log" 2>&1 &
        pids[$t]=$!
    done
    for t in "${PERINATAL_FUZZ_TARGETS[@]}"; do
        rc=0
        wait "${pids[$t]}" || rc=$?
        local log=$work/$t.log found=()
        local f
        for f in "$work/$t/artifacts/"*; do [[ -e $f ]] && found+=("$f"); done
        if ((rc == 0 && ${#found[@]} == 0)) &&
            ! grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
            perinatal_log "$t: clean, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") inputs"
            continue
        fi
        failed=1
        tail -n 40 "$log" >&2
        perinatal_log "$t FAILED (exit $rc); log $log"
        for f in "${found[@]}"; do
            perinatal_log "$t crash input: $f (replay: $dir/tests/fuzz/$t $f)"
        done
        ((${#found[@]})) || perinatal_log "$t saved no input (timeout(1) stopped it, or see the log)"
    done
    return "$failed"
}

# ---------------------------------------------------------------------------
# Users, directories, keys and certificate
# ---------------------------------------------------------------------------

# Runs a command as the run user, from the state dir (the user may not be
# able to enter the caller's working directory). setpriv execs without
# forking, so `perinatal_as_user cmd &` gives cmd's own pid in $!.
perinatal_as_user() {
    cd "$PERINATAL_STATE_DIR" || return 1
    if perinatal_is_root; then
        exec setpriv --reuid="$PERINATAL_RUN_USER" --regid="$PERINATAL_RUN_USER" \
            --init-groups env HOME="$PERINATAL_STATE_DIR" USER="$PERINATAL_RUN_USER" \
            LOGNAME="$PERINATAL_RUN_USER" "$@"
    fi
    exec "$@"
}
# Same, in a subshell, for a command whose exit status the caller wants.
perinatal_run_as_user() { (perinatal_as_user "$@"); }

perinatal_ensure_user() {
    perinatal_is_root || return 0
    getent passwd "$PERINATAL_RUN_USER" >/dev/null && return 0
    perinatal_log "creating system user $PERINATAL_RUN_USER (runs PostgreSQL, the API and nginx)"
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin "$PERINATAL_RUN_USER"
}

# The run user must be able to walk down to the state dir and the binaries.
# A home directory such as /root is often 0700: add o+x (search only, not
# read) to any ancestor that blocks the user, and say so.
perinatal_ensure_reachable() {
    perinatal_is_root || return 0
    local path dir rest
    for path in "$@"; do
        # Top down: a directory can only be tested once its parents pass.
        dir=""
        rest=${path#/}
        while [[ -n $rest ]]; do
            dir+=/${rest%%/*}
            [[ $rest == */* ]] && rest=${rest#*/} || rest=""
            [[ -d $dir ]] || break
            if ! setpriv --reuid="$PERINATAL_RUN_USER" --regid="$PERINATAL_RUN_USER" \
                --init-groups test -x "$dir" 2>/dev/null; then
                perinatal_log "chmod o+x $dir so that user $PERINATAL_RUN_USER can reach $path"
                chmod o+x "$dir"
            fi
        done
    done
}

perinatal_prepare_dirs() {
    perinatal_ensure_user
    local d
    for d in "$PERINATAL_KEYS_DIR" "$PERINATAL_TLS_DIR" "$PERINATAL_LOG_DIR" \
        "$PERINATAL_PID_DIR" "$PERINATAL_NGINX_DIR"/tmp; do
        mkdir -p "$d"
    done
    chmod 0700 "$PERINATAL_KEYS_DIR" "$PERINATAL_TLS_DIR"
    if [[ $PERINATAL_SOCK_DIR != "$PERINATAL_STATE_DIR/sock" ]]; then
        # A predictable name in /tmp: refuse anything we did not make.
        if [[ -L $PERINATAL_SOCK_DIR ]] || { [[ -e $PERINATAL_SOCK_DIR ]] &&
            [[ $(stat -c %U "$PERINATAL_SOCK_DIR") != "$PERINATAL_RUN_USER" ]] &&
            [[ $(stat -c %U "$PERINATAL_SOCK_DIR") != "$(id -un)" ]]; }; then
            perinatal_die "$PERINATAL_SOCK_DIR exists and is not ours; remove it"
        fi
        perinatal_log "state dir path too long for unix sockets: using $PERINATAL_SOCK_DIR"
    fi
    mkdir -p "$PERINATAL_SOCK_DIR"
    # Only the run user (and root) may reach the sockets: PostgreSQL trusts
    # local connections because nobody else can connect to them.
    chmod 0700 "$PERINATAL_SOCK_DIR"
    if perinatal_is_root; then
        # This stack's own directories only (other stacks may be nested in
        # .run), and only what is not yet owned, so a re-run is cheap.
        chown "$PERINATAL_RUN_USER:" "$PERINATAL_STATE_DIR"
        for d in "$PERINATAL_KEYS_DIR" "$PERINATAL_TLS_DIR" "$PERINATAL_LOG_DIR" \
            "$PERINATAL_PID_DIR" "$PERINATAL_NGINX_DIR" "$PERINATAL_PGDATA" "$PERINATAL_SOCK_DIR"; do
            [[ -e $d ]] || continue
            find "$d" ! -user "$PERINATAL_RUN_USER" -exec chown -h "$PERINATAL_RUN_USER:" {} +
        done
        perinatal_ensure_reachable "$PERINATAL_STATE_DIR" "$PERINATAL_API_BIN"
    fi
}

# EC P-256 key pair that signs the demo/test tokens (ES256). The kid is a
# fingerprint of the public key, so it changes when the key does.
perinatal_ensure_keys() {
    local priv=$PERINATAL_TOKEN_KEY pub=$PERINATAL_JWT_PUBLIC_KEY
    if [[ ! -s $priv || ! -s $pub ]]; then
        perinatal_log "generating the JWT signing key pair in ${PERINATAL_KEYS_DIR#"$PERINATAL_REPO"/}"
        (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -pkeyopt ec_param_enc:named_curve -out "$priv.tmp" 2>/dev/null)
        openssl pkey -in "$priv.tmp" -pubout -out "$pub.tmp" 2>/dev/null
        mv "$priv.tmp" "$priv"
        mv "$pub.tmp" "$pub"
        rm -f "$PERINATAL_KEYS_DIR/jwt.kid"
    fi
    if [[ ! -s $PERINATAL_KEYS_DIR/jwt.kid ]]; then
        openssl pkey -pubin -in "$pub" -outform DER 2>/dev/null | sha256sum |
            cut -c1-16 | sed 's/^/local-/' >"$PERINATAL_KEYS_DIR/jwt.kid"
    fi
    PERINATAL_TOKEN_KID=$(<"$PERINATAL_KEYS_DIR/jwt.kid")
    chmod 0600 "$priv"
    chmod 0644 "$pub" "$PERINATAL_KEYS_DIR/jwt.kid"
    if perinatal_is_root; then
        chown "$PERINATAL_RUN_USER:" "$priv" "$pub" "$PERINATAL_KEYS_DIR/jwt.kid"
    fi
}

# Self-signed ECDSA P-256 certificate for localhost; renewed when it has
# less than 30 days left.
perinatal_ensure_tls() {
    local cert=$PERINATAL_TLS_CERT key=$PERINATAL_TLS_KEY
    if [[ -s $cert && -s $key ]] && openssl x509 -in "$cert" -noout -checkend 2592000 >/dev/null 2>&1; then
        return 0
    fi
    perinatal_log "generating a self-signed TLS certificate for localhost in ${PERINATAL_TLS_DIR#"$PERINATAL_REPO"/}"
    (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -nodes -sha256 -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -addext "keyUsage=critical,digitalSignature" \
        -addext "extendedKeyUsage=serverAuth" \
        -keyout "$key.tmp" -out "$cert.tmp" 2>/dev/null)
    mv "$key.tmp" "$key"
    mv "$cert.tmp" "$cert"
    chmod 0600 "$key"
    chmod 0644 "$cert"
    if perinatal_is_root; then chown "$PERINATAL_RUN_USER:" "$key" "$cert"; fi
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

perinatal_pg_ctl() { perinatal_run_as_user "$PERINATAL_PG_BINDIR/pg_ctl" -D "$PERINATAL_PGDATA" "$@"; }

perinatal_pg_running() { perinatal_pg_ctl status >/dev/null 2>&1; }

perinatal_pg_init() {
    [[ -s $PERINATAL_PGDATA/PG_VERSION ]] && return 0
    perinatal_log "creating the PostgreSQL cluster in ${PERINATAL_PGDATA#"$PERINATAL_REPO"/}"
    # Superuser "postgres" whatever the OS user; local trust is safe because
    # the only socket is in a 0700 directory of the run user (see README).
    perinatal_run_as_user "$PERINATAL_PG_BINDIR/initdb" -D "$PERINATAL_PGDATA" \
        --username=postgres --auth-local=trust --auth-host=reject \
        --encoding=UTF8 --locale=C.UTF-8 >"$PERINATAL_LOG_DIR/initdb.log" 2>&1 ||
        { cat "$PERINATAL_LOG_DIR/initdb.log" >&2; perinatal_die "initdb failed"; }
    echo "include_if_exists = 'perinatal.conf'" >>"$PERINATAL_PGDATA/postgresql.conf"
}

# Settings rewritten on every start, so that a moved state dir or a changed
# option takes effect.
perinatal_pg_write_conf() {
    local f=$PERINATAL_PGDATA/perinatal.conf
    {
        echo "# Written by scripts/lib.sh on every start; edit there."
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$PERINATAL_SOCK_DIR'"
        echo "unix_socket_permissions = 0700"
        echo "port = $PERINATAL_PG_PORT"
        echo "max_connections = 200"
        echo "shared_buffers = 128MB"
        echo "timezone = 'UTC'"
        echo "log_timezone = 'UTC'"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
        echo "log_min_duration_statement = 1000"
        if [[ $PERINATAL_PG_FAST == 1 ]]; then
            echo "# Throwaway cluster: durability traded for speed."
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$f"
    if perinatal_is_root; then chown "$PERINATAL_RUN_USER:" "$f"; fi
}

perinatal_pg_start() {
    perinatal_pg_init
    if perinatal_pg_running; then
        perinatal_log "PostgreSQL already running"
        return 0
    fi
    perinatal_pg_write_conf
    perinatal_log "starting PostgreSQL (socket dir $PERINATAL_SOCK_DIR)"
    perinatal_run_as_user setsid "$PERINATAL_PG_BINDIR/pg_ctl" -D "$PERINATAL_PGDATA" \
        -l "$PERINATAL_LOG_DIR/postgresql.log" -w -t 60 start >/dev/null ||
        { tail -n 20 "$PERINATAL_LOG_DIR/postgresql.log" >&2; perinatal_die "PostgreSQL did not start"; }
}

perinatal_pg_stop() {
    [[ -s $PERINATAL_PGDATA/PG_VERSION ]] || return 0
    perinatal_pg_running || return 0
    perinatal_log "stopping PostgreSQL"
    perinatal_pg_ctl -m fast -w -t 60 stop >/dev/null || perinatal_log "PostgreSQL did not stop in 60 s"
}

perinatal_pg_restart() {
    perinatal_pg_stop
    perinatal_pg_start
}

# psql as the superuser; extra arguments are passed on.
perinatal_psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 "$PERINATAL_ADMIN_DB_URL" "$@"
}

# Login roles and the database, idempotently. perinatal_owner owns the
# database and (through the migrations) the schema; perinatal_app owns
# nothing and gets what the migrations GRANT it.
perinatal_db_setup() {
    perinatal_psql_admin <<'SQL'
SELECT 'CREATE ROLE perinatal_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'perinatal_owner') \gexec
SELECT 'CREATE ROLE perinatal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'perinatal_app') \gexec
SELECT 'CREATE DATABASE perinatal OWNER perinatal_owner ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'perinatal') \gexec
-- Only the two roles may connect; nobody else may create temp tables.
REVOKE ALL ON DATABASE perinatal FROM PUBLIC;
GRANT CONNECT ON DATABASE perinatal TO perinatal_app, perinatal_owner;
SQL
}

# Drops the application database (tests start from an empty one).
perinatal_db_drop() {
    perinatal_psql_admin -c 'DROP DATABASE IF EXISTS perinatal WITH (FORCE)'
}

perinatal_migrate() {
    perinatal_log "migrating with ${PERINATAL_API_BIN#"$PERINATAL_REPO"/}"
    PERINATAL_MIGRATE_DATABASE_URL=$PERINATAL_MIGRATE_DATABASE_URL \
        PERINATAL_DATABASE_URL=$PERINATAL_DATABASE_URL \
        "$PERINATAL_API_BIN" migrate
}

perinatal_demo_data() {
    psql -X -q -v ON_ERROR_STOP=1 "$PERINATAL_MIGRATE_DATABASE_URL" \
        -f "$PERINATAL_REPO/scripts/demo.sql"
}

# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------

# A process that exists and is not a zombie: a daemon whose parent is gone
# may never be reaped when PID 1 is not a real init (containers, sandboxes),
# and `kill -0` succeeds on a zombie.
perinatal_proc_live() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ -n $state && $state != Z* ]]
}

perinatal_pid_alive() {
    local f=$1 pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] && perinatal_proc_live "$pid"
}

# Sends a signal and waits (bounded) for the process to go; SIGKILL after.
perinatal_stop_pid() {
    local f=$1 sig=$2 what=$3 timeout=${4:-30} pid i
    perinatal_pid_alive "$f" || { rm -f "$f"; return 0; }
    pid=$(<"$f")
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        perinatal_proc_live "$pid" || { rm -f "$f"; return 0; }
        sleep 0.1
    done
    perinatal_log "$what (pid $pid) still running after ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
    return 1
}

perinatal_app_running() { perinatal_pid_alive "$PERINATAL_PID_DIR/api.pid"; }

perinatal_app_start() {
    local pidf=$PERINATAL_PID_DIR/api.pid i
    [[ -x $PERINATAL_API_BIN ]] || perinatal_die "$PERINATAL_API_BIN not built"
    perinatal_app_stop
    # Our app is not running, so a socket left at the path is stale (a
    # crash, SIGKILL); libfcgi would silently replace it anyway.
    rm -f "$PERINATAL_LISTEN"
    perinatal_log "starting ${PERINATAL_API_BIN#"$PERINATAL_REPO"/} (log ${PERINATAL_APP_LOG#"$PERINATAL_REPO"/})"
    local env=(
        PERINATAL_LISTEN="$PERINATAL_LISTEN"
        PERINATAL_SOCKET_MODE=0660
        PERINATAL_DATABASE_URL="$PERINATAL_DATABASE_URL"
        PERINATAL_MIGRATE_DATABASE_URL="$PERINATAL_MIGRATE_DATABASE_URL"
        PERINATAL_JWT_KEYS="$PERINATAL_TOKEN_KID=ES256:$PERINATAL_JWT_PUBLIC_KEY"
        PERINATAL_JWT_ISSUER="$PERINATAL_JWT_ISSUER"
        PERINATAL_JWT_AUDIENCE="$PERINATAL_JWT_AUDIENCE"
        # Sanitizer builds: report to the log and fail on the first error.
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}"
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    )
    [[ -n ${PERINATAL_WORKERS:-} ]] && env+=(PERINATAL_WORKERS="$PERINATAL_WORKERS")
    # Own session: a Ctrl-C in the terminal reaches scripts/up only, which
    # then stops everything in order.
    (perinatal_as_user setsid env "${env[@]}" "$PERINATAL_API_BIN") \
        </dev/null >>"$PERINATAL_APP_LOG" 2>&1 &
    echo $! >"$pidf"
    for ((i = 0; i < 300; i++)); do
        [[ -S $PERINATAL_LISTEN ]] && return 0
        perinatal_app_running || break
        sleep 0.1
    done
    tail -n 30 "$PERINATAL_APP_LOG" >&2
    perinatal_die "the application did not open $PERINATAL_LISTEN"
}

perinatal_app_stop() {
    perinatal_app_running || { rm -f "$PERINATAL_PID_DIR/api.pid"; return 0; }
    perinatal_log "stopping the application"
    perinatal_stop_pid "$PERINATAL_PID_DIR/api.pid" TERM "perinatal-api" 30 || true
}

# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------

# Replaces ${NAME} for each NAME given, like `envsubst '${NAME}...'`, and
# refuses to leave any ${PERINATAL_...} unreplaced.
perinatal_render() {
    local tpl=$1 out=$2 name val script=""
    shift 2
    for name in "$@"; do
        val=${!name}
        [[ $val != *$'\n'* ]] || perinatal_die "$name contains a newline"
        val=${val//\\/\\\\}
        val=${val//&/\\&}
        val=${val//|/\\|}
        script+="s|\${$name}|$val|g;"
    done
    sed -e "$script" "$tpl" >"$out.tmp"
    # shellcheck disable=SC2016  # a literal ${PERINATAL_ to look for
    if grep -n '\${PERINATAL_' "$out.tmp" >&2; then
        rm -f "$out.tmp"
        perinatal_die "$tpl: variables left unrendered (above)"
    fi
    mv "$out.tmp" "$out"
}

# The template's variables; perinatal_render reads them by name.
# shellcheck disable=SC2034
perinatal_nginx_conf() {
    local port=$PERINATAL_HTTPS_PORT
    PERINATAL_NGINX_LISTEN="listen 127.0.0.1:$port ssl http2;"
    # IPv6 loopback only where the kernel has it (some containers do not).
    if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
        PERINATAL_NGINX_LISTEN+=" listen [::1]:$port ssl http2;"
    fi
    PERINATAL_NGINX_ERROR_LOG=$PERINATAL_LOG_DIR/nginx-error.log
    PERINATAL_NGINX_ACCESS_LOG=${PERINATAL_NGINX_ACCESS_LOG:-$PERINATAL_LOG_DIR/nginx-access.log perinatal buffer=64k flush=5s}
    PERINATAL_UPSTREAM_SERVERS="server unix:$PERINATAL_LISTEN;"
    local d
    for d in body fastcgi proxy scgi uwsgi; do mkdir -p "$PERINATAL_NGINX_DIR/tmp/$d"; done
    perinatal_render "$PERINATAL_REPO/nginx/nginx.conf.template" "$PERINATAL_NGINX_DIR/nginx.conf" \
        PERINATAL_NGINX_DIR PERINATAL_NGINX_ERROR_LOG PERINATAL_NGINX_ACCESS_LOG \
        PERINATAL_NGINX_LISTEN PERINATAL_TLS_CERT PERINATAL_TLS_KEY \
        PERINATAL_UPSTREAM_SERVERS PERINATAL_RATE_LIMIT PERINATAL_RATE_BURST
    if perinatal_is_root; then chown -R "$PERINATAL_RUN_USER:" "$PERINATAL_NGINX_DIR"; fi
}

perinatal_nginx() {
    perinatal_run_as_user nginx -p "$PERINATAL_NGINX_DIR" -c "$PERINATAL_NGINX_DIR/nginx.conf" \
        -e "$PERINATAL_LOG_DIR/nginx-error.log" "$@"
}

perinatal_nginx_running() { perinatal_pid_alive "$PERINATAL_NGINX_DIR/nginx.pid"; }

perinatal_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

perinatal_nginx_start() {
    perinatal_nginx_conf
    perinatal_nginx -q -t || perinatal_die "nginx configuration invalid (${PERINATAL_NGINX_DIR}/nginx.conf)"
    if perinatal_nginx_running; then
        perinatal_log "reloading nginx"
        perinatal_nginx -s reload
        return 0
    fi
    if perinatal_port_in_use "$PERINATAL_HTTPS_PORT"; then
        perinatal_die "port $PERINATAL_HTTPS_PORT is in use; set PERINATAL_HTTPS_PORT"
    fi
    perinatal_log "starting nginx on $PERINATAL_BASE_URL"
    # nginx daemonises itself and writes its pid file.
    perinatal_run_as_user setsid nginx -p "$PERINATAL_NGINX_DIR" \
        -c "$PERINATAL_NGINX_DIR/nginx.conf" -e "$PERINATAL_LOG_DIR/nginx-error.log" </dev/null ||
        { tail -n 20 "$PERINATAL_LOG_DIR/nginx-error.log" >&2; perinatal_die "nginx did not start"; }
}

perinatal_nginx_stop() {
    perinatal_nginx_running || return 0
    perinatal_log "stopping nginx"
    # QUIT: finish requests in flight; TERM after 20 s if some linger.
    perinatal_stop_pid "$PERINATAL_NGINX_DIR/nginx.pid" QUIT nginx 20 || true
}

# ---------------------------------------------------------------------------
# The whole stack
# ---------------------------------------------------------------------------

perinatal_curl() {
    curl -sS --cacert "$PERINATAL_TLS_CERT" --max-time 5 "$@"
}

# Polls /readyz until it answers 200 (bounded, default 60 s).
perinatal_wait_ready() {
    local timeout=${1:-60} i code
    for ((i = 0; i < timeout * 2; i++)); do
        code=$(perinatal_curl -o /dev/null -w '%{http_code}' "$PERINATAL_BASE_URL/readyz" 2>/dev/null || true)
        [[ $code == 200 ]] && return 0
        if ! perinatal_app_running; then
            tail -n 30 "$PERINATAL_APP_LOG" >&2
            perinatal_die "the application exited while starting"
        fi
        sleep 0.5
    done
    tail -n 20 "$PERINATAL_APP_LOG" >&2
    tail -n 10 "$PERINATAL_LOG_DIR/nginx-error.log" >&2 || true
    perinatal_die "$PERINATAL_BASE_URL/readyz did not answer 200 within ${timeout}s (last: ${code:-none})"
}

# Keys, certificate, cluster, roles, database, migrations and demo data.
perinatal_setup() {
    perinatal_prepare_dirs
    perinatal_ensure_keys
    perinatal_ensure_tls
    perinatal_pg_start
    perinatal_db_setup
}

perinatal_start_services() {
    perinatal_migrate
    perinatal_demo_data
    perinatal_save_settings
    perinatal_app_start
    perinatal_nginx_start
    perinatal_wait_ready "${PERINATAL_READY_TIMEOUT:-60}"
}

# Front to back: no new requests, finish the ones in flight, then the database.
perinatal_stop_all() {
    perinatal_nginx_stop
    perinatal_app_stop
    perinatal_pg_stop
}

perinatal_status() {
    local s
    perinatal_pg_running && s=running || s=stopped
    printf 'postgresql  %s  (%s)\n' "$s" "$PERINATAL_PGDATA"
    perinatal_app_running && s="running pid $(<"$PERINATAL_PID_DIR/api.pid")" || s=stopped
    printf 'api         %s  (%s)\n' "$s" "$PERINATAL_API_BIN"
    perinatal_nginx_running && s="running pid $(<"$PERINATAL_NGINX_DIR/nginx.pid")" || s=stopped
    printf 'nginx       %s  (%s)\n' "$s" "$PERINATAL_BASE_URL"
    s=$(perinatal_curl -o /dev/null -w '%{http_code}' "$PERINATAL_BASE_URL/readyz" 2>/dev/null || true)
    printf 'readyz      %s\n' "${s:-no answer}"
}

# perinatal_token <role> [extra perinatal-token args...]
perinatal_token() {
    local role=$1
    shift
    local args=(--role "$role" --org "$PERINATAL_DEMO_ORG" --sub "demo-$role" --ttl "${PERINATAL_TOKEN_TTL:-28800}")
    [[ $role == clinician ]] && args+=(--team "$PERINATAL_DEMO_TEAM")
    PERINATAL_TOKEN_KEY=$PERINATAL_TOKEN_KEY PERINATAL_TOKEN_KID=$PERINATAL_TOKEN_KID \
        PERINATAL_JWT_ISSUER=$PERINATAL_JWT_ISSUER PERINATAL_JWT_AUDIENCE=$PERINATAL_JWT_AUDIENCE \
        "$PERINATAL_TOKEN_BIN" "${args[@]}" "$@"
}

# Scans a sanitizer build's log; non-zero when it reports an error.
perinatal_check_sanitizer_log() {
    local log=$1
    [[ -f $log ]] || return 0
    if grep -En 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$log" >&2; then
        perinatal_log "sanitizer errors in $log (above)"
        return 1
    fi
}
