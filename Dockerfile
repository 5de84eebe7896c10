# One image for every subcommand: docker run endowatch <subcommand> ...
# CPU by default. GPU: docker build --build-arg FLAVOR=cu128 --build-arg RUNTIME=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 -t endowatch:gpu .
# The PyTorch natives are fetched and unpacked at build time, so containers start offline.
# (Not built on the development machines: they have no Docker daemon. See deploy/README.md.)
ARG RUNTIME=eclipse-temurin:17-jre

FROM maven:3.9-eclipse-temurin-17 AS build
ARG FLAVOR=cpu
WORKDIR /src
# gcc builds the one-function MKL vendor shim (src/main/native) that doubles CPU matrix rates on AMD.
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY topics topics
COPY models/demo-micro models/demo-micro
COPY bench bench
RUN mvn -B -q package -DskipTests
# First engine start unpacks (cpu: from the jar) or downloads (cu128: DJL's 2.7.1 CUDA build) the natives.
ENV DJL_CACHE_DIR=/opt/djl
RUN if [ "$FLAVOR" != "cpu" ]; then export PYTORCH_FLAVOR=$FLAVOR PYTORCH_VERSION=2.7.1; else export DJL_OFFLINE=true; fi; \
    java -jar target/endowatch.jar bench model --preset micro --schedules complementary-4 --batches 1 --repeats 1 --python /none > /dev/null

FROM ${RUNTIME}
ARG FLAVOR=cpu
# The CUDA base image has no Java: add a JRE there (the default base already has one).
RUN if ! command -v java >/dev/null; then apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*; fi
COPY --from=build /opt/djl /opt/djl
COPY --from=build /src/target/endowatch.jar /app/endowatch.jar
COPY models/demo-micro /app/models/demo-micro
ENV DJL_CACHE_DIR=/opt/djl PYTORCH_FLAVOR=${FLAVOR} PYTORCH_VERSION=2.7.1
RUN useradd --system --uid 10001 endowatch && mkdir -p /data /state && chown endowatch /data /state
USER endowatch
WORKDIR /app
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-jar", "/app/endowatch.jar"]
