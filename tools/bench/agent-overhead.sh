#!/usr/bin/env bash
# tools/bench/agent-overhead.sh: what the driftwatch agent costs a real server.
#
# Serves a small static file with nginx (Debian's, own config, own cgroup) and
# loads it with wrk over loopback (nginx opens the file for every request),
# alternating four setups in rotated order (ABCD, BCDA, ...) so that drift
# cancels out:
#   base      no BPF attached
#   agent     `driftwatch agent` in mode auto watching the nginx cgroup, which
#             it learned in a warm-up run (not counted) and now monitors, with
#             the kernel verdict cache on (falls back to `driftwatch record
#             --out FILE --cgroup ...` while the binary has no agent command;
#             the report says which ran)
#   nocache   the same agent with --no-verdict-cache: every event goes up
#   bpftrace  a bpftrace script that only counts the same tracepoints
#   prev      (only when listed in SETUPS) the agent of another driftwatch
#             binary, DW_PREV, with the cache on: a change's ratio to the code
#             before it, side by side in one run
# Prints requests/s per run, the medians, each setup relative to base, and CPU
# per request: nginx's cgroup (BPF programs run in nginx's context and are
# charged there) and the agent's own process (utime+stime from /proc/PID/stat).
# Then one more run of each tool with kernel.bpf_stats_enabled=1 (restored
# after) gives the time spent in its BPF programs per call and per request
# (BPF_STATS=0 skips it).
#
#   sudo bash tools/bench/agent-overhead.sh
#
# Knobs (environment): DURATION=10 (s per run), ROUNDS=3, THREADS=2, CONNS=32
# (wrk), SETUPS="base agent nocache bpftrace" (which to alternate; base first
# for the ratios), TRAFFIC=keepalive|close (close: a new connection per request, so an
# accept per request on top of nginx's open of the file), WORKERS=1 (nginx worker_processes), ACCESS_LOG=off|on, DW=path to the
# driftwatch binary (default build/tools/driftwatch, built if missing), DW_PREV=path to the
# binary of setup prev,
# NICE=-10: the niceness of nginx, wrk and the tool alike, and of this
# session's scheduler autogroup (restored on exit), so that other programs on a
# shared machine disturb the runs less (0 = as started). The column other_cpu%
# shows how much CPU they still took.
# Needs root, a cgroup v2 mount and tracefs (mounted if missing, unmounted
# after); installs nginx-light, wrk, bpftrace and bpftool from Debian when
# missing. Removes every process, cgroup and file it made on exit. Bounded:
# each run is DURATION s plus start-up, about 3.5 min in all with the defaults.
# The report ends with each setup's ratio to base and, per agent setup, the
# records that reached user space per 100 hooked calls (/metrics).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
WORKERS=${WORKERS:-1}
ACCESS_LOG=${ACCESS_LOG:-off}
TRAFFIC=${TRAFFIC:-keepalive}
DW=${DW:-$ROOT/build/tools/driftwatch}
NICE=${NICE:--10}
READY_TIMEOUT=30  # s to wait for a tool to attach its programs

die() { echo "agent-overhead: $*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, cgroups, nginx on a port)"
case "$ACCESS_LOG" in on|off) ;; *) die "ACCESS_LOG must be on or off" ;; esac
case "$TRAFFIC" in
  keepalive) WRK_HEADERS=() ;;
  close) WRK_HEADERS=(-H "Connection: close") ;;
  *) die "TRAFFIC must be keepalive or close" ;;
esac

need() {  # need COMMAND PACKAGE: installs PACKAGE from Debian when COMMAND is missing
  command -v "$1" >/dev/null && return 0
  say "installing $2"
  apt-get install -y -q "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; } ||
    die "could not install $2"
}
need nginx nginx-light
need wrk wrk
need bpftrace bpftrace
need curl curl
need bpftool bpftool
if [ ! -x "$DW" ]; then
  say "building driftwatch"
  bash tools/scripts/build.sh >/dev/null
fi
case " ${SETUPS:-} " in
  *" prev "*) [ -x "${DW_PREV:-}" ] || die "setup prev needs DW_PREV=path to another driftwatch binary" ;;
esac

CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_MOUNT" ] || die "no cgroup2 mount in /proc/self/mountinfo"
CG_TOP=$CG_MOUNT/driftwatch-bench-$$
CG_REL=driftwatch-bench-$$/nginx
CG=$CG_MOUNT/$CG_REL
CG_WRK=$CG_TOP/wrk  # wrk's own cgroup: its CPU time is read from there
WORK=$(mktemp -d /tmp/driftwatch-bench.XXXXXX)
chmod 755 "$WORK"  # nginx workers run as nobody and read $WORK/www
MOUNTED_TRACEFS=0
AUTOGROUP_NICE=""  # this session's autogroup nice before the script changed it
BPF_STATS_WAS=""   # kernel.bpf_stats_enabled before the script changed it
NGINX_PID=""
TOOL_PID=""

cleanup() {
  set +e
  [ -n "$TOOL_PID" ] && kill "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  # Anything left in our cgroups is killed, then the cgroups are removed.
  for c in "$CG" "$CG_WRK"; do
    [ -d "$c" ] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pids=$(cat "$c/cgroup.procs" 2>/dev/null)
      [ -z "$pids" ] && break
      # shellcheck disable=SC2086  # one argument per pid
      kill -KILL $pids 2>/dev/null
      sleep 0.1
    done
    rmdir "$c"
  done
  [ -d "$CG_TOP" ] && rmdir "$CG_TOP"
  [ "$MOUNTED_TRACEFS" = 1 ] && umount /sys/kernel/tracing
  [ -n "$AUTOGROUP_NICE" ] && echo "$AUTOGROUP_NICE" >/proc/$$/autogroup
  [ -n "$BPF_STATS_WAS" ] && echo "$BPF_STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# With autogroup scheduling, niceness only counts within a session: other
# sessions' programs get their share whatever nginx's nice is. Raising this
# session's autogroup gives the benchmark the machine.
if [ "$NICE" != 0 ] && [ -w /proc/$$/autogroup ]; then
  AUTOGROUP_NICE=$(awk '{ print $3 }' /proc/$$/autogroup)
  echo "$NICE" >/proc/$$/autogroup || AUTOGROUP_NICE=""
fi

# bpftrace's tracepoint: probes need tracefs at /sys/kernel/tracing.
if ! grep -q ' /sys/kernel/tracing .* - tracefs ' /proc/self/mountinfo; then
  mount -t tracefs nodev /sys/kernel/tracing || die "cannot mount tracefs at /sys/kernel/tracing"
  MOUNTED_TRACEFS=1
fi

free_port() {  # free_port FIRST: the first port from FIRST on that nobody listens on
  local p
  for ((p = $1; p < $1 + 500; p++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port from $1"
}
PORT=$(free_port $((18000 + $$ % 10000)))
API_PORT=$(free_port $((PORT + 1)))
URL=http://127.0.0.1:$PORT/index.html

# --- nginx: its own config, prefix and cgroup -----------------------------------
mkdir -p "$WORK/www" "$WORK/tmp" "$CG" "$CG_WRK"
head -c 1536 /dev/urandom | base64 -w 76 >"$WORK/www/index.html"  # ~2 KiB static file
chmod 644 "$WORK/www/index.html"
if [ "$ACCESS_LOG" = on ]; then LOG_LINE="access_log $WORK/access.log;"; else LOG_LINE="access_log off;"; fi
cat >"$WORK/nginx.conf" <<EOF
worker_processes $WORKERS;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  $LOG_LINE
  sendfile on;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
  }
}
EOF
nice -n "$NICE" sh -c 'echo $$ >"$1/cgroup.procs" && exec nginx -e "$2/error.log" -c "$2/nginx.conf"' sh "$CG" "$WORK" &
NGINX_PID=$!
for _ in $(seq 1 50); do
  curl -sf -o /dev/null "$URL" && break
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(tail -n 3 "$WORK/error.log")"
  sleep 0.1
done
curl -sf -o /dev/null "$URL" || die "nginx does not answer on $URL"
NGINX_PROCS=$(wc -l <"$CG/cgroup.procs")

# --- the three setups -----------------------------------------------------------
if "$DW" --help 2>&1 | grep -qE '^[[:space:]]+agent([[:space:]]|$)'; then
  AGENT_KIND=agent
  AGENT_DESC="driftwatch agent (mode auto, cgroups [$CG_REL])"
else
  AGENT_KIND=record
  AGENT_DESC="driftwatch record --out FILE --cgroup $CG_REL (stand-in: this binary has no agent command)"
fi
cat >"$WORK/agent.yaml" <<EOF
database: $WORK/agent.db
mode: auto
cgroups: ["$CG_REL"]
learning:
  # Short, so that the first agent run learns nginx and later runs score it.
  min_duration: 2s
  quiet_period: 2s
  max_duration: 5s
  checkpoint: 5s
api:
  listen: 127.0.0.1:$API_PORT
outputs:
  jsonl_file: $WORK/findings.jsonl
EOF
# One block for every tracepoint driftwatch's BPF programs attach to (bpf/*.bpf.c);
# each probe only bumps a per-probe counter. The interval probe says when it runs.
cat >"$WORK/count.bt" <<'EOF'
tracepoint:sched:sched_process_exec,
tracepoint:sched:sched_process_fork,
tracepoint:sched:sched_process_exit,
tracepoint:sock:inet_sock_set_state,
tracepoint:syscalls:sys_exit_openat,
tracepoint:syscalls:sys_exit_openat2,
tracepoint:syscalls:sys_exit_open,
tracepoint:syscalls:sys_exit_creat,
tracepoint:syscalls:sys_exit_accept,
tracepoint:syscalls:sys_exit_accept4,
tracepoint:syscalls:sys_enter_sendto,
tracepoint:syscalls:sys_enter_sendmsg,
tracepoint:syscalls:sys_enter_sendmmsg,
tracepoint:syscalls:sys_enter_connect
{ @[probe] = count(); }
interval:ms:200 { if (@ready == 0) { printf("ready\n"); @ready = 1; } }
EOF

# Live driftwatch commands log "ready: N/M hooks attached" once their programs
# are attached; the bpftrace script prints "ready" once its probes fire.
wait_ready() {  # wait_ready LOG PID: until LOG has the word "ready"
  local i
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    grep -qw ready "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "$(basename "$1" .log) exited: $(tail -n 5 "$1")"
    sleep 0.1
  done
  die "$(basename "$1" .log) not ready after ${READY_TIMEOUT}s: $(tail -n 5 "$1")"
}

is_agent() { case "$1" in agent|nocache|prev) return 0 ;; esac; return 1; }

