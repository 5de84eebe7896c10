package org.endowatch.model;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every hyper-parameter of a MemMC-MAE network. Presets are named for their shape; the ablation
 * switches {@code memory} and {@code multiLevel} reproduce the rows of the paper's Table 2.
 *
 * @param preset name of the preset this was derived from (for manifests and reports)
 * @param imageSize input side in pixels (square images)
 * @param patchSize P, side of one patch in pixels
 * @param channels C, colour channels
 * @param encoderWidth D of the encoder
 * @param encoderDepth number of encoder layers (= number of levels the decoder cross-attends to)
 * @param encoderHeads attention heads in the encoder
 * @param decoderWidth D of the decoder
 * @param decoderDepth number of decoder layers
 * @param decoderHeads attention heads in the decoder
 * @param mlpRatio hidden width of the MLPs as a multiple of D
 * @param memorySlots M, rows of each encoder layer's memory matrices M_K and M_V
 * @param maskRatio fraction of patches hidden from the encoder
 * @param memory ablation switch: memory-augmented self-attention in the encoder (off = plain MAE encoder)
 * @param multiLevel ablation switch: multi-level cross-attention in the decoder (off = plain MAE decoder)
 * @param unetSkips the U-Net-like long skips from earlier to later blocks in encoder and decoder
 * @param inputNorm not in the paper: each image's channels are brought to zero mean and unit spread
 *     before the encoder and the prediction mapped back, so the network never sees a unit's exposure
 *     and white balance (docs/MODEL.md); off in the presets
 */
