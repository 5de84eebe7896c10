#!/usr/bin/env python3
"""How far plain image statistics get on an anomaly split, without any model: the control that says
whether a detector's AUC comes from the model or from the data (issue 4's rule).

  trivial_baselines.py NORMAL_DIR ANOMALOUS_DIR [SCORES_CSV ...]

Per statistic (luma mean, luma standard deviation, mean gradient magnitude, mean 8x8-block standard
deviation, mean saturation max-min, red minus green), the ROC AUC of "higher means anomalous", images
resized to 128 px. For each `scores.csv` that `endowatch eval` wrote on the same two folders: the
correlation of its image score with the luma mean, its AUC within five brightness bands (quintiles
of all images: does it separate images of equal brightness?) and the AUC of the score less its
linear brightness trend fitted on the normal images only.
"""
import csv
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_auc import auc  # noqa: E402

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def statistics(path):
    rgb = np.asarray(Image.open(path).convert("RGB").resize((128, 128), Image.BILINEAR), np.float32) / 255
    y = rgb @ LUMA
    gx, gy = np.diff(y, axis=1)[:-1], np.diff(y, axis=0)[:, :-1]
    return {
        "luma mean": y.mean(),
        "luma std": y.std(),
        "gradient": np.sqrt(gx ** 2 + gy ** 2).mean(),
        "8x8 block std": y.reshape(16, 8, 16, 8).std(axis=(1, 3)).mean(),
        "saturation": (rgb.max(2) - rgb.min(2)).mean(),
        "red - green": (rgb[..., 0] - rgb[..., 1]).mean(),
    }


def images(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png", ".bmp")))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    normal_dir, anomalous_dir = sys.argv[1], sys.argv[2]
    stats = {}
    for side, folder in (("normal", normal_dir), ("anomalous", anomalous_dir)):
        for f in images(folder):
            stats[(side, f)] = statistics(os.path.join(folder, f))
    normal = [v for (side, _), v in stats.items() if side == "normal"]
    anomalous = [v for (side, _), v in stats.items() if side == "anomalous"]
    print(f"{len(normal)} normal, {len(anomalous)} anomalous images")
    for key in normal[0]:
        print(f"  {key:14s} AUC {auc(np.array([s[key] for s in normal]), np.array([s[key] for s in anomalous])):.3f}")
    for scores in sys.argv[3:]:
        rows = list(csv.DictReader(open(scores)))
        s = np.array([float(r["image_score"]) for r in rows])
        bad = np.array([r["class"] != "normal" for r in rows])
        b = np.array([float(stats[("normal" if r["class"] == "normal" else "anomalous", r["file"])]["luma mean"])
                      for r in rows])
        print(f"{scores}: AUC {auc(s[~bad], s[bad]):.3f}; correlation with luma mean {np.corrcoef(s, b)[0, 1]:.2f}"
              f" (normal {np.corrcoef(s[~bad], b[~bad])[0, 1]:.2f}, anomalous {np.corrcoef(s[bad], b[bad])[0, 1]:.2f})")
        band = np.digitize(b, np.quantile(b, [0.2, 0.4, 0.6, 0.8]))
        within = [f"{auc(s[(band == k) & ~bad], s[(band == k) & bad]):.3f} ({((band == k) & ~bad).sum()}/{((band == k) & bad).sum()})"
                  for k in range(5) if ((band == k) & ~bad).any() and ((band == k) & bad).any()]
        print("  AUC within brightness quintiles, darkest first (normal/anomalous): " + ", ".join(within))
        slope, offset = np.polyfit(b[~bad], s[~bad], 1)
        rest = s - (slope * b + offset)
        print(f"  score less its brightness trend (fitted on normals): AUC {auc(rest[~bad], rest[bad]):.3f}")


if __name__ == "__main__":
    main()
