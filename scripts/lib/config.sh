# shellcheck shell=bash
# scripts/lib/config.sh: every knob is an environment variable with a default;
# the settings saved for scripts/stack and scripts/down; the environment a
# test or a shell gets.
# Sourced by scripts/lib.sh (source that, not this).

PERINATAL_DEMO_ORG=00000000-0000-4000-8000-000000000001
PERINATAL_DEMO_TEAM=00000000-0000-4000-8000-0000000000a1

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
