#!/usr/bin/env python3
"""Is a model's validation signal more than "how much structure a crop holds"? (issue 4)
For a `scores.csv` written by `endowatch eval`, computes simple complexity measures of every image
(at the model's input size), their AUC alone, and the AUC of the image score less a line fitted on
the NORMAL images only (score ~ complexity): what is left once a normal crop's expected score for
its complexity is taken out. Needs numpy and PIL (Debian: python3-numpy, python3-pil).
Usage: bench/validation_complexity.py SCORES_CSV NORMAL_DIR ANOMALOUS_DIR [SIDE=128]
"""
import csv
import io
import sys

import numpy as np
from PIL import Image


def measures(image, side):
    im = image.convert("RGB").resize((side, side), Image.BILINEAR)
    grey = np.asarray(im, dtype=np.float32).mean(2) / 255
    png = io.BytesIO()
    im.save(png, "PNG")
    k = 11  # MS-SSIM's window; local std from box sums over a reflected border
    padded = np.pad(grey, k // 2, mode="reflect")
    s1 = padded.cumsum(0).cumsum(1)
    s2 = (padded ** 2).cumsum(0).cumsum(1)
    box = lambda c: (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)
    local_var = np.maximum(box(s2) - box(s1) ** 2, 0)
    return {
        "grey std": grey.std(),
        "local std": np.sqrt(local_var).mean(),
        "gradient": np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean(),
        "png bytes/px": len(png.getvalue()) / (side * side),
        "brightness": grey.mean(),
    }


def auc(score, positive):
    """ROC AUC by average ranks (ties count half)."""
    order = np.sort(score)
    ranks = np.searchsorted(order, score, "left") + (np.searchsorted(order, score, "right")
                                                     - np.searchsorted(order, score, "left") + 1) / 2
    p, n = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - p * (p + 1) / 2) / (p * n)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    folders = {"normal": sys.argv[2], "anomalous": sys.argv[3]}
    side = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    positive = np.array([r["class"] != "normal" for r in rows])
    score = np.array([float(r["image_score"]) for r in rows])
    m = [measures(Image.open(f"{folders[r['class']]}/{r['file']}"), side) for r in rows]
    print(f"image score AUC {auc(score, positive):.4f} ({(~positive).sum()} normal, {positive.sum()} anomalous)")
    normals = np.where(~positive)[0]
    halves = np.array_split(np.random.default_rng(0).permutation(normals), 2)
    for key in m[0]:
        c = np.array([x[key] for x in m])
        slope = np.polyfit(c[~positive], score[~positive], 1)[0]
        # 2-fold: the line from one half of the normals, the AUC with the other half
        folds = []
        for fit, held in ((halves[0], halves[1]), (halves[1], halves[0])):
            s = np.polyfit(c[fit], score[fit], 1)[0]
            keep = positive.copy()
            keep[held] = True
            folds.append(auc((score - s * c)[keep], positive[keep]))
        print(f"{key:13s} alone {auc(c, positive):.4f}  normals' R^2 {np.corrcoef(c[~positive], score[~positive])[0, 1] ** 2:.3f}"
              f"  score less the line {auc(score - slope * c, positive):.4f}  2-fold {np.mean(folds):.4f}")


if __name__ == "__main__":
    main()
