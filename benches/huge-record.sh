#!/bin/sh
# One huge record in each input format, as issue 24 reproduced it: an 8 MB gzip that
# expands to one 8 GiB line (text, CSV, quoted CSV, JSONL, a JSON string), then a good
# record. koe must reject the huge one, read the next, and keep its peak memory
# (VmHWM, reported in --summary-json) under 300 MB. Takes a few minutes per format
# (decompressing 8 GiB); the test suite runs the same with 400 MiB lines.
#
#   benches/huge-record.sh [KOE_BINARY] [GIB]
set -eu
KOE=${1:-target/release/koe}
GIB=${2:-8}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
for case in txt csv qcsv jsonl json; do
  case $case in
    txt)   name=t.txt.gz;   head='';                tail='\nsecond line is fine\n' ;;
    csv)   name=c.csv.gz;   head='id,text\n1,';     tail='\n2,second record is fine\n' ;;
    qcsv)  name=q.csv.gz;   head='id,text\n1,"';    tail='"\n2,second record is fine\n' ;;
    jsonl) name=l.jsonl.gz; head='{"text":"';       tail='"}\n{"text":"second record is fine"}\n' ;;
    json)  name=a.json.gz;  head='[{"text":"';      tail='"},{"text":"second record is fine"}]' ;;
  esac
  { printf "$head"; head -c $((GIB * 1024 * 1024 * 1024)) /dev/zero | tr '\0' a; printf "$tail"; } \
    | gzip -1 > "$DIR/$name"
  set +e
  "$KOE" analyze "$DIR/$name" -q --summary-json "$DIR/s.json" --rejects "$DIR/r.jsonl" > /dev/null
  code=$?
  set -e
  summary=$(tr -d ' \n' < "$DIR/s.json")
  rss=$(printf '%s' "$summary" | sed -n 's/.*"peak_rss_mb":\([0-9]*\).*/\1/p')
  read=$(printf '%s' "$summary" | sed -n 's/.*"read":\([0-9]*\).*/\1/p')
  analysed=$(printf '%s' "$summary" | sed -n 's/.*"analysed":\([0-9]*\).*/\1/p')
  echo "$case: $(du -h "$DIR/$name" | cut -f1) gzip, exit $code, read $read, analysed $analysed, peak RSS ${rss} MB"
  if [ "$code" != 1 ] || [ "$read" != 2 ] || [ "$analysed" != 1 ] || [ "${rss:-999}" -gt 300 ]; then
    fail=1
  fi
  rm -f "$DIR/$name"
done
exit $fail
