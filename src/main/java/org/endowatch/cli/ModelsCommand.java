package org.endowatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", description = "Publish model releases for running scorers to hot-swap to.",
    subcommands = ModelsCommand.Publish.class)
public final class ModelsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: publish");
  }

  @Command(name = "publish", description = "Announce a calibrated model on the models topic; scorers following its name switch to it.")
  public static final class Publish implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
    @Option(names = "--uri", description = "Where scorers find it (default: the directory's absolute path).") String uri;
    @Spec CommandSpec spec;

    public ModelRelease run() throws Exception {
      var settings = kafka.settings();
      ModelManifest m = ModelArtifact.readManifest(model);
      if (!m.calibrated()) {
        throw new IllegalArgumentException("model " + model + " is not calibrated: run 'endowatch calibrate' first");
      }
      ModelRelease release = new ModelRelease(m.name(), m.version(),
          uri != null ? uri : model.toAbsolutePath().normalize().toUri().toString(), m.parametersSha256(),
          System.currentTimeMillis());
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
      spec.commandLine().getOut().println("published " + r.modelName() + " " + r.version() + " (" + r.uri() + ")");
      return 0;
    }
  }
}
