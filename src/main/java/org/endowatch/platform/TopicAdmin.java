package org.endowatch.platform;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.config.KafkaSettings;
import org.endowatch.platform.TopicCatalog.TopicSpec;

/**
 * Brings a cluster's topics in line with the catalog ({@link #apply}) or reports how they differ
 * ({@link #check}). Only what the catalog names is touched: configs it does not mention and topics
 * it does not list are left alone, and partitions are never reduced (Kafka cannot).
 */
public final class TopicAdmin implements AutoCloseable {
  /** How long any one admin call may take before we call the cluster unreachable. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  private final Admin admin;
  private final String bootstrap;
  private final Duration timeout;

  /** One difference between the catalog and the cluster, and whether apply can fix it. */
  public record Difference(String topic, String what, boolean fixable) {
    @Override
    public String toString() {
      return topic + ": " + what;
    }
  }

  /** What apply did (or check found): one line per change, in catalog order. */
  public record Report(List<Difference> differences, List<String> actions, int topicsChecked) {
    public boolean inSync() {
      return differences.isEmpty();
    }
  }

  public TopicAdmin(KafkaSettings kafka, Duration timeout) {
    Properties p = kafka.clientProps();
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
    // Fail fast on an unreachable broker instead of retrying connections for minutes.
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
    try {
      this.admin = Admin.create(p);
    } catch (KafkaException e) {
      throw new KafkaUnavailableException("cannot create a Kafka client for " + kafka.bootstrap() + ": " + rootMessage(e), e);
    }
    this.bootstrap = kafka.bootstrap();
    this.timeout = timeout;
  }

  /** Reports every difference between the catalog and the cluster without changing anything. */
  public Report check(TopicCatalog catalog) {
    return new Report(diff(catalog), List.of(), catalog.topics().size());
  }

