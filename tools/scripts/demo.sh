#!/usr/bin/env bash
# tools/scripts/demo.sh: driftwatch's main job, end to end, on this machine.
#
# Installs and builds, starts a small real workload in its own cgroup, learns
# its baseline live, makes it do three new things (run a new program, read a
# credential file, connect to a new peer) and prints the findings. Where eBPF
# cannot be loaded it says why and replays the traces in testdata/ instead.
#
#   bash tools/scripts/demo.sh                    the demo
#   bash tools/scripts/demo.sh --record-testdata  re-record testdata/demo-*.dwt
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

bash tools/scripts/install-deps.sh
bash tools/scripts/build.sh >/dev/null
DW=$ROOT/build/tools/driftwatch
WORKLOAD_BIN=$ROOT/build/tools/dw_test_workload

WORK=$(mktemp -d /tmp/driftwatch-demo.XXXXXX)
DB=$WORK/demo.db
MODE=${1:-demo}
CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo 2>/dev/null || true)
CG_REL=driftwatch-demo-$$
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$CG_MOUNT" ] && [ -d "$CG_MOUNT/$CG_REL" ]; then
    # Move anything left back to the root before removing the cgroups.
    for f in "$CG_MOUNT/$CG_REL"/*/cgroup.procs; do
      [ -f "$f" ] && while read -r p; do echo "$p" >"$CG_MOUNT/cgroup.procs" 2>/dev/null || true; done <"$f"
    done
    rmdir "$CG_MOUNT/$CG_REL"/* "$CG_MOUNT/$CG_REL" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

replay() {
  say "replaying the recorded demo traces from testdata/ instead"
  "$DW" train --db "$DB" --trace testdata/demo-train.dwt
  "$DW" workloads --db "$DB"
  say "findings on testdata/demo-drift.dwt"
  "$DW" detect --db "$DB" --trace testdata/demo-drift.dwt --format text
  say "the same findings as JSON lines (for programs)"
  "$DW" findings --db "$DB" --format jsonl
}

if [ "$(id -u)" -ne 0 ] || [ -z "$CG_MOUNT" ]; then
  echo "driftwatch demo: live eBPF needs root and a cgroup v2 mount" \
       "(uid $(id -u), cgroup2 mount: ${CG_MOUNT:-none})" >&2
  replay
  exit 0
fi

# The workload: a shell loop that reads its config, writes its log, and serves
# a loopback port to itself, every half second. Real processes, own cgroup.
PORT=$(( 20000 + $$ % 20000 ))
PEER_PORT=$(( PORT + 1 ))
APP=$WORK/app
mkdir -p "$APP" "$CG_MOUNT/$CG_REL/app"
echo "greeting=hello" >"$APP/app.conf"
cat >"$APP/run.sh" <<SH
#!/bin/sh
echo \$\$ > $CG_MOUNT/$CG_REL/app/cgroup.procs
while true; do
  cat $APP/app.conf > /dev/null
  date >> $APP/app.log
  $WORKLOAD_BIN --serve $PORT
  sleep 0.5
done
SH
chmod +x "$APP/run.sh"

# Something new inside the workload's cgroup, as an intruder would do it.
drift() {
  sh -c "echo \$\$ > $CG_MOUNT/$CG_REL/app/cgroup.procs; whoami >/dev/null; cat /etc/shadow >/dev/null; $WORKLOAD_BIN --connect $PEER_PORT"
}

# A peer the workload never talks to in training (outside the cgroup).
"$WORKLOAD_BIN" --serve-forever "$PEER_PORT" &
PIDS+=($!)

# Waits until a live driftwatch command logged its "ready" line.
wait_ready() {
  for _ in $(seq 1 100); do grep -q "ready" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

if [ "$MODE" = "--record-testdata" ]; then
  say "recording testdata/demo-train.dwt (10 s of normal behaviour)"
  "$APP/run.sh" & PIDS+=($!)
  "$DW" record --out testdata/demo-train.dwt --cgroup "$CG_REL" --duration 10
  say "recording testdata/demo-drift.dwt (normal behaviour, then drift)"
  "$DW" record --out testdata/demo-drift.dwt --cgroup "$CG_REL" --duration 6 2>"$WORK/rec.log" &
  REC=$!
  wait_ready "$WORK/rec.log"
  sleep 2; drift; wait $REC
  exit 0
fi

say "starting the workload in cgroup $CG_REL/app"
"$APP/run.sh" & PIDS+=($!)
sleep 0.2

say "learning its baseline live for 10 seconds"
if ! "$DW" train --db "$DB" --live --cgroup "$CG_REL" --duration 10 2>"$WORK/train.log"; then
  cat "$WORK/train.log" >&2
  echo "driftwatch demo: eBPF could not be loaded here: $(tail -n 1 "$WORK/train.log")" >&2
  replay
  exit 0
fi
cat "$WORK/train.log" >&2
"$DW" workloads --db "$DB"

say "watching for drift; the workload now runs whoami, reads /etc/shadow and connects to port $PEER_PORT"
"$DW" detect --db "$DB" --live --cgroup "$CG_REL" --duration 5 --format text 2>"$WORK/detect.log" &
DET=$!
wait_ready "$WORK/detect.log"
sleep 1
drift
wait $DET || { cat "$WORK/detect.log" >&2; exit 1; }

say "the stored findings as JSON lines (for programs)"
"$DW" findings --db "$DB" --format jsonl
