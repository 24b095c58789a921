# shellcheck shell=bash
# scripts/lib/fuzz.sh: Fuzzing: the libFuzzer targets of tests/fuzz, under ASan + UBSan.
# Sourced by scripts/lib.sh (source that, not this).

PERINATAL_FUZZ_TARGETS=(fuzz_body fuzz_token)

# perinatal_fuzz_build <build-dir>: clang, ASan + UBSan, the fuzz targets only
# (not the server or the other tests, to keep the step short).
perinatal_fuzz_build() {
    local dir=$1
    perinatal_log "building the fuzz targets into ${dir#"$PERINATAL_REPO"/}"
    CC=clang cmake -S "$PERINATAL_REPO" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPERINATAL_FUZZ=ON -DPERINATAL_SANITIZE=ON >/dev/null
    cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target "${PERINATAL_FUZZ_TARGETS[@]}"
}

# perinatal_fuzz_run <build-dir> <seconds>: runs every target at once for
# <seconds>, each from a scratch copy of its seeds (tests/fuzz/corpus/<name>)
# under $PERINATAL_STATE_DIR/fuzz, so the committed corpus never changes.
# Non-zero when a target crashed, hung (-timeout), ran out of memory, leaked
# or had a sanitizer report; the input that did it is named in the log line.
perinatal_fuzz_run() {
    local dir=$1 secs=$2 work=$PERINATAL_STATE_DIR/fuzz t rc failed=0
    local -A pids=()
    rm -rf "$work"
    for t in "${PERINATAL_FUZZ_TARGETS[@]}"; do
        local name=${t#fuzz_} bin=$dir/tests/fuzz/$t
        [[ -x $bin ]] || perinatal_die "$bin not built"
        mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
        cp "$PERINATAL_REPO/tests/fuzz/corpus/$name/"* "$work/$t/corpus/"
        local args=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
            -artifact_prefix="$work/$t/artifacts/")
        [[ -f $PERINATAL_REPO/tests/fuzz/$name.dict ]] && args+=(-dict="$PERINATAL_REPO/tests/fuzz/$name.dict")
        perinatal_log "fuzzing $t for ${secs}s"
        # Every report is fatal, so libFuzzer saves the input; timeout(1) is
        # only a backstop for a target that stops answering altogether.
        ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
            timeout -k 10 $((secs + 60)) "$bin" "${args[@]}" "$work/$t/corpus" >"$work/$t.log" 2>&1 &
        pids[$t]=$!
    done
    for t in "${PERINATAL_FUZZ_TARGETS[@]}"; do
        rc=0
        wait "${pids[$t]}" || rc=$?
        local log=$work/$t.log found=()
        local f
        for f in "$work/$t/artifacts/"*; do [[ -e $f ]] && found+=("$f"); done
        if ((rc == 0 && ${#found[@]} == 0)) &&
            ! grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
            perinatal_log "$t: clean, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") inputs"
            continue
        fi
        failed=1
        tail -n 40 "$log" >&2
        perinatal_log "$t FAILED (exit $rc); log $log"
        for f in "${found[@]}"; do
            perinatal_log "$t crash input: $f (replay: $dir/tests/fuzz/$t $f)"
        done
        ((${#found[@]})) || perinatal_log "$t saved no input (timeout(1) stopped it, or see the log)"
    done
    return "$failed"
}
