package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.endowatch.testing.ReleaseRecords;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What earlier releases wrote reads with today's code: the records on every topic (a console or an
 * upgraded scorer reads what the old version left there) and the scorer's state (an upgraded
 * scorer restores its open alerts and waiting frames from changelogs the old one wrote). Each
 * release's records were written once by {@link ReleaseRecords} into
 * {@code src/test/resources/releases/VERSION}; a change that fails here breaks an upgrade
 * (docs/OPERATIONS.md, "Upgrading endowatch").
 */
class RecordsOfEarlierReleasesTest {
  private static final Path RELEASES = Path.of("src/test/resources/releases");

  static Stream<Path> releases() throws IOException {
    List<Path> dirs;
    try (Stream<Path> s = Files.list(RELEASES)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(dirs).as("release folders under %s", RELEASES).isNotEmpty();
    return dirs.stream();
  }

  @ParameterizedTest
  @MethodSource("releases")
  void topicRecordsRead(Path release) throws IOException {
    assertThat(value(release, "procedures-started.json", Topics.PROCEDURES)).isEqualTo(ReleaseRecords.STARTED);
    assertThat(value(release, "procedures-ended.json", Topics.PROCEDURES)).isEqualTo(ReleaseRecords.ENDED);
    assertThat(value(release, "procedures-failed.json", Topics.PROCEDURES)).isEqualTo(ReleaseRecords.FAILED);
    assertThat(value(release, "scores-scored.json", Topics.SCORES)).isEqualTo(ReleaseRecords.SCORED);
    assertThat(value(release, "scores-skipped.json", Topics.SCORES)).isEqualTo(ReleaseRecords.SKIPPED);
    assertThat(value(release, "alerts-start.json", Topics.ALERTS)).isEqualTo(ReleaseRecords.ALERT_START);
    assertThat(value(release, "alerts-end.json", Topics.ALERTS)).isEqualTo(ReleaseRecords.ALERT_END);
    assertThat(value(release, "models.json", Topics.MODELS)).isEqualTo(ReleaseRecords.RELEASE);
    Heatmap heatmap = value(release, "heatmaps.bin", Topics.HEATMAPS);
    assertThat(heatmap).usingRecursiveComparison().isEqualTo(ReleaseRecords.HEATMAP);
    assertThat(heatmap.values()).containsExactly(0.0125f, 0.2500f, 0.0875f, 0.5000f);
    Frame frame = withHeaders(release, "frames.json", Topics.FRAMES);
    assertThat(frame).usingRecursiveComparison().isEqualTo(ReleaseRecords.FRAME);
    assertThat(frame.frameIndex()).isEqualTo(1_234);
    DeadLetter dead = withHeaders(release, "frames-dlq.json", Topics.FRAMES_DLQ);
    assertThat(dead).isEqualTo(ReleaseRecords.DEAD_LETTER);
    assertThat(dead.sourceOffset()).isEqualTo(88_412);
  }

  @ParameterizedTest
  @MethodSource("releases")
  void scorerStateReads(Path release) throws IOException {
    AlertRule.State state = JsonSerde.of(AlertRule.State.class).deserializer().deserialize("",
        Files.readAllBytes(release.resolve("alert-state.json")));
    assertThat(state).usingRecursiveComparison().isEqualTo(ReleaseRecords.ALERT_STATE);
    assertThat(state.overFrames()).extracting(f -> f[0]).containsExactly(1_230L, 1_232L, 1_233L, 1_234L);
    ScoringTopology.Pending pending = JsonSerde.of(ScoringTopology.Pending.class).deserializer().deserialize("",
        Files.readAllBytes(release.resolve("pending-frames.json")));
    assertThat(pending).usingRecursiveComparison().isEqualTo(ReleaseRecords.PENDING);
    assertThat(pending.storeKey()).isEqualTo("00000000000000088400");
  }

  /**
   * An upgraded scorer finds its state where the old one left it: a store's changelog is named
   * {@code <application id>-<store>-changelog}, so a renamed store starts empty (open alerts and
   * waiting frames lost), and a renamed processor or source would change the tasks that own them.
   */
  @org.junit.jupiter.api.Test
  void theScorersStateKeepsItsNames() {
    var settings = new ScoringTopology.Settings(Topics.FRAMES.name(), ScoringTopology.Outputs.LIVE, 100, AlertRule.DEFAULT,
        ScoringTopology.LIVE_BACKLOG_BATCH, Topics.PROCEDURES.name());
    var description = ScoringTopology.build(settings, () -> null, () -> 0L,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).describe();

    assertThat(description.subtopologies()).hasSize(1);
    var nodes = description.subtopologies().iterator().next().nodes();
    assertThat(nodes.stream().filter(n -> n instanceof org.apache.kafka.streams.TopologyDescription.Processor)
        .map(n -> n.name() + " " + ((org.apache.kafka.streams.TopologyDescription.Processor) n).stores().stream().sorted().toList()))
        .containsExactly("score [alert-state, pending-frames]");
    assertThat(nodes.stream().filter(n -> n instanceof org.apache.kafka.streams.TopologyDescription.Source)
        .map(n -> n.name() + " " + ((org.apache.kafka.streams.TopologyDescription.Source) n).topicSet()))
        .containsExactly("frames-source [frames]");
    assertThat(description.globalStores()).extracting(g -> g.source().topicSet() + " " + g.processor().stores())
        .containsExactly("[procedures] [recordings]");
  }

  /** The restored state goes on where it stopped: the open alert ends as today's rule ends one. */
  @ParameterizedTest
  @MethodSource("releases")
  void aRestoredOpenAlertGoesOn(Path release) throws IOException {
    AlertRule.State state = JsonSerde.of(AlertRule.State.class).deserializer().deserialize("",
        Files.readAllBytes(release.resolve("alert-state.json")));
    AlertRule.Step step = AlertRule.DEFAULT.apply(state, "room-2-2026-11-29-0815", 1_235, 1_795_940_141_166L, 0.6,
        0.3517, null, "m");
    assertThat(step.events()).extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::peakFrame)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertEvent.UPDATE, 1_230L, 1_235L));
  }

  /**
   * A field a later release adds is passed over by this one: after a rollback, the older version
   * reads what the newer one wrote (as long as releases only add fields).
   */
  @ParameterizedTest
  @MethodSource("releases")
  void fieldsAddedLaterArePassedOver(Path release) throws IOException {
    ObjectNode alert = (ObjectNode) JsonSerde.MAPPER.readTree(release.resolve("alerts-end.json").toFile());
    alert.put("addedLater", "x").putObject("nestedLater").put("n", 1);
    assertThat(Topics.ALERTS.valueSerde().deserializer().deserialize("alerts", JsonSerde.MAPPER.writeValueAsBytes(alert)))
        .isEqualTo(ReleaseRecords.ALERT_END);
    ObjectNode state = (ObjectNode) JsonSerde.MAPPER.readTree(release.resolve("alert-state.json").toFile());
    state.put("addedLater", 7);
    assertThat(JsonSerde.of(AlertRule.State.class).deserializer().deserialize("", JsonSerde.MAPPER.writeValueAsBytes(state)))
        .usingRecursiveComparison().isEqualTo(ReleaseRecords.ALERT_STATE);
  }

  private static <T> T value(Path release, String file, Topic<String, T> topic) throws IOException {
    return topic.valueSerde().deserializer().deserialize(topic.name(), Files.readAllBytes(release.resolve(file)));
  }

  private static <T> T withHeaders(Path release, String file, Topic<String, T> topic) throws IOException {
    ReleaseRecords.HeadersAndValue r = JsonSerde.MAPPER.readValue(release.resolve(file).toFile(),
        ReleaseRecords.HeadersAndValue.class);
    return topic.valueSerde().deserializer().deserialize(topic.name(), r.recordHeaders(), r.value());
  }
}
