import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;
import org.endowatch.contract.Topics;

/**
 * How long a starting scorer takes to score its first frame when its pending-frames changelog
 * already holds MB megabytes of put/delete pairs (what a day of waiting frames leaves in a segment
 * that never rolled), docs/BENCHMARKS.md "What a restart reads". Run by bench/restore-time.sh.
 * Args: bootstrap app procedure megabytes valueKB jar model logDir; env CONFIGS="k=v,..." creates
 * the changelog with those configs, WAIT_S gives the broker's log cleaner time before the scorer starts.
 */
public class RestoreTime {
  public static void main(String[] a) throws Exception {
    String bootstrap = a[0], app = a[1], procedure = a[2];
    long mb = Long.parseLong(a[3]);
    int valueBytes = Integer.parseInt(a[4]) * 1024;
    String jar = a[5], model = a[6], logDir = a[7];
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    int partition = Topics.partitionFor(procedure, 6);
    String changelog = app + "-pending-frames-changelog";
    if (mb > 0) {
      try (Admin admin = Admin.create(p)) {
        if (!admin.listTopics().names().get().contains(changelog)) {
          Map<String, String> configs = new HashMap<>(Map.of("cleanup.policy", "compact"));
          String extra = System.getenv().getOrDefault("CONFIGS", "");
          for (String kv : extra.split(",")) {
            if (!kv.isBlank()) {
              configs.put(kv.split("=")[0], kv.split("=")[1]);
            }
          }
          System.out.println("changelog configs " + configs);
          admin.createTopics(List.of(new NewTopic(changelog, 6, (short) 1).configs(configs))).all().get();
        }
      }
      Properties pp = new Properties();
      pp.putAll(p);
      pp.put("linger.ms", 20);
      pp.put("batch.size", 1 << 20);
      pp.put("max.request.size", 4 << 20);
      byte[] value = new byte[valueBytes];
      Arrays.fill(value, (byte) 'A');
      long t = System.nanoTime();
      try (KafkaProducer<String, byte[]> prod = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
        long n = mb * 1024 * 1024 / valueBytes;
        for (long i = 0; i < n; i++) {
          String k = procedure + "/" + i;
          prod.send(new ProducerRecord<>(changelog, partition, k, value));
          prod.send(new ProducerRecord<>(changelog, partition, k, null));
        }
      }
      System.out.printf("filled %s partition %d with %d MB in %.1f s%n", changelog, partition, mb, (System.nanoTime() - t) / 1e9);
      int wait = Integer.parseInt(System.getenv().getOrDefault("WAIT_S", "0"));
      if (wait > 0) {
        Thread.sleep(wait * 1000L);
        System.out.println("waited " + wait + " s for the log cleaner");
      }
      try (Admin admin = Admin.create(p)) {
        long bytes = 0;
        for (var dir : admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).values()) {
          for (var e : dir.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(changelog)) {
              bytes += e.getValue().size();
            }
          }
        }
        System.out.printf("changelog holds %.1f MB as the scorer starts%n", bytes / 1e6);
      }
    }
    long start = System.currentTimeMillis();
    Process scorer = new ProcessBuilder("java", "-Xmx2g", "-Dai.djl.offline=true", "-jar", jar, "score", "--bootstrap", bootstrap,
        "--model", model, "--application-id", app, "--state-dir", logDir + "/state-" + app, "--metrics-port", "0")
        .redirectErrorStream(true).redirectOutput(new java.io.File(logDir, app + ".log")).start();
    Properties cp = new Properties();
    cp.putAll(p);
    cp.put("group.id", "rt-" + UUID.randomUUID());
    cp.put("isolation.level", "read_committed");
    cp.put("auto.offset.reset", "latest");
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(Topics.SCORES.name()));
      long deadline = System.currentTimeMillis() + 600_000;
      while (System.currentTimeMillis() < deadline && scorer.isAlive()) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
          if (procedure.equals(r.key()) && new String(r.value()).contains("\"scored\"")) {
            System.out.printf("first scored outcome of %s %.1f s after the scorer started%n", procedure,
                (System.currentTimeMillis() - start) / 1e3);
            scorer.destroy();
            scorer.waitFor();
            return;
          }
        }
      }
    } finally {
      scorer.destroyForcibly();
    }
    System.out.println("no scored outcome within 600 s");
  }
}
