#!/bin/bash
# Packs what issue 8's GPU check needs on a host with PyTorch but no JDK, no Maven and no network, into
# .gpu/bundle.tar.xz (git-ignored; at most 64 MiB may travel to the lent GPU machine, this repository's
# tracked files included):
#   jre17/  jlink of the modules the CLI uses (libjvm stripped)
#   lib/    endowatch's classes and its runtime jars, without the natives a GPU check does not load
#           (PyTorch CPU, RocksDB, FFmpeg, JavaCPP) nor the test frameworks; each jar stored (xz then
#           packs across them: 18 -> 8 MB) and without other platforms' natives. With CLASSES (from
#           -verbose:class of a rehearsal) every jar but a few is also cut to the classes it lists;
#           not for the pipeline step: a 12 s rehearsal missed classes Kafka loads later
#           (org.apache.kafka.streams.CloseOptions, NetworkClient$1), so it takes whole jars
#   hdr/    ai_djl_pytorch_jni_PyTorchLibrary.h (javac -h of pytorch-engine 0.36's PyTorchLibrary.java)
#           and jni.h, jni_md.h: build.sh compiles djl_torch_min.cc there
#   syslib/ libjpeg, liblcms2 and the font libraries Debian's java.desktop links against; fonts/ DejaVu
#   data/   a few validation images (normal/, anomalous/) and training images (train/) from DATA
# Usage: bench/djl-jni-min/bundle.sh DATA_DIR [CLASSES]   (DATA_DIR holds valnormal/, valanomalous/, train/;
#        - for none: the pipeline step generates its procedures and needs no images)
set -eu
DATA=$1; CLASSES=${2:-}
cd "$(dirname "$0")/../.."
G=.gpu/stage
rm -rf $G && mkdir -p $G/lib $G/hdr $G/syslib $G/data/normal $G/data/anomalous $G/data/train
jlink --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.httpserver,jdk.crypto.ec \
  --strip-debug --no-header-files --no-man-pages --compress=0 --output $G/jre17
strip --strip-unneeded $G/jre17/lib/server/libjvm.so
# java.desktop's JPEG, colour and font natives (the eval report draws text), and two DejaVu faces
# for fontconfig, which a GPU image need not have.
for l in libjpeg.so.62 liblcms2.so.2 libfontconfig.so.1 libexpat.so.1 libfreetype.so.6 libharfbuzz.so.0 libgraphite2.so.3 \
    libglib-2.0.so.0 libpng16.so.16 libbrotlidec.so.1 libbrotlicommon.so.1 libpcre2-8.so.0; do
  cp -L /usr/lib/x86_64-linux-gnu/$l $G/syslib/
done
mkdir -p $G/fonts && cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf $G/fonts/

mvn -o -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=$G/cp.txt
# The bundled demo model (9 MB) stays out: models/ travels with the repository.
(cd target/classes && jar cf ../../$G/lib/endowatch-classes.jar $(ls | grep -v '^demo-model$'))
for j in $(tr ':' '\n' < $G/cp.txt); do
  case $(basename $j) in
    pytorch-native-*|pytorch-jni-*|ffmpeg-*|javacpp-*-linux-*|opencv-*|openblas-*|javafx-*) continue ;;
    junit-*|opentest4j-*|apiguardian-*|assertj-*|byte-buddy-*|archunit*|*-test-utils-*|testcontainers*) continue ;;
    duct-tape-*|docker-java*|selenium-*|opentelemetry-*) continue ;;
  esac
  cp $j $G/lib/
done
rm $G/cp.txt

bench/djl-jni-min/header.sh $G/hdr

# With CLASSES, every jar but endowatch's, DJL's and JNA's (its native dispatcher is a resource) keeps
# only the classes listed.
python3 - $G/lib "$CLASSES" <<'PY'
import glob, os, re, sys, zipfile
lib, listed = sys.argv[1], sys.argv[2]
classes = set(open(listed).read().split()) if listed else None
def foreign(name):   # a native library of another platform (RocksDB's "linux64" too: in-memory stores only)
    return re.search(r"\.(so|dll|dylib|a|jnilib)$", name) and not re.search(r"linux[-/_]?(x86[-_]64|amd64)", name)
for j in glob.glob(lib + "/*.jar"):
    cut = classes is not None and not os.path.basename(j).startswith(("jna-", "endowatch-", "api-", "pytorch-engine-"))
    with zipfile.ZipFile(j) as z:
        keep = [i for i in z.infolist() if not foreign(i.filename) and not (cut and i.filename.endswith(".class")
                and i.filename[:-6].replace("/", ".") not in classes)]
        data = {i.filename: z.read(i) for i in keep}
    os.remove(j)
    # a cut jar none of whose classes loaded goes altogether (testing and server jars among them)
    if not cut or any(n.endswith(".class") for n in data):
        with zipfile.ZipFile(j, "w", zipfile.ZIP_STORED) as z:
            for n, b in data.items():
                z.writestr(n, b)
PY

if [ "$DATA" != - ]; then
  cp $(ls -d $DATA/valnormal/* | head -12) $G/data/normal/
  cp $(ls -d $DATA/valanomalous/* | head -12) $G/data/anomalous/
  cp $(ls -d $DATA/train/* | head -64) $G/data/train/
fi
tar -C $G -cf - . | xz -6 -T2 > .gpu/bundle.tar.xz
du -sh $G .gpu/bundle.tar.xz
