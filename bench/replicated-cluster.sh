#!/bin/bash
# The live pipeline against three brokers and against one, alternated (docs/BENCHMARKS.md, "On a
# replicated cluster"). Each broker runs in its own JVM; its CPU over the bench comes from /proc.
# Usage: bench/replicated-cluster.sh [JAR] [OUT_DIR]   (defaults: target/endowatch.jar, a new temp dir)
set -euo pipefail
JAR=$(realpath "${1:-target/endowatch.jar}")
OUT=${2:-$(mktemp -d /tmp/endowatch-replicated.XXXXXX)}
mkdir -p "$OUT"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {   # NODES NAME PORT
  local nodes=$1 name=$2 port=$3
  rm -rf "$OUT/data-$name"
  java -jar "$JAR" broker --nodes "$nodes" --port "$port" --data-dir "$OUT/data-$name" > "$OUT/broker-$name.log" 2>&1 &
  local broker=$!
  for _ in $(seq 1 120); do grep -q 'listening on' "$OUT/broker-$name.log" && break; sleep 1; done
  local bootstrap
  bootstrap=$(grep -o 'listening on [^ ]*' "$OUT/broker-$name.log" | cut -d' ' -f3)
  java -jar "$JAR" topics apply --bootstrap "$bootstrap" > /dev/null
  local c0 t0 c1 t1
  c0=$(cpu_ticks "$broker"); t0=$(date +%s.%N)
  echo "== $name: $nodes node(s), $(date -u +%H:%M:%S) UTC"
  java -Dai.djl.offline=true -jar "$JAR" bench pipeline --bootstrap "$bootstrap" --streams 1 --fps 30 --seconds 60 \
    --warmup-seconds 30 --seed 13 --out "$OUT/$name.json" > "$OUT/$name.log" 2>&1
  c1=$(cpu_ticks "$broker"); t1=$(date +%s.%N)
  grep -E 'commit.latency.avg|^pipeline: 1 stream|readable p50' "$OUT/$name.log"
  echo "broker process: $(echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0)" | bc) core(s)"
  kill "$broker"; wait "$broker" || true
}

run 3 three-nodes-round1 19092
run 1 one-node-round1 19192
run 3 three-nodes-round2 19292
run 1 one-node-round2 19392
echo "JSON and logs in $OUT"
