import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.score.AlertRule;
import org.endowatch.score.FrameScorer;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringTopology;

/**
 * How long a live procedure goes unscored when a scorer's stream thread fails and is replaced
 * (docs/BENCHMARKS.md, "When a stream thread fails"). An embedded broker, one procedure sent at 30
 * frames/s, a scorer whose stand-in model scores in no time and throws once on frame 150; prints, per
 * trial, the longest gap between two scoring calls (the scorer's pause) and between two outcomes
 * arriving at a read-committed consumer (what a console sees).
 * Run: java -cp target/endowatch.jar bench/ThreadReplacement.java [TRIALS]
 */
public class ThreadReplacement {
  public static void main(String[] a) throws Exception {
    int trials = a.length > 0 ? Integer.parseInt(a[0]) : 3;
    Path dir = Files.createTempDirectory("endowatch-thread-replacement");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("broker"), Map.of(), Duration.ofSeconds(60))) {
      Properties client = new Properties();
      client.put("bootstrap.servers", broker.bootstrapServers());
      for (int t = 1; t <= trials; t++) {
        long[] gaps = trial(client, "tr" + t, dir.resolve("state-" + t));
        System.out.printf("trial %d: scoring paused %d ms, outcomes readable paused %d ms%n", t, gaps[0], gaps[1]);
      }
    }
  }

  /** The longest gap between scoring calls and between readable outcomes, in ms. */
  static long[] trial(Properties client, String name, Path state) throws Exception {
    ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed("-" + name);
    String input = "frames-" + name;
    try (Admin admin = Admin.create(client)) {
      admin.createTopics(List.of(input, outputs.scores(), outputs.heatmaps(), outputs.alerts(), outputs.deadLetters())
          .stream().map(n -> new NewTopic(n, 1, (short) 1)).toList()).all().get();
    }
    ConcurrentLinkedQueue<Long> scoredAt = new ConcurrentLinkedQueue<>();
    AtomicInteger thrown = new AtomicInteger();
    FrameScorer model = new FrameScorer() {
      @Override
      public Scored score(Frame f) {
        scoredAt.add(System.currentTimeMillis());
        if (f.frameIndex() == 150 && thrown.getAndIncrement() == 0) {
          throw new IllegalStateException("the stand-in model fails once, on frame 150");
        }
        return new Scored(0.2, new float[] {0.2f}, 1);
      }

      @Override
      public String modelVersion() {
        return "stand-in-1";
      }

      @Override
      public double imageThreshold() {
        return 0.5;
      }

      @Override
      public float patchThreshold() {
        return 0.5f;
      }
    };
    ConcurrentLinkedQueue<Long> readableAt = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader = new Thread(() -> {
      Properties cp = new Properties();
      cp.putAll(client);
      cp.put("group.id", "reader-" + name);
      cp.put("isolation.level", "read_committed");
      cp.put("auto.offset.reset", "earliest");
      try (KafkaConsumer<String, Score> c = new KafkaConsumer<>(cp, Topics.SCORES.keySerde().deserializer(),
          Topics.SCORES.valueSerde().deserializer())) {
        c.subscribe(List.of(outputs.scores()));
        while (!stop.get()) {
          c.poll(Duration.ofMillis(10)).forEach(r -> readableAt.add(System.currentTimeMillis()));
        }
      }
    });
    try (ScorerApp app = new ScorerApp(client, name, 1, state, new ScoringTopology.Settings(input, outputs, 0,
        AlertRule.DEFAULT, 1), () -> model, new SimpleMeterRegistry());
        KafkaProducer<String, Frame> producer = new KafkaProducer<>(client, Topics.FRAMES.keySerde().serializer(),
            Topics.FRAMES.valueSerde().serializer())) {
      app.start();
      app.awaitRunning(Duration.ofSeconds(60));
      reader.start();
      for (int i = 0; i < 450; i++) {
        producer.send(new ProducerRecord<>(input, "room-" + name, new Frame("room-" + name, i, System.currentTimeMillis(),
            8, 8, Frame.JPEG, "stand-in", new byte[] {1})));
        Thread.sleep(33);
      }
      Thread.sleep(2_000);
      stop.set(true);
      reader.join();
    }
    if (thrown.get() == 0) {
      throw new IllegalStateException("frame 150 was never scored");
    }
    return new long[] {longestGap(new ArrayList<>(scoredAt)), longestGap(new ArrayList<>(readableAt))};
  }

  /** Skips the first second's times (the scorer's and reader's own start). */
  static long longestGap(List<Long> times) {
    long longest = 0;
    for (int i = 1; i < times.size(); i++) {
      if (times.get(i - 1) - times.get(0) > 1_000) {
        longest = Math.max(longest, times.get(i) - times.get(i - 1));
      }
    }
    return longest;
  }
}
