package org.endowatch.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) with its state in our hands, so a checkpoint can save the moments
 * and {@code --resume} continues exactly (DJL's optimiser keeps its moments private). Updates run
 * outside autograd, in place on the parameter arrays.
 */
final class AdamW {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.95f; // MAE's choice for ViT pre-training
  private static final float EPS = 1e-8f;

  private final NDManager manager;
  private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
  private long steps;

  AdamW(NDManager manager) {
    this.manager = manager;
  }

  long steps() {
    return steps;
  }

  /** Call once per optimisation step, before the parameters' updates. */
  void nextStep() {
    steps++;
  }

  void update(String id, NDArray weight, NDArray grad, float lr, float weightDecay) {
    NDArray[] mv = moments.computeIfAbsent(id, k -> new NDArray[] {
      manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()),
      manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice())});
    NDArray m = mv[0];
    NDArray v = mv[1];
    float c1 = (float) (1 - Math.pow(BETA1, steps));
    float c2 = (float) (1 - Math.pow(BETA2, steps));
    // Every temporary of the update is closed with the scope; only m, v and the weight live on
    // (a leak here grew a training process by ~27 MB per step until the machine ran out of memory).
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      m.muli(BETA1).addi(grad.mul(1 - BETA1));
      v.muli(BETA2).addi(grad.square().muli(1 - BETA2));
      NDArray step = m.div(c1).divi(v.div(c2).sqrt().addi(EPS));
      if (weightDecay > 0) {
        weight.muli(1 - lr * weightDecay);
      }
      weight.subi(step.muli(lr));
    }
  }

  void save(DataOutputStream out) throws IOException {
    out.writeLong(steps);
    out.writeInt(moments.size());
    for (Map.Entry<String, NDArray[]> e : moments.entrySet()) {
      out.writeUTF(e.getKey());
      for (NDArray a : e.getValue()) {
        byte[] bytes = a.encode();
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
  }

  void load(DataInputStream in) throws IOException {
    steps = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String id = in.readUTF();
      NDArray[] mv = new NDArray[2];
      for (int j = 0; j < 2; j++) {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        mv[j] = NDArray.decode(manager, bytes);
      }
      moments.put(id, mv);
    }
  }
}
