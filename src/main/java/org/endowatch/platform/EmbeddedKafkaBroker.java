package org.endowatch.platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, broker and controller in one process) for the demo, the {@code
 * broker} command and integration tests. It listens on 127.0.0.1 only and sets every replication
 * factor and min-ISR to 1, so transactions (exactly-once Streams) and consumer groups work on one
 * node. {@code broker --nodes 3} and tests of a cluster's failover start a {@link #quorum} of such
 * nodes, which replicate three ways with two in sync, as a production cluster does. Started from the
 * Kafka jars directly: {@code KafkaClusterTestKit} would bind all interfaces and pull test jars into
 * main.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String HOST = "127.0.0.1";
  private static final String READY_GROUP = "endowatch-broker-ready";
  private static final String OFFSETS_TOPIC = "__consumer_offsets";
  private static final int OFFSETS_PARTITIONS = 5;
  /** How often the broker aborts transactions their producer left open past their timeout. */
  public static final int TXN_ABORT_SWEEP_MS = 1_000;
  /** How long the broker retries adding a partition to a transaction before the producer hears of it. */
  private static final int TXN_ADD_RETRY_MAX_MS = 2_000;

  private final Path dataDir;
  private final int port;
  private final int controllerPort;
  private final KafkaRaftServer server;
  private volatile boolean closed;
  /**
   * The longest a broker's controlled shutdown may wait. On a healthy quorum of this host it takes
   * well under a second (few partitions to move); past it, the broker stops anyway, as Kafka does
   * after its own wait.
   */
  static final Duration CONTROLLED_SHUTDOWN_WAIT = Duration.ofSeconds(20);
  private static final java.lang.reflect.Field BROKER_HALF = brokerHalfField();

  private EmbeddedKafkaBroker(Path dataDir, int port, int controllerPort, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.server = server;
  }

  /**
   * Formats {@code dataDir} if it is new (an existing data dir keeps its topics and offsets) and
   * starts the broker, returning once it answers a metadata request.
   *
   * @param port client port, 0 for any free port
   * @param dataDir where logs and metadata live; created if missing
   * @param overrides extra broker properties (listeners for SASL/TLS, retention...), applied last
   * @param startTimeout how long to wait for the broker to answer
   */
  public static EmbeddedKafkaBroker start(int port, Path dataDir, Map<String, String> overrides, Duration startTimeout) {
    return start(port, dataDir, overrides, new Properties(), startTimeout);
  }

  /**
   * As above, for a broker whose client listener needs credentials (overrides that turn on SASL or
   * TLS): {@code client} holds the properties the readiness check connects with.
   */
  public static EmbeddedKafkaBroker start(int port, Path dataDir, Map<String, String> overrides, Properties client,
      Duration startTimeout) {
    return start(quorum(1, port).get(0), dataDir, overrides, client, startTimeout, Uuid.randomUuid().toString());
  }

  /**
   * One node of a quorum of combined broker+controller nodes on this host.
   *
   * @param voters {@code controller.quorum.voters}: every node's {@code id@host:controllerPort}
   * @param replication the replication factor of every topic and internal topic (min-ISR is 2 when
   *     it is 3 or more, as on a production cluster, else 1)
   */
  public record Node(int id, int clientPort, int controllerPort, String voters, int replication) {}

  /**
   * A quorum of {@code size} nodes: client ports {@code firstClientPort}, {@code +1}, ... (0: free
   * ports), controller ports free.
   */
  public static List<Node> quorum(int size, int firstClientPort) {
    java.util.Set<Integer> taken = new java.util.LinkedHashSet<>();
    int[] client = new int[size];
    int[] controller = new int[size];
    for (int i = 0; i < size; i++) {
      client[i] = firstClientPort == 0 ? otherThan(taken, EmbeddedKafkaBroker::freePort) : firstClientPort + i;
      taken.add(client[i]);
    }
    for (int i = 0; i < size; i++) {
      controller[i] = otherThan(taken, EmbeddedKafkaBroker::freePort);
      taken.add(controller[i]);
    }
    StringBuilder voters = new StringBuilder();
    for (int i = 0; i < size; i++) {
      voters.append(i == 0 ? "" : ",").append(i + 1).append('@').append(HOST).append(':').append(controller[i]);
    }
    List<Node> nodes = new java.util.ArrayList<>();
    for (int i = 0; i < size; i++) {
      nodes.add(new Node(i + 1, client[i], controller[i], voters.toString(), Math.min(size, 3)));
    }
    return nodes;
  }

  /**
   * Starts every node of {@code quorum} together (a node is ready only once its quorum has a
   * leader), each in {@code dataDir/node-<id>} with the broker properties {@code overrides} applied
   * last, and returns them in order once all serve.
   */
  public static List<EmbeddedKafkaBroker> startQuorum(List<Node> quorum, Path dataDir, Map<String, String> overrides,
      Duration startTimeout) {
    String clusterId = Uuid.randomUuid().toString();
    List<java.util.concurrent.CompletableFuture<EmbeddedKafkaBroker>> starting = quorum.stream()
        .map(n -> java.util.concurrent.CompletableFuture.supplyAsync(() ->
            start(n, dataDir.resolve("node-" + n.id()), overrides, new Properties(), startTimeout, clusterId)))
        .toList();
    List<EmbeddedKafkaBroker> nodes = new java.util.ArrayList<>();
    RuntimeException failed = null;
    for (var s : starting) {
      try {
        nodes.add(s.join());
      } catch (java.util.concurrent.CompletionException e) {
        failed = failed != null ? failed
            : e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      }
    }
    if (failed != null) {
      closeAll(nodes);
      throw failed;
    }
    return nodes;
  }

  /**
   * Stops the nodes of a quorum together: first every node's broker, while every controller still
   * answers, then the controllers. A broker's controlled shutdown needs its quorum: when the nodes
   * simply stopped side by side, one node's controller could be gone before another's broker was
   * done, and a node left with less than a quorum waited Kafka's five minutes (docs/BENCHMARKS.md,
   * "Stopping a three-node cluster"). The quorum's leader still waits 5 s for a successor that will
   * not come, and Kafka logs that as a WARN and an ERROR ("Graceful shutdown of RaftClient failed"):
   * expected when a whole cluster stops.
   */
  public static void closeAll(List<EmbeddedKafkaBroker> nodes) {
    inParallel(nodes, EmbeddedKafkaBroker::stopBroker);
    inParallel(nodes, EmbeddedKafkaBroker::close);
  }

  private static void inParallel(List<EmbeddedKafkaBroker> nodes, java.util.function.Consumer<EmbeddedKafkaBroker> step) {
    nodes.stream().map(n -> java.util.concurrent.CompletableFuture.runAsync(() -> step.accept(n))).toList()
        .forEach(java.util.concurrent.CompletableFuture::join);
  }

  /**
   * Starts one node of a quorum (formatting {@code dataDir} with {@code clusterId} if it is new; null
   * restarts a node on its data) and returns once it answers a metadata request and serves consumer
   * groups. The other nodes of a quorum must be running or starting at the same time: a node cannot
   * be ready before its quorum has a leader.
   */
  public static EmbeddedKafkaBroker start(Node node, Path dataDir, Map<String, String> overrides, Properties client,
      Duration startTimeout, String clusterId) {
    Path logs = dataDir.resolve("kraft-logs");
    String replication = String.valueOf(node.replication());
    String minIsr = String.valueOf(TopicAdmin.minInSync(node.replication()));
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", String.valueOf(node.id()));
    props.put("controller.quorum.voters", node.voters());
    props.put("listeners", "PLAINTEXT://" + HOST + ":" + node.clientPort() + ",CONTROLLER://" + HOST + ":" + node.controllerPort());
    props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + node.clientPort());
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logs.toString());
    // One node: every replicated internal topic must accept a replication factor and ISR of 1. A
    // quorum of three or more replicates like a production cluster: three copies, two in sync.
    props.put("offsets.topic.replication.factor", replication);
    props.put("offsets.topic.num.partitions", String.valueOf(OFFSETS_PARTITIONS));
    props.put("transaction.state.log.replication.factor", replication);
    props.put("transaction.state.log.min.isr", minIsr);
    props.put("transaction.state.log.num.partitions", "5");
    props.put("share.coordinator.state.topic.replication.factor", replication);
    props.put("share.coordinator.state.topic.min.isr", minIsr);
    props.put("default.replication.factor", replication);
    props.put("min.insync.replicas", minIsr);
    // The scorer commits a transaction every 33 ms. A produce that reaches a partition while the last
    // transaction's markers are still being written is retried by the broker for this long before the
    // client gets CONCURRENT_TRANSACTIONS (default 100 ms); on two busy cores markers took longer now
    // and then, and the client's retry, with its next batch already in flight, ended in an
    // out-of-order-sequence retry, logged by client and broker alike (seen twice in ~50 CI runs).
    // Either way the produce waits for the markers; here it waits without the noise.
    props.put("add.partitions.to.txn.retry.backoff.max.ms", String.valueOf(TXN_ADD_RETRY_MAX_MS));
    // A scorer that dies leaves its transaction open; its procedures' new scorer waits until the
    // broker aborts it. The broker looks for timed-out transactions every 10 s by default, which
    // added up to 10 s to a failover; every second costs a scan of a handful of transactional ids.
    props.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", String.valueOf(TXN_ABORT_SWEEP_MS));
    // Tests and the demo join groups right away; the default 3 s delay only slows them down.
    props.put("group.initial.rebalance.delay.ms", "0");
    // Topics come from the catalog; a typo in a topic name must fail, not create a topic.
    props.put("auto.create.topics.enable", "false");
    props.put("log.message.timestamp.after.max.ms", Long.toString(Long.MAX_VALUE));
    props.putAll(overrides);

    try {
      Files.createDirectories(dataDir);
      Path configFile = dataDir.resolve("server.properties");
      Properties p = new Properties();
      p.putAll(props);
      try (OutputStream out = Files.newOutputStream(configFile)) {
        p.store(out, "written by endowatch broker; regenerated at every start");
      }
      if (!Files.exists(logs.resolve("meta.properties"))) {
        if (clusterId == null) {
          throw new IllegalStateException("node " + node.id() + " has no data in " + logs + " to restart on");
        }
        format(configFile, dataDir, clusterId);
      }
      KafkaRaftServer server;
      // Kafka's metrics registry is one per JVM and each new server re-registers all of it with JMX:
      // the nodes of a quorum built at once raced there (InstanceAlreadyExistsException warnings).
      synchronized (EmbeddedKafkaBroker.class) {
        server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
      }
      server.startup();
      EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, node.clientPort(), node.controllerPort(), server);
      try {
        broker.awaitReady(startTimeout, client, (short) node.replication());
      } catch (RuntimeException e) {
        broker.close();
        throw e;
      }
      LOG.info("Kafka broker {} ready on {}:{} (data in {})", node.id(), HOST, node.clientPort(), dataDir);
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare broker data dir " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Formats a new log dir for cluster {@code clusterId} (an existing dir keeps its own id and data). */
  private static void format(Path configFile, Path dataDir, String clusterId) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(
          new String[] {"format", "-t", clusterId, "-c", configFile.toString()},
          out);
    }
    if (rc != 0) {
      throw new IllegalStateException("cannot format Kafka storage in " + dataDir + ": "
          + captured.toString(StandardCharsets.UTF_8).strip());
    }
  }

  private void awaitReady(Duration timeout, Properties client, short replication) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().nodes().get();
      createOffsetsTopic(admin, timeout, replication);
      admin.listConsumerGroupOffsets(READY_GROUP).partitionsToOffsetAndMetadata().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka broker on port " + port + " did not come up within " + timeout.toSeconds()
          + " s: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
    }
  }

  /**
   * Ready for consumer groups too. Left to the first group lookup, the broker creates
   * {@code __consumer_offsets} itself, and a second lookup that reaches it before the new topic does
   * (another client, or the same one retrying) makes it try again and log a warning about the
   * "TOPIC_ALREADY_EXISTS" loser (DemoIT failed on it; a single lookup without retries still did it
   * in one of six broker starts here). So the topic is
   * created here, as the group coordinator would (its partitions and replication from this broker's
   * config, its topic configs), the way Kafka's own test harness does, and ready waits until the
   * broker serves it.
   */
  private static void createOffsetsTopic(Admin admin, Duration timeout, short replication)
      throws ExecutionException, InterruptedException {
    NewTopic offsets = new NewTopic(OFFSETS_TOPIC, OFFSETS_PARTITIONS, replication).configs(Map.of(
        "cleanup.policy", "compact", "compression.type", "producer", "segment.bytes", String.valueOf(100 * 1024 * 1024)));
    long deadline = System.nanoTime() + timeout.toNanos();
    for (boolean created = false; !created; ) {
      try {
        admin.createTopics(List.of(offsets)).all().get();
        created = true;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {   // a restarted broker, or another node of its quorum
          created = true;
        } else if (!(e.getCause() instanceof InvalidReplicationFactorException) || System.nanoTime() > deadline) {
          throw e;
        } else {
          Thread.sleep(100);   // a quorum whose other brokers have not registered yet
        }
      }
    }
    while (!served(admin, OFFSETS_TOPIC)) {
      if (System.nanoTime() > deadline) {
        throw new ExecutionException(new IllegalStateException(OFFSETS_TOPIC + " created but not served"));
      }
      Thread.sleep(20);
    }
  }

  /** The broker's metadata holds the topic with a leader for every partition. */
  private static boolean served(Admin admin, String topic) throws InterruptedException {
    try {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
          .allMatch(pi -> pi.leader() != null);
    } catch (ExecutionException notYet) {
      return false;
    }
  }

  /**
   * A port from {@code free} that is none of {@code taken}. A port the OS just called free can be
   * handed out again at once, and a broker restarted on its old client port finds that port free
   * too: the controller then got the client's port now and then, and Kafka refused the two listeners
   * (seen once in BrokerRestartIT).
   */
  static int otherThan(java.util.Set<Integer> taken, java.util.function.IntSupplier free) {
    for (int i = 0; i < 100; i++) {
      int p = free.getAsInt();
      if (!taken.contains(p)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port other than " + taken.stream().map(String::valueOf)
        .collect(java.util.stream.Collectors.joining(", ")) + " on " + HOST + " in 100 tries");
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }

  /** {@code 127.0.0.1:<port>}, for clients. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  public int controllerPort() {
    return controllerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Blocks until the broker has stopped (after {@link #close()} from another thread or a hook). */
  public void awaitShutdown() {
    server.awaitShutdown();
  }

  /**
   * Stops the broker cleanly (controlled shutdown, logs flushed), then the node's controller.
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stopBroker();
    closed = true;
    server.shutdown();
    server.awaitShutdown();
    LOG.info("Kafka broker on port {} stopped", port);
  }

  /**
   * Stops the node's broker, giving its controlled shutdown (leadership moved to the other brokers,
   * which needs a quorum of controllers) at most {@link #CONTROLLED_SHUTDOWN_WAIT}: Kafka's own
   * shutdown gives it five minutes, all of which a node left without its quorum waited. The
   * controller stops in {@link #close()}. Nothing when the broker is stopped already, or when this
   * Kafka version's server keeps its broker under another name (then close() stops both, as Kafka does).
   */
  private synchronized void stopBroker() {
    if (closed || BROKER_HALF == null) {
      return;
    }
    try {
      scala.Option<?> broker = (scala.Option<?>) BROKER_HALF.get(server);
      if (broker.isDefined()) {
        ((kafka.server.BrokerServer) broker.get()).shutdown(CONTROLLED_SHUTDOWN_WAIT);
      }
    } catch (IllegalAccessException e) {
      // Then close() stops both halves, as Kafka does.
      LOG.warn("cannot reach the broker of Kafka's combined server ({}): its controlled shutdown may wait five minutes",
          e.getMessage());
    }
  }

  /** KafkaRaftServer's broker half ({@code Option<BrokerServer>}), or null if this Kafka version has none. */
  static java.lang.reflect.Field brokerHalfField() {
    try {
      java.lang.reflect.Field f = KafkaRaftServer.class.getDeclaredField("broker");
      if (f.getType() == scala.Option.class) {
        f.setAccessible(true);
        return f;
      }
    } catch (NoSuchFieldException | RuntimeException e) {
      // said below
    }
    LOG.warn("this Kafka's combined server keeps no broker field: a node stopped without a quorum of controllers "
        + "waits Kafka's five minutes for its controlled shutdown");
    return null;
  }
}
