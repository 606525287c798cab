#!/usr/bin/env bash
# tools/bench/replay.sh: `driftwatch detect --trace` throughput of several
# driftwatch binaries, side by side in one run, on the recorded workloads.
#
#   tools/bench/replay.sh [--rounds N] [--repeat R] [--data DIR] [--same-findings]
#                         NAME=BINARY NAME=BINARY...
#
# Builds nothing. Each binary trains its own database on DIR/<case>/train.dwt
# (its own fingerprint format), then, N rounds, the binaries take turns (the
# order rotates every round) replaying every case's normal, heldout and drift
# traces, each R times in one `detect` (a fresh copy of the trained database
# each time). Events/s is events scored per CPU second of the detect process
# (user + sys: other load on the machine does not count; start-up, loading
# the fingerprints and storing findings do), summed over the cases of a
# round. The ratios are to the first binary, paired per round; the median
# round is printed. With --same-findings it first checks that every binary
# prints the same findings (`detect --format jsonl` per case, and
# `eval --format jsonl`) and fails if not: for binaries whose rules are the
# same.
set -euo pipefail

rounds=5
repeat=10
data=$(cd "$(dirname "$0")/../.." && pwd)/testdata
same=0
names=()
bins=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --same-findings) same=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *=*) names+=("${1%%=*}"); bins+=("${1#*=}"); shift ;;
    *) echo "replay.sh: unexpected argument '$1' (NAME=BINARY expected; --help)" >&2; exit 2 ;;
  esac
done
if [[ ${#bins[@]} -lt 1 ]]; then
  echo "replay.sh: no binaries given (NAME=BINARY...; --help)" >&2
  exit 2
fi
for b in "${bins[@]}"; do
  [[ -x $b ]] || { echo "replay.sh: $b is not an executable" >&2; exit 2; }
done
[[ $rounds =~ ^[1-9][0-9]*$ && $repeat =~ ^[1-9][0-9]*$ ]] ||
  { echo "replay.sh: --rounds and --repeat take a positive number" >&2; exit 2; }
cases=()
for d in "$data"/*/; do
  [[ -f $d/train.dwt ]] && cases+=("$(basename "$d")")
done
[[ ${#cases[@]} -gt 0 ]] || { echo "replay.sh: no cases (DIR/<case>/train.dwt) under $data" >&2; exit 2; }

tmp=$(mktemp -d /tmp/dw-replay.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

traces_of() {  # the --trace arguments of case $1, each trace $2 times
  local c=$1 n=$2 t i
  for t in normal heldout drift; do
    [[ -f $data/$c/$t.dwt ]] || continue
    for ((i = 0; i < n; i++)); do printf -- '--trace\n%s\n' "$data/$c/$t.dwt"; done
  done
}

for k in "${!bins[@]}"; do
  for c in "${cases[@]}"; do
    "${bins[$k]}" train --db "$tmp/$k-$c.db" --trace "$data/$c/train.dwt" >/dev/null 2>&1 ||
      { echo "replay.sh: ${names[$k]}: train on $c failed" >&2; exit 1; }
  done
done

if [[ $same == 1 ]]; then
  for k in "${!bins[@]}"; do
    for c in "${cases[@]}"; do
      cp "$tmp/$k-$c.db" "$tmp/run.db"
      mapfile -t args < <(traces_of "$c" 1)
      "${bins[$k]}" detect --db "$tmp/run.db" --format jsonl "${args[@]}" >>"$tmp/findings.$k" 2>/dev/null
    done
    "${bins[$k]}" eval --data "$data" --format jsonl >"$tmp/eval.$k" 2>/dev/null
  done
  for k in "${!bins[@]}"; do
    for f in findings eval; do
      if ! cmp -s "$tmp/$f.0" "$tmp/$f.$k"; then
        echo "replay.sh: ${names[$k]} and ${names[0]} differ in their $f:" >&2
        diff "$tmp/$f.0" "$tmp/$f.$k" | head -20 >&2
        exit 1
      fi
    done
  done
  echo "same findings: ${names[*]} ($(wc -l <"$tmp/findings.0") detect findings, $(wc -l <"$tmp/eval.0") eval lines)"
fi

# One detect per case; prints "<events> <cpu seconds>" summed over the cases.
run_round() {
  local k=$1 events=0 cpu=0 c out t
  for c in "${cases[@]}"; do
    cp "$tmp/$k-$c.db" "$tmp/run.db"
    mapfile -t args < <(traces_of "$c" "$repeat")
    t=$( { TIMEFORMAT='%U %S'; time "${bins[$k]}" detect --db "$tmp/run.db" --format jsonl "${args[@]}" \
             >/dev/null 2>"$tmp/log"; } 2>&1 )
    out=$(grep -o 'scored [0-9]* events' "$tmp/log" | awk '{print $2}')
    [[ -n $out ]] || { echo "replay.sh: ${names[$k]}: detect on $c printed no count" >&2; cat "$tmp/log" >&2; exit 1; }
    events=$((events + out))
    cpu=$(awk -v a="$cpu" -v t="$t" 'BEGIN { split(t, x, " "); printf "%.3f", a + x[1] + x[2] }')
  done
  echo "$events $cpu"
}

n=${#bins[@]}
printf '%-6s' round
for k in "${!bins[@]}"; do printf ' %16s' "${names[$k]} ev/s"; done
for ((k = 1; k < n; k++)); do printf ' %14s' "${names[$k]}/${names[0]}"; done
echo
declare -a rates ratios
for ((r = 0; r < rounds; r++)); do
  declare -a rate=()
  for ((j = 0; j < n; j++)); do
    k=$(((j + r) % n))  # rotate who goes first
    read -r ev cpu < <(run_round "$k")
    rate[$k]=$(awk -v e="$ev" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? e / c : 0) }')
  done
  printf '%-6s' "$((r + 1))"
  for ((k = 0; k < n; k++)); do printf ' %16s' "${rate[$k]}"; rates+=("$k ${rate[$k]}"); done
  for ((k = 1; k < n; k++)); do
    q=$(awk -v a="${rate[$k]}" -v b="${rate[0]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
    printf ' %14s' "x$q"
    ratios+=("$k $q")
  done
  echo
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-6s' median
for ((k = 0; k < n; k++)); do
  printf ' %16s' "$(printf '%s\n' "${rates[@]}" | awk -v k="$k" '$1 == k { print $2 }' | median)"
done
for ((k = 1; k < n; k++)); do
  printf ' %14s' "x$(printf '%s\n' "${ratios[@]}" | awk -v k="$k" '$1 == k { print $2 }' | median)"
done
echo
echo "events/s: events scored per CPU second of driftwatch detect (user+sys), ${#cases[@]} cases" \
  "(${cases[*]}), each trace x$repeat; ratios paired per round, to ${names[0]}"
