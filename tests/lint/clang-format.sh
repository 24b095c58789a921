#!/usr/bin/env bash
# Every C source and header under api/ and tests/ is formatted as the
# committed .clang-format says; prints the differences and fails otherwise.
# Fix with: clang-format -i <file>
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
mapfile -d '' c_files < <("$repo/tests/lint/c-files.sh")
((${#c_files[@]} > 0)) || exit 1
cd "$repo" # clang-format finds .clang-format from the file's directory upwards
clang-format --dry-run -Werror "${c_files[@]}"
echo "clang-format: ${#c_files[@]} files clean"
