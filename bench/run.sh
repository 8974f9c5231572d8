#!/usr/bin/env bash
# Measures handrail's real, stripped binary and writes BENCHMARKS.md.
#   ./bench/run.sh               # everything, about 45 minutes and 4 GB of disk
#   ROUNDS=1 ./bench/run.sh      # one round: quicker, noisier
#   SKIP_GO_BENCH=1 ./bench/run.sh
#   SIZES="10000 100000" ./bench/run.sh   # journal scaling without the 1M-record journal
#   SUMMARY_ONLY=1 ./bench/run.sh  # rewrite BENCHMARKS.md from the last run's bench/out
#
# Besides the console (below), it runs in the same report: the runbook
# loader on a 10,000-step runbook (bench/cmd/bigrunbook) against a bare
# YAML decode (bench/anchors/yamlparse); the journal's growth under a
# flapping check and the loader's function-level benchmark; journals of
# 10k, 100k and 1M records (bench/journal-scale.sh) against a streaming
# chain check; serve with 20 observers (bench/serve); and what recording
# costs (bench/recording/run.sh).
#
# The binary is driven through a pseudo-terminal (bench/cmd/ptybench) against
# a real MariaDB primary and replica (bench/cmd/mariadbpair), and every
# figure has its anchor measured in the same run, interleaved round by round:
# a bare Bubble Tea program (bench/anchors/bare) for the console, a minimal
# go-sql-driver poll loop (bench/anchors/wire) for the polls, a Go hello
# world (bench/anchors/hello) for a command's start-up. The machine is
# shared and noisy: BENCHMARKS.md gives medians and ratios, never a lone
# time. Needs mariadb-server (the pair) and the mariadb client (poll counts).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
rounds=${ROUNDS:-3}
out=bench/out
res="$out/results.txt" # NAME KEY VALUE, one measurement a line
if [ -z "${SUMMARY_ONLY:-}" ]; then
rm -rf "$out"
mkdir -p "$out"
: >"$res"

echo "bench: build"
go build -trimpath -ldflags "-s -w" -o "$out/handrail" . # as .goreleaser.yaml builds it
go build -o "$out/handrail-unstripped" .
for p in anchors/bare anchors/wire anchors/hello anchors/yamlparse cmd/ptybench cmd/pollcpu cmd/mariadbpair cmd/bigrunbook cmd/genjournal; do
  go build -o "$out/$(basename "$p")" "./bench/$p"
done
go build -o "$out/servebench" ./bench/serve
# load SECTION: the machine's load average as a section starts (it is shared).
load() { echo "load $1 $(cut -d' ' -f1 /proc/loadavg)" >>"$res"; }
{
  echo "machine cpu $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo | tr ' ' '_')"
  echo "machine mem_gib $(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
  echo "machine kernel $(uname -r)"
} >>"$res"

