#!/usr/bin/env bash
# Builds the MKL vendor shim into the jar's resources (run by Maven in generate-resources).
# Without a C compiler the jar is built without it and the engine runs MKL's stock path: say so
# and go on, since everything else works and only AMD CPUs are slower.
set -euo pipefail
out="$1/org/endowatch/model/native"
src="$(dirname "$0")/mkl_intel_cpu_true.c"
cc_bin="${CC:-cc}"
if ! command -v "$cc_bin" >/dev/null 2>&1; then
  echo "[WARNING] no C compiler ($cc_bin): the jar leaves out libendowatch-mkl-amd.so, so AMD CPUs run MKL's generic path (install gcc to include it)"
  exit 0
fi
mkdir -p "$out"
# -nostdlib: the one function needs no libc, so the library loads on any x86-64 Linux.
"$cc_bin" -shared -fPIC -O2 -nostdlib -Wl,-soname,libendowatch-mkl-amd.so -o "$out/libendowatch-mkl-amd.so" "$src"
