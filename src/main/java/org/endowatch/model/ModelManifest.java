package org.endowatch.model;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * {@code manifest.json} of a model artifact: everything needed to rebuild, verify and trust the
 * network, plus the thresholds that turn its anomaly maps into decisions (data, not code).
 *
 * @param format artifact format version ({@link ModelArtifact#FORMAT})
 * @param name model name (what scorers follow on the models topic)
 * @param version unique version written on every output the model produces: the trained network's
 *     ({@code NAME-yyyyMMddTHHmmss}), and after calibration that plus {@value #CALIBRATED} and the
 *     calibration's time, so new thresholds are a new version (scorers switch to it when it is
 *     published, and every output says which thresholds decided it)
 * @param config every hyper-parameter of the network
 * @param maskSchedule how frames are scored (e.g. {@code random-10}, {@code complementary-4})
 * @param imagePooling how patch scores become the image score: {@code mean} (the paper) or {@code max}
 * @param imageThreshold calibrated image-level threshold; null until calibrated
 * @param patchThreshold calibrated patch-level threshold for localisation; null until calibrated
 * @param calibration how the thresholds were set (data, target false-alarm rate, counts)
 * @param training what it was trained on and how (data summary, epochs, time, command)
 * @param djlVersion DJL version that wrote it
 * @param engineVersion PyTorch version that wrote it
 * @param createdAt ISO-8601 time of writing
 * @param parametersFile the parameter file's name inside the artifact directory
 * @param parametersSha256 sha256 of that file, verified at load
 * @param mapHalvings how many of MS-SSIM's finest scales the anomaly map leaves out (it starts on
 *     the masked-pass composite and the frame halved that many times; the other scales keep their
 *     standard weights): null or 0 is the paper's full resolution; 1 costs about half the map's
 *     time (BENCHMARKS "Half-resolution anomaly map"). Thresholds hold only for the value they were
 *     calibrated with.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
    int format,
    String name,
    String version,
    MemMcMaeConfig config,
    String maskSchedule,
    String imagePooling,
    Double imageThreshold,
    Double patchThreshold,
    Map<String, Object> calibration,
    Map<String, Object> training,
    String djlVersion,
    String engineVersion,
    String createdAt,
    String parametersFile,
    String parametersSha256,
    Integer mapHalvings) {

  /** A manifest with the paper's full-resolution map (no {@code mapHalvings}). */
  public ModelManifest(int format, String name, String version, MemMcMaeConfig config, String maskSchedule,
      String imagePooling, Double imageThreshold, Double patchThreshold, Map<String, Object> calibration,
      Map<String, Object> training, String djlVersion, String engineVersion, String createdAt, String parametersFile,
      String parametersSha256) {
    this(format, name, version, config, maskSchedule, imagePooling, imageThreshold, patchThreshold, calibration,
        training, djlVersion, engineVersion, createdAt, parametersFile, parametersSha256, null);
  }

  /** {@link #mapHalvings}, 0 when absent. */
  public int mapHalvingsOrZero() {
    return mapHalvings == null ? 0 : mapHalvings;
  }

  /** What a calibrated version adds to the trained network's: this, then the calibration's time. */
  public static final String CALIBRATED = "+cal";
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS").withZone(ZoneOffset.UTC);

  /**
   * New thresholds, under a new version: the trained network's version, {@value #CALIBRATED} and
   * {@code when} (to the millisecond only where the second would repeat this manifest's version).
   * Keeping the version would make a recalibrated model look already served to a running scorer,
   * and its alerts indistinguishable from those of the old thresholds.
   */
  public ModelManifest withThresholds(double image, double patch, Map<String, Object> calibrationInfo,
      Instant when) {
    int cut = version.indexOf(CALIBRATED);
    String trained = cut < 0 ? version : version.substring(0, cut);
    String next = trained + CALIBRATED + SECONDS.format(when);
    if (next.equals(version)) {
      next = trained + CALIBRATED + MILLIS.format(when);
    }
    return new ModelManifest(format, name, next, config, maskSchedule, imagePooling, image, patch, calibrationInfo,
        training, djlVersion, engineVersion, createdAt, parametersFile, parametersSha256, mapHalvings);
  }

  public ModelManifest withParameters(String file, String sha256, String djl, String engine, String created) {
    return new ModelManifest(format, name, version, config, maskSchedule, imagePooling, imageThreshold, patchThreshold,
        calibration, training, djl, engine, created, file, sha256, mapHalvings);
  }

  /** This manifest scored the way calibration measured: schedule, pooling and map resolution. */
  public ModelManifest withScoring(String schedule, String pooling, int halvings) {
    return new ModelManifest(format, name, version, config, schedule, pooling, imageThreshold, patchThreshold,
        calibration, training, djlVersion, engineVersion, createdAt, parametersFile, parametersSha256,
        halvings == 0 ? null : halvings);
  }

  /**
   * What calibration scored in (the calibration's {@code precision}, fp32 when absent): its thresholds
   * hold for scores computed that way, so eval and score use it unless told otherwise.
   */
  public DataType calibratedPrecision() {
    Object p = calibration == null ? null : calibration.get("precision");
    return "fp16".equals(p) ? DataType.FLOAT16 : DataType.FLOAT32;
  }

  public boolean calibrated() {
    return imageThreshold != null && patchThreshold != null;
  }
}
