#!/bin/bash
# Issue 8's check of the Java scorer's CUDA path on a GPU host that has PyTorch but neither a JDK nor
# DJL's CUDA natives (the lent GPU machine: nothing can be downloaded there, 64 MiB may travel).
# DJL 0.36's own JNI library runs only on the libtorch it was built for (2.7.1; against the host's 2.11
# it lacked 7 symbols and failed on the first tensor, docs/BENCHMARKS.md "On a GPU"), so the check first
# compiles bench/djl-jni-min (the natives endowatch calls, written against the host's headers) into the
# host's torch/lib, then points DJL there (PYTORCH_LIBRARY_PATH) and runs the STEPS:
#   eval       eval on the device and on the CPU, scores compared
#   bench      bench model on the device with the PyTorch reference beside it (network, whole path)
#   train      two short trainings on the device (micro, base)
#   trainspeed training throughput on 1,536 images made from the carried 64, beside the reference's step
#   half       --precision fp16 against fp32: eval scores and AUC, bench model on the base network
#   pipeline   bench pipeline (embedded broker, Kafka Streams scorer) with models/synthetic-micro, for each
#              count of rooms in PIPE_STREAMS (default "1 8"); procedures rendered (no FFmpeg natives there)
#   pipebase   the same with the paper's base network: synth frames, train on the device (BASE_EPOCHS,
#              default 6), calibrate, then bench pipeline for each count in BASE_STREAMS (default "1")
# Result on an H100 with torch 2.11.0+cu130 (2026-11-27): docs/BENCHMARKS.md, "On a GPU: the Java
# scorer's CUDA path"; files in docs/bench/h100-java-cuda-2026-11-27/.
# pipeline and pipebase (2026-11-28): "On a GPU: the live pipeline", files in docs/bench/h100-pipeline-2026-11-28/.
# .gpu/bundle.tar.xz (git-ignored) is made by bench/djl-jni-min/bundle.sh.
# Usage: [STEPS='eval bench train trainspeed'] bench/djl-gpu-check.sh OUTDIR [gpu|sim]   (STEPS default: eval bench train)
#   sim: the same steps on the CPU, against TORCH_DIR (a PyTorch package folder: include/ and lib/);
#   PYTHON: an interpreter with Pillow for trainspeed's images (default python3)
set -u
O=$1; MODE=${2:-gpu}
mkdir -p $O
cd "$(dirname "$0")/.."
# A second run on a still-warm machine: train and synth frames refuse folders that hold an earlier run's.
rm -rf /tmp/ew-micro /tmp/ew-base /tmp/ew-speed-* /tmp/ewsyn /tmp/ew-synbase
G=/tmp/ewgpu
[ -x $G/jre17/bin/java ] || { mkdir -p $G && tar -xJf .gpu/bundle.tar.xz -C $G; }
export LD_LIBRARY_PATH=$G/syslib
printf '<?xml version="1.0"?>\n<fontconfig><dir>%s</dir><cachedir>/tmp/ewfc</cachedir></fontconfig>\n' $G/fonts > $G/fonts/fonts.conf
export FONTCONFIG_FILE=$G/fonts/fonts.conf
JX=""
if [ $MODE = gpu ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  TD=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')
  python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11abi", torch.compiled_with_cxx11_abi())'
  g++ --version | head -1
  # DJL counts GPUs through libcudart, loaded with JNA by the name "cudart".
  CR=$(python3 -c 'import glob,os,torch;r=os.path.dirname(os.path.dirname(torch.__file__));print((sorted(glob.glob(r+"/nvidia/**/libcudart.so*",recursive=True))+glob.glob("/usr/local/cuda/lib64/libcudart.so*"))[0])')
  mkdir -p /tmp/cudart && ln -sf $CR /tmp/cudart/libcudart.so && JX="-Djna.library.path=/tmp/cudart"
  echo "cudart: $CR"
  DEV=gpu; PY=$(command -v python3); FL=cu130
else
  TD=${TORCH_DIR:?sim needs TORCH_DIR}; DEV=cpu; PY=/nonexistent; FL=cpu
fi
V=$(sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" $TD/version.py); V=${V:-unknown}
echo "== build ($(date +%T))"
( time bench/djl-jni-min/build.sh $TD $G/hdr $TD/lib/libdjl_torch.so ) > $O/build.log 2>&1; echo "rc=$?"; grep -v "warning\|note:" $O/build.log | tail -6
export PYTORCH_LIBRARY_PATH=$TD/lib PYTORCH_VERSION=$V PYTORCH_FLAVOR=$FL DJL_CACHE_DIR=/tmp/ewdjl
E="$G/jre17/bin/java $JX -Dai.djl.offline=true -XX:ErrorFile=$O/hs_err_%p.log -cp $(ls $G/lib/*.jar | tr "\n" :) org.endowatch.Main --verbose"
step() { local name=$1 t=$2; shift 2; echo "== $name ($(date +%T))"; timeout $t "$@" > $O/$name.log 2>&1; echo "rc=$?"; tail -${TAILN:-12} $O/$name.log; }
D=$G/data
# Two eval reports of the same images: their settings and AUC, and how far their scores.csv differ.
compare() {
python3 - "$@" <<'PY'
import sys, csv, json
o, first, second = sys.argv[1:]
rows = {}
for d in (first, second):
    try:
        rows[d] = {x["file"]: [float(x["image_score"])] + [float(v) for v in x["patch_scores"].split()]
                   for x in csv.DictReader(open(f"{o}/{d}/scores.csv"))}
        r = json.load(open(f"{o}/{d}/report.json"))
        print(d, {k: r.get(k) for k in ("device", "precision", "auc", "ms_per_image")})
    except Exception as e:
        print(d, "unreadable:", e)
if len(rows) == 2:
    a, b = rows[first], rows[second]
    diffs = [abs(x - y) for k in a if k in b for x, y in zip(a[k], b[k])]
    print(f"scores.csv {second} vs {first}: {len(a)} / {len(b)} images, {len(diffs)} values, "
          f"max |diff| {max(diffs):.3g}, mean {sum(diffs) / len(diffs):.3g}")
PY
}
has() { case " ${STEPS:-eval bench train} " in *" $1 "*) return 0 ;; esac; return 1; }
if has eval; then
step eval-dev 90 $E eval --model models/kvasir-micro --normal $D/normal --anomalous $D/anomalous --out $O/eval-dev --device $DEV
step eval-cpu 90 $E eval --model models/kvasir-micro --normal $D/normal --anomalous $D/anomalous --out $O/eval-cpu --device cpu
compare $O eval-dev eval-cpu
fi
if has bench; then
TAILN=40 step bench ${BENCH_S:-240} $E bench model --device $DEV --preset ${PRESETS:-micro,tiny,base} --schedules complementary-4,random-10 --batches ${BATCHES:-1,8,32} --repeats ${REPEATS:-10} --python $PY --out $O/bench.json
# The reference's whole scoring path (anomaly map included) in the same run, beside endowatch's ms/frame.
[ $MODE = gpu ] && TAILN=3 step reference-with-map 150 python3 bench/memmc_mae_reference.py --device cuda --presets ${PRESETS:-micro,tiny,base} \
  --schedules complementary-4,random-10 --batches ${BATCHES:-1,8,32} --repeats ${REPEATS:-10} --with-map
fi
if has train; then
step train-micro 60 $E train --data $D/train --out /tmp/ew-micro --preset micro --epochs 3 --batch 32 --device $DEV
[ $MODE = gpu ] && step train-base 90 $E train --data $D/train --out /tmp/ew-base --preset base --epochs 2 --batch 32 --device $DEV
fi
# Training throughput: the 64 carried images in their 8 flips and quarter turns, at 3 crops each (1,536
# images, nothing more can travel), 2 epochs at batch 64; images/s of the second epoch from training-log.csv,
# beside the reference's training step (--train-batch 64) in the same run.
if has trainspeed; then
${PYTHON:-python3} - $D/train /tmp/ew-many <<'PY'
import os, sys
from PIL import Image, ImageOps
src, out = sys.argv[1:]
os.makedirs(out, exist_ok=True)
for f in sorted(os.listdir(src)):
    im = Image.open(os.path.join(src, f)).convert("RGB")
    w, h = im.size
    for c, box in enumerate([(0, 0, w, h), (0, 0, w * 3 // 4, h * 3 // 4), (w // 4, h // 4, w, h)]):
        base = im.crop(box)
        for k in range(8):
            v = base.rotate(90 * (k % 4), expand=True)
            (ImageOps.mirror(v) if k >= 4 else v).save(f"{out}/{f[:-4]}_{c}{k}.jpg", quality=92)
print(len(os.listdir(out)), "training images")
PY
for p in ${TRAIN_PRESETS:-micro base}; do
  step train-speed-$p ${TRAIN_S:-150} $E train --data /tmp/ew-many --out /tmp/ew-speed-$p --preset $p --epochs 2 --batch 64 --val-fraction 0 --device $DEV
  cp /tmp/ew-speed-$p/training-log.csv $O/train-speed-$p.csv
done
[ $MODE = gpu ] && TAILN=4 step reference-train ${REF_S:-150} python3 bench/memmc_mae_reference.py --device cuda --presets $(echo ${TRAIN_PRESETS:-micro base} | tr " " ,) \
  --schedules random-10 --batches 1 --repeats 3 --train-batch 64
fi
# Half precision (--precision fp16) against float32 on the same device in the same run: eval's scores
# and AUC, then bench model on the base network (the reference is not rerun).
if has half; then
for pr in fp32 fp16; do
  step eval-$pr 60 $E eval --model models/kvasir-micro --normal $D/normal --anomalous $D/anomalous --out $O/eval-$pr --device $DEV --precision $pr
done
compare $O eval-fp32 eval-fp16
for pr in fp16 fp32; do
  TAILN=9 step bench-$pr ${HALF_BENCH_S:-70} $E bench model --device $DEV --precision $pr --preset ${HALF_PRESETS:-base} \
    --schedules complementary-4,random-10 --batches ${HALF_BATCHES:-1,8,32} --repeats ${REPEATS:-5} --python /nonexistent --out $O/bench-$pr.json
done
fi
# The live pipeline: generated procedures at 30 fps through an embedded broker into the Kafka Streams
# scorer on the device; a room count per run (bench pipeline's JSON per run).
# PIPE_BACKLOGS: bench pipeline's --backlog-batch values to run each room count with (default: its own);
# PIPE_EXTRA: more bench pipeline options for every run (e.g. "--intra-op-threads 2 --frame-workers 4").
#   Next to confirm (a CPU stand-in for the device, BENCHMARKS "The GPU scorer's limit, taken apart on the
#   CPU"): PIPE_EXTRA='--threads 6 --batch-wait-ms 0' PIPE_BACKLOGS=8 PIPE_STREAMS='8 16'.
pipeline() {
  local name=$1 model=$2 n=$3
  for b in ${PIPE_BACKLOGS:-default}; do
    local id=$name-$n opt=""
    [ $b != default ] && id=$name-$n-b$b opt="--backlog-batch $b"
    TAILN=${PIPE_TAIL:-8} step $id ${PIPE_S:-150} $E bench pipeline --procedure-frames rendered --model $model --streams $n $opt ${PIPE_EXTRA:-} \
      --seconds ${PIPE_SECONDS:-30} --warmup-seconds ${PIPE_WARMUP:-15} --work-dir /tmp/ewpipe-$id --out $O/$id.json
  done
}
if has pipeline; then
  for n in ${PIPE_STREAMS:-1 8}; do pipeline pipeline-micro models/synthetic-micro $n; done
fi
if has pipebase; then
  step synth 120 $E synth frames --out /tmp/ewsyn --count ${BASE_IMAGES:-600} --anomalous 0 --size 256 --seed 1
  step train-synbase ${BASE_TRAIN_S:-240} $E train --data /tmp/ewsyn/normal --out /tmp/ew-synbase --preset base \
    --epochs ${BASE_EPOCHS:-6} --batch 32 --warmup-epochs 1 --seed 1 --device $DEV
  cp /tmp/ew-synbase/training-log.csv $O/train-synbase.csv
  step calibrate-synbase 120 $E calibrate --model /tmp/ew-synbase --normal /tmp/ewsyn/normal --device $DEV
  for n in ${BASE_STREAMS:-1}; do pipeline pipeline-base /tmp/ew-synbase $n; done
fi
ls $O
