#!/usr/bin/env python3
"""Sums a libtorch profiler trace (Chrome-trace JSON from bench/NetworkProfile.java, or any trace
of CPU operators) per top-level operator: how many calls and how long per forward, and how much of
the forward's span lies between operators (the caller's own cost: Java, JNI, the graph executor).

  profile_ops.py TRACE.json FORWARDS [SKIP_NAME]

SKIP_NAME drops an enclosing event (a TorchScript module's "forward") so its operators count as top level.
"""
import collections
import json
import sys


def main():
    trace, forwards = sys.argv[1], int(sys.argv[2])
    skip = sys.argv[3] if len(sys.argv) > 3 else None
    events = [e for e in json.load(open(trace))
              if e.get("ph") == "X" and e.get("pid") == "CPU Functions" and e["name"] != skip]
    events.sort(key=lambda e: (e["ts"], -e["dur"]))
    top, end = [], -1.0
    for e in events:   # nested events (an operator's own sub-operators) start before the enclosing one ends
        if e["ts"] >= end:
            top.append(e)
            end = e["ts"] + e["dur"]
    span = top[-1]["ts"] + top[-1]["dur"] - top[0]["ts"]
    busy = sum(e["dur"] for e in top)
    print(f"{len(top) / forwards:.0f} top-level operators per forward; {span / forwards / 1000:.2f} ms per forward "
          f"under the profiler, {busy / forwards / 1000:.2f} ms inside operators ({100 * busy / span:.0f} %), "
          f"{(span - busy) / forwards / 1000:.2f} ms between them")
    calls, time = collections.Counter(), collections.Counter()
    for e in top:
        calls[e["name"]] += 1
        time[e["name"]] += e["dur"]
    for name, _ in time.most_common(15):
        print(f"  {name:28s} {calls[name] / forwards:6.1f} calls {time[name] / forwards / 1000:7.3f} ms")
    products(top, forwards)


def products(top, forwards):
    """Each matmul shape's time and rate, where the trace recorded shapes (NetworkProfile does)."""
    by_shape = collections.defaultdict(lambda: [0, 0.0])
    for e in top:
        if e["name"] == "aten::matmul" and e.get("shape"):
            by_shape[str(e["shape"])][0] += 1
            by_shape[str(e["shape"])][1] += e["dur"]
    if not by_shape:
        return
    print("\n  matmul by shape (per forward): calls, ms, GFLOP/s")
    for shape, (n, us) in sorted(by_shape.items(), key=lambda kv: -kv[1][1]):
        a, b = json.loads(shape)
        rows = 1
        for d in a[:-1]:
            rows *= d
        flop = 2 * rows * a[-1] * b[-1]   # [.., m, k] x [.., k, n]: rows = every leading dim times m
        print(f"  {n / forwards:5.1f} {us / forwards / 1000:7.3f} {flop / (us / n) / 1e3:7.1f}  {shape}")


if __name__ == "__main__":
    main()
