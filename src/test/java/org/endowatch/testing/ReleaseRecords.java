package org.endowatch.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.endowatch.score.AlertRule;
import org.endowatch.score.ScoringTopology;

/**
 * One record of every kind endowatch keeps beyond a process: on its topics and in the scorer's
 * state stores, which an upgraded scorer restores from their changelogs. Each release writes them
 * once into {@code src/test/resources/releases/VERSION/} and never again; {@code
 * RecordsOfEarlierReleasesTest} reads every release's folder with today's code (docs/OPERATIONS.md,
 * "Upgrading endowatch"). A record with headers (frames, dead letters) is stored as {@link
 * HeadersAndValue}; the others as their value's bytes.
 *
 * <p>Usage, once per release, after {@code mvn test-compile} and {@code mvn dependency:build-classpath
 * -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt}: {@code java -cp
 * target/test-classes:target/classes:$(cat cp.txt) org.endowatch.testing.ReleaseRecords
 * src/test/resources/releases/VERSION} (it refuses a folder that exists).
 */
public final class ReleaseRecords {
  private ReleaseRecords() {}

  private static final String PROCEDURE = "room-2-2026-11-29-0815";
  private static final String SOURCE = "rtsp://10.0.4.21:554/stream1";
  private static final String MODEL = "kvasir-micro-20261126T1012+cal20261128T0701";
  /** A frame's value: a JPEG's first bytes (start of image, JFIF header); no reader here decodes it. */
  private static final byte[] JPEG = java.util.HexFormat.of().parseHex("ffd8ffe000104a46494600010100000100010000");

