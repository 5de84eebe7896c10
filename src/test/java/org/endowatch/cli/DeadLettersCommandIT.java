package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.FileWait;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(RealKafka.class)
class DeadLettersCommandIT {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);
  static final String UNDECODABLE = "undecodable image: not a JPEG";
  static final String KEY_DIFFERS = "record key 'room-a' differs from procedure header 'room-x'";
  static final String NO_HEADERS = "frame is missing header 'procedure.id'";

  @Test
  void printsEachRejectedFrameWithWhyCountsThemAndSavesWhatWasSent(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    // Its own one-partition topic (a frames-dlq.TAG topic, as replay rescore writes): the order is exact.
    String topic = "frames-dlq.cmd-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    long t0 = System.currentTimeMillis() - 60_000;
    Frame f6 = TestFrames.jpeg("room-a", 6, t0 + 960, 32, 32);
    Frame f7 = TestFrames.jpeg("room-a", 7, t0 + 1_000, 32, 32);
    Frame f9 = TestFrames.jpeg("room-x", 9, t0 + 1_960, 32, 32);
    DeadLetter a6 = TestFrames.deadLetter(f6, UNDECODABLE, t0 + 1_000);
    DeadLetter a7 = TestFrames.deadLetter(f7, UNDECODABLE, t0 + 1_040);
    DeadLetter a9 = TestFrames.deadLetter(f9, KEY_DIFFERS, t0 + 2_000);
    // A record whose headers were lost on the way: not readable as a frame, known by its dead letter alone.
    byte[] lostBytes = {9, 8, 7, 6, 5};
    DeadLetter b = new DeadLetter(NO_HEADERS, Topics.FRAMES.name(), 4, 321, t0 + 8_000, List.of(), lostBytes);
    TopicWriter.send(kafka, topic, Topics.FRAMES_DLQ.valueSerde().serializer(), "room-a", List.of(a6, a7, a9));
    TopicWriter.send(kafka, topic, Topics.FRAMES_DLQ.valueSerde().serializer(), "room-b", List.of(b));
    // One whose headers name a source that is no topic name: saved under the folder all the same.
    DeadLetter d = new DeadLetter(NO_HEADERS, "../outside", 1, 2, t0 + 9_000, List.of(), lostBytes);
    TopicWriter.send(kafka, topic, Topics.FRAMES_DLQ.valueSerde().serializer(), "room-d", List.of(d));
    // Something no scorer wrote (no dlq.* headers): named and skipped, never fatal.
    TopicWriter.send(kafka, topic, new ByteArraySerializer(), "room-b", List.of(new byte[] {1, 2}));
    String bs = kafka.bootstrapServers();

    Cli.Result all = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic);
    Cli.Result roomA = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--procedure", "room-a");
    String between = Instant.ofEpochMilli(t0 + 5_000).toString();
    Cli.Result since = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--since", between);
    Cli.Result summary = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--summary");
    Cli.Result json = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--procedure", "room-b", "--json");
    Path saved = dir.resolve("saved");
    Cli.Result save = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--procedure", "room-a", "--save", saved.toString());
    Path saved2 = dir.resolve("saved2");
    Cli.Result saveOdd = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--procedure", "room-d", "--save", saved2.toString());
    Cli.Result none = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic, "--procedure", "room-c");
    Cli.Result missing = Cli.run("dead-letters", "--bootstrap", bs, "--topic", topic + "-nowhere");

    assertThat(all.exitCode()).as(all.err()).isZero();
    assertThat(all.out().lines()).containsExactly(
        time(t0 + 1_000) + " room-a frame 6 (frames-0@6): " + UNDECODABLE,
        time(t0 + 1_040) + " room-a frame 7 (frames-0@7): " + UNDECODABLE,
        time(t0 + 2_000) + " room-a frame 9 (frames-0@9): " + KEY_DIFFERS,
        time(t0 + 8_000) + " room-b unreadable record (frames-4@321): " + NO_HEADERS,
        time(t0 + 9_000) + " room-d unreadable record (../outside-1@2): " + NO_HEADERS);
    assertThat(all.err().strip()).isEqualTo("dead-letters: skipping unreadable record " + topic + "-0@5: "
        + "dead letter is missing header 'dlq.reason'");
    assertThat(roomA.out().lines()).hasSize(3).allMatch(l -> l.contains(" room-a frame "));
    assertThat(since.out().lines()).containsExactly(time(t0 + 8_000) + " room-b unreadable record (frames-4@321): " + NO_HEADERS,
        time(t0 + 9_000) + " room-d unreadable record (../outside-1@2): " + NO_HEADERS);
    // Per procedure, reasons in order, with the first and last time each was written.
    assertThat(summary.out().lines()).containsExactly(
        String.format(Locale.ROOT, "%-24s %7d  %s .. %s  %s", "room-a", 1, time(t0 + 2_000), time(t0 + 2_000), KEY_DIFFERS),
        String.format(Locale.ROOT, "%-24s %7d  %s .. %s  %s", "room-a", 2, time(t0 + 1_000), time(t0 + 1_040), UNDECODABLE),
        String.format(Locale.ROOT, "%-24s %7d  %s .. %s  %s", "room-b", 1, time(t0 + 8_000), time(t0 + 8_000), NO_HEADERS),
        String.format(Locale.ROOT, "%-24s %7d  %s .. %s  %s", "room-d", 1, time(t0 + 9_000), time(t0 + 9_000), NO_HEADERS));

    JsonNode line = JsonSerde.MAPPER.readTree(json.out().strip());
    assertThat(line.get("procedureId").asText()).isEqualTo("room-b");
    assertThat(line.get("frameIndex").isNull()).isTrue();
    assertThat(line.get("captureTimestampMs").isNull()).isTrue();
    assertThat(line.get("sourceTopic").asText()).isEqualTo("frames");
    assertThat(line.get("sourcePartition").asInt()).isEqualTo(4);
    assertThat(line.get("sourceOffset").asLong()).isEqualTo(321);
    assertThat(line.get("failedTimestampMs").asLong()).isEqualTo(t0 + 8_000);
    assertThat(line.get("bytes").asInt()).isEqualTo(5);
    assertThat(line.get("reason").asText()).isEqualTo(NO_HEADERS);
    assertThat(line.has("original")).as("no image in the output").isFalse();

    // What was sent, byte for byte, named by where it was on the frames topic.
    assertThat(save.exitCode()).as(save.err()).isZero();
    assertThat(Files.readAllBytes(saved.resolve("frames-0-6.bin"))).isEqualTo(f6.image());
    assertThat(Files.readAllBytes(saved.resolve("frames-0-9.bin"))).isEqualTo(f9.image());
    try (var files = Files.list(saved)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("frames-0-6.bin", "frames-0-7.bin", "frames-0-9.bin");
    }
    assertThat(save.err().strip()).isEqualTo("dead-letters: 3 original record value(s) written to " + saved
        + " (patient images: delete them when done)");

    assertThat(saveOdd.exitCode()).as(saveOdd.err()).isZero();
    try (var files = Files.list(saved2)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(".._outside-1-2.bin");
    }
    assertThat(Files.exists(dir.resolve("outside-1-2.bin"))).isFalse();
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).isEmpty();
    assertThat(none.err().strip()).isEqualTo("no dead letters for room-c on " + topic);
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("endowatch dead-letters: error: topic " + topic + "-nowhere missing on " + bs
        + ": a re-scoring makes it ('endowatch replay rescore --tag " + topic.substring("frames-dlq.".length())
        + "-nowhere ...'); is the tag right?");
  }

  @Test
  void followingPrintsEachDeadLetterAsTheScorerWritesItUntilStopped(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String topic = "frames-dlq.follow-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    Cli.Result both = Cli.run("dead-letters", "--bootstrap", kafka.bootstrapServers(), "--topic", topic, "--follow", "--summary");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err().lines().findFirst().orElseThrow()).isEqualTo("endowatch dead-letters: --summary counts what is on "
        + "the topic and ends; --follow never ends: give one of them (see 'endowatch dead-letters --help')");

    Path out = dir.resolve("follow.out");
    Path err = dir.resolve("follow.err");
    Process follow = new ProcessBuilder("java", "-jar", System.getProperty("endowatch.jar", "target/endowatch.jar"), "dead-letters",
        "--bootstrap", kafka.bootstrapServers(), "--topic", topic, "--follow").redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    try {
      // Nothing yet: a follow waits instead of saying there is none.
      long t = System.currentTimeMillis();
      Frame f = TestFrames.jpeg("room-f", 3, t, 32, 32);
      Thread.sleep(3_000);
      assertThat(follow.isAlive()).as(Files.readString(err)).isTrue();
      TopicWriter.send(kafka, topic, Topics.FRAMES_DLQ.valueSerde().serializer(), "room-f",
          List.of(TestFrames.deadLetter(f, UNDECODABLE, t + 30)));
      FileWait.until(out, time(t + 30) + " room-f frame 3 (frames-0@3): " + UNDECODABLE);
      assertThat(Files.readString(err)).doesNotContain("no dead letters");
    } finally {
      follow.destroy();
      assertThat(follow.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
  }

  private static String time(long ms) {
    return TIME.format(Instant.ofEpochMilli(ms).atZone(ZoneId.systemDefault()));
  }
}
