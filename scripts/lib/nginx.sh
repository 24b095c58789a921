# shellcheck shell=bash
# scripts/lib/nginx.sh: nginx: the config rendered from its template, start, reload and stop.
# Sourced by scripts/lib.sh (source that, not this).

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

# The docs page nginx serves at /docs/ (nginx/nginx.conf.template):
# openapi/openapi.yaml rendered by tools/openapi-docs.sh into
# $PERINATAL_NGINX_DIR/docs/index.html, again only when the document or the
# script changed since. A failure is reported and leaves the API up (/docs/
# then answers 404 until the next start).
perinatal_docs() {
    local page=$PERINATAL_NGINX_DIR/docs/index.html
    if [[ -s $page && $page -nt $PERINATAL_REPO/openapi/openapi.yaml &&
        $page -nt $PERINATAL_REPO/tools/openapi-docs.sh ]]; then
        return 0
    fi
    perinatal_log "rendering the API docs page (tools/openapi-docs.sh)"
    "$PERINATAL_REPO/tools/openapi-docs.sh" "$PERINATAL_NGINX_DIR/docs" 2>"$PERINATAL_LOG_DIR/docs.log" ||
        perinatal_log "warning: the docs page was not rendered (see ${PERINATAL_LOG_DIR#"$PERINATAL_REPO"/}/docs.log)"
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
    perinatal_docs
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

# nginx creates its logs 0644 less the umask; made here 0640 for the run user.
perinatal_nginx_log_files() {
    local f
    for f in "$PERINATAL_LOG_DIR/nginx-error.log" "$PERINATAL_LOG_DIR/nginx-access.log"; do
        touch "$f"
        chmod 0640 "$f"
        if perinatal_is_root; then chown "$PERINATAL_RUN_USER:" "$f"; fi
    done
}

perinatal_nginx_start() {
    perinatal_nginx_log_files
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
