#!/usr/bin/env python3
"""Localisation on whole frames, stitched from tiles: does the anomaly map point at a polyp when the
polyp is a small part of the picture (the paper's Kvasir-SEG setting) rather than most of a crop?

  frame_localisation.py TILES_DIR PATCH_THRESHOLD GRID SCORES_CSV [SCORES_CSV ...]

TILES_DIR is what `KvasirValidationCrops.java ../shared/data TILES_DIR tiles` wrote (tiles/ and
masks/, tile names FRAME__cC_rR); each SCORES_CSV is an `endowatch eval` of some of those tiles (the
anomalous rows). A tile's GRID x GRID patch scores (the model's grid: micro 8, tiny 14) are averaged
by area onto the tile's 8 x 8 cells of 28 px (the tile names' lattice; for micro one patch each), the
cells land on their frame's lattice, a cell's score is the mean over the tiles that cover it, and a
cell is lesion when at least half its mask pixels are. Reported, over cells, alongside the same stitching of plain patch statistics (luma
mean, mean gradient): the pooled ROC AUC, the mean AUC within each frame that has both kinds of cell
(also by the polyp's share of the frame's covered cells), the IoU at PATCH_THRESHOLD (the model's
calibrated patch threshold) and the IoU of flagging every covered cell, means over frames with a
lesion cell.
"""
import csv
import os
import sys
from collections import defaultdict

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from patch_controls import lesion_patches, patch_statistics  # noqa: E402
from rank_auc import auc  # noqa: E402

CELLS = 8   # cells per tile side: 224 px tiles, 28 px cells (KvasirValidationCrops' lattice)


def tile_position(name):
    frame, rest = os.path.splitext(name)[0].split("__")
    c, r = rest.split("_")
    return frame, int(c[1:]), int(r[1:])


def main():
    tiles, threshold, grid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    scores = {}
    for path in sys.argv[4:]:
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["class"] == "anomalous":
                    scores[row["file"]] = np.array(row["patch_scores"].split(), np.float32)
    # frame -> value name -> (col,row) -> list of patch values; frame -> (col,row) -> lesion
    cells = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    lesion = defaultdict(dict)
    per_patch = 224 // grid
    for n, (name, model) in enumerate(sorted(scores.items())):
        frame, c0, r0 = tile_position(name)
        by_area = np.kron(model.reshape(grid, grid), np.ones((per_patch, per_patch), np.float32))
        values = {"model": by_area.reshape(CELLS, 224 // CELLS, CELLS, 224 // CELLS).mean(axis=(1, 3)).reshape(-1)}
        values.update({k: v for k, v in patch_statistics(os.path.join(tiles, "tiles", name), CELLS).items()
                       if k != "luma std"})
        labels = lesion_patches(os.path.join(tiles, "masks", os.path.splitext(name)[0] + ".png"), CELLS)
        for i in range(CELLS):
            for j in range(CELLS):
                key = (c0 + j, r0 + i)
                for k, v in values.items():
                    cells[frame][k][key].append(float(v[i * CELLS + j]))
                lesion[frame][key] = bool(labels[i * CELLS + j])
        if (n + 1) % 2000 == 0:
            print(f"{n + 1}/{len(scores)} tiles", file=sys.stderr)
    names = ["model", "luma mean", "gradient"]
    pooled = {k: ([], []) for k in names}
    within = {k: [] for k in names}
    ious, flag_all, shares = [], [], []
    for frame, per_value in cells.items():
        keys = sorted(lesion[frame])
        truth = np.array([lesion[frame][key] for key in keys])
        share = truth.mean()
        for k in names:
            v = np.array([np.mean(per_value[k][key]) for key in keys])
            pooled[k][0].append(v[~truth])
            pooled[k][1].append(v[truth])
            if 0 < truth.sum() < len(truth):
                within[k].append((share, auc(v[~truth], v[truth])))
            if k == "model" and truth.any():
                flagged = v > threshold
                ious.append((flagged & truth).sum() / (flagged | truth).sum())
                flag_all.append(share)
        shares.append(share)
    shares = np.array(shares)
    print(f"{len(cells)} frames, {len(scores)} tiles; polyp share of the covered cells: mean {shares.mean():.3f}, "
          f"median {np.median(shares):.3f}; {int((shares == 0).sum())} frames with no polyp cell covered")
    print(f"{'cell value':<12} {'pooled AUC':>10} {'within-frame AUC (mean)':>24} {'frames':>7}")
    for k in names:
        print(f"{k:<12} {auc(np.concatenate(pooled[k][0]), np.concatenate(pooled[k][1])):>10.3f} "
              f"{np.mean([a for _, a in within[k]]):>24.3f} {len(within[k]):>7}")
    bands = [(0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 1)]
    print("\nwithin-frame AUC (mean) by the polyp's share of the covered cells")
    print(f"{'cell value':<12}" + "".join(f"{f'{lo:.2f}-{hi:.2f}':>12}" for lo, hi in bands))
    for k in names:
        per = [[a for s, a in within[k] if lo < s <= hi] for lo, hi in bands]
        print(f"{k:<12}" + "".join(f"{np.mean(a):>12.3f}" if a else f"{'-':>12}" for a in per))
    print(f"{'frames':<12}" + "".join(f"{len([1 for s, _ in within['model'] if lo < s <= hi]):>12}" for lo, hi in bands))
    print(f"\nIoU at the patch threshold {threshold}: {np.mean(ious):.4f} (frames with a polyp cell: {len(ious)}); "
          f"flagging every covered cell: {np.mean(flag_all):.4f}")


if __name__ == "__main__":
    main()