echo "bench: start a MariaDB primary and replica"
mkfifo "$out/pair.stdin"
sleep 100000 >"$out/pair.stdin" &
holder=$!
"$out/mariadbpair" -env "$out/pair.env" <"$out/pair.stdin" >"$out/pair.log" 2>&1 &
pairpid=$!
cleanup() {
  kill "$holder" 2>/dev/null || true # closes the pair's stdin: it stops its servers
  wait "$pairpid" 2>/dev/null || true
  rm -rf "$out/state" "$out/big.yaml"
}
trap cleanup EXIT
for _ in $(seq 120); do [ -f "$out/pair.env" ] && break; sleep 1; done
[ -f "$out/pair.env" ] || { cat "$out/pair.log"; echo "bench: the pair did not start" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. "$out/pair.env"
set +a
export BENCH_WIRE_DSN="$BENCH_DB_USER:$BENCH_DB_PASSWORD@tcp(127.0.0.1:$REPLICA_PORT)/"
polls_cmd="MYSQL_PWD=\"\$BENCH_DB_PASSWORD\" mariadb -h127.0.0.1 -P$REPLICA_PORT -u\"\$BENCH_DB_USER\" -N -e \"SHOW GLOBAL STATUS LIKE 'Com_show_slave_status'\" | cut -f2"

# record NAME LINE: keeps each key=value of a ptybench (or wire) line; a
# comma list gives one row per value.
record() {
  local name=$1 kv
  for kv in $2; do
    local k=${kv%%=*} v=${kv#*=}
    tr ',' '\n' <<<"$v" | while read -r x; do echo "$name $k $x"; done >>"$res"
  done
}
pty() { "$out/ptybench" "$@"; }
state() { rm -rf "$out/state"; mkdir -p "$out/state"; echo "$out/state"; }
run_rb() { # run_rb RUNBOOK: the handrail command line for a bench runbook
  echo "$out/handrail run bench/runbooks/$1.yaml --param port=$REPLICA_PORT --operator bench --state-dir $(state)"
}

load console
echo "bench: start-up of commands ($((rounds * 10)) runs each)"
now() { date +%s%N; }
for _ in $(seq $((rounds * 10))); do
  for c in "hello:$out/hello" "version:$out/handrail version" "list:$out/handrail list" \
    "lint:$out/handrail lint runbooks/thinman-dual-db.yaml"; do
    name=${c%%:*} cmd=${c#*:}
    t0=$(now); $cmd >/dev/null 2>&1; t1=$(now)
    echo "exec-$name ms $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e6}')" >>"$res"
  done
done
for _ in $(seq 10); do
  GODEBUG=inittrace=1 "$out/handrail-unstripped" version 2>&1 >/dev/null | awk '
    /^init / { all += $5
      if ($2 ~ /^(charm\.land|github\.com\/(charmbracelet|alecthomas|yuin|microcosm-cc|gorilla|aymerick|mattn\/go-runewidth|rivo|clipperhouse|lucasb-eyer|muesli|atotto|xo)|golang\.org\/x\/net)/) ui += $5 }
    END { printf "init-version all %.3f\ninit-version console %.3f\n", all, ui }' >>"$res"
done

echo "bench: exec to first frame ($((rounds * 10)) runs each, interleaved)"
for _ in $(seq $((rounds * 10))); do
  record bare "$(pty -ready 'keys pressed' -- "$out/bare")"
  # shellcheck disable=SC2046
  record demo "$(pty -ready '? help' -- "$out/handrail" demo --state-dir $(state))"
done

echo "bench: key press to screen change"
for _ in $(seq "$rounds"); do
  record keys-bare "$(pty -ready 'keys pressed' -presses 40 -- "$out/bare")"
  # shellcheck disable=SC2046
  record keys-40x100ms "$(pty -ready '? help' -presses 40 -- $(run_rb bench-replica-40-fast))"
  # shellcheck disable=SC2046
  record keys-5mib "$(pty -ready '? help' -presses 40 -- $(run_rb bench-big-output))"
done

echo "bench: idle CPU (settle 5 s, window 20 s)"
for _ in $(seq "$rounds"); do
  record idle-bare "$(pty -ready 'keys pressed' -settle 5s -idle 20s -- "$out/bare")"
  for n in 1 10 40; do
    every=$(awk -v n="$n" 'BEGIN{printf "%dms", 1000/n}')
    record "idle-wire-$n" "$(pty -settle 5s -idle 20s -- "$out/wire" -every "$every" -for 60s)"
    # shellcheck disable=SC2046
    record "idle-$n" "$(pty -ready '? help' -settle 5s -idle 20s -- $(run_rb bench-replica-$n))"
  done
  # shellcheck disable=SC2046
  record fast-20 "$(pty -ready '? help' -settle 5s -idle 20s -probe "$polls_cmd" -- $(run_rb bench-replica-20-fast))"
done

echo "bench: one replica poll's client CPU"
for _ in $(seq $((rounds * 2))); do
  record poll-wire "$("$out/wire" -polls 3000)"
  record poll-wire-deadline "$("$out/wire" -polls 3000 -deadline 5s)"
  record poll-handrail "$("$out/pollcpu" -port "$REPLICA_PORT" -polls 3000)"
done
cleanup # the rest needs no database

load loader
echo "bench: the loader: lint of a 10,000-step runbook ($((rounds * 3)) runs each, interleaved)"
"$out/bigrunbook" -steps 10000 -o "$out/big.yaml"
echo "loader file_kib $(($(stat -c %s "$out/big.yaml") / 1024))" >>"$res"
for _ in $(seq $((rounds * 3))); do
  read -r wall cpu kib < <("$out/genjournal" -measure "$out/handrail" lint "$out/big.yaml")
  printf 'lint-10k wall_s %s\nlint-10k cpu_s %s\nlint-10k kib %s\n' "$wall" "$cpu" "$kib" >>"$res"
  read -r wall cpu kib < <("$out/genjournal" -measure "$out/yamlparse" "$out/big.yaml")
  printf 'yaml-10k wall_s %s\nyaml-10k cpu_s %s\nyaml-10k kib %s\n' "$wall" "$cpu" "$kib" >>"$res"
done

load growth
echo "bench: the journal under a flapping 1 MiB check, and the loader in process (Go benchmarks, $rounds counts)"
go test ./steps/session -run '^$' -bench '^BenchmarkJournalGrowthFlapping$' -count "$rounds" >"$out/growth.txt" 2>&1 || { cat "$out/growth.txt"; exit 1; }
awk '/^BenchmarkJournalGrowthFlapping/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "journal-B/s") print "growth journal_Bps", $i }' "$out/growth.txt" >>"$res"
go test ./steps -run '^$' -bench '^BenchmarkParse10000Steps$' -benchmem -count "$rounds" >"$out/parse.txt" 2>&1 || { cat "$out/parse.txt"; exit 1; }
awk '/^BenchmarkParse10000Steps/ { for (i = 1; i <= NF; i++) { if ($(i + 1) == "ns/op") print "parse-10k ns", $i; if ($(i + 1) == "B/op") print "parse-10k bytes", $i } }' "$out/parse.txt" >>"$res"

load serve
echo "bench: serve with 20 observers ($rounds runs)"
for _ in $(seq "$rounds"); do
  "$out/servebench" -observers 20 -presses 60 -bin "$out/handrail" -kv "$res" >>"$out/serve.md"
done

load recording
echo "bench: what recording costs ($rounds rounds of ${REC_SECS:-120} s each way, interleaved)"
echo "rec-config secs ${REC_SECS:-120}" >>"$res"
HANDRAIL="$out/handrail" RESULTS="$res" ROUNDS="$rounds" SECS="${REC_SECS:-120}" ./bench/recording/run.sh >"$out/recording.md"

load journal
echo "bench: journals of ${SIZES:-10000 100000 1000000} records ($rounds runs each)"
HANDRAIL="$out/handrail" RESULTS="$res" RUNS="$rounds" SIZES="${SIZES:-10000 100000 1000000}" ./bench/journal-scale.sh >"$out/journal-scale.md"

load gobench
if [ -z "${SKIP_GO_BENCH:-}" ]; then
  echo "bench: function-level Go benchmarks"
  go test -run '^$' -bench . -benchmem -benchtime "${BENCHTIME:-1s}" -count 1 ./... >"$out/go-bench.txt" 2>&1 || {
    cat "$out/go-bench.txt"; exit 1; }
fi

load end
fi # SUMMARY_ONLY

# ---- summary ----
q() { # q NAME KEY P: the P-th percentile (50: the median) of NAME's KEY
  awk -v n="$1" -v k="$2" '$1 == n && $2 == k {print $3}' "$res" | sort -g | awk -v p="$3" '
    { v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
      i = p / 100 * (NR - 1) + 1; lo = int(i); f = i - lo
      printf "%.4g", (lo < NR) ? v[lo] + f * (v[lo + 1] - v[lo]) : v[lo] }'
}
cnt() { awk -v n="$1" -v k="$2" '$1 == n && $2 == k' "$res" | wc -l | tr -d ' '; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 == 0) print "nan"; else printf "%.2f", a / b }'; }
verdict() { # verdict VALUE LIMIT: met / missed
  awk -v v="$1" -v l="$2" 'BEGIN{ if (v == "nan" || v == "") print "not measured"; else if (v + 0 <= l + 0) print "**met**"; else { m = (v / l - 1) * 100; printf (m < 10 ? "**missed** by %.1f%%" : "**missed** by %.0f%%"), m } }'
}
mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN{printf "%.1f MiB", b / 1048576}'; }

ff_h=$(q demo first_frame_ms 50) ff_b=$(q bare first_frame_ms 50)
ff_r=$(ratio "$ff_h" "$ff_b")
k_h=$(q keys-40x100ms key_ms 90) k_b=$(q keys-bare key_ms 90)
k_r=$(ratio "$k_h" "$k_b")
k_big=$(q keys-5mib key_ms 90)
i10=$(q idle-10 cpu_pct 50) w10=$(q idle-wire-10 cpu_pct 50) i40=$(q idle-40 cpu_pct 50) ibare=$(q idle-bare cpu_pct 50)
i_r=$(ratio "$i10" "$w10") lin=$(ratio "$i40" "$i10")
floor10=$(awk -v a="$ibare" -v b="$w10" 'BEGIN{printf "%.3g", a + b}')
p_h=$(q poll-handrail cpu_ns_per_poll 50) p_w=$(q poll-wire cpu_ns_per_poll 50)
p_r=$(ratio "$p_h" "$p_w")
fast=$(q fast-20 probe_per_s 50)
fast_min=$(q fast-20 probe_per_s 0)
v_h=$(q exec-version ms 50) l_h=$(q exec-list ms 50) li_h=$(q exec-lint ms 50) hello=$(q exec-hello ms 50)
init_all=$(q init-version all 50) init_ui=$(q init-version console 50)

# The other parts (issues 9, 13, 15, 16).
num() { awk -v v="$1" -v f="$2" 'BEGIN{ if (v == "nan" || v == "") print "nan"; else printf f, v }'; } # num VALUE FORMAT
mb() { awk -v k="$1" 'BEGIN{ if (k == "nan" || k == "" || k < 0) print "nan"; else printf "%.0f", k / 1024 }'; } # KiB → MB
both_within() { # both_within V1 L1 NAME1 V2 L2 NAME2: met when both are within their limit
  awk -v a="$1" -v la="$2" -v na="$3" -v b="$4" -v lb="$5" -v nb="$6" 'BEGIN{
    if (a == "nan" || b == "nan") { print "not measured"; exit }
    m = ""
    if (a + 0 > la + 0) m = sprintf("%s %.0f%% over", na, (a / la - 1) * 100)
    if (b + 0 > lb + 0) m = m (m == "" ? "" : ", ") sprintf("%s %.0f%% over", nb, (b / lb - 1) * 100)
    if (m == "") print "**met**"; else print "**missed**: " m }'
}
lint_w=$(q lint-10k wall_s 50) lint_c=$(q lint-10k cpu_s 50) lint_mb=$(mb "$(q lint-10k kib 50)")
yaml_w=$(q yaml-10k wall_s 50) yaml_c=$(q yaml-10k cpu_s 50) yaml_mb=$(mb "$(q yaml-10k kib 50)")
growth=$(q growth journal_Bps 50)
parse_ns=$(q parse-10k ns 50) parse_b=$(q parse-10k bytes 50)
j() { q "journal-$1" "$2" 50; } # j RECORDS KEY: the median
jmb() { mb "$(j "$1" "$2")"; }
nobs=20
sv() { q "serve-$1-$2" "$3" 50; } # sv browse|tick OBSERVERS p50_ms|p95_ms
frame_ms=16.67
added() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "nan" || b == "nan") print "nan"; else printf "%.2f", a - b }'; }
sb_add=$(added "$(sv browse $nobs p95_ms)" "$(sv browse 0 p95_ms)")
st_add=$(added "$(sv tick $nobs p95_ms)" "$(sv tick 0 p95_ms)")
per_obs=$(q serve-rss per_observer_kib 50)
rec_secs=$(q rec-config secs 50)
rec_on=$(q rec-idle-on cpu_pct 50) rec_off=$(q rec-idle-off cpu_pct 50)
rec_r=$(ratio "$rec_on" "$rec_off")
rec_idle_mb=$(awk -v r="$(q rec-idle-on growth_Bps 50)" 'BEGIN{ if (r == "nan") print "nan"; else printf "%.2f", r * 1800 / 1e6 }')
rec_drv_bps=$(awk -v b="$(q rec-driven bytes 50)" -v s="$(q rec-driven secs 50)" 'BEGIN{ if (b == "nan" || s + 0 == 0) print "nan"; else printf "%.0f", b / s }')
rec_drv_mb=$(awk -v r="$rec_drv_bps" 'BEGIN{ if (r == "nan") print "nan"; else printf "%.1f", r * 1800 / 1e6 }')
rec_drv_kb=$(awk -v b="$(q rec-driven bytes 50)" 'BEGIN{ if (b == "nan") print "nan"; else printf "%.0f", b / 1000 }')
rec_session_mb=$(awk -v i="$rec_idle_mb" -v b="$(q rec-driven bytes 50)" 'BEGIN{ if (i == "nan" || b == "nan") print "nan"; else printf "%.2f", i + b / 1e6 }')
loads() { awk '$1 == "load" {printf "%s%s %s", sep, $2, $3; sep = ", "}' "$res"; }
machine() { awk -v k="$1" '$1 == "machine" && $2 == k {print $3}' "$res" | tr '_' ' '; }

