package org.endowatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A service's Prometheus {@code /metrics}, read as Prometheus reads it. */
public final class Scrape {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Scrape() {}

  /** The text of {@code http://127.0.0.1:port/metrics} (asserted 200). */
  public static String of(int port) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The value of the sample named exactly {@code series} (name and labels) in a scrape's text. */
  public static double value(String scraped, String series) {
    return scraped.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
        .findFirst().orElseThrow(() -> new AssertionError(series + " not in the scrape"));
  }
}
