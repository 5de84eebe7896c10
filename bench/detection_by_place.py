#!/usr/bin/env python3
"""Which lesion frames a model's image threshold catches, by where the lesion sits and how much of the
frame it fills (docs/BENCHMARKS.md, "Where the live heatmap points"): from an `endowatch eval` report
of frames with masks (bench/LiveMasks.java makes live ones), the share of lesion frames whose image score
is over THRESHOLD, split by the distance of the lesion's centroid from the frame's centre (1 = half the
frame's width: the rim of the round field of view) and by the lesion's share of the frame.

With CALIBRATION_SCORES_CSV (an eval scores.csv whose normal rows are the model's calibration images)
it also tries, offline, an image score that averages each patch's score relative to its position's
mean and standard deviation on those images, with its own threshold: the value 1 % of the calibration
images exceed, as `calibrate` sets it; the report's normal frames give its false-positive rate. Then
the same for image scores that pool only the K highest patch scores (K = all of them is the paper's mean).

  detection_by_place.py REPORT_DIR MASKS_DIR THRESHOLD [CALIBRATION_SCORES_CSV]
"""
import csv
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_auc import auc  # noqa: E402


def main():
    report, masks, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rows = []
    patches = {"normal": [], "anomalous": []}
    for r in csv.DictReader(open(os.path.join(report, "scores.csv"))):
        patches[r["class"]].append(np.array(r["patch_scores"].split(), np.float64))
        if r["class"] != "anomalous":
            continue
        m = np.asarray(Image.open(os.path.join(masks, os.path.splitext(r["file"])[0] + ".png")).convert("L")) > 127
        ys, xs = np.nonzero(m)
        h, w = m.shape
        rows.append((np.hypot(xs.mean() - w / 2, ys.mean() - h / 2) / (w / 2), m.mean(), float(r["image_score"]) > threshold))
    rows = np.array(rows)
    print("centroid distance from the centre: frames, share over the threshold, median lesion share of the frame")
    for lo, hi in [(0, .4), (.4, .6), (.6, .8), (.8, 2)]:
        s = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
        if len(s):
            print(f"  {lo:.1f}-{hi:.1f}: {len(s):4d}, {s[:, 2].mean():.3f}, {np.median(s[:, 1]):.3f}")
    print("lesion share of the frame: frames, share over the threshold, median distance")
    for lo, hi in [(0, .05), (.05, .1), (.1, 1)]:
        s = rows[(rows[:, 1] >= lo) & (rows[:, 1] < hi)]
        if len(s):
            print(f"  {lo:.2f}-{hi:.2f}: {len(s):4d}, {s[:, 2].mean():.3f}, {np.median(s[:, 0]):.2f}")
    print("lesions filling >= 5 % of the frame, by distance: frames, share over the threshold")
    for lo, hi in [(0, .6), (.6, 2)]:
        s = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi) & (rows[:, 1] >= .05)]
        if len(s):
            print(f"  {lo:.1f}-{hi:.1f}: {len(s):4d}, {s[:, 2].mean():.3f}")
    if len(sys.argv) > 4:
        cal = np.array([np.array(r["patch_scores"].split(), np.float64) for r in csv.DictReader(open(sys.argv[4]))
                        if r["class"] == "normal"])
        mean, std = cal.mean(0), cal.std(0)
        score = lambda x: ((np.array(x) - mean) / std).mean(1)   # noqa: E731
        c = np.sort(score(cal))
        t = c[len(c) - 1 - int(np.floor(0.01 * len(c)))]   # as Metrics.thresholdForFalseAlarmRate picks it
        a, n = score(patches["anomalous"]) > t, score(patches["normal"]) > t
        rim = rows[:, 0] > 0.8
        print(f"per-position image score: over its threshold {a.mean():.3f} of lesion frames ({a[rim].mean():.3f} beyond 0.8 "
              f"of the radius, {rows[rim, 2].mean():.3f} with the model's own score), {n.mean():.3f} of {len(n)} normal frames")
        # Pooling that weighs the strongest patches more: the mean of the K highest patch scores.
        grid = cal.shape[1]
        for k in (grid, grid // 2, grid // 4, grid // 8, 1):
            top = lambda x, k=k: np.sort(np.array(x), 1)[:, -k:].mean(1)   # noqa: E731
            c = np.sort(top(cal))
            t = c[len(c) - 1 - int(np.floor(0.01 * len(c)))]
            sa, sn = top(patches["anomalous"]), top(patches["normal"])
            a, n = sa > t, sn > t
            print(f"mean of the top {k:2d} patches: AUC {auc(sn, sa):.4f}, over its threshold {a.mean():.3f} of lesion frames "
                  f"({a[rim].mean():.3f} beyond 0.8), {n.mean():.3f} of normal frames")


if __name__ == "__main__":
    main()
