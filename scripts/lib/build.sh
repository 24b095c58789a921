# shellcheck shell=bash
# scripts/lib/build.sh: CMake builds: normal and ASan + UBSan.
# Sourced by scripts/lib.sh (source that, not this).

# perinatal_build <build-dir> [asan]
perinatal_build() {
    local dir=$1 kind=${2:-normal} args=()
    if [[ $kind == asan ]]; then
        # Same optimisation as the normal build by default (as the lead's
        # manual build-asan); PERINATAL_ASAN_BUILD_TYPE=Debug for -O0 reports.
        args=(-DCMAKE_BUILD_TYPE="${PERINATAL_ASAN_BUILD_TYPE:-RelWithDebInfo}" -DPERINATAL_SANITIZE=ON)
    else
        args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    fi
    perinatal_log "building $kind into ${dir#"$PERINATAL_REPO"/}"
    cmake -S "$PERINATAL_REPO" -B "$dir" "${args[@]}" >/dev/null
    cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)"
}
