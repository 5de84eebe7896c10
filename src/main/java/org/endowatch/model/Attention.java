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
    Shape qs = q.getShape();
    long n = qs.get(0);
    long tq = qs.get(1);
    long d = qs.get(2);
    long tk = k.getShape().get(1);
    long dh = d / heads;
    NDArray qh = q.reshape(n, tq, heads, dh).transpose(0, 2, 1, 3);            // [N,h,Tq,dh]
    NDArray kh = k.reshape(n, tk, heads, dh).transpose(0, 2, 3, 1);            // [N,h,dh,Tk]
    NDArray vh = v.reshape(n, tk, heads, dh).transpose(0, 2, 1, 3);            // [N,h,Tk,dh]
    // A 0-d array, not mul(Number): scalar ops corrupt gradients when a GC runs mid-step.
    NDArray scale = q.getManager().create((float) (1.0 / Math.sqrt(dh)));
    NDArray weights = qh.mul(scale).matMul(kh).softmax(3);                      // [N,h,Tq,Tk]
    return weights.matMul(vh).transpose(0, 2, 1, 3).reshape(n, tq, d);         // [N,Tq,D]
  }
}
