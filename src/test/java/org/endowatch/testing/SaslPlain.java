package org.endowatch.testing;

import java.util.Properties;

/** SASL/PLAIN for the tests' secured brokers: the broker's listener login and a client's settings. */
public final class SaslPlain {
  public static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required";

  private SaslPlain() {}

  /** A client's security settings for {@code user}. */
  public static Properties client(String user, String password) {
    Properties p = new Properties();
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "PLAIN");
    p.put("sasl.jaas.config", JAAS + " username=\"" + user + "\" password=\"" + password + "\";");
    return p;
  }
}
