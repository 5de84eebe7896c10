#!/bin/bash
# Issue 4's compute question on a lent GPU (bench/gpu_train.py): the tiny preset for ~3 minutes
# (weights exported for endowatch's own calibrate/eval here) and the paper's base network for ~4
# minutes in bf16 (validation AUC only: 480 MB of weights cannot travel back).
# .gpudata (git-ignored, carried): train/ = kvasir-crops/train/normal less the 145 held-out names
# of models/kvasir-micro/validation-files.txt, valnormal/ = those 145, valanomalous/ = the 495
# crops of bench/KvasirValidationCrops.java, masks-PRESET.bin from bench/ReferenceWeights.java masks.
# Usage: bench/gpu-train-run.sh OUTDIR   (SMOKE="--limit 16 --batch 8 --device cpu" PY=... to try it on a CPU)
set -u
O=$1
cd "$(dirname "$0")/.."
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null
$PY -c 'import torch;print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
D=.gpudata
run() {
  local name=$1 t=$2; shift 2
  echo "== $name $(date +%T)"; mkdir -p $O/$name
  timeout $t $PY bench/gpu_train.py --train $D/train --val-normal $D/valnormal --val-anomalous $D/valanomalous \
    --out $O/$name "$@" ${SMOKE:-} > $O/$name.log 2>&1
  echo "rc=$?"; grep -v '^{' $O/$name.log | tail -n 8; grep '"val_auc"' $O/$name.log | tail -n 4
}
run tiny ${TINY_S:-270} --preset tiny --masks $D/masks-tiny.bin --minutes ${TINY_MIN:-3.2} --batch 64 --lr 8e-3 \
  --warmup-epochs 10 --val-every 10 --export $O/tiny/w
run base ${BASE_S:-320} --preset base --masks $D/masks-base.bin --minutes ${BASE_MIN:-3.8} --batch 64 --lr 1.5e-3 \
  --warmup-epochs 5 --val-every 5 --bf16
ls -la $O $O/*
