# shellcheck shell=bash
# scripts/lib/users.sh: The run user and the state directory: running as that user, reaching
# the state dir through its parents, the directory tree and its owners.
# Sourced by scripts/lib.sh (source that, not this).

# Runs a command as the run user, from the state dir (the user may not be
# able to enter the caller's working directory). setpriv execs without
# forking, so `perinatal_as_user cmd &` gives cmd's own pid in $!.
perinatal_as_user() {
    cd "$PERINATAL_STATE_DIR" || return 1
    # What the services create (logs, temp files) is not world-readable:
    # logs can hold identifiers and request ids.
    umask 027
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
    perinatal_secure_logs
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

# Logs are for the run user (and its group) only: the folder 0750, the files
# 0640. Also mends files made by an earlier version (0644 in a 0755 folder).
perinatal_secure_logs() {
    mkdir -p "$PERINATAL_LOG_DIR"
    chmod 0750 "$PERINATAL_LOG_DIR"
    find "$PERINATAL_LOG_DIR" -maxdepth 1 -type f -perm /0027 -exec chmod g-w,o-rwx {} +
}
