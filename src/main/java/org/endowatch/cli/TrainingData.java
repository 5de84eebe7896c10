package org.endowatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.FrameFolder;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.IngestException;
import org.endowatch.ingest.Sources;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.replay.ProcedureRecords;
import org.endowatch.replay.TimeRange;

/**
 * What {@code train --data} and {@code calibrate --normal} accept, turned into folders of images: a
 * folder as it is; a video file, or a procedure recorded on a Kafka topic
 * ({@code kafka:frames?procedure=ID[&from=T][&to=T][&exclude=A..B]...}), as every n-th frame written to a folder under
 * the model ({@code frames/} for training, {@code calibration-frames/} for calibration). Video frames
 * are prepared exactly as live ingest prepares them (field-of-view crop, size, JPEG), and recorded
 * frames are already, so a model trains and calibrates on what the scorer will see. The files stay
 * there, named {@code SOURCE-INDEX.jpg}, because calibration tells held-out frames from trained ones
 * by name: {@code calibrate --normal MODEL/frames}.
 */
final class TrainingData {
  /** The folders to train on and one line per extracted source. */
  record Resolved(List<Path> folders, List<String> lines) {}

  private static final Set<String> QUERY_KEYS = Set.of("procedure", "from", "to", "exclude");
  /**
   * With {@code exclude=alerts}, how far before an alert's first frame and after its end frames are
   * left out too: the lesion comes into view before it scores over the threshold and leaves it
   * after the alert's five calm frames.
   */
  static final long ALERT_MARGIN_MS = 2_000;
  /** Live ingest's defaults ({@code ingest --size 256x256 --jpeg-quality 90}): frames as the scorer gets them. */
  private static final int LIVE_SIZE = 256;
  private static final float LIVE_JPEG_QUALITY = 0.9f;

  private TrainingData() {}

  /**
   * Resolves the sources; video frames come out at the size and JPEG quality live ingest sends by
   * default, so a model trains and calibrates on what scoring sees.
   *
   * @param framesDir where extracted frames go (created when a source needs it)
   * @param every keep every n-th frame of videos and recorded procedures
   * @param kafka the Kafka settings, asked for only when a kafka: source is given
   * @param option the command's option the entries came from, for error messages
   */
  static Resolved resolveLikeIngest(List<String> entries, Path framesDir, int every, Supplier<KafkaSettings> kafka,
      PrintWriter progress, String option) {
    List<Path> folders = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    boolean extracted = false;
    for (String entry : entries) {
      if (entry.startsWith("kafka:")) {
        long n = fromTopic(entry, framesDir, every, kafka.get(), progress, option);
        lines.add(String.format("%d frames (every %d) of %s into %s", n, every, entry, framesDir));
        extracted = true;
        continue;
      }
      Path path = Path.of(entry);
      if (Files.isDirectory(path)) {
        folders.add(path);
      } else if (Files.isRegularFile(path)) {
        long n = fromVideo(path, framesDir, every, progress, option);
        lines.add(String.format("%d frames (every %d) of %s into %s", n, every, path, framesDir));
        extracted = true;
      } else {
        throw new IllegalArgumentException(option + " " + entry + ": no such folder or video file"
            + " (give image folders, video files or kafka:TOPIC?procedure=ID)");
      }
    }
    if (extracted) {
      folders.add(framesDir);
    }
    return new Resolved(folders, lines);
  }