{
  echo "# Benchmarks"
  echo
  echo "Written by \`./bench/run.sh\` on $(date -u +%Y-%m-%d) ($(go version | cut -d' ' -f3), $rounds rounds)."
  echo "The real, stripped binary runs in a pseudo-terminal against a real MariaDB primary and"
  echo "replica on this machine; each anchor runs in the same run, interleaved with it. The"
  echo "machine is shared (other builds and tests run beside it): the figures are medians over"
  echo "every run, and the goals are ratios to the anchors where an anchor applies."
  echo
  echo "- Machine: $(machine cpu), $(nproc) cores, $(machine mem_gib) GiB, Linux $(machine kernel), $(uname -m)."
  echo "- Load (the 1-minute load average as each part began; 2 cores): $(loads)."
  echo
  echo "Parts: [the console, the polls and start-up](#every-figure-of-the-console-the-polls-and-start-up) ·"
  echo "[journals at scale](#journals-at-scale) · [the loader and the journal's growth](#the-loader-and-the-journals-growth) ·"
  echo "[serve with $nobs observers](#serve-with-$nobs-observers) · [recording](#what-recording-costs) ·"
  echo "[function-level Go benchmarks](#function-level-go-benchmarks)."
  echo
  echo "## Goals"
  echo
  echo "### Console, polls, start-up"
  echo
  echo "| goal | handrail | anchor | ratio | |"
  echo "|---|---|---|---|---|"
  echo "| exec → first frame ≤ 2× a bare Bubble Tea program (\`handrail demo\`, 120x40) | $ff_h ms | bare $ff_b ms | ${ff_r}× | $(verdict "$ff_r" 2) |"
  echo "| key press → screen change, 40 checks every 100 ms: p90 ≤ 1.2× bare | p90 $k_h ms (p50 $(q keys-40x100ms key_ms 50)) | bare p90 $k_b ms (p50 $(q keys-bare key_ms 50)) | ${k_r}× | $(verdict "$k_r" 1.2) |"
  echo "| key press with 5 MiB of command output in a check (every second): within 16 ms | p50 $(q keys-5mib key_ms 50) ms, p90 $k_big ms | bare p50 $(q keys-bare key_ms 50) ms, p90 $k_b ms | $(ratio "$k_big" "$k_b")× (p90) | p50 $(verdict "$(q keys-5mib key_ms 50)" 16); p90 vs bare $(verdict "$(ratio "$k_big" "$k_b")" 1.2) |"
  echo "| idle CPU, 10 checks at 1 Hz: ≤ 1.5× the wire loop at 10 polls/s | $i10% | wire $w10% | ${i_r}× | $(verdict "$i_r" 1.5) |"
  echo "| idle CPU grows linearly: 40 checks ≤ 4× 10 checks | 40: $i40%, 10: $i10% | — | ${lin}× | $(verdict "$lin" 4) |"
  echo "| 20 checks every 100 ms: every poll done (200 polls/s) | $fast polls/s (lowest run $fast_min) | 200 | $(ratio "$fast" 200) | $(awk -v v="$fast_min" 'BEGIN{ if (v >= 194) print "**met**"; else printf "**missed**: %.0f of 200", v }') |"
  echo "| one replica poll's client CPU ≤ 1.3× the wire program | $(awk -v v="$p_h" 'BEGIN{printf "%.1f", v/1000}') µs | wire $(awk -v v="$p_w" 'BEGIN{printf "%.1f", v/1000}') µs | ${p_r}× | $(verdict "$p_r" 1.3) |"
  echo "| \`handrail version\`, \`list\`, \`lint\` not slowed by console-only packages | version $v_h ms, list $l_h ms, lint $li_h ms; console-only packages' init in \`version\`: $init_ui ms of $init_all ms | hello $hello ms | $(ratio "$v_h" "$hello")× (version) | $(awk -v v="$init_ui" 'BEGIN{ if (v < 0.5) print "**met**"; else printf "**missed**: %.1f ms of console-only init remain (see below)", v }') |"
  echo "| shipped binary stripped (\`-s -w\`, as .goreleaser.yaml) | $(mib "$out/handrail") | unstripped $(mib "$out/handrail-unstripped") | $(ratio "$(stat -c %s "$out/handrail")" "$(stat -c %s "$out/handrail-unstripped")") | **met** |"
  echo
  echo "### Journals read in streaming"
  echo
  echo "Real-shape journals (the real engine's records; every \`check.status\` carries a full MariaDB"
  echo "replica status row, about 3 KB a record), read by the real binary; the anchor is a minimal"
  echo "streaming chain check of the same file (\`genjournal -chain\`). Details: [journals at scale](#journals-at-scale)."
  echo
  echo "| goal | handrail | anchor | ratio | |"
  echo "|---|---|---|---|---|"
  echo "| resume of a 100k-record journal ($(j 100000 size_mb) MB): under 2 s and 200 MB | $(j 100000 resume_s) s, $(jmb 100000 resume_kib) MB | chain check $(j 100000 chain_s) s | $(ratio "$(j 100000 resume_s)" "$(j 100000 chain_s)")× | $(both_within "$(j 100000 resume_s)" 2 time "$(jmb 100000 resume_kib)" 200 memory) |"
  echo "| report of the same journal: under 3 s and 300 MB | $(j 100000 report_s) s, $(jmb 100000 report_kib) MB | chain check $(j 100000 chain_s) s | $(ratio "$(j 100000 report_s)" "$(j 100000 chain_s)")× | $(both_within "$(j 100000 report_s)" 3 time "$(jmb 100000 report_kib)" 300 memory) |"
  echo "| verify of the same journal: within 2× a streaming chain check | $(j 100000 verify_s) s, $(jmb 100000 verify_kib) MB | chain check $(j 100000 chain_s) s, $(jmb 100000 chain_kib) MB | $(ratio "$(j 100000 verify_s)" "$(j 100000 chain_s)")× | $(verdict "$(ratio "$(j 100000 verify_s)" "$(j 100000 chain_s)")" 2) |"
  if [ "$(j 1000000 size_mb)" != nan ]; then
    echo "| a 1M-record journal ($(j 1000000 size_mb) MB) resumes and reports within the same memory (200 MB, 300 MB) | resume $(jmb 1000000 resume_kib) MB ($(j 1000000 resume_s) s), report $(jmb 1000000 report_kib) MB ($(j 1000000 report_s) s) | 100k: $(jmb 100000 resume_kib) MB, $(jmb 100000 report_kib) MB | memory ×$(ratio "$(j 1000000 resume_kib)" "$(j 100000 resume_kib)"), ×$(ratio "$(j 1000000 report_kib)" "$(j 100000 report_kib)") | $(both_within "$(jmb 1000000 resume_kib)" 200 resume "$(jmb 1000000 report_kib)" 300 report) |"
  else
    echo "| a 1M-record journal resumes and reports within the same memory | not run (SIZES left it out) | | | not measured |"
  fi
  echo
  echo "### Loader and journal growth"
  echo
  echo "| goal | handrail | anchor | ratio | |"
  echo "|---|---|---|---|---|"
  echo "| a 10,000-step runbook ($(q loader file_kib 50) KiB) lints in under 2 s and 200 MB (\`handrail lint\`, the real binary) | $(num "$lint_w" %.2f) s, $lint_mb MB | the same file decoded by the YAML library alone: $(num "$yaml_w" %.2f) s, $yaml_mb MB | $(ratio "$lint_w" "$yaml_w")× time, $(ratio "$lint_mb" "$yaml_mb")× memory | $(both_within "$lint_w" 2 time "$lint_mb" 200 memory) |"
  echo "| the journal grows under 10 KB/s while a check with 1 MiB of output flaps on every poll (BenchmarkJournalGrowthFlapping, function-level: a real file journal, simulated time) | $(num "$growth" %.0f) B/s | the check's output, 1 MiB/s | $(awk -v g="$growth" 'BEGIN{ if (g == "nan") print "nan"; else printf "%.4f", g / 1048576 }') | $(verdict "$growth" 10000) |"
  echo
  echo "### serve"
  echo
  echo "| goal | with $nobs observers | anchor: no observer, same run | added | |"
  echo "|---|---|---|---|---|"
  echo "| operator's key → frame, browsing (j/k): $nobs observers add at most one frame (16.7 ms) at p95 | p95 $(sv browse $nobs p95_ms) ms (p50 $(sv browse $nobs p50_ms)) | p95 $(sv browse 0 p95_ms) ms (p50 $(sv browse 0 p50_ms)) | $sb_add ms | $(verdict "$sb_add" "$frame_ms") |"
  echo "| operator's key → frame, a tick (journaled, fanned out to every observer): the same | p95 $(sv tick $nobs p95_ms) ms (p50 $(sv tick $nobs p50_ms)) | p95 $(sv tick 0 p95_ms) ms (p50 $(sv tick 0 p50_ms)) | $st_add ms | $(verdict "$st_add" "$frame_ms") |"
  echo "| memory per observer: measured and reported | $(num "$per_obs" %.0f) KiB per observer | server alone $(mb "$(q serve-rss alone_kib 50)") MB | — | reported |"
  echo
  echo "### Recording"
  echo
  echo "| goal | recorded | anchor: not recorded (\`--no-record\`), interleaved | ratio | |"
  echo "|---|---|---|---|---|"
  echo "| recording adds under 5% CPU to an idle console (the demo, 120x40) | $rec_on% of a core | $rec_off% | ${rec_r}× | $(awk -v r="$rec_r" 'BEGIN{ if (r == "nan") print "not measured"; else if (r <= 1.05) print "**met**"; else printf "**missed**: +%.1f%% (the goal: under 5%%)", (r - 1) * 100 }') |"
  echo "| a 30-minute session costs well under 10 MB: 30 minutes of the console's own updates, plus once every kind of event driven as fast as the console takes keys (e2e TestRecordDemo: $rec_drv_kb KB in $(q rec-driven secs 50) s) | $rec_session_mb MB (idle $rec_idle_mb MB + $rec_drv_kb KB) | 10 MB | $(ratio "$rec_session_mb" 10) | $(verdict "$rec_session_mb" 10) |"
  echo "| worst case, not a goal: a console redrawn for all 30 minutes as fast as that test drives it | $rec_drv_mb MB | 10 MB | $(ratio "$rec_drv_mb" 10) | $(awk -v v="$rec_drv_mb" 'BEGIN{ if (v == "nan") print "not measured"; else if (v <= 10) print "under 10 MB"; else printf "%.0f%% over 10 MB", (v / 10 - 1) * 100 }') |"
  echo
  echo "## Every figure of the console, the polls and start-up"
  echo
  echo "| measurement | runs | median | p90 |"
  echo "|---|---|---|---|"
  for row in "demo first_frame_ms:exec → first frame, handrail demo (ms)" "bare first_frame_ms:exec → first frame, bare anchor (ms)" \
    "keys-40x100ms key_ms:key → screen, 40 checks every 100 ms (ms)" "keys-5mib key_ms:key → screen, 5 MiB output check (ms)" \
    "keys-bare key_ms:key → screen, bare anchor (ms)" \
    "idle-1 cpu_pct:idle CPU, 1 check at 1 Hz (% of a core)" "idle-wire-1 cpu_pct:idle CPU, wire at 1 poll/s (%)" \
    "idle-10 cpu_pct:idle CPU, 10 checks at 1 Hz (%)" "idle-wire-10 cpu_pct:idle CPU, wire at 10 polls/s (%)" \
    "idle-40 cpu_pct:idle CPU, 40 checks at 1 Hz (%)" "idle-wire-40 cpu_pct:idle CPU, wire at 40 polls/s (%)" \
    "idle-bare cpu_pct:idle CPU, bare Bubble Tea anchor (%)" \
    "idle-10 out_bytes_per_s:bytes written to the terminal, 10 checks at 1 Hz (per s)" \
    "fast-20 probe_per_s:20 checks every 100 ms: polls the replica answered (per s)" "fast-20 cpu_pct:20 checks every 100 ms: CPU (%)" \
    "poll-handrail cpu_ns_per_poll:one poll's client CPU, handrail (ns)" "poll-wire cpu_ns_per_poll:one poll's client CPU, wire (ns)" \
    "poll-wire-deadline cpu_ns_per_poll:one poll's client CPU, wire with a 5 s deadline per poll (ns)" \
    "exec-hello ms:exec of a Go hello world (ms)" "exec-version ms:exec of handrail version (ms)" "exec-list ms:exec of handrail list (ms)" \
    "exec-lint ms:exec of handrail lint thinman-dual-db.yaml (ms)" "init-version all:package init in handrail version, all (ms)" \
    "init-version console:package init in handrail version, console-only packages (ms)"; do
    key=${row%%:*} label=${row#*:}
    # shellcheck disable=SC2086
    echo "| $label | $(cnt $key) | $(q $key 50) | $(q $key 90) |"
  done
  echo
  pw_d=$(q poll-wire-deadline cpu_ns_per_poll 50)
  us() { awk -v v="$1" 'BEGIN{printf "%.1f", v / 1000}'; }
  echo "## What the figures say"
  echo
  echo "- **Idle CPU.** A bare Bubble Tea program that draws nothing uses $ibare% of a core here: its"
  echo "  renderer wakes 60 times a second whether or not anything changed. That alone is"
  echo "  $(ratio "$ibare" "$w10")× the wire loop at 10 polls/s, so no Bubble Tea console can be within 1.5× of"
  echo "  it. The floor for 10 checks is bare + wire = $floor10%; handrail uses $i10%, so its own"
  echo "  share is $(awk -v a="$i10" -v b="$floor10" 'BEGIN{printf "%.2g", a - b}')% of a core: the engine, the poller's timers, the"
  echo "  deadline each attempt carries (next point), and the frames drawn when a value or the"
  echo "  clock changes ($(q idle-10 out_bytes_per_s 50) bytes a second reach the terminal). Panels are cached and"
  echo "  only the visible ones are built; results that land within a frame are drawn once."
  echo "- **One poll.** The wire anchor polls with no deadline. A check's attempt must have one (a"
  echo "  server that hangs must not hang the check): with a deadline, database/sql starts a"
  echo "  goroutine per query to watch it and go-sql-driver wakes its watcher. The wire loop with"
  echo "  the same 5 s deadline costs $(us "$pw_d") µs a poll ($(ratio "$pw_d" "$p_w")× without), and handrail is"
  echo "  $(ratio "$p_h" "$pw_d")× that. The rest is scanning every column into an interface value and then"
  echo "  text (checks/mysql), redacting every value (checks/live) and judging the expectations"
  echo "  (checks.Evaluate). Column names are mapped once per column set now, not per poll"
  echo "  (BenchmarkColumnNames below)."
  echo "- **5 MiB of output.** The console's own cost of a key press with 5 MiB in an observation is"
  echo "  BenchmarkKeyWith5MBOutput below (it was seconds before the panels cut their text). In the"
  echo "  real binary that check runs every second on the same two cores: the shell and 5 MiB"
  echo "  through a pipe, checks.Evaluate quoting the whole value into the failure reason, the"
  echo "  redactor scanning it. The p90 of a key press is bound by the frame tick, like bare's."
  echo "- **Start-up.** What is left between bare and \`handrail demo\`: loading the runbook and its"
  echo "  scenario, creating the session's journal (two fsyncs), and the package init of glamour's"
  echo "  Markdown parser and sanitizer (goldmark, bluemonday: most of the $init_ui ms of"
  echo "  console-only init that \`handrail version\` still pays, down from about 60 ms before"
  echo "  go-runewidth v0.0.31 and the chroma stand-in; see ARCHITECTURE.md). \`handrail list\`"
  echo "  parses every bundled runbook: that is the YAML loader, not console packages.$(awk -v r="$ff_r" -v l="$(awk '$1 == "load" && $2 == "console" {print $3}' "$res")" 'BEGIN{ if (r > 2) printf " In this run the first frame took %s× bare, over 2×, with the machine'"'"'s load at %s on its 2 cores as the console part began.", r, l }')"
  echo "- **20 checks every 100 ms.** The poller waits the interval after each answer"
  echo "  (checks/poll.go), so 20 checks make 20 / (100 ms + one answer's time) polls a second, and"
  echo "  none is ever skipped: $fast a second means an answer took $(awk -v f="$fast" 'BEGIN{ if (f + 0 > 0) printf "%.1f", (20 / f - 0.1) * 1000; else print "nan" }') ms on average, the replica's"
  echo "  query and the client's work on the same two cores as the load beside them."
  echo "- **Journals at scale.** resume and report read the journal one record at a time: their"
  echo "  peak memory is the runtime and the session's state, not the file ($(jmb 100000 resume_kib) MB and $(jmb 100000 report_kib) MB"
  echo "  at 100k records, $(jmb 1000000 resume_kib) MB and $(jmb 1000000 report_kib) MB at 1M). verify reads the file once, in"
  echo "  batches hashed on both cores, and keeps only the few records about the recording (it read"
  echo "  the whole journal a second time for the recording's check before: 366 MB at 100k records)."
  echo "  Beyond the chain check, it parses every record and checks that its JSON is the one way the"
  echo "  record can be written (the strictness docs/journal.md describes): that is the rest of its"
  echo "  $(ratio "$(j 100000 verify_s)" "$(j 100000 chain_s)")× at 100k records ($(j 100000 verify_cpu_s) s of CPU against $(j 100000 chain_cpu_s) s)."
  echo "- **The loader.** lint reads a large file item by item (steps' chunked loader) and keeps"
  echo "  the positions its file:line:col findings need: $lint_mb MB at its peak, where decoding the same"
  echo "  file into plain values takes $yaml_mb MB. Its time is the YAML library's own decoding plus"
  echo "  validation: $(ratio "$lint_w" "$yaml_w")× the bare decode, $(num "$lint_c" %.2f) s of CPU.$(awk -v w="$lint_w" -v c="$lint_c" -v l="$(awk '$1 == "load" && $2 == "loader" {print $3}' "$res")" 'BEGIN{ if (w > 2 && c <= 2) printf " The wall time misses 2 s while the CPU time is within it: the machine was loaded (%s as the part began), and the other processes took the rest.", l; else if (w > 2) printf " It misses 2 s in CPU time too: most of it is the YAML library decoding, which alone takes about as long." }')"
  echo "- **The journal under a flapping check.** A flapping check is journaled at most once per"
  echo "  poll interval with its observation capped (docs/safety.md): of the 1 MiB of output a"
  echo "  second, $(num "$growth" %.0f) bytes reach the journal."
  echo "- **serve.** Watchers hear of a change after the operator, one after another, so the"
  echo "  operator's frame goes out first. $nobs observers change the operator's p95 by $sb_add ms when"
  echo "  browsing and $st_add ms on a tick (journaled with fsync, then drawn in every console). The p95"
  echo "  of 60 presses is noisy on this shared machine (without observers it ranged from $(q serve-browse-0 p95_ms 0) to"
  echo "  $(q serve-browse-0 p95_ms 100) ms over the $(cnt serve-browse-0 p95_ms) runs): the figures are medians of the runs. Each observer costs $(num "$per_obs" %.0f) KiB: its own console model and"
  echo "  renderer on the server, its SSH channel and buffers."
  echo "- **Recording.** The recorder appends each frame's bytes as they reach the terminal"
  echo "  (BenchmarkRecorderWrite against BenchmarkTerminalWrite below). Idle, the console redraws"
  echo "  only what changes (the clock, the ages of the data): $(q rec-idle-on growth_Bps 50) bytes a second, about one"
  echo "  event a second. Recorded, the idle console used $rec_on% of a core; not recorded, $rec_off%; per"
  echo "  round the recording added $(awk '$1 == "rec-idle" && $2 == "added_pct" {printf "%s%s%%", sep, $3; sep = ", "}' "$res")"
  echo "  ($(awk -v a="$rec_on" -v b="$rec_off" -v s="$rec_secs" 'BEGIN{ if (s + 0 > 0) printf "%.1f ms of CPU a second, %.0f clock ticks of 10 ms in a %s s round", (a - b) * 10, (a - b) * s, s; else print "nan" }'))."
  echo "$(awk -v r="$rec_r" -v d="$(awk -v a="$rec_on" -v b="$rec_off" 'BEGIN{print (a - b) * 10}')" -v us="$(awk '/^BenchmarkRecorderWrite/ {print $3 / 1000; exit}' "$out/go-bench.txt" 2>/dev/null)" 'BEGIN{
    if (r + 0 <= 1.05) { print "  That is within the goal."; exit }
    printf "  That misses the goal (5%%) by %.1f points. The recorder'"'"'s own work per event (BenchmarkRecorderWrite: %s µs, once a\n", (r - 1) * 100 - 5, (us == "" ? "a few" : us)
    printf "  second) is %s of the difference; what costs the rest is not found by these figures.\n", (us == "" || d <= 0 ? "a small part" : sprintf("%.1f%%", us / (d * 1000) * 100))
  }')"
  echo
  echo "## Journals at scale"
  echo
  echo "\`bench/journal-scale.sh\`: each command $rounds times per size, medians. s is wall time (CPU s: user"
  echo "and system, the scans use both cores), MB the peak resident set (ru_maxrss). resume is a real"
  echo "resume in plain mode that quits at once (its target refuses); each starts from a fresh copy."
  echo
  echo "| records | journal | resume s (CPU s) | resume MB | report s (CPU s) | report MB | verify s (CPU s) | verify MB | chain check s (CPU s) | chain MB | verify ÷ chain |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for n in $(awk '$1 ~ /^journal-/ && $2 == "size_mb" {sub(/^journal-/, "", $1); print $1}' "$res" | sort -n -u); do
    echo "| $n | $(j "$n" size_mb) MB | $(j "$n" resume_s) ($(j "$n" resume_cpu_s)) | $(jmb "$n" resume_kib) | $(j "$n" report_s) ($(j "$n" report_cpu_s)) | $(jmb "$n" report_kib) | $(j "$n" verify_s) ($(j "$n" verify_cpu_s)) | $(jmb "$n" verify_kib) | $(j "$n" chain_s) ($(j "$n" chain_cpu_s)) | $(jmb "$n" chain_kib) | $(ratio "$(j "$n" verify_s)" "$(j "$n" chain_s)")× |"
  done
  echo
  echo "## The loader and the journal's growth"
  echo
  echo "\`handrail lint\` of a 10,000-step runbook (bench/cmd/bigrunbook, internal/benchrunbook: each step with"
  echo "a body, a command, an action and a check), $(cnt lint-10k wall_s) runs, interleaved with the anchor: the same file"
  echo "decoded into plain values by the YAML library the loader uses (bench/anchors/yamlparse)."
  echo
  echo "| | wall s (median) | p90 | CPU s | peak MB |"
  echo "|---|---|---|---|---|"
  echo "| handrail lint | $(num "$lint_w" %.2f) | $(num "$(q lint-10k wall_s 90)" %.2f) | $(num "$lint_c" %.2f) | $lint_mb |"
  echo "| YAML decode alone | $(num "$yaml_w" %.2f) | $(num "$(q yaml-10k wall_s 90)" %.2f) | $(num "$yaml_c" %.2f) | $yaml_mb |"
  echo
  echo "Function-level, in process (\`go test -bench\`, $(cnt parse-10k ns) counts): BenchmarkParse10000Steps $(awk -v n="$parse_ns" 'BEGIN{ if (n == "nan") print "nan"; else printf "%.2f", n / 1e9 }') s and"
  echo "$(awk -v b="$parse_b" 'BEGIN{ if (b == "nan") print "nan"; else printf "%.0f", b / 1048576 }') MiB allocated in all per parse (not the peak: the collector frees as it goes);"
  echo "BenchmarkJournalGrowthFlapping $(num "$growth" %.0f) journal bytes per second of session time."
  echo
  echo "## serve with $nobs observers"
  echo
  echo "\`bench/serve\` ($(cnt serve-browse-0 p95_ms) runs, medians): the real binary serves on loopback; one operator and"
  echo "$nobs observers connect over SSH with a terminal (120x34); the operator drives a ThinMan rehearsal and"
  echo "every observer watches it. Latency is from the key's bytes leaving the operator's SSH client to"
  echo "the first byte of the answering frame arriving there, 60 presses per row, through the SSH"
  echo "encryption both ways. Memory is the server's resident set before and after the observers join."
  echo
  echo "| key | observers | p50 ms | p95 ms |"
  echo "|---|---|---|---|"
  for k in browse tick; do
    for o in 0 "$nobs"; do
      echo "| $( [ $k = browse ] && echo "j/k (browse)" || echo "space (tick: journaled, fanned out)") | $o | $(sv $k "$o" p50_ms) | $(sv $k "$o" p95_ms) |"
    done
  done
  echo
  echo "Server memory: $(mb "$(q serve-rss alone_kib 50)") MB with the operator alone, $(mb "$(q serve-rss observers_kib 50)") MB with $nobs observers:"
  echo "$(num "$per_obs" %.0f) KiB per observer (medians of the runs)."
  echo
  echo "## What recording costs"
  echo
  echo "\`bench/recording/run.sh\`: the demo console left idle in tmux (120x40) for $rec_secs s, $(cnt rec-idle-on cpu_pct) times recorded and"
  echo "$(cnt rec-idle-off cpu_pct) times with \`--no-record\`, interleaved; CPU from /proc (clock ticks of 10 ms)."
  echo
  echo "| | median | p90 |"
  echo "|---|---|---|"
  echo "| idle console CPU, recorded (% of a core) | $rec_on | $(q rec-idle-on cpu_pct 90) |"
  echo "| idle console CPU, not recorded (% of a core) | $rec_off | $(q rec-idle-off cpu_pct 90) |"
  echo "| CPU added by recording, per round (%) | $(q rec-idle added_pct 50) | $(q rec-idle added_pct 90) |"
  echo "| recording growth, idle (bytes/s) | $(q rec-idle-on growth_Bps 50) | $(q rec-idle-on growth_Bps 90) |"
  echo "| recording growth, actively driven (bytes/s; e2e TestRecordDemo) | $rec_drv_bps | — |"
  echo
  echo "## Function-level Go benchmarks"
  echo
  echo "These time single functions inside one process (\`go test -bench\`), not the binary."
  echo "They guide work on a function; the goals above are judged on the real binary."
  echo
  if [ -f "$out/go-bench.txt" ]; then
    echo '```'
    grep -E '^(Benchmark|pkg:|cpu)' "$out/go-bench.txt" || true
    echo '```'
  else
    echo "(not run: SKIP_GO_BENCH was set)"
  fi
  echo
  echo "What each measures:"
  echo
  cat bench/legend.md
} >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