public record MemMcMaeConfig(
    String preset,
    int imageSize,
    int patchSize,
    int channels,
    int encoderWidth,
    int encoderDepth,
    int encoderHeads,
    int decoderWidth,
    int decoderDepth,
    int decoderHeads,
    int mlpRatio,
    int memorySlots,
    double maskRatio,
    boolean memory,
    boolean multiLevel,
    boolean unetSkips,
    boolean inputNorm) {

  public MemMcMaeConfig {
    require(imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0,
        "imageSize " + imageSize + " must be a positive multiple of patchSize " + patchSize);
    require(channels == 1 || channels == 3, "channels must be 1 or 3, got " + channels);
    require(encoderWidth % encoderHeads == 0, "encoderWidth must divide into encoderHeads");
    require(decoderWidth % decoderHeads == 0, "decoderWidth must divide into decoderHeads");
    require(encoderDepth >= 1 && decoderDepth >= 1, "depths must be >= 1");
    require(mlpRatio >= 1, "mlpRatio must be >= 1");
    require(!memory || memorySlots >= 1, "memory=on needs memorySlots >= 1");
    require(maskRatio > 0 && maskRatio < 1, "maskRatio must be in (0,1), got " + maskRatio);
    require(visiblePatches(imageSize, patchSize, maskRatio) >= 1, "maskRatio leaves no visible patch");
  }

  /** A configuration without input normalisation (the paper's network; manifests written before it existed). */
  public MemMcMaeConfig(String preset, int imageSize, int patchSize, int channels, int encoderWidth, int encoderDepth,
      int encoderHeads, int decoderWidth, int decoderDepth, int decoderHeads, int mlpRatio, int memorySlots,
      double maskRatio, boolean memory, boolean multiLevel, boolean unetSkips) {
    this(preset, imageSize, patchSize, channels, encoderWidth, encoderDepth, encoderHeads, decoderWidth, decoderDepth,
        decoderHeads, mlpRatio, memorySlots, maskRatio, memory, multiLevel, unetSkips, false);
  }

  /** The paper's network: ViT-B encoder (768 x 12, 12 heads), MAE decoder (512 x 8, 16 heads), 224 px, P 16. */
  public static final MemMcMaeConfig BASE =
      new MemMcMaeConfig("base", 224, 16, 3, 768, 12, 12, 512, 8, 16, 4, 128, 0.75, true, true, true);

  /** CPU preset at the paper's resolution: 224 px, P 16, a ViT-Tiny-width encoder. */
  public static final MemMcMaeConfig TINY =
      new MemMcMaeConfig("tiny", 224, 16, 3, 192, 8, 3, 128, 4, 4, 4, 64, 0.75, true, true, true);

  /** CPU preset for real time on two cores: 128 px, P 16 (8 x 8 patches). */
  public static final MemMcMaeConfig MICRO =
      new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, true, true);

  /** Presets by name: {@code micro}, {@code tiny}, {@code base}. */
  public static MemMcMaeConfig preset(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "micro" -> MICRO;
      case "tiny" -> TINY;
      case "base" -> BASE;
      default -> throw new IllegalArgumentException("unknown preset '" + name + "' (expected micro, tiny or base)");
    };
  }

  /** L, patches per image. */
  public int patches() {
    return gridSize() * gridSize();
  }

  /** Patches per side. */
  public int gridSize() {
    return imageSize / patchSize;
  }

  /** V, patches the encoder sees: round(L * (1 - maskRatio)). */
  public int visible() {
    return visiblePatches(imageSize, patchSize, maskRatio);
  }

  /** P * P * C, pixel values per patch. */
  public int patchValues() {
    return patchSize * patchSize * channels;
  }

  /** What {@code --set} may change; the other components are a preset's size and name. */
  private static final List<String> SETTINGS =
      List.of("memory", "multiLevel", "unetSkips", "memorySlots", "channels", "patchSize", "maskRatio", "inputNorm");

  public MemMcMaeConfig withMemory(boolean on) {
    return set("memory", on);
  }

  public MemMcMaeConfig withMultiLevel(boolean on) {
    return set("multiLevel", on);
  }

  public MemMcMaeConfig withChannels(int c) {
    return set("channels", c);
  }

  /**
   * Applies {@code key=value} overrides (the CLI's {@code --set memory=off}); unknown keys are an
   * error naming the key.
   */
  public MemMcMaeConfig with(Map<String, String> overrides) {
    MemMcMaeConfig c = this;
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = e.getKey();
      String v = e.getValue().trim();
      if (!SETTINGS.contains(key)) {
        throw new IllegalArgumentException("unknown model setting '" + key + "' (known: " + String.join(", ", SETTINGS) + ")");
      }
      Class<?> type = component(key).getType();
      Object value;
      try {
        if (type == boolean.class) {
          value = onOff(key, v);
        } else if (type == int.class) {
          value = Integer.parseInt(v);
        } else {
          value = Double.parseDouble(v);
        }
      } catch (NumberFormatException notANumber) {
        throw new IllegalArgumentException(key + " must be " + (type == int.class ? "a whole number" : "a number")
            + ", got '" + v + "'", notANumber);
      }
      c = c.set(key, value);
    }
    return c;
  }

  /**
   * A copy with one component replaced, through the canonical constructor so its checks run again.
   * By component name rather than one hand-written constructor call per setting: with 17 components
   * those calls were where a swapped argument would hide.
   */
  private MemMcMaeConfig set(String name, Object value) {
    RecordComponent[] components = MemMcMaeConfig.class.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] args = new Object[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        args[i] = components[i].getName().equals(name) ? value : components[i].getAccessor().invoke(this);
      }
      return MemMcMaeConfig.class.getDeclaredConstructor(types).newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException invalid) {
        throw invalid;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RecordComponent component(String name) {
    for (RecordComponent c : MemMcMaeConfig.class.getRecordComponents()) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no component " + name);
  }

  private static boolean onOff(String key, String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "on", "true", "1" -> true;
      case "off", "false", "0" -> false;
      default -> throw new IllegalArgumentException(key + " must be on or off, got '" + v + "'");
    };
  }

  private static int visiblePatches(int imageSize, int patchSize, double maskRatio) {
    int l = (imageSize / patchSize) * (imageSize / patchSize);
    return (int) Math.round(l * (1 - maskRatio));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
