package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code endowatch ingest} against a real broker, on procedure videos made by {@code synth procedure}. */
@ExtendWith(RealKafka.class)
class IngestIT {
  @TempDir static Path dir;
  static Path video;

  @BeforeAll
  static void makeVideoAndTopics(KafkaCluster kafka) {
    video = dir.resolve("procedure.mp4");
    Cli.Result synth = Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "10", "--seed", "3");
    assertThat(synth.exitCode()).as(synth.err()).isZero();
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
  }

  @Test
  void aTenSecondProcedureArrivesCompleteInOrderKeyedAndUnchanged(KafkaCluster kafka) throws Exception {
    Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-complete", "--as-fast-as-possible");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("250 frames read, 250 sent, 0 failed");
    assertThat(r.err()).as("chosen, so no note").doesNotContain("went out as fast as it decoded");
    List<ConsumerRecord<String, Frame>> records = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-complete"), 250);
    assertThat(records).hasSize(250);
    assertThat(records.stream().map(ConsumerRecord::partition).distinct()).hasSize(1);
    assertThat(records.stream().map(c -> c.value().frameIndex()).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 250).boxed().toList());
    assertThat(records).allMatch(c -> c.value().width() == 256 && c.value().height() == 256
        && c.value().source().equals(video.toUri().toString()) && c.value().contentType().equals(Frame.JPEG));
    // Content: each frame is exactly what decoding the file and preparing picture i gives.
    List<byte[]> expected = reference(video, 0, 250);
    for (int i = 0; i < 250; i++) {
      assertThat(records.get(i).value().image()).as("frame %d", i).isEqualTo(expected.get(i));
    }
    // Around the frames, what ingest says of the recording: it started at frame 0 and its source ended after 250.
    String source = video.toUri().toString();
    assertThat(recording(kafka, "it-complete", 2)).containsExactly(
        "started " + source + " 0 null", "ended " + source + " 250 source ended");
  }

  /** What ingest said of a recording on {@code procedures}, as "type source nextIndex reason", oldest first. */
  static List<String> recording(KafkaCluster kafka, String procedure, int expected) {
    return TopicReader.read(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().deserializer(),
        TopicReader.key(procedure), expected).stream().map(ConsumerRecord::value)
        .map(e -> e.type() + " " + e.source() + " " + e.nextIndex() + " " + e.reason()).toList();
  }

  @Test
  void aResumedIngestContinuesAfterTheLastFrameOnTheTopic(KafkaCluster kafka) throws Exception {
    Cli.Result first = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-resume", "--max-frames", "100");
    Cli.Result resumed = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-resume", "--resume");

    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("resuming it-resume at frame 100").contains("150 sent, 0 failed");
    // Paced by default as fast as it decodes, which a live scorer would mostly skip: said after the summary.
    assertThat(first.err().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("note: it-resume went out as "
        + "fast as it decoded: a live scorer skips frames that reach it older than its budget (score --budget-ms); "
        + "--realtime paces a file as a camera would, 'replay rescore' scores every frame (--as-fast-as-possible: no note)");
    List<ConsumerRecord<String, Frame>> records = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-resume"), 250);
    assertThat(records.stream().map(c -> c.value().frameIndex()).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 250).boxed().toList());
    assertThat(records.get(100).value().image()).isEqualTo(reference(video, 100, 1).get(0));
    String source = video.toUri().toString();
    assertThat(recording(kafka, "it-resume", 4)).containsExactly("started " + source + " 0 null",
        "ended " + source + " 100 " + ProcedureEvent.FRAME_LIMIT, "started " + source + " 100 null",
        "ended " + source + " 250 source ended");
  }

  @Test
  void aSecondIngestUnderAnIdBeingRecordedIsRefusedAndSendsNothing(KafkaCluster kafka) throws Exception {
    java.util.concurrent.CompletableFuture<Cli.Result> first = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(), "--procedure", "it-twice",
            "--realtime"));
    TopicReader.read(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-twice"), 5);
    Cli.Result second = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-twice", "--as-fast-as-possible");
    Cli.Result firstDone = first.get(60, java.util.concurrent.TimeUnit.SECONDS);

    String source = video.toUri().toString();
    assertThat(second.exitCode()).isEqualTo(1);
    assertThat(second.err().strip()).matches("endowatch ingest: error: procedure it-twice is being recorded now by another ingest \\(started "
        + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d from " + java.util.regex.Pattern.quote(source) + "; its frames still "
        + "arrive\\): two recordings under one id mix their frames; give this one another --procedure, or stop that ingest first");
    assertThat(firstDone.exitCode()).as(firstDone.err()).isZero();
    assertThat(firstDone.out()).contains("250 frames read, 250 sent, 0 failed");
    // The refused one sent neither a frame nor a word on procedures.
    List<ConsumerRecord<String, Frame>> records = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-twice"), 250);
    assertThat(records.stream().map(c -> c.value().frameIndex()).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 250).boxed().toList());
    assertThat(recording(kafka, "it-twice", 2)).containsExactly("started " + source + " 0 null",
        "ended " + source + " 250 source ended");

    // Once that recording ended, the id may be recorded under again: said, not refused.
    Cli.Result again = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-twice", "--as-fast-as-possible", "--max-frames", "5");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err().lines().findFirst().orElseThrow()).matches("note: procedure it-twice was recorded before "
        + "\\(ended \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: source ended\\): this recording's frames join it under the "
        + "same id \\(consoles, replay and training see one procedure\\); another --procedure keeps them apart");
  }

  @Test
  void anIdWhoseIngestWasKilledIsRecordedUnderAgainWithANoteOrResumedSilently(KafkaCluster kafka) throws Exception {
    // What a killed ingest leaves: its recording started, its frames stopped, no end.
    Cli.Result killed = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-killed", "--as-fast-as-possible", "--max-frames", "20");
    assertThat(killed.exitCode()).as(killed.err()).isZero();
    startedWithoutEnd(kafka, "it-killed");
    Cli.Result resumed = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-killed", "--as-fast-as-possible", "--max-frames", "25", "--resume");
    startedWithoutEnd(kafka, "it-killed");
    Cli.Result afresh = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", "it-killed", "--as-fast-as-possible", "--max-frames", "5");

    assertThat(afresh.exitCode()).as(afresh.err()).isZero();
    assertThat(afresh.err().lines().findFirst().orElseThrow()).matches("note: procedure it-killed's recording \\(started "
        + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d from v4l2:/dev/video0\\) never ended and sends nothing now \\(its ingest "
        + "killed\\?\\): --resume continues it after its last frame; this recording starts again at frame 0 under the same id");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.err()).doesNotContain("it-killed was recorded").doesNotContain("never ended");
    assertThat(resumed.out()).contains("resuming it-killed at frame 20");
  }

  private static void startedWithoutEnd(KafkaCluster kafka, String procedure) throws Exception {
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(kafka.settings().clientProps(),
        new org.apache.kafka.common.serialization.StringSerializer(), Topics.PROCEDURES.valueSerde().serializer())) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.PROCEDURES.name(), procedure,
          ProcedureEvent.started(procedure, System.currentTimeMillis(), "v4l2:/dev/video0", 20))).get();
    }
  }

  @Test
  void realtimePacesAFileByItsTimestamps(KafkaCluster kafka) {
    Path twoSeconds = dir.resolve("two-seconds.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", twoSeconds.toString(), "--seconds", "2", "--segment-seconds", "1")
        .exitCode()).isZero();
    long start = System.nanoTime();
    Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", twoSeconds.toString(),
        "--procedure", "it-realtime", "--realtime");
    double seconds = (System.nanoTime() - start) / 1e9;

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("50 sent, 0 failed");
    // 50 frames at 25 fps: the last is due 49/25 = 1.96 s after the first. Only a lower bound:
    // an upper one would depend on this machine's load (the pacing itself is tested on a fake clock).
    assertThat(seconds).isGreaterThanOrEqualTo(1.96);
  }

  @Test
  void aDroppedLiveStreamIsReconnectedNotMistakenForItsEnd(KafkaCluster kafka) throws Exception {
    // An MJPEG-over-HTTP camera that drops every connection after 30 frames, like a flaky encoder.
    java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer camera = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    camera.createContext("/live", ex -> {
      connections.incrementAndGet();
      ex.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace;boundary=frame");
      ex.sendResponseHeaders(200, 0);
      try (java.io.OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 30; i++) {
          java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
          javax.imageio.ImageIO.write(new SyntheticColon(96, 96, 4).frame(i, false).image(), "jpg", jpeg);
          out.write(("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.size() + "\r\n\r\n").getBytes());
          out.write(jpeg.toByteArray());
          out.write("\r\n".getBytes());
          out.flush();
          Thread.sleep(20);
        }
      } catch (IOException | InterruptedException gone) {
        // the ingestor stopped reading
      }
    });
    camera.start();
    try {
      Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source",
          "http://127.0.0.1:" + camera.getAddress().getPort() + "/live", "--procedure", "it-live-drop", "--max-frames", "50",
          "--reconnects", "3", "--timeout-ms", "3000");

      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("50 sent, 0 failed");
      assertThat(connections.get()).isEqualTo(2);
      List<ConsumerRecord<String, Frame>> records = TopicReader.read(kafka, Topics.FRAMES.name(),
          Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-live-drop"), 50);
      assertThat(records.stream().map(c -> c.value().frameIndex()).toList())
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 50).boxed().toList());
    } finally {
      camera.stop(0);
    }
  }

  /**
   * A recorded procedure served over HTTP whose link drops half-way: the reconnected source starts
   * again from the file's beginning, and the pictures sent before the drop are not sent again. The
   * server cuts one connection at half the file: the first, second or third (FFmpeg opens a few while
   * it probes: the file's start, its end for the duration, the start again; which one ingest reads
   * the pictures from is FFmpeg's business), so one of the runs cuts the link ingest reads from. The
   * pictures are half noise, so the file is larger than FFmpeg's read for the duration, as a real
   * one is. The pictures in flight at a cut may suffer: FFmpeg drops one whose data was cut off, and
   * fills another from an earlier picture (here: 2.04 s lost and 2.00 s showing 1.80 s's picture, every
   * time); every other picture is sent once, in order. Before the fix, the first half went out again.
   */
  @Test
  void aServedFileWhoseLinkDropsIsSentOnceEachPicture(KafkaCluster kafka) throws Exception {
    servedFileWhoseLinkDrops(kafka, false, new int[] {1, 2, 3});
  }

  /**
   * The same, interlaced (deinterlaced by default): the pictures yadif holds at the drop come out
   * before the link is opened again, and none is sent twice.
   */
  @Test
  void anInterlacedServedFileWhoseLinkDropsIsSentOnceEachPictureDeinterlaced(KafkaCluster kafka) throws Exception {
    servedFileWhoseLinkDrops(kafka, true, new int[] {2});
  }

  private static void servedFileWhoseLinkDrops(KafkaCluster kafka, boolean interlaced, int[] cuts) throws Exception {
    Ffmpeg.quiet();
    int pictures = 100;
    Path ts = dir.resolve(interlaced ? "served-interlaced.ts" : "served.ts");
    try (var recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(ts.toFile(), 160, 120)) {
      recorder.setFormat("mpegts");
      recorder.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG2VIDEO);
      recorder.setFrameRate(25);
      recorder.setVideoBitrate(20_000_000);
      recorder.setVideoQuality(2);
      if (interlaced) {
        recorder.setVideoOption("flags", "+ildct+ilme");
      }
      recorder.start();
      var converter = new org.bytedeco.javacv.Java2DFrameConverter();
      for (int i = 0; i < pictures; i++) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(160, 120, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(200, 20 + 20 * (i / 10), 20 + 20 * (i % 10)));   // picture i: green its tens, blue its units
        g.fillRect(0, 0, 160, 120);
        g.dispose();
        Random noise = new Random(i);
        for (int y = 0; y < 50; y++) {
          for (int x = 0; x < 160; x++) {
            img.setRGB(x, y, noise.nextInt(0x1000000));
          }
        }
        recorder.record(converter.convert(img));
      }
    }
    byte[] file = Files.readAllBytes(ts);
    for (int cut : cuts) {
      int cutConnection = cut;
      java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
      com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
          new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/procedure.ts", ex -> {
        boolean cutThis = connections.incrementAndGet() == cutConnection;
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("Content-Type", "video/mp2t");
        if (range != null) {
          ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (file.length - 1) + "/" + file.length);
        }
        ex.sendResponseHeaders(range == null ? 200 : 206, file.length - from);
        try (java.io.OutputStream out = ex.getResponseBody()) {
          int end = cutThis ? Math.max(from, file.length / 2) : file.length;
          for (int i = from; i < end; i += 4096) {
            out.write(file, i, Math.min(4096, end - i));
            out.flush();
          }
          if (cutThis) {
            throw new IOException("link dropped");   // closes the connection short of its Content-Length
          }
        } catch (IOException dropped) {
          ex.close();
        }
      });
      server.start();
      String procedure = "it-served-" + (interlaced ? "i" : "") + cut;
      try {
        Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source",
            "http://127.0.0.1:" + server.getAddress().getPort() + "/procedure.ts", "--procedure", procedure,
            "--as-fast-as-possible", "--reconnects", "2", "--timeout-ms", "3000");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err().contains("deinterlacing http://")).as(r.err()).isEqualTo(interlaced);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) frames read, (\\d+) sent, 0 failed").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        int sent = Integer.parseInt(m.group(2));
        assertThat(sent).as("connection %d cut: %s", cut, r.out()).isBetween(pictures - 2, pictures);
        List<ConsumerRecord<String, Frame>> records = TopicReader.read(kafka, Topics.FRAMES.name(),
            Topics.FRAMES.valueSerde().deserializer(), TopicReader.key(procedure), sent);
        List<Integer> shown = new ArrayList<>();   // which picture each frame shows, by its colour below the noise
        for (ConsumerRecord<String, Frame> c : records) {
          java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(c.value().image()));
          int rgb = img.getRGB(img.getWidth() / 2, img.getHeight() * 7 / 8);
          shown.add(10 * (int) Math.round((((rgb >> 8) & 0xFF) - 20) / 20.0) + (int) Math.round(((rgb & 0xFF) - 20) / 20.0));
        }
        assertThat(shown).hasSize(sent);
        assertThat(shown.get(0)).isZero();
        assertThat(shown.get(sent - 1)).isEqualTo(pictures - 1);
        assertThat(java.util.stream.IntStream.range(1, sent).filter(k -> shown.get(k) <= shown.get(k - 1)).count())
            .as("connection %d cut: frames showing no later picture than the frame before (at most the one filled in at the cut): %s",
                cut, shown).isLessThanOrEqualTo(1);
      } finally {
        server.stop(0);
      }
    }
  }

  @Test
  void badInputFailsWithOneClearLineAndPutsNothingOnTheTopic(KafkaCluster kafka) throws Exception {
    byte[] mp4 = Files.readAllBytes(video);
    Path truncatedMp4 = Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(mp4, mp4.length / 2));
    byte[] noise = new byte[200_000];
    new Random(7).nextBytes(noise);
    Path garbage = Files.write(dir.resolve("garbage.mp4"), noise);
    Map<String, String[]> cases = new java.util.LinkedHashMap<>();
    cases.put("it-bad-missing", new String[] {dir.resolve("nope.mp4").toString(), "no such file: "});
    cases.put("it-bad-truncated-mp4", new String[] {truncatedMp4.toString(), "could not open input"});
    cases.put("it-bad-garbage", new String[] {garbage.toString(), "could not open input"});
    cases.put("it-bad-scheme", new String[] {"gopher://example/x", "unknown source scheme 'gopher'"});
    cases.put("it-bad-unreachable", new String[] {"rtsp://127.0.0.1:1/scope", "could not open input rtsp://127.0.0.1:1/scope"});

    for (var c : cases.entrySet()) {
      long start = System.nanoTime();
      Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", c.getValue()[0],
          "--procedure", c.getKey(), "--reconnects", "0", "--timeout-ms", "2000");
      assertThat(r.exitCode()).as(c.getKey() + ": " + r.err()).isEqualTo(1);
      assertThat(r.err().lines().toList()).as(c.getKey()).hasSize(1);
      assertThat(r.err()).as(c.getKey()).contains(c.getValue()[1]);
      // What went wrong once, without JavaCV's hints for its own programmers.
      assertThat(r.err()).as(c.getKey()).doesNotContain("FFmpegLogCallback").doesNotContain("setFormat");
      assertThat(r.err().split("avformat_open_input", -1)).as(c.getKey()).hasSizeLessThanOrEqualTo(2);
      assertThat((System.nanoTime() - start) / 1e9).as(c.getKey() + " gives up in bounded time").isLessThan(30);
    }
    List<ConsumerRecord<String, Frame>> any = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), rec -> rec.key().startsWith("it-bad-"), 0);
    assertThat(any).isEmpty();
  }

  @Test
  void aTruncatedMkvIsDetectedAlthoughFfmpegRaisesNoError(KafkaCluster kafka) throws Exception {
    Path mkv = dir.resolve("procedure.mkv");
    assertThat(Cli.run("synth", "procedure", "--out", mkv.toString(), "--seconds", "4").exitCode()).isZero();
    byte[] bytes = Files.readAllBytes(mkv);
    Path truncated = Files.write(dir.resolve("truncated.mkv"), Arrays.copyOf(bytes, bytes.length / 2));

    Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", truncated.toString(),
        "--procedure", "it-truncated-mkv");

    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("truncated input: " + truncated.toUri() + " says it lasts 4.0 s but its pictures end at ")
        .endsWith(" s (the file is damaged or was cut off; re-export or re-copy it)\n");
  }

  @Test
  void aFrameOverTheTopicsSizeLimitIsRefusedNotDropped(KafkaCluster kafka) throws Exception {
    ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, Topics.FRAMES.name());
    long refused;
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      setMaxMessageBytes(admin, frames, "8000");
      try {
        Cli.Result r = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
            "--procedure", "it-too-large");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).containsPattern("frame (\\d+) of file:.*procedure.mp4 is \\d+ bytes, over the frames topic's "
            + "max.message.bytes of 8000 \\(with 1024 bytes for headers\\): lower --size or --jpeg-quality");
        refused = Long.parseLong(r.err().replaceAll("(?s).*frame (\\d+) of .*", "$1"));
        // The recording failed there, with the error ingest printed, and not ended.
        assertThat(recording(kafka, "it-too-large", 2)).containsExactly("started " + video.toUri() + " 0 null",
            "failed " + video.toUri() + " " + refused + " " + r.err().strip().replace("endowatch ingest: error: ", ""));
      } finally {
        setMaxMessageBytes(admin, frames, "4194304");
      }
    }
    // Ingest stops at the refused frame: what is on the topic is every frame before it, none after,
    // so no frame is silently missing from the procedure.
    List<ConsumerRecord<String, Frame>> sent = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("it-too-large"), (int) refused);
    assertThat(sent.stream().map(c -> c.value().frameIndex()).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, refused).boxed().toList());
    assertThat(sent).allMatch(c -> c.value().image().length + 1024 <= 8000);
  }

  private static void setMaxMessageBytes(Admin admin, ConfigResource topic, String value) throws Exception {
    Map<ConfigResource, Collection<AlterConfigOp>> op = Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET)));
    admin.incrementalAlterConfigs(op).all().get();
  }

  /** Frames {@code from .. from+count-1} of {@code file} as ingest prepares them, decoded independently of Kafka. */
  static List<byte[]> reference(Path file, int from, int count) throws Exception {
    List<byte[]> out = new ArrayList<>();
    FramePreparer preparer = new FramePreparer(256, 256, 0.9f);
    try (FrameSource source = Sources.open(file.toString(), Sources.Options.DEFAULT, ms -> {})) {
      FrameSource.Picture p;
      int i = 0;
      while ((p = source.next()) != null && out.size() < count) {
        byte[] jpeg = preparer.prepare(p.image());
        if (i++ >= from) {
          out.add(jpeg);
        }
      }
    }
    return out;
  }
}
