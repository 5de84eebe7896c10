package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.endowatch.contract.JsonSerde;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code endowatch demo}: a generated procedure is scored live and its lesion raises an alert on the console. */
@ExtendWith(RealKafka.class)
class DemoIT {
  @Test
  void theDemoProcedureShowsUpOnTheConsoleWithAnAlertInsideItsLesion(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    StringWriter log = new StringWriter();
    // Budget 0: every frame is scored even when this shared machine is slow, so the check is exact.
    try (DemoCommand.Running demo = DemoCommand.start(dir, kafka.bootstrapServers(), 0, 1, 12, 0, new PrintWriter(log, true))) {
      GroundTruth truth = demo.truth();
      GroundTruth.Interval first = truth.anomalyIntervals().get(0);
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + 180_000_000_000L;
      JsonNode procedure = null;
      while (System.nanoTime() < deadline) {
        JsonNode p = get(http, demo.consoleUrl() + "api/procedures/demo-1-1");
        if (p != null && p.get("summary").get("lastIndex").asLong() > first.end() + 10) {
          procedure = p;
          break;
        }
        Thread.sleep(500);
      }
      assertThat(procedure).as("demo-1-1 scored past frame %d within 3 minutes; log: %s", first.end() + 10, log).isNotNull();
      assertThat(procedure.get("alerts")).isNotEmpty();
      long start = procedure.get("alerts").get(0).get("startFrame").asLong();
      assertThat(first.contains(start)).as("alert start %d inside %s", start, first).isTrue();
      assertThat(procedure.get("summary").get("model").asText()).startsWith("demo-micro");
    }
  }

  private static JsonNode get(HttpClient http, String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JsonSerde.MAPPER.readTree(r.body()) : null;
  }
}
