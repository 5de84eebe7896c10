#!/usr/bin/env bash
# The long-run benchmark of issue 10 (not CI): a generated procedure replayed in real time, back to
# back under new procedure ids, through a broker into the scorer for MINUTES, sampling the scorer's
# resident memory, heap and latency every SAMPLE_S seconds into OUT/samples.csv.
#   bench/long-run.sh [MINUTES=60] [OUT=target/long-run] [SAMPLE_S=30]
# Needs target/endowatch.jar (mvn package). Each of broker, ingest and scorer is its own JVM so the
# scorer's RSS is the scorer's alone.
set -euo pipefail
MINUTES=${1:-60}
OUT=${2:-target/long-run}
SAMPLE_S=${3:-30}
JAR=${JAR:-target/endowatch.jar}
PORT=${PORT:-29092}
METRICS=${METRICS:-29464}
JAVA=(java -Dai.djl.offline=true)
mkdir -p "$OUT"
BOOT=127.0.0.1:$PORT
pids=()
# The ingest loop runs in its own process group so that stopping it also stops its current ingest.
cleanup() { if [ -n "${LOOP:-}" ]; then kill -- -"$LOOP" 2>/dev/null || true; fi; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

[ -f "$OUT/procedure.mp4" ] || "${JAVA[@]}" -jar "$JAR" synth procedure --out "$OUT/procedure.mp4" --seconds 300 --fps 30 --seed 21 > "$OUT/synth.log" 2>&1
"${JAVA[@]}" -jar "$JAR" broker --port "$PORT" --data-dir "$OUT/kafka" > "$OUT/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 60); do "${JAVA[@]}" -jar "$JAR" topics apply --bootstrap "$BOOT" --timeout-s 5 > "$OUT/topics.log" 2>&1 && break; sleep 2; done
"${JAVA[@]}" -Xmx${SCORER_HEAP:-1g} -jar "$JAR" score --bootstrap "$BOOT" --model "${MODEL:-models/demo-micro}" \
  --metrics-port "$METRICS" --state-dir "$OUT/state" > "$OUT/scorer.log" 2>&1 & SCORER=$!; pids+=($SCORER)
setsid bash -c 'i=0; while true; do i=$((i+1)); "$@" --procedure "long-$i" >> "'"$OUT"'/ingest.log" 2>&1 || exit 1; done' loop \
  "${JAVA[@]}" -jar "$JAR" ingest --bootstrap "$BOOT" --source "$OUT/procedure.mp4" --realtime & LOOP=$!

metric() { # name and optional label filter -> value (first match), "" when absent
  grep -E "^$1(\{[^}]*${2:-}[^}]*\})? " "$OUT/metrics.txt" | head -1 | awk '{print $NF}' || true
}
# Capture -> score quantiles over the last interval only, from the histogram's bucket counts minus
# those of the previous scrape: the upper bound of the first bucket holding the quantile (buckets
# are ~15-25 % apart, so read these as "at most").
interval_quantile() {
  awk -v q="$1" -v prev="$OUT/buckets.prev" '
    BEGIN { while ((getline line < prev) > 0) { split(line, f, " "); before[f[1]] = f[2] } }
    /^endowatch_capture_to_score_seconds_bucket/ {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n++; les[n] = le; d[n] = $NF - before[le] }
    END { total = d[n]; if (total <= 0) { print ""; exit }
          for (i = 1; i <= n; i++) if (d[i] >= q * total) { printf "%.0f", les[i] * 1000; exit } }' "$OUT/metrics.txt"
}
echo "elapsed_s,rss_mb,heap_used_mb,scored,skipped,dead_lettered,interval_scored_fps,interval_capture_to_score_p50_ms,interval_capture_to_score_p99_ms,cpu_process" > "$OUT/samples.csv"
start=$(date +%s)
: > "$OUT/buckets.prev"
last_scored=0
while [ $(( $(date +%s) - start )) -lt $(( MINUTES * 60 )) ]; do
  sleep "$SAMPLE_S"
  kill -0 "$SCORER" || { echo "scorer died" >&2; exit 1; }
  curl -s "http://127.0.0.1:$METRICS/metrics" > "$OUT/metrics.txt" || continue
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$SCORER/status")
  heap=$(awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%.1f", s / 1048576}' "$OUT/metrics.txt")
  scored=$(metric endowatch_frames_scored_total); scored=${scored:-0}
  fps=$(awk -v a="$scored" -v b="$last_scored" -v t="$SAMPLE_S" 'BEGIN {printf "%.1f", (a - b) / t}')
  echo "$(( $(date +%s) - start )),$((rss_kb / 1024)),$heap,$scored,$(metric endowatch_frames_skipped_total),$(metric endowatch_frames_dead_lettered_total),$fps,$(interval_quantile 0.5),$(interval_quantile 0.99),$(metric process_cpu_usage)" >> "$OUT/samples.csv"
  awk '/^endowatch_capture_to_score_seconds_bucket/ { match($0, /le="[^"]*"/); print substr($0, RSTART + 4, RLENGTH - 5), $NF }' "$OUT/metrics.txt" > "$OUT/buckets.prev"
  last_scored=$scored
  tail -1 "$OUT/samples.csv"
done
