# shellcheck shell=bash
# scripts/lib/common.sh: Logging, failing and the root test every other part uses; sbin on PATH.
# Sourced by scripts/lib.sh (source that, not this).

# nginx, useradd and friends live in sbin, which a normal user's PATH lacks.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac

perinatal_log() { printf '[perinatal] %s\n' "$*" >&2; }
perinatal_die() {
    printf '[perinatal] error: %s\n' "$*" >&2
    exit 1
}
perinatal_is_root() { [[ $(id -u) -eq 0 ]]; }
