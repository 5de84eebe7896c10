#!/bin/bash
# What a restart reads (docs/BENCHMARKS.md): a fresh broker, a live procedure, a pending-frames
# changelog filled with MB megabytes, then a scorer started; prints the time to its first scored frame.
# Usage: bench/restore-time.sh MB [JAR] [OUT_DIR]
#   CONFIGS="segment.ms=60000,segment.bytes=16777216,delete.retention.ms=300000" WAIT_S=45 for the shipped configs
set -euo pipefail
MB=$1
JAR=$(realpath "${2:-target/endowatch.jar}")
OUT=$(realpath "${3:-$(mktemp -d /tmp/endowatch-restore.XXXXXX)}")
BENCH=$(dirname "$(realpath "$0")")
PORT=19092
mkdir -p "$OUT"; rm -rf "$OUT/data-$MB"
[ -f "$OUT/procedure.mp4" ] || java -jar "$JAR" synth procedure --out "$OUT/procedure.mp4" --seconds 120 --seed 5 > /dev/null
java -jar "$JAR" broker --port $PORT --data-dir "$OUT/data-$MB" > "$OUT/broker-$MB.log" 2>&1 &
BROKER=$!
for _ in $(seq 1 60); do grep -q 'listening on' "$OUT/broker-$MB.log" && break; sleep 1; done
java -jar "$JAR" topics apply --bootstrap 127.0.0.1:$PORT > /dev/null
java -jar "$JAR" ingest --bootstrap 127.0.0.1:$PORT --source "$OUT/procedure.mp4" --procedure rt-room --realtime \
  > "$OUT/ingest-$MB.log" 2>&1 &
INGEST=$!
java -Dai.djl.offline=true -cp "$JAR" "$BENCH/RestoreTime.java" 127.0.0.1:$PORT "rt$MB" rt-room "$MB" 25 "$JAR" \
  "$(dirname "$BENCH")/models/demo-micro" "$OUT"
kill $INGEST $BROKER; wait $BROKER 2>/dev/null || true
