package org.endowatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;

/**
 * Everything in deploy/ and docker-compose.yml parses, says what the CLI and topics/ say, and
 * watches metrics the code really exports. (Docker and Kubernetes do not run here: this is what can
 * be checked without them.)
 */
class DeployFilesTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyManifestAndComposeFileParses() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).contains(Path.of("docker-compose.yml"), Path.of("deploy/k8s/kustomization.yaml"));
    for (Path f : files) {
      assertThat(documents(f)).as(f.toString()).isNotEmpty();
    }
    assertThat(JSON.readTree(Path.of("deploy/grafana/endowatch-dashboard.json").toFile()).get("panels")).hasSizeGreaterThan(5);
  }

  @Test
  void theKafkaTopicResourcesAreTheCatalogExported() throws IOException {
    Cli.Result export = Cli.run("topics", "export");

    assertThat(export.exitCode()).isZero();
    assertThat(Files.readString(Path.of("deploy/k8s/kafka-topics.yaml"))).isEqualTo(export.out());
    List<String> names = documents(Path.of("deploy/k8s/kafka-topics.yaml")).stream()
        .map(d -> d.get("spec").get("topicName").asText()).toList();
    assertThat(names).containsExactly("frames", "procedures", "scores", "heatmaps", "alerts", "frames-dlq", "models");
  }

  @Test
  void everyCommandTheDeploymentsRunIsOneTheCliAccepts() throws IOException {
    List<List<String>> commands = new ArrayList<>();
    JsonNode compose = documents(Path.of("docker-compose.yml")).get(0);
    compose.get("services").fields().forEachRemaining(e -> {
      JsonNode image = e.getValue().get("image");
      if (image != null && image.asText().startsWith("endowatch")) {
        commands.add(strings(e.getValue().get("command")));
      }
    });
    for (Path f : yamlFiles()) {
      if (f.startsWith("deploy/k8s")) {
        for (JsonNode d : documents(f)) {
          if (d.path("kind").asText().equals("Deployment")) {
            d.at("/spec/template/spec/containers").forEach(c -> commands.add(strings(c.get("args"))));
          }
        }
      }
    }
    assertThat(commands).hasSizeGreaterThanOrEqualTo(9);
    for (List<String> args : commands) {
      // --help after the real arguments: picocli still parses them all (an unknown option fails)
      // but runs nothing.
      List<String> withHelp = new ArrayList<>(args);
      withHelp.add("--help");
      Cli.Result r = Cli.run(withHelp.toArray(String[]::new));
      assertThat(r.exitCode()).as(args + ": " + r.err()).isZero();
    }
  }

  @Test
  void prometheusScrapesThePortsTheServicesServeMetricsOn() throws IOException {
    JsonNode compose = documents(Path.of("docker-compose.yml")).get(0).get("services");
    JsonNode prometheus = documents(Path.of("deploy/prometheus/prometheus.yml")).get(0);
    for (JsonNode job : prometheus.get("scrape_configs")) {
      String target = job.at("/static_configs/0/targets/0").asText();
      String service = target.substring(0, target.indexOf(':'));
      String port = target.substring(target.indexOf(':') + 1);
      List<String> command = strings(compose.get(service).get("command"));
      assertThat(command.get(command.indexOf("--metrics-port") + 1)).as(target).isEqualTo(port);
      assertThat(command.get(command.indexOf("--metrics-bind") + 1)).as(target).isEqualTo("0.0.0.0");
    }
  }

  @Test
  void theDashboardOnlyWatchesMetricsTheCodeRegisters() throws IOException {
    JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/endowatch-dashboard.json").toFile());
    int checked = 0;
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        checked += checkMetricsRegistered(target.get("expr").asText(), "panel '" + panel.get("title").asText() + "'");
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(10);
  }

  @Test
  void theAlertingRulesAreLoadedMountedAndOnlyWatchMetricsTheCodeRegisters() throws IOException {
    JsonNode prometheus = documents(Path.of("deploy/prometheus/prometheus.yml")).get(0);
    assertThat(strings(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/rules.yml");
    List<String> volumes = strings(documents(Path.of("docker-compose.yml")).get(0).at("/services/prometheus/volumes"));
    assertThat(volumes).contains("./deploy/prometheus/rules.yml:/etc/prometheus/rules.yml:ro");
    int rules = 0;
    int checked = 0;
    for (JsonNode rule : documents(Path.of("deploy/prometheus/rules.yml")).get(0).at("/groups/0/rules")) {
      String name = rule.get("alert").asText();
      assertThat(name).startsWith("Endowatch");
      assertThat(rule.at("/annotations/summary").asText()).as(name).isNotBlank();
      assertThat(rule.at("/labels/severity").asText()).as(name).isIn("page", "ticket");
      checked += checkMetricsRegistered(rule.get("expr").asText(), "rule " + name);
      rules++;
    }
    assertThat(rules).isEqualTo(13);
    assertThat(checked).isGreaterThanOrEqualTo(8);
  }

  /** Asserts every endowatch_* metric in a PromQL expression is registered in src/main; returns how many it checked. */
  private static int checkMetricsRegistered(String expr, String where) throws IOException {
    String main = mainSources();
    Matcher m = Pattern.compile("endowatch_[a-z_]+").matcher(expr);
    int checked = 0;
    while (m.find()) {
      // Prometheus name -> Micrometer name: drop the unit/type suffix; each '_' was a '.' or a '_'.
      String base = m.group().replaceAll("_(total|seconds|bytes|sum|count|bucket|max)$", "");
      boolean found = Pattern.compile("\"" + base.replace("_", "[._]") + "\"").matcher(main).find();
      assertThat(found).as("metric %s of %s is registered somewhere in src/main", m.group(), where).isTrue();
      checked++;
    }
    return checked;
  }

  private static String mainSources;

  private static String mainSources() throws IOException {
    if (mainSources == null) {
      try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
        StringBuilder all = new StringBuilder();
        for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList()) {
          all.append(Files.readString(p));
        }
        mainSources = all.toString();
      }
    }
    return mainSources;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<Path> yamlFiles() throws IOException {
    List<Path> out = new ArrayList<>(List.of(Path.of("docker-compose.yml")));
    try (Stream<Path> s = Files.walk(Path.of("deploy"))) {
      s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(out::add);
    }
    return out;
  }

  private static List<JsonNode> documents(Path f) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser p = new YAMLFactory().createParser(f.toFile())) {
      var it = YAML.readValues(p, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }
}
