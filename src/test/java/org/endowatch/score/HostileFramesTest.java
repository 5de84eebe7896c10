package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.SyntheticColon;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the scorer's input side with a fixed seed: mutated and random JPEGs, truncated records,
 * wrong and missing headers, huge declared sizes, empty values. Every record must end as a score
 * or a dead letter with a reason, and the stream thread must never see an exception.
 * (The model is replaced by a constant: decoding is what is under test, and thousands of cases run.)
 */
class HostileFramesTest {
  static final int CASES = 2000;

  /** Decodes like the real scorer, then scores 0.1. */
  static FrameScorer decodingScorer() {
    return TestScorers.of("fuzz", f -> {
      FrameImages.decode(f);
      return new FrameScorer.Scored(0.1, new float[] {0.1f}, 1);
    });
  }

  @Test
  void everyHostileRecordEndsAsAScoreOrADeadLetterWithAReason() throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "fuzz");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    byte[] valid = jpeg();
    Random r = new Random(42);
    int expectScored = 0;
    int hugeDeclared = 0;
    try (TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(ScoringTopology.Settings.live(0),
        HostileFramesTest::decodingScorer, () -> 0, new SimpleMeterRegistry()), p)) {
      TestInputTopic<String, byte[]> in = driver.createInputTopic("frames", new StringSerializer(), new ByteArraySerializer());
      TestOutputTopic<String, Score> scores = driver.createOutputTopic("scores", Topics.SCORES.keySerde().deserializer(),
          Topics.SCORES.valueSerde().deserializer());
      TestOutputTopic<String, DeadLetter> dlq = driver.createOutputTopic("frames-dlq", Topics.FRAMES_DLQ.keySerde().deserializer(),
          Topics.FRAMES_DLQ.valueSerde().deserializer());
      for (int i = 0; i < CASES; i++) {
        int kind = r.nextInt(8);
        byte[] value = valid.clone();
        int width = 64;
        int height = 64;
        RecordHeaders headers = new RecordHeaders();
        switch (kind) {
          case 0 -> expectScored++;                                                    // intact
          case 1 -> value = Arrays.copyOf(valid, r.nextInt(valid.length));             // truncated
          case 2 -> {                                                                   // bit flips
            for (int f = 0; f < 1 + r.nextInt(20); f++) {
              int at = r.nextInt(value.length);
              value[at] ^= (byte) (1 << r.nextInt(8));
            }
          }
          case 3 -> {                                                                   // noise
            value = new byte[r.nextInt(5000)];
            r.nextBytes(value);
          }
          case 4 -> {                                                                   // a huge declared size
            width = 65_000;
            height = 65_000;
            value = withDeclaredSize(valid, 65_000, 65_000);
            hugeDeclared++;
          }
          case 5 -> {                                                                   // declared size matches headers, data too short
            width = 4000;
            height = 3000;
            value = withDeclaredSize(valid, 4000, 3000);
          }
          case 6 -> value = r.nextBoolean() ? new byte[0] : null;                        // empty or missing value
          default -> { }                                                                // bad headers, below
        }
        Frame frame = new Frame("fuzz", i, 1, 64, 64, Frame.JPEG, "fuzz", valid);
        Topics.FRAMES.valueSerde().serializer().serialize("frames", headers, frame);
        if (kind == 4 || kind == 5) {
          headers.remove(FrameSerde.H_WIDTH).remove(FrameSerde.H_HEIGHT)
              .add(FrameSerde.H_WIDTH, Integer.toString(width).getBytes(StandardCharsets.UTF_8))
              .add(FrameSerde.H_HEIGHT, Integer.toString(height).getBytes(StandardCharsets.UTF_8));
        }
        if (kind == 7) {
          String h = List.of(FrameSerde.H_INDEX, FrameSerde.H_WIDTH, FrameSerde.H_CAPTURE_TS, FrameSerde.H_PROCEDURE).get(r.nextInt(4));
          headers.remove(h);
          if (r.nextBoolean()) {
            headers.add(h, (r.nextBoolean() ? "-5" : r.nextBoolean() ? "99999999999999999999" : "x").getBytes(StandardCharsets.UTF_8));
          }
        }
        in.pipeInput(new TestRecord<>("fuzz", value, headers));
      }
      List<Score> scored = scores.readValuesToList();
      List<DeadLetter> letters = dlq.readValuesToList();

      assertThat(scored.size() + letters.size()).isEqualTo(CASES);
      assertThat(scored.size()).isGreaterThanOrEqualTo(expectScored);
      assertThat(letters).allMatch(d -> d.reason() != null && !d.reason().isBlank());
      assertThat(letters.stream().filter(d -> d.reason().contains("over the 4096 px limit")).count()).isEqualTo(hugeDeclared);
      assertThat(scores.isEmpty()).isTrue();
    }
  }

  /** A copy of a baseline JPEG whose frame header (SOF0) declares another size. */
  static byte[] withDeclaredSize(byte[] jpeg, int width, int height) {
    byte[] out = jpeg.clone();
    for (int i = 0; i + 8 < out.length; i++) {
      if ((out[i] & 0xFF) == 0xFF && (out[i + 1] & 0xFF) == 0xC0) {
        out[i + 5] = (byte) (height >> 8);
        out[i + 6] = (byte) height;
        out[i + 7] = (byte) (width >> 8);
        out[i + 8] = (byte) width;
        return out;
      }
    }
    throw new IllegalStateException("no SOF0 marker in the test JPEG");
  }

  static byte[] jpeg() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new SyntheticColon(64, 64, 1).frame(0, false).image(), "jpg", out);
    return out.toByteArray();
  }
}
