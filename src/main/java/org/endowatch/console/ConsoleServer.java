package org.endowatch.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.JsonSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console over the JDK's HTTP server: the page and its script (served from the jar),
 * a small JSON API, and a Server-Sent Events stream of changes. The stream never queues behind a
 * slow browser: per procedure only the newest state is pending, and the page pulls whatever
 * timeline points it missed.
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
  /** At most one push per procedure this often (about 30 per second). */
  static final long PUSH_INTERVAL_MS = 33;

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "console-http");
    t.setDaemon(true);
    return t;
  });
  private final ConsoleStore store;
  private final ConsoleFeed feed;
  private final Access access;
  private volatile boolean open = true;

  /** Plain HTTP: on loopback, or behind a proxy that terminates TLS. */
  public ConsoleServer(String bind, int port, ConsoleStore store, ConsoleFeed feed, Access access) {
    this(bind, port, store, feed, access, null);
  }

  /** @param tls HTTPS with this context ({@link Tls}); null for plain HTTP */
  public ConsoleServer(String bind, int port, ConsoleStore store, ConsoleFeed feed, Access access, SSLContext tls) {
    this.store = store;
    this.feed = feed;
    this.access = access;
    try {
      if (tls == null) {
        server = HttpServer.create(new InetSocketAddress(bind, port), 0);
      } else {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(bind, port), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the console on " + bind + ":" + port + ": " + e.getMessage(), e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** "https" or "http", for the address it prints. */
  public String scheme() {
    return server instanceof HttpsServer ? "https" : "http";
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      // The answers to a failed request are sent inside the try-with-resources: its close() ends
      // the exchange, and a catch clause of that try would run after it (the caller got a dropped
      // connection instead of a status and why).
      try {
        serve(ex);
      } catch (BadRequest e) {
        sendQuietly(ex, 400, "bad request: " + e.getMessage());
      } catch (RuntimeException e) {
        // One bad request must not take the console down; the reason goes back to the caller.
        LOG.warn("console request {} failed", ex.getRequestURI().getRawPath(), e);
        sendQuietly(ex, 500, "server error: " + e.getClass().getSimpleName());
      }
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    if (path.equals("/health")) {
      send(ex, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    // The page itself (its HTML, script and style) without the token: a browser opening
    // /?token=T fetches the script and style the HTML names without it, so with the token asked of
    // them the page never ran. They hold no patient data; everything under /api/ does.
    String[] page = PAGE.get(path);
    if (page != null && ex.getRequestMethod().equals("GET")) {
      resource(ex, page[0], page[1]);
      return;
    }
    Access.Verdict v = access.check(ex.getRemoteAddress().getAddress().getHostAddress(), access.choose(presentedTokens(ex)));
    if (v != Access.Verdict.ALLOW) {
      send(ex, v == Access.Verdict.RATE_LIMITED ? 429 : 401, "text/plain",
          (v == Access.Verdict.RATE_LIMITED ? "too many failed tokens; wait a minute\n" : "token required\n")
              .getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (!ex.getRequestMethod().equals("GET")) {
      send(ex, 405, "text/plain", "GET only\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    route(ex, path);
  }

  /** The name app.js's token cookies start with (then the page's port). */
  static final String TOKEN_COOKIE = "endowatch_token";

  /** The page's files by path: resource name, content type. */
  private static final Map<String, String[]> PAGE = Map.of(
      "/", new String[] {"index.html", "text/html; charset=utf-8"},
      "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
      "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
      "/app.css", new String[] {"app.css", "text/css; charset=utf-8"});

  private void route(HttpExchange ex, String path) throws IOException {
    switch (path) {
      case "/api/procedures" -> json(ex, store.summaries());
      case "/api/source" -> json(ex, store.source());
      case "/api/events" -> events(ex);
      default -> procedureRoute(ex, path);
    }
  }

  private void procedureRoute(HttpExchange ex, String path) throws IOException {
    String[] parts = path.split("/");
    // ["", "api", "procedures", id, ...]
    if (parts.length < 4 || !parts[1].equals("api") || !parts[2].equals("procedures")) {
      send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    String id = URLDecoder.decode(parts[3], StandardCharsets.UTF_8);
    if (store.summary(id) == null) {
      send(ex, 404, "text/plain", "no such procedure\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (parts.length == 4) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("summary", store.summary(id));
      body.put("timeline", store.timeline(id, 0));
      body.put("alerts", store.alerts(id));
      body.put("models", store.models(id));
      body.put("rejections", store.rejections(id, 0));
      json(ex, body);
    } else if (parts.length == 5 && parts[4].equals("timeline")) {
      json(ex, store.timeline(id, longParam(ex, "from", 0)));
    } else if (parts.length == 5 && parts[4].equals("rejections")) {
      json(ex, store.rejections(id, longParam(ex, "from", 0)));
    } else if (parts.length == 5 && parts[4].equals("models")) {
      json(ex, store.models(id));
    } else if (parts.length == 6 && parts[4].equals("frames")) {
      byte[] jpeg = feed.image(id, whole("frame index", parts[5]));
      if (jpeg == null) {
        send(ex, 404, "text/plain", "frame not available\n".getBytes(StandardCharsets.UTF_8));
      } else {
        ex.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
        send(ex, 200, "image/jpeg", jpeg);
      }
    } else if (parts.length == 6 && parts[4].equals("heatmaps")) {
      Heatmap h = store.heatmapOf(id, whole("frame index", parts[5]));
      if (h == null) {
        send(ex, 404, "text/plain", "heatmap not available\n".getBytes(StandardCharsets.UTF_8));
      } else {
        json(ex, Map.of("frameIndex", h.frameIndex(), "gridWidth", h.gridWidth(), "gridHeight", h.gridHeight(),
            "patchThreshold", h.patchThreshold(), "values", h.values()));
      }
    } else {
      send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The SSE stream: "procedures" first (every summary, as {@code /api/procedures}), "source" then
   * and whenever whether the console is current changes (newest only), "summary" per changed
   * procedure (newest only), "alert" per alert event, "forget" per procedure the topics no longer hold.
   */
  private void events(HttpExchange ex) throws IOException {
    Map<String, String> pending = new LinkedHashMap<>();
    ArrayDeque<String> alerts = new ArrayDeque<>();
    ArrayDeque<String> forgotten = new ArrayDeque<>();
    String[] source = {write(store.source())};
    Object signal = new Object();
    ConsoleStore.Listener listener = new ConsoleStore.Listener() {
      @Override
      public void changed(ConsoleStore.Summary summary, AlertEvent alert) {
        synchronized (signal) {
          pending.put(summary.id(), write(summary));
          if (alert != null && alerts.size() < 1000) {
            alerts.add(write(alert));
          }
          signal.notifyAll();
        }
      }

      @Override
      public void forgotten(String id) {
        synchronized (signal) {
          pending.remove(id);
          forgotten.add(write(Map.of("id", id)));
          signal.notifyAll();
        }
      }

      @Override
      public void source(SourceHealth.State state) {
        synchronized (signal) {
          source[0] = write(state);
          signal.notifyAll();
        }
      }
    };
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    // A reverse proxy in front (docs/OPERATIONS.md) must pass each event on as it comes: nginx,
    // which buffers answers by default, stops buffering this one on this header.
    ex.getResponseHeaders().set("X-Accel-Buffering", "no");
    ex.sendResponseHeaders(200, 0);
    store.listen(listener);
    // Every connection opens with the whole overview as it is now, taken once the listener is in (so
    // any change after it follows it): a page that connects again (the console restarted, a proxy or
    // the network dropped the stream) lost what was pushed meanwhile, a procedure that ended with it,
    // and showed it live for good.
    String overview = write(store.summaries());
    try (OutputStream out = ex.getResponseBody()) {
      out.write((": connected\n\nevent: procedures\ndata: " + overview + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (open) {
        StringBuilder batch = new StringBuilder();
        synchronized (signal) {
          if (source[0] == null && pending.isEmpty() && alerts.isEmpty() && forgotten.isEmpty()) {
            signal.wait(15_000);
          }
          if (source[0] != null) {
            batch.append("event: source\ndata: ").append(source[0]).append("\n\n");
            source[0] = null;
          }
          for (String a : alerts) {
            batch.append("event: alert\ndata: ").append(a).append("\n\n");
          }
          for (String s : pending.values()) {
            batch.append("event: summary\ndata: ").append(s).append("\n\n");
          }
          for (String f : forgotten) {
            batch.append("event: forget\ndata: ").append(f).append("\n\n");
          }
          alerts.clear();
          pending.clear();
          forgotten.clear();
        }
        // An empty batch after the wait is a heartbeat, so proxies and the browser keep the stream.
        out.write((batch.length() == 0 ? ": ping\n\n" : batch.toString()).getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(PUSH_INTERVAL_MS);
      }
    } catch (IOException | InterruptedException gone) {
      // the browser went away (or we are closing)
    } finally {
      store.unlisten(listener);
    }
  }

  /** The tokens a request carries: as a bearer, in its query, or (the page's requests) as cookies. */
  private static List<String> presentedTokens(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      return List.of(auth.substring(7).trim());
    }
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String kv : q.split("&")) {
        if (kv.startsWith("token=")) {
          return List.of(decoded(kv.substring(6)));
        }
      }
    }
    // The page's own requests carry it as a cookie the page sets from the address it was opened
    // with, and not in their addresses, which proxies log and browsers keep in their history. One
    // per port (cookies are the host's, whatever its port): two consoles on one machine each have theirs.
    List<String> cookies = new ArrayList<>();
    for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String cookie : header.split(";")) {
        String c = cookie.trim();
        int eq = c.indexOf('=');
        if (eq > 0 && c.substring(0, eq).startsWith(TOKEN_COOKIE)) {
          cookies.add(decoded(c.substring(eq + 1)));
        }
      }
    }
    return cookies;
  }

  /** A presented token as given, where it is no valid percent-encoding: a wrong token, not a server error. */
  private static String decoded(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return text;
    }
  }

  private static long longParam(HttpExchange ex, String name, long dflt) {
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String kv : q.split("&")) {
        if (kv.startsWith(name + "=")) {
          return whole(name, URLDecoder.decode(kv.substring(name.length() + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return dflt;
  }

  /** A request the console cannot answer as asked: a 400 with what was wrong. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  private static long whole(String what, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new BadRequest(what + " must be a whole number, got '" + text + "'");
    }
  }

  private void resource(HttpExchange ex, String name, String type) throws IOException {
    try (InputStream in = ConsoleServer.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      send(ex, 200, type, in.readAllBytes());
    }
  }

  private static void json(HttpExchange ex, Object body) throws IOException {
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, 200, "application/json", JsonSerde.MAPPER.writeValueAsBytes(body));
  }

  private static String write(Object o) {
    try {
      return JsonSerde.MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Bodies from this size on go gzipped to a browser that takes it, text only (JPEG is compressed
   * already): an hour-long procedure's timeline is ~13 MB of JSON, ~2 MB gzipped, for ~140 ms of
   * one core, which opening it on a ward's Wi-Fi repays many times over.
   */
  static final int GZIP_FROM_BYTES = 16 * 1024;

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    if (body.length >= GZIP_FROM_BYTES && !type.startsWith("image/")) {
      ex.getResponseHeaders().set("Vary", "Accept-Encoding");
      if (acceptsGzip(ex.getRequestHeaders().getFirst("Accept-Encoding"))) {
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream(body.length / 4);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(packed)) {
          gz.write(body);
        }
        ex.getResponseHeaders().set("Content-Encoding", "gzip");
        body = packed.toByteArray();
      }
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0). */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.split(",")) {
      String[] p = part.trim().split(";");
      if (p[0].trim().equalsIgnoreCase("gzip")) {
        return !(p.length > 1 && p[1].replace(" ", "").matches("q=0(\\.0*)?"));
      }
    }
    return false;
  }

  private static void sendQuietly(HttpExchange ex, int status, String text) {
    try {
      send(ex, status, "text/plain", (text + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException ignored) {
      // headers may be sent already; the client sees a broken response
    }
  }

  @Override
  public void close() {
    open = false;
    server.stop(0);
    executor.shutdownNow();
  }

}
