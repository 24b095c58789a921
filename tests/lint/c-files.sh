#!/usr/bin/env bash
# Prints every C source and header under api/ and tests/, found recursively
# (so the lint checks follow files into subfolders), NUL-separated, sorted.
# Fails when there are none, so a check cannot pass by looking at nothing.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
found=$(find "$repo/api" "$repo/tests" -type f \( -name '*.c' -o -name '*.h' \) | wc -l)
if ((found == 0)); then
    echo "c-files.sh: no C files under $repo/api and $repo/tests" >&2
    exit 1
fi
find "$repo/api" "$repo/tests" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z
