#!/usr/bin/env bash
# What recording costs (issue 16's budget: under 5% more CPU for an idle
# console, well under 10 MB for a 30-minute session). It runs the real
# binary's demo console in tmux, left idle, ROUNDS times with recording and
# ROUNDS times with --no-record, interleaved (the order alternating), SECS seconds each, and reports
# the CPU time of each, how fast the recording grows while idle, and the
# size of a recorded session driven through several steps. Prints Markdown
# for BENCHMARKS.md.
#   ./bench/recording/run.sh
#   SECS=120 ROUNDS=5 ./bench/recording/run.sh
#   HANDRAIL=bench/out/handrail RESULTS=bench/out/results.txt ./bench/recording/run.sh   # from bench/run.sh
# HANDRAIL is the binary to measure (default: one built here); with RESULTS
# set, every round's figures are appended there too ("NAME KEY VALUE").
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${SECS:-60}
rounds=${ROUNDS:-3}
out=bench/out
mkdir -p "$out"
bin=${HANDRAIL:-}
if [ -z "$bin" ]; then
  bin="$out/handrail-recording"
  go build -o "$bin" .
fi
results=${RESULTS:-/dev/null}
hz=$(getconf CLK_TCK)

# idle FLAGS: CPU ticks of an idle demo console over $secs seconds, and the
# bytes its recording grew by meanwhile (0 without one).
idle() {
  local sock="hr-bench-rec-$$-$RANDOM" state pid t0 t1 s0 s1 cast
  state=$(mktemp -d)
  tmux -L "$sock" new-session -d -x 120 -y 40 "$bin demo --state-dir $state $*"
  sleep 4 # the first frames and polls
  pid=$(tmux -L "$sock" list-panes -F '#{pane_pid}')
  cast=$(ls "$state"/*.cast 2>/dev/null | head -1 || true)
  s0=$( [ -n "$cast" ] && stat -c %s "$cast" || echo 0)
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  sleep "$secs"
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  s1=$( [ -n "$cast" ] && stat -c %s "$cast" || echo 0)
  tmux -L "$sock" kill-server || true
  rm -rf "$state"
  echo "$((t1 - t0)) $((s1 - s0))"
}

rec_ticks=0; off_ticks=0; grew=0
pct() { awk -v t="$1" -v hz="$hz" -v s="$secs" 'BEGIN{printf "%.4f", t / hz / s * 100}'; }
for i in $(seq "$rounds"); do
  # The order alternates from round to round, so a drift in the machine's
  # load does not always favour the same side.
  if [ $((i % 2)) -eq 0 ]; then read -r t2 _ < <(idle --no-record); fi
  read -r t g < <(idle)
  rec_ticks=$((rec_ticks + t)); grew=$((grew + g))
  echo "rec-idle-on cpu_pct $(pct "$t")" >>"$results"
  echo "rec-idle-on growth_Bps $(awk -v g="$g" -v s="$secs" 'BEGIN{printf "%.1f", g / s}')" >>"$results"
  if [ $((i % 2)) -eq 1 ]; then read -r t2 _ < <(idle --no-record); fi
  off_ticks=$((off_ticks + t2))
  echo "rec-idle-off cpu_pct $(pct "$t2")" >>"$results"
  echo "rec-idle added_pct $(awk -v a="$t" -v b="$t2" 'BEGIN{ if (b > 0) printf "%.2f", (a / b - 1) * 100; else print "nan" }')" >>"$results"
  echo "round $i: recorded $rec_ticks ticks, not recorded $off_ticks ticks so far" >&2
done


total=$((secs * rounds))
awk -v r="$rec_ticks" -v o="$off_ticks" -v hz="$hz" -v s="$total" -v g="$grew" -v rounds="$rounds" -v secs="$secs" 'BEGIN {
  rc = r / hz / s * 100; oc = o / hz / s * 100
  rate = g / s
  printf "| idle demo console, CPU (%d x %d s, interleaved) | %.3f%% of one core recorded, %.3f%% not recorded: recording adds %.3f points |\n", rounds, secs, rc, oc, rc - oc
  printf "| idle console, recording growth | %.0f bytes/s: %.2f MB for 30 idle minutes |\n", rate, rate * 1800 / 1e6
}'
# An actively driven console: the e2e test's recorded demo (ticks, a note,
# an action, a resize, a quit, a resume, an override), every key as fast
# as the console takes it.
read -r abytes asecs < <(go test ./e2e -run '^TestRecordDemo$' -count=1 -v 2>&1 | awk '/recorded: [0-9]+ bytes over/ {print $3, $6}')
if [ -n "${abytes:-}" ]; then
  echo "rec-driven bytes $abytes" >>"$results"
  echo "rec-driven secs $asecs" >>"$results"
fi
awk -v b="${abytes:-0}" -v s="${asecs:-1}" 'BEGIN {
  printf "| actively driven console, recording growth (e2e TestRecordDemo) | %d bytes in %.1f s = %.0f bytes/s: %.1f MB if all 30 minutes were as busy |\n", b, s, b / s, b / s * 1800 / 1e6
}'
go test -run '^$' -bench 'Write$' -benchmem ./recording | awk '/^Benchmark/ {printf "| %s | %s ns/op, %s B/op, %s allocs/op |\n", $1, $3, $7, $9}'
