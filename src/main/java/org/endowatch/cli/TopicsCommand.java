package org.endowatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.platform.TopicCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "topics",
    description = "Create or check the topics of the catalog (topics/catalog.yaml).",
    subcommands = {TopicsCommand.Apply.class, TopicsCommand.Check.class})
public final class TopicsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: apply or check");
  }

  /** Options shared by apply and check. */
  static final class CatalogOptions {
    @Mixin KafkaOptions kafka;

    @Option(names = "--catalog", paramLabel = "FILE",
        description = "Topic catalog YAML (default: the copy built into the jar).")
    Path catalog;

    @Option(names = "--timeout-s", defaultValue = "15",
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
      try (TopicAdmin admin = new TopicAdmin(kafka, Duration.ofSeconds(options.timeoutSeconds))) {
        return admin.apply(catalog);
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
    @Mixin CatalogOptions options;
    @Spec CommandSpec spec;

    public TopicAdmin.Report run() {
      var kafka = options.kafka.settings();
      TopicCatalog catalog = options.loadCatalog();
      try (TopicAdmin admin = new TopicAdmin(kafka, Duration.ofSeconds(options.timeoutSeconds))) {
        return admin.check(catalog);
      }
    }

    @Override
    public Integer call() {
      TopicAdmin.Report r = run();
      PrintWriter out = spec.commandLine().getOut();
      if (r.inSync()) {
        out.println("in sync: " + r.topicsChecked() + " topics match the catalog");
        return 0;
      }
      r.differences().forEach(d -> out.println("drift: " + d));
      out.println(r.differences().size() + " difference(s); 'endowatch topics apply' fixes the fixable ones");
      return 1;
    }
  }
}
