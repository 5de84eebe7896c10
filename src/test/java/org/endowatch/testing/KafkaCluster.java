package org.endowatch.testing;

import org.endowatch.config.KafkaSettings;

/** A real Kafka broker for an integration test: embedded KRaft here, Testcontainers where Docker runs. */
public interface KafkaCluster {
  String bootstrapServers();

  /** Which kind of broker this is, for test reports. */
  String kind();

  default KafkaSettings settings() {
    return KafkaSettings.of(bootstrapServers());
  }

  /** A cluster at {@code bootstrap} (a broker a test started itself). */
  static KafkaCluster of(String bootstrap, String kind) {
    return of(bootstrap, kind, null);
  }

  /** A cluster at {@code bootstrap} whose clients need the properties in {@code clientConfig} (SASL, TLS; null: none). */
  static KafkaCluster of(String bootstrap, String kind, java.nio.file.Path clientConfig) {
    return new KafkaCluster() {
      @Override
      public String bootstrapServers() {
        return bootstrap;
      }

      @Override
      public String kind() {
        return kind;
      }

      @Override
      public KafkaSettings settings() {
        return clientConfig == null ? KafkaSettings.of(bootstrap) : KafkaSettings.of(bootstrap, clientConfig);
      }
    };
  }
}
