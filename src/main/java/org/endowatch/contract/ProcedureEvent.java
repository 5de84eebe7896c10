package org.endowatch.contract;

import java.util.Objects;
import java.util.Set;

/**
 * What ingest says of a procedure's recording on {@code procedures}: it started, it ended (the
 * source ran out, the operator stopped it, the frame limit was reached), or it failed (ingest could
 * not go on: the camera link lost for good, Kafka refusing frames). The frames themselves cannot
 * say this: frames that stop coming look the same whether the scope left the patient or the camera
 * link died with the scope still in, and only the second leaves a procedure without anything
 * watching it. The topic is compacted by procedure id, so the latest word on each recording stays.
 *
 * @param procedureId the procedure (also the record key)
 * @param type {@link #STARTED}, {@link #ENDED} or {@link #FAILED}
 * @param atMs when ingest said it (epoch ms, ingest's clock, as the frames' capture times)
 * @param source where the frames come from (a URI without credentials, as on each frame)
 * @param nextIndex the index the next frame would have: STARTED, the first one sent now (above 0
 *     for a resumed recording); ENDED and FAILED, one past the last frame handed to Kafka
 * @param reason ENDED: {@link #SOURCE_ENDED}, {@link #STOPPED} or {@link #FRAME_LIMIT}; FAILED: the
 *     one-line error ingest printed; STARTED: null
 */
public record ProcedureEvent(String procedureId, String type, long atMs, String source, long nextIndex, String reason) {
  public static final String STARTED = "started";
  public static final String ENDED = "ended";
  public static final String FAILED = "failed";
  private static final Set<String> TYPES = Set.of(STARTED, ENDED, FAILED);

  /** ENDED because the source had no more pictures (a file played to its end, a stream closed by its sender). */
  public static final String SOURCE_ENDED = "source ended";
  /** ENDED because the operator stopped ingest (Ctrl-C, SIGTERM, a demo stopping). */
  public static final String STOPPED = "stopped";
  /** ENDED because {@code --max-frames} were sent. */
  public static final String FRAME_LIMIT = "frame limit reached";

  public ProcedureEvent {
    Objects.requireNonNull(procedureId, "procedureId");
    Objects.requireNonNull(source, "source");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("procedure event type must be one of " + TYPES + ", got " + type);
    }
    if ((reason == null) != type.equals(STARTED)) {
      throw new IllegalArgumentException("a procedure event of type " + type + (reason == null ? " needs a" : " has no") + " reason");
    }
  }

  public static ProcedureEvent started(String procedureId, long atMs, String source, long firstIndex) {
    return new ProcedureEvent(procedureId, STARTED, atMs, source, firstIndex, null);
  }

  public static ProcedureEvent ended(String procedureId, long atMs, String source, long nextIndex, String reason) {
    return new ProcedureEvent(procedureId, ENDED, atMs, source, nextIndex, reason);
  }

  public static ProcedureEvent failed(String procedureId, long atMs, String source, long nextIndex, String error) {
    return new ProcedureEvent(procedureId, FAILED, atMs, source, nextIndex, error);
  }

  /** Whether the recording is over, one way or the other. */
  public boolean over() {
    return !type.equals(STARTED);
  }
}
