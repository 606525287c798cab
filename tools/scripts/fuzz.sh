#!/usr/bin/env bash
# tools/scripts/fuzz.sh: builds the libFuzzer targets with clang-14 into build-fuzz and
# runs each for FUZZ_SECONDS (default 45) from its seed corpus,
# tools/fuzz/corpus/<target>/ (seeds, and every input that once crashed it as
# regression-*: those run first, so an old crash fails at once). A crash, leak
# or timeout fails the script; the input is kept in build-fuzz/fuzz-artifacts/
# and belongs, once fixed, in the corpus as regression-<what>.
# Usage: bash tools/scripts/fuzz.sh [TARGET...]   (default: all five)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-45}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
ALL=(trace_reader_fuzz decode_fuzz config_fuzz http_request_fuzz fingerprint_json_fuzz)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

for t in "${TARGETS[@]}"; do
  if [ ! -d "tools/fuzz/corpus/$t" ]; then
    echo "fuzz: unknown target $t (want one of ${ALL[*]})" >&2
    exit 2
  fi
done
cmake -S . -B "$BUILD" -DDW_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DDW_BUILD_TESTS=OFF -DDW_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}"

work=$(mktemp -d /tmp/dw-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts="$BUILD/fuzz-artifacts"
mkdir -p "$artifacts"
failed=()
printf '%-24s %8s %12s %10s %8s  %s\n' target seconds executions exec/s corpus result
for t in "${TARGETS[@]}"; do
  bin=$(find "$BUILD" -name "$t" -type f -perm -u+x | head -n1)
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # New inputs go to the scratch directory (first); the corpus is only read.
  set +e
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "$work/$t" "tools/fuzz/corpus/$t" \
    >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  corpus=$(( $(ls "$work/$t" | wc -l) + $(ls "tools/fuzz/corpus/$t" | wc -l) ))
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (exit $rc; input in $artifacts)"
    failed+=("$t")
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -n 20 >&2 || true
  fi
  printf '%-24s %8s %12s %10s %8s  %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed" >&2
  exit 1
fi
