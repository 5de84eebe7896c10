package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestModels;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two scorer processes share the work, as scorers on two nodes do; the one scoring a live procedure
 * is SIGKILLed mid-procedure (a node lost: no commit, no leave-group) or stopped (SIGTERM), and later
 * started again on its old state folder (the node back). The other takes the procedure over from the state topics, not
 * from its own disk: every frame still gets exactly one outcome, and the procedure's one open alert
 * is neither lost nor raised twice across both hand-overs.
 */
@ExtendWith(RealKafka.class)
class ScorerFailoverIT {
  private static final int SECONDS = 24;
  private static final int FRAMES = SECONDS * 25;
  private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+/metrics)");

  /** SIGKILL: a node lost; SIGTERM: a rolling restart of the scorers, which leave the group as they stop. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"SIGKILL", "SIGTERM"})
  void anotherInstanceTakesOverALiveProcedureWithItsOpenAlert(String signal, KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    String suffix = "-failover-" + UUID.randomUUID().toString().substring(0, 8);
    // Six partitions, as the catalog's frames: the two instances get three each.
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 6);
    // With procedures, where ingest says the recording ended: the scorers follow it.
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
    String input = "frames" + suffix;
    String procedure = "room" + suffix;
    Path video = dir.resolve("procedure.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", String.valueOf(SECONDS), "--seed", "5")
        .exitCode()).isZero();
    // Every frame over the threshold: one alert from frame 0 that only the end of the video ends.
    Path model = TestModels.calibratedMicro(dir.resolve("model"), -1.0);

    Scorer a = Scorer.start(kafka, model, input, suffix, dir, "a");
    Scorer b = Scorer.start(kafka, model, input, suffix, dir, "b");
    Scorer back = null;
    try {
      a.awaitStarted();
      b.awaitStarted();
      long t0 = System.nanoTime();
      CompletableFuture<Cli.Result> ingest = CompletableFuture.supplyAsync(() -> Cli.run("ingest", "--bootstrap",
          kafka.bootstrapServers(), "--topic", input, "--source", video.toString(), "--procedure", procedure, "--realtime"));

      // Whichever instance Kafka gave the procedure's partition is scoring it; the other is not.
      Scorer owner = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (owner == null && System.nanoTime() < deadline) {
        Thread.sleep(500);
        owner = a.scored() > 0 ? a : b.scored() > 0 ? b : null;
      }
      assertThat(owner).as("an instance scores the procedure; logs:\n%s\n%s", a.log(), b.log()).isNotNull();
      Scorer survivor = owner == a ? b : a;
      Thread.sleep(3_000);
      double before = survivor.scored();
      long signalledAtMs = System.currentTimeMillis();
      if (signal.equals("SIGKILL")) {
        owner.kill();
      } else {
        owner.stop();
      }
      System.out.printf("%s: instance %s (scoring the procedure) gone at %.1f s%n", signal, owner.name,
          (System.nanoTime() - t0) / 1e9);

      // The survivor gets the procedure once the group moves it (a stopped instance leaves the group; a
      // killed one is noticed when its session times out and its open transaction is aborted),
      // restores the procedure's alert state from its changelog and scores on.
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (survivor.scored() <= before && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      assertThat(survivor.scored()).as("the survivor took the procedure over; its log:\n%s", survivor.log())
          .isGreaterThan(before);
      System.out.printf("instance %s scores it from %.1f s%n", survivor.name, (System.nanoTime() - t0) / 1e9);

      // The lost node comes back on its old state folder and rejoins while the procedure goes on.
      back = Scorer.start(kafka, model, input, suffix, dir, owner.name);
      back.awaitStarted();
      System.out.printf("instance %s back at %.1f s%n", back.name, (System.nanoTime() - t0) / 1e9);

      Cli.Result r = ingest.get(180, TimeUnit.SECONDS);
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains(FRAMES + " frames read, " + FRAMES + " sent, 0 failed");
      List<ConsumerRecord<String, Frame>> frames = TopicReader.read(kafka, input, Topics.FRAMES.valueSerde().deserializer(),
          TopicReader.key(procedure), FRAMES);
      List<Score> scores = TopicReader.read(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(),
          TopicReader.key(procedure), FRAMES).stream().map(ConsumerRecord::value).toList();
      List<Long> range = LongStream.range(0, FRAMES).boxed().toList();
      assertThat(frames.stream().map(c -> c.value().frameIndex()).toList()).containsExactlyElementsOf(range);
      List<Scorer> all = List.of(a, b, back);
      assertThat(scores.stream().map(Score::frameIndex).sorted().toList())
          .as(() -> "exactly one outcome per frame; what the scorers said of the others:\n" + trace(frames, scores, all))
          .containsExactlyElementsOf(range);
      List<Score> scored = scores.stream().filter(Score::isScored).sorted(Comparator.comparingLong(Score::frameIndex)).toList();
      // The longest time without a scored frame across the signal, and the frame that ended it (the
      // survivor's first); every pause over 0.5 s for the reader (BENCHMARKS), not asserted: three
      // JVMs and the broker share this machine's cores. Only pauses ending after the signal count as
      // the hand-over: the pause while the group forms at the start was once longer than a stop's.
      long gap = 0;
      long resumed = 0;
      List<String> pauses = new java.util.ArrayList<>();
      for (int i = 1; i < scored.size(); i++) {
        long g = scored.get(i).scoredTimestampMs() - scored.get(i - 1).scoredTimestampMs();
        if (g > gap && scored.get(i).scoredTimestampMs() > signalledAtMs) {
          gap = g;
          resumed = scored.get(i).frameIndex();
        }
        if (g > 500) {
          pauses.add(g + " ms before frame " + scored.get(i).frameIndex());
        }
      }
      System.out.printf("failover after %s: outcomes %d, scored %d, skipped %d; longest gap across the hand-over %d ms; "
          + "scored per instance: %s %.0f, %s %.0f (back)%n", signal, scores.size(), scored.size(), scores.size() - scored.size(),
          gap, survivor.name, survivor.scored(), back.name, back.scored());
      System.out.printf("first scored frames %s; gaps over 0.5 s: %s%n",
          scored.stream().limit(12).map(Score::frameIndex).toList(), pauses);

      // One alert, raised before the hand-over (the first frames arrive while the two scorers' group
      // forms, and are skipped as stale), ended at the last frame scored once ingest said the
      // recording ended: the state moved with the procedure both times (a lost state would raise a
      // second start; a stale one could end it early).
      List<AlertEvent> alerts = TopicReader.read(kafka, outputs.alerts(), Topics.ALERTS.valueSerde().deserializer(),
          c -> procedure.equals(c.key()) && !c.value().type().equals(AlertEvent.UPDATE), 2).stream()
          .map(ConsumerRecord::value).toList();
      assertThat(alerts).extracting(AlertEvent::type).containsExactly(AlertEvent.START, AlertEvent.END);
      AlertEvent start = alerts.get(0);
      assertThat(start.endFrame()).as("raised before the hand-over").isLessThan(resumed);
      assertThat(alerts.get(1)).extracting(AlertEvent::startFrame, AlertEvent::endFrame, AlertEvent::endReason)
          .containsExactly(start.startFrame(), scored.get(scored.size() - 1).frameIndex(), AlertEvent.RECORDING_ENDED);
    } finally {
      for (Scorer s : new Scorer[] {a, b, back}) {
        if (s != null) {
          s.stop();
        }
      }
    }
  }

  /**
   * What the scorers logged of the frames without exactly one outcome (each frame's way at DEBUG, by
   * offset) and of their partition's task moving between them (Kafka Streams at INFO), with every
   * warning and error: enough to tell where a frame was lost, which a rerun may not show again.
   */
  private static String trace(List<ConsumerRecord<String, Frame>> frames, List<Score> scores, List<Scorer> scorers) {
    java.util.Map<Long, Long> outcomes = scores.stream()
        .collect(java.util.stream.Collectors.groupingBy(Score::frameIndex, java.util.stream.Collectors.counting()));
    List<Long> offsets = frames.stream().filter(f -> outcomes.getOrDefault(f.value().frameIndex(), 0L) != 1)
        .map(ConsumerRecord::offset).toList();
    String task = "0_" + frames.get(0).partition();
    List<Pattern> about = offsets.stream().map(o -> Pattern.compile("@" + o + "\\b|[\\[ ]" + o + "[,\\]]")).toList();
    StringBuilder out = new StringBuilder("offsets " + offsets + " of " + frames.get(0).topic() + "-" + frames.get(0).partition()
        + " (task " + task + ")\n");
    for (Scorer s : scorers) {
      out.append("-- scorer ").append(s.name).append(" (").append(s.log).append(")\n");
      try {
        Files.readAllLines(s.log).stream()
            .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("starts with") || line.contains("has no offset")
                || (line.contains("[" + task + "]") && line.contains(" INFO ")) || about.stream().anyMatch(p -> p.matcher(line).find()))
            .forEach(line -> out.append(line).append('\n'));
      } catch (IOException e) {
        out.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return out.toString();
  }

  /** One {@code score} process, as on its own node: its own state folder and metrics port. */
  private static final class Scorer {
    final String name;
    final Process process;
    final Path log;
    private String metrics;

    private Scorer(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    static Scorer start(KafkaCluster kafka, Path model, String input, String suffix, Path dir, String name)
        throws IOException {
      Path log = (System.getenv("FO_LOGS") != null ? Path.of(System.getenv("FO_LOGS")) : dir).resolve("scorer-" + name + "-" + System.nanoTime() + ".log");
      ProcessBuilder pb = new ProcessBuilder("java", "-Xmx1g", "-jar", System.getProperty("endowatch.jar", "target/endowatch.jar"),
          "score", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(), "--input", input,
          "--output-suffix", suffix, "--application-id", "failover" + suffix, "--state-dir",
          dir.resolve("state-" + name).toString(), "--metrics-port", "0")
          .redirectErrorStream(true).redirectOutput(log.toFile());
      // Each frame's way through the scorer, and its tasks' moves, for trace() if a frame goes astray.
      pb.environment().put("ENDOWATCH_LOG_LEVEL", "DEBUG");
      pb.environment().put("ENDOWATCH_STREAMS_LOG_LEVEL", "INFO");
      Process p = pb.start();
      return new Scorer(name, p, log);
    }

    void awaitStarted() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (metrics == null && System.nanoTime() < deadline) {
        assertThat(process.isAlive()).as("scorer %s died: %s", name, log()).isTrue();
        Matcher m = METRICS.matcher(log());
        if (m.find()) {
          metrics = m.group(1);
        } else {
          Thread.sleep(200);
        }
      }
      assertThat(metrics).as("scorer %s printed its metrics address: %s", name, log()).isNotNull();
    }

    /** Frames this process has scored (its /metrics). */
    double scored() throws Exception {
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("(?m)^endowatch_frames_scored_total(?:\\{[^}]*\\})? (\\S+)$").matcher(body);
      assertThat(m.find()).as("scorer %s exports endowatch_frames_scored_total", name).isTrue();
      return Double.parseDouble(m.group(1));
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL: no commit, no leave-group
      process.waitFor(30, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    String log() throws IOException {
      return Files.readString(log);
    }
  }
}
