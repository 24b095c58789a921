#!/usr/bin/env bash
# Refuses functions that invite overflows or hidden shared state, in every C
# source and header under api/ and tests/ (tests included: they are copied
# from). As curl's checksrc does:
#   strcpy   unbounded copy: use snprintf or memcpy with a known length
#   sprintf  unbounded format: use snprintf (snprintf itself is fine)
#   atoi     no error or overflow report: use strtol and check end/errno
#   strtok   hidden static state, not thread-safe: use strtok_r or strcspn
#   gets     cannot be bounded at all: use fgets
# strtok_r is allowed: its state is the caller's, so it is reentrant and
# safe in the worker threads. A call is the name followed by "(" (so a
# comment that names one in prose without a parenthesis is not a hit).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
mapfile -d '' c_files < <("$repo/tests/lint/c-files.sh")
((${#c_files[@]} > 0)) || exit 1
banned='strcpy|sprintf|atoi|strtok|gets'
# The name must not be part of a longer identifier, so snprintf, vsnprintf,
# fgets and strtok_r do not match.
if grep -nHE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" "${c_files[@]}"; then
    echo "banned function(s) above: see tests/lint/banned.sh for what to use instead" >&2
    exit 1
fi
echo "banned functions: none in ${#c_files[@]} files"
