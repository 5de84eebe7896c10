#!/usr/bin/env python3
"""Per-position normalisation of a model's patch scores (docs/BENCHMARKS.md, "Where the map's normal
level depends on the position"): each patch score becomes (score - that grid position's mean) / its
standard deviation over the normal rows of NORMAL_SCORES_CSV (an `endowatch eval` scores.csv of
normal images the threshold is not chosen on, e.g. the training crops). Rewrites IN_SCORES_CSV to
OUT_SCORES_CSV with normalised patch scores (image scores left as they are), so patch_controls.py and
frame_localisation.py read it like any scores.csv, and prints the 99th percentile of the normalised
patch scores of IN's normal rows: the patch threshold with 1 % of those normal patches above it.

  position_norm.py NORMAL_SCORES_CSV IN_SCORES_CSV OUT_SCORES_CSV
"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from patch_controls import position_levels  # noqa: E402


def main():
    mean, std, _ = position_levels(sys.argv[1])
    normal_z = []
    with open(sys.argv[2]) as f, open(sys.argv[3], "w", newline="") as out:
        rows = csv.DictReader(f)
        w = csv.DictWriter(out, rows.fieldnames)
        w.writeheader()
        for row in rows:
            z = (np.array(row["patch_scores"].split(), np.float32) - mean) / std
            if row["class"] == "normal":
                normal_z.append(z)
            row["patch_scores"] = " ".join(f"{v:.5f}" for v in z)
            w.writerow(row)
    if normal_z:
        print(f"99th percentile of the normalised patch scores of {len(normal_z)} normal images: "
              f"{np.quantile(np.concatenate(normal_z), 0.99):.4f}")


if __name__ == "__main__":
    main()
