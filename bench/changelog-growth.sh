#!/bin/bash
# How fast the scorer's changelogs fill (docs/BENCHMARKS.md, "What a restart reads"): one live
# 120 s procedure scored with the shipped defaults; the topics' sizes on disk after.
# Usage: bench/changelog-growth.sh [JAR] [OUT_DIR]
set -euo pipefail
JAR=$(realpath "${1:-target/endowatch.jar}")
OUT=$(realpath "${2:-$(mktemp -d /tmp/endowatch-growth.XXXXXX)}")
MODEL=$(dirname "$(dirname "$(realpath "$0")")")/models/demo-micro
PORT=19093
mkdir -p "$OUT"; rm -rf "$OUT/data" "$OUT/state"
java -jar "$JAR" synth procedure --out "$OUT/procedure.mp4" --seconds 120 --seed 5 > /dev/null
java -jar "$JAR" broker --port $PORT --data-dir "$OUT/data" > "$OUT/broker.log" 2>&1 &
BROKER=$!
for _ in $(seq 1 60); do grep -q 'listening on' "$OUT/broker.log" && break; sleep 1; done
java -jar "$JAR" topics apply --bootstrap 127.0.0.1:$PORT > /dev/null
java -Dai.djl.offline=true -jar "$JAR" score --bootstrap 127.0.0.1:$PORT --model "$MODEL" --application-id grow \
  --state-dir "$OUT/state" --metrics-port 0 > "$OUT/score.log" 2>&1 &
SCORER=$!
sleep 12
java -jar "$JAR" ingest --bootstrap 127.0.0.1:$PORT --source "$OUT/procedure.mp4" --procedure grow-room --realtime | tail -1
sleep 5
# The partitions that hold the procedure (the others are empty: a few kB of index files each).
du -sk "$OUT"/data/kraft-logs/frames-* "$OUT"/data/kraft-logs/grow-*changelog* | awk '$1 > 100'
# The alert-state changelog may be under that: its size on disk, every partition.
du -skc "$OUT"/data/kraft-logs/grow-alert-state-changelog-* | tail -1
kill $SCORER; sleep 3; kill $BROKER; wait $BROKER 2>/dev/null || true
# Its end offsets (records and transaction markers), from the checkpoint the broker writes at its stop.
awk '$1 == "grow-alert-state-changelog" {n += $3} END {print "alert-state changelog end offsets, summed:", n}' \
  "$OUT"/data/kraft-logs/replication-offset-checkpoint
