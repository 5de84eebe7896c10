package org.endowatch.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** SASL/PLAIN for the tests' secured brokers: the broker's listener login and a client's settings. */
public final class SaslPlain {
  public static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required";

  private SaslPlain() {}

  /**
   * A broker's settings for a SASL/PLAIN client listener knowing {@code admin} (password
   * {@code admin-pw}) and {@code user}; with {@code acls}, Kafka's StandardAuthorizer, admin a
   * super user (and the controller's own listener, unauthenticated, whose principal is ANONYMOUS).
   */
  public static Map<String, String> broker(String user, String password, boolean acls) {
    Map<String, String> settings = new HashMap<>(Map.of(
        "listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms", "PLAIN",
        "sasl.mechanism.inter.broker.protocol", "PLAIN",
        "listener.name.plaintext.plain.sasl.jaas.config",
        JAAS + " username=\"admin\" password=\"admin-pw\" user_admin=\"admin-pw\" user_" + user + "=\"" + password + "\";"));
    if (acls) {
      settings.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      settings.put("super.users", "User:admin;User:ANONYMOUS");
    }
    return settings;
  }

  /** {@code client}'s settings with {@code bootstrapServers}. */
  public static Properties at(Properties client, String bootstrapServers) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /** A client's security settings for {@code user}. */
  public static Properties client(String user, String password) {
    Properties p = new Properties();
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "PLAIN");
    p.put("sasl.jaas.config", JAAS + " username=\"" + user + "\" password=\"" + password + "\";");
    return p;
  }
}
