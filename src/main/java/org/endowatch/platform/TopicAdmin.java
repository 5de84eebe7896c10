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
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.endowatch.config.KafkaSettings;
import org.endowatch.platform.TopicCatalog.TopicSpec;

/**
 * Brings a cluster's topics in line with the catalog ({@link #apply}) or reports how they differ
 * ({@link #check}). Only what the catalog names is touched: configs it does not mention and topics
 * it does not list are left alone, and partitions are never reduced (Kafka cannot).
 */
public final class TopicAdmin implements AutoCloseable {
  private static final String MIN_ISR = "min.insync.replicas";
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
    try {
      this.admin = Admin.create(adminProps(kafka, timeout));
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
    int brokers = brokers();
    for (TopicSpec t : catalog.topics()) {
      if (!existing.contains(t.name())) {
        short replicas = replicas(t, brokers);
        Map<String, String> config = new HashMap<>(t.config());
        config.putIfAbsent(MIN_ISR, String.valueOf(minInSync(replicas)));
        toCreate.add(new NewTopic(t.name(), t.partitions(), replicas).configs(config));
        actions.add("created " + t.name() + " (" + t.partitions() + (t.partitions() == 1 ? " partition x " : " partitions x ") + replicas
            + (replicas == 1 ? " replica, " : " replicas, " + minInSync(replicas) + " in sync, ") + t.config().size() + " configs)");
      }
    }
    if (!toCreate.isEmpty()) {
      await(admin.createTopics(toCreate).all(), "create topics");
    }
    Map<String, TopicDescription> described = describe(catalog, existing);
    Map<String, NewPartitions> grow = new HashMap<>();
    Map<TopicPartition, Optional<NewPartitionReassignment>> reassign = new HashMap<>();
    Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
    Map<String, Config> configs = configs(described.keySet());
    Map<TopicPartition, PartitionReassignment> copying = copying();
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
      short replicas = replicas(t, brokers);
      int settled = settledReplicas(d, copying);
      Map<TopicPartition, Optional<NewPartitionReassignment>> more = moreReplicas(d, replicas, brokers, copying);
      if (!more.isEmpty()) {
        reassign.putAll(more);
        actions.add(t.name() + ": replicas " + settled + " -> " + replicas + " (Kafka copies the partitions in the background; "
            + "once 'endowatch topics check' shows only " + MIN_ISR + ", apply again to require " + minInSync(replicas)
            + " copies of every write)");
      }
      // Raised only on copies that exist: with copies still being made, two in sync would refuse writes.
      int minIsr = minInSync(settled);
      String actualIsr = valueOf(configs.get(t.name()), MIN_ISR);
      if (!t.config().containsKey(MIN_ISR) && actualIsr != null && Integer.parseInt(actualIsr) < minIsr) {
        ops.add(new AlterConfigOp(new ConfigEntry(MIN_ISR, String.valueOf(minIsr)), AlterConfigOp.OpType.SET));
        actions.add(t.name() + ": " + MIN_ISR + " " + actualIsr + " -> " + minIsr);
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
    if (!reassign.isEmpty()) {
      await(admin.alterPartitionReassignments(reassign).all(), "add replicas");
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
        // Not the copies being made: a day of frames can take longer than any wait here, and they
        // finish on their own (this run's, or an earlier run's still going).
        pending = diff(catalog).stream().filter(Difference::fixable).filter(d -> !d.what().startsWith("replicas "))
            .toList();
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
      pause("the topic changes to show");
    }
  }

  /** A tenth of a second between looks at what the broker reports. */
  private static void pause(String waitingFor) {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaUnavailableException("interrupted while waiting for " + waitingFor, e);
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

  /**
   * The fewest copies any partition of {@code topic} has, counting copies being made (so a client
   * needs only to describe the topic, not the cluster); 0 if it does not exist.
   */
  public int replicas(String topic) {
    if (!topicNames().contains(topic)) {
      return 0;
    }
    return copies(await(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topics").get(topic));
  }

  /** The fewest copies any partition of {@code d} has, as its assignment lists them. */
  public static int copies(TopicDescription d) {
    return d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
  }

  /**
   * The state topics of every scorer that reads {@code input}: Kafka Streams changelogs, named
   * {@code <application id>-<store>-changelog} for each of {@code stores}, of an application whose
   * consumer group has offsets on the input. As specs {@link #check} and {@link #apply} take: their
   * partitions as they are, each store's configs, as many copies as the input should have. The
   * scorer creates them with its input's copies and these configs, but one an earlier version made
   * kept the broker's defaults (often one copy, segments of a GiB), and Kafka Streams never changes
   * a topic that exists.
   *
   * @param stores each store's name and the configs its changelog should have
   */
  public List<TopicSpec> stateTopics(TopicSpec input, Map<String, Map<String, String>> stores) {
    Map<String, String> appOf = new java.util.TreeMap<>();
    Map<String, Map<String, String>> configOf = new HashMap<>();
    for (String name : topicNames()) {
      for (var store : stores.entrySet()) {
        String suffix = "-" + store.getKey() + "-changelog";
        if (name.endsWith(suffix) && name.length() > suffix.length()) {
          appOf.put(name, name.substring(0, name.length() - suffix.length()));
          configOf.put(name, store.getValue());
        }
      }
    }
    Map<String, Boolean> readsInput = new HashMap<>();
    List<String> ours = appOf.entrySet().stream().filter(e -> readsInput.computeIfAbsent(e.getValue(), app ->
        await(admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata(), "list the offsets of group " + app)
            .keySet().stream().anyMatch(tp -> tp.topic().equals(input.name())))).map(Map.Entry::getKey).toList();
    if (ours.isEmpty()) {
      return List.of();
    }
    Map<String, TopicDescription> described = await(admin.describeTopics(ours).allTopicNames(), "describe topics");
    return ours.stream().map(n -> new TopicSpec(n, described.get(n).partitions().size(), input.replicationFactor(),
        "state of scorer " + appOf.get(n) + " (a Kafka Streams changelog)", configOf.get(n))).toList();
  }

  /** Whether {@code topic} exists. */
  public boolean exists(String topic) {
    return topicNames().contains(topic);
  }

  /** Deletes consumer group {@code id} (its committed offsets); false when there was none. */
  public boolean deleteGroup(String id) {
    boolean there = await(admin.listGroups().all(), "list groups").stream().anyMatch(g -> g.groupId().equals(id));
    if (there) {
      await(admin.deleteConsumerGroups(List.of(id)).all(), "delete group " + id);
    }
    return there;
  }

  /**
   * Removes the static member {@code instanceId} from consumer group {@code group} now, rather than
   * when its session runs out (a scorer's failed stream thread, see ScorerApp); false when the group
   * holds no such member (its session ran out first).
   */
  public boolean removeStaticMember(String group, String instanceId) {
    try {
      await(admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions(
          List.of(new MemberToRemove(instanceId)))).all(), "remove member " + instanceId + " from group " + group);
      return true;
    } catch (KafkaUnavailableException e) {
      if (e.getCause() instanceof ExecutionException x && x.getCause() instanceof UnknownMemberIdException) {
        return false;
      }
      throw e;
    }
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
    // Its copies too: left to the cluster's default (Kafka ships 1) they would be fewer than the original's.
    await(admin.createTopics(List.of(new NewTopic(topic, d.partitions().size(), (short) copies(d)).configs(config))).all(),
        "create topic " + topic);
  }

  /**
   * Deletes those of {@code topics} that exist (a re-scoring's topics made for a run that found
   * nothing) and returns once the broker no longer lists them, so that the names can be made again
   * at once.
   */
  public void delete(List<String> topics) {
    List<String> there = topics.stream().filter(topicNames()::contains).toList();
    if (there.isEmpty()) {
      return;
    }
    await(admin.deleteTopics(there).all(), "delete topics " + there);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (there.stream().anyMatch(topicNames()::contains)) {
      if (System.nanoTime() > deadline) {
        throw new KafkaUnavailableException("Kafka at " + bootstrap + " still lists " + there + " " + timeout.toSeconds()
            + " s after deleting them");
      }
      pause("topics to go");
    }
  }

  private List<Difference> diff(TopicCatalog catalog) {
    Set<String> existing = topicNames();
    int brokers = brokers();
    List<Difference> out = new ArrayList<>();
    Map<String, TopicDescription> described = describe(catalog, existing);
    Map<String, Config> configs = configs(described.keySet());
    Map<TopicPartition, PartitionReassignment> copying = copying();
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
      int replicas = settledReplicas(d, copying);
      short wanted = replicas(t, brokers);
      if (replicas < wanted && wanted > brokers) {
        out.add(new Difference(t.name(), "replicas " + replicas + " < " + wanted + " (the catalog asks for more copies than "
            + "the cluster's " + brokers + " broker(s); add brokers or lower replicationFactor)", false));
      } else if (replicas < wanted) {
        boolean inProgress = d.partitions().stream().anyMatch(p -> copying.containsKey(new TopicPartition(d.name(), p.partition())));
        out.add(new Difference(t.name(), "replicas " + replicas + " < " + wanted + (inProgress ? " (Kafka is copying it)"
            : t.replicationFactor() == null ? " (a cluster of " + brokers + " brokers: with fewer copies one broker's loss "
            + "stops this topic)" : ""), true));
      } else if (t.replicationFactor() != null && replicas > wanted) {
        out.add(new Difference(t.name(), "replicas " + replicas + " > " + wanted
            + " (endowatch does not remove copies; update the catalog or reassign with Kafka's tools)", false));
      }
      String isr = valueOf(configs.get(t.name()), MIN_ISR);
      int minIsr = minInSync(replicas);
      if (!t.config().containsKey(MIN_ISR) && isr != null && Integer.parseInt(isr) < minIsr) {
        out.add(new Difference(t.name(), MIN_ISR + " is " + isr + " with " + replicas + " replicas, should be " + minIsr
            + " (a write acknowledged by one broker alone is lost with it)", true));
      }
    }
    return out;
  }

  /**
   * The copies a topic should have: what the catalog says, else three, or every broker of a smaller
   * cluster. Not the cluster's default: Kafka ships default.replication.factor=1, so a cluster left
   * at its defaults would keep the only copy of a procedure's frames and alerts on one broker.
   */
  static short replicas(TopicSpec t, int brokers) {
    return t.replicationFactor() != null ? t.replicationFactor() : (short) Math.min(3, brokers);
  }

  /**
   * Copies that must hold a write before it counts (producers here send with acks=all): two of
   * three or more, so one broker may be down or behind and nothing acknowledged lives on one
   * broker alone; one when there are fewer copies, where two would refuse every write with a
   * broker down. Kafka's default is 1 at every replication factor.
   */
  public static int minInSync(int replicas) {
    return replicas >= 3 ? 2 : 1;
  }

  /**
   * The fewest copies any partition of {@code d} has. A partition being copied lists its new brokers
   * as replicas at once, so it counts the copies it had before.
   */
  private static int settledReplicas(TopicDescription d, Map<TopicPartition, PartitionReassignment> copying) {
    return d.partitions().stream().mapToInt(p -> {
      PartitionReassignment r = copying.get(new TopicPartition(d.name(), p.partition()));
      return p.replicas().size() - (r == null ? 0 : r.addingReplicas().size());
    }).min().orElse(0);
  }

  /** Partitions Kafka is copying to other brokers now, with the brokers each is being copied to. */
  private Map<TopicPartition, PartitionReassignment> copying() {
    return await(admin.listPartitionReassignments().reassignments(), "list reassignments");
  }

  /**
   * Partitions of {@code d} with fewer than {@code replicas} copies, each given more brokers: its
   * current ones first (the leader keeps its place), then the brokers holding the fewest of this
   * topic's copies so far, so the added copies spread evenly.
   */
  private Map<TopicPartition, Optional<NewPartitionReassignment>> moreReplicas(TopicDescription d, short replicas,
      int brokers, Map<TopicPartition, PartitionReassignment> copying) {
    Map<TopicPartition, Optional<NewPartitionReassignment>> out = new HashMap<>();
    if (replicas > brokers || d.partitions().stream().allMatch(p -> p.replicas().size() >= replicas)) {
      return out;   // enough, or being copied already (a copy's new brokers count as replicas)
    }
    List<Integer> ids = await(admin.describeCluster().nodes(), "describe the cluster").stream().map(Node::id).sorted().toList();
    Map<Integer, Integer> load = new HashMap<>();
    ids.forEach(id -> load.put(id, 0));
    d.partitions().forEach(p -> p.replicas().forEach(n -> load.merge(n.id(), 1, Integer::sum)));
    for (TopicPartitionInfo p : d.partitions()) {
      if (copying.containsKey(new TopicPartition(d.name(), p.partition()))) {
        continue;
      }
      List<Integer> target = new ArrayList<>(p.replicas().stream().map(Node::id).toList());
      while (target.size() < replicas) {
        int next = ids.stream().filter(id -> !target.contains(id))
            .min(java.util.Comparator.comparingInt((Integer id) -> load.get(id)).thenComparingInt(id -> id)).orElseThrow();
        target.add(next);
        load.merge(next, 1, Integer::sum);
      }
      if (target.size() > p.replicas().size()) {
        out.put(new TopicPartition(d.name(), p.partition()), Optional.of(new NewPartitionReassignment(target)));
      }
    }
    return out;
  }

  private int brokers() {
    return await(admin.describeCluster().nodes(), "describe the cluster").size();
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

  /**
   * Each broker's value of each of {@code keys}, as the brokers report them (their own setting or
   * Kafka's default): broker id -> key -> value.
   */
  public Map<Integer, Map<String, String>> brokerConfigs(List<String> keys) {
    List<ConfigResource> resources = await(admin.describeCluster().nodes(), "describe the cluster").stream()
        .map(n -> new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(n.id()))).toList();
    Map<Integer, Map<String, String>> out = new java.util.TreeMap<>();
    await(admin.describeConfigs(resources).all(), "describe broker configs").forEach((r, c) -> {
      Map<String, String> values = new java.util.LinkedHashMap<>();
      keys.forEach(k -> values.put(k, valueOf(c, k)));
      out.put(Integer.parseInt(r.name()), values);
    });
    return out;
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
    return await(future, bootstrap, timeout, what);
  }

  /**
   * The answer of an admin call made with {@link #adminProps}; no answer, a refusal or a failed TLS
   * handshake said as every command says it ("cannot reach Kafka at ... (could not WHAT)").
   */
  public static <T> T await(KafkaFuture<T> future, String bootstrap, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw unreachable(bootstrap, timeout, what);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw unreachable(bootstrap, timeout, what);
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

  /**
   * An admin client's properties that give up on a broker after {@code timeout}, for a command that
   * needs an {@link Admin} of its own: the client's defaults retry for a minute, and its close()
   * then waits for that minute again.
   */
  public static Properties adminProps(KafkaSettings kafka, Duration timeout) {
    Properties p = kafka.clientProps();
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
    // Fail fast on an unreachable broker instead of retrying connections for minutes.
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
    return p;
  }

  private static KafkaUnavailableException unreachable(String bootstrap, Duration timeout, String what) {
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
