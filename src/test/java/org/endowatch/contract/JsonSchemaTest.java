package org.endowatch.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.endowatch.contract.AlertEvent.Region;
import org.junit.jupiter.api.Test;

/** The schemas in topics/schemas describe exactly the JSON the code writes. */
class JsonSchemaTest {
  private static JsonSchema schema(String file) throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("topics/schemas", file))) {
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }

  private static <T> JsonNode written(Topic<String, T> topic, T value) throws IOException {
    return JsonSerde.MAPPER.readTree(topic.valueSerde().serializer().serialize(topic.name(), value));
  }

  @Test
  void scoresOfBothOutcomesValidate() throws IOException {
    JsonSchema s = schema("score.schema.json");
    assertThat(s.validate(written(Topics.SCORES, Score.scored("p", 1, 10, 20, 0.4, 0.3, "m")))).isEmpty();
    assertThat(s.validate(written(Topics.SCORES, Score.skipped("p", 2, 10, 500, 0.3, "m", "stale")))).isEmpty();
  }

  @Test
  void aScoredOutcomeWithoutScoreIsRejected() throws IOException {
    JsonNode bad = JsonSerde.MAPPER.readTree(
        "{\"procedureId\":\"p\",\"frameIndex\":1,\"captureTimestampMs\":1,\"scoredTimestampMs\":2,"
            + "\"outcome\":\"scored\",\"threshold\":0.3,\"anomalous\":false,\"modelVersion\":\"m\",\"latencyMs\":1}");
    Set<ValidationMessage> errors = schema("score.schema.json").validate(bad);
    assertThat(errors).hasSize(1);
    assertThat(errors.iterator().next().getMessage()).contains("score");
  }

  @Test
  void alertsWithAndWithoutRegionValidate() throws IOException {
    JsonSchema s = schema("alert-event.schema.json");
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.START, "p/1", "p", 1, 5, 3, 0.8, new Region(0, 0, 16, 16), 1, 2, "m", null)))).isEmpty();
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 9, 3, 0.8, null, 1, 3, "m", AlertEvent.SCORES_FELL)))).isEmpty();
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 9, 3, 0.8, null, 1, 3, "m", AlertEvent.FRAMES_STOPPED)))).isEmpty();
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 9, 3, 0.8, null, 1, 3, "m", AlertEvent.RECORDING_ENDED)))).isEmpty();
    // An end written before the reason existed still validates.
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 9, 3, 0.8, null, 1, 3, "m", null)))).isEmpty();
  }

  @Test
  void anEndReasonIsOnlyForAnEndAndOnlyAKnownOne() throws IOException {
    JsonSchema s = schema("alert-event.schema.json");
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.START, "p/1", "p", 1, 5, 3, 0.8, null, 1, 2, "m", AlertEvent.SCORES_FELL)))).hasSize(1);
    assertThat(s.validate(written(Topics.ALERTS,
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 9, 3, 0.8, null, 1, 3, "m", "tired")))).hasSize(1);
  }

  @Test
  void procedureEventsOfEachKindValidateAndAnEndWithoutAKnownReasonDoesNot() throws IOException {
    JsonSchema s = schema("procedure-event.schema.json");
    assertThat(s.validate(written(Topics.PROCEDURES, ProcedureEvent.started("p", 1, "file:/v.mp4", 0)))).isEmpty();
    for (String why : List.of(ProcedureEvent.SOURCE_ENDED, ProcedureEvent.STOPPED, ProcedureEvent.FRAME_LIMIT)) {
      assertThat(s.validate(written(Topics.PROCEDURES, ProcedureEvent.ended("p", 2, "file:/v.mp4", 250, why)))).as(why).isEmpty();
    }
    assertThat(s.validate(written(Topics.PROCEDURES, ProcedureEvent.failed("p", 2, "rtsp://cam", 7, "link lost")))).isEmpty();
    assertThat(s.validate(JsonSerde.MAPPER.readTree("{\"procedureId\":\"p\",\"type\":\"ended\",\"atMs\":2,"
        + "\"source\":\"s\",\"nextIndex\":3,\"reason\":\"tired\"}"))).hasSize(1);
    assertThat(s.validate(JsonSerde.MAPPER.readTree("{\"procedureId\":\"p\",\"type\":\"paused\",\"atMs\":2,"
        + "\"source\":\"s\",\"nextIndex\":3}"))).isNotEmpty();
  }

  @Test
  void modelReleaseValidatesAndABadChecksumDoesNot() throws IOException {
    JsonSchema s = schema("model-release.schema.json");
    assertThat(s.validate(written(Topics.MODELS, new ModelRelease("k", "v1", "file:///m", "0".repeat(64), 5)))).isEmpty();
    assertThat(s.validate(written(Topics.MODELS, new ModelRelease("k", "v1", "file:///m", "xyz", 5)))).hasSize(1);
  }
}
