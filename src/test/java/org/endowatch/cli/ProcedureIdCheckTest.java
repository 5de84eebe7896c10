package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import org.endowatch.cli.ProcedureIdCheck.Finding;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.ingest.IngestException;
import org.junit.jupiter.api.Test;

class ProcedureIdCheckTest {
  static final long AT = 1_764_400_000_000L; // 2025-11-29 07:06:40 UTC
  static final ProcedureEvent STARTED = ProcedureEvent.started("room-1", AT, "v4l2:/dev/video0", 0);

  @Test
  void aNewIdGoesOnSilently() throws Exception {
    assertThat(ProcedureIdCheck.verdict(new Finding(null, 0), "room-1", "--procedure", false, ZoneOffset.UTC)).isNull();
  }

  @Test
  void anIdWhoseFramesStillArriveIsRefusedWithOrWithoutResume() {
    for (boolean resume : new boolean[] {false, true}) {
      assertThatThrownBy(() -> ProcedureIdCheck.verdict(new Finding(STARTED, 3), "room-1", "--procedure", resume, ZoneOffset.UTC))
          .isInstanceOf(IngestException.class)
          .hasMessage("procedure room-1 is being recorded now by another ingest (started 2025-11-29 07:06:40 from "
              + "v4l2:/dev/video0; its frames still arrive): two recordings under one id mix their frames; give this one "
              + "another --procedure, or stop that ingest first");
    }
  }

  @Test
  void aStartedRecordingThatSendsNothingIsResumedSilentlyOrStartedAgainWithANote() throws Exception {
    assertThat(ProcedureIdCheck.verdict(new Finding(STARTED, 0), "room-1", "--procedure", true, ZoneOffset.UTC)).isNull();
    assertThat(ProcedureIdCheck.verdict(new Finding(STARTED, 0), "room-1", "--procedure", false, ZoneOffset.UTC)).isEqualTo(
        "note: procedure room-1's recording (started 2025-11-29 07:06:40 from v4l2:/dev/video0) never ended and sends "
            + "nothing now (its ingest killed?): --resume continues it after its last frame; this recording starts again at "
            + "frame 0 under the same id");
  }

  @Test
  void anEndedOrFailedRecordingsIdIsRecordedUnderAgainWithANoteUnlessResumed() throws Exception {
    ProcedureEvent ended = ProcedureEvent.ended("room-1", AT + 3_600_000, "v4l2:/dev/video0", 90_000, ProcedureEvent.SOURCE_ENDED);
    ProcedureEvent failed = ProcedureEvent.failed("room-1", AT, "rtsp://scope", 10, "camera link lost after 5 reconnects");
    assertThat(ProcedureIdCheck.verdict(new Finding(ended, 0), "room-1", "--procedure", false, ZoneOffset.UTC)).isEqualTo(
        "note: procedure room-1 was recorded before (ended 2025-11-29 08:06:40: source ended): this recording's frames join "
            + "it under the same id (consoles, replay and training see one procedure); another --procedure keeps them apart");
    assertThat(ProcedureIdCheck.verdict(new Finding(failed, 0), "room-1", "--procedure", false, ZoneOffset.UTC)).isEqualTo(
        "note: procedure room-1 was recorded before (failed 2025-11-29 07:06:40: camera link lost after 5 reconnects): this "
            + "recording's frames join it under the same id (consoles, replay and training see one procedure); another "
            + "--procedure keeps them apart");
    assertThat(ProcedureIdCheck.verdict(new Finding(ended, 0), "room-1", "--procedure", true, ZoneOffset.UTC)).isNull();
    // replay topic's copy is named by --as
    assertThat(ProcedureIdCheck.verdict(new Finding(ended, 0), "room-1", "--as", false, ZoneOffset.UTC))
        .endsWith("; another --as keeps them apart");
  }
}
