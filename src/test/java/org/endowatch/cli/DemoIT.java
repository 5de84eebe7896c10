package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.endowatch.contract.JsonSerde;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code endowatch demo} as a user runs it: a child JVM with its own embedded broker. The console
 * answers, frames are scored, the generated lesion raises an alert inside its interval, and SIGTERM
 * stops everything cleanly.
 */
class DemoIT {
  @Test
  void theDemoScoresAlertsOnItsConsoleAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    String jar = System.getProperty("endowatch.jar", "target/endowatch.jar");
    Path log = dir.resolve("demo.log");
    // Budget 0: every frame is scored even when this shared machine is slow, so the check is exact.
    Process demo = new ProcessBuilder("java", "-Xmx2g", "-jar", jar, "demo", "--port", "0", "--video-seconds", "12",
        "--budget-ms", "0", "--work-dir", dir.resolve("work").toString()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try {
      Pattern running = Pattern.compile("demo running: open (http://127\\.0\\.0\\.1:\\d+/).*lesions at frames \\[(\\d+)-(\\d+),");
      Matcher m = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline && demo.isAlive()) {
        m = running.matcher(Files.readString(log));
        if (m.find()) {
          break;
        }
        m = null;
        Thread.sleep(200);
      }
      assertThat(m).as("demo output: %s", Files.readString(log)).isNotNull();
      String console = m.group(1);
      long start = Long.parseLong(m.group(2));
      long end = Long.parseLong(m.group(3));
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(console)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>endowatch console</title>");

      JsonNode procedure = null;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(console + "api/procedures/demo-1-1")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          JsonNode p = JsonSerde.MAPPER.readTree(r.body());
          if (p.get("summary").get("lastIndex").asLong() > end + 10) {
            procedure = p;
            break;
          }
        }
        Thread.sleep(500);
      }
      assertThat(procedure).as("demo-1-1 scored past frame %d within 3 minutes; output: %s", end + 10, Files.readString(log))
          .isNotNull();
      assertThat(procedure.get("summary").get("model").asText()).startsWith("demo-micro");
      assertThat(procedure.get("alerts")).isNotEmpty();
      long alertStart = procedure.get("alerts").get(0).get("startFrame").asLong();
      assertThat(alertStart).as("first alert inside the lesion interval %d-%d", start, end).isBetween(start, end);

      // Recalibrated and published while it runs, the demo's model is swapped in without a restart.
      Matcher kafka = Pattern.compile("kafka: (127\\.0\\.0\\.1:\\d+)").matcher(Files.readString(log));
      assertThat(kafka.find()).isTrue();
      Path recalibrated = dir.resolve("recalibrated");
      Files.createDirectories(recalibrated);
      try (var files = Files.list(dir.resolve("work/model"))) {
        for (Path f : files.toList()) {
          Files.copy(f, recalibrated.resolve(f.getFileName()));
        }
      }
      assertThat(Cli.run("synth", "frames", "--out", dir.resolve("normal").toString(), "--count", "12").exitCode()).isZero();
      var calibrate = Cli.run("calibrate", "--model", recalibrated.toString(), "--normal", dir.resolve("normal/normal").toString(),
          "--false-alarm-rate", "0.5");
      assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
      String version = ModelArtifact.readManifest(recalibrated).version();
      var publish = Cli.run("models", "publish", "--bootstrap", kafka.group(1), "--model", recalibrated.toString());
      assertThat(publish.exitCode()).as(publish.err()).isZero();
      String served = null;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!version.equals(served) && System.nanoTime() < deadline) {
        Thread.sleep(500);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(console + "api/procedures")).build(),
            HttpResponse.BodyHandlers.ofString());
        served = JsonSerde.MAPPER.readTree(r.body()).get(0).get("model").asText();
      }
      assertThat(served).as("demo output: %s", Files.readString(log)).isEqualTo(version);
      String bundled = ModelArtifact.readManifest(dir.resolve("work/model")).version();
      assertThat(Files.readString(log)).contains("demo: switched from " + bundled + " to " + version + "\n");

      // The first round played the video to its end: the player told procedures so, and the console
      // shows that round ended (not live for 15 s more, nor cut off) while the next one plays.
      JsonNode firstRound = null;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(console + "api/procedures/demo-1-1")).build(),
            HttpResponse.BodyHandlers.ofString());
        firstRound = JsonSerde.MAPPER.readTree(r.body()).get("summary");
        if ("ended".equals(firstRound.path("recording").asText())) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(firstRound.get("recording").asText()).as("demo-1-1: %s", firstRound).isEqualTo("ended");
      assertThat(firstRound.get("recordingReason").asText()).isEqualTo("source ended");
      assertThat(firstRound.get("live").asBoolean()).isFalse();

      demo.destroy();   // SIGTERM
      assertThat(demo.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      demo.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(output).contains("demo stopped");
    assertThat(output).doesNotContain("Exception in thread").doesNotContain("player demo-1 stopped");
    // A warning in the procedure room is read as something wrong: the demo's own run has none.
    assertThat(output).doesNotContain(" WARN ").doesNotContain(" ERROR ");
  }
}
