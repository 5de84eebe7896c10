#!/usr/bin/env python3
"""Image AUC when the image score pools only the K highest patch scores (K = all: the paper's mean),
from an `endowatch eval` scores.csv, without scoring again.

  topk_pooling.py SCORES_CSV [K ...]      (default K: all, 3/4, 1/2, 1/4, 1/8 of the patches, 1)
"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_auc import auc  # noqa: E402


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    scores = {c: np.array([np.array(r["patch_scores"].split(), np.float64) for r in rows if r["class"] == c])
              for c in ("normal", "anomalous")}
    grid = scores["normal"].shape[1]
    ks = [int(k) for k in sys.argv[2:]] or [grid, grid * 3 // 4, grid // 2, grid // 4, grid // 8, 1]
    for k in ks:
        top = {c: np.sort(v, 1)[:, -k:].mean(1) for c, v in scores.items()}
        print(f"mean of the top {k:3d} of {grid} patches: AUC {auc(top['normal'], top['anomalous']):.4f}")


if __name__ == "__main__":
    main()
