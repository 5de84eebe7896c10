#!/bin/bash
# Issue 8's check of the Java scorer's CUDA path on a GPU host that has PyTorch but neither a JDK nor
# DJL's CUDA natives (the lent GPU machine: nothing can be downloaded there, 64 MiB may travel).
# DJL is pointed at the host's libtorch (PYTORCH_LIBRARY_PATH) and takes the cu128 JNI library from
# pytorch-jni-2.7.1-0.36.0.jar (PYTORCH_VERSION=2.7.1, PYTORCH_FLAVOR=cu128); then bench model, eval on
# the device and on the CPU (scores compared), and two short trainings run with --device gpu.
# .gpu/bundle.tar.xz (git-ignored) holds jre17/ (jlink of java.base, java.desktop, java.logging,
# java.management, java.naming, java.sql, java.xml, jdk.unsupported, jdk.httpserver, jdk.crypto.ec;
# --compress=0, libjvm stripped), lib/ (target/classes as a jar, the DJL, Jackson, picocli, SLF4J/logback
# jars, and kafka-clients/micrometer cut down to the classes the CLI loads) and syslib/ (libjpeg.so.62,
# liblcms2.so.2 for Debian's java.desktop); .gpu/data holds a few kvasir-crops images.
# Result on an H100 with torch 2.11.0+cu130 (2026-11-26): see docs/BENCHMARKS.md, "On a GPU".
# Usage: bench/djl-gpu-check.sh OUTDIR [gpu|sim]  (sim: the same steps here, on the CPU libtorch 2.7.1)
set -u
O=$1; MODE=${2:-gpu}
mkdir -p $O
cd "$(dirname "$0")/.."
G=/tmp/ewgpu
[ -x $G/jre17/bin/java ] || { mkdir -p $G && tar -xJf .gpu/bundle.tar.xz -C $G; }
export LD_LIBRARY_PATH=$G/syslib
if [ $MODE = gpu ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  TL=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib")')
  python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda)'
  ls $TL; FL=cu128; DEV=gpu; PY=$(command -v python3)
else
  TL=$HOME/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64; FL=cpu; DEV=cpu; PY=/nonexistent
fi
export PYTORCH_LIBRARY_PATH=$TL PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=$FL DJL_CACHE_DIR=/tmp/ewdjl
python3 - $G $FL $TL $O <<'PY'
import sys, zipfile, glob, subprocess, os
g, fl, tl, o = sys.argv[1:]
jar = glob.glob(g + "/lib/pytorch-jni*.jar")[0]
open("/tmp/jni.so", "wb").write(zipfile.ZipFile(jar).read(f"jnilib/linux-x86_64/{fl}/libdjl_torch.so"))
def syms(args):
    try:
        out = subprocess.run(["nm", "-D"] + args, capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    return out
und = syms(["--undefined-only", "/tmp/jni.so"])
if und is None:
    print("no nm: symbol check skipped"); sys.exit(0)
need = {l.split()[-1].split("@")[0] for l in und.splitlines() if l.strip()}
libs = [p for p in glob.glob(tl + "/lib*.so*") if os.path.isfile(p)]
libs += [p for n in ("libstdc++.so.6", "libgcc_s.so.1", "libm.so.6", "libc.so.6")
         for p in (f"/lib/x86_64-linux-gnu/{n}", f"/usr/lib/x86_64-linux-gnu/{n}") if os.path.isfile(p)][:8]
have = set()
for l in syms(["--defined-only"] + libs).splitlines():
    parts = l.split()
    if len(parts) == 3:
        have.add(parts[2].split("@")[0])
missing = sorted(s for s in need - have if not s.startswith(("cuda", "_ITM", "__", "pthread")) and "GLIBC" not in s)
open(o + "/missing-symbols.txt", "w").write("\n".join(missing) + "\n")
print(f"libdjl_torch ({fl}) needs {len(need)} symbols; {len(missing)} not defined by {tl}")
print("\n".join(subprocess.run(["c++filt"], input="\n".join(missing[:15]), capture_output=True, text=True).stdout.splitlines()))
PY
E="$G/jre17/bin/java ${JX:-} -Dai.djl.offline=true -XX:ErrorFile=$O/hs_err_%p.log -cp $(ls $G/lib/*.jar | tr "\n" :) org.endowatch.Main --verbose"
step() { local name=$1 t=$2; shift 2; echo "== $name ($(date +%T))"; timeout $t "$@" > $O/$name.log 2>&1; echo "rc=$?"; tail -${TAILN:-12} $O/$name.log; }
TAILN=30 step bench 200 $E bench model --device $DEV --preset micro,tiny,base --schedules complementary-4,random-10 --batches ${BATCHES:-1,8,32} --repeats 10 --python $PY --out $O/bench.json
step eval-dev 120 $E eval --model models/kvasir-micro --normal .gpu/data/normal --anomalous .gpu/data/anomalous --masks .gpu/data/masks --out $O/eval-dev --device $DEV
step eval-cpu 120 $E eval --model models/kvasir-micro --normal .gpu/data/normal --anomalous .gpu/data/anomalous --masks .gpu/data/masks --out $O/eval-cpu --device cpu
python3 - $O <<'PY'
import sys, csv, json
o = sys.argv[1]
def rows(d):
    try:
        r = list(csv.DictReader(open(f"{o}/{d}/scores.csv")))
        return {x["file"]: [float(x["image_score"])] + [float(v) for v in x["patch_scores"].split()] for x in r}
    except Exception as e:
        print(d, "unreadable:", e)
a, b = rows("eval-dev"), rows("eval-cpu")
if a and b:
    diffs = [abs(x - y) for k in a if k in b for x, y in zip(a[k], b[k])]
    print(f"scores.csv device vs cpu: {len(a)} / {len(b)} images, {len(diffs)} values, max |diff| {max(diffs):.3g}")
    for d in ("eval-dev", "eval-cpu"):
        r = json.load(open(f"{o}/{d}/report.json"))
        print(d, {k: r.get(k) for k in ("device", "auc", "iou_mean", "ms_per_image")})
PY
step train-micro 150 $E train --data .gpu/data/train --out /tmp/ew-micro --preset micro --epochs 3 --batch 32 --device $DEV
step train-base 150 $E train --data .gpu/data/train --out /tmp/ew-base --preset base --epochs 2 --batch 32 --device $DEV
ls $O
