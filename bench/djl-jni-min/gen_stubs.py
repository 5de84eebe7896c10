#!/usr/bin/env python3
"""Writes a stub for every native method of DJL's PyTorchLibrary that djl_torch_min.cc does not build.

Usage: gen_stubs.py HEADER IMPLEMENTATION OUT.cc
HEADER is ai_djl_pytorch_jni_PyTorchLibrary.h made by `javac -h` from pytorch-engine 0.36's
PyTorchLibrary.java (build.sh does that), so the names and parameter lists are the Java side's own.
Each stub throws DJL's EngineException naming the method: a code path that needs one more native
stops with that name instead of a missing-symbol error at some later call.
"""
import re
import sys

header, impl, out = sys.argv[1:]
decls = re.findall(r"JNIEXPORT (\w+) JNICALL (Java_ai_djl_pytorch_jni_PyTorchLibrary_\w+)\s*\(([^)]*)\);",
                   open(header).read())
built = {"Java_ai_djl_pytorch_jni_PyTorchLibrary_" + n
         for n in re.findall(r"^FN\(\w+, (\w+)\)", open(impl).read(), re.M)}
unknown = built - {d[1] for d in decls}
if unknown:
    sys.exit(f"gen_stubs: {sorted(unknown)} are built but not native methods of PyTorchLibrary")
lines = ['#include <jni.h>', '#include "ai_djl_pytorch_jni_PyTorchLibrary.h"', '']
stubs = 0
for ret, name, params in decls:
    if name in built:
        continue
    types = [p.strip() for p in params.split(",")]
    args = ", ".join(f"{t} a{i}" if i == 0 else t for i, t in enumerate(types))
    method = name.removeprefix("Java_ai_djl_pytorch_jni_PyTorchLibrary_")
    value = "" if ret == "void" else " 0" if ret in ("jlong", "jint", "jboolean", "jdouble", "jfloat") else " nullptr"
    lines.append(f"JNIEXPORT {ret} JNICALL {name}({args}) {{")
    lines.append(f'  a0->ThrowNew(a0->FindClass("ai/djl/engine/EngineException"), '
                 f'"djl_torch_min: PyTorchLibrary.{method} is not built (bench/djl-jni-min)");')
    lines.append(f"  return{value};")
    lines.append("}")
    stubs += 1
open(out, "w").write("\n".join(lines) + "\n")
print(f"{len(decls)} native methods: {len(built)} built, {stubs} stubs")
