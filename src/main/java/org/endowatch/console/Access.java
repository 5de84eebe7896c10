package org.endowatch.console;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who may use the console. Without a token only this machine can connect (the server binds to
 * loopback). With one, every request must carry it (header {@code Authorization: Bearer T}, or
 * {@code ?token=T} for what a browser fetches by URL: event streams and images), and an address
 * that fails {@link #MAX_FAILURES} times within a minute is refused for a minute.
 */
public final class Access {
  static final int MAX_FAILURES = 5;
  static final long WINDOW_MS = 60_000;

  public enum Verdict { ALLOW, DENY, RATE_LIMITED }

  private final byte[] token;
  private final LongSupplier clock;
  private final Map<String, long[]> failures = new ConcurrentHashMap<>();

  /** @param token null: no token (loopback only) */
  public Access(String token, LongSupplier clock) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
  }

  /**
   * Refuses to serve beyond this machine without a token: anyone on the network could watch
   * patient video otherwise.
   */
  public static void checkBind(String bind, String token) {
    if (token != null && token.length() < 16) {
      throw new IllegalArgumentException("--token must be at least 16 characters");
    }
    if (!isLoopback(bind) && token == null) {
      throw new IllegalArgumentException("binding to " + bind + " exposes patient video to the network: "
          + "give --token (16+ characters; or ENDOWATCH_CONSOLE_TOKEN), or bind to 127.0.0.1");
    }
  }

  /** Whether {@code bind} is this machine only; fails with one line for an address that does not resolve. */
  public static boolean isLoopback(String bind) {
    try {
      return InetAddress.getByName(bind).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("cannot bind to unknown address " + bind);
    }
  }

  /**
   * Of several tokens a request carries (the page's cookies of two consoles on one host), the one to
   * {@link #check}: this console's if among them, else the first. Null for none.
   */
  public String choose(List<String> presented) {
    for (String p : presented) {
      if (token != null && MessageDigest.isEqual(token, p.getBytes(StandardCharsets.UTF_8))) {
        return p;
      }
    }
    return presented.isEmpty() ? null : presented.get(0);
  }

  public Verdict check(String remote, String presented) {
    if (token == null) {
      return Verdict.ALLOW;
    }
    long now = clock.getAsLong();
    long[] f = failures.get(remote);
    if (f != null && f[0] >= MAX_FAILURES && now - f[1] < WINDOW_MS) {
      return Verdict.RATE_LIMITED;
    }
    if (presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      return Verdict.ALLOW;
    }
    failures.compute(remote, (k, v) -> v == null || now - v[1] >= WINDOW_MS ? new long[] {1, now} : new long[] {v[0] + 1, v[1]});
    return Verdict.DENY;
  }
}
