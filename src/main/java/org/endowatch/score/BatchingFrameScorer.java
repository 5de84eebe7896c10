package org.endowatch.score;

import java.util.ArrayList;
import java.util.List;
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
 */
public final class BatchingFrameScorer implements FrameScorer, AutoCloseable {
  private record Request(float[] input, CompletableFuture<Scored> result) {}

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
    BatchModel m = model.get();
    List<Object> pending = new ArrayList<>(frames.size()); // a Request, or the Outcome of an undecodable frame
    for (Frame f : frames) {
      try {
        Request r = new Request(m.input(f), new CompletableFuture<>());
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
      try {
        float[][] inputs = batch.stream().map(Request::input).toArray(float[][]::new);
        List<Scored> results = model.get().scoreBatch(inputs);
        batchSizes.accept(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.get(i));
        }
      } catch (RuntimeException e) {
        batch.forEach(r -> r.result().completeExceptionally(e));
      }
    }
  }

  @Override
  public String modelVersion() {
    return model.get().modelVersion();
  }

  @Override
  public double imageThreshold() {
    return model.get().imageThreshold();
  }

  @Override
  public float patchThreshold() {
    return model.get().patchThreshold();
  }

  @Override
  public void close() {
    running = false;
    worker.interrupt();
  }
}
