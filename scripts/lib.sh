# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
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
#
# The functions live in scripts/lib/, one file per concern, sourced here in
# this order (a part calls others only when run, so the order matters only
# for the settings defined at source time):
#   common    logging, failing, root test, PATH
#   config    settings and the environment tests get
#   packages  Debian packages, npm tools
#   build     CMake builds
#   fuzz      libFuzzer targets
#   users     the run user and the state directory
#   keys      token key pair and TLS certificate
#   postgres  the cluster, roles, database, migrations
#   process   pid files, stopping processes
#   app       perinatal-api
#   nginx     nginx
#   stack     the whole stack
# Callers source this file only.

PERINATAL_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=lib/common.sh
source "$PERINATAL_REPO/scripts/lib/common.sh"
# shellcheck source=lib/config.sh
source "$PERINATAL_REPO/scripts/lib/config.sh"
# shellcheck source=lib/packages.sh
source "$PERINATAL_REPO/scripts/lib/packages.sh"
# shellcheck source=lib/build.sh
source "$PERINATAL_REPO/scripts/lib/build.sh"
# shellcheck source=lib/fuzz.sh
source "$PERINATAL_REPO/scripts/lib/fuzz.sh"
# shellcheck source=lib/users.sh
source "$PERINATAL_REPO/scripts/lib/users.sh"
# shellcheck source=lib/keys.sh
source "$PERINATAL_REPO/scripts/lib/keys.sh"
# shellcheck source=lib/postgres.sh
source "$PERINATAL_REPO/scripts/lib/postgres.sh"
# shellcheck source=lib/process.sh
source "$PERINATAL_REPO/scripts/lib/process.sh"
# shellcheck source=lib/app.sh
source "$PERINATAL_REPO/scripts/lib/app.sh"
# shellcheck source=lib/nginx.sh
source "$PERINATAL_REPO/scripts/lib/nginx.sh"
# shellcheck source=lib/stack.sh
source "$PERINATAL_REPO/scripts/lib/stack.sh"
