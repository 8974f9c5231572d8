#!/usr/bin/env bash
# Runs handrail's benchmarks and writes the results into BENCHMARKS.md.
#   ./bench/run.sh            # all benchmarks, then BENCHMARKS.md
#   BENCHTIME=2s ./bench/run.sh
# Needs MariaDB (the replica-poll benchmark starts a real pair) and tmux (idle
# CPU is measured on the real binary running the demo in a tmux pane).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
benchtime=${BENCHTIME:-1s}
out=bench/out
mkdir -p "$out"

echo "bench: go test -bench (benchtime $benchtime)"
go test -run '^$' -bench . -benchmem -benchtime "$benchtime" -count 1 ./... >"$out/go-bench.txt" 2>&1 || {
  cat "$out/go-bench.txt"; exit 1; }

echo "bench: idle CPU of the demo console"
go build -o "$out/handrail" .
idle="n/a (tmux missing)"
if command -v tmux >/dev/null 2>&1; then
  sock="handrail-bench-$$"
  state=$(mktemp -d)
  tmux -L "$sock" new-session -d -x 120 -y 40 "$out/handrail demo --state-dir $state"
  sleep 3   # let the first frames and the first polls settle
  pid=$(tmux -L "$sock" list-panes -F '#{pane_pid}')
  ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
  t0=$(ticks "$pid"); sleep 10; t1=$(ticks "$pid")
  hz=$(getconf CLK_TCK)
  idle=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN{printf "%.2f%% of one core (%.2f s CPU in 10 s)", (b-a)/hz/10*100, (b-a)/hz}')
  tmux -L "$sock" kill-server || true
  rm -rf "$state"
fi

{
  echo "# Benchmarks"
  echo
  echo "Written by \`./bench/run.sh\` on $(date -u +%Y-%m-%d) ($(go version | cut -d' ' -f3), $(nproc) cores, $(uname -m))."
  echo "Targets: first frame well under 100 ms; a key press answered within one frame while"
  echo "20 checks poll; idle CPU near zero; one connection per target, reused across polls."
  echo
  ns() { awk -v n="$1" '$1 ~ "^"n"-" {for (i=1;i<=NF;i++) if ($(i+1)=="ns/op") {print $i; exit}}' "$out/go-bench.txt"; }
  ms() { awk -v v="$(ns "$1")" 'BEGIN{ if (v=="") print "n/a"; else printf "%.2f ms", v/1e6 }'; }
  conns=$(awk '$1 ~ /^BenchmarkDriverReplicaPoll-/ {for (i=1;i<=NF;i++) if ($(i+1)=="conns/poll") {print $i; exit}}' "$out/go-bench.txt")
  echo "## Summary"
  echo
  echo "| target | measured |"
  echo "|---|---|"
  echo "| first frame well under 100 ms | $(ms BenchmarkFirstFrame) (BenchmarkFirstFrame) |"
  echo "| a key press answered within one frame (16 ms) while 20 checks poll | $(ms BenchmarkKeyWith20Checks) (BenchmarkKeyWith20Checks) |"
  echo "| idle CPU near zero | $idle |"
  echo "| one connection per target, reused across polls | ${conns:-n/a} new connections per poll (BenchmarkDriverReplicaPoll, counted by the server) |"
  echo
  echo "## Idle CPU"
  echo
  echo "The demo console (ThinMan runbook, simulator, checks polling every second), left alone"
  echo "for 10 s in a tmux pane: **$idle**."
  echo
  echo "## Go benchmarks"
  echo
  echo '```'
  grep -E '^(Benchmark|pkg:|goos|goarch|cpu)' "$out/go-bench.txt" | grep -vE '^(goos|goarch)' || true
  echo '```'
  echo
  echo "What each measures:"
  echo
  if [ -f bench/legend.md ]; then cat bench/legend.md; fi
} > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
