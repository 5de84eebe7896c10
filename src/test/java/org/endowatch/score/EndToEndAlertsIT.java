package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole live path on a generated procedure with known lesion intervals: {@code synth
 * procedure} -> {@code ingest} -> the scorer with the shipped demo model (models/demo-micro) -> alerts, which must
 * start inside a ground-truth interval, never outside, and every interval must raise one.
 */
@ExtendWith(RealKafka.class)
class EndToEndAlertsIT {
  /** Frames an alert may outlast its interval: the alert rule ends after 5 calm frames, and a lesion fading out still scores. */
  static final int END_SLACK = 8;
  /** Looks like what a unit might use as a procedure id: it must never appear in a log line. */
  static final String PROCEDURE = "patient-4711-colonoscopy";

  @Test
  void alertsStartInsideTheLesionIntervalsAndOnlyThere(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    // Below the shipped levels, so the check covers what an operator turning logging up would see
    // (at the shipped levels a healthy run logs next to nothing, which would prove nothing).
    ch.qos.logback.classic.Logger ours = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.endowatch");
    ch.qos.logback.classic.Logger kafkaLogs = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka");
    ch.qos.logback.classic.Level oursBefore = ours.getLevel();
    ch.qos.logback.classic.Level kafkaBefore = kafkaLogs.getLevel();
    ours.setLevel(ch.qos.logback.classic.Level.DEBUG);
    kafkaLogs.setLevel(ch.qos.logback.classic.Level.INFO);
    // Kafka's INFO lines (every client's full config) are for the check, not for the build log.
    ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent> console = root.getAppender("STDERR");
    if (console != null) {
      root.detachAppender(console);
    }
    try {
      run(kafka, dir);
    } finally {
      if (console != null) {
        root.addAppender(console);
      }
      ours.setLevel(oursBefore);
      kafkaLogs.setLevel(kafkaBefore);
      root.detachAppender(logs);
    }
    // Patient data stays out of logs: no procedure id, no image bytes (a JPEG starts with FF D8 FF).
    assertThat(logs.list).hasSizeGreaterThan(100);
    for (ch.qos.logback.classic.spi.ILoggingEvent e : logs.list) {
      String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      assertThat(text).as(e.getLoggerName()).doesNotContain(PROCEDURE).doesNotContain("\u00ff\u00d8\u00ff");
    }
  }

  /**
   * The video ends while the lesion is in view (ingest sends the procedure's first {@link #CUT}
   * frames, three quarters into its one lesion): the open alert must not stay open for ever. The
   * scorer ends it once no frame came for {@link AlertEvent#FRAMES_STOPPED_AFTER_MS}, at the last
   * frame it scored, saying why.
   */
  @Test
  void anAlertOpenWhenTheVideoStopsIsEndedAtItsLastFrame(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Path video = synth(dir);
    GroundTruth.Interval lesion = GroundTruth.read(GroundTruth.pathFor(video)).anomalyIntervals().get(0);
    assertThat(lesion.start() + (lesion.end() - lesion.start()) * 3 / 4).isEqualTo(CUT);

    List<AlertEvent> alerts = ingestAndScore(kafka, dir, video, CUT, null, a -> !a.type().equals(AlertEvent.UPDATE), 2);

    assertThat(alerts).extracting(AlertEvent::type).containsExactly(AlertEvent.START, AlertEvent.END);
    AlertEvent end = alerts.get(1);
    assertThat(lesion.contains(end.startFrame())).as("alert starting at %d", end.startFrame()).isTrue();
    assertThat(end.endFrame()).isEqualTo(CUT - 1);
    assertThat(end.endReason()).isEqualTo(AlertEvent.FRAMES_STOPPED);
  }

