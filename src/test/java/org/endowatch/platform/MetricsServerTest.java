package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  @Test
  void servesJvmAndResidentMemoryAndHealthThatFollowsTheService() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    try (MetricsServer server = new MetricsServer("127.0.0.1", 0, healthy::get)) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes{area=\"heap\"", "jvm_gc_", "process_cpu_usage",
          "jvm_threads_live_threads");
      String rss = metrics.body().lines().filter(l -> l.startsWith("endowatch_process_resident_bytes ")).findFirst()
          .orElseThrow();
      // A running JVM holds at least its heap's first pages and its code: well over 10 MB, under 1 TB.
      assertThat(Double.parseDouble(rss.split(" ")[1])).isBetween(1e7, 1e12);
      assertThat(MetricsServer.residentBytes()).isGreaterThan(1e7);

      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      healthy.set(false);
      HttpResponse<String> sick = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(sick.statusCode()).isEqualTo(503);
      assertThat(sick.body()).isEqualTo("unhealthy\n");
    }
  }
}
