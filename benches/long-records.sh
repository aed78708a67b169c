#!/bin/sh
# Records of 1 MB of Japanese (issue 24, "Peak RSS <= 300 MB whatever the input"):
# 48 lines of ~1,000,000 bytes each, cut from ../shared/corpus/ja.txt, through
# `koe analyze`; fails when the peak (VmHWM, reported in --summary-json) is over
# LIMIT MB. Measured: ~260 MB (mimalloc 3 and a 32 MiB read-ahead: 310-350 MB).
#
#   benches/long-records.sh [KOE_BINARY] [RECORDS] [LIMIT_MB]
set -eu
KOE=${1:-target/release/koe}
N=${2:-48}
LIMIT=${3:-280}
CORPUS=${CORPUS:-../shared/corpus/ja.txt}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
# One record: the corpus lines joined with a space up to ~1,000,000 bytes (the corpus
# read as many times as N records need).
times=$(( N * 1000000 / $(wc -c < "$CORPUS") + 1 ))
for _ in $(seq "$times"); do cat "$CORPUS"; done | tr '\n' ' ' | fold -b -w 999000 | iconv -f UTF-8 -t UTF-8 -c | head -n "$N" > "$DIR/long.txt"
"$KOE" analyze "$DIR/long.txt" -q -o "$DIR/out.jsonl" --summary-json "$DIR/s.json"
summary=$(tr -d ' \n' < "$DIR/s.json")
rss=$(printf '%s' "$summary" | sed -n 's/.*"peak_rss_mb":\([0-9]*\).*/\1/p')
analysed=$(printf '%s' "$summary" | sed -n 's/.*"analysed":\([0-9]*\).*/\1/p')
echo "$N records of ~1 MB: analysed $analysed, peak RSS ${rss} MB (limit $LIMIT)"
[ "$analysed" = "$N" ] && [ "${rss:-999}" -le "$LIMIT" ]
