package org.endowatch.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Scaled dot-product attention over heads, shared by the encoder and decoder blocks. */
final class Attention {
  private Attention() {}

  /**
   * softmax(Q K^T / sqrt(dh)) V per head.
   *
   * @param q [N,Tq,D]
   * @param k [N,Tk,D]
   * @param v [N,Tk,D]
   * @return [N,Tq,D]
   */
  static NDArray multiHead(NDArray q, NDArray k, NDArray v, int heads) {
    NDArray kh = splitHeads(k, heads).transpose(0, 1, 3, 2);                    // [N,h,dh,Tk]
    NDArray weights = scores(splitHeads(q, heads), kh).softmax(3);              // [N,h,Tq,Tk]
    return mergeHeads(weights.matMul(splitHeads(v, heads)));                    // [N,Tq,D]
  }

  /** [N,T,D] -> [N,h,T,dh]. */
  static NDArray splitHeads(NDArray x, int heads) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }

  /** [N,h,T,dh] -> [N,T,h*dh], the inverse of {@link #splitHeads}. */
  static NDArray mergeHeads(NDArray x) {
    Shape s = x.getShape();
    return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
  }

  /** Q K^T / sqrt(dh) for qh [N,h,Tq,dh] and kh [N,h,dh,Tk] (keys already transposed) -> [N,h,Tq,Tk]. */
  static NDArray scores(NDArray qh, NDArray kh) {
    // A 0-d array, not mul(Number): scalar ops corrupt gradients when a GC runs mid-step.
    NDArray scale = qh.getManager().create((float) (1.0 / Math.sqrt(qh.getShape().get(3))));
    return qh.mul(scale).matMul(kh);
  }
}
