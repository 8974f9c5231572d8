#!/usr/bin/env bash
# Journal scaling of the real binary: `handrail resume`, `report` and
# `verify` of real-shape journals (the real engine's records, every
# check.status carrying a full MariaDB SHOW ALL REPLICAS STATUS row, about
# 3 KB a record; see bench/cmd/genjournal), against the anchor: a minimal
# streaming chain check of the same file (`genjournal -chain`).
#
#   ./bench/journal-scale.sh                          # 10k, 100k, 1M records, 3 runs each
#   SIZES="10000 100000" RUNS=5 ./bench/journal-scale.sh
#   HANDRAIL=bench/out/handrail RESULTS=bench/out/results.txt ./bench/journal-scale.sh   # from bench/run.sh
#
# HANDRAIL is the binary to measure (default: one built here); with RESULTS
# set, every run's figures are appended there too ("NAME KEY VALUE":
# journal-N resume_s, resume_cpu_s, resume_kib, and so on).
#
# Prints a Markdown table of medians on stdout (progress on stderr): wall
# time, CPU time and peak RSS of each command. resume is a real resume in
# plain mode that quits at once (stdin is empty): load the runbook, read and
# replay the journal, connect (the target refuses), journal the resume and
# the quit. Each resume starts from a fresh copy of the generated journal.
# Goals (issue 13): at 100k records resume < 2 s and < 200 MB, report < 3 s
# and < 300 MB, verify within 2x the chain check; at 1M, resume and report
# within the same memory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
sizes=${SIZES:-"10000 100000 1000000"}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/handrail-journal-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "journal-scale: building handrail and genjournal" >&2
if [ -n "${HANDRAIL:-}" ]; then
  cp "$HANDRAIL" "$work/handrail"
else
  go build -o "$work/handrail" .
fi
go build -o "$work/genjournal" ./bench/cmd/genjournal
results=${RESULTS:-/dev/null}
export HANDRAIL_BENCH_PASSWORD=bench-only

# median of the numbers on stdin
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }

# measure NAME CMD...: runs CMD $runs times, appends "wall cpu rss" lines to $work/NAME
measure() {
  local name=$1; shift
  : >"$work/$name"
  for _ in $(seq "$runs"); do
    if [ "$name" = resume ]; then cp "$pristine" "$journal"; fi
    "$work/genjournal" -measure "$@" >>"$work/$name"
    tail -1 "$work/$name" | awk -v k="journal-$n" -v m="$name" '{print k, m "_s", $1; print k, m "_cpu_s", $2; print k, m "_kib", $3}' >>"$results"
  done
}
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
mb() { awk -v k="$(col "$1" 3)" 'BEGIN{ if (k=="n/a" || k<0) print "n/a"; else printf "%.0f", k/1024 }'; }

echo "| records | journal | resume s (CPU s) | resume MB | report s (CPU s) | report MB | verify s (CPU s) | verify MB | chain check s (CPU s) | verify ÷ chain |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  echo "journal-scale: generating $n records" >&2
  rm -rf "$work/gen"
  out=$("$work/genjournal" -out "$work/gen" -records "$n")
  id=$(awk '$1=="session"{print $2}' <<<"$out")
  journal=$(awk '$1=="journal"{print $2}' <<<"$out")
  pristine="$work/gen/pristine.jsonl"
  cp "$journal" "$pristine"
  size=$(du -m "$pristine" | awk '{print $1}')
  echo "journal-$n size_mb $size" >>"$results"
  state="$work/gen/state"

  echo "journal-scale: $n records ($size MB): chain check, verify, report, resume; $runs runs each" >&2
  measure chain "$work/genjournal" -chain "$pristine"
  measure verify "$work/handrail" verify "$id" --state-dir "$state"
  measure report "$work/handrail" report "$id" --state-dir "$state" -o "$work/report.md"
  measure resume "$work/handrail" resume "$id" --state-dir "$state" --plain

  ratio=$(awk -v v="$(col verify 1)" -v c="$(col chain 1)" 'BEGIN{ printf "%.2f", v/c }')
  printf '| %s | %s MB | %s (%s) | %s | %s (%s) | %s | %s (%s) | %s | %s (%s) | %s |\n' \
    "$n" "$size" "$(col resume 1)" "$(col resume 2)" "$(mb resume)" "$(col report 1)" "$(col report 2)" "$(mb report)" \
    "$(col verify 1)" "$(col verify 2)" "$(mb verify)" "$(col chain 1)" "$(col chain 2)" "$ratio"
done
echo
echo "Medians of $runs runs; $(go version | cut -d' ' -f3), $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)."
echo "s is wall time, CPU s user+system time (scans use every core), MB the peak RSS (ru_maxrss)."
