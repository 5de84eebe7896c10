package org.endowatch.contract;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Frames travel as the raw image bytes in the record value and their metadata in record headers,
 * so any Kafka tool can dump a frame to a .jpg and read its metadata as text. Header values are
 * UTF-8 strings.
 */
public final class FrameSerde implements Serde<Frame> {
  public static final String H_PROCEDURE = "procedure";
  public static final String H_INDEX = "frame.index";
  public static final String H_CAPTURE_TS = "capture.ts";
  public static final String H_WIDTH = "width";
  public static final String H_HEIGHT = "height";
  public static final String H_CONTENT_TYPE = "content.type";
  public static final String H_SOURCE = "source";

  @Override
  public Serializer<Frame> serializer() {
    return new Serializer<>() {
      @Override
      public byte[] serialize(String topic, Frame frame) {
        throw new ContractException(
            "a frame's metadata travels in headers: use serialize(topic, headers, frame)");
      }

      @Override
      public byte[] serialize(String topic, Headers headers, Frame frame) {
        if (frame == null) {
          return null;
        }
        put(headers, H_PROCEDURE, frame.procedureId());
        put(headers, H_INDEX, Long.toString(frame.frameIndex()));
        put(headers, H_CAPTURE_TS, Long.toString(frame.captureTimestampMs()));
        put(headers, H_WIDTH, Integer.toString(frame.width()));
        put(headers, H_HEIGHT, Integer.toString(frame.height()));
        put(headers, H_CONTENT_TYPE, frame.contentType());
        put(headers, H_SOURCE, frame.source());
        return frame.image();
      }
    };
  }

  @Override
  public Deserializer<Frame> deserializer() {
    return new Deserializer<>() {
      @Override
      public Frame deserialize(String topic, byte[] data) {
        throw new ContractException(
            "a frame's metadata travels in headers: use deserialize(topic, headers, data)");
      }

      @Override
      public Frame deserialize(String topic, Headers headers, byte[] data) {
        return read(headers, data);
      }
    };
  }

  /** Reads a frame from a record's headers and value; throws a one-line reason if it is malformed. */
  public static Frame read(Headers headers, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length == 0) {
      throw new ContractException("frame has an empty image");
    }
    try {
      return new Frame(
          text(headers, H_PROCEDURE),
          number(headers, H_INDEX),
          number(headers, H_CAPTURE_TS),
          (int) number(headers, H_WIDTH),
          (int) number(headers, H_HEIGHT),
          text(headers, H_CONTENT_TYPE),
          text(headers, H_SOURCE),
          data);
    } catch (IllegalArgumentException e) {
      throw new ContractException(e.getMessage(), e);
    }
  }

  private static void put(Headers headers, String key, String value) {
    headers.remove(key);
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(Headers headers, String key) {
    Header h = headers == null ? null : headers.lastHeader(key);
    if (h == null || h.value() == null) {
      throw new ContractException("frame is missing header '" + key + "'");
    }
    return new String(h.value(), StandardCharsets.UTF_8);
  }

  private static long number(Headers headers, String key) {
    String v = text(headers, key);
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ContractException("frame header '" + key + "' is not a number: '" + abbreviate(v) + "'");
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
