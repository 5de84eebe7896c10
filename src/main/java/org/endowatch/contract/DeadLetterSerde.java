package org.endowatch.contract;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Dead letters keep the original bytes as the record value and the original headers as they were;
 * the failure is described in extra {@code dlq.*} headers (the convention Kafka Connect uses), so a
 * fixed record can be replayed by copying value and non-{@code dlq.} headers back.
 */
public final class DeadLetterSerde implements Serde<DeadLetter> {
  public static final String PREFIX = "dlq.";
  public static final String H_REASON = "dlq.reason";
  public static final String H_TOPIC = "dlq.source.topic";
  public static final String H_PARTITION = "dlq.source.partition";
  public static final String H_OFFSET = "dlq.source.offset";
  public static final String H_FAILED_TS = "dlq.failed.ts";

  @Override
  public Serializer<DeadLetter> serializer() {
    return new Serializer<>() {
      @Override
      public byte[] serialize(String topic, DeadLetter d) {
        throw new ContractException("a dead letter's reason travels in headers: use serialize(topic, headers, d)");
      }

      @Override
      public byte[] serialize(String topic, Headers headers, DeadLetter d) {
        if (d == null) {
          return null;
        }
        // Streams forwards the input record's headers; replace them with exactly the original ones.
        for (Header h : headers.toArray()) {
          headers.remove(h.key());
        }
        for (DeadLetter.RawHeader h : d.originalHeaders()) {
          headers.add(h.key(), h.value());
        }
        headers.add(H_REASON, utf8(d.reason()));
        headers.add(H_TOPIC, utf8(d.sourceTopic()));
        headers.add(H_PARTITION, utf8(Integer.toString(d.sourcePartition())));
        headers.add(H_OFFSET, utf8(Long.toString(d.sourceOffset())));
        headers.add(H_FAILED_TS, utf8(Long.toString(d.failedTimestampMs())));
        return d.original();
      }
    };
  }

  @Override
  public Deserializer<DeadLetter> deserializer() {
    return new Deserializer<>() {
      @Override
      public DeadLetter deserialize(String topic, byte[] data) {
        throw new ContractException("a dead letter's reason travels in headers: use deserialize(topic, headers, data)");
      }

      @Override
      public DeadLetter deserialize(String topic, Headers headers, byte[] data) {
        List<DeadLetter.RawHeader> original = new ArrayList<>();
        for (Header h : headers) {
          if (!h.key().startsWith(PREFIX)) {
            original.add(new DeadLetter.RawHeader(h.key(), h.value()));
          }
        }
        try {
          return new DeadLetter(
              text(headers, H_REASON),
              text(headers, H_TOPIC),
              Integer.parseInt(text(headers, H_PARTITION)),
              Long.parseLong(text(headers, H_OFFSET)),
              Long.parseLong(text(headers, H_FAILED_TS)),
              original,
              data);
        } catch (NumberFormatException e) {
          throw new ContractException("dead letter has a non-numeric dlq.* header: " + e.getMessage(), e);
        }
      }
    };
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Headers headers, String key) {
    Header h = headers.lastHeader(key);
    if (h == null || h.value() == null) {
      throw new ContractException("dead letter is missing header '" + key + "'");
    }
    return new String(h.value(), StandardCharsets.UTF_8);
  }
}
