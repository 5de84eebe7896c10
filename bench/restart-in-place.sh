#!/bin/bash
# A scorer killed (SIGKILL) mid-procedure and started again at once on the same node and state folder,
# as a supervisor does (docs/BENCHMARKS.md, "A scorer restarted in place"): prints the longest time the
# live procedure went without a scored frame. MODE drawn: the scorer's own group.instance.id (a new UUID
# each start); MODE fixed: one given in --kafka-config, the same at the restart.
# Usage: bench/restart-in-place.sh drawn|fixed [JAR] [OUT_DIR]
set -euo pipefail
MODE=$1
JAR=$(realpath "${2:-target/endowatch.jar}")
OUT=$(realpath "${3:-$(mktemp -d /tmp/endowatch-restart.XXXXXX)}")
BENCH=$(dirname "$(realpath "$0")")
PORT=19192
mkdir -p "$OUT"; rm -rf "$OUT/data" "$OUT/state" "$OUT"/score-*.log
[ -f "$OUT/procedure.mp4" ] || java -jar "$JAR" synth procedure --out "$OUT/procedure.mp4" --seconds 40 --seed 5 > /dev/null
java -jar "$JAR" broker --port $PORT --data-dir "$OUT/data" > "$OUT/broker.log" 2>&1 &
BROKER=$!
for _ in $(seq 1 60); do grep -q 'listening on' "$OUT/broker.log" && break; sleep 1; done
java -jar "$JAR" topics apply --bootstrap 127.0.0.1:$PORT > /dev/null
: > "$OUT/client.properties"
[ "$MODE" = fixed ] && echo "group.instance.id=node-a-scorer" > "$OUT/client.properties"
score() {
  java -Dai.djl.offline=true -jar "$JAR" score --bootstrap 127.0.0.1:$PORT --model "$(dirname "$BENCH")/models/demo-micro" \
    --state-dir "$OUT/state" --metrics-port 0 --kafka-config "$OUT/client.properties" >> "$OUT/score-$1.log" 2>&1 &
  echo $!
}
SCORER=$(score 1)
for _ in $(seq 1 90); do grep -q 'metrics on' "$OUT/score-1.log" && break; sleep 1; done
java -jar "$JAR" ingest --bootstrap 127.0.0.1:$PORT --source "$OUT/procedure.mp4" --procedure restart-room --realtime \
  > "$OUT/ingest.log" 2>&1 &
INGEST=$!
sleep 15
KILLED_MS=$(date +%s%3N)
kill -9 "$SCORER"
SCORER=$(score 2)
echo "$MODE: killed at $(date -u +%H:%M:%S) UTC and started again"
wait "$INGEST"
sleep 20
java -cp "$JAR" "$BENCH/ScoreGaps.java" 127.0.0.1:$PORT restart-room "$KILLED_MS"
kill "$SCORER" "$BROKER"; wait "$BROKER" 2>/dev/null || true
