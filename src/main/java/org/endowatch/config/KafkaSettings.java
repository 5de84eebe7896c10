package org.endowatch.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * Where Kafka is and how to talk to it: the bootstrap servers plus any client properties from
 * {@code --kafka-config FILE} (security.protocol, sasl.*, ssl.*), applied to every client we make.
 */
public record KafkaSettings(String bootstrap, Properties clientProperties) {
  public KafkaSettings {
    Objects.requireNonNull(bootstrap, "bootstrap");
    if (bootstrap.isBlank() || !bootstrap.contains(":")) {
      throw new IllegalArgumentException("--bootstrap must be host:port[,host:port...], got '" + bootstrap + "'");
    }
    Properties copy = new Properties();
    if (clientProperties != null) {
      copy.putAll(clientProperties);
    }
    clientProperties = copy;
  }

  public static KafkaSettings of(String bootstrap) {
    return new KafkaSettings(bootstrap, new Properties());
  }

  /** Bootstrap plus the client properties read from {@code kafkaConfig} (null for none). */
  public static KafkaSettings of(String bootstrap, Path kafkaConfig) {
    return new KafkaSettings(bootstrap, kafkaConfig == null ? new Properties() : ConfigDefaults.load(kafkaConfig));
  }

  /** A fresh, mutable set of client properties: the extra ones, then bootstrap.servers. */
  public Properties clientProps() {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put("bootstrap.servers", bootstrap);
    return p;
  }
}
