#!/usr/bin/env bash
# scripts/lib/packages.sh installs every program the tests call, so that
# scripts/test works on a fresh Debian 12 machine; and, with packages
# missing, a normal user without sudo is told what to run as root instead of
# failing on "sudo: command not found".
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# shellcheck source=/dev/null
source "$repo/scripts/lib.sh"
# Programs the tests run, and the package that brings each.
for pair in clang-format:clang-format cppcheck:cppcheck systemd-analyze:systemd \
    docker-compose:docker-compose wrk:wrk python3:python3 clang:clang curl:curl; do
    pkg=${pair#*:}
    printf '%s\n' "${PERINATAL_APT_PACKAGES[@]}" | grep -qx "$pkg" ||
        { echo "packages.sh does not install $pkg (for ${pair%%:*})" >&2; fail=1; }
done

# No sudo, not root, a package missing: exit 1 naming the apt-get command.
ln -s "$(command -v dpkg-query)" "$tmp/dpkg-query"
# shellcheck disable=SC2016  # expanded by the inner shell
if out=$("$BASH" -c '
        source "$1/scripts/lib.sh"
        perinatal_is_root() { false; }
        PERINATAL_APT_PACKAGES=(perinatal-no-such-package)
        PATH=$2
        perinatal_ensure_packages' _ "$repo" "$tmp" 2>&1); then
    echo "no sudo: perinatal_ensure_packages succeeded" >&2
    fail=1
elif ! grep -q "no sudo here" <<<"$out" ||
    ! grep -q "apt-get install --no-install-recommends perinatal-no-such-package" <<<"$out"; then
    echo "no sudo: not told what to run as root: $out" >&2
    fail=1
fi
exit "$fail"
