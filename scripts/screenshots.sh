#!/usr/bin/env bash
# Regenerates the screenshots in docs/screens/ from the real program:
#   ./scripts/screenshots.sh
# It runs `handrail demo` in tmux, drives it as an operator would, captures
# the pane with its colours (capture-pane -e), turns that into HTML with aha
# and renders a PNG with headless Chromium. Dark screens are drawn on black,
# light ones (COLORFGBG=0;15, as a light terminal sets it) on white. Needs:
# tmux aha chromium fonts-dejavu-core (apt-get install -y tmux aha chromium
# fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing: apt-get install -y tmux aha chromium fonts-dejavu-core" >&2; exit 2; }
done
out=docs/screens
work=$(mktemp -d)
trap 'tmux -L shots kill-server 2>/dev/null || true; tmux -L shots2 kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/handrail" .

# shot NAME COLS ROWS [BG] [SOCKET]: capture the pane as $out/NAME.{txt,png}
# (BG: dark, the default, or light).
shot() {
  local name=$1 cols=$2 rows=$3 bg=${4:-dark} sock=${5:-shots}
  tmux -L "$sock" capture-pane -p -t demo >"$out/$name.txt"
  local page='#000' text='#ddd' flag=--black
  if [ "$bg" = light ]; then page='#fff' text='#222' flag=; fi
  tmux -L "$sock" capture-pane -p -e -t demo | aha $flag --no-header >"$work/$name.body"
  {
    echo '<!doctype html><meta charset="utf-8"><style>'
    echo "body{margin:0;background:$page}pre{margin:0;padding:12px;font:15px/1.2 \"DejaVu Sans Mono\",monospace;color:$text}"
    echo '</style><pre>'
    cat "$work/$name.body"
    echo '</pre>'
  } >"$work/$name.html"
  local w=$((cols * 9 + 24)) h=$((rows * 18 + 24))
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chrome" --hide-scrollbars --window-size="$w,$h" \
    --screenshot="$out/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  echo "screenshots: $out/$name.png"
}

# wait_for TEXT [SOCKET]
wait_for() {
  local sock=${2:-shots}
  for _ in $(seq 1 150); do
    tmux -L "$sock" capture-pane -p -t demo | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "screenshots: never saw '$1'" >&2
  tmux -L "$sock" capture-pane -p -t demo >&2
  exit 1
}

keys() { tmux -L shots send-keys -t demo "$@"; }

# start COLS ROWS BG ARGS...: a fresh tmux server running handrail ARGS.
start() {
  local cols=$1 rows=$2 bg=$3
  shift 3
  local env="COLORTERM=truecolor LANG=C.UTF-8"
  if [ "$bg" = light ]; then env="$env COLORFGBG='0;15'"; fi
  tmux -L shots kill-server 2>/dev/null || true
  sleep 0.5 # let the old server go before the socket is reused
  tmux -L shots new-session -d -s demo -x "$cols" -y "$rows" "env $env $work/handrail $*; sleep 60"
}

# tick N: tick the step's N manual items (space, tab), as an operator does.
tick() {
  for i in $(seq 1 "$1"); do
    [ "$i" -gt 1 ] && { keys Tab; sleep 0.3; }
    keys ' '; sleep 0.6
    # An item below the screen is brought into view first: space again.
    if tmux -L shots capture-pane -p -t demo | grep -qF "off screen: it is in view now"; then keys ' '; sleep 0.6; fi
  done
}

# next N: leave the step for step N (its number in the header).
next() { sleep 0.8; keys n; wait_for "step $1/"; }

