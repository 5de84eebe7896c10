package org.endowatch.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * MemMC-MAE (Tian et al., 2022): a masked autoencoder whose encoder self-attention is augmented
 * with learnable memory, and whose decoder cross-attends to the output of every encoder layer.
 * The class reads in the order the algorithm runs: patchify, patch embedding with fixed sin-cos
 * positions, keeping the visible patches, the memory-augmented encoder, the multi-level
 * cross-attention decoder, the pixel head, and the loss on masked patches.
 *
 * <p>Shape legend: N batch (images x masks), C,H,W image, P patch side, L = (H/P)(W/P) patches, V
 * visible patches, M memory slots, E encoder levels (= encoder depth), De/Dd encoder/decoder width,
 * h heads.
 *
 * <p>Inputs of {@link #forward}: {@code images [N,C,H,W]} in [0,1], {@code idsKeep [N,V]} (int64),
 * {@code idsRestore [N,L]} (int64), both from {@link Masks}. Output: {@code pred [N,L,P*P*C]}, the
 * reconstruction of every patch (only masked ones are trained). Decisions the paper leaves open are
 * listed in docs/MODEL.md.
 */
public final class MemMcMae extends AbstractBlock {
  private static final byte VERSION = 1;
  /** Parameter-list key that makes forward also return the decoder's fusion weights alpha. */
  public static final String RETURN_ALPHAS = "returnAlphas";

  private final MemMcMaeConfig config;
  private final Linear patchEmbed;
  private final List<EncoderLayer> encoder = new ArrayList<>();
  private final LayerNorm encoderNorm;
  private final LayerNorm levelNorm;
  private final Linear decoderEmbed;
  private final Parameter maskToken;
  private final List<DecoderLayer> decoder = new ArrayList<>();
  private final LayerNorm decoderNorm;
  private final Linear head;
  private final float[] encoderPos;
  private final float[] decoderPos;
  /** What inference computes in (training always runs in float32); see {@link #inferIn}. */
  private volatile DataType inferenceType = DataType.FLOAT32;
  private final Map<String, NDArray> castParameters = new ConcurrentHashMap<>();

  public MemMcMae(MemMcMaeConfig config) {
    super(VERSION);
    this.config = config;
    patchEmbed = addChildBlock("patchEmbed", Linear.builder().setUnits(config.encoderWidth()).build());
    for (int i = 0; i < config.encoderDepth(); i++) {
      encoder.add(addChildBlock("encoder" + i, new EncoderLayer(config)));
    }
    encoderNorm = addChildBlock("encoderNorm", layerNorm());
    levelNorm = config.multiLevel() ? addChildBlock("levelNorm", LayerNorm.builder().axis(3).build()) : null;
    decoderEmbed = addChildBlock("decoderEmbed", Linear.builder().setUnits(config.decoderWidth()).build());
    maskToken = addParameter(Parameter.builder().setName("maskToken").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(1, 1, config.decoderWidth())).optInitializer(new NormalInitializer(0.02f)).build());
    for (int i = 0; i < config.decoderDepth(); i++) {
      decoder.add(addChildBlock("decoder" + i, new DecoderLayer(config)));
    }
    decoderNorm = addChildBlock("decoderNorm", layerNorm());
    head = addChildBlock("head", Linear.builder().setUnits(config.patchValues()).build());
    encoderPos = SinCos.positions2d(config.encoderWidth(), config.gridSize());
    decoderPos = SinCos.positions2d(config.decoderWidth(), config.gridSize());
    // MAE's initialisation: Xavier-uniform linear weights; biases zero and LayerNorm ones/zeros by default.
    setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6),
        p -> p.getType() == Parameter.Type.WEIGHT && p.getInitializer() == null);
  }

  public MemMcMaeConfig config() {
    return config;
  }

  // ---- the algorithm, top to bottom ---------------------------------------------------------

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray images = inputs.get(0);
    NDArray idsKeep = inputs.get(1);
    NDArray idsRestore = inputs.get(2);
    ChannelStats stats = config.inputNorm() ? ChannelStats.of(images) : null;
    NDArray patches = patchify(stats == null ? images : stats.normalise(images));
    boolean cast = !training && inferenceType != DataType.FLOAT32;
    if (cast) {
      // Half precision from the patches to the prediction; statistics and the map stay in float32.
      patches = patches.toType(inferenceType, false);
      ps = new CastParameters(ps.getManager(), inferenceType, castParameters);
    }
    NDArray visible = embedVisible(ps, patches, idsKeep, training);     // [N,V,De]
    Encoded encoded = encode(ps, visible, training);                    // [N, V, De], levels [N, E, V, De]
    List<NDArray> alphas = new ArrayList<>();
    NDArray pred = decode(ps, encoded, idsRestore, training, alphas);   // [N, L, P*P*C]
    if (cast) {
      pred = pred.toType(DataType.FLOAT32, false);
    }
    if (stats != null) {
      pred = stats.restorePatches(pred, config);
    }
    NDList out = new NDList(pred);
    if (params != null && params.contains(RETURN_ALPHAS) && !alphas.isEmpty()) {
      out.add(ai.djl.ndarray.NDArrays.stack(new NDList(alphas), 0));     // [decoder layers, N, E, L]
    }
    return out;
  }

  /** [N,C,H,W] -> [N,L,P*P*C]: non-overlapping P x P patches, row-major, channels last in a patch. */
  public NDArray patchify(NDArray images) {
    int p = config.patchSize();
    int g = config.gridSize();
    int c = config.channels();
    long n = images.getShape().get(0);
    return images.reshape(n, c, g, p, g, p).transpose(0, 2, 4, 3, 5, 1).reshape(n, (long) g * g, (long) p * p * c);
  }

  /** [N,L,P*P*C] -> [N,C,H,W], the inverse of {@link #patchify}. */
  public NDArray unpatchify(NDArray patches) {
    int p = config.patchSize();
    int g = config.gridSize();
    int c = config.channels();
    long n = patches.getShape().get(0);
    return patches.reshape(n, g, g, p, p, c).transpose(0, 5, 1, 3, 2, 4).reshape(n, c, (long) g * p, (long) g * p);
  }

  /** Per-patch values [N,L] spread over their pixels [N,1,H,W] (for example 1 where a patch was masked). */
  public NDArray patchesToPixels(NDArray perPatch) {
    int p = config.patchSize();
    int g = config.gridSize();
    return perPatch.reshape(perPatch.getShape().get(0), 1, g, g).repeat(2, p).repeat(3, p);
  }

  /**
   * [N,L,P*P*C] -> [N,V,De]: the visible patches' tokens, linear patch embedding plus fixed 2-D
   * sin-cos positions. MAE embeds all L patches and then keeps the visible ones; the embedding acts
   * on each patch alone, so keeping first gives the same tokens for V/L of the work (at micro the
   * embedding of all 64 patches was 5 % of a pass).
   */
  NDArray embedVisible(ParameterStore ps, NDArray patches, NDArray idsKeep, boolean training) {
    NDArray x = patchEmbed.forward(ps, new NDList(keepVisible(patches, idsKeep)), training).singletonOrThrow();
    NDArray positions = constant(x, encoderPos, config.patches(), config.encoderWidth())
        .broadcast(new Shape(x.getShape().get(0), config.patches(), config.encoderWidth()));
    return x.add(keepVisible(positions, idsKeep));
  }

  /**
   * Input normalisation ({@link MemMcMaeConfig#inputNorm}, not the paper): each image's channel
   * mean and spread, so the network sees (x - mean) / spread and its prediction is mapped back to
   * pixels. The loss and the anomaly map still compare pixels; only what the network is shown no
   * longer carries a unit's exposure and white balance (a per-channel gain and offset cancel out).
   *
   * @param mean [N,C,1,1]
   * @param spread [N,C,1,1], the standard deviation plus 1e-3 (a flat channel stays finite)
   */
  private record ChannelStats(NDArray mean, NDArray spread) {
    static ChannelStats of(NDArray images) {
      Shape s = images.getShape();
      long n = s.get(0);
      long c = s.get(1);
      // Means over one axis at a time: DJL's PyTorch mean takes a single axis.
      NDArray flat = images.reshape(n, c, s.get(2) * s.get(3));
      NDArray mean = flat.mean(new int[] {2}, true);                                          // [N,C,1]
      NDArray spread = flat.sub(mean).square().mean(new int[] {2}, true).sqrt()
          .add(images.getManager().create(1e-3f));
      return new ChannelStats(mean.reshape(n, c, 1, 1), spread.reshape(n, c, 1, 1));
    }

    NDArray normalise(NDArray images) {
      return images.sub(mean).div(spread);
    }

    /** [N,L,P*P*C] predictions of normalised pixels -> pixels (channels are last within a patch). */
    NDArray restorePatches(NDArray pred, MemMcMaeConfig config) {
      long n = pred.getShape().get(0);
      long c = config.channels();
      long pp = (long) config.patchSize() * config.patchSize();
      return pred.reshape(n, config.patches(), pp, c).mul(spread.reshape(n, 1, 1, c)).add(mean.reshape(n, 1, 1, c))
          .reshape(n, config.patches(), pp * c);
    }
  }

  /** [N,L,D] -> [N,V,D]: the tokens of the visible patches, in idsKeep order. */
  static NDArray keepVisible(NDArray tokens, NDArray idsKeep) {
    Shape s = tokens.getShape();
    long v = idsKeep.getShape().get(1);
    // gather needs an index with as many dims as the input: broadcast over the width axis.
    NDArray index = idsKeep.expandDims(2).broadcast(new Shape(s.get(0), v, s.get(2)));
    return tokens.gather(index, 1);
  }

  /** The encoder's output and the output of every layer (the levels the decoder attends to). */
  private record Encoded(NDArray last, NDArray levels) {}

  /** [N,V,De] -> last [N,V,De] and levels [N,E,V,De]; long U-Net skips from layer i to layer E-1-i. */
  private Encoded encode(ParameterStore ps, NDArray x, boolean training) {
    int depth = encoder.size();
    List<NDArray> outputs = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      if (config.unetSkips() && i >= (depth + 1) / 2) {
        x = x.add(outputs.get(depth - 1 - i));
      }
      EncoderLayer layer = encoder.get(i);
      NDArray in = x;
      x = scoped(training, () -> layer.forward(ps, new NDList(in), training)).singletonOrThrow();
      outputs.add(x);
    }
    NDArray last = encoderNorm.forward(ps, new NDList(x), training).singletonOrThrow();
    NDArray levels = null;
    if (config.multiLevel()) {
      levels = levelNorm.forward(ps, new NDList(ai.djl.ndarray.NDArrays.stack(new NDList(outputs), 1)), training)
          .singletonOrThrow();
    }
    return new Encoded(last, levels);
  }

  /**
   * Encoder output -> pixels [N,L,P*P*C]: project to decoder width, put the visible tokens back in
   * place among mask tokens (idsRestore), add positions, run the decoder layers, predict pixels.
   */
  private NDArray decode(ParameterStore ps, Encoded enc, NDArray idsRestore, boolean training, List<NDArray> alphas) {
    NDArray visible = decoderEmbed.forward(ps, new NDList(enc.last()), training).singletonOrThrow(); // [N,V,Dd]
    Shape vs = visible.getShape();
    long n = vs.get(0);
    long l = config.patches();
    NDArray mask = ps.getValue(maskToken, visible.getDevice(), training);
    NDArray masks = mask.broadcast(new Shape(n, l - vs.get(1), vs.get(2)));                         // [N,L-V,Dd]
    NDArray shuffled = visible.concat(masks, 1);                                                     // [N,L,Dd]
    NDArray index = idsRestore.expandDims(2).broadcast(new Shape(n, l, vs.get(2)));
    NDArray y = shuffled.gather(index, 1).add(constant(visible, decoderPos, config.patches(), config.decoderWidth()));
    int depth = decoder.size();
    List<NDArray> outputs = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      if (config.unetSkips() && i >= (depth + 1) / 2) {
        y = y.add(outputs.get(depth - 1 - i));
      }
      DecoderLayer layer = decoder.get(i);
      NDList in = enc.levels() == null ? new NDList(y) : new NDList(y, enc.levels());
      NDList out = scoped(training, () -> layer.forward(ps, in, training));
      y = out.get(0);
      if (out.size() > 1) {
        alphas.add(out.get(1));
      }
      outputs.add(y);
    }
    NDArray normed = decoderNorm.forward(ps, new NDList(y), training).singletonOrThrow();
    return head.forward(ps, new NDList(normed), training).singletonOrThrow();
  }

  /**
   * In inference, runs one layer in its own NDScope: its intermediates (attention weights, MLP hiddens)
   * are closed as soon as it returns and only its outputs move on to the enclosing scope. DJL frees
   * nothing before a scope or manager closes, so without this a forward pass holds every layer's working
   * set at once: the base network at random-10 over 32 frames (320 masked copies) ran an 80 GB H100 out
   * of memory. Not in training: there autograd keeps tensors for backward that, on the CPU, view Java
   * buffers (DJL's from_blob), and closing their arrays lets a GC free memory backward still reads
   * (MaeTrainerTest's mid-step GC test caught it); training holds those activations for backward anyway.
   */
  static NDList scoped(boolean training, Supplier<NDList> layer) {
    if (training) {
      return layer.get();
    }
    NDList out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      out = layer.get();
      NDScope.unregister(out);
    }
    out.forEach(NDScope::register);
    return out;
  }

  /**
   * MSE between predicted and true pixels, averaged over the masked patches only.
   *
   * @param pred [N,L,P*P*C]
   * @param images [N,C,H,W]
   * @param maskWeights [N,L], 1 where masked
   * @return scalar loss
   */
  public NDArray loss(NDArray pred, NDArray images, NDArray maskWeights) {
    NDArray target = patchify(images);
    // Built from array ops only: scalar ops (mul(Number)...) corrupt gradients if a GC runs mid-step.
    NDArray perPatch = pred.sub(target).square().mean(new int[] {2});                  // [N,L]
    return perPatch.mul(maskWeights).sum().div(maskWeights.sum());
  }

  // ---- layers ------------------------------------------------------------------------------

  /** Pre-norm ViT block whose self-attention keys and values are extended with learned memory. */
  static final class EncoderLayer extends AbstractBlock {
    private final LayerNorm norm1 = addChildBlock("norm1", layerNorm());
    private final MemorySelfAttention attention;
    private final LayerNorm norm2 = addChildBlock("norm2", layerNorm());
    private final Mlp mlp;
    private final int width;

    EncoderLayer(MemMcMaeConfig c) {
      super(VERSION);
      width = c.encoderWidth();
      attention = addChildBlock("attention",
          new MemorySelfAttention(c.encoderWidth(), c.encoderHeads(), c.memory() ? c.memorySlots() : 0));
      mlp = addChildBlock("mlp", new Mlp(c.encoderWidth(), c.encoderWidth() * c.mlpRatio()));
    }

    /** [N,V,De] -> [N,V,De]. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      NDArray x = in.singletonOrThrow();
      x = x.add(attention.forward(ps, norm1.forward(ps, new NDList(x), training), training).singletonOrThrow());
      x = x.add(mlp.forward(ps, norm2.forward(ps, new NDList(x), training), training).singletonOrThrow());
      return new NDList(x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return new Shape[] {inputs[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
      Shape tokens = new Shape(1, 1, width);
      norm1.initialize(m, t, tokens);
      attention.initialize(m, t, tokens);
      norm2.initialize(m, t, tokens);
      mlp.initialize(m, t, tokens);
    }
  }

  /**
   * Self-attention whose keys and values are [W_K X, M_K] and [W_V X, M_V]: M learned memory rows
   * per layer, shared by all images, that hold normal patterns (the paper's memory-augmented
   * self-attention). With 0 slots this is plain multi-head self-attention.
   */
  static final class MemorySelfAttention extends AbstractBlock {
    private final Linear qkv;
    private final Linear out;
    private final Parameter memoryKeys;
    private final Parameter memoryValues;
    private final int width;
    private final int heads;

    MemorySelfAttention(int width, int heads, int slots) {
      super(VERSION);
      this.width = width;
      this.heads = heads;
      qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * width).build());
      out = addChildBlock("out", Linear.builder().setUnits(width).build());
      if (slots > 0) {
        memoryKeys = addParameter(Parameter.builder().setName("memoryKeys").setType(Parameter.Type.WEIGHT)
            .optShape(new Shape(slots, width)).optInitializer(new NormalInitializer(0.02f)).build());
        memoryValues = addParameter(Parameter.builder().setName("memoryValues").setType(Parameter.Type.WEIGHT)
            .optShape(new Shape(slots, width)).optInitializer(new NormalInitializer(0.02f)).build());
      } else {
        memoryKeys = null;
        memoryValues = null;
      }
    }

    /** [N,V,D] -> [N,V,D]. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      NDArray x = in.singletonOrThrow();
      long n = x.getShape().get(0);
      NDList qkvParts = qkv.forward(ps, new NDList(x), training).singletonOrThrow().split(3, 2);
      NDArray q = qkvParts.get(0);
      NDArray k = qkvParts.get(1);
      NDArray v = qkvParts.get(2);
      if (memoryKeys != null) {
        NDArray mk = ps.getValue(memoryKeys, x.getDevice(), training);                 // [M,D]
        NDArray mv = ps.getValue(memoryValues, x.getDevice(), training);
        Shape memShape = new Shape(n, mk.getShape().get(0), width);
        k = k.concat(mk.expandDims(0).broadcast(memShape), 1);                          // [N,V+M,D]
        v = v.concat(mv.expandDims(0).broadcast(memShape), 1);
      }
      NDArray attended = Attention.multiHead(q, k, v, heads);                          // [N,V,D]
      return out.forward(ps, new NDList(attended), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return new Shape[] {inputs[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
      qkv.initialize(m, t, new Shape(1, 1, width));
      out.initialize(m, t, new Shape(1, 1, width));
    }
  }

  /**
   * Pre-norm decoder block: self-attention over all L tokens, then (multi-level on) cross-attention
   * from the tokens to each encoder level l, fused by alpha(l,d) = sigmoid(W_alpha(l,d)[s; c_l]),
   * then the MLP. With multi-level off it is MAE's plain decoder block.
   */
  static final class DecoderLayer extends AbstractBlock {
    private final LayerNorm norm1 = addChildBlock("norm1", layerNorm());
    private final MemorySelfAttention selfAttention;
    private final LayerNorm norm2;
    private final MultiLevelCrossAttention crossAttention;
    private final LayerNorm norm3 = addChildBlock("norm3", layerNorm());
    private final Mlp mlp;
    private final MemMcMaeConfig c;

    DecoderLayer(MemMcMaeConfig c) {
      super(VERSION);
      this.c = c;
      selfAttention = addChildBlock("selfAttention", new MemorySelfAttention(c.decoderWidth(), c.decoderHeads(), 0));
      if (c.multiLevel()) {
        norm2 = addChildBlock("norm2", layerNorm());
        crossAttention = addChildBlock("crossAttention", new MultiLevelCrossAttention(c));
      } else {
        norm2 = null;
        crossAttention = null;
      }
      mlp = addChildBlock("mlp", new Mlp(c.decoderWidth(), c.decoderWidth() * c.mlpRatio()));
    }

    /** y [N,L,Dd] (+ levels [N,E,V,De]) -> y [N,L,Dd] (+ alpha [N,E,L]). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      NDArray y = in.get(0);
      NDArray s = y.add(selfAttention.forward(ps, norm1.forward(ps, new NDList(y), training), training).singletonOrThrow());
      NDArray alpha = null;
      if (crossAttention != null) {
        NDArray query = norm2.forward(ps, new NDList(s), training).singletonOrThrow();
        NDList fused = crossAttention.forward(ps, new NDList(query, in.get(1), s), training);
        s = s.add(fused.get(0));
        alpha = fused.get(1);
      }
      NDArray out = s.add(mlp.forward(ps, norm3.forward(ps, new NDList(s), training), training).singletonOrThrow());
      return alpha == null ? new NDList(out) : new NDList(out, alpha);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return new Shape[] {inputs[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
      Shape tokens = new Shape(1, 1, c.decoderWidth());
      norm1.initialize(m, t, tokens);
      selfAttention.initialize(m, t, tokens);
      if (crossAttention != null) {
        norm2.initialize(m, t, tokens);
        crossAttention.initialize(m, t, tokens);
      }
      norm3.initialize(m, t, tokens);
      mlp.initialize(m, t, tokens);
    }
  }

  /**
   * Cross-attention from decoder tokens to every encoder level, one attention operator per decoder
   * layer shared by the levels (its K/V projections map encoder width to decoder width), and a
   * per-level gate W_alpha(l,d) over [s; c_l] that weighs each level's result per token.
   */
  static final class MultiLevelCrossAttention extends AbstractBlock {
    private final Linear q;
    private final Linear kv;
    private final Linear out;
    private final Parameter gateSelf;
    private final Parameter gateCross;
    private final Parameter gateBias;
    private final MemMcMaeConfig c;

    MultiLevelCrossAttention(MemMcMaeConfig c) {
      super(VERSION);
      this.c = c;
      int d = c.decoderWidth();
      int e = c.encoderDepth();
      q = addChildBlock("q", Linear.builder().setUnits(d).build());
      kv = addChildBlock("kv", Linear.builder().setUnits(2L * d).build());
      out = addChildBlock("out", Linear.builder().setUnits(d).build());
      gateSelf = addParameter(Parameter.builder().setName("gateSelf").setType(Parameter.Type.WEIGHT)
          .optShape(new Shape(e, d)).optInitializer(new NormalInitializer(0.02f)).build());
      gateCross = addParameter(Parameter.builder().setName("gateCross").setType(Parameter.Type.WEIGHT)
          .optShape(new Shape(e, d)).optInitializer(new NormalInitializer(0.02f)).build());
      gateBias = addParameter(Parameter.builder().setName("gateBias").setType(Parameter.Type.BIAS)
          .optShape(new Shape(e)).build());
    }

    /** query [N,L,Dd], levels [N,E,V,De], s [N,L,Dd] -> fused [N,L,Dd], alpha [N,E,L]. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      NDArray query = in.get(0);
      NDArray levels = in.get(1);
      NDArray s = in.get(2);
      Shape qs = query.getShape();
      Shape ls = levels.getShape();
      long n = qs.get(0);
      long l = qs.get(1);
      long d = qs.get(2);
      long e = ls.get(1);
      long v = ls.get(2);
      int h = c.decoderHeads();
      long dh = d / h;
      // The paper: per level l, a_l = attention(q, K_l, V_l); c_l = W_o a_l + b_o; alpha_l =
      // sigmoid(w_self(l).s + w_cross(l).c_l + b_l); fused = sum_l alpha_l c_l. Computed here without
      // ever forming a_l or c_l (same values; MemMcMaeTest recomputes the paper's form level by level):
      // - W_o is linear, so w_cross(l).c_l = (W_o^T w_cross(l)).a_l + w_cross(l).b_o and
      //   sum_l alpha_l c_l = W_o (sum_l alpha_l a_l) + (sum_l alpha_l) b_o: one output projection, not E
      //   (the projections of all levels were 17 % of the micro network's FLOPs).
      // - All levels' keys side by side, [N,h,dh,E*V]: one product per head gives every level's scores
      //   and a softmax within each level's V keys its weights w_l; both the gate's (W_o^T w_cross(l)).a_l
      //   and sum_l alpha_l a_l are then sums over the E*V keys, the second one product with [N,h,E*V,dh].
      //   Folding the levels into the batch instead (the first version) ran E x h products of 64 x 32 x 16
      //   at ~23 GFLOP/s and two passes over an [N,E,L,Dd] tensor: a quarter of micro's profiled forward once
      //   MKL ran at the CPU's rate (docs/BENCHMARKS.md, "MKL on AMD").
      NDArray qh = Attention.splitHeads(q.forward(ps, new NDList(query), training).singletonOrThrow(), h);  // [N,h,L,dh]
      NDList kvParts = kv.forward(ps, new NDList(levels.reshape(n, e * v, ls.get(3))), training)
          .singletonOrThrow().split(2, 2);                                                  // [N,E*V,Dd] x2
      NDArray kh = Attention.splitHeads(kvParts.get(0), h).transpose(0, 1, 3, 2);          // [N,h,dh,E*V]
      NDArray vh = Attention.splitHeads(kvParts.get(1), h);                                 // [N,h,E*V,dh]
      NDArray w = Attention.scores(qh, kh).reshape(n, h, l, e, v).softmax(4);              // w_l: [N,h,L,E,V]

      NDArray wOut = ps.getValue(out.getParameters().get("weight"), s.getDevice(), training); // [Dd,Dd]
      NDArray bOut = ps.getValue(out.getParameters().get("bias"), s.getDevice(), training);   // [Dd]
      NDArray wSelf = ps.getValue(gateSelf, s.getDevice(), training);                      // [E,Dd]
      NDArray wCross = ps.getValue(gateCross, s.getDevice(), training);                    // [E,Dd]
      NDArray bias = ps.getValue(gateBias, s.getDevice(), training);                       // [E]
      NDArray crossGate = wCross.matMul(wOut)                                              // [E,Dd]: W_o^T w_cross(l)
          .reshape(e, h, dh).transpose(1, 0, 2).reshape(1, h, e, 1, dh);                   // per head [1,h,E,1,dh]
      NDArray crossBias = wCross.matMul(bOut.reshape(d, 1)).reshape(1, e, 1);              // [1,E,1]: w_cross(l).b_o
      NDArray gatePerKey = vh.reshape(n, h, e, v, dh).mul(crossGate).sum(new int[] {4});   // [N,h,E,V]
      NDArray fromCross = w.mul(gatePerKey.reshape(n, h, 1, e, v)).sum(new int[] {4, 1})  // [N,L,E]: sum_h,v
          .transpose(0, 2, 1);                                                              // [N,E,L]
      NDArray fromSelf = s.matMul(wSelf.transpose()).transpose(0, 2, 1);                   // [N,E,L]
      NDArray alpha = fromSelf.add(fromCross).add(crossBias).add(bias.reshape(1, e, 1));
      alpha = Activation.sigmoid(alpha);                                                  // [N,E,L] in (0,1)
      NDArray gated = w.mul(alpha.transpose(0, 2, 1).reshape(n, 1, l, e, 1)).reshape(n, h, l, e * v);
      NDArray mixed = Attention.mergeHeads(gated.matMul(vh));                             // [N,L,Dd]: sum alpha_l a_l
      NDArray fused = Linear.linear(mixed, wOut).singletonOrThrow()
          .add(alpha.sum(new int[] {1}).expandDims(2).mul(bOut));                         // [N,L,Dd]
      return new NDList(fused, alpha);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return new Shape[] {inputs[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
      q.initialize(m, t, new Shape(1, 1, c.decoderWidth()));
      kv.initialize(m, t, new Shape(1, 1, c.encoderWidth()));
      out.initialize(m, t, new Shape(1, 1, c.decoderWidth()));
    }
  }

  /** Linear -> GELU -> Linear, hidden width = mlpRatio * D. */
  static final class Mlp extends AbstractBlock {
    private final Linear fc1;
    private final Linear fc2;
    private final int width;
    private final int hidden;

    Mlp(int width, int hidden) {
      super(VERSION);
      this.width = width;
      this.hidden = hidden;
      fc1 = addChildBlock("fc1", Linear.builder().setUnits(hidden).build());
      fc2 = addChildBlock("fc2", Linear.builder().setUnits(width).build());
    }

    /** [N,T,D] -> [N,T,D]. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
      NDArray h = Activation.gelu(fc1.forward(ps, in, training).singletonOrThrow());
      return fc2.forward(ps, new NDList(h), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return new Shape[] {inputs[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
      fc1.initialize(m, t, new Shape(1, 1, width));
      fc2.initialize(m, t, new Shape(1, 1, hidden));
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** LayerNorm over the last axis of [N,T,D] (the builder's default would normalise over T and D). */
  private static LayerNorm layerNorm() {
    return LayerNorm.builder().axis(2).build();
  }

  /** A fixed [1,rows,cols] table as an array on x's device and in its type (not a parameter: never trained). */
  private static NDArray constant(NDArray x, float[] table, int rows, int cols) {
    NDArray t = x.getManager().create(table, new Shape(1, rows, cols));
    return x.getDataType() == DataType.FLOAT32 ? t : t.toType(x.getDataType(), false);
  }

  /**
   * Inference in {@code FLOAT16} (or back in {@code FLOAT32}): the network then runs in half precision
   * from the patch embedding to the prediction, on copies of the parameters made once per device, while
   * the input statistics, the prediction handed back and everything the scorer does with it stay in
   * float32. For GPUs, whose half-precision matrix units are several times faster (an H100 scores the
   * base network 1.8-2.1x faster batched); on this CPU libtorch has no fast float16 kernels (products at
   * 1-5 GFLOP/s, micro scoring 2-3x slower). Training is unaffected. Set it before scoring starts: a
   * change drops the converted parameters.
   */
  public void inferIn(DataType type) {
    if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
      throw new IllegalArgumentException("inference runs in float32 or float16, not " + type);
    }
    if (type != inferenceType) {
      castParameters.values().forEach(NDArray::close);
      castParameters.clear();
      inferenceType = type;
    }
  }

  public DataType inferenceType() {
    return inferenceType;
  }

  /**
   * The parameters in the inference type, converted on first use per device and kept: DJL's blocks
   * read their weights through the ParameterStore, so the model itself is left in float32. The copies
   * belong to the model's manager, not to the scope of the call that made them.
   */
  private static final class CastParameters extends ParameterStore {
    private final DataType type;
    private final Map<String, NDArray> cache;

    CastParameters(NDManager manager, DataType type, Map<String, NDArray> cache) {
      super(manager, false);
      this.type = type;
      this.cache = cache;
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
      return cache.computeIfAbsent(parameter.getId() + "@" + device, k -> {
        NDArray a = super.getValue(parameter, device, training).toType(type, true);
        NDScope.unregister(a);
        return a;
      });
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    long n = inputs[0].get(0);
    return new Shape[] {new Shape(n, config.patches(), config.patchValues())};
  }

  @Override
  protected void initializeChildBlocks(NDManager m, DataType t, Shape... inputs) {
    patchEmbed.initialize(m, t, new Shape(1, 1, config.patchValues()));
    Shape enc = new Shape(1, 1, config.encoderWidth());
    for (EncoderLayer layer : encoder) {
      layer.initialize(m, t, enc);
    }
    encoderNorm.initialize(m, t, enc);
    if (levelNorm != null) {
      levelNorm.initialize(m, t, new Shape(1, config.encoderDepth(), 1, config.encoderWidth()));
    }
    decoderEmbed.initialize(m, t, enc);
    Shape dec = new Shape(1, 1, config.decoderWidth());
    for (DecoderLayer layer : decoder) {
      layer.initialize(m, t, dec);
    }
    decoderNorm.initialize(m, t, dec);
    head.initialize(m, t, dec);
  }

  /** The input shapes to {@link #initialize} with: images, idsKeep, idsRestore for a batch of n. */
  public Shape[] inputShapes(int n) {
    return new Shape[] {
      new Shape(n, config.channels(), config.imageSize(), config.imageSize()),
      new Shape(n, config.visible()),
      new Shape(n, config.patches())
    };
  }
}
