# syntax=docker/dockerfile:1.4
# Images for docker-compose.yml (targets `app` and `nginx`); the same Debian
# 12 packages as the local scripts. Nothing secret is baked in: the TLS
# certificate is made when the nginx container starts, the JWT key pair by
# the compose `keys` service, both into volumes.

# --- build: compile perinatal-api and perinatal-token ---------------------
FROM debian:12 AS build
# python3: the CMake configuration of tests/ looks for it (no test runs here).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
        libfcgi-dev libjson-c-dev libjwt-dev libcmocka-dev libpq-dev libssl-dev python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j"$(nproc)" --target perinatal-api perinatal-token \
 && strip --strip-debug build/perinatal-api build/perinatal-token

# --- app: the FastCGI server ------------------------------------------------
FROM debian:12-slim AS app
# Runtime libraries only (libfcgi from bookworm-security: CVE-2025-23016 is
# fixed in 2.4.2-2+deb12u1); openssl for the `keys` service; libfcgi-bin's
# cgi-fcgi for the health check; tzdata for England's clinical day (the
# server refuses to start without Europe/London).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libfcgi0ldbl libfcgi-bin libjson-c5 libjwt0 \
        libpq5 libssl3 openssl ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && dpkg --compare-versions "$(dpkg-query -W -f='${Version}' libfcgi0ldbl)" ge 2.4.2-2+deb12u1 \
 && useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin perinatal \
 && install -d -o perinatal -g perinatal -m 0755 /keys
COPY --from=build /src/build/perinatal-api /src/build/perinatal-token /usr/local/bin/
USER perinatal
# FastCGI over TCP: reachable only on the compose backend network.
ENV PERINATAL_LISTEN=0.0.0.0:9000
EXPOSE 9000
# Migrations first (idempotent), then the server in the foreground, without
# the schema owner's conninfo: the serving process holds only the app role's
# (which cannot change the schema nor disable the audit trail's triggers).
CMD ["sh", "-c", "perinatal-api migrate && exec env -u PERINATAL_MIGRATE_DATABASE_URL perinatal-api"]

# --- docs: the contract rendered to one static page (served at /docs/) ------
# The pinned Redocly needs Node.js 20.19 or later (Debian 12 has 18), so this
# build stage only uses the official Node image; nothing of it ships but the
# page. Same script as the local stack (tools/openapi-docs.sh).
FROM node:20-bookworm-slim AS docs
WORKDIR /src
COPY tools/package.json tools/package-lock.json tools/redocly.yaml tools/openapi-docs.sh tools/
COPY openapi/openapi.yaml openapi/
RUN tools/openapi-docs.sh /docs

# --- nginx: TLS front end, config rendered from the template at start -------
FROM debian:12-slim AS nginx
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light openssl gettext-base ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin perinatal \
 && install -d -o perinatal -g perinatal -m 0755 /tls /var/lib/perinatal-nginx
COPY nginx/nginx.conf.template /etc/perinatal/nginx.conf.template
# nginx.conf.template serves /docs/ from $PERINATAL_NGINX_DIR/docs/.
COPY --from=docs /docs/index.html /var/lib/perinatal-nginx/docs/index.html
COPY --chmod=0755 <<'SH' /usr/local/bin/perinatal-nginx
#!/bin/sh
# Renders the template with the variables below (and only those), makes a
# self-signed certificate if none is mounted, and runs nginx in the foreground.
set -eu
dir=/var/lib/perinatal-nginx
port=${PERINATAL_HTTPS_PORT:-8443}
export PERINATAL_NGINX_DIR="$dir"
export PERINATAL_NGINX_ERROR_LOG=/dev/stderr
export PERINATAL_NGINX_ACCESS_LOG="${PERINATAL_NGINX_ACCESS_LOG:-/dev/stdout perinatal}"
export PERINATAL_NGINX_LISTEN="listen $port ssl http2;"
if [ -e /proc/net/if_inet6 ]; then
    export PERINATAL_NGINX_LISTEN="$PERINATAL_NGINX_LISTEN listen [::]:$port ssl http2;"
fi
export PERINATAL_TLS_CERT="${PERINATAL_TLS_CERT:-/tls/cert.pem}"
export PERINATAL_TLS_KEY="${PERINATAL_TLS_KEY:-/tls/key.pem}"
export PERINATAL_UPSTREAM_SERVERS="${PERINATAL_UPSTREAM_SERVERS:-server app:9000;}"
export PERINATAL_RATE_LIMIT="${PERINATAL_RATE_LIMIT:-200r/s}"
export PERINATAL_RATE_BURST="${PERINATAL_RATE_BURST:-400}"
if [ ! -s "$PERINATAL_TLS_CERT" ] || ! openssl x509 -in "$PERINATAL_TLS_CERT" -noout -checkend 2592000 >/dev/null 2>&1; then
    echo "perinatal-nginx: generating a self-signed certificate for localhost" >&2
    (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -nodes -sha256 -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" \
        -keyout "$PERINATAL_TLS_KEY" -out "$PERINATAL_TLS_CERT" 2>/dev/null)
    chmod 0644 "$PERINATAL_TLS_CERT"
fi
for d in body fastcgi proxy scgi uwsgi; do mkdir -p "$dir/tmp/$d"; done
envsubst '${PERINATAL_NGINX_DIR} ${PERINATAL_NGINX_ERROR_LOG} ${PERINATAL_NGINX_ACCESS_LOG} ${PERINATAL_NGINX_LISTEN} ${PERINATAL_TLS_CERT} ${PERINATAL_TLS_KEY} ${PERINATAL_UPSTREAM_SERVERS} ${PERINATAL_RATE_LIMIT} ${PERINATAL_RATE_BURST}' \
    </etc/perinatal/nginx.conf.template >"$dir/nginx.conf"
exec nginx -p "$dir" -c "$dir/nginx.conf" -e /dev/stderr -g 'daemon off;'
SH
USER perinatal
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/perinatal-nginx"]
