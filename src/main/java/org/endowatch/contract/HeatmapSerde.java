package org.endowatch.contract;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary heatmap layout (big-endian), 4 bytes per patch instead of ~10 as JSON text:
 *
 * <pre>
 * magic "EWHM" | u8 version=1 | str procedureId | i64 frameIndex | i64 captureTs | str modelVersion
 * | u16 frameWidth | u16 frameHeight | f32 patchThreshold | u16 gridWidth | u16 gridHeight
 * | f32[gridHeight*gridWidth] values
 * </pre>
 *
 * where {@code str} is a u16 byte length followed by UTF-8 bytes.
 */
public final class HeatmapSerde implements Serde<Heatmap> {
  private static final byte[] MAGIC = {'E', 'W', 'H', 'M'};
  private static final byte VERSION = 1;

  @Override
  public Serializer<Heatmap> serializer() {
    return (topic, h) -> h == null ? null : write(h);
  }

  @Override
  public Deserializer<Heatmap> deserializer() {
    return (topic, data) -> data == null ? null : read(data);
  }

  public static byte[] write(Heatmap h) {
    byte[] pid = h.procedureId().getBytes(StandardCharsets.UTF_8);
    byte[] ver = h.modelVersion().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(
        MAGIC.length + 1 + 2 + pid.length + 8 + 8 + 2 + ver.length + 2 + 2 + 4 + 2 + 2 + 4 * h.values().length);
    b.put(MAGIC).put(VERSION);
    putString(b, pid);
    b.putLong(h.frameIndex()).putLong(h.captureTimestampMs());
    putString(b, ver);
    b.putShort(u16(h.frameWidth(), "frame width")).putShort(u16(h.frameHeight(), "frame height"));
    b.putFloat(h.patchThreshold());
    b.putShort((short) h.gridWidth()).putShort((short) h.gridHeight());
    for (float v : h.values()) {
      b.putFloat(v);
    }
    return b.array();
  }

  public static Heatmap read(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      for (byte m : MAGIC) {
        if (b.get() != m) {
          throw new ContractException("heatmap record does not start with magic 'EWHM'");
        }
      }
      byte version = b.get();
      if (version != VERSION) {
        throw new ContractException("heatmap record has unknown version " + version + " (this build reads 1)");
      }
      String procedureId = getString(b);
      long frameIndex = b.getLong();
      long captureTs = b.getLong();
      String modelVersion = getString(b);
      int frameWidth = Short.toUnsignedInt(b.getShort());
      int frameHeight = Short.toUnsignedInt(b.getShort());
      float patchThreshold = b.getFloat();
      int gw = Short.toUnsignedInt(b.getShort());
      int gh = Short.toUnsignedInt(b.getShort());
      long expected = 4L * gw * gh;
      if (b.remaining() != expected) {
        throw new ContractException("heatmap record declares a " + gw + "x" + gh + " grid (" + expected
            + " bytes) but carries " + b.remaining() + " bytes");
      }
      float[] values = new float[gw * gh];
      b.asFloatBuffer().get(values);
      return new Heatmap(procedureId, frameIndex, captureTs, modelVersion, frameWidth, frameHeight,
          patchThreshold, gw, gh, values);
    } catch (BufferUnderflowException e) {
      throw new ContractException("heatmap record is truncated (" + data.length + " bytes)", e);
    } catch (IllegalArgumentException e) {
      throw new ContractException("heatmap record is invalid: " + e.getMessage(), e);
    }
  }

  private static short u16(int v, String what) {
    if (v < 0 || v > 0xFFFF) {
      throw new ContractException(what + " " + v + " does not fit the heatmap record (0..65535)");
    }
    return (short) v;
  }

  private static void putString(ByteBuffer b, byte[] s) {
    b.putShort(u16(s.length, "string length"));
    b.put(s);
  }

  private static String getString(ByteBuffer b) {
    int n = Short.toUnsignedInt(b.getShort());
    if (n > b.remaining()) {
      throw new ContractException("heatmap record declares a " + n + "-byte string but has " + b.remaining() + " bytes left");
    }
    byte[] s = new byte[n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
