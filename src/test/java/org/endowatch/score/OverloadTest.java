package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.Test;

/**
 * Twice the scorer's capacity, then load below it, on a simulated clock: the scorer needs 50 ms a
 * frame (20 frames/s); frames come at 40/s for 5 s, then at 10/s. Each frame is reached when it has
 * been captured and the previous one is done, as on a real stream thread. The staleness budget
 * keeps the lag bounded, counts what it skips, and skipping stops once the load drops.
 */
class OverloadTest {
  static final long SCORE_MS = 50;
  static final long BUDGET_MS = 100;

  @Test
  void lagStaysBoundedUnderTwiceTheCapacityAndSkippingStopsWhenLoadDrops() {
    AtomicLong now = new AtomicLong();
    FrameScorer slow = TestScorers.of("slow", f -> {
      now.addAndGet(SCORE_MS);
      return new FrameScorer.Scored(0.1, new float[] {0.1f}, 1);
    });
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "overload");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    try (TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(ScoringTopology.Settings.live(BUDGET_MS),
        () -> slow, now::get, metrics), p)) {
      TestInputTopic<String, Frame> in = driver.createInputTopic("frames", new StringSerializer(), Topics.FRAMES.valueSerde().serializer());
      long capture = 0;
      int overloadFrames = 200;   // 5 s at 40/s
      int calmFrames = 50;        // 5 s at 10/s
      for (int i = 0; i < overloadFrames + calmFrames; i++) {
        capture += i < overloadFrames ? 25 : 100;
        now.set(Math.max(now.get(), capture));   // reached once captured and the previous frame is done
        in.pipeInput("room-1", new Frame("room-1", i, capture, 8, 8, Frame.JPEG, "t", new byte[] {1}));
      }
      List<Score> out = driver.createOutputTopic("scores", Topics.SCORES.keySerde().deserializer(),
          Topics.SCORES.valueSerde().deserializer()).readValuesToList();

      assertThat(out).hasSize(overloadFrames + calmFrames);
      // Lag bounded: a frame is decided at most budget + one scoring after its capture.
      assertThat(out).allMatch(s -> s.scoredTimestampMs() - s.captureTimestampMs() <= BUDGET_MS + SCORE_MS);
      List<Score> overload = out.subList(0, overloadFrames);
      long scored = overload.stream().filter(Score::isScored).count();
      // 5 s at 20 frames/s of capacity: the scorer keeps working at its limit, about 100 frames.
      assertThat(scored).isBetween(95L, 105L);
      assertThat(overload.stream().filter(s -> !s.isScored()).allMatch(s -> "stale".equals(s.skipReason()))).isTrue();
      // Recovery: after the backlog of the first calm frames, nothing is skipped any more.
      assertThat(out.subList(overloadFrames + 3, out.size())).allMatch(Score::isScored);
      assertThat(metrics.get("endowatch.frames.skipped").counter().count())
          .isEqualTo((double) out.stream().filter(s -> !s.isScored()).count());
    }
  }
}
