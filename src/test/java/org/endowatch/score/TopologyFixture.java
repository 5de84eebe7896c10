package org.endowatch.score;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;

/** The production scoring topology under TopologyTestDriver, with its live topics and a clock the test moves. */
final class TopologyFixture implements AutoCloseable {
  final AtomicLong now = new AtomicLong(10_000);
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final TopologyTestDriver driver;
  final TestInputTopic<String, Frame> frames;
  final TestInputTopic<String, byte[]> raw;
  final TestOutputTopic<String, Score> scores;
  final TestOutputTopic<String, Heatmap> heatmaps;
  final TestOutputTopic<String, AlertEvent> alerts;
  final TestOutputTopic<String, DeadLetter> dlq;

  TopologyFixture(String applicationId, ScoringTopology.Settings settings, Supplier<FrameScorer> scorer) {
    this(applicationId, settings, scorer, new FailedFrames());
  }

  /** As above, with the failed frames a replaced stream thread shares with the one it replaces. */
  TopologyFixture(String applicationId, ScoringTopology.Settings settings, Supplier<FrameScorer> scorer, FailedFrames failed) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(ScoringTopology.build(settings, scorer, now::get, metrics, failed), p);
    frames = driver.createInputTopic("frames", new StringSerializer(), Topics.FRAMES.valueSerde().serializer());
    raw = driver.createInputTopic("frames", new StringSerializer(), new ByteArraySerializer());
    scores = driver.createOutputTopic("scores", Topics.SCORES.keySerde().deserializer(), Topics.SCORES.valueSerde().deserializer());
    heatmaps = driver.createOutputTopic("heatmaps", Topics.HEATMAPS.keySerde().deserializer(),
        Topics.HEATMAPS.valueSerde().deserializer());
    alerts = driver.createOutputTopic("alerts", Topics.ALERTS.keySerde().deserializer(), Topics.ALERTS.valueSerde().deserializer());
    dlq = driver.createOutputTopic("frames-dlq", Topics.FRAMES_DLQ.keySerde().deserializer(),
        Topics.FRAMES_DLQ.valueSerde().deserializer());
  }

  /** A 64x48 frame of procedure "proc" captured 40 ms ago whose first byte the byte scorer reads as score percent. */
  void send(long index, int scorePercent) {
    send(index, scorePercent, 40);
  }

  /** The same, captured {@code ageMs} ago. */
  void send(long index, int scorePercent, long ageMs) {
    Frame f = new Frame("proc", index, now.get() - ageMs, 64, 48, Frame.JPEG, "test", new byte[] {(byte) scorePercent, 1, 2});
    frames.pipeInput(new TestRecord<>("proc", f, null, f.captureTimestampMs()));
  }

  @Override
  public void close() {
    driver.close();
  }
}
