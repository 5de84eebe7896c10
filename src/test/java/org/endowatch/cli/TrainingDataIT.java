package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --data} and {@code calibrate --normal} with a video file and with a procedure recorded on a real broker. */
@ExtendWith(RealKafka.class)
class TrainingDataIT {
  @BeforeAll
  static void topics(KafkaCluster kafka) {
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
  }

  @Test
  void aVideoTrainsOnEveryNthPreparedFrameAndCalibratesOnItsHeldOutBlock(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("room 1.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "12", "--anomalies", "0").exitCode())
        .isZero();
    Path model = dir.resolve("model");

    Cli.Result train = Cli.run("train", "--data", video.toString(), "--every", "5", "--out", model.toString(),
        "--preset", "micro", "--epochs", "1", "--batch", "4", "--val-fraction", "0.3", "--seed", "2");
    Cli.Result calibrate = Cli.run("calibrate", "--model", model.toString(), "--normal", model.resolve("frames").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    // 12 s at 25 fps = 300 frames; every 5th from index 0 = 60 files named after the video.
    List<String> files = names(model.resolve("frames"));
    assertThat(files).hasSize(60).startsWith("room_1-000000.jpg", "room_1-000005.jpg").endsWith("room_1-000295.jpg");
    assertThat(train.err()).contains("train: 60 frames (every 5) of " + video + " into " + model.resolve("frames"));
    BufferedImage first = ImageIO.read(model.resolve("frames").resolve(files.get(0)).toFile());
    assertThat(first.getWidth()).isEqualTo(256); // live ingest's default frame size
    assertThat(first.getHeight()).isEqualTo(256);
    // Held out by blocks of 250 consecutive frames (NormalImagesTest): room_1's frames 0..249 are
    // the hold-out, 250..299 train.
    assertThat(Files.readAllLines(model.resolve("validation-files.txt"))).hasSize(50)
        .allMatch(f -> Integer.parseInt(f.substring(7, 13)) < 250);
    assertThat(train.out()).contains("10 train / 50 held-out images");
    assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
    assertThat(calibrate.out()).contains("calibrated " + model + " on 50 normal images");

    // The video itself as calibration data: its frames in trained blocks (250..295) are left out.
    Cli.Result again = Cli.run("calibrate", "--model", model.toString(), "--normal", video.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    Path calibrationFrames = model.resolve("calibration-frames");
    assertThat(again.err()).contains("calibrate: 60 frames (every 5) of " + video + " into " + calibrationFrames)
        .contains("10 frames in " + calibrationFrames + " are from videos or procedures the model was trained on, in its "
            + "training blocks: left out, 50 images remain");
    assertThat(again.out()).contains("calibrated " + model + " on 50 normal images");
    assertThat(calibration(model)).containsEntry("normalSource", video.toString())
        .containsEntry("normalFolder", calibrationFrames.toString()).containsEntry("excludedTrainingImages", 10);

    // With the training frames cleaned up, the held-out list still says room_1 was trained on.
    deleteTree(model.resolve("frames"));
    Cli.Result cleaned = Cli.run("calibrate", "--model", model.toString(), "--normal", video.toString());
    assertThat(cleaned.exitCode()).as(cleaned.err()).isZero();
    assertThat(cleaned.err()).contains("training folder " + model.resolve("frames").toAbsolutePath()
        + " is gone or empty: the videos and procedures it held are known only from validation-files.txt")
        .contains("10 frames in " + calibrationFrames + " are from videos or procedures the model was trained on, in its "
            + "training blocks: left out, 50 images remain");

    // Another unit's video: every 4th frame, all of them count, and none of the earlier extraction stays.
    Path other = dir.resolve("room 2.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", other.toString(), "--seconds", "4", "--anomalies", "0").exitCode())
        .isZero();
    Cli.Result unseen = Cli.run("calibrate", "--model", model.toString(), "--normal", other.toString(), "--every", "4");
    assertThat(unseen.exitCode()).as(unseen.err()).isZero();
    assertThat(unseen.err()).doesNotContain("left out");
    assertThat(unseen.out()).contains("calibrated " + model + " on 25 normal images");
    assertThat(names(calibrationFrames)).hasSize(25).allMatch(f -> f.startsWith("room_2-"));

    // Training again into a model's folder would replace it: refused unless --resume continues it.
    String sha = ModelArtifact.readManifest(model).parametersSha256();
    Cli.Result over = Cli.run("train", "--data", other.toString(), "--out", model.toString(), "--preset", "micro",
        "--epochs", "1", "--batch", "4");
    assertThat(over.exitCode()).isEqualTo(1);
    assertThat(over.err()).isEqualTo("endowatch train: error: --out " + model + " already holds a model: --resume "
        + "continues its training; to train afresh, name a new folder\n");
    assertThat(ModelArtifact.readManifest(model).parametersSha256()).isEqualTo(sha);
    // A resumed run's frames folder holds what --data names, nothing an earlier run (or a hand) left there.
    Path second = dir.resolve("second");
    String[] args = {"train", "--data", other.toString(), "--out", second.toString(), "--preset", "micro", "--batch", "4",
        "--val-fraction", "0"};
    assertThat(Cli.run(concat(args, "--epochs", "1")).exitCode()).isZero();
    Files.copy(model.resolve("calibration-frames").resolve("room_2-000000.jpg"), second.resolve("frames").resolve("stale-000000.jpg"));
    Cli.Result resumed = Cli.run(concat(args, "--epochs", "2", "--resume"));
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming at epoch 2");
    // 4 s at 25 fps, every 5th: 20 frames of room_2 and no other.
    assertThat(names(second.resolve("frames"))).hasSize(20).allMatch(f -> f.startsWith("room_2-"));
    // Those frames named as the data itself are kept, not emptied before training on them.
    Cli.Result onFrames = Cli.run("train", "--data", second.resolve("frames").toString(), "--out", second.toString(),
        "--preset", "micro", "--batch", "4", "--val-fraction", "0", "--epochs", "3", "--resume");
    assertThat(onFrames.exitCode()).as(onFrames.err()).isZero();
    assertThat(onFrames.out()).contains("20 train / 0 held-out images");
    assertThat(names(second.resolve("frames"))).hasSize(20);
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void aRecordedProcedureTrainsOnEveryNthFrameOfItsTimeRange(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    long t0 = System.currentTimeMillis() - 60_000;
    List<Frame> frames = record(kafka, "td-src", t0, 30);
    Path model = dir.resolve("model");

    Cli.Result train = Cli.run("train", "--bootstrap", kafka.bootstrapServers(),
        "--data", "kafka:frames?procedure=td-src&to=600ms", "--every", "2", "--out", model.toString(),
        "--preset", "micro", "--epochs", "1", "--batch", "4", "--val-fraction", "0.3", "--seed", "2");

    assertThat(train.exitCode()).as(train.err()).isZero();
    Cli.Result typo = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data", "kafka:frame?procedure=td-src",
        "--out", dir.resolve("typo").toString(), "--preset", "micro");
    assertThat(typo.exitCode()).isEqualTo(1);
    assertThat(typo.err().strip()).isEqualTo("endowatch train: error: --data kafka:frame?procedure=td-src: topic frame does not "
        + "exist on " + kafka.bootstrapServers() + " (ingest records procedures on frames)");
    // Frames 0..15 lie in the first 600 ms (40 ms apart); every 2nd: 0, 2, .., 14.
    List<String> files = names(model.resolve("frames"));
    assertThat(files).hasSize(8).startsWith("td-src-000000.jpg", "td-src-000002.jpg").endsWith("td-src-000014.jpg");
    assertThat(Files.readAllBytes(model.resolve("frames").resolve("td-src-000014.jpg"))).isEqualTo(frames.get(14).image());
    assertThat(train.out()).contains(" 1 epoch (").contains("next: endowatch calibrate --model " + model + " --normal "
        + model.resolve("frames") + " (");

    // Calibrating on the procedure it trained on leaves nothing: its one block of frames was trained on.
    Cli.Result same = Cli.run("calibrate", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(),
        "--normal", "kafka:frames?procedure=td-src");
    assertThat(same.exitCode()).isEqualTo(1);
    assertThat(same.err()).endsWith("endowatch calibrate: error: no normal images left to calibrate on in "
        + model.resolve("calibration-frames") + " (all were used in training); pass held-out normal images or frames of "
        + "a procedure the model was not trained on\n");
    record(kafka, "td-other", t0, 12);
    Cli.Result other = Cli.run("calibrate", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(),
        "--normal", "kafka:frames?procedure=td-other");
    assertThat(other.exitCode()).as(other.err()).isZero();
    // Every 5th of 12 frames: 0, 5, 10.
    assertThat(names(model.resolve("calibration-frames"))).containsExactly("td-other-000000.jpg", "td-other-000005.jpg",
        "td-other-000010.jpg");
    assertThat(other.out()).contains("calibrated " + model + " on 3 normal images");

    // Several procedures at once (and an image folder only alone): their frames calibrate together and each is
    // left out in turn. Every 5th of 12 and of 10 frames: 3 + 2.
    record(kafka, "td-third", t0, 10);
    Cli.Result both = Cli.run("calibrate", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(),
        "--normal", "kafka:frames?procedure=td-other,kafka:frames?procedure=td-third");
    assertThat(both.exitCode()).as(both.err()).isZero();
    assertThat(names(model.resolve("calibration-frames"))).containsExactly("td-other-000000.jpg", "td-other-000005.jpg",
        "td-other-000010.jpg", "td-third-000000.jpg", "td-third-000005.jpg");
    assertThat(both.out()).contains("calibrated " + model + " on 5 normal images");
    assertThat(both.err()).contains("procedures: with each of the 2 left out in turn");
    assertThat(calibration(model)).containsEntry("normalSource", "kafka:frames?procedure=td-other,kafka:frames?procedure=td-third")
        .containsKey("leaveOneProcedureOut");
    Cli.Result withFolder = Cli.run("calibrate", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(),
        "--normal", "kafka:frames?procedure=td-other," + model.resolve("frames"));
    assertThat(withFolder.exitCode()).isEqualTo(1);
    assertThat(withFolder.err()).isEqualTo("endowatch calibrate: error: --normal " + model.resolve("frames") + " is a folder: "
        + "give one image folder alone, or video files and recorded procedures, comma-separated\n");

    // Published as it is, the folder would carry 8 + 5 frames of recorded procedures to every node that reads it.
    Cli.Result publish = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString());
    assertThat(publish.exitCode()).as(publish.err()).isZero();
    assertThat(publish.err()).contains("note: " + model + " also holds 13 images extracted from recorded procedures or videos "
        + "(frames/, calibration-frames/: patient data where they came from a patient); scorers read only manifest.json and "
        + "parameters.bin, so put only those two where the scorers read models\n");
  }

  @Test
  void stretchesAndTheProceduresAlertsCanBeLeftOut(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    long t0 = System.currentTimeMillis() - 60_000;
    record(kafka, "td-ex", t0, 100);
    // The procedure raised one alert, frames 60-65 (capture 2.4-2.6 s); with 2 s either side it
    // leaves out 0.4-4.6 s, frames 10-99.
    TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), "td-ex", List.of(
        new AlertEvent(AlertEvent.START, "td-ex/60", "td-ex", 60, 62, 62, 0.9, null, t0 + 2_400, t0 + 2_480, "m", null),
        new AlertEvent(AlertEvent.END, "td-ex/60", "td-ex", 60, 65, 62, 0.9, null, t0 + 2_400, t0 + 2_600, "m",
            AlertEvent.SCORES_FELL)));
    // The live scorer scored every frame but 5 (skipped as stale) and 7 (never reached): exclude=alerts
    // cannot vouch for those two.
    List<Score> outcomes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      if (i == 5) {
        outcomes.add(Score.skipped("td-ex", i, t0 + 40L * i, t0 + 40L * i + 300, 0.5, "m", "stale"));
      } else if (i != 7) {
        outcomes.add(Score.scored("td-ex", i, t0 + 40L * i, t0 + 40L * i + 20, i >= 60 && i <= 65 ? 0.9 : 0.1, 0.5, "m"));
      }
    }
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "td-ex", outcomes);
    String source = "kafka:frames?procedure=td-ex&exclude=alerts&exclude=0ms..120ms";
    Path model = dir.resolve("model");

    Cli.Result train = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data", source, "--every", "1",
        "--out", model.toString(), "--preset", "micro", "--epochs", "1", "--batch", "2", "--val-fraction", "0.3", "--seed", "2");
    Cli.Result bad = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=td-ex&exclude=1m", "--out", dir.resolve("m2").toString());
    Cli.Result badTime = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=td-ex&exclude=1x..2m", "--out", dir.resolve("m3").toString());
    Cli.Result nothingLeft = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=td-ex&exclude=..", "--out", dir.resolve("m4").toString());
    Cli.Result backwards = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=td-ex&from=5s&to=1s", "--out", dir.resolve("m6").toString());
    // Sent faster than real time: the scorer skipped every frame, so no alert says where its lesions are.
    record(kafka, "td-bulk", t0, 20);
    List<Score> skipped = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      skipped.add(Score.skipped("td-bulk", i, t0 + 40L * i, t0 + 5_000, 0.5, "m", "stale"));
    }
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "td-bulk", skipped);
    Cli.Result unscored = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=td-bulk&exclude=alerts", "--out", dir.resolve("m5").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    // Frames 0-3 (0-120 ms) and 10-99 left out, and 5 and 7 unscored: 4, 6, 8 and 9 remain.
    assertThat(names(model.resolve("frames"))).containsExactly("td-ex-000004.jpg", "td-ex-000006.jpg", "td-ex-000008.jpg",
        "td-ex-000009.jpg");
    assertThat(train.err()).contains("94 frames of " + source + " left out by exclude=alerts and 0ms..120ms")
        .contains("2 frames of " + source + " left out because the live scorer did not score them (skipped as stale or "
            + "not reached), so exclude=alerts cannot vouch for them");
    assertThat(bad.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=td-ex&exclude=1m: exclude item "
        + "'1m': expected FROM..TO (times as for from/to, e.g. 1m30s..1m50s) or alerts\n");
    assertThat(backwards.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=td-ex&from=5s&to=1s: the "
        + "range ends before it starts (from 5s after the first frame, to 1s after the first frame)\n");
    assertThat(badTime.err()).startsWith("endowatch train: error: --data kafka:frames?procedure=td-ex&exclude=1x..2m: "
        + "exclude item '1x..2m': cannot read time '1x'");
    assertThat(nothingLeft.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=td-ex&exclude=..: no frames "
        + "of procedure td-ex on topic frames in that range outside exclude (100 left out) (check the id, the topic, from/to "
        + "and exclude)\n");
    assertThat(unscored.exitCode()).isEqualTo(1);
    assertThat(unscored.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=td-bulk&exclude=alerts: the "
        + "live scorer scored none of the 20 frames of procedure td-bulk left after exclude, so its alerts cannot say where "
        + "its lesions are (frames sent faster than real time are skipped as stale): ingest it with --realtime while a "
        + "scorer runs, or leave its lesions out with exclude=FROM..TO instead of exclude=alerts\n");
  }

  /** {@code count} 64 x 48 frames of a procedure, 40 ms apart from {@code t0}, on the live frames topic. */
  private static List<Frame> record(KafkaCluster kafka, String id, long t0, int count) throws Exception {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(TestFrames.jpeg(id, i, t0 + 40L * i, 64, 48));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, frames);
    return frames;
  }

  @Test
  void badSourcesAreOneLineErrorsNamingTheSource(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String out = dir.resolve("m").toString();
    Cli.Result missing = Cli.run("train", "--data", dir.resolve("nowhere").toString(), "--out", out);
    Cli.Result noProcedure = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data", "kafka:frames", "--out", out);
    Cli.Result unknownKey = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=a&since=1m", "--out", out);
    Cli.Result nobody = Cli.run("train", "--bootstrap", kafka.bootstrapServers(), "--data",
        "kafka:frames?procedure=nobody-here", "--out", out);

    assertThat(missing.err()).isEqualTo("endowatch train: error: --data " + dir.resolve("nowhere")
        + ": no such folder or video file (give image folders, video files or kafka:TOPIC?procedure=ID)\n");
    assertThat(noProcedure.err()).isEqualTo(
        "endowatch train: error: --data kafka:frames: expected kafka:TOPIC?procedure=ID[&from=T][&to=T][&exclude=A..B][&exclude=alerts]\n");
    assertThat(unknownKey.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=a&since=1m: "
        + "unknown parameter 'since' (expected procedure, from, to, exclude)\n");
    assertThat(nobody.err()).isEqualTo("endowatch train: error: --data kafka:frames?procedure=nobody-here: no frames of "
        + "procedure nobody-here on topic frames in that range (check the id, the topic, from/to and exclude)\n");
    Path model = dir.resolve("model");
    Files.createDirectories(model);
    try (Stream<Path> files = Files.list(Path.of("models/synthetic-micro"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, model.resolve(f.getFileName()));
      }
    }
    Cli.Result calibrateMissing = Cli.run("calibrate", "--model", model.toString(), "--normal",
        dir.resolve("nowhere").toString());
    assertThat(calibrateMissing.err()).isEqualTo("endowatch calibrate: error: --normal " + dir.resolve("nowhere")
        + ": no such folder or video file (give image folders, video files or kafka:TOPIC?procedure=ID)\n");
    for (Cli.Result r : List.of(missing, noProcedure, unknownKey, nobody, calibrateMissing)) {
      assertThat(r.exitCode()).isEqualTo(1);
    }
  }

  private static Map<String, Object> calibration(Path model) {
    return ModelArtifact.readManifest(model).calibration();
  }

  /** A flat folder of frames and the folder itself. */
  private static void deleteTree(Path folder) throws Exception {
    for (String name : names(folder)) {
      Files.delete(folder.resolve(name));
    }
    Files.delete(folder);
  }

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