  public static final ProcedureEvent STARTED = ProcedureEvent.started(PROCEDURE, 1_795_940_100_000L, SOURCE, 0);
  public static final ProcedureEvent ENDED = ProcedureEvent.ended(PROCEDURE, 1_795_941_900_250L, SOURCE, 54_012,
      ProcedureEvent.SOURCE_ENDED);
  public static final ProcedureEvent FAILED = ProcedureEvent.failed(PROCEDURE, 1_795_941_000_125L, SOURCE, 27_003,
      "camera link lost after 5 reconnects: Connection refused");
  public static final Frame FRAME = new Frame(PROCEDURE, 1_234, 1_795_940_141_133L, 256, 256, Frame.JPEG, SOURCE, JPEG);
  public static final Score SCORED = Score.scored(PROCEDURE, 1_234, 1_795_940_141_133L, 1_795_940_141_149L, 0.4132,
      0.3517, MODEL);
  public static final Score SKIPPED = Score.skipped(PROCEDURE, 1_235, 1_795_940_141_166L, 1_795_940_141_301L, 0.3517,
      MODEL, "stale");
  public static final Heatmap HEATMAP = new Heatmap(PROCEDURE, 1_234, 1_795_940_141_133L, MODEL, 256, 256, 0.0921f, 2, 2,
      new float[] {0.0125f, 0.2500f, 0.0875f, 0.5000f});
  public static final AlertEvent ALERT_START = new AlertEvent(AlertEvent.START, PROCEDURE + "/1230", PROCEDURE, 1_230,
      1_234, 1_234, 0.4132, new AlertEvent.Region(128, 0, 128, 96), 1_795_940_141_000L, 1_795_940_141_133L, MODEL, null);
  public static final AlertEvent ALERT_END = new AlertEvent(AlertEvent.END, PROCEDURE + "/1230", PROCEDURE, 1_230, 1_290,
      1_251, 0.5311, new AlertEvent.Region(96, 32, 160, 128), 1_795_940_141_000L, 1_795_940_143_133L, MODEL,
      AlertEvent.RECORDING_ENDED);
  public static final DeadLetter DEAD_LETTER = new DeadLetter("frame image does not decode: not a JPEG (first bytes 00 00 00 00)",
      "frames", 3, 88_412, 1_795_940_150_016L, List.of(
          new DeadLetter.RawHeader("procedure", PROCEDURE.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
          new DeadLetter.RawHeader("frame.index", "1500".getBytes(java.nio.charset.StandardCharsets.UTF_8))),
      new byte[] {0, 0, 0, 0});
  public static final ModelRelease RELEASE = new ModelRelease("kvasir-micro", MODEL, "file:///srv/endowatch/models/kvasir-micro",
      "9f2c4be1d0a3557c86e2f3b4a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2", 1_795_860_000_000L);
  /** The alert state of {@link #PROCEDURE} while {@link #ALERT_START}'s alert is open. */
  public static final AlertRule.State ALERT_STATE = new AlertRule.State(0b10111, 41, true, 1_230, 1_795_940_141_000L,
      1_234, 1_234, 0.4132, new AlertEvent.Region(128, 0, 128, 96), 0,
      List.of(new long[] {1_230, 1_795_940_141_000L}, new long[] {1_232, 1_795_940_141_066L},
          new long[] {1_233, 1_795_940_141_100L}, new long[] {1_234, 1_795_940_141_133L}));
  /** A frame waiting in the scorer's backlog store. */
  public static final ScoringTopology.Pending PENDING = new ScoringTopology.Pending(PROCEDURE, JPEG, List.of(
      new DeadLetter.RawHeader("procedure", PROCEDURE.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
      1_795_940_141_133L, "frames", 3, 88_400);

  /** A record's headers and value, as a file. */
  public record HeadersAndValue(List<DeadLetter.RawHeader> headers, byte[] value) {
    public RecordHeaders recordHeaders() {
      RecordHeaders h = new RecordHeaders();
      headers.forEach(x -> h.add(x.key(), x.value()));
      return h;
    }

    static HeadersAndValue of(RecordHeaders headers, byte[] value) {
      List<DeadLetter.RawHeader> list = new ArrayList<>();
      for (Header h : headers) {
        list.add(new DeadLetter.RawHeader(h.key(), h.value()));
      }
      return new HeadersAndValue(list, value);
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    if (Files.exists(dir)) {
      throw new IllegalStateException(dir + " exists: a release's records are written once and never changed");
    }
    Files.createDirectories(dir);
    value(dir, "procedures-started.json", Topics.PROCEDURES, STARTED);
    value(dir, "procedures-ended.json", Topics.PROCEDURES, ENDED);
    value(dir, "procedures-failed.json", Topics.PROCEDURES, FAILED);
    value(dir, "scores-scored.json", Topics.SCORES, SCORED);
    value(dir, "scores-skipped.json", Topics.SCORES, SKIPPED);
    value(dir, "heatmaps.bin", Topics.HEATMAPS, HEATMAP);
    value(dir, "alerts-start.json", Topics.ALERTS, ALERT_START);
    value(dir, "alerts-end.json", Topics.ALERTS, ALERT_END);
    value(dir, "models.json", Topics.MODELS, RELEASE);
    withHeaders(dir, "frames.json", Topics.FRAMES, FRAME);
    withHeaders(dir, "frames-dlq.json", Topics.FRAMES_DLQ, DEAD_LETTER);
    Files.write(dir.resolve("alert-state.json"), JsonSerde.of(AlertRule.State.class).serializer().serialize("", ALERT_STATE));
    Files.write(dir.resolve("pending-frames.json"),
        JsonSerde.of(ScoringTopology.Pending.class).serializer().serialize("", PENDING));
  }

  private static <T> void value(Path dir, String file, Topic<String, T> topic, T record) throws Exception {
    Files.write(dir.resolve(file), topic.valueSerde().serializer().serialize(topic.name(), record));
  }

  private static <T> void withHeaders(Path dir, String file, Topic<String, T> topic, T record) throws Exception {
    RecordHeaders headers = new RecordHeaders();
    byte[] value = topic.valueSerde().serializer().serialize(topic.name(), headers, record);
    Files.write(dir.resolve(file), JsonSerde.MAPPER.writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(HeadersAndValue.of(headers, value)));
  }
}
