package org.endowatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", description = "Publish model releases for running scorers to hot-swap to, and list them.",
    subcommands = {ModelsCommand.Publish.class, ModelsCommand.ListReleases.class})
public final class ModelsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: publish or list");
  }

  /**
   * The release in force for each model name: the latest on the compacted models topic (compaction
   * is lazy, so older ones may still be there; a tombstone withdraws a name), in name order.
   */
  static Map<String, ModelRelease> current(Properties client) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, ModelRelease> latest = new TreeMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(p, Topics.MODELS.keySerde().deserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODELS.name(), Duration.ofSeconds(15)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      TopicTail.read(consumer, partitions, TopicTail.ALL, r -> {
        if (r.value() == null) {
          latest.remove(r.key());
          return;
        }
        try {
          latest.put(r.key(), Topics.MODELS.valueSerde().deserializer().deserialize(r.topic(), r.value()));
        } catch (RuntimeException unreadable) {
          // scorers ignore it too (ModelReleaseWatcher): the release before it stays in force
        }
      });
    }
    return latest;
  }

  /** Images that train and calibrate extracted into the model folder from videos and recorded procedures. */
  static long extractedImages(Path model) {
    long n = 0;
    for (String sub : List.of("frames", "calibration-frames")) {
      Path dir = model.resolve(sub);
      if (Files.isDirectory(dir)) {
        try (var files = Files.list(dir)) {
          n += files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
      }
    }
    return n;
  }

  @Command(name = "list", description = "The release in force for each model name on the models topic.")
  public static final class ListReleases implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      var settings = kafka.settings();
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
        admin.requireTopics(List.of(Topics.MODELS.name()));
      }
      Map<String, ModelRelease> releases = current(settings.clientProps());
      PrintWriter out = spec.commandLine().getOut();
      if (releases.isEmpty()) {
        spec.commandLine().getErr().println("no model releases on " + Topics.MODELS.name()
            + ": scorers serve the folder they were started with");
      }
      for (ModelRelease r : releases.values()) {
        out.printf("%s  %s  %s  published %s%n", r.modelName(), r.version(), r.uri(),
            Instant.ofEpochMilli(r.publishedTimestampMs()));
      }
      return 0;
    }
  }

  @Command(name = "publish", description = "Announce a calibrated model on the models topic; scorers following its name switch to it.")
  public static final class Publish implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The calibrated model folder to announce.")
    Path model;
    @Option(names = "--uri", paramLabel = "URI",
        description = "Where scorers find it (default: the directory's absolute path).") String uri;
    @Spec CommandSpec spec;

    /** The release in force for the name before this one; null when this is its first. */
    ModelRelease replaced;

    public ModelRelease run() throws Exception {
      var settings = kafka.settings();
      ModelManifest m = ModelArtifact.readManifest(model);
      if (!m.calibrated()) {
        throw new IllegalArgumentException("model " + model + " is not calibrated: run 'endowatch calibrate' first");
      }
      ModelRelease release = new ModelRelease(m.name(), m.version(),
          uri != null ? uri : model.toAbsolutePath().normalize().toUri().toString(), m.parametersSha256(),
          System.currentTimeMillis());
      replaced = current(settings.clientProps()).get(m.name());
      var props = settings.clientProps();
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000);
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
      try (var producer = new KafkaProducer<>(props, Topics.MODELS.keySerde().serializer(), Topics.MODELS.valueSerde().serializer())) {
        producer.send(new ProducerRecord<>(Topics.MODELS.name(), release.modelName(), release)).get();
      }
      return release;
    }

    @Override
    public Integer call() throws Exception {
      ModelRelease r = run();
      spec.commandLine().getOut().println("published " + r.modelName() + " " + r.version() + " (" + r.uri() + ")"
          + (replaced != null ? "; replaces " + replaced.version() : ""));
      long extracted = extractedImages(model);
      if (extracted > 0) {
        // The frames topic forgets patient images after a day; a model folder copied to every scorer node would not.
        spec.commandLine().getErr().println("note: " + model + " also holds " + extracted + " images extracted from recorded"
            + " procedures or videos (frames/, calibration-frames/: patient data where they came from a patient); scorers"
            + " read only " + ModelArtifact.MANIFEST + " and " + ModelArtifact.PARAMETERS + ", so put only those two where"
            + " the scorers read models");
      }
      if (replaced == null) {
        // A scorer follows releases of its own model's name only: a new name replaces nothing running.
        spec.commandLine().getErr().println("note: the first release of " + r.modelName() + ": only scorers serving a model"
            + " named " + r.modelName() + " switch to it (train --name sets a model's name; 'endowatch status' shows what"
            + " scorers serve)");
      }
      return 0;
    }
  }
}
