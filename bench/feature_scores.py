#!/usr/bin/env python3
"""Issue 4's open question, "a different signal": does MemMC-MAE's own encoder separate polyps from
normal tissue better in feature space than its reconstruction residual does?

The reconstruction score asks how badly the decoder rebuilds a hidden patch from the visible ones;
on kvasir-crops it mostly measures how much structure a crop holds (docs/BENCHMARKS.md). This
asks the encoder instead: each patch's token is compared with the tokens of the training normals
(a memory bank of every training patch, as PatchCore does with an ImageNet network; here the
network is the detector's own, trained on normals only), and a patch scores its distance to the
nearest normal token. The image scores the mean, the max or the mean of its top 10 % of patches.

Feature sources, each scored alone:
  level L  the output of encoder layer L (0-based; the multi-level decoder's keys), layer-normed
           as the decoder sees it (levelNorm);
  last     the encoder's output (encoderNorm), what the decoder embeds;
  pixels   the raw patch pixels (no network: the control).
Two ways to see a patch: `full` shows the encoder all patches at once; `comp4` shows it the
visible quarter of each complementary-4 pass, as in training (75 % hidden), and takes each patch's
token from the pass that showed it.

The model comes from endowatch (java -cp target/endowatch.jar bench/ReferenceWeights.java export
micro models/kvasir-micro W.bin) and runs in the PyTorch reference (bench/memmc_mae_reference.py);
the check line prints the reference's validation AUC of the model's own reconstruction score,
to compare with endowatch's eval on the same images. Images are resized to the model's size by
PyTorch's bilinear resize (endowatch's own resize differs in the last digits of an AUC).

Usage: feature_scores.py WEIGHTS MASKS_BIN TRAIN_NORMAL VAL_NORMAL VAL_ANOMALOUS [VAL_MASKS] [--exclude FILE]
(MASKS_BIN: ReferenceWeights.java masks micro complementary-4 OUT). Only validation data: the
test split is not read.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpu_train as gt  # noqa: E402
import memmc_mae_reference as ref  # noqa: E402
import patch_controls as pc  # noqa: E402
from rank_auc import auc  # noqa: E402


def load_net(weights, preset):
    net = ref.MemMcMae(preset)
    names = gt.java_names(net)
    tensors = gt.read_tensors(weights)
    state = {k: tensors[n] for k, n in names.items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert set(missing) <= {"enc_pos", "dec_pos"} and not unexpected, (missing, unexpected)
    assert len(state) == len(tensors), f"{len(tensors)} tensors in the file, {len(state)} used"
    return net.eval()


def features(net, frames, view, keep4, batch=64):
    """Per patch, in grid order: {source: [N, L, D]} for every encoder level, 'last' and 'pixels'."""
    n, l = frames.shape[0], net.g * net.g
    out = {}
    with torch.inference_mode():
        for i in range(0, n, batch):
            x = frames[i:i + batch]
            f = x.shape[0]
            got = {"pixels": net.patchify(x)}
            if view == "full":
                ids = torch.arange(l).expand(f, l)
                levels, last = net.encode(x, ids)
                for e in range(levels.shape[1]):
                    got[f"level{e}"] = levels[:, e]
                got["last"] = last
            else:  # comp4: each patch's token from the pass in which it was visible
                for k in range(keep4.shape[0]):
                    ids = keep4[k].expand(f, -1)
                    levels, last = net.encode(x, ids)
                    parts = {f"level{e}": levels[:, e] for e in range(levels.shape[1])}
                    parts["last"] = last
                    for name, t in parts.items():
                        if name not in got:
                            got[name] = torch.zeros(f, l, t.shape[2])
                        got[name][:, keep4[k]] = t
            for name, t in got.items():
                out.setdefault(name, []).append(t.float())
    return {k: torch.cat(v) for k, v in out.items()}


def nearest(queries, bank, chunk=4096):
    """Each query row's Euclidean distance to its nearest bank row."""
    bank_sq = (bank * bank).sum(1)
    out = []
    for i in range(0, queries.shape[0], chunk):
        q = queries[i:i + chunk]
        d = (q * q).sum(1, keepdim=True) - 2 * q @ bank.T + bank_sq
        out.append(d.min(1).values.clamp(min=0).sqrt())
    return torch.cat(out)


