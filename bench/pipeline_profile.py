#!/usr/bin/env python3
"""Where the CPU goes on the live path (issue 8): runs `endowatch bench pipeline` (broker, producer,
scorer in one JVM) and reads every thread's CPU time from /proc while it runs, so PyTorch's native
worker threads count as well as the Java ones. Writes to OUT:
  threads.csv    CPU seconds per thread group over the whole run and over the measured part (from
                 the line where the bench starts sending to the end), and each group's share
  pipeline.json, pipeline.log   the bench's own output
Usage: bench/pipeline_profile.py JAR OUT [bench pipeline options...]
e.g.   bench/pipeline_profile.py target/endowatch.jar target/profile --streams 1 --fps 30 --seconds 30
A benchmark, not a test: numbers go to docs/BENCHMARKS.md with the command, machine and date.
(Java Flight Recorder was tried for a per-method split and left out: its sampler takes one thread
in native code per period, and with the broker's many threads waiting in epoll it almost never
picked the scoring thread inside libtorch.)
"""
import collections
import os
import re
import subprocess
import sys
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START = re.compile(r"^pipeline: \d+ streams x")   # printed once the procedure is generated, before sending


def thread_cpu(pid):
    """{tid: (name, cpu seconds)} of a live process, from /proc/PID/task/*/stat."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended between listdir and open
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)  # utime + stime
    return out


def group(name):
    """Thread names without their numbers (and without the Streams application id), so that the
    broker's handlers or the scorer's stream threads add up. PyTorch's own worker threads are not
    Java threads: they keep the process name, "java", which they share with the JVM's main thread."""
    if "StreamThread" in name or name.startswith("bench.bench"):  # /proc keeps 15 characters of a name
        return "kafka-streams StreamThread"
    return re.sub(r"[-_ ]?\d+", "", name).rstrip("-_ #") or name


def by_group(readings):
    totals = collections.Counter()
    for name, seconds in readings.values():
        totals[group(name)] += seconds
    return totals


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    jar, out, options = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    log_path = os.path.join(out, "pipeline.log")
    command = ["java", "-Dai.djl.offline=true", "-jar", jar, "bench", "pipeline", *options,
               "--out", os.path.join(out, "pipeline.json")]
    print("running:", " ".join(command), flush=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        last, at_start, started = {}, None, None
        while process.poll() is None:
            try:
                last.update(thread_cpu(process.pid))  # threads that end keep their last reading
            except FileNotFoundError:
                break
            if at_start is None and any(START.match(line) for line in open(log_path)):
                at_start, started = dict(last), time.monotonic()
            time.sleep(0.5)
    if process.returncode != 0 or at_start is None:
        sys.exit(f"bench pipeline failed (exit {process.returncode}); see {log_path}")
    wall = time.monotonic() - started

    whole = by_group(last)
    before = by_group(at_start)
    measured = collections.Counter({g: whole[g] - before.get(g, 0) for g in whole})
    total = sum(measured.values())
    with open(os.path.join(out, "threads.csv"), "w") as f:
        f.write("thread_group,cpu_s_whole_run,cpu_s_measured,share_measured\n")
        for name, seconds in measured.most_common():
            f.write(f"{name},{whole[name]:.2f},{seconds:.2f},{seconds / total:.3f}\n")
    print(f"measured part: {wall:.1f} s wall, {total:.1f} CPU s ({total / wall:.2f} cores busy); by thread group:")
    for name, seconds in measured.most_common(12):
        print(f"  {seconds:7.1f} s  {100 * seconds / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
