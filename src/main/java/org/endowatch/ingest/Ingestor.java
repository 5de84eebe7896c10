package org.endowatch.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;

/**
 * The ingest loop: pictures from a source, prepared ({@link FramePreparer}), sent to
 * {@code frames} keyed by procedure id (one procedure stays ordered on one partition). Each send
 * is acknowledged asynchronously; the loop never waits for an ack except at the end (flush), so
 * a slow broker round trip does not slow the camera down. Around the frames it tells {@code
 * procedures} that the recording started, and then how it ended or why it failed, so that frames
 * which merely stop coming can be told apart from a recording that is over.
 */
public final class Ingestor {
  /**
   * @param topic the frames topic
   * @param firstIndex the index of the first frame sent (a resumed procedure continues its numbering)
   * @param skipPictures pictures of the source to pass over before sending (a resume after a crash)
   * @param maxFrames stop after this many frames (0 = all)
   * @param maxMessageBytes the topic's max.message.bytes: a larger frame is refused, not sent to fail
   */
  public record Options(String topic, String procedureId, boolean realtime, long firstIndex, long skipPictures,
      long maxFrames, long maxMessageBytes) {}

  /** What one ingest run did; latencies are grab -> broker acknowledgement. */
  public record Summary(long read, long sent, long failed, long bytes, double seconds, double ackP50Ms,
      double ackP99Ms, String firstFailure) {
    public double fps() {
      return seconds > 0 ? sent / seconds : 0;
    }
  }

  /** Bytes a record carries beyond the image: key, headers and batch framing, with room to spare. */
  static final int RECORD_OVERHEAD = 1024;

  /**
   * Frames handed to Kafka and not yet answered (acknowledged or failed), and for how long none has
   * been answered while some wait: a broker that stops answering shows here, not in the send loop,
   * which may be blocked in the producer meanwhile. {@code lastAckNanos}: when the newest
   * acknowledgement came ({@link System#nanoTime}), to tell a return from a run that gave up.
   */
  public record Waiting(long frames, long silentMs, long lastAckNanos) {}

  /**
   * Silence worth telling the operator about: as long as the console waits before it calls a broker
   * unreachable, so a slow acknowledgement or a leader election is not reported.
   */
  public static final long SILENT_AFTER_MS = 6_000;

  private final AtomicLong handed = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  /** When the newest acknowledgement came, or the first frame began to wait after all were answered. */
  private volatile long quietSinceNanos = System.nanoTime();
  private volatile long lastAckNanos = Long.MIN_VALUE;

  private final Options options;
  private final FramePreparer preparer;
  private final Producer<String, Frame> producer;
  private final LongSupplier clockMs;
  private final Pacer pacer;
  private final java.util.function.Consumer<ProcedureEvent> events;
  private final Counter grabbed;
  private final Counter sentCounter;
  private final Counter failedCounter;
  private final DistributionSummary bytesSummary;
  private final Timer ack;

  /** @param events where the recording's start, end or failure is told (the {@code procedures} topic) */
  public Ingestor(Options options, FramePreparer preparer, Producer<String, Frame> producer,
      java.util.function.Consumer<ProcedureEvent> events, MeterRegistry metrics, LongSupplier clockMs, Pacer pacer) {
    this.options = options;
    this.events = events;
    this.preparer = preparer;
    this.producer = producer;
    this.clockMs = clockMs;
    this.pacer = pacer;
    this.grabbed = Counter.builder("endowatch.ingest.frames.grabbed").register(metrics);
    this.sentCounter = Counter.builder("endowatch.ingest.frames.sent").register(metrics);
    this.failedCounter = Counter.builder("endowatch.ingest.frames.failed").register(metrics);
    this.bytesSummary = DistributionSummary.builder("endowatch.ingest.frame.bytes").baseUnit("bytes").register(metrics);
    this.ack = Timer.builder("endowatch.ingest.grab_to_ack").publishPercentiles(0.5, 0.99).register(metrics);
    Gauge.builder("endowatch.ingest.frames.unacknowledged", () -> handed.get() - answered.get()).register(metrics);
  }

  /** What waits for Kafka's answer now (any thread). */
  public Waiting waiting() {
    long frames = handed.get() - answered.get();
    return new Waiting(frames, frames <= 0 ? 0 : (System.nanoTime() - quietSinceNanos) / 1_000_000, lastAckNanos);
  }