start_tool() {  # start_tool SETUP: starts the setup's tool, sets TOOL_PID
  local flags=() bin=$DW
  [ "$1" = nocache ] && flags=(--no-verdict-cache)
  [ "$1" = prev ] && bin=$DW_PREV
  case "$1" in
    base) TOOL_PID="" ;;
    agent|nocache|prev)
      if [ "$AGENT_KIND" = agent ]; then
        nice -n "$NICE" "$bin" agent --config "$WORK/agent.yaml" "${flags[@]}" >"$WORK/agent.out" 2>"$WORK/agent.log" &
      else
        nice -n "$NICE" "$DW" record --out "$WORK/trace.dwt" --cgroup "$CG_REL" >"$WORK/agent.out" 2>"$WORK/agent.log" &
      fi
      TOOL_PID=$!
      wait_ready "$WORK/agent.log" "$TOOL_PID"
      echo "-- run $RUN_NO" >>"$WORK/agent-all.log" ;;
    bpftrace)
      nice -n "$NICE" bpftrace "$WORK/count.bt" >"$WORK/bpftrace.log" 2>&1 &
      TOOL_PID=$!
      wait_ready "$WORK/bpftrace.log" "$TOOL_PID" ;;
  esac
}

stop_tool() {  # stop_tool SETUP: stops it gracefully, keeps what the report needs
  [ -n "$TOOL_PID" ] || return 0
  if is_agent "$1" && [ "$AGENT_KIND" = agent ]; then
    # The counters that show it kept up and scored: per agent process, so per run.
    curl -sf "http://127.0.0.1:$API_PORT/metrics" 2>/dev/null | grep -v '^#' |
      grep -E '^driftwatch_(events_total|ringbuf_dropped_events|findings_total|workloads[{]state="(learning|monitoring)"|scoring_latency_seconds_count|kernel_calls|kernel_records|verdict_cache)' |
      sed "s/^/  run $RUN_NO $1: /" >>"$WORK/agent.metrics" || true
  fi
  local sig i
  for sig in INT TERM KILL; do
    kill -"$sig" "$TOOL_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$TOOL_PID" 2>/dev/null || break; sleep 0.1; done
  done
  wait "$TOOL_PID" 2>/dev/null || true
  TOOL_PID=""
  if is_agent "$1"; then cat "$WORK/agent.log" >>"$WORK/agent-all.log"; fi
  rm -f "$WORK/trace.dwt" "$WORK/trace.dwt.tmp"
}

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
proc_usec() { sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$HZ" '{ printf "%.0f\n", ($12 + $13) * 1e6 / hz }'; }  # utime+stime
cg_usec() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }
# Task time of the whole machine (user, nice, system; not irq and softirq, which
# cgroups are not charged either: loopback TCP is mostly softirq work).
host_busy_usec() { awk -v hz="$HZ" '$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4) * 1e6 / hz; exit }' /proc/stat; }
# wrk in its own cgroup; prints wrk's report.
load() {
  nice -n "$NICE" sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG_WRK" \
    timeout $(($1 + 30)) wrk -t"$THREADS" -c"$CONNS" -d"$1s" "${WRK_HEADERS[@]}" "$URL"
}