  /**
   * The same, where the scorer reads what ingest says on {@code procedures}: the recording ended at its
   * frame limit, so the alert ends at its last frame as soon as that frame is scored, without the wait.
   */
  @Test
  void anAlertOpenWhenTheRecordingEndsIsEndedAtItsLastFrameByIngestsWord(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
    Path video = synth(dir);

    List<AlertEvent> alerts = ingestAndScore(kafka, dir, video, CUT, Topics.PROCEDURES.name(),
        a -> !a.type().equals(AlertEvent.UPDATE), 2);

    assertThat(alerts).extracting(AlertEvent::type, AlertEvent::endFrame, AlertEvent::endReason).last()
        .isEqualTo(org.assertj.core.groups.Tuple.tuple(AlertEvent.END, (long) CUT - 1, AlertEvent.RECORDING_ENDED));
    // The end carries the time of ingest's word (the other tests here send one for this procedure too).
    long endedAt = alerts.get(1).eventTimestampMs();
    ProcedureEvent said = TopicReader.read(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().deserializer(),
        TopicReader.<ProcedureEvent>key(PROCEDURE).and(r -> r.value().over() && r.value().atMs() == endedAt), 1).get(0).value();
    assertThat(said).extracting(ProcedureEvent::type, ProcedureEvent::nextIndex, ProcedureEvent::reason)
        .containsExactly(ProcedureEvent.ENDED, (long) CUT, ProcedureEvent.FRAME_LIMIT);
  }

  /** Frames ingested by the tests above: frames 0-131 of the procedure whose lesion is frames 91-146. */
  static final int CUT = 132;

  private static Path synth(Path dir) {
    Path video = dir.resolve("procedure.mp4");
    Cli.Result synth = Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "8", "--seed", "5");
    assertThat(synth.exitCode()).as(synth.err()).isZero();
    return video;
  }

  /**
   * Ingests the video's first {@code frames} frames, scores them with the demo model (reading what
   * ingest says of the recording on {@code recordings}, unless null) and returns the alert events that
   * {@code keep} keeps, once at least {@code alertEvents} of them are committed.
   */
  private static List<AlertEvent> ingestAndScore(KafkaCluster kafka, Path dir, Path video, int frames, String recordings,
      Predicate<AlertEvent> keep, int alertEvents) throws Exception {
    String suffix = "-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 2);
    String input = "frames" + suffix;

    Cli.Result ingest = Cli.run("ingest", "--bootstrap", kafka.bootstrapServers(), "--source", video.toString(),
        "--procedure", PROCEDURE, "--topic", input, "--max-frames", Integer.toString(frames));
    assertThat(ingest.exitCode()).as(ingest.err()).isZero();
    try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(Path.of("models/demo-micro"), "cpu"), null);
         ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "e2e" + suffix, 1, dir.resolve("state"),
             new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT).withRecordings(recordings), () -> scorer,
             new SimpleMeterRegistry())) {
      app.start();
      List<ConsumerRecord<String, Score>> scores = TopicReader.read(kafka, outputs.scores(),
          Topics.SCORES.valueSerde().deserializer(), TopicReader.key(PROCEDURE), frames);
      assertThat(scores).hasSize(frames);
      assertThat(scores).allMatch(c -> c.value().isScored());
      return TopicReader.read(kafka, outputs.alerts(), Topics.ALERTS.valueSerde().deserializer(),
          TopicReader.<AlertEvent>key(PROCEDURE).and(r -> keep.test(r.value())), alertEvents).stream()
          .map(ConsumerRecord::value).toList();
    }
  }

  private void run(KafkaCluster kafka, Path dir) throws Exception {
    Path video = synth(dir);
    GroundTruth truth = GroundTruth.read(GroundTruth.pathFor(video));
    List<AlertEvent> alerts = ingestAndScore(kafka, dir, video, truth.frames(), null, a -> true, 1);

    assertThat(truth.anomalyIntervals()).isNotEmpty();
    List<AlertEvent> starts = alerts.stream().filter(a -> a.type().equals(AlertEvent.START)).toList();
    for (AlertEvent a : starts) {
      assertThat(truth.anomalous(a.startFrame())).as("alert starting at frame %d lies in %s", a.startFrame(),
          truth.anomalyIntervals()).isTrue();
    }
    for (GroundTruth.Interval i : truth.anomalyIntervals()) {
      assertThat(starts).as("an alert for frames %s", i).anyMatch(a -> i.contains(a.startFrame()));
    }
    for (AlertEvent end : alerts.stream().filter(a -> a.type().equals(AlertEvent.END)).toList()) {
      GroundTruth.Interval i = truth.anomalyIntervals().stream().filter(x -> x.contains(end.startFrame())).findFirst().orElseThrow();
      assertThat(end.endFrame()).as("alert %s ends near its interval's end %d", end.alertId(), i.end())
          .isLessThanOrEqualTo(i.end() + END_SLACK);
    }
  }
}
