#!/usr/bin/env bash
# tools/bench/syscall-overhead.sh: what syscall learning (--syscalls) costs
# every syscall of the host, side by side in one run.
#
# Times a loop of cheap syscalls (getppid, tools/bench/syscall_loop.cc) in
# four setups, alternated in rotated order each round so that drift cancels:
#   base         no driftwatch
#   dw           `driftwatch record` WITHOUT --syscalls (the default), loop in
#                the watched cgroup: the default must cost syscalls nothing
#   sys-other    `driftwatch record --syscalls`, loop in a cgroup NOT watched:
#                what every other process of the host pays
#   sys-watched  `driftwatch record --syscalls`, loop in the watched cgroup
# Prints ns per syscall (median of the loop's batches) per run, the median of
# the runs per setup, and each setup relative to base.
#
#   sudo bash tools/bench/syscall-overhead.sh
#
# Knobs (environment): ROUNDS=5, CALLS=200000 and BATCHES=15 (per run),
# DW=path to the driftwatch binary, LOOP=path to dw_syscall_loop (both built
# in build/ if missing), CPU=1 (the loop is pinned there; "" = not pinned),
# MODE=getppid or udp (the loop sends one-byte datagrams to 127.0.0.1:9
# instead: what the UDP hooks cost a watched process) or recv (a send and a
# recv of one byte over a unix datagram pair: what the receive hooks cost a
# server's reads) or exec (a fork, an exec of /bin/true and a wait: what the
# exec hook costs a program start; use CALLS=500 or so), DW_OTHER=path to
# another driftwatch binary (adds the setup dw-other: `record` by it, loop in
# the watched cgroup; e.g. an older build, side by side).
# Needs root and a cgroup v2 mount. Removes the cgroups and files it made on
# exit. Bounded: about ROUNDS x 4 x (1-3 s) in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-200000}
BATCHES=${BATCHES:-15}
DW=${DW:-$ROOT/build/tools/driftwatch}
LOOP=${LOOP:-$ROOT/build/tools/dw_syscall_loop}
CPU=${CPU-1}
MODE=${MODE:-getppid}
DW_OTHER=${DW_OTHER:-}
[ "$MODE" = getppid ] || [ "$MODE" = udp ] || [ "$MODE" = recv ] || [ "$MODE" = exec ] ||
  { echo "syscall-overhead: MODE is getppid, udp, recv or exec" >&2; exit 1; }
READY_TIMEOUT=30

die() { echo "syscall-overhead: $*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, cgroups)"
if [ ! -x "$DW" ] || [ ! -x "$LOOP" ]; then
  say "building driftwatch and dw_syscall_loop"
  cmake --build build -j2 --target driftwatch dw_syscall_loop >/dev/null
fi
CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG" ] || die "no cgroup2 mount"

REL=dwbench-syscalls-$$
WORK=$(mktemp -d /tmp/dw-syscall-bench.XXXXXX)
DW_PID=""
cleanup() {
  [ -n "$DW_PID" ] && kill "$DW_PID" 2>/dev/null && wait "$DW_PID" 2>/dev/null || true
  rmdir "$CG/$REL/watched" "$CG/$REL/other" "$CG/$REL" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$CG/$REL/watched" "$CG/$REL/other"

start_dw() {  # start_dw [--syscalls]: driftwatch record watching $REL/watched
  : >"$WORK/dw.log"
  "${DW_BIN:-$DW}" record --out "$WORK/trace.dwt" --cgroup "$REL/watched" "$@" 2>"$WORK/dw.log" &
  DW_PID=$!
  for _ in $(seq $((READY_TIMEOUT * 10))); do
    grep -q "ready:" "$WORK/dw.log" && return 0
    kill -0 "$DW_PID" 2>/dev/null || die "driftwatch exited: $(cat "$WORK/dw.log")"
    sleep 0.1
  done
  die "driftwatch not ready after ${READY_TIMEOUT}s"
}
stop_dw() {
  kill -INT "$DW_PID" && wait "$DW_PID" || true
  DW_PID=""
}

run_loop() {  # run_loop CGROUP: ns per syscall of one loop run inside CGROUP
  local pin=() mode=()
  [ -n "$CPU" ] && pin=(taskset -c "$CPU")
  [ "$MODE" = getppid ] || mode=("$MODE")
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG/$REL/$1" \
    "${pin[@]}" "$LOOP" "$CALLS" "$BATCHES" "${mode[@]}" | awk '{ print $2 }'
}

run_setup() {  # run_setup NAME: one run of a setup; prints its ns/syscall
  case "$1" in
    base) run_loop other ;;
    dw) start_dw; run_loop watched; stop_dw ;;
    sys-other) start_dw --syscalls; run_loop other; stop_dw ;;
    sys-watched) start_dw --syscalls; run_loop watched; stop_dw ;;
    dw-other) DW_BIN=$DW_OTHER start_dw; run_loop watched; stop_dw ;;
  esac
}

SETUPS=(base dw sys-other sys-watched)
[ -z "$DW_OTHER" ] || SETUPS+=(dw-other)
declare -A RESULTS
say "$ROUNDS rounds of ${SETUPS[*]}; $BATCHES x $CALLS $MODE per run; loop on CPU ${CPU:-any}"
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < ${#SETUPS[@]}; i++)); do
    s=${SETUPS[$(((i + r) % ${#SETUPS[@]}))]}
    ns=$(run_setup "$s")
    RESULTS[$s]="${RESULTS[$s]:-} $ns"
    printf 'round %d %-12s %8s ns/syscall\n' "$((r + 1))" "$s" "$ns"
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(echo "${RESULTS[base]}" | median)
echo
printf '%-12s %12s %10s %s\n' setup "ns/syscall" "x base" "runs"
for s in "${SETUPS[@]}"; do
  m=$(echo "${RESULTS[$s]}" | median)
  printf '%-12s %12s %10s %s\n' "$s" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" \
    "${RESULTS[$s]}"
done