# One measured run; appends "SETUP RPS REQUESTS NGINX_US_PER_REQ TOOL_US_PER_REQ
# EVENTS_PER_REQ OTHER_CPU_PCT" to $RESULTS. OTHER_CPU_PCT is the machine's task
# time that was neither nginx, wrk nor the tool, in % of all CPUs: other
# programs competing with the benchmark. Not run in a subshell: TOOL_PID must
# stay visible to the exit trap.
run() {
  local setup=$1 t0=0 t1=0 rss0=- n0 n1 w0 w1 h0 h1 out rps reqs tool_us=- events=- other
  start_tool "$setup"
  sleep 1  # let the tool settle after attaching
  if [ -n "$TOOL_PID" ]; then t0=$(proc_usec "$TOOL_PID"); rss0=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$TOOL_PID/status"); fi
  n0=$(cg_usec "$CG"); w0=$(cg_usec "$CG_WRK"); h0=$(host_busy_usec)
  out=$(load "$DURATION") || true  # a failed wrk is reported below
  n1=$(cg_usec "$CG"); w1=$(cg_usec "$CG_WRK"); h1=$(host_busy_usec)
  if [ -n "$TOOL_PID" ]; then t1=$(proc_usec "$TOOL_PID"); fi
  if is_agent "$setup"; then
    # The agent's memory: resident at the start and the end of the load, and its peak.
    printf '  run %s %s: RSS %s kB at the start, %s kB at the end, peak %s kB\n' "$RUN_NO" "$setup" "$rss0" \
      "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$TOOL_PID/status")" \
      "$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$TOOL_PID/status")" >>"$WORK/agent.rss"
  fi
  stop_tool "$setup"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
  if [ -z "$rps" ] || [ -z "$reqs" ]; then die "wrk printed no result: $out"; fi
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    say "wrk reported errors in the $setup run: $(grep -E 'Non-2xx|Socket errors' <<<"$out")"
  fi
  if [ "$setup" != base ]; then
    tool_us=$(awk -v a="$t0" -v b="$t1" -v n="$reqs" 'BEGIN { printf "%.3f", (b - a) / n }')
  fi
  if [ "$setup" = bpftrace ]; then
    events=$(awk -v n="$reqs" '/^@\[/ { s += $2 } END { printf "%.2f", s / n }' "$WORK/bpftrace.log")
  fi
  other=$(awk -v v="$h0 $h1 $n0 $n1 $w0 $w1 $t0 $t1" -v d="$DURATION" -v c="$NCPU" 'BEGIN {
    split(v, x, " "); o = (x[2] - x[1]) - (x[4] - x[3]) - (x[6] - x[5]) - (x[8] - x[7])
    printf "%.1f", o < 0 ? 0 : 100 * o / (d * c * 1e6) }')
  printf '%s %s %s %s %s %s %s\n' "$setup" "$rps" "$reqs" \
    "$(awk -v a="$n0" -v b="$n1" -v n="$reqs" 'BEGIN { printf "%.2f", (b - a) / n }')" "$tool_us" "$events" "$other" >>"$RESULTS"
}