  /**
   * Runs until the source ends, {@code maxFrames} are sent or {@code stop} says so, then flushes
   * and says which it was ({@link ProcedureEvent#ENDED}); a run that throws, or whose frames Kafka
   * did not all acknowledge, says {@link ProcedureEvent#FAILED} with the reason.
   *
   * @param progress called after every frame with the number sent so far
   */
  public Summary run(FrameSource source, BooleanSupplier stop, java.util.function.LongConsumer progress)
      throws IngestException {
    long started = System.nanoTime();
    long read = 0;
    long index = options.firstIndex();
    AtomicLong sent = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Timer runAck = Timer.builder("run").publishPercentiles(0.5, 0.99).register(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    String id = options.procedureId();
    events.accept(ProcedureEvent.started(id, clockMs.getAsLong(), source.describe(), options.firstIndex()));
    String ending;
    try {
      while (true) {
        if (stop.getAsBoolean()) {
          ending = ProcedureEvent.STOPPED;
          break;
        }
        if (options.maxFrames() > 0 && index - options.firstIndex() >= options.maxFrames()) {
          ending = ProcedureEvent.FRAME_LIMIT;
          break;
        }
        FrameSource.Picture picture = source.next();
        if (picture == null) {
          ending = ProcedureEvent.SOURCE_ENDED;
          break;
        }
        read++;
        grabbed.increment();
        if (read <= options.skipPictures()) {
          // Already on the topic; but the field of view is still found where the first run found it.
          preparer.observe(picture.image());
          continue;
        }
        if (options.realtime() && !source.live()) {
          pacer.await(picture.timestampMicros());
        }
        long grabNanos = System.nanoTime();
        long capture = clockMs.getAsLong();
        byte[] jpeg = preparer.prepare(picture.image());
        if (jpeg.length + RECORD_OVERHEAD > options.maxMessageBytes()) {
          throw new IngestException("frame " + index + " of " + source.describe() + " is " + jpeg.length
              + " bytes, over the " + options.topic() + " topic's max.message.bytes of " + options.maxMessageBytes()
              + " (with " + RECORD_OVERHEAD + " bytes for headers): lower --size or --jpeg-quality, or raise the topic's limit in topics/"
              + "; ingest stopped there, the " + (index - options.firstIndex()) + " frames before it were sent");
        }
        Frame frame = new Frame(options.procedureId(), index, capture, preparer.width(), preparer.height(), Frame.JPEG,
            source.describe(), jpeg);
        long frameIndex = index;
        if (handed.getAndIncrement() == answered.get()) {
          quietSinceNanos = System.nanoTime();
        }
        producer.send(new ProducerRecord<>(options.topic(), null, capture, options.procedureId(), frame), (md, e) -> {
          if (e == null) {
            // A failure (a delivery timeout) is no answer from Kafka: only acknowledgements end a silence.
            quietSinceNanos = System.nanoTime();
            lastAckNanos = quietSinceNanos;
          }
          answered.incrementAndGet();
          if (e == null) {
            long nanos = System.nanoTime() - grabNanos;
            ack.record(nanos, TimeUnit.NANOSECONDS);
            runAck.record(nanos, TimeUnit.NANOSECONDS);
            sent.incrementAndGet();
            sentCounter.increment();
            bytes.addAndGet(jpeg.length);
            bytesSummary.record(jpeg.length);
          } else {
            failed.incrementAndGet();
            failedCounter.increment();
            firstFailure.compareAndSet(null, "frame " + frameIndex + ": " + e.getMessage());
          }
        });
        index++;
        progress.accept(index - options.firstIndex());
      }
    } catch (IngestException | RuntimeException e) {
      // A failure without a message still needs a reason, or telling it would hide the failure itself.
      String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      events.accept(ProcedureEvent.failed(id, clockMs.getAsLong(), source.describe(), index, why));
      throw e;
    } finally {
      // Whatever stopped the loop, frames already handed to the producer are delivered (or fail) now.
      producer.flush();
    }
    events.accept(failed.get() > 0
        ? ProcedureEvent.failed(id, clockMs.getAsLong(), source.describe(), index, notAcknowledged(failed.get(), firstFailure.get()))
        : ProcedureEvent.ended(id, clockMs.getAsLong(), source.describe(), index, ending));
    double seconds = (System.nanoTime() - started) / 1e9;
    var pct = runAck.takeSnapshot().percentileValues();
    double p50 = pct.length > 0 ? pct[0].value(TimeUnit.MILLISECONDS) : 0;
    double p99 = pct.length > 1 ? pct[1].value(TimeUnit.MILLISECONDS) : 0;
    return new Summary(read, sent.get(), failed.get(), bytes.get(), seconds, p50, p99, firstFailure.get());
  }

  /** The error of a run whose frames Kafka did not all acknowledge (ingest exits with it too). */
  public static String notAcknowledged(long failed, String firstFailure) {
    return failed + " frame(s) were not acknowledged by Kafka, first " + firstFailure;
  }
}
