#!/bin/bash
# Makes the HEADER_DIR that build.sh compiles against: ai_djl_pytorch_jni_PyTorchLibrary.h (javac -h of
# pytorch-engine 0.36's PyTorchLibrary.java, from its sources jar in the local Maven repository, fetched
# once if missing) and the JDK's jni.h / jni_md.h. Needs a JDK 17; run it where the project builds.
# Usage: bench/djl-jni-min/header.sh HEADER_DIR
set -eu
H=$1
cd "$(dirname "$0")/../.."
mkdir -p $H
JH=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
cp $JH/include/jni.h $JH/include/linux/jni_md.h $H/
M=~/.m2/repository/ai/djl
SRC=$M/pytorch/pytorch-engine/0.36.0/pytorch-engine-0.36.0-sources.jar
[ -f $SRC ] || mvn -q dependency:get -Dartifact=ai.djl.pytorch:pytorch-engine:0.36.0:jar:sources -Dtransitive=false
W=$(mktemp -d)
(cd $W && unzip -q $SRC ai/djl/pytorch/jni/PyTorchLibrary.java)
javac -h $H -d $W/cls -cp $M/api/0.36.0/api-0.36.0.jar:$M/pytorch/pytorch-engine/0.36.0/pytorch-engine-0.36.0.jar \
  $W/ai/djl/pytorch/jni/PyTorchLibrary.java
rm -rf $W
echo "header in $H"
