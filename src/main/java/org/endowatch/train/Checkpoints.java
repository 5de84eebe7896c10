package org.endowatch.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/**
 * The checkpoints of a training run, in {@code MODEL_DIR/checkpoint/step-N}: each a complete model
 * (manifest and parameters) with the optimiser's moments and where the run stood. One is written
 * in a folder of its own and becomes the checkpoint by one rename, so a run killed, or out of disk,
 * while writing one resumes from the one before: never parameters of one step with the optimiser
 * or position of another (four files replaced one by one left that window open, and a model whose
 * parameters no longer matched its manifest's checksum, which no longer loaded at all). The model
 * in MODEL_DIR itself is then made the checkpoint's by hard links (a copy where the file system has
 * none), so the parameters are on disk once.
 */
final class Checkpoints {
  static final String STEP = "step-";
  private static final String WRITING = ".writing";
  private static final String OPTIMIZER = "optimizer.bin";
  private static final String STATE = "state.json";

  /** Where a run stood: the epoch and batch it goes on from, its optimiser steps and training time so far. */
  record Position(int epoch, int batch, long steps, long elapsedMs) {}

  private Checkpoints() {}

  /**
   * Writes the network, the manifest and the optimiser as the checkpoint at {@code at}, drops the
   * ones before it, and makes MODEL_DIR's model this one.
   */
  static void write(Path out, MemMcMae network, ModelManifest manifest, MaeTrainer trainer, Position at) throws IOException {
    Path root = out.resolve(TrainingRun.CHECKPOINT);
    Path done = root.resolve(String.format("%s%012d", STEP, at.steps()));
    Path writing = root.resolve(done.getFileName() + WRITING);
    deleteTree(writing);
    // A stop on the very step of the last checkpoint (Ctrl-C as an epoch's was written) has it already.
    if (!Files.isDirectory(done)) {
      try {
        ModelArtifact.save(writing, network, manifest);
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(writing.resolve(OPTIMIZER))))) {
          trainer.saveOptimizer(o);
        }
        ModelArtifact.JSON.writeValue(writing.resolve(STATE).toFile(), Map.of(
            "epoch", at.epoch(), "batch", at.batch(), "steps", at.steps(), "elapsedMs", at.elapsedMs()));
        // On disk before the rename makes them the checkpoint: after a power cut, not a folder of empty files.
        try (Stream<Path> files = Files.list(writing)) {
          for (Path f : files.toList()) {
            force(f);
          }
        }
        Files.move(writing, done, StandardCopyOption.ATOMIC_MOVE);
        force(root);
      } catch (IOException | RuntimeException e) {
        deleteQuietly(writing);   // what was half written would only take the space the next try needs
        throw e;
      }
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.filter(p -> !p.equals(done)).toList()) {
        deleteTree(p);   // earlier checkpoints, and the files of the layout before checkpoints had folders
      }
    }
    publish(out, done);
  }

  /**
   * On resuming: makes MODEL_DIR's model the checkpoint's in {@code dir} again where a run stopped
   * between its two files left them apart (a --resume with nothing left to train would leave them
   * so); true when it did. A model whose manifest changed since on the same parameters (calibrated)
   * is left as it is.
   */
  static boolean mend(Path out, Path dir) throws IOException {
    String sha = ModelArtifact.readManifest(dir).parametersSha256();
    Path parameters = out.resolve(ModelArtifact.PARAMETERS);
    boolean whole;
    try {
      whole = ModelArtifact.readManifest(out).parametersSha256().equals(sha) && Files.isRegularFile(parameters)
          && (Files.isSameFile(parameters, dir.resolve(ModelArtifact.PARAMETERS)) || ModelArtifact.sha256(parameters).equals(sha));
    } catch (ModelArtifact.ModelException unreadable) {
      whole = false;
    }
    if (!whole) {
      publish(out, dir);
    }
    return !whole;
  }

  /** Makes MODEL_DIR's model the checkpoint's in {@code dir}, a file at a time. */
  private static void publish(Path out, Path dir) throws IOException {
    for (String f : List.of(ModelArtifact.PARAMETERS, ModelArtifact.MANIFEST)) {
      // Already it (Ctrl-C on the step of the checkpoint before, or mending one file of two): a rename
      // onto a link of the same file does nothing, and the temporary name would stay linked to the
      // checkpoint, to be written through by the next save or calibration.
      if (Files.exists(out.resolve(f)) && Files.isSameFile(out.resolve(f), dir.resolve(f))) {
        continue;
      }
      Path tmp = out.resolve(f + ".tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createLink(tmp, dir.resolve(f));
      } catch (UnsupportedOperationException | FileSystemException noLinks) {
        Files.copy(dir.resolve(f), tmp);
      }
      Files.move(tmp, out.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** The latest complete checkpoint of the run in {@code out}; empty when it has none in this layout. */
  static Optional<Path> latest(Path out) throws IOException {
    Path root = out.resolve(TrainingRun.CHECKPOINT);
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(p -> p.getFileName().toString().matches(STEP + "\\d+") && Files.isDirectory(p))
          .max(Comparator.comparing(p -> Long.parseLong(p.getFileName().toString().substring(STEP.length()))));
    }
  }

  /** Where the run stood at the checkpoint in {@code dir}, with the optimiser's moments read into {@code trainer}. */
  static Position resume(Path dir, MaeTrainer trainer) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve(OPTIMIZER))))) {
      trainer.loadOptimizer(in);
    }
    var state = ModelArtifact.JSON.readTree(dir.resolve(STATE).toFile());
    return new Position(state.get("epoch").asInt(), state.get("batch").asInt(), state.get("steps").asLong(),
        state.get("elapsedMs").asLong());
  }

  /**
   * A run checkpointed by a build before checkpoints had folders: the state and optimiser files
   * directly in {@code checkpoint/}, the parameters in MODEL_DIR; true when {@code out} holds one.
   */
  static boolean flat(Path out) {
    return Files.exists(out.resolve(TrainingRun.CHECKPOINT).resolve(STATE));
  }

  /** The flat layout's position and optimiser (see {@link #flat}). */
  static Position resumeFlat(Path out, MaeTrainer trainer) throws IOException {
    return resume(out.resolve(TrainingRun.CHECKPOINT), trainer);
  }

  private static void force(Path p) throws IOException {
    try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
      c.force(true);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      deleteTree(p);
    } catch (IOException | RuntimeException ignored) {
      // the next checkpoint deletes it before writing there
    }
  }
}
