package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.Deinterlace;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.IngestException;
import org.endowatch.ingest.Ingestor;
import org.endowatch.ingest.Pacer;
import org.endowatch.ingest.ProcedureResume;
import org.endowatch.ingest.Sources;
import org.endowatch.platform.MetricsServer;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ingest", description = {"Decode a video source and put its frames on the frames topic.",
    "Sources: a video file (mp4, mkv, avi), an image folder, rtsp://, rtmp://, http(s)://, udp://, tcp://, srt://, v4l2:/dev/videoN."})
public final class IngestCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--source", required = true, paramLabel = "URI",
      description = "What to read: a video file, an image folder, a stream URL or v4l2:/dev/videoN (the list above).") String uri;
  @Mixin Source source;
  @Option(names = "--procedure", required = true, paramLabel = "ID", description = "Procedure id (the record key).")
  String procedure;
  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = "frames",
      description = "Frames topic (default ${DEFAULT-VALUE}).") String topic;
  @Option(names = "--out-dir", paramLabel = "DIR",
      description = "Write prepared frames here as JPEG files instead of sending them (training images from your own procedures).")
  java.nio.file.Path outDir;
  @Option(names = "--every", paramLabel = "N", defaultValue = "1",
      description = "With --out-dir: keep every N-th frame (default ${DEFAULT-VALUE}).")
  int every;
  @ArgGroup Pace pace = new Pace();
  @Spec CommandSpec spec;

  static final class Pace {
    @Option(names = "--realtime", description = "Pace a file by its timestamps, as a live camera would (live sources are never paced).")
    boolean realtime;
    @Option(names = "--as-fast-as-possible", description = "Send a file's frames as fast as they decode (the default).")
    boolean fast;
  }

  /** Options of a source and of the frames made from it; shared with {@code replay video}. */
  static final class Source {
    @Option(names = "--fps", paramLabel = "FPS",
        description = "Frame rate of an image folder (default 25), and of a video whose pictures carry no timestamps "
            + "(a raw .h264 file; default: the rate the stream states, else 25).") Double fps;
    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0", description = "Stop after N frames (0 = all).") long maxFrames;
    @Option(names = "--size", defaultValue = "256x256", paramLabel = "WxH", description = "Frame size sent (default ${DEFAULT-VALUE}).")
    String size;
    @Option(names = "--jpeg-quality", defaultValue = "90", paramLabel = "Q", description = "1..100 (default ${DEFAULT-VALUE}).")
    int jpegQuality;
    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "5000",
        description = "Network connect/read timeout (default ${DEFAULT-VALUE}).")
    int timeoutMs;
    @Option(names = "--reconnects", paramLabel = "N", defaultValue = "5",
        description = "Reconnect attempts after a dropped link of a network source (default ${DEFAULT-VALUE}); "
            + "a file served over the network goes on after the last picture sent.")
    int reconnects;
    @Option(names = "--resume", description = "Continue a procedure cut off by a crash: skip the frames already on the topic.")
    boolean resume;
    @Option(names = "--deinterlace", paramLabel = "auto|on|off", defaultValue = "auto", converter = DeinterlaceConverter.class,
        description = "Deinterlace a video's pictures (FFmpeg's yadif): auto when its stream says it is interlaced (default), "
            + "on for a capture card that hands over woven fields without saying so, off to keep them as decoded.")
    Deinterlace deinterlace;
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "-1",
        description = "Serve /metrics on this port (0 = any, -1 = off; default off).")
    int metricsPort;
    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "Address /metrics listens on (default ${DEFAULT-VALUE}: this host only; 0.0.0.0 for a Prometheus elsewhere).") String metricsBind;

    /** How to open the source: --fps for an image folder (25 unless given), and for pictures without timestamps if given. */
    Sources.Options options() {
      return new Sources.Options(fps == null ? 25 : fps, timeoutMs, reconnects, fps == null ? 0 : fps, deinterlace);
    }

    /** Says on {@code err} that the source's pictures are deinterlaced, and why. */
    static void sayDeinterlaced(FrameSource frames, PrintWriter err) {
      if (frames.deinterlaced() != null) {
        err.println("deinterlacing " + frames.describe() + " (" + frames.deinterlaced() + "; --deinterlace off takes the "
            + "pictures as decoded)");
        err.flush();
      }
    }

    /** The source options' ranges, for every way of ingesting (to the topic, to a folder, replay). */
    void check(CommandSpec spec) {
      OptionRange.of(spec).between("--jpeg-quality", jpegQuality, 1, 100).above("--fps", fps == null ? 25 : fps, 0)
          .atLeast("--max-frames", maxFrames, 0).atLeast("--timeout-ms", timeoutMs, 1).atLeast("--reconnects", reconnects, 0)
          .port("--metrics-port", metricsPort, true);
    }
  }

  static final class DeinterlaceConverter implements CommandLine.ITypeConverter<Deinterlace> {
    @Override
    public Deinterlace convert(String value) {
      try {
        return Deinterlace.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    if (outDir != null) {
      return toFolder();
    }
    return run(spec, kafka.settings(), topic, uri, source, procedure, pace.realtime, pace.realtime || pace.fast);
  }

  private int toFolder() throws Exception {
    int[] size = parseSize(spec, source.size);
    source.check(spec);
    OptionRange.of(spec).atLeast("--every", every, 1);
    if (procedure.isBlank() || !procedure.matches("[A-Za-z0-9._-]+")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--procedure (the frames' file name prefix) must be letters, digits, '.', '_' or '-', got '" + procedure + "'");
    }
    try (FrameSource frames = Sources.open(uri, source.options(),
        IngestCommand::sleepMs)) {
      Source.sayDeinterlaced(frames, spec.commandLine().getErr());
      Progress progress = new Progress(spec.commandLine().getErr(), 2_000, "ingest", "written");
      long n = org.endowatch.ingest.FrameFolder.write(frames, new FramePreparer(size[0], size[1], source.jpegQuality / 100f),
          outDir, procedure, every, source.maxFrames, progress::report);
      spec.commandLine().getOut().printf("wrote %d frames of %s to %s%n", n, frames.describe(), outDir);
      return 0;
    }
  }

  /**
   * The whole ingest: checks, source, producer, loop, summary. Exit 0 when every frame was acknowledged.
   *
   * @param paceChosen whether the command line said how to pace a file (else a note says what the default means)
   */
  static int run(CommandSpec spec, KafkaSettings settings, String topic, String uri, Source s, String procedure,
      boolean realtime, boolean paceChosen)
      throws Exception {
    int[] size = parseSize(spec, s.size);
    s.check(spec);
    if (procedure.isBlank()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--procedure must not be blank");
    }
    // Open the source first: a missing or broken input fails fast and puts nothing on the topic.
    try (FrameSource frames = Sources.open(uri, s.options(), IngestCommand::sleepMs)) {
      Source.sayDeinterlaced(frames, spec.commandLine().getErr());
      long maxMessageBytes;
      boolean eventsTopic;
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
        maxMessageBytes = Long.parseLong(admin.topicConfig(topic, "max.message.bytes"));
        eventsTopic = admin.exists(Topics.PROCEDURES.name());
      }
      if (eventsTopic) {
        ProcedureIdCheck.check(settings.clientProps(), topic, procedure, "--procedure", s.resume, spec.commandLine().getErr());
      }
      ProcedureResume.Position resumeAt = s.resume ? ProcedureResume.find(settings.clientProps(), topic, procedure)
          : ProcedureResume.Position.START;
      int exit = ingest(spec, settings, s, frames, topic, maxMessageBytes, resumeAt, procedure, realtime, size, eventsTopic);
      if (!realtime && !paceChosen && !frames.live()) {
        // The default suits loading recordings; a live scorer watching the topic skipped most of them.
        spec.commandLine().getErr().println("note: " + procedure + " went out as fast as it decoded: a live scorer skips "
            + "frames that reach it older than its budget (score --budget-ms); --realtime paces a file as a camera would, "
            + "'replay rescore' scores every frame (--as-fast-as-possible: no note)");
      }
      return exit;
    }
  }

  private static int ingest(CommandSpec spec, KafkaSettings settings, Source s, FrameSource frames, String topic,
      long maxMessageBytes, ProcedureResume.Position resumeAt, String procedure, boolean realtime, int[] size,
      boolean eventsTopic) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Producer<String, Frame> producer = producer(settings, maxMessageBytes);
         RecordingEvents events = RecordingEvents.open(settings, eventsTopic, err, "ingest");
         MetricsServer metrics = s.metricsPort >= 0 ? new MetricsServer(s.metricsBind, s.metricsPort, () -> true) : null) {
      if (resumeAt.nextIndex() > 0) {
        out.printf("resuming %s at frame %d (%d frames already on %s)%n", procedure, resumeAt.nextIndex(), resumeAt.nextIndex(), topic);
      }
      var registry = metrics != null ? metrics.registry() : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      // A resumed file skips what was already sent; a resumed live stream only continues the numbering
      // (the pictures missed while down are gone).
      long skip = frames.live() ? 0 : resumeAt.nextIndex();
      Ingestor ingestor = new Ingestor(new Ingestor.Options(topic, procedure, realtime, resumeAt.nextIndex(),
          skip, s.maxFrames, maxMessageBytes),
          new FramePreparer(size[0], size[1], s.jpegQuality / 100f), producer, events, registry, System::currentTimeMillis, Pacer.system());
      // SIGTERM: stop reading, let the loop flush what it sent, then let the JVM exit.
      SignalStop stop = new SignalStop("ingest-shutdown");
      Progress progress = new Progress(err, frames.live() ? 10_000 : 2_000, "ingest", "sent");
      Ingestor.Summary summary;
      ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ingest-ack-watch");
        t.setDaemon(true);
        return t;
      });
      SilenceWatch silence = new SilenceWatch(ingestor, err);
      watch.scheduleWithFixedDelay(silence, 1, 1, TimeUnit.SECONDS);
      try {
        try {
          summary = ingestor.run(frames, stop::requested, progress::report);
        } finally {
          // Before a SIGTERM's hook lets the JVM exit: the recording's end (or failure) is on its way.
          events.flush();
        }
        watch.shutdownNow();
        watch.awaitTermination(5, TimeUnit.SECONDS);
        // The run can end within a second of the broker's return: say it before the summary.
        silence.run();
        out.printf(Locale.ROOT, "ingested %s as %s: %d frames read, %d sent, %d failed, %.1f frames/s, %.1f MB, "
                + "grab->ack p50 %.1f ms, p99 %.1f ms%s%n", frames.describe(), procedure, summary.read(), summary.sent(),
            summary.failed(), summary.fps(), summary.bytes() / 1e6, summary.ackP50Ms(), summary.ackP99Ms(),
            stop.requested() ? " (stopped by signal)" : "");
        out.flush();
      } finally {
        watch.shutdownNow();
        // Only now may a SIGTERM's hook let the JVM exit: the summary above is printed first.
        stop.close();
      }
      if (summary.failed() > 0) {
        throw new IngestException(Ingestor.notAcknowledged(summary.failed(), summary.firstFailure()));
      }
      return 0;
    }
  }

  /**
   * Says on stderr when Kafka has answered no frame for {@link Ingestor#SILENT_AFTER_MS} while frames wait,
   * and when it answers again: the send loop may be blocked in the producer meanwhile, and its
   * progress line then simply stops, which looks like a stalled camera.
   */
  static final class SilenceWatch implements Runnable {
    private final Ingestor ingestor;
    private final PrintWriter err;
    private long silentFromNanos = -1;

    SilenceWatch(Ingestor ingestor, PrintWriter err) {
      this.ingestor = ingestor;
      this.err = err;
    }

    @Override
    public void run() {
      Ingestor.Waiting w = ingestor.waiting();
      if (silentFromNanos < 0 && w.silentMs() >= Ingestor.SILENT_AFTER_MS) {
        silentFromNanos = System.nanoTime() - w.silentMs() * 1_000_000;
        err.printf(Locale.ROOT, "ingest: no answer from Kafka for %d s, %d frames waiting: is the broker up? They are sent as it"
            + " answers; frames that reach the scorer past its budget are skipped, not scored%n", w.silentMs() / 1000, w.frames());
        err.flush();
      } else if (silentFromNanos >= 0 && w.lastAckNanos() != Long.MIN_VALUE && w.lastAckNanos() - silentFromNanos > 0) {
        err.printf(Locale.ROOT, "ingest: Kafka answers again, after %d s without%n", (System.nanoTime() - silentFromNanos) / 1_000_000_000);
        err.flush();
        silentFromNanos = -1;
      }
    }
  }

  static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The frames topic's max.message.bytes in topics/catalog.yaml (4 MiB), for producers that copy
   * frames already within it (replay, demo, bench) and need not ask the broker.
   */
  static final long CATALOG_FRAME_LIMIT = 4 << 20;

  static Producer<String, Frame> producer(KafkaSettings settings) {
    return producer(settings, CATALOG_FRAME_LIMIT);
  }

  static Producer<String, Frame> producer(KafkaSettings settings, long maxMessageBytes) {
    var p = settings.clientProps();
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    // One request in flight per broker: on a just-created topic a first batch can fail NOT_LEADER
    // while the next is accepted, and the retried first is then refused as out of sequence for
    // ever (seen in CI). At 25-60 fps one request at a time is plenty.
    p.put("max.in.flight.requests.per.connection", "1");
    // Room for many frames in a batch (the default 16 KB puts every frame alone in one), but no
    // linger: a live frame has no company coming for 17-40 ms, so any linger is added latency
    // (dropping the earlier 5 ms took 4-5 ms off the capture -> decision p50, docs/BENCHMARKS.md).
    // Frames that arrive while a request is in flight still go together in the next.
    p.put("batch.size", Integer.toString(1 << 20));
    p.put("linger.ms", "0");
    p.put("max.request.size", Long.toString(Math.max(maxMessageBytes, 1 << 20)));
    p.put("compression.type", "none");
    return new KafkaProducer<>(p, new StringSerializer(), Topics.FRAMES.valueSerde().serializer());
  }

  static int[] parseSize(CommandSpec spec, String size) {
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    try {
      int w = Integer.parseInt(wh[0]);
      int h = Integer.parseInt(wh[1]);
      if (wh.length == 2 && w >= 16 && h >= 16 && w <= 4096 && h <= 4096) {
        return new int[] {w, h};
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException ignored) {
      // falls through to the usage error
    }
    throw new CommandLine.ParameterException(spec.commandLine(), "--size must be WxH with sides 16..4096, got '" + size + "'");
  }

  /**
   * A progress line at most every {@code everyMs}, on stderr so stdout keeps the summary, e.g.
   * {@code replay export: 420 frames written, 61.3 frames/s} (the command and what it counts).
   */
  static final class Progress {
    private final PrintWriter err;
    private final long everyMs;
    private final String what;
    private final long start = System.nanoTime();
    private long lastMs;

    /** @param command, verb what the line names, e.g. {@code "ingest"} and {@code "sent"} */
    Progress(PrintWriter err, long everyMs, String command, String verb) {
      this.err = err;
      this.everyMs = everyMs;
      this.what = command + ": %d frames " + verb + ", %.1f frames/s%n";
    }

    void report(long done) {
      long now = (System.nanoTime() - start) / 1_000_000;
      if (now - lastMs >= everyMs) {
        lastMs = now;
        err.printf(Locale.ROOT, what, done, done * 1000.0 / Math.max(1, now));
        err.flush();
      }
    }
  }
}
