package org.endowatch.ingest;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongConsumer;

/** Opens a source from what the user typed after {@code --source}. */
public final class Sources {
  private static final Set<String> NETWORK = Set.of("rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt");

  /**
   * @param fps the frame rate of an image folder (videos carry their own)
   * @param timeoutMs bound on connecting to and reading from a network source
   * @param reconnects how often a network source is reopened after a dropped link
   * @param untimedFps the frame rate of a video whose pictures carry no timestamps (a raw .h264
   *     stream); 0: the rate the stream states, else FFmpeg's 25
   * @param deinterlace whether a video's pictures are deinterlaced (training and calibration read
   *     videos with the default, {@link Deinterlace#AUTO}, as ingest does unless told otherwise)
   */
  public record Options(double fps, int timeoutMs, int reconnects, double untimedFps, Deinterlace deinterlace) {
    public static final Options DEFAULT = new Options(25, 5000, 5);

    public Options(double fps, int timeoutMs, int reconnects) {
      this(fps, timeoutMs, reconnects, 0);
    }

    public Options(double fps, int timeoutMs, int reconnects, double untimedFps) {
      this(fps, timeoutMs, reconnects, untimedFps, Deinterlace.AUTO);
    }
  }

  private Sources() {}

  public static FrameSource open(String source, Options o, LongConsumer sleeper) throws IngestException {
    String scheme = scheme(source);
    if (scheme == null || scheme.equals("file")) {
      Path path = scheme == null ? Path.of(source) : Path.of(URI.create(source));
      if (Files.isDirectory(path)) {
        return new ImageFolderSource(path, o.fps());
      }
      if (!Files.isRegularFile(path)) {
        throw new IngestException("no such file: " + path + " (give a video file, an image folder, a stream URL or v4l2:/dev/videoN)");
      }
      return new FfmpegSource(new FfmpegSource.Target(path.toString(), null, false, false, path.toUri().toString()),
          o.timeoutMs(), 0, o.untimedFps(), o.deinterlace(), sleeper);
    }
    if (scheme.equals("v4l2")) {
      String device = source.substring("v4l2:".length());
      return new FfmpegSource(new FfmpegSource.Target(device, "video4linux2", false, true, source), o.timeoutMs(), 0,
          o.untimedFps(), o.deinterlace(), sleeper);
    }
    if (NETWORK.contains(scheme)) {
      return new FfmpegSource(new FfmpegSource.Target(source, null, true, false, withoutCredentials(source)),
          o.timeoutMs(), o.reconnects(), o.untimedFps(), o.deinterlace(), sleeper);
    }
    throw new IngestException("unknown source scheme '" + scheme + "' in " + withoutCredentials(source)
        + ": use a file path, an image folder, file:, rtsp://, rtmp://, http(s)://, udp://, tcp://, srt:// or v4l2:/dev/videoN");
  }

  /** The URI scheme, or null for a plain path. */
  static String scheme(String source) {
    int colon = source.indexOf(':');
    // One letter before the colon is a Windows drive, not a scheme.
    if (colon <= 1 || !source.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      return null;
    }
    return source.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  /** The source without user:password, for headers, logs and messages. */
  static String withoutCredentials(String source) {
    try {
      URI u = new URI(source);
      if (u.getUserInfo() == null) {
        return source;
      }
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), null).toString();
    } catch (URISyntaxException e) {
      return source.replaceAll("//[^/@]*@", "//");
    }
  }
}
