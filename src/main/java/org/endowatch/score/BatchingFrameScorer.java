package org.endowatch.score;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.endowatch.contract.Frame;

/**
 * One model serving every stream thread: callers decode their frame on their own thread, then
 * wait while a single worker coalesces concurrent requests into one batch (up to {@code maxBatch}
 * frames, waiting at most {@code maxWaitMs} for company after the first) and runs it. Each caller
 * still gets its own result synchronously, so the exactly-once processing of its record is
 * unchanged; a stream with no company waits at most {@code maxWaitMs}.
 *
 * <p>{@link #get} is what a stream thread scores with: the model serving at that moment, kept for
 * every frame it is given and for the version and thresholds that judge them. A release switched
 * while frames wait for a pass (a hot swap) therefore changes nothing for them: each is scored by
 * the model that prepared its input, in a pass of its own model's frames. Reading the serving model
 * again in the worker scored them with the new one, whose input may be another size (a model of
 * another preset or channel count refuses it: the pass failed, and with it every stream thread in
 * the batch), and judged them with a threshold and version read later still: seen live, with two
 * stream threads and six switches between a 3-channel and a 1-channel model, one or two frames at
 * every switch carried one model's score under the other's version and threshold.
 */
public final class BatchingFrameScorer implements Supplier<FrameScorer>, AutoCloseable {
  private record Request(BatchModel model, float[] input, CompletableFuture<FrameScorer.Scored> result) {}

  private final Supplier<? extends BatchModel> model;
  private final int maxBatch;
  private final long maxWaitMs;
  private final IntConsumer batchSizes;
  private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private volatile boolean running = true;

  /**
   * @param model the current model (read per batch, so a hot swap applies to the next batch)
   * @param batchSizes told the size of every batch run (for metrics)
   */
  public BatchingFrameScorer(Supplier<? extends BatchModel> model, int maxBatch, long maxWaitMs, IntConsumer batchSizes) {
    if (maxBatch < 1 || maxWaitMs < 0) {
      throw new IllegalArgumentException("batching needs maxBatch >= 1 and maxWaitMs >= 0");
    }
    this.model = model;
    this.maxBatch = maxBatch;
    this.maxWaitMs = maxWaitMs;
    this.batchSizes = batchSizes;
    this.worker = new Thread(this::serve, "model-batcher");
    worker.setDaemon(true);
    worker.start();
  }

  /** The model serving now, batched with the other stream threads' frames; see the class comment. */
  @Override
  public FrameScorer get() {
    return new Pinned(model.get());
  }

  /** Frames scored by one model through the shared queue, and judged with its version and thresholds. */
  private final class Pinned implements FrameScorer {
    private final BatchModel m;

    Pinned(BatchModel m) {
      this.m = m;
    }

    @Override
    public Scored score(Frame frame) {
      Outcome o = scoreAll(List.of(frame)).get(0);
      if (o.scored() == null) {
        throw new UnscorableFrameException(o.unscorable());
      }
      return o.scored();
    }

    /** All decodable frames go into the queue at once, so a stream's backlog shares batches with other streams. */
    @Override
    public List<Outcome> scoreAll(List<Frame> frames) {
      List<Object> pending = new ArrayList<>(frames.size()); // a Request, or the Outcome of an undecodable frame
      for (Frame f : frames) {
        try {
          Request r = new Request(m, m.input(f), new CompletableFuture<>());
          queue.add(r);
          pending.add(r);
        } catch (UnscorableFrameException e) {
          pending.add(new Outcome(null, e.getMessage()));
        }
      }
      List<Outcome> out = new ArrayList<>(frames.size());
      for (Object p : pending) {
        if (p instanceof Outcome o) {
          out.add(o);
          continue;
        }
        Scored s = ModelFrameScorer.await(((Request) p).result(), "waiting for the model");
        out.add(s != null ? new Outcome(s, null) : new Outcome(null, "model " + m.modelVersion() + " produced a non-finite score"));
      }
      return out;
    }

    @Override
    public String modelVersion() {
      return m.modelVersion();
    }

    @Override
    public double imageThreshold() {
      return m.imageThreshold();
    }

    @Override
    public float patchThreshold() {
      return m.patchThreshold();
    }
  }

  private void serve() {
    while (running) {
      List<Request> batch = new ArrayList<>(maxBatch);
      try {
        Request first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        while (batch.size() < maxBatch) {
          long left = deadline - System.nanoTime();
          Request next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      // One pass per model: all one model's, except across a swap (then the earlier model's first).
      Map<BatchModel, List<Request>> byModel = new LinkedHashMap<>();
      batch.forEach(r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
      byModel.forEach(this::pass);
    }
  }

  private void pass(BatchModel m, List<Request> requests) {
    try {
      List<FrameScorer.Scored> results = m.scoreBatch(requests.stream().map(Request::input).toArray(float[][]::new));
      batchSizes.accept(requests.size());
      for (int i = 0; i < requests.size(); i++) {
        requests.get(i).result().complete(results.get(i));
      }
    } catch (RuntimeException | Error e) {
      // An Error as well (a native allocation that failed: OutOfMemoryError): it ended this worker,
      // and the stream threads, which wait for their results without a timeout, waited for good.
      requests.forEach(r -> r.result().completeExceptionally(e));
    }
  }

  @Override
  public void close() {
    running = false;
    worker.interrupt();
  }
}
