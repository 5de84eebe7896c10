package org.endowatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the scorer sent to the dead-letter topic and why: the place to look when the console or
 * {@code status} says a procedure's frames are rejected. The records hold patient images; only
 * {@code --save} writes them out, and nothing here prints them.
 */
@Command(name = "dead-letters", description = "Print the frames the scorer sent to the dead-letter topic, with why: one line "
    + "(or JSON object) each, or with --summary one line per procedure and reason. Reads up to the topic's end, then stops "
    + "(--follow: goes on).")
public final class DeadLettersCommand implements Callable<Integer> {
  /** {@code --json}'s lines: a {@link Line} each. */
  private static final JsonSerde<Line> LINES = JsonSerde.of(Line.class);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);

  @Mixin KafkaOptions kafka;
  @Option(names = "--procedure", paramLabel = "ID", description = "Only this procedure.") String procedure;
  @Option(names = "--since", paramLabel = "T", description = "Dead-lettered from this time: ISO instant, epoch ms, or an age like 10m (default: all kept).")
  String since;
  @Option(names = "--follow", description = "Keep printing new dead letters until stopped (to watch a fix take effect).")
  boolean follow;
  @Option(names = "--summary", description = "One line per procedure and reason: how many, first and last.") boolean summary;
  @Option(names = "--json", description = "JSON lines (without the image) instead of text.") boolean json;
  @Option(names = "--save", paramLabel = "DIR", description = "Also write each original record value (the image as it was sent: "
      + "patient data) to DIR as SOURCETOPIC-PARTITION-OFFSET.bin, to see what a camera or encoder sent.")
  Path save;
  @Option(names = "--topic", defaultValue = "frames-dlq", paramLabel = "TOPIC", description = "Dead-letter topic (default ${DEFAULT-VALUE}; frames-dlq.T for a re-scoring).")
  String topic;
  @Spec CommandSpec spec;

  /**
   * One dead letter as {@code --json} prints it: where its frame came from and why it was refused.
   * {@code frameIndex}, {@code captureTimestampMs} and {@code source} are null when the record could
   * not be read as a frame at all (its headers were what was wrong).
   */
  public record Line(String procedureId, long failedTimestampMs, Long frameIndex, Long captureTimestampMs, String source,
      String sourceTopic, int sourcePartition, long sourceOffset, int bytes, String reason) {
    static Line of(String key, DeadLetter d) {
      Frame f = d.frame();
      return new Line(key, d.failedTimestampMs(), f == null ? null : f.frameIndex(), f == null ? null : f.captureTimestampMs(),
          f == null ? null : f.source(), d.sourceTopic(), d.sourcePartition(), d.sourceOffset(), d.original().length, d.reason());
    }

    /** e.g. {@code 2026-11-28 10:47:00.123 room-1 frame 123 (frames-3@4567): frame image is not a decodable JPEG}. */
    String text(ZoneId zone) {
      return String.format(Locale.ROOT, "%s %s %s (%s-%d@%d): %s", TIME.format(Instant.ofEpochMilli(failedTimestampMs).atZone(zone)),
          procedureId, frameIndex == null ? "unreadable record" : "frame " + frameIndex, sourceTopic, sourcePartition,
          sourceOffset, reason);
    }
  }

  /** How many dead letters of one procedure share a reason, and when the first and last were written. */
  static final class Count {
    long n;
    long firstMs = Long.MAX_VALUE;
    long lastMs = Long.MIN_VALUE;

    void add(long failedMs) {
      n++;
      firstMs = Math.min(firstMs, failedMs);
      lastMs = Math.max(lastMs, failedMs);
    }
  }

  @Override
  public Integer call() throws Exception {
    long sinceMs = OutputTopicRead.sinceMs(since, spec.commandLine());
    if (follow && summary) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--summary counts what is on the topic and ends; --follow never ends: give one of them");
    }
    if (save != null) {
      try {
        Files.createDirectories(save);
      } catch (IOException e) {
        throw new IllegalArgumentException("--save " + save + ": cannot create the folder (" + e.getMessage() + "); give a writable one");
      }
    }
    var settings = kafka.settings();
    KafkaConsumer<String, byte[]> reader;
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      // Read committed: the scorer writes dead letters in its transactions, and one it aborted never happened.
      reader = OutputTopicRead.open(admin, settings, topic, Topics.FRAMES_DLQ.name());
    }
    PrintWriter out = spec.commandLine().getOut();
    ZoneId zone = ZoneId.systemDefault();
    // procedure -> reason -> count, both sorted: a summary reads the same every run.
    Map<String, Map<String, Count>> counts = new TreeMap<>();
    long[] read = {0};
    try (KafkaConsumer<String, byte[]> consumer = reader;
         OutputTopicRead.Follow following = follow
             ? new OutputTopicRead.Follow("dead-letters", "dead letters", "dead letters written meanwhile") : null) {
      List<TopicPartition> partitions = OutputTopicRead.assign(consumer, topic, procedure, sinceMs);
      OutputTopicRead.read(consumer, topic, partitions, procedure, following, Topics.FRAMES_DLQ.valueSerde().deserializer(),
          "dead-letters", out, spec.commandLine().getErr(), (key, d) -> {
            if (d.failedTimestampMs() < sinceMs) {
              return;
            }
            read[0]++;
            Line line = Line.of(key == null ? "(no key)" : key, d);
            if (save != null) {
              // The topic name comes from the record's headers: only a topic name's own characters reach the path.
              String name = d.sourceTopic().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + d.sourcePartition() + "-" + d.sourceOffset() + ".bin";
              write(save.resolve(name), d.original());
            }
            if (summary) {
              counts.computeIfAbsent(line.procedureId(), k -> new TreeMap<>()).computeIfAbsent(d.reason(), k -> new Count())
                  .add(d.failedTimestampMs());
            } else {
              out.println(json ? new String(LINES.serializer().serialize(topic, line), StandardCharsets.UTF_8) : line.text(zone));
            }
          });
    }
    if (summary) {
      counts.forEach((id, reasons) -> reasons.forEach((reason, c) -> out.printf(Locale.ROOT, "%-24s %7d  %s .. %s  %s%n", id, c.n,
          TIME.format(Instant.ofEpochMilli(c.firstMs).atZone(zone)), TIME.format(Instant.ofEpochMilli(c.lastMs).atZone(zone)), reason)));
      out.flush();
    }
    if (read[0] == 0 && !follow) {
      spec.commandLine().getErr().println("no dead letters" + (procedure != null ? " for " + procedure : "")
          + (since != null ? " since " + since : "") + " on " + topic);
    } else if (save != null) {
      spec.commandLine().getErr().println("dead-letters: " + read[0] + " original record value(s) written to " + save
          + " (patient images: delete them when done)");
    }
    return 0;
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("--save: cannot write " + file + " (" + e.getMessage() + ")", e);
    }
  }
}