  private static long fromVideo(Path video, Path framesDir, int every, PrintWriter progress, String option) {
    String label = label(video.getFileName().toString().replaceFirst("\\.[^.]+$", ""));
    try (FrameSource source = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> { })) {
      long n = FrameFolder.write(source, new FramePreparer(LIVE_SIZE, LIVE_SIZE, LIVE_JPEG_QUALITY), framesDir, label, every, 0,
          written -> report(progress, video.toString(), written));
      if (n == 0) {
        throw new IllegalArgumentException(option + " " + video + ": no frames could be read from it");
      }
      return n;
    } catch (IngestException e) {
      throw new IllegalArgumentException(option + " " + video + ": " + e.getMessage(), e);
    }
  }

  private static long fromTopic(String entry, Path framesDir, int every, KafkaSettings settings, PrintWriter progress,
      String option) {
    String rest = entry.substring("kafka:".length());
    int q = rest.indexOf('?');
    String topic = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> query = new LinkedHashMap<>();
    List<String> exclude = new ArrayList<>();
    query(entry, q < 0 ? "" : rest.substring(q + 1), option, query, exclude);
    String procedure = query.get("procedure");
    if (topic.isBlank() || procedure == null || procedure.isBlank()) {
      throw new IllegalArgumentException(option + " " + entry
          + ": expected kafka:TOPIC?procedure=ID[&from=T][&to=T][&exclude=A..B][&exclude=alerts]");
    }
    TimeRange range;
    try {
      range = new TimeRange(TimeRange.parse(query.get("from")), TimeRange.parse(query.get("to")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + entry + ": " + e.getMessage(), e);
    }
    // Reachable, and the topic there: said before any reading (a consumer says neither in words).
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      if (!admin.exists(topic)) {
        throw new IllegalArgumentException(option + " " + entry + ": topic " + topic + " does not exist on "
            + settings.bootstrap() + " (ingest records procedures on " + Topics.FRAMES.name() + ")");
      }
    }
    Exclusions excluded = exclusions(exclude, settings, procedure, entry, option);
    String label = label(procedure);
    try {
      Files.createDirectories(framesDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + framesDir + ": " + e.getMessage(), e);
    }
    long[] firstCapture = {-1};
    long[] written = {0};
    long[] inRange = {0};
    long[] leftOut = {0};
    long[] notScored = {0};
    ProcedureRecords.forEach(settings.clientProps(), topic, procedure, Topics.FRAMES.valueSerde().deserializer(),
        range.seekFromMs(), r -> {
          Frame f = r.value();
          if (f == null) {
            return;
          }
          if (firstCapture[0] < 0) {
            firstCapture[0] = f.captureTimestampMs();
          }
          if (!range.contains(f.captureTimestampMs(), firstCapture[0])) {
            return;
          }
          if (excluded.ranges().stream().anyMatch(x -> x.contains(f.captureTimestampMs(), firstCapture[0]))) {
            leftOut[0]++;
            return;
          }
          if (excluded.scored() != null && !excluded.scored().contains(frameKey(f.frameIndex(), f.captureTimestampMs()))) {
            notScored[0]++;
            return;
          }
          if (inRange[0]++ % every != 0) {
            return;
          }
          Path file = framesDir.resolve(String.format("%s-%06d.jpg", label, f.frameIndex()));
          try {
            Files.write(file, f.image());
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
          }
          report(progress, entry, ++written[0]);
        });
    if (written[0] == 0 && notScored[0] > 0) {
      throw new IllegalArgumentException(option + " " + entry + ": the live scorer scored none of the " + notScored[0]
          + " frames of procedure " + procedure + " left after exclude, so its alerts cannot say where its lesions are"
          + " (frames sent faster than real time are skipped as stale): ingest it with --realtime while a scorer runs,"
          + " or leave its lesions out with exclude=FROM..TO instead of exclude=alerts");
    }
    if (written[0] == 0) {
      throw new IllegalArgumentException(option + " " + entry + ": no frames of procedure " + procedure + " on topic " + topic
          + " in that range" + (leftOut[0] > 0 ? " outside exclude (" + leftOut[0] + " left out)" : "")
          + " (check the id, the topic, from/to and exclude)");
    }
    if (leftOut[0] > 0) {
      progress.printf("%d frames of %s left out by exclude=%s%n", leftOut[0], entry, String.join(" and ", exclude));
    }
    if (notScored[0] > 0) {
      progress.printf("%d frames of %s left out because the live scorer did not score them (skipped as stale or not "
          + "reached), so exclude=alerts cannot vouch for them%n", notScored[0], entry);
    }
    progress.flush();
    return written[0];
  }

  /**
   * The stretches to leave out, one {@code exclude=} each (commas separate {@code --data}'s sources):
   * {@code A..B} (times as for from/to, either end open) and
   * {@code alerts}, every alert the procedure raised on the alerts topic widened by
   * {@link #ALERT_MARGIN_MS} (an alert still open runs to the end), and with it every frame the live
   * scorer skipped or never reached (no alert could have come from those). A unit's "normal"
   * procedures hold lesions too; a model must not learn them as normal, nor set its threshold on them.
   */
  private static Exclusions exclusions(List<String> items, KafkaSettings settings, String procedure, String entry,
      String option) {
    List<TimeRange> out = new ArrayList<>();
    Set<String> scored = null;
    for (String item : items) {
      String t = item.trim();
      if (t.equals("alerts")) {
        scored = scoredFrames(settings, procedure);
        Map<String, long[]> byAlert = new LinkedHashMap<>();
        ProcedureRecords.forEach(settings.clientProps(), Topics.ALERTS.name(), procedure, Topics.ALERTS.valueSerde().deserializer(),
            0, r -> {
              AlertEvent a = r.value();
              long[] span = byAlert.computeIfAbsent(a.alertId(), k -> new long[] {a.startTimestampMs(), Long.MAX_VALUE});
              if (a.type().equals(AlertEvent.END)) {
                span[1] = a.eventTimestampMs();
              }
            });
        for (long[] span : byAlert.values()) {
          // An end said on the scorer's clock (frames stopped) may read as before a start said on the
          // ingest host's, when that one runs ahead: the alert is then its start and margins.
          out.add(new TimeRange(new TimeRange.Point(false, span[0] - ALERT_MARGIN_MS),
              span[1] == Long.MAX_VALUE ? null : new TimeRange.Point(false, Math.max(span[0], span[1]) + ALERT_MARGIN_MS)));
        }
        continue;
      }
      int dots = t.indexOf("..");
      if (dots < 0) {
        throw new IllegalArgumentException(option + " " + entry + ": exclude item '" + t
            + "': expected FROM..TO (times as for from/to, e.g. 1m30s..1m50s) or alerts");
      }
      try {
        out.add(new TimeRange(TimeRange.parse(t.substring(0, dots)), TimeRange.parse(t.substring(dots + 2))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + " " + entry + ": exclude item '" + t + "': " + e.getMessage(), e);
      }
    }
    return new Exclusions(out, scored);
  }

  /**
   * The stretches to leave out, and with {@code exclude=alerts} the frames the live scorer scored
   * ({@link #frameKey}): only those can be said to have raised no alert. Otherwise null: every frame
   * outside the stretches counts.
   */
  private record Exclusions(List<TimeRange> ranges, Set<String> scored) {}

  /** The procedure's frames that have a score on the scores topic (not skipped). */
  private static Set<String> scoredFrames(KafkaSettings settings, String procedure) {
    Set<String> scored = new HashSet<>();
    ProcedureRecords.forEach(settings.clientProps(), Topics.SCORES.name(), procedure, Topics.SCORES.valueSerde().deserializer(),
        0, r -> {
          Score score = r.value();
          if (score != null && score.isScored()) {
            scored.add(frameKey(score.frameIndex(), score.captureTimestampMs()));
          }
        });
    return scored;
  }

  /** A frame of a recording: its index and capture time (an id used again from frame 0 repeats the index). */
  private static String frameKey(long frameIndex, long captureTimestampMs) {
    return frameIndex + "@" + captureTimestampMs;
  }

  /** Reads the query into {@code single} (one value per key) and {@code exclude} (the key that may repeat). */
  private static void query(String entry, String text, String option, Map<String, String> single, List<String> exclude) {
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (!QUERY_KEYS.contains(key)) {
        throw new IllegalArgumentException(option + " " + entry + ": unknown parameter '" + key
            + "' (expected procedure, from, to, exclude)");
      }
      String value = URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (key.equals("exclude")) {
        exclude.add(value);
      } else {
        single.put(key, value);
      }
    }
  }

  /** A file-name-safe prefix: letters, digits, '.', '_' and '-' kept, anything else '_'. */
  static String label(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static void report(PrintWriter progress, String source, long written) {
    if (written % 100 == 0) {
      progress.printf("%d frames of %s extracted%n", written, source);
      progress.flush();
    }
  }
}
