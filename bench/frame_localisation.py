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
from patch_controls import lesion_patches, patch_statistics, table  # noqa: E402
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
    values = {k: [] for k in names}
    labels, ious, flag_all = [], [], []
    for frame, per_value in cells.items():
        keys = sorted(lesion[frame])
        truth = np.array([lesion[frame][key] for key in keys])
        labels.append(truth)
        for k in names:
            values[k].append(np.array([np.mean(per_value[k][key]) for key in keys]))
        if truth.any():
            flagged = values["model"][-1] > threshold
            ious.append((flagged & truth).sum() / (flagged | truth).sum())
            flag_all.append(truth.mean())
    shares = np.array([t.mean() for t in labels])
    print(f"{len(cells)} frames, {len(scores)} tiles; polyp share of the covered cells: mean {shares.mean():.3f}, "
          f"median {np.median(shares):.3f}; {int((shares == 0).sum())} frames with no polyp cell covered")
    table(values, labels, [(0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 1)], "cell", "covered cells", "frame", 12)
    print(f"\nIoU at the patch threshold {threshold}: {np.mean(ious):.4f} (frames with a polyp cell: {len(ious)}); "
          f"flagging every covered cell: {np.mean(flag_all):.4f}")

if __name__ == "__main__":
    main()
