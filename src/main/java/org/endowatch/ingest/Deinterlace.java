package org.endowatch.ingest;

import java.util.Locale;

/**
 * Whether a video's pictures are deinterlaced before they are prepared. An interlaced source (SD
 * processors through a capture card, 576i/480i recordings) holds two fields taken 1/50 s apart in
 * every picture: where the scope moves, alternate lines disagree, and those comb teeth are exactly
 * the fine structure a detector trained on progressive frames has never seen.
 */
public enum Deinterlace {
  /** When the stream says its pictures are interlaced (its field order), else not: the default. */
  AUTO,
  /** Always: a capture card that hands over woven fields without saying so. */
  ON,
  /** Never: the pictures as decoded. */
  OFF;

  /** From {@code auto}, {@code on} or {@code off}. */
  public static Deinterlace parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("deinterlace must be auto, on or off, got '" + text + "'");
    }
  }
}
