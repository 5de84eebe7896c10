#!/bin/bash
# Builds libdjl_torch.so (djl_torch_min.cc + generated stubs) against the libtorch of TORCH_DIR.
# Usage: build.sh TORCH_DIR HEADER_DIR OUT.so
#   TORCH_DIR  a PyTorch package folder (holds include/ and lib/), e.g. python3 -c 'import torch;print(torch.__path__[0])'
#   HEADER_DIR holds ai_djl_pytorch_jni_PyTorchLibrary.h (javac -h of pytorch-engine 0.36's PyTorchLibrary.java)
#              and jni.h / jni_md.h: header.sh makes it (a GPU host without a JDK gets it in bundle.sh's bundle)
set -eu
T=$1; H=$2; OUT=$3
D=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
python3 $D/gen_stubs.py $H/ai_djl_pytorch_jni_PyTorchLibrary.h $D/djl_torch_min.cc $W/stubs.cc
# The stubs need no libtorch: compiled apart, they keep the torch-heavy unit the only slow one.
g++ -O2 -fPIC -std=c++17 -I$H -c $W/stubs.cc -o $W/stubs.o &
g++ -O2 -fPIC -std=c++20 -I$H -I$T/include -I$T/include/torch/csrc/api/include -c $D/djl_torch_min.cc -o $W/min.o
wait $!
# libtorch_cuda is linked when present, so that the CUDA backend registers as the library loads.
CUDA=""; [ -e $T/lib/libtorch_cuda.so ] && CUDA="-Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed"
g++ -shared -o $OUT $W/min.o $W/stubs.o -L$T/lib $CUDA -ltorch -ltorch_cpu -lc10 -Wl,-rpath,$T/lib
rm -rf $W
echo "built $OUT against $T"