  /** Creates missing topics, adds partitions and sets changed configs; idempotent. */
  public Report apply(TopicCatalog catalog) {
    List<Difference> before = diff(catalog);
    List<String> actions = new ArrayList<>();
    Set<String> existing = topicNames();
    List<NewTopic> toCreate = new ArrayList<>();
    for (TopicSpec t : catalog.topics()) {
      if (!existing.contains(t.name())) {
        toCreate.add(new NewTopic(t.name(), Optional.of(t.partitions()), Optional.ofNullable(t.replicationFactor()))
            .configs(t.config()));
        actions.add("created " + t.name() + " (" + t.partitions() + " partitions, " + t.config().size() + " configs)");
      }
    }
    if (!toCreate.isEmpty()) {
      await(admin.createTopics(toCreate).all(), "create topics");
    }
    Map<String, TopicDescription> described = describe(catalog, existing);
    Map<String, NewPartitions> grow = new HashMap<>();
    Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
    Map<String, Config> configs = configs(described.keySet());
    for (TopicSpec t : catalog.topics()) {
      TopicDescription d = described.get(t.name());
      if (d == null) {
        continue;
      }
      if (d.partitions().size() < t.partitions()) {
        grow.put(t.name(), NewPartitions.increaseTo(t.partitions()));
        actions.add(t.name() + ": partitions " + d.partitions().size() + " -> " + t.partitions());
      }
      List<AlterConfigOp> ops = new ArrayList<>();
      for (Map.Entry<String, String> e : t.config().entrySet()) {
        String actual = valueOf(configs.get(t.name()), e.getKey());
        if (!e.getValue().equals(actual)) {
          ops.add(new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET));
          actions.add(t.name() + ": " + e.getKey() + " " + actual + " -> " + e.getValue());
        }
      }
      if (!ops.isEmpty()) {
        alter.put(new ConfigResource(ConfigResource.Type.TOPIC, t.name()), ops);
      }
    }
    if (!grow.isEmpty()) {
      await(admin.createPartitions(grow).all(), "add partitions");
    }
    if (!alter.isEmpty()) {
      await(admin.incrementalAlterConfigs(alter).all(), "alter topic configs");
    }
    if (!actions.isEmpty()) {
      awaitVisible(catalog);
    }
    List<Difference> left = before.stream().filter(d -> !d.fixable()).toList();
    return new Report(left, actions, catalog.topics().size());
  }

  /**
   * Returns once every fixable difference is gone as the brokers report it. The controller acknowledges a
   * change before every broker's metadata shows it, so without this wait a 'check' (or a scorer starting)
   * right after 'apply' can still see the old partition count or config (seen once in CI). A topic just
   * created may also be listed before it can be described; that counts as not visible yet.
   */
  private void awaitVisible(TopicCatalog catalog) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Difference> pending = null;
      KafkaUnavailableException error = null;
      try {
        pending = diff(catalog).stream().filter(Difference::fixable).toList();
      } catch (KafkaUnavailableException notYet) {
        error = notYet;
      }
      if (pending != null && pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw error != null ? error : new KafkaUnavailableException("Kafka at " + bootstrap + " accepted the changes but "
            + "still reports " + pending.get(0) + " after " + timeout.toSeconds() + " s; run 'endowatch topics check' "
            + "again shortly");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaUnavailableException("interrupted while waiting for the topic changes to show", e);
      }
    }
  }

  /** Fails with one line naming the missing topics, if any of {@code names} does not exist. */
  public void requireTopics(List<String> names) {
    Set<String> existing = topicNames();
    List<String> missing = names.stream().filter(n -> !existing.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new KafkaUnavailableException("topic(s) " + String.join(", ", missing) + " missing on " + bootstrap
          + ": run 'endowatch topics apply --bootstrap " + bootstrap + "' first");
    }
  }

  /** Whether {@code topic} exists. */
  public boolean exists(String topic) {
    return topicNames().contains(topic);
  }

  /** One config value of an existing topic (e.g. its max.message.bytes). */
  public String topicConfig(String topic, String key) {
    requireTopics(List.of(topic));
    return valueOf(configs(Set.of(topic)).get(topic), key);
  }

  /** Creates {@code topic} with the partitions and config of {@code like}, unless it exists (re-scoring outputs). */
  public void createLike(String topic, String like) {
    if (topicNames().contains(topic)) {
      return;
    }
    requireTopics(List.of(like));
    TopicDescription d = await(admin.describeTopics(List.of(like)).allTopicNames(), "describe topics").get(like);
    Map<String, String> config = new HashMap<>();
    for (ConfigEntry e : configs(Set.of(like)).get(like).entries()) {
      if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
        config.put(e.name(), e.value());
      }
    }
    await(admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic,
        java.util.Optional.of(d.partitions().size()), java.util.Optional.empty()).configs(config))).all(), "create topic " + topic);
  }

  private List<Difference> diff(TopicCatalog catalog) {
    Set<String> existing = topicNames();
    List<Difference> out = new ArrayList<>();
    Map<String, TopicDescription> described = describe(catalog, existing);
    Map<String, Config> configs = configs(described.keySet());
    for (TopicSpec t : catalog.topics()) {
      TopicDescription d = described.get(t.name());
      if (d == null) {
        out.add(new Difference(t.name(), "missing", true));
        continue;
      }
      int actual = d.partitions().size();
      if (actual < t.partitions()) {
        out.add(new Difference(t.name(), "partitions " + actual + " < " + t.partitions(), true));
      } else if (actual > t.partitions()) {
        out.add(new Difference(t.name(), "partitions " + actual + " > " + t.partitions()
            + " (Kafka cannot remove partitions; update the catalog or recreate the topic)", false));
      }
      for (Map.Entry<String, String> e : t.config().entrySet()) {
        String value = valueOf(configs.get(t.name()), e.getKey());
        if (!e.getValue().equals(value)) {
          out.add(new Difference(t.name(), e.getKey() + " is " + value + ", catalog says " + e.getValue(), true));
        }
      }
    }
    return out;
  }

  private Set<String> topicNames() {
    return await(admin.listTopics().names(), "list topics");
  }

  private Map<String, TopicDescription> describe(TopicCatalog catalog, Set<String> existing) {
    List<String> names = catalog.topics().stream().map(TopicSpec::name).filter(existing::contains).toList();
    if (names.isEmpty()) {
      return Map.of();
    }
    return await(admin.describeTopics(names).allTopicNames(), "describe topics");
  }

  private Map<String, Config> configs(Set<String> topics) {
    if (topics.isEmpty()) {
      return Map.of();
    }
    List<ConfigResource> resources = topics.stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> byResource = await(admin.describeConfigs(resources).all(), "describe topic configs");
    Map<String, Config> out = new HashMap<>();
    byResource.forEach((r, c) -> out.put(r.name(), c));
    return out;
  }

  private static String valueOf(Config config, String key) {
    ConfigEntry e = config == null ? null : config.get(key);
    return e == null ? null : e.value();
  }

  private <T> T await(KafkaFuture<T> future, String what) {
    try {
      return future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw unreachable(what);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw unreachable(what);
      }
      if (e.getCause() instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
        throw new KafkaUnavailableException("TLS handshake with Kafka at " + bootstrap + " failed (could not " + what + "): "
            + rootMessage(e.getCause()) + "; check the ssl.* trust and key stores in --kafka-config", e);
      }
      throw new KafkaUnavailableException("Kafka at " + bootstrap + " refused to " + what + ": " + rootMessage(e.getCause()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaUnavailableException("interrupted while waiting to " + what, e);
    }
  }

  private KafkaUnavailableException unreachable(String what) {
    return new KafkaUnavailableException("cannot reach Kafka at " + bootstrap + " within " + timeout.toSeconds()
        + " s (could not " + what + "); check --bootstrap and that the broker is running");
  }

  static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }

  /** Kafka could not be reached or refused a request; the message says which and what to check. */
  public static final class KafkaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KafkaUnavailableException(String message) {
      super(message);
    }

    public KafkaUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
