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
        echo "# No personal data in the server log: a slow statement's parameters"
        echo "# and an error's DETAIL (\"Key (nhs_number)=(...) already exists\") are"
        echo "# left out."
        echo "log_parameter_max_length = 0"
        echo "log_parameter_max_length_on_error = 0"
        echo "log_error_verbosity = terse"
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

# perinatal_backup [FILE]: a consistent logical copy of the application
# database (pg_dump, custom format: schema, every row including the audit
# trail, grants), 0600 in a 0700 folder. Taken in one snapshot while the
# stack serves; prints the file name.
perinatal_backup() {
    local file=${1:-$PERINATAL_STATE_DIR/backups/perinatal-$(date -u +%Y%m%dT%H%M%SZ).dump}
    perinatal_pg_running || perinatal_die "PostgreSQL is not running"
    mkdir -p "$(dirname "$file")"
    [[ $file != "$PERINATAL_STATE_DIR/backups/"* ]] || chmod 0700 "$(dirname "$file")"
    (umask 077 && pg_dump --format=custom --compress=6 --file="$file.tmp" \
        "host=$PERINATAL_SOCK_DIR port=$PERINATAL_PG_PORT dbname=perinatal user=postgres") ||
        { rm -f "$file.tmp"; perinatal_die "pg_dump failed"; }
    mv "$file.tmp" "$file"
    perinatal_log "backup of database perinatal written to $file ($(du -h "$file" | cut -f1))"
    printf '%s\n' "$file"
}

# perinatal_restore FILE: replaces the application database with the backup.
# The cluster is made and started if needed (a fresh machine); roles are
# made as by perinatal_db_setup; the application, if running, is stopped
# during the restore and started again after. One transaction: a failed
# restore leaves an empty database, never a half-restored one.
perinatal_restore() {
    local file=$1 was_running=0
    [[ -f $file ]] || perinatal_die "no backup at $file"
    pg_restore --list "$file" >/dev/null || perinatal_die "$file is not a pg_dump custom-format file"
    perinatal_setup
    if perinatal_app_running; then
        was_running=1
        perinatal_app_stop
    fi
    perinatal_log "restoring $file into database perinatal"
    perinatal_db_drop
    perinatal_db_setup
    pg_restore --exit-on-error --single-transaction --dbname \
        "host=$PERINATAL_SOCK_DIR port=$PERINATAL_PG_PORT dbname=perinatal user=postgres" "$file" ||
        perinatal_die "pg_restore failed; the database is empty"
    # A backup from an older version is brought up to this one.
    perinatal_migrate
    psql -X -q -v ON_ERROR_STOP=1 "$PERINATAL_ADMIN_DB_URL" -c 'SELECT 1' >/dev/null
    if ((was_running)); then
        perinatal_app_start
        perinatal_wait_ready 60
    fi
    perinatal_log "restored"
}
