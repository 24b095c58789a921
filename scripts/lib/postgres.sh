# shellcheck shell=bash
# scripts/lib/postgres.sh: PostgreSQL: the cluster, its settings, start and stop, roles, the
# database, migrations and demo data.
# Sourced by scripts/lib.sh (source that, not this).

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
