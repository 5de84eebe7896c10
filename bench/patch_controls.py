#!/usr/bin/env python3
"""Does an anomaly map point at the lesion? The model's patch scores against plain patch statistics,
inside anomalous images only (issue 4's localisation, without any threshold).

  patch_controls.py ANOMALOUS_DIR MASKS_DIR GRID [SCORES_CSV [NORMAL_SCORES_CSV]]

Each image is resized to 16 x GRID px and cut into a GRID x GRID grid of 16 px patches (micro: 8, tiny: 14); a
patch counts as lesion when at least half of its mask pixels are. For every patch statistic (luma
mean, luma standard deviation, mean gradient magnitude) and for the model's patch scores from a
`scores.csv` that `endowatch eval` wrote on the same folder, two ROC AUCs of "higher means lesion":
pooled over all patches of all images, and the mean of the AUC within each image that has both kinds
of patch, also split by the lesion's share of the image's patches (a masked autoencoder rebuilds a
patch from its neighbours, so a lesion that fills most of the image is its own context). 0.5 means
the map does not point at the lesion; below 0.5 it points away from it.

With NORMAL_SCORES_CSV (an eval `scores.csv` whose normal rows are normal images the threshold is not
chosen on, e.g. the training crops) the model's scores are also shown normalised per patch position:
(score - that position's mean over the normal rows) / its standard deviation. A masked autoencoder
rebuilds border patches worse than central ones (fewer neighbours), and this takes the position's
normal level out of the map without looking at any lesion.
"""
import csv
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_auc import auc  # noqa: E402

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def patch_statistics(path, grid):
    side = 16 * grid   # the presets' 16 px patches: micro 8 x 8 at 128 px, tiny 14 x 14 at 224 px
    y = (np.asarray(Image.open(path).convert("RGB").resize((side, side), Image.BILINEAR), np.float32) / 255) @ LUMA
    gx = np.abs(np.diff(y, axis=1, append=y[:, -1:]))
    gy = np.abs(np.diff(y, axis=0, append=y[-1:, :]))
    p = 16

    def per_patch(a):
        return a.reshape(grid, p, grid, p).transpose(0, 2, 1, 3).reshape(grid * grid, p * p)

    return {"luma mean": per_patch(y).mean(1), "luma std": per_patch(y).std(1),
            "gradient": per_patch(np.hypot(gx, gy)).mean(1)}


def lesion_patches(mask_path, grid):
    m = np.asarray(Image.open(mask_path).convert("L"), np.float32) > 127
    h, w = m.shape
    share = np.array([[m[r * h // grid:(r + 1) * h // grid, c * w // grid:(c + 1) * w // grid].mean()
                       for c in range(grid)] for r in range(grid)]).reshape(-1)
    return share >= 0.5


def model_scores(path, kind="anomalous"):
    with open(path) as f:
        return {row["file"]: np.array(row["patch_scores"].split(), np.float32)
                for row in csv.DictReader(f) if row["class"] == kind}


def position_levels(normal_csv):
    """Per grid position, the mean and standard deviation of the patch scores of a scores.csv's normal rows."""
    normal = np.stack(list(model_scores(normal_csv, "normal").values()))
    return normal.mean(0), normal.std(0), normal.shape[0]


def main():
    anomalous, masks, grid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = model_scores(sys.argv[4]) if len(sys.argv) > 4 else None
    norm = None
    if len(sys.argv) > 5:
        mean, std, n = position_levels(sys.argv[5])
        norm = (mean, std)
        print(f"position normalisation from {n} normal images: position means "
              f"{norm[0].min():.3f}-{norm[0].max():.3f}, standard deviations {norm[1].min():.3f}-{norm[1].max():.3f}")
    values, labels = {}, []
    for name in sorted(os.listdir(anomalous)):
        stem = os.path.splitext(name)[0]
        mask = next((os.path.join(masks, stem + e) for e in (".png", ".jpg") if os.path.exists(os.path.join(masks, stem + e))), None)
        if mask is None:
            sys.exit(f"patch_controls.py: no mask for {name} in {masks}")
        stats = patch_statistics(os.path.join(anomalous, name), grid)
        if model is not None:
            stats["model (scores.csv)"] = model[name]
            if norm is not None:
                stats["model, per position"] = (model[name] - norm[0]) / norm[1]
        for k, v in stats.items():
            values.setdefault(k, []).append(v)
        labels.append(lesion_patches(mask, grid))
    print(f"{len(labels)} images, {sum(int(l.sum()) for l in labels)} lesion patches of {len(labels) * grid * grid}")
    table(values, labels, [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)], "patch", "patches", "image", 20)


def table(values, labels, bands, item, items, unit, width):
    """Pooled and within-UNIT AUCs of every value, and the within-UNIT AUC by the lesion's share of the
    UNIT's ITEMS. values: name -> one array (a value per item) per image or frame; labels: one boolean
    array (item is lesion) per image or frame, in the same order."""
    what = item + " value"
    print(f"{what:<{width}} {'pooled AUC':>10} {f'within-{unit} AUC (mean)':>24} {unit + 's':>7}")
    by_band = {}
    for k, per_image in values.items():
        s, l = np.concatenate(per_image), np.concatenate(labels)
        within = [(m.mean(), auc(v[~m], v[m])) for v, m in zip(per_image, labels) if 0 < m.sum() < len(m)]
        print(f"{k:<{width}} {auc(s[~l], s[l]):>10.3f} {np.mean([a for _, a in within]):>24.3f} {len(within):>7}")
        by_band[k] = [[a for share, a in within if lo < share <= hi] for lo, hi in bands]
    print(f"\nwithin-{unit} AUC (mean) by the lesion's share of the {items}")
    print(f"{what:<{width}}" + "".join(f"{f'{lo:.2f}-{hi:.2f}':>12}" for lo, hi in bands))
    for k, per_band in by_band.items():
        print(f"{k:<{width}}" + "".join(f"{np.mean(a):>12.3f}" if a else f"{'-':>12}" for a in per_band))
    print(f"{unit + 's':<{width}}" + "".join(f"{len(a):>12}" for a in next(iter(by_band.values()))))

if __name__ == "__main__":
    main()
