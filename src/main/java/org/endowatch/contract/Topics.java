package org.endowatch.contract;

import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic endowatch reads or writes. Keys are the procedure id everywhere except {@link
 * #MODELS}, whose key is the model name (the topic is compacted, so the latest release wins;
 * {@link #PROCEDURES} is compacted too, so the latest word on each recording stays).
 */
public final class Topics {
  private static final Serde<String> PROCEDURE_ID = Serdes.String();

  /** JPEG frames from ingest; metadata in record headers (see {@link FrameSerde}). */
  public static final Topic<String, Frame> FRAMES = new Topic<>("frames", PROCEDURE_ID, new FrameSerde());

  /**
   * What ingest says of each recording: started, ended, failed; compacted, keyed by procedure id,
   * so a console can tell a procedure that ended from one whose frames stopped.
   */
  public static final Topic<String, ProcedureEvent> PROCEDURES =
      new Topic<>("procedures", PROCEDURE_ID, JsonSerde.of(ProcedureEvent.class));

  /** One outcome per frame: a score, or a skip with its reason. */
  public static final Topic<String, Score> SCORES =
      new Topic<>("scores", PROCEDURE_ID, JsonSerde.of(Score.class));

  /** The patch grid of anomaly scores per frame, in a compact binary form. */
  public static final Topic<String, Heatmap> HEATMAPS =
      new Topic<>("heatmaps", PROCEDURE_ID, new HeatmapSerde());

  /** Alert life-cycle events: start, update, end. */
  public static final Topic<String, AlertEvent> ALERTS =
      new Topic<>("alerts", PROCEDURE_ID, JsonSerde.of(AlertEvent.class));

  /** Frames that could not be scored: the original bytes plus the reason and where they came from. */
  public static final Topic<String, DeadLetter> FRAMES_DLQ =
      new Topic<>("frames-dlq", PROCEDURE_ID, new DeadLetterSerde());

  /** Model releases for hot swap; compacted, keyed by model name. */
  public static final Topic<String, ModelRelease> MODELS =
      new Topic<>("models", Serdes.String(), JsonSerde.of(ModelRelease.class));

  /** All of the above, in data-flow order. */
  public static final List<Topic<?, ?>> ALL = List.of(FRAMES, PROCEDURES, SCORES, HEATMAPS, ALERTS, FRAMES_DLQ, MODELS);

  private Topics() {}

  /**
   * The partition a procedure's records land on: what the producer's default partitioner picks
   * for this key (murmur2 of its UTF-8 bytes), so a reader can go straight to one procedure.
   */
  public static int partitionFor(String procedureId, int partitions) {
    byte[] key = procedureId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % partitions;
  }
}
