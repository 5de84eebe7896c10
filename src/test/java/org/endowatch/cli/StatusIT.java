package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code status} against a real broker: topics, the scorer's lag, and each recent procedure's state, as the console says it. */
@ExtendWith(RealKafka.class)
class StatusIT {
  /**
   * As every other command: one line naming the broker, within the timeout. It was "error:
   * TimeoutException" after a minute (15 s for the answer, then the client's close waiting 45 s more
   * for the calls it had given up on).
   */
  @Test
  void anUnreachableBrokerIsSaidInOneLineWithinTheTimeout() {
    long start = System.nanoTime();
    Cli.Result r = Cli.run("status", "--bootstrap", "127.0.0.1:1");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("endowatch status: error: cannot reach Kafka at 127.0.0.1:1 within 15 s "
        + "(could not list topics); check --bootstrap and that the broker is running");
    // A bound on "within the timeout", not a timing measurement: the minute it took is what it tells from.
    assertThat(seconds).isLessThan(45);
  }

  @Test
  void tellsLiveFromEndedAndSaysWhenFramesComeWithoutOutcomes(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    long now = System.currentTimeMillis();
    // Scored up to date; 5 s of frames with outcomes for the first second only; frames and no outcome; an hour ago.
    record(kafka, "st-ok", now - 800, 20, 40, 20);
    record(kafka, "st-behind", now - 5_000, 21, 250, 5);
    record(kafka, "st-new", now - 400, 10, 40, 0);
    record(kafka, "st-old", now - 3_600_000, 10, 40, 10);
    // As st-behind, but every frame after the fifth has an outcome: a skip (stale).
    record(kafka, "st-skipped", now - 5_000, 21, 250, 5);
    List<Score> skips = new ArrayList<>();
    for (int i = 5; i < 21; i++) {
      skips.add(Score.skipped("st-skipped", i, now - 5_000 + 250L * i, now - 5_000 + 250L * i + 2_500, 0.5, "st-m", "stale"));
    }
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "st-skipped", skips);
    // The same again on a partition the scorer is far behind on (below): the other cause of stale skips.
    record(kafka, "st-overloaded", now - 5_000, 21, 250, 5);
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "st-overloaded",
        skips.stream().map(k -> Score.skipped("st-overloaded", k.frameIndex(), k.captureTimestampMs(), k.scoredTimestampMs(),
            0.5, "st-m", "stale")).toList());
    // Scored up to date by a scorer whose clock is 3 s behind the ingest host's: outcomes "before" their frames.
    List<Frame> aheadFrames = new ArrayList<>();
    List<Score> aheadScores = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      aheadFrames.add(TestFrames.jpeg("st-ahead", i, now - 900 + 100L * i, 32, 32));
      aheadScores.add(Score.scored("st-ahead", i, now - 900 + 100L * i, now - 900 + 100L * i - 3_000, 0.1, 0.5, "st-m"));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), "st-ahead", aheadFrames);
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "st-ahead", aheadScores);
    // As st-behind, but every frame after the fifth went to the dead-letter topic; and one whose every frame did.
    record(kafka, "st-rejected", now - 5_000, 21, 250, 5);
    reject(kafka, "st-rejected", now - 5_000, 5, 21, 250);
    record(kafka, "st-rejected-all", now - 2_000, 5, 400, 0);
    reject(kafka, "st-rejected-all", now - 2_000, 0, 5, 400);
    // What ingest said of three recordings: ended a second ago (its frames are recent, but it is over),
    // and two whose frames stopped a minute ago, one with the recording still started, one failed.
    record(kafka, "st-ended", now - 2_000, 20, 50, 20);
    record(kafka, "st-cut", now - 60_000, 20, 50, 20);
    record(kafka, "st-failed", now - 60_000, 20, 50, 20);
    TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), "st-ended",
        List.of(ProcedureEvent.started("st-ended", now - 2_000, "file:/v.mp4", 0),
            ProcedureEvent.ended("st-ended", now - 1_000, "file:/v.mp4", 20, ProcedureEvent.SOURCE_ENDED)));
    TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), "st-cut",
        List.of(ProcedureEvent.started("st-cut", now - 60_000, "rtsp://cam-2", 0)));
    TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), "st-failed",
        List.of(ProcedureEvent.started("st-failed", now - 60_000, "rtsp://cam-3", 0),
            ProcedureEvent.failed("st-failed", now - 58_000, "rtsp://cam-3", 20, "cannot open rtsp://cam-3: Connection refused")));
    // And one whose frame records are broken (no headers): status cannot read them, only their dead letters.
    String brokenBecause = brokenFrames(kafka, "st-broken", now - 2_000, 5, 400);

    // A release in force (what the scorers should serve; each procedure's line says what scored it).
    long published = 1_795_000_000_000L;
    TopicWriter.send(kafka, Topics.MODELS.name(), Topics.MODELS.valueSerde().serializer(), "st-m",
        List.of(new ModelRelease("st-m", "st-m-20261127T100000+cal20261127T110000", "file:///models/st-m", "ab", published)));

    // A scorer under its own application id, caught up on every partition but one frame of st-ok's
    // and 15 of st-overloaded's, and still in its group (one instance) while status looks.
    // And one reading frames that has committed nothing yet (a scorer started before any frame came).
    Cli.Result r;
    try (KafkaConsumer<String, byte[]> scorer = new KafkaConsumer<>(consumerProps(kafka, "st-scorer"), new StringDeserializer(),
        new ByteArrayDeserializer());
        KafkaConsumer<String, byte[]> idle = new KafkaConsumer<>(consumerProps(kafka, "st-idle"), new StringDeserializer(),
            new ByteArrayDeserializer())) {
      scorer.subscribe(List.of(Topics.FRAMES.name()));
      idle.subscribe(List.of(Topics.FRAMES.name()));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((scorer.assignment().isEmpty() || idle.assignment().isEmpty()) && System.nanoTime() < deadline) {
        scorer.poll(java.time.Duration.ofMillis(100));
        idle.poll(java.time.Duration.ofMillis(100));
      }
      List<TopicPartition> frames = scorer.partitionsFor(Topics.FRAMES.name()).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      Map<TopicPartition, OffsetAndMetadata> at = new HashMap<>();
      scorer.endOffsets(frames).forEach((tp, end) -> at.put(tp, new OffsetAndMetadata(end)));
      TopicPartition stOk = new TopicPartition(Topics.FRAMES.name(), Topics.partitionFor("st-ok", frames.size()));
      at.put(stOk, new OffsetAndMetadata(at.get(stOk).offset() - 1));
      TopicPartition overloaded = new TopicPartition(Topics.FRAMES.name(), Topics.partitionFor("st-overloaded", frames.size()));
      assertThat(overloaded.partition()).isNotIn(stOk.partition(), Topics.partitionFor("st-skipped", frames.size()));
      at.put(overloaded, new OffsetAndMetadata(at.get(overloaded).offset() - 15));
      scorer.commitSync(at);
      r = Cli.run("status", "--bootstrap", kafka.bootstrapServers());
      try (Admin admin = Admin.create(kafka.settings().clientProps())) {
        // What the demo says before it plays on a cluster with a scorer running.
        assertThat(StatusCommand.runningScorers(admin)).contains("st-scorer: 1 instance (127.0.0.1)",
            "st-idle: 1 instance (127.0.0.1)");
      }
    }
    // Gone: it left the group as it closed.
    Cli.Result stopped = Cli.run("status", "--bootstrap", kafka.bootstrapServers());
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      assertThat(StatusCommand.runningScorers(admin)).noneMatch(s -> s.startsWith("st-scorer:") || s.startsWith("st-idle:"));
    }
    Cli.Result asked = Cli.run("status", "--bootstrap", kafka.bootstrapServers(), "--group", "st-no-such-scorer");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("  frames      6 partitions x 1 copy\n",
        "scorer (group st-scorer): 1 instance (127.0.0.1), lag 16 frame(s) behind\n",
        "scorer (group st-idle): 1 instance (127.0.0.1), no committed offsets yet (no frame read since it started)\n")
        .doesNotContain("st-no-such-scorer");
    assertThat(stopped.out()).contains("scorer (group st-scorer): NOT RUNNING (no instance in the group), lag 16 frame(s) behind\n");
    assertThat(asked.out()).contains("scorer (group st-no-such-scorer): NOT RUNNING (no instance in the group), "
        + "no committed offsets (not started yet?)\n");
    // Every procedure here is scored by "st-m", not by the release's version: as a release no running
    // scorer serves (or one its scorers refused).
    assertThat(r.out()).contains("model releases in force:\n")
        .containsPattern("\n  st-m  st-m-20261127T100000\\+cal20261127T110000  published "
            + java.util.regex.Pattern.quote(java.time.Instant.ofEpochMilli(published).toString()) + "  \\(no live procedure is scored by it"
            + " \\(\\d+ live\\): no running scorer serves st-m, or its scorers refused this release; their logs say why\\)\n");
    assertThat(line(r.out(), "st-ok")).startsWith("  st-ok                    frame 19      0.1000   normal     model st-m  live");
    // Outcomes up to frame 4 (captured at -4.0 s), frames up to -0.0 s: 4 s behind.
    assertThat(line(r.out(), "st-behind")).startsWith("  st-behind                frame 4 ").endsWith("model st-m  NOT SCORED (4 s behind)");
    assertThat(line(r.out(), "st-skipped")).startsWith("  st-skipped               frame 20      skipped ")
        .endsWith("model st-m  NOT SCORED (4 s, every frame skipped as stale; the scorer keeps up (0 frame(s) behind on its"
            + " partition), so they are older than its budget before it reads them: check the ingest host's clock (NTP)"
            + " against the scorer's, or what delays frames before Kafka)");
    assertThat(line(r.out(), "st-overloaded")).startsWith("  st-overloaded            frame 20      skipped ")
        .endsWith("model st-m  NOT SCORED (4 s, every frame skipped as stale; the scorer is 15 frames behind on its partition:"
            + " it cannot keep up (more scorer instances or threads, a GPU, or a cheaper --mask-schedule))");
    assertThat(line(r.out(), "st-rejected")).startsWith("  st-rejected              frame 4 ")
        .endsWith("model st-m  NOT SCORED (4 s, frames rejected: " + REJECTED_BECAUSE + ")");
    assertThat(line(r.out(), "st-rejected-all")).isEqualTo("  st-rejected-all          (no outcome)                                  "
        + "live, NOT SCORED (frames rejected: " + REJECTED_BECAUSE + ")");
    assertThat(line(r.out(), "st-broken")).isEqualTo("  st-broken                (no outcome)                                  "
        + "live, NOT SCORED (frames rejected: " + brokenBecause + ")");
    assertThat(brokenBecause).isEqualTo("frame is missing header '" + org.endowatch.contract.FrameSerde.H_PROCEDURE + "'");
    assertThat(line(r.out(), "st-ahead")).startsWith("  st-ahead                 frame 9 ")
        .endsWith("model st-m  live (its frames are captured 3.0 s ahead of the scorer's clock: the ingest host's clock runs"
            + " ahead, check NTP; such frames are never skipped as stale)");
    assertThat(line(r.out(), "st-ok")).doesNotContain("ahead");
    assertThat(line(r.out(), "st-new")).isEqualTo("  st-new                   (no outcome)                                  live, no outcome yet");
    assertThat(line(r.out(), "st-old")).contains("model st-m  last ");
    assertThat(line(r.out(), "st-ended")).endsWith("model st-m  ended " + java.time.Instant.ofEpochMilli(now - 1_000) + " (source ended)");
    assertThat(line(r.out(), "st-cut")).endsWith("model st-m  FRAMES STOPPED " + java.time.Instant.ofEpochMilli(now - 60_000 + 50 * 19)
        + " (no end of recording: ingest was killed, its host or network lost, or the camera froze)");
    assertThat(line(r.out(), "st-failed")).endsWith("model st-m  INGEST FAILED " + java.time.Instant.ofEpochMilli(now - 58_000)
        + ": cannot open rtsp://cam-3: Connection refused");
  }

  /** {@code frames} frames {@code gapMs} apart from {@code t0}, and outcomes (score 0.1) for the first {@code scored}. */
  private static void record(KafkaCluster kafka, String id, long t0, int frames, long gapMs, int scored) throws Exception {
    List<Frame> fs = new ArrayList<>();
    List<Score> ss = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      fs.add(TestFrames.jpeg(id, i, t0 + gapMs * i, 32, 32));
      if (i < scored) {
        ss.add(Score.scored(id, i, t0 + gapMs * i, t0 + gapMs * i + 20, 0.1, 0.5, "st-m"));
      }
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, fs);
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), id, ss);
  }

  static final String REJECTED_BECAUSE = "frame image is not a decodable JPEG";

  /** Dead letters of frames {@code from..to-1} of {@link #record}'s procedure {@code id}, as the scorer writes them. */
  private static void reject(KafkaCluster kafka, String id, long t0, int from, int to, long gapMs) throws Exception {
    List<DeadLetter> letters = new ArrayList<>();
    for (int i = from; i < to; i++) {
      letters.add(TestFrames.deadLetter(TestFrames.jpeg(id, i, t0 + gapMs * i, 32, 32), REJECTED_BECAUSE, t0 + gapMs * i + 30));
    }
    TopicWriter.send(kafka, Topics.FRAMES_DLQ.name(), Topics.FRAMES_DLQ.valueSerde().serializer(), id, letters);
  }

  /**
   * The dead letters of {@code frames} records of procedure {@code id} whose headers were lost,
   * {@code gapMs} apart from {@code t0}, as the scorer writes them: timed when they failed, with the
   * reason the frame contract gives. Returns that reason. The broken records themselves stay off the
   * shared frames topic: other tests read it whole and would stop at them.
   */
  private static String brokenFrames(KafkaCluster kafka, String id, long t0, int frames, long gapMs) throws Exception {
    byte[] image = TestFrames.jpeg(id, 0, t0, 32, 32).image();
    String reason;
    try {
      org.endowatch.contract.FrameSerde.read(new org.apache.kafka.common.header.internals.RecordHeaders(), image);
      throw new AssertionError("a frame without headers was read");
    } catch (org.endowatch.contract.ContractException e) {
      reason = e.getMessage();
    }
    List<DeadLetter> letters = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      letters.add(new DeadLetter(reason, Topics.FRAMES.name(), 0, i, t0 + gapMs * i + 30, List.of(), image));
    }
    TopicWriter.send(kafka, Topics.FRAMES_DLQ.name(), Topics.FRAMES_DLQ.valueSerde().serializer(), id, letters);
    return reason;
  }

  private static Properties consumerProps(KafkaCluster kafka, String group) {
    Properties p = kafka.settings().clientProps();
    p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    return p;
  }

  private static String line(String out, String id) {
    return out.lines().filter(l -> l.startsWith("  " + id + " ")).findFirst().orElseThrow(() -> new AssertionError("no line for " + id + " in\n" + out));
  }
}
