package org.endowatch.ingest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.JsonSerde;

/**
 * What a generated procedure video contains: its frame rate and size, and the frame intervals
 * (inclusive, 0-based frame indices) in which a lesion is in view. Written beside the video as
 * {@code <video>.truth.json}; the alert tests and the pipeline benchmark read it.
 */
public record GroundTruth(String video, double fps, int frames, int width, int height, long seed,
    List<Interval> anomalyIntervals) {

  /** Frames {@code start..end}, both inclusive. */
  public record Interval(int start, int end) {
    public boolean contains(long frame) {
      return frame >= start && frame <= end;
    }
  }

  public GroundTruth {
    anomalyIntervals = List.copyOf(anomalyIntervals);
  }

  /** Whether frame {@code index} shows a lesion. */
  public boolean anomalous(long index) {
    return anomalyIntervals.stream().anyMatch(i -> i.contains(index));
  }

  /**
   * The lesion an alert belongs to: the first interval that frames {@code from..to} (the alert's
   * first frame over the threshold .. the frame that raised it) overlap, or null for a false alert.
   * An alert may start a frame or two before a lesion's first frame: during a cross-fade the lesion
   * is already faintly there before it counts as in view ({@code VirtualCamera.VISIBLE_ALPHA}).
   */
  public Interval overlapping(long from, long to) {
    return anomalyIntervals.stream().filter(i -> from <= i.end() && to >= i.start()).findFirst().orElse(null);
  }

  /**
   * Alert starts matched to lesions by {@link #overlapping} (the alert's first frame over the
   * threshold .. the frame that raised it): each lesion's first alert, and how many alerts overlap no
   * lesion (false alerts).
   */
  public record AlertMatch(Map<Interval, AlertEvent> firstAlert, int falseAlerts) {}

  /** Matches {@code starts} (alert-start events, in the order they were raised) to the lesions. */
  public AlertMatch match(List<AlertEvent> starts) {
    Map<Interval, AlertEvent> first = new LinkedHashMap<>();
    int falseAlerts = 0;
    for (AlertEvent a : starts) {
      Interval in = overlapping(a.startFrame(), a.endFrame());
      if (in == null) {
        falseAlerts++;
      } else {
        first.putIfAbsent(in, a);
      }
    }
    return new AlertMatch(first, falseAlerts);
  }

  /** How many frames show a lesion. */
  @JsonIgnore
  public int anomalousFrames() {
    return anomalyIntervals.stream().mapToInt(i -> i.end() - i.start() + 1).sum();
  }

  /** The maximal runs of {@code true} in a per-frame flag list. */
  public static List<Interval> intervals(boolean[] anomalous) {
    List<Interval> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= anomalous.length; i++) {
      boolean on = i < anomalous.length && anomalous[i];
      if (on && start < 0) {
        start = i;
      } else if (!on && start >= 0) {
        out.add(new Interval(start, i - 1));
        start = -1;
      }
    }
    return out;
  }

  /** Where the ground truth of {@code video} lives. */
  public static Path pathFor(Path video) {
    return video.resolveSibling(video.getFileName() + ".truth.json");
  }

  public void write(Path file) throws IOException {
    JsonSerde.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
  }

  /**
   * A procedure's lesions as a unit annotates them by hand, or as {@link #write} wrote them: only
   * {@code fps} and {@code anomalyIntervals} are needed ({@code frames} is read when there). Read
   * field by field rather than as the record, so each missing or wrong field is named.
   *
   * @throws IllegalArgumentException starting with the file's name, when it cannot serve
   */
  public static GroundTruth readAnnotation(Path file) {
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    JsonNode root;
    try {
      root = JsonSerde.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      // Jackson's own words without the source excerpt it appends; the line and column say where.
      String why = e instanceof JsonProcessingException j
          ? j.getOriginalMessage().lines().findFirst().orElse("") + (j.getLocation() == null ? ""
              : " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr())
          : e.getMessage();
      throw new IllegalArgumentException(file + " is not JSON (" + why + ")", e);
    }
    String form = " (the form 'synth procedure' writes: {\"fps\": 25, \"anomalyIntervals\": [{\"start\": 91, \"end\": 146}]})";
    if (root == null || !root.path("fps").isNumber() || !(root.path("fps").asDouble() > 0)) {
      throw new IllegalArgumentException(file + " needs \"fps\", the video's frame rate, to turn frames into time" + form);
    }
    if (!root.path("anomalyIntervals").isArray()) {
      throw new IllegalArgumentException(file + " needs \"anomalyIntervals\", the lesions' frame ranges ([] for a "
          + "procedure without any)" + form);
    }
    List<Interval> intervals = new ArrayList<>();
    for (JsonNode in : root.get("anomalyIntervals")) {
      JsonNode start = in.path("start");
      JsonNode end = in.path("end");
      if (!start.isIntegralNumber() || !end.isIntegralNumber() || !start.canConvertToInt() || !end.canConvertToInt()
          || start.asInt() < 0 || end.asInt() < start.asInt()) {
        throw new IllegalArgumentException(file + ": lesion " + in + " is not a frame range (whole \"start\" from 0 and "
            + "\"end\" at or after it, both included)");
      }
      intervals.add(new Interval(start.asInt(), end.asInt()));
    }
    return new GroundTruth(file.getFileName().toString(), root.get("fps").asDouble(), root.path("frames").asInt(0), 0, 0,
        0, intervals);
  }

  public static GroundTruth read(Path file) throws IOException {
    return JsonSerde.MAPPER.readValue(file.toFile(), GroundTruth.class);
  }
}