# drive COLS ROWS PREFIX BG: demo to the replica step at this size.
drive() {
  local cols=$1 rows=$2 prefix=$3 bg=$4
  start "$cols" "$rows" "$bg" demo --state-dir "$work/state-$prefix"
  wait_for "Back up ThinMan"
  shot "$prefix-first" "$cols" "$rows" "$bg"
  tick 1; next 2
  tick 2; next 3
  wait_for "Slave_IO_Running"
  sleep 1.2
  shot "$prefix-replica-waiting" "$cols" "$rows" "$bg"
  [ "$bg" = light ] && return
  keys o; sleep 0.8
  shot "$prefix-override" "$cols" "$rows" "$bg"
  keys Escape; sleep 0.5
  keys x; wait_for "Run the step's action"
  shot "$prefix-confirm-action" "$cols" "$rows" "$bg"
  sleep 0.4; keys Right; sleep 0.2
  keys Enter; wait_for "ready: press n"
  shot "$prefix-replica-stopped" "$cols" "$rows" "$bg"
  keys Enter; wait_for "Every value of step 3"
  shot "$prefix-values" "$cols" "$rows" "$bg"
  keys Escape; sleep 0.5
  next 4; tick 1; next 5; tick 1; next 6
  keys Tab; sleep 0.3; keys Tab; sleep 0.3; keys Tab; sleep 0.5
  shot "$prefix-tab-focus" "$cols" "$rows" "$bg"
}

for bg in dark light; do
  suffix=""
  [ "$bg" = light ] && suffix="-light"
  drive 80 24 "demo-80x24$suffix" "$bg"
  drive 120 34 "demo-120x34$suffix" "$bg"
  drive 200 50 "demo-200x50$suffix" "$bg"
done

# The override dialog at its last stage, at 80x24: it scrolls inside.
start 80 24 dark demo --state-dir "$work/state-override"
wait_for "Back up ThinMan"; sleep 0.8
keys o; wait_for "Override the gate"; sleep 0.5
keys Tab; sleep 0.2; keys Right; sleep 0.2; keys Tab; sleep 0.2
keys -l "the backup ran at 01:00 and the DBA verified it"; keys Tab; sleep 0.2; keys Enter
wait_for "type yes"
shot demo-80x24-override-confirm 80 24
keys -l yes; keys Enter; wait_for "override recorded"; sleep 4.5
shot demo-80x24-override-gate-open 80 24

# A halt: the replication-error scenario at step 9, the operator's screen
# and a watcher's, side by side in two servers.
start 80 24 dark rehearse thinman-dual-db --scenario replication-error --state-dir "$work/state-halt"
wait_for "Back up ThinMan"
tick 1; next 2; tick 2; next 3
keys x; wait_for "Run the step's action"; sleep 0.4; keys Right; sleep 0.2; keys Enter; wait_for "ready: press n"
next 4; tick 1; next 5; tick 1; next 6; tick 4; next 9
id=$(basename "$(ls "$work"/state-halt/*.jsonl)" .jsonl)
tmux -L shots2 kill-server 2>/dev/null || true
tmux -L shots2 new-session -d -s demo -x 80 -y 24 "env COLORTERM=truecolor LANG=C.UTF-8 $work/handrail watch $id --state-dir $work/state-halt; sleep 60"
wait_for "WATCHING" shots2
keys x; wait_for "Run the step's action"; sleep 0.4; keys Right; sleep 0.2; keys Enter
wait_for "HALTED"; wait_for "HALTED" shots2; wait_for "press d"; sleep 1.2
# A halted rehearsal keeps the failure on screen (f scrolls to the failed
# panel); enter shows the halt's instruction whole (the banner may cut it);
# d opens the graded debrief.
keys f; sleep 0.6
shot demo-80x24-halted 80 24
shot watch-80x24-halted 80 24 dark shots2
keys Enter; wait_for "HALTED: the runbook says"; sleep 0.5
shot demo-80x24-halted-in-full 80 24
keys Escape; sleep 0.3
keys d; wait_for "Debrief"; sleep 0.8
shot demo-80x24-halted-debrief 80 24
keys q; sleep 1
tmux -L shots2 kill-server 2>/dev/null || true

# Below the minimum size the console says so instead of drawing a broken layout.
tmux -L shots kill-server 2>/dev/null || true
sleep 0.5
tmux -L shots new-session -d -s demo -x 50 -y 15 "env LANG=C.UTF-8 $work/handrail demo --state-dir $work/state-small; sleep 60"
wait_for "needs a terminal"
tmux -L shots capture-pane -p -t demo >"$out/demo-50x15-too-small.txt"
echo "screenshots: $out/demo-50x15-too-small.txt"
