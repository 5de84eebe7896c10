package org.endowatch.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.endowatch.contract.AlertEvent.Region;
import org.endowatch.contract.DeadLetter.RawHeader;
import org.junit.jupiter.api.Test;

class SerdesTest {
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};

  @Test
  void frameRoundTripsThroughValueAndHeaders() {
    Frame frame = new Frame("proc-1", 42, 1_700_000_000_123L, 224, 160, Frame.JPEG, "file:///v.mp4", JPEG);
    RecordHeaders headers = new RecordHeaders();

    byte[] value = Topics.FRAMES.valueSerde().serializer().serialize("frames", headers, frame);
    Frame back = Topics.FRAMES.valueSerde().deserializer().deserialize("frames", headers, value);

    assertThat(value).isEqualTo(JPEG);
    assertThat(new String(headers.lastHeader("frame.index").value(), StandardCharsets.UTF_8)).isEqualTo("42");
    assertThat(back).isEqualTo(frame);
  }

  @Test
  void frameWithoutHeadersIsRefusedWithTheMissingHeaderNamed() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("procedure", "p".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> FrameSerde.read(headers, JPEG))
        .isInstanceOf(ContractException.class)
        .hasMessage("frame is missing header 'frame.index'");
  }

  @Test
  void frameWithNonNumericIndexIsRefused() {
    RecordHeaders headers = headersFor(new Frame("p", 1, 2, 3, 4, Frame.JPEG, "s", JPEG));
    headers.remove("frame.index");
    headers.add("frame.index", "x1".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> FrameSerde.read(headers, JPEG))
        .isInstanceOf(ContractException.class)
        .hasMessage("frame header 'frame.index' is not a number: 'x1'");
  }

  @Test
  void emptyFrameAndNegativeSizeAreRefused() {
    RecordHeaders ok = headersFor(new Frame("p", 1, 2, 3, 4, Frame.JPEG, "s", JPEG));
    assertThatThrownBy(() -> FrameSerde.read(ok, new byte[0])).hasMessage("frame has an empty image");

    ok.remove("width");
    ok.add("width", "-3".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> FrameSerde.read(ok, JPEG))
        .isInstanceOf(ContractException.class)
        .hasMessage("frame size must be positive, got -3x4");
  }

  @Test
  void scoreRoundTripsBothOutcomes() {
    Score scored = Score.scored("p", 7, 1000, 1040, 0.25, 0.2, "m-1");
    Score skipped = Score.skipped("p", 8, 1000, 1300, 0.2, "m-1", "stale");

    for (Score s : List.of(scored, skipped)) {
      byte[] json = Topics.SCORES.valueSerde().serializer().serialize("scores", s);
      assertThat(Topics.SCORES.valueSerde().deserializer().deserialize("scores", json)).isEqualTo(s);
    }
    assertThat(scored.anomalous()).isTrue();
    assertThat(scored.latencyMs()).isEqualTo(40);
    assertThat(skipped.score()).isNull();
    assertThat(skipped.latencyMs()).isEqualTo(300);
  }

  @Test
  void alertRoundTripsWithAndWithoutRegion() {
    AlertEvent withRegion = new AlertEvent(AlertEvent.START, "p/10", "p", 10, 14, 12, 0.9,
        new Region(16, 32, 48, 64), 5000, 5200, "m-1", null);
    AlertEvent noRegion = new AlertEvent(AlertEvent.END, "p/10", "p", 10, 30, 12, 0.9, null, 5000, 6000, "m-1", AlertEvent.SCORES_FELL);

    for (AlertEvent a : List.of(withRegion, noRegion)) {
      byte[] json = Topics.ALERTS.valueSerde().serializer().serialize("alerts", a);
      assertThat(Topics.ALERTS.valueSerde().deserializer().deserialize("alerts", json)).isEqualTo(a);
    }
  }

  @Test
  void heatmapRoundTripsInFourBytesPerPatch() {
    float[] values = {0f, 0.5f, 1f, -1f, Float.MAX_VALUE, 1e-7f};
    Heatmap h = new Heatmap("proc-é", 3, 99, "m-1", 1920, 1080, 0.3f, 3, 2, values);

    byte[] bytes = Topics.HEATMAPS.valueSerde().serializer().serialize("heatmaps", h);
    Heatmap back = Topics.HEATMAPS.valueSerde().deserializer().deserialize("heatmaps", bytes);

    // 4 magic + 1 version + (2+7) id + 8 + 8 + (2+3) version + 2+2 frame + 4 thr + 2+2 grid + 6*4 values
    assertThat(bytes).hasSize(4 + 1 + 9 + 8 + 8 + 5 + 4 + 4 + 4 + 24);
    assertThat(back).isEqualTo(h);
    assertThat(back.at(1, 0)).isEqualTo(-1f);
  }

  @Test
  void malformedHeatmapsAreRefusedWithTheReason() {
    Heatmap h = new Heatmap("p", 3, 99, "m", 10, 10, 0.3f, 2, 2, new float[4]);
    byte[] ok = HeatmapSerde.write(h);
    byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 3);
    byte[] badMagic = ok.clone();
    badMagic[0] = 'X';

    assertThatThrownBy(() -> HeatmapSerde.read(truncated))
        .isInstanceOf(ContractException.class)
        .hasMessage("heatmap record declares a 2x2 grid (16 bytes) but carries 13 bytes");
    assertThatThrownBy(() -> HeatmapSerde.read(badMagic)).hasMessage("heatmap record does not start with magic 'EWHM'");
    assertThatThrownBy(() -> HeatmapSerde.read(new byte[] {'E', 'W'}))
        .hasMessage("heatmap record is truncated (2 bytes)");
  }

  @Test
  void aDeadLetteredFrameKnowsItsCaptureTimeWhereItsRecordReadsAsAFrame() {
    Frame f = new Frame("room-1", 7, 123_456, 8, 8, Frame.JPEG, "t", new byte[] {1, 2, 3});
    DeadLetter d = org.endowatch.testing.TestFrames.deadLetter(f, "bad image", 999_999);

    assertThat(d.frameCaptureMs()).isEqualTo(123_456);
    // A suffixed frames topic (a bench's, a re-scoring's) holds frames too.
    assertThat(new DeadLetter("bad image", "frames.bench-1", 0, 7, 999_999, d.originalHeaders(), d.original()).frameCaptureMs())
        .isEqualTo(123_456);
    // Its headers lost or mangled (what was wrong with it): when it was dead-lettered.
    assertThat(new DeadLetter("bad header", "frames", 0, 7, 999_999, List.of(), new byte[] {9}).frameCaptureMs()).isEqualTo(999_999);
    // Placed among a procedure's frames only as a frame of that procedure.
    assertThat(d.frameOf("room-1").frameIndex()).isEqualTo(7);
    assertThat(d.frameOf("room-2")).as("keyed by another procedure than its header names").isNull();
    assertThat(new DeadLetter("bad header", "frames", 0, 7, 999_999, List.of(), new byte[] {9}).frameOf("room-1")).isNull();
    // Both at once, as the console places it: the capture whoever the frame belongs to, the index only for its own.
    assertThat(d.placeAmong("room-1")).isEqualTo(new DeadLetter.Place(123_456, 7));
    assertThat(d.placeAmong("room-2")).isEqualTo(new DeadLetter.Place(123_456, -1));
    assertThat(new DeadLetter("bad header", "frames", 0, 7, 999_999, List.of(), new byte[] {9}).placeAmong("room-1"))
        .isEqualTo(new DeadLetter.Place(999_999, -1));
  }

  @Test
  void deadLetterKeepsOriginalBytesAndHeadersExactly() {
    DeadLetter d = new DeadLetter("undecodable JPEG: no SOI marker", "frames", 2, 1234, 777,
        List.of(new RawHeader("procedure", "p".getBytes(StandardCharsets.UTF_8)), new RawHeader("junk", new byte[] {0, 1})),
        new byte[] {9, 9, 9});
    RecordHeaders headers = new RecordHeaders();
    headers.add("forwarded-by-streams", new byte[] {1});

    byte[] value = Topics.FRAMES_DLQ.valueSerde().serializer().serialize("frames-dlq", headers, d);
    DeadLetter back = Topics.FRAMES_DLQ.valueSerde().deserializer().deserialize("frames-dlq", headers, value);

    assertThat(value).containsExactly(9, 9, 9);
    assertThat(headers.lastHeader("forwarded-by-streams")).isNull();
    assertThat(back).isEqualTo(d);
  }

  @Test
  void modelReleaseRoundTrips() {
    ModelRelease r = new ModelRelease("kvasir", "kvasir-micro-3", "file:///models/kvasir-micro", "a".repeat(64), 1);
    byte[] json = Topics.MODELS.valueSerde().serializer().serialize("models", r);
    assertThat(Topics.MODELS.valueSerde().deserializer().deserialize("models", json)).isEqualTo(r);
  }

  @Test
  void procedureEventsRoundTripAndAnUnknownKindIsAContractError() {
    var serde = Topics.PROCEDURES.valueSerde();
    for (ProcedureEvent e : java.util.List.of(ProcedureEvent.started("room-1", 5, "rtsp://cam", 100),
        ProcedureEvent.ended("room-1", 6, "rtsp://cam", 180, ProcedureEvent.STOPPED),
        ProcedureEvent.failed("room-1", 7, "rtsp://cam", 180, "cannot open rtsp://cam"))) {
      assertThat(serde.deserializer().deserialize("procedures", serde.serializer().serialize("procedures", e))).isEqualTo(e);
    }
    byte[] paused = "{\"procedureId\":\"p\",\"type\":\"paused\",\"atMs\":1,\"source\":\"s\",\"nextIndex\":0}"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> serde.deserializer().deserialize("procedures", paused)).isInstanceOf(ContractException.class)
        .hasMessageStartingWith("not a valid ProcedureEvent JSON record: ")
        .hasMessageContaining("procedure event type must be one of");
    assertThatThrownBy(() -> ProcedureEvent.ended("p", 1, "s", 0, null)).hasMessage("a procedure event of type ended needs a reason");
  }

  @Test
  void invalidJsonIsAContractErrorNamingTheType() {
    byte[] junk = "{\"procedureId\":".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Topics.SCORES.valueSerde().deserializer().deserialize("scores", junk))
        .isInstanceOf(ContractException.class)
        .hasMessageStartingWith("not a valid Score JSON record: ");
  }

  @Test
  void nullValuesStayNull() {
    assertThat(Topics.SCORES.valueSerde().serializer().serialize("scores", null)).isNull();
    assertThat(Topics.HEATMAPS.valueSerde().deserializer().deserialize("heatmaps", null)).isNull();
    assertThat(FrameSerde.read(new RecordHeaders(), null)).isNull();
  }

  private static RecordHeaders headersFor(Frame f) {
    RecordHeaders h = new RecordHeaders();
    Topics.FRAMES.valueSerde().serializer().serialize("frames", h, f);
    return h;
  }
}