def pooled(patch_scores):
    top = max(1, patch_scores.shape[1] // 10)
    return {"mean": patch_scores.mean(1), "max": patch_scores.max(1).values,
            "top10%": patch_scores.topk(top, 1).values.mean(1)}


def lesion_patches(mask_dir, names, grid):
    """[N, grid*grid] booleans by patch_controls' rule (eval's: at least half the patch's mask pixels)."""
    files = {os.path.splitext(f)[0]: f for f in os.listdir(mask_dir)}
    return np.stack([pc.lesion_patches(os.path.join(mask_dir, files[os.path.splitext(n)[0]]), grid) for n in names])


def within_auc(scores, lesion):
    vals = [auc(s[~les], s[les]) for s, les in zip(scores, lesion) if les.any() and (~les).any()]
    return float(np.mean(vals)), len(vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights")
    ap.add_argument("masks")
    ap.add_argument("train")
    ap.add_argument("val_normal")
    ap.add_argument("val_anomalous")
    ap.add_argument("val_masks", nargs="?")
    ap.add_argument("--exclude", help="names of TRAIN not to use (a model's validation-files.txt)")
    ap.add_argument("--preset", default="micro")
    ap.add_argument("--views", default="full,comp4")
    ap.add_argument("--bank-limit", type=int, default=0, help="use only this many training images (0: all)")
    a = ap.parse_args()
    torch.manual_seed(0)
    net = load_net(a.weights, a.preset)
    side = net.g * net.p
    exclude = frozenset(open(a.exclude).read().split()) if a.exclude else frozenset()
    train, _ = gt.load_images(a.train, exclude, a.bank_limit)
    normal, _ = gt.load_images(a.val_normal)
    anomalous, anomalous_names = gt.load_images(a.val_anomalous)
    print(f"bank images {train.shape[0]}, validation {normal.shape[0]} normal / {anomalous.shape[0]} anomalous, {side} px")
    masks = gt.read_tensors(a.masks)
    keep4 = masks["keep"].long()
    check, _ = gt.validate(net, normal, anomalous, masks, ref.gaussian_window("cpu"), "cpu", side)
    print(f"check: the model's own reconstruction score, validation AUC {check:.4f}")
    lesion = lesion_patches(a.val_masks, anomalous_names, net.g) if a.val_masks else None
    frames = {k: gt.resized(v, side) for k, v in (("train", train), ("normal", normal), ("anomalous", anomalous))}
    for view in a.views.split(","):
        feats = {k: features(net, v, view, keep4) for k, v in frames.items()}
        for source in feats["train"]:
            bank = feats["train"][source].reshape(-1, feats["train"][source].shape[-1])
            scores = {}
            for side_name in ("normal", "anomalous"):
                q = feats[side_name][source]
                scores[side_name] = nearest(q.reshape(-1, q.shape[-1]), bank).reshape(q.shape[0], q.shape[1])
            pn, pa = pooled(scores["normal"]), pooled(scores["anomalous"])
            line = "  ".join(f"{p} {auc(pn[p].numpy(), pa[p].numpy()):.3f}" for p in pn)
            if lesion is not None:
                s = scores["anomalous"].numpy()
                pooled_auc = auc(s[~lesion], s[lesion])
                w, nw = within_auc(s, lesion)
                line += f"  | patch AUC pooled {pooled_auc:.3f} within {w:.3f} (n={nw})"
            print(f"{view:5s} {source:7s} image AUC  {line}", flush=True)


if __name__ == "__main__":
    main()
