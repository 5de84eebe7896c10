package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.Sources;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TestModels;
import org.endowatch.testing.TopicReader;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code endowatch replay} against a real broker. */
@ExtendWith(RealKafka.class)
class ReplayIT {
  @BeforeAll
  static void topics(KafkaCluster kafka) {
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
  }

  /** {@code replay video}: a recorded procedure's file played again as a new procedure, at its own pace. */
  @Test
  void aRecordedVideoPlaysAtItsPaceUnderTheNewId(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Path video = dir.resolve("recorded.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "2", "--anomalies", "0", "--seed", "4")
        .exitCode()).isZero();

    long started = System.nanoTime();
    Cli.Result r = Cli.run("replay", "video", "--bootstrap", kafka.bootstrapServers(), video.toString(), "--procedure",
        "rp-video");
    double seconds = (System.nanoTime() - started) / 1e9;

    assertThat(r.exitCode()).as(r.err()).isZero();
    // The shortest generated procedure is one 2 s segment: 50 frames at 25 fps.
    assertThat(r.out()).contains("as rp-video: 50 frames read, 50 sent, 0 failed");
    List<ConsumerRecord<String, Frame>> frames = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("rp-video"), 50);
    assertThat(frames).extracting(c -> c.value().frameIndex()).containsExactlyElementsOf(
        java.util.stream.LongStream.range(0, 50).boxed().toList());
    // Paced as the camera filmed it, never faster: 49 gaps of 40 ms (slower only on a loaded machine).
    assertThat(seconds).isGreaterThan(1.9);
    assertThat(frames.get(49).value().captureTimestampMs() - frames.get(0).value().captureTimestampMs()).isGreaterThanOrEqualTo(1_900L);
  }

  @Test
  void aTopicRangeReappearsUnderANewIdWithItsOriginalSpacing(KafkaCluster kafka) throws Exception {
    // 30 frames whose gaps alternate 40 and 80 ms (an uneven camera), starting at t0.
    long t0 = System.currentTimeMillis() - 60_000;
    List<Long> captures = new ArrayList<>();
    long t = t0;
    for (int i = 0; i < 30; i++) {
      captures.add(t);
      t += i % 2 == 0 ? 40 : 80;
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), "rp-src",
        captures.stream().map(c -> TestFrames.jpeg("rp-src", captures.indexOf(c), c, 64, 48)).toList());

    Cli.Result r = Cli.run("replay", "topic", "--bootstrap", kafka.bootstrapServers(), "--procedure", "rp-src",
        "--from", "400ms", "--to", "1s", "--as", "rp-copy");

    // Offsets from t0: frame 2k at 120k ms, frame 2k+1 at 120k+40: in [400, 1000] are frames 7 (400) .. 17 (1000).
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("replayed rp-src frames 7..17 (11 frames, 0.6 s) as rp-copy");
    List<ConsumerRecord<String, Frame>> copies = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("rp-copy"), 11);
    assertThat(copies).hasSize(11);
    for (int i = 0; i < 11; i++) {
      Frame f = copies.get(i).value();
      assertThat(f.frameIndex()).isEqualTo(i);
      assertThat(f.source()).isEqualTo("kafka:frames/rp-src#" + (7 + i));
      assertThat(f.image()).isEqualTo(TestFrames.jpeg("rp-src", 7 + i, 0, 64, 48).image());
      // Each copy is due at its original offset from the first: never early, late only by
      // scheduling noise (and a late one does not delay the next; the logic itself is PacerTest's).
      long original = captures.get(7 + i) - captures.get(7);
      long replayed = f.captureTimestampMs() - copies.get(0).value().captureTimestampMs();
      assertThat(replayed).as("offset of copy %d", i).isGreaterThanOrEqualTo(original - 1).isLessThan(original + 250);
    }
    // The copy's recording is told as ingest tells one: started before its first frame, ended after its last.
    List<ProcedureEvent> said = TopicReader.read(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().deserializer(),
        TopicReader.key("rp-copy"), 2).stream().map(ConsumerRecord::value).toList();
    assertThat(said).extracting(ProcedureEvent::type, ProcedureEvent::source, ProcedureEvent::nextIndex, ProcedureEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ProcedureEvent.STARTED, "kafka:frames/rp-src", 0L, null),
            org.assertj.core.groups.Tuple.tuple(ProcedureEvent.ENDED, "kafka:frames/rp-src", 11L, ProcedureEvent.SOURCE_ENDED));
    assertThat(said.get(0).atMs()).isLessThanOrEqualTo(copies.get(0).value().captureTimestampMs());
    assertThat(said.get(1).atMs()).isGreaterThanOrEqualTo(copies.get(10).value().captureTimestampMs());

    // The same copy again: its id names a recording already, which the replay says, as ingest does.
    Cli.Result again = Cli.run("replay", "topic", "--bootstrap", kafka.bootstrapServers(), "--procedure", "rp-src",
        "--from", "400ms", "--to", "1s", "--as", "rp-copy", "--as-fast-as-possible");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err().lines().findFirst().orElseThrow()).startsWith("note: procedure rp-copy was recorded before (ended ")
        .endsWith(": source ended): this recording's frames join it under the same id (consoles, replay and training see "
            + "one procedure); another --as keeps them apart");
  }

  /** Stopped as Ctrl-C or a service manager stops it, a replay tells procedures its copy ended, with every frame it sent. */
  @Test
  void aStoppedTopicReplaySaysItsCopyEnded(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    long t0 = System.currentTimeMillis() - 60_000;
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      frames.add(TestFrames.jpeg("rp-long", i, t0 + 40L * i, 64, 48));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), "rp-long", frames);
    Path log = dir.resolve("replay.log");
    Process replay = new ProcessBuilder("java", "-Xmx512m", "-jar", System.getProperty("endowatch.jar", "target/endowatch.jar"),
        "replay", "topic", "--bootstrap", kafka.bootstrapServers(), "--procedure", "rp-long", "--as", "rp-long-stopped")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      // The progress line comes after 2 s of sending (10 s of frames in all).
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && !(Files.exists(log) && Files.readString(log).contains(" sent"))) {
        Thread.sleep(100);
      }
      replay.destroy();   // SIGTERM
      assertThat(replay.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      replay.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(output).containsPattern("replayed rp-long frames 0\\.\\.\\d+ \\(\\d+ frames, [\\d.]+ s\\) as rp-long-stopped, stopped");
    long sent = Long.parseLong(output.replaceAll("(?s).*replayed rp-long frames 0\\.\\.\\d+ \\((\\d+) frames.*", "$1"));
    assertThat(sent).as(output).isBetween(1L, 249L);
    List<ProcedureEvent> said = TopicReader.read(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().deserializer(),
        TopicReader.key("rp-long-stopped"), 2).stream().map(ConsumerRecord::value).toList();
    assertThat(said).extracting(ProcedureEvent::type, ProcedureEvent::nextIndex, ProcedureEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ProcedureEvent.STARTED, 0L, null),
            org.assertj.core.groups.Tuple.tuple(ProcedureEvent.ENDED, sent, ProcedureEvent.STOPPED));
    assertThat(TopicReader.read(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().deserializer(),
        TopicReader.key("rp-long-stopped"), (int) sent)).hasSize((int) sent);
  }

  /**
   * Kafka refuses the copies (here a target topic whose records may not exceed 200 bytes, as a
   * broker refuses an oversized or unauthorised write): the replay fails naming the first frame
   * refused and why, and tells procedures the copy failed, so no console waits for more of it.
   */
  @Test
  void aReplayKafkaRefusesFailsWithTheFrameAndSaysTheCopyFailed(KafkaCluster kafka) throws Exception {
    String from = "frames-refused-src";
    String to = "frames-refused-dst";
    try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(from, 1, (short) 1),
          new org.apache.kafka.clients.admin.NewTopic(to, 1, (short) 1).configs(java.util.Map.of("max.message.bytes", "200"))))
          .all().get();
    }
    long t0 = System.currentTimeMillis() - 60_000;
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      frames.add(TestFrames.jpeg("rp-refused", i, t0 + 40L * i, 64, 48));
    }
    TopicWriter.send(kafka, from, Topics.FRAMES.valueSerde().serializer(), "rp-refused", frames);
    List<ProcedureEvent> said = new ArrayList<>();
    java.util.Properties p = kafka.settings().clientProps();
    p.put("acks", "all");
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(p,
        new org.apache.kafka.common.serialization.StringSerializer(), Topics.FRAMES.valueSerde().serializer())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> TopicReplay.run(kafka.settings().clientProps(), producer, from, to,
          "rp-refused", TimeRange.ALL, TopicReplay.Mode.asNewProcedure("rp-refused-copy", false),
          org.endowatch.ingest.Pacer.system(), () -> 77_000L, n -> { }, said::add, () -> false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("replay to " + to + " failed, Kafka did not take frame 0: The request included a message "
              + "larger than the max message size the server will accept");
    }
    assertThat(said).extracting(ProcedureEvent::type, ProcedureEvent::nextIndex, ProcedureEvent::atMs)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ProcedureEvent.STARTED, 0L, 77_000L),
            org.assertj.core.groups.Tuple.tuple(ProcedureEvent.FAILED, 3L, 77_000L));
    assertThat(said.get(1).reason()).startsWith("replay to " + to + " failed, Kafka did not take frame 0: ");
  }

  @Test
  void anExportedAnnotatedVideoDecodesWithOneFramePerRecordedFrame(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String id = "rp-export";
    long t0 = System.currentTimeMillis();
    List<Frame> frames = new ArrayList<>();
    List<Score> scores = new ArrayList<>();
    List<Heatmap> heatmaps = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      frames.add(TestFrames.jpeg(id, i, t0 + 40L * i, 160, 120));
      double score = i >= 8 && i <= 13 ? 0.9 : 0.1;
      if (i == 17) {
        continue;   // rejected by the scorer instead (below): no score, no heatmap
      }
      scores.add(Score.scored(id, i, t0 + 40L * i, t0 + 40L * i + 30, score, 0.5, "m-1"));
      float[] grid = new float[16];
      grid[5] = (float) score;
      heatmaps.add(new Heatmap(id, i, t0 + 40L * i, "m-1", 160, 120, 0.5f, 4, 4, grid));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, frames);
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), id, scores);
    TopicWriter.send(kafka, Topics.HEATMAPS.name(), Topics.HEATMAPS.valueSerde().serializer(), id, heatmaps);
    TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), id, List.of(
        new AlertEvent(AlertEvent.START, id + "/8", id, 8, 10, 10, 0.9, null, t0 + 320, t0 + 400, "m-1", null),
        new AlertEvent(AlertEvent.END, id + "/8", id, 8, 13, 10, 0.9, null, t0 + 320, t0 + 560, "m-1", AlertEvent.SCORES_FELL)));
    TopicWriter.send(kafka, Topics.FRAMES_DLQ.name(), Topics.FRAMES_DLQ.valueSerde().serializer(), id,
        List.of(TestFrames.deadLetter(frames.get(17), "frame image is not a decodable JPEG", t0 + 40L * 17 + 20)));
    Path out = dir.resolve("review.mp4");
    // A lesion annotated in frames 6..11: the alert (8..13) missed its first two.
    Path truth = Files.writeString(dir.resolve("truth.json"), "{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 6, \"end\": 11}]}");

    Cli.Result r = Cli.run("replay", "export", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--out", out.toString(), "--truth", truth.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("20 frames (19 scored, 6 in an alert, 1 rejected by the scorer, 6 showing an annotated "
        + "lesion, 2 of them with no alert open) at 25.0 fps, 160x148");
    List<BufferedImage> decoded = pictures(out);
    assertThat(decoded).hasSize(20);
    assertThat(decoded.get(0).getWidth()).isEqualTo(160);
    assertThat(decoded.get(0).getHeight()).isEqualTo(148);
    // The red alert border is burned into frames 8..13 only (compression blurs colour: compare means).
    assertThat(redness(decoded.get(10))).isGreaterThan(redness(decoded.get(3)) + 60);
    assertThat(redness(decoded.get(16))).isLessThan(redness(decoded.get(10)) - 60);
    // The cyan band at the foot of frames 6..11 only.
    assertThat(cyanness(decoded.get(7))).isGreaterThan(cyanness(decoded.get(3)) + 60);
    assertThat(cyanness(decoded.get(11))).isGreaterThan(cyanness(decoded.get(12)) + 60);
  }

  /** A frame of another size mid-procedure (the camera's resolution changed) is fitted to the first one's. */
  @Test
  void framesOfAnotherSizeAreFittedToTheFirstOnesInAnExport(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String id = "rp-export-sizes";
    long t0 = System.currentTimeMillis();
    List<Frame> frames = new ArrayList<>();
    List<Heatmap> heatmaps = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int w = i < 5 ? 160 : 320;
      int h = i < 5 ? 120 : 240;
      frames.add(TestFrames.jpeg(id, i, t0 + 40L * i, w, h));
      float[] grid = new float[16];
      grid[15] = 0.9f;   // the bottom-right patch: outside the video's picture if a large frame were not fitted
      heatmaps.add(new Heatmap(id, i, t0 + 40L * i, "m-1", w, h, 0.5f, 4, 4, grid));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, frames);
    TopicWriter.send(kafka, Topics.HEATMAPS.name(), Topics.HEATMAPS.valueSerde().serializer(), id, heatmaps);
    Path out = dir.resolve("sizes.mp4");

    AnnotatedExport.Summary s = AnnotatedExport.write(kafka.settings().clientProps(), AnnotatedExport.Sources.live(), id, out,
        n -> { });

    assertThat(s.frames()).isEqualTo(10);
    assertThat(s.resized()).isEqualTo(5);
    Path nowhere = dir.resolve("no-such-folder").resolve("sizes.mp4");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnnotatedExport.write(kafka.settings().clientProps(),
        AnnotatedExport.Sources.live(), id, nowhere, n -> { })).hasMessage("cannot write video " + nowhere + ": folder "
            + nowhere.getParent() + " does not exist (create it first)");
    assertThat(List.of(s.width(), s.height())).containsExactly(160, 148);
    List<BufferedImage> decoded = pictures(out);
    assertThat(decoded).hasSize(10);
    // Each frame's strip starts where the first frame's picture ends: its foot is black, not picture.
    assertThat(decoded).allSatisfy(img -> assertThat(img.getRGB(80, 146) & 0xffffff).isLessThan(0x202020));
  }

  /** Every picture of a video file, decoded. */
  private static List<BufferedImage> pictures(Path video) throws Exception {
    List<BufferedImage> out = new ArrayList<>();
    try (FrameSource source = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
      FrameSource.Picture p;
      while ((p = source.next()) != null) {
        out.add(p.image());
      }
    }
    return out;
  }

  private static double cyanness(BufferedImage img) {
    // Mean of (green + blue) / 2 - red along the strip's last row but one (the band is 3 rows).
    double sum = 0;
    int y = img.getHeight() - 2;
    for (int x = 10; x < img.getWidth() - 10; x++) {
      int rgb = img.getRGB(x, y);
      sum += (((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 2.0 - ((rgb >> 16) & 0xFF);
    }
    return sum / (img.getWidth() - 20);
  }

  @Test
  void rescoringWritesSeparateTopicsAndRefusesAReusedTag(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String id = "rp-rescore";
    long t0 = recordSixFrames(kafka, id);
    Path model = TestModels.calibratedMicro(dir.resolve("model"));

    // A wrong id first: nothing to re-score, and the tag stays free for the right one (below).
    Cli.Result wrongId = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure", "rp-no-such",
        "--model", model.toString(), "--tag", "it-v2", "--device", "cpu");
    assertThat(wrongId.exitCode()).isEqualTo(1);
    assertThat(wrongId.err().strip().lines().reduce((x, y) -> y).orElseThrow()).isEqualTo("endowatch replay rescore: error: "
        + "no frames of procedure rp-no-such on frames (check the id; the tag 'it-v2' is left free)");

    Cli.Result r = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--model", model.toString(), "--tag", "it-v2", "--device", "cpu");
    Cli.Result again = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--model", model.toString(), "--tag", "it-v2", "--device", "cpu");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("rescored rp-rescore into scores.it-v2: frames 6, scored by both 0");
    List<ConsumerRecord<String, Score>> rescored = TopicReader.read(kafka, "scores.it-v2",
        Topics.SCORES.valueSerde().deserializer(), TopicReader.key(id), 6);
    assertThat(rescored.stream().map(c -> c.value().frameIndex()).toList()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(rescored).allMatch(c -> c.value().isScored() && c.value().modelVersion().equals("it-1")
        && c.value().captureTimestampMs() == t0 + 40L * c.value().frameIndex());
    assertThat(TopicReader.read(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().deserializer(),
        TopicReader.key(id), 0)).as("live scores untouched").isEmpty();
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("topic frames.it-v2 exists: tag 'it-v2' was used before; pick another --tag");

    // The review video of the re-scoring: its outputs over its copies of the frames; a tag that names none is said so.
    Cli.Result video = Cli.run("replay", "export", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--out", dir.resolve("it-v2.mp4").toString(), "--tag", "it-v2");
    assertThat(video.exitCode()).as(video.err()).isZero();
    assertThat(video.out()).contains(": 6 frames (6 scored, ");
    Cli.Result noTag = Cli.run("replay", "export", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--out", dir.resolve("none.mp4").toString(), "--tag", "it-v9");
    assertThat(noTag.exitCode()).isEqualTo(1);
    assertThat(noTag.err().strip()).isEqualTo("endowatch replay export: error: topic scores.it-v9 missing on "
        + kafka.bootstrapServers() + ": a re-scoring makes it ('endowatch replay rescore --tag it-v9 ...'); is the tag right?");

    // Reviewed: drop it (frames.it-v2 holds copies of the procedure's frames), and the tag scores afresh.
    // The state of a re-scoring whose tag begins with this one's is not its to drop.
    String otherState = "endowatch-rescore-it-v2-loose-alert-state-changelog";
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(otherState, 1, (short) 1))).all().get();
    }
    Cli.Result drop = Cli.run("replay", "drop", "--bootstrap", kafka.bootstrapServers(), "--tag", "it-v2");
    assertThat(drop.exitCode()).as(drop.err()).isZero();
    assertThat(drop.out().strip()).isEqualTo("dropped re-scoring 'it-v2': 6 topic(s) deleted (frames.it-v2, scores.it-v2, "
        + "heatmaps.it-v2, alerts.it-v2, frames-dlq.it-v2, endowatch-rescore-it-v2-alert-state-changelog), its offsets too");
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.settings().clientProps())) {
      assertThat(admin.listTopics().names().get().stream().filter(n -> n.contains("it-v2"))).containsExactly(otherState);
      admin.deleteTopics(List.of(otherState)).all().get();
    }
    Cli.Result dropAgain = Cli.run("replay", "drop", "--bootstrap", kafka.bootstrapServers(), "--tag", "it-v2");
    assertThat(dropAgain.exitCode()).isEqualTo(1);
    assertThat(dropAgain.err().strip()).isEqualTo("endowatch replay drop: error: no re-scoring tagged 'it-v2' on this "
        + "cluster (its topics would be frames.it-v2, scores.it-v2, ...)");
    Cli.Result fresh = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure", id,
        "--model", model.toString(), "--tag", "it-v2", "--device", "cpu");
    assertThat(fresh.exitCode()).as(fresh.err()).isZero();
    assertThat(TopicReader.read(kafka, "scores.it-v2", Topics.SCORES.valueSerde().deserializer(), TopicReader.key(id), 6))
        .hasSize(6);
  }

  @Test
  void rescoringUsesTheAlertRuleItIsGiven(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String id = "rp-rule";
    long t0 = recordSixFrames(kafka, id);
    // Ingest said the recording ended after its sixth frame, as a live one does.
    long endedAt = t0 + 40L * 6;
    TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), id,
        List.of(ProcedureEvent.ended(id, endedAt, "test:", 6, ProcedureEvent.SOURCE_ENDED)));
    // Every frame over the threshold: the rule alone decides which frame raises the alert.
    Path model = TestModels.calibratedMicro(dir.resolve("model"), -1);

    // With one lesion annotated in frames 1..3: an alert belongs to the lesion its frames up to the raising one
    // overlap. Raised at frame 0 it is before the lesion (a false alert, and the lesion has none of its own).
    String[][] rules = {
        {"rule-1of1", "1/1", "0", "0 of 1 lesion alerted; 1 false alert in 0.2 s"},
        {"rule-default", null, "2", "1 of 1 lesion alerted, a median 1 frame (40 ms) after onset; 0 false alerts in 0.2 s"},
        {"rule-6of6", "6/6", "5", "1 of 1 lesion alerted, a median 4 frames (160 ms) after onset; 0 false alerts in 0.2 s"}};
    for (String[] rule : rules) {
      List<String> args = new ArrayList<>(List.of("replay", "rescore", "--bootstrap", kafka.bootstrapServers(),
          "--procedure", id, "--model", model.toString(), "--tag", rule[0], "--device", "cpu"));
      if (rule[1] != null) {
        args.addAll(List.of("--alert-rule", rule[1]));
      }
      // The lesion by hand, as a unit would annotate a recording; the last one names a longer video.
      int truthFrames = rule[0].equals("rule-6of6") ? 60 : 6;
      Path truth = Files.writeString(dir.resolve(rule[0] + ".json"),
          "{\"fps\": 25, \"frames\": " + truthFrames + ", \"anomalyIntervals\": [{\"start\": 1, \"end\": 3}]}");
      args.addAll(List.of("--truth", truth.toString()));
      Cli.Result r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).as(rule[0]).contains("lesions live: not scored live" + System.lineSeparator()
          + "lesions new:  " + rule[3]);
      String mismatch = "rescore: " + truth + " describes 60 frames, procedure rp-rule has 6: check that it is this procedure's";
      if (truthFrames == 6) {
        assertThat(r.err()).as(rule[0]).doesNotContain("check that it is this procedure's");
      } else {
        assertThat(r.err()).as(rule[0]).contains(mismatch);
      }
      List<ConsumerRecord<String, AlertEvent>> starts = TopicReader.read(kafka, "alerts." + rule[0],
          Topics.ALERTS.valueSerde().deserializer(), c -> id.equals(c.key()) && AlertEvent.START.equals(c.value().type()), 1);
      assertThat(starts).as(rule[0]).hasSize(1);
      AlertEvent start = starts.get(0).value();
      assertThat(start.startFrame()).isZero();
      // The raising frame: the first (1/1), the third (3 of 5), the sixth (6/6).
      assertThat(start.eventTimestampMs()).as(rule[0]).isEqualTo(t0 + 40L * Long.parseLong(rule[2]));
      // Still open at the last frame, the alert ends as a live one would where ingest said the
      // recording ended: at that frame, at once, before the comparison is printed.
      assertThat(r.out()).as(rule[0]).contains("alerts new:  [0-5]");
      assertThat(r.err()).as(rule[0]).doesNotContain("s after the frames stop");
      List<ConsumerRecord<String, AlertEvent>> ends = TopicReader.read(kafka, "alerts." + rule[0],
          Topics.ALERTS.valueSerde().deserializer(), c -> id.equals(c.key()) && AlertEvent.END.equals(c.value().type()), 1);
      assertThat(ends).extracting(c -> c.value().endFrame(), c -> c.value().endReason(), c -> c.value().eventTimestampMs())
          .containsExactly(org.assertj.core.groups.Tuple.tuple(5L, AlertEvent.RECORDING_ENDED, endedAt));
    }
  }

  @Test
  void severalProceduresRescoreTogetherAndTheirLesionsAddUp(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    recordSixFrames(kafka, "rp-two-a");
    recordSixFrames(kafka, "rp-two-b");
    // Every frame over the threshold: the default rule raises an alert at frame 2 of each, from frame 0.
    Path model = TestModels.calibratedMicro(dir.resolve("model"), -1);
    Path a = Files.writeString(dir.resolve("a.json"), "{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 1, \"end\": 3}]}");
    Path b = Files.writeString(dir.resolve("b.json"), "{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 4, \"end\": 5}]}");

    Cli.Result missing = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure",
        "rp-two-a,rp-two-none", "--model", model.toString(), "--tag", "two", "--device", "cpu");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip().lines().reduce((x, y) -> y).orElseThrow()).isEqualTo("endowatch replay rescore: error: "
        + "no frames of procedure rp-two-none on frames (check the id; the tag 'two' is left free)");

    Cli.Result r = Cli.run("replay", "rescore", "--bootstrap", kafka.bootstrapServers(), "--procedure", "rp-two-a,rp-two-b",
        "--truth", a + "," + b, "--model", model.toString(), "--tag", "two", "--device", "cpu");

    assertThat(r.exitCode()).as(r.err()).isZero();
    // No word from ingest on these recordings: their alerts end once the frames have stopped for 15 s.
    assertThat(r.err()).contains("rescore: 12 frames copied to frames.two")
        .contains("rescore: an alert is open at a procedure's last frame with no word that its recording ended; it ends"
            + " 15 s after the frames stop, as live");
    String nl = System.lineSeparator();
    assertThat(r.out()).contains("rescored rp-two-a into scores.two: frames 6, scored by both 0")
        .contains("rescored rp-two-b into scores.two: frames 6, scored by both 0")
        // a: raised at frame 2, one after its lesion's onset; b: raised at 2, before its lesion: a false alert.
        .contains("lesions new:  1 of 1 lesion alerted, a median 1 frame (40 ms) after onset; 0 false alerts in 0.2 s")
        .contains("lesions new:  0 of 1 lesion alerted; 1 false alert in 0.2 s")
        .endsWith("all 2 procedures:" + nl + "lesions live: none scored live" + nl
            + "lesions new:  1 of 2 lesions alerted, a median 1 frame (40 ms) after onset; 1 false alert in 0.5 s" + nl);
  }

  /** Six 160x120 frames of a procedure, 40 ms apart, on the live frames topic; returns the first capture time. */
  private static long recordSixFrames(KafkaCluster kafka, String id) throws Exception {
    long t0 = System.currentTimeMillis();
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      frames.add(TestFrames.jpeg(id, i, t0 + 40L * i, 160, 120));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, frames);
    return t0;
  }

  private static double redness(BufferedImage img) {
    // Mean of (red - green) over the 4 px border the alert draws at x = 2..5 along the left edge.
    double sum = 0;
    int n = 0;
    for (int y = 10; y < 110; y++) {
      for (int x = 1; x < 5; x++) {
        int rgb = img.getRGB(x, y);
        sum += ((rgb >> 16) & 0xFF) - ((rgb >> 8) & 0xFF);
        n++;
      }
    }
    return sum / n;
  }
}
