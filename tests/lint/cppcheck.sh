#!/usr/bin/env bash
# cppcheck over every C source under api/ and tests/ (warning, style,
# performance and portability checks); any finding fails. A deliberate
# exception is marked in the code with // cppcheck-suppress <id> and a reason.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
mapfile -d '' c_files < <("$repo/tests/lint/c-files.sh")
((${#c_files[@]} > 0)) || exit 1
sources=()
for f in "${c_files[@]}"; do
    [[ $f == *.c ]] && sources+=("$f")
done
# Every folder of api/ is an include directory, as the build's are.
includes=()
while IFS= read -r -d '' d; do
    includes+=(-I "$d")
done < <(find "$repo/api" -type d -print0 | sort -z)
cppcheck --error-exitcode=1 --quiet --std=c11 --enable=warning,style,performance,portability \
    --inline-suppr "${includes[@]}" "${sources[@]}"
echo "cppcheck: ${#sources[@]} files clean"