# The ids of the BPF programs process $1 holds open.
prog_ids() {
  local f
  for f in /proc/"$1"/fd/*; do
    if [ "$(readlink "$f" 2>/dev/null)" = anon_inode:bpf-prog ]; then
      awk '$1 == "prog_id:" { print $2 }' "/proc/$1/fdinfo/${f##*/}"
    fi
  done | sort -un | tr '\n' ' '
}
# "PROGRAMS CALLS RUN_TIME_NS" summed over the programs with ids $1 (a list),
# from bpftool (counted while kernel.bpf_stats_enabled is 1).
prog_stats() {
  bpftool prog show | awk -v ids=" $1 " '
    /^[0-9]+:/ { id = $1; sub(":", "", id); if (!index(ids, " " id " ")) next; n++
                 for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i + 1); if ($i == "run_cnt") c += $(i + 1) } }
    END { printf "%d %d %d\n", n, c, t }'
}

# One more run of SETUP with BPF run-time statistics on; prints the programs'
# cost per request. Kept out of the throughput runs: the statistics themselves
# cost two clock reads per program call.
stats_run() {
  local setup=$1 ids a b out reqs
  start_tool "$setup"
  sleep 1
  ids=$(prog_ids "$TOOL_PID")
  a=$(prog_stats "$ids")
  out=$(load "$DURATION") || true  # a failed wrk is reported below
  b=$(prog_stats "$ids")
  stop_tool "$setup"
  reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
  if [ -z "$reqs" ]; then die "wrk printed no result: $out"; fi
  awk -v a="$a" -v b="$b" -v n="$reqs" -v s="$setup" 'BEGIN {
    split(a, x, " "); split(b, y, " "); c = y[2] - x[2]; t = y[3] - x[3]
    printf "  %-9s %2d programs  %6.2f calls/req  %6.0f ns/call  %6.3f us/req in BPF programs\n",
           s, y[1], c / n, c ? t / c : 0, t / n / 1000 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$PORT, $WORKERS worker(s), access_log $ACCESS_LOG, $NGINX_PROCS processes in cgroup $CG_REL"
say "wrk -t$THREADS -c$CONNS -d${DURATION}s, traffic $TRAFFIC, $ROUNDS rounds, nice $NICE; machine: $NCPU CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "agent setup: $AGENT_DESC"
say "warming up nginx (3 s, not counted)"
load 3 >/dev/null
if [ "$AGENT_KIND" = agent ]; then
  # The agent learns nginx once (mode auto, learning.max_duration 5s); every
  # measured agent run then finds it monitored in the database.
  say "agent learns nginx (10 s of load, not counted)"
  RUN_NO=learn
  start_tool agent
  load 10 >/dev/null || true
  stop_tool agent
  grep -q 'monitoring' "$WORK/agent-all.log" || die "the agent did not start monitoring nginx: $(tail -n 5 "$WORK/agent-all.log")"
  : >"$WORK/agent.metrics"
fi

read -ra SETUPS <<<"${SETUPS:-base agent nocache bpftrace}"
NSETUPS=${#SETUPS[@]}
RESULTS=$WORK/results
: >"$RESULTS"
printf '%-6s %-9s %12s %10s %16s %16s %11s %10s\n' round setup requests/s requests "nginx_cpu_us/req" "tool_cpu_us/req" "events/req" "other_cpu%"
for ((r = 0; r < ROUNDS; r++)); do
  for ((k = 0; k < NSETUPS; k++)); do
    setup=${SETUPS[$(((r + k) % NSETUPS))]}
    RUN_NO=$((r * NSETUPS + k + 1))
    run "$setup"
    read -r s rps reqs ncpu tcpu ev other < <(tail -n 1 "$RESULTS")
    printf '%-6s %-9s %12s %10s %16s %16s %11s %10s\n' $((r + 1)) "$s" "$rps" "$reqs" "$ncpu" "$tcpu" "$ev" "$other"
  done
done

if [ "${BPF_STATS:-1}" = 1 ]; then
  BPF_STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)
  echo 1 >/proc/sys/kernel/bpf_stats_enabled
  STATS=$WORK/bpf-stats
  RUN_NO=stats
  for setup in "${SETUPS[@]}"; do [ "$setup" = base ] || stats_run "$setup"; done >"$STATS"
  echo "$BPF_STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled
  BPF_STATS_WAS=""
fi

med() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$RESULTS" | median; }
B=$(med base 2)  # empty when SETUPS has no base (a memory run of the agent alone)
echo
echo "medians over $ROUNDS runs each (nginx $WORKERS worker(s), access_log $ACCESS_LOG, wrk -t$THREADS -c$CONNS, traffic $TRAFFIC, ${DURATION}s):"
for s in "${SETUPS[@]}"; do
  m=$(med "$s" 2)
  printf '  %-9s %10s req/s  %6s%% of base  nginx %s us CPU/req' "$s" "$m" \
    "$(awk -v a="$m" -v b="$B" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else printf "-" }')" "$(med "$s" 4)"
  [ "$s" != base ] && printf '  %s %s us CPU/req' "$s" "$(med "$s" 5)"
  [ "$s" = bpftrace ] && printf '  %s tracepoint hits/req (host-wide)' "$(med "$s" 6)"
  echo
done
awk '$1 == "base" { if (!n++ || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
     END { if (n > 1) printf "base runs spread %.0f..%.0f req/s (%.1f%% of their median): differences below that are noise\n", lo, hi, 100 * (hi - lo) / m }' \
  m="$B" "$RESULTS"
echo "agent = $AGENT_DESC"
if [ -s "${STATS:-}" ]; then
  echo "time in the BPF programs (one more run each, kernel.bpf_stats_enabled=1, not in the medians):"
  cat "$STATS"
fi
if [ "$AGENT_KIND" = agent ]; then
  echo "agent workload states (its log):"
  grep -E 'ready:|workload ' "$WORK/agent-all.log" | grep -vE '^-- ' | sed 's/^/  /' | sort | uniq -c | sort -rn | head -n 8
  echo "agent counters at the end of each run (scoring latency is sampled 1 in 16 events):"
  cat "$WORK/agent.metrics" 2>/dev/null
  # The kernel's counters (cumulative per agent process): how many of the
  # workload's hooked calls reached user space.
  awk '/driftwatch_kernel_calls_total[{]/ { calls[$2 " " $3] += $NF }
       /driftwatch_kernel_records_total[{].*outcome="delivered"/ { up[$2 " " $3] += $NF }
       /driftwatch_kernel_records_total[{].*outcome="filtered"/ { f[$2 " " $3] += $NF }
       END { for (r in calls) if (calls[r] > 0)
               printf "  run %s hooked calls reaching user space: %d of %d (%.2f per 100), answered by the verdict cache %d\n", r, up[r], calls[r], 100 * up[r] / calls[r], f[r] }' \
    "$WORK/agent.metrics" 2>/dev/null | sort -n
  awk '/driftwatch_kernel_calls_total[{]/ { calls[$3] += $NF }
       /driftwatch_kernel_records_total[{].*outcome="delivered"/ { up[$3] += $NF }
       END { for (s in calls) if (calls[s] > 0)
               printf "records reaching user space per 100 hooked calls, %s: %.2f\n", s, 100 * up[s] / calls[s] }' \
    "$WORK/agent.metrics" 2>/dev/null | sort
  echo "agent memory per run:"
  cat "$WORK/agent.rss" 2>/dev/null
  echo "findings written: $( (wc -l <"$WORK/findings.jsonl") 2>/dev/null || echo 0)"
elif [ "$AGENT_KIND" = record ]; then
  echo "record's last line: $(grep -E 'recorded|dropped' "$WORK/agent.log" | tail -n 1)"
fi
echo "note: $NCPU CPUs shared by nginx, wrk and the tool; wrk competes with both for CPU."
awk '{ if ($7 > m) m = $7 } END { if (m > 5) printf "warning: other programs used up to %.1f%% of the CPUs during a run; rerun on a quiet machine\n", m }' "$RESULTS"
