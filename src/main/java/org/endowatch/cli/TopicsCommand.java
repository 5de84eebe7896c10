package org.endowatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.platform.TopicCatalog;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "topics",
    description = "Create or check the topics of the catalog (topics/catalog.yaml).",
    subcommands = {TopicsCommand.Apply.class, TopicsCommand.Check.class, TopicsCommand.Export.class})
public final class TopicsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: apply or check");
  }

  /**
   * The catalog plus the state topics of the scorers reading its frames topic, so that their copies
   * are checked and fixed with the rest (docs/OPERATIONS.md, "On a replicated cluster"). A catalog
   * without a frames topic (a renamed copy) has no scorers to look for.
   */
  static TopicCatalog withScorerState(TopicCatalog catalog, TopicAdmin admin) {
    return catalog.topics().stream().filter(t -> t.name().equals(Topics.FRAMES.name())).findFirst()
        .map(frames -> catalog.with(admin.stateTopics(frames, ScoringTopology.CHANGELOG_CONFIGS)))
        .orElse(catalog);
  }

  /** Options shared by apply and check. */
  static final class CatalogOptions {
    @Mixin KafkaOptions kafka;

    @Option(names = "--catalog", paramLabel = "FILE",
        description = "Topic catalog YAML (default: the copy built into the jar).")
    Path catalog;

    @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "15",
        description = "Give up on an unreachable broker after this many seconds (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    TopicCatalog loadCatalog() {
      return catalog == null ? TopicCatalog.builtIn() : TopicCatalog.load(catalog);
    }
  }

  @Command(name = "apply", description = "Create missing topics and set changed configs (idempotent).")
  public static final class Apply implements Callable<Integer> {
    @Mixin CatalogOptions options;
    @Spec CommandSpec spec;

    /** Applies the catalog and returns what was done. */
    public TopicAdmin.Report run() {
      var kafka = options.kafka.settings();
      TopicCatalog catalog = options.loadCatalog();
      OptionRange.of(spec).atLeast("--timeout-s", options.timeoutSeconds, 1);
      try (TopicAdmin admin = new TopicAdmin(kafka, Duration.ofSeconds(options.timeoutSeconds))) {
        return admin.apply(withScorerState(catalog, admin));
      }
    }

    @Override
    public Integer call() {
      TopicAdmin.Report r = run();
      PrintWriter out = spec.commandLine().getOut();
      if (r.actions().isEmpty()) {
        out.println("nothing to change: " + r.topicsChecked() + " topics already match the catalog");
      } else {
        r.actions().forEach(a -> out.println(a));
        out.println(r.actions().size() + " change(s) applied");
      }
      r.differences().forEach(d -> out.println("left alone: " + d));
      return 0;
    }
  }

  @Command(name = "check", description = "Report how the cluster's topics differ from the catalog; exit 1 on drift.")
  public static final class Check implements Callable<Integer> {
    /** Broker settings a scorer's failover depends on (docs/OPERATIONS.md, "When a scorer node dies"). */
    private static final String SWEEP = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    private static final String MIN_SESSION = "group.min.session.timeout.ms";
    /** What the embedded and compose brokers set, and what clusters should. */
    private static final long TXN_ABORT_SWEEP_MS = org.endowatch.platform.EmbeddedKafkaBroker.TXN_ABORT_SWEEP_MS;

    @Mixin CatalogOptions options;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      OptionRange.of(spec).atLeast("--timeout-s", options.timeoutSeconds, 1);
      TopicCatalog catalog = options.loadCatalog();
      TopicAdmin.Report r;
      List<String> notes;
      try (TopicAdmin admin = new TopicAdmin(options.kafka.settings(), Duration.ofSeconds(options.timeoutSeconds))) {
        r = admin.check(withScorerState(catalog, admin));
        notes = brokerNotes(admin);
      }
      PrintWriter out = spec.commandLine().getOut();
      notes.forEach(n -> out.println("note: " + n));
      if (r.inSync()) {
        out.println("in sync: " + r.topicsChecked() + " topics match the catalog");
        return 0;
      }
      r.differences().forEach(d -> out.println("drift: " + d));
      out.println(r.differences().size() + " difference(s); 'endowatch topics apply' fixes the fixable ones");
      return 1;
    }

    /**
     * Broker settings the scorers depend on, where the brokers differ from what they need: a note
     * each (brokers' static settings are the cluster owners' to change, and topics work either way).
     */
    static List<String> brokerNotes(TopicAdmin admin) {
      Map<Integer, Map<String, String>> brokers;
      try {
        brokers = admin.brokerConfigs(List.of(SWEEP, MIN_SESSION));
      } catch (RuntimeException e) {
        return List.of("could not read the brokers' settings (" + e.getMessage() + "); docs/OPERATIONS.md, "
            + "\"When a scorer node dies\", says which matter");
      }
      List<String> notes = new ArrayList<>();
      note(notes, brokers, SWEEP, v -> v > TXN_ABORT_SWEEP_MS, "a scorer that dies holds its procedures up to that "
          + "much longer before another takes them over (" + TXN_ABORT_SWEEP_MS + " recommended; docs/OPERATIONS.md, "
          + "\"When a scorer node dies\")");
      note(notes, brokers, MIN_SESSION, v -> v > ScorerApp.SESSION_TIMEOUT_MS, "scorers (session timeout "
          + ScorerApp.SESSION_TIMEOUT_MS + " ms) cannot join their group there unless their --kafka-config sets "
          + "session.timeout.ms to at least that");
      return notes;
    }

    /** One note per value of {@code key} that {@code off} flags, naming the brokers that have it. */
    private static void note(List<String> notes, Map<Integer, Map<String, String>> brokers, String key,
        java.util.function.LongPredicate off, String why) {
      Map<String, List<Integer>> byValue = new java.util.TreeMap<>();
      brokers.forEach((id, values) -> {
        String v = values.get(key);
        if (v != null && v.matches("\\d+") && off.test(Long.parseLong(v))) {
          byValue.computeIfAbsent(v, x -> new ArrayList<>()).add(id);
        }
      });
      byValue.forEach((v, ids) -> notes.add((ids.size() == 1 ? "broker " : "brokers ")
          + ids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) + ": " + key + " is " + v
          + ": " + why));
    }
  }

  @Command(name = "export", description = {"Print the catalog as Strimzi KafkaTopic resources.",
      "deploy/k8s/kafka-topics.yaml is this output; a test keeps them equal, so topics/ stays the one source of truth."})
  public static final class Export implements Callable<Integer> {
    @Option(names = "--catalog", paramLabel = "FILE", description = "Topic catalog YAML (default: the built-in one).") Path catalog;
    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "endowatch",
        description = "The Strimzi Kafka cluster's name (default ${DEFAULT-VALUE}).")
    String cluster;
    @Option(names = "--replicas", paramLabel = "N", defaultValue = "3",
        description = "Replication factor where the catalog leaves it open (default ${DEFAULT-VALUE}).")
    int replicas;
    @Spec CommandSpec spec;

    /** The YAML text. */
    public String render() {
      TopicCatalog c = catalog == null ? TopicCatalog.builtIn() : TopicCatalog.load(catalog);
      StringBuilder out = new StringBuilder("# Generated by `endowatch topics export` from topics/catalog.yaml: edit the catalog, not this file.\n");
      for (TopicCatalog.TopicSpec t : c.topics()) {
        int copies = t.replicationFactor() != null ? t.replicationFactor() : replicas;
        out.append("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: ").append(t.name())
            .append("\n  labels:\n    strimzi.io/cluster: ").append(cluster).append("\nspec:\n  topicName: ").append(t.name())
            .append("\n  partitions: ").append(t.partitions())
            .append("\n  replicas: ").append(copies)
            .append("\n  config:\n");
        // As 'topics apply' sets it: how many copies must hold a write.
        java.util.Map<String, String> config = new java.util.TreeMap<>(t.config());
        config.putIfAbsent("min.insync.replicas", String.valueOf(TopicAdmin.minInSync(copies)));
        config.forEach((k, v) -> out.append("    ").append(k).append(": \"").append(v).append("\"\n"));
      }
      return out.toString();
    }

    @Override
    public Integer call() {
      spec.commandLine().getOut().print(render());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
