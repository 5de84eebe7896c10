package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL the ingestor (a child JVM running the real command) in the middle of a file, restart it
 * with --resume and the same procedure id: the topic ends with every frame exactly once, in order.
 */
@ExtendWith(RealKafka.class)
class IngestCrashIT {
  @Test
  void aKilledIngestResumedWithTheSameIdLeavesNoDuplicateOrGap(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Path video = video(kafka, dir);
    Path log = dir.resolve("ingest.log");

    Process first = ingest(kafka, video, "crash-ingest-1", log, "--realtime");
    try {
      awaitFramesSent(log);
      Thread.sleep(700);
      first.destroyForcibly();   // SIGKILL: no flush, no shutdown hook
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      first.destroyForcibly();
    }
    Process second = ingest(kafka, video, "crash-ingest-1", log, "--resume");
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(log);
    assertThat(second.exitValue()).as(output).isZero();
    assertThat(output).containsPattern("resuming crash-ingest-1 at frame [1-9]\\d*");

    List<ConsumerRecord<String, Frame>> frames = TopicReader.read(kafka, Topics.FRAMES.name(),
        Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("crash-ingest-1"), 200);
    assertThat(frames.stream().map(c -> c.value().frameIndex()).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 200).boxed().toList());
    List<byte[]> expected = IngestIT.reference(video, 0, 200);
    for (int i = 0; i < 200; i++) {
      assertThat(frames.get(i).value().image()).as("frame %d", i).isEqualTo(expected.get(i));
    }
    // The killed run never said its recording ended: a console shows its frames as stopped, not as
    // a procedure that ended, until the resumed run started it again and its source ended.
    String resumedAt = output.replaceAll("(?s).*resuming crash-ingest-1 at frame (\\d+).*", "$1");
    String source = video.toUri().toString();
    assertThat(IngestIT.recording(kafka, "crash-ingest-1", 3)).containsExactly("started " + source + " 0 null",
        "started " + source + " " + resumedAt + " null", "ended " + source + " 200 source ended");
  }

  @Test
  void aStoppedIngestSaysItsRecordingEndedWithEveryFrameItSent(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Path video = video(kafka, dir);
    Path log = dir.resolve("ingest.log");
    Process ingest = ingest(kafka, video, "stopped-ingest-1", log, "--realtime");
    try {
      awaitFramesSent(log);
      ingest.destroy();   // SIGTERM, as Ctrl-C or a service manager stops it
      assertThat(ingest.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      ingest.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(output).contains("(stopped by signal)");
    int sent = Integer.parseInt(output.replaceAll("(?s).*frames read, (\\d+) sent, 0 failed.*", "$1"));
    assertThat(sent).as(output).isBetween(1, 199);
    // Told before the JVM exited, with the index after the last frame sent.
    String source = video.toUri().toString();
    assertThat(IngestIT.recording(kafka, "stopped-ingest-1", 2)).containsExactly("started " + source + " 0 null",
        "ended " + source + " " + sent + " " + ProcedureEvent.STOPPED);
  }

  /** The catalog's topics, and an 8 s procedure video to ingest (200 frames). */
  private static Path video(KafkaCluster kafka, Path dir) {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    Path video = dir.resolve("procedure.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "8", "--seed", "9").exitCode()).isZero();
    return video;
  }

  /** The real command in a child JVM (so it can be killed or stopped as a process is), its output added to {@code log}. */
  private static Process ingest(KafkaCluster kafka, Path video, String procedure, Path log, String flag) throws Exception {
    String jar = System.getProperty("endowatch.jar", "target/endowatch.jar");
    return new ProcessBuilder("java", "-Xmx512m", "-jar", jar, "ingest", "--bootstrap", kafka.bootstrapServers(), "--source",
        video.toString(), "--procedure", procedure, flag).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** Until frames are flowing: the progress line appears after 2 s of sending. */
  private static void awaitFramesSent(Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !(Files.exists(log) && Files.readString(log).contains("frames sent"))) {
      Thread.sleep(100);
    }
  }
}
