#!/bin/bash
# When an alert open at the end of a recording ends (docs/BENCHMARKS.md, "An alert open when the
# recording ends"): a fresh broker, then ROUNDS rounds of each JAR in turn: a scorer (demo-micro) is
# started, a generated procedure is ingested live (--realtime) up to three quarters into its lesion
# (--max-frames 132 of seed 5, lesion frames 91-146), and the alert's end is timed as a console sees it
# (`alerts --follow`, read committed) from the moment ingest returned (it has told `procedures` by then).
# Prints per round: jar, scorer start (launch to its "scoring" line), end reason, ingest exit -> end seen.
# Usage: bench/recording-end.sh OUT_DIR ROUNDS JAR...
set -euo pipefail
OUT=$(realpath "$1"); ROUNDS=$2; shift 2
JARS=(); for j in "$@"; do JARS+=("$(realpath "$j")"); done
MODEL=$(realpath "$(dirname "$(realpath "$0")")/../models/demo-micro")
PORT=19192
BOOT=127.0.0.1:$PORT
ms() { date +%s%3N; }
mkdir -p "$OUT"; rm -rf "$OUT/data"
J0=${JARS[0]}
[ -f "$OUT/procedure.mp4" ] || java -jar "$J0" synth procedure --out "$OUT/procedure.mp4" --seconds 8 --seed 5 > /dev/null
java -jar "$J0" broker --port $PORT --data-dir "$OUT/data" > "$OUT/broker.log" 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do grep -q 'listening on' "$OUT/broker.log" && break; sleep 1; done
java -jar "$J0" topics apply --bootstrap $BOOT > /dev/null
printf 'round\tjar\tscorer_start_ms\treason\tingest_exit_to_end_seen_ms\tword_to_end_seen_ms\n'
for r in $(seq 1 "$ROUNDS"); do
  for k in "${!JARS[@]}"; do
    JAR=${JARS[$k]}; P="re-$r-$k"; L="$OUT/$P"
    t0=$(ms)
    java -Dai.djl.offline=true -jar "$JAR" score --bootstrap $BOOT --model "$MODEL" --application-id "re-bench-$k" \
      --state-dir "$OUT/state-$k" --metrics-port 0 > "$L.score.out" 2> "$L.score.err" &
    SCORER=$!
    for _ in $(seq 1 120); do grep -q '^scoring' "$L.score.out" && break; sleep 0.1; done
    started=$(( $(ms) - t0 ))
    # Through a process substitution, so $! is the follower's JVM (in a pipeline it was the loop, and
    # killing that left the JVM polling a broker that was gone).
    java -jar "$JAR" alerts --bootstrap $BOOT --follow --json --procedure "$P" 2> /dev/null \
      > >(while IFS= read -r line; do printf '%s %s\n' "$(ms)" "$line"; done > "$L.alerts") &
    FOLLOW=$!
    sleep 3
    java -jar "$JAR" ingest --bootstrap $BOOT --source "$OUT/procedure.mp4" --procedure "$P" --realtime \
      --max-frames 132 > "$L.ingest.log" 2>&1
    exited=$(ms)
    for _ in $(seq 1 300); do grep -q '"alert-end"' "$L.alerts" && break; sleep 0.1; done
    end=$(grep '"alert-end"' "$L.alerts" | head -1 || true)
    if [ -z "$end" ]; then
      printf '%s\t%s\t%s\tnone\t-\t-\n' "$r" "$(basename "$JAR")" "$started"
    else
      seen=${end%% *}
      reason=$(sed -n 's/.*"endReason":"\([a-z-]*\)".*/\1/p' <<< "$end")
      evts=$(sed -n 's/.*"eventTimestampMs":\([0-9]*\).*/\1/p' <<< "$end")
      word='-'; [ "$reason" = recording-ended ] && word=$(( seen - evts ))
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$(basename "$JAR")" "$started" "$reason" $(( seen - exited )) "$word"
    fi
    kill $FOLLOW 2>/dev/null || true; wait $FOLLOW 2>/dev/null || true
    kill $SCORER; wait $SCORER 2>/dev/null || true
  done
done
