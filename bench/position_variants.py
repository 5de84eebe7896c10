#!/usr/bin/env python3
"""Per-position levels of a patch map, in several forms, against the raw map (docs/BENCHMARKS.md, "Where
the live heatmap points"): for each form, the patch AUC of lesion against other patches (pooled, and
within each image), and the IoU of patch cells at a threshold with 1 % of the calibration images'
patches above it. Cells, not pixels: a patch is lesion when at least half of its mask pixels are.

  position_variants.py CALIBRATION_SCORES_CSV ANOMALOUS_SCORES_CSV MASKS_DIR [GRID]

CALIBRATION_SCORES_CSV: an `endowatch eval` scores.csv whose normal rows are the images the model was
calibrated on (the levels are measured there, as calibrate would); ANOMALOUS_SCORES_CSV: one whose
anomalous rows have masks in MASKS_DIR. Forms: raw; "subtract" (score - position mean + overall mean);
"z" ((score - position mean) / position spread, put back in the overall units) with the spread floored
at 0, 0.5 or 1 times the overall standard deviation (1 is the same ranking as subtract). Last, the
pixel IoU a map flagging exactly the lesion cells would reach: the grid's own limit.
"""
import csv
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_auc import auc  # noqa: E402


def rows(path, cls):
    return {r["file"]: np.array(r["patch_scores"].split(), np.float64)
            for r in csv.DictReader(open(path)) if r["class"] == cls}


def lesion_cells(masks, name, grid):
    stem = os.path.splitext(name)[0]
    path = next(os.path.join(masks, stem + e) for e in (".png", ".jpg") if os.path.exists(os.path.join(masks, stem + e)))
    m = np.asarray(Image.open(path).convert("L"), np.float32) > 127
    h, w = m.shape
    return np.array([m[r * h // grid:(r + 1) * h // grid, c * w // grid:(c + 1) * w // grid].mean() >= 0.5
                     for r in range(grid) for c in range(grid)])


def main():
    cal = np.array(list(rows(sys.argv[1], "normal").values()))
    anomalous = rows(sys.argv[2], "anomalous")
    grid = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    lesion = {f: lesion_cells(sys.argv[3], f, grid) for f in anomalous}
    mean, spread, overall_mean, overall_std = cal.mean(0), cal.std(0), cal.mean(), cal.std()
    forms = {"raw": lambda x: x, "subtract": lambda x: x - mean + overall_mean}
    for floor in (0, 0.5, 1):
        s = np.maximum(spread, floor * overall_std)
        forms[f"z, spread floor {floor}"] = lambda x, s=s: overall_mean + overall_std * (x - mean) / s
    for name, form in forms.items():
        threshold = np.quantile(form(cal).ravel(), 0.99)
        lesion_v, other_v, within, ious = [], [], [], []
        for f, x in anomalous.items():
            v, cells = form(x), lesion[f]
            lesion_v += list(v[cells])
            other_v += list(v[~cells])
            if cells.any() and (~cells).any():
                within.append(auc(v[~cells], v[cells]))
            flagged = v > threshold
            union = (flagged | cells).sum()
            ious.append((flagged & cells).sum() / union if union else 0)
        print(f"{name:22s} patch AUC {auc(np.array(other_v), np.array(lesion_v)):.4f}, within images {np.mean(within):.4f} "
              f"({len(within)}), cell IoU at 1 % {np.mean(ious):.4f}")
    print(f"positions whose spread is under half the overall one: {(spread < 0.5 * overall_std).sum()} of {len(spread)}")
    # What the grid allows: a map flagging exactly the lesion cells, against the masks' pixels.
    ious = []
    for f in anomalous:
        stem = os.path.splitext(f)[0]
        path = next(os.path.join(sys.argv[3], stem + e) for e in (".png", ".jpg") if os.path.exists(os.path.join(sys.argv[3], stem + e)))
        m = np.asarray(Image.open(path).convert("L"), np.float32) > 127
        h, w = m.shape
        cells = lesion[f].reshape(grid, grid)
        flagged = cells[np.arange(h) * grid // h][:, np.arange(w) * grid // w]
        ious.append((flagged & m).sum() / max(1, (flagged | m).sum()))
    print(f"pixel IoU of the lesion cells themselves (the best an {grid} x {grid} map can do here): {np.mean(ious):.4f}")


if __name__ == "__main__":
    main()
