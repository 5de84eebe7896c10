package org.endowatch.contract;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with the types of its keys and values. Topic names appear once, here (see {@link
 * Topics}); partitions, retention and size limits live in the catalog under {@code topics/}.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
  }

  /** The same topic under another name, e.g. {@code scores.v2} for re-scoring with a new model. */
  public Topic<K, V> renamed(String newName) {
    return new Topic<>(newName, keySerde, valueSerde);
  }

  @Override
  public String toString() {
    return name;
  }
}
