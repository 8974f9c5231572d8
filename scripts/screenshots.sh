#!/usr/bin/env bash
# Regenerates the screenshots in docs/screens/ from the real program:
#   ./scripts/screenshots.sh
# It runs `handrail demo` in tmux, drives it to the replica step, captures the
# pane with its colours (capture-pane -e), turns that into HTML with aha and
# renders a PNG with headless Chromium. Needs: tmux aha chromium
# fonts-dejavu-core (apt-get install -y tmux aha chromium fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing: apt-get install -y tmux aha chromium fonts-dejavu-core" >&2; exit 2; }
done
out=docs/screens
work=$(mktemp -d)
trap 'tmux -L shots kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/handrail" .

# shot NAME COLS ROWS: capture the current pane as $out/NAME.{txt,png}.
shot() {
  local name=$1 cols=$2 rows=$3
  tmux -L shots capture-pane -p -t demo >"$out/$name.txt"
  tmux -L shots capture-pane -p -e -t demo | aha --black --no-header >"$work/$name.body"
  {
    echo '<!doctype html><meta charset="utf-8"><style>'
    echo 'body{margin:0;background:#000}pre{margin:0;padding:12px;font:15px/1.2 "DejaVu Sans Mono",monospace;color:#ddd}'
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

wait_for() {
  for _ in $(seq 1 100); do
    tmux -L shots capture-pane -p -t demo | grep -qF "$1" && return 0
    sleep 0.1
  done
  echo "screenshots: never saw '$1'" >&2
  tmux -L shots capture-pane -p -t demo >&2
  exit 1
}

# drive COLS ROWS PREFIX: demo to the replica step at this size.
drive() {
  local cols=$1 rows=$2 prefix=$3
  tmux -L shots kill-server 2>/dev/null || true
  sleep 0.5 # let the old server go before the socket is reused
  tmux -L shots new-session -d -s demo -x "$cols" -y "$rows" \
    "env COLORTERM=truecolor LANG=C.UTF-8 $work/handrail demo --state-dir $work/state-$prefix; sleep 60"
  wait_for "Back up ThinMan"
  shot "$prefix-first" "$cols" "$rows"
  tmux -L shots send-keys -t demo ' '; sleep 0.5
  tmux -L shots send-keys -t demo n;   wait_for "installer"
  tmux -L shots send-keys -t demo ' '; sleep 0.3
  tmux -L shots send-keys -t demo Tab; sleep 0.3
  tmux -L shots send-keys -t demo ' '; sleep 1.2
  tmux -L shots send-keys -t demo n;   wait_for "Slave_IO_Running"
  sleep 1.2
  shot "$prefix-replica-waiting" "$cols" "$rows"
  tmux -L shots send-keys -t demo o;   sleep 0.8
  shot "$prefix-override" "$cols" "$rows"
  tmux -L shots send-keys -t demo Escape; sleep 0.3
  tmux -L shots send-keys -t demo x;   wait_for "STOP SLAVE"
  shot "$prefix-confirm-action" "$cols" "$rows"
  tmux -L shots send-keys -t demo Right; sleep 0.2
  tmux -L shots send-keys -t demo Enter; wait_for "ready: press n"
  shot "$prefix-replica-stopped" "$cols" "$rows"
}

drive 80 24 demo-80x24
drive 200 50 demo-200x50
drive 120 34 demo-120x34

# Below the minimum size the console says so instead of drawing a broken layout.
tmux -L shots kill-server 2>/dev/null || true
sleep 0.5
tmux -L shots new-session -d -s demo -x 50 -y 15 "env LANG=C.UTF-8 $work/handrail demo --state-dir $work/state-small; sleep 60"
wait_for "needs a terminal"
tmux -L shots capture-pane -p -t demo >"$out/demo-50x15-too-small.txt"
echo "screenshots: $out/demo-50x15-too-small.txt"
